import { App, bootstrap } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/config/env';
import { MIGRATIONS } from '../../src/db/migrations';
import { sqlOn } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { freePort, ThrowawayPostgres, ThrowawayRedis } from '../support/throwaway';

/** GET `path` on `base`, with how long the answer took. */
async function probe(base: string, path: string) {
  const started = Date.now();
  const res = await fetch(new URL(path, base));
  return { status: res.status, body: await res.json(), ms: Date.now() - started, type: res.headers.get('content-type') };
}

describe('health and readiness', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('answers /healthz with 200 {"status":"ok"} and no authentication', async () => {
    const res = await probe(t.url, '/healthz');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/json/);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when PostgreSQL, every migration and Redis are there', async () => {
    const res = await probe(t.url, '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('refuses anything but GET on the probes', async () => {
    const res = await fetch(new URL('/readyz', t.url), { method: 'POST' });
    expect(res.status).toBe(405);
  });

  it('is unavailable (503, failing migrations) while a migration of this build is not recorded', async () => {
    const sql = sqlOn(t);
    const last = MIGRATIONS.at(-1)!.name;
    const [row] = await sql('delete from mikro_orm_migrations where name = ? returning name, executed_at', [last]);
    try {
      const res = await probe(t.url, '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', failing: ['migrations'] });
    } finally {
      await sql('insert into mikro_orm_migrations (name, executed_at) values (?, ?)', [row.name, row.executed_at]);
    }
    expect((await probe(t.url, '/readyz')).status).toBe(200);
  });

  describe('when Redis does not answer', () => {
    let noRedis: TestApp;

    beforeAll(async () => {
      // Nothing listens on this port: the API starts, and logins fall back to counting in memory.
      noRedis = await startAnotherInstance(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    });
    afterAll(() => noRedis?.close());

    it('keeps an API ready: it serves without Redis', async () => {
      const res = await probe(noRedis.url, '/readyz');
      expect(res).toMatchObject({ status: 200, body: { status: 'ok' } });
      expect((await probe(noRedis.url, '/healthz')).status).toBe(200);
    });

    it('makes a worker unavailable: 503 failing redis, within the check timeout, while /healthz stays 200', async () => {
      const redis = await ThrowawayRedis.start();
      const worker = await bootstrap(loadConfig(process.env, { ...t.overrides, REDIS_URL: redis.url, METRICS_PORT: '0' }), { api: false, workers: true });
      try {
        expect((await probe(worker.opsUrl!, '/readyz')).status).toBe(200);
        await redis.kill();
        const res = await probe(worker.opsUrl!, '/readyz');
        expect(res.status).toBe(503);
        expect(res.body).toEqual({ status: 'unavailable', failing: ['redis'] });
        expect(res.ms).toBeLessThan(2500);
        expect((await probe(worker.opsUrl!, '/healthz')).status).toBe(200);
      } finally {
        await worker.stop();
      }
    });
  });

  describe('when PostgreSQL stops', () => {
    let postgres: ThrowawayPostgres;
    let app: App;

    beforeAll(async () => {
      postgres = await ThrowawayPostgres.start();
      app = await bootstrap(loadConfig(process.env, { ...t.overrides, DATABASE_URL: `${postgres.server}/gh_ops_readiness` }), { api: true, workers: false });
    }, 120_000);
    afterAll(async () => {
      await app?.stop().catch(() => undefined);
      postgres?.destroy();
    });

    it('is ready while it runs, then unavailable (503, failing postgres) within the check timeout once it is stopped', async () => {
      expect(await probe(app.url!, '/readyz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      postgres.stopServer();
      const res = await probe(app.url!, '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', failing: ['postgres'] });
      expect(res.ms).toBeLessThan(2500);
      expect((await probe(app.url!, '/healthz')).status).toBe(200);
    });
  });
});
