import { closeRedis, createRedis, createWorkflowQueue, type WorkflowQueue } from '../../src/workflow/queue';
import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

interface TimerRow {
  id: string;
  job_id: string;
  sent_at: Date | null;
  seconds_away: number;
}

describe('timers days away', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let redis: ReturnType<typeof createRedis>;
  let queue: WorkflowQueue;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver']) tokens[name] = await t.login(name);
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    queue = createWorkflowQueue(redis, t.queuePrefix);
  });
  afterAll(async () => {
    await queue.close();
    await closeRedis(redis);
    await t.close();
  });

  const sql = (text: string, params: unknown[] = []) => t.app.services.orm.em.fork().getConnection().execute(text, params);
  const timersOf = (instanceId: string) =>
    sql(
      `select id, job_id, sent_at, extract(epoch from run_at - now())::float8 as seconds_away
         from workflow_outbox where job_name = 'timer' and payload->>'instanceId' = ? order by id`,
      [instanceId],
    ) as Promise<TimerRow[]>;
  /** The instance's timer rows once its first one is written. */
  const armed = (instanceId: string) =>
    eventually(async () => {
      const rows = await timersOf(instanceId);
      return rows.length ? rows : undefined;
    }, 5000, 'the reminder armed');
  const apply = async () => {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '冬季取暖困难' } }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  };

  it('wait in PostgreSQL, not in the queue, while they are more than a minute away', async () => {
    const instanceId = await apply();
    await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    // The grassroots step's reminder, two days out.
    const [reminder] = await armed(instanceId);
    expect(reminder.seconds_away).toBeGreaterThan(24 * 3600);
    // Several polls later it is still unsent, and BullMQ holds no delayed job.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await timersOf(instanceId))[0].sent_at).toBeNull();
    expect(await queue.getDelayedCount()).toBe(0);
  });

  it('of a step already left fire as no-ops when they come due, and their rows go', async () => {
    const instanceId = await apply();
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    const [grassroots] = await armed(instanceId);
    expect((await wf.decide(tokens['longfeng.approver'], task.id, 'approve')).errors).toBeUndefined();
    // The grassroots reminder comes due after its step was decided.
    await sql(`update workflow_outbox set run_at = now() + interval '1 second' where id = ?`, [grassroots.id]);

    await eventually(async () => !(await timersOf(instanceId)).some((r) => r.id === grassroots.id), 10000, 'the stale reminder gone');
    const instance = await wf.instance(tokens.wang, instanceId);
    expect(instance.state).toBe('COUNTY_REVIEW');
    expect(instance.history.map((h: { action: string }) => h.action)).not.toContain('remind');
    // The county step's own timer still waits.
    expect((await timersOf(instanceId)).map((r) => r.sent_at)).toEqual([null]);
  });

  it('go to the queue as delayed jobs once they are due within the minute, and run on time', async () => {
    const instanceId = await apply();
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    const [reminder] = await armed(instanceId);
    // The reminder is brought forward to three seconds from now, as if two days had passed.
    await sql(`update workflow_outbox set run_at = now() + interval '3 seconds' where id = ?`, [reminder.id]);

    const sent = await eventually(async () => (await timersOf(instanceId)).find((r) => r.id === reminder.id && r.sent_at), 5000, 'the reminder sent');
    expect(sent.seconds_away).toBeGreaterThan(0);
    const job = await queue.getJob(reminder.job_id);
    expect(await job?.getState()).toBe('delayed');

    const reminded = await eventually(async () => (await wf.inbox(tokens['longfeng.approver'])).find((x) => x.id === task.id && x.remindedAt), 15000, 'the reminder');
    expect(new Date(reminded.remindedAt).getTime()).toBeGreaterThanOrEqual(new Date(sent.sent_at!).getTime() + 2000);
  });
});
