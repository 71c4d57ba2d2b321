import fc from 'fast-check';
import {
  act,
  APPROVAL_ACTIONS,
  availableActions,
  effectCompleted,
  holdsAnyRole,
  replay,
  returnTargets,
  timerFired,
  WorkflowRuleError,
  type Actor,
  type InstanceState,
  type SubjectData,
  type TimerKind,
  type Transition,
  type WorkflowDefinition,
} from '../../src/workflow/core';
import { actors, definition, iso, Run, subjectData } from './workflow.fixtures';

/**
 * Random walks over each shipped definition: arbitrary actions by arbitrary accounts, timers (live, stale,
 * mis-kinded), effect outcomes (declared, unknown, duplicate), and the approval actions (return to an earlier
 * step, transfer, urge, carbon copy, by assignees and by substitutes on a delegator's behalf). Whatever happens,
 * the instance stays in a legal state, refusals change nothing, and the history replays to the state the walk
 * ended in.
 */

const POOL: Actor[] = [
  actors.applicant,
  actors.grassrootsApprover,
  actors.grassrootsFinance,
  actors.grassrootsAuditor,
  actors.countyApprover,
  actors.otherCountyApprover,
  actors.cityApprover,
  actors.cityFinance,
  actors.provinceApprover,
  actors.someMember,
  ...actors.voters,
];

type Command =
  | { type: 'act'; pick: number; smart: boolean; actor: number; comment: string | null; staleTask: boolean; patch: SubjectData | null }
  | { type: 'timer'; pick: number; stale: boolean; wrongKind: boolean }
  | { type: 'effect'; pick: number; stale: boolean }
  | { type: 'approval'; pick: number; smart: boolean; actor: number; other: number; substitute: boolean; comment: string | null };

interface Case {
  key: string;
  /** Walks per run: a workflow whose happy path is long needs more of them to reach its deepest states. */
  runs: number;
  data: fc.Arbitrary<SubjectData>;
  patch: fc.Arbitrary<SubjectData>;
}

const CASES: Case[] = [
  {
    key: 'aid-application',
    runs: 200,
    data: fc.constantFrom(1, 499_999, 500_000, 500_001, 9_000_000).map(subjectData.aid),
    patch: fc.oneof(fc.constantFrom(1, 500_000, 500_001).map((amount) => ({ amount })), fc.constant({ amount: 'lots' })),
  },
  {
    key: 'expense-review',
    runs: 200,
    data: fc.constantFrom(1, 2_000_000, 2_000_001).map(subjectData.expense),
    patch: fc.oneof(fc.constantFrom(1, 2_000_001).map((amount) => ({ amount })), fc.constant({ fundId: 'fund-relief' }), fc.constant({ category: 'PARTY' })),
  },
  {
    // Nine steps from filing to AWARDED (vote, notice, quota…): 200 walks missed it about one run in three, and
    // 1,000 now and then once urge and carbon copy joined the actions a walk picks from.
    key: 'award-nomination',
    runs: 2500,
    data: fc.constantFrom('CITY', 'PROVINCIAL', 'NATIONAL').map(subjectData.award),
    patch: fc.oneof(fc.constantFrom('CITY', 'NATIONAL').map((awardLevel) => ({ awardLevel })), fc.constant({ year: 'next' })),
  },
];

const command = (patch: fc.Arbitrary<SubjectData>): fc.Arbitrary<Command> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.record({ type: fc.constant('act' as const), pick: fc.nat(30), smart: fc.boolean(), actor: fc.nat(POOL.length - 1), comment: fc.constantFrom(null, '', '  ', '理由 reason'), staleTask: fc.boolean(), patch: fc.option(patch, { freq: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('timer' as const), pick: fc.nat(10), stale: fc.boolean(), wrongKind: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('effect' as const), pick: fc.nat(10), stale: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('approval' as const), pick: fc.nat(30), smart: fc.boolean(), actor: fc.nat(POOL.length - 1), other: fc.nat(POOL.length - 1),
        substitute: fc.boolean(), comment: fc.constantFrom(null, '', '理由 reason'),
      }),
    },
  );

