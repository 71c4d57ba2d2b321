import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowInstance } from '../../src/workflow/workflow-instance.entity';
import { addCommittees, buildFederation, Federation, sqlOn } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const NOMINATION_FIELDS = `id nomineeKind award awardLevel year citation submitter { displayName organization { name } }
  member { id name } nomineeOrganization { id } organization { id } county { id }
  objections { objector { displayName } reason seq }
  instance { id state status outcome round seq votes { accountId choice comment } history { seq at fromState toState action actorAccountId actingAs comment round } }`;
const NOMINATE = `mutation($input: NominateForAwardInput!) { nominateForAward(input: $input) { ${NOMINATION_FIELDS} } }`;
const VOTE = `mutation($taskId: ID!, $approve: Boolean!, $comment: String, $key: String!) {
  castVote(taskId: $taskId, approve: $approve, comment: $comment, idempotencyKey: $key) { state seq votes { accountId choice } } }`;
const OBJECT = `mutation($nominationId: ID, $instanceId: ID, $reason: String!) {
  objectToNomination(nominationId: $nominationId, instanceId: $instanceId, reason: $reason) { id objections { objector { displayName } reason } } }`;
const QUOTAS = `query($county: ID!, $year: Int!) { awardQuotas(countyId: $county, year: $year) { award awardLevel year quota reserved pending used remaining } }`;
const HONOURS = `query($id: ID!) { member(id: $id) { honours { award level year } } }`;
const COMMITTEE = ['city.auditor1', 'city.auditor2', 'city.auditor3', 'city.auditor4', 'city.approver'];
const LOGINS = ['longfeng.approver', 'danfeng.approver', 'shangnan.approver', 'wang', 'zhao', 'chen', 'province.approver', 'admin', ...COMMITTEE];

/** Shared by both suites: one federation per app, with the committees and quotas of addCommittees. */
function harness(env?: Record<string, string>) {
  const h = {} as {
    t: TestApp;
    fed: Federation;
    wf: WorkflowClient;
    sql: ReturnType<typeof sqlOn>;
    tokens: Record<string, string>;
  };
  beforeAll(async () => {
    h.t = await startTestApp({ workers: true, env });
    h.fed = await buildFederation(h.t.app.services.orm.em.fork());
    await addCommittees(h.t.app.services.orm.em.fork(), h.fed);
    h.wf = new WorkflowClient(h.t);
    h.sql = sqlOn(h.t);
    h.tokens = {};
    for (const name of LOGINS) h.tokens[name] = await h.t.login(name);
  });
  afterAll(() => h.t.close());

  const api = {
    async nominate(input: Record<string, unknown>, who = 'longfeng.approver') {
      const res = await h.t.gql(NOMINATE, { input: { awardLevel: 'CITY', year: 2026, citation: '扎根一线二十年，带徒三十余人，攻克关键工艺难题', ...input } }, h.tokens[who]);
      expect(res.errors).toBeUndefined();
      return res.data.nominateForAward;
    },
    nominateRaw(input: Record<string, unknown>, who = 'longfeng.approver') {
      return h.t.gql(NOMINATE, { input: { awardLevel: 'CITY', year: 2026, citation: '事迹材料', ...input } }, h.tokens[who]);
    },
    async nomination(id: string, who = 'longfeng.approver') {
      const res = await h.t.gql(`query($id: ID!) { nomination(id: $id) { ${NOMINATION_FIELDS} } }`, { id }, h.tokens[who]);
      expect(res.errors).toBeUndefined();
      return res.data.nomination;
    },
    async countyApproves(instanceId: string) {
      const task = await h.wf.taskFor(h.tokens['danfeng.approver'], instanceId, 'COUNTY_REVIEW');
      const res = await h.wf.decide(h.tokens['danfeng.approver'], task.id, 'approve', '事迹属实，同意推荐');
      expect(res.errors).toBeUndefined();
      return h.wf.reachesAny(h.tokens['city.approver'], instanceId, ['SELECTION_VOTE', 'COUNTY_REVIEW']);
    },
    async voteTask(instanceId: string) {
      return h.wf.taskFor(h.tokens['city.auditor1'], instanceId, 'SELECTION_VOTE');
    },
    vote(who: string, taskId: string, approve: boolean, comment?: string, key: string = randomUUID()) {
      return h.t.gql(VOTE, { taskId, approve, comment, key }, h.tokens[who]);
    },
    /** County approval and three approving votes: the nomination goes on public notice. */
    async toPublicNotice(instanceId: string) {
      expect((await api.countyApproves(instanceId)).state).toBe('SELECTION_VOTE');
      const task = await api.voteTask(instanceId);
      for (const who of ['city.auditor1', 'city.auditor2']) expect((await api.vote(who, task.id, true)).data.castVote.state).toBe('SELECTION_VOTE');
      expect((await api.vote('city.approver', task.id, true, '同意')).data.castVote.state).toBe('PUBLIC_NOTICE');
    },
    async quota(award: string, awardLevel = 'CITY', year = 2026) {
      const res = await h.t.gql(QUOTAS, { county: h.fed.orgs.danfeng.id, year }, h.tokens['city.approver']);
      expect(res.errors).toBeUndefined();
      return res.data.awardQuotas.find((q: { award: string; awardLevel: string }) => q.award === award && q.awardLevel === awardLevel);
    },
    async honours(memberId: string) {
      const res = await h.t.gql(HONOURS, { id: memberId }, h.tokens['city.approver']);
      expect(res.errors).toBeUndefined();
      return res.data.member.honours;
    },
    async honourRows(instanceId: string) {
      return h.sql('select member_id, organization_id, award, level, year from honour where source_instance_id = ?', [instanceId]);
    },
  };
  return { h, api };
}

