import { MemberStatus } from '../../src/members/member.entity';
import { Organization, OrganizationKind, OrganizationLevel } from '../../src/organizations/organization.entity';
import { buildFederation, Federation, Fixtures, sqlOn, tokenCache } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';

const ORG = `query($id: ID, $code: String) { organization(id: $id, code: $code) { id code name level kind depth } }`;
const ORGS = `query($filter: OrganizationFilter, $first: Int) {
  organizations(filter: $filter, first: $first) { totalCount edges { node { id name } } }
}`;
const CREATE = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id code name level kind depth parent { id } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateOrganizationInput!) {
  updateOrganization(id: $id, input: $input) { id name kind depth parent { id } ancestors { id } }
}`;
const MEMBER_COUNT = `query($id: ID) { organization(id: $id) { memberCount } }`;
const MEMBERS_IN = `query($id: ID!) { members(filter: { subtreeOf: $id }, first: 100) { totalCount edges { node { id } } } }`;

const ids = (res: any, list = 'organizations') => (res.data[list].edges as { node: { id: string } }[]).map((e) => e.node.id).sort();

describe('organizations', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;
  let sql: ReturnType<typeof sqlOn>;
  /** A grassroots union in 丹凤 with two active members, moved to 商南 by the update tests. */
  let movable: Organization;
  let movableMemberIds: string[];
  /** A town in 丹凤 with a grassroots union and a member below it, moved as a whole. */
  let town2: Organization;
  let town2Union: Organization;

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    sql = sqlOn(t);
    const em = t.app.services.orm.em.fork();
    const f = new Fixtures(em, 500);
    const courier = await em.findOneOrFail(Organization, fed.orgs.courierUnion.id);
    const danfeng = await em.findOneOrFail(Organization, fed.orgs.danfeng.id);
    // Someone who left: never counted in memberCount.
    f.member(courier, '钱已退', { status: MemberStatus.LEFT });
    movable = f.org('丹凤县家政服务公司工会', OrganizationLevel.GRASSROOTS, danfeng, OrganizationKind.ENTERPRISE);
    movableMemberIds = [f.member(movable, '孙家政').id, f.member(movable, '周保洁').id];
    town2 = f.org('棣花镇工会', OrganizationLevel.TOWN, danfeng);
    town2Union = f.org('棣花镇核桃合作社工会', OrganizationLevel.GRASSROOTS, town2, OrganizationKind.JOINT);
    f.member(town2Union, '吴核桃');
    await f.flush();
  });
  afterAll(() => t.close());

  describe('organization(id | code)', () => {
    it('finds an organization by id', async () => {
      const res = await t.gql(ORG, { id: fed.orgs.longfeng.id }, await token('danfeng.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.organization).toMatchObject({ id: fed.orgs.longfeng.id, name: '陕西丹凤龙凤桥集团公司工会委员会', level: 'GRASSROOTS', kind: 'ENTERPRISE', depth: 4 });
    });

    it('finds an organization by code', async () => {
      const res = await t.gql(ORG, { code: fed.orgs.danfeng.code }, await token('danfeng.approver'));
      expect(res.data.organization).toMatchObject({ id: fed.orgs.danfeng.id, code: fed.orgs.danfeng.code });
    });

    it('needs exactly one of id and code: both is BAD_USER_INPUT', async () => {
      const res = await t.gql(ORG, { id: fed.orgs.danfeng.id, code: fed.orgs.danfeng.code }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    });

    it('needs exactly one of id and code: neither is BAD_USER_INPUT', async () => {
      const res = await t.gql(ORG, {}, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    });

    it('refuses a malformed id as BAD_USER_INPUT', async () => {
      const res = await t.gql(ORG, { id: 'not-a-uuid' }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions).toMatchObject({ field: 'id', reason: 'MALFORMED_ID' });
    });

    it('answers NOT_FOUND for an unknown id and an unknown code', async () => {
      const tok = await token('danfeng.approver');
      expect(codeOf(await t.gql(ORG, { id: '0a0a0a0a-0000-4000-8000-000000000000' }, tok))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(ORG, { code: 'NO-SUCH-CODE' }, tok))).toBe('NOT_FOUND');
    });

    it('is FORBIDDEN for another county’s grassroots union (商南 approver asking for 龙凤桥)', async () => {
      const res = await t.gql(ORG, { id: fed.orgs.longfeng.id }, await token('shangnan.approver'));
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(res.data).toEqual({ organization: null });
      expect(res.errors![0].path).toEqual(['organization']);
    });

    it('lets a county approver read the chain above it (the city and the province)', async () => {
      const tok = await token('shangnan.approver');
      expect((await t.gql(ORG, { id: fed.orgs.city.id }, tok)).data.organization.id).toBe(fed.orgs.city.id);
      expect((await t.gql(ORG, { id: fed.orgs.province.id }, tok)).data.organization.id).toBe(fed.orgs.province.id);
      expect(codeOf(await t.gql(ORG, { id: fed.orgs.danfeng.id }, tok))).toBe('FORBIDDEN');
    });

    it('lets a member read their own union and its chain, nothing beside it', async () => {
      const tok = await token('wang');
      expect((await t.gql(ORG, { id: fed.orgs.longfeng.id }, tok)).data.organization.id).toBe(fed.orgs.longfeng.id);
      expect((await t.gql(ORG, { id: fed.orgs.town.id }, tok)).data.organization.id).toBe(fed.orgs.town.id);
      expect(codeOf(await t.gql(ORG, { id: fed.orgs.courierUnion.id }, tok))).toBe('FORBIDDEN');
    });

    it('is UNAUTHENTICATED without a token', async () => {
      expect(codeOf(await t.gql(ORG, { id: fed.orgs.city.id }))).toBe('UNAUTHENTICATED');
    });
  });

  describe('organizations(filter)', () => {
    it('shows a county approver its subtree plus its ancestor chain, never the other county', async () => {
      const res = await t.gql(ORGS, { first: 100 }, await token('shangnan.approver'));
      expect(ids(res)).toEqual([fed.orgs.province.id, fed.orgs.city.id, fed.orgs.shangnan.id, fed.orgs.tea.id].sort());
      expect(res.data.organizations.totalCount).toBe(4);
    });

    it('shows a city approver the whole city and the province', async () => {
      const res = await t.gql(ORGS, { first: 100 }, await token('city.approver'));
      const seen = ids(res);
      expect(seen).toEqual(expect.arrayContaining(Object.values(fed.orgs).map((o) => o.id)));
    });

    it('filters by level within scope', async () => {
      const res = await t.gql(ORGS, { filter: { level: 'GRASSROOTS' } }, await token('shangnan.approver'));
      expect(ids(res)).toEqual([fed.orgs.tea.id]);
      const county = await t.gql(ORGS, { filter: { level: 'COUNTY' } }, await token('danfeng.approver'));
      expect(ids(county)).toEqual([fed.orgs.danfeng.id]);
    });

    it('filters by kind', async () => {
      const res = await t.gql(ORGS, { filter: { kind: 'JOINT' } }, await token('danfeng.approver'));
      expect(ids(res)).toEqual([fed.orgs.courierUnion.id, town2Union.id].sort());
    });

    it('filters by parentId, hiding children outside the scope', async () => {
      const res = await t.gql(ORGS, { filter: { parentId: fed.orgs.city.id } }, await token('danfeng.approver'));
      expect(ids(res)).toEqual([fed.orgs.danfeng.id]);
      const all = await t.gql(ORGS, { filter: { parentId: fed.orgs.city.id } }, await token('city.approver'));
      expect(ids(all)).toEqual([fed.orgs.danfeng.id, fed.orgs.shangnan.id].sort());
    });

    it('filters by subtreeOf (the organisation itself and everything below it)', async () => {
      const res = await t.gql(ORGS, { filter: { subtreeOf: fed.orgs.town.id } }, await token('danfeng.approver'));
      expect(ids(res)).toEqual([fed.orgs.town.id, fed.orgs.longfeng.id].sort());
    });

    it('refuses subtreeOf another county as FORBIDDEN', async () => {
      const res = await t.gql(ORGS, { filter: { subtreeOf: fed.orgs.shangnan.id } }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('filters by part of the name', async () => {
      const res = await t.gql(ORGS, { filter: { nameContains: '快递' } }, await token('city.approver'));
      expect(ids(res)).toEqual([fed.orgs.courierUnion.id]);
    });

    it('treats % and _ in nameContains as plain characters', async () => {
      const res = await t.gql(ORGS, { filter: { nameContains: '%' } }, await token('city.approver'));
      expect(res.data.organizations.totalCount).toBe(0);
    });

    it('combines filters', async () => {
      const res = await t.gql(ORGS, { filter: { subtreeOf: fed.orgs.danfeng.id, level: 'GRASSROOTS', kind: 'ENTERPRISE' } }, await token('city.approver'));
      expect(ids(res)).toEqual([fed.orgs.longfeng.id, movable.id].sort());
    });

    it('refuses malformed ids in the filter as BAD_USER_INPUT', async () => {
      const tok = await token('city.approver');
      expect(codeOf(await t.gql(ORGS, { filter: { parentId: 'nope' } }, tok))).toBe('BAD_USER_INPUT');
      expect(codeOf(await t.gql(ORGS, { filter: { subtreeOf: 'nope' } }, tok))).toBe('BAD_USER_INPUT');
    });

    it('gives a member only their union’s chain', async () => {
      const res = await t.gql(ORGS, {}, await token('wang'));
      expect(ids(res)).toEqual([fed.orgs.province.id, fed.orgs.city.id, fed.orgs.danfeng.id, fed.orgs.town.id, fed.orgs.longfeng.id].sort());
    });
  });

  describe('Organization fields', () => {
    const FIELDS = `query($id: ID) { organization(id: $id) {
      parent { id }
      ancestors { id }
      children(first: 50) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
      members(first: 50) { totalCount edges { node { id name } } }
      funds { id name kind balance }
      memberCount
    } }`;

    it('parent is the direct parent; ancestors run from the root down to the parent', async () => {
      const res = await t.gql(FIELDS, { id: fed.orgs.longfeng.id }, await token('danfeng.approver'));
      expect(res.errors).toBeUndefined();
      const org = res.data.organization;
      expect(org.parent).toEqual({ id: fed.orgs.town.id });
      expect(org.ancestors.map((a: { id: string }) => a.id)).toEqual([fed.orgs.province.id, fed.orgs.city.id, fed.orgs.danfeng.id, fed.orgs.town.id]);
    });

    it('the root has no parent and no ancestors', async () => {
      const res = await t.gql(FIELDS, { id: fed.orgs.province.id }, await token('admin'));
      expect(res.data.organization.parent).toBeNull();
      expect(res.data.organization.ancestors).toEqual([]);
    });

    it('children is a connection of the direct children in scope', async () => {
      const city = await t.gql(FIELDS, { id: fed.orgs.city.id }, await token('danfeng.approver'));
      expect(city.data.organization.children.edges.map((e: any) => e.node.id)).toEqual([fed.orgs.danfeng.id]);
      expect(city.data.organization.children.totalCount).toBe(1);
      const danfeng = await t.gql(FIELDS, { id: fed.orgs.danfeng.id }, await token('danfeng.approver'));
      expect(danfeng.data.organization.children.edges.map((e: any) => e.node.id).sort()).toEqual(
        [fed.orgs.town.id, fed.orgs.courierUnion.id, movable.id, town2.id].sort(),
      );
      expect(danfeng.data.organization.children.pageInfo.hasNextPage).toBe(false);
    });

    it('members is a connection over the whole subtree', async () => {
      const res = await t.gql(FIELDS, { id: fed.orgs.town.id }, await token('danfeng.approver'));
      expect(res.data.organization.members.edges.map((e: any) => e.node.id).sort()).toEqual([fed.members.wang.id, fed.members.li.id].sort());
      expect(res.data.organization.members.totalCount).toBe(2);
    });

    it('funds lists the funds the organisation owns, with balances', async () => {
      const res = await t.gql(FIELDS, { id: fed.orgs.longfeng.id }, await token('longfeng.finance'));
      expect(res.data.organization.funds).toEqual([{ id: fed.funds.longfengDues.id, name: '龙凤桥工会经费', kind: 'UNION_DUES', balance: 20_000_00 }]);
    });

    it('memberCount counts ACTIVE members of the whole subtree, not those who left', async () => {
      const tok = await token('city.approver');
      const count = async (id: string) => (await t.gql(MEMBER_COUNT, { id }, tok)).data.organization.memberCount;
      expect(await count(fed.orgs.longfeng.id)).toBe(2);
      expect(await count(fed.orgs.courierUnion.id)).toBe(1); // 赵小军; 钱已退 has left
      expect(await count(fed.orgs.tea.id)).toBe(1);
      expect(await count(fed.orgs.shangnan.id)).toBe(1);
    });

    it('memberCount works for a whole page of organisations at once (one batched statement)', async () => {
      const res = await t.gql(
        `{ organizations(first: 100, filter: { level: GRASSROOTS }) { edges { node { id memberCount } } } }`,
        {},
        await token('city.approver'),
      );
      expect(res.errors).toBeUndefined();
      const counts = Object.fromEntries(res.data.organizations.edges.map((e: any) => [e.node.id, e.node.memberCount]));
      expect(counts).toMatchObject({ [fed.orgs.longfeng.id]: 2, [fed.orgs.courierUnion.id]: 1, [fed.orgs.tea.id]: 1, [movable.id]: 2, [town2Union.id]: 1 });
    });

    it('a member’s view of their union shows only themself in members, but the count is the union’s', async () => {
      const res = await t.gql(FIELDS, { id: fed.orgs.longfeng.id }, await token('wang'));
      expect(res.data.organization.members.edges.map((e: any) => e.node.id)).toEqual([fed.members.wang.id]);
    });
  });

  describe('createOrganization', () => {
    const countOrgs = async () => Number((await sql<{ n: string }>('select count(*) as n from organization'))[0].n);
    const input = (over: Record<string, unknown> = {}) => ({
      code: 'DF-HOUSEKEEPING',
      name: '丹凤县家政行业工会',
      level: 'SECTOR',
      kind: 'SECTOR',
      parentId: fed.orgs.danfeng.id,
      ...over,
    });

    it('lets an ADMIN over the parent add an organisation, which then shows up in listings', async () => {
      const res = await t.gql(CREATE, { input: input() }, await token('admin'));
      expect(res.errors).toBeUndefined();
      expect(res.data.createOrganization).toMatchObject({ code: 'DF-HOUSEKEEPING', level: 'SECTOR', depth: 3, parent: { id: fed.orgs.danfeng.id } });
      const seen = await t.gql(ORGS, { filter: { parentId: fed.orgs.danfeng.id, level: 'SECTOR' } }, await token('danfeng.approver'));
      expect(ids(seen)).toEqual([res.data.createOrganization.id]);
    });

    it('upper-cases the code', async () => {
      const res = await t.gql(CREATE, { input: input({ code: 'df-lower-1', name: '丹凤县小写工会', level: 'GRASSROOTS', kind: 'ENTERPRISE' }) }, await token('admin'));
      expect(res.data.createOrganization.code).toBe('DF-LOWER-1');
    });

    it('is FORBIDDEN to an approver, even over the parent, and writes nothing', async () => {
      const before = await countOrgs();
      const res = await t.gql(CREATE, { input: input({ code: 'DF-BY-APPROVER' }) }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(await countOrgs()).toBe(before);
    });

    it.each([
      ['a COUNTY under a TOWN', { code: 'BAD-PLACE-1', level: 'COUNTY', kind: 'FEDERATION', parentId: 'town' }, 'BAD_PLACEMENT'],
      ['a CITY under a COUNTY', { code: 'BAD-PLACE-2', level: 'CITY', kind: 'FEDERATION' }, 'BAD_PLACEMENT'],
      ['a PROVINCE under anything', { code: 'BAD-PLACE-3', level: 'PROVINCE', kind: 'FEDERATION' }, 'BAD_PLACEMENT'],
      ['anything under a GRASSROOTS union', { code: 'BAD-PLACE-4', level: 'GRASSROOTS', parentId: 'longfeng' }, 'BAD_PLACEMENT'],
      ['a code with spaces and punctuation', { code: 'bad code!' }, 'BAD_FORMAT'],
      ['a one-character code', { code: 'X' }, 'BAD_FORMAT'],
      ['a code starting with -', { code: '-ABC' }, 'BAD_FORMAT'],
      ['a code over 32 characters', { code: 'A'.repeat(33) }, 'TOO_LONG'],
      ['an empty name', { code: 'EMPTY-NAME', name: '   ' }, 'TOO_SHORT'],
      ['a name over 200 characters', { code: 'LONG-NAME', name: '工'.repeat(201) }, 'TOO_LONG'],
      ['a malformed parent id', { code: 'BAD-PARENT', parentId: 'xyz' }, 'MALFORMED_ID'],
    ])('refuses %s as BAD_USER_INPUT and writes nothing', async (_label, over, reason) => {
      const parents: Record<string, string> = { town: fed.orgs.town.id, longfeng: fed.orgs.longfeng.id };
      const patch = { ...over } as Record<string, unknown>;
      if (typeof patch.parentId === 'string' && parents[patch.parentId]) patch.parentId = parents[patch.parentId];
      const before = await countOrgs();
      const res = await t.gql(CREATE, { input: input(patch) }, await token('admin'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.reason).toBe(reason);
      expect(await countOrgs()).toBe(before);
    });

    it('refuses a bad enum value passed as a variable as BAD_USER_INPUT', async () => {
      const res = await t.gql(CREATE, { input: input({ code: 'BAD-ENUM', level: 'VILLAGE' }) }, await token('admin'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
    });

    it('refuses a duplicate code as CONFLICT and writes nothing', async () => {
      const before = await countOrgs();
      const res = await t.gql(CREATE, { input: input({ code: fed.orgs.longfeng.code, level: 'GRASSROOTS', kind: 'ENTERPRISE' }) }, await token('admin'));
      expect(codeOf(res)).toBe('CONFLICT');
      expect(res.errors![0].extensions!.reason).toBe('DUPLICATE_CODE');
      expect(await countOrgs()).toBe(before);
    });

    it('answers NOT_FOUND for an unknown parent', async () => {
      const res = await t.gql(CREATE, { input: input({ code: 'NO-PARENT', parentId: '0a0a0a0a-0000-4000-8000-000000000000' }) }, await token('admin'));
      expect(codeOf(res)).toBe('NOT_FOUND');
    });
  });

  describe('updateOrganization', () => {
    it('renames an organisation and changes its kind', async () => {
      const res = await t.gql(UPDATE, { id: fed.orgs.courierUnion.id, input: { name: '丹凤县快递物流行业联合工会', kind: 'SECTOR' } }, await token('admin'));
      expect(res.errors).toBeUndefined();
      expect(res.data.updateOrganization).toMatchObject({ name: '丹凤县快递物流行业联合工会', kind: 'SECTOR' });
      const again = await t.gql(ORG, { id: fed.orgs.courierUnion.id }, await token('danfeng.approver'));
      expect(again.data.organization.name).toBe('丹凤县快递物流行业联合工会');
    });

    it('refuses an over-long name as BAD_USER_INPUT and keeps the old one', async () => {
      const res = await t.gql(UPDATE, { id: fed.orgs.tea.id, input: { name: '茶'.repeat(201) } }, await token('admin'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      const again = await t.gql(ORG, { id: fed.orgs.tea.id }, await token('admin'));
      expect(again.data.organization.name).toBe('商南县茶叶有限公司工会委员会');
    });

    it('is FORBIDDEN to a non-admin', async () => {
      const res = await t.gql(UPDATE, { id: fed.orgs.longfeng.id, input: { name: '改名' } }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('refuses to move an organisation under itself or its own subtree, changing nothing', async () => {
      const tok = await token('admin');
      const under = await t.gql(UPDATE, { id: fed.orgs.danfeng.id, input: { parentId: fed.orgs.town.id } }, tok);
      expect(codeOf(under)).toBe('BAD_USER_INPUT');
      expect(under.errors![0].extensions!.reason).toBe('CYCLE');
      const self = await t.gql(UPDATE, { id: fed.orgs.town.id, input: { parentId: fed.orgs.town.id } }, tok);
      expect(codeOf(self)).toBe('BAD_USER_INPUT');
      const [row] = await sql<{ parent_id: string; path: string }>('select parent_id, path from organization where id = ?', [fed.orgs.danfeng.id]);
      expect(row).toEqual({ parent_id: fed.orgs.city.id, path: fed.orgs.danfeng.path });
    });

    it('refuses a move that breaks the level rules (a grassroots union straight under the province)', async () => {
      const res = await t.gql(UPDATE, { id: movable.id, input: { parentId: fed.orgs.province.id } }, await token('admin'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].extensions!.reason).toBe('BAD_PLACEMENT');
    });

    it('does not rename when the move in the same request is refused', async () => {
      const res = await t.gql(UPDATE, { id: movable.id, input: { name: '不该改名', parentId: fed.orgs.province.id } }, await token('admin'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      const [row] = await sql<{ name: string }>('select name from organization where id = ?', [movable.id]);
      expect(row.name).toBe('丹凤县家政服务公司工会');
    });

    it('moves a grassroots union to another county: its path, its members’ paths, counts and scopes follow', async () => {
      const city = await token('city.approver');
      const count = async (id: string) => (await t.gql(MEMBER_COUNT, { id }, city)).data.organization.memberCount;
      const danfengBefore = await count(fed.orgs.danfeng.id);
      const shangnanBefore = await count(fed.orgs.shangnan.id);
      // Read before the move too: the API remembers a subtree root's path, and must not answer from the old one after.
      const before = await t.gql(MEMBERS_IN, { id: movable.id }, city);
      expect(ids(before, 'members')).toEqual([...movableMemberIds].sort());

      const res = await t.gql(UPDATE, { id: movable.id, input: { parentId: fed.orgs.shangnan.id } }, await token('admin'));
      expect(res.errors).toBeUndefined();
      expect(res.data.updateOrganization).toMatchObject({ depth: 3, parent: { id: fed.orgs.shangnan.id } });
      expect(res.data.updateOrganization.ancestors.map((a: { id: string }) => a.id)).toEqual([fed.orgs.province.id, fed.orgs.city.id, fed.orgs.shangnan.id]);

      expect(await count(fed.orgs.danfeng.id)).toBe(danfengBefore - 2);
      expect(await count(fed.orgs.shangnan.id)).toBe(shangnanBefore + 2);

      const inShangnan = await t.gql(MEMBERS_IN, { id: fed.orgs.shangnan.id }, city);
      expect(ids(inShangnan, 'members')).toEqual(expect.arrayContaining(movableMemberIds));
      const inDanfeng = await t.gql(MEMBERS_IN, { id: fed.orgs.danfeng.id }, city);
      expect(ids(inDanfeng, 'members')).not.toEqual(expect.arrayContaining([movableMemberIds[0]]));

      const subtree = await t.gql(ORGS, { filter: { subtreeOf: fed.orgs.shangnan.id } }, city);
      expect(ids(subtree)).toContain(movable.id);

      // Scopes follow the tree: 商南 now sees it and its members, 丹凤 no longer does.
      expect((await t.gql(ORG, { id: movable.id }, await token('shangnan.approver'))).data.organization.id).toBe(movable.id);
      expect(codeOf(await t.gql(ORG, { id: movable.id }, await token('danfeng.approver')))).toBe('FORBIDDEN');
      const shangnanMembers = await t.gql(MEMBERS_IN, { id: movable.id }, await token('shangnan.approver'));
      expect(ids(shangnanMembers, 'members')).toEqual([...movableMemberIds].sort());
      expect(ids(await t.gql(MEMBERS_IN, { id: movable.id }, city), 'members')).toEqual([...movableMemberIds].sort());
      const danfengMembers = await t.gql(MEMBERS_IN, { id: movable.id }, await token('danfeng.approver'));
      expect(danfengMembers.data.members.totalCount).toBe(0);

      // In the database, every path agrees with the parent chain.
      const rows = await sql<{ path: string; depth: number }>('select path, depth from organization where id = ?', [movable.id]);
      expect(rows[0]).toEqual({ path: `${fed.orgs.shangnan.path}${movable.id}/`, depth: 3 });
      const memberPaths = await sql<{ org_path: string }>('select distinct org_path from member where organization_id = ?', [movable.id]);
      expect(memberPaths).toEqual([{ org_path: `${fed.orgs.shangnan.path}${movable.id}/` }]);
    });

    it('moves a town with its whole subtree: grandchildren’s paths, depths and members follow', async () => {
      const res = await t.gql(UPDATE, { id: town2.id, input: { parentId: fed.orgs.shangnan.id } }, await token('admin'));
      expect(res.errors).toBeUndefined();
      const child = await t.gql(`query($id: ID) { organization(id: $id) { depth ancestors { id } memberCount } }`, { id: town2Union.id }, await token('shangnan.approver'));
      expect(child.errors).toBeUndefined();
      expect(child.data.organization).toEqual({
        depth: 4,
        ancestors: [fed.orgs.province.id, fed.orgs.city.id, fed.orgs.shangnan.id, town2.id].map((id) => ({ id })),
        memberCount: 1,
      });
      const bad = await sql<{ n: string }>(
        `select count(*) as n from organization c join organization p on p.id = c.parent_id
          where c.path <> p.path || c.id || '/' or c.depth <> p.depth + 1`,
      );
      expect(Number(bad[0].n)).toBe(0);
      const stale = await sql<{ n: string }>(
        `select count(*) as n from member m join organization o on o.id = m.organization_id where m.org_path <> o.path`,
      );
      expect(Number(stale[0].n)).toBe(0);
    });
  });
});
