import { Cursor } from '@mikro-orm/core';
import { buildFederation, Federation, tokenCache } from '../support/fixtures';
import { codeOf, GqlResult, startTestApp, TestApp } from '../support/harness';

/** What must never reach a client: stack traces, SQL, file paths, driver internals. */
const LEAKS = /stack|stacktrace|\bselect\b.*\bfrom\b|insert into|update \w+ set|delete from|node_modules|\/work\/|\.ts:\d+|violates|constraint|syntax error at|pg-protocol/i;

const expectNoLeak = (res: GqlResult) => {
  const text = JSON.stringify(res);
  expect(text).not.toMatch(LEAKS);
  for (const error of res.errors ?? []) {
    expect(Object.keys(error.extensions ?? {})).not.toEqual(expect.arrayContaining(['exception']));
    expect(Object.keys(error.extensions ?? {})).not.toEqual(expect.arrayContaining(['stacktrace']));
  }
};

describe('errors never leak', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  describe('an unexpected failure', () => {
    it('inside a resolver is INTERNAL_SERVER_ERROR "Internal server error", with none of its detail', async () => {
      jest
        .spyOn(t.app.services.members, 'get')
        .mockRejectedValueOnce(new Error(`relation "member" does not exist: select * from member where national_id = '${fed.members.wang.plain.nationalId}'`));
      const res = await t.gql(`query($id: ID!) { member(id: $id) { id } }`, { id: fed.members.wang.id }, await token('admin'));
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0]).toEqual({
        message: 'Internal server error',
        locations: expect.any(Array),
        path: ['member'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: expect.any(String) },
      });
      expectNoLeak(res);
      expect(JSON.stringify(res)).not.toContain(fed.members.wang.plain.nationalId);
    });

    it('that is not even an Error is hidden the same way', async () => {
      jest.spyOn(t.app.services.organizations, 'get').mockRejectedValueOnce('raw string failure from deep inside');
      const res = await t.gql(`query($id: ID) { organization(id: $id) { id } }`, { id: fed.orgs.city.id }, await token('admin'));
      expect(res.errors![0].message).toBe('Internal server error');
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(res)).not.toContain('raw string failure');
    });

    it('in a nested field still yields one opaque error, at that field’s path', async () => {
      jest.spyOn(t.app.services.funds, 'ledger').mockRejectedValueOnce(new TypeError("Cannot read properties of undefined (reading 'path')"));
      const res = await t.gql(
        `query($id: ID!) { viewer { username } fund(id: $id) { name ledger { totalCount } } }`,
        { id: fed.funds.danfengAid.id },
        await token('danfeng.finance'),
      );
      // ledger is nullable: only it is null, the fund and the viewer are answered; the error names only the path.
      expect(res.data).toEqual({ viewer: { username: 'danfeng.finance' }, fund: { name: '丹凤县困难职工帮扶资金', ledger: null } });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].path).toEqual(['fund', 'ledger']);
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors![0].message).toBe('Internal server error');
      expectNoLeak(res);
    });

    it('while authenticating the request is hidden too', async () => {
      jest.spyOn(t.app.services.auth, 'viewerFromToken').mockRejectedValueOnce(new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2'));
      const res = await t.gql('{ viewer { username } }', {}, await token('admin'));
      expect(codeOf(res)).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors![0].message).toBe('Internal server error');
      expect(JSON.stringify(res)).not.toMatch(/ECONNREFUSED|hunter2|Context creation/);
    });
  });

  describe('bad input', () => {
    it('does not repeat a rejected value, which may be personal data, in the message', async () => {
      const res = await t.gql(
        `mutation($input: RegisterMemberInput!) { registerMember(input: $input) { id } }`,
        { input: { name: '张三', gender: 'MALE', nationalId: 612501199001011234, organizationId: fed.orgs.longfeng.id, employmentForm: 'REGULAR', joinedOn: '2020-01-01' } },
        await token('admin'),
      );
      expect(codeOf(res)).toBe('BAD_USER_INPUT');
      expect(res.errors![0].message).toContain('got an invalid value');
      expect(JSON.stringify(res)).not.toContain('612501199001011234');
    });

    const cases: [string, string, Record<string, unknown>, string][] = [
      ['a malformed member id', `query($id: ID!) { member(id: $id) { id } }`, { id: "1' or '1'='1" }, 'BAD_USER_INPUT'],
      ['a malformed organization id', `query($id: ID) { organization(id: $id) { id } }`, { id: '../../etc/passwd' }, 'BAD_USER_INPUT'],
      ['a malformed fund id', `query($id: ID!) { fund(id: $id) { id } }`, { id: 'zzz' }, 'BAD_USER_INPUT'],
      ['a crafted cursor', `query($a: String) { members(after: $a) { totalCount } }`, { a: Cursor.encode(["'; drop table member; --", 'x']) }, 'BAD_USER_INPUT'],
      ['a page size too large', `{ members(first: 5000) { totalCount } }`, {}, 'BAD_USER_INPUT'],
      ['a wrong variable type', `query($f: Int) { members(first: $f) { totalCount } }`, { f: 'ten' }, 'BAD_USER_INPUT'],
      ['an unknown enum value', `query($f: MemberFilter) { members(filter: $f) { totalCount } }`, { f: { status: 'DEAD' } }, 'BAD_USER_INPUT'],
      ['a syntax error', `{ members(first: ) { totalCount `, {}, 'GRAPHQL_PARSE_FAILED'],
      ['an unknown field', `{ members { edges { node { passwordHash } } } }`, {}, 'GRAPHQL_VALIDATION_FAILED'],
      ['a name filter full of SQL', `query($f: MemberFilter) { members(filter: $f) { totalCount } }`, { f: { namePrefix: "%' union select national_id from member --" } }, 'OK'],
    ];

    it.each(cases)('%s is answered without stack, SQL or paths', async (_label, query, variables, code) => {
      const res = await t.gql(query, variables, await token('city.approver'));
      if (code === 'OK') expect(res.errors).toBeUndefined();
      else expect(codeOf(res)).toBe(code);
      expectNoLeak(res);
    });

    it('a duplicate national id is CONFLICT without constraint names or the id', async () => {
      const res = await t.gql(
        `mutation($input: RegisterMemberInput!) { registerMember(input: $input) { id } }`,
        {
          input: {
            name: '重复',
            gender: 'MALE',
            nationalId: fed.members.li.plain.nationalId,
            organizationId: fed.orgs.longfeng.id,
            employmentForm: 'REGULAR',
            joinedOn: '2020-01-01',
          },
        },
        await token('longfeng.approver'),
      );
      expect(codeOf(res)).toBe('CONFLICT');
      expectNoLeak(res);
      expect(JSON.stringify(res)).not.toContain(fed.members.li.plain.nationalId);
    });

    it('an overdraft attempt and a duplicate reference are CONFLICTs without SQL', async () => {
      const credit = `mutation($input: CreditFundInput!) { creditFund(input: $input) { id } }`;
      const tok = await token('danfeng.finance');
      const input = { fundId: fed.funds.danfengAid.id, amount: 100, reason: 'x', reference: 'LEAK-1' };
      expect((await t.gql(credit, { input }, tok)).errors).toBeUndefined();
      const dup = await t.gql(credit, { input }, tok);
      expect(codeOf(dup)).toBe('CONFLICT');
      expectNoLeak(dup);
    });

    it('a wrong login says nothing about which part was wrong', async () => {
      const res = await t.gql(`mutation { login(username: "admin", password: "guess") { token } }`);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expectNoLeak(res);
      expect(res.errors![0].message).not.toMatch(/admin|password hash|scrypt/i);
    });
  });
});
