import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrap, type App } from '../../src/app/bootstrap';
import { projectRoot } from '../../src/common/project-root';
import { loadConfig } from '../../src/config/env';
import { dropDatabase } from '../../src/db/orm';
import { PersonalDataCipher } from '../../src/members/personal-data.cipher';
import { obliterateWorkflowQueue } from '../../src/workflow/queue';
import { DEFAULT_SEED, seedDatabase } from '../../seeds/run';
import { GraphqlClient } from './graphql-client';
import { freePort } from './processes';

/** A benchmark's own deployment: the demo data in a database of its own, the API and a worker as processes. */
export interface BenchDeployment {
  /** The services in the benchmark's own process (no HTTP, no workers), to file subjects directly. */
  services: App['services'];
  sql(query: string, params?: unknown[]): Promise<any[]>;
  client: GraphqlClient;
  /** The API's and the worker's process ids, to read their CPU from /proc. */
  pids: { api: number; worker: number };
  stop(): Promise<void>;
}

/**
 * Seeds `database` (dropped first) with the demo data and starts `dist/src/main.js` and `dist/src/worker.js` on
 * it under a queue prefix of its own, as in production, so the load generator does not share their event loop.
 */
export async function startBenchDeployment(database: string, { startTimeoutMs = 90_000 } = {}): Promise<BenchDeployment> {
  const base = loadConfig();
  const target = new URL(base.DATABASE_URL);
  target.pathname = `/${database}`;
  const databaseUrl = target.toString();
  const queuePrefix = `gh_${database}_${Date.now()}`;
  await dropDatabase(databaseUrl);
  await seedDatabase(databaseUrl, 'demo', DEFAULT_SEED, { cipher: PersonalDataCipher.fromConfig(base) });
  const local = await bootstrap(loadConfig(process.env, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', QUEUE_PREFIX: queuePrefix }), { api: false, workers: false });
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), QUEUE_PREFIX: queuePrefix, LOG_LEVEL: 'warn' };
  const children: ChildProcess[] = ['main.js', 'worker.js'].map((entry) =>
    // The children get this process's node flags too (e.g. --cpu-prof to profile all three).
    spawn(process.execPath, [...process.execArgv, join(projectRoot(), 'dist', 'src', entry)], { env, stdio: ['ignore', 'inherit', 'inherit'] }),
  );
  const client = new GraphqlClient(`http://127.0.0.1:${port}/`);
  const stop = async () => {
    client.close();
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await local.stop();
    await dropDatabase(databaseUrl);
    await obliterateWorkflowQueue(base.REDIS_URL, queuePrefix);
  };
  try {
    // Generous: on a loaded machine the two processes take a while to start.
    await client.waitUntilServing(startTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    services: local.services,
    sql: (q, p = []) => local.services.orm.em.fork().getConnection().execute(q, p),
    client,
    pids: { api: children[0]!.pid!, worker: children[1]!.pid! },
    stop,
  };
}
