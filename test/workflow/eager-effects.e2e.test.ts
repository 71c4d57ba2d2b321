import { bootstrap, type App } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/config/env';
import { buildFederation, Federation, sqlOn } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

describe("a system step's effect, run by the process that reached the step", () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let sql: ReturnType<typeof sqlOn>;
  const apiLog: string[] = [];
  const workerLog: string[] = [];
  const tokens: Record<string, string> = {};
  /** Workers that run no effect themselves: they open the filings' first tasks, and take what the API hands them. */
  let workers: App | undefined;

  const startWorkers = async () => {
    workers = await bootstrap(loadConfig(process.env, { ...t.overrides, EAGER_EFFECTS: '0' }), {
      api: false,
      workers: true,
      logDestination: { write: (line) => void workerLog.push(line) },
    });
  };
  const stopWorkers = async () => {
    await workers?.stop();
    workers = undefined;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logLines: apiLog });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    sql = sqlOn(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver']) tokens[name] = await t.login(name);
  });
  afterEach(stopWorkers);
  afterAll(() => t.close());

  /** An aid application approved by its union, waiting for the county's decision, which leads to the payment. */
  async function awaitingCounty(amount: number) {
    await startWorkers();
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount, reason: '冬季取暖困难' } }, tokens.wang);
    const instanceId = res.data.applyForAid.instance.id as string;
    await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY')).id, 'approve');
    const task = await wf.taskFor(tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW');
    await stopWorkers();
    return { instanceId, task };
  }

  const payments = async (instanceId: string) =>
    (await sql(`select count(*)::int as n from ledger_entry where reference like ?`, [`workflow:${instanceId}:%`]))[0].n as number;
  const effectRows = (instanceId: string) =>
    sql(`select sent_at, leased_until > now() as leased from workflow_outbox where job_name = 'effect' and payload->>'instanceId' = ?`, [instanceId]);
  const logged = (lines: string[], msg: string, instanceId: string) =>
    lines.some((line) => line.includes(`"msg":"${msg}"`) && line.includes(instanceId));
  /** The API's count of effects it took that ended as `outcome` (gonghui_eager_effects_total). */
  const counted = async (outcome: 'ran' | 'handed_over') =>
    (await t.app.metrics.eagerEffects.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

  it('pays right after the decision that reaches the payment, with no worker running', async () => {
    const { instanceId, task } = await awaitingCounty(100_000);
    const ran = await counted('ran');

    const decided = await wf.decide(tokens['danfeng.approver'], task.id, 'approve');
    expect(decided.data.decide.state).toBe('DISBURSE');

    await wf.reaches(tokens.wang, instanceId, 'PAID');
    expect(await payments(instanceId)).toBe(1);
    expect(await effectRows(instanceId)).toEqual([]);
    expect(logged(apiLog, 'workflow effect ran', instanceId)).toBe(true);
    expect(await counted('ran')).toBe(ran + 1);
  });

  it('hands an effect that fails to the workers, who retry it once the fault is gone', async () => {
    const { instanceId, task } = await awaitingCounty(123_459);
    const handedOver = await counted('handed_over');
    await sql(`create function refuse_eager_payment() returns trigger language plpgsql as $$
               begin if new.amount = -123459 then raise exception 'test fault'; end if; return new; end $$`);
    await sql(`create trigger refuse_eager_payment before insert on ledger_entry for each row execute function refuse_eager_payment()`);
    try {
      await wf.decide(tokens['danfeng.approver'], task.id, 'approve');
      // Handed over: unsent and unleased, for the next relay to send.
      await eventually(async () => {
        const rows = await effectRows(instanceId);
        return rows.length === 1 && rows[0].sent_at === null && rows[0].leased === null;
      }, 10000, 'the effect handed to the relays');
      expect(logged(apiLog, 'effect failed in the process that reached it; the workers will retry it', instanceId)).toBe(true);
      expect((await wf.instance(tokens.wang, instanceId)).state).toBe('DISBURSE');
      expect(await payments(instanceId)).toBe(0);
      expect(await counted('handed_over')).toBe(handedOver + 1);
    } finally {
      await sql('drop trigger refuse_eager_payment on ledger_entry');
      await sql('drop function refuse_eager_payment');
    }

    await startWorkers();
    await wf.reaches(tokens.wang, instanceId, 'PAID');
    expect(await payments(instanceId)).toBe(1);
    expect(logged(workerLog, 'workflow effect ran', instanceId)).toBe(true);
  });

  it('leaves every effect to the workers when the process takes none', async () => {
    const { instanceId, task } = await awaitingCounty(100_000);
    // Another API, as in a deployment that leaves effects to its workers.
    const other = await startAnotherInstance(t, { EAGER_EFFECTS: '0', LOG_LEVEL: 'silent' });
    try {
      await new WorkflowClient(other).decide(tokens['danfeng.approver'], task.id, 'approve');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await wf.instance(tokens.wang, instanceId)).state).toBe('DISBURSE');
      expect(await effectRows(instanceId)).toEqual([{ sent_at: null, leased: null }]);
    } finally {
      await other.close();
    }

    await startWorkers();
    await wf.reaches(tokens.wang, instanceId, 'PAID');
    expect(logged(workerLog, 'workflow effect ran', instanceId)).toBe(true);
  });
});
