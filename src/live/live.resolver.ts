import { Arg, ID, Resolver, Subscription } from 'type-graphql';
import { type GqlContext, Parent } from '../graphql/context';
import type { WorkflowInstance } from '../workflow/workflow-instance.entity';
import type { WorkflowNotification } from '../workflow/workflow-notification.entity';
import { WorkflowInstanceType, WorkflowNotificationType } from '../workflow/workflow.types';
import type { InboxChange, LiveFeeds } from './live.feeds';
import { InboxChangeType } from './live.types';

/** The live feeds of the socket a subscription runs on: subscriptions exist only over WebSocket. */
function feedsOf(context: unknown): LiveFeeds {
  const feeds = (context as GqlContext).socket?.feeds;
  if (!feeds) throw new Error('subscriptions are served over WebSocket only (src/live/live.server.ts)');
  return feeds;
}

/**
 * Live updates over graphql-ws (src/live/live.server.ts). Each stream is fed by the transitions that commit,
 * in any process, and authorised per event with the same policy as the queries.
 */
@Resolver()
export class LiveResolver {
  @Subscription(() => InboxChangeType, {
    description: '我的待办变化 · Each task routed to me or closed for me, as it commits (the same tasks `myTasks` lists).',
    subscribe: ({ context }) => feedsOf(context).inboxChanges(context as GqlContext),
  })
  inboxChanged(@Parent() change: InboxChange): InboxChange {
    return change;
  }

  @Subscription(() => WorkflowInstanceType, {
    description: '流程实例变化 · The instance each time it moves (a decision, a timer, an effect). NOT_FOUND for one I may not read, as `workflowInstance(id)`.',
    subscribe: ({ context, args }) => feedsOf(context).instanceChanges(context as GqlContext, String(args.id)),
  })
  instanceChanged(
    @Parent() instance: WorkflowInstance,
    @Arg('id', () => ID, { description: 'The instance to follow.' }) id: string,
  ): WorkflowInstance {
    void id;
    return instance;
  }

  @Subscription(() => WorkflowNotificationType, {
    description: '新通知 · Each reminder or overdue notice filed for me or for a role I hold (the rows `myNotifications` lists).',
    subscribe: ({ context }) => feedsOf(context).notificationsAdded(context as GqlContext),
  })
  notificationAdded(@Parent() notice: WorkflowNotification): WorkflowNotification {
    return notice;
  }
}
