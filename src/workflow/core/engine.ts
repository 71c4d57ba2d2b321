import { resolveTarget } from './conditions';
import { addDuration, fractionBetween, parseInstant } from './duration';
import { ruleError, WorkflowRuleError } from './errors';
import { holdsAnyRole, resolveRoute } from './routing';
import { covers } from '../../common/subtree';
import { APPROVAL_ACTIONS } from './types';
import type {
  ActInput,
  ActingAs,
  ActionDef,
  Actor,
  ActorRef,
  ApprovalAction,
  Assignee,
  CarbonCopy,
  CommentRule,
  CurrentState,
  EffectCompletedInput,
  EffectSpec,
  Grant,
  HistoryCause,
  HistoryEntry,
  InstanceState,
  JsonValue,
  OrgRef,
  RouteLevel,
  StartInput,
  StateDef,
  Subject,
  SubjectData,
  TaskSpec,
  TaskStateDef,
  Target,
  TimerFiredInput,
  TimerSpec,
  Transition,
  ValueRef,
  VoteStateDef,
  WorkflowDefinition,
} from './types';

export const MAX_COMMENT_LENGTH = 2000;

const samePath = (a: string, b: string) => (a.endsWith('/') ? a : `${a}/`) === (b.endsWith('/') ? b : `${b}/`);

// ---------------------------------------------------------------------------------------------------------
// Transition assembly
// ---------------------------------------------------------------------------------------------------------

/** The side-effect lists of one transition, filled while the new state is built. */
interface Out {
  openTasks: TaskSpec[];
  closeTasks: string[];
  timers: TimerSpec[];
  cancelTimers: string[];
  effects: EffectSpec[];
}

const emptyOut = (): Out => ({ openTasks: [], closeTasks: [], timers: [], cancelTimers: [], effects: [] });

const noop = (state: InstanceState): Transition => ({ state, changed: false, history: [], ...emptyOut() });

function finish(state: InstanceState, entry: HistoryEntry, out: Out): Transition {
  return { state, changed: true, history: [entry], ...out };
}

// ---------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------

function requireInstant(now: string): void {
  if (parseInstant(now) === null) throw ruleError('INVALID_INPUT', `now must be an ISO-8601 instant with offset, got ${JSON.stringify(now)}`);
}

/** Normalises the caller's clock to one canonical ISO form so history and timers compare exactly. */
const canonical = (now: string) => new Date(parseInstant(now) as number).toISOString();

function stateDef(def: WorkflowDefinition, key: string): StateDef {
  const s = def.states[key];
  if (!s) throw ruleError('UNKNOWN_STATE', `state ${key} is not declared in ${def.key} v${def.version}`, { state: key });
  return s;
}

function checkDefinition(def: WorkflowDefinition, state: InstanceState): StateDef {
  if (state.definitionKey !== def.key || state.definitionVersion !== def.version) {
    throw ruleError(
      'DEFINITION_MISMATCH',
      `instance runs ${state.definitionKey} v${state.definitionVersion}, not ${def.key} v${def.version}`,
    );
  }
  return stateDef(def, state.current.state);
}

function route(subject: Subject, level: RouteLevel): OrgRef {
  const org = resolveRoute(level, subject.organization, subject.ancestors);
  if (!org) throw ruleError('ROUTE_UNRESOLVED', `no ${level} organisation above the subject's organisation`, { route: level });
  return org;
}

/** Every routing level a definition may need, so a subject outside a complete tree is refused at start. */
function routesUsed(def: WorkflowDefinition): RouteLevel[] {
  const levels = new Set<RouteLevel>();
  const addEscalation = (s: TaskStateDef | VoteStateDef) => {
    if (s.escalation.action === 'reassign') levels.add(s.escalation.assignee.organization);
    if (s.escalation.action === 'notify' && s.escalation.recipient) levels.add(s.escalation.recipient.organization);
  };
  for (const s of Object.values(def.states)) {
    if (s.kind === 'task') {
      if (s.assignee !== 'applicant') levels.add(s.assignee.organization);
      for (const r of s.carbonCopy?.recipients ?? []) levels.add(r.organization);
      addEscalation(s);
    } else if (s.kind === 'vote') {
      levels.add(s.voters.organization);
      addEscalation(s);
    }
  }
  return [...levels];
}

/** Checks subject data against the declared fields; returns problems as `field: message`. */
export function subjectProblems(def: WorkflowDefinition, data: SubjectData): string[] {
  const problems: string[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['data: must be an object'];
  for (const [name, field] of Object.entries(def.subject.fields)) {
    const v = data[name];
    if (v === undefined || v === null) {
      if (field.required) problems.push(`${name}: required`);
      continue;
    }
    const ok =
      field.type === 'integer'
        ? Number.isSafeInteger(v)
        : field.type === 'number'
          ? typeof v === 'number' && Number.isFinite(v)
          : typeof v === field.type;
    if (!ok) problems.push(`${name}: expected ${field.type}`);
    else if (field.enum && !field.enum.includes(v as never)) problems.push(`${name}: must be one of ${field.enum.join(', ')}`);
  }
  return problems;
}

function validateSubject(def: WorkflowDefinition, data: SubjectData): void {
  const problems = subjectProblems(def, data);
  if (problems.length) throw ruleError('INVALID_SUBJECT', `subject data is invalid: ${problems.join('; ')}`, { problems });
}

function normaliseComment(comment: string | null | undefined): string | null {
  const c = typeof comment === 'string' ? comment.trim() : '';
  // In characters (code points), as the services count them: 2,000 Chinese characters or emoji are 2,000.
  if ([...c].length > MAX_COMMENT_LENGTH) throw ruleError('COMMENT_TOO_LONG', `comment must be at most ${MAX_COMMENT_LENGTH} characters`);
  return c.length ? c : null;
}

/**
 * A deep copy of the state's plain data (it is stored as JSON): arrays and plain objects are copied, anything
 * else is shared, as nothing here mutates it. Six times cheaper than structuredClone, on every transition.
 */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  // Asked of the tag, not the prototype, so an object made in another realm (a test's vm context) counts as plain.
  if (Object.prototype.toString.call(value) !== '[object Object]') return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) copy[key] = clone(source[key]);
  return copy as T;
}

