import { Cursor } from '@mikro-orm/core';
import { Organization } from '../../src/organizations/organization.entity';
import { addUnionsWithMembers, buildFederation, Federation, Fixtures, tokenCache } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { type Page, walkPages } from '../support/paging';

const MEMBERS = `query($first: Int, $after: String, $last: Int, $before: String, $filter: MemberFilter) {
  members(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    totalCount
    edges { cursor node { id name } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

describe('pagination', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;

  /** Walks a connection with `query` (which takes $first, $after, $last and $before) page by page; every node in order. */
  const walk = (query: string, pick: (data: any) => Page, vars: Record<string, unknown>, tok: string, size = 2, direction: 'forward' | 'backward' = 'forward') =>
    walkPages(async (args) => {
      const res = await t.gql(query, { ...vars, ...args }, tok);
      expect(res.errors).toBeUndefined();
      return pick(res.data);
    }, size, direction);

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    const em = t.app.services.orm.em.fork();
    const danfeng = await em.findOneOrFail(Organization, fed.orgs.danfeng.id);
    await addUnionsWithMembers(em, danfeng, { unions: 3, perUnion: 6 });
    // Namesakes: the order must fall back to the id so that no page boundary loses or repeats one of them.
    const longfeng = await em.findOneOrFail(Organization, fed.orgs.longfeng.id);
    const f = new Fixtures(em, 20_000);
    for (let i = 0; i < 5; i++) f.member(longfeng, '张伟');
    await f.flush();
  });
  afterAll(() => t.close());

  describe('members', () => {
    it('walking pages of 2 yields exactly one big page, in (name, id) order, without duplicates', async () => {
      const tok = await token('city.approver');
      const big = (await t.gql(MEMBERS, { first: 100 }, tok)).data.members as Page;
      expect(big.totalCount).toBe(4 + 18 + 5);
      expect(big.edges).toHaveLength(big.totalCount);
      expect(big.pageInfo.hasNextPage).toBe(false);

      const walked = await walk(MEMBERS, (d) => d.members, {}, tok);
      expect(walked).toEqual(big.edges.map((e) => e.node));
      expect(new Set(walked.map((n) => n.id)).size).toBe(walked.length);

      // Namesakes come out together, ordered by id.
      const zhang = walked.filter((n) => n.name === '张伟').map((n) => n.id);
      expect(zhang).toHaveLength(5);
      expect(zhang).toEqual([...zhang].sort());
      const firstZhang = walked.findIndex((n) => n.name === '张伟');
      expect(walked.slice(firstZhang, firstZhang + 5).every((n) => n.name === '张伟')).toBe(true);
    });

    it('pages of 3, 7 and 100 all agree', async () => {
      const tok = await token('danfeng.approver');
      const a = await walk(MEMBERS, (d) => d.members, {}, tok, 3);
      const b = await walk(MEMBERS, (d) => d.members, {}, tok, 7);
      const c = await walk(MEMBERS, (d) => d.members, {}, tok, 100);
      expect(a).toEqual(c);
      expect(b).toEqual(c);
      expect(c).toHaveLength(3 + 18 + 5);
    });

    it('keeps the filter across pages', async () => {
      const tok = await token('city.approver');
      const walked = await walk(MEMBERS, (d) => d.members, { filter: { namePrefix: '张' } }, tok, 2);
      expect(walked.map((n) => n.name)).toEqual(Array(5).fill('张伟'));
    });

    it('defaults to 20 per page', async () => {
      const res = await t.gql(MEMBERS, {}, await token('city.approver'));
      expect(res.data.members.edges).toHaveLength(20);
      expect(res.data.members.pageInfo.hasNextPage).toBe(true);
    });

    it('an empty page has null cursors and no next page', async () => {
      const res = await t.gql(MEMBERS, { filter: { namePrefix: '无此人' } }, await token('city.approver'));
      expect(res.data.members).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } });
    });

    it.each([0, -1, 101, 1000])('refuses first: %d as BAD_USER_INPUT', async (first) => {
      const res = await t.gql(MEMBERS, { first }, await token('city.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.field).toBe('first');
    });

    it.each([
      ['plain garbage', 'garbage'],
      ['an empty string', ''],
      ['base64 of a non-array', Buffer.from(JSON.stringify({ name: 'x' })).toString('base64url')],
      ['a cursor with too few keys', Cursor.encode(['张伟'])],
      ['a cursor with too many keys', Cursor.encode(['张伟', '00000000-0000-4000-8000-000000000000', 1])],
      ['a cursor holding an object', Cursor.encode([{ $gt: '' }, '00000000-0000-4000-8000-000000000000'])],
      ['a cursor holding null', Cursor.encode([null, null])],
      ['a well-formed cursor whose id is not a uuid', Cursor.encode(['张伟', 'not-a-uuid'])],
      ['a well-formed cursor with a number for the name', Cursor.encode([12, '00000000-0000-4000-8000-000000000000'])],
    ])('refuses %s as after with BAD_USER_INPUT', async (_label, after) => {
      const res = await t.gql(MEMBERS, { first: 2, after }, await token('city.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(res)).not.toMatch(/select|stack/i);
    });
  });

  describe('paging backward (last, before)', () => {
    it('from the end yields the same rows as forward, in the list’s order, at any page size', async () => {
      const tok = await token('city.approver');
      const forward = await walk(MEMBERS, (d) => d.members, {}, tok, 100);
      for (const size of [2, 3, 7, 100]) expect(await walk(MEMBERS, (d) => d.members, {}, tok, size, 'backward')).toEqual(forward);
      expect(await walk(MEMBERS, (d) => d.members, { filter: { namePrefix: '张' } }, tok, 2, 'backward')).toEqual(forward.filter((n) => n.name === '张伟'));
    });

    it('last alone is the end of the list; before a cursor, the rows just before it', async () => {
      const tok = await token('city.approver');
      const all = (await t.gql(MEMBERS, { first: 100 }, tok)).data.members as Page;
      const end = (await t.gql(MEMBERS, { last: 3 }, tok)).data.members as Page;
      expect(end.edges).toEqual(all.edges.slice(-3));
      expect(end.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
      const middle = (await t.gql(MEMBERS, { last: 4, before: all.edges[10].cursor }, tok)).data.members as Page;
      expect(middle.edges).toEqual(all.edges.slice(6, 10));
      expect(middle.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
      const start = (await t.gql(MEMBERS, { last: 4, before: all.edges[2].cursor }, tok)).data.members as Page;
      expect(start.edges).toEqual(all.edges.slice(0, 2));
      expect(start.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    });

    it.each([
      ['first and last', { first: 2, last: 2 }],
      ['after and before', { after: Cursor.encode(['张伟', '00000000-0000-4000-8000-000000000000']), before: Cursor.encode(['张伟', '00000000-0000-4000-8000-000000000000']) }],
      ['first and before', { first: 2, before: Cursor.encode(['张伟', '00000000-0000-4000-8000-000000000000']) }],
      ['last and after', { last: 2, after: Cursor.encode(['张伟', '00000000-0000-4000-8000-000000000000']) }],
    ])('refuses %s together as BAD_USER_INPUT PAGE_ARGS_CONFLICT', async (_label, args) => {
      const res = await t.gql(MEMBERS, args, await token('city.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.reason).toBe('PAGE_ARGS_CONFLICT');
    });

    it('refuses a bad last or before as first and after are refused', async () => {
      const tok = await token('city.approver');
      const size = await t.gql(MEMBERS, { last: 101 }, tok);
      expect([codeOf(size), size.errors![0].extensions!.field, size.errors![0].extensions!.reason]).toEqual(['BAD_USER_INPUT', 'last', 'PAGE_SIZE']);
      const cursor = await t.gql(MEMBERS, { last: 2, before: 'garbage' }, tok);
      expect([codeOf(cursor), cursor.errors![0].extensions!.field, cursor.errors![0].extensions!.reason]).toEqual(['BAD_USER_INPUT', 'before', 'BAD_CURSOR']);
    });
  });

  describe('every list is a connection', () => {
    it('organizations pages like members', async () => {
      const tok = await token('city.approver');
      const q = `query($first: Int, $after: String, $last: Int, $before: String) { organizations(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const big = (await t.gql(q, { first: 100 }, tok)).data.organizations as Page;
      expect(big.totalCount).toBe(8 + 3);
      expect(await walk(q, (d) => d.organizations, {}, tok, 2)).toEqual(big.edges.map((e) => e.node));
      expect(await walk(q, (d) => d.organizations, {}, tok, 3, 'backward')).toEqual(big.edges.map((e) => e.node));
    });

    it('funds pages like members', async () => {
      const tok = await token('city.finance');
      const q = `query($first: Int, $after: String, $last: Int, $before: String) { funds(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const big = (await t.gql(q, { first: 100 }, tok)).data.funds as Page;
      expect(big.totalCount).toBe(4 + 3);
      expect(await walk(q, (d) => d.funds, {}, tok, 2)).toEqual(big.edges.map((e) => e.node));
      expect(await walk(q, (d) => d.funds, {}, tok, 2, 'backward')).toEqual(big.edges.map((e) => e.node));
    });

    it('a fund’s ledger pages newest first', async () => {
      const tok = await token('danfeng.finance');
      const credit = `mutation($input: CreditFundInput!) { creditFund(input: $input) { id } }`;
      for (let i = 1; i <= 5; i++) {
        const res = await t.gql(credit, { input: { fundId: fed.funds.danfengAid.id, amount: i * 100, reason: `第${i}笔` } }, tok);
        expect(res.errors).toBeUndefined();
      }
      const q = `query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) { fund(id: $id) { ledger(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id name: reason } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
      const walked = await walk(q, (d) => d.fund.ledger, { id: fed.funds.danfengAid.id }, tok, 2);
      expect(walked.map((n) => n.name)).toEqual(['第5笔', '第4笔', '第3笔', '第2笔', '第1笔', 'fixture opening balance']);
      expect(await walk(q, (d) => d.fund.ledger, { id: fed.funds.danfengAid.id }, tok, 4, 'backward')).toEqual(walked);
      const garbage = await t.gql(q, { id: fed.funds.danfengAid.id, first: 2, after: Cursor.encode(['abc']) }, tok);
      expect(codeOf(garbage)).toBe('BAD_USER_INPUT');
    });

    it('workflow instances and aid applications page newest first, forward and backward, and refuse a cursor of another list', async () => {
      const wang = await token('wang');
      const filed: string[] = [];
      const applications: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const res = await t.gql(
          `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id instance { id } } }`,
          { input: { aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount: 1000 * i, reason: `第${i}次申请` } },
          wang,
        );
        expect(res.errors).toBeUndefined();
        filed.push(res.data.applyForAid.instance.id);
        applications.push(res.data.applyForAid.id);
      }
      const q = `query($first: Int, $after: String, $last: Int, $before: String) { workflowInstances(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const tok = await token('city.approver');
      const big = (await t.gql(q, { first: 100 }, tok)).data.workflowInstances as Page;
      expect(big.totalCount).toBe(big.edges.length);
      // Newest first: the five just filed lead the list, the last filed first.
      expect(big.edges.slice(0, 5).map((e) => e.node.id)).toEqual([...filed].reverse());
      expect(await walk(q, (d) => d.workflowInstances, {}, tok, 2)).toEqual(big.edges.map((e) => e.node));
      expect(await walk(q, (d) => d.workflowInstances, {}, tok, 3, 'backward')).toEqual(big.edges.map((e) => e.node));
      expect(codeOf(await t.gql(q, { first: 2, after: big.edges[0]!.cursor.slice(0, -4) + 'AAAA' }, tok))).toBe('BAD_USER_INPUT');
      expect(codeOf(await t.gql(q, { first: 2, after: Cursor.encode(['张伟', fed.members.li.id]) }, tok))).toBe('BAD_USER_INPUT');

      const aq = `query($first: Int, $after: String, $last: Int, $before: String) { aidApplications(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
      const all = (await t.gql(aq, { first: 100 }, tok)).data.aidApplications as Page;
      expect(all.totalCount).toBe(all.edges.length);
      expect(all.edges.slice(0, 5).map((e) => e.node.id)).toEqual([...applications].reverse());
      expect(await walk(aq, (d) => d.aidApplications, {}, tok, 2)).toEqual(all.edges.map((e) => e.node));
      expect(await walk(aq, (d) => d.aidApplications, {}, tok, 2, 'backward')).toEqual(all.edges.map((e) => e.node));
      // The applicant sees their own, and nobody else's.
      expect(((await t.gql(aq, { first: 100 }, wang)).data.aidApplications as Page).edges.map((e) => e.node.id).sort()).toEqual([...applications].sort());
    });

    it('an organisation’s children and members page too', async () => {
      const tok = await token('city.approver');
      const q = `query($id: ID, $first: Int, $after: String, $last: Int, $before: String) { organization(id: $id) {
        children(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      } }`;
      const children = await walk(q, (d) => d.organization.children, { id: fed.orgs.danfeng.id }, tok, 2);
      expect(children).toHaveLength(2 + 3);
      const m = `query($id: ID, $first: Int, $after: String, $last: Int, $before: String) { organization(id: $id) {
        members(first: $first, after: $after, last: $last, before: $before) { totalCount edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      } }`;
      const members = await walk(m, (d) => d.organization.members, { id: fed.orgs.longfeng.id }, tok, 2);
      expect(members).toHaveLength(2 + 5);
      expect(await walk(m, (d) => d.organization.members, { id: fed.orgs.longfeng.id }, tok, 3, 'backward')).toEqual(members);
      expect(await walk(q, (d) => d.organization.children, { id: fed.orgs.danfeng.id }, tok, 2, 'backward')).toEqual(children);
      expect(codeOf(await t.gql(m, { id: fed.orgs.longfeng.id, first: 101 }, tok))).toBe('BAD_USER_INPUT');
    });
  });
});
