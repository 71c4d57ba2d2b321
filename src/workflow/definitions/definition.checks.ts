import { targetStates } from '../core/conditions';
import { durationMs } from '../core/duration';
import { APPROVAL_ACTIONS, type ActionMap, type Condition, type FieldType, type JsonScalar, type RouteLevel, type StateDef, type Target, type WorkflowDefinition } from '../core/types';

/**
 * Semantic checks over a structurally valid definition: everything that needs the whole document.
 * Returns issues as `{ path, message }`; the loader adds the file name.
 */

type Add = (path: string, message: string) => void;

const RANK: Partial<Record<RouteLevel, number>> = { GRASSROOTS: 1, COUNTY: 2, CITY: 3, PROVINCE: 4 };
const ORDERING_OPS = new Set(['gt', 'gte', 'lt', 'lte']);

function scalarFits(type: FieldType, v: JsonScalar): boolean {
  if (type === 'integer') return Number.isSafeInteger(v);
  if (type === 'number') return typeof v === 'number' && Number.isFinite(v);
  return typeof v === type;
}

function checkCondition(def: WorkflowDefinition, c: Condition, path: string, add: Add): void {
  if ('all' in c) return c.all.forEach((x, i) => checkCondition(def, x, `${path}.all[${i}]`, add));
  if ('any' in c) return c.any.forEach((x, i) => checkCondition(def, x, `${path}.any[${i}]`, add));
  if ('not' in c) return checkCondition(def, c.not, `${path}.not`, add);

  const field = def.subject.fields[c.field];
  if (!field) {
    add(`${path}.field`, `field ${c.field} is not declared in subject.fields`);
    return;
  }
  if (c.param !== undefined) {
    const param = def.parameters[c.param];
    if (!param) {
      add(`${path}.param`, `parameter ${c.param} is not declared in parameters`);
      return;
    }
    if (ORDERING_OPS.has(c.op) && (param.type === 'string' || param.type === 'boolean')) {
      add(`${path}.param`, `${c.op} needs a numeric parameter; ${c.param} is ${param.type}`);
    }
  }
  if (ORDERING_OPS.has(c.op) && field.type !== 'integer' && field.type !== 'number') {
    add(`${path}.op`, `${c.op} needs a numeric field; ${c.field} is ${field.type}`);
  }
  if (c.value !== undefined) {
    const values = Array.isArray(c.value) ? c.value : [c.value];
    values.forEach((v, i) => {
      const at = Array.isArray(c.value) ? `${path}.value[${i}]` : `${path}.value`;
      if (v === null) return;
      if (!scalarFits(field.type, v)) add(at, `${JSON.stringify(v)} is not a ${field.type} (field ${c.field})`);
      else if (field.enum && !field.enum.includes(v)) add(at, `${JSON.stringify(v)} is not one of ${c.field}'s values (${field.enum.join(', ')})`);
    });
  }
}

function checkTarget(def: WorkflowDefinition, target: Target, path: string, add: Add): void {
  if (typeof target === 'string') {
    if (!def.states[target]) add(path, `target state ${target} is not declared`);
    return;
  }
  target.forEach((e, i) => {
    const last = i === target.length - 1;
    if (!last && !e.when) add(`${path}[${i}]`, 'only the last route may omit when (it is the default); later routes would never be taken');
    if (last && e.when) add(`${path}[${i}]`, 'the last route must be the default: { to: STATE } without when');
    if (e.when) checkCondition(def, e.when, `${path}[${i}].when`, add);
    if (!def.states[e.to]) add(`${path}[${i}].to`, `target state ${e.to} is not declared`);
  });
}

