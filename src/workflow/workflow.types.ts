import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLJSON, GraphQLJSONObject } from 'graphql-scalars';
import { Role } from '../auth/role';
import { ConnectionType } from '../common/connection';
import { NodeInterface } from '../graphql/node.types';
import { ActingCapacity } from '../people/person.types';

/** Why "data of the definitions": the fields so described take their values from workflows/*.yaml, not from a fixed set. */
const DEFINITION_DATA = 'Data of the workflow definitions (workflows/*.yaml), not a fixed set, hence a String.';

export enum InstanceStatus {
  ACTIVE = 'ACTIVE',
  COMPLETED = 'COMPLETED',
}
registerEnumType(InstanceStatus, {
  name: 'WorkflowInstanceStatus',
  description: '流程状态 — whether an instance is still running.',
  valuesConfig: {
    ACTIVE: { description: '进行中 — active: not yet in a final state.' },
    COMPLETED: { description: '已办结 — completed: in a final state; outcome says which.' },
  },
});

export enum TaskStatus {
  OPEN = 'OPEN',
  DONE = 'DONE',
  CANCELLED = 'CANCELLED',
}
registerEnumType(TaskStatus, {
  name: 'WorkflowTaskStatus',
  description: '任务状态 — where a task stands.',
  valuesConfig: {
    OPEN: { description: '待办 — open, waiting for an approver (or the applicant, or voters).' },
    DONE: { description: '已办 — done: the task decided (decision says how, decider who).' },
    CANCELLED: { description: '已取消 — cancelled: the step was left by another act (withdrawn, escalated, timed out…), not by a decision on this task.' },
  },
});

export enum TaskKind {
  TASK = 'task',
  VOTE = 'vote',
  APPLICANT = 'applicant',
}
registerEnumType(TaskKind, {
  name: 'WorkflowTaskKind',
  description: '任务类型 — who a task waits for.',
  valuesConfig: {
    TASK: { description: '审批任务 — an approval task for a holder of one of its candidate roles at the routed organisation.' },
    VOTE: { description: '投票 — a committee vote: each voter votes once, approve or reject.' },
    APPLICANT: { description: '申请人任务 — for the applicant: a revision after a return (resubmit or withdraw).' },
  },
});

export enum StateKind {
  TASK = 'task',
  VOTE = 'vote',
  TIMER = 'timer',
  SYSTEM = 'system',
  FINAL = 'final',
}
registerEnumType(StateKind, {
  name: 'WorkflowStateKind',
  description: '环节类型 — what a state of a definition does.',
  valuesConfig: {
    TASK: { description: '审批环节 — waits for a task to be decided by a person.' },
    VOTE: { description: '投票环节 — waits for a committee vote to reach its quorum.' },
    TIMER: { description: '计时环节 — waits for a period to pass, e.g. a public notice (公示).' },
    SYSTEM: { description: '系统环节 — runs an effect (e.g. a disbursement) and goes on by its outcome.' },
    FINAL: { description: '终态 — final: the instance is completed with this state’s outcome.' },
  },
});

export enum VoteChoice {
  APPROVE = 'approve',
  REJECT = 'reject',
}
registerEnumType(VoteChoice, {
  name: 'VoteChoice',
  description: '表决意见 — how a committee member voted.',
  valuesConfig: { APPROVE: { description: '赞成 — approve.' }, REJECT: { description: '反对 — reject.' } },
});

export enum NotificationReason {
  REMINDER = 'reminder',
  OVERDUE = 'overdue',
  URGE = 'urge',
  CARBON_COPY = 'carbonCopy',
}
registerEnumType(NotificationReason, {
  name: 'WorkflowNotificationReason',
  description: '通知类型 — why a notification was filed.',
  valuesConfig: {
    REMINDER: { description: '到期提醒 — reminder: a step’s deadline is near.' },
    OVERDUE: { description: '超期通知 — overdue: a step’s deadline has passed.' },
    URGE: { description: '催办 — urge: the applicant or a supervisor nudged the assignees.' },
    CARBON_COPY: { description: '抄送 — carbon copy: a read-only copy of an instance.' },
  },
});

