import { randomUUID } from 'node:crypto';
import { addCommittees, buildFederation, Federation, sqlOn } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';
import { InboxRepository } from '../../src/workflow/inbox.repository';
import { type Page, walkPages } from '../support/paging';
import { delegators, inInbox, principalOf } from '../../src/workflow/inbox.service';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const SUBMIT = `mutation($input: SubmitExpenseInput!) { submitExpense(input: $input) { instance { id } } }`;
const NOMINATE = `mutation($input: NominateForAwardInput!) { nominateForAward(input: $input) { instance { id } } }`;
const INBOX = `query($first: Int, $after: String, $filter: InboxFilter, $scope: InboxScope, $orderBy: InboxOrder) {
  myTasks(first: $first, after: $after, filter: $filter, scope: $scope, orderBy: $orderBy) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id step definitionKey instanceId claimedBy dueAt openedAt viewerActions { key label commentRequired bulk } } }
  }
}`;
const WITH_INSTANCE_AND_SUBJECT = `query($first: Int, $scope: InboxScope) { myTasks(first: $first, scope: $scope) { edges { node {
  id step viewerActions { key label }
  instance { id state round subject { __typename ... on AidApplication { id amount reason } ... on Expense { id amount } ... on Nomination { id award } } }
} } } }`;
const BULK = `mutation($taskIds: [ID!]!, $action: String!, $comment: String, $key: String!) {
  bulkDecide(taskIds: $taskIds, action: $action, comment: $comment, idempotencyKey: $key) { taskId ok code reason instance { id state seq } }
}`;