/** Every target a state may move to, with its path, for existence checks and the reachability graph. */
export function targetsOf(s: StateDef, base: string): { path: string; target: Target }[] {
  const out: { path: string; target: Target }[] = [];
  const maps = (names: ('actions' | 'applicantActions' | 'publicActions')[]) => {
    for (const m of names) {
      const map = (s as unknown as Record<string, ActionMap | undefined>)[m];
      for (const [name, a] of Object.entries(map ?? {})) out.push({ path: `${base}.${m}.${name}.to`, target: a.to });
    }
  };
  switch (s.kind) {
    case 'task':
      maps(['actions', 'applicantActions', 'publicActions']);
      if (s.returnTo?.applicant) out.push({ path: `${base}.returnTo.applicant`, target: s.returnTo.applicant });
      break;
    case 'vote':
      out.push({ path: `${base}.outcomes.passed`, target: s.outcomes.passed }, { path: `${base}.outcomes.failed`, target: s.outcomes.failed });
      maps(['applicantActions', 'publicActions']);
      break;
    case 'timer':
      out.push({ path: `${base}.then`, target: s.then });
      maps(['applicantActions', 'publicActions']);
      break;
    case 'system':
      for (const [o, t] of Object.entries(s.on)) out.push({ path: `${base}.on.${o}`, target: t });
      break;
    case 'final':
      break;
  }
  if ((s.kind === 'task' || s.kind === 'vote') && s.escalation.action === 'expire') {
    out.push({ path: `${base}.escalation.to`, target: s.escalation.to });
  }
  return out;
}

function checkState(def: WorkflowDefinition, name: string, s: StateDef, add: Add): void {
  const base = `states.${name}`;
  for (const { path, target } of targetsOf(s, base)) checkTarget(def, target, path, add);

  if (s.kind === 'task' || s.kind === 'vote' || s.kind === 'timer') {
    // `act` receives only an action name, so a name must mean one thing per state.
    const seen = new Map<string, string>();
    if (s.kind === 'task') for (const a of Object.keys(s.actions)) seen.set(a, 'actions');
    if (s.kind === 'vote') for (const a of ['approve', 'reject']) seen.set(a, 'ballot');
    for (const m of ['applicantActions', 'publicActions'] as const) {
      for (const a of Object.keys(s[m])) {
        const prior = seen.get(a);
        if (prior) add(`${base}.${m}.${a}`, `action ${a} is already declared in ${prior} of this state`);
        else seen.set(a, m);
      }
    }
  }

  if (s.kind === 'task' || s.kind === 'vote') {
    const deadline = durationMs(s.deadline);
    if (s.reminder && 'before' in s.reminder && durationMs(s.reminder.before) >= deadline) {
      add(`${base}.reminder.before`, `the reminder (${s.reminder.before} before) must fall after the step opens (deadline ${s.deadline})`);
    }
    const esc = s.escalation;
    if (esc.action === 'reassign') {
      if (s.kind === 'vote') add(`${base}.escalation.action`, 'a vote cannot be reassigned; use notify or expire');
      else if (s.assignee === 'applicant') add(`${base}.escalation.action`, "an applicant's step cannot be reassigned; use notify or expire");
      else {
        const from = RANK[s.assignee.organization];
        const to = RANK[esc.assignee.organization];
        if (to === undefined || (from !== undefined && to <= from)) {
          add(`${base}.escalation.assignee.organization`, `reassignment must go up: ${esc.assignee.organization} is not above ${s.assignee.organization}`);
        }
      }
    }
  }

  if (s.kind === 'task' || s.kind === 'vote' || s.kind === 'timer') {
    for (const m of ['actions', 'applicantActions', 'publicActions'] as const) {
      for (const a of Object.keys((s as unknown as Record<string, ActionMap | undefined>)[m] ?? {})) {
        if ((APPROVAL_ACTIONS as readonly string[]).includes(a)) add(`${base}.${m}.${a}`, `${a} is an approval action the engine provides; declare it as a key of the state instead`);
      }
    }
  }

  if (s.kind === 'task') {
    if (s.assignee === 'applicant') {
      const declared = (['returnTo', 'urge', 'carbonCopy'] as const).filter((k) => s[k] !== undefined);
      if (s.transfer) declared.push('transfer' as never);
      if (s.delegable) declared.push('delegable' as never);
      for (const k of declared) add(`${base}.${k}`, `${k} is for steps assigned to a role, not to the applicant`);
    }
    const back = s.returnTo?.applicant;
    if (back && def.states[back] && !(def.states[back].kind === 'task' && (def.states[back] as { assignee: unknown }).assignee === 'applicant')) {
      add(`${base}.returnTo.applicant`, `${back} is not the applicant's step (a task with assignee: applicant)`);
    }
    if (s.carbonCopy && !s.carbonCopy.recipients.length && !s.carbonCopy.byAssignee) {
      add(`${base}.carbonCopy`, 'name recipients, or let the assignee add them (byAssignee: true)');
    }
    if (Object.keys(s.actions).length === 0) add(`${base}.actions`, 'a task needs at least one action for its assignee');
    if (s.assignee === 'applicant' && Object.keys(s.applicantActions).length) {
      add(`${base}.applicantActions`, "the applicant is this step's assignee: declare these under actions");
    }
  }

  if (s.kind === 'vote' && s.quorum.approvals > s.quorum.of) {
    add(`${base}.quorum.approvals`, `quorum cannot exceed the seats: ${s.quorum.approvals} of ${s.quorum.of}`);
  }

  if (s.kind === 'system') {
    if (!s.on.ok) add(`${base}.on.ok`, 'a system state needs an ok outcome');
    for (const [k, ref] of Object.entries(s.input)) {
      if ('field' in ref && !def.subject.fields[ref.field]) add(`${base}.input.${k}.field`, `field ${ref.field} is not declared in subject.fields`);
      if ('param' in ref && !def.parameters[ref.param]) add(`${base}.input.${k}.param`, `parameter ${ref.param} is not declared in parameters`);
    }
  }
}

