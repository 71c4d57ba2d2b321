import { freePort } from '../support/throwaway';
import { buildFederation } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TEST_PASSWORD, TestApp } from '../support/harness';

const LOGIN = 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }';
const PER_USERNAME = 3;
const PER_ADDRESS = 8;

interface LoginResult {
  status: number;
  retryAfter: string | null;
  data?: { login: { token: string } | null } | null;
  errors?: { message: string; path?: string[]; extensions: Record<string, unknown> }[];
}

/** A login as sent through a proxy that forwards for `from` (honoured only where TRUST_PROXY is set). */
async function login(app: TestApp, username: string, password: string, from?: string): Promise<LoginResult> {
  const res = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': `203.0.113.99, ${from}` } : {}) },
    body: JSON.stringify({ query: LOGIN, variables: { u: username, p: password } }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), ...((await res.json()) as object) };
}
const fail = (app: TestApp, username: string, from?: string) => login(app, username, 'not-the-password', from);

const expectRefused = (res: LoginResult) => {
  expect(res.status).toBe(200);
  expect(res.errors?.[0]).toMatchObject({ message: 'Wrong username or password', extensions: { code: 'UNAUTHENTICATED' } });
};

const expectThrottled = (res: LoginResult) => {
  expect(res.status).toBe(429);
  expect(res.data).toBeNull();
  expect(res.errors).toHaveLength(1);
  expect(res.errors![0]).toMatchObject({
    message: 'Too many failed sign-ins; try again later',
    path: ['login'],
    extensions: { code: 'TOO_MANY_REQUESTS', reason: 'LOGIN_THROTTLED', retryAfterSeconds: expect.any(Number) },
  });
  const seconds = res.errors![0].extensions.retryAfterSeconds as number;
  expect(seconds).toBeGreaterThan(0);
  expect(seconds).toBeLessThanOrEqual(900);
  expect(res.retryAfter).toBe(String(seconds));
};

/** The error without the seconds left, which differ from one throttled key to another, nor the request's id. */
const shape = (res: LoginResult) => ({
  status: res.status,
  errors: res.errors?.map(({ message, path, extensions: { retryAfterSeconds, requestId, ...extensions } }) => ({
    message,
    path,
    extensions,
    retryAfter: typeof retryAfterSeconds,
    requestId: typeof requestId,
  })),
});

describe('login throttling', () => {
  let t: TestApp;
  let other: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOGIN_MAX_FAILURES_PER_USERNAME: String(PER_USERNAME), LOGIN_MAX_FAILURES_PER_ADDRESS: String(PER_ADDRESS), TRUST_PROXY: 'true' },
    });
    await buildFederation(t.app.services.orm.em.fork());
    // A second API process on the same database and Redis, the way a deployment runs several; it trusts no proxy.
    other = await startAnotherInstance(t, { TRUST_PROXY: 'false' });
  });
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it(`refuses the next login after ${PER_USERNAME} failures for a username, even with the right password`, async () => {
    // "wang", "Wang" and " wang " are one username to a guesser: one counter.
    for (const name of ['wang', 'Wang', ' wang ']) expectRefused(await fail(t, name, '10.0.1.1'));
    expectThrottled(await login(t, 'wang', TEST_PASSWORD, '10.0.1.1'));
    expectThrottled(await login(t, 'wang', TEST_PASSWORD, '10.0.1.2'));

    // Another username from the same address still signs in: the address is far from its own limit.
    const li = await login(t, 'longfeng.approver', TEST_PASSWORD, '10.0.1.1');
    expect(li.errors).toBeUndefined();
    expect(li.data?.login?.token).toEqual(expect.any(String));
  });

  it(`refuses any login from an address after ${PER_ADDRESS} failures across usernames, and only from that address`, async () => {
    for (let i = 0; i < PER_ADDRESS; i++) expectRefused(await fail(t, `guess-${i}`, '10.0.2.1'));
    expectThrottled(await login(t, 'danfeng.approver', TEST_PASSWORD, '10.0.2.1'));

    const elsewhere = await login(t, 'danfeng.approver', TEST_PASSWORD, '10.0.2.2');
    expect(elsewhere.errors).toBeUndefined();
    expect(elsewhere.data?.login?.token).toEqual(expect.any(String));
  });

  it('starts counting a username afresh after a successful login', async () => {
    for (let i = 0; i < PER_USERNAME - 1; i++) expectRefused(await fail(t, 'city.finance', '10.0.3.1'));
    expect((await login(t, 'city.finance', TEST_PASSWORD, '10.0.3.1')).errors).toBeUndefined();

    // Without the reset the next failure would already be over the limit.
    for (let i = 0; i < PER_USERNAME; i++) expectRefused(await fail(t, 'city.finance', '10.0.3.1'));
    expectThrottled(await login(t, 'city.finance', TEST_PASSWORD, '10.0.3.1'));
  });

  it('shares the counters between API processes', async () => {
    expectRefused(await fail(t, 'danfeng.finance', '10.0.4.1'));
    expectRefused(await fail(other, 'danfeng.finance'));
    expectRefused(await fail(t, 'danfeng.finance', '10.0.4.2'));

    expectThrottled(await login(other, 'danfeng.finance', TEST_PASSWORD));
    expectThrottled(await login(t, 'danfeng.finance', TEST_PASSWORD, '10.0.4.3'));
  });

  it('throttles unknown usernames too, answering exactly as for an existing account', async () => {
    const wrongPassword = await fail(t, 'shangnan.approver', '10.0.5.1');
    // One username whether its é is one code point or e plus a combining accent, and whatever its case.
    for (const name of ['jos\u00e9', 'jose\u0301', 'JOS\u00c9']) {
      const unknown = await fail(t, name, '10.0.5.1');
      expect(shape(unknown)).toEqual(shape(wrongPassword));
    }
    const unknownThrottled = await login(t, 'jos\u00e9', TEST_PASSWORD, '10.0.5.2');
    expectThrottled(unknownThrottled);

    for (let i = 1; i < PER_USERNAME; i++) await fail(t, 'shangnan.approver', '10.0.5.1');
    const knownThrottled = await login(t, 'shangnan.approver', TEST_PASSWORD, '10.0.5.2');
    expect(shape(unknownThrottled)).toEqual(shape(knownThrottled));
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set', async () => {
    // `other` trusts no proxy: these come from 127.0.0.1 whatever they claim, so they fill one address's budget.
    const answers: LoginResult[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) answers.push(await fail(other, `spoofer-${i}`, `198.51.100.${i + 1}`));
    expect(answers.every((res) => res.errors?.[0].extensions.code === 'UNAUTHENTICATED' || res.status === 429)).toBe(true);
    expectThrottled(await login(other, 'longfeng.finance', TEST_PASSWORD, '198.51.100.200'));
  });

  it('keeps throttling, per process, and keeps signing in when Redis is unreachable', async () => {
    const offline = await startAnotherInstance(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    try {
      for (let i = 0; i < PER_USERNAME; i++) expectRefused(await fail(offline, 'city.approver', '10.0.6.1'));
      expectThrottled(await login(offline, 'city.approver', TEST_PASSWORD, '10.0.6.1'));

      const admin = await login(offline, 'admin', TEST_PASSWORD, '10.0.6.1');
      expect(admin.errors).toBeUndefined();
      expect(admin.data?.login?.token).toEqual(expect.any(String));
    } finally {
      await offline.close();
    }
    // Counted in that process's memory only: the shared counters never saw those failures.
    expect((await login(t, 'city.approver', TEST_PASSWORD, '10.0.6.2')).errors).toBeUndefined();
  });
});
