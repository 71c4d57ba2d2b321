import { bootstrap } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/config/env';
import { buildFederation, Federation } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp, productionEnv } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation ApplyForAid($input: ApplyForAidInput!) { applyForAid(input: $input) { id instance { id state } } }`;
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

async function scrape(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(new URL('/metrics', base), { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one sample, e.g. value(text, 'gonghui_outbox_depth') or with labels '{workflow="aid-application"}'. */
function value(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('Prometheus metrics', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
  });
  afterAll(() => t?.close());

  it('serves the Prometheus text format, open outside production, with the default Node metrics', async () => {
    const res = await scrape(t.url);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('gonghui_process_cpu_seconds_total');
    expect(res.text).toContain('gonghui_nodejs_eventloop_lag_seconds');
  });

  it('counts a decision by workflow and action, times operations by name, and reports the backlog', async () => {
    const wang = await t.login('wang');
    const approver = await t.login('longfeng.approver');
    const applied = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 300_000, reason: '家中突发重病，生活困难' } }, wang);
    expect(applied.errors).toBeUndefined();
    const task = await wf.taskFor(approver, applied.data.applyForAid.instance.id, 'GRASSROOTS_VERIFY');

    const decisions = '{workflow="aid-application",action="approve"}';
    const before = value((await scrape(t.url)).text, 'gonghui_workflow_decisions_total', decisions) ?? 0;
    expect((await wf.decide(approver, task.id, 'approve')).errors).toBeUndefined();
    const { text } = await scrape(t.url);

    expect(value(text, 'gonghui_workflow_decisions_total', decisions)).toBe(before + 1);
    expect(value(text, 'gonghui_graphql_operation_duration_seconds_count', '{operation="ApplyForAid",type="mutation"}')).toBe(1);
    expect(value(text, 'gonghui_http_request_duration_seconds_count', '{route="graphql",operation="ApplyForAid",status="200"}')).toBe(1);
    // The county review is open now, its deadline days away.
    await wf.taskFor(await t.login('danfeng.approver'), applied.data.applyForAid.instance.id, 'COUNTY_REVIEW');
    const backlog = (await scrape(t.url)).text;
    expect(value(backlog, 'gonghui_workflow_open_tasks', '{workflow="aid-application"}')).toBe(1);
    expect(value(backlog, 'gonghui_workflow_overdue_tasks', '{workflow="aid-application"}')).toBe(0);
    expect(value(backlog, 'gonghui_outbox_depth')).toBeGreaterThanOrEqual(0);
    expect(value(backlog, 'gonghui_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    // The step's reminder, days away, waits in PostgreSQL, not in the queue; the open-task and effect jobs ran in the workers.
    expect(value(backlog, 'gonghui_obligations_scheduled')).toBeGreaterThan(0);
    expect(value(backlog, 'gonghui_queue_jobs', '{queue="workflow",state="delayed"}')).toBe(0);
    expect(value(backlog, 'gonghui_job_duration_seconds_count', '{job="open-task",outcome="completed"}')).toBeGreaterThan(0);
    expect(backlog).toContain('# TYPE gonghui_job_failures_total counter');
  });

  it('counts the errors answered, by code', async () => {
    const before = value((await scrape(t.url)).text, 'gonghui_graphql_errors_total', '{code="UNAUTHENTICATED"}') ?? 0;
    await t.gql('{ members(first: 1) { totalCount } }');
    expect(value((await scrape(t.url)).text, 'gonghui_graphql_errors_total', '{code="UNAUTHENTICATED"}')).toBe(before + 1);
  });

  it('reads the outbox depth and how long its oldest due row has waited from the table', async () => {
    const em = t.app.services.orm.em.fork();
    // A row no relay will take for a while (leased), due a minute ago.
    await em.getConnection().execute(
      `insert into workflow_outbox (job_id, job_name, payload, run_at, created_at, leased_until)
       values ('metrics-test', 'timer', '{}', now() - interval '60 seconds', now() - interval '60 seconds', now() + interval '1 hour')`,
    );
    try {
      const { text } = await scrape(t.url);
      expect(value(text, 'gonghui_outbox_depth')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'gonghui_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(60);
    } finally {
      await em.getConnection().execute(`delete from workflow_outbox where job_id = 'metrics-test'`);
    }
  });

  describe('in production', () => {
    const production = productionEnv();

    it('asks for the bearer METRICS_TOKEN', async () => {
      const guarded = await startAnotherInstance(t, { ...production, METRICS_TOKEN });
      try {
        expect((await scrape(guarded.url)).status).toBe(401);
        expect((await scrape(guarded.url, { authorization: 'Bearer wrong-token' })).status).toBe(401);
        const res = await scrape(guarded.url, { authorization: `Bearer ${METRICS_TOKEN}` });
        expect(res.status).toBe(200);
        expect(res.text).toContain('gonghui_workflow_decisions_total');
      } finally {
        await guarded.close();
      }
    });

    it('serves metrics only on METRICS_PORT when it is set, not on the API port', async () => {
      const separate = await startAnotherInstance(t, { ...production, METRICS_PORT: '0' });
      try {
        expect(separate.app.opsUrl).toBeDefined();
        expect((await scrape(separate.url)).status).not.toBe(200);
        const res = await scrape(separate.app.opsUrl!);
        expect(res.status).toBe(200);
        expect(res.text).toContain('gonghui_outbox_depth');
      } finally {
        await separate.close();
      }
    });

    it('serves no metrics at all without either', async () => {
      const unguarded = await startAnotherInstance(t, production);
      try {
        expect((await scrape(unguarded.url)).status).not.toBe(200);
      } finally {
        await unguarded.close();
      }
    });
  });

  it('has a worker-only process answer /healthz, /readyz and /metrics on METRICS_PORT', async () => {
    const worker = await bootstrap(loadConfig(process.env, { ...t.overrides, METRICS_PORT: '0' }), { api: false, workers: true });
    try {
      expect(worker.url).toBeUndefined();
      expect(await (await fetch(new URL('/healthz', worker.opsUrl))).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(new URL('/readyz', worker.opsUrl))).json()).toEqual({ status: 'ok' });
      const res = await scrape(worker.opsUrl!);
      expect(res.status).toBe(200);
      expect(res.text).toContain('gonghui_queue_jobs');
    } finally {
      await worker.stop();
    }
  });
});
