import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { NodeInterface } from '../graphql/node.types';

export enum InstanceStatus {
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
}
registerEnumType(InstanceStatus, { name: 'WorkflowInstanceStatus' });

@ObjectType('WorkflowTask', { implements: NodeInterface, description: 'A step waiting for a person: routed to a role at an organisation, or to the applicant.' })
export class WorkflowTaskType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  instanceId!: string;

  @Field(() => String)
  definitionKey!: string;

  @Field(() => String, { description: 'The state of the definition this task belongs to.' })
  step!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { description: 'task, vote or applicant.' })
  kind!: string;

  @Field(() => [String], { description: 'Roles that may act on it at the routed organisation.' })
  candidateRoles!: string[];

  @Field(() => [String], { description: 'Actions the candidates may take.' })
  actions!: string[];

  @Field(() => Int)
  round!: number;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use claimant { accountId displayName organization { name } }.' })
  claimedBy?: string | null;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use assignee { accountId displayName organization { name } }.' })
  assignedTo?: string | null;

  @Field(() => GraphQLDateTime)
  openedAt!: Date;

  @Field(() => GraphQLDateTime)
  dueAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  remindedAt?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the deadline passed and the step was escalated.' })
  overdueAt?: Date | null;

  @Field(() => Boolean, { description: 'Reopened higher up after its deadline passed.' })
  escalated!: boolean;

  @Field(() => String, { description: 'OPEN, DONE or CANCELLED.' })
  status!: string;

  @Field(() => String, { nullable: true })
  decision?: string | null;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use decider { accountId displayName organization { name } }.' })
  decidedBy?: string | null;

  @Field(() => GraphQLDateTime, { nullable: true })
  decidedAt?: Date | null;
}

export const WorkflowTaskConnection = ConnectionType(WorkflowTaskType, 'WorkflowTask');

@ObjectType('FieldChange', { description: '修改的字段 — one field a resubmission changed, old → new (personal data masked).' })
export class FieldChangeType {
  @Field(() => String)
  field!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The value before.' })
  from!: unknown;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The value after.' })
  to!: unknown;
}

@ObjectType('HistoryEntry', {
  description:
    '审批记录 — one recorded act: a transition (who, in which organisation and capacity, when, from which state to which, why), or an act that leaves the state as it is (claim, unclaim, reassign…, with transition false).',
})
export class HistoryEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  instanceId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => String)
  definitionKey!: string;

  @Field(() => Int)
  definitionVersion!: number;

  @Field(() => GraphQLDateTime)
  at!: Date;

  @Field(() => String, { nullable: true })
  fromState?: string | null;

  @Field(() => String)
  toState!: string;

  @Field(() => String, {
    description: 'The action, or start / remind / escalate / timeout / <effect>:<outcome>; claim / unclaim / reassign for acts that are not transitions.',
  })
  action!: string;

  @Field(() => Boolean, { description: 'false for an act that left the state as it was (claim, unclaim, reassign…): from and to are the state it was in.' })
  transition!: boolean;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use actor { accountId displayName organization { name } role capacity }.' })
  actorAccountId?: string | null;

  @Field(() => ID, { nullable: true, deprecationReason: 'Use actor { organization { id name } }.' })
  actorOrganizationId?: string | null;

  @Field(() => String, { nullable: true, description: 'assignee, voter, applicant, public, starter or administrator (also actor.capacity).' })
  actingAs?: string | null;

  @Field(() => String, { nullable: true, description: 'The role the actor held for the act (also actor.role); null on rows recorded before it was kept.' })
  actorRole?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'What the act names beyond the columns: taskId, fromAccountId, toAccountId (claims, reassignments), changes (a resubmission).',
  })
  detail?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  comment?: string | null;

  @Field(() => Int)
  round!: number;
}

export const HistoryEntryConnection = ConnectionType(HistoryEntryType, 'HistoryEntry');

@ObjectType('Vote')
export class VoteType {
  @Field(() => ID, { deprecationReason: 'Use voter { accountId displayName organization { name } }.' })
  accountId!: string;

  @Field(() => String)
  choice!: string;

  @Field(() => String, { nullable: true })
  comment?: string | null;

  @Field(() => String)
  at!: string;
}

@ObjectType('AvailableAction')
export class AvailableActionType {
  @Field(() => String)
  action!: string;

  @Field(() => String, { description: 'Who may take it: assignee, voter, applicant or public.' })
  as!: string;
}

@ObjectType('WorkflowInstance', { implements: NodeInterface })
export class WorkflowInstanceType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  definitionKey!: string;

  @Field(() => Int, { description: 'The definition version it started on and keeps.' })
  definitionVersion!: number;

  @Field(() => String, { description: 'AID_APPLICATION, EXPENSE or NOMINATION.' })
  subjectType!: string;

  @Field(() => ID)
  subjectId!: string;

  @Field(() => ID)
  subjectOrgId!: string;

  @Field(() => String)
  state!: string;

  @Field(() => InstanceStatus)
  status!: InstanceStatus;

  @Field(() => String, { nullable: true })
  outcome?: string | null;

  @Field(() => Int, { description: 'Transitions so far; increases by one with each.' })
  seq!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

@ObjectType('HistoryIntegrity', { description: 'The history hash chain recomputed: an edited or deleted transition breaks it.' })
export class HistoryIntegrityType {
  @Field(() => Boolean)
  intact!: boolean;

  @Field(() => Int, { nullable: true, description: 'The first transition whose hash does not match (after a deleted one, the next).' })
  firstBrokenSeq?: number | null;
}

export const WorkflowInstanceConnection = ConnectionType(WorkflowInstanceType, 'WorkflowInstance');

