import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext } from '../graphql/context';
import type { SubjectData } from './core/types';
import { describeDefinition } from './definition.view';
import { WorkflowInstance } from './workflow-instance.entity';
import {
  AvailableActionType,
  FailedWorkType,
  HistoryEntryConnection,
  HistoryEntryType,
  HistoryFilter,
  HistoryIntegrityType,
  InstanceFilter,
  VoteType,
  WorkflowDefinitionType,
  WorkflowInstanceConnection,
  WorkflowInstanceType,
  WorkflowNotificationConnection,
  WorkflowTaskType,
} from './workflow.types';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import type { Viewer } from '../auth/viewer';

@Resolver(() => WorkflowInstanceType)
export class WorkflowResolver {
  @Query(() => WorkflowNotificationConnection, { description: 'Reminders and overdue notices for my roles, or for me; newest first.' })
  myNotifications(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs) {
    return ctx.services.workflow.notifications(ctx.em, viewer, page);
  }

  @Query(() => WorkflowTaskType)
  task(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.workflow.task(ctx.em, viewer, id);
  }

  @Query(() => WorkflowInstanceType)
  workflowInstance(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.workflow.instance(ctx.em, viewer, id);
  }

  @Query(() => WorkflowInstanceConnection, { description: 'Newest first.' })
  workflowInstances(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => InstanceFilter, { nullable: true }) filter?: InstanceFilter,
  ) {
    return ctx.services.workflow.instances(ctx.em, viewer, filter, page);
  }

  @Query(() => HistoryEntryConnection, { description: 'Every recorded decision in your scope, newest first.' })
  approvalHistory(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => HistoryFilter, { nullable: true }) filter?: HistoryFilter,
  ) {
    return ctx.services.workflow.history(ctx.em, viewer, filter, page);
  }

  @Query(() => [WorkflowDefinitionType], { description: 'Every loaded definition version, with its Mermaid diagram.' })
  workflowDefinitions(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    viewer;
    return ctx.services.workflow.definitions.all().map(describeDefinition);
  }

  @Query(() => [FailedWorkType], { description: 'Administrators: jobs that failed for good in your scope, oldest first. The reconciler retries them after a back-off; retryFailedWork does it now.' })
  async failedWork(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('first', () => Int, { defaultValue: 50 }) first: number) {
    const rows = await ctx.services.workflow.failedWork(ctx.em, viewer, first);
    return rows.map((r) => ({ id: String(r.id), jobName: r.job_name, instanceId: r.instance_id, ref: r.ref, failure: r.failure, failedAt: r.failed_at, dueAt: r.run_at, retries: r.generation }));
  }

  @Mutation(() => [ID], { description: 'Administrators: hands failed work back to the workers now, under new job ids. Returns the ids retried.' })
  retryFailedWork(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('ids', () => [ID]) ids: string[]) {
    return ctx.services.workflow.retryFailedWork(ctx.em, viewer, ids);
  }

  @Mutation(() => WorkflowTaskType, { description: 'Takes the task so no one else decides it meanwhile.' })
  claimTask(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('taskId', () => ID) taskId: string) {
    return ctx.services.workflow.claim(ctx.em, viewer, taskId);
  }

  @Mutation(() => WorkflowTaskType)
  unclaimTask(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('taskId', () => ID) taskId: string) {
    return ctx.services.workflow.unclaim(ctx.em, viewer, taskId);
  }

  @Mutation(() => WorkflowTaskType, { description: 'Hands the task to another holder of its role.' })
  reassignTask(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('taskId', () => ID) taskId: string, @Arg('toAccountId', () => ID) toAccountId: string) {
    return ctx.services.workflow.reassign(ctx.em, viewer, taskId, toAccountId);
  }

  @Mutation(() => WorkflowInstanceType, {
    description: 'Acts on a task (approve, reject, return, a vote…). Repeating it with the same idempotencyKey returns the first result.',
  })
  decide(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID) taskId: string,
    @Arg('action', () => String) action: string,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true }) comment?: string,
  ) {
    return ctx.services.workflow.decide(ctx.em, viewer, { taskId, action, comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, { description: 'The applicant withdraws before a final decision.' })
  withdraw(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('instanceId', () => ID) instanceId: string,
    @Arg('comment', () => String, { nullable: true }) comment?: string,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return ctx.services.workflow.actOnInstance(ctx.em, viewer, instanceId, { operation: 'withdraw', action: 'withdraw', comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, { description: 'The applicant resubmits after a return, optionally with corrected data.' })
  resubmit(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('instanceId', () => ID) instanceId: string,
    @Arg('comment', () => String, { nullable: true }) comment?: string,
    @Arg('changes', () => GraphQLJSONObject, { nullable: true, description: 'Corrected subject fields, e.g. { "amount": 300000 }.' })
    changes?: SubjectData,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return ctx.services.workflow.actOnInstance(ctx.em, viewer, instanceId, { operation: 'resubmit', action: 'resubmit', comment, data: changes, idempotencyKey });
  }

  @FieldResolver(() => Int, { description: 'Revision round: 1, then +1 on each resubmission.' })
  round(@Root() instance: WorkflowInstance) {
    return instance.data.round;
  }

  @FieldResolver(() => String, { description: 'The title of the current state.' })
  stateTitle(@Root() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return ctx.services.workflow.definitionOf(instance).states[instance.state]?.title ?? instance.state;
  }

  @FieldResolver(() => [WorkflowTaskType])
  openTasks(@Root() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return ctx.services.workflow.openTasks(ctx.em, instance);
  }

  @FieldResolver(() => [HistoryEntryType], { description: 'Every transition, oldest first.' })
  history(@Root() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return ctx.services.workflow.instanceHistory(ctx.em, instance);
  }

  @FieldResolver(() => HistoryIntegrityType, { description: 'Whether the recorded history is as it was written.' })
  integrity(@Root() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return ctx.services.workflow.integrity(ctx.em, instance);
  }

  @FieldResolver(() => [VoteType], { description: 'Votes cast in the current vote step.' })
  votes(@Root() instance: WorkflowInstance): VoteType[] {
    return instance.data.current.votes;
  }

  @FieldResolver(() => [AvailableActionType], {
    deprecationReason: 'The same for every viewer: use WorkflowTask.viewerActions, which says what you may do now.',
    description: 'Actions the current state has, whoever may take them.',
  })
  availableActions(@Root() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return ctx.services.workflow.availableActions(instance);
  }
}

@Resolver(() => WorkflowTaskType)
export class WorkflowTaskResolver {
  @FieldResolver(() => Boolean)
  overdue(@Root() task: WorkflowTaskType) {
    return task.status === 'OPEN' && task.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => WorkflowInstanceType)
  async instance(@Root() task: WorkflowTaskType, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.workflow.visible(viewer, await ctx.loaders.instance.load(task.instanceId));
  }
}

@Resolver(() => HistoryEntryType)
export class HistoryEntryResolver {
  @FieldResolver(() => ID, { nullable: true })
  actorOrganizationId(@Root() entry: { actorOrgId?: string | null }) {
    return entry.actorOrgId ?? null;
  }
}
