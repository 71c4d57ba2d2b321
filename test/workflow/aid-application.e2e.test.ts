import { FundKind } from '../../src/funds/fund.entity';
import { Organization } from '../../src/organizations/organization.entity';
import { buildFederation, Federation, Fixtures } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id amount instance { id state } } }`;

describe('aid application', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};
  let otherCountyFundId: string;

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    const em = t.app.services.orm.em.fork();
    const f = new Fixtures(em, 500);
    const otherCounty = f.fund(await em.findOneOrFail(Organization, fed.orgs.shangnan.id), FundKind.HARDSHIP_AID, '商南县困难职工帮扶资金');
    await f.flush();
    await f.credit(otherCounty, 1_000_000_00);
    otherCountyFundId = otherCounty.id;
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

  it('ends rejected, with the reason kept, when the county rejects', async () => {
    const { instance } = await apply(200_000);
    await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], instance.id)).id, 'approve');
    const review = await wf.taskFor(tokens['danfeng.approver'], instance.id);
    const noReason = await wf.decide(tokens['danfeng.approver'], review.id, 'reject');
    expect(codeOf(noReason)).toBe('BAD_USER_INPUT');
    expect(noReason.errors![0].extensions!.reason).toBe('COMMENT_REQUIRED');

    const rejected = (await wf.decide(tokens['danfeng.approver'], review.id, 'reject', '不符合困难职工认定标准')).data.decide;
    expect(rejected).toMatchObject({ state: 'REJECTED', status: 'COMPLETED', outcome: 'REJECTED', openTasks: [] });
    expect(rejected.history.at(-1)).toMatchObject({
      fromState: 'COUNTY_REVIEW',
      toState: 'REJECTED',
      action: 'reject',
      comment: '不符合困难职工认定标准',
      actorOrganizationId: fed.orgs.danfeng.id,
      actingAs: 'ASSIGNEE',
    });
    expect(await wf.inbox(tokens['danfeng.approver'])).not.toContainEqual(expect.objectContaining({ instanceId: instance.id }));
  });

  it('returns for more material, and the applicant resubmits with a corrected amount', async () => {
    const { id, instance } = await apply(250_000);
    const verify = await wf.taskFor(tokens['longfeng.approver'], instance.id);
    await wf.decide(tokens['longfeng.approver'], verify.id, 'return', '请补充医院诊断证明');
    const revise = await wf.taskFor(tokens.wang, instance.id, 'RETURNED');
    expect(revise.kind).toBe('APPLICANT');

    const res = await t.gql(
      `mutation($id: ID!) { resubmit(instanceId: $id, comment: "已补充诊断证明", changes: { amount: 200000 }) { state round } }`,
      { id: instance.id },
      tokens.wang,
    );
    expect(res.data.resubmit).toEqual({ state: 'GRASSROOTS_VERIFY', round: 2 });
    const again = await wf.taskFor(tokens['longfeng.approver'], instance.id, 'GRASSROOTS_VERIFY');
    expect(again.round).toBe(2);
    const app = await t.gql('query($id: ID!) { aidApplication(id: $id) { amount } }', { id }, tokens.wang);
    expect(app.data.aidApplication.amount).toBe(200_000);
  });

  it('lets the applicant withdraw before a decision, and nobody else', async () => {
    const { instance } = await apply(100_000);
    await wf.taskFor(tokens['longfeng.approver'], instance.id);
    const byOther = await t.gql('mutation($id: ID!) { withdraw(instanceId: $id) { state } }', { id: instance.id }, tokens['danfeng.approver']);
    expect(codeOf(byOther)).toBe('FORBIDDEN');
    const res = await t.gql('mutation($id: ID!) { withdraw(instanceId: $id, comment: "问题已解决") { state outcome } }', { id: instance.id }, tokens.wang);
    expect(res.data.withdraw).toEqual({ state: 'WITHDRAWN', outcome: 'WITHDRAWN' });
    const twice = await t.gql('mutation($id: ID!) { withdraw(instanceId: $id) { state } }', { id: instance.id }, tokens.wang);
    expect(codeOf(twice)).toBe('CONFLICT');
  });

  it('refuses an action the step does not allow, and changes nothing', async () => {
    const { instance } = await apply(100_000);
    const verify = await wf.taskFor(tokens['longfeng.approver'], instance.id);
    const res = await wf.decide(tokens['longfeng.approver'], verify.id, 'pay-out-now');
    expect(codeOf(res)).toBe('BAD_USER_INPUT');
    expect((await wf.instance(tokens.wang, instance.id)).seq).toBe(1);
  });

  it('answers a repeated decide with the same idempotency key with the first result', async () => {
    const { instance } = await apply(100_000);
    const verify = await wf.taskFor(tokens['longfeng.approver'], instance.id);
    const first = await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', undefined, 'key-repeat-0001');
    const second = await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', undefined, 'key-repeat-0001');
    expect(second.errors).toBeUndefined();
    expect(second.data.decide.seq).toBe(first.data.decide.seq);
    const history = (await wf.instance(tokens.wang, instance.id)).history;
    expect(history.filter((h: { action: string }) => h.action === 'approve')).toHaveLength(1);
  });

  it('validates an application before anything is written', async () => {
    const count = async () => (await t.gql('{ aidApplications { totalCount } }', {}, tokens.wang)).data.aidApplications.totalCount;
    const before = await count();
    const bad = [
      { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: -5, reason: 'x' },
      { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100, reason: '' },
      { aidType: 'EDUCATION', fundId: fed.funds.danfengAid.id, amount: 100, reason: '学费' },
      { aidType: 'HARDSHIP', fundId: fed.funds.longfengDues.id, amount: 100, reason: '困难' },
      { aidType: 'HARDSHIP', fundId: 'not-an-id', amount: 100, reason: '困难' },
    ];
    for (const input of bad) expect(codeOf(await t.gql(APPLY, { input }, tokens.wang))).toBe('BAD_USER_INPUT');
    const otherCounty = await t.gql(APPLY, { input: { memberId: fed.members.chen.id, aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100, reason: '困难' } }, tokens['danfeng.approver']);
    expect(codeOf(otherCounty)).toBe('NOT_FOUND');
    expect(await count()).toBe(before);
  });

  it('lets the grassroots union apply on a member’s behalf, but not verify its own filing', async () => {
    const res = await t.gql(APPLY, { input: { memberId: fed.members.li.id, aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount: 150_000, reason: '代为申请' } }, tokens['longfeng.approver']);
    expect(res.errors).toBeUndefined();
    const instanceId = res.data.applyForAid.instance.id;
    // Separation of duties: whoever filed it may not also verify it; another approver (or the county) must. So
    // it is not in the filer's inbox, only among the work they supervise, with nothing they may do to it.
    const task = await wf.taskFor(tokens['danfeng.approver'], instanceId, 'GRASSROOTS_VERIFY', 'SUBTREE');
    expect((await wf.inbox(tokens['longfeng.approver'])).map((x) => x.instanceId)).not.toContain(instanceId);
    const supervised = await wf.inbox(tokens['longfeng.approver'], {}, 'SUBTREE');
    expect(supervised.find((x) => x.id === task.id)).toMatchObject({ viewerActions: [] });
    const own = await wf.decide(tokens['longfeng.approver'], task.id, 'approve');
    expect(codeOf(own)).toBe('FORBIDDEN');
    expect(own.errors![0].message).toMatch(/own/);
  });

  it('shows every role its own inbox only', async () => {
    const { instance } = await apply(120_000);
    await wf.taskFor(tokens['longfeng.approver'], instance.id);
    for (const name of ['danfeng.approver', 'city.approver', 'shangnan.approver', 'wang']) {
      expect(await wf.inbox(tokens[name])).not.toContainEqual(expect.objectContaining({ instanceId: instance.id }));
    }
  });

  it('lets reviewers trace decisions by actor and action', async () => {
    const res = await t.gql(
      `query($actor: ID) { approvalHistory(filter: { actorAccountId: $actor, action: "approve" }, first: 50) { totalCount edges { node { action actorAccountId toState } } } }`,
      { actor: fed.accounts.danfengApprover.id },
      tokens['city.approver'],
    );
    expect(res.data.approvalHistory.totalCount).toBeGreaterThanOrEqual(2);
    for (const { node } of res.data.approvalHistory.edges) expect(node).toMatchObject({ action: 'approve', actorAccountId: fed.accounts.danfengApprover.id });
    expect(codeOf(await t.gql('{ approvalHistory { totalCount } }', {}, tokens.wang))).toBe('FORBIDDEN');
  });

  it('describes the definition with its states, transitions and a Mermaid diagram', async () => {
    const res = await t.gql('{ workflowDefinitions { key version states { key kind } transitions { from on to } mermaid } }', {}, tokens.wang);
    const aid = res.data.workflowDefinitions.find((d: { key: string }) => d.key === 'aid-application');
    expect(aid.mermaid).toMatch(/^stateDiagram-v2/);
    expect(aid.transitions).toContainEqual({ from: 'COUNTY_REVIEW', on: 'approve', to: ['CITY_APPROVAL', 'DISBURSE'] });
    expect(aid.states).toContainEqual({ key: 'PAID', kind: 'FINAL' });
  });
  describe('resubmission after a return', () => {
    const RESUBMIT = `mutation($id: ID!, $changes: JSONObject) { resubmit(instanceId: $id, comment: "已更正", changes: $changes) { state round seq } }`;
    const ROW = `query($id: ID!) { aidApplication(id: $id) { amount aidType reason fund { id } member { id } } }`;

    async function returned(amount = 250_000) {
      const application = await apply(amount);
      await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], application.instance.id)).id, 'return', '请补充材料');
      await wf.taskFor(tokens.wang, application.instance.id, 'RETURNED');
      return application;
    }

    it('refuses another county’s fund, another beneficiary or aid type, an amount over the cap and unknown keys, and changes nothing', async () => {
      const { id, instance } = await returned();
      const before = (await t.gql(ROW, { id }, tokens.wang)).data.aidApplication;
      const refusals: [Record<string, unknown>, string][] = [
        [{ fundId: otherCountyFundId }, 'FUND_NOT_REACHABLE'],
        [{ fundId: fed.funds.longfengDues.id }, 'WRONG_FUND_KIND'],
        [{ memberId: fed.members.chen.id }, 'FIELD_NOT_CHANGEABLE'],
        [{ aidType: 'EDUCATION' }, 'FIELD_NOT_CHANGEABLE'],
        [{ amount: 100_000_001 }, 'TOO_LARGE'],
        [{ amount: '300000' }, 'NOT_INTEGER'],
        [{ payee: '柞水某账户' }, 'UNKNOWN_FIELD'],
        [{ reason: '  ' }, 'TOO_SHORT'],
      ];
      for (const [changes, reason] of refusals) {
        const res = await t.gql(RESUBMIT, { id: instance.id, changes }, tokens.wang);
        expect({ changes, code: codeOf(res), reason: res.errors?.[0].extensions?.reason }).toEqual({ changes, code: 'BAD_USER_INPUT', reason });
      }
      expect((await t.gql(ROW, { id }, tokens.wang)).data.aidApplication).toEqual(before);
      expect(await wf.instance(tokens.wang, instance.id)).toMatchObject({ state: 'RETURNED', seq: 2 });
    });

    it('pays from the corrected fund and amount, as the application row says', async () => {
      const { id, instance } = await returned(250_000);
      const cityBefore = (await balanceOf(fed.funds.cityAid.id)).balance;
      const countyBefore = (await balanceOf(fed.funds.danfengAid.id)).balance;
      const res = await t.gql(RESUBMIT, { id: instance.id, changes: { fundId: fed.funds.cityAid.id, amount: 240_000 } }, tokens.wang);
      expect(res.data.resubmit).toMatchObject({ state: 'GRASSROOTS_VERIFY', round: 2 });
      await wf.decide(tokens['longfeng.approver'], (await wf.taskFor(tokens['longfeng.approver'], instance.id, 'GRASSROOTS_VERIFY')).id, 'approve');
      await wf.decide(tokens['danfeng.approver'], (await wf.taskFor(tokens['danfeng.approver'], instance.id, 'COUNTY_REVIEW')).id, 'approve');
      const paid = await wf.reaches(tokens.wang, instance.id, 'PAID');

      expect((await t.gql(ROW, { id }, tokens.wang)).data.aidApplication).toMatchObject({ amount: 240_000, fund: { id: fed.funds.cityAid.id } });
      expect((await balanceOf(fed.funds.cityAid.id)).balance).toBe(cityBefore - 240_000);
      expect((await balanceOf(fed.funds.danfengAid.id)).balance).toBe(countyBefore);
      expect(paid.history.find((h: { action: string }) => h.action === 'resubmit')).toBeDefined();
    });
  });
});
