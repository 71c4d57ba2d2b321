import { join } from 'node:path';
import { Client } from 'pg';
import { buildFederation, Federation } from '../support/fixtures';
import { GqlResult, productionEnv, startTestApp, TestApp } from '../support/harness';
import { AppProcess, buildDist, freePort, ThrowawayRedis } from '../support/throwaway';
import { eventually, WorkflowClient } from '../support/workflow';

const GRACE_MS = 8000;
const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

/** What every process of the built app gets: production mode, so nothing test-only (Jest's NODE_ENV=test) changes the outcome. */
function asProduction(t: TestApp, env: Record<string, string>): Record<string, string> {
  return {
    ...productionEnv(),
    DATABASE_URL: t.databaseUrl,
    QUEUE_PREFIX: t.queuePrefix,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: String(GRACE_MS),
    ...env,
  };
}

/** The API's entry point as a child process on `t`'s database, on a port of its own. */
async function startApi(dist: string, t: TestApp, args: string[]): Promise<{ api: AppProcess; url: string }> {
  const port = await freePort();
  const api = AppProcess.start(join(dist, 'src/main.js'), args, asProduction(t, { PORT: String(port), HOST: '127.0.0.1' }));
  await api.says('GraphQL API listening');
  return { api, url: `http://127.0.0.1:${port}/` };
}

