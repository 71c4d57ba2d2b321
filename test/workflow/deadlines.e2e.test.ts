import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

/**
 * Deadlines shortened by configuration, not by mocking time: at this scale the grassroots step's three days
 * last about a second and a half, and its reminder comes a fraction of a second before.
 */
const TIME_SCALE = String(5 / (3 * 24 * 3600));

describe('aid application deadlines', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true, env: { WORKFLOW_TIME_SCALE: TIME_SCALE } });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver']) tokens[name] = await t.login(name);
  });
  afterAll(() => t.close());

  it('reminds the grassroots approver, then escalates the overdue step to the county', async () => {
    const res = await t.gql(
      `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`,
      { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '冬季取暖困难' } },
      tokens.wang,
    );
    const instanceId = res.data.applyForAid.instance.id;
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    expect(task.remindedAt).toBeNull();

    const reminded = await eventually(async () => {
      const tasks = await wf.inbox(tokens['longfeng.approver']);
      return tasks.find((x) => x.id === task.id && x.remindedAt);
    }, 10000, 'the reminder');
    expect(new Date(reminded.remindedAt).getTime()).toBeLessThan(new Date(task.dueAt).getTime());

    // Escalation reassigns the step to the county federation's approvers, with a fresh deadline.
    const escalated = await wf.taskFor(tokens['danfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    expect(escalated.escalated).toBe(true);
    expect(escalated.candidateRoles).toEqual(['APPROVER']);
    const instance = await wf.instance(tokens.wang, instanceId);
    const actions = instance.history.map((h: { action: string }) => h.action);
    expect(actions).toEqual(expect.arrayContaining(['start', 'remind', 'escalate']));
    expect(actions.indexOf('remind')).toBeLessThan(actions.indexOf('escalate'));
    expect(await wf.inbox(tokens['longfeng.approver'])).not.toContainEqual(expect.objectContaining({ id: task.id }));

    const overdue = await wf.inbox(tokens['danfeng.approver'], { overdue: false });
    expect(overdue).toContainEqual(expect.objectContaining({ id: escalated.id }));
    const notices = await t.gql('{ myNotifications(first: 20) { edges { node { instanceId reason step } } } }', {}, tokens['longfeng.approver']);
    expect(notices.data.myNotifications.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ instanceId, reason: 'REMINDER', step: 'GRASSROOTS_VERIFY' });
    await wf.decide(tokens['danfeng.approver'], escalated.id, 'approve', '县总代为核实');
  });
});
