import type { EntityManager } from '@mikro-orm/postgresql';
import type { CommitHooks } from '../db/commit-hooks';
import { safeError, type Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import { pgArray, runSql } from '../db/sql';
import { encodeEvent, LIVE_CHANNEL, type LiveEvent } from './live.events';

/**
 * Sends live events on PostgreSQL's NOTIFY once what they describe has committed. Not from inside the
 * transaction: a NOTIFY there would take PostgreSQL's notification-queue lock at every commit and serialise
 * the decisions; instead the events of one turn of the event loop go in one statement of their own, after
 * the commits. Delivery is at most once (a process that dies between its commit and this statement sends
 * nothing): subscribers are told something changed and re-read it, and a client that must not miss anything
 * re-queries after (re)connecting.
 */
export class LivePublisher {
  private pending: string[] = [];
  private flushing?: Promise<void>;
  private scheduled = false;

  constructor(
    private readonly orm: Orm,
    private readonly hooks: CommitHooks,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends `events` once the statement just run on `em` has committed: at once when `em` has no transaction
   * (the statement committed on its own), else when its outermost transaction commits; never when it rolls back.
   */
  after(em: EntityManager, events: readonly LiveEvent[]): void {
    if (events.length) this.hooks.after(em, () => this.queue(events));
  }

  /** Sends what is queued; for a process that stops. */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.pending.length) await this.send();
  }

  private queue(events: readonly LiveEvent[]): void {
    this.pending.push(...events.map(encodeEvent));
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.send().finally(() => (this.flushing = undefined));
    });
  }

  private async send(): Promise<void> {
    const payloads = this.pending;
    this.pending = [];
    if (!payloads.length) return;
    try {
      await runSql(this.orm.em.fork() as EntityManager, 'select pg_notify(?, p) from unnest(?::text[]) p', [LIVE_CHANNEL, pgArray(payloads)]);
    } catch (error) {
      // Nothing to retry into: the rows are committed and a subscriber re-reads them on its next event or reconnect.
      this.logger.warn('live events not sent', { events: payloads.length, ...safeError(error) });
    }
  }
}
