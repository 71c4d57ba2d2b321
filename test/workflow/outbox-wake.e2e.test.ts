import { buildFederation, Federation } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

/** The relay runs beside the workers; decisions come through an API process of their own, which runs none. */
describe('waking the outbox relay', () => {
  let workers: TestApp;
  let api: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // The poll is an hour: whatever the workers do within a test, the API's wake-up after its commit asked for.
    workers = await startTestApp({ workers: true, env: { OUTBOX_POLL_MS: '3600000' } });
    api = await startAnotherInstance(workers);
    fed = await buildFederation(workers.app.services.orm.em.fork());
    wf = new WorkflowClient(api);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver']) tokens[name] = await api.login(name);
  }, 120000);
  afterAll(async () => {
    await api?.close();
    await workers?.close();
  });

  it('sends no NOTIFY from inside the transactions that write the outbox', async () => {
    const [{ n }] = await workers.app.services.orm.em.fork().getConnection().execute(`select count(*)::int as n from pg_trigger where tgrelid = 'workflow_outbox'::regclass and not tgisinternal`);
    expect(n).toBe(0);
  });

  it('wakes the relay of another process after each commit that owes work now: a filing, then a payment', async () => {
    const applied = await api.gql<{ applyForAid: { instance: { id: string } } }>(
      APPLY,
      { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '家中突发重病，生活困难' } },
      tokens.wang,
    );
    expect(applied.errors).toBeUndefined();
    const id = applied.data!.applyForAid.instance.id;
    // The first task is opened by a worker's job: its outbox row reached the relay by the API's NOTIFY.
    const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
    expect((await wf.decide(tokens['longfeng.approver'], verify.id, 'approve')).data.decide.state).toBe('COUNTY_REVIEW');
    // The decision opened the county's task in its own statement.
    const review = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
    expect((await wf.decide(tokens['danfeng.approver'], review.id, 'approve')).data.decide.state).toBe('DISBURSE');
    // The disbursement is an effect job: it too was woken, not polled.
    expect((await wf.reaches(tokens.wang, id, 'PAID')).outcome).toBe('PAID');
  });
});