@ObjectType('WorkflowStateInfo')
export class WorkflowStateInfo {
  @Field(() => String)
  key!: string;

  @Field(() => String, { description: 'task, vote, timer, system or final.' })
  kind!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true, description: 'For final states.' })
  outcome?: string | null;
}

@ObjectType('WorkflowTransitionInfo')
export class WorkflowTransitionInfo {
  @Field(() => String)
  from!: string;

  @Field(() => String, { description: 'The action or outcome that takes it.' })
  on!: string;

  @Field(() => [String], { description: 'Possible targets (several for a conditional route).' })
  to!: string[];
}

@ObjectType('WorkflowDefinition')
export class WorkflowDefinitionType {
  @Field(() => String)
  key!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description?: string;

  @Field(() => String)
  initial!: string;

  @Field(() => GraphQLJSONObject, { description: 'Named parameters such as thresholds.' })
  parameters!: Record<string, unknown>;

  @Field(() => [WorkflowStateInfo])
  states!: WorkflowStateInfo[];

  @Field(() => [WorkflowTransitionInfo])
  transitions!: WorkflowTransitionInfo[];

  @Field(() => String, { description: 'A Mermaid stateDiagram-v2 of the definition.' })
  mermaid!: string;
}

@InputType()
export class InstanceFilter {
  @Field(() => String, { nullable: true })
  definitionKey?: string;

  @Field(() => String, { nullable: true })
  state?: string;

  @Field(() => InstanceStatus, { nullable: true })
  status?: InstanceStatus;

  @Field(() => ID, { nullable: true })
  subjectId?: string;

  @Field(() => ID, { nullable: true, description: 'Subjects of this organisation and its subtree.' })
  organizationId?: string;

  @Field(() => Boolean, { nullable: true, description: 'Only those I started.' })
  mine?: boolean;

  @Field(() => Boolean, { nullable: true, description: '抄送我的 Only those copied to me (true: read-only for me unless I may read them otherwise), or only those not (false).' })
  copiedToMe?: boolean;
}

@InputType()
export class HistoryFilter {
  @Field(() => ID, { nullable: true })
  instanceId?: string;

  @Field(() => ID, { nullable: true, description: 'The application, expense or nomination.' })
  subjectId?: string;

  @Field(() => ID, { nullable: true })
  actorAccountId?: string;

  @Field(() => ID, { nullable: true, description: 'The organisation the actor acted for.' })
  organizationId?: string;

  @Field(() => String, { nullable: true })
  action?: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  from?: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  to?: Date;
}

@ObjectType('WorkflowNotification', { description: 'A reminder before a deadline, a notice that a step is overdue, an urge (催办) from the applicant or a supervisor, or a read-only carbon copy (抄送) of an instance.' })
export class WorkflowNotificationType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  instanceId!: string;

  @Field(() => String, { description: 'reminder, overdue, urge (催办) or carbonCopy (抄送).' })
  reason!: string;

  @Field(() => String)
  step!: string;

  @Field(() => GraphQLDateTime, { nullable: true })
  dueAt?: Date | null;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const WorkflowNotificationConnection = ConnectionType(WorkflowNotificationType, 'WorkflowNotification');

@ObjectType('FailedWork', { description: 'A job that failed for good: the obligation it was for stays until it is retried and done. Ids only.' })
export class FailedWorkType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'open-task, timer, effect or notify.' })
  jobName!: string;

  @Field(() => ID)
  instanceId!: string;

  @Field(() => String, { description: 'The task id, timer id or effect key it was for.' })
  ref!: string;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (error class and SQLSTATE; never data).' })
  failure?: string | null;

  @Field(() => GraphQLDateTime)
  failedAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'When the job was due.' })
  dueAt!: Date;

  @Field(() => Int, { description: 'How often it has been retried so far.' })
  retries!: number;
}

@ObjectType('CarbonCopy', { description: '抄送 Someone copied on an instance: an account, or a role at an organisation. They may read the instance.' })
export class CarbonCopyType {
  @Field(() => ID, { nullable: true, description: 'The account copied, when one was named.' })
  accountId?: string | null;

  @Field(() => String, { nullable: true, description: 'The role copied (named in the definition), with organizationId.' })
  role?: string | null;

  @Field(() => ID, { nullable: true, description: 'The organisation the role copied is held on.' })
  organizationId?: string | null;

  @Field(() => String, { description: 'The step in which it was copied.' })
  step!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was copied.' })
  at!: Date;
}

@ObjectType('StepVisit', { description: '环节耗时 — one visit of a step: when it was entered and left, the time spent, its deadline and whether it ran over.' })
export class StepVisitType {
  @Field(() => String)
  step!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { description: 'task, vote, timer, system or final.' })
  kind!: string;

  @Field(() => GraphQLDateTime)
  enteredAt!: Date;

  @Field(() => String, { description: 'The action that entered it (start, approve, resubmit, escalate…).' })
  enteredBy!: string;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Null while it is the current step; a final state is left when entered.' })
  leftAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'The action that left it.' })
  leftBy!: string | null;

  @Field(() => Int, { description: '耗时 — whole seconds spent, until now for the current step.' })
  secondsSpent!: number;

  @Field(() => GraphQLDateTime, { nullable: true, description: '期限 — the deadline it was entered with; null for steps without one.' })
  dueAt!: Date | null;

  @Field(() => Boolean, { description: '超期 — left after its deadline, or still there past it.' })
  overran!: boolean;

  @Field(() => Boolean, { description: 'Its task was reopened higher up after the deadline passed.' })
  escalated!: boolean;
}
