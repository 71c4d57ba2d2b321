import { replay } from '../../src/workflow/core';
import { codeOf } from './workflow.errors';
import { actors, definition, org, Run, subjectData } from './workflow.fixtures';

const def = definition('expense-review');
const THRESHOLD = 2_000_000;

describe('expense review', () => {
  it("starts with the submitting union's own finance officer", () => {
    const run = new Run(def, subjectData.expense(50_000));
    expect(run.at).toBe('FINANCE_REVIEW');
    expect(run.last.openTasks[0]).toMatchObject({ candidateRoles: ['FINANCE'], route: 'SUBJECT_ORG', organizationId: org.grassroots.id });
  });

  it('books an expense at the threshold after finance and the review committee, without the county', () => {
    const run = new Run(def, subjectData.expense(THRESHOLD));
    run.act('approve', actors.grassrootsFinance);
    expect(run.at).toBe('AUDIT_REVIEW');
    expect(run.last.openTasks[0]).toMatchObject({ candidateRoles: ['AUDITOR'], organizationId: org.grassroots.id });
    run.act('approve', actors.grassrootsAuditor);
    expect(run.at).toBe('BOOK');
    expect(run.effects).toEqual([
      { name: 'book', idempotencyKey: 'inst-expense-review:3:book', params: { fundId: 'fund-dues', amountFen: THRESHOLD, category: 'ACTIVITY' }, awaitOutcome: true },
    ]);
    run.effect('ok');
    expect(run.state).toMatchObject({ status: 'COMPLETED', outcome: 'BOOKED' });
  });

  it('sends expenses above the threshold to the county federation', () => {
    const run = new Run(def, subjectData.expense(THRESHOLD + 1));
    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    expect(run.at).toBe('COUNTY_REVIEW');
    expect(codeOf(() => run.act('approve', actors.grassrootsAuditor))).toBe('NOT_ASSIGNEE');
    run.act('approve', actors.countyApprover);
    expect(run.at).toBe('BOOK');
  });

  it('keeps every round when sent back twice for correction and then booked', () => {
    const run = new Run(def, subjectData.expense(3_000_000));
    run.act('approve', actors.grassrootsFinance);
    expect(codeOf(() => run.act('sendBack', actors.grassrootsAuditor))).toBe('COMMENT_REQUIRED');
    run.act('sendBack', actors.grassrootsAuditor, '发票抬头不符 invoice made out to the wrong payer');
    expect(run.at).toBe('CORRECTION');
    expect(run.last.openTasks[0]).toMatchObject({ kind: 'applicant' });
    run.act('resubmit', actors.applicant, '已换开发票');
    expect(run.at).toBe('FINANCE_REVIEW');

    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    run.act('sendBack', actors.countyApprover, '超出活动预算 over the activity budget');
    run.act('resubmit', actors.applicant, 'reduced', { data: { amount: 1_500_000 } });
    expect(run.state.round).toBe(3);

    // The corrected amount is below the threshold, so the county is not asked again.
    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    run.effect('ok');
    expect(run.state.outcome).toBe('BOOKED');
    const findings = run.history.filter((h) => h.action === 'sendBack').map((h) => [h.round, h.from, h.comment]);
    expect(findings).toEqual([
      [1, 'AUDIT_REVIEW', '发票抬头不符 invoice made out to the wrong payer'],
      [2, 'COUNTY_REVIEW', '超出活动预算 over the activity budget'],
    ]);
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
  });

  it('sends a booking that finds the fund short back to the submitter, who may choose another fund', () => {
    const run = new Run(def, subjectData.expense(80_000));
    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    run.effect('INSUFFICIENT_FUNDS');
    expect(run.at).toBe('CORRECTION');
    expect(run.history.at(-1)).toMatchObject({ action: 'book:INSUFFICIENT_FUNDS', actor: null });
    run.act('resubmit', actors.applicant, undefined, { data: { fundId: 'fund-relief' } });
    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    expect(run.effects[0].params).toMatchObject({ fundId: 'fund-relief' });
  });

  it('lets the county reject an expense not chargeable to the fund, with a reason', () => {
    const run = new Run(def, subjectData.expense(THRESHOLD * 2));
    run.act('approve', actors.grassrootsFinance);
    run.act('approve', actors.grassrootsAuditor);
    expect(codeOf(() => run.act('reject', actors.countyApprover, ''))).toBe('COMMENT_REQUIRED');
    run.act('reject', actors.countyApprover, '不属于工会经费开支范围');
    expect(run.state.outcome).toBe('REJECTED');
  });

  it('does not let a reviewer withdraw the submission, nor the submitter approve it', () => {
    const run = new Run(def, subjectData.expense(10_000));
    expect(codeOf(() => run.act('withdraw', actors.grassrootsFinance))).toBe('NOT_APPLICANT');
    expect(codeOf(() => run.act('approve', actors.applicant))).toBe('NOT_ASSIGNEE');
    expect(codeOf(() => run.act('resubmit', actors.applicant))).toBe('ACTION_NOT_ALLOWED');
  });
});
