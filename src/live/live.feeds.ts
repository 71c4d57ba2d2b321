import { isNoticeFor } from '../workflow/notification.recipients';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../auth/viewer';
import { AppError, ErrorCode } from '../common/errors';
import { safeError } from '../common/logger';
import { requireViewer, type GqlContext } from '../graphql/context';
import type { Services } from '../app/services';
import type { WorkflowInstance } from '../workflow/workflow-instance.entity';
import type { WorkflowNotification } from '../workflow/workflow-notification.entity';
import { delegators, inInbox, principalOf, type InboxPrincipal } from '../workflow/inbox.service';
import type { InboxRow } from '../workflow/inbox.repository';
import type { LiveEvent } from './live.events';
import type { LiveBatch, LiveHub, LiveListener } from './live.hub';

/** graphql-ws's close code for a connection whose credentials no longer hold. */
export const CLOSE_UNAUTHORIZED = 4401;

/** Events a slow subscriber may have waiting; past this the oldest are dropped (each tells only "re-read this"). */
const MAX_WAITING = 100;

/**
 * An event for one subscription: `sift` keeps, with the viewer as last looked up, what may concern them (so an
 * event for someone else costs no lookup); `answer` is what to send, asked with the viewer as they are when it
 * is sent, if anything.
 */
interface Offered<T> {
  sift(viewer: Viewer): boolean;
  answer(viewer: Viewer): T | undefined | Promise<T | undefined>;
}

/** The same payload whenever `visibleTo` holds. */
const offer = <T>(payload: T, visibleTo: (viewer: Viewer) => boolean): Offered<T> => ({ sift: visibleTo, answer: (v) => (visibleTo(v) ? payload : undefined) });

export enum InboxChangeKind {
  ROUTED = 'ROUTED',
  CLOSED = 'CLOSED',
}

export interface InboxChange {
  change: InboxChangeKind;
  task: InboxRow;
}

type TaskEvent = Extract<LiveEvent, { type: 'task' }>;

/**
 * How the event changed the principals' inbox, by the inbox's own rule (`inInbox`, what `myTasks` lists): in it
 * now and not before (ROUTED), the other way round (CLOSED), or not at all. A closed task is judged as it was
 * while open; a claim or a vote as the task was without it.
 */
export function inboxChange(principals: readonly InboxPrincipal[], event: TaskEvent, task: InboxRow): InboxChangeKind | undefined {
  const now = inInbox(principals, task);
  switch (event.change) {
    case 'opened':
      return now ? InboxChangeKind.ROUTED : undefined;
    case 'closed':
      return inInbox(principals, { ...task, status: 'OPEN' }) ? InboxChangeKind.CLOSED : undefined;
    case 'delegated':
      if (event.granted) return now ? InboxChangeKind.ROUTED : undefined;
      return now ? undefined : InboxChangeKind.CLOSED;
    case 'voted':
    case 'claimed': {
      const before = event.change === 'voted' ? { ...task, votedBy: task.votedBy.filter((a) => a !== event.accountId) } : { ...task, claimedBy: event.from };
      const was = inInbox(principals, before);
      return was === now ? undefined : now ? InboxChangeKind.ROUTED : InboxChangeKind.CLOSED;
    }
  }
}


/**
 * The three subscriptions' streams. Each registers a listener with the hub, which offers it every batch of
 * events; what it keeps waits in its own queue until GraphQL asks for the next one. Then, before it is sent:
 * the viewer is looked up again from the socket's token (an expired token or a disabled account closes the
 * socket with 4401), the policy is asked again with that viewer, and the subscription's context gets a fresh
 * EntityManager and loaders, so no event is answered from another's identity map or cache.
 */
export class LiveFeeds {
  constructor(
    private readonly hub: LiveHub,
    private readonly services: Pick<Services, 'delegations' | 'workflow' | 'auth' | 'orm' | 'logger'>,
  ) {}

  /** Subscriptions open in this process. */
  get open(): number {
    return this.hub.subscriptions;
  }

