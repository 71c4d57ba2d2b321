import { randomUUID } from 'node:crypto';
import { App, bootstrap } from '../../src/app/bootstrap';
import { Role } from '../../src/auth/role';
import { TokenSigner } from '../../src/auth/token';
import { loadConfig } from '../../src/config/env';
import { Organization } from '../../src/organizations/organization.entity';
import { connectLive, type LiveConnection } from '../../scripts/support/live-client';
import { buildFederation, Federation, Fixtures } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const INBOX = 'subscription { inboxChanged { change task { id step status instanceId } } }';
const INSTANCE = 'subscription($id: ID!) { instanceChanged(id: $id) { id state seq } }';
const APPLY = 'mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id instance { id state } } }';
const NOTICES = 'subscription { notificationAdded { reason step instanceId } }';
const CLAIM = 'mutation($id: ID!) { claimTask(taskId: $id) { id claimedBy } }';
const UNCLAIM = 'mutation($id: ID!) { unclaimTask(taskId: $id) { id claimedBy } }';
const TRANSFER = 'mutation($t: ID!, $to: ID!, $k: String!) { transferTask(taskId: $t, toAccountId: $to, reason: "出差，请同事代办", idempotencyKey: $k) { id } }';
const URGE = 'mutation($i: ID!) { urge(instanceId: $i, comment: "请尽快") { id } }';
const COPY = 'mutation($t: ID!, $a: [ID!]!, $k: String!) { carbonCopy(taskId: $t, accountIds: $a, idempotencyKey: $k) { id } }';
const DELEGATE = 'mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id } }';
const REVOKE = 'mutation($id: ID!) { revokeDelegation(id: $id) { id } }';

