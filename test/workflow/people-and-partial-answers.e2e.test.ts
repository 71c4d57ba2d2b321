import { randomUUID } from 'node:crypto';
import { Role } from '../../src/auth/role';
import { Organization } from '../../src/organizations/organization.entity';
import { addCommittees, buildFederation, Federation, Fixtures, sqlOn } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { eventually, WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const PERSON = 'accountId displayName organization { name } role';

describe('the schema for front-ends: people by name, and a refusal that nulls only its own path', () => {
  let t: TestApp;
  let fed: Federation;
  let committees: Awaited<ReturnType<typeof addCommittees>>;
  let wf: WorkflowClient;
  let sql: ReturnType<typeof sqlOn>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    committees = await addCommittees(t.app.services.orm.em.fork(), fed);
    // An approver of 龙凤桥 who will leave the post while holding a claimed task.
    const em = t.app.services.orm.em.fork();
    const f = new Fixtures(em, 30_000);
    await f.account('former.approver', [[Role.APPROVER, em.getReference(Organization, fed.orgs.longfeng.id)]]);
    await f.flush();
    wf = new WorkflowClient(t);
    sql = sqlOn(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'danfeng.finance', 'former.approver']) tokens[name] = await t.login(name);
  });
  afterAll(() => t.close());

  async function apply() {
    const res = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount: 300_000, reason: '家人重病，生活困难' } }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid.instance.id as string;
  }

  it('names the delegator (with the role and organisation delegated) and the substitute of a delegation', async () => {
    const week = { startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() };
    const set = await t.gql(
      `mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id } }`,
      { i: { substituteAccountId: fed.accounts.danfengFinance.id, reason: '出差', ...week } },
      tokens['danfeng.approver'],
    );
    expect(set.errors).toBeUndefined();
    const mine = await t.gql(`{ myDelegations { id delegator { ${PERSON} } substitute { ${PERSON} } } }`, {}, tokens['danfeng.finance']);
    expect(mine.errors).toBeUndefined();
    expect(mine.data.myDelegations).toEqual([
      {
        id: set.data.setDelegation.id,
        delegator: { accountId: fed.accounts.danfengApprover.id, displayName: 'danfeng.approver', organization: { name: '丹凤县总工会' }, role: 'APPROVER' },
        substitute: { accountId: fed.accounts.danfengFinance.id, displayName: 'danfeng.finance', organization: { name: '丹凤县总工会' }, role: null },
      },
    ]);
    await t.gql('mutation($id: ID!) { revokeDelegation(id: $id) { id } }', { id: set.data.setDelegation.id }, tokens['danfeng.approver']);
  });

  it('names the person a carbon copy went to, and the time as a DateTime', async () => {
    const id = await apply();
    const verify = await wf.taskFor(tokens['longfeng.approver'], id, 'GRASSROOTS_VERIFY');
    const copied = await t.gql(
      `mutation($t: ID!, $a: [ID!]!, $k: String!) { carbonCopy(taskId: $t, accountIds: $a, idempotencyKey: $k) { carbonCopies { person { ${PERSON} } role step at } } }`,
      { t: verify.id, a: [committees.accounts.chen.id], k: randomUUID() },
      tokens['longfeng.approver'],
    );
    expect(copied.errors).toBeUndefined();
    const [copy] = copied.data.carbonCopy.carbonCopies;
    expect(copy).toMatchObject({ person: { accountId: committees.accounts.chen.id, displayName: 'chen', organization: { name: '商南县茶叶有限公司工会委员会' }, role: null }, role: null, step: 'GRASSROOTS_VERIFY' });
    expect(new Date(copy.at).toISOString()).toBe(copy.at);
  });

  it('answers a claimant who lost the role with the task, null at task.instance and NOT_FOUND at that path', async () => {
    const id = await apply();
    const task = await wf.taskFor(tokens['former.approver'], id, 'GRASSROOTS_VERIFY');
    const claimed = await t.gql('mutation($t: ID!) { claimTask(taskId: $t) { claimant { displayName } } }', { t: task.id }, tokens['former.approver']);
    expect(claimed.data.claimTask.claimant).toEqual({ displayName: 'former.approver' });
    // They leave the post: the task still names them as its claimant, the application is no longer theirs to read.
    await sql(`delete from role_assignment where account_id = (select id from account where username = 'former.approver')`);

    const READ = `query($id: ID!) { task(id: $id) { id step status claimant { displayName } instance { id state } } }`;
    // The grants are cached for a few seconds per account; the withdrawal shows once they are read again.
    const res = await eventually(async () => {
      const r = await t.gql(READ, { id: task.id }, tokens['former.approver']);
      return r.data?.task?.instance === null ? r : undefined;
    }, 15000, 'the withdrawn role to take effect');
    expect(res.data.task).toEqual({ id: task.id, step: 'GRASSROOTS_VERIFY', status: 'OPEN', claimant: { displayName: 'former.approver' }, instance: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['task', 'instance'], extensions: { code: 'NOT_FOUND' } });
  });
});
