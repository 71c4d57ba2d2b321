import { z } from 'zod';

const DEV_JWT_SECRET = 'gonghui-development-secret-do-not-use-in-production';

const durationMs = z.coerce.number().int().positive();

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/gonghui'),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]{1,40}$/i).default('gonghui'),
    JWT_SECRET: z.string().min(32).optional(),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(8 * 3600),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    /** Set in tests and dev to shorten every workflow deadline: a step's deadline is multiplied by this factor. */
    WORKFLOW_TIME_SCALE: z.coerce.number().positive().max(1).default(1),
    WORKFLOW_DEFINITIONS_DIR: z.string().min(1).optional(),
    OUTBOX_POLL_MS: durationMs.default(200),
    /** On SIGTERM/SIGINT: how long in-flight requests and jobs may take to finish before the process exits anyway. */
    SHUTDOWN_GRACE_MS: durationMs.default(10_000),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(20),
    /** Failed logins allowed per window, counted in Redis across every API process (keys under QUEUE_PREFIX). */
    LOGIN_MAX_FAILURES_PER_USERNAME: z.coerce.number().int().min(1).default(5),
    LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(50),
    LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
    /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry (the proxy's). */
    TRUST_PROXY: z.stringbool().default(false),
    /** Limits on one GraphQL operation, checked before anything runs (src/graphql/limits.ts). */
    GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(12),
    GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).max(1000).default(30),
    GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1000).default(20),
    GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).max(100_000).default(2000),
    GRAPHQL_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(5000),
  })
  .transform((env, ctx) => {
    const jwtSecret = env.JWT_SECRET ?? (env.NODE_ENV === 'production' ? undefined : DEV_JWT_SECRET);
    if (!jwtSecret) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required in production (at least 32 characters)' });
      return z.NEVER;
    }
    return { ...env, JWT_SECRET: jwtSecret };
  });

export type AppConfig = z.output<typeof envSchema>;

export class ConfigError extends Error {}

/** Parses the environment once; throws a readable error listing every bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<string, string>> = {}): AppConfig {
  const result = envSchema.safeParse({ ...source, ...overrides });
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