// ---------------------------------------------------------------------------------------------------------
// Entering and leaving states
// ---------------------------------------------------------------------------------------------------------

function stepTimers(
  state: InstanceState,
  step: string,
  seq: number,
  openedAt: string,
  s: TaskStateDef | VoteStateDef,
): { dueAt: string; timers: TimerSpec[] } {
  const dueAt = addDuration(openedAt, s.deadline);
  const timers: TimerSpec[] = [];
  if (s.reminder) {
    const fireAt =
      'before' in s.reminder ? addDuration(dueAt, s.reminder.before, -1) : fractionBetween(openedAt, dueAt, s.reminder.at);
    timers.push({ id: `${state.instanceId}:${seq}:reminder`, kind: 'reminder', fireAt, step });
  }
  timers.push({ id: `${state.instanceId}:${seq}:deadline`, kind: 'deadline', fireAt: dueAt, step });
  return { dueAt, timers };
}

function openTask(
  state: InstanceState,
  step: string,
  s: TaskStateDef | VoteStateDef,
  seq: number,
  now: string,
  assignee: Assignee | 'applicant' | { roles: string[]; organization: RouteLevel },
  escalated: boolean,
  out: Out,
): void {
  const { dueAt, timers } = stepTimers(state, step, seq, now, s);
  let task: TaskSpec;
  const base = { taskId: `${state.instanceId}:${seq}:${step}`, step, title: s.title, round: state.round, openedAt: now, dueAt, escalated };
  if (assignee === 'applicant') {
    task = { ...base, kind: 'applicant', candidateRoles: [], route: null, organizationId: null, organizationPath: null, actions: Object.keys((s as TaskStateDef).actions) };
  } else {
    const roles = 'roles' in assignee ? assignee.roles : [assignee.role];
    const org = route(state.subject, assignee.organization);
    const actions = s.kind === 'vote' ? ['approve', 'reject'] : Object.keys(s.actions);
    task = { ...base, kind: s.kind, candidateRoles: roles, route: assignee.organization, organizationId: org.id, organizationPath: org.path, actions };
  }
  state.current.task = task;
  state.current.timers.push(...timers);
  out.openTasks.push(task);
  out.timers.push(...timers);
}

/** A system step's effect parameters, read from the subject and the definition's parameters. */
export function resolveInput(def: WorkflowDefinition, state: InstanceState, input: Record<string, ValueRef>) {
  const params: Record<string, JsonValue> = {};
  for (const [name, ref] of Object.entries(input)) {
    if ('field' in ref) params[name] = state.subject.data[ref.field] ?? null;
    else if ('param' in ref) params[name] = def.parameters[ref.param]?.value ?? null;
    else params[name] = ref.value;
  }
  return params;
}

/** Enters `key` as transition `seq`: opens its task/vote, schedules its timers, requests its effect. */
function enter(def: WorkflowDefinition, state: InstanceState, key: string, seq: number, now: string, out: Out): void {
  const s = stateDef(def, key);
  const current: CurrentState = {
    state: key,
    kind: s.kind,
    enteredAt: now,
    entrySeq: seq,
    task: null,
    votes: [],
    pendingEffect: null,
    timers: [],
    escalations: 0,
  };
  state.current = current;
  switch (s.kind) {
    case 'task':
      // A role's step joins this round's trail: a later step may return the instance to it.
      if (s.assignee !== 'applicant') state.trail = [...(state.trail ?? []), key];
      openTask(state, key, s, seq, now, s.assignee, false, out);
      break;
    case 'vote':
      openTask(state, key, s, seq, now, s.voters, false, out);
      break;
    case 'timer': {
      const timer: TimerSpec = { id: `${state.instanceId}:${seq}:notice`, kind: 'notice', fireAt: addDuration(now, s.duration), step: key };
      current.timers.push(timer);
      out.timers.push(timer);
      break;
    }
    case 'system': {
      const idempotencyKey = `${state.instanceId}:${seq}:${s.effect}`;
      current.pendingEffect = { name: s.effect, idempotencyKey };
      out.effects.push({ name: s.effect, idempotencyKey, params: resolveInput(def, state, s.input), awaitOutcome: true });
      break;
    }
    case 'final':
      state.status = 'COMPLETED';
      state.outcome = s.outcome;
      break;
  }
}

/** Closes the open task and cancels pending timers of the state being left. */
function leave(state: InstanceState, out: Out): void {
  if (state.current.task) out.closeTasks.push(state.current.task.taskId);
  out.cancelTimers.push(...state.current.timers.map((t) => t.id));
  state.current.task = null;
  state.current.timers = [];
}

