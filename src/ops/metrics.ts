import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { safeError, type Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import { runSql } from '../db/sql';
import type { WorkflowQueue } from '../workflow/queue';
import { withTimeout } from './timeout';

const PREFIX = 'gonghui_';
/** Seconds; from a cached read to a slow report. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Operation names are the client's to choose: past this many distinct ones, the rest share one label. */
const MAX_OPERATION_NAMES = 200;
/** A scrape waits at most this long for SQL or Redis; a gauge it could not read is left out of that scrape. */
const SCRAPE_TIMEOUT_MS = 1000;

/**
 * This process's Prometheus metrics, in a registry of its own (tests run several apps in one process). Counters
 * and histograms are recorded as things happen; the backlog gauges (outbox, open and overdue tasks, queue) are
 * read from PostgreSQL and Redis when Prometheus scrapes, so they are right whichever process did the work.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly httpDuration = new Histogram({
    name: `${PREFIX}http_request_duration_seconds`,
    help: 'HTTP requests by route (graphql, healthz, readyz, metrics, admin), GraphQL operation name and status',
    labelNames: ['route', 'operation', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: `${PREFIX}graphql_operation_duration_seconds`,
    help: 'GraphQL operations from parsing to the response, by operation name and type',
    labelNames: ['operation', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: `${PREFIX}graphql_errors_total`,
    help: 'Errors answered to clients, by extensions.code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: `${PREFIX}workflow_decisions_total`,
    help: 'Acts that moved a workflow (decide, castVote, withdraw, resubmit, object), by workflow and action',
    labelNames: ['workflow', 'action'] as const,
    registers: [this.registry],
  });

  readonly eagerEffects = new Counter({
    name: `${PREFIX}eager_effects_total`,
    help: 'System steps\' effects taken by the process that reached them: ran there, or handed to the workers (failed, at EAGER_EFFECTS or stopping)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: `${PREFIX}job_duration_seconds`,
    help: 'Workflow queue jobs handled by this process, by job name and outcome (completed, failed)',
    labelNames: ['job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  readonly jobFailures = new Counter({
    name: `${PREFIX}job_failures_total`,
    help: 'Failed attempts of workflow queue jobs, by job name (BullMQ retries them with backoff)',
    labelNames: ['job'] as const,
    registers: [this.registry],
  });

  constructor(private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
  }

  /** The operation's label: its name if it is a plain one and there are not too many already. */
  operationLabel(name: string | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** What the reconciler repaired since this process started: lost jobs sent again, failures recorded, failed work retried. */
  watchReconciler(reconciler: { repaired: Record<'resent' | 'failed' | 'retried', number> }): void {
    this.gauge('reconciler_repairs', 'Obligations the reconciler repaired since start, by kind', ['kind'], async (g) => {
      for (const [kind, n] of Object.entries(reconciler.repaired)) g.set({ kind }, n);
    });
  }

  /** The outbox's depth and age, open and overdue tasks per workflow, read from PostgreSQL on scrape. */
  watchDatabase(orm: Orm): void {
    const sql = <T>(query: string) => async () => (await runSql<T>(orm.em.fork() as EntityManager, query)).rows;
    const outbox = this.onScrape(
      'outbox',
      sql<{ depth: number; age: number | null; pending: number; scheduled: number; failed: number }>(
        `select (count(*) filter (where sent_at is null and run_at <= now()))::int as depth,
                extract(epoch from now() - min(run_at) filter (where sent_at is null and run_at <= now()))::float8 as age,
                count(*)::int as pending, (count(*) filter (where sent_at is null and run_at > now()))::int as scheduled,
                (count(*) filter (where failed_at is not null))::int as failed
           from workflow_outbox`,
      ),
    );
    const tasks = this.onScrape(
      'tasks',
      sql<{ workflow: string; open: number; overdue: number }>(
        `select definition_key as workflow, count(*)::int as open, (count(*) filter (where due_at < now()))::int as overdue
           from workflow_task where status = 'OPEN' group by definition_key`,
      ),
    );
    this.gauge('outbox_depth', 'Outbox rows due and not yet moved into the queue', [], async (g) => {
      const rows = await outbox();
      if (rows) g.set(rows[0].depth);
    });
    this.gauge('outbox_oldest_age_seconds', 'How long the oldest of those rows has been due (0 when none): the relay is behind when it grows', [], async (g) => {
      const rows = await outbox();
      if (rows) g.set(rows[0].age ?? 0);
    });
    this.gauge('obligations_pending', 'Jobs owed and not yet done (outbox rows, sent or not): what PostgreSQL records as owed', [], async (g) => {
      const rows = await outbox();
      if (rows) g.set(rows[0].pending);
    });
    this.gauge('obligations_scheduled', 'Jobs owed later (reminders, deadlines) that wait in PostgreSQL until they are due within the relay’s horizon', [], async (g) => {
      const rows = await outbox();
      if (rows) g.set(rows[0].scheduled);
    });
    this.gauge('failed_work', 'Jobs that failed for good and wait for a retry (see the failedWork query)', [], async (g) => {
      const rows = await outbox();
      if (rows) g.set(rows[0].failed);
    });
    this.gauge('workflow_open_tasks', 'Open tasks by workflow', ['workflow'], async (g) => {
      for (const row of (await tasks()) ?? []) g.set({ workflow: row.workflow }, row.open);
    });
    this.gauge('workflow_overdue_tasks', 'Open tasks past their deadline by workflow', ['workflow'], async (g) => {
      for (const row of (await tasks()) ?? []) g.set({ workflow: row.workflow }, row.overdue);
    });
  }

  /** The workflow queue's jobs by state (waiting, active, delayed, failed…), read from Redis on scrape. */
  watchQueue(queue: WorkflowQueue, connection: Redis): void {
    // Its connection retries forever: while Redis is down a command would wait in its offline queue, so none is sent.
    const counts = this.onScrape('queue', async () => {
      if (connection.status !== 'ready') throw new Error(`Redis connection is ${connection.status}`);
      return queue.getJobCounts();
    });
    this.gauge('queue_jobs', 'Workflow queue jobs by state', ['queue', 'state'], async (g) => {
      for (const [state, count] of Object.entries((await counts()) ?? {})) g.set({ queue: queue.name, state }, count);
    });
  }

  /** A gauge whose collect starts from nothing, so a label that is gone (a workflow with no open task) is not reported stale. */
  private gauge(name: string, help: string, labelNames: string[], collect: (gauge: Gauge) => Promise<void>): void {
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect(this);
      },
    });
  }

  /**
   * One read shared by the gauges it feeds within a scrape (they are collected in parallel), bounded in time;
   * undefined when it failed, which is logged rather than failing the whole scrape.
   */
  private onScrape<T>(what: string, read: () => Promise<T>): () => Promise<T | undefined> {
    let pending: Promise<T | undefined> | undefined;
    return () =>
      (pending ??= withTimeout(read(), SCRAPE_TIMEOUT_MS)
        .catch((error) => {
          this.logger.warn('metrics: could not read a gauge', { gauge: what, ...safeError(error) });
          return undefined;
        })
        .finally(() => setImmediate(() => (pending = undefined))));
  }
}