/** Whether `a` may act as the assignee of the open task (a transferred task is its assignee's alone). */
const entitledTo = (s: InstanceState, a: Actor) => {
  const task = s.current.task;
  if (task?.assignedTo) return task.assignedTo === a.accountId;
  return !!task?.organizationPath && holdsAnyRole(a.grants, task.candidateRoles, task.organizationPath);
};

/** `a` acting as the substitute of `delegator` (the outer layer found the delegation active). */
const substitute = (a: Actor, delegator: Actor): Actor => ({
  ...a,
  onBehalfOf: { accountId: delegator.accountId, organizationId: delegator.organizationId, grants: delegator.grants, isApplicant: delegator.isApplicant },
});

/** Every action name the definition knows, plus one it does not. */
function allActions(def: WorkflowDefinition): string[] {
  const names = new Set(['approve', 'reject', 'bogus']);
  for (const s of Object.values(def.states)) {
    for (const m of ['actions', 'applicantActions', 'publicActions'] as const) {
      const map = (s as unknown as Record<string, Record<string, unknown> | undefined>)[m];
      Object.keys(map ?? {}).forEach((a) => names.add(a));
    }
  }
  return [...names].sort();
}

function checkInvariants(def: WorkflowDefinition, s: InstanceState): void {
  const sd = def.states[s.current.state];
  expect(sd).toBeDefined(); // never an undeclared state
  expect(s.current.kind).toBe(sd.kind);
  if (sd.kind === 'final') {
    expect(s.status).toBe('COMPLETED');
    expect(s.outcome).toBe(sd.outcome);
    expect([s.current.task, s.current.pendingEffect, s.current.timers.length]).toEqual([null, null, 0]);
  } else {
    expect(s.status).toBe('ACTIVE');
    expect(s.outcome).toBeNull();
  }
  expect(s.current.task !== null).toBe(sd.kind === 'task' || sd.kind === 'vote');
  expect(s.current.pendingEffect !== null).toBe(sd.kind === 'system');
  if (sd.kind === 'system' || sd.kind === 'final') expect(s.current.timers).toEqual([]);
  if (sd.kind === 'timer') expect(s.current.timers.map((t) => t.kind)).toEqual(['notice']);
  if (sd.kind === 'vote') {
    const approvals = s.current.votes.filter((v) => v.choice === 'approve').length;
    // Still voting means undecided: not yet passed, not yet impossible.
    expect(approvals).toBeLessThan(sd.quorum.approvals);
    expect(s.current.votes.length - approvals).toBeLessThanOrEqual(sd.quorum.of - sd.quorum.approvals);
    expect(new Set(s.current.votes.map((v) => v.accountId)).size).toBe(s.current.votes.length);
  } else {
    expect(s.current.votes).toEqual([]);
  }
  // The trail holds only steps of roles; a transferred task is a role's task; a copy names an account or a role.
  for (const step of s.trail ?? []) expect(def.states[step]).toMatchObject({ kind: 'task', assignee: expect.objectContaining({ role: expect.any(String) }) });
  if (s.current.task?.assignedTo) expect(s.current.task.kind).toBe('task');
  for (const cc of s.carbonCopies ?? []) expect((cc.accountId === null) !== (cc.role === null)).toBe(true);
  expect(JSON.parse(JSON.stringify(s))).toEqual(s); // JSON-serialisable as is
}

