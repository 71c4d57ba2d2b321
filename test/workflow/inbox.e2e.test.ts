import { buildFederation, Federation } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const INBOX = `query($first: Int) { myTasks(first: $first) { edges { node { id step instance { id state round availableActions { action } } } } } }`;

describe('the inbox', () => {
  let t: TestApp;
  let counted: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    // Statements are counted on an API process of their own: the workers' relay and reconciler run beside the first.
    counted = await startAnotherInstance(t);
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver']) tokens[name] = await t.login(name);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 10_000 + i, reason: '生活困难' } }, tokens.wang);
      ids.push(res.data.applyForAid.instance.id);
    }
    await eventually(async () => (await wf.inbox(tokens['longfeng.approver'])).length >= 12, 15000, 'twelve tasks');
  });
  afterAll(async () => {
    await counted.close();
    await t.close();
  });

  async function statementsFor(first: number) {
    await counted.gql('{ viewer { username } }', {}, tokens['longfeng.approver']);
    counted.app.services.queryCounter.count = 0;
    const res = await counted.gql(INBOX, { first }, tokens['longfeng.approver']);
    expect(res.errors).toBeUndefined();
    expect(res.data.myTasks.edges).toHaveLength(first);
    return counted.app.services.queryCounter.count;
  }

  it('costs as many statements for a page of twelve tasks with their instances as for a page of three', async () => {
    const small = await statementsFor(3);
    const large = await statementsFor(12);
    expect(large).toBe(small);
    expect(large).toBeLessThanOrEqual(3);
  });
});