describe('live updates over WebSocket', () => {
  let t: TestApp;
  /** The workers run in a process of their own (here: an app of their own, without HTTP), as deployed. */
  let workers: App;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};
  const sockets: LiveConnection[] = [];
  const connect = (token?: string) => {
    const c = connectLive(t.url, token);
    sockets.push(c);
    return c;
  };
  /** Subscriptions start once the server has authorised them; events are only sent to those already open. */
  const subscribed = (n: number) => eventually(async () => t.app.services.live.open >= n, 5000, `${n} subscriptions open`);

  beforeAll(async () => {
    t = await startTestApp({ workers: false });
    workers = await bootstrap(loadConfig(process.env, t.overrides), { api: false, workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    const em = t.app.services.orm.em.fork();
    const f = new Fixtures(em, 700);
    await f.account('tea.approver', [[Role.APPROVER, await em.findOneOrFail(Organization, fed.orgs.tea.id)]]);
    await f.flush();
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'admin', 'longfeng.approver', 'longfeng.finance', 'danfeng.approver', 'danfeng.finance', 'danfeng.auditor', 'shangnan.approver', 'tea.approver']) tokens[name] = await t.login(name);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await workers?.stop();
    await t.close();
  });

  async function applyFor(token: string, input: Record<string, unknown>) {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', amount: 200_000, reason: '家中突发重病，生活困难', ...input } }, token);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  }

  it('delivers a routed task to the approvers it is routed to, its closing to them, and nothing to others', async () => {
    const open = t.app.services.live.open;
    const longfeng = connect(tokens['longfeng.approver']).subscribe(INBOX);
    const danfeng = connect(tokens['danfeng.approver']).subscribe(INBOX);
    const shangnan = connect(tokens['shangnan.approver']).subscribe(INBOX);
    await subscribed(open + 3);

    const instanceId = await applyFor(tokens.wang, { fundId: fed.funds.danfengAid.id });
    const routed = await longfeng.next();
    expect(routed.errors).toBeUndefined();
    expect(routed.data.inboxChanged).toMatchObject({ change: 'ROUTED', task: { step: 'GRASSROOTS_VERIFY', status: 'OPEN', instanceId } });

    expect((await wf.decide(tokens['longfeng.approver'], routed.data.inboxChanged.task.id, 'approve', '情况属实')).errors).toBeUndefined();
    expect((await longfeng.next()).data.inboxChanged).toMatchObject({ change: 'CLOSED', task: { step: 'GRASSROOTS_VERIFY', status: 'DONE' } });
    // The county may read the union's task, but it was never in the county's inbox: its first event is its own step.
    expect((await danfeng.next()).data.inboxChanged).toMatchObject({ change: 'ROUTED', task: { step: 'COUNTY_REVIEW', instanceId } });

    // 商南's approver sees none of 丹凤's work: their first event is the first task routed to them.
    const teaInstance = await applyFor(tokens.admin, { fundId: fed.funds.cityAid.id, memberId: fed.members.chen.id });
    const teaTask = await wf.taskFor(tokens['tea.approver'], teaInstance, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['tea.approver'], teaTask.id, 'approve', '情况属实');
    expect((await shangnan.next()).data.inboxChanged).toMatchObject({ change: 'ROUTED', task: { step: 'COUNTY_REVIEW', instanceId: teaInstance } });
    expect(shangnan.waiting).toBe(0);
  });

  /** Runs a mutation and fails the test on any error. */
  async function ok(query: string, variables: Record<string, unknown>, token: string) {
    const res = await t.gql(query, variables, token);
    expect(res.errors).toBeUndefined();
    return res.data;
  }

  it('moves a task between inboxes as it is claimed, released and transferred, and follows its instance through each', async () => {
    const open = t.app.services.live.open;
    const union = connect(tokens['longfeng.approver']).subscribe(INBOX);
    const county = connect(tokens['danfeng.approver']).subscribe(INBOX);
    const finance = connect(tokens['longfeng.finance']).subscribe(INBOX);
    await subscribed(open + 3);
    const instanceId = await applyFor(tokens.wang, { fundId: fed.funds.danfengAid.id });
    const routed = (await union.next()).data.inboxChanged;
    expect(routed).toMatchObject({ change: 'ROUTED', task: { step: 'GRASSROOTS_VERIFY', instanceId } });
    const followed = connect(tokens.wang).subscribe(INSTANCE, { id: instanceId });
    await subscribed(open + 4);

    // The county approver takes the union's task over: it is theirs now, and no longer the union's.
    await ok(CLAIM, { id: routed.task.id }, tokens['danfeng.approver']);
    expect((await county.next()).data.inboxChanged).toMatchObject({ change: 'ROUTED', task: { id: routed.task.id, status: 'OPEN' } });
    expect((await union.next()).data.inboxChanged).toMatchObject({ change: 'CLOSED', task: { id: routed.task.id, status: 'OPEN' } });
    expect((await followed.next()).data.instanceChanged).toMatchObject({ id: instanceId, state: 'GRASSROOTS_VERIFY' });

    await ok(UNCLAIM, { id: routed.task.id }, tokens['danfeng.approver']);
    expect((await county.next()).data.inboxChanged).toMatchObject({ change: 'CLOSED', task: { id: routed.task.id } });
    expect((await union.next()).data.inboxChanged).toMatchObject({ change: 'ROUTED', task: { id: routed.task.id } });
    expect((await followed.next()).data.instanceChanged.id).toBe(instanceId);

    // 转办: the old task closes for the union's approver, the new one arrives for the colleague.
    await ok(TRANSFER, { t: routed.task.id, to: fed.accounts.longfengFinance.id, k: randomUUID() }, tokens['longfeng.approver']);
    expect((await union.next()).data.inboxChanged).toMatchObject({ change: 'CLOSED', task: { id: routed.task.id, status: 'DONE' } });
    const moved = (await finance.next()).data.inboxChanged;
    expect(moved).toMatchObject({ change: 'ROUTED', task: { step: 'GRASSROOTS_VERIFY', status: 'OPEN', instanceId } });
    expect(moved.task.id).not.toBe(routed.task.id);
    expect((await followed.next()).data.instanceChanged.id).toBe(instanceId);
    expect([county.waiting, finance.waiting]).toEqual([0, 0]);
  });

  it('delivers an urge to the assignees and a carbon copy to the people copied, as their notices are filed', async () => {
    const instanceId = await applyFor(tokens.wang, { fundId: fed.funds.danfengAid.id });
    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    const open = t.app.services.live.open;
    const assignee = connect(tokens['longfeng.approver']).subscribe(NOTICES);
    const auditor = connect(tokens['danfeng.auditor']).subscribe(NOTICES);
    const followed = connect(tokens.wang).subscribe(INSTANCE, { id: instanceId });
    await subscribed(open + 3);

    await ok(URGE, { i: instanceId }, tokens.wang);
    expect((await followed.next()).data.instanceChanged.id).toBe(instanceId);
    expect((await assignee.next()).data.notificationAdded).toEqual({ reason: 'URGE', step: 'GRASSROOTS_VERIFY', instanceId });

    await ok(COPY, { t: task.id, a: [fed.accounts.danfengAuditor.id], k: randomUUID() }, tokens['longfeng.approver']);
    expect((await followed.next()).data.instanceChanged.id).toBe(instanceId);
    expect((await auditor.next()).data.notificationAdded).toEqual({ reason: 'CARBON_COPY', step: 'GRASSROOTS_VERIFY', instanceId });
    expect(assignee.waiting).toBe(0);
  });

  it('brings the delegator’s open tasks into the substitute’s inbox when a delegation begins, and takes them out when it is revoked', async () => {
    const instanceId = await applyFor(tokens.wang, { fundId: fed.funds.danfengAid.id });
    const verify = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '情况属实');
    await wf.taskFor(tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW');
    const delegated = (await wf.inbox(tokens['danfeng.approver'])).map((task) => task.id).sort();
    const open = t.app.services.live.open;
    const substitute = connect(tokens['danfeng.finance']).subscribe(INBOX);
    await subscribed(open + 1);

    const period = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 86_400_000).toISOString() };
    const set = await ok(DELEGATE, { i: { substituteAccountId: fed.accounts.danfengFinance.id, ...period } }, tokens['danfeng.approver']);
    const arrived = [];
    for (const _ of delegated) arrived.push((await substitute.next()).data.inboxChanged);
    expect(arrived.every((c) => c.change === 'ROUTED')).toBe(true);
    expect(arrived.map((c) => c.task.id).sort()).toEqual(delegated);
    expect((await wf.inbox(tokens['danfeng.finance'])).map((task) => task.id).sort()).toEqual(delegated);

    await ok(REVOKE, { id: set.setDelegation.id }, tokens['danfeng.approver']);
    const left = [];
    for (const _ of delegated) left.push((await substitute.next()).data.inboxChanged);
    expect(left.every((c) => c.change === 'CLOSED')).toBe(true);
    expect(left.map((c) => c.task.id).sort()).toEqual(delegated);
  });

  it('follows an instance its applicant may read, and refuses one the viewer may not read as NOT_FOUND', async () => {
    const instanceId = await applyFor(tokens.wang, { fundId: fed.funds.danfengAid.id });
    const open = t.app.services.live.open;
    const mine = connect(tokens.wang).subscribe(INSTANCE, { id: instanceId });
    await subscribed(open + 1);
    const refused = await connect(tokens['shangnan.approver']).subscribe(INSTANCE, { id: instanceId }).next();
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]).toMatchObject({ path: ['instanceChanged'], extensions: { code: 'NOT_FOUND' } });

    const task = await wf.taskFor(tokens['longfeng.approver'], instanceId, 'GRASSROOTS_VERIFY');
    await wf.decide(tokens['longfeng.approver'], task.id, 'approve');
    // The filing's own event may still arrive first (events are hints, sent after their commit): read on to the decision's.
    let event = (await mine.next()).data.instanceChanged;
    for (let i = 0; i < 3 && event.state !== 'COUNTY_REVIEW'; i++) event = (await mine.next()).data.instanceChanged;
    expect(event).toMatchObject({ id: instanceId, state: 'COUNTY_REVIEW' });
  });

  it('refuses a socket without a token or with a bad one, and closes it when the token expires', async () => {
    expect(await connect().closed).toMatchObject({ code: 4401, reason: expect.stringContaining('Sign in first') });
    expect(await connect('not-a-token').closed).toEqual({ code: 4401, reason: 'Token is not valid' });

    const shortLived = await new TokenSigner(t.app.services.config.JWT_SECRET, 2).sign(fed.accounts.wang.id);
    const socket = connect(shortLived.token);
    socket.subscribe(INBOX);
    expect(await socket.closed).toEqual({ code: 4401, reason: 'Token has expired; sign in again' });
  });

  it('serves only subscriptions over WebSocket, held to the same limits as HTTP', async () => {
    const socket = connect(tokens.wang);
    const query = await socket.subscribe('query { viewer { username } }').next();
    expect(query.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'NOT_A_SUBSCRIPTION' });
    const unknown = await socket.subscribe('subscription { inboxChanged { nope } }').next();
    expect(unknown.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('closes every socket when the server stops', async () => {
    const other = await startAnotherInstance(t);
    const socket = connectLive(other.url, tokens.wang);
    sockets.push(socket);
    socket.subscribe(INBOX);
    await eventually(async () => other.app.services.live.open >= 1, 5000, 'subscription open');
    await other.close();
    expect((await socket.closed).code).toBe(1001);
  });
});

