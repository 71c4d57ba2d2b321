import { join } from 'node:path';
import {
  act,
  type ActInput,
  effectCompleted,
  start,
  timerFired,
  type Actor,
  type HistoryEntry,
  type InstanceState,
  type OrgRef,
  type StartInput,
  type SubjectData,
  type TimerKind,
  type Transition,
  type WorkflowDefinition,
} from '../../src/workflow/core';
import { loadDefinitions } from '../../src/workflow/definitions';

/** The real definitions shipped in workflows/, so the tests exercise exactly what runs. */
export const registry = loadDefinitions(join(__dirname, '../../workflows'));
export const definition = (key: string): WorkflowDefinition => {
  const d = registry.latest(key);
  if (!d) throw new Error(`no definition ${key}`);
  return d;
};

// A slice of the Shangluo tree: Shaanxi → Shangluo city → Danfeng county → an enterprise union.
export const org = {
  province: { id: 'shaanxi', path: '/shaanxi/', level: 'PROVINCE' },
  city: { id: 'shangluo', path: '/shaanxi/shangluo/', level: 'CITY' },
  county: { id: 'danfeng', path: '/shaanxi/shangluo/danfeng/', level: 'COUNTY' },
  otherCounty: { id: 'luonan', path: '/shaanxi/shangluo/luonan/', level: 'COUNTY' },
  grassroots: { id: 'longfengqiao', path: '/shaanxi/shangluo/danfeng/longfengqiao/', level: 'GRASSROOTS' },
} satisfies Record<string, OrgRef>;

const holder = (accountId: string, role: string, o: OrgRef): Actor => ({
  accountId,
  organizationId: o.id,
  grants: [{ role, path: o.path }],
  isApplicant: false,
});

export const actors = {
  applicant: { accountId: 'member-wang', organizationId: org.grassroots.id, grants: [], isApplicant: true } as Actor,
  grassrootsApprover: holder('gr-approver', 'APPROVER', org.grassroots),
  grassrootsFinance: holder('gr-finance', 'FINANCE', org.grassroots),
  grassrootsAuditor: holder('gr-auditor', 'AUDITOR', org.grassroots),
  countyApprover: holder('county-approver', 'APPROVER', org.county),
  otherCountyApprover: holder('luonan-approver', 'APPROVER', org.otherCounty),
  countyFinance: holder('county-finance', 'FINANCE', org.county),
  cityApprover: holder('city-approver', 'APPROVER', org.city),
  cityFinance: holder('city-finance', 'FINANCE', org.city),
  provinceApprover: holder('province-approver', 'APPROVER', org.province),
  someMember: { accountId: 'member-li', organizationId: org.otherCounty.id, grants: [], isApplicant: false } as Actor,
  // The city selection committee: five seats, AUDITOR or APPROVER at the city.
  voters: [
    holder('committee-1', 'AUDITOR', org.city),
    holder('committee-2', 'AUDITOR', org.city),
    holder('committee-3', 'APPROVER', org.city),
    holder('committee-4', 'AUDITOR', org.city),
    holder('committee-5', 'APPROVER', org.city),
  ],
};

export const T0 = Date.parse('2025-03-03T01:00:00.000Z');
export const iso = (hoursAfterT0: number) => new Date(T0 + hoursAfterT0 * 3_600_000).toISOString();

export const subjectData = {
  aid: (amount: number): SubjectData => ({ amount, fundId: 'fund-hardship', memberId: 'member-wang', aidType: 'HARDSHIP' }),
  expense: (amount: number): SubjectData => ({ amount, fundId: 'fund-dues', category: 'ACTIVITY', summary: 'May Day sports meet' }),
  award: (awardLevel: string): SubjectData => ({ nomineeKind: 'MEMBER', nomineeId: 'member-zhang', award: 'MODEL_WORKER', awardLevel, year: 2025 }),
};

/**
 * Drives one instance the way the outer layer would: keeps the state and the accumulated history, advances
 * the clock an hour per step, and can fire the currently scheduled timers or complete the pending effect.
 */
export class Run {
  state: InstanceState;
  history: HistoryEntry[];
  last: Transition;
  readonly startInput: StartInput;
  private hour = 0;

  constructor(
    readonly def: WorkflowDefinition,
    data: SubjectData,
    subjectOrg: OrgRef = org.grassroots,
  ) {
    this.startInput = {
      instanceId: `inst-${def.key}`,
      subject: { id: `subject-${def.key}`, organization: subjectOrg, ancestors: [org.province, org.city, org.county], data },
      startedBy: { accountId: actors.applicant.accountId, organizationId: actors.applicant.organizationId },
      now: iso(0),
    };
    this.last = start(def, this.startInput);
    this.state = this.last.state;
    this.history = [...this.last.history];
  }

  private apply(t: Transition): Transition {
    this.last = t;
    this.state = t.state;
    this.history.push(...t.history);
    return t;
  }

  now(): string {
    this.hour += 1;
    return iso(this.hour);
  }

  get at(): string {
    return this.state.current.state;
  }

  act(action: string, actor: Actor, comment?: string | null, extra: Partial<Pick<ActInput, 'taskId' | 'data' | 'returnTo' | 'transferTo' | 'copyTo'>> = {}): Transition {
    return this.apply(act(this.def, this.state, { action, actor, comment, now: this.now(), ...extra }));
  }

  effect(outcome: string): Transition {
    const pending = this.state.current.pendingEffect;
    if (!pending) throw new Error(`no pending effect in ${this.at}`);
    return this.apply(effectCompleted(this.def, this.state, { effect: pending.name, idempotencyKey: pending.idempotencyKey, outcome, now: this.now() }));
  }

  /** Fires the scheduled timer of this kind at its due time. */
  fire(kind: TimerKind): Transition {
    const timer = this.state.current.timers.find((t) => t.kind === kind);
    if (!timer) throw new Error(`no ${kind} timer in ${this.at}`);
    return this.apply(timerFired(this.def, this.state, { timerId: timer.id, kind, now: timer.fireAt }));
  }

  /** The outcome of the previous transition's requested effect-name, e.g. to check what the outer layer must run. */
  get effects() {
    return this.last.effects;
  }
}