export enum JobKind {
  OPEN_TASK = 'open-task',
  TIMER = 'timer',
  EFFECT = 'effect',
  NOTIFY = 'notify',
}
registerEnumType(JobKind, {
  name: 'WorkflowJobKind',
  description: '后台作业类型 — what a background job of the workflow engine does.',
  valuesConfig: {
    OPEN_TASK: { description: '开启任务 — opens a task (routes it, notifies its inboxes).' },
    TIMER: { description: '定时器 — fires a timer: a reminder, a deadline or the end of a notice.' },
    EFFECT: { description: '副作用 — runs an effect of a system step, e.g. a disbursement.' },
    NOTIFY: { description: '通知 — files a reminder or overdue notice.' },
  },
});

export enum TimerKind {
  REMINDER = 'reminder',
  DEADLINE = 'deadline',
  NOTICE = 'notice',
}
registerEnumType(TimerKind, {
  name: 'WorkflowTimerKind',
  description: '定时器类型 — which timer fired.',
  valuesConfig: {
    REMINDER: { description: '提醒 — the reminder before a step’s deadline.' },
    DEADLINE: { description: '期限 — the step’s deadline passed (escalation).' },
    NOTICE: { description: '公示期满 — a timer step (e.g. a public notice) ended.' },
  },
});

export enum SubjectType {
  AID_APPLICATION = 'AID_APPLICATION',
  EXPENSE = 'EXPENSE',
  NOMINATION = 'NOMINATION',
}
registerEnumType(SubjectType, {
  name: 'WorkflowSubjectType',
  description: '审批事项类型 — what kind of subject an instance decides.',
  valuesConfig: {
    AID_APPLICATION: { description: '帮扶申请 — an aid application.' },
    EXPENSE: { description: '经费支出 — an expense.' },
    NOMINATION: { description: '评选推荐 — an award nomination.' },
  },
});

@ObjectType('WorkflowTask', { implements: NodeInterface, description: '任务 — a step waiting for a person: routed to a role at an organisation, or to the applicant.' })
export class WorkflowTaskType {
  @Field(() => ID, { description: 'The task’s id (for claimTask, decide, bulkDecide…).' })
  id!: string;

  @Field(() => ID, { description: 'The instance it belongs to.' })
  instanceId!: string;

  @Field(() => String, { description: `流程 — the workflow definition key, e.g. aid-application. ${DEFINITION_DATA}` })
  definitionKey!: string;

  @Field(() => String, { description: `环节 — the state of the definition this task belongs to, e.g. COUNTY_REVIEW. ${DEFINITION_DATA}` })
  step!: string;

  @Field(() => String, { description: '标题 — the step’s title, as the definition gives it.' })
  title!: string;

  @Field(() => TaskKind, { description: 'An approval task, a vote, or the applicant’s revision.' })
  kind!: `${TaskKind}`;

  @Field(() => [Role], { description: 'Roles that may act on it at the routed organisation; empty for the applicant’s task.' })
  candidateRoles!: `${Role}`[];

  @Field(() => [String], { description: `Action keys the candidates may take (see viewerActions for yours). ${DEFINITION_DATA}` })
  actions!: string[];

  @Field(() => Int, { description: 'The revision round it was opened in.' })
  round!: number;

  @Field(() => ID, { nullable: true, description: 'The account that claimed it.', deprecationReason: 'Use claimant { accountId displayName organization { name } }.' })
  claimedBy?: string | null;

  @Field(() => ID, { nullable: true, description: 'The account it is assigned to.', deprecationReason: 'Use assignee { accountId displayName organization { name } }.' })
  assignedTo?: string | null;

  @Field(() => GraphQLDateTime, { description: '到达时间 — when it opened.' })
  openedAt!: Date;

  @Field(() => GraphQLDateTime, { description: '截止时间 — its deadline.' })
  dueAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: '提醒时间 — when its reminder was sent; null before.' })
  remindedAt?: Date | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the deadline passed and the step was escalated.' })
  overdueAt?: Date | null;

  @Field(() => Boolean, { description: 'Reopened higher up after its deadline passed.' })
  escalated!: boolean;

  @Field(() => TaskStatus, { description: 'Open, done or cancelled.' })
  status!: `${TaskStatus}`;

  @Field(() => String, { nullable: true, description: `决定 — the action key it was decided with, e.g. approve; null until done. ${DEFINITION_DATA}` })
  decision?: string | null;

  @Field(() => ID, { nullable: true, description: 'The account that decided it.', deprecationReason: 'Use decider { accountId displayName organization { name } }.' })
  decidedBy?: string | null;

  @Field(() => GraphQLDateTime, { nullable: true, description: '办结时间 — when it was decided or cancelled.' })
  decidedAt?: Date | null;
}

