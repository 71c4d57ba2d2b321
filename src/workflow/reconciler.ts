import type { EntityManager } from '@mikro-orm/postgresql';
import { safeError, type Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import type { ObligationStore } from './obligation.store';
import { sendObligations, type OutboxRelay } from './outbox';
import type { ObligationRow } from './obligation.store';
import { bullJobId, type WorkflowQueue } from './queue';

export interface ReconcilerOptions {
  /** How often a pass runs (and one at start-up). */
  periodMs: number;
  /** How long past due a sent obligation may wait for its job before it counts as lost. */
  graceMs: number;
  /** How long failed work waits before it is retried; doubles with each retry. */
  retryBackoffMs: number;
}

/** What one pass repaired. */
export interface Repairs {
  /** Obligations whose job Redis no longer had, sent again. */
  resent: number;
  /** Obligations whose job had failed for good, now listed as failed work. */
  failed: number;
  /** Failed work handed back to the relay after its back-off. */
  retried: number;
}

/**
 * Makes PostgreSQL the record of what is owed: every outbox row stays until its job's handler deletes it, so a
 * row that is due and still there after the grace period is a job that Redis lost (flushed, restarted empty,
 * failed over, evicted) or that failed for good. The reconciler runs in every worker process; passes in
 * different processes take different rows (SKIP LOCKED). Jobs are sent again under their deterministic ids, so a
 * job BullMQ does still hold is not duplicated, and the handlers are idempotent for the rest.
 */
export class Reconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  /** Totals since start, for metrics. */
  readonly repaired: Repairs = { resent: 0, failed: 0, retried: 0 };

  constructor(
    private readonly orm: Orm,
    private readonly queue: WorkflowQueue,
    private readonly relay: OutboxRelay,
    private readonly obligations: ObligationStore,
    private readonly options: ReconcilerOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      if (this.stopped || this.running) return;
      this.running = this.reconcile()
        .catch((error) => this.logger.warn('reconciler pass failed; will retry', safeError(error)))
        .finally(() => {
          this.running = undefined;
        });
    };
    this.timer = setInterval(tick, this.options.periodMs);
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: lost jobs sent again, jobs failed for good recorded, failed work past its back-off retried. */
  async reconcile(): Promise<Repairs> {
    const em = this.orm.em.fork() as EntityManager;
    const repairs: Repairs = { resent: 0, failed: 0, retried: 0 };
    const overdue = await this.obligations.leaseOverdue(em, this.options.graceMs);
    const lost: ObligationRow[] = [];
    for (const row of overdue) {
      const job = await this.queue.getJob(bullJobId(row.job_id, row.generation));
      const state = job ? await job.getState() : 'unknown';
      if (state === 'failed') {
        await this.obligations.recordFailure(em, row.id, job?.failedReason ?? 'failed');
        repairs.failed++;
      } else if (state === 'completed' || state === 'unknown') {
        // Done and yet the row is still there: its handler ran without the row's id (a job from before obligations). Run it again; it is idempotent.
        if (job && state === 'completed') await job.remove();
        lost.push(row);
      }
    }
    if (lost.length) await sendObligations(this.queue, lost);
    repairs.resent = lost.length;
    repairs.retried = (await this.obligations.retryDue(em, this.options.retryBackoffMs)).length;
    if (repairs.retried) this.relay.kick();
    if (repairs.resent || repairs.failed || repairs.retried) this.logger.warn('reconciler repaired obligations', { ...repairs });
    for (const k of Object.keys(repairs) as (keyof Repairs)[]) this.repaired[k] += repairs[k];
    return repairs;
  }

  /** Called by the workers when a job fails for good. */
  async recordFailure(obligationId: string | undefined, reason: string): Promise<void> {
    if (obligationId) await this.obligations.recordFailure(this.orm.em.fork() as EntityManager, obligationId, reason);
  }
}
