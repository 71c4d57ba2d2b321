import {
  act,
  addDuration,
  availableActions,
  effectCompleted,
  evaluate,
  grantCovers,
  offeredActions,
  parseDuration,
  replay,
  resolveRoute,
  start,
  timerFired,
  toMermaid,
  type Actor,
  type InstanceState,
  type ParameterDef,
} from '../../src/workflow/core';
import { codeOf } from './workflow.errors';
import { actors, definition, iso, org, registry, Run, subjectData } from './workflow.fixtures';

const aid = definition('aid-application');

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    Object.values(v).forEach(deepFreeze);
    Object.freeze(v);
  }
  return v;
}

describe('engine rules', () => {
  describe('timers', () => {
    it('treats a timer of a state already left as a no-op, not an error', () => {
      const run = new Run(aid, subjectData.aid(1000));
      const reminder = run.state.current.timers.find((t) => t.kind === 'reminder')!;
      run.act('approve', actors.grassrootsApprover);
      const before = run.state;
      const t = timerFired(aid, before, { timerId: reminder.id, kind: 'reminder', now: reminder.fireAt });
      expect(t).toEqual({ state: before, changed: false, history: [], openTasks: [], closeTasks: [], timers: [], cancelTimers: [], effects: [] });
      expect(t.state).toBe(before);
    });

    it('treats a timer that already fired, or any timer after completion, as a no-op', () => {
      const run = new Run(aid, subjectData.aid(1000));
      const reminder = run.state.current.timers.find((t) => t.kind === 'reminder')!;
      run.fire('reminder');
      expect(timerFired(aid, run.state, { timerId: reminder.id, kind: 'reminder', now: reminder.fireAt }).changed).toBe(false);
      const deadline = run.state.current.timers[0];
      run.act('withdraw', actors.applicant);
      expect(timerFired(aid, run.state, { timerId: deadline.id, kind: 'deadline', now: deadline.fireAt }).changed).toBe(false);
    });

    it('refuses a live timer reported with the wrong kind', () => {
      const run = new Run(aid, subjectData.aid(1000));
      const deadline = run.state.current.timers.find((t) => t.kind === 'deadline')!;
      expect(codeOf(() => timerFired(aid, run.state, { timerId: deadline.id, kind: 'notice', now: deadline.fireAt }))).toBe('TIMER_MISMATCH');
    });

    it('places a fractional reminder at that fraction of the period', () => {
      const run = new Run(aid, subjectData.aid(1000));
      run.act('approve', actors.grassrootsApprover);
      const [reminder, deadline] = run.last.timers; // COUNTY_REVIEW: P5D, reminder at 0.8
      const opened = Date.parse(run.state.current.enteredAt);
      expect(Date.parse(deadline.fireAt) - opened).toBe(5 * 86_400_000);
      expect(Date.parse(reminder.fireAt) - opened).toBe(4 * 86_400_000);
    });
  });

  describe('effects', () => {
    it('ignores an outcome for an effect that is not pending', () => {
      const run = new Run(aid, subjectData.aid(1000));
      const t = effectCompleted(aid, run.state, { effect: 'disburse', idempotencyKey: 'inst-aid-application:9:disburse', outcome: 'ok', now: iso(5) });
      expect(t.changed).toBe(false);
    });

    it('refuses an outcome reported under the right key for another effect', () => {
      const run = new Run(aid, subjectData.aid(1000));
      run.act('approve', actors.grassrootsApprover);
      run.act('approve', actors.countyApprover);
      const key = run.state.current.pendingEffect!.idempotencyKey;
      expect(codeOf(() => effectCompleted(aid, run.state, { effect: 'book', idempotencyKey: key, outcome: 'ok', now: iso(9) }))).toBe('EFFECT_MISMATCH');
    });
  });

  describe('inputs', () => {
    it('never mutates the state or definition it is given', () => {
      const run = new Run(aid, subjectData.aid(900_000));
      const frozen = deepFreeze(structuredClone(run.state));
      const t = act(aid, frozen, { action: 'approve', actor: actors.grassrootsApprover, now: iso(2) });
      expect(t.state.current.state).toBe('COUNTY_REVIEW');
      expect(frozen.current.state).toBe('GRASSROOTS_VERIFY');
    });

    it('is deterministic: the same inputs give the same transition, ids included', () => {
      const input = { instanceId: 'i-1', subject: { id: 's', organization: org.grassroots, ancestors: [org.county, org.city, org.province], data: subjectData.aid(1) }, startedBy: { accountId: 'a', organizationId: null }, now: '2025-01-01T08:00:00+08:00' };
      expect(start(aid, input)).toEqual(start(aid, input));
      // Offsets are normalised to UTC, so history compares exactly whatever clock format the caller used.
      expect(start(aid, input).state.startedAt).toBe('2025-01-01T00:00:00.000Z');
    });

    it('refuses a clock that is not an ISO-8601 instant with an offset', () => {
      const run = new Run(aid, subjectData.aid(1));
      expect(codeOf(() => act(aid, run.state, { action: 'approve', actor: actors.grassrootsApprover, now: '2025-01-01 10:00' }))).toBe('INVALID_INPUT');
    });

    it('refuses a state that belongs to another definition or version', () => {
      const run = new Run(aid, subjectData.aid(1));
      expect(codeOf(() => act(definition('expense-review'), run.state, { action: 'approve', actor: actors.grassrootsApprover, now: iso(3) }))).toBe('DEFINITION_MISMATCH');
      const v2 = { ...aid, version: 2 };
      expect(codeOf(() => act(v2, run.state, { action: 'approve', actor: actors.grassrootsApprover, now: iso(3) }))).toBe('DEFINITION_MISMATCH');
    });

    it('refuses to start a subject whose tree has nothing at or above a level the workflow routes to', () => {
      expect(codeOf(() => start(aid, { instanceId: 'i', subject: { id: 's', organization: org.grassroots, ancestors: [], data: subjectData.aid(1) }, startedBy: { accountId: 'a', organizationId: null }, now: iso(0) }))).toBe('ROUTE_UNRESOLVED');
    });

    it('routes the county step of a union directly under the city (市直) to the city federation', () => {
      const t = start(aid, { instanceId: 'i', subject: { id: 's', organization: org.grassroots, ancestors: [org.city, org.province], data: subjectData.aid(1) }, startedBy: { accountId: 'a', organizationId: null }, now: iso(0) });
      expect(resolveRoute('COUNTY', org.grassroots, [org.city, org.province])).toEqual(org.city);
      expect(t.openTasks[0].organizationId).toBe(org.grassroots.id);
    });

    it('refuses over-long comments', () => {
      const run = new Run(aid, subjectData.aid(1));
      expect(codeOf(() => run.act('reject', actors.grassrootsApprover, 'x'.repeat(2001)))).toBe('COMMENT_TOO_LONG');
    });

    it('lists the actions of the current state with the capacity they need', () => {
      const run = new Run(aid, subjectData.aid(1));
      expect(availableActions(aid, run.state)).toEqual([
        { action: 'approve', as: 'assignee' },
        { action: 'reject', as: 'assignee' },
        { action: 'return', as: 'assignee' },
        { action: 'withdraw', as: 'applicant' },
      ]);
    });
  });

  describe('offered actions', () => {
    const award = definition('award-nomination');
    const everyone: Actor[] = [
      ...Object.values(actors).flat(),
      // An approver who filed for a member (separation of duties).
      { ...actors.grassrootsApprover, isApplicant: true },
      { ...actors.countyApprover, isApplicant: true },
    ];
    /** The keys `act` accepts from the actor on the current task, a comment given. */
    const accepted = (run: Run, keys: string[], actor: Actor) =>
      keys.filter((key) => {
        try {
          act(run.def, run.state, { action: key, actor, taskId: run.state.current.task!.taskId, comment: '意见', now: run.now() });
          return true;
        } catch {
          return false;
        }
      });
    const offered = (run: Run, actor: Actor, votedBy: string[] = []) =>
      offeredActions(run.def, run.state.current.state, { ...run.state.current.task!, votedBy }, actor).map((a) => a.action);

    it('offers every actor exactly the actions act would accept from them, at each kind of step', () => {
      const verify = new Run(aid, subjectData.aid(700_000));
      const review = new Run(aid, subjectData.aid(700_000));
      review.act('approve', actors.grassrootsApprover);
      const vote = new Run(award, subjectData.award('CITY'));
      vote.act('approve', actors.countyApprover);
      vote.effect('ok');
      expect(vote.at).toBe('SELECTION_VOTE');
      for (const [run, keys] of [[verify, ['approve', 'reject', 'return']], [review, ['approve', 'reject', 'return']], [vote, ['approve', 'reject']]] as const) {
        for (const actor of everyone) expect([actor.accountId, offered(run, actor)]).toEqual([actor.accountId, accepted(run, [...keys], actor)]);
      }
      // Spot checks of what that means: the county covers the grassroots step, the filer does not decide, a seat is needed to vote.
      expect(offered(verify, actors.countyApprover)).toEqual(['approve', 'reject', 'return']);
      expect(offered(verify, { ...actors.grassrootsApprover, isApplicant: true })).toEqual([]);
      expect(offered(vote, actors.voters[0])).toEqual(['approve', 'reject']);
      expect(offered(vote, actors.provinceApprover)).toEqual([]);
    });

    it('offers no ballot to a committee member who has voted', () => {
      const vote = new Run(award, subjectData.award('CITY'));
      vote.act('approve', actors.countyApprover);
      vote.effect('ok');
      expect(offered(vote, actors.voters[0], [actors.voters[0].accountId])).toEqual([]);
    });

    it('carries the definition’s labels, comment rules and bulk opt-ins', () => {
      const run = new Run(definition('expense-review'), subjectData.expense(100_000));
      expect(offeredActions(run.def, run.at, run.state.current.task!, actors.grassrootsFinance)).toEqual([
        { action: 'approve', as: 'assignee', label: '审核通过', comment: 'optional', bulk: true },
        { action: 'sendBack', as: 'assignee', label: '退回整改', comment: 'required', bulk: false },
      ]);
    });
  });

  describe('replay', () => {
    function played(): Run {
      const run = new Run(aid, subjectData.aid(700_000));
      run.act('approve', actors.grassrootsApprover, 'ok');
      run.act('return', actors.countyApprover, 'more');
      run.act('resubmit', actors.applicant, undefined, { data: { amount: 100 } });
      return run;
    }

    it('does not re-check permissions: a role lost since the decision does not break replay', () => {
      const run = played();
      // History keeps who acted and in which capacity, never their grants.
      expect(run.history[1].actor).toEqual({ accountId: 'gr-approver', organizationId: org.grassroots.id, as: 'assignee' });
      expect(replay(aid, run.startInput, run.history)).toEqual(run.state);
    });

    it('refuses history the rules could not have produced', () => {
      const run = played();
      const edited = run.history.map((h) => (h.seq === 2 ? { ...h, to: 'CITY_APPROVAL' } : h));
      expect(codeOf(() => replay(aid, run.startInput, edited))).toBe('REPLAY_MISMATCH');
      expect(codeOf(() => replay(aid, run.startInput, run.history.filter((h) => h.seq !== 3)))).toBe('REPLAY_MISMATCH');
      const forged = run.history.map((h) => (h.seq === 2 ? { ...h, action: 'reject' } : h));
      expect(codeOf(() => replay(aid, run.startInput, forged))).toBe('REPLAY_MISMATCH');
      const impossible = run.history.map((h) => (h.seq === 2 ? { ...h, action: 'pay' } : h));
      expect(codeOf(() => replay(aid, run.startInput, impossible))).toBe('REPLAY_MISMATCH');
    });
  });

  describe('routing', () => {
    it('resolves a level to the nearest ancestor-or-self on the subject path', () => {
      const ancestors = [org.province, org.city, org.county, org.otherCounty];
      expect(resolveRoute('COUNTY', org.grassroots, ancestors)).toBe(org.county); // never the other county
      expect(resolveRoute('GRASSROOTS', org.grassroots, ancestors)).toBe(org.grassroots);
      expect(resolveRoute('SUBJECT_ORG', org.county, [])).toBe(org.county);
      expect(resolveRoute('CITY', org.grassroots, [org.province])).toBe(org.province); // the level above stands in
      expect(resolveRoute('PROVINCE', org.grassroots, [org.city])).toBeNull();
    });

    it('lets a grant cover its subtree only', () => {
      expect(grantCovers({ role: 'APPROVER', path: '/shaanxi/shangluo/' }, 'APPROVER', org.grassroots.path)).toBe(true);
      expect(grantCovers({ role: 'APPROVER', path: '/shaanxi/shangluo/' }, 'FINANCE', org.grassroots.path)).toBe(false);
      expect(grantCovers({ role: 'APPROVER', path: '/a/b' }, 'APPROVER', '/a/bc/')).toBe(false);
    });
  });

  describe('conditions', () => {
    const params: Record<string, ParameterDef> = { limit: { type: 'integer', value: 10 } };
    it('compares with parameters and values, and combines', () => {
      expect(evaluate({ field: 'n', op: 'gt', param: 'limit' }, { n: 11 }, params)).toBe(true);
      expect(evaluate({ field: 'n', op: 'gt', param: 'limit' }, { n: 10 }, params)).toBe(false);
      expect(evaluate({ field: 'n', op: 'lte', value: 10 }, { n: 10 }, params)).toBe(true);
      expect(evaluate({ field: 'l', op: 'in', value: ['A', 'B'] }, { l: 'B' }, params)).toBe(true);
      expect(evaluate({ field: 'l', op: 'notIn', value: ['A', 'B'] }, { l: 'B' }, params)).toBe(false);
      expect(evaluate({ all: [{ field: 'n', op: 'gt', value: 1 }, { not: { field: 'l', op: 'eq', value: 'A' } }] }, { n: 2, l: 'B' }, params)).toBe(true);
      expect(evaluate({ any: [{ field: 'n', op: 'lt', value: 1 }, { field: 'l', op: 'exists' }] }, { n: 2 }, params)).toBe(false);
    });

    it('is false, never an exception, for missing fields and mismatched types', () => {
      expect(evaluate({ field: 'n', op: 'gt', param: 'limit' }, {}, params)).toBe(false);
      expect(evaluate({ field: 'n', op: 'gt', param: 'limit' }, { n: '11' }, params)).toBe(false);
      expect(evaluate({ field: 'n', op: 'gt', param: 'nope' }, { n: 11 }, params)).toBe(false);
    });
  });

  describe('durations', () => {
    it('parses ISO-8601 durations and refuses empty or zero ones', () => {
      expect(parseDuration('PT48H')).toMatchObject({ hours: 48 });
      expect(parseDuration('P1W')).toMatchObject({ weeks: 1 });
      for (const bad of ['P', 'PT', 'P0D', '3D', 'P1.5D', 'PT1D']) expect(parseDuration(bad)).toBeNull();
    });

    it('adds calendar months in UTC and subtracts for reminders', () => {
      expect(addDuration('2025-01-31T00:00:00Z', 'P1M')).toBe('2025-03-03T00:00:00.000Z');
      expect(addDuration('2025-03-06T01:00:00Z', 'P1D', -1)).toBe('2025-03-05T01:00:00.000Z');
    });
  });

  describe('diagrams', () => {
    it.each(registry.all().map((d) => [d.key, d] as const))('draws %s as a stateDiagram-v2 with every state and edge', (_key, def) => {
      const text = toMermaid(def);
      const lines = text.trim().split('\n');
      expect(lines[0]).toBe('stateDiagram-v2');
      for (const name of Object.keys(def.states)) expect(text).toContain(` as ${name}\n`);
      // Every edge joins declared states, choice nodes or the start/end marker.
      const choices = new Set(lines.filter((l) => l.includes('<<choice>>')).map((l) => l.trim().split(' ')[1]));
      for (const l of lines.filter((x) => x.includes('-->'))) {
        const [from, rest] = l.trim().split(' --> ');
        const to = rest.split(' : ')[0];
        for (const end of [from, to]) expect(end === '[*]' || end in def.states || choices.has(end)).toBe(true);
      }
    });

    it('draws conditional routes through a choice node', () => {
      const text = toMermaid(aid);
      expect(text).toContain('  state COUNTY_REVIEW__approve <<choice>>\n');
      expect(text).toContain('  COUNTY_REVIEW --> COUNTY_REVIEW__approve : approve\n');
      expect(text).toContain('  COUNTY_REVIEW__approve --> CITY_APPROVAL : amount > thresholdFen\n');
      expect(text).toContain('  COUNTY_REVIEW__approve --> DISBURSE : otherwise\n');
      expect(text).toContain('  DISBURSE --> DISBURSEMENT_FAILED : INSUFFICIENT_FUNDS\n');
      expect(text).toContain('  PAID --> [*]\n');
    });
  });
});

// Keeps the InstanceState import honest: the fixture's state is a plain JSON value.
export const roundTrip = (s: InstanceState): InstanceState => JSON.parse(JSON.stringify(s));
