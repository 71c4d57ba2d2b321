import { SignJWT } from 'jose';
import { TokenSigner } from '../../src/auth/token';
import { buildFederation, Federation, sqlOn } from '../support/fixtures';
import { codeOf, startTestApp, TEST_PASSWORD, TestApp } from '../support/harness';

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token expiresAt viewer { accountId username memberId grants { role organizationId } } } }';
const VIEWER = '{ viewer { accountId username displayName memberId grants { role organizationId } } }';

describe('authentication', () => {
  let t: TestApp;
  let fed: Federation;
  let secret: Uint8Array;

  /** A token signed like the server's, with the claims a test wants. */
  const craft = (claims: { sub?: string; iss?: string; iat?: number; exp?: number }, key = secret) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' });
    if (claims.sub) jwt = jwt.setSubject(claims.sub);
    if (claims.iss) jwt = jwt.setIssuer(claims.iss);
    if (claims.iat) jwt = jwt.setIssuedAt(claims.iat);
    if (claims.exp) jwt = jwt.setExpirationTime(claims.exp);
    return jwt.sign(key);
  };
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    secret = new TextEncoder().encode(t.app.services.config.JWT_SECRET);
  });
  afterAll(() => t.close());

  describe('login', () => {
    it('returns a JWT, its expiry and the viewer, and the token works for later requests', async () => {
      const res = await t.gql(LOGIN, { u: 'wang', p: TEST_PASSWORD });
      expect(res.errors).toBeUndefined();
      const { token, expiresAt, viewer } = res.data.login;
      expect(token.split('.')).toHaveLength(3);
      expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
      expect(viewer).toEqual({
        accountId: fed.accounts.wang.id,
        username: 'wang',
        memberId: fed.members.wang.id,
        grants: [{ role: 'MEMBER', organizationId: fed.orgs.longfeng.id }],
      });

      const me = await t.gql(VIEWER, {}, token);
      expect(me.errors).toBeUndefined();
      expect(me.data.viewer).toMatchObject({ accountId: fed.accounts.wang.id, username: 'wang', memberId: fed.members.wang.id });
    });

    it('refuses a wrong password and an unknown user alike: UNAUTHENTICATED with the same message', async () => {
      const wrong = await t.gql(LOGIN, { u: 'wang', p: 'not-the-password' });
      const unknown = await t.gql(LOGIN, { u: 'nobody-of-that-name', p: TEST_PASSWORD });
      expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
      expect(codeOf(unknown)).toBe('UNAUTHENTICATED');
      expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
      expect(wrong.data).toBeNull();
      expect(unknown.data).toBeNull();
    });

    it('refuses a disabled account with the same message as a wrong password', async () => {
      const f = await t.gql(LOGIN, { u: 'longfeng.finance', p: TEST_PASSWORD });
      expect(f.errors).toBeUndefined();
      await sqlOn(t)(`update account set active = false where username = 'longfeng.finance'`);
      try {
        const res = await t.gql(LOGIN, { u: 'longfeng.finance', p: TEST_PASSWORD });
        expect(codeOf(res)).toBe('UNAUTHENTICATED');
        expect(res.errors![0].message).toBe('Wrong username or password');
        // A token issued before the account was disabled stops working too.
        const old = await t.gql(VIEWER, {}, f.data.login.token);
        expect(codeOf(old)).toBe('UNAUTHENTICATED');
      } finally {
        await sqlOn(t)(`update account set active = true where username = 'longfeng.finance'`);
      }
    });
  });

  describe('bearer tokens', () => {
    const rawViewer = async (authorization: string) => {
      const res = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ query: VIEWER }),
      });
      return { status: res.status, ...((await res.json()) as any) };
    };

    it.each([
      ['a scheme other than Bearer', 'Basic d2FuZzp0ZXN0'],
      ['Bearer with no token', 'Bearer '],
      ['Bearer with two words', 'Bearer abc def'],
      ['a bare token without the scheme', 'eyJhbGciOiJIUzI1NiJ9.e30.abc'],
    ])('refuses a malformed Authorization header (%s) as UNAUTHENTICATED', async (_label, header) => {
      const res = await rawViewer(header);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.data).toBeNull();
    });

    it('refuses garbage that is not a JWT', async () => {
      const res = await t.gql(VIEWER, {}, 'not.a.jwt');
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('refuses a token signed with another key (forged)', async () => {
      const forged = await craft({ sub: fed.accounts.admin.id, iss: 'gonghui', iat: now(), exp: now() + 3600 }, new TextEncoder().encode('x'.repeat(64)));
      const res = await t.gql(VIEWER, {}, forged);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.errors![0].message).toBe('Token is not valid');
    });

    it('refuses a token whose payload was altered after signing', async () => {
      const token = await t.login('wang');
      const [header, , signature] = token.split('.');
      const payload = Buffer.from(JSON.stringify({ sub: fed.accounts.admin.id, iss: 'gonghui', exp: now() + 3600 })).toString('base64url');
      const res = await t.gql(VIEWER, {}, `${header}.${payload}.${signature}`);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('refuses an unsigned (alg: none) token', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: fed.accounts.admin.id, iss: 'gonghui', exp: now() + 3600 })).toString('base64url');
      const res = await t.gql(VIEWER, {}, `${header}.${payload}.`);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('refuses an expired token, saying so', async () => {
      const expired = await craft({ sub: fed.accounts.admin.id, iss: 'gonghui', iat: now() - 7200, exp: now() - 3600 });
      const res = await t.gql(VIEWER, {}, expired);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.errors![0].message).toMatch(/expired/i);
    });

    it('refuses an expired token made by the server’s own TokenSigner', async () => {
      const signer = new TokenSigner(t.app.services.config.JWT_SECRET, -120);
      const { token } = await signer.sign(fed.accounts.admin.id);
      const res = await t.gql(VIEWER, {}, token);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('refuses a correctly signed token from another issuer', async () => {
      const token = await craft({ sub: fed.accounts.admin.id, iss: 'someone-else', iat: now(), exp: now() + 3600 });
      expect(codeOf(await t.gql(VIEWER, {}, token))).toBe('UNAUTHENTICATED');
    });

    it('refuses a correctly signed token without a subject', async () => {
      const token = await craft({ iss: 'gonghui', iat: now(), exp: now() + 3600 });
      expect(codeOf(await t.gql(VIEWER, {}, token))).toBe('UNAUTHENTICATED');
    });

    it('refuses a correctly signed token for an account that does not exist', async () => {
      const token = await craft({ sub: '00000000-0000-4000-8000-000000000000', iss: 'gonghui', iat: now(), exp: now() + 3600 });
      expect(codeOf(await t.gql(VIEWER, {}, token))).toBe('UNAUTHENTICATED');
    });

    it('refuses a correctly signed token whose subject is not an account id, without an internal error', async () => {
      const token = await craft({ sub: "x' or '1'='1", iss: 'gonghui', iat: now(), exp: now() + 3600 });
      const res = await t.gql(VIEWER, {}, token);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('a bad token does not break a login request sent with it', async () => {
      // The login mutation needs no viewer, so a stale token in the client must not stop a fresh sign-in.
      const res = await t.gql(LOGIN, { u: 'wang', p: TEST_PASSWORD }, 'stale.garbage.token');
      expect(res.errors).toBeUndefined();
      expect(res.data.login.token).toEqual(expect.any(String));
    });
  });

  describe('viewer', () => {
    it('is UNAUTHENTICATED without a token', async () => {
      const res = await t.gql(VIEWER);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    });

    it('lists every grant of a staff account and no member id', async () => {
      const res = await t.gql(VIEWER, {}, await t.login('city.finance'));
      expect(res.data.viewer).toEqual({
        accountId: fed.accounts.cityFinance.id,
        username: 'city.finance',
        displayName: 'city.finance',
        memberId: null,
        grants: [{ role: 'FINANCE', organizationId: fed.orgs.city.id }],
      });
    });
  });
});
