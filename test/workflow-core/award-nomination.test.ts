import { replay, timerFired } from '../../src/workflow/core';
import { codeOf } from './workflow.errors';
import { actors, definition, org, Run, subjectData } from './workflow.fixtures';

const def = definition('award-nomination');
const [v1, v2, v3, v4, v5] = actors.voters;

/** County approves and the quota is reserved: the nomination is before the selection committee. */
function atVote(level = 'CITY'): Run {
  const run = new Run(def, subjectData.award(level));
  run.act('approve', actors.countyApprover);
  expect(run.effects[0]).toMatchObject({ name: 'reserveQuota', params: { award: 'MODEL_WORKER', awardLevel: level, year: 2025 } });
  run.effect('ok');
  expect(run.at).toBe('SELECTION_VOTE');
  return run;
}

/** Three of five approve: on to the public notice. */
function atNotice(level = 'CITY'): Run {
  const run = atVote(level);
  run.act('approve', v1);
  run.act('approve', v2);
  run.act('approve', v3);
  expect(run.at).toBe('PUBLIC_NOTICE');
  return run;
}

describe('award nomination', () => {
  it('opens one vote task for the committee roles at the city', () => {
    const run = atVote();
    expect(run.last.openTasks).toEqual([
      expect.objectContaining({ kind: 'vote', candidateRoles: ['AUDITOR', 'APPROVER'], route: 'CITY', organizationId: org.city.id, actions: ['approve', 'reject'] }),
    ]);
  });

  it('passes the vote as soon as N of M approve, and records each vote', () => {
    const run = atVote();
    run.act('approve', v1);
    run.act('reject', v2, '事迹材料不足');
    run.act('approve', v3);
    expect(run.at).toBe('SELECTION_VOTE');
    expect(run.state.current.votes.map((v) => [v.accountId, v.choice])).toEqual([
      ['committee-1', 'approve'],
      ['committee-2', 'reject'],
      ['committee-3', 'approve'],
    ]);
    run.act('approve', v4);
    expect(run.at).toBe('PUBLIC_NOTICE');
    expect(run.history.slice(-4).map((h) => [h.actor?.as, h.action, h.to])).toEqual([
      ['voter', 'approve', 'SELECTION_VOTE'],
      ['voter', 'reject', 'SELECTION_VOTE'],
      ['voter', 'approve', 'SELECTION_VOTE'],
      ['voter', 'approve', 'PUBLIC_NOTICE'],
    ]);
  });

  it('fails the vote as soon as approval becomes impossible, and releases the quota', () => {
    const run = atVote();
    run.act('approve', v1);
    run.act('reject', v2, 'no');
    run.act('reject', v3, 'no');
    expect(run.at).toBe('SELECTION_VOTE'); // 2 rejections of 5: 3 approvals still possible
    run.act('reject', v4, 'no');
    expect(run.at).toBe('RELEASE_QUOTA');
    expect(run.effects[0]).toMatchObject({ name: 'releaseQuota' });
    run.effect('ok');
    expect(run.state.outcome).toBe('REJECTED');
  });

  it('accepts one vote per member, needs a reason to vote against, and refuses non-members of the committee', () => {
    const run = atVote();
    run.act('approve', v1);
    expect(codeOf(() => run.act('approve', v1))).toBe('ALREADY_VOTED');
    expect(codeOf(() => run.act('reject', v1, 'changed my mind'))).toBe('ALREADY_VOTED');
    expect(codeOf(() => run.act('reject', v2))).toBe('COMMENT_REQUIRED');
    expect(codeOf(() => run.act('approve', actors.countyApprover))).toBe('NOT_ASSIGNEE');
    expect(codeOf(() => run.act('approve', actors.cityFinance))).toBe('NOT_ASSIGNEE');
    expect(run.state.current.votes).toHaveLength(1);
  });

  it('seats only members of the city committee: a province approver covering the city has no vote', () => {
    const run = atVote();
    expect(codeOf(() => run.act('approve', actors.provinceApprover))).toBe('NOT_ASSIGNEE');
    expect(run.state.current.votes).toHaveLength(0);
  });

  it('moves on when the notice period expires without objection (city-level award)', () => {
    const run = atNotice();
    expect(run.last.timers).toEqual([expect.objectContaining({ kind: 'notice', step: 'PUBLIC_NOTICE' })]);
    const notice = run.last.timers[0];
    // P7D after the vote closed.
    expect(Date.parse(notice.fireAt) - Date.parse(run.state.current.enteredAt)).toBe(7 * 24 * 3_600_000);
    run.fire('notice');
    expect(run.at).toBe('RECORD_HONOUR');
    expect(run.effects[0]).toMatchObject({ name: 'recordHonour', params: { nomineeKind: 'MEMBER', nomineeId: 'member-zhang', award: 'MODEL_WORKER', awardLevel: 'CITY', year: 2025 } });
    run.effect('ok');
    expect(run.state.outcome).toBe('AWARDED');
  });

  it('hands provincial awards over to the province after the notice', () => {
    const run = atNotice('PROVINCIAL');
    run.fire('notice');
    expect(run.at).toBe('PROVINCE_DECISION');
    expect(run.last.openTasks[0]).toMatchObject({ route: 'PROVINCE', organizationId: org.province.id });
    expect(codeOf(() => run.act('approve', actors.cityApprover))).toBe('NOT_ASSIGNEE');
    run.act('approve', actors.provinceApprover);
    run.effect('ok');
    expect(run.state.outcome).toBe('AWARDED');
  });

  it('lets any signed-in member object during the notice; a cleared objection continues', () => {
    const run = atNotice('NATIONAL');
    const noticeTimer = run.state.current.timers[0].id;
    expect(codeOf(() => run.act('object', actors.someMember, ' '))).toBe('COMMENT_REQUIRED');
    run.act('object', actors.someMember, '该同志存在违纪记录');
    expect(run.at).toBe('INVESTIGATION');
    expect(run.last.cancelTimers).toEqual([noticeTimer]);
    expect(run.history.at(-1)).toMatchObject({ actor: { accountId: 'member-li', as: 'public' } });

    // The notice timer firing late (the job queue did not see the cancel) changes nothing.
    const late = timerFired(def, run.state, { timerId: noticeTimer, kind: 'notice', now: run.now() });
    expect(late).toMatchObject({ changed: false, history: [], openTasks: [], effects: [] });
    expect(late.state).toBe(run.state);

    run.act('clear', actors.cityApprover, '经核查不属实');
    expect(run.at).toBe('PROVINCE_DECISION'); // a national award goes on to the province
  });

  it('ends a nomination whose objection is upheld, releasing its quota', () => {
    const run = atNotice();
    run.act('object', actors.someMember, 'falsified records');
    expect(codeOf(() => run.act('uphold', actors.someMember, 'yes'))).toBe('NOT_ASSIGNEE');
    run.act('uphold', actors.cityApprover, '异议属实');
    expect(run.at).toBe('RELEASE_QUOTA');
    run.effect('ok');
    expect(run.state.outcome).toBe('REJECTED');
  });

  it('clears a city-level objection straight to recording the honour', () => {
    const run = atNotice();
    run.act('object', actors.someMember, 'doubt');
    run.act('clear', actors.cityApprover, 'checked');
    expect(run.at).toBe('RECORD_HONOUR');
  });

  it('returns to the county when the quota is exhausted', () => {
    const run = new Run(def, subjectData.award('CITY'));
    run.act('approve', actors.countyApprover);
    run.effect('QUOTA_EXCEEDED');
    expect(run.at).toBe('COUNTY_REVIEW');
    expect(run.last.openTasks[0].taskId).toBe('inst-award-nomination:3:COUNTY_REVIEW');
    run.act('reject', actors.countyApprover, '名额已满');
    expect(run.state.outcome).toBe('REJECTED');
  });

  it('only lets the nominating union withdraw before the county decides', () => {
    const run = new Run(def, subjectData.award('CITY'));
    run.act('return', actors.countyApprover, 'add the achievements');
    run.act('resubmit', actors.applicant, undefined, { data: { award: 'CRAFTSMAN' } });
    run.act('approve', actors.countyApprover);
    run.effect('ok');
    expect(codeOf(() => run.act('withdraw', actors.applicant))).toBe('ACTION_NOT_ALLOWED');
  });

  it('replays a full nomination with an objection to the same state', () => {
    const run = atNotice('PROVINCIAL');
    run.act('object', actors.someMember, 'doubt');
    run.fire('reminder');
    run.act('clear', actors.cityApprover, 'unfounded');
    run.act('approve', actors.provinceApprover);
    run.effect('ok');
    expect(replay(def, run.startInput, run.history)).toEqual(run.state);
    expect(run.history.map((h) => h.seq)).toEqual(run.history.map((_, i) => i + 1));
  });

  it('lets a fifth vote decide when the first four split evenly', () => {
    const run = atVote();
    run.act('approve', v1);
    run.act('approve', v2);
    run.act('reject', v3, 'no');
    run.act('reject', v4, 'no');
    run.act('approve', v5);
    expect(run.at).toBe('PUBLIC_NOTICE');
  });
});
