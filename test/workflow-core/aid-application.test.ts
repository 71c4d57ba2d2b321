import { effectCompleted, replay } from '../../src/workflow/core';
import { codeOf } from './workflow.errors';
import { actors, definition, org, Run, subjectData } from './workflow.fixtures';

const def = definition('aid-application');
const THRESHOLD = 500_000;

describe('aid application', () => {
  it('does not let an approver decide an application they submitted themselves', () => {
    const run = new Run(def, subjectData.aid(1000));
    const selfApplying = { ...actors.grassrootsApprover, isApplicant: true };
    expect(codeOf(() => run.act('approve', selfApplying))).toBe('NOT_ASSIGNEE');
    expect(run.at).toBe('GRASSROOTS_VERIFY');
  });

  it('starts at the grassroots union with a task routed to it, a reminder and a deadline', () => {
    const run = new Run(def, subjectData.aid(120_000));
    expect(run.at).toBe('GRASSROOTS_VERIFY');
    expect(run.state).toMatchObject({ seq: 1, round: 1, status: 'ACTIVE', outcome: null });
    expect(run.last.openTasks).toEqual([
      expect.objectContaining({
        taskId: 'inst-aid-application:1:GRASSROOTS_VERIFY',
        step: 'GRASSROOTS_VERIFY',
        kind: 'task',
        candidateRoles: ['APPROVER'],
        route: 'GRASSROOTS',
        organizationId: org.grassroots.id,
        dueAt: '2025-03-06T01:00:00.000Z', // P3D after start
      }),
    ]);
    expect(run.last.timers).toEqual([
      { id: 'inst-aid-application:1:reminder', kind: 'reminder', fireAt: '2025-03-05T01:00:00.000Z', step: 'GRASSROOTS_VERIFY' },
      { id: 'inst-aid-application:1:deadline', kind: 'deadline', fireAt: '2025-03-06T01:00:00.000Z', step: 'GRASSROOTS_VERIFY' },
    ]);
    expect(run.history).toEqual([expect.objectContaining({ seq: 1, from: null, to: 'GRASSROOTS_VERIFY', action: 'start' })]);
  });

  it('goes grassroots → county → disburse → paid for amounts at the threshold', () => {
    const run = new Run(def, subjectData.aid(THRESHOLD));
    run.act('approve', actors.grassrootsApprover);
    expect(run.at).toBe('COUNTY_REVIEW');
    expect(run.last.closeTasks).toEqual(['inst-aid-application:1:GRASSROOTS_VERIFY']);
    expect(run.last.cancelTimers).toEqual(['inst-aid-application:1:reminder', 'inst-aid-application:1:deadline']);
    expect(run.last.openTasks[0]).toMatchObject({ route: 'COUNTY', organizationId: org.county.id });

    run.act('approve', actors.countyApprover, '核实无误');
    expect(run.at).toBe('DISBURSE');
    // The county's auditor is copied on the decision (抄送, named in the definition); the debit is requested
    // once, with a key the outer layer can use to make it exactly-once.
    expect(run.effects).toEqual([
      {
        name: 'notify',
        idempotencyKey: 'inst-aid-application:3:cc:0',
        params: { reason: 'carbonCopy', step: 'COUNTY_REVIEW', taskId: 'inst-aid-application:2:COUNTY_REVIEW', dueAt: expect.any(String), roles: ['AUDITOR'], organizationId: org.county.id, accountId: null },
        awaitOutcome: false,
      },
      {
        name: 'disburse',
        idempotencyKey: 'inst-aid-application:3:disburse',
        params: { fundId: 'fund-hardship', amountFen: THRESHOLD, memberId: 'member-wang' },
        awaitOutcome: true,
      },
    ]);
    expect(run.last.openTasks).toEqual([]);

    run.effect('ok');
    expect(run.state).toMatchObject({ status: 'COMPLETED', outcome: 'PAID', seq: 4 });
    expect(run.history.map((h) => `${h.from}→${h.to}:${h.action}`)).toEqual([
      'null→GRASSROOTS_VERIFY:start',
      'GRASSROOTS_VERIFY→COUNTY_REVIEW:approve',
      'COUNTY_REVIEW→DISBURSE:approve',
      'DISBURSE→PAID:disburse:ok',
    ]);
    expect(run.history[2]).toMatchObject({ actor: { accountId: 'county-approver', organizationId: org.county.id, as: 'assignee' }, comment: '核实无误' });
  });

  it('routes amounts above the threshold to the city', () => {
    const run = new Run(def, subjectData.aid(THRESHOLD + 1));
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    expect(run.at).toBe('CITY_APPROVAL');
    expect(run.last.openTasks[0]).toMatchObject({ route: 'CITY', organizationId: org.city.id, candidateRoles: ['APPROVER'] });
    run.act('approve', actors.cityApprover);
    expect(run.at).toBe('DISBURSE');
    run.effect('ok');
    expect(run.state.outcome).toBe('PAID');
  });

  it('refuses a rejection without a reason and records the reason when given', () => {
    const run = new Run(def, subjectData.aid(10_000));
    for (const blank of [undefined, '', '   ']) {
      expect(codeOf(() => run.act('reject', actors.grassrootsApprover, blank))).toBe('COMMENT_REQUIRED');
    }
    expect(run.state.seq).toBe(1); // refused actions change nothing
    run.act('reject', actors.grassrootsApprover, '  not a member in hardship  ');
    expect(run.state).toMatchObject({ status: 'COMPLETED', outcome: 'REJECTED' });
    expect(run.history.at(-1)).toMatchObject({ action: 'reject', comment: 'not a member in hardship', from: 'GRASSROOTS_VERIFY', to: 'REJECTED' });
  });

  it('returns for revision; the applicant resubmits a corrected amount, which starts round 2 at the first review', () => {
    const run = new Run(def, subjectData.aid(300_000));
    run.act('approve', actors.grassrootsApprover);
    run.act('return', actors.countyApprover, '请补充医院收据');
    expect(run.at).toBe('RETURNED');
    expect(run.last.openTasks[0]).toMatchObject({ kind: 'applicant', candidateRoles: [], actions: ['resubmit', 'withdraw'] });
    // Only the applicant acts on their own revision step.
    expect(codeOf(() => run.act('resubmit', actors.countyApprover))).toBe('NOT_APPLICANT');

    run.act('resubmit', actors.applicant, '已补充', { data: { amount: 800_000 } });
    expect(run.at).toBe('GRASSROOTS_VERIFY');
    expect(run.state.round).toBe(2);
    expect(run.state.subject.data.amount).toBe(800_000);
    expect(run.last.openTasks[0].round).toBe(2);

    // The corrected amount is above the threshold now, so the city approves this round.
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    expect(run.at).toBe('CITY_APPROVAL');
    expect(run.history.map((h) => h.round)).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('refuses subject data on actions that do not update the subject, and invalid data on resubmit', () => {
    const run = new Run(def, subjectData.aid(300_000));
    expect(codeOf(() => run.act('approve', actors.grassrootsApprover, undefined, { data: { amount: 1 } }))).toBe('DATA_NOT_ALLOWED');
    run.act('return', actors.grassrootsApprover, 'missing documents');
    expect(codeOf(() => run.act('resubmit', actors.applicant, undefined, { data: { amount: 12.5 } }))).toBe('INVALID_SUBJECT');
  });

  it('lets the applicant withdraw before a decision, but not a stranger', () => {
    const run = new Run(def, subjectData.aid(300_000));
    run.act('approve', actors.grassrootsApprover);
    expect(codeOf(() => run.act('withdraw', actors.someMember))).toBe('NOT_APPLICANT');
    run.act('withdraw', actors.applicant);
    expect(run.state).toMatchObject({ status: 'COMPLETED', outcome: 'WITHDRAWN' });
    expect(codeOf(() => run.act('withdraw', actors.applicant))).toBe('INSTANCE_FINISHED');
  });

  it('refuses actions by accounts that do not hold the role on the routed organisation', () => {
    const run = new Run(def, subjectData.aid(300_000));
    // The right organisation but the wrong role…
    expect(codeOf(() => run.act('approve', actors.grassrootsFinance))).toBe('NOT_ASSIGNEE');
    run.act('approve', actors.grassrootsApprover);
    // …but not a grassroots approver at the county step, nor another county's approver.
    expect(codeOf(() => run.act('approve', actors.grassrootsApprover))).toBe('NOT_ASSIGNEE');
    expect(codeOf(() => run.act('approve', actors.otherCountyApprover))).toBe('NOT_ASSIGNEE');
    expect(codeOf(() => run.act('approve', actors.applicant))).toBe('NOT_ASSIGNEE');
    expect(codeOf(() => run.act('promote', actors.countyApprover))).toBe('ACTION_NOT_ALLOWED');
    run.act('approve', actors.cityApprover); // the city covers the county below it
    expect(run.at).toBe('DISBURSE');
  });

  it('refuses an action on a task the client saw before it was closed', () => {
    const run = new Run(def, subjectData.aid(300_000));
    const seenTask = run.last.openTasks[0].taskId;
    run.act('approve', actors.grassrootsApprover, undefined, { taskId: seenTask });
    expect(codeOf(() => run.act('approve', actors.countyApprover, undefined, { taskId: seenTask }))).toBe('STALE_TASK');
  });

  it('sends a failed disbursement to city finance, who may retry with a new idempotency key', () => {
    const run = new Run(def, subjectData.aid(100_000));
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    const firstKey = run.effects[0].idempotencyKey;
    expect(codeOf(() => run.act('withdraw', actors.applicant))).toBe('ACTION_NOT_ALLOWED'); // money is moving
    run.effect('INSUFFICIENT_FUNDS');
    expect(run.at).toBe('DISBURSEMENT_FAILED');
    expect(run.last.openTasks[0]).toMatchObject({ candidateRoles: ['FINANCE'], route: 'CITY' });

    run.act('retry', actors.cityFinance, '经费已补足');
    expect(run.at).toBe('DISBURSE');
    expect(run.effects[0].idempotencyKey).not.toBe(firstKey);
    run.effect('ok');
    expect(run.state.outcome).toBe('PAID');
  });

  it('treats a duplicate or late disbursement outcome as a no-op, so the fund is never debited twice by the core', () => {
    const run = new Run(def, subjectData.aid(100_000));
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    const pending = run.state.current.pendingEffect!;
    run.effect('ok');
    const paid = run.state;
    const t = effectCompleted(def, paid, { effect: 'disburse', idempotencyKey: pending.idempotencyKey, outcome: 'ok', now: run.now() });
    expect(t.changed).toBe(false);
    expect(t.state).toBe(paid);
    expect(t.effects).toEqual([]);
  });

  it('refuses an outcome the system step does not declare', () => {
    const run = new Run(def, subjectData.aid(100_000));
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    expect(codeOf(() => run.effect('BANK_ON_FIRE'))).toBe('UNKNOWN_OUTCOME');
  });

  it('reassigns an overdue grassroots step to the county, once, and then only notifies', () => {
    const run = new Run(def, subjectData.aid(100_000));
    run.fire('reminder');
    expect(run.effects).toEqual([expect.objectContaining({ name: 'notify', awaitOutcome: false, params: expect.objectContaining({ reason: 'reminder', step: 'GRASSROOTS_VERIFY' }) })]);
    run.fire('deadline');
    expect(run.at).toBe('GRASSROOTS_VERIFY');
    expect(run.last.closeTasks).toEqual(['inst-aid-application:1:GRASSROOTS_VERIFY']);
    expect(run.last.openTasks[0]).toMatchObject({ taskId: 'inst-aid-application:3:GRASSROOTS_VERIFY', route: 'COUNTY', organizationId: org.county.id, escalated: true });
    expect(run.history.at(-1)).toMatchObject({ action: 'escalate', actor: null, from: 'GRASSROOTS_VERIFY', to: 'GRASSROOTS_VERIFY' });
    // The grassroots approver no longer holds the (reassigned) task.
    expect(codeOf(() => run.act('approve', actors.grassrootsApprover))).toBe('NOT_ASSIGNEE');

    run.fire('deadline');
    expect(run.last.openTasks).toEqual([]);
    expect(run.effects[0].params).toMatchObject({ reason: 'overdue' });
    run.act('approve', actors.countyApprover);
    expect(run.at).toBe('COUNTY_REVIEW');
  });

  it('lets an unanswered return lapse as withdrawn at its deadline', () => {
    const run = new Run(def, subjectData.aid(100_000));
    run.act('return', actors.grassrootsApprover, 'need the diagnosis');
    run.fire('deadline');
    expect(run.state).toMatchObject({ status: 'COMPLETED', outcome: 'WITHDRAWN' });
    expect(run.history.at(-1)).toMatchObject({ action: 'expire', from: 'RETURNED', to: 'WITHDRAWN' });
  });

  it('replays its history to the same state', () => {
    const run = new Run(def, subjectData.aid(300_000));
    run.act('return', actors.grassrootsApprover, 'need receipts');
    run.act('resubmit', actors.applicant, undefined, { data: { amount: 900_000 } });
    run.fire('reminder');
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    run.act('approve', actors.cityApprover);
    run.effect('INSUFFICIENT_FUNDS');
    run.act('retry', actors.cityFinance);
    run.effect('ok');
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('starts only for subjects whose data matches the declared fields', () => {
    expect(codeOf(() => new Run(def, { amount: '100', fundId: 'f', memberId: 'm', aidType: 'HARDSHIP' }))).toBe('INVALID_SUBJECT');
    expect(codeOf(() => new Run(def, { ...subjectData.aid(1), aidType: 'LOTTERY' }))).toBe('INVALID_SUBJECT');
  });
});