export function checkDefinition(def: WorkflowDefinition): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const add: Add = (path, message) => issues.push({ path, message });

  for (const [name, p] of Object.entries(def.parameters)) {
    if (p.value === null || !scalarFits(p.type, p.value)) add(`parameters.${name}.value`, `${JSON.stringify(p.value)} is not a ${p.type}`);
  }
  for (const [name, f] of Object.entries(def.subject.fields)) {
    f.enum?.forEach((v, i) => {
      if (v === null || !scalarFits(f.type, v)) add(`subject.fields.${name}.enum[${i}]`, `${JSON.stringify(v)} is not a ${f.type}`);
    });
  }

  checkTarget(def, def.initial, 'initial', add);
  for (const t of targetStates(def.initial)) if (def.states[t]?.kind === 'final') add('initial', `the initial state ${t} is final`);

  for (const [name, s] of Object.entries(def.states)) checkState(def, name, s, add);

  // Reachability both ways: every state is reachable from the start, and can still reach an end. Skipped
  // while other issues stand: a misspelt target would otherwise also report every state behind it.
  if (issues.length) return issues;
  const edges = new Map<string, string[]>();
  for (const [name, s] of Object.entries(def.states)) {
    edges.set(name, targetsOf(s, '').flatMap((t) => targetStates(t.target)).filter((t) => def.states[t]));
  }
  const reached = new Set<string>();
  const queue = targetStates(def.initial).filter((t) => def.states[t]);
  while (queue.length) {
    const n = queue.pop() as string;
    if (reached.has(n)) continue;
    reached.add(n);
    queue.push(...(edges.get(n) ?? []));
  }
  const canFinish = new Set(Object.keys(def.states).filter((n) => def.states[n].kind === 'final'));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [n, next] of edges) {
      if (!canFinish.has(n) && next.some((t) => canFinish.has(t))) {
        canFinish.add(n);
        grew = true;
      }
    }
  }
  for (const name of Object.keys(def.states)) {
    if (!reached.has(name)) add(`states.${name}`, `state ${name} is unreachable from the initial state`);
    if (!canFinish.has(name)) add(`states.${name}`, `state ${name} cannot reach a final state`);
  }
  return issues;
}
