import { HardshipStatus, Member } from '../../src/members/member.entity';
import { Organization } from '../../src/organizations/organization.entity';
import { PersonalDataField } from '../../src/members/personal-data.cipher';
import { buildFederation, Federation, FixtureMember, Fixtures, nationalIdFor, sqlOn, tokenCache } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';

const MEMBER = `query($id: ID!) { member(id: $id) {
  id name gender nationalId phone personalDataMasked employmentForm joinedOn status hardship organization { id }
} }`;
const MEMBERS = `query($filter: MemberFilter, $first: Int) {
  members(filter: $filter, first: $first) { totalCount edges { node { id name nationalId phone personalDataMasked } } }
}`;
const REGISTER = `mutation($input: RegisterMemberInput!) { registerMember(input: $input) {
  id name nationalId phone status organization { id } employmentForm joinedOn personalDataMasked
} }`;
const UPDATE = `mutation($id: ID!, $input: UpdateMemberInput!) { updateMember(id: $id, input: $input) { id name phone employmentForm hardship status } }`;
const TRANSFER = `mutation($id: ID!, $to: ID!) { transferMember(id: $id, toOrganizationId: $to) { id status organization { id } } }`;

const ids = (res: any) => (res.data.members.edges as { node: { id: string } }[]).map((e) => e.node.id).sort();
const maskedId = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`;
const maskedPhone = (phone: string) => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

describe('member register', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;
  let sql: ReturnType<typeof sqlOn>;
  let wang: FixtureMember;
  let zhao: FixtureMember;
  /** A member registered in hardship, for the hardship filter. */
  let hardshipMember: Member;

  const countMembers = async () => Number((await sql<{ n: string }>('select count(*) as n from member'))[0].n);
  /** The stored phone, decrypted behind the API's back. */
  const storedPhone = async (id: string) => {
    const [row] = await sql<{ phone_cipher: string | null }>('select phone_cipher from member where id = ?', [id]);
    return row.phone_cipher && t.app.services.personalDataCipher.decrypt(id, PersonalDataField.PHONE, row.phone_cipher);
  };

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    sql = sqlOn(t);
    const em = t.app.services.orm.em.fork();
    ({ wang, zhao } = fed.members);
    const courier = await em.findOneOrFail(Organization, fed.orgs.courierUnion.id);
    const f = new Fixtures(em, 700);
    hardshipMember = f.member(courier, '冯困难', { hardship: HardshipStatus.REGISTERED });
    await f.flush();
  });
  afterAll(() => t.close());

  describe('member(id)', () => {
    it('shows a county approver a member of its county in full', async () => {
      const res = await t.gql(MEMBER, { id: wang.id }, await token('danfeng.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.member).toMatchObject({ id: wang.id, name: '王建国', nationalId: wang.plain.nationalId, phone: wang.plain.phone, personalDataMasked: false, organization: { id: fed.orgs.longfeng.id } });
    });

    it('answers NOT_FOUND (not FORBIDDEN) for a member of another county: existence is personal data', async () => {
      const res = await t.gql(MEMBER, { id: wang.id }, await token('shangnan.approver'));
      expect(codeOf(res)).toBe('NOT_FOUND');
    });

    it('answers NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
      const tok = await token('admin');
      expect(codeOf(await t.gql(MEMBER, { id: '0a0a0a0a-0000-4000-8000-000000000000' }, tok))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(MEMBER, { id: '12345' }, tok))).toBe('BAD_USER_INPUT');
    });

    it('shows a member themself, in full', async () => {
      const res = await t.gql(MEMBER, { id: wang.id }, await token('wang'));
      expect(res.data.member).toMatchObject({ id: wang.id, nationalId: wang.plain.nationalId, phone: wang.plain.phone, personalDataMasked: false });
    });

    it('answers NOT_FOUND to a member asking for another member, even of the same union', async () => {
      const res = await t.gql(MEMBER, { id: fed.members.li.id }, await token('wang'));
      expect(codeOf(res)).toBe('NOT_FOUND');
      expect(res.data).toEqual({ member: null });
      expect(res.errors![0].path).toEqual(['member']);
    });
  });

  describe('personal data masking', () => {
    it.each(['danfeng.finance', 'danfeng.auditor', 'longfeng.finance', 'city.finance'])(
      'masks the national id (6 + 8 * + 4) and the phone (3 + **** + 4) for %s',
      async (username) => {
        const res = await t.gql(MEMBER, { id: wang.id }, await token(username));
        expect(res.errors).toBeUndefined();
        expect(res.data.member.nationalId).toBe(maskedId(wang.plain.nationalId));
        expect(res.data.member.nationalId).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
        expect(res.data.member.phone).toBe(maskedPhone(wang.plain.phone!));
        expect(res.data.member.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
        expect(res.data.member.personalDataMasked).toBe(true);
      },
    );

    it.each(['danfeng.approver', 'longfeng.approver', 'city.approver', 'admin', 'wang'])('shows full personal data to %s', async (username) => {
      const res = await t.gql(MEMBER, { id: wang.id }, await token(username));
      expect(res.data.member).toMatchObject({ nationalId: wang.plain.nationalId, phone: wang.plain.phone, personalDataMasked: false });
    });

    it('masks every row of a list for a finance officer and never sends a full id', async () => {
      const res = await t.gql(MEMBERS, { first: 100 }, await token('danfeng.finance'));
      expect(res.data.members.edges.length).toBeGreaterThan(0);
      for (const { node } of res.data.members.edges) {
        expect(node.personalDataMasked).toBe(true);
        expect(node.nationalId).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
      }
      expect(JSON.stringify(res)).not.toContain(wang.plain.nationalId);
      expect(JSON.stringify(res)).not.toContain(wang.plain.phone);
    });

    it('a member with no phone shows null, masked or not', async () => {
      const [sealed] = await sql('select phone_cipher, phone_masked from member where id = ?', [zhao.id]);
      await sql('update member set phone_cipher = null, phone_masked = null where id = ?', [zhao.id]);
      const masked = await t.gql(MEMBER, { id: zhao.id }, await token('danfeng.finance'));
      const full = await t.gql(MEMBER, { id: zhao.id }, await token('danfeng.approver'));
      expect(masked.data.member.phone).toBeNull();
      expect(full.data.member.phone).toBeNull();
      await sql('update member set phone_cipher = ?, phone_masked = ? where id = ?', [sealed.phone_cipher, sealed.phone_masked, zhao.id]);
    });
  });

  describe('members(filter)', () => {
    it('scopes a county approver to its county', async () => {
      const res = await t.gql(MEMBERS, { first: 100 }, await token('danfeng.approver'));
      expect(ids(res)).toEqual([wang.id, fed.members.li.id, zhao.id, hardshipMember.id].sort());
      expect(res.data.members.totalCount).toBe(4);
      const other = await t.gql(MEMBERS, { first: 100 }, await token('shangnan.approver'));
      expect(ids(other)).toEqual([fed.members.chen.id]);
    });

    it('gives a member a list of just themself', async () => {
      const res = await t.gql(MEMBERS, { first: 100 }, await token('wang'));
      expect(ids(res)).toEqual([wang.id]);
      expect(res.data.members.totalCount).toBe(1);
    });

    it('filters by subtreeOf', async () => {
      const res = await t.gql(MEMBERS, { filter: { subtreeOf: fed.orgs.longfeng.id } }, await token('city.approver'));
      expect(ids(res)).toEqual([wang.id, fed.members.li.id].sort());
    });

    it('intersects subtreeOf with the scope: another county’s subtree is empty, not leaked', async () => {
      const res = await t.gql(MEMBERS, { filter: { subtreeOf: fed.orgs.tea.id } }, await token('danfeng.approver'));
      expect(res.data.members.totalCount).toBe(0);
      expect(res.data.members.edges).toEqual([]);
    });

    it('keeps the scope under a subtree above it: the city’s subtree lists only the county’s own members', async () => {
      const tok = await token('danfeng.approver');
      const all = ids(await t.gql(MEMBERS, { first: 100 }, tok));
      const underCity = await t.gql(MEMBERS, { filter: { subtreeOf: fed.orgs.city.id } }, tok);
      expect(all.length).toBeGreaterThan(0);
      expect(ids(underCity)).toEqual(all);
      expect(ids(underCity)).not.toContain(fed.members.chen.id);
      expect(underCity.data.members.totalCount).toBe(all.length);
    });

    it('filters by employment form', async () => {
      const res = await t.gql(MEMBERS, { filter: { employmentForm: 'MIGRANT_WORKER' } }, await token('city.approver'));
      expect(ids(res)).toEqual([fed.members.li.id, fed.members.chen.id].sort());
      const couriers = await t.gql(MEMBERS, { filter: { employmentForm: 'COURIER' } }, await token('city.approver'));
      expect(ids(couriers)).toEqual([zhao.id]);
    });

    it('filters by hardship registration', async () => {
      const res = await t.gql(MEMBERS, { filter: { hardship: 'REGISTERED' } }, await token('city.approver'));
      expect(ids(res)).toEqual([hardshipMember.id]);
    });

    it('filters by status', async () => {
      const res = await t.gql(MEMBERS, { filter: { status: 'LEFT' } }, await token('city.approver'));
      expect(res.data.members.totalCount).toBe(0);
      const active = await t.gql(MEMBERS, { filter: { status: 'ACTIVE' } }, await token('city.approver'));
      expect(active.data.members.totalCount).toBe(5);
    });

    it('filters by name prefix, treating % and _ literally', async () => {
      const tok = await token('city.approver');
      expect(ids(await t.gql(MEMBERS, { filter: { namePrefix: '王' } }, tok))).toEqual([wang.id]);
      expect((await t.gql(MEMBERS, { filter: { namePrefix: '建国' } }, tok)).data.members.totalCount).toBe(0);
      expect((await t.gql(MEMBERS, { filter: { namePrefix: '%' } }, tok)).data.members.totalCount).toBe(0);
      expect((await t.gql(MEMBERS, { filter: { namePrefix: '_' } }, tok)).data.members.totalCount).toBe(0);
    });

    it('refuses a malformed subtreeOf and a bad enum value as BAD_USER_INPUT', async () => {
      const tok = await token('city.approver');
      expect(codeOf(await t.gql(MEMBERS, { filter: { subtreeOf: 'x' } }, tok))).toBe('BAD_USER_INPUT');
      expect(codeOf(await t.gql(MEMBERS, { filter: { employmentForm: 'ASTRONAUT' } }, tok))).toBe('BAD_USER_INPUT');
    });
  });

  describe('registerMember', () => {
    const input = (over: Record<string, unknown> = {}) => ({
      name: '何新会员',
      gender: 'FEMALE',
      nationalId: nationalIdFor(801),
      phone: '139-1234-5678',
      organizationId: fed.orgs.longfeng.id,
      employmentForm: 'DELIVERY_RIDER',
      joinedOn: '2024-05-01',
      ...over,
    });

    it('registers a member into a grassroots union the approver covers', async () => {
      const before = await countMembers();
      const res = await t.gql(REGISTER, { input: input() }, await token('longfeng.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.registerMember).toMatchObject({
        name: '何新会员',
        nationalId: nationalIdFor(801),
        phone: '13912345678',
        status: 'ACTIVE',
        organization: { id: fed.orgs.longfeng.id },
        employmentForm: 'DELIVERY_RIDER',
        joinedOn: '2024-05-01',
        personalDataMasked: false,
      });
      expect(await countMembers()).toBe(before + 1);
      const seen = await t.gql(MEMBERS, { filter: { namePrefix: '何' } }, await token('danfeng.approver'));
      expect(ids(seen)).toEqual([res.data.registerMember.id]);
    });

    it('accepts a lower-case x check character and stores it upper-case', async () => {
      let n = 900;
      while (!nationalIdFor(n).endsWith('X')) n++;
      const res = await t.gql(REGISTER, { input: input({ name: '许小写', nationalId: nationalIdFor(n).toLowerCase() }) }, await token('longfeng.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.registerMember.nationalId).toBe(nationalIdFor(n));
    });

    /** A failed registration writes nothing, and the error never echoes the identity number. */
    const refused = async (username: string, over: Record<string, unknown>, code: string, reason?: string) => {
      const before = await countMembers();
      const res = await t.gql(REGISTER, { input: input(over) }, await token(username));
      expect(codeOf(res)).toBe(code);
      if (reason) expect(res.errors![0].extensions!.reason).toBe(reason);
      expect(res.data ?? null).toBeNull();
      expect(await countMembers()).toBe(before);
      return res;
    };

    it('refuses a national id with a bad check character as BAD_USER_INPUT', async () => {
      const good = nationalIdFor(802);
      const bad = good.slice(0, 17) + (good[17] === '1' ? '2' : '1');
      const res = await refused('longfeng.approver', { nationalId: bad }, 'BAD_USER_INPUT', 'BAD_NATIONAL_ID');
      expect(JSON.stringify(res)).not.toContain(bad);
    });

    it.each([['too short', '61250119900101123'], ['letters inside', '6125011990A101123X'], ['empty', '']])(
      'refuses a malformed national id (%s) as BAD_USER_INPUT',
      async (_label, nationalId) => {
        await refused('longfeng.approver', { nationalId }, 'BAD_USER_INPUT');
      },
    );

    it('refuses a duplicate national id as CONFLICT, without the id in the message', async () => {
      const res = await refused('longfeng.approver', { name: '冒名者', nationalId: wang.plain.nationalId }, 'CONFLICT', 'DUPLICATE_NATIONAL_ID');
      expect(JSON.stringify(res)).not.toContain(wang.plain.nationalId);
      expect(JSON.stringify(res)).not.toContain(wang.plain.nationalId.slice(6, 14));
    });

    it('refuses a non-grassroots organisation as BAD_USER_INPUT', async () => {
      await refused('danfeng.approver', { organizationId: fed.orgs.town.id }, 'BAD_USER_INPUT', 'NOT_GRASSROOTS');
      await refused('danfeng.approver', { organizationId: fed.orgs.danfeng.id }, 'BAD_USER_INPUT', 'NOT_GRASSROOTS');
    });

    it('is FORBIDDEN to a finance officer', async () => {
      await refused('longfeng.finance', { nationalId: nationalIdFor(803) }, 'FORBIDDEN');
    });

    it('is FORBIDDEN to an approver of another county and to a member', async () => {
      await refused('shangnan.approver', { nationalId: nationalIdFor(804) }, 'FORBIDDEN');
      await refused('wang', { nationalId: nationalIdFor(804) }, 'FORBIDDEN');
    });

    it('refuses a bad enum value passed as a variable as BAD_USER_INPUT', async () => {
      await refused('longfeng.approver', { nationalId: nationalIdFor(805), employmentForm: 'ASTRONAUT' }, 'BAD_USER_INPUT');
      await refused('longfeng.approver', { nationalId: nationalIdFor(805), gender: 'male' }, 'BAD_USER_INPUT');
    });

    it('refuses a joining date in the future, an impossible date and a malformed date as BAD_USER_INPUT', async () => {
      const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;
      await refused('longfeng.approver', { nationalId: nationalIdFor(806), joinedOn: nextYear }, 'BAD_USER_INPUT', 'BAD_DATE');
      await refused('longfeng.approver', { nationalId: nationalIdFor(806), joinedOn: '1900-01-01' }, 'BAD_USER_INPUT', 'BAD_DATE');
      await refused('longfeng.approver', { nationalId: nationalIdFor(806), joinedOn: '2024-02-30' }, 'BAD_USER_INPUT');
      await refused('longfeng.approver', { nationalId: nationalIdFor(806), joinedOn: 'yesterday' }, 'BAD_USER_INPUT');
    });

    it('refuses a bad phone number, an empty name and an over-long name as BAD_USER_INPUT', async () => {
      await refused('longfeng.approver', { nationalId: nationalIdFor(807), phone: '12345' }, 'BAD_USER_INPUT', 'BAD_PHONE');
      await refused('longfeng.approver', { nationalId: nationalIdFor(807), name: '  ' }, 'BAD_USER_INPUT', 'TOO_SHORT');
      await refused('longfeng.approver', { nationalId: nationalIdFor(807), name: '名'.repeat(51) }, 'BAD_USER_INPUT', 'TOO_LONG');
    });

    it('refuses an unknown organisation as NOT_FOUND', async () => {
      await refused('longfeng.approver', { nationalId: nationalIdFor(808), organizationId: '0a0a0a0a-0000-4000-8000-000000000000' }, 'NOT_FOUND');
    });
  });

  describe('updateMember', () => {
    it('lets an approver over the union change phone, employment form and hardship', async () => {
      const res = await t.gql(UPDATE, { id: zhao.id, input: { phone: '13700001111', employmentForm: 'TRUCK_DRIVER', hardship: 'REGISTERED' } }, await token('danfeng.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.updateMember).toMatchObject({ phone: '13700001111', employmentForm: 'TRUCK_DRIVER', hardship: 'REGISTERED', status: 'ACTIVE' });
      const [row] = await sql<{ phone_masked: string; hardship: string }>('select phone_masked, hardship from member where id = ?', [zhao.id]);
      expect(row).toEqual({ phone_masked: '137****1111', hardship: 'REGISTERED' });
      expect(await storedPhone(zhao.id)).toBe('13700001111');
    });

    it('refuses status TRANSFERRED (that is what transferMember is for) and changes nothing', async () => {
      const res = await t.gql(UPDATE, { id: zhao.id, input: { name: '改了名', status: 'TRANSFERRED' } }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      const [row] = await sql<{ name: string; status: string }>('select name, status from member where id = ?', [zhao.id]);
      expect(row).toEqual({ name: '赵小军', status: 'ACTIVE' });
    });

    it('refuses a bad phone and changes nothing', async () => {
      const res = await t.gql(UPDATE, { id: zhao.id, input: { name: '改了名', phone: 'call me' } }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      const [row] = await sql<{ name: string }>('select name from member where id = ?', [zhao.id]);
      expect(row).toEqual({ name: '赵小军' });
      expect(await storedPhone(zhao.id)).toBe('13700001111');
    });

    it('is FORBIDDEN to a finance officer over the union, and NOT_FOUND to an approver elsewhere', async () => {
      expect(codeOf(await t.gql(UPDATE, { id: zhao.id, input: { name: 'x' } }, await token('danfeng.finance')))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(UPDATE, { id: zhao.id, input: { name: 'x' } }, await token('shangnan.approver')))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(UPDATE, { id: wang.id, input: { name: 'x' } }, await token('wang')))).toBe('FORBIDDEN');
      const [row] = await sql<{ name: string }>('select name from member where id = ?', [zhao.id]);
      expect(row.name).toBe('赵小军');
    });

    it('records a member leaving; they drop out of memberCount', async () => {
      const count = async () => (await t.gql(`query($id: ID) { organization(id: $id) { memberCount } }`, { id: fed.orgs.courierUnion.id }, await token('admin'))).data.organization.memberCount;
      const before = await count();
      const res = await t.gql(UPDATE, { id: hardshipMember.id, input: { status: 'LEFT' } }, await token('danfeng.approver'));
      expect(res.data.updateMember.status).toBe('LEFT');
      expect(await count()).toBe(before - 1);
    });
  });

  describe('transferMember', () => {
    it('lets a city approver move a member to another county’s union; scopes follow', async () => {
      const li = fed.members.li.id;
      const res = await t.gql(TRANSFER, { id: li, to: fed.orgs.tea.id }, await token('city.approver'));
      expect(res.errors).toBeUndefined();
      expect(res.data.transferMember).toEqual({ id: li, status: 'ACTIVE', organization: { id: fed.orgs.tea.id } });
      expect(ids(await t.gql(MEMBERS, { filter: { subtreeOf: fed.orgs.shangnan.id } }, await token('shangnan.approver')))).toContain(li);
      expect(codeOf(await t.gql(MEMBER, { id: li }, await token('danfeng.approver')))).toBe('NOT_FOUND');
      const [row] = await sql<{ org_path: string }>('select org_path from member where id = ?', [li]);
      expect(row.org_path).toBe(fed.orgs.tea.path);
    });

    it('is FORBIDDEN for a county approver moving a member outside its county, and changes nothing', async () => {
      const res = await t.gql(TRANSFER, { id: zhao.id, to: fed.orgs.tea.id }, await token('danfeng.approver'));
      expect(codeOf(res)).toBe('FORBIDDEN');
      const [row] = await sql<{ organization_id: string; org_path: string }>('select organization_id, org_path from member where id = ?', [zhao.id]);
      expect(row).toEqual({ organization_id: fed.orgs.courierUnion.id, org_path: fed.orgs.courierUnion.path });
    });

    it('lets a county approver move a member within its county', async () => {
      const res = await t.gql(TRANSFER, { id: zhao.id, to: fed.orgs.longfeng.id }, await token('danfeng.approver'));
      expect(res.data.transferMember.organization.id).toBe(fed.orgs.longfeng.id);
    });

    it('refuses a transfer to the same union, to a non-grassroots organisation, and of a member who left', async () => {
      const tok = await token('city.approver');
      const same = await t.gql(TRANSFER, { id: zhao.id, to: fed.orgs.longfeng.id }, tok);
      expect(codeOf(same)).toBe('BAD_USER_INPUT');
      expect(codeOf(await t.gql(TRANSFER, { id: zhao.id, to: fed.orgs.danfeng.id }, tok))).toBe('BAD_USER_INPUT');
      const left = await t.gql(TRANSFER, { id: hardshipMember.id, to: fed.orgs.tea.id }, tok);
      expect(codeOf(left)).toBe('CONFLICT');
      const [row] = await sql<{ organization_id: string; status: string }>('select organization_id, status from member where id = ?', [hardshipMember.id]);
      expect(row).toEqual({ organization_id: fed.orgs.courierUnion.id, status: 'LEFT' });
    });
  });
});