describe('inbox', () => {
  let t: TestApp;
  let counted: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};
  /** Aid applications 王建国 filed himself (amounts 10,000–10,011 fen), all at GRASSROOTS_VERIFY. */
  const own: string[] = [];
  /** One longfeng.approver filed on his behalf: the approver may not verify it. */
  let onBehalf: string;

  const inbox = async (who: string, vars: Record<string, unknown> = {}) => {
    const res = await t.gql(INBOX, { first: 100, ...vars }, tokens[who]);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.myTasks as { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: any }[] };
  };
  const nodes = async (who: string, vars: Record<string, unknown> = {}) => (await inbox(who, vars)).edges.map((e) => e.node);
  const apply = async (who: string, input: Record<string, unknown>) => {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, reason: '生活困难', ...input } }, tokens[who]);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.applyForAid.instance.id as string;
  };
  const submitExpense = async (amount: number) => {
    const input = { fundId: fed.funds.longfengDues.id, category: 'ACTIVITY', amount, description: '职工文体活动' };
    const res = await t.gql(SUBMIT, { input }, tokens['longfeng.approver']);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.submitExpense.instance.id as string;
  };
  const taskOf = (who: string, instanceId: string, vars: Record<string, unknown> = {}) =>
    eventually(async () => (await nodes(who, vars)).find((n) => n.instanceId === instanceId), 15000, `task of ${instanceId} for ${who}`);

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    // Statements are counted on an API process of their own: the workers' relay and reconciler run beside the first.
    counted = await startAnotherInstance(t);
    fed = await buildFederation(t.app.services.orm.em.fork());
    await addCommittees(t.app.services.orm.em.fork(), fed);
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'longfeng.finance', 'danfeng.approver', 'danfeng.finance', 'city.approver', 'city.auditor1', 'province.approver', 'shangnan.approver']) {
      tokens[name] = await t.login(name);
    }
    for (let i = 0; i < 12; i++) own.push(await apply('wang', { amount: 10_000 + i }));
    onBehalf = await apply('longfeng.approver', { amount: 20_000, memberId: fed.members.wang.id });
    await eventually(async () => (await nodes('danfeng.approver', { scope: 'SUBTREE' })).length >= 13, 15000, 'thirteen tasks opened');
  });
  afterAll(async () => {
    await counted.close();
    await t.close();
  });

  describe('what the viewer may act on now', () => {
    it('offers the grassroots approver the verification of what a member filed, with the definition’s labels and comment rules', async () => {
      const task = await taskOf('longfeng.approver', own[0]);
      expect(task.viewerActions).toEqual([
        { key: 'approve', label: '核实无误', commentRequired: false, bulk: false },
        { key: 'reject', label: '不予受理', commentRequired: true, bulk: false },
        { key: 'return', label: '退回补充材料', commentRequired: true, bulk: false },
      ]);
      const res = await wf.decide(tokens['longfeng.approver'], task.id, 'approve', '情况属实');
      expect(res.errors).toBeUndefined();
      expect(res.data.decide.state).toBe('COUNTY_REVIEW');
    });

    it('does not list what the approver filed on a member’s behalf (separation of duties), but the county sees it and may decide it', async () => {
      const mine = await nodes('longfeng.approver');
      expect(mine.map((n) => n.instanceId)).not.toContain(onBehalf);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.every((n) => n.viewerActions.some((a: any) => a.key === 'approve'))).toBe(true);

      // Supervising its own union, the approver sees the task, and that it is not theirs to decide.
      const supervised = (await nodes('longfeng.approver', { scope: 'SUBTREE' })).find((n) => n.instanceId === onBehalf);
      expect(supervised.viewerActions).toEqual([]);
      const refused = await wf.decide(tokens['longfeng.approver'], supervised.id, 'approve');
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ASSIGNEE' });

      const county = (await nodes('danfeng.approver', { scope: 'SUBTREE' })).find((n) => n.instanceId === onBehalf);
      expect(county.viewerActions.map((a: any) => a.key)).toEqual(['approve', 'reject', 'return']);
      const decided = await wf.decide(tokens['danfeng.approver'], county.id, 'approve', '核实');
      expect(decided.errors).toBeUndefined();
      expect(decided.data.decide.state).toBe('COUNTY_REVIEW');
    });

    it('takes a task out of the other candidates’ inboxes while someone else has claimed it', async () => {
      const task = await taskOf('longfeng.approver', own[1]);
      const claim = await t.gql('mutation($id: ID!) { claimTask(taskId: $id) { claimedBy } }', { id: task.id }, tokens['danfeng.approver']);
      expect(claim.errors).toBeUndefined();
      expect((await nodes('longfeng.approver')).map((n) => n.id)).not.toContain(task.id);
      const others = await nodes('longfeng.approver', { scope: 'SUBTREE', filter: { claim: 'OTHERS' } });
      expect(others.map((n) => n.id)).toEqual([task.id]);
      expect(others[0].viewerActions).toEqual([]);
      const claimant = await nodes('danfeng.approver', { scope: 'SUBTREE', filter: { claim: 'MINE' } });
      expect(claimant.map((n) => n.id)).toEqual([task.id]);
      expect(claimant[0].viewerActions.map((a: any) => a.key)).toContain('approve');
    });

    it('answers viewerActions the same on a task reached outside the inbox', async () => {
      const task = await taskOf('longfeng.approver', own[2]);
      const TASK = 'query($id: ID!) { task(id: $id) { viewerActions { key label commentRequired bulk } } }';
      expect((await t.gql(TASK, { id: task.id }, tokens['longfeng.approver'])).data.task.viewerActions).toEqual(task.viewerActions);
      // The applicant may read his own application's task, but it is not his to decide.
      const applicant = await t.gql('query($id: ID!) { workflowInstance(id: $id) { openTasks { viewerActions { key } } } }', { id: own[2] }, tokens.wang);
      expect(applicant.data.workflowInstance.openTasks).toEqual([{ viewerActions: [] }]);
    });

    it('lists nothing below a county for an approver of another county', async () => {
      expect(await nodes('shangnan.approver', { scope: 'SUBTREE' })).toEqual([]);
      expect(await nodes('shangnan.approver')).toEqual([]);
    });

    it('gives each committee member the ballot until they vote, and a holder above the committee no seat', async () => {
      const res = await t.gql(NOMINATE, { input: { memberId: fed.members.wang.id, award: 'MODEL_WORKER', awardLevel: 'CITY', year: 2026, citation: '事迹材料' } }, tokens['longfeng.approver']);
      expect(res.errors).toBeUndefined();
      const instanceId = res.data.nominateForAward.instance.id;
      const review = await taskOf('danfeng.approver', instanceId);
      expect(review.viewerActions.find((a: any) => a.key === 'approve')).toEqual({ key: 'approve', label: '审核通过', commentRequired: false, bulk: true });
      expect((await wf.decide(tokens['danfeng.approver'], review.id, 'approve')).errors).toBeUndefined();

      const ballot = await taskOf('city.auditor1', instanceId);
      expect(ballot.step).toBe('SELECTION_VOTE');
      expect(ballot.viewerActions).toEqual([
        { key: 'approve', label: '赞成', commentRequired: false, bulk: false },
        { key: 'reject', label: '反对', commentRequired: true, bulk: false },
      ]);
      const above = (await nodes('province.approver', { scope: 'SUBTREE' })).find((n) => n.id === ballot.id);
      expect(above.viewerActions).toEqual([]);
      expect((await nodes('province.approver')).map((n) => n.id)).not.toContain(ballot.id);

      expect((await wf.decide(tokens['city.auditor1'], ballot.id, 'approve')).errors).toBeUndefined();
      expect((await nodes('city.auditor1')).map((n) => n.id)).not.toContain(ballot.id);
      expect((await nodes('city.approver')).map((n) => n.id)).toContain(ballot.id);
    });
  });

  describe('filters, order, paging and counts', () => {
    it('orders by amount, largest first, and pages through without repeating or losing a task', async () => {
      const filter = { definitionKey: 'aid-application', step: 'GRASSROOTS_VERIFY' };
      const orderBy = { field: 'AMOUNT', direction: 'DESC' };
      const all = await nodes('longfeng.approver', { filter, orderBy });
      const seen: string[] = [];
      let after: string | null = null;
      do {
        const page = await inbox('longfeng.approver', { first: 4, after, filter, orderBy });
        seen.push(...page.edges.map((e) => e.node.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      } while (after);
      expect(seen).toEqual(all.map((n) => n.id));
      const amounts = (await sqlOn(t)(`select t.id, (i.data #>> '{subject,data,amount}')::int as amount from workflow_task t join workflow_instance i on i.id = t.instance_id
                                       where t.id = any(?::uuid[])`, [`{${seen.join(',')}}`]));
      const byId = new Map(amounts.map((r: any) => [r.id, r.amount]));
      const inOrder = seen.map((id) => byId.get(id));
      expect(inOrder).toEqual([...inOrder].sort((a, b) => b - a));
      expect(inOrder.length).toBe(all.length);
    });

    it('refuses a cursor made for another order', async () => {
      const page = await inbox('longfeng.approver', { first: 2 });
      const res = await t.gql(INBOX, { first: 2, after: page.pageInfo.endCursor, orderBy: { field: 'CREATED_AT', direction: 'ASC' } }, tokens['longfeng.approver']);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_CURSOR' });
    });

    it('filters by due date, overdue, organisation and claim', async () => {
      const all = await nodes('danfeng.approver', { scope: 'SUBTREE' });
      expect(await nodes('danfeng.approver', { scope: 'SUBTREE', filter: { dueBefore: new Date(Date.now() - 60_000).toISOString() } })).toEqual([]);
      expect((await nodes('danfeng.approver', { scope: 'SUBTREE', filter: { overdue: false } })).length).toBe(all.length);
      const longfeng = await nodes('danfeng.approver', { scope: 'SUBTREE', filter: { organizationId: fed.orgs.longfeng.id } });
      expect(longfeng.length).toBeGreaterThan(0);
      const unclaimed = await nodes('danfeng.approver', { scope: 'SUBTREE', filter: { claim: 'UNCLAIMED' } });
      expect(unclaimed.every((n) => n.claimedBy === null)).toBe(true);
      expect(unclaimed.length).toBe(all.length - 1);
    });

    it('counts open tasks per workflow and step, as many as the list holds', async () => {
      const res = await t.gql('{ myTasks(first: 1, scope: SUBTREE) { totalCount counts { definitionKey step count overdue } } }', {}, tokens['danfeng.approver']);
      expect(res.errors).toBeUndefined();
      const { totalCount, counts } = res.data.myTasks;
      const all = await nodes('danfeng.approver', { scope: 'SUBTREE' });
      expect(counts.reduce((n: number, c: any) => n + c.count, 0)).toBe(totalCount);
      expect(totalCount).toBe(all.length);
      const verify = counts.find((c: any) => c.definitionKey === 'aid-application' && c.step === 'GRASSROOTS_VERIFY');
      expect(verify.count).toBe(all.filter((n) => n.step === 'GRASSROOTS_VERIFY').length);
    });
  });

  describe('bulk decisions', () => {
    let expenses: string[];
    let tasks: string[];

    beforeAll(async () => {
      expenses = [];
      for (const amount of [1_000, 2_000, 3_000]) expenses.push(await submitExpense(amount));
      tasks = [];
      for (const id of expenses) tasks.push((await taskOf('longfeng.finance', id)).id);
    });

    it('approves many finance checks in one call, each its own transition', async () => {
      const key = randomUUID();
      const res = await t.gql(BULK, { taskIds: tasks, action: 'approve', comment: '票据齐全', key }, tokens['longfeng.finance']);
      expect(res.errors).toBeUndefined();
      const results = res.data.bulkDecide;
      expect(results.map((r: any) => [r.taskId, r.ok, r.instance.state])).toEqual(tasks.map((id) => [id, true, 'AUDIT_REVIEW']));
      for (const id of expenses) {
        const history = (await wf.instance(tokens['longfeng.approver'], id)).history;
        expect(history.filter((h: any) => h.action === 'approve')).toEqual([expect.objectContaining({ fromState: 'FINANCE_REVIEW', comment: '票据齐全' })]);
      }

      // A repeat of the call is answered with the first decisions and decides nothing again.
      const again = await t.gql(BULK, { taskIds: tasks, action: 'approve', comment: '票据齐全', key }, tokens['longfeng.finance']);
      expect(again.data.bulkDecide.map((r: any) => [r.ok, r.instance.seq])).toEqual(results.map((r: any) => [true, r.instance.seq]));
      const approvals = await sqlOn(t)(`select count(*)::int as n from workflow_history where action = 'approve' and instance_id = any(?::uuid[])`, [`{${expenses.join(',')}}`]);
      expect(approvals[0].n).toBe(3);
    });

    it('refuses, task by task, a step that does not opt in, a task out of scope and a decided one; decides the rest', async () => {
      const aid = await taskOf('longfeng.approver', own[5]);
      const verified = await apply('wang', { amount: 30_000 });
      expect((await wf.decide(tokens['longfeng.approver'], (await taskOf('longfeng.approver', verified)).id, 'approve')).errors).toBeUndefined();
      const county = await taskOf('danfeng.approver', verified);
      const expense = await submitExpense(4_000);
      const check = await taskOf('longfeng.finance', expense);
      const res = await t.gql(BULK, { taskIds: [aid.id, county.id, check.id, tasks[0]], action: 'approve', key: randomUUID() }, tokens['longfeng.finance']);
      expect(res.errors).toBeUndefined();
      expect(res.data.bulkDecide.map((r: any) => [r.taskId, r.ok, r.code, r.reason])).toEqual([
        [aid.id, false, 'BAD_USER_INPUT', 'BULK_NOT_ALLOWED'],
        // A county task is not the grassroots finance officer's to see.
        [county.id, false, 'NOT_FOUND', null],
        [check.id, true, null, null],
        [tasks[0], false, 'CONFLICT', 'TASK_CLOSED'],
      ]);
      // The grassroots approver may decide the verification, but not in bulk: its step does not opt in.
      const refused = await t.gql(BULK, { taskIds: [aid.id], action: 'approve', key: randomUUID() }, tokens['longfeng.approver']);
      expect(refused.data.bulkDecide).toEqual([{ taskId: aid.id, ok: false, code: 'BAD_USER_INPUT', reason: 'BULK_NOT_ALLOWED', instance: null }]);
      expect((await wf.instance(tokens['longfeng.approver'], own[5])).state).toBe('GRASSROOTS_VERIFY');
    });

    it('opts in an action, not a whole step: sending back in bulk is refused where approving is not', async () => {
      const expense = await submitExpense(5_000);
      const check = await taskOf('longfeng.finance', expense);
      const res = await t.gql(BULK, { taskIds: [check.id], action: 'sendBack', key: randomUUID() }, tokens['longfeng.finance']);
      expect(res.data.bulkDecide[0]).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', reason: 'BULK_NOT_ALLOWED' });
    });

    it('refuses an empty or repeating list of tasks as a whole', async () => {
      const empty = await t.gql(BULK, { taskIds: [], action: 'approve', key: randomUUID() }, tokens['longfeng.finance']);
      expect(empty.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_LIST' });
      const twice = await t.gql(BULK, { taskIds: [tasks[1], tasks[1]], action: 'approve', key: randomUUID() }, tokens['longfeng.finance']);
      expect(twice.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'DUPLICATE_ID' });
    });
  });

  describe('statements', () => {
    async function statementsFor(first: number) {
      await counted.gql('{ viewer { username } }', {}, tokens['city.approver']);
      counted.app.services.queryCounter.count = 0;
      const res = await counted.gql(WITH_INSTANCE_AND_SUBJECT, { first, scope: 'SUBTREE' }, tokens['city.approver']);
      expect(res.errors).toBeUndefined();
      const edges = res.data.myTasks.edges;
      expect(edges).toHaveLength(first);
      expect(edges.every((e: any) => e.node.instance.subject.id)).toBe(true);
      return { count: counted.app.services.queryCounter.count, types: new Set(edges.map((e: any) => e.node.instance.subject.__typename)) };
    }

    it('costs one statement for the page with its instances, one for whom the viewer stands in for and one per kind of subject on it, whatever its size', async () => {
      const all = (await nodes('city.approver', { scope: 'SUBTREE' })).length;
      const one = await statementsFor(1);
      const every = await statementsFor(all);
      expect(all).toBeGreaterThan(10);
      // Tasks the city approver may not decide in person (most of those supervised) need their delegations, read once.
      expect([2, 3]).toContain(one.count);
      expect(every.types).toEqual(new Set(['AidApplication', 'Expense', 'Nomination']));
      expect(every.count).toBe(2 + every.types.size);
    });
  });

  describe('the instance on a page', () => {
    const HEAD = 'id definitionKey definitionVersion subjectType subjectId subjectOrgId state status outcome seq createdAt updatedAt round stateTitle subject { __typename } history { id }';
    const MORE = `${HEAD} returnTargets votes { choice } carbonCopies { role } startedBy { accountId } openTasks { id } availableActions { action }`;
    const page = (fields: string) => `query { myTasks(first: 100, scope: SUBTREE) { edges { node { id instance { ${fields} } } } } }`;
    const one = (fields: string) => `query($id: ID!) { workflowInstance(id: $id) { ${fields} } }`;
    let read: jest.SpyInstance;
    beforeEach(() => (read = jest.spyOn(InboxRepository.prototype, 'page')));
    afterEach(() => read.mockRestore());

    /** Each task's instance on the page, next to the same instance read on its own. */
    async function pageAgainstInstances(fields: string) {
      const res = await t.gql(page(fields), {}, tokens['danfeng.approver']);
      expect(res.errors).toBeUndefined();
      const instances = res.data.myTasks.edges.map((e: any) => e.node.instance);
      expect(instances.length).toBeGreaterThan(10);
      const alone = [];
      for (const i of instances) alone.push((await t.gql(one(fields), { id: i.id }, tokens['danfeng.approver'])).data.workflowInstance);
      return { instances, alone, read: read.mock.calls.map(([, q]) => q.withInstance) };
    }

    it('answers each subject’s filing time through its instance as the subject itself does', async () => {
      const res = await t.gql(page('id subject { __typename ... on AidApplication { id createdAt } ... on Expense { id createdAt } ... on Nomination { id createdAt } }'), {}, tokens['city.approver']);
      expect(res.errors).toBeUndefined();
      const subjects = res.data.myTasks.edges.map((e: any) => e.node.instance.subject);
      const field = { AidApplication: 'aidApplication', Expense: 'expense', Nomination: 'nomination' } as Record<string, string>;
      expect(new Set(subjects.map((s: any) => s.__typename))).toEqual(new Set(Object.keys(field)));
      for (const s of subjects) {
        const alone = await t.gql(`query($id: ID!) { ${field[s.__typename]}(id: $id) { createdAt } }`, { id: s.id }, tokens['city.approver']);
        expect(alone.errors).toBeUndefined();
        expect(s.createdAt).toBe(alone.data[field[s.__typename]].createdAt);
        expect(Number.isNaN(Date.parse(s.createdAt))).toBe(false);
      }
    });

    it('reads only each instance’s head when the page asks for nothing else of its state, and answers it as the instance itself does', async () => {
      const { instances, alone, read: how } = await pageAgainstInstances(HEAD);
      expect(how).toEqual(['head']);
      expect(instances).toEqual(alone);
      expect(instances.every((i: any) => i.round >= 1 && i.subject.__typename && i.history.length > 0)).toBe(true);
    });

    it('reads whole instances when the page asks for more of their state', async () => {
      const { instances, alone, read: how } = await pageAgainstInstances(MORE);
      expect(how).toEqual(['full']);
      expect(instances).toEqual(alone);
      expect(instances.every((i: any) => i.startedBy.accountId && i.openTasks.length === 1 && i.availableActions.length > 0)).toBe(true);
    });
  });

  describe('paging backward (last, before)', () => {
    const PAGE = 'pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } }';
    const ARGS = '$first: Int, $after: String, $last: Int, $before: String';
    const PAGED = 'first: $first, after: $after, last: $last, before: $before';
    /** Every node of the connection `pick` finds, walked forward and backward in pages of `size`: both ways agree. */
    async function bothWays(query: string, pick: (data: any) => Page<{ id: string }>, who: string, vars: Record<string, unknown> = {}, size = 3) {
      const read = async (args: Record<string, unknown>) => {
        const res = await t.gql(query, { ...vars, ...args }, tokens[who]);
        expect(res.errors).toBeUndefined();
        return pick(res.data);
      };
      const forward = await walkPages(read, size);
      expect(await walkPages(read, size, 'backward')).toEqual(forward);
      return forward;
    }

    it('pages an inbox back from its end to the rows forward paging gives, in every order', async () => {
      const q = `query(${ARGS}, $scope: InboxScope, $orderBy: InboxOrder) { myTasks(${PAGED}, scope: $scope, orderBy: $orderBy) { totalCount ${PAGE} } }`;
      for (const orderBy of [undefined, { field: 'AMOUNT', direction: 'DESC' }, { field: 'CREATED_AT', direction: 'ASC' }]) {
        const all = await bothWays(q, (d) => d.myTasks, 'city.approver', { scope: 'SUBTREE', orderBy });
        expect(all.length).toBeGreaterThan(10);
        expect(all.map((n) => n.id)).toEqual((await nodes('city.approver', { scope: 'SUBTREE', orderBy })).map((n) => n.id));
      }
      // A cursor of one order is no cursor of another, either way.
      const first = await t.gql(q, { first: 1, scope: 'SUBTREE' }, tokens['city.approver']);
      const other = await t.gql(q, { last: 1, before: first.data.myTasks.pageInfo.endCursor, scope: 'SUBTREE', orderBy: { field: 'AMOUNT', direction: 'DESC' } }, tokens['city.approver']);
      expect(other.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_CURSOR', field: 'before' });
    });

    it('pages workflow instances and the approval history back to the rows forward paging gives', async () => {
      const instances = await bothWays(`query(${ARGS}) { workflowInstances(${PAGED}) { totalCount ${PAGE} } }`, (d) => d.workflowInstances, 'danfeng.approver');
      expect(instances.length).toBeGreaterThan(10);
      const history = await bothWays(`query(${ARGS}) { approvalHistory(${PAGED}) { totalCount ${PAGE} } }`, (d) => d.approvalHistory, 'city.approver', {}, 4);
      expect(history.length).toBeGreaterThan(10);
      const mixed = await t.gql(`query(${ARGS}) { approvalHistory(${PAGED}) { totalCount } }`, { first: 2, last: 2 }, tokens['city.approver']);
      expect(mixed.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'PAGE_ARGS_CONFLICT' });
    });
  });

  describe('one rule for the inbox and its live updates', () => {
    it('puts a task in a viewer’s inbox in memory (inboxChanged) exactly when the inbox query lists it', async () => {
      // A substitute too, whose inbox is also their delegator's.
      const week = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString() };
      const set = await t.gql('mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id } }', { i: { substituteAccountId: fed.accounts.danfengFinance.id, ...week } }, tokens['danfeng.approver']);
      expect(set.errors).toBeUndefined();
      const em = t.app.services.orm.em.fork();
      const keys = (await sqlOn(t)('select key from workflow_task', [])).map((r: { key: string }) => r.key);
      const tasks = await new InboxRepository().byKeys(em, keys);
      expect([...new Set(tasks.map((task) => task.status))]).toEqual(expect.arrayContaining(['OPEN', 'DONE']));
      for (const who of Object.keys(tokens)) {
        const viewer = await t.app.services.auth.viewerFromToken(() => em, tokens[who]);
        const principals = [principalOf(viewer), ...delegators(await t.app.services.delegations.actingFor(em, viewer))];
        const inMemory = tasks.filter((task) => inInbox(principals, task)).map((task) => task.id).sort();
        const listed = (await nodes(who)).map((n) => n.id).sort();
        expect({ who, tasks: inMemory }).toEqual({ who, tasks: listed });
      }
      await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { id } }', { id: set.data.setDelegation.id }, tokens['danfeng.approver']);
    });
  });
});
