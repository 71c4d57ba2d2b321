import { createHmac, randomBytes } from 'node:crypto';
import { Role } from '../../src/auth/role';
import { loadConfig } from '../../src/config/env';
import { createOrm, dropDatabase, ensureDatabase, migrate } from '../../src/db/orm';
import { maskNationalId, maskPhone } from '../../src/members/personal-data';
import { PersonalDataCipher, PersonalDataField } from '../../src/members/personal-data.cipher';
import { Organization } from '../../src/organizations/organization.entity';
import { buildFederation, Federation, FixtureMember, Fixtures, fixtureCipher, nationalIdFor, sqlOn, tokenCache } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';

const MEMBER = `query MemberCard($id: ID!) { member(id: $id) { id nationalId phone personalDataMasked } }`;
const UNION_PAGE = `query UnionRegister($org: ID!) { members(filter: { subtreeOf: $org }, first: 100) {
  edges { node { id nationalId phone again: nationalId } }
} }`;
const LOG = `query($filter: PersonalDataAccessFilter, $first: Int, $after: String) {
  personalDataAccessLog(filter: $filter, first: $first, after: $after) {
    totalCount edges { node { id accountId reader { displayName } memberId field operationName at } } pageInfo { hasNextPage endCursor }
  }
}`;
const REGISTER = `mutation Register($input: RegisterMemberInput!) { registerMember(input: $input) { id nationalId } }`;

/** The development keys the fixtures seal with, plus a newer key that this app encrypts with: a rotation. */
const devKeys = loadConfig(process.env, { NODE_ENV: 'test' }).PII_KEYS;
const ROTATED_KEYS = [...[...devKeys].map(([id, key]) => `${id}:${key.toString('base64')}`), `k2:${randomBytes(32).toString('base64')}`].join(',');

