import { resolveTarget } from './conditions';
import { addDuration, fractionBetween, parseInstant } from './duration';
import { ruleError, WorkflowRuleError } from './errors';
import { holdsAnyRole, resolveRoute } from './routing';
import type {
  ActInput,
  ActingAs,
  ActionDef,
  Actor,
  ActorRef,
  Assignee,
  CommentRule,
  CurrentState,
  EffectCompletedInput,
  EffectSpec,
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

const clone = <T>(value: T): T => structuredClone(value);

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
function move(def: WorkflowDefinition, prev: InstanceState, target: Target, now: string, step: Step, mutate?: (s: InstanceState) => void): Transition {
  const state = clone(prev);
  const out = emptyOut();
  const seq = prev.seq + 1;
  mutate?.(state);
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
export type TaskRef = Pick<TaskSpec, 'candidateRoles' | 'organizationPath'> & Partial<Pick<TaskSpec, 'route' | 'organizationId'>>;

/**
 * Why `actor` may not take `found` on `task`, or null when they may: the one check behind `act` and
 * `offeredActions`, so an inbox never offers what a decision then refuses.
 */
function refusal(def: WorkflowDefinition, here: string, found: Found, task: TaskRef | null, a: Actor, action: string): WorkflowRuleError | null {
  if (found.as === 'applicant' && !a.isApplicant) {
    return ruleError('NOT_APPLICANT', `only the applicant may ${action} in ${here}`, { action });
  }
  if ((found.as === 'assignee' || found.as === 'voter') && !(task?.organizationPath && holdsAnyRole(a.grants ?? [], task.candidateRoles, task.organizationPath))) {
    return ruleError('NOT_ASSIGNEE', `${action} in ${here} needs ${task?.candidateRoles.join(' or ')} at ${task?.route} ${task?.organizationId}`, {
      action,
      roles: task?.candidateRoles,
      organizationId: task?.organizationId,
    });
  }
  // A committee is the members seated on that organisation: a role held higher up covers the subtree for
  // ordinary steps, but does not add seats to the vote.
  if (found.as === 'voter' && !a.grants.some((g) => task!.candidateRoles.includes(g.role) && samePath(g.path, task!.organizationPath!))) {
    return ruleError('NOT_ASSIGNEE', `only members of the committee at ${task?.organizationId} vote in ${here}`, { action, organizationId: task?.organizationId });
  }
  // Separation of duties: nobody decides on what they submitted themselves.
  if ((found.as === 'assignee' || found.as === 'voter') && a.isApplicant) {
    return ruleError('NOT_ASSIGNEE', `the applicant may not ${action} their own ${def.key} in ${here}`, { action, reason: 'OWN_SUBJECT' });
  }
  return null;
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
    .filter(([key, found]) => !refusal(def, step, found, task, actor, key))
    .map(([key, found, label, bulk]) => ({ action: key, as: found.as, label: label ?? key, comment: found.as === 'voter' ? found.comment : found.def.comment, bulk }));
}

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
  const found = findAction(s, input.action);
  if (!found) {
    const why = s.kind === 'system' ? ` (waiting for ${s.effect})` : '';
    throw ruleError('ACTION_NOT_ALLOWED', `action ${input.action} is not allowed in state ${here}${why}`, { action: input.action, state: here });
  }

  if (!trusted) {
    const refused = refusal(def, here, found, task, actor as Actor, input.action);
    if (refused) throw refused;
  }
  const ref: ActorRef = { accountId: actor.accountId, organizationId: actor.organizationId ?? null, as: found.as };
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
  return move(def, prev, a.to, now, step, (st) => {
    if (data) st.subject.data = { ...st.subject.data, ...clone(data) };
    if (a.newRound) st.round += 1;
  });
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

function notifyEffect(state: InstanceState, seq: number, reason: 'reminder' | 'overdue', recipients: { roles: string[]; org: OrgRef | null } | null): EffectSpec {
  const task = state.current.task;
  return {
    name: 'notify',
    idempotencyKey: `${state.instanceId}:${seq}:notify`,
    params: {
      reason,
      step: state.current.state,
      taskId: task?.taskId ?? null,
      dueAt: task?.dueAt ?? null,
      roles: recipients ? recipients.roles : (task?.candidateRoles ?? []),
      organizationId: recipients ? (recipients.org?.id ?? null) : (task?.organizationId ?? null),
      // Applicant tasks notify the applicant (the account that started the instance).
      accountId: task?.kind === 'applicant' ? state.startedBy.accountId : null,
    },
    awaitOutcome: false,
  };
}

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
      out.effects.push(notifyEffect(st, seq, 'reminder', null));
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
    const recipient = esc.action === 'notify' && esc.recipient ? { roles: [esc.recipient.role], org: route(st.subject, esc.recipient.organization) } : null;
    out.effects.push(notifyEffect(st, seq, 'overdue', recipient));
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
        t = applyAct(def, state, { action: e.action, taskId: c.taskId, comment: e.comment, data: c.data, now: e.at }, e.actor, true);
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