interface Step {
  action: string;
  actor: ActorRef | null;
  comment: string | null;
  cause: HistoryCause;
}

/** Moves the instance along `target` as one transition, with one history entry. */
function move(def: WorkflowDefinition, prev: InstanceState, target: Target, now: string, step: Step, mutate?: (s: InstanceState, seq: number, out: Out) => void): Transition {
  const state = clone(prev);
  const out = emptyOut();
  const seq = prev.seq + 1;
  mutate?.(state, seq, out);
  const to = resolveTarget(target, state.subject.data, def.parameters);
  leave(state, out);
  enter(def, state, to, seq, now, out);
  state.seq = seq;
  state.updatedAt = now;
  // seq 0 is the blank instance before start: the start entry comes from nowhere.
  return finish(state, entry(state, seq, now, prev.seq === 0 ? null : prev.current.state, to, step), out);
}

/** A transition that stays in the current state (a vote cast, a reminder, an escalation). */
function stay(prev: InstanceState, now: string, step: Step, mutate: (s: InstanceState, seq: number, out: Out) => void): Transition {
  const state = clone(prev);
  const out = emptyOut();
  const seq = prev.seq + 1;
  mutate(state, seq, out);
  state.seq = seq;
  state.updatedAt = now;
  return finish(state, entry(state, seq, now, prev.current.state, prev.current.state, step), out);
}

function entry(state: InstanceState, seq: number, at: string, from: string | null, to: string, step: Step): HistoryEntry {
  return { instanceId: state.instanceId, seq, at, from, to, action: step.action, actor: step.actor, comment: step.comment, round: state.round, cause: step.cause };
}

// ---------------------------------------------------------------------------------------------------------
// start
// ---------------------------------------------------------------------------------------------------------

/** Creates an instance and enters the initial state (routing conditionally if the initial target is a list). */
export function start(def: WorkflowDefinition, input: StartInput): Transition {
  requireInstant(input.now);
  if (!input.instanceId) throw ruleError('INVALID_INPUT', 'instanceId is required');
  validateSubject(def, input.subject.data);
  for (const level of routesUsed(def)) route(input.subject, level);
  const now = canonical(input.now);
  const startedBy: ActorRef = { accountId: input.startedBy.accountId, organizationId: input.startedBy.organizationId, as: 'starter' };
  const blank: InstanceState = {
    instanceId: input.instanceId,
    definitionKey: def.key,
    definitionVersion: def.version,
    subject: clone(input.subject),
    startedBy,
    startedAt: now,
    updatedAt: now,
    seq: 0,
    round: 1,
    status: 'ACTIVE',
    outcome: null,
    current: { state: '', kind: 'task', enteredAt: now, entrySeq: 0, task: null, votes: [], pendingEffect: null, timers: [], escalations: 0 },
    trail: [],
    carbonCopies: [],
  };
  return move(def, blank, def.initial, now, { action: 'start', actor: startedBy, comment: null, cause: { type: 'start', data: clone(input.subject.data) } });
}

// ---------------------------------------------------------------------------------------------------------
// act
// ---------------------------------------------------------------------------------------------------------

type Found =
  | { as: 'assignee' | 'applicant' | 'public'; def: ActionDef }
  | { as: 'voter'; choice: 'approve' | 'reject'; comment: 'required' | 'optional' };

function findAction(s: StateDef, action: string): Found | null {
  const own = (map: Record<string, ActionDef>) => (Object.prototype.hasOwnProperty.call(map, action) ? map[action] : undefined);
  if (s.kind === 'task') {
    const a = own(s.actions);
    if (a) return { as: s.assignee === 'applicant' ? 'applicant' : 'assignee', def: a };
  }
  if (s.kind === 'vote' && (action === 'approve' || action === 'reject')) {
    return { as: 'voter', choice: action, comment: s.ballot[action].comment };
  }
  if (s.kind === 'task' || s.kind === 'vote' || s.kind === 'timer') {
    const a = own(s.applicantActions);
    if (a) return { as: 'applicant', def: a };
    const p = own(s.publicActions);
    if (p) return { as: 'public', def: p };
  }
  return null;
}

/** Actions currently possible in the instance's state (for UIs); authorization is still checked by `act`. */
export function availableActions(def: WorkflowDefinition, state: InstanceState): { action: string; as: ActingAs }[] {
  if (state.status === 'COMPLETED') return [];
  const s = checkDefinition(def, state);
  const list: { action: string; as: ActingAs }[] = [];
  if (s.kind === 'task') for (const a of Object.keys(s.actions)) list.push({ action: a, as: s.assignee === 'applicant' ? 'applicant' : 'assignee' });
  if (s.kind === 'vote') list.push({ action: 'approve', as: 'voter' }, { action: 'reject', as: 'voter' });
  if (s.kind === 'task' || s.kind === 'vote' || s.kind === 'timer') {
    for (const a of Object.keys(s.applicantActions)) list.push({ action: a, as: 'applicant' });
    for (const a of Object.keys(s.publicActions)) list.push({ action: a, as: 'public' });
  }
  return list;
}

/** The open task as the permission checks see it: its candidate roles and the organisation it is routed to. */
export type TaskRef = Pick<TaskSpec, 'candidateRoles' | 'organizationPath'> & Partial<Pick<TaskSpec, 'route' | 'organizationId' | 'assignedTo'>>;

