import type { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '../../src/auth/role';
import { Fund, FundKind } from '../../src/funds/fund.entity';
import { Member } from '../../src/members/member.entity';
import { Organization, OrganizationKind, OrganizationLevel } from '../../src/organizations/organization.entity';
import { addCommittees, buildFederation, Fixtures, sqlOn } from './fixtures';
import type { TestApp } from './harness';
import { eventually } from './workflow';

/** The organisations of the world, by the names the matrix uses. */
export const ORG_KEYS = ['province', 'city', 'danfeng', 'town', 'longfeng', 'courierUnion', 'shangnan', 'tea', 'selfUnion'] as const;
export type OrgKey = (typeof ORG_KEYS)[number];

export interface OrgInfo {
  key: OrgKey;
  id: string;
  path: string;
  level: OrganizationLevel;
}

/** A signed-in account of the world. */
export interface Persona {
  username: string;
  token: string;
  accountId: string;
  memberId?: string;
}

/** Years handed out to nominations, one each, so no nominee is ever refused as already nominated. */
const FIRST_NOMINATION_YEAR = 2030;
const LAST_NOMINATION_YEAR = 2099;

/**
 * Accounts and data the authorization matrix needs on top of buildFederation and addCommittees: an administrator
 * at 丹凤, 龙凤桥 and the city; for every staff role an account that also is a member of a union in another
 * county (商南), so what is theirs sits outside their role's scope (their "self" is then the only way in); a
 * filer, a claimant and a finance officer at the province, who file, claim and check on the viewers' behalf
 * without ever being a viewer; a member of 商南's tea union who is no nominee; hardship funds at the province and
 * at 商南, money in 商南's dues fund and a review committee there to book its expenses; and award quotas for 丹凤 and 商南 for the years the nominations use.
 */
export async function buildAuthorizationWorld(t: TestApp) {
  const fed = await buildFederation(t.app.services.orm.em.fork());
  await addCommittees(t.app.services.orm.em.fork(), fed);
  const em = t.app.services.orm.em.fork() as EntityManager;
  const f = new Fixtures(em, 30_000);
  const load = (o: { id: string }) => em.findOneOrFail(Organization, o.id);
  const [province, city, danfeng, longfeng, shangnan, tea] = await Promise.all(
    [fed.orgs.province, fed.orgs.city, fed.orgs.danfeng, fed.orgs.longfeng, fed.orgs.shangnan, fed.orgs.tea].map(load),
  );
  const selfUnion = f.org('商南县城关社区联合工会', OrganizationLevel.GRASSROOTS, shangnan, OrganizationKind.JOINT);
  const zhou = f.member(tea, '周强');
  const provinceAid = f.fund(province, FundKind.HARDSHIP_AID, '陕西省困难职工帮扶资金');
  const shangnanAid = f.fund(shangnan, FundKind.HARDSHIP_AID, '商南县困难职工帮扶资金');
  await f.account('danfeng.admin', [[Role.ADMIN, danfeng]]);
  await f.account('longfeng.admin', [[Role.ADMIN, longfeng]]);
  await f.account('city.admin', [[Role.ADMIN, city]]);
  await f.account('shangnan.finance', [[Role.FINANCE, shangnan]]);
  await f.account('shangnan.auditor', [[Role.AUDITOR, shangnan]]);
  await f.account('filer', [[Role.APPROVER, province]]);
  await f.account('claimant', [[Role.APPROVER, province]]);
  await f.account('financier', [[Role.FINANCE, province]]);
  const selfMembers: Partial<Record<Role, Member>> = {};
  for (const role of [Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMIN]) {
    const member = f.member(selfUnion, `自己${role}`);
    selfMembers[role] = member;
    await f.account(`self.${role.toLowerCase()}`, [[role, danfeng]], member);
  }
  await f.flush();
  await f.credit(provinceAid, 10_000_000_00);
  await f.credit(shangnanAid, 1_000_000_00);
  await f.credit(em.getReference(Fund, fed.funds.shangnanDues.id), 100_000_00);
  const sql = sqlOn(t);
  for (let year = FIRST_NOMINATION_YEAR; year <= LAST_NOMINATION_YEAR; year++) {
    for (const county of [danfeng, shangnan]) {
      await sql(`insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, 'MODEL_WORKER', 'CITY', ?, 5)`, [county.id, year]);
    }
  }
  await sql(`insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, 'MODEL_WORKER', 'CITY', 2026, 1)`, [city.id]);

  const orgs = { province, city, danfeng, town: await load(fed.orgs.town), longfeng, courierUnion: await load(fed.orgs.courierUnion), shangnan, tea, selfUnion };
  const orgInfo = Object.fromEntries(ORG_KEYS.map((k) => [k, { key: k, id: orgs[k].id, path: orgs[k].path, level: orgs[k].level }])) as Record<OrgKey, OrgInfo>;
  em.clear();
  return {
    fed,
    orgs: orgInfo,
    members: { ...fed.members, zhou, self: selfMembers as Record<Exclude<Role, Role.MEMBER>, Member> },
    funds: { ...fed.funds, provinceAid, shangnanAid },
  };
}

export type AuthorizationWorld = Awaited<ReturnType<typeof buildAuthorizationWorld>>;

/** A workflow subject as filed: its row and its instance. */
export interface Filed {
  id: string;
  instanceId: string;
}

/**
 * Files aid applications, expenses and nominations over the API and moves them to the step a cell needs, as the
 * people of the world would; waits for the workers where a step is theirs.
 */
export class Filings {
  private year = FIRST_NOMINATION_YEAR;
  readonly sql;

  constructor(
    private readonly t: TestApp,
    private readonly as: (username: string) => Promise<Persona>,
  ) {
    this.sql = sqlOn(t);
  }

  private async call(username: string, query: string, variables: Record<string, unknown>) {
    const res = await this.t.gql(query, variables, (await this.as(username)).token);
    if (res.errors) throw new Error(`${username}: ${JSON.stringify(res.errors)}`);
    return res.data;
  }

  async aid(by: string, fundId: string, memberId?: string): Promise<Filed> {
    const data = await this.call(by, 'mutation($i: ApplyForAidInput!) { applyForAid(input: $i) { id instance { id } } }', {
      i: { memberId, fundId, aidType: 'HARDSHIP', amount: 1_000_00, reason: '家庭困难，申请帮扶' },
    });
    return { id: data.applyForAid.id, instanceId: data.applyForAid.instance.id };
  }

  async expense(by: string, fundId: string): Promise<Filed> {
    const data = await this.call(by, 'mutation($i: SubmitExpenseInput!) { submitExpense(input: $i) { id instance { id } } }', {
      i: { fundId, category: 'ACTIVITY', amount: 100_00, description: '职工活动场地费' },
    });
    return { id: data.submitExpense.id, instanceId: data.submitExpense.instance.id };
  }

  /** A MODEL_WORKER nomination in a year of its own. */
  async nomination(by: string, memberId: string, organizationId?: string): Promise<Filed> {
    const year = this.nextYear();
    const data = await this.call(by, 'mutation($i: NominateForAwardInput!) { nominateForAward(input: $i) { id instance { id } } }', {
      i: { memberId, organizationId, award: 'MODEL_WORKER', awardLevel: 'CITY', year, citation: '扎根一线，业绩突出' },
    });
    return { id: data.nominateForAward.id, instanceId: data.nominateForAward.instance.id };
  }

  nextYear() {
    if (this.year > LAST_NOMINATION_YEAR) throw new Error('out of nomination years');
    return this.year++;
  }

  /** The open task of the instance at `step`, once the workers have opened it. */
  openTask(instanceId: string, step: string): Promise<string> {
    return eventually(async () => {
      const [row] = await this.sql<{ id: string }>(`select id from workflow_task where instance_id = ? and step = ? and status = 'OPEN'`, [instanceId, step]);
      return row?.id;
    }, 15_000, `${step} of ${instanceId}`);
  }

  async decide(by: string, instanceId: string, step: string, action: string, comment = '已核实') {
    const taskId = await this.openTask(instanceId, step);
    await this.call(by, 'mutation($id: ID!, $a: String!, $c: String, $k: String!) { decide(taskId: $id, action: $a, comment: $c, idempotencyKey: $k) { id } }', {
      id: taskId,
      a: action,
      c: comment,
      k: `matrix-${taskId}`,
    });
  }

  /** Finance and the review committee approve the expense, and the workers book it. */
  async book(e: Filed, finance: string, auditor: string) {
    await this.decide(finance, e.instanceId, 'FINANCE_REVIEW', 'approve');
    await this.decide(auditor, e.instanceId, 'AUDIT_REVIEW', 'approve');
    await eventually(async () => (await this.sql<{ id: string }>('select ledger_entry_id as id from expense where id = ?', [e.id]))[0]?.id, 15_000, `${e.id} booked`);
  }

  async claim(by: string, taskId: string) {
    await this.call(by, 'mutation($id: ID!) { claimTask(taskId: $id) { id } }', { id: taskId });
  }

  /** County approval and three of the city committee's five votes: the nomination goes on public notice (公示). */
  async toPublicNotice(n: Filed, countyApprover: string) {
    await this.decide(countyApprover, n.instanceId, 'COUNTY_REVIEW', 'approve');
    const vote = await this.openTask(n.instanceId, 'SELECTION_VOTE');
    for (const voter of ['city.auditor1', 'city.auditor2', 'city.auditor3']) {
      await this.call(voter, 'mutation($id: ID!, $k: String!) { castVote(taskId: $id, approve: true, idempotencyKey: $k) { state } }', { id: vote, k: `matrix-${voter}-${vote}` });
    }
    await eventually(async () => {
      const [row] = await this.sql<{ state: string }>('select state from workflow_instance where id = ?', [n.instanceId]);
      return row?.state === 'PUBLIC_NOTICE';
    }, 15_000, `${n.id} on public notice`);
  }
}
