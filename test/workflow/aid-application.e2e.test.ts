import { buildFederation, Federation } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id amount instance { id state } } }`;

describe('aid application', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'city.approver', 'city.finance', 'shangnan.approver']) {
      tokens[name] = await t.login(name);
    }
  });
  afterAll(() => t.close());

  const balanceOf = async (fundId: string) => {
    const res = await t.gql('query($id: ID!) { fund(id: $id) { balance ledger(first: 5) { edges { node { amount reference } } } } }', { id: fundId }, tokens['city.finance']);
    return res.data.fund;
  };

  async function apply(amount: number, fundId = fed.funds.danfengAid.id) {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId, amount, reason: '家中突发重病，生活困难' } }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid;
  }

  it('pays an amount below the threshold after the grassroots union and the county approve', async () => {
    const before = (await balanceOf(fed.funds.danfengAid.id)).balance;
    const application = await apply(300_000);
    const instanceId = application.instance.id;
    expect(application.instance.state).toBe('GRASSROOTS_VERIFY');

    const verify = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    expect((await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '情况属实')).data.decide.state).toBe('COUNTY_REVIEW');

    const review = await wf.taskFor(tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW');
    await wf.decide(tokens['danfeng.approver'], review.id, 'approve');
    const paid = await wf.reaches(tokens.wang, instanceId, 'PAID');

    expect(paid.status).toBe('COMPLETED');
    expect(paid.outcome).toBe('PAID');
    expect(paid.history.map((h: { action: string }) => h.action)).toEqual(['start', 'approve', 'approve', 'disburse:ok']);
    const after = await balanceOf(fed.funds.danfengAid.id);
    expect(after.balance).toBe(before - 300_000);
    expect(after.ledger.edges[0].node.amount).toBe(-300_000);
  });

  it('routes amounts above the threshold to the city', async () => {
    const application = await apply(800_000);
    const instanceId = application.instance.id;
    await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], instanceId)).id, 'approve');
    const county = await wf.decide(tokens['danfeng.approver'], (await wf.taskFor(tokens['danfeng.approver'], instanceId)).id, 'approve');
    expect(county.data.decide.state).toBe('CITY_APPROVAL');
    const cityTask = await wf.taskFor(tokens['city.approver'], instanceId, 'CITY_APPROVAL');
    expect(codeOf(await wf.decide(tokens['shangnan.approver'], cityTask.id, 'approve'))).toMatch(/FORBIDDEN|NOT_FOUND/);
    await wf.decide(tokens['city.approver'], cityTask.id, 'approve');
    await wf.reaches(tokens.wang, instanceId, 'PAID');
  });
});
