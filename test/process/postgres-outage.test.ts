import { randomUUID } from 'node:crypto';
import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { ThrowawayPostgres } from '../support/throwaway';
import { eventually, WorkflowClient } from '../support/workflow';
import { closeRedis, createRedis, createWorkflowQueue, WorkflowQueue } from '../../src/workflow/queue';
import type { Redis } from 'ioredis';
import { Client } from 'pg';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const INBOX = '{ myTasks(first: 5) { totalCount } }';

/** The API and workers on a PostgreSQL of this file's own, which the tests stop and start again. */
describe('a PostgreSQL outage', () => {
  let pg: ThrowawayPostgres;
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let redis: Redis;
  let queue: WorkflowQueue;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    pg = await ThrowawayPostgres.start();
    // The poll is an hour: whatever is routed within a test was woken by NOTIFY.
    t = await startTestApp({ workers: true, server: pg.server, env: { OUTBOX_POLL_MS: '3600000' } });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver']) tokens[name] = await t.login(name);
    redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    queue = createWorkflowQueue(redis, t.queuePrefix);
  }, 120000);
  afterAll(async () => {
    await queue?.close();
    if (redis) await closeRedis(redis);
    await t?.close();
    pg?.destroy();
  });

  /** The raw HTTP answer, headers included. */
  async function post(query: string, variables: Record<string, unknown> = {}, token?: string) {
    const res = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { data?: any; errors?: any[] } };
  }

  const servesAgain = () =>
    eventually(async () => {
      const res = await post(INBOX, {}, tokens['longfeng.approver']);
      return res.status === 200 && !res.body.errors;
    }, 20000, 'the API to answer again');

  it('answers SERVICE_UNAVAILABLE with HTTP 503 and Retry-After while the database is down, and serves again once it is back', async () => {
    expect((await post(INBOX, {}, tokens['longfeng.approver'])).status).toBe(200);
    pg.stopServer();
    try {
      for (const [query, variables, token] of [
        [INBOX, {}, tokens['longfeng.approver']],
        ['mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: 'wang', p: 'x' }, undefined],
      ] as const) {
        const res = await post(query, variables, token);
        expect(res.status).toBe(503);
        expect(res.retryAfter).toBe('2');
        expect(res.body.errors).toEqual([
          expect.objectContaining({ extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 2, requestId: expect.any(String) } }),
        ]);
      }
    } finally {
      pg.startServer();
    }
    await servesAgain();
  });

  it('postpones a job while the database is down without using up its attempts, and runs it once it is back', async () => {
    pg.stopServer();
    let jobId: string;
    try {
      // A timer of an instance that does not exist: the handler reads PostgreSQL, finds nothing, and is done.
      const job = await queue.add('timer', { instanceId: randomUUID(), ref: 'outage-probe', kind: 'deadline' }, { jobId: `outage-probe-${randomUUID()}` });
      jobId = job.id!;
      // The default back-off (200 ms, doubling) would have spent three of its eight attempts by now.
      const postponed = await eventually(async () => {
        const seen = await queue.getJob(jobId);
        return seen && seen.attemptsStarted >= 3 ? seen : undefined;
      }, 15000, 'the job to be tried three times');
      expect([postponed.attemptsMade, postponed.failedReason]).toEqual([0, undefined]);
      expect(postponed.failedReason).toBeUndefined();
    } finally {
      pg.startServer();
    }
    // Done jobs are removed: the job is gone once it has run.
    await eventually(async () => (await queue.getJobState(jobId!)) === 'unknown', 20000, 'the postponed job to complete');
  });

  it('routes new work by NOTIFY again after a restart: the relay listens again without a process restart', async () => {
    pg.stopServer();
    pg.startServer();
    await servesAgain();
    const listening = async () => {
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      try {
        const { rowCount } = await db.query(`select 1 from pg_stat_activity where datname = current_database() and query = 'listen gonghui_outbox'`);
        return rowCount === 1;
      } finally {
        await db.end();
      }
    };
    await eventually(listening, 10000, 'the relay to LISTEN again');
    const applied = await post(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '家中突发重病，生活困难' } }, tokens.wang);
    expect(applied.body.errors).toBeUndefined();
    const startedAt = Date.now();
    const task = await wf.taskFor(tokens['longfeng.approver'], applied.body.data.applyForAid.instance.id, 'GRASSROOTS_VERIFY');
    expect(task.status).toBe('OPEN');
    // Well inside the hour-long poll: the LISTEN connection came back (or the reconnect drained the row).
    expect(Date.now() - startedAt).toBeLessThan(10000);
  });
});
