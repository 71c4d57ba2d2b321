import { replay, returnTargets, type Actor } from '../../src/workflow/core';
import { actors, definition, iso, org, Run, subjectData } from './workflow.fixtures';
import { codeOf as ruleCode } from './workflow.errors';

/**
 * The approval actions of the pure core: return to an earlier step, transfer, urge, carbon copy, and a
 * substitute acting on a delegator's task. Each changes the instance only as the definition allows it.
 */
const def = definition('aid-application');
const ABOVE = 800_000;

/** The county approver's colleague at the county, with no role of the task's: a transfer or delegation target. */
const countyFinance = actors.countyFinance;
const substituteOf = (delegator: Actor, substitute: Actor): Actor => ({
  ...substitute,
  onBehalfOf: { accountId: delegator.accountId, organizationId: delegator.organizationId, grants: delegator.grants, isApplicant: delegator.isApplicant },
});

function atCity(): Run {
  const run = new Run(def, subjectData.aid(ABOVE));
  run.act('approve', actors.grassrootsApprover);
  run.act('approve', actors.countyApprover);
  expect(run.at).toBe('CITY_APPROVAL');
  return run;
}

describe('return to an earlier step (驳回到任意节点)', () => {
  it('offers every earlier human step of this round, and the applicant', () => {
    const run = atCity();
    expect(returnTargets(def, run.state)).toEqual(['GRASSROOTS_VERIFY', 'COUNTY_REVIEW', 'RETURNED']);
  });

  it('resumes from the step picked, which then goes on as before, every pass kept in the history', () => {
    const run = atCity();
    run.act('returnTo', actors.cityApprover, '请基层工会重新核实家庭收入', { returnTo: 'GRASSROOTS_VERIFY' });
    expect(run.at).toBe('GRASSROOTS_VERIFY');
    expect(run.state.round).toBe(1);
    expect(run.last.openTasks[0]).toMatchObject({ step: 'GRASSROOTS_VERIFY', organizationId: org.grassroots.id });
    // The county review is to be done again, so it is no target any more until it is.
    expect(returnTargets(def, run.state)).toEqual([]);
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    expect(run.at).toBe('CITY_APPROVAL');
    expect(run.history.map((h) => `${h.from}→${h.to}:${h.action}`)).toEqual([
      'null→GRASSROOTS_VERIFY:start',
      'GRASSROOTS_VERIFY→COUNTY_REVIEW:approve',
      'COUNTY_REVIEW→CITY_APPROVAL:approve',
      'CITY_APPROVAL→GRASSROOTS_VERIFY:returnTo',
      'GRASSROOTS_VERIFY→COUNTY_REVIEW:approve',
      'COUNTY_REVIEW→CITY_APPROVAL:approve',
    ]);
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('returns to the applicant, whose resubmission starts the next round', () => {
    const run = atCity();
    run.act('returnTo', actors.cityApprover, '请补充医院诊断证明', { returnTo: 'RETURNED' });
    expect(run.at).toBe('RETURNED');
    run.act('resubmit', actors.applicant);
    expect(run.state.round).toBe(2);
    expect(returnTargets(def, run.state)).toEqual([]);
  });

  it('refuses a later step, an unknown one, no reason, a step that does not allow it, and someone not assigned', () => {
    const run = atCity();
    expect(ruleCode(() => run.act('returnTo', actors.cityApprover, '理由', { returnTo: 'DISBURSE' }))).toBe('RETURN_TARGET_INVALID');
    expect(ruleCode(() => run.act('returnTo', actors.cityApprover, '理由', { returnTo: 'NOWHERE' }))).toBe('RETURN_TARGET_INVALID');
    expect(ruleCode(() => run.act('returnTo', actors.cityApprover, '  ', { returnTo: 'COUNTY_REVIEW' }))).toBe('COMMENT_REQUIRED');
    expect(ruleCode(() => run.act('returnTo', actors.countyApprover, '理由', { returnTo: 'COUNTY_REVIEW' }))).toBe('NOT_ASSIGNEE');
    const first = new Run(def, subjectData.aid(ABOVE));
    expect(ruleCode(() => first.act('returnTo', actors.grassrootsApprover, '理由', { returnTo: 'RETURNED' }))).toBe('ACTION_NOT_ALLOWED');
  });
});

describe('transfer (转办)', () => {
  it('hands the task to the person named, with the deadline it had; only they act on it then', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('approve', actors.grassrootsApprover);
    const before = run.state.current.task!;
    run.act('transfer', actors.countyApprover, '本人出差，转办同事', { transferTo: { accountId: countyFinance.accountId, isApplicant: false } });
    expect(run.at).toBe('COUNTY_REVIEW');
    expect(run.last.closeTasks).toEqual([before.taskId]);
    expect(run.last.openTasks).toEqual([{ ...before, taskId: 'inst-aid-application:3:COUNTY_REVIEW', openedAt: iso(2), assignedTo: countyFinance.accountId }]);
    expect(run.last.timers).toEqual([]);
    expect(run.history.at(-1)).toMatchObject({ action: 'transfer', from: 'COUNTY_REVIEW', to: 'COUNTY_REVIEW', comment: '本人出差，转办同事', cause: { transferTo: countyFinance.accountId } });
    expect(ruleCode(() => run.act('approve', actors.countyApprover))).toBe('NOT_ASSIGNEE');
    run.act('approve', countyFinance);
    expect(run.at).toBe('CITY_APPROVAL');
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('sends the reminder of a transferred task to its new assignee', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('transfer', actors.grassrootsApprover, '转办', { transferTo: { accountId: 'gr-colleague', isApplicant: false } });
    run.fire('reminder');
    expect(run.effects[0].params).toMatchObject({ reason: 'reminder', accountId: 'gr-colleague', roles: [] });
  });

  it('refuses no reason, oneself, the applicant, and a step that does not allow it', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    const to = (accountId: string, isApplicant = false) => ({ transferTo: { accountId, isApplicant } });
    expect(ruleCode(() => run.act('transfer', actors.grassrootsApprover, '', to('gr-colleague')))).toBe('COMMENT_REQUIRED');
    expect(ruleCode(() => run.act('transfer', actors.grassrootsApprover, '转办', to('gr-approver')))).toBe('TRANSFER_TARGET_INVALID');
    expect(ruleCode(() => run.act('transfer', actors.grassrootsApprover, '转办', to('member-wang', true)))).toBe('TRANSFER_TARGET_INVALID');
    expect(ruleCode(() => run.act('transfer', actors.someMember, '转办', to('x')))).toBe('NOT_ASSIGNEE');
    run.act('return', actors.grassrootsApprover, '补充材料');
    expect(ruleCode(() => run.act('transfer', actors.applicant, '转办', to('x')))).toBe('ACTION_NOT_ALLOWED');
  });
});

describe('urge (催办)', () => {
  it('lets the applicant nudge the assignees once a day, with a notice to them', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('urge', actors.applicant, '家里急用，请尽快审核');
    expect(run.history.at(-1)).toMatchObject({ action: 'urge', actor: { as: 'applicant' }, from: 'GRASSROOTS_VERIFY', to: 'GRASSROOTS_VERIFY' });
    expect(run.effects).toEqual([
      expect.objectContaining({ name: 'notify', params: expect.objectContaining({ reason: 'urge', roles: ['APPROVER'], organizationId: org.grassroots.id, accountId: null }) }),
    ]);
    expect(ruleCode(() => run.act('urge', actors.applicant))).toBe('URGED_RECENTLY');
    for (let i = 0; i < 23; i++) run.now();
    run.act('urge', actors.applicant);
    expect(run.history.filter((h) => h.action === 'urge')).toHaveLength(2);
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('lets a holder of the role higher up urge, and nobody else', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('urge', actors.countyApprover);
    expect(run.history.at(-1)!.actor).toMatchObject({ as: 'supervisor' });
    expect(ruleCode(() => run.act('urge', actors.grassrootsApprover))).toBe('NOT_ALLOWED_TO_URGE');
    expect(ruleCode(() => run.act('urge', actors.someMember))).toBe('NOT_ALLOWED_TO_URGE');
    expect(ruleCode(() => run.act('urge', actors.countyFinance))).toBe('NOT_ALLOWED_TO_URGE');
  });

  it('starts afresh in the next step', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('urge', actors.applicant);
    run.act('approve', actors.grassrootsApprover);
    run.act('urge', actors.applicant);
    expect(run.state.current.urgedAt).toBe(run.history.at(-1)!.at);
  });
});

