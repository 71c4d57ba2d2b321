import { Client } from 'pg';
import { MikroORM, defineConfig, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { DefaultLogger, LogContext } from '@mikro-orm/core';
import { ENTITIES } from './entities';
import type { PersonalDataCipher } from '../members/personal-data.cipher';
import { MIGRATIONS } from './migrations';
import { PLAINTEXT_DROPPED, sealPlaintextPersonalData } from './migrations/seal-personal-data';

/** Counts every SQL statement the ORM sends; tests use it to prove there is no N+1. Never prints parameters. */
export class QueryCounter {
  count = 0;
}

class CountingLogger extends DefaultLogger {
  constructor(options: ConstructorParameters<typeof DefaultLogger>[0], private readonly counter: QueryCounter) {
    super(options);
  }

  /** Counts every statement; formats and prints it only when query debugging was asked for. */
  override logQuery(context: { query: string } & LogContext): void {
    this.counter.count++;
    if (this.isEnabled('query', context)) super.logQuery(context);
  }
}

export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[a-z0-9_]+$/i.test(dbName)) throw new Error('DATABASE_URL must name a database of letters, digits and _');
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    if (!rowCount) {
      try {
        await client.query(`create database "${dbName}"`);
      } catch (error) {
        // Another process created it between our check and our create: that is fine.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const dbName = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${dbName}" with (force)`);
  } finally {
    await client.end();
  }
}

export interface OrmOptions {
  databaseUrl: string;
  debugQueries?: boolean;
  poolMax?: number;
}

export async function createOrm({ databaseUrl, debugQueries = false, poolMax = 10 }: OrmOptions) {
  const queryCounter = new QueryCounter();
  const orm = await MikroORM.init(
    defineConfig({
      driver: PostgreSqlDriver,
      clientUrl: databaseUrl,
      entities: ENTITIES,
      discovery: { disableDynamicFileAccess: true },
      extensions: [Migrator],
      migrations: { migrationsList: MIGRATIONS, transactional: true, allOrNothing: true, snapshot: false, silent: true },
      pool: { min: 0, max: poolMax },
      allowGlobalContext: false,
      forceUtcTimezone: true,
      debug: debugQueries ? ['query'] : false,
      loggerFactory: (options) => new CountingLogger(options, queryCounter),
    }),
  );
  return { orm, queryCounter };
}

export type Orm = MikroORM;

/**
 * Migrations hold a session advisory lock so several API and worker processes can start at once. Personal data
 * is encrypted by the application, not in SQL: when the migration dropping the plaintext columns is pending,
 * the migrations before it run first, then every remaining plaintext row is sealed, then the rest run.
 */
export async function migrate(orm: Orm, databaseUrl: string, cipher: PersonalDataCipher): Promise<void> {
  const lock = new Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(7171001)');
    const migrator = orm.getMigrator();
    const pending = (await migrator.getPendingMigrations()).map((m) => m.name);
    const drop = pending.indexOf(PLAINTEXT_DROPPED);
    if (drop >= 0) {
      if (drop > 0) await migrator.up({ to: pending[drop - 1] });
      await sealPlaintextPersonalData(lock, cipher);
    }
    await migrator.up();
  } finally {
    await lock.query('select pg_advisory_unlock(7171001)').catch(() => undefined);
    await lock.end();
  }
}
