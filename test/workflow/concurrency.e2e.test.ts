import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { Role } from '../../src/auth/role';
import { FundKind } from '../../src/funds/fund.entity';
import { Organization } from '../../src/organizations/organization.entity';
import { buildFederation, Federation, Fixtures } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

describe('aid application under concurrency', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let smallFundId: string;
  const tokens: Record<string, string> = {};
  const sql = (query: string, params: unknown[] = []): Promise<any[]> => t.app.services.orm.em.fork().getConnection().execute(query, params);

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    const em = t.app.services.orm.em.fork();
    fed = await buildFederation(em);
    const f = new Fixtures(em);
    const longfeng = await em.findOneOrFail(Organization, fed.orgs.longfeng.id);
    for (let i = 1; i <= 4; i++) await f.account(`longfeng.approver${i}`, [[Role.APPROVER, longfeng]]);
    await f.account('tea.approver', [[Role.APPROVER, await em.findOneOrFail(Organization, fed.orgs.tea.id)]]);
    await f.account('shangnan.clerk', [[Role.APPROVER, await em.findOneOrFail(Organization, fed.orgs.shangnan.id)]]);
    const shangnan = await em.findOneOrFail(Organization, fed.orgs.shangnan.id);
    const small = f.fund(shangnan, FundKind.HARDSHIP_AID, '商南县帮扶资金（余额不足）');
    await f.credit(small, 1_000_000);
    smallFundId = small.id;
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'longfeng.approver1', 'longfeng.approver2', 'longfeng.approver3', 'longfeng.approver4', 'danfeng.approver', 'shangnan.approver', 'tea.approver', 'shangnan.clerk']) {
      tokens[name] = await t.login(name);
    }
  });
  afterAll(() => t.close());

  async function applyAs(token: string, input: Record<string, unknown>) {
    const res = await t.gql(APPLY, { input }, token);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  }

  it('lets exactly one of several approvers deciding one task at once win; the others get CONFLICT', async () => {
    const instanceId = await applyAs(tokens.wang, { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '并发审批' });
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId);
    const names = ['longfeng.approver', 'longfeng.approver1', 'longfeng.approver2', 'longfeng.approver3', 'longfeng.approver4'];
    const results = await Promise.all(names.map((n) => wf.decide(tokens[n], task.id, 'approve')));
    const wins = results.filter((r) => !r.errors);
    expect(wins).toHaveLength(1);
    for (const r of results.filter((r) => r.errors)) expect(codeOf(r)).toBe('CONFLICT');
    const instance = await wf.instance(tokens.wang, instanceId);
    expect(instance.history.filter((h: { action: string }) => h.action === 'approve')).toHaveLength(1);
    expect(instance.state).toBe('COUNTY_REVIEW');
  });

  it('never overdraws a fund when disbursements together exceed its balance', async () => {
    // Five approved applications of 3,000 yuan against a fund holding 10,000: three are paid, two fail.
    // Filed by a county clerk on the member's behalf; the union and the county approvers decide (never the filer).
    const county = tokens['shangnan.approver'];
    const union = tokens['tea.approver'];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await applyAs(tokens['shangnan.clerk'], { memberId: fed.members.chen.id, aidType: 'HARDSHIP', fundId: smallFundId, amount: 300_000, reason: `并发拨付 ${i}` }));
    }
    for (const step of ['GRASSROOTS_VERIFY', 'COUNTY_REVIEW']) {
      const approver = step === 'GRASSROOTS_VERIFY' ? union : county;
      const tasks = await Promise.all(ids.map((id) => wf.taskFor(approver, id, step)));
      const results = await Promise.all(tasks.map((task) => wf.decide(approver, task.id, 'approve')));
      for (const r of results) expect(r.errors).toBeUndefined();
    }
    const finals = await Promise.all(ids.map((id) => wf.reachesAny(county, id, ['PAID', 'DISBURSEMENT_FAILED'])));
    expect(finals.filter((i) => i.state === 'PAID')).toHaveLength(3);
    expect(finals.filter((i) => i.state === 'DISBURSEMENT_FAILED')).toHaveLength(2);
    const [fund] = await sql(`select balance, (select sum(amount) from ledger_entry where fund_id = fund.id) as total,
        (select count(*) from ledger_entry where fund_id = fund.id and amount < 0) as debits from fund where id = ?`, [smallFundId]);
    expect(Number(fund.balance)).toBe(100_000);
    expect(Number(fund.total)).toBe(100_000);
    expect(Number(fund.debits)).toBe(3);
  });

  it('opens a task once and books a disbursement once however often their jobs are delivered', async () => {
    const instanceId = await applyAs(tokens.wang, { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 50_000, reason: '重复投递' });
    const verify = await wf.taskFor(tokens['longfeng.approver'], instanceId);
    const [{ key }] = await sql('select key from workflow_task where id = ?', [verify.id]);
    await Promise.all(Array.from({ length: 6 }, () => t.app.runner.openTask(instanceId, key)));
    expect(await sql('select id from workflow_task where instance_id = ?', [instanceId])).toHaveLength(1);

    await wf.decide(tokens['longfeng.approver'], verify.id, 'approve');
    // A stale open-task delivery after the step closed must not reopen it.
    await t.app.runner.openTask(instanceId, key);
    expect(await sql(`select id from workflow_task where instance_id = ? and status = 'OPEN' and key = ?`, [instanceId, key])).toHaveLength(0);

    const review = await wf.taskFor(tokens['danfeng.approver'], instanceId);
    await wf.decide(tokens['danfeng.approver'], review.id, 'approve');
    await wf.reaches(tokens.wang, instanceId, 'PAID');
    const [effect] = await sql('select key from workflow_effect where instance_id = ?', [instanceId]);
    await Promise.all(Array.from({ length: 6 }, () => t.app.runner.runEffect(instanceId, effect.key)));
    const entries = await sql(`select id from ledger_entry where reference = ?`, [`workflow:${effect.key}`]);
    expect(entries).toHaveLength(1);
    expect((await wf.instance(tokens.wang, instanceId)).history.filter((h: { action: string }) => h.action === 'disburse:ok')).toHaveLength(1);
  });

  it('cancels a task a worker committed while a withdrawal was waiting for the instance', async () => {
    const instanceId = await applyAs(tokens.wang, { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 70_000, reason: '撤回竞态' });
    const verify = await wf.taskFor(tokens['longfeng.approver'], instanceId);
    // A worker opening a task: it holds the instance FOR SHARE and commits its task row only once the
    // withdrawal's statement has started (and so taken a snapshot without that row) and is waiting.
    const worker = new Client({ connectionString: t.databaseUrl });
    await worker.connect();
    try {
      await worker.query('begin');
      await worker.query('select id from workflow_instance where id = $1 for share', [instanceId]);
      await worker.query(
        `insert into workflow_task (id, key, instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path,
           candidate_roles, actions, round, opened_at, due_at, escalated)
         select gen_random_uuid(), key || ':late', instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path,
                candidate_roles, actions, round, now(), due_at, escalated
           from workflow_task where id = $1`,
        [verify.id],
      );
      const withdrawal = t.gql('mutation($id: ID!) { withdraw(instanceId: $id) { state } }', { id: instanceId }, tokens.wang);
      await eventually(async () => (await sql(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)).length > 0, 5000, 'the withdrawal waiting for the lock');
      await worker.query('commit');
      expect((await withdrawal).data.withdraw.state).toBe('WITHDRAWN');
    } finally {
      await worker.end();
    }
    const tasks = await sql(`select key, status from workflow_task where instance_id = ? order by key`, [instanceId]);
    expect(tasks.map((x: { status: string }) => x.status)).toEqual(['CANCELLED', 'CANCELLED']);
  });

  it('lets one of two approvers claim a task, and keeps the other from deciding it', async () => {
    const instanceId = await applyAs(tokens.wang, { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 60_000, reason: '认领' });
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId);
    const claim = (name: string) => t.gql('mutation($id: ID!) { claimTask(taskId: $id) { claimedBy } }', { id: task.id }, tokens[name]);
    const [a, b] = await Promise.all([claim('longfeng.approver1'), claim('longfeng.approver2')]);
    expect([a, b].filter((r) => !r.errors)).toHaveLength(1);
    const winner = a.errors ? 'longfeng.approver2' : 'longfeng.approver1';
    const loser = a.errors ? 'longfeng.approver1' : 'longfeng.approver2';
    expect(codeOf(await wf.decide(tokens[loser], task.id, 'approve'))).toBe('CONFLICT');
    const mine = await wf.inbox(tokens[winner], { claimedByMe: true });
    expect(mine.map((x) => x.id)).toContain(task.id);

    const loserAccount: { id: string }[] = await sql('select id from account where username = ?', [loser]);
    const handed = await t.gql('mutation($id: ID!, $to: ID!) { reassignTask(taskId: $id, toAccountId: $to) { claimedBy } }', { id: task.id, to: loserAccount[0].id }, tokens[winner]);
    expect(handed.data.reassignTask.claimedBy).toBe(loserAccount[0].id);
    const notCandidate = await t.gql('mutation($id: ID!, $to: ID!) { reassignTask(taskId: $id, toAccountId: $to) { claimedBy } }', { id: task.id, to: fed.accounts.wang.id }, tokens[loser]);
    expect(codeOf(notCandidate)).toBe('BAD_USER_INPUT');
    expect((await t.gql('mutation($id: ID!) { unclaimTask(taskId: $id) { claimedBy } }', { id: task.id }, tokens[loser])).data.unclaimTask.claimedBy).toBeNull();
    expect((await wf.decide(tokens[winner], task.id, 'approve', undefined, randomUUID())).errors).toBeUndefined();
  });
});
