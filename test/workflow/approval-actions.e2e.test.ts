import { randomUUID } from 'node:crypto';
import { addCommittees, buildFederation, Federation, sqlOn } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const STATE = `id state round returnTargets carbonCopies { accountId role organizationId step }
  history { seq fromState toState action comment actor { accountId } onBehalfOf { accountId } }`;
const RETURN = `mutation($t: ID!, $s: String!, $c: String!, $k: String!) { returnToStep(taskId: $t, step: $s, comment: $c, idempotencyKey: $k) { ${STATE} } }`;
const TRANSFER = `mutation($t: ID!, $to: ID!, $r: String!, $k: String!) { transferTask(taskId: $t, toAccountId: $to, reason: $r, idempotencyKey: $k) { ${STATE} } }`;
const URGE = `mutation($i: ID!, $c: String) { urge(instanceId: $i, comment: $c) { ${STATE} } }`;
const COPY = `mutation($t: ID!, $a: [ID!]!, $k: String!) { carbonCopy(taskId: $t, accountIds: $a, idempotencyKey: $k) { ${STATE} } }`;
const DELEGATE = `mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id delegatorAccountId substituteAccountId role organizationId startsAt endsAt } }`;
const NOTICES = `{ myNotifications(first: 50) { edges { node { instanceId reason step } } } }`;

const reasonOf = (res: GqlResult) => res.errors?.[0]?.extensions?.reason;
const READ = `query($id: ID!) { workflowInstance(id: $id) { ${STATE} } }`;

