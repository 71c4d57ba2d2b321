import type { EntityManager } from '@mikro-orm/postgresql';
import type { CommitHooks } from '../db/commit-hooks';
import type { Notifier } from '../db/notifier';
import { encodeEvent, LIVE_CHANNEL, type LiveEvent } from './live.events';

/**
 * Sends live events on PostgreSQL's NOTIFY once what they describe has committed, through the process's
 * Notifier: after the commit, never inside it. Delivery is at most once (a process that dies between its
 * commit and the notice sends nothing): subscribers are told something changed and re-read it, and a client
 * that must not miss anything re-queries after (re)connecting.
 */
export class LivePublisher {
  constructor(
    private readonly hooks: CommitHooks,
    private readonly notifier: Notifier,
  ) {}

  /**
   * Sends `events` once the statement just run on `em` has committed: at once when `em` has no transaction
   * (the statement committed on its own), else when its outermost transaction commits; never when it rolls back.
   */
  after(em: EntityManager, events: readonly LiveEvent[]): void {
    if (events.length) this.hooks.after(em, () => events.forEach((event) => this.notifier.notify(LIVE_CHANNEL, encodeEvent(event))));
  }
}