  /**
   * Whose inbox the viewer sees is their own and that of those they stand in for (代理): looked up when
   * subscribing, and again before each event is sent, so a delegation begun or ended counts from its own event on.
   */
  async inboxChanges(ctx: GqlContext): Promise<AsyncIterable<InboxChange>> {
    const viewer = requireViewer(ctx);
    let held = await this.services.delegations.actingFor(ctx.sql, viewer);
    const principals = (v: Viewer) => [principalOf(v), ...delegators(held)];
    return this.stream(ctx, { tasks: true }, (batch, out) => {
      for (const event of batch.events) {
        const task = event.type === 'task' ? batch.tasks.get(event.key) : undefined;
        if (event.type !== 'task' || !task) continue;
        out({
          sift: (v) => (event.change === 'delegated' ? event.accountId === v.accountId : inboxChange(principals(v), event, task) !== undefined),
          answer: async (v) => {
            if (event.change === 'delegated' && event.accountId !== v.accountId) return undefined;
            held = await this.services.delegations.actingFor(ctx.sql, v);
            const change = inboxChange(principals(v), event, task);
            return change && { change, task };
          },
        });
      }
    });
  }

  /** Authorised when subscribing (NOT_FOUND, as `workflowInstance(id)` answers) and again at every event. */
  async instanceChanges(ctx: GqlContext, id: string): Promise<AsyncIterable<WorkflowInstance>> {
    const viewer = requireViewer(ctx);
    const instance = await this.services.workflow.instance(ctx.em, viewer, id);
    return this.stream(ctx, { instances: true }, (batch, out) => {
      const changed = batch.instances.get(instance.id);
      if (changed && batch.events.some((e) => e.type === 'instance' && e.id === instance.id)) {
        out(offer(changed, (v) => this.services.workflow.canSeeInstance(v, changed)));
      }
    });
  }

  notificationsAdded(ctx: GqlContext): AsyncIterable<WorkflowNotification> {
    requireViewer(ctx);
    return this.stream(ctx, { notifications: true }, (batch, out) => {
      for (const event of batch.events) {
        const notice = event.type === 'notification' ? batch.notifications.get(event.key) : undefined;
        if (notice) {
          out(offer(notice, (v) => isNoticeFor(v, notice)));
        }
      }
    });
  }

  private stream<T>(ctx: GqlContext, needs: LiveListener['needs'], select: (batch: LiveBatch, out: (o: Offered<T>) => void) => void): AsyncIterable<T> {
    const waiting: Offered<T>[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const remove = this.hub.add({
      needs,
      offer: (batch) =>
        select(batch, (offered) => {
          // Sifted first with the viewer as last looked up, so an event for someone else costs no lookup; what
          // passes is checked again with the viewer as they are when it is sent.
          if (ctx.viewer && !offered.sift(ctx.viewer)) return;
          if (waiting.push(offered) > MAX_WAITING) waiting.shift();
          wake?.();
        }),
    });
    const finish = () => {
      done = true;
      remove();
      wake?.();
    };
    const next = async (): Promise<IteratorResult<T>> => {
      while (!done) {
        const offered = waiting.shift();
        if (!offered) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          continue;
        }
        const viewer = await this.reauthenticate(ctx);
        if (viewer === undefined) break;
        if (!viewer) continue;
        const value = await offered.answer(viewer);
        if (value === undefined) continue;
        refresh(ctx, viewer);
        return { value, done: false };
      }
      finish();
      return { value: undefined, done: true };
    };
    return {
      [Symbol.asyncIterator]: () => ({
        next,
        return: async () => {
          finish();
          return { value: undefined, done: true };
        },
      }),
    };
  }

  /**
   * The viewer as the socket's token gives them now; undefined (and the socket closed) once it no longer does;
   * null when it cannot be told now.
   */
  private async reauthenticate(ctx: GqlContext): Promise<Viewer | undefined | null> {
    if (!ctx.socket) return requireViewer(ctx);
    const token = ctx.socket.authorization.replace(/^Bearer\s+/i, '');
    try {
      return await this.services.auth.viewerFromToken(() => this.services.orm.em.fork() as EntityManager, token);
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.UNAUTHENTICATED) {
        ctx.socket.close(CLOSE_UNAUTHORIZED, error.message);
        return undefined;
      }
      // The account could not be looked up (PostgreSQL busy or down): this event is not sent, the stream stays open.
      this.services.logger.warn('live event skipped: viewer lookup failed', safeError(error));
      return null;
    }
  }
}

/** A context as fresh as a new request's, for the viewer as they are now. */
function refresh(ctx: GqlContext, viewer: Viewer): void {
  ctx.renew();
  ctx.viewer = viewer;
  ctx.decisions = new WeakMap();
  ctx.reachedPublicly = new WeakSet();
}
