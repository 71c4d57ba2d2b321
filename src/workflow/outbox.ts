import type { EntityManager } from '@mikro-orm/postgresql';
import { PgListener } from '../db/listener';
import { safeError, type Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import type { CommitHooks } from '../db/commit-hooks';
import type { Notifier } from '../db/notifier';
import { bullJobId, jobIdFor, WorkflowJobName, WorkflowJobs, WorkflowQueue } from './queue';
import type { ObligationRow, ObligationStore } from './obligation.store';

const CHANNEL = 'gonghui_outbox';
const BATCH = 500;
const LEASE_SECONDS = 30;
/**
 * How far ahead of its time an obligation goes to BullMQ, as a delayed job that runs on time: a minute, or two
 * polls when they are further apart, so that a poll always finds it first. Anything due later (most reminders
 * and deadlines, days away) waits in PostgreSQL, off the decisions' path and out of Redis's memory.
 */
const scheduleAheadMs = (pollMs: number) => Math.max(60_000, 2 * pollMs);

/** A job a transition owes, typed by its name; `runAt` is when it should run (timers), now when absent. */
export type OutboxMessage = { [N in WorkflowJobName]: { name: N; data: WorkflowJobs[N]; runAt?: Date } }[WorkflowJobName];

/**
 * The VALUES list of outbox rows, for the store to insert in the same statement as the transition that caused
 * them: they exist exactly when it commits, and the OutboxWaker wakes the relays after that commit. Each row is
 * an obligation until the job's handler deletes it, in the transaction that does the job's work; if Redis loses
 * the job meanwhile, the reconciler sends it again.
 */
export function outboxRows(messages: OutboxMessage[]): { sql: string; params: unknown[]; earliestRunAt: Date } | undefined {
  if (!messages.length) return undefined;
  const params: unknown[] = [];
  const now = new Date();
  let earliestRunAt = messages[0].runAt ?? now;
  const rows = messages.map((m) => {
    const runAt = m.runAt ?? now;
    if (runAt < earliestRunAt) earliestRunAt = runAt;
    params.push(jobIdFor(m.name, m.data.ref), m.name, JSON.stringify(m.data), runAt.toISOString());
    return '(?, ?, ?::jsonb, ?::timestamptz)';
  });
  return { sql: `values ${rows.join(', ')}`, params, earliestRunAt };
}

/** Adds the rows' jobs to BullMQ under their ids, each carrying the row it fulfils, delayed until it is due. */
export function sendObligations(queue: WorkflowQueue, rows: readonly ObligationRow[]) {
  const now = Date.now();
  return queue.addBulk(
    rows.map((r) => ({
      name: r.job_name,
      data: { ...r.payload, obligationId: String(r.id) },
      opts: { jobId: bullJobId(r.job_id, r.generation), delay: Math.max(0, new Date(r.run_at).getTime() - now) },
    })),
  );
}

/**
 * Wakes the relays once outbox rows are committed, from the process that committed them and outside its
 * transaction (a trigger's NOTIFY inside each decision's transaction once made the notifying commits queue
 * behind one another). A process running a relay kicks it directly: any relay drains every row. Otherwise it
 * is a notice through the process's Notifier, which coalesces the wakes of many commits. Rows not due within the
 * relays' poll (a deadline days away) wake nobody: the poll sends them in time. A wake lost to a fault costs
 * at most one poll.
 */
export class OutboxWaker {
  private local?: OutboxRelay;

  constructor(
    private readonly hooks: CommitHooks,
    private readonly notifier: Notifier,
    private readonly pollMs: number,
  ) {}

  /** The relay of this process, kicked instead of a NOTIFY while it runs. */
  attach(relay: OutboxRelay): void {
    this.local = relay;
  }

  /** After the commit of what `em` wrote: wakes the relays if the earliest of the rows is due before the next poll. */
  afterCommit(em: EntityManager, earliestRunAt: Date): void {
    if (earliestRunAt.getTime() - Date.now() > this.pollMs) return;
    this.hooks.after(em, this.wakeRelays);
  }

  /** Wakes the relays now: for rows already committed. */
  readonly wakeRelays = (): void => {
    if (this.local?.running) return this.local.kick();
    this.notifier.notify(CHANNEL, '');
  };
}

/**
 * Moves committed outbox rows into BullMQ. Any number of relays may run: each batch is claimed with
 * SKIP LOCKED, and job ids are deterministic so a batch re-sent after a crash adds nothing new.
 */
export class OutboxRelay {
  private readonly listener: PgListener;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = false;
  /** Ids of rows in BullMQ that are still to be marked sent. */
  private sent: string[] = [];

  constructor(
    private readonly orm: Orm,
    private readonly queue: WorkflowQueue,
    private readonly obligations: ObligationStore,
    databaseUrl: string,
    private readonly pollMs: number,
    private readonly logger: Logger,
  ) {
    // What was committed while nobody listened goes as soon as the listener is back, not at the next poll.
    this.listener = new PgListener(databaseUrl, CHANNEL, { onNotify: () => this.kick(), onReconnect: () => this.kick() }, logger);
  }

  async start(): Promise<void> {
    await this.listener.start();
    // Polling covers notifications missed while disconnected and rows left by a relay that crashed mid-batch.
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.kick();
  }

  /** Started and not stopped: kicks make it drain. */
  get running(): boolean {
    return this.timer !== undefined && !this.stopped;
  }

  /** Whether NOTIFY wakes this relay; while it does not (PostgreSQL restarted), rows wait for the poll. */
  get listening(): boolean {
    return this.listener.listening;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.draining;
    await this.forgetSent().catch((error) => this.logger.warn('outbox rows sent but not deleted; their lease will expire', safeError(error)));
    await this.listener.stop();
  }

  /** Drains until empty; a kick during a drain schedules one more pass instead of a parallel one. */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        try {
          while (!this.stopped && (await this.drainBatch()) === BATCH);
        } catch (error) {
          this.logger.error('outbox relay failed; will retry', safeError(error));
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.draining = undefined;
    });
  }

  /**
   * Leases a batch of unsent rows due within `scheduleAheadMs`, earliest first, adds it to BullMQ, and
   * remembers it as sent. The rows are marked sent by the statement that leases the next batch (or at stop),
   * so under load each batch costs one round trip to PostgreSQL. Rows leased by a relay that died are taken again
   * once their lease runs out; their deterministic job ids keep a second add from duplicating a job BullMQ still
   * holds, and the handlers are idempotent for the rest.
   */
  async drainBatch(): Promise<number> {
    const rows = await this.obligations.leaseDue(this.orm.em.fork() as EntityManager, {
      markSent: this.sent,
      aheadMs: scheduleAheadMs(this.pollMs),
      leaseSeconds: LEASE_SECONDS,
      limit: BATCH,
    });
    this.sent = [];
    if (!rows.length) return 0;
    await sendObligations(this.queue, rows);
    this.sent = rows.map((r) => r.id);
    return rows.length;
  }

  /** Marks sent the rows already in BullMQ that no later lease has marked. */
  private async forgetSent(): Promise<void> {
    if (!this.sent.length) return;
    await this.obligations.markSent(this.orm.em.fork() as EntityManager, this.sent);
    this.sent = [];
  }
}