@ObjectType('FieldChange', { description: '修改的字段 — one field a resubmission changed, old → new (personal data masked).' })
export class FieldChangeType {
  @Field(() => String, { description: 'The subject field, e.g. amount.' })
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
  @Field(() => ID, { description: 'The entry’s id.' })
  id!: string;

  @Field(() => ID, { description: 'The instance it belongs to.' })
  instanceId!: string;

  @Field(() => Int, { description: 'The instance’s transition count after it (an act that is not a transition keeps the one before).' })
  seq!: number;

  @Field(() => String, { description: `流程 — the workflow definition key. ${DEFINITION_DATA}` })
  definitionKey!: string;

  @Field(() => Int, { description: 'The definition version the instance runs on.' })
  definitionVersion!: number;

  @Field(() => GraphQLDateTime, { description: '时间 — when it happened.' })
  at!: Date;

  @Field(() => String, { nullable: true, description: `From state; null for the start. ${DEFINITION_DATA}` })
  fromState?: string | null;

  @Field(() => String, { description: `To state. ${DEFINITION_DATA}` })
  toState!: string;

  @Field(() => String, {
    description: `The action, or start / remind / escalate / timeout / <effect>:<outcome>; claim / unclaim / reassign for acts that are not transitions. Action keys are data of the workflow definitions, hence a String.`,
  })
  action!: string;

  @Field(() => Boolean, { description: 'false for an act that left the state as it was (claim, unclaim, reassign…): from and to are the state it was in.' })
  transition!: boolean;

  @Field(() => ID, { nullable: true, description: 'The account that acted.', deprecationReason: 'Use actor { accountId displayName organization { name } role capacity }.' })
  actorAccountId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The organisation the actor acted for.', deprecationReason: 'Use actor { organization { id name } }.' })
  actorOrganizationId?: string | null;

  @Field(() => ActingCapacity, { nullable: true, description: '身份 — the capacity of the act (also actor.capacity); null when the system acted.' })
  actingAs?: `${ActingCapacity}` | null;

  @Field(() => Role, { nullable: true, description: 'The role the actor held for the act (also actor.role); null on rows recorded before it was kept.' })
  actorRole?: `${Role}` | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'What the act names beyond the columns: taskId, fromAccountId, toAccountId (claims, reassignments), changes (a resubmission).',
  })
  detail?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: '意见 — the comment or reason given.' })
  comment?: string | null;

  @Field(() => Int, { description: 'The revision round it happened in.' })
  round!: number;
}

export const HistoryEntryConnection = ConnectionType(HistoryEntryType, 'HistoryEntry');

@ObjectType('Vote', { description: '投票 — one committee member’s vote in the current vote step.' })
export class VoteType {
  @Field(() => ID, { description: 'The voter’s account.', deprecationReason: 'Use voter { accountId displayName organization { name } }.' })
  accountId!: string;

  @Field(() => VoteChoice, { description: 'Approve or reject.' })
  choice!: `${VoteChoice}`;

  @Field(() => String, { nullable: true, description: '意见 — the voter’s comment.' })
  comment?: string | null;

  @Field(() => GraphQLDateTime, { description: 'When the vote was cast.' })
  at!: Date;
}

@ObjectType('AvailableAction', { description: 'An action the current state has, and who may take it.' })
export class AvailableActionType {
  @Field(() => String, { description: `The action key. ${DEFINITION_DATA}` })
  action!: string;

  @Field(() => ActingCapacity, { description: 'Who may take it: assignee, voter, applicant or public.' })
  as!: `${ActingCapacity}`;
}

@ObjectType('WorkflowInstance', { implements: NodeInterface, description: '流程实例 — one run of a workflow definition deciding one subject (an application, an expense, a nomination).' })
export class WorkflowInstanceType {
  @Field(() => ID, { description: 'The instance’s id.' })
  id!: string;

  @Field(() => String, { description: `流程 — the workflow definition key, e.g. aid-application. ${DEFINITION_DATA}` })
  definitionKey!: string;

  @Field(() => Int, { description: 'The definition version it started on and keeps.' })
  definitionVersion!: number;

  @Field(() => SubjectType, { description: 'What it decides: an aid application, an expense or a nomination.' })
  subjectType!: `${SubjectType}`;

