import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { App, bootstrap } from '../../src/app/bootstrap';
import { clearLoginFailures } from '../../src/auth/login-throttle';
import { loadConfig } from '../../src/config/env';
import { dropDatabase } from '../../src/db/orm';
import { obliterateWorkflowQueue } from '../../src/workflow/queue';

const SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgresql://postgres@127.0.0.1:5432';

export interface GqlResult<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface TestApp {
  app: App;
  /** What this instance's configuration was loaded with, over the process environment. */
  overrides: Record<string, string>;
  url: string;
  databaseUrl: string;
  queuePrefix: string;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'test-password-1';

export { productionEnv } from '../../scripts/support/processes';

/**
 * A real API (and, on request, real workers) on a database and queue prefix of its own, so test files run in
 * parallel without seeing each other's rows or jobs.
 */
export async function startTestApp(
  options: {
    workers?: boolean;
    env?: Record<string, string>;
    /** Collects every log line (set LOG_LEVEL in env too). */
    logLines?: string[];
    /** Another PostgreSQL server than the shared one (a test's own, to stop and start). */
    server?: string;
  } = {},
): Promise<TestApp> {
  const suffix = randomBytes(5).toString('hex');
  const databaseUrl = `${options.server ?? SERVER}/gh_test_${suffix}`;
  const queuePrefix = `gh_test_${suffix}`;
  const overrides = {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    QUEUE_PREFIX: queuePrefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  const config = loadConfig(process.env, overrides);
  const lines = options.logLines;
  const app = await bootstrap(config, { api: true, workers: options.workers ?? false, logDestination: lines && { write: (line) => void lines.push(line) } });
  return client(app, overrides, async () => {
    await app.stop();
    await dropDatabase(databaseUrl);
    await obliterateWorkflowQueue(config.REDIS_URL, queuePrefix);
    await clearLoginFailures(config.REDIS_URL, queuePrefix);
  });
}

/**
 * A second API process on the same database and Redis keys as `of` (as in a deployment with several), with
 * `env` on top of its configuration. Closing it stops only this process; `of` still owns the data.
 */
export async function startAnotherInstance(of: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const overrides = { ...of.overrides, ...env };
  const app = await bootstrap(loadConfig(process.env, overrides), { api: true, workers: false });
  return client(app, overrides, () => app.stop());
}

function client(app: App, overrides: Record<string, string>, close: () => Promise<void>): TestApp {
  const url = app.url!;
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlResult<T>> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as Omit<GqlResult<T>, 'status'>;
    return { status: res.status, ...body };
  };

  return {
    app,
    overrides,
    url,
    databaseUrl: app.services.config.DATABASE_URL,
    queuePrefix: app.services.config.QUEUE_PREFIX,
    gql,
    async login(username, password = TEST_PASSWORD) {
      const res = await gql<{ login: { token: string } }>(
        'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
        { u: username, p: password },
      );
      if (!res.data?.login) throw new Error(`login ${username} failed: ${JSON.stringify(res.errors)}`);
      return res.data.login.token;
    },
    close,
  };
}

/** The single error code of a result, for `expect(codeOf(res)).toBe('FORBIDDEN')`. */
export function codeOf(res: GqlResult): string | undefined {
  return res.errors?.[0]?.extensions?.code;
}
