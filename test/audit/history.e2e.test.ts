import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

/** Three days of a step last 20 s here: long enough to act within, short enough to see a reminder and an escalation. */
const TIME_SCALE = String(20 / (3 * 24 * 3600));

const PERSON = 'accountId displayName organization { id name } role capacity';
const HISTORY = `seq action transition fromState toState comment definitionVersion actingAs actorRole system detail
  actor { ${PERSON} } onBehalfOf { ${PERSON} } changes { field from to }`;
const INSTANCE = `query($id: ID!) { workflowInstance(id: $id) {
  state startedBy { ${PERSON} } history { ${HISTORY} } integrity { intact firstBrokenSeq }
  timeline { step title kind enteredAt enteredBy leftAt leftBy secondsSpent dueAt overran escalated }
  openTasks { id claimant { ${PERSON} } assignee { ${PERSON} } }
} }`;
const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;

describe('every act on an application, in one history, by name', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  const instance = async (id: string, token = tokens['danfeng.approver']) => {
    const res = await t.gql(INSTANCE, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data.workflowInstance;
  };
  const apply = async (amount: number, reason = '家中突发重病，生活困难', fundId = fed.funds.danfengAid.id) => {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId, amount, reason } }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  };
  const gqlOk = async (query: string, variables: Record<string, unknown>, token: string) => {
    const res = await t.gql(query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data;
  };

  beforeAll(async () => {
    t = await startTestApp({ workers: true, env: { WORKFLOW_TIME_SCALE: TIME_SCALE } });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'danfeng.auditor', 'city.approver', 'admin']) tokens[name] = await t.login(name);
  });
  afterAll(() => t.close());

  it('records the filing with the applicant by name, their union and capacity', async () => {
    const id = await apply(100_000);
    const got = await instance(id);
    expect(got.startedBy).toEqual({ accountId: fed.accounts.wang.id, displayName: 'wang', organization: { id: fed.orgs.longfeng.id, name: '陕西丹凤龙凤桥集团公司工会委员会' }, role: null, capacity: 'STARTER' });
    expect(got.history[0]).toMatchObject({
      seq: 1, action: 'start', transition: true, fromState: null, toState: 'GRASSROOTS_VERIFY', definitionVersion: 1, system: null, actorRole: 'MEMBER',
      actor: { displayName: 'wang', organization: { name: '陕西丹凤龙凤桥集团公司工会委员会' }, role: 'MEMBER', capacity: 'STARTER' },
      onBehalfOf: null,
    });
  });

  it('records claim, unclaim and reassign beside the transitions, in the hash chain', async () => {
    const id = await apply(200_000);
    const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '情况属实');
    const review = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');

    const claimed = await gqlOk(`mutation($id: ID!) { claimTask(taskId: $id) { claimant { ${PERSON} } } }`, { id: review.id }, tokens['danfeng.approver']);
    expect(claimed.claimTask.claimant).toMatchObject({ accountId: fed.accounts.danfengApprover.id, displayName: 'danfeng.approver', organization: { name: '丹凤县总工会' } });
    await gqlOk(`mutation($id: ID!) { unclaimTask(taskId: $id) { id } }`, { id: review.id }, tokens['danfeng.approver']);
    const reassigned = await gqlOk(
      `mutation($id: ID!, $to: ID!) { reassignTask(taskId: $id, toAccountId: $to) { claimant { displayName organization { name } } } }`,
      { id: review.id, to: fed.accounts.cityApprover.id },
      tokens['danfeng.approver'],
    );
    expect(reassigned.reassignTask.claimant).toEqual({ displayName: 'city.approver', organization: { name: '商洛市总工会' } });

    const got = await instance(id);
    const acts = got.history.filter((h: any) => !h.transition);
    expect(acts.map((h: any) => h.action)).toEqual(['claim', 'unclaim', 'reassign']);
    for (const act of acts) {
      expect(act).toMatchObject({ fromState: 'COUNTY_REVIEW', toState: 'COUNTY_REVIEW', seq: 2, system: null });
      expect(act.actor).toEqual({ accountId: fed.accounts.danfengApprover.id, displayName: 'danfeng.approver', organization: { id: fed.orgs.danfeng.id, name: '丹凤县总工会' }, role: 'APPROVER', capacity: 'ASSIGNEE' });
    }
    expect(acts[0].detail).toEqual({ taskId: review.id });
    expect(acts[1].detail).toEqual({ taskId: review.id, fromAccountId: fed.accounts.danfengApprover.id });
    expect(acts[2].detail).toEqual({ taskId: review.id, fromAccountId: null, toAccountId: fed.accounts.cityApprover.id });
    expect(got.openTasks[0].claimant.displayName).toBe('city.approver');
    expect(got.integrity).toEqual({ intact: true, firstBrokenSeq: null });

    // A claim that loses the race records nothing.
    const taken = await t.gql(`mutation($id: ID!) { claimTask(taskId: $id) { id } }`, { id: review.id }, tokens['danfeng.approver']);
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_CLAIMED' });
    expect((await instance(id)).history.filter((h: any) => !h.transition)).toHaveLength(3);

    // The next transition chains after the acts.
    await wf.decide(tokens['city.approver'], review.id, 'approve', '同意');
    const after = await wf.reaches(tokens['danfeng.approver'], id, 'PAID');
    expect(after.history.at(-1).action).toBe('disburse:ok');
    const paid = await instance(id);
    expect(paid.integrity).toEqual({ intact: true, firstBrokenSeq: null });
    expect(paid.history.find((h: any) => h.action === 'approve' && h.seq > 2)).toMatchObject({
      actor: { displayName: 'city.approver', organization: { name: '商洛市总工会' }, role: 'APPROVER', capacity: 'ASSIGNEE' },
    });
    expect(paid.history.at(-1)).toMatchObject({ action: 'disburse:ok', actor: null, system: 'effect:disburse:ok', fromState: 'DISBURSE', toState: 'PAID' });
  });

  it('records a resubmission with each changed field, old → new, the applicant’s circumstances masked', async () => {
    const id = await apply(150_000, '家中突发重病，生活困难');
    const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['longfeng.approver'], verify.id, 'return', '请补充医院证明');
    await wf.reaches(tokens.wang, id, 'RETURNED');
    const resubmitted = await t.gql(
      `mutation($id: ID!, $changes: JSONObject) { resubmit(instanceId: $id, comment: "已补充", changes: $changes) { state } }`,
      { id, changes: { amount: 120_000, reason: '住院治疗，联系电话13800138000' } },
      tokens.wang,
    );
    expect(resubmitted.errors).toBeUndefined();
    const entry = (await instance(id)).history.find((h: any) => h.action === 'resubmit');
    expect(entry.changes).toEqual([
      { field: 'amount', from: 150_000, to: 120_000 },
      { field: 'reason', from: '家********', to: '住********' },
    ]);
    expect(JSON.stringify(entry)).not.toContain('13800138000');
    expect(entry.actor).toMatchObject({ displayName: 'wang', role: 'MEMBER', capacity: 'APPLICANT' });
    expect(entry.comment).toBe('已补充');
  });

  it('records a payment the fund cannot cover as the system’s, with its outcome', async () => {
    const id = await apply(90_000_000);
    for (const [who, step] of [['longfeng.approver', 'GRASSROOTS_VERIFY'], ['danfeng.approver', 'COUNTY_REVIEW'], ['city.approver', 'CITY_APPROVAL']]) {
      const task = await wf.taskFor(tokens[who], id, step);
      expect((await wf.decide(tokens[who], task.id, 'approve')).errors).toBeUndefined();
    }
    await wf.reaches(tokens['city.approver'], id, 'DISBURSEMENT_FAILED');
    const last = (await instance(id, tokens['city.approver'])).history.at(-1);
    expect(last).toMatchObject({ action: 'disburse:INSUFFICIENT_FUNDS', actor: null, system: 'effect:disburse:INSUFFICIENT_FUNDS', toState: 'DISBURSEMENT_FAILED' });
  });

  it('records the reminder and the escalation as the system’s timers, and the timeline shows the step ran over', async () => {
    const id = await apply(100_000);
    const escalated = await eventually(async () => (await wf.inbox(tokens['danfeng.approver'])).find((task) => task.instanceId === id), 40000, 'the escalation');
    expect(escalated.escalated).toBe(true);
    await wf.decide(tokens['danfeng.approver'], escalated.id, 'approve', '县总代为核实');
    const got = await eventually(async () => {
      const i = await instance(id);
      return i.state === 'COUNTY_REVIEW' ? i : undefined;
    }, 10000, 'the county review');
    const system = got.history.filter((h: any) => h.actor === null).map((h: any) => [h.action, h.system]);
    expect(system).toEqual([['remind', 'timer:reminder'], ['escalate', 'timer:deadline']]);

    const [verify, review] = got.timeline;
    expect(verify).toMatchObject({ step: 'GRASSROOTS_VERIFY', kind: 'TASK', enteredBy: 'start', leftBy: 'approve', overran: true, escalated: true });
    expect(new Date(verify.leftAt).getTime()).toBeGreaterThan(new Date(verify.dueAt).getTime());
    expect(verify.secondsSpent).toBe(Math.floor((new Date(verify.leftAt).getTime() - new Date(verify.enteredAt).getTime()) / 1000));
    expect(verify.secondsSpent).toBeGreaterThanOrEqual(19);
    expect(review).toMatchObject({ step: 'COUNTY_REVIEW', enteredBy: 'approve', leftAt: null, leftBy: null, overran: false, escalated: false });
    expect(new Date(review.dueAt).getTime()).toBeGreaterThan(Date.now());
  }, 60000);

  it('ends a paid application’s timeline in its final state, with each step on time', async () => {
    const id = await apply(100_000);
    for (const [who, step] of [['longfeng.approver', 'GRASSROOTS_VERIFY'], ['danfeng.approver', 'COUNTY_REVIEW']]) {
      const task = await wf.taskFor(tokens[who], id, step);
      await wf.decide(tokens[who], task.id, 'approve');
    }
    await wf.reaches(tokens.wang, id, 'PAID');
    const { timeline } = await instance(id);
    expect(timeline.map((v: any) => [v.step, v.kind, v.overran])).toEqual([
      ['GRASSROOTS_VERIFY', 'TASK', false], ['COUNTY_REVIEW', 'TASK', false], ['DISBURSE', 'SYSTEM', false], ['PAID', 'FINAL', false],
    ]);
    expect(timeline.at(-1)).toMatchObject({ leftAt: timeline.at(-1).enteredAt, secondsSpent: 0, dueAt: null });
    expect(timeline[2].dueAt).toBeNull();
  });

  it('sums it up for the county’s review committee: decisions by actor, overdue steps, returns, payments by fund', async () => {
    const SUMMARY = `query($o: ID!, $from: DateTime!, $to: DateTime!) { auditSummary(organizationId: $o, from: $from, to: $to) {
      decisionsByActor { actor { displayName organization { name } role } decisions approvals rejections returns }
      overdueSteps { step secondsOver escalated closedAt }
      returns { step reason actor { displayName } }
      paymentsByFund { fundName payments totalFen }
    } }`;
    const period = { o: fed.orgs.danfeng.id, from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };
    const { auditSummary: s } = await gqlOk(SUMMARY, period, tokens['danfeng.auditor']);
    expect(s.decisionsByActor).toContainEqual({ actor: { displayName: 'longfeng.approver', organization: { name: '陕西丹凤龙凤桥集团公司工会委员会' }, role: 'APPROVER' }, decisions: 4, approvals: 3, rejections: 0, returns: 1 });
    expect(s.decisionsByActor).toContainEqual(expect.objectContaining({ actor: expect.objectContaining({ displayName: 'danfeng.approver' }), approvals: 3 }));
    expect(s.overdueSteps).toContainEqual(expect.objectContaining({ step: 'GRASSROOTS_VERIFY', escalated: true }));
    expect(s.overdueSteps.every((o: any) => o.secondsOver > 0)).toBe(true);
    expect(s.returns).toEqual([{ step: 'GRASSROOTS_VERIFY', reason: '请补充医院证明', actor: { displayName: 'longfeng.approver' } }]);
    expect(s.paymentsByFund).toEqual([{ fundName: '丹凤县困难职工帮扶资金', payments: 2, totalFen: 300_000 }]);

    const denied = await t.gql(SUMMARY, period, tokens['danfeng.approver']);
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const above = await t.gql(SUMMARY, { ...period, o: fed.orgs.city.id }, tokens['danfeng.auditor']);
    expect(above.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const backwards = await t.gql(SUMMARY, { ...period, from: period.to, to: period.from }, tokens['danfeng.auditor']);
    expect(backwards.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_RANGE' });
  });
});