describe('live notifications', () => {
  /** A 3-day step lasts 5 s, so its reminder (a day before the deadline) comes after about 3 s. */
  const TIME_SCALE = String(5 / (3 * 24 * 3600));
  let t: TestApp;
  let fed: Federation;
  let socket: LiveConnection;

  beforeAll(async () => {
    t = await startTestApp({ workers: true, env: { WORKFLOW_TIME_SCALE: TIME_SCALE } });
    fed = await buildFederation(t.app.services.orm.em.fork());
  });
  afterAll(async () => {
    await socket?.close();
    await t.close();
  });

  it('delivers the reminder of a task to the approver it is routed to', async () => {
    socket = connectLive(t.url, await t.login('longfeng.approver'));
    const notices = socket.subscribe('subscription { notificationAdded { reason step instanceId dueAt } }');
    await eventually(async () => t.app.services.live.open >= 1, 5000, 'subscription open');
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 100_000, reason: '生活困难' } }, await t.login('wang'));
    const instanceId = res.data.applyForAid.instance.id;
    const notice = await notices.next(20_000);
    expect(notice.errors).toBeUndefined();
    expect(notice.data.notificationAdded).toMatchObject({ reason: 'REMINDER', step: 'GRASSROOTS_VERIFY', instanceId });
  });
});
