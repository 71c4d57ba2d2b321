import type { EntityManager } from '@mikro-orm/postgresql';
import { Account } from '../../src/auth/account.entity';
import { hashPassword } from '../../src/auth/password';
import { newId } from '../../src/common/ids';
import { loadConfig } from '../../src/config/env';
import { Role } from '../../src/auth/role';
import { RoleAssignment } from '../../src/auth/role-assignment.entity';
import { Fund, FundKind } from '../../src/funds/fund.entity';
import { EmploymentForm, Gender, Member } from '../../src/members/member.entity';
import { PersonalDataCipher } from '../../src/members/personal-data.cipher';
import { childPath, Organization, OrganizationKind, OrganizationLevel } from '../../src/organizations/organization.entity';
import { TEST_PASSWORD, type TestApp } from './harness';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A valid identity number for the n-th fixture member (check digit computed, not copied). */
export function nationalIdFor(n: number, region = '612501'): string {
  const body = `${region}1990${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + '10X98765432'[sum % 11];
}

let passwordHash: Promise<string> | undefined;

/** Seals fixture members with the keys a test app has unless its test sets PII_* itself (the development keys). */
export const fixtureCipher = PersonalDataCipher.fromConfig(loadConfig(process.env, { NODE_ENV: 'test' }));

/** The plaintext a fixture member was sealed with: the row itself holds only ciphertext, so tests compare with this. */
export interface PlainPersonalData {
  nationalId: string;
  phone: string | null;
}

export type FixtureMember = Member & { readonly plain: PlainPersonalData };

/** Builds test data through the ORM; every builder takes what it needs and returns the entity it made. */
export class Fixtures {
  private seq: number;

  /** `firstSeq` keeps codes and national ids apart from another Fixtures' rows in the same database. */
  constructor(readonly em: EntityManager, firstSeq = 0) {
    this.seq = firstSeq;
  }

  org(name: string, level: OrganizationLevel, parent?: Organization, kind = OrganizationKind.FEDERATION): Organization {
    const org = this.em.create(Organization, {
      code: `T-${level.slice(0, 3)}-${++this.seq}`,
      name,
      level,
      kind,
      parent,
      path: '',
      depth: parent ? parent.depth + 1 : 0,
    });
    org.path = childPath(parent?.path, org.id);
    return org;
  }

  member(org: Organization, name: string, overrides: Partial<Member> & Partial<PlainPersonalData> = {}): FixtureMember {
    const n = ++this.seq;
    const { nationalId = nationalIdFor(n), phone = `1380000${String(n).padStart(4, '0')}`, ...rest } = overrides;
    const id = rest.id ?? newId();
    const member = this.em.create(Member, {
      id,
      name,
      gender: n % 2 ? Gender.MALE : Gender.FEMALE,
      ...fixtureCipher.seal(id, nationalId, phone),
      organization: org,
      orgPath: org.path,
      employmentForm: EmploymentForm.REGULAR,
      joinedOn: '2015-03-01',
      ...rest,
    });
    // Not an entity property: MikroORM neither persists nor diffs it.
    return Object.assign(member, { plain: { nationalId, phone } });
  }

  fund(owner: Organization, kind: FundKind, name = `${owner.name} ${kind}`): Fund {
    return this.em.create(Fund, { owner, kind, name });
  }

  async account(username: string, grants: [Role, Organization][], member?: Member): Promise<Account> {
    passwordHash ??= hashPassword(TEST_PASSWORD);
    const account = this.em.create(Account, { username, displayName: username, passwordHash: await passwordHash, member });
    for (const [role, organization] of grants) this.em.create(RoleAssignment, { account, role, organization });
    return account;
  }

  /** Credits a fund through the real ledger (the trigger sets the balance). */
  async credit(fund: Fund, amount: number, reference = `fixture:${++this.seq}`) {
    await this.em.flush();
    await this.em.getConnection().execute(
      'insert into ledger_entry (id, fund_id, amount, reason, reference) values (gen_random_uuid(), ?, ?, ?, ?)',
      [fund.id, amount, 'fixture opening balance', reference],
    );
  }

  flush() {
    return this.em.flush();
  }
}

/**
 * A small federation shaped like Shangluo's: province → city → two counties → a town → grassroots unions with
 * members, funds at each level, and an account for every role the tests need.
 */
export async function buildFederation(em: EntityManager) {
  const f = new Fixtures(em);
  const province = f.org('陕西省总工会', OrganizationLevel.PROVINCE);
  const city = f.org('商洛市总工会', OrganizationLevel.CITY, province);
  const danfeng = f.org('丹凤县总工会', OrganizationLevel.COUNTY, city);
  const shangnan = f.org('商南县总工会', OrganizationLevel.COUNTY, city);
  const town = f.org('龙驹寨街道工会', OrganizationLevel.TOWN, danfeng);
  const longfeng = f.org('陕西丹凤龙凤桥集团公司工会委员会', OrganizationLevel.GRASSROOTS, town, OrganizationKind.ENTERPRISE);
  const courierUnion = f.org('丹凤县快递行业联合工会', OrganizationLevel.GRASSROOTS, danfeng, OrganizationKind.JOINT);
  const tea = f.org('商南县茶叶有限公司工会委员会', OrganizationLevel.GRASSROOTS, shangnan, OrganizationKind.ENTERPRISE);

  const wang = f.member(longfeng, '王建国');
  const li = f.member(longfeng, '李秀英', { employmentForm: EmploymentForm.MIGRANT_WORKER });
  const zhao = f.member(courierUnion, '赵小军', { employmentForm: EmploymentForm.COURIER });
  const chen = f.member(tea, '陈明', { employmentForm: EmploymentForm.MIGRANT_WORKER });

  const cityAid = f.fund(city, FundKind.HARDSHIP_AID, '商洛市困难职工帮扶资金');
  const danfengAid = f.fund(danfeng, FundKind.HARDSHIP_AID, '丹凤县困难职工帮扶资金');
  const longfengDues = f.fund(longfeng, FundKind.UNION_DUES, '龙凤桥工会经费');
  const shangnanDues = f.fund(shangnan, FundKind.UNION_DUES, '商南县工会经费');

  const accounts = {
    admin: await f.account('admin', [[Role.ADMIN, province]]),
    cityApprover: await f.account('city.approver', [[Role.APPROVER, city]]),
    cityFinance: await f.account('city.finance', [[Role.FINANCE, city]]),
    danfengApprover: await f.account('danfeng.approver', [[Role.APPROVER, danfeng]]),
    danfengFinance: await f.account('danfeng.finance', [[Role.FINANCE, danfeng]]),
    danfengAuditor: await f.account('danfeng.auditor', [[Role.AUDITOR, danfeng]]),
    shangnanApprover: await f.account('shangnan.approver', [[Role.APPROVER, shangnan]]),
    longfengApprover: await f.account('longfeng.approver', [[Role.APPROVER, longfeng]]),
    longfengFinance: await f.account('longfeng.finance', [[Role.FINANCE, longfeng]]),
    wang: await f.account('wang', [[Role.MEMBER, longfeng]], wang),
  };
  await f.flush();
  await f.credit(cityAid, 5_000_000_00);
  await f.credit(danfengAid, 800_000_00);
  await f.credit(longfengDues, 20_000_00);
  em.clear();
  return {
    fixtures: f,
    orgs: { province, city, danfeng, shangnan, town, longfeng, courierUnion, tea },
    members: { wang, li, zhao, chen },
    funds: { cityAid, danfengAid, longfengDues, shangnanDues },
    accounts,
  };
}

export type Federation = Awaited<ReturnType<typeof buildFederation>>;

/**
 * Adds `unions` grassroots unions under `parent` (a loaded organisation), each with a fund and `perUnion`
 * members, for listings big enough to page through and to count statements on.
 */
export async function addUnionsWithMembers(
  em: EntityManager,
  parent: Organization,
  { unions, perUnion, firstSeq = 10_000, namePrefix = '测试' }: { unions: number; perUnion: number; firstSeq?: number; namePrefix?: string },
) {
  const f = new Fixtures(em, firstSeq);
  const made: { unions: Organization[]; members: FixtureMember[]; funds: Fund[] } = { unions: [], members: [], funds: [] };
  for (let u = 0; u < unions; u++) {
    const union = f.org(`${namePrefix}基层工会${String(u).padStart(2, '0')}`, OrganizationLevel.GRASSROOTS, parent, OrganizationKind.ENTERPRISE);
    made.unions.push(union);
    made.funds.push(f.fund(union, FundKind.UNION_DUES));
    for (let m = 0; m < perUnion; m++) made.members.push(f.member(union, `${namePrefix}会员${String(u * perUnion + m).padStart(3, '0')}`));
  }
  await f.flush();
  return made;
}

/** Signs each account in once per test file and hands back its token. */
export function tokenCache(t: TestApp) {
  const tokens = new Map<string, Promise<string>>();
  return (username: string): Promise<string> => {
    let token = tokens.get(username);
    if (!token) tokens.set(username, (token = t.login(username)));
    return token;
  };
}

/** Runs raw SQL on a fresh fork of the app's ORM (to check invariants behind the API's back). */
export function sqlOn(t: TestApp) {
  return <T = any>(query: string, params: unknown[] = []): Promise<T[]> =>
    t.app.services.orm.em.fork().getConnection().execute(query, params) as Promise<T[]>;
}

/** One row of a county's award quotas (award_quota), as the city federation would configure it. */
export interface QuotaFixture {
  countyId: string;
  award: string;
  awardLevel: 'CITY' | 'PROVINCIAL' | 'NATIONAL';
  year: number;
  quota: number;
}

/**
 * What expense reviews and award nominations need on top of buildFederation: the grassroots union's review
 * committee, the city's five-member selection committee (city.approver and four auditors), a provincial
 * approver, member accounts without staff roles (one in 丹凤, one in 商南), a nearly empty second fund at 龙凤桥, more money in its dues
 * fund, and award quotas for 丹凤县 (plus any given).
 */
export async function addCommittees(em: EntityManager, fed: Federation, quotas: QuotaFixture[] = []) {
  const f = new Fixtures(em, 20_000);
  const ref = (o: Organization) => em.getReference(Organization, o.id);
  const city = ref(fed.orgs.city);
  const accounts = {
    longfengAuditor: await f.account('longfeng.auditor', [[Role.AUDITOR, ref(fed.orgs.longfeng)]]),
    cityAuditor1: await f.account('city.auditor1', [[Role.AUDITOR, city]]),
    cityAuditor2: await f.account('city.auditor2', [[Role.AUDITOR, city]]),
    cityAuditor3: await f.account('city.auditor3', [[Role.AUDITOR, city]]),
    cityAuditor4: await f.account('city.auditor4', [[Role.AUDITOR, city]]),
    provinceApprover: await f.account('province.approver', [[Role.APPROVER, ref(fed.orgs.province)]]),
    zhao: await f.account('zhao', [[Role.MEMBER, ref(fed.orgs.courierUnion)]], em.getReference(Member, fed.members.zhao.id)),
    /** A member in another county (商南): an outsider to everything of 丹凤. */
    chen: await f.account('chen', [[Role.MEMBER, ref(fed.orgs.tea)]], em.getReference(Member, fed.members.chen.id)),
  };
  const longfengRelief = f.fund(ref(fed.orgs.longfeng), FundKind.SEASONAL_RELIEF, '龙凤桥送温暖资金');
  await f.flush();
  await f.credit(longfengRelief, 1_000);
  await f.credit(em.getReference(Fund, fed.funds.longfengDues.id), 100_000_00);
  const d = fed.orgs.danfeng.id;
  const rows: QuotaFixture[] = [
    { countyId: d, award: 'TECHNICAL_EXPERT', awardLevel: 'CITY', year: 2026, quota: 1 },
    { countyId: d, award: 'MODEL_WORKER', awardLevel: 'CITY', year: 2026, quota: 2 },
    { countyId: d, award: 'MODEL_WORKER', awardLevel: 'PROVINCIAL', year: 2026, quota: 1 },
    { countyId: d, award: 'ADVANCED_WORKER', awardLevel: 'CITY', year: 2026, quota: 1 },
    { countyId: d, award: 'CRAFTSMAN', awardLevel: 'CITY', year: 2026, quota: 1 },
    { countyId: d, award: 'MAY_DAY_MEDAL', awardLevel: 'CITY', year: 2026, quota: 2 },
    { countyId: d, award: 'MAY_DAY_MEDAL', awardLevel: 'PROVINCIAL', year: 2026, quota: 1 },
    { countyId: d, award: 'ADVANCED_COLLECTIVE', awardLevel: 'CITY', year: 2026, quota: 1 },
    ...quotas,
  ];
  for (const q of rows) {
    await em.getConnection().execute(
      'insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, ?, ?, ?, ?)',
      [q.countyId, q.award, q.awardLevel, q.year, q.quota],
    );
  }
  em.clear();
  return { accounts, funds: { longfengRelief }, quotas: rows };
}