describe('personal data at rest', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;
  let sql: ReturnType<typeof sqlOn>;
  let members: FixtureMember[];

  const accessRows = () =>
    sql<{ account_id: string; member_id: string; field: string; operation_name: string | null }>(
      'select account_id, member_id, field, operation_name from personal_data_access order by id',
    );
  const input = (overrides: Record<string, unknown>) => ({
    name: '新会员', gender: 'FEMALE', organizationId: fed.orgs.longfeng.id, employmentForm: 'REGULAR', joinedOn: '2024-05-01', ...overrides,
  });

  beforeAll(async () => {
    t = await startTestApp({ env: { PII_KEYS: ROTATED_KEYS, PII_ACTIVE_KEY_ID: 'k2' } });
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    sql = sqlOn(t);
    const em = t.app.services.orm.em.fork();
    const f = new Fixtures(em, 900);
    await f.account('shangnan.auditor', [[Role.AUDITOR, em.getReference(Organization, fed.orgs.shangnan.id)]]);
    await f.account('city.auditor', [[Role.AUDITOR, em.getReference(Organization, fed.orgs.city.id)]]);
    await f.flush();
    members = Object.values(fed.members);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  describe('in SQL', () => {
    it('holds no national id or phone in plaintext, in any column of any member row', async () => {
      const rows = await sql<{ id: string; row: string }>('select id, m::text as row from member m');
      expect(rows).toHaveLength(members.length);
      for (const m of members) {
        const row = rows.find((r) => r.id === m.id)!.row;
        expect(row).not.toContain(m.plain.nationalId);
        expect(row).not.toContain(m.plain.nationalId.slice(6, 14)); // the birth date, hidden by the mask
        expect(row).not.toContain(m.plain.phone!);
        expect(row).toContain(maskNationalId(m.plain.nationalId));
      }
      const columns = await sql<{ column_name: string }>(`select column_name from information_schema.columns where table_name = 'member'`);
      expect(columns.map((c) => c.column_name)).not.toEqual(expect.arrayContaining(['national_id']));
      expect(columns.map((c) => c.column_name)).not.toEqual(expect.arrayContaining(['phone']));
    });

    it('keeps the access log append-only', async () => {
      await t.gql(MEMBER, { id: fed.members.li.id }, await token('longfeng.approver'));
      await expect(sql(`update personal_data_access set operation_name = 'x'`)).rejects.toThrow(/append-only/);
      await expect(sql('delete from personal_data_access')).rejects.toThrow(/append-only/);
    });

    it('finds a member by the blind index of their exact national id', async () => {
      const { wang } = fed.members;
      const index = t.app.services.personalDataCipher.nationalIdIndex(wang.plain.nationalId);
      expect(await sql('select id from member where national_id_index = ?', [index])).toEqual([{ id: wang.id }]);
    });
  });

  describe('registerMember', () => {
    it('refuses a national id already registered, whatever the case of its X, as CONFLICT DUPLICATE_NATIONAL_ID', async () => {
      let n = 950;
      while (!nationalIdFor(n).endsWith('X')) n++;
      const id = nationalIdFor(n);
      const first = await t.gql(REGISTER, { input: input({ nationalId: id.toLowerCase() }) }, await token('longfeng.approver'));
      expect(first.errors).toBeUndefined();
      expect(first.data.registerMember.nationalId).toBe(id);
      const again = await t.gql(REGISTER, { input: input({ name: '冒名者', nationalId: ` ${id} ` }) }, await token('danfeng.approver'));
      expect(codeOf(again)).toBe('CONFLICT');
      expect(again.errors![0].extensions!.reason).toBe('DUPLICATE_NATIONAL_ID');
      expect(JSON.stringify(again)).not.toContain(id.slice(6, 14));
      const dup = await t.gql(REGISTER, { input: input({ nationalId: fed.members.chen.plain.nationalId }) }, await token('longfeng.approver'));
      expect(codeOf(dup)).toBe('CONFLICT');
    });
  });

  describe('reading', () => {
    it('shows a viewer without rights the masked forms, as before, and logs nothing', async () => {
      const before = (await accessRows()).length;
      const { wang } = fed.members;
      const res = await t.gql(MEMBER, { id: wang.id }, await token('danfeng.finance'));
      expect(res.data.member).toEqual({
        id: wang.id,
        nationalId: maskNationalId(wang.plain.nationalId),
        phone: maskPhone(wang.plain.phone!),
        personalDataMasked: true,
      });
      expect(res.data.member.nationalId).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
      expect(await accessRows()).toHaveLength(before);
    });

    it('writes exactly one access-log row per member and field read unmasked, with viewer and operation', async () => {
      const before = (await accessRows()).length;
      const res = await t.gql(UNION_PAGE, { org: fed.orgs.longfeng.id }, await token('longfeng.approver'));
      expect(res.errors).toBeUndefined();
      const nodes: { id: string; nationalId: string; phone: string | null; again: string }[] = res.data.members.edges.map((e: any) => e.node);
      expect(nodes.length).toBeGreaterThanOrEqual(2);
      for (const node of nodes.filter((n) => n.id === fed.members.wang.id || n.id === fed.members.li.id)) {
        const m = members.find((x) => x.id === node.id)!;
        expect(node).toEqual({ id: m.id, nationalId: m.plain.nationalId, phone: m.plain.phone, again: m.plain.nationalId });
      }
      const logged = (await accessRows()).slice(before);
      // Read twice (the alias), logged once; a phone that is not there is not read.
      const expected = nodes.flatMap((n) => (n.phone === null ? ['NATIONAL_ID'] : ['NATIONAL_ID', 'PHONE']).map((field) => ({
        account_id: fed.accounts.longfengApprover.id, member_id: n.id, field, operation_name: 'UnionRegister',
      })));
      expect(expected.length).toBeGreaterThan(nodes.length);
      expect(logged).toHaveLength(expected.length);
      expect(logged).toEqual(expect.arrayContaining(expected));
    });

    it('logs a member reading their own data, without an operation name when the query has none', async () => {
      const before = (await accessRows()).length;
      const res = await t.gql(`query($id: ID!) { member(id: $id) { nationalId } }`, { id: fed.members.wang.id }, await token('wang'));
      expect(res.data.member.nationalId).toBe(fed.members.wang.plain.nationalId);
      expect((await accessRows()).slice(before)).toEqual([
        { account_id: fed.accounts.wang.id, member_id: fed.members.wang.id, field: 'NATIONAL_ID', operation_name: null },
      ]);
    });

    it('shows nothing unmasked when the read cannot be logged', async () => {
      jest.spyOn(t.app.services.personalData, 'record').mockRejectedValueOnce(new Error('log unavailable'));
      const { li } = fed.members;
      const res = await t.gql(MEMBER, { id: li.id }, await token('longfeng.approver'));
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(res)).not.toContain(li.plain.nationalId);
    });
  });

  describe('personalDataAccessLog', () => {
    beforeAll(async () => {
      await t.gql(MEMBER, { id: fed.members.zhao.id }, await token('danfeng.approver'));
      await t.gql(MEMBER, { id: fed.members.chen.id }, await token('admin'));
    });

    it('lists an auditor the reads of members in their subtree, newest first, filtered by member and account', async () => {
      const tok = await token('danfeng.auditor');
      const all = await t.gql(LOG, { first: 100 }, tok);
      expect(all.errors).toBeUndefined();
      const nodes: any[] = all.data.personalDataAccessLog.edges.map((e: any) => e.node);
      const danfengMembers = new Set([fed.members.wang.id, fed.members.li.id, fed.members.zhao.id]);
      expect(nodes.length).toBeGreaterThan(0);
      expect(nodes.every((n) => danfengMembers.has(n.memberId) || !members.some((m) => m.id === n.memberId))).toBe(true);
      expect(nodes.some((n) => n.memberId === fed.members.chen.id)).toBe(false);
      expect(nodes.map((n) => Number(n.id))).toEqual(nodes.map((n) => Number(n.id)).sort((a, b) => b - a));
      expect(all.data.personalDataAccessLog.totalCount).toBe(nodes.length);

      const zhao = await t.gql(LOG, { filter: { memberId: fed.members.zhao.id } }, tok);
      expect(zhao.data.personalDataAccessLog.edges.map((e: any) => e.node)).toEqual([
        expect.objectContaining({ reader: { displayName: 'danfeng.approver' }, memberId: fed.members.zhao.id, field: 'PHONE', operationName: 'MemberCard' }),
        expect.objectContaining({ reader: { displayName: 'danfeng.approver' }, memberId: fed.members.zhao.id, field: 'NATIONAL_ID', operationName: 'MemberCard' }),
      ]);
      const byWang = await t.gql(LOG, { filter: { accountId: fed.accounts.wang.id, field: 'NATIONAL_ID' } }, tok);
      expect(byWang.data.personalDataAccessLog.edges.map((e: any) => e.node.memberId)).toEqual([fed.members.wang.id]);
    });

    it('pages with cursors and filters by time', async () => {
      const tok = await token('admin');
      const first = await t.gql(LOG, { first: 2 }, tok);
      expect(first.data.personalDataAccessLog.edges).toHaveLength(2);
      expect(first.data.personalDataAccessLog.pageInfo.hasNextPage).toBe(true);
      const next = await t.gql(LOG, { first: 2, after: first.data.personalDataAccessLog.pageInfo.endCursor }, tok);
      const ids = (r: any) => r.data.personalDataAccessLog.edges.map((e: any) => e.node.id);
      expect(ids(next)).toHaveLength(2);
      expect(ids(next)).not.toEqual(expect.arrayContaining(ids(first)));
      const future = await t.gql(LOG, { filter: { from: new Date(Date.now() + 60_000).toISOString() } }, tok);
      expect(future.data.personalDataAccessLog.edges).toEqual([]);
      const backwards = await t.gql(LOG, { filter: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' } }, tok);
      expect(backwards.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'BAD_RANGE' });
    });

    it('shows an auditor of another county none of these reads, and an admin all of them', async () => {
      const other = await t.gql(LOG, {}, await token('shangnan.auditor'));
      expect(other.data.personalDataAccessLog.edges.map((e: any) => e.node.memberId)).toEqual([fed.members.chen.id, fed.members.chen.id]);
      const admin = await t.gql(LOG, { first: 100 }, await token('admin'));
      const city = await t.gql(LOG, { first: 100 }, await token('city.auditor'));
      expect(admin.data.personalDataAccessLog.totalCount).toBe((await accessRows()).length);
      expect(city.data.personalDataAccessLog.totalCount).toBe(admin.data.personalDataAccessLog.totalCount);
    });

    it.each(['danfeng.approver', 'danfeng.finance', 'wang'])('is FORBIDDEN to %s', async (username) => {
      const res = await t.gql(LOG, {}, await token(username));
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(res.data).toBeNull();
    });

    it('is UNAUTHENTICATED without a token', async () => {
      expect(codeOf(await t.gql(LOG, {}))).toBe('UNAUTHENTICATED');
    });
  });

  describe('keys', () => {
    it('opens rows sealed with an older key after the active key changed, and seals new values with the active key', async () => {
      const { wang } = fed.members;
      const [old] = await sql<{ national_id_cipher: string; phone_cipher: string }>('select national_id_cipher, phone_cipher from member where id = ?', [wang.id]);
      expect(old.national_id_cipher).toMatch(/^dev1:/);
      const res = await t.gql(MEMBER, { id: wang.id }, await token('danfeng.approver'));
      expect(res.data.member).toMatchObject({ nationalId: wang.plain.nationalId, phone: wang.plain.phone });

      const registered = await t.gql(REGISTER, { input: input({ nationalId: nationalIdFor(960), phone: '13912340960' }) }, await token('longfeng.approver'));
      expect(registered.errors).toBeUndefined();
      const [fresh] = await sql<{ national_id_cipher: string; phone_cipher: string }>(
        'select national_id_cipher, phone_cipher from member where id = ?',
        [registered.data.registerMember.id],
      );
      expect(fresh.national_id_cipher).toMatch(/^k2:/);
      expect(fresh.phone_cipher).toMatch(/^k2:/);
      // Without k2, the old keys alone cannot open it.
      expect(() => fixtureCipher.decrypt(registered.data.registerMember.id, PersonalDataField.NATIONAL_ID, fresh.national_id_cipher)).toThrow(/not configured/);
    });

    it('will not open a ciphertext copied onto another member', async () => {
      const { wang, li } = fed.members;
      const [own] = await sql<{ national_id_cipher: string }>('select national_id_cipher from member where id = ?', [li.id]);
      await sql('update member set national_id_cipher = (select national_id_cipher from member where id = ?) where id = ?', [wang.id, li.id]);
      try {
        const res = await t.gql(MEMBER, { id: li.id }, await token('longfeng.approver'));
        expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
        expect(JSON.stringify(res)).not.toContain(wang.plain.nationalId);
      } finally {
        await sql('update member set national_id_cipher = ? where id = ?', [own.national_id_cipher, li.id]);
      }
    });
  });
});

describe('sealing existing plaintext rows at start-up', () => {
  const databaseUrl = `${process.env.TEST_DATABASE_SERVER ?? 'postgresql://postgres@127.0.0.1:5432'}/gh_test_seal_${randomBytes(4).toString('hex')}`;
  afterAll(() => dropDatabase(databaseUrl));

  it('encrypts every member row left in plaintext, then drops the plaintext columns', async () => {
    await ensureDatabase(databaseUrl);
    const { orm } = await createOrm({ databaseUrl, poolMax: 2 });
    try {
      // A database as the previous release left it, with members in plaintext.
      await orm.getMigrator().up({ to: 'Migration20261126000000_personal_data_sealed' });
      const conn = orm.em.getConnection();
      await conn.execute(`insert into organization (id, code, name, level, kind, path) values ('0a0a0a0a-0000-4000-8000-000000000001', 'T-1', '基层', 'GRASSROOTS', 'ENTERPRISE', '/0a0a0a0a-0000-4000-8000-000000000001/')`);
      const plain = Array.from({ length: 7 }, (_, i) => ({
        id: `0a0a0a0a-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`,
        nationalId: nationalIdFor(i + 1),
        phone: i % 3 ? `1390000${String(i).padStart(4, '0')}` : null,
      }));
      for (const m of plain) {
        await conn.execute(
          `insert into member (id, name, gender, national_id, phone, organization_id, org_path, employment_form, joined_on)
           values (?, '老会员', 'MALE', ?, ?, '0a0a0a0a-0000-4000-8000-000000000001', '/0a0a0a0a-0000-4000-8000-000000000001/', 'REGULAR', '2010-01-01')`,
          [m.id, m.nationalId, m.phone],
        );
      }

      await migrate(orm, databaseUrl, fixtureCipher);

      const rows = await conn.execute(`select m.*, m::text as row from member m order by id`);
      expect(rows).toHaveLength(plain.length);
      expect(Object.keys(rows[0])).not.toEqual(expect.arrayContaining(['national_id']));
      expect(Object.keys(rows[0])).not.toEqual(expect.arrayContaining(['phone']));
      rows.forEach((row: any, i: number) => {
        const m = plain[i]!;
        expect(row.row).not.toContain(m.nationalId);
        expect(fixtureCipher.decrypt(m.id, PersonalDataField.NATIONAL_ID, row.national_id_cipher)).toBe(m.nationalId);
        expect(row.national_id_masked).toBe(maskNationalId(m.nationalId));
        expect(Buffer.from(row.national_id_index).equals(fixtureCipher.nationalIdIndex(m.nationalId))).toBe(true);
        expect(row.phone_cipher && fixtureCipher.decrypt(m.id, PersonalDataField.PHONE, row.phone_cipher)).toBe(m.phone);
        expect(row.phone_masked).toBe(m.phone && maskPhone(m.phone));
      });
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  });
});

describe('the cipher', () => {
  it('round-trips, with a fresh IV each time, and refuses an unknown key id', () => {
    const cipher = new PersonalDataCipher({ keys: new Map([['a', randomBytes(32)]]), activeKeyId: 'a', indexKey: randomBytes(32) });
    const id = '0a0a0a0a-0000-4000-8000-000000000000';
    const one = cipher.encrypt(id, PersonalDataField.PHONE, '13800001111');
    const two = cipher.encrypt(id, PersonalDataField.PHONE, '13800001111');
    expect(one).not.toBe(two);
    expect(cipher.decrypt(id, PersonalDataField.PHONE, one)).toBe('13800001111');
    expect(() => cipher.decrypt(id, PersonalDataField.NATIONAL_ID, one)).toThrow();
    expect(() => cipher.decrypt(id, PersonalDataField.PHONE, `b:${one.slice(2)}`)).toThrow(/not configured/);
  });

  it('computes the blind index as HMAC-SHA256 under the index key over "NATIONAL_ID:<id>"', () => {
    const indexKey = randomBytes(32);
    const cipher = new PersonalDataCipher({ keys: new Map([['a', randomBytes(32)]]), activeKeyId: 'a', indexKey });
    for (const id of [nationalIdFor(1), nationalIdFor(2), '61250119900101123X']) {
      expect(cipher.nationalIdIndex(id).equals(createHmac('sha256', indexKey).update(`NATIONAL_ID:${id}`).digest())).toBe(true);
    }
  });

  it('refuses malformed or missing keys in configuration, and requires them in production', () => {
    const key = randomBytes(32).toString('base64');
    expect(() => loadConfig({}, { PII_KEYS: 'k1:short' })).toThrow(/PII_KEYS: key k1 must be 32 bytes/);
    expect(() => loadConfig({}, { PII_KEYS: `k1:${key},k1:${key}` })).toThrow(/listed twice/);
    expect(() => loadConfig({}, { PII_KEYS: `k1:${key}`, PII_ACTIVE_KEY_ID: 'k9' })).toThrow(/PII_ACTIVE_KEY_ID/);
    expect(() => loadConfig({}, { PII_KEYS: `k1:${key}`, PII_INDEX_KEY: key })).toThrow(/must differ/);
    expect(() => loadConfig({}, { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(/PII_KEYS: required in production[\s\S]*PII_INDEX_KEY: required in production/);
    const config = loadConfig({}, { PII_KEYS: `k1:${key},k2:${randomBytes(32).toString('base64')}` });
    expect(config.PII_ACTIVE_KEY_ID).toBe('k2');
  });
});