describe('random action sequences', () => {
  const visited = new Map<string, Set<string>>();
  /** Per definition, the approval actions that walks took, and whether a substitute ever acted. */
  const approvals = new Map<string, Set<string>>();

  describe.each(CASES)('$key', ({ key, runs, data, patch }) => {
    const def = definition(key);
    const names = allActions(def);
    const outcomes = [...new Set(Object.values(def.states).flatMap((s) => (s.kind === 'system' ? Object.keys(s.on) : [])))].concat('BOGUS');
    const seen = new Set<string>();
    visited.set(key, seen);
    const tookApproval = new Set<string>();
    approvals.set(key, tookApproval);

    it('keeps the instance legal, refusals harmless, seq increasing, and history replayable', () => {
      fc.assert(
        fc.property(data, fc.array(command(patch), { minLength: 10, maxLength: 60 }), (startData, commands) => {
          const run = new Run(def, startData);
          let clock = 1;
          const openTasks = new Set(run.last.openTasks.map((t) => t.taskId));
          const liveTimers = new Set(run.last.timers.map((t) => t.id));
          const everTimers = [...run.last.timers];
          const everKeys: string[] = run.last.effects.map((e) => e.idempotencyKey);
          seen.add(run.state.current.state);
          checkInvariants(def, run.state);

          for (const c of commands) {
            const prev = run.state;
            const snapshot = JSON.stringify(prev);
            const now = iso(clock++);
            let t: Transition;
            try {
              if (c.type === 'act') {
                const avail = prev.status === 'ACTIVE' ? availableActions(def, prev) : [];
                if (c.smart && avail.length) {
                  // A plausible move: an available action by someone entitled to it, with a reason; biased to
                  // the first declared (forward) action so that walks also reach the deep end of a workflow.
                  const { action, as } = avail[c.pick < 15 ? 0 : c.pick % avail.length];
                  const task = prev.current.task;
                  const entitled = POOL.filter((a) =>
                    as === 'applicant' ? a.isApplicant : as === 'public' ? true : as === 'assignee' ? entitledTo(prev, a) : !!task?.organizationPath && holdsAnyRole(a.grants, task.candidateRoles, task.organizationPath),
                  );
                  const actor = entitled.length ? entitled[c.actor % entitled.length] : POOL[c.actor];
                  const data = action === 'resubmit' ? c.patch : null;
                  t = act(def, prev, { action, actor, comment: 'reason', taskId: prev.current.task?.taskId, data, now });
                } else {
                  const action = names[c.pick % names.length];
                  const taskId = c.staleTask ? `${prev.instanceId}:0:OLD` : undefined;
                  t = act(def, prev, { action, actor: POOL[c.actor], comment: c.comment, taskId, data: c.patch, now });
                }
              } else if (c.type === 'approval') {
                const action = APPROVAL_ACTIONS[c.pick % APPROVAL_ACTIONS.length];
                const targets = returnTargets(def, prev);
                const returnTo = c.smart && targets.length ? targets[c.pick % targets.length] : c.pick % 2 ? 'BOGUS' : (targets[0] ?? 'DISBURSE');
                const other = POOL[c.other];
                // Smart: an assignee (or, for urging, the applicant), in person or through a substitute.
                const entitled = POOL.filter((a) => (action === 'urge' ? a.isApplicant : entitledTo(prev, a)));
                let actor = c.smart && entitled.length ? entitled[c.actor % entitled.length] : POOL[c.actor];
                if (c.substitute) actor = substitute(POOL[(c.actor + 1) % POOL.length], actor);
                t = act(def, prev, {
                  action, actor, comment: c.smart ? 'reason' : c.comment, taskId: prev.current.task?.taskId, now,
                  returnTo, transferTo: { accountId: other.accountId, isApplicant: other.isApplicant }, copyTo: [other.accountId],
                });
              } else if (c.type === 'timer') {
                const pool = c.stale ? everTimers : prev.current.timers;
                if (!pool.length) continue;
                const timer = pool[c.pick % pool.length];
                const kind: TimerKind = c.wrongKind ? (timer.kind === 'notice' ? 'deadline' : 'notice') : timer.kind;
                t = timerFired(def, prev, { timerId: timer.id, kind, now });
              } else {
                const pending = prev.current.pendingEffect;
                const key = c.stale || !pending ? (everKeys[c.pick % Math.max(everKeys.length, 1)] ?? 'none') : pending.idempotencyKey;
                const effect = pending?.name ?? 'disburse';
                t = effectCompleted(def, prev, { effect: key === pending?.idempotencyKey ? pending.name : effect, idempotencyKey: key, outcome: c.pick < 5 ? 'ok' : outcomes[c.pick % outcomes.length], now });
              }
            } catch (e) {
              if (!(e instanceof WorkflowRuleError)) throw e; // only typed rule errors, never a crash
              expect(JSON.stringify(prev)).toBe(snapshot); // a refusal changes nothing
              continue;
            }

            expect(JSON.stringify(prev)).toBe(snapshot); // inputs are never mutated
            if (!t.changed) {
              expect(t.state).toBe(prev);
              expect([t.history, t.openTasks, t.closeTasks, t.timers, t.cancelTimers, t.effects]).toEqual([[], [], [], [], [], []]);
              continue;
            }
            expect(prev.status).toBe('ACTIVE'); // never a transition out of a final state
            expect(t.state.seq).toBe(prev.seq + 1);
            expect(t.history).toHaveLength(1);
            expect(t.history[0]).toMatchObject({ seq: t.state.seq, from: prev.current.state, to: t.state.current.state, round: t.state.round });
            expect(t.state.round).toBeGreaterThanOrEqual(prev.round);
            run.state = t.state;
            run.history.push(...t.history);
            if ((APPROVAL_ACTIONS as readonly string[]).includes(t.history[0].action)) tookApproval.add(t.history[0].action);
            if (t.history[0].actor?.onBehalfOf) tookApproval.add('onBehalfOf');
            seen.add(t.state.current.state);
            checkInvariants(def, t.state);

            // The outer layer's view, built only from the transition lists, matches the state.
            t.closeTasks.forEach((id) => expect(openTasks.delete(id)).toBe(true));
            t.openTasks.forEach((task) => openTasks.add(task.taskId));
            expect([...openTasks]).toEqual(t.state.current.task ? [t.state.current.task.taskId] : []);
            if (t.history[0].cause.type === 'timer') liveTimers.delete(t.history[0].cause.timerId);
            t.cancelTimers.forEach((id) => expect(liveTimers.delete(id)).toBe(true));
            t.timers.forEach((timer) => {
              expect(liveTimers.has(timer.id)).toBe(false); // timer ids are never reused
              liveTimers.add(timer.id);
              everTimers.push(timer);
            });
            expect([...liveTimers].sort()).toEqual(t.state.current.timers.map((x) => x.id).sort());
            for (const e of t.effects) {
              expect(everKeys).not.toContain(e.idempotencyKey); // each effect is requested once per key
              everKeys.push(e.idempotencyKey);
            }
          }
          expect(run.history.map((h) => h.seq)).toEqual(run.history.map((_, i) => i + 1));
          expect(replay(def, run.startInput, run.history)).toEqual(run.state);
        }),
        // A fixed seed: the same walks every run, so the coverage check below cannot fail by chance.
        { numRuns: runs, seed: 20261202 },
      );
    });
  });

  it('explores every state of every definition', () => {
    // Guards the generator: a walk that never reaches a state proves nothing about it.
    for (const [key, seen] of visited) expect([...seen].sort()).toEqual(Object.keys(definition(key).states).sort());
  });

  it('takes every approval action the definitions allow, and acts through substitutes', () => {
    expect([...approvals.get('aid-application')!].sort()).toEqual(['carbonCopy', 'onBehalfOf', 'returnTo', 'transfer', 'urge']);
    expect([...approvals.get('expense-review')!].sort()).toEqual(['carbonCopy', 'onBehalfOf', 'returnTo', 'transfer', 'urge']);
    expect([...approvals.get('award-nomination')!].sort()).toEqual(['onBehalfOf', 'transfer', 'urge']);
  });
});