  @Field(() => ID, { description: 'The application, expense or nomination (see subject).' })
  subjectId!: string;

  @Field(() => ID, { description: 'The subject’s own organisation.' })
  subjectOrgId!: string;

  @Field(() => String, { description: `当前环节 — the current state, e.g. COUNTY_REVIEW. ${DEFINITION_DATA}` })
  state!: string;

  @Field(() => InstanceStatus, { description: 'Active or completed.' })
  status!: InstanceStatus;

  @Field(() => String, { nullable: true, description: `结果 — the final state’s outcome once completed (APPROVED, REJECTED, WITHDRAWN, PAID…); null while active. ${DEFINITION_DATA}` })
  outcome?: string | null;

  @Field(() => Int, { description: 'Transitions so far; increases by one with each.' })
  seq!: number;

  @Field(() => GraphQLDateTime, { description: '发起时间 — when it started.' })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'When it last moved.' })
  updatedAt!: Date;
}

@ObjectType('HistoryIntegrity', { description: 'The history hash chain recomputed: an edited or deleted transition breaks it.' })
export class HistoryIntegrityType {
  @Field(() => Boolean, { description: 'Whether every recorded transition still matches its hash.' })
  intact!: boolean;

  @Field(() => Int, { nullable: true, description: 'The first transition whose hash does not match (after a deleted one, the next).' })
  firstBrokenSeq?: number | null;
}

export const WorkflowInstanceConnection = ConnectionType(WorkflowInstanceType, 'WorkflowInstance');

@ObjectType('WorkflowStateInfo', { description: '环节 — one state of a workflow definition.' })
export class WorkflowStateInfo {
  @Field(() => String, { description: `The state key, e.g. COUNTY_REVIEW. ${DEFINITION_DATA}` })
  key!: string;

  @Field(() => StateKind, { description: 'Task, vote, timer, system or final.' })
  kind!: `${StateKind}`;

  @Field(() => String, { description: '标题 — the state’s title.' })
  title!: string;

  @Field(() => String, { nullable: true, description: `For final states: the outcome an instance ends with there. ${DEFINITION_DATA}` })
  outcome?: string | null;
}

@ObjectType('WorkflowTransitionInfo', { description: '流转 — one transition of a workflow definition.' })
export class WorkflowTransitionInfo {
  @Field(() => String, { description: `The state it leaves. ${DEFINITION_DATA}` })
  from!: string;

  @Field(() => String, { description: `The action or outcome that takes it. ${DEFINITION_DATA}` })
  on!: string;

  @Field(() => [String], { description: 'Possible targets (several for a conditional route).' })
  to!: string[];
}

@ObjectType('WorkflowDefinition', { description: '流程定义 — one loaded version of a workflow definition (workflows/*.yaml).' })
export class WorkflowDefinitionType {
  @Field(() => String, { description: `The definition key, e.g. aid-application. ${DEFINITION_DATA}` })
  key!: string;

  @Field(() => Int, { description: 'The version; instances keep the one they started on.' })
  version!: number;

  @Field(() => String, { description: '标题 — the definition’s title.' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'What the workflow is for, as the definition says.' })
  description?: string;

  @Field(() => String, { description: 'The initial state (states joined with | for a conditional start).' })
  initial!: string;

  @Field(() => GraphQLJSONObject, { description: 'Named parameters such as thresholds.' })
  parameters!: Record<string, unknown>;

  @Field(() => [WorkflowStateInfo], { description: 'Its states.' })
  states!: WorkflowStateInfo[];

  @Field(() => [WorkflowTransitionInfo], { description: 'Its transitions.' })
  transitions!: WorkflowTransitionInfo[];

  @Field(() => String, { description: 'A Mermaid stateDiagram-v2 of the definition.' })
  mermaid!: string;
}

@InputType({ description: 'The filters of workflowInstances, joined with and.' })
export class InstanceFilter {
  @Field(() => String, { nullable: true, description: 'Only this workflow (definition key, e.g. aid-application).' })
  definitionKey?: string;

  @Field(() => String, { nullable: true, description: 'Only instances in this state (state key, e.g. COUNTY_REVIEW).' })
  state?: string;

  @Field(() => InstanceStatus, { nullable: true, description: 'Only active or only completed instances.' })
  status?: InstanceStatus;

  @Field(() => ID, { nullable: true, description: 'Only the instance of this application, expense or nomination.' })
  subjectId?: string;

