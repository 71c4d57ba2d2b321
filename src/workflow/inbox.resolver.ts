import type { Services } from '../app/services';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { Viewer } from '../auth/viewer';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { Selection } from '../graphql/selection';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import type { InboxRow } from './inbox.repository';
import { MAX_BULK_TASKS } from './inbox.service';
import { BulkDecisionResultType, InboxConnectionType, InboxFilter, InboxOrder, InboxScope, TaskActionType } from './inbox.types';
import type { WorkflowTask } from './workflow-task.entity';
import { HEAD_FIELDS } from './workflow.resolver';
import { WorkflowTaskType } from './workflow.types';

@Resolver()
export class InboxResolver {
  constructor(private readonly services: Pick<Services, 'inbox'>) {}

  @Query(() => InboxConnectionType, {
    description:
      '我的待办 My inbox. ASSIGNED (default): the open tasks I may act on now, each with the actions I may take. SUBTREE: every open task below my organisations, to supervise. Soonest due first unless ordered otherwise.',
  })
  myTasks(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => InboxFilter, { nullable: true, description: 'Narrow the inbox down.' }) filter?: InboxFilter,
    @Arg('scope', () => InboxScope, { defaultValue: InboxScope.ASSIGNED, description: 'My own work, or the open work below me.' }) scope?: InboxScope,
    @Arg('orderBy', () => InboxOrder, { nullable: true, description: 'Order (default: due date, ascending).' }) orderBy?: InboxOrder,
  ) {
    const nodes = Selection.of(info).nodes;
    const withInstance = !nodes.has('instance') ? undefined : nodes.get('instance').within(HEAD_FIELDS) ? 'head' : 'full';
    return this.services.inbox.list(ctx.sql, viewer, { scope, filter, order: orderBy, page, withInstance, actingFor: () => ctx.loaders.actingFor(viewer) });
  }

  @Mutation(() => [BulkDecisionResultType], {
    description: `批量办理 Takes one action on up to ${MAX_BULK_TASKS} tasks, each its own decision, in the order given: one result per task (ok, or the error code). Only steps whose definition opts the action in (bulk: true) accept it; others answer BULK_NOT_ALLOWED. Repeating the call with the same idempotencyKey answers each task as its first decision did.`,
  })
  bulkDecide(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskIds', () => [ID], { description: 'The tasks, 1 to 100, each once.' }) taskIds: string[],
    @Arg('action', () => String, { description: 'The action key, e.g. approve.' }) action: string,
    @Arg('idempotencyKey', () => String, { description: `${IDEMPOTENCY_KEY_DESCRIPTION} Each task's decision is keyed by this key and the task id.` }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true, description: 'One comment for every decision of the call.' }) comment?: string,
  ) {
    return this.services.inbox.bulkDecide(ctx.em, viewer, { taskIds, action, comment, idempotencyKey });
  }
}

@Resolver(() => WorkflowTaskType)
export class TaskActionsResolver {
  constructor(private readonly services: Pick<Services, 'inbox'>) {}

  @FieldResolver(() => [TaskActionType], { description: '我可办理的操作 The actions I may take on this task now (none when it is closed, claimed by someone else, filed by me, or not mine to decide).' })
  async viewerActions(@Parent() task: InboxRow | WorkflowTask, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer): Promise<TaskActionType[]> {
    // An inbox row carries its instance's applicant and version; a task reached otherwise loads its instance (batched).
    const instance = 'definitionVersion' in task ? task : await ctx.loaders.instance.load(task.instanceId);
    const row = { ...task, votedBy: task.votedBy ?? [], claimedBy: task.claimedBy ?? null, assignedTo: task.assignedTo ?? null, routedOrgPath: task.routedOrgPath ?? null };
    const actions = await this.services.inbox.viewerActions(viewer, row, instance, () => ctx.loaders.actingFor(viewer));
    return actions.map((a) => ({ key: a.action, label: a.label, commentRequired: a.comment === 'required', bulk: a.bulk }));
  }
}
