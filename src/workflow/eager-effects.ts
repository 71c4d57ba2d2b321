import type { EntityManager } from '@mikro-orm/postgresql';
import type { CommitHooks } from '../db/commit-hooks';
import type { Orm } from '../db/orm';
import { safeError, type Logger } from '../common/logger';
import type { OutboxWaker } from './outbox';
import type { ObligationStore } from './obligation.store';

/**
 * How long an eager effect's outbox row stays out of the relays' hands. Past it, the process that took it is
 * presumed gone and the relays send the job as any other.
 */
export const EAGER_LEASE_SECONDS = 30;

/** An effect obligation taken by this process: the instance, the effect's idempotency key and its outbox row. */
export interface EagerEffect {
  instanceId: string;
  ref: string;
  obligationId: string;
}

/** What runs an effect: the workers' own handler, so an eager run and a queued one are the same code. */
export interface EffectRunner {
  runEffect(instanceId: string, key: string, obligationId?: string): Promise<void>;
}

/**
 * Runs a system step's effect in the process whose transition reached that step, right after its commit, as
 * Temporal dispatches eager activities: no relay lease, BullMQ round trip or worker in between when all goes
 * well. The outbox row is still the obligation: written leased to this process, so that no relay sends it
 * meanwhile, and deleted by the effect's own transaction. When this process does not run it (at its limit, or
 * stopping) or the run fails, the lease is lifted and the relays send the job as usual, BullMQ's attempts and
 * failed work applying from there; when the process dies, the lease runs out and they send it then.
 */
export class EagerEffects {
  private runner?: EffectRunner;
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly orm: Orm,
    private readonly hooks: CommitHooks,
    private readonly waker: OutboxWaker,
    private readonly obligations: ObligationStore,
    /** Effects run at once by this process; 0 leaves every one to the workers. */
    private readonly limit: number,
    private readonly logger: Logger,
    /** Told how each effect taken ended here: for the metrics. */
    private readonly counted: (outcome: 'ran' | 'handed_over') => void = () => undefined,
  ) {}

  /** The runner, once it is made (it needs the store, which needs this). */
  attach(runner: EffectRunner): void {
    this.runner = runner;
  }

  /** Whether a transition written now should take its effect for this process. */
  get accepting(): boolean {
    return this.runner !== undefined && this.limit > 0 && !this.stopped;
  }

  /** Runs the effect once what `em` wrote is committed (never, if it rolls back: the row is gone with it). */
  afterCommit(em: EntityManager, effect: EagerEffect): void {
    this.hooks.after(em, () => this.start(effect));
  }

  /** Waits for the effects in flight; any committed after this goes to the relays. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  private start(effect: EagerEffect): void {
    const runner = this.runner;
    const run =
      runner && !this.stopped && this.running.size < this.limit
        ? runner.runEffect(effect.instanceId, effect.ref, effect.obligationId).then(
            () => this.counted('ran'),
            (error) => {
              this.logger.warn('effect failed in the process that reached it; the workers will retry it', { ...effect, ...safeError(error) });
              return this.release(effect);
            },
          )
        : this.release(effect);
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  /** Hands the row to the relays now rather than when its lease runs out. */
  private async release(effect: EagerEffect): Promise<void> {
    this.counted('handed_over');
    try {
      await this.obligations.release(this.orm.em.fork() as EntityManager, effect.obligationId);
      this.waker.wakeRelays();
    } catch (error) {
      this.logger.warn('could not hand an effect to the workers; they will take it when its lease runs out', { ...effect, ...safeError(error) });
    }
  }
}
