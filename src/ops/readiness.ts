import { once } from 'node:events';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import type { Orm } from '../db/orm';
import { MIGRATIONS } from '../db/migrations';
import { runSql } from '../db/sql';
import { withTimeout } from './timeout';

export type Dependency = 'postgres' | 'migrations' | 'redis';

export interface ReadinessReport {
  ready: boolean;
  failing: Dependency[];
}

/** Each dependency gets this long to answer; a probe must answer well within a load balancer's timeout. */
const CHECK_TIMEOUT_MS = 1000;

/**
 * Whether this process can do its work: PostgreSQL answers and has every migration this build knows, and each
 * Redis connection the process relies on (the queue for workers and the dashboard, the login counters for the
 * API) is up and answers. Checks run in parallel, each bounded, and read no data.
 */
export class Readiness {
  private readonly redis: Redis[] = [];

  constructor(private readonly orm: Orm) {}

  dependOnRedis(connection: Redis): this {
    this.redis.push(connection);
    return this;
  }

  async check(): Promise<ReadinessReport> {
    const [database, redis] = await Promise.all([
      withTimeout(this.appliedMigrations(), CHECK_TIMEOUT_MS).then(
        (applied) => (MIGRATIONS.every((m) => applied.has(m.name)) ? [] : (['migrations'] as const)),
        () => ['postgres'] as const,
      ),
      Promise.all(this.redis.map((connection) => withTimeout(answers(connection), CHECK_TIMEOUT_MS))).then(
        () => [],
        () => ['redis'] as const,
      ),
    ]);
    const failing: Dependency[] = [...database, ...redis];
    return { ready: failing.length === 0, failing };
  }

  private async appliedMigrations(): Promise<Set<string>> {
    const table = this.orm.config.get('migrations').tableName ?? 'mikro_orm_migrations';
    const { rows } = await runSql<{ name: string }>(this.orm.em.fork() as EntityManager, `select name from ${table}`);
    return new Set(rows.map((r) => r.name));
  }
}

/**
 * A connection that is not up is waited for (within the timeout) rather than sent a PING: the command would
 * stay in the offline queue of a client that retries forever, one more for every probe during an outage.
 */
async function answers(connection: Redis): Promise<void> {
  if (connection.status !== 'ready') await once(connection, 'ready', { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  await connection.ping();
}