/**
 * Why `actor` may not take `found` on `task`, or on whose behalf they take it: the one check behind `act` and
 * `offeredActions`, so an inbox never offers what a decision then refuses.
 */
function actorCheck(
  def: WorkflowDefinition,
  s: StateDef,
  here: string,
  found: Found,
  task: TaskRef | null,
  a: Actor,
  action: string,
): { refused: WorkflowRuleError } | { onBehalfOf: string | undefined } {
  if (found.as === 'applicant' && !a.isApplicant) {
    return { refused: ruleError('NOT_APPLICANT', `only the applicant may ${action} in ${here}`, { action }) };
  }
  if (found.as === 'assignee') return assigneeCheck(def, s, here, task, a, action);
  if (found.as === 'voter') {
    if (!(task?.organizationPath && holdsAnyRole(a.grants ?? [], task.candidateRoles, task.organizationPath))) {
      return {
        refused: ruleError('NOT_ASSIGNEE', `${action} in ${here} needs ${task?.candidateRoles.join(' or ')} at ${task?.route} ${task?.organizationId}`, {
          action,
          roles: task?.candidateRoles,
          organizationId: task?.organizationId,
        }),
      };
    }
    // A committee is the members seated on that organisation: a role held higher up covers the subtree for
    // ordinary steps, but does not add seats to the vote.
    if (!a.grants.some((g) => task.candidateRoles.includes(g.role) && samePath(g.path, task.organizationPath!))) {
      return { refused: ruleError('NOT_ASSIGNEE', `only members of the committee at ${task.organizationId} vote in ${here}`, { action, organizationId: task.organizationId }) };
    }
    // Separation of duties: nobody votes on what they submitted themselves.
    if (a.isApplicant) {
      return { refused: ruleError('NOT_ASSIGNEE', `the applicant may not ${action} their own ${def.key} in ${here}`, { action, reason: 'OWN_SUBJECT' }) };
    }
  }
  return { onBehalfOf: undefined };
}

/** An action on a task as an inbox offers it: who takes it, its label, whether it needs a comment, whether it may be taken in bulk. */
export interface OfferedAction {
  action: string;
  as: ActingAs;
  label: string;
  comment: CommentRule;
  bulk: boolean;
}

/**
 * The actions `actor` may take on the open task of step `step` now: its assignee actions (or the ballot) that
 * pass the same checks as `act`. `votedBy` are the committee members who have already voted on it.
 */
export function offeredActions(def: WorkflowDefinition, step: string, task: TaskRef & { votedBy?: readonly string[] }, actor: Actor): OfferedAction[] {
  const s = def.states[step];
  if (!s) return [];
  const candidates: [string, Found, string | undefined, boolean][] =
    s.kind === 'task'
      ? Object.entries(s.actions).map(([key, a]) => [key, { as: s.assignee === 'applicant' ? 'applicant' : 'assignee', def: a }, a.label, a.bulk])
      : s.kind === 'vote'
        ? (['approve', 'reject'] as const).map((c) => [c, { as: 'voter', choice: c, comment: s.ballot[c].comment }, s.ballot[c].label, false])
        : [];
  if (s.kind === 'vote' && task.votedBy?.includes(actor.accountId)) return [];
  return candidates
    .filter(([key, found]) => !('refused' in actorCheck(def, s, step, found, task, actor, key)))
    .map(([key, found, label, bulk]) => ({ action: key, as: found.as, label: label ?? key, comment: found.as === 'voter' ? found.comment : found.def.comment, bulk }));
}

/**
 * Who acts as the task's assignee: the actor on their own grants (or, on a transferred task, the person it was
 * transferred to), or, where the step is delegable, as the substitute of the delegator the outer layer named.
 * Returns the delegator's account id when a substitute acts. Separation of duties holds for both.
 */
function assigneeCheck(def: WorkflowDefinition, s: StateDef, here: string, task: TaskRef | null, a: Actor, action: string): { refused: WorkflowRuleError } | { onBehalfOf: string | undefined } {
  const entitled = (accountId: string, grants: readonly Grant[]) =>
    task?.assignedTo ? task.assignedTo === accountId : !!task?.organizationPath && holdsAnyRole(grants, task.candidateRoles, task.organizationPath);
  const delegator = s.kind === 'task' && s.delegable ? (a.onBehalfOf ?? null) : null;
  let onBehalfOf: string | undefined;
  if (!entitled(a.accountId, a.grants ?? [])) {
    if (!delegator || !entitled(delegator.accountId, delegator.grants)) {
      return {
        refused: ruleError(
          'NOT_ASSIGNEE',
          task?.assignedTo
            ? `${action} in ${here} is for the person the task was transferred to`
            : `${action} in ${here} needs ${task?.candidateRoles.join(' or ')} at ${task?.route} ${task?.organizationId}`,
          { action, roles: task?.candidateRoles, organizationId: task?.organizationId },
        ),
      };
    }
    onBehalfOf = delegator.accountId;
  }
  // Separation of duties: nobody decides on what they submitted themselves, in person or through a substitute.
  if (a.isApplicant || (onBehalfOf && delegator?.isApplicant)) {
    return { refused: ruleError('NOT_ASSIGNEE', `the applicant may not ${action} their own ${def.key} in ${here}`, { action, reason: 'OWN_SUBJECT' }) };
  }
  return { onBehalfOf };
}

