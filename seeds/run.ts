/**
 * Seeds a database with demo or full-size data.
 *
 *   node dist/seeds/run.js --size demo|full [--seed 42] [--reset]
 *
 * DATABASE_URL comes from the environment (loadConfig); the database is created and migrated if needed.
 */
import 'reflect-metadata';
import { helpRequested } from '../src/common/cli';
import { bootstrap } from '../src/app/bootstrap';
import { type AppConfig, loadConfig } from '../src/config/env';
import { createOrm, ensureDatabase, migrate } from '../src/db/orm';
import { grantApplicationRole } from '../src/db/roles';
import { PersonalDataCipher } from '../src/members/personal-data.cipher';
import { type DemoLogin, type SeedSize, generate, summarize } from './generator';
import { putWorkInFlight } from './in-flight';
import { type LoadResult, loadSeed } from './loader';

export interface SeedOptions {
  /** Seals national ids and phones; the app must be configured with the same keys to open them. */
  cipher: PersonalDataCipher;
  reset?: boolean;
  /**
   * The app's configuration: given, the demo seed also puts work in flight at every human step of the three
   * workflows, through the app's own services (the full seed never does: its data is for benchmarks).
   */
  app?: AppConfig;
  /** Told each step as it starts (the full seed takes a while). */
  progress?: (step: string) => void;
}

export interface SeedResult {
  counts: LoadResult;
  /** Workflow instances filed and moved on through the engine. */
  inFlight: number;
  migrantWorkers: number;
  generateMs: number;
  loadMs: number;
  elapsedMs: number;
  logins: DemoLogin[];
}

export const DEFAULT_SEED = 42;

/** Creates and migrates the database if needed, then generates and loads the data set. */
export async function seedDatabase(
  databaseUrl: string,
  size: SeedSize,
  seed: number,
  { cipher, reset = false, progress = () => undefined, app }: SeedOptions,
): Promise<SeedResult> {
  const started = Date.now();
  progress('migrating');
  await ensureDatabase(databaseUrl);
  const { orm } = await createOrm({ databaseUrl, poolMax: 2 });
  try {
    await migrate(orm, databaseUrl, cipher);
    if (app?.MIGRATION_DATABASE_URL) await grantApplicationRole(databaseUrl, app.DATABASE_URL);
    const t0 = Date.now();
    progress(`generating the ${size} data set`);
    const data = generate(size, seed);
    const t1 = Date.now();
    progress(`loading ${data.organizations.length} organisations and ${data.members.length} members (national ids and phones encrypted as they go)`);
    const counts = await loadSeed(orm, data, { cipher, reset });
    const t2 = Date.now();
    let inFlight = 0;
    if (app && size === 'demo') {
      progress('filing applications, expenses and nominations and deciding their first steps, through the engine');
      // No HTTP and no queue workers: the seeder runs the workers' handlers itself, so no Redis is needed.
      // With MIGRATION_DATABASE_URL the data was written as the owner; the engine runs as the application does, as its own role.
      const engineUrl = app.MIGRATION_DATABASE_URL ? app.DATABASE_URL : databaseUrl;
      const booted = await bootstrap({ ...app, DATABASE_URL: engineUrl, LOG_LEVEL: app.LOG_LEVEL === 'info' ? 'warn' : app.LOG_LEVEL }, { api: false, workers: false });
      try {
        inFlight = (await putWorkInFlight(booted, data)).instances;
      } finally {
        await booted.stop();
      }
    }
    return {
      counts,
      inFlight,
      migrantWorkers: summarize(data).migrantWorkers,
      generateMs: t1 - t0,
      loadMs: t2 - t1,
      elapsedMs: Date.now() - started,
      logins: data.logins,
    };
  } finally {
    await orm.close(true);
  }
}

/** A plain-text table of the demo logins. */
export function formatLogins(logins: DemoLogin[]): string {
  const header = ['username', 'password', 'role', 'organisation'];
  const rows = logins.map((l) => [l.username, l.password, l.roles, l.organization]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

interface CliArgs {
  size: SeedSize;
  seed: number;
  reset: boolean;
}

const USAGE = 'usage: node dist/seeds/run.js --size demo|full [--seed 42] [--reset]';

export function parseArgs(argv: string[]): CliArgs {
  let size: string | undefined;
  let seed = DEFAULT_SEED;
  let reset = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--size') size = value();
    else if (flag === '--seed') {
      const raw = value();
      seed = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(seed)) throw new Error(`--seed must be a non-negative integer, got "${raw}"\n${USAGE}`);
    } else if (flag === '--reset') reset = true;
    else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  if (size !== 'demo' && size !== 'full') throw new Error(`--size must be demo or full${size ? `, got "${size}"` : ''}\n${USAGE}`);
  return { size, seed, reset };
}

async function main(): Promise<void> {
  helpRequested(process.argv.slice(2), `${USAGE}\n\nDATABASE_URL names the database; it is created and migrated if needed (as MIGRATION_DATABASE_URL's owner when set, who then loads the data). --reset empties it first.`);
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const safeUrl = (config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL).replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  console.log(`Seeding ${safeUrl} with the ${args.size} data set (seed ${args.seed}${args.reset ? ', reset' : ''})…`);
  const started = Date.now();
  const progress = (step: string) => console.log(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s  ${step}…`);
  // The owner loads the data (a reset empties the append-only tables, which only the owner may).
  const result = await seedDatabase(config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, args.size, args.seed, { cipher: PersonalDataCipher.fromConfig(config), reset: args.reset, progress, app: config });
  const c = result.counts;
  console.log(
    [
      `organisations      ${c.organizations}`,
      `members            ${c.members} (migrant workers ${result.migrantWorkers})`,
      `honours            ${c.honours}`,
      `funds              ${c.funds}`,
      `ledger entries     ${c.ledgerEntries}`,
      `accounts           ${c.accounts} (role assignments ${c.roleAssignments})`,
      `award quotas       ${c.awardQuotas}`,
      `work in flight     ${result.inFlight} workflow instances`,
      `time               ${(result.elapsedMs / 1000).toFixed(1)} s (generate ${(result.generateMs / 1000).toFixed(1)} s, load ${(result.loadMs / 1000).toFixed(1)} s)`,
    ].join('\n'),
  );
  console.log(`\nDemo logins (every password: ${result.logins[0]?.password ?? '-'}):\n${formatLogins(result.logins)}`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const e = error as { message?: string; code?: string; errors?: { message?: string }[] };
      // Connection failures arrive as an AggregateError with an empty message: show the underlying causes.
      const message = e?.message || e?.errors?.map((x) => x.message).join('; ') || e?.code || String(error);
      console.error(`seed failed: ${message}`);
      process.exit(1);
    },
  );
}