describe('delegation: a substitute acting for the delegator', () => {
  it('records the substitute on behalf of the delegator', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('approve', substituteOf(actors.grassrootsApprover, actors.grassrootsFinance), '代为审核');
    expect(run.history.at(-1)!.actor).toEqual({ accountId: 'gr-finance', organizationId: org.grassroots.id, as: 'assignee', onBehalfOf: 'gr-approver' });
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('acts on a task transferred to the delegator', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('transfer', actors.grassrootsApprover, '转办', { transferTo: { accountId: 'gr-auditor', isApplicant: false } });
    run.act('approve', substituteOf(actors.grassrootsAuditor, actors.grassrootsFinance));
    expect(run.history.at(-1)!.actor).toMatchObject({ accountId: 'gr-finance', onBehalfOf: 'gr-auditor' });
  });

  it('does not pass on where the delegator could not act, nor for an applicant, nor on a step that is not delegable', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    expect(ruleCode(() => run.act('approve', substituteOf(actors.countyFinance, actors.grassrootsFinance)))).toBe('NOT_ASSIGNEE');
    expect(ruleCode(() => run.act('approve', substituteOf({ ...actors.grassrootsApprover, isApplicant: true }, actors.grassrootsFinance)))).toBe('NOT_ASSIGNEE');
    const award = new Run(definition('award-nomination'), subjectData.award('PROVINCIAL'));
    award.act('approve', actors.countyApprover);
    award.effect('ok');
    expect(award.at).toBe('SELECTION_VOTE');
    expect(ruleCode(() => award.act('approve', substituteOf(actors.voters[0], actors.countyApprover)))).toBe('NOT_ASSIGNEE');
  });
});