describe('approval actions', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let committees: Awaited<ReturnType<typeof addCommittees>>;
  let sql: ReturnType<typeof sqlOn>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    committees = await addCommittees(t.app.services.orm.em.fork(), fed);
    wf = new WorkflowClient(t);
    sql = sqlOn(t);
    for (const name of ['wang', 'longfeng.approver', 'longfeng.finance', 'danfeng.approver', 'danfeng.finance', 'danfeng.auditor', 'city.approver', 'shangnan.approver', 'chen']) {
      tokens[name] = await t.login(name);
    }
  });
  afterAll(() => t.close());

  async function apply(amount = 800_000) {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount, reason: '家人重病，生活困难' } }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  }

  /** Approves the open step with `who`, once its task is in their inbox. */
  async function approve(who: string, instanceId: string, step: string) {
    const task = await wf.taskFor(tokens[who], instanceId, step);
    const res = await wf.decide(tokens[who], task.id, 'approve', '同意');
    expect(res.errors).toBeUndefined();
  }

  const gql = (who: string, query: string, variables: Record<string, unknown>) => t.gql(query, { k: randomUUID(), ...variables }, tokens[who]);

  describe('return to an earlier step (驳回到任意节点)', () => {
    it('sends the instance back to the step the approver picks, which goes on from there, every pass in the history', async () => {
      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      await approve('danfeng.approver', id, 'COUNTY_REVIEW');
      const city = await wf.taskFor(tokens['city.approver'], id, 'CITY_APPROVAL');
      expect((await t.gql(READ, { id }, tokens['city.approver'])).data.workflowInstance.returnTargets).toEqual(['GRASSROOTS_VERIFY', 'COUNTY_REVIEW', 'RETURNED']);

      const back = await gql('city.approver', RETURN, { t: city.id, s: 'GRASSROOTS_VERIFY', c: '请基层工会重新核实家庭收入' });
      expect(back.errors).toBeUndefined();
      expect(back.data.returnToStep).toMatchObject({ state: 'GRASSROOTS_VERIFY', round: 1, returnTargets: [] });
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      await approve('danfeng.approver', id, 'COUNTY_REVIEW');
      await wf.taskFor(tokens['city.approver'], id, 'CITY_APPROVAL');
      const history = (await t.gql(READ, { id }, tokens['city.approver'])).data.workflowInstance.history;
      expect(history.map((h: { fromState: string; toState: string; action: string }) => `${h.fromState}→${h.toState}:${h.action}`)).toEqual([
        'null→GRASSROOTS_VERIFY:start',
        'GRASSROOTS_VERIFY→COUNTY_REVIEW:approve',
        'COUNTY_REVIEW→CITY_APPROVAL:approve',
        'CITY_APPROVAL→GRASSROOTS_VERIFY:returnTo',
        'GRASSROOTS_VERIFY→COUNTY_REVIEW:approve',
        'COUNTY_REVIEW→CITY_APPROVAL:approve',
      ]);
      expect(history[3]).toMatchObject({ comment: '请基层工会重新核实家庭收入', actor: { accountId: fed.accounts.cityApprover.id } });
      const [row] = await sql(`select detail from workflow_history where instance_id = ? and action = 'returnTo'`, [id]);
      expect(row.detail).toEqual({ returnTo: 'GRASSROOTS_VERIFY' });
    });

    it('refuses a step that is not an earlier one, no reason, a step that does not allow returns, and someone not assigned', async () => {
      const id = await apply();
      const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      const notHere = await gql('longfeng.approver', RETURN, { t: verify.id, s: 'RETURNED', c: '理由' });
      expect([codeOf(notHere), reasonOf(notHere)]).toEqual(['BAD_USER_INPUT', 'ACTION_NOT_ALLOWED']);
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      const review = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
      const later = await gql('danfeng.approver', RETURN, { t: review.id, s: 'CITY_APPROVAL', c: '理由' });
      expect([codeOf(later), reasonOf(later)]).toEqual(['BAD_USER_INPUT', 'RETURN_TARGET_INVALID']);
      expect(later.errors![0].extensions!.allowed).toEqual(['GRASSROOTS_VERIFY', 'RETURNED']);
      const noReason = await gql('danfeng.approver', RETURN, { t: review.id, s: 'GRASSROOTS_VERIFY', c: ' ' });
      expect([codeOf(noReason), reasonOf(noReason)]).toEqual(['BAD_USER_INPUT', 'COMMENT_REQUIRED']);
      expect(codeOf(await gql('shangnan.approver', RETURN, { t: review.id, s: 'GRASSROOTS_VERIFY', c: '理由' }))).toMatch(/FORBIDDEN|NOT_FOUND/);
      expect((await wf.instance(tokens['danfeng.approver'], id)).state).toBe('COUNTY_REVIEW');

      const toApplicant = await gql('danfeng.approver', RETURN, { t: review.id, s: 'RETURNED', c: '请补充诊断证明' });
      expect(toApplicant.data.returnToStep.state).toBe('RETURNED');
      expect((await wf.taskFor(tokens.wang, id, 'RETURNED')).kind).toBe('APPLICANT');
    });
  });

  describe('transfer (转办)', () => {
    it('hands the task to a colleague who could hold its role; it leaves the others’ inboxes and only they decide it', async () => {
      const id = await apply();
      const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      const res = await gql('longfeng.approver', TRANSFER, { t: verify.id, to: fed.accounts.longfengFinance.id, r: '本人出差一周，请财务同事代为核实' });
      expect(res.errors).toBeUndefined();
      expect(res.data.transferTask.history.at(-1)).toMatchObject({ action: 'transfer', fromState: 'GRASSROOTS_VERIFY', toState: 'GRASSROOTS_VERIFY', comment: '本人出差一周，请财务同事代为核实' });

      const moved = await wf.taskFor(tokens['longfeng.finance'], id, 'GRASSROOTS_VERIFY');
      expect(moved.id).not.toBe(verify.id);
      expect(moved.dueAt).toBe(verify.dueAt);
      // Offered to the person it was transferred to, and no longer to the holders of its role.
      expect(moved.viewerActions.map((a: { key: string }) => a.key)).toEqual(['approve', 'reject', 'return']);
      const supervised = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY', 'SUBTREE');
      expect(supervised.viewerActions).toEqual([]);
      expect((await wf.inbox(tokens['longfeng.approver'])).some((task) => task.instanceId === id)).toBe(false);
      const byOld = await wf.decide(tokens['longfeng.approver'], moved.id, 'approve');
      expect([codeOf(byOld), reasonOf(byOld)]).toEqual(['FORBIDDEN', 'NOT_ASSIGNEE']);
      const byNew = await wf.decide(tokens['longfeng.finance'], moved.id, 'approve', '情况属实');
      expect(byNew.data.decide.state).toBe('COUNTY_REVIEW');
      const [row] = await sql(`select detail, to_state from workflow_history where instance_id = ? and action = 'transfer'`, [id]);
      expect(row.detail).toMatchObject({ toAccountId: fed.accounts.longfengFinance.id, fromAccountId: null });
    });

    it('refuses no reason, oneself, a member, someone of another county, and the applicant', async () => {
      const id = await apply();
      const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      const to = (account: string, r = '转办') => gql('longfeng.approver', TRANSFER, { t: verify.id, to: account, r });
      const refusals = [
        await to(fed.accounts.longfengFinance.id, ''),
        await to(fed.accounts.longfengApprover.id),
        await to(committees.accounts.chen.id),
        await to(fed.accounts.shangnanApprover.id),
        await to(fed.accounts.wang.id),
      ];
      expect(refusals.map((r) => [codeOf(r), reasonOf(r)])).toEqual([
        ['BAD_USER_INPUT', 'COMMENT_REQUIRED'],
        ['BAD_USER_INPUT', 'TRANSFER_TARGET_INVALID'],
        ['BAD_USER_INPUT', 'NOT_ELIGIBLE'],
        ['BAD_USER_INPUT', 'NOT_ELIGIBLE'],
        ['BAD_USER_INPUT', 'NOT_ELIGIBLE'],
      ]);
      expect((await wf.instance(tokens['longfeng.approver'], id)).history).toHaveLength(1);
    });
  });

  describe('urge (催办)', () => {
    it('lets the applicant nudge the assignees, who get a notice, once per step per day', async () => {
      const id = await apply();
      await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      const first = await t.gql(URGE, { i: id, c: '家里急用，请尽快审核' }, tokens.wang);
      expect(first.errors).toBeUndefined();
      expect(first.data.urge.history.at(-1)).toMatchObject({ action: 'urge', actor: { accountId: fed.accounts.wang.id } });
      await eventually(async () => {
        const res = await t.gql(NOTICES, {}, tokens['longfeng.approver']);
        return res.data.myNotifications.edges.some((e: { node: { instanceId: string; reason: string } }) => e.node.instanceId === id && e.node.reason === 'URGE');
      }, 15000, 'the urge notice');

      const again = await t.gql(URGE, { i: id }, tokens.wang);
      expect([codeOf(again), reasonOf(again)]).toEqual(['TOO_MANY_REQUESTS', 'URGED_RECENTLY']);
      expect(again.status).toBe(429);
      expect(again.errors![0].extensions!.retryAfterSeconds).toBeGreaterThan(23 * 3600);
      // A holder of the role higher up is limited by the same step's day.
      const bySupervisor = await t.gql(URGE, { i: id }, tokens['danfeng.approver']);
      expect(reasonOf(bySupervisor)).toBe('URGED_RECENTLY');
    });

    it('lets a holder of the role higher up urge, and not the assignees themselves nor anyone else', async () => {
      const id = await apply();
      await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      expect(codeOf(await t.gql(URGE, { i: id }, tokens['longfeng.approver']))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(URGE, { i: id }, tokens['shangnan.approver']))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(URGE, { i: id }, tokens.chen))).toBe('NOT_FOUND');
      const res = await t.gql(URGE, { i: id }, tokens['danfeng.approver']);
      expect(res.errors).toBeUndefined();
    });
  });

  describe('delegation (代理)', () => {
    const week = () => ({ startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });

    it('lets the substitute act on the delegator’s tasks while it is in force, recorded as on their behalf', async () => {
      const set = await t.gql(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengFinance.id, reason: '休假', ...week() } }, tokens['danfeng.approver']);
      expect(set.errors).toBeUndefined();
      expect(set.data.setDelegation).toMatchObject({ role: 'APPROVER', organizationId: fed.orgs.danfeng.id, substituteAccountId: fed.accounts.danfengFinance.id });
      const mine = await t.gql('{ myDelegations { id role } }', {}, tokens['danfeng.finance']);
      expect(mine.data.myDelegations).toEqual([{ id: set.data.setDelegation.id, role: 'APPROVER' }]);

      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      const review = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
      const bySubstitute = await wf.decide(tokens['danfeng.finance'], review.id, 'approve', '代为审核');
      expect(bySubstitute.errors).toBeUndefined();
      const entry = (await t.gql(READ, { id }, tokens['danfeng.approver'])).data.workflowInstance.history.at(-1);
      expect(entry).toMatchObject({ action: 'approve', actor: { accountId: fed.accounts.danfengFinance.id }, onBehalfOf: { accountId: fed.accounts.danfengApprover.id } });
      const [row] = await sql(`select on_behalf_of_account_id, actor_account_id from workflow_history where instance_id = ? and action = 'approve' and from_state = 'COUNTY_REVIEW'`, [id]);
      expect(row).toEqual({ on_behalf_of_account_id: fed.accounts.danfengApprover.id, actor_account_id: fed.accounts.danfengFinance.id });

      // Revoked, it passes nothing on.
      const revoked = await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { revokedAt } }', { id: set.data.setDelegation.id }, tokens['danfeng.approver']);
      expect(revoked.data.revokeDelegation.revokedAt).not.toBeNull();
      const next = await apply();
      await approve('longfeng.approver', next, 'GRASSROOTS_VERIFY');
      const task = await wf.taskFor(tokens['danfeng.approver'], next, 'COUNTY_REVIEW');
      expect(reasonOf(await wf.decide(tokens['danfeng.finance'], task.id, 'approve'))).toBe('NOT_ASSIGNEE');
    });

    it('offers the substitute the delegator’s actions on the delegated tasks, and taking one is recorded on their behalf', async () => {
      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      const own = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
      const keys = (task: { viewerActions: { key: string }[] }) => task.viewerActions.map((a) => a.key);
      expect(keys(own)).toEqual(['approve', 'reject', 'return']);
      // Before the delegation the county's finance officer supervises the task but may not decide it.
      const supervised = (await wf.inbox(tokens['danfeng.finance'], {}, 'SUBTREE')).find((task) => task.id === own.id);
      expect(keys(supervised)).toEqual([]);

      const set = await t.gql(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengFinance.id, reason: '出差', ...week() } }, tokens['danfeng.approver']);
      expect(set.errors).toBeUndefined();
      const listed = (await wf.inbox(tokens['danfeng.finance'])).find((task) => task.id === own.id);
      expect(keys(listed)).toEqual(keys(own));
      // The same actions on the task reached outside the inbox (through its instance).
      const reached = await t.gql('query($id: ID!) { workflowInstance(id: $id) { openTasks { id viewerActions { key commentRequired } } } }', { id }, tokens['danfeng.finance']);
      expect(reached.data.workflowInstance.openTasks).toEqual([{ id: own.id, viewerActions: [
        { key: 'approve', commentRequired: false }, { key: 'reject', commentRequired: true }, { key: 'return', commentRequired: true },
      ] }]);

      const returned = await wf.decide(tokens['danfeng.finance'], own.id, 'return', '请补充诊断证明（代审）');
      expect(returned.errors).toBeUndefined();
      expect(returned.data.decide.state).toBe('RETURNED');
      const entry = (await t.gql(READ, { id }, tokens['danfeng.approver'])).data.workflowInstance.history.at(-1);
      expect(entry).toMatchObject({ action: 'return', actor: { accountId: fed.accounts.danfengFinance.id }, onBehalfOf: { accountId: fed.accounts.danfengApprover.id } });

      await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { id } }', { id: set.data.setDelegation.id }, tokens['danfeng.approver']);
      const next = await apply();
      await approve('longfeng.approver', next, 'GRASSROOTS_VERIFY');
      const after = await wf.taskFor(tokens['danfeng.finance'], next, 'COUNTY_REVIEW', 'SUBTREE');
      expect(keys(after)).toEqual([]);
    });

    it('refuses a decision on behalf of a delegation revoked elsewhere, though the inbox may list it a few seconds more', async () => {
      const set = await t.gql(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengFinance.id, ...week() } }, tokens['danfeng.approver']);
      expect(set.errors).toBeUndefined();
      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      const listed = await wf.taskFor(tokens['danfeng.finance'], id, 'COUNTY_REVIEW');
      expect(listed.viewerActions.map((a: { key: string }) => a.key)).toContain('approve');
      // Revoked by another API process: this one's inbox learns of it within the grants' cache time, deciding at once.
      await sql(`update workflow_delegation set revoked_at = now() where id = ?`, [set.data.setDelegation.id]);
      expect(reasonOf(await wf.decide(tokens['danfeng.finance'], listed.id, 'approve'))).toBe('NOT_ASSIGNEE');
      expect((await t.gql(READ, { id }, tokens['danfeng.approver'])).data.workflowInstance.state).toBe('COUNTY_REVIEW');
    });

    it('refuses a substitute who could not hold the role there, oneself, a role not held, overlaps and bad periods', async () => {
      const delegate = (who: string, input: Record<string, unknown>) => t.gql(DELEGATE, { i: { ...week(), ...input } }, tokens[who]);
      const refusals = [
        await delegate('danfeng.approver', { substituteAccountId: fed.accounts.wang.id }),
        await delegate('danfeng.approver', { substituteAccountId: fed.accounts.shangnanApprover.id }),
        await delegate('danfeng.approver', { substituteAccountId: fed.accounts.danfengApprover.id }),
        await delegate('danfeng.approver', { substituteAccountId: fed.accounts.danfengAuditor.id, role: 'FINANCE', organizationId: fed.orgs.danfeng.id }),
        await delegate('danfeng.approver', { substituteAccountId: fed.accounts.danfengAuditor.id, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() - 1000).toISOString() }),
        await delegate('wang', { substituteAccountId: fed.accounts.longfengApprover.id }),
      ];
      expect(refusals.map((r) => [codeOf(r), reasonOf(r) ?? null])).toEqual([
        ['BAD_USER_INPUT', 'SUBSTITUTE_NOT_ELIGIBLE'],
        ['BAD_USER_INPUT', 'SUBSTITUTE_NOT_ELIGIBLE'],
        ['BAD_USER_INPUT', 'SELF_DELEGATION'],
        ['FORBIDDEN', null],
        ['BAD_USER_INPUT', 'BAD_PERIOD'],
        ['BAD_USER_INPUT', 'GRANT_REQUIRED'],
      ]);
      const first = await delegate('danfeng.approver', { substituteAccountId: fed.accounts.danfengAuditor.id });
      expect(first.errors).toBeUndefined();
      const overlapping = await delegate('danfeng.approver', { substituteAccountId: fed.accounts.danfengFinance.id });
      expect([codeOf(overlapping), reasonOf(overlapping)]).toEqual(['CONFLICT', 'DELEGATION_OVERLAPS']);
      await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { id } }', { id: first.data.setDelegation.id }, tokens['danfeng.approver']);
    });

    it('does not chain: a substitute’s own delegation passes on only their own grant', async () => {
      const a = await t.gql(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengFinance.id, ...week() } }, tokens['danfeng.approver']);
      const b = await t.gql(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengAuditor.id, ...week() } }, tokens['danfeng.finance']);
      expect([a.errors, b.errors]).toEqual([undefined, undefined]);
      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      const review = await wf.taskFor(tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
      const byChain = await wf.decide(tokens['danfeng.auditor'], review.id, 'approve');
      expect([codeOf(byChain), reasonOf(byChain)]).toEqual(['FORBIDDEN', 'NOT_ASSIGNEE']);
      for (const [d, who] of [[a, 'danfeng.approver'], [b, 'danfeng.finance']] as const) {
        await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { id } }', { id: d.data.setDelegation.id }, tokens[who]);
      }
    });
  });

  describe('carbon copy (抄送)', () => {
    it('lets the approver copy someone, who gets a read-only notice and may read the instance', async () => {
      const id = await apply();
      const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      expect(codeOf(await t.gql('query($id: ID!) { workflowInstance(id: $id) { id } }', { id }, tokens.chen))).toBe('NOT_FOUND');
      const res = await gql('longfeng.approver', COPY, { t: verify.id, a: [committees.accounts.chen.id] });
      expect(res.errors).toBeUndefined();
      expect(res.data.carbonCopy.carbonCopies).toEqual([{ accountId: committees.accounts.chen.id, role: null, organizationId: null, step: 'GRASSROOTS_VERIFY' }]);
      const seen = await t.gql('query($id: ID!) { workflowInstance(id: $id) { id state } }', { id }, tokens.chen);
      expect(seen.data.workflowInstance).toEqual({ id, state: 'GRASSROOTS_VERIFY' });
      await eventually(async () => {
        const n = await t.gql(NOTICES, {}, tokens.chen);
        return n.data.myNotifications.edges.some((e: { node: { instanceId: string; reason: string } }) => e.node.instanceId === id && e.node.reason === 'CARBON_COPY');
      }, 15000, 'the carbon-copy notice');
      // Read-only: the task is not theirs to see, nor to decide.
      expect(codeOf(await wf.decide(tokens.chen, verify.id, 'approve'))).toBe('NOT_FOUND');

      const twice = await gql('longfeng.approver', COPY, { t: verify.id, a: [committees.accounts.chen.id] });
      expect([codeOf(twice), reasonOf(twice)]).toEqual(['CONFLICT', 'ALREADY_COPIED']);
      const unknown = await gql('longfeng.approver', COPY, { t: verify.id, a: [randomUUID()] });
      expect([codeOf(unknown), reasonOf(unknown)]).toEqual(['BAD_USER_INPUT', 'UNKNOWN_ACCOUNT']);
      const byApplicant = await t.gql(COPY, { t: verify.id, a: [fed.accounts.cityFinance.id], k: randomUUID() }, tokens.wang);
      expect(codeOf(byApplicant)).toMatch(/FORBIDDEN|NOT_FOUND/);
    });

    it('lists the instances copied to a viewer, in person or to a role they hold, among theirs and on their own with copiedToMe', async () => {
      const LIST = `query($f: InstanceFilter) { workflowInstances(first: 100, filter: $f) { totalCount edges { node { id state } } } }`;
      const ids = async (who: string, f: Record<string, unknown> = {}) => {
        const res = await t.gql(LIST, { f }, tokens[who]);
        expect(res.errors).toBeUndefined();
        expect(res.data.workflowInstances.totalCount).toBe(res.data.workflowInstances.edges.length);
        return res.data.workflowInstances.edges.map((e: { node: { id: string } }) => e.node.id) as string[];
      };
      const id = await apply();
      const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
      expect(await ids('chen')).not.toContain(id);
      expect((await gql('longfeng.approver', COPY, { t: verify.id, a: [committees.accounts.chen.id] })).errors).toBeUndefined();
      expect(await ids('chen')).toContain(id);
      const copiedToChen = await ids('chen', { copiedToMe: true });
      expect(copiedToChen).toContain(id);
      // Every one listed as copied is one chen may read only through the copy, and opens read-only.
      for (const copied of copiedToChen) expect((await t.gql(READ, { id: copied }, tokens.chen)).data.workflowInstance.carbonCopies.some((c: { accountId: string }) => c.accountId === committees.accounts.chen.id)).toBe(true);
      expect(await ids('chen', { copiedToMe: false })).not.toContain(id);
      expect(await ids('longfeng.approver', { copiedToMe: true })).not.toContain(id);
      expect(await ids('longfeng.approver')).toContain(id);

      // A copy to a role: the county auditor, once the county has decided.
      expect(await ids('danfeng.auditor', { copiedToMe: true })).not.toContain(id);
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      await approve('danfeng.approver', id, 'COUNTY_REVIEW');
      expect(await ids('danfeng.auditor', { copiedToMe: true })).toContain(id);
      expect(await ids('shangnan.approver')).not.toContain(id);
    });

    it('copies the roles the definition names when the step is decided', async () => {
      const id = await apply();
      await approve('longfeng.approver', id, 'GRASSROOTS_VERIFY');
      await approve('danfeng.approver', id, 'COUNTY_REVIEW');
      const instance = (await t.gql(READ, { id }, tokens['city.approver'])).data.workflowInstance;
      expect(instance.carbonCopies).toEqual([{ accountId: null, role: 'AUDITOR', organizationId: fed.orgs.danfeng.id, step: 'COUNTY_REVIEW' }]);
      await eventually(async () => {
        const n = await t.gql(NOTICES, {}, tokens['danfeng.auditor']);
        return n.data.myNotifications.edges.some((e: { node: { instanceId: string; reason: string; step: string } }) => e.node.instanceId === id && e.node.reason === 'CARBON_COPY' && e.node.step === 'COUNTY_REVIEW');
      }, 15000, 'the county auditor’s copy');
    });
  });
});