function assigneeCapacity(def: WorkflowDefinition, s: StateDef, here: string, task: TaskRef | null, a: Actor, action: string): string | undefined {
  const checked = assigneeCheck(def, s, here, task, a, action);
  if ('refused' in checked) throw checked.refused;
  return checked.onBehalfOf;
}

const actorRef = (actor: Actor | ActorRef, as: ActingAs, onBehalfOf: string | undefined): ActorRef => ({
  accountId: actor.accountId,
  organizationId: actor.organizationId ?? null,
  as,
  ...(onBehalfOf ? { onBehalfOf } : {}),
});

/**
 * Applies a human action. `actor` is a full Actor (checked against roles and the applicant flag) or, when
 * replaying history, a trusted ActorRef whose permissions were checked when the action was first taken.
 */
function applyAct(def: WorkflowDefinition, prev: InstanceState, input: Omit<ActInput, 'actor'>, actor: Actor | ActorRef, trusted: boolean): Transition {
  requireInstant(input.now);
  const s = checkDefinition(def, prev);
  const now = canonical(input.now);
  const here = prev.current.state;
  if (prev.status === 'COMPLETED') throw ruleError('INSTANCE_FINISHED', `the instance has finished (${prev.outcome})`, { outcome: prev.outcome });
  const task = prev.current.task;
  if (input.taskId && input.taskId !== task?.taskId) {
    throw ruleError('STALE_TASK', `task ${input.taskId} is no longer open; the instance is at ${here}`, { taskId: input.taskId, current: task?.taskId ?? null });
  }
  if ((APPROVAL_ACTIONS as readonly string[]).includes(input.action)) {
    return approvalAct(def, prev, s, input.action as ApprovalAction, input, actor, trusted, now);
  }
  const found = findAction(s, input.action);
  if (!found) {
    const why = s.kind === 'system' ? ` (waiting for ${s.effect})` : '';
    throw ruleError('ACTION_NOT_ALLOWED', `action ${input.action} is not allowed in state ${here}${why}`, { action: input.action, state: here });
  }

  let onBehalfOf = trusted ? (actor as ActorRef).onBehalfOf : undefined;
  if (!trusted) {
    const checked = actorCheck(def, s, here, found, task, actor as Actor, input.action);
    if ('refused' in checked) throw checked.refused;
    onBehalfOf = checked.onBehalfOf;
  }
  const ref = actorRef(actor, found.as, onBehalfOf);
  const rule = found.as === 'voter' ? found.comment : found.def.comment;
  const comment = normaliseComment(input.comment);
  if (rule === 'required' && !comment) {
    throw ruleError('COMMENT_REQUIRED', `${input.action} in ${here} needs a comment (a reason)`, { action: input.action });
  }
  const data = input.data ?? null;
  const cause: HistoryCause = { type: 'act', taskId: input.taskId ?? null, data: data ? clone(data) : null };
  const step: Step = { action: input.action, actor: ref, comment, cause };

  if (found.as === 'voter') {
    if (data) throw ruleError('DATA_NOT_ALLOWED', 'a vote carries no subject data');
    const vs = s as VoteStateDef;
    if (prev.current.votes.some((v) => v.accountId === ref.accountId)) {
      throw ruleError('ALREADY_VOTED', `account ${ref.accountId} has already voted in ${here}`, { accountId: ref.accountId });
    }
    const votes = [...prev.current.votes, { accountId: ref.accountId, organizationId: ref.organizationId, choice: found.choice, comment, at: now }];
    const approvals = votes.filter((v) => v.choice === 'approve').length;
    const rejections = votes.length - approvals;
    const pushVote = (st: InstanceState) => {
      st.current.votes = votes;
    };
    if (approvals >= vs.quorum.approvals) return move(def, prev, vs.outcomes.passed, now, step, pushVote);
    // Approval is impossible once fewer seats remain than approvals still needed.
    if (rejections > vs.quorum.of - vs.quorum.approvals) return move(def, prev, vs.outcomes.failed, now, step, pushVote);
    return stay(prev, now, step, pushVote);
  }

  const a = found.def;
  if (data && !a.updatesSubject) throw ruleError('DATA_NOT_ALLOWED', `${input.action} does not accept subject data`, { action: input.action });
  if (data) validateSubject(def, { ...prev.subject.data, ...data });
  return move(def, prev, a.to, now, step, (st, seq, out) => {
    if (data) st.subject.data = { ...st.subject.data, ...clone(data) };
    if (a.newRound) {
      st.round += 1;
      st.trail = [];
    }
    if (found.as === 'assignee') copyOnDecision(s, st, seq, now, out);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Approval actions: return to an earlier step, transfer, urge, carbon copy
// ---------------------------------------------------------------------------------------------------------

/** The earlier human steps of this round that a return from the current step may resume from, oldest first. */
export function returnTargets(def: WorkflowDefinition, state: InstanceState): string[] {
  const s = def.states[state.current.state];
  if (state.status !== 'ACTIVE' || s?.kind !== 'task' || !s.returnTo) return [];
  const trail = state.trail ?? [];
  const at = trail.lastIndexOf(state.current.state);
  const earlier = [...new Set(trail.slice(0, at < 0 ? trail.length : at))].filter((k) => k !== state.current.state);
  return s.returnTo.applicant ? [...earlier, s.returnTo.applicant] : earlier;
}

/** A notice (reminder, overdue, urge, carbon copy) for the workers to file; one key per notice. */
function notice(
  state: InstanceState,
  key: string,
  reason: 'reminder' | 'overdue' | 'urge' | 'carbonCopy',
  to: { roles: string[]; organizationId: string | null; accountId: string | null },
  step = state.current.state,
  task: TaskSpec | null = state.current.task,
): EffectSpec {
  return {
    name: 'notify',
    idempotencyKey: key,
    params: { reason, step, taskId: task?.taskId ?? null, dueAt: task?.dueAt ?? null, roles: to.roles, organizationId: to.organizationId, accountId: to.accountId },
    awaitOutcome: false,
  };
}

/** The people a task's notices go to: the person it was transferred to, the applicant of a revision, or its candidates. */
function taskRecipients(state: InstanceState): { roles: string[]; organizationId: string | null; accountId: string | null } {
  const task = state.current.task;
  if (task?.assignedTo) return { roles: [], organizationId: task.organizationId, accountId: task.assignedTo };
  if (task?.kind === 'applicant') return { roles: [], organizationId: null, accountId: state.startedBy.accountId };
  return { roles: task?.candidateRoles ?? [], organizationId: task?.organizationId ?? null, accountId: null };
}

/** The step's named carbon-copy recipients get their notice when its assignee decides it. Called before `enter`. */
function copyOnDecision(s: StateDef, st: InstanceState, seq: number, now: string, out: Out): void {
  if (s.kind !== 'task' || !s.carbonCopy?.recipients.length) return;
  const step = st.current.state;
  const task = st.current.task;
  s.carbonCopy.recipients.forEach((r, i) => {
    const org = route(st.subject, r.organization);
    st.carbonCopies = [...(st.carbonCopies ?? []), { accountId: null, role: r.role, organizationId: org.id, organizationPath: org.path, step, at: now }];
    out.effects.push(notice(st, `${st.instanceId}:${seq}:cc:${i}`, 'carbonCopy', { roles: [r.role], organizationId: org.id, accountId: null }, step, task));
  });
}

function approvalAct(
  def: WorkflowDefinition,
  prev: InstanceState,
  s: StateDef,
  action: ApprovalAction,
  input: Omit<ActInput, 'actor'>,
  actor: Actor | ActorRef,
  trusted: boolean,
  now: string,
): Transition {
  const here = prev.current.state;
  const task = prev.current.task;
  const rule = s.kind === 'task' && s.assignee !== 'applicant' && task ? s : null;
  const allowed =
    rule &&
    (action === 'returnTo' ? !!rule.returnTo : action === 'transfer' ? rule.transfer : action === 'urge' ? !!rule.urge : !!rule.carbonCopy?.byAssignee);
  if (!rule || !task || !allowed) {
    throw ruleError('ACTION_NOT_ALLOWED', `${action} is not allowed in state ${here}`, { action, state: here });
  }
  const comment = normaliseComment(input.comment);
  const needsReason = action === 'returnTo' || action === 'transfer';
  if (needsReason && !comment) throw ruleError('COMMENT_REQUIRED', `${action} in ${here} needs a comment (a reason)`, { action });
  if (input.data) throw ruleError('DATA_NOT_ALLOWED', `${action} does not accept subject data`, { action });

  // Urging is for the applicant and the step's supervisors; the other actions are the assignee's.
  let as: ActingAs = 'assignee';
  let onBehalfOf: string | undefined;
  if (trusted) {
    as = (actor as ActorRef).as;
    onBehalfOf = (actor as ActorRef).onBehalfOf;
  } else if (action === 'urge') {
    const a = actor as Actor;
    const above = (g: Grant) => task.candidateRoles.includes(g.role) && !!task.organizationPath && covers(g.path, task.organizationPath) && !samePath(g.path, task.organizationPath);
    if (a.isApplicant) as = 'applicant';
    else if ((a.grants ?? []).some(above)) as = 'supervisor';
    else throw ruleError('NOT_ALLOWED_TO_URGE', `only the applicant, or a holder of ${task.candidateRoles.join(' or ')} above ${task.organizationId}, may urge ${here}`, { action });
  } else {
    onBehalfOf = assigneeCapacity(def, s, here, task, actor as Actor, action);
  }
  const ref = actorRef(actor, as, onBehalfOf);
  const base = { type: 'act' as const, taskId: input.taskId ?? null, data: null };

  switch (action) {
    case 'returnTo': {
      const target = input.returnTo ?? '';
      const targets = returnTargets(def, prev);
      if (!trusted && !targets.includes(target)) {
        throw ruleError('RETURN_TARGET_INVALID', `${here} may return to ${targets.length ? targets.join(', ') : 'no earlier step'}, not ${JSON.stringify(target)}`, { returnTo: target, allowed: targets });
      }
      const step: Step = { action, actor: ref, comment, cause: { ...base, returnTo: target } };
      return move(def, prev, target, now, step, (st, seq, out) => {
        // The steps after the one resumed from are done again, so they leave the trail (it re-enters itself).
        const trail = st.trail ?? [];
        const at = trail.lastIndexOf(target);
        if (at >= 0) st.trail = trail.slice(0, at);
        copyOnDecision(s, st, seq, now, out);
      });
    }
    case 'transfer': {
      const to = input.transferTo;
      if (!to?.accountId) throw ruleError('INVALID_INPUT', 'transfer needs the account to transfer to');
      if (!trusted) {
        if (to.accountId === actor.accountId || to.accountId === onBehalfOf) throw ruleError('TRANSFER_TARGET_INVALID', 'a task cannot be transferred to oneself', { reason: 'SELF' });
        if (to.isApplicant) throw ruleError('TRANSFER_TARGET_INVALID', `the applicant may not decide their own ${def.key}`, { reason: 'OWN_SUBJECT' });
        if (to.accountId === task.assignedTo) throw ruleError('TRANSFER_TARGET_INVALID', 'the task is already assigned to that person', { reason: 'ALREADY_ASSIGNED' });
      }
      const step: Step = { action, actor: ref, comment, cause: { ...base, transferTo: to.accountId } };
      return stay(prev, now, step, (st, seq, out) => {
        // A new task for the new assignee, with the step's deadline and timers unchanged.
        const moved: TaskSpec = { ...task, taskId: `${st.instanceId}:${seq}:${here}`, openedAt: now, assignedTo: to.accountId };
        st.current.task = moved;
        out.closeTasks.push(task.taskId);
        out.openTasks.push(moved);
      });
    }
    case 'urge': {
      const last = prev.current.urgedAt;
      const next = last ? addDuration(last, rule.urge!.every) : null;
      if (!trusted && next && now < next) {
        throw ruleError('URGED_RECENTLY', `${here} was urged at ${last}; it may be urged again from ${next}`, { urgedAt: last, nextAllowedAt: next });
      }
      return stay(prev, now, { action, actor: ref, comment, cause: base }, (st, seq, out) => {
        st.current.urgedAt = now;
        out.effects.push(notice(st, `${st.instanceId}:${seq}:notify`, 'urge', taskRecipients(st)));
      });
    }
    case 'carbonCopy': {
      const accounts = input.copyTo ?? [];
      if (!accounts.length || accounts.length > 20 || new Set(accounts).size !== accounts.length || accounts.some((x) => typeof x !== 'string' || !x)) {
        throw ruleError('INVALID_INPUT', 'carbonCopy needs 1-20 distinct accounts');
      }
      const already = accounts.filter((x) => (prev.carbonCopies ?? []).some((c) => c.accountId === x));
      if (!trusted && already.length) throw ruleError('ALREADY_COPIED', `already copied: ${already.join(', ')}`, { accountIds: already });
      return stay(prev, now, { action, actor: ref, comment, cause: { ...base, copyTo: [...accounts] } }, (st, seq, out) => {
        const copies: CarbonCopy[] = accounts.map((accountId) => ({ accountId, role: null, organizationId: null, organizationPath: null, step: here, at: now }));
        st.carbonCopies = [...(st.carbonCopies ?? []), ...copies];
        accounts.forEach((accountId, i) => out.effects.push(notice(st, `${st.instanceId}:${seq}:cc:${i}`, 'carbonCopy', { roles: [], organizationId: null, accountId })));
      });
    }
  }
}

/** A human action: approve, reject, return, resubmit, withdraw, object, a vote… */
export function act(def: WorkflowDefinition, state: InstanceState, input: ActInput): Transition {
  if (!input.actor || typeof input.actor.accountId !== 'string' || !input.actor.accountId) {
    throw ruleError('INVALID_INPUT', 'actor.accountId is required');
  }
  return applyAct(def, state, input, input.actor, false);
}

// ---------------------------------------------------------------------------------------------------------
// effectCompleted
// ---------------------------------------------------------------------------------------------------------

/**
 * Feeds back the outcome of a system step's effect. An outcome for an effect that is no longer pending
 * (a duplicate delivery after the instance moved on) is a no-op, so the outer layer can deliver at least once.
 */
export function effectCompleted(def: WorkflowDefinition, prev: InstanceState, input: EffectCompletedInput): Transition {
  requireInstant(input.now);
  const s = checkDefinition(def, prev);
  const pending = prev.current.pendingEffect;
  if (prev.status === 'COMPLETED' || !pending || pending.idempotencyKey !== input.idempotencyKey) return noop(prev);
  if (pending.name !== input.effect || s.kind !== 'system') {
    throw ruleError('EFFECT_MISMATCH', `key ${input.idempotencyKey} belongs to ${pending.name}, not ${input.effect}`);
  }
  if (!Object.prototype.hasOwnProperty.call(s.on, input.outcome)) {
    throw ruleError('UNKNOWN_OUTCOME', `${s.effect} in ${prev.current.state} has no outcome ${input.outcome} (declared: ${Object.keys(s.on).join(', ')})`, {
      outcome: input.outcome,
    });
  }
  const now = canonical(input.now);
  return move(def, prev, s.on[input.outcome], now, {
    action: `${s.effect}:${input.outcome}`,
    actor: null,
    comment: null,
    cause: { type: 'effect', effect: input.effect, idempotencyKey: input.idempotencyKey, outcome: input.outcome },
  }, (st) => {
    st.current.pendingEffect = null;
  });
}

// ---------------------------------------------------------------------------------------------------------
// timerFired
// ---------------------------------------------------------------------------------------------------------

/**
 * A scheduled timer fired. Timers of a state already left (or already fired) are a no-op, never an error:
 * job queues deliver late and twice.
 */
export function timerFired(def: WorkflowDefinition, prev: InstanceState, input: TimerFiredInput): Transition {
  requireInstant(input.now);
  const s = checkDefinition(def, prev);
  const timer = prev.current.timers.find((t) => t.id === input.timerId);
  if (prev.status === 'COMPLETED' || !timer) return noop(prev);
  if (timer.kind !== input.kind) throw ruleError('TIMER_MISMATCH', `timer ${timer.id} is a ${timer.kind} timer, not ${input.kind}`);
  const now = canonical(input.now);
  const cause: HistoryCause = { type: 'timer', timerId: timer.id, kind: timer.kind };
  const dropTimer = (st: InstanceState) => {
    st.current.timers = st.current.timers.filter((t) => t.id !== timer.id);
  };

  if (timer.kind === 'notice') {
    if (s.kind !== 'timer') throw ruleError('TIMER_MISMATCH', `state ${prev.current.state} has no notice period`);
    return move(def, prev, s.then, now, { action: 'elapsed', actor: null, comment: null, cause }, dropTimer);
  }
  if (s.kind !== 'task' && s.kind !== 'vote') throw ruleError('TIMER_MISMATCH', `state ${prev.current.state} has no deadline`);

  if (timer.kind === 'reminder') {
    return stay(prev, now, { action: 'remind', actor: null, comment: null, cause }, (st, seq, out) => {
      dropTimer(st);
      out.effects.push(notice(st, `${st.instanceId}:${seq}:notify`, 'reminder', taskRecipients(st)));
    });
  }

  // Deadline: escalate. Reassignment happens once; a reassigned step that is overdue again only notifies.
  const esc = s.escalation;
  if (esc.action === 'expire') return move(def, prev, esc.to, now, { action: 'expire', actor: null, comment: null, cause }, dropTimer);
  if (esc.action === 'reassign' && prev.current.escalations === 0 && s.kind === 'task') {
    return stay(prev, now, { action: 'escalate', actor: null, comment: null, cause }, (st, seq, out) => {
      dropTimer(st);
      leave(st, out);
      st.current.escalations += 1;
      openTask(st, st.current.state, s, seq, now, esc.assignee, true, out);
    });
  }
  return stay(prev, now, { action: 'overdue', actor: null, comment: null, cause }, (st, seq, out) => {
    dropTimer(st);
    st.current.escalations += 1;
    const to = esc.action === 'notify' && esc.recipient
      ? { roles: [esc.recipient.role], organizationId: route(st.subject, esc.recipient.organization).id, accountId: null }
      : taskRecipients(st);
    out.effects.push(notice(st, `${st.instanceId}:${seq}:notify`, 'overdue', to));
  });
}

// ---------------------------------------------------------------------------------------------------------
// replay
// ---------------------------------------------------------------------------------------------------------

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Rebuilds the instance state from its start inputs and history, re-running every transition. Permissions
 * are not re-checked (grants change; they were checked when the action was taken), but every produced
 * entry must equal the stored one, so history the rules could not have produced (an edited from/to, a
 * missing or reordered entry, an action the state does not allow) fails with REPLAY_MISMATCH. Inputs such
 * as comments are taken as recorded: making them tamper-evident is the store's job.
 */
export function replay(def: WorkflowDefinition, startInput: StartInput, history: readonly HistoryEntry[]): InstanceState {
  const entries = [...history].sort((a, b) => a.seq - b.seq);
  const mismatch = (seq: number, why: string) => ruleError('REPLAY_MISMATCH', `history entry ${seq}: ${why}`, { seq });
  if (!entries.length || entries[0].cause.type !== 'start') throw mismatch(entries[0]?.seq ?? 0, 'history must begin with start');
  const first = start(def, { ...startInput, subject: { ...startInput.subject, data: entries[0].cause.data } });
  if (!same(first.history[0], entries[0])) throw mismatch(1, 'start does not match');
  let state = first.state;
  for (const e of entries.slice(1)) {
    if (e.seq !== state.seq + 1) throw mismatch(e.seq, `expected seq ${state.seq + 1}`);
    let t: Transition;
    try {
      const c = e.cause;
      if (c.type === 'act') {
        if (!e.actor) throw mismatch(e.seq, 'an action without an actor');
        const args = { returnTo: c.returnTo, transferTo: c.transferTo ? { accountId: c.transferTo, isApplicant: false } : null, copyTo: c.copyTo };
        t = applyAct(def, state, { action: e.action, taskId: c.taskId, comment: e.comment, data: c.data, now: e.at, ...args }, e.actor, true);
      } else if (c.type === 'effect') {
        t = effectCompleted(def, state, { effect: c.effect, idempotencyKey: c.idempotencyKey, outcome: c.outcome, now: e.at });
      } else if (c.type === 'timer') {
        t = timerFired(def, state, { timerId: c.timerId, kind: c.kind, now: e.at });
      } else {
        throw mismatch(e.seq, 'start in the middle of history');
      }
    } catch (err) {
      if (err instanceof WorkflowRuleError && err.code !== 'REPLAY_MISMATCH') throw mismatch(e.seq, `${err.code}: ${err.message}`);
      throw err;
    }
    if (!t.changed || !same(t.history[0], e)) throw mismatch(e.seq, 'the transition does not reproduce the stored entry');
    state = t.state;
  }
  return state;
}
