import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, bootstrap } from '../../src/app/bootstrap';
import { loadConfig } from '../../src/config/env';
import { MIGRATIONS } from '../../src/db/migrations';
import { sqlOn } from '../support/fixtures';
import { startAnotherInstance, startTestApp, TestApp } from '../support/harness';
import { ThrowawayRedis } from '../support/throwaway';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** GET `path` on `base`, with how long the answer took. */
async function probe(base: string, path: string) {
  const started = Date.now();
  const res = await fetch(new URL(path, base));
  return { status: res.status, body: await res.json(), ms: Date.now() - started, type: res.headers.get('content-type') };
}

/**
 * A PostgreSQL cluster of this test's own, on a free port, so it can be stopped without touching the shared one.
 * PostgreSQL refuses to run as root, so as root its tools run as the postgres user.
 */
async function throwawayPostgres() {
  const version = readdirSync('/usr/lib/postgresql').sort().at(-1)!;
  const bin = (tool: string) => `/usr/lib/postgresql/${version}/bin/${tool}`;
  const asPostgres = (tool: string, args: string[]) =>
    process.getuid?.() === 0 ? run('runuser', ['-u', 'postgres', '--', bin(tool), ...args]) : run(bin(tool), args);
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-ops-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number((await run('id', ['-u', 'postgres'])).stdout), Number((await run('id', ['-g', 'postgres'])).stdout));
  const data = path.join(dir, 'data');
  const port = await freePort();
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const ctl = (...args: string[]) => asPostgres('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), ...args]);
  await ctl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start');
  let running = true;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/gh_ops_readiness`,
    async stop() {
      if (!running) return;
      running = false;
      await ctl('-m', 'immediate', 'stop');
    },
    async remove() {
      await this.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
    let postgres: Awaited<ReturnType<typeof throwawayPostgres>>;
    let app: App;

    beforeAll(async () => {
      postgres = await throwawayPostgres();
      app = await bootstrap(loadConfig(process.env, { ...t.overrides, DATABASE_URL: postgres.url }), { api: true, workers: false });
    }, 120_000);
    afterAll(async () => {
      await app?.stop().catch(() => undefined);
      await postgres?.remove();
    });

    it('is ready while it runs, then unavailable (503, failing postgres) within the check timeout once it is stopped', async () => {
      expect(await probe(app.url!, '/readyz')).toMatchObject({ status: 200, body: { status: 'ok' } });
      await postgres.stop();
      const res = await probe(app.url!, '/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'unavailable', failing: ['postgres'] });
      expect(res.ms).toBeLessThan(2500);
      expect((await probe(app.url!, '/healthz')).status).toBe(200);
    });
  });
});