describe('carbon copy (抄送)', () => {
  it('copies the roles the definition names when the step is decided, and the accounts the approver adds', () => {
    const run = new Run(def, subjectData.aid(ABOVE));
    run.act('carbonCopy', actors.grassrootsApprover, '请知悉', { copyTo: ['member-li', 'city-finance'] });
    expect(run.effects.map((e) => e.params)).toEqual([
      expect.objectContaining({ reason: 'carbonCopy', accountId: 'member-li', roles: [] }),
      expect.objectContaining({ reason: 'carbonCopy', accountId: 'city-finance', roles: [] }),
    ]);
    expect(ruleCode(() => run.act('carbonCopy', actors.grassrootsApprover, null, { copyTo: ['member-li'] }))).toBe('ALREADY_COPIED');
    expect(ruleCode(() => run.act('carbonCopy', actors.grassrootsApprover, null, { copyTo: [] }))).toBe('INVALID_INPUT');
    expect(ruleCode(() => run.act('carbonCopy', actors.applicant, null, { copyTo: ['x'] }))).toBe('NOT_ASSIGNEE');
    run.act('approve', actors.grassrootsApprover);
    run.act('approve', actors.countyApprover);
    expect(run.state.carbonCopies).toEqual([
      expect.objectContaining({ accountId: 'member-li', step: 'GRASSROOTS_VERIFY' }),
      expect.objectContaining({ accountId: 'city-finance', step: 'GRASSROOTS_VERIFY' }),
      { accountId: null, role: 'AUDITOR', organizationId: org.county.id, organizationPath: org.county.path, step: 'COUNTY_REVIEW', at: run.history.at(-1)!.at },
    ]);
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });
});