describe('award nomination', () => {
  const { h, api } = harness();

  it('nominates within the county’s quota and refuses over it with QUOTA_EXCEEDED', async () => {
    expect(await api.quota('TECHNICAL_EXPERT')).toEqual({ award: 'TECHNICAL_EXPERT', awardLevel: 'CITY', year: 2026, quota: 1, reserved: 0, pending: 0, used: 0, remaining: 1 });
    const n = await api.nominate({ memberId: h.fed.members.wang.id, award: 'TECHNICAL_EXPERT' });
    expect(n).toMatchObject({ nomineeKind: 'MEMBER', member: { id: h.fed.members.wang.id }, organization: { id: h.fed.orgs.longfeng.id }, county: { id: h.fed.orgs.danfeng.id } });
    expect(n.instance).toMatchObject({ state: 'COUNTY_REVIEW', round: 1 });
    expect(await api.quota('TECHNICAL_EXPERT')).toMatchObject({ pending: 1, used: 1, remaining: 0 });

    const count = async () => Number((await h.sql('select count(*) as n from nomination'))[0].n);
    const before = await count();
    const over = await api.nominateRaw({ memberId: h.fed.members.li.id, award: 'TECHNICAL_EXPERT' });
    expect(codeOf(over)).toBe('CONFLICT');
    expect(over.errors![0].extensions).toMatchObject({ reason: 'QUOTA_EXCEEDED', quota: 1, used: 1 });
    expect(over.errors![0].message).toMatch(/丹凤县总工会 has used all 1 of its places for TECHNICAL_EXPERT \(CITY\) 2026/);
    const none = await api.nominateRaw({ memberId: h.fed.members.li.id, award: 'TECHNICAL_EXPERT', year: 2031 });
    expect(codeOf(none)).toBe('CONFLICT');
    expect(none.errors![0].extensions!.reason).toBe('QUOTA_EXCEEDED');
    expect(await count()).toBe(before);

    // The county approves: the place turns from pending into reserved.
    expect((await api.countyApproves(n.instance.id)).state).toBe('SELECTION_VOTE');
    expect(await api.quota('TECHNICAL_EXPERT')).toMatchObject({ reserved: 1, pending: 0, used: 1, remaining: 0 });
  });

  it('sends the nomination back to the county when the quota filled up before its reservation', async () => {
    const first = await api.nominate({ memberId: h.fed.members.wang.id, award: 'MAY_DAY_MEDAL' });
    const second = await api.nominate({ memberId: h.fed.members.li.id, award: 'MAY_DAY_MEDAL' });
    // The city cuts the quota behind the API's back (the API refuses a quota below the places used).
    await h.sql(`update award_quota set quota = 1 where county_org_id = ? and award = 'MAY_DAY_MEDAL' and award_level = 'CITY'`, [h.fed.orgs.danfeng.id]);
    expect((await api.countyApproves(first.instance.id)).state).toBe('SELECTION_VOTE');
    const task = await h.wf.taskFor(h.tokens['danfeng.approver'], second.instance.id, 'COUNTY_REVIEW');
    await h.wf.decide(h.tokens['danfeng.approver'], task.id, 'approve');
    const back = await h.wf.reaches(h.tokens['longfeng.approver'], second.instance.id, 'COUNTY_REVIEW');
    expect(back.history.map((x: { action: string }) => x.action)).toEqual(['start', 'approve', 'reserveQuota:QUOTA_EXCEEDED']);
    const again = await h.wf.taskFor(h.tokens['danfeng.approver'], second.instance.id, 'COUNTY_REVIEW');
    const rejected = await h.wf.decide(h.tokens['danfeng.approver'], again.id, 'reject', '名额已满');
    expect(rejected.data.decide).toMatchObject({ state: 'REJECTED', outcome: 'REJECTED' });
    expect(await api.quota('MAY_DAY_MEDAL')).toMatchObject({ quota: 1, reserved: 1, pending: 0, remaining: 0 });
  });

  it('validates a nomination before anything is written', async () => {
    const count = async () => Number((await h.sql('select count(*) as n from nomination'))[0].n);
    const instances = async () => Number((await h.sql('select count(*) as n from workflow_instance'))[0].n);
    const [before, instancesBefore] = [await count(), await instances()];
    const wang = h.fed.members.wang.id;
    const bad: [Record<string, unknown>, string, string?, string?][] = [
      [{ memberId: wang, award: 'MODEL_WORKER', year: 1949 }, 'BAD_USER_INPUT', undefined, 'BAD_YEAR'],
      [{ memberId: wang, award: 'MODEL_WORKER', citation: '  ' }, 'BAD_USER_INPUT'],
      [{ award: 'MODEL_WORKER' }, 'BAD_USER_INPUT', undefined, 'ONE_NOMINEE'],
      [{ memberId: wang, nomineeOrganizationId: h.fed.orgs.longfeng.id, award: 'MODEL_WORKER' }, 'BAD_USER_INPUT', undefined, 'ONE_NOMINEE'],
      [{ memberId: wang, award: 'ADVANCED_COLLECTIVE' }, 'BAD_USER_INPUT', undefined, 'AWARD_KIND_MISMATCH'],
      [{ nomineeOrganizationId: h.fed.orgs.longfeng.id, award: 'MODEL_WORKER' }, 'BAD_USER_INPUT', undefined, 'AWARD_KIND_MISMATCH'],
      [{ memberId: 'not-an-id', award: 'MODEL_WORKER' }, 'BAD_USER_INPUT'],
      [{ memberId: randomUUID(), award: 'MODEL_WORKER' }, 'NOT_FOUND'],
      [{ memberId: h.fed.members.zhao.id, organizationId: h.fed.orgs.longfeng.id, award: 'MODEL_WORKER' }, 'BAD_USER_INPUT', 'danfeng.approver', 'NOMINEE_OUTSIDE_UNION'],
      [{ memberId: wang, award: 'MODEL_WORKER' }, 'FORBIDDEN', 'wang'],
      [{ memberId: wang, award: 'MODEL_WORKER' }, 'NOT_FOUND', 'shangnan.approver'],
      [{ memberId: wang, award: 'MODEL_WORKER', awardLevel: 'GALACTIC' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code, who, reason] of bad) {
      const res = await api.nominateRaw(input, who);
      expect({ input, code: codeOf(res) }).toEqual({ input, code });
      if (reason) expect(res.errors![0].extensions!.reason).toBe(reason);
    }
    expect(await count()).toBe(before);
    expect(await instances()).toBe(instancesBefore);
  });

  it('passes the vote with 3 of 5, refuses a second ballot, takes an objection and awards once the investigation clears it', async () => {
    const n = await api.nominate({ memberId: h.fed.members.wang.id, award: 'MODEL_WORKER' });
    const id = n.instance.id;
    const dup = await api.nominateRaw({ memberId: h.fed.members.wang.id, award: 'MODEL_WORKER' });
    expect(codeOf(dup)).toBe('CONFLICT');
    expect(dup.errors![0].extensions!.reason).toBe('ALREADY_NOMINATED');

    expect((await api.countyApproves(id)).state).toBe('SELECTION_VOTE');
    const task = await api.voteTask(id);
    expect(task).toMatchObject({ kind: 'VOTE', candidateRoles: ['AUDITOR', 'APPROVER'] });
    for (const who of COMMITTEE) expect(await h.wf.inbox(h.tokens[who])).toContainEqual(expect.objectContaining({ id: task.id }));

    const first = await api.vote('city.auditor1', task.id, true, undefined, 'vote-auditor1-0001');
    expect(first.data.castVote).toMatchObject({ state: 'SELECTION_VOTE', votes: [{ choice: 'APPROVE' }] });
    // Having voted, the ballot leaves that member's inbox; the rest of the committee still has it.
    expect(await h.wf.inbox(h.tokens['city.auditor1'])).not.toContainEqual(expect.objectContaining({ id: task.id }));
    expect(await h.wf.inbox(h.tokens['city.auditor2'])).toContainEqual(expect.objectContaining({ id: task.id }));
    expect(codeOf(await api.vote('province.approver', task.id, true))).toBe('FORBIDDEN');
    // The same ballot sent again is answered with its first result; a second ballot is refused.
    const repeated = await api.vote('city.auditor1', task.id, true, undefined, 'vote-auditor1-0001');
    expect(repeated.errors).toBeUndefined();
    expect(repeated.data.castVote.seq).toBe(first.data.castVote.seq);
    const twice = await api.vote('city.auditor1', task.id, false, '改变主意');
    expect(codeOf(twice)).toBe('CONFLICT');
    expect(twice.errors![0].extensions!.reason).toBe('ALREADY_VOTED');
    expect(codeOf(await api.vote('danfeng.approver', task.id, true))).toMatch(/FORBIDDEN|NOT_FOUND/);
    const noReason = await api.vote('city.auditor2', task.id, false);
    expect(codeOf(noReason)).toBe('BAD_USER_INPUT');
    expect(noReason.errors![0].extensions!.reason).toBe('COMMENT_REQUIRED');

    expect((await api.vote('city.auditor2', task.id, false, '事迹材料不够充分')).data.castVote.state).toBe('SELECTION_VOTE');
    expect((await api.vote('city.auditor3', task.id, true)).data.castVote.state).toBe('SELECTION_VOTE');
    const passed = await api.vote('city.approver', task.id, true, '同意');
    expect(passed.data.castVote.state).toBe('PUBLIC_NOTICE');
    const afterVote = await api.nomination(n.id);
    const ballots = afterVote.instance.history.filter((x: { actingAs: string }) => x.actingAs === 'VOTER');
    expect(ballots.map((x: { action: string }) => x.action)).toEqual(['approve', 'reject', 'approve', 'approve']);
    expect(ballots[1].comment).toBe('事迹材料不够充分');

    // On public notice the nomination is public: anyone signed in reads it (without its internal review) and may object.
    const publicView = await api.nomination(n.id, 'zhao');
    expect(publicView).toMatchObject({ id: n.id, member: { name: '王建国' }, instance: null, objections: [] });
    // The nominator by name, with the union that nominated.
    expect(publicView.submitter).toEqual({ displayName: 'longfeng.approver', organization: { name: '陕西丹凤龙凤桥集团公司工会委员会' } });
    // What it names shows only its public face, even to a member of another county walking its edges.
    const walk = await h.t.gql(
      `query($id: ID!) { nomination(id: $id) { id
         member { name organization { name funds { balance } } hardship nationalId phone status }
         county { name funds { balance } memberCount members(first: 5) { totalCount } } } }`,
      { id: n.id },
      h.tokens.chen,
    );
    expect(walk.data.nomination).toEqual({
      id: n.id,
      member: { name: '王建国', organization: { name: '陕西丹凤龙凤桥集团公司工会委员会', funds: null }, hardship: null, nationalId: null, phone: null, status: null },
      county: { name: '丹凤县总工会', funds: null, memberCount: null, members: null },
    });
    expect(walk.errors!.map((e) => `${e.path!.join('.')} ${e.extensions!.code}`).sort()).toEqual(
      [
        'nomination.county.funds', 'nomination.county.memberCount', 'nomination.county.members',
        'nomination.member.hardship', 'nomination.member.nationalId', 'nomination.member.organization.funds', 'nomination.member.phone', 'nomination.member.status',
      ].map((p) => `${p} FORBIDDEN`),
    );
    const board = await h.t.gql('{ nominations(filter: { inPublicNotice: true }) { edges { node { id award } } } }', {}, h.tokens.zhao);
    expect(board.data.nominations.edges).toEqual([{ node: { id: n.id, award: 'MODEL_WORKER' } }]);
    expect(codeOf(await h.t.gql(OBJECT, { nominationId: n.id, reason: ' ' }, h.tokens.zhao))).toBe('BAD_USER_INPUT');
    expect(codeOf(await h.t.gql(OBJECT, { reason: '无理由' }, h.tokens.zhao))).toBe('BAD_USER_INPUT');
    const objected = await h.t.gql(OBJECT, { nominationId: n.id, reason: '该同志获评年度存在安全生产责任事故' }, h.tokens.zhao);
    expect(objected.errors).toBeUndefined();
    expect(objected.data.objectToNomination.objections).toEqual([{ objector: { displayName: 'zhao' }, reason: '该同志获评年度存在安全生产责任事故' }]);
    // Off notice, an outsider cannot find it any more; staff are told why they cannot object.
    expect(codeOf(await h.t.gql(OBJECT, { nominationId: n.id, reason: '再次异议' }, h.tokens.zhao))).toBe('NOT_FOUND');
    const late = await h.t.gql(OBJECT, { instanceId: id, reason: '再次异议' }, h.tokens['city.approver']);
    expect(codeOf(late)).toBe('CONFLICT');
    expect(late.errors![0].extensions!.reason).toBe('NOT_IN_PUBLIC_NOTICE');

    const staffView = await api.nomination(n.id, 'city.approver');
    expect(staffView.instance.state).toBe('INVESTIGATION');
    expect(staffView.objections).toEqual([expect.objectContaining({ objector: { displayName: 'zhao' } })]);
    expect(staffView.instance.history.at(-1)).toMatchObject({ fromState: 'PUBLIC_NOTICE', toState: 'INVESTIGATION', action: 'object', actingAs: 'PUBLIC', comment: '该同志获评年度存在安全生产责任事故' });

    const investigation = await h.wf.taskFor(h.tokens['city.approver'], id, 'INVESTIGATION');
    expect(codeOf(await h.wf.decide(h.tokens['city.approver'], investigation.id, 'clear'))).toBe('BAD_USER_INPUT');
    await h.wf.decide(h.tokens['city.approver'], investigation.id, 'clear', '经核查，事故责任不在本人，异议不成立');
    const awarded = await h.wf.reaches(h.tokens['longfeng.approver'], id, 'AWARDED');
    expect(awarded.history.slice(-2).map((x: { action: string }) => x.action)).toEqual(['clear', 'recordHonour:ok']);

    expect(await api.honours(h.fed.members.wang.id)).toContainEqual({ award: 'MODEL_WORKER', level: 'CITY', year: 2026 });
    expect(await api.honourRows(id)).toEqual([{ member_id: h.fed.members.wang.id, organization_id: null, award: 'MODEL_WORKER', level: 'CITY', year: 2026 }]);
    // A redelivered job, or the effect run again by hand, records nothing more.
    const [effect] = await h.sql<{ key: string }>(`select key from workflow_effect where instance_id = ? and effect = 'recordHonour'`, [id]);
    await h.t.app.runner.runEffect(id, effect.key);
    await h.t.app.services.orm.em.fork().transactional(async (em) => {
      const instance = await em.findOneOrFail(WorkflowInstance, id);
      await h.t.app.effects.get('recordHonour')!({ em: em as EntityManager, instance, params: {}, idempotencyKey: effect.key });
    });
    expect(await api.honourRows(id)).toHaveLength(1);
    expect((await api.honours(h.fed.members.wang.id)).filter((x: { award: string }) => x.award === 'MODEL_WORKER')).toHaveLength(1);
    expect(await api.quota('MODEL_WORKER')).toMatchObject({ quota: 2, reserved: 1, pending: 0, remaining: 1 });
  });

  it('fails the vote as soon as approval is impossible, and releases the quota', async () => {
    const n = await api.nominate({ memberId: h.fed.members.li.id, award: 'ADVANCED_WORKER' });
    const id = n.instance.id;
    await api.countyApproves(id);
    expect(await api.quota('ADVANCED_WORKER')).toMatchObject({ reserved: 1, remaining: 0 });
    const task = await api.voteTask(id);
    expect((await api.vote('city.auditor1', task.id, true)).data.castVote.state).toBe('SELECTION_VOTE');
    expect((await api.vote('city.auditor2', task.id, false, '群众基础不足')).data.castVote.state).toBe('SELECTION_VOTE');
    expect((await api.vote('city.auditor3', task.id, false, '同上')).data.castVote.state).toBe('SELECTION_VOTE');
    // Three of five rejecting leaves only two seats for the three approvals needed.
    expect((await api.vote('city.auditor4', task.id, false, '不同意')).data.castVote.state).toBe('RELEASE_QUOTA');
    const rejected = await h.wf.reaches(h.tokens['longfeng.approver'], id, 'REJECTED');
    expect(rejected.history.slice(-2).map((x: { action: string }) => x.action)).toEqual(['reject', 'releaseQuota:ok']);
    expect(codeOf(await api.vote('city.approver', task.id, true))).toBe('CONFLICT');
    expect(await api.quota('ADVANCED_WORKER')).toMatchObject({ quota: 1, reserved: 0, pending: 0, remaining: 1 });
    // The place is free again.
    await api.nominate({ memberId: h.fed.members.wang.id, award: 'ADVANCED_WORKER' });
  });

  it('upholds an objection after investigation and releases the quota', async () => {
    const n = await api.nominate({ memberId: h.fed.members.li.id, award: 'CRAFTSMAN' });
    const id = n.instance.id;
    await api.toPublicNotice(id);
    expect(await api.quota('CRAFTSMAN')).toMatchObject({ reserved: 1, remaining: 0 });
    const objected = await h.t.gql(OBJECT, { instanceId: id, reason: '申报材料中的专利并非本人所有' }, h.tokens['shangnan.approver']);
    expect(objected.errors).toBeUndefined();
    const investigation = await h.wf.taskFor(h.tokens['city.approver'], id, 'INVESTIGATION');
    await h.wf.decide(h.tokens['city.approver'], investigation.id, 'uphold', '经核查异议属实，取消推荐资格');
    const rejected = await h.wf.reaches(h.tokens['longfeng.approver'], id, 'REJECTED');
    expect(rejected.history.slice(-3).map((x: { action: string }) => x.action)).toEqual(['object', 'uphold', 'releaseQuota:ok']);
    expect(await api.quota('CRAFTSMAN')).toMatchObject({ reserved: 0, pending: 0, remaining: 1 });
    expect(await api.honourRows(id)).toEqual([]);
    const stored = await h.sql('select account_id, reason from nomination_objection where nomination_id = ?', [n.id]);
    expect(stored).toEqual([{ account_id: (await h.sql(`select id from account where username = 'shangnan.approver'`))[0].id, reason: '申报材料中的专利并非本人所有' }]);
  });

  it('hands provincial awards to the province, which decides', async () => {
    const n = await api.nominate({ memberId: h.fed.members.wang.id, award: 'MODEL_WORKER', awardLevel: 'PROVINCIAL' });
    const id = n.instance.id;
    await api.toPublicNotice(id);
    await h.t.gql(OBJECT, { nominationId: n.id, reason: '请核实其工龄' }, h.tokens.zhao);
    const investigation = await h.wf.taskFor(h.tokens['city.approver'], id, 'INVESTIGATION');
    const cleared = await h.wf.decide(h.tokens['city.approver'], investigation.id, 'clear', '工龄核实无误');
    expect(cleared.data.decide.state).toBe('PROVINCE_DECISION');
    const province = await h.wf.taskFor(h.tokens['province.approver'], id, 'PROVINCE_DECISION');
    expect(codeOf(await h.wf.decide(h.tokens['city.approver'], province.id, 'approve'))).toMatch(/FORBIDDEN|NOT_FOUND/);
    await h.wf.decide(h.tokens['province.approver'], province.id, 'approve', '省总工会审定同意');
    await h.wf.reaches(h.tokens['longfeng.approver'], id, 'AWARDED');
    expect(await api.honours(h.fed.members.wang.id)).toContainEqual({ award: 'MODEL_WORKER', level: 'PROVINCIAL', year: 2026 });
    expect(await api.honourRows(id)).toHaveLength(1);
  });

  it('nominates a collective, and takes only a corrected citation on resubmission', async () => {
    // The union nominates itself; the county, not the nominator, reviews it.
    const n = await api.nominate({ nomineeOrganizationId: h.fed.orgs.longfeng.id, award: 'ADVANCED_COLLECTIVE', citation: '快递小哥之家服务全县快递员' }, 'longfeng.approver');
    expect(n).toMatchObject({ nomineeKind: 'ORGANIZATION', member: null, nomineeOrganization: { id: h.fed.orgs.longfeng.id }, organization: { id: h.fed.orgs.longfeng.id } });
    const id = n.instance.id;
    const review = await h.wf.taskFor(h.tokens['danfeng.approver'], id, 'COUNTY_REVIEW');
    await h.wf.decide(h.tokens['danfeng.approver'], review.id, 'return', '请补充服务人次数据');
    await h.wf.taskFor(h.tokens['longfeng.approver'], id, 'RETURNED');
    const resubmit = (changes: Record<string, unknown>) =>
      h.t.gql('mutation($id: ID!, $c: JSONObject) { resubmit(instanceId: $id, comment: "已补充", changes: $c) { state round } }', { id, c: changes }, h.tokens['longfeng.approver']);
    expect(codeOf(await resubmit({ award: 'PIONEER_TEAM' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await resubmit({ year: 2027 }))).toBe('BAD_USER_INPUT');
    expect((await resubmit({ citation: '快递小哥之家全年服务快递员一万余人次' })).data.resubmit).toEqual({ state: 'COUNTY_REVIEW', round: 2 });
    expect((await api.nomination(n.id, 'danfeng.approver')).citation).toBe('快递小哥之家全年服务快递员一万余人次');
    await api.toPublicNotice(id);
    const objectOnce = () =>
      h.t.gql(
        'mutation($id: ID!) { objectToNomination(nominationId: $id, reason: "请核实服务人次", idempotencyKey: "objection-wang-0001") { objections { reason } } }',
        { id: n.id },
        h.tokens.wang,
      );
    expect((await objectOnce()).data.objectToNomination.objections).toEqual([{ reason: '请核实服务人次' }]);
    const repeated = await objectOnce();
    expect(repeated.errors).toBeUndefined();
    expect(repeated.data.objectToNomination.objections).toHaveLength(1);
    const investigation = await h.wf.taskFor(h.tokens['city.approver'], id, 'INVESTIGATION');
    await h.wf.decide(h.tokens['city.approver'], investigation.id, 'clear', '数据核实无误');
    await h.wf.reaches(h.tokens['danfeng.approver'], id, 'AWARDED');
    const org = await h.t.gql('query($id: ID!) { organization(id: $id) { honours { award level year } } }', { id: h.fed.orgs.longfeng.id }, h.tokens['danfeng.approver']);
    expect(org.data.organization.honours).toEqual([{ award: 'ADVANCED_COLLECTIVE', level: 'CITY', year: 2026 }]);
    expect(await api.honourRows(id)).toEqual([{ member_id: null, organization_id: h.fed.orgs.longfeng.id, award: 'ADVANCED_COLLECTIVE', level: 'CITY', year: 2026 }]);
  });

  it('gives the last place to exactly one of two nominations racing for it', async () => {
    await h.sql(`insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, 'TECHNICAL_EXPERT', 'PROVINCIAL', 2026, 1)`, [h.fed.orgs.danfeng.id]);
    const results = await Promise.all(
      [h.fed.members.wang.id, h.fed.members.li.id].map((memberId) => api.nominateRaw({ memberId, award: 'TECHNICAL_EXPERT', awardLevel: 'PROVINCIAL' })),
    );
    expect(results.map((r) => (r.errors ? r.errors[0].extensions!.reason : 'ok')).sort()).toEqual(['QUOTA_EXCEEDED', 'ok']);
    expect(await api.quota('TECHNICAL_EXPERT', 'PROVINCIAL')).toMatchObject({ quota: 1, used: 1, remaining: 0 });
  });

  it('reserves no more places than the quota when the county approves nominations in parallel', async () => {
    const { danfeng } = h.fed.orgs;
    await h.sql(`insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, 'MODEL_WORKER', 'NATIONAL', 2026, 3)`, [danfeng.id]);
    const { wang, li, zhao } = h.fed.members;
    const nominated = await Promise.all([wang, li, zhao].map((m) => api.nominate({ memberId: m.id, award: 'MODEL_WORKER', awardLevel: 'NATIONAL' }, 'admin')));
    // The city cuts the places to two behind the API's back while all three wait for the county.
    await h.sql(`update award_quota set quota = 2 where county_org_id = ? and award = 'MODEL_WORKER' and award_level = 'NATIONAL'`, [danfeng.id]);
    const approver = h.tokens['danfeng.approver'];
    const tasks = await Promise.all(nominated.map((n) => h.wf.taskFor(approver, n.instance.id, 'COUNTY_REVIEW')));
    const decided = await Promise.all(tasks.map((task) => h.wf.decide(approver, task.id, 'approve')));
    expect(decided.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    // Each reservation ran in its own worker job at once; after it, the nomination is at the vote or back at the county.
    const after = await Promise.all(nominated.map((n) => h.wf.reachesAny(h.tokens['city.approver'], n.instance.id, ['SELECTION_VOTE', 'COUNTY_REVIEW'])));
    expect(after.map((i) => i.state).sort()).toEqual(['COUNTY_REVIEW', 'SELECTION_VOTE', 'SELECTION_VOTE']);
    expect(await api.quota('MODEL_WORKER', 'NATIONAL')).toMatchObject({ quota: 2, reserved: 2, pending: 1 });
    const [rows] = await h.sql(
      `select count(*)::int as held, (select reserved from award_quota where county_org_id = ? and award = 'MODEL_WORKER' and award_level = 'NATIONAL') as counter
         from award_quota_reservation where county_org_id = ? and award = 'MODEL_WORKER' and award_level = 'NATIONAL' and released_at is null`,
      [danfeng.id, danfeng.id],
    );
    expect(rows).toEqual({ held: 2, counter: 2 });
  });

  it('lets the federation above a county set its quotas, never below the places used', async () => {
    const set = (who: string, input: Record<string, unknown>) =>
      h.t.gql('mutation($i: SetAwardQuotaInput!) { setAwardQuota(input: $i) { award quota used remaining } }', { i: input }, h.tokens[who]);
    const input = { countyId: h.fed.orgs.shangnan.id, award: 'PIONEER_TEAM', awardLevel: 'CITY', year: 2026, quota: 3 };
    expect((await set('city.approver', input)).data.setAwardQuota).toEqual({ award: 'PIONEER_TEAM', quota: 3, used: 0, remaining: 3 });
    expect(codeOf(await set('shangnan.approver', input))).toBe('FORBIDDEN');
    expect(codeOf(await set('danfeng.approver', input))).toBe('FORBIDDEN');
    expect(codeOf(await set('city.approver', { ...input, quota: -1 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await set('city.approver', { ...input, countyId: h.fed.orgs.longfeng.id }))).toBe('BAD_USER_INPUT');
    const below = await set('admin', { countyId: h.fed.orgs.danfeng.id, award: 'TECHNICAL_EXPERT', awardLevel: 'CITY', year: 2026, quota: 0 });
    expect(codeOf(below)).toBe('CONFLICT');
    expect(below.errors![0].extensions!.reason).toBe('QUOTA_BELOW_USED');
    const list = await h.t.gql(QUOTAS, { county: h.fed.orgs.shangnan.id, year: 2026 }, h.tokens['shangnan.approver']);
    expect(list.data.awardQuotas).toEqual([{ award: 'PIONEER_TEAM', awardLevel: 'CITY', year: 2026, quota: 3, reserved: 0, pending: 0, used: 0, remaining: 3 }]);
    expect(codeOf(await h.t.gql(QUOTAS, { county: h.fed.orgs.shangnan.id, year: 2026 }, h.tokens['danfeng.approver']))).toBe('FORBIDDEN');
  });

  it('puts nominations in the shared inbox, history and definitions', async () => {
    const n = await api.nominate({ memberId: h.fed.members.li.id, award: 'MODEL_WORKER' });
    await h.wf.taskFor(h.tokens['danfeng.approver'], n.instance.id, 'COUNTY_REVIEW');
    const inbox = await h.wf.inbox(h.tokens['danfeng.approver'], { definitionKey: 'award-nomination' });
    expect(inbox).toContainEqual(expect.objectContaining({ instanceId: n.instance.id, step: 'COUNTY_REVIEW' }));
    const history = await h.t.gql(
      `query($s: ID) { approvalHistory(filter: { subjectId: $s }) { edges { node { action definitionKey } } } }`,
      { s: n.id },
      h.tokens['city.approver'],
    );
    expect(history.data.approvalHistory.edges).toEqual([{ node: { action: 'start', definitionKey: 'award-nomination' } }]);
    const mine = await h.t.gql('{ nominations(first: 100) { totalCount } }', {}, h.tokens['shangnan.approver']);
    expect(mine.data.nominations.totalCount).toBe(0);
    const defs = await h.t.gql('{ workflowDefinitions { key states { key kind } } }', {}, h.tokens.zhao);
    const def = defs.data.workflowDefinitions.find((d: { key: string }) => d.key === 'award-nomination');
    expect(def.states).toContainEqual({ key: 'SELECTION_VOTE', kind: 'VOTE' });
    expect(def.states).toContainEqual({ key: 'PUBLIC_NOTICE', kind: 'TIMER' });
  });
});

/**
 * The public notice (公示) lasts seven days; shortened by configuration, not by mocking time, it lasts about six
 * seconds here (and every other deadline of the definition shrinks in proportion: the county has six seconds).
 */
const NOTICE_SECONDS = 6;
const TIME_SCALE = String(NOTICE_SECONDS / (7 * 24 * 3600));

describe('award nomination public notice', () => {
  const { h, api } = harness({ WORKFLOW_TIME_SCALE: TIME_SCALE });

  it('awards once the notice passes without objection, and hands provincial awards to the province', async () => {
    const city = await api.nominate({ memberId: h.fed.members.wang.id, award: 'MAY_DAY_MEDAL' });
    const provincial = await api.nominate({ memberId: h.fed.members.li.id, award: 'MAY_DAY_MEDAL', awardLevel: 'PROVINCIAL' });
    await Promise.all([api.toPublicNotice(city.instance.id), api.toPublicNotice(provincial.instance.id)]);

    const awarded = await h.wf.reaches(h.tokens['longfeng.approver'], city.instance.id, 'AWARDED', 30_000);
    const { history } = (await api.nomination(city.id)).instance;
    const entered = history.find((x: { toState: string }) => x.toState === 'PUBLIC_NOTICE');
    const elapsed = history.find((x: { fromState: string }) => x.fromState === 'PUBLIC_NOTICE');
    expect(new Date(elapsed.at).getTime() - new Date(entered.at).getTime()).toBeGreaterThanOrEqual(NOTICE_SECONDS * 1000 - 50);
    const actions = awarded.history.map((x: { action: string }) => x.action);
    expect(actions.slice(-2)).toEqual(['elapsed', 'recordHonour:ok']);
    expect(awarded.history.find((x: { action: string }) => x.action === 'elapsed')).toMatchObject({ fromState: 'PUBLIC_NOTICE', toState: 'RECORD_HONOUR', actorAccountId: null });
    expect(await api.honours(h.fed.members.wang.id)).toEqual([{ award: 'MAY_DAY_MEDAL', level: 'CITY', year: 2026 }]);

    const atProvince = await h.wf.reaches(h.tokens['longfeng.approver'], provincial.instance.id, 'PROVINCE_DECISION', 30_000);
    expect(atProvince.history.at(-1)).toMatchObject({ fromState: 'PUBLIC_NOTICE', toState: 'PROVINCE_DECISION', action: 'elapsed' });
    const task = await h.wf.taskFor(h.tokens['province.approver'], provincial.instance.id, 'PROVINCE_DECISION');
    await h.wf.decide(h.tokens['province.approver'], task.id, 'approve', '同意授予省五一劳动奖章');
    await h.wf.reaches(h.tokens['longfeng.approver'], provincial.instance.id, 'AWARDED');
    expect(await api.honours(h.fed.members.li.id)).toEqual([{ award: 'MAY_DAY_MEDAL', level: 'PROVINCIAL', year: 2026 }]);
    expect(await api.honourRows(city.instance.id)).toHaveLength(1);
    expect(await api.honourRows(provincial.instance.id)).toHaveLength(1);
  }, 90_000);
});
