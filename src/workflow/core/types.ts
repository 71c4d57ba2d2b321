/**
 * Types of the pure workflow core. Everything here is plain JSON data: definitions come from YAML, instance
 * states and transitions are stored and replayed by the outer layer. No classes, no Dates (ISO strings only).
 */

export type JsonScalar = string | number | boolean | null;
export type JsonValue = JsonScalar | JsonValue[] | { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------------------
// Organisations and routing
// ---------------------------------------------------------------------------------------------------------

/** Mirrors OrganizationLevel in src/organizations; kept as strings so the core imports nothing. */
export type OrgLevel = 'PROVINCE' | 'CITY' | 'COUNTY' | 'TOWN' | 'PARK' | 'SECTOR' | 'INDUSTRY' | 'GRASSROOTS';

/** Where a step is routed: the subject's own organisation, or its nearest ancestor-or-self at that level. */
export type RouteLevel = 'SUBJECT_ORG' | 'GRASSROOTS' | 'COUNTY' | 'CITY' | 'PROVINCE';
export const ROUTE_LEVELS: readonly RouteLevel[] = ['SUBJECT_ORG', 'GRASSROOTS', 'COUNTY', 'CITY', 'PROVINCE'];

/** An organisation as the core sees it: `path` is the materialized path "/rootId/…/ownId/". */
export interface OrgRef {
  id: string;
  path: string;
  level: OrgLevel;
}

export interface Grant {
  role: string;
  /** Materialized path of the organisation the role is held on; it covers that organisation's subtree. */
  path: string;
}

// ---------------------------------------------------------------------------------------------------------
// Definitions (the validated, defaulted form of workflows/*.yaml)
// ---------------------------------------------------------------------------------------------------------

export type CompareOp = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'notIn' | 'exists';

/** A small declarative expression language over subject data and parameters; evaluated, never eval'd. */
export type Condition =
  | { field: string; op: CompareOp; param?: string; value?: JsonScalar | JsonScalar[] }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

/** One branch of a conditional route; the last entry has no `when` and is the default. */
export interface RouteEntry {
  when?: Condition;
  to: string;
}

/** A transition target: a state key, or conditional routes evaluated in order. */
export type Target = string | RouteEntry[];

/** `required`: the action is refused without a non-blank comment (a reason, findings). */
export type CommentRule = 'required' | 'optional';

export interface ActionDef {
  to: Target;
  comment: CommentRule;
  label?: string;
  /** Resubmission: the revision round counter goes up by one. */
  newRound: boolean;
  /** The action may carry replacement subject data (e.g. a corrected amount on resubmit). */
  updatesSubject: boolean;
}

export interface Assignee {
  role: string;
  organization: RouteLevel;
}

export type Reminder = { before: string } | { at: number };

export type Escalation =
  /** Tell someone (default: the step's own candidates) that the step is overdue; the task stays put. */
  | { action: 'notify'; recipient?: Assignee }
  /** Close the task and reopen it for a role at a higher level, with a fresh deadline. Once only. */
  | { action: 'reassign'; assignee: Assignee }
  /** Leave the state along `to` (e.g. a returned application nobody resubmits is withdrawn). */
  | { action: 'expire'; to: Target };

export type ActionMap = Record<string, ActionDef>;

interface StateBase {
  title: string;
  description?: string;
}

/** 驳回到任意节点: the assignee may send the instance back to any earlier human step of this round. */
export interface ReturnRule {
  /** The applicant's revision step (an `assignee: applicant` task) they may also return to; none if absent. */
  applicant?: string;
}

/** 催办: the applicant, or a holder of the step's role higher up, may nudge the assignees once per `every`. */
export interface UrgeRule {
  every: string;
}

/** 抄送: a read-only notice when the step is decided, to roles named here and to accounts the assignee adds. */
export interface CarbonCopyRule {
  recipients: Assignee[];
  /** The assignee may copy further accounts while the step is open. */
  byAssignee: boolean;
}

export interface TaskStateDef extends StateBase {
  kind: 'task';
  /** A role at a routed organisation, or the applicant themselves (a revision step). */
  assignee: Assignee | 'applicant';
  deadline: string;
  reminder?: Reminder;
  escalation: Escalation;
  /** Actions by the assignee. */
  actions: ActionMap;
  /** Actions by the applicant/submitter while the step is open (withdraw). */
  applicantActions: ActionMap;
  /** Actions by any authenticated account. */
  publicActions: ActionMap;
  /** The approval actions this step allows; each is absent (forbidden) unless declared. */
  returnTo?: ReturnRule;
  /** 转办: the assignee may hand the task to another eligible person, with a reason. */
  transfer: boolean;
  urge?: UrgeRule;
  /** An out-of-office substitute may act on the delegator's task here. */
  delegable: boolean;
  carbonCopy?: CarbonCopyRule;
}

/** The approval actions the core knows by name, whatever the state; a definition may not declare them as its own. */
export const APPROVAL_ACTIONS = ['returnTo', 'transfer', 'urge', 'carbonCopy'] as const;
export type ApprovalAction = (typeof APPROVAL_ACTIONS)[number];

export interface BallotChoice {
  comment: CommentRule;
}

export interface VoteStateDef extends StateBase {
  kind: 'vote';
  voters: { roles: string[]; organization: RouteLevel };
  /** Passes once `approvals` approve; fails as soon as more than `of - approvals` reject. */
  quorum: { approvals: number; of: number };
  ballot: { approve: BallotChoice; reject: BallotChoice };
  outcomes: { passed: Target; failed: Target };
  deadline: string;
  reminder?: Reminder;
  escalation: Escalation;
  applicantActions: ActionMap;
  publicActions: ActionMap;
}

export interface TimerStateDef extends StateBase {
  kind: 'timer';
  duration: string;
  then: Target;
  applicantActions: ActionMap;
  publicActions: ActionMap;
}

export type ValueRef = { field: string } | { param: string } | { value: JsonValue };

export interface SystemStateDef extends StateBase {
  kind: 'system';
  effect: string;
  input: Record<string, ValueRef>;
  /** `ok` plus named failure outcomes (UPPER_SNAKE). */
  on: Record<string, Target>;
}

export interface FinalStateDef extends StateBase {
  kind: 'final';
  outcome: string;
}

export type StateDef = TaskStateDef | VoteStateDef | TimerStateDef | SystemStateDef | FinalStateDef;
export type StateKind = StateDef['kind'];

export type ParamType = 'integer' | 'number' | 'string' | 'boolean';
export interface ParameterDef {
  type: ParamType;
  value: JsonScalar;
  description?: string;
}

export type FieldType = 'integer' | 'number' | 'string' | 'boolean';
export interface FieldDef {
  type: FieldType;
  required: boolean;
  enum?: JsonScalar[];
  description?: string;
}

export interface WorkflowDefinition {
  key: string;
  version: number;
  title: string;
  description?: string;
  parameters: Record<string, ParameterDef>;
  /** The subject data the workflow reads; conditions and effect inputs may only use these fields. */
  subject: { fields: Record<string, FieldDef> };
  initial: Target;
  states: Record<string, StateDef>;
}

// ---------------------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------------------

export type SubjectData = Record<string, JsonValue>;

export interface Subject {
  /** The aid application / expense / nomination this instance decides. */
  id: string;
  /** The subject's own organisation (the applicant's grassroots union, the submitting union, …). */
  organization: OrgRef;
  /** Its ancestors with their levels (any order); the outer layer loads them once at start. */
  ancestors: OrgRef[];
  data: SubjectData;
}

/** Who acts, as the outer layer established it. The core checks roles against routed organisations. */
export interface Actor {
  accountId: string;
  organizationId: string | null;
  grants: Grant[];
  /** The applicant/submitter of this subject (or their union acting on their behalf), per the outer layer. */
  isApplicant: boolean;
  /**
   * The account this actor substitutes for (out-of-office delegation, as the outer layer found it active now),
   * with only the delegated grants. Never itself a substitute's: delegations do not chain.
   */
  onBehalfOf?: { accountId: string; organizationId: string | null; grants: Grant[]; isApplicant: boolean } | null;
}

/** The capacity in which an actor acted; kept in history for the reviewers who trace decisions. */
export type ActingAs = 'assignee' | 'voter' | 'applicant' | 'public' | 'starter' | 'supervisor';

export interface ActorRef {
  accountId: string;
  organizationId: string | null;
  as: ActingAs;
  /** Set when a substitute acted: the delegator whose task it was. */
  onBehalfOf?: string;
}

export type TimerKind = 'reminder' | 'deadline' | 'notice';

export interface TimerSpec {
  /** Deterministic: `${instanceId}:${seq that scheduled it}:${kind}`; usable as a job id. */
  id: string;
  kind: TimerKind;
  /** ISO-8601 UTC instant. */
  fireAt: string;
  step: string;
}

export interface TaskSpec {
  /** Deterministic: `${instanceId}:${seq that opened it}:${step}`. */
  taskId: string;
  step: string;
  title: string;
  kind: 'task' | 'vote' | 'applicant';
  /** Any of these roles on `organizationPath` (or an ancestor) may act; empty for applicant tasks. */
  candidateRoles: string[];
  route: RouteLevel | null;
  organizationId: string | null;
  organizationPath: string | null;
  /** Actions the candidates may take on this task. */
  actions: string[];
  round: number;
  openedAt: string;
  dueAt: string;
  /** Set on a task reopened by escalation. */
  escalated: boolean;
  /** Set on a transferred task: only this account (or their substitute) acts on it. */
  assignedTo?: string;
}

/** Who was copied on an instance (抄送): an account, or a role at an organisation; they may read the instance. */
export interface CarbonCopy {
  accountId: string | null;
  role: string | null;
  organizationId: string | null;
  organizationPath: string | null;
  step: string;
  at: string;
}

export interface EffectSpec {
  name: string;
  /** Deterministic: `${instanceId}:${seq}:${name}`; the outer layer must run an effect at most once per key. */
  idempotencyKey: string;
  params: Record<string, JsonValue>;
  /** True for system steps: the outer layer must report the outcome with `effectCompleted`. */
  awaitOutcome: boolean;
}

export interface Vote {
  accountId: string;
  organizationId: string | null;
  choice: 'approve' | 'reject';
  comment: string | null;
  at: string;
}

export interface CurrentState {
  state: string;
  kind: StateKind;
  enteredAt: string;
  /** The seq of the transition that entered this state. */
  entrySeq: number;
  task: TaskSpec | null;
  votes: Vote[];
  pendingEffect: { name: string; idempotencyKey: string } | null;
  /** Timers scheduled and not yet fired or cancelled. */
  timers: TimerSpec[];
  /** How many times the deadline escalation ran in this state visit. */
  escalations: number;
  /** When the assignees were last urged in this state visit. */
  urgedAt?: string | null;
}

export type InstanceStatus = 'ACTIVE' | 'COMPLETED';

export interface InstanceState {
  instanceId: string;
  definitionKey: string;
  definitionVersion: number;
  subject: Subject;
  startedBy: ActorRef;
  startedAt: string;
  updatedAt: string;
  /** One per transition, starting at 1; use it for optimistic locking. */
  seq: number;
  /** Revision round: 1 for the first submission, +1 on each resubmission. */
  round: number;
  status: InstanceStatus;
  /** The final state's outcome once COMPLETED (APPROVED, REJECTED, WITHDRAWN, PAID, BOOKED, AWARDED…). */
  outcome: string | null;
  current: CurrentState;
  /** The human steps entered in this round, in order: where a return may send the instance back to. */
  trail?: string[];
  /** Everyone copied so far (抄送). */
  carbonCopies?: CarbonCopy[];
}

/** What caused a history entry; with `at`, `actor` and `comment` it is enough to replay the transition. */
export type HistoryCause =
  | { type: 'start'; data: SubjectData }
  | { type: 'act'; taskId: string | null; data: SubjectData | null; returnTo?: string; transferTo?: string; copyTo?: string[] }
  | { type: 'effect'; effect: string; idempotencyKey: string; outcome: string }
  | { type: 'timer'; timerId: string; kind: TimerKind };

export interface HistoryEntry {
  instanceId: string;
  seq: number;
  at: string;
  from: string | null;
  to: string;
  /** The action name, or `start`, `remind`, `escalate`, `expire`, `timeout`, `<effect>:<outcome>`. */
  action: string;
  actor: ActorRef | null;
  comment: string | null;
  round: number;
  cause: HistoryCause;
}

export interface Transition {
  state: InstanceState;
  /** False for a no-op (a stale timer or a duplicate effect outcome): persist nothing. */
  changed: boolean;
  history: HistoryEntry[];
  openTasks: TaskSpec[];
  /** Task ids to close. */
  closeTasks: string[];
  timers: TimerSpec[];
  /** Timer ids to cancel. */
  cancelTimers: string[];
  effects: EffectSpec[];
}

// ---------------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------------

export interface StartInput {
  instanceId: string;
  subject: Subject;
  startedBy: { accountId: string; organizationId: string | null };
  now: string;
}

export interface ActInput {
  action: string;
  actor: Actor;
  /** The task the client saw; if given and no longer open, the action is refused as STALE_TASK. */
  taskId?: string | null;
  comment?: string | null;
  /** Replacement subject data, only on actions declaring `updatesSubject`. */
  data?: SubjectData | null;
  /** `returnTo`: the earlier step to resume from. */
  returnTo?: string | null;
  /** `transfer`: the person the task goes to, whom the outer layer found able to hold its role on its organisation. */
  transferTo?: { accountId: string; isApplicant: boolean } | null;
  /** `carbonCopy`: accounts to copy (the outer layer checked they exist). */
  copyTo?: string[] | null;
  now: string;
}

export interface EffectCompletedInput {
  effect: string;
  idempotencyKey: string;
  /** `ok` or a failure outcome declared on the system state. */
  outcome: string;
  now: string;
}

export interface TimerFiredInput {
  timerId: string;
  kind: TimerKind;
  now: string;
}
