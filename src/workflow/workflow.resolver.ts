import type { Services } from '../app/services';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { PageArgs } from '../common/connection';
import type { InboxRow } from './inbox.repository';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import type { SubjectData, Vote } from './core/types';
import { PersonType } from '../people/person.types';
import type { PersonKey } from '../people/person.repository';
import { systemReason, type HistoryRow } from './history.repository';
import { describeDefinition } from './definition.view';
import { WorkflowInstance, type InstanceHead } from './workflow-instance.entity';
import { returnTargets } from './core/engine';
import {
  AvailableActionType,
  CarbonCopyType,
  FieldChangeType,
  FailedWorkType,
  HistoryEntryConnection,
  HistoryEntryType,
  HistoryFilter,
  HistoryIntegrityType,
  InstanceFilter,
  StepVisitType,
  TimerKind,
  VoteType,
  WorkflowDefinitionType,
  WorkflowInstanceConnection,
  WorkflowInstanceType,
  WorkflowNotificationConnection,
  WorkflowTaskType,
} from './workflow.types';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import type { Viewer } from '../auth/viewer';

/**
 * The WorkflowInstance fields an instance head answers (InstanceHead): its columns, and the resolvers below
 * whose parent may be a head. A list whose selection stays within them reads heads; any other field, including
 * one added later, makes it read whole instances.
 */
export const HEAD_FIELDS: ReadonlySet<string> = new Set([
  '__typename', 'id', 'definitionKey', 'definitionVersion', 'subjectType', 'subjectId', 'subjectOrgId', 'state', 'status',
  'outcome', 'seq', 'createdAt', 'updatedAt', 'round', 'stateTitle', 'history', 'subject',
]);

@Resolver(() => WorkflowInstanceType)
export class WorkflowResolver {
  constructor(private readonly services: Pick<Services, 'workflow'>) {}

  @Query(() => WorkflowNotificationConnection, { description: 'Reminders and overdue notices for my roles, or for me; newest first.' })
  myNotifications(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs) {
    return this.services.workflow.notifications(ctx.em, viewer, page);
  }

  @Query(() => WorkflowTaskType, {
    nullable: true,
    description: '任务 — a task by id: its assignee or claimant, or staff over the organisation it is routed to. Null, with NOT_FOUND at `task`, otherwise.',
  })
  task(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The task’s id.' }) id: string) {
    return this.services.workflow.task(ctx.em, viewer, id);
  }

  @Query(() => WorkflowInstanceType, {
    nullable: true,
    description: '流程实例 — an instance by id: its applicant, staff over the subject’s organisation, or whoever it was copied to (抄送). Null, with NOT_FOUND at `workflowInstance`, otherwise.',
  })
  workflowInstance(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The instance’s id.' }) id: string) {
    return this.services.workflow.instance(ctx.em, viewer, id);
  }

