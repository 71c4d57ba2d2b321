import { createLogger } from '../../src/common/logger';
import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TEST_PASSWORD, TestApp } from '../support/harness';

const LOGIN = 'mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
const READ_MEMBER = 'query ReadMember($id: ID!) { member(id: $id) { id nationalId phone } }';
const WRONG_PASSWORD = 'wrong-password-9f8e7d';

/** A POST as a front-end sends it, with its response's headers. */
async function post(t: TestApp, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as { data?: any; errors?: { extensions: Record<string, unknown> }[] } };
}

describe('logs and request ids', () => {
  let t: TestApp;
  let fed: Federation;
  const lines: string[] = [];
  const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logLines: lines });
    fed = await buildFederation(t.app.services.orm.em.fork());
  });
  afterAll(() => t?.close());

  describe('a run of requests with secrets and personal data in them', () => {
    let token: string;
    let nationalId: string;
    let phone: string;

    beforeAll(async () => {
      const login = await post(t, LOGIN, { u: 'admin', p: TEST_PASSWORD });
      token = login.body.data.login.token;
      const read = await post(t, READ_MEMBER, { id: fed.members.wang.id }, { authorization: `Bearer ${token}` });
      ({ nationalId, phone } = read.body.data.member);
      await post(t, LOGIN, { u: 'admin', p: WRONG_PASSWORD });
      await post(t, READ_MEMBER, { id: fed.members.wang.id }, { authorization: `Bearer ${token}x` });
    });

    it('reads the unmasked national id and phone (so the grep below means something)', () => {
      expect(nationalId).toBe(fed.members.wang.plain.nationalId);
      expect(phone).toBe(fed.members.wang.plain.phone);
    });

    it('logs no token, no password, no national id and no phone', () => {
      const output = lines.join('');
      expect(output.length).toBeGreaterThan(0);
      for (const secret of [token, token.split('.')[2], TEST_PASSWORD, WRONG_PASSWORD, nationalId, phone]) expect(output).not.toContain(secret);
    });

    it('logs one JSON line per request: its id, operation, status, duration and viewer', () => {
      const requests = logged().filter((line) => line.msg === 'request');
      expect(requests).toHaveLength(4);
      expect(requests.map((r) => r.operation)).toEqual(['Login', 'ReadMember', 'Login', 'ReadMember']);
      for (const r of requests) {
        expect(r).toMatchObject({ level: 'info', requestId: expect.any(String), method: 'POST', path: '/', route: 'graphql', status: expect.any(Number), durationMs: expect.any(Number) });
      }
      const admin = requests[1].accountId;
      expect(admin).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      expect(requests[0].accountId).toBeUndefined();
      expect(requests[2]).toMatchObject({ errors: ['UNAUTHENTICATED'] });
    });

    it('logs a failed login as a warning naming the username only by its digest', () => {
      const failed = logged().filter((line) => line.msg === 'login failed');
      expect(failed).toEqual([{ level: 'warn', time: expect.any(String), service: 'api', requestId: expect.any(String), msg: 'login failed', usernameDigest: expect.any(String), reason: 'wrong-password' }]);
      expect(JSON.stringify(failed)).not.toContain('admin');
    });
  });

  it('censors secret and personal fields by name, wherever a caller puts them', () => {
    const out: string[] = [];
    const logger = createLogger('info', {}, { write: (line) => void out.push(line) });
    logger.info('careless', { authorization: 'Bearer abc', password: 'p4ss', input: { nationalId: '612501199001010011', phone: '13800000001' }, variables: { x: 1 }, token: 't0k' });
    const line = JSON.parse(out[0]);
    expect(line).toMatchObject({ authorization: '[redacted]', password: '[redacted]', token: '[redacted]', variables: '[redacted]', input: { nationalId: '[redacted]', phone: '[redacted]' } });
  });

  describe('request ids', () => {
    it('answers every request with an x-request-id, the same one its errors and its log line carry', async () => {
      const res = await post(t, READ_MEMBER, { id: fed.members.wang.id });
      expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', requestId: res.requestId });
      expect(logged().find((line) => line.msg === 'request' && line.requestId === res.requestId)).toMatchObject({ status: 200, operation: 'ReadMember' });
    });

    it('keeps a sane incoming X-Request-Id and replaces anything else', async () => {
      const kept = await post(t, '{ __typename }', {}, { 'x-request-id': 'edge-7f3a9c21.1' });
      expect(kept.requestId).toBe('edge-7f3a9c21.1');
      const replaced = await post(t, '{ __typename }', {}, { 'x-request-id': 'no spaces <or> markup, please' });
      expect(replaced.requestId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('names the request in errors refused before GraphQL runs', async () => {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":' });
      const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
      expect(body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', reason: 'MALFORMED_JSON', requestId: res.headers.get('x-request-id') });
    });

    it('names the request on the operator routes too', async () => {
      const res = await fetch(new URL('/healthz', t.url), { headers: { 'x-request-id': 'probe-12345678' } });
      expect(res.headers.get('x-request-id')).toBe('probe-12345678');
    });
  });
});
