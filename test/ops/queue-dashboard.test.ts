import { buildFederation, Federation } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { eventually } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id } }`;
/** The grassroots step's reminder, two days after it opens, comes forty seconds after: near enough to be in the queue. */
const TIME_SCALE = String(40 / (2 * 24 * 3600));

describe('queue dashboard (/admin/queues)', () => {
  let t: TestApp;
  let fed: Federation;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ workers: true, env: { WORKFLOW_TIME_SCALE: TIME_SCALE } });
    fed = await buildFederation(t.app.services.orm.em.fork());
    admin = await t.login('admin');
  });
  afterAll(() => t?.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, t.url), { headers, redirect: 'manual' });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses a request without a token with 401', async () => {
    const res = await get('/admin/queues/');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.stringContaining('Sign in') });
  });

  it('refuses a bad token with 401', async () => {
    expect((await get('/admin/queues/', bearer('not-a-token'))).status).toBe(401);
    expect((await get('/admin/queues/api/queues', bearer(`${admin}x`))).status).toBe(401);
  });

  it('refuses an account without ADMIN with 403, even one with every other staff role', async () => {
    for (const name of ['wang', 'city.approver', 'danfeng.auditor']) {
      const res = await get('/admin/queues/api/queues', bearer(await t.login(name)));
      expect(res.status).toBe(403);
    }
  });

  it('serves the board in Chinese to an administrator', async () => {
    const res = await get('/admin/queues/', bearer(admin));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    expect(html).toContain('"locale":{"lng":"zh-CN"}');
    const messages = await get('/admin/queues/static/locales/zh-CN/messages.json', bearer(admin));
    expect(messages.status).toBe(200);
    expect(await messages.text()).toMatch(/[\u4e00-\u9fff]/);
  });

  it('opens in a browser through /login?token=…, which sets a short-lived cookie scoped to the dashboard', async () => {
    const login = await get(`/admin/queues/login?token=${encodeURIComponent(admin)}`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/admin/queues/');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^gh_queues=[^;]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/);
    const session = cookie.split(';')[0];
    expect(session).not.toContain(admin);
    expect((await get('/admin/queues/api/queues', { cookie: session })).status).toBe(200);
    // The cookie is no API token.
    const asToken = await t.gql('{ members(first: 1) { totalCount } }', {}, session.slice('gh_queues='.length));
    expect(asToken.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // And a non-administrator's token opens no session.
    expect((await get(`/admin/queues/login?token=${await t.login('city.approver')}`)).status).toBe(403);
  });

  it("shows jobs that carry ids only: no member's national id or phone in the jobs API", async () => {
    const wang = await t.login('wang');
    const applied = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 300_000, reason: '家中突发重病，生活困难' } }, wang);
    expect(applied.errors).toBeUndefined();
    // The step's reminder waits in the queue as a delayed job.
    const body = await eventually(async () => {
      const res = await get('/admin/queues/api/queues?activeQueue=workflow&status=delayed&page=1&jobsPerPage=50', bearer(admin));
      expect(res.status).toBe(200);
      const json = (await res.json()) as { queues: { name: string; jobs: { data: unknown }[] }[] };
      return json.queues.find((q) => q.name === 'workflow')?.jobs.length ? json : undefined;
    }, 15000, 'delayed jobs on the dashboard');
    const text = JSON.stringify(body);
    expect(text).toContain('instanceId');
    expect(text).not.toContain(fed.members.wang.plain.nationalId);
    expect(text).not.toContain(fed.members.wang.plain.phone);
    expect(text).not.toContain(fed.members.wang.name);
  });

  it('is served by an API process without workers too, from a queue it opens for the dashboard', async () => {
    const apiOnly = await startAnotherInstance(t);
    try {
      const res = await fetch(new URL('/admin/queues/api/queues', apiOnly.url), { headers: bearer(admin) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { queues: { name: string }[] }).queues.map((q) => q.name)).toEqual(['workflow']);
    } finally {
      await apiOnly.close();
    }
  });

  it('is not served when QUEUE_DASHBOARD is false', async () => {
    const without = await startAnotherInstance(t, { QUEUE_DASHBOARD: 'false' });
    try {
      const res = await fetch(new URL('/admin/queues/', without.url), { headers: bearer(admin) });
      expect(res.status).not.toBe(200);
    } finally {
      await without.close();
    }
  });
});
