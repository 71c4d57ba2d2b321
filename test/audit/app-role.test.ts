import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/env';
import { dropDatabase } from '../../src/db/orm';
import { PersonalDataCipher } from '../../src/members/personal-data.cipher';
import { DEFAULT_SEED, seedDatabase } from '../../seeds/run';
import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';
const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

/**
 * As in production: the owner (MIGRATION_DATABASE_URL) creates, migrates and grants; the application connects
 * as a role of its own, which PostgreSQL itself stops from changing history or the ledger.
 */
describe('the application’s database role', () => {
  const suffix = randomBytes(5).toString('hex');
  const role = `gh_app_${suffix}`;
  const ownerUrl = `${SERVER}/gh_test_role_${suffix}`;
  const appUrl = (() => {
    const url = new URL(ownerUrl);
    url.username = role;
    url.password = '';
    return url.toString();
  })();
  let admin: Client;
  let asApp: Client;
  let asOwner: Client;
  let t: TestApp;
  let fed: Federation;
  let instanceId: string;

  beforeAll(async () => {
    admin = new Client({ connectionString: `${SERVER}/postgres` });
    await admin.connect();
    await admin.query(`create role ${role} login`);
    t = await startTestApp({ workers: true, env: { DATABASE_URL: appUrl, MIGRATION_DATABASE_URL: ownerUrl } });
    asOwner = new Client({ connectionString: ownerUrl });
    await asOwner.connect();
    fed = await buildFederation(t.app.services.orm.em.fork());
    asApp = new Client({ connectionString: appUrl });
    await asApp.connect();
    const wf = new WorkflowClient(t);
    const wang = await t.login('wang');
    const applied = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '冬季取暖困难' } }, wang);
    instanceId = applied.data.applyForAid.instance.id;
    const approver = await t.login('longfeng.approver');
    const task = await wf.taskFor(approver, instanceId, 'GRASSROOTS_VERIFY');
    expect((await wf.decide(approver, task.id, 'approve', '情况属实')).errors).toBeUndefined();
  }, 120000);
  afterAll(async () => {
    await asApp?.end();
    await asOwner?.end();
    await t?.close();
    await dropDatabase(ownerUrl);
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('is not the owner, and works: the application files and decides through it', async () => {
    const { rows } = await asApp.query(`select current_user as me, tableowner from pg_tables where tablename = 'workflow_history'`);
    expect(rows[0].me).toBe(role);
    expect(rows[0].tableowner).not.toBe(role);
    const { rows: history } = await asApp.query('select action from workflow_history where instance_id = $1 order by seq', [instanceId]);
    expect(history.map((h) => h.action)).toEqual(['start', 'approve']);
  });

  it('is refused UPDATE, DELETE and TRUNCATE of history and ledger, and any change to the guards', async () => {
    for (const statement of [
      `update workflow_history set comment = 'x'`,
      'delete from workflow_history',
      'truncate workflow_history cascade',
      `update ledger_entry set reason = 'x'`,
      'delete from ledger_entry',
      'truncate ledger_entry cascade',
      'alter table workflow_history disable trigger user',
      'drop trigger workflow_history_chain on workflow_history',
    ]) {
      await expect(asApp.query(statement)).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('leaves an edit by the owner behind the guards to the verifier', async () => {
    await asOwner.query('begin');
    await asOwner.query('alter table workflow_history disable trigger user');
    await asOwner.query(`update workflow_history set comment = '情况不属实' where instance_id = $1 and action = 'approve'`, [instanceId]);
    await asOwner.query('alter table workflow_history enable trigger user');
    await asOwner.query('commit');
    const res = await t.gql(`query($id: ID!) { workflowInstance(id: $id) { integrity { intact firstBrokenSeq } } }`, { id: instanceId }, await t.login('danfeng.auditor'));
    expect(res.data.workflowInstance.integrity).toEqual({ intact: false, firstBrokenSeq: 2 });
  });

  it('seeds as the owner and runs the demo work in flight as the application role', async () => {
    const seededUrl = `${SERVER}/gh_test_role_seed_${suffix}`;
    const asRole = new URL(seededUrl);
    asRole.username = role;
    const config = loadConfig({ ...process.env, DATABASE_URL: asRole.toString(), MIGRATION_DATABASE_URL: seededUrl, LOG_LEVEL: 'warn' });
    try {
      const result = await seedDatabase(seededUrl, 'demo', DEFAULT_SEED, { cipher: PersonalDataCipher.fromConfig(config), app: config });
      expect(result.inFlight).toBeGreaterThan(0);
      const client = new Client({ connectionString: asRole.toString() });
      await client.connect();
      try {
        // The engine's acts were written through the application role, which may still only append to history.
        const { rows } = await client.query<{ n: number }>('select count(*)::int as n from workflow_history');
        expect(rows[0].n).toBeGreaterThan(result.inFlight);
        await expect(client.query('delete from workflow_history')).rejects.toMatchObject({ code: '42501' });
        const owner = await client.query(`select tableowner from pg_tables where tablename = 'member'`);
        expect(owner.rows[0].tableowner).not.toBe(role);
      } finally {
        await client.end();
      }
    } finally {
      await dropDatabase(seededUrl);
    }
  }, 120_000);
});
