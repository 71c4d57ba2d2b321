import { Organization } from '../../src/organizations/organization.entity';
import { addUnionsWithMembers, buildFederation, Federation, tokenCache } from '../support/fixtures';
import { startTestApp, TEST_PASSWORD, TestApp } from '../support/harness';

const PAGE = `query($first: Int, $filter: MemberFilter) {
  members(first: $first, filter: $filter) {
    edges { node {
      id name nationalId phone personalDataMasked
      organization { name parent { name } funds { name balance } }
    } }
  }
}`;

const RICHER = `query($first: Int) {
  members(first: $first) {
    edges { node {
      id name honours { award }
      organization { name memberCount ancestors { name } parent { name parent { name } } funds { name balance owner { name } } }
    } }
  }
}`;

/** No N+1: the statements a page costs do not depend on how many rows it holds. */
describe('statement count per request', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;

  /**
   * Runs one request and returns how many SQL statements the server sent for it. The viewer's grants are
   * loaded first, as they are for anyone active (they are cached for a few seconds), so every measured request
   * starts from the same state.
   */
  async function statementsFor(query: string, vars: Record<string, unknown>, tok: string) {
    await t.gql('{ viewer { username } }', {}, tok);
    t.app.services.queryCounter.count = 0;
    const res = await t.gql(query, vars, tok);
    const count = t.app.services.queryCounter.count;
    expect(res.errors).toBeUndefined();
    return { res, count };
  }

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    const em = t.app.services.orm.em.fork();
    // 12 grassroots unions × 10 members, in two towns' worth of parents, so parents differ across the page.
    const danfeng = await em.findOneOrFail(Organization, fed.orgs.danfeng.id);
    const shangnan = await em.findOneOrFail(Organization, fed.orgs.shangnan.id);
    await addUnionsWithMembers(em, danfeng, { unions: 6, perUnion: 10, firstSeq: 10_000, namePrefix: '丹凤' });
    await addUnionsWithMembers(em, shangnan, { unions: 6, perUnion: 10, firstSeq: 11_000, namePrefix: '商南' });
    await token('city.approver');
    await token('danfeng.finance');
    await token('danfeng.approver');
  });
  afterAll(() => t.close());

  // Unmasked, as here, the page also writes its reads to the personal data access log: one insert for the page.
  it('a page of 100 members with organization, parent and funds costs at most 8 statements', async () => {
    const { res, count } = await statementsFor(PAGE, { first: 100 }, await token('city.approver'));
    const nodes = res.data.members.edges.map((e: any) => e.node);
    expect(nodes).toHaveLength(100);
    // The page really spans many unions, parents and funds.
    expect(new Set(nodes.map((n: any) => n.organization.name)).size).toBeGreaterThanOrEqual(10);
    expect(new Set(nodes.map((n: any) => n.organization.parent.name)).size).toBeGreaterThanOrEqual(2);
    expect(nodes.filter((n: any) => n.organization.funds.length > 0).length).toBeGreaterThanOrEqual(90);
    console.info(`statements for a page of 100 members: ${count}`);
    expect(count).toBeLessThanOrEqual(8);
  });

  it('costs the same for 20 members as for 100', async () => {
    const tok = await token('city.approver');
    const small = await statementsFor(PAGE, { first: 20 }, tok);
    const big = await statementsFor(PAGE, { first: 100 }, tok);
    expect(small.res.data.members.edges).toHaveLength(20);
    expect(big.count).toBe(small.count);
  });

  it('stays constant for a masked view and a subtree filter', async () => {
    const tok = await token('danfeng.finance');
    await statementsFor(PAGE, { first: 1, filter: { subtreeOf: fed.orgs.danfeng.id } }, tok); // the root's path, remembered
    const small = await statementsFor(PAGE, { first: 5, filter: { subtreeOf: fed.orgs.danfeng.id } }, tok);
    const big = await statementsFor(PAGE, { first: 60, filter: { subtreeOf: fed.orgs.danfeng.id } }, tok);
    expect(big.res.data.members.edges).toHaveLength(60);
    expect(big.res.data.members.edges.every((e: any) => e.node.personalDataMasked)).toBe(true);
    expect(big.count).toBe(small.count);
    expect(big.count).toBeLessThanOrEqual(8);
  });

  it('costs one statement more unmasked than masked: the batched insert into the personal data access log', async () => {
    const filter = { subtreeOf: fed.orgs.danfeng.id };
    const masked = await statementsFor(PAGE, { first: 60, filter }, await token('danfeng.finance'));
    const unmasked = await statementsFor(PAGE, { first: 60, filter }, await token('danfeng.approver'));
    expect(unmasked.res.data.members.edges.every((e: any) => !e.node.personalDataMasked)).toBe(true);
    expect(unmasked.count).toBe(masked.count + 1);
  });

  it('stays constant with honours, memberCount, ancestors, grandparents and fund owners', async () => {
    const tok = await token('city.approver');
    const small = await statementsFor(RICHER, { first: 10 }, tok);
    const big = await statementsFor(RICHER, { first: 100 }, tok);
    console.info(`statements for the richer page: ${small.count} (10 members), ${big.count} (100 members)`);
    expect(big.count).toBe(small.count);
    expect(big.count).toBeLessThanOrEqual(12);
  });

  it('a page of organisations with memberCount and funds is constant too', async () => {
    const tok = await token('city.approver');
    const q = `query($first: Int) { organizations(first: $first) { edges { node { name memberCount parent { name } funds { name } } } } }`;
    const small = await statementsFor(q, { first: 3 }, tok);
    const big = await statementsFor(q, { first: 100 }, tok);
    expect(big.res.data.organizations.edges.length).toBeGreaterThanOrEqual(20);
    expect(big.count).toBe(small.count);
    expect(big.count).toBeLessThanOrEqual(8);
  });

  describe('approval history and instances, with people resolved', () => {
    const PERSON = 'displayName organization { name } role capacity';
    const HISTORY = `query($first: Int) { approvalHistory(first: $first) { edges { node { action actor { ${PERSON} } onBehalfOf { ${PERSON} } system changes { field } } } } }`;
    const INSTANCES = `query($first: Int) { workflowInstances(first: $first) { edges { node {
      state startedBy { ${PERSON} } history { action actor { ${PERSON} } } votes { voter { displayName } }
    } } } }`;

    beforeAll(async () => {
      // Filings by different people for members of different unions: a page's people and organisations differ.
      const filers: [string, string | undefined][] = [['wang', undefined], ['longfeng.approver', fed.members.li.id], ['danfeng.approver', fed.members.zhao.id], ['shangnan.approver', fed.members.chen.id]];
      for (let i = 0; i < 24; i++) {
        const [filer, memberId] = filers[i % filers.length];
        const res = await t.gql(
          `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id } }`,
          { input: { memberId, aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount: 10_000 + i, reason: '困难补助' } },
          await token(filer),
        );
        expect(res.errors).toBeUndefined();
      }
    });

    it('a page of approval history with each actor by name costs the same for 3 rows as for 24', async () => {
      const tok = await token('city.approver');
      const small = await statementsFor(HISTORY, { first: 3 }, tok);
      const big = await statementsFor(HISTORY, { first: 24 }, tok);
      const actors = big.res.data.approvalHistory.edges.map((e: any) => e.node.actor);
      expect(new Set(actors.map((a: any) => a.displayName)).size).toBe(4);
      expect(new Set(actors.map((a: any) => a.organization.name)).size).toBeGreaterThanOrEqual(3);
      console.info(`statements for a page of approval history: ${small.count} (3 rows), ${big.count} (24 rows)`);
      expect(big.count).toBe(small.count);
      expect(big.count).toBeLessThanOrEqual(2);
    });

    it('a page of instances with their filers, histories and actors costs the same for 3 as for 24', async () => {
      const tok = await token('city.approver');
      const small = await statementsFor(INSTANCES, { first: 3 }, tok);
      const big = await statementsFor(INSTANCES, { first: 24 }, tok);
      const nodes = big.res.data.workflowInstances.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(24);
      expect(new Set(nodes.map((n: any) => n.startedBy.displayName)).size).toBe(4);
      expect(nodes.every((n: any) => n.history[0].actor.displayName === n.startedBy.displayName)).toBe(true);
      console.info(`statements for a page of instances: ${small.count} (3), ${big.count} (24)`);
      expect(big.count).toBe(small.count);
      // The page, its histories, their people and the filers' (one loader batch each), the viewer's grants.
      expect(big.count).toBeLessThanOrEqual(4);
    });

    it('a page of aid applications with each filer by name costs the same for 3 as for 24', async () => {
      const tok = await token('city.approver');
      const q = `query($first: Int) { aidApplications(first: $first) { edges { node { submitter { accountId ${PERSON} } } } } }`;
      const small = await statementsFor(q, { first: 3 }, tok);
      const big = await statementsFor(q, { first: 24 }, tok);
      const submitters = big.res.data.aidApplications.edges.map((e: any) => e.node.submitter);
      expect(submitters).toHaveLength(24);
      expect(new Set(submitters.map((s: any) => s.displayName))).toEqual(new Set(['wang', 'longfeng.approver', 'danfeng.approver', 'shangnan.approver']));
      // Shown with the union each application was filed at: 龙凤桥 for wang's and li's, the courier union for zhao's, the tea company for chen's.
      expect(new Set(submitters.map((s: any) => s.organization.name)).size).toBe(3);
      console.info(`statements for a page of aid applications with filers: ${small.count} (3), ${big.count} (24)`);
      expect(big.count).toBe(small.count);
    });
  });

  describe('delegations, with their people resolved', () => {
    const MINE = `{ myDelegations { id delegator { displayName organization { name } role } substitute { displayName organization { name } } } }`;
    const week = () => ({ startsAt: new Date(Date.now() - 60_000).toISOString(), endsAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
    const delegate = async (delegator: string) => {
      const res = await t.gql(
        `mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id } }`,
        { i: { substituteAccountId: fed.accounts.cityApprover.id, ...week() } },
        await token(delegator),
      );
      expect(res.errors).toBeUndefined();
    };

    it('reads my delegations and all their people in two statements, for one delegation as for three', async () => {
      const tok = await token('city.approver');
      await delegate('danfeng.approver');
      const one = await statementsFor(MINE, {}, tok);
      await delegate('shangnan.approver');
      await delegate('longfeng.approver');
      const three = await statementsFor(MINE, {}, tok);
      const delegators = three.res.data.myDelegations.map((d: any) => d.delegator);
      expect(delegators.map((d: any) => d.displayName).sort()).toEqual(['danfeng.approver', 'longfeng.approver', 'shangnan.approver']);
      expect(new Set(delegators.map((d: any) => d.organization.name)).size).toBe(3);
      expect(three.res.data.myDelegations.every((d: any) => d.substitute.displayName === 'city.approver')).toBe(true);
      console.info(`statements for my delegations with their people: ${one.count} (1), ${three.count} (3)`);
      expect(three.count).toBe(one.count);
      // The delegations and their people (one loader batch).
      expect(three.count).toBeLessThanOrEqual(2);
    });
  });

  describe('the plain-row reads', () => {
    const UNION_PAGE = `query($first: Int, $filter: MemberFilter) { members(first: $first, filter: $filter) { edges { node { id name organization { name } } } } }`;

    it('reads a page of members with their union’s name in one statement', async () => {
      const tok = await token('city.approver');
      const { res, count } = await statementsFor(UNION_PAGE, { first: 100 }, tok);
      const nodes = res.data.members.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(100);
      expect(new Set(nodes.map((n: any) => n.organization.name)).size).toBeGreaterThanOrEqual(10);
      expect(count).toBe(1);
    });

    it('reads a subtree page in one statement once its root’s path is known, and adds one count for totalCount', async () => {
      const tok = await token('city.approver');
      const filter = { subtreeOf: fed.orgs.shangnan.id };
      expect((await statementsFor(UNION_PAGE, { first: 50, filter }, tok)).count).toBe(2); // the root's lookup, then the page
      expect((await statementsFor(UNION_PAGE, { first: 50, filter }, tok)).count).toBe(1);
      const counted = `query($filter: MemberFilter) { members(first: 50, filter: $filter) { totalCount edges { node { id } } } }`;
      expect((await statementsFor(counted, { filter }, tok)).count).toBe(2);
    });

    it('fork no ORM entity manager: a page of members and a fund with its ledger touch no managed entity', async () => {
      const [city, finance] = [await token('city.approver'), await token('danfeng.finance')];
      // Their grants loaded (and cached) first, as in statementsFor: that lookup reads through the ORM.
      await t.gql('{ viewer { username } }', {}, city);
      await t.gql('{ viewer { username } }', {}, finance);
      const fork = jest.spyOn(t.app.services.orm.em, 'fork');
      try {
        expect((await t.gql(UNION_PAGE, { first: 50 }, city)).data.members.edges.length).toBe(50);
        const fund = `query($id: ID!) { fund(id: $id) { name ledger(first: 20) { edges { node { amount } } } } }`;
        expect((await t.gql(fund, { id: fed.funds.danfengAid.id }, finance)).data.fund.name).toBeTruthy();
        expect(fork).not.toHaveBeenCalled();
        // Signing in goes through the request's fork: the spy sees it.
        await t.gql(`mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }`, { u: 'city.approver', p: TEST_PASSWORD });
        expect(fork).toHaveBeenCalledTimes(1);
      } finally {
        fork.mockRestore();
      }
    });

    it('reads a fund with its owner and a page of its ledger in three statements', async () => {
      const tok = await token('danfeng.finance');
      const q = `query($id: ID!) { fund(id: $id) { name owner { name } ledger(first: 20) { edges { node { amount balanceAfter createdAt } } } } }`;
      const { res, count } = await statementsFor(q, { id: fed.funds.danfengAid.id }, tok);
      expect(res.data.fund.ledger.edges.length).toBeGreaterThanOrEqual(1);
      expect(count).toBe(3);
    });
  });
});

