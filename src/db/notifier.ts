import type { EntityManager } from '@mikro-orm/postgresql';
import { safeError, type Logger } from '../common/logger';
import type { Orm } from './orm';
import { pgArray, runSql } from './sql';

/**
 * PostgreSQL NOTIFYs sent outside any transaction, by whoever has just committed what they announce. (Inside
 * a transaction a NOTIFY takes PostgreSQL's notification-queue lock at commit, and the notifying commits queue
 * behind one another.) One statement is in flight at a time and what is asked for meanwhile goes in the next,
 * so under load one statement carries the notices of many commits at no added delay; the same notice asked for
 * twice before it goes is sent once. Delivery is at most once: listeners treat a notice as a hint and re-read.
 */
export class Notifier {
  private pending = new Map<string, { channel: string; payload: string }>();
  private sending?: Promise<void>;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
  ) {}

  notify(channel: string, payload: string): void {
    this.pending.set(`${channel}\n${payload}`, { channel, payload });
    // The first of a burst waits for the rest of this turn of the event loop.
    if (!this.sending) this.sending = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Sends what is queued; for a process that stops. */
  async flush(): Promise<void> {
    await this.sending;
  }

  private async drain(): Promise<void> {
    while (this.pending.size) {
      const batch = [...this.pending.values()];
      this.pending = new Map();
      try {
        await runSql(this.orm.em.fork() as EntityManager, 'select pg_notify(c, p) from unnest(?::text[], ?::text[]) as n(c, p)', [
          pgArray(batch.map((n) => n.channel)),
          pgArray(batch.map((n) => n.payload)),
        ]);
      } catch (error) {
        // Nothing to retry into: what they announce is committed, and the listeners re-read on their next notice or poll.
        this.logger.warn('notifications not sent', { notifications: batch.length, channels: [...new Set(batch.map((n) => n.channel))], ...safeError(error) });
      }
    }
    this.sending = undefined;
  }
}
