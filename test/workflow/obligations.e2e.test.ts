import { bootstrap } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/config/env';
import { buildFederation, Federation } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { ThrowawayRedis } from '../support/throwaway';
import { eventually, WorkflowClient } from '../support/workflow';

/** The grassroots step's three days last about three seconds; its reminder comes a second before. */
const TIME_SCALE = String(3 / (3 * 24 * 3600));
const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

describe('obligations owned by PostgreSQL', () => {
  let redis: ThrowawayRedis;
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    t = await startTestApp({
      workers: true,
      env: { REDIS_URL: redis.url, WORKFLOW_TIME_SCALE: TIME_SCALE, RECONCILE_PERIOD_MS: '200', RECONCILE_GRACE_MS: '300', FAILED_WORK_RETRY_MS: '600000', JOB_ATTEMPTS: '2' },
    });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'admin']) tokens[name] = await t.login(name);
  });
  afterAll(async () => {
    await t.close();
    await redis.kill();
  });

  const sql = (text: string, params: unknown[] = []) => t.app.services.orm.em.fork().getConnection().execute(text, params);
  const apply = async (amount = 100_000) =>
    (await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount, reason: '冬季取暖困难' } }, tokens.wang)).data.applyForAid.instance.id as string;

  it('fires a timer whose delayed job Redis lost', async () => {
    const instanceId = await apply();
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    await eventually(async () => (await sql(`select 1 from workflow_outbox where job_name = 'timer' and payload->>'instanceId' = ? and sent_at is not null`, [instanceId])).length > 0, 5000, 'the reminder armed');
    redis.flushAll();

    const reminded = await eventually(async () => (await wf.inbox(tokens['longfeng.approver'])).find((x) => x.id === task.id && x.remindedAt), 15000, 'the reminder');
    expect(reminded.remindedAt).not.toBeNull();
    expect(t.app.reconciler!.repaired.resent).toBeGreaterThan(0);
  });

  it('opens tasks whose jobs were lost after they were sent', async () => {
    // An API without workers files them; the rows are then marked sent, as if a relay had handed them to a Redis that lost them.
    const api = await bootstrap(loadConfig(process.env, { ...t.overrides, PORT: '0' }), { api: true, workers: false });
    const ids: string[] = [];
    try {
      const gql = (q: string, v: Record<string, unknown>) =>
        fetch(api.url!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.wang}` }, body: JSON.stringify({ query: q, variables: v }) }).then((r) => r.json());
      for (let i = 0; i < 3; i++) {
        const res = (await gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 50_000 + i, reason: '住房困难' } })) as { data: { applyForAid: { instance: { id: string } } } };
        ids.push(res.data.applyForAid.instance.id);
      }
      await sql(`update workflow_outbox set sent_at = now() - interval '1 hour', leased_until = null where payload->>'instanceId' = any(?::text[])`, [`{${ids.join(',')}}`]);
    } finally {
      await api.stop();
    }
    for (const id of ids) {
      const task = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      expect((await wf.decide(tokens['longfeng.approver'], task.id, 'approve')).data.decide.state).toBe('COUNTY_REVIEW');
      await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
    }
    // Every job done, every obligation gone but the timers still ahead.
    expect(await sql(`select job_name from workflow_outbox where payload->>'instanceId' = any(?::text[]) and job_name <> 'timer'`, [`{${ids.join(',')}}`])).toEqual([]);
  });

  it('lists a job that failed for good as failed work, and retries it once the fault is gone', async () => {
    // A fault no retry fixes while it lasts: the ledger refuses this application's payment.
    await sql(`create function refuse_test_payment() returns trigger language plpgsql as $$
               begin if new.amount = -123457 then raise exception 'test fault'; end if; return new; end $$`);
    await sql(`create trigger refuse_test_payment before insert on ledger_entry for each row execute function refuse_test_payment()`);
    const instanceId = await apply(123_457);
    await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], instanceId)).id, 'approve');
    await wf.decide(tokens['danfeng.approver'], (await wf.taskFor(tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW')).id, 'approve');

    const FAILED = '{ failedWork { id jobName instanceId ref failure retries } }';
    const failed = await eventually(async () => (await t.gql(FAILED, {}, tokens.admin)).data.failedWork.find((w: { instanceId: string }) => w.instanceId === instanceId), 20000, 'failed work');
    expect(failed).toMatchObject({ jobName: 'EFFECT', retries: 0 });
    expect(failed.failure).not.toMatch(/123457|test fault/);
    expect(codeOf(await t.gql(FAILED, {}, tokens['danfeng.approver']))).toBe('FORBIDDEN');
    expect((await wf.instance(tokens.wang, instanceId)).state).toBe('DISBURSE');

    await sql('drop trigger refuse_test_payment on ledger_entry');
    await sql('drop function refuse_test_payment');
    const retried = await t.gql('mutation($ids: [ID!]!) { retryFailedWork(ids: $ids) }', { ids: [failed.id] }, tokens.admin);
    expect(retried.data.retryFailedWork).toEqual([failed.id]);
    await wf.reaches(tokens.wang, instanceId, 'PAID', 15000);
    expect((await sql(`select count(*)::int as n from ledger_entry where reference like ?`, [`workflow:${instanceId}:%`]))[0].n).toBe(1);
    expect((await t.gql(FAILED, {}, tokens.admin)).data.failedWork.filter((w: { instanceId: string }) => w.instanceId === instanceId)).toEqual([]);
  });
});
