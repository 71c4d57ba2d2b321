import { z } from 'zod';

const DEV_JWT_SECRET = 'gonghui-development-secret-do-not-use-in-production';

/** Development and test only: fixed keys, so demo data and test fixtures decrypt across restarts. */
const DEV_PII_KEYS = 'dev1:n/d595IGR2ef06haGJq0liXadg5/DlCDgARvYAkChIA=';
const DEV_PII_INDEX_KEY = 'qeJc/VYCC5bJbXS29UE+tZiOC9LC37GtFxWyjCQC+NM=';

const durationMs = z.coerce.number().int().positive();

/** A base64 key of exactly 32 bytes, or a message saying what is wrong with it. */
function key32(value: string): Buffer | string {
  const key = Buffer.from(value, 'base64');
  return key.length === 32 && key.toString('base64') === value ? key : 'must be 32 bytes in base64';
}

/** `k1:<base64>,k2:<base64>` → key id → key; the ids go into every ciphertext, so old ones keep decrypting. */
function parsePiiKeys(value: string): Map<string, Buffer> | string {
  const keys = new Map<string, Buffer>();
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [id, material] = entry.split(/:(.*)/s, 2) as [string, string | undefined];
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(id) || material === undefined) return 'each entry is <key id>:<base64 key>, ids of letters, digits, _ or -';
    if (keys.has(id)) return `key id ${id} is listed twice`;
    const key = key32(material);
    if (typeof key === 'string') return `key ${id} ${key}`;
    keys.set(id, key);
  }
  return keys.size ? keys : 'lists no key';
}

/** The personal-data keys, development defaults filled in; undefined after reporting what is wrong. */
function piiKeyRing(env: { PII_KEYS?: string; PII_ACTIVE_KEY_ID?: string; PII_INDEX_KEY?: string }, dev: boolean, issue: (path: string, message: string) => void) {
  const rawKeys = env.PII_KEYS ?? (dev ? DEV_PII_KEYS : undefined);
  const rawIndexKey = env.PII_INDEX_KEY ?? (dev ? DEV_PII_INDEX_KEY : undefined);
  const keys = rawKeys === undefined ? 'required in production' : parsePiiKeys(rawKeys);
  const indexKey = rawIndexKey === undefined ? 'required in production' : key32(rawIndexKey);
  if (typeof keys === 'string') issue('PII_KEYS', keys);
  if (typeof indexKey === 'string') issue('PII_INDEX_KEY', indexKey);
  if (typeof keys === 'string' || typeof indexKey === 'string') return undefined;
  // The last listed key encrypts unless another is named: rotating is appending a key.
  const activeKeyId = env.PII_ACTIVE_KEY_ID ?? [...keys.keys()].at(-1)!;
  if (!keys.has(activeKeyId)) return void issue('PII_ACTIVE_KEY_ID', 'must be one of the key ids in PII_KEYS');
  if ([...keys.values()].some((k) => k.equals(indexKey))) return void issue('PII_INDEX_KEY', 'must differ from every key in PII_KEYS');
  return { PII_KEYS: keys as ReadonlyMap<string, Buffer>, PII_ACTIVE_KEY_ID: activeKeyId, PII_INDEX_KEY: indexKey };
}

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/gonghui'),
    /**
     * The owner's connection, for creating the database, migrating and granting: then DATABASE_URL names the
     * application's own role, which may not change or delete history or ledger rows nor alter any table.
     */
    MIGRATION_DATABASE_URL: z.string().url().optional(),
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
    /** System steps' effects a process runs at once itself, right after the transition that reached them; 0 leaves them all to the workers. */
    EAGER_EFFECTS: z.coerce.number().int().min(0).max(200).default(8),
    /** Attempts BullMQ makes at a job before it fails for good and becomes failed work. */
    JOB_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** The reconciler: how often it looks for lost and failed work, how long past due a job may be before it counts as lost, the first retry back-off. */
    RECONCILE_PERIOD_MS: durationMs.default(5000),
    RECONCILE_GRACE_MS: durationMs.default(30_000),
    FAILED_WORK_RETRY_MS: durationMs.default(60_000),
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
    PII_KEYS: z.string().min(1).optional(),
    PII_ACTIVE_KEY_ID: z.string().min(1).optional(),
    PII_INDEX_KEY: z.string().min(1).optional(),
    /** /healthz, /readyz and /metrics on a port of their own (also in a worker-only process); /metrics then leaves the API port. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** When set, /metrics asks for "Authorization: Bearer <METRICS_TOKEN>". Production serves /metrics only with this or METRICS_PORT. */
    METRICS_TOKEN: z.string().min(16).optional(),
    /** The bull-board queue dashboard at /admin/queues on the API port, for administrators. */
    QUEUE_DASHBOARD: z.stringbool().default(true),
  })
  .transform((env, ctx) => {
    const dev = env.NODE_ENV !== 'production';
    const jwtSecret = env.JWT_SECRET ?? (dev ? DEV_JWT_SECRET : undefined);
    if (!jwtSecret) ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'required in production (at least 32 characters)' });
    const pii = piiKeyRing(env, dev, (path, message) => ctx.addIssue({ code: 'custom', path: [path], message }));
    if (!jwtSecret || !pii) return z.NEVER;
    return { ...env, JWT_SECRET: jwtSecret, ...pii };
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