  @Query(() => WorkflowInstanceConnection, { description: '流程实例列表 — the instances I may read (mine, and those in my organisations’ subtrees), newest first.' })
  workflowInstances(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => InstanceFilter, { nullable: true, description: 'Narrow the list down.' }) filter?: InstanceFilter,
  ) {
    return this.services.workflow.instances(ctx.em, viewer, filter, page);
  }

  @Query(() => HistoryEntryConnection, {
    nullable: true,
    description:
      '审批记录 — every recorded act in your scope (staff), or on one instance you may read (filter.instanceId), newest first. Null, with the error at `approvalHistory`, when refused (FORBIDDEN for non-staff, NOT_FOUND for an instance you may not read).',
  })
  approvalHistory(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => HistoryFilter, { nullable: true, description: 'Narrow the history down.' }) filter?: HistoryFilter,
  ) {
    return this.services.workflow.history(ctx.em, viewer, filter, page);
  }

  @Query(() => [WorkflowDefinitionType], { description: 'Every loaded definition version, with its Mermaid diagram.' })
  workflowDefinitions(@CurrentViewer() viewer: Viewer) {
    viewer;
    return this.services.workflow.definitions.all().map(describeDefinition);
  }

  @Query(() => [FailedWorkType], { description: 'Administrators: jobs that failed for good in your scope, oldest first. The reconciler retries them after a back-off; retryFailedWork does it now.' })
  async failedWork(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('first', () => Int, { defaultValue: 50, description: 'How many, oldest first.' }) first: number) {
    const rows = await this.services.workflow.failedWork(ctx.em, viewer, first);
    return rows.map((r) => ({ id: String(r.id), jobName: r.job_name, instanceId: r.instance_id, ref: r.ref, failure: r.failure, failedAt: r.failed_at, dueAt: r.run_at, retries: r.generation }));
  }

  @Mutation(() => [ID], { description: 'Administrators: hands failed work back to the workers now, under new job ids. Returns the ids retried.' })
  retryFailedWork(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('ids', () => [ID], { description: 'FailedWork ids.' }) ids: string[]) {
    return this.services.workflow.retryFailedWork(ctx.em, viewer, ids);
  }

  @Mutation(() => WorkflowTaskType, { description: '认领 Takes the task so no one else decides it meanwhile.' })
  claimTask(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('taskId', () => ID, { description: 'The open task.' }) taskId: string) {
    return this.services.workflow.claim(ctx.em, viewer, taskId);
  }

  @Mutation(() => WorkflowTaskType, { description: '取消认领 Releases a claimed task to the other holders of its role (administrators may release someone else’s claim).' })
  unclaimTask(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('taskId', () => ID, { description: 'The claimed task.' }) taskId: string) {
    return this.services.workflow.unclaim(ctx.em, viewer, taskId);
  }

  @Mutation(() => WorkflowTaskType, { description: '改派 Hands the task to another holder of its role (claimed for them).' })
  reassignTask(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The open task.' }) taskId: string,
    @Arg('toAccountId', () => ID, { description: 'Who gets it: a holder of one of its candidate roles on its organisation or above.' }) toAccountId: string,
  ) {
    return this.services.workflow.reassign(ctx.em, viewer, taskId, toAccountId);
  }

  @Mutation(() => WorkflowInstanceType, {
    description: 'Acts on a task (approve, reject, return, a vote…). Repeating it with the same idempotencyKey returns the first result.',
  })
  decide(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The open task.' }) taskId: string,
    @Arg('action', () => String, { description: 'The action key, one of the task’s viewerActions (e.g. approve, reject, return); action keys are data of the workflow definitions.' }) action: string,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true, description: '意见 — a comment; required where the action says commentRequired.' }) comment?: string,
  ) {
    return this.services.workflow.decide(ctx.em, viewer, { taskId, action, comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, {
    description: '驳回到任意节点 Returns the instance to an earlier step of this round (one of returnTargets), or to the applicant, with a reason; it goes on from there.',
  })
  returnToStep(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The open task of the step returning it.' }) taskId: string,
    @Arg('step', () => String, { description: 'The step to resume from: one of the instance’s returnTargets.' }) step: string,
    @Arg('comment', () => String, { description: 'Why (required).' }) comment: string,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
  ) {
    return this.services.workflow.returnToStep(ctx.em, viewer, { taskId, step, comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, {
    description: '转办 Transfers the task to another person who could hold its role on its organisation, with a reason; the deadline stays.',
  })
  transferTask(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The open task to transfer.' }) taskId: string,
    @Arg('toAccountId', () => ID, { description: 'Who takes it over: holds the role there or above, or is staff of that organisation; not you, not the applicant.' }) toAccountId: string,
    @Arg('reason', () => String, { description: 'Why (required).' }) reason: string,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
  ) {
    return this.services.workflow.transferTask(ctx.em, viewer, { taskId, toAccountId, reason, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, {
    description: '抄送 Copies the instance to accounts: each gets a read-only notice and may read the instance.',
  })
  carbonCopy(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The open task of the step copying it.' }) taskId: string,
    @Arg('accountIds', () => [ID], { description: '1-20 accounts, none copied before.' }) accountIds: string[],
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true, description: 'A note for the history.' }) comment?: string,
  ) {
    return this.services.workflow.carbonCopy(ctx.em, viewer, { taskId, accountIds, comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, {
    description: '催办 Nudges the assignees of the open step (applicant, or a holder of its role higher up); once per step per day (URGED_RECENTLY).',
  })
  urge(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('instanceId', () => ID, { description: 'The instance whose open step to urge.' }) instanceId: string,
    @Arg('comment', () => String, { nullable: true, description: 'A note for the history.' }) comment?: string,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return this.services.workflow.urge(ctx.em, viewer, { instanceId, comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, { description: '撤回 The applicant withdraws before a final decision.' })
  withdraw(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('instanceId', () => ID, { description: 'My instance.' }) instanceId: string,
    @Arg('comment', () => String, { nullable: true, description: 'Why, for the history.' }) comment?: string,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return this.services.workflow.actOnInstance(ctx.em, viewer, instanceId, { operation: 'withdraw', action: 'withdraw', comment, idempotencyKey });
  }

  @Mutation(() => WorkflowInstanceType, { description: '重新提交 The applicant resubmits after a return, optionally with corrected data.' })
  resubmit(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('instanceId', () => ID, { description: 'My returned instance.' }) instanceId: string,
    @Arg('comment', () => String, { nullable: true, description: 'A note for the reviewers.' }) comment?: string,
    @Arg('changes', () => GraphQLJSONObject, { nullable: true, description: 'Corrected subject fields, e.g. { "amount": 300000 }.' })
    changes?: SubjectData,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return this.services.workflow.actOnInstance(ctx.em, viewer, instanceId, { operation: 'resubmit', action: 'resubmit', comment, data: changes, idempotencyKey });
  }

  @FieldResolver(() => Int, { description: 'Revision round: 1, then +1 on each resubmission.' })
  round(@Parent() instance: WorkflowInstance | InstanceHead) {
    return instance.data.round;
  }

  @FieldResolver(() => [String], { description: '驳回目标 The steps returnToStep may send the instance back to from its current step: earlier steps of this round, and the applicant’s step.' })
  returnTargets(@Parent() instance: WorkflowInstance) {
    return returnTargets(this.services.workflow.definitionOf(instance), instance.data);
  }

  @FieldResolver(() => [CarbonCopyType], { description: '抄送 Everyone the instance was copied to, oldest first.' })
  carbonCopies(@Parent() instance: WorkflowInstance) {
    return (instance.data.carbonCopies ?? []).map((c) => ({ ...c, at: new Date(c.at) }));
  }

  @FieldResolver(() => String, { description: 'The title of the current state.' })
  stateTitle(@Parent() instance: WorkflowInstance | InstanceHead) {
    return this.services.workflow.definitionOf(instance).states[instance.state]?.title ?? instance.state;
  }

  @FieldResolver(() => [WorkflowTaskType], { description: '待办任务 — the tasks of the current step that are still open.' })
  openTasks(@Parent() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return this.services.workflow.openTasks(ctx.em, instance);
  }

  @FieldResolver(() => [HistoryEntryType], { description: 'Every act, oldest first: transitions and the acts beside them (claims, reassignments…).' })
  history(@Parent() instance: WorkflowInstance | InstanceHead, @Ctx() ctx: GqlContext) {
    return ctx.loaders.history.load({ id: instance.id, seq: instance.seq });
  }

  @FieldResolver(() => [StepVisitType], { description: '时间线 — each visit of a step, oldest first, with the time spent and whether it ran over its deadline.' })
  timeline(@Parent() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return this.services.workflow.timeline(ctx.em, instance);
  }

  @FieldResolver(() => HistoryIntegrityType, { description: 'Whether the recorded history is as it was written.' })
  integrity(@Parent() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    return this.services.workflow.integrity(ctx.em, instance);
  }

  @FieldResolver(() => PersonType, { description: '提交人 — who filed it, with the organisation it was filed for.' })
  startedBy(@Parent() instance: WorkflowInstance, @Ctx() ctx: GqlContext) {
    const by = instance.data.startedBy;
    return person(ctx, { accountId: by.accountId, organizationId: by.organizationId, capacity: by.as });
  }

  @FieldResolver(() => [VoteType], { description: 'Votes cast in the current vote step.' })
  votes(@Parent() instance: WorkflowInstance) {
    return instance.data.current.votes.map((v) => ({ ...v, at: new Date(v.at) }));
  }

  @FieldResolver(() => [AvailableActionType], {
    deprecationReason: 'The same for every viewer: use WorkflowTask.viewerActions, which says what you may do now.',
    description: 'Actions the current state has, whoever may take them.',
  })
  availableActions(@Parent() instance: WorkflowInstance) {
    return this.services.workflow.availableActions(instance);
  }
}

@Resolver(() => WorkflowTaskType)
export class WorkflowTaskResolver {
  constructor(private readonly services: Pick<Services, 'workflow'>) {}

  @FieldResolver(() => Boolean, { description: '已超期 — open and past its deadline.' })
  overdue(@Parent() task: WorkflowTaskType) {
    return task.status === 'OPEN' && task.dueAt.getTime() < Date.now();
  }

  @FieldResolver(() => PersonType, { nullable: true, description: '认领人 — who claimed it.' })
  claimant(@Parent() task: WorkflowTaskType, @Ctx() ctx: GqlContext) {
    return person(ctx, task.claimedBy ? { accountId: task.claimedBy } : null);
  }

  @FieldResolver(() => PersonType, { nullable: true, description: '指派给 — the person it is assigned to (the applicant, for a revision).' })
  assignee(@Parent() task: WorkflowTaskType, @Ctx() ctx: GqlContext) {
    return person(ctx, task.assignedTo ? { accountId: task.assignedTo } : null);
  }

  @FieldResolver(() => PersonType, { nullable: true, description: '决定人 — who decided it.' })
  decider(@Parent() task: WorkflowTaskType, @Ctx() ctx: GqlContext) {
    return person(ctx, task.decidedBy ? { accountId: task.decidedBy } : null);
  }

  @FieldResolver(() => WorkflowInstanceType, {
    nullable: true,
    description: 'The instance it belongs to. Null, with NOT_FOUND at this path, when you may see the task but not the instance (e.g. a claimant who no longer holds the role).',
  })
  instance(@Parent() task: WorkflowTaskType & Pick<InboxRow, 'joinedInstance' | 'joinedHead'>, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    // An inbox page reads its tasks' instances (or their heads) in its own statement, answered without a promise;
    // other tasks go through the loader, which a head must not stand in for.
    if (task.joinedHead) return this.services.workflow.visible(viewer, task.joinedHead);
    const joined = task.joinedInstance;
    if (!joined) return ctx.loaders.instance.load(task.instanceId).then((instance) => this.services.workflow.visible(viewer, instance));
    ctx.loaders.instance.prime(joined.id, joined);
    return this.services.workflow.visible(viewer, joined);
  }
}

/** A person by id, or null for none. */
const person = (ctx: GqlContext, key: PersonKey | null) => (key?.accountId ? ctx.loaders.person.load(key) : null);

@Resolver(() => HistoryEntryType)
export class HistoryEntryResolver {
  @FieldResolver(() => PersonType, { nullable: true, description: '操作人 — who acted, with the organisation, role and capacity of the act; null when the system did (see system).' })
  actor(@Parent() entry: HistoryRow, @Ctx() ctx: GqlContext) {
    return person(ctx, entry.actorAccountId ? { accountId: entry.actorAccountId, organizationId: entry.actorOrganizationId, role: entry.actorRole, capacity: entry.actingAs } : null);
  }

  @FieldResolver(() => PersonType, { nullable: true, description: '被代理人 — delegation: whose task or authority the actor used; null when acting in person.' })
  onBehalfOf(@Parent() entry: HistoryRow, @Ctx() ctx: GqlContext) {
    return person(ctx, entry.onBehalfOfAccountId ? { accountId: entry.onBehalfOfAccountId } : null);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: '系统操作 — when no person acted, why the system did: timer:reminder, timer:deadline, timer:notice (a public notice ended) or effect:<name>:<outcome> (e.g. effect:disburse:INSUFFICIENT_FUNDS).',
  })
  system(@Parent() entry: HistoryRow) {
    return systemReason(entry);
  }

  @FieldResolver(() => [FieldChangeType], { description: 'A resubmission: the fields it changed, old → new, personal data masked; empty otherwise.' })
  changes(@Parent() entry: HistoryRow) {
    return entry.detail?.changes ?? [];
  }

  @FieldResolver(() => TimerKind, { nullable: true, description: '定时器 — the timer that fired, for an act of the system on a timer; null otherwise.' })
  timerKind(@Parent() entry: HistoryRow) {
    return entry.cause.type === 'timer' ? entry.cause.kind : null;
  }
}

@Resolver(() => CarbonCopyType)
export class CarbonCopyResolver {
  @FieldResolver(() => PersonType, { nullable: true, description: '抄送人 — the person copied; null when a role was copied (see role, organizationId).' })
  person(@Parent() copy: CarbonCopyType, @Ctx() ctx: GqlContext) {
    return person(ctx, copy.accountId ? { accountId: copy.accountId } : null);
  }
}

@Resolver(() => VoteType)
export class VoteResolver {
  @FieldResolver(() => PersonType, { description: '投票人 — the committee member, with the organisation they sat for.' })
  voter(@Parent() vote: Vote, @Ctx() ctx: GqlContext) {
    return person(ctx, { accountId: vote.accountId, organizationId: vote.organizationId, capacity: 'voter' });
  }
}