  @Field(() => ID, { nullable: true, description: 'Subjects of this organisation and its subtree.' })
  organizationId?: string;

  @Field(() => Boolean, { nullable: true, description: 'Only those I started.' })
  mine?: boolean;

  @Field(() => Boolean, { nullable: true, description: '抄送我的 Only those copied to me (true: read-only for me unless I may read them otherwise), or only those not (false).' })
  copiedToMe?: boolean;
}

@InputType({ description: 'The filters of approvalHistory, joined with and.' })
export class HistoryFilter {
  @Field(() => ID, { nullable: true, description: 'Only this instance’s acts.' })
  instanceId?: string;

  @Field(() => ID, { nullable: true, description: 'The application, expense or nomination.' })
  subjectId?: string;

  @Field(() => ID, { nullable: true, description: 'Only acts by this account.' })
  actorAccountId?: string;

  @Field(() => ID, { nullable: true, description: 'The organisation the actor acted for.' })
  organizationId?: string;

  @Field(() => String, { nullable: true, description: 'Only this action, e.g. approve or claim.' })
  action?: string;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'From this instant (inclusive).' })
  from?: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Until this instant (exclusive).' })
  to?: Date;
}

@ObjectType('WorkflowNotification', { description: 'A reminder before a deadline, a notice that a step is overdue, an urge (催办) from the applicant or a supervisor, or a read-only carbon copy (抄送) of an instance.' })
export class WorkflowNotificationType {
  @Field(() => ID, { description: 'The notification’s id.' })
  id!: string;

  @Field(() => ID, { description: 'The instance it is about.' })
  instanceId!: string;

  @Field(() => NotificationReason, { description: 'Reminder, overdue, urge (催办) or carbon copy (抄送).' })
  reason!: `${NotificationReason}`;

  @Field(() => String, { description: `The step it is about. ${DEFINITION_DATA}` })
  step!: string;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'The step’s deadline, when it has one.' })
  dueAt?: Date | null;

  @Field(() => GraphQLDateTime, { description: 'When it was filed.' })
  createdAt!: Date;
}

export const WorkflowNotificationConnection = ConnectionType(WorkflowNotificationType, 'WorkflowNotification');

@ObjectType('FailedWork', { description: 'A job that failed for good: the obligation it was for stays until it is retried and done. Ids only.' })
export class FailedWorkType {
  @Field(() => ID, { description: 'The obligation’s id (for retryFailedWork).' })
  id!: string;

  @Field(() => JobKind, { description: 'Open a task, fire a timer, run an effect or file a notice.' })
  jobName!: `${JobKind}`;

  @Field(() => ID, { description: 'The instance it was for.' })
  instanceId!: string;

  @Field(() => String, { description: 'The task id, timer id or effect key it was for.' })
  ref!: string;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (error class and SQLSTATE; never data).' })
  failure?: string | null;

  @Field(() => GraphQLDateTime, { description: 'When it last failed.' })
  failedAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'When the job was due.' })
  dueAt!: Date;

  @Field(() => Int, { description: 'How often it has been retried so far.' })
  retries!: number;
}

@ObjectType('CarbonCopy', { description: '抄送 Someone copied on an instance: an account, or a role at an organisation. They may read the instance.' })
export class CarbonCopyType {
  @Field(() => ID, { nullable: true, description: 'The account copied, when one was named.', deprecationReason: 'Use person { accountId displayName organization { name } }.' })
  accountId?: string | null;

  @Field(() => Role, { nullable: true, description: 'The role copied (named in the definition), with organizationId.' })
  role?: `${Role}` | null;

  @Field(() => ID, { nullable: true, description: 'The organisation the role copied is held on.' })
  organizationId?: string | null;

  @Field(() => String, { description: `The step in which it was copied. ${DEFINITION_DATA}` })
  step!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was copied.' })
  at!: Date;
}

@ObjectType('StepVisit', { description: '环节耗时 — one visit of a step: when it was entered and left, the time spent, its deadline and whether it ran over.' })
export class StepVisitType {
  @Field(() => String, { description: `The step (state key). ${DEFINITION_DATA}` })
  step!: string;

  @Field(() => String, { description: '标题 — the step’s title.' })
  title!: string;

  @Field(() => StateKind, { description: 'Task, vote, timer, system or final.' })
  kind!: `${StateKind}`;

  @Field(() => GraphQLDateTime, { description: 'When it was entered.' })
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