/** GraphQL against a child process (the harness's client speaks to the in-process app). */
function childClient(url: string): TestApp {
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, ...((await res.json()) as object) } as GqlResult<T>;
  };
  const login = async (username: string) =>
    ((await gql<{ login: { token: string } }>('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: username, p: 'test-password-1' })).data!
      .login.token);
  return { gql, login } as TestApp;
}

/** Waits until a backend of the database waits on a lock. */
const someoneWaitsOnALock = (db: Client) =>
  eventually(async () => {
    const { rowCount } = await db.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
    return rowCount! > 0;
  }, 10000, 'a statement to wait on the row');

/** The real entry points as child processes, sent real signals. */
describe('stopping a process', () => {
  let dist: string;
  beforeAll(() => {
    dist = buildDist();
  }, 180000);

  describe('the API with its workers, on SIGTERM', () => {
    let t: TestApp;
    let fed: Federation;
    let api: AppProcess;
    let url: string;

    beforeAll(async () => {
      t = await startTestApp();
      fed = await buildFederation(t.app.services.orm.em.fork());
      ({ api, url } = await startApi(dist, t, ['--with-workers']));
    }, 60000);
    afterAll(async () => {
      api?.kill();
      await t?.close();
    });

    it('finishes a decision in flight, answers it, commits it whole, and exits 0 within the grace', async () => {
      const child = childClient(url);
      const wang = await child.login('wang');
      const approver = await child.login('longfeng.approver');
      const wf = new WorkflowClient(child);
      const applied = await child.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '家中突发重病，生活困难' } }, wang);
      const instanceId = applied.data.applyForAid.instance.id as string;
      const task = await wf.taskFor(approver, instanceId, 'GRASSROOTS_VERIFY');

      // Hold the instance's row so the decision waits inside its statement, in flight when the signal comes.
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      try {
        await db.query('begin');
        await db.query('select 1 from workflow_instance where id = $1 for update', [instanceId]);
        const decision = wf.decide(approver, task.id, 'approve', '情况属实');
        await someoneWaitsOnALock(db);

        const signalledAt = Date.now();
        api.child.kill('SIGTERM');
        await api.says('shutting down');
        // Apollo's own handler used to re-raise SIGTERM here and end the process (exit 143) mid-request.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(api.running).toBe(true);
        await expect(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).rejects.toThrow();

        await db.query('commit');
        const answered = await decision;
        expect(answered.errors).toBeUndefined();
        expect(answered.data.decide.state).toBe('COUNTY_REVIEW');

        const exit = await api.exited;
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
        expect(exit.at - signalledAt).toBeLessThan(GRACE_MS);
        const { rows } = await db.query('select action from workflow_history where instance_id = $1 order by seq', [instanceId]);
        expect(rows.map((r) => r.action)).toEqual(['start', 'approve']);
      } finally {
        await db.query('rollback').catch(() => undefined);
        await db.end();
      }
    });
  });

  describe('the API killed (-9) while it runs the effect its decision reached', () => {
    let t: TestApp;
    let fed: Federation;
    let api: AppProcess;
    let url: string;

    beforeAll(async () => {
      // In this process: the database, and workers that run no effect of their own, to take what the API leaves.
      t = await startTestApp({ workers: true, env: { EAGER_EFFECTS: '0' } });
      fed = await buildFederation(t.app.services.orm.em.fork());
      ({ api, url } = await startApi(dist, t, []));
    }, 60000);
    afterAll(async () => {
      api?.kill();
      await t?.close();
    });

    it('leaves the payment to the workers once its lease runs out, and pays it once', async () => {
      const child = childClient(url);
      const [wang, grassroots, county] = [await child.login('wang'), await child.login('longfeng.approver'), await child.login('danfeng.approver')];
      const wf = new WorkflowClient(child);
      const applied = await child.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '家中突发重病，生活困难' } }, wang);
      const instanceId = applied.data.applyForAid.instance.id as string;
      await wf.decide(grassroots, (await wf.taskFor(grassroots, instanceId, 'GRASSROOTS_VERIFY')).id, 'approve');
      const task = await wf.taskFor(county, instanceId, 'COUNTY_REVIEW');

      // Hold the fund's row: the payment waits inside the API's effect transaction when the API dies.
      const db = new Client({ connectionString: t.databaseUrl });
      await db.connect();
      const effectRow = async () =>
        (await db.query(`select sent_at, leased_until > now() as leased from workflow_outbox where job_name = 'effect' and payload->>'instanceId' = $1`, [instanceId])).rows;
      try {
        await db.query('begin');
        await db.query('select 1 from fund where id = $1 for update', [fed.funds.danfengAid.id]);
        const decided = await wf.decide(county, task.id, 'approve');
        expect(decided.data.decide.state).toBe('DISBURSE');
        await someoneWaitsOnALock(db);
        api.child.kill('SIGKILL');
        await api.exited;
        await db.query('commit');

        // The row is still this API's: the relays wait out its lease rather than run the payment twice.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(await effectRow()).toEqual([{ sent_at: null, leased: true }]);
        expect((await db.query('select state from workflow_instance where id = $1', [instanceId])).rows).toEqual([{ state: 'DISBURSE' }]);

        // Its lease runs out (thirty seconds, shortened here).
        await db.query(`update workflow_outbox set leased_until = now() where job_name = 'effect' and payload->>'instanceId' = $1`, [instanceId]);
        await eventually(async () => (await db.query('select state from workflow_instance where id = $1', [instanceId])).rows[0].state === 'PAID', 15000, 'the payment');
        const payments = await db.query(`select count(*)::int as n from ledger_entry where reference like $1`, [`workflow:${instanceId}:%`]);
        expect(payments.rows).toEqual([{ n: 1 }]);
        expect(await effectRow()).toEqual([]);
      } finally {
        await db.query('rollback').catch(() => undefined);
        await db.end();
      }
    });
  });

  describe('a worker whose Redis is down, on SIGTERM', () => {
    let t: TestApp;
    let redis: ThrowawayRedis;
    let worker: AppProcess;

    beforeAll(async () => {
      t = await startTestApp();
      redis = await ThrowawayRedis.start();
      worker = AppProcess.start(join(dist, 'src/worker.js'), [], asProduction(t, { REDIS_URL: redis.url, SHUTDOWN_GRACE_MS: '3000' }));
      await worker.says('workers running');
    }, 60000);
    afterAll(async () => {
      worker?.kill();
      await redis?.kill();
      await t?.close();
    });

    it('exits 0 within the grace instead of waiting for Redis to return', async () => {
      await redis.kill();
      await worker.says('ECONNREFUSED');
      const signalledAt = Date.now();
      worker.child.kill('SIGTERM');
      const exit = await worker.exited;
      expect(exit.at - signalledAt).toBeLessThan(3000);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    });
  });
});
