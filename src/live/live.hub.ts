import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../common/logger';
import { safeError } from '../common/logger';
import { PgListener } from '../db/listener';
import type { Orm } from '../db/orm';
import { WorkflowInstance } from '../workflow/workflow-instance.entity';
import { WorkflowNotification } from '../workflow/workflow-notification.entity';
import type { InboxRepository, InboxRow } from '../workflow/inbox.repository';
import { decodeEvent, LIVE_CHANNEL, type LiveEvent } from './live.events';

/** The rows one batch of events is about, each read once for every subscriber. */
export interface LiveBatch {
  events: readonly LiveEvent[];
  /** By key, as the inbox reads them: with what deciding whose inbox they are in needs of their instance. */
  tasks: ReadonlyMap<string, InboxRow>;
  instances: ReadonlyMap<string, WorkflowInstance>;
  notifications: ReadonlyMap<string, WorkflowNotification>;
}

/** One GraphQL subscription: which kinds of rows it needs read, and what it takes of a batch. */
export interface LiveListener {
  needs: { tasks?: boolean; instances?: boolean; notifications?: boolean };
  offer(batch: LiveBatch): void;
}

/**
 * The API side of the live updates: one LISTEN connection per API process, whatever the number of
 * subscribers. The events of one turn of the event loop are read in one statement per kind of row (only the
 * kinds some subscriber needs), then offered to each subscription, which keeps what is addressed to its viewer.
 */
export class LiveHub {
  private readonly listener: PgListener;
  private readonly listeners = new Set<LiveListener>();
  private pending: LiveEvent[] = [];
  private scheduled = false;
  private delivering = Promise.resolve();

  constructor(
    private readonly orm: Orm,
    databaseUrl: string,
    private readonly logger: Logger,
    private readonly inboxRows: InboxRepository,
  ) {
    this.listener = new PgListener(databaseUrl, LIVE_CHANNEL, { onNotify: (payload) => this.received(payload) }, logger);
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  stop(): Promise<void> {
    this.listeners.clear();
    return this.listener.stop();
  }

  /** Registers a subscription; the returned function removes it. */
  add(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriptions(): number {
    return this.listeners.size;
  }

  private received(payload: string | undefined): void {
    if (!this.listeners.size) return;
    const event = decodeEvent(payload);
    if (!event) return;
    this.pending.push(event);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const events = this.pending;
      this.pending = [];
      // One batch at a time, in the order they came: a task's "closed" never overtakes its "opened".
      this.delivering = this.delivering.then(() => this.deliver(events)).catch((error) => this.logger.warn('live events not delivered', safeError(error)));
    });
  }

  private async deliver(events: LiveEvent[]): Promise<void> {
    const needs = { tasks: false, instances: false, notifications: false };
    for (const l of this.listeners) {
      needs.tasks ||= !!l.needs.tasks;
      needs.instances ||= !!l.needs.instances;
      needs.notifications ||= !!l.needs.notifications;
    }
    const keysOf = (type: LiveEvent['type']) => [...new Set(events.flatMap((e) => (e.type === type ? [e.type === 'instance' ? e.id : e.key] : [])))];
    const em = this.orm.em.fork() as EntityManager;
    const read = async <T extends { key?: string; id: string }>(entity: new () => T, by: 'key' | 'id', keys: string[], wanted: boolean) => {
      if (!wanted || !keys.length) return new Map<string, T>();
      const rows = await em.find(entity, { [by]: { $in: keys } } as never);
      return new Map(rows.map((r) => [String(r[by]), r]));
    };
    const batch: LiveBatch = {
      events,
      tasks: needs.tasks && keysOf('task').length ? new Map((await this.inboxRows.byKeys(em, keysOf('task'))).map((t) => [t.key, t])) : new Map(),
      instances: await read(WorkflowInstance, 'id', keysOf('instance'), needs.instances),
      notifications: await read(WorkflowNotification, 'key', keysOf('notification'), needs.notifications),
    };
    for (const l of this.listeners) l.offer(batch);
  }
}
