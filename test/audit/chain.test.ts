import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { verifyAllChains } from '../../src/audit/chain.repository';
import { buildFederation, Federation, sqlOn } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { buildDist } from '../support/throwaway';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const CREDIT = `mutation($input: CreditFundInput!) { creditFund(input: $input) { id } }`;
const INTEGRITY = `query($id: ID!) { workflowInstance(id: $id) { integrity { intact firstBrokenSeq } } }`;

describe('the audit trail is tamper-evident', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let sql: ReturnType<typeof sqlOn>;
  let owner: Client;
  let instanceId: string;
  const tokens: Record<string, string> = {};

  /** What the database owner can do behind the application's back: the guards off for one transaction. */
  async function asOwnerBypassingGuards(table: string, statement: string, params: unknown[] = []) {
    await owner.query('begin');
    await owner.query(`alter table ${table} disable trigger user`);
    await owner.query(statement, params);
    await owner.query(`alter table ${table} enable trigger user`);
    await owner.query('commit');
  }
  const verify = () => verifyAllChains(async (text, params) => (await owner.query(text, params)).rows);
  const history = () => sql<{ id: string; seq: number; comment: string | null }>('select id, seq, comment from workflow_history where instance_id = ? order by seq, id', [instanceId]);
  const integrity = async (token = tokens.wang) => (await t.gql(INTEGRITY, { id: instanceId }, token)).data?.workflowInstance?.integrity;

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    sql = sqlOn(t);
    wf = new WorkflowClient(t);
    owner = new Client({ connectionString: t.databaseUrl });
    await owner.connect();
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'danfeng.finance']) tokens[name] = await t.login(name);
    const applied = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 300_000, reason: '家中突发重病，生活困难' } }, tokens.wang);
    instanceId = applied.data.applyForAid.instance.id;
    const verifyTask = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['longfeng.approver'], verifyTask.id, 'approve', '情况属实');
    const review = await wf.taskFor(tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW');
    await wf.decide(tokens['danfeng.approver'], review.id, 'approve');
    await wf.reaches(tokens.wang, instanceId, 'PAID');
  }, 60000);
  afterAll(async () => {
    await owner.end();
    await t.close();
  });

  it('verifies clean chains, also for bookings made concurrently on one fund', async () => {
    const credits = Array.from({ length: 12 }, (_, i) =>
      t.gql(CREDIT, { input: { fundId: fed.funds.danfengAid.id, amount: 100 + i, reason: '下拨', reference: `CHAIN-${i}` } }, tokens['danfeng.finance']),
    );
    for (const res of await Promise.all(credits)) expect(res.errors).toBeUndefined();
    const report = await verify();
    expect(report.workflow_history.broken).toEqual([]);
    expect(report.ledger_entry.broken).toEqual([]);
    expect(report.workflow_history.rows).toBeGreaterThanOrEqual(4);
    expect(report.ledger_entry.rows).toBeGreaterThanOrEqual(13);
    expect(await integrity()).toEqual({ intact: true, firstBrokenSeq: null });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of history and ledger by the application', async () => {
    for (const [table, column] of [['workflow_history', 'comment'], ['ledger_entry', 'reference']]) {
      await expect(sql(`update ${table} set ${column} = 'x'`)).rejects.toThrow(/append-only/);
      await expect(sql(`delete from ${table}`)).rejects.toThrow(/append-only/);
      await expect(sql(`truncate ${table} cascade`)).rejects.toThrow(/append-only/);
    }
    expect((await history()).length).toBeGreaterThanOrEqual(4);
  });

  it('lets a deliberate reset truncate, with gonghui.allow_reset set for its transaction only', async () => {
    await owner.query('begin');
    await owner.query(`set local gonghui.allow_reset = 'on'`);
    await owner.query('truncate workflow_history, ledger_entry cascade');
    expect((await owner.query('select count(*)::int as n from workflow_history')).rows[0].n).toBe(0);
    await owner.query('rollback');
    await expect(owner.query('truncate workflow_history cascade')).rejects.toThrow(/append-only/);
  });

  it('finds a history row edited behind the guard, at its seq, and intact again once it is put back', async () => {
    const [, second] = await history();
    await asOwnerBypassingGuards('workflow_history', 'update workflow_history set comment = $1 where id = $2', ['情况不属实', second.id]);
    expect((await verify()).workflow_history.broken).toEqual([{ kind: 'workflow_history', chainId: instanceId, seq: second.seq }]);
    expect(await integrity()).toEqual({ intact: false, firstBrokenSeq: second.seq });
    expect(await integrity(tokens['danfeng.approver'])).toEqual({ intact: false, firstBrokenSeq: second.seq });

    await asOwnerBypassingGuards('workflow_history', 'update workflow_history set comment = $1 where id = $2', [second.comment, second.id]);
    expect(await integrity()).toEqual({ intact: true, firstBrokenSeq: null });
  });

  it('finds a deleted history row: the link after it breaks', async () => {
    const [, second, third] = await history();
    await asOwnerBypassingGuards('workflow_history', 'delete from workflow_history where id = $1', [second.id]);
    expect(await integrity()).toEqual({ intact: false, firstBrokenSeq: third.seq });
  });

  it('finds a ledger entry edited behind the guard, in its fund, at its seq', async () => {
    const [entry] = await sql<{ id: string; seq: string }>(`select id, seq from ledger_entry where reference = 'CHAIN-5'`);
    await asOwnerBypassingGuards('ledger_entry', 'update ledger_entry set amount = amount * 100 where id = $1', [entry.id]);
    expect((await verify()).ledger_entry.broken).toEqual([{ kind: 'ledger_entry', chainId: fed.funds.danfengAid.id, seq: Number(entry.seq) }]);
  });

  it('npm run verify prints every broken link and exits 1', () => {
    const run = spawnSync(process.execPath, [join(buildDist(), 'scripts', 'verify.js')], {
      env: { ...process.env, DATABASE_URL: t.databaseUrl },
      timeout: 30000,
    });
    const out = run.stdout.toString();
    expect(out).toContain(`BROKEN workflow_history ${instanceId} at seq`);
    expect(out).toContain(`BROKEN ledger_entry ${fed.funds.danfengAid.id} at seq`);
    expect(out).toMatch(/ledger_entry: \d+ rows in \d+ chains, 1 broken/);
    expect(run.status).toBe(1);
  }, 300000);
});
