import { generate, OPENING_REASON, type SeedData } from '../../seeds/generator';
import { isValidNationalId, idCheckDigit } from '../../seeds/names';
import { Random, apportion } from '../../seeds/random';
import { ALLOWED_PARENT_LEVELS, OrganizationLevel } from '../../src/organizations/organization.entity';
import { EmploymentForm, HardshipStatus } from '../../src/members/member.entity';
import { FundKind } from '../../src/funds/fund.entity';
import { Role } from '../../src/auth/role';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Structural checks shared by both sizes. */
function checkInvariants(data: SeedData) {
  const orgs = new Map(data.organizations.map((o) => [o.id, o]));
  expect(orgs.size).toBe(data.organizations.length);

  // Codes unique and well-formed; names unique.
  const codes = data.organizations.map((o) => o.code);
  expect(new Set(codes).size).toBe(codes.length);
  expect(codes.filter((code) => !/^[A-Z0-9-]{1,32}$/.test(code))).toEqual([]);
  expect(new Set(data.organizations.map((o) => o.name)).size).toBe(data.organizations.length);

  // Tree: one province root, each parent inserted before its children, allowed parent levels, paths and depths.
  const seen = new Set<string>();
  const treeProblems: string[] = [];
  for (const o of data.organizations) {
    if (!UUID.test(o.id)) treeProblems.push(`id ${o.id}`);
    if (o.parentId === null) {
      if (o.level !== OrganizationLevel.PROVINCE || o.path !== `/${o.id}/` || o.depth !== 0) treeProblems.push(`bad root ${o.code}`);
    } else {
      const parent = orgs.get(o.parentId);
      if (!parent || !seen.has(parent.id)) treeProblems.push(`${o.code}: parent missing or inserted later`);
      else {
        if (!ALLOWED_PARENT_LEVELS[o.level].includes(parent.level)) treeProblems.push(`${o.code}: ${o.level} under ${parent.level}`);
        if (o.path !== `${parent.path}${o.id}/` || o.depth !== parent.depth + 1) treeProblems.push(`${o.code}: path or depth`);
      }
    }
    seen.add(o.id);
  }
  expect(treeProblems).toEqual([]);
  expect(data.organizations.filter((o) => o.level === OrganizationLevel.PROVINCE)).toHaveLength(1);
  expect(data.organizations.filter((o) => o.level === OrganizationLevel.CITY)).toHaveLength(1);
  const counties = data.organizations.filter((o) => o.level === OrganizationLevel.COUNTY);
  expect(counties.map((c) => c.name).sort()).toEqual(
    ['商州区总工会', '洛南县总工会', '丹凤县总工会', '商南县总工会', '山阳县总工会', '镇安县总工会', '柞水县总工会'].sort(),
  );
  for (const level of [OrganizationLevel.TOWN, OrganizationLevel.PARK, OrganizationLevel.SECTOR, OrganizationLevel.INDUSTRY]) {
    expect(data.organizations.some((o) => o.level === level)).toBe(true);
  }

  // Members: belong to grassroots unions, org_path = the union's path, valid unique national ids.
  const nationalIds = new Set<string>();
  const memberIds = new Set<string>();
  // Plain checks collected into a list: 209,000 expect() calls would make this test take most of a minute.
  const problems: string[] = [];
  for (const m of data.members) {
    const org = orgs.get(m.organizationId);
    if (org?.level !== OrganizationLevel.GRASSROOTS) problems.push(`member ${m.id} is not in a grassroots union`);
    else if (m.orgPath !== org.path) problems.push(`member ${m.id} has org_path ${m.orgPath}, its union has ${org.path}`);
    if (!isValidNationalId(m.nationalId)) problems.push(`invalid national id ${m.nationalId}`);
    const birth = m.nationalId.slice(6, 14);
    if (birth < '19600101' || birth > '20051231') problems.push(`birth date out of range: ${m.nationalId}`);
    // 17th digit: odd for men, even for women.
    if ((Number(m.nationalId[16]) % 2 === 1) !== (m.gender === 'MALE')) problems.push(`sex digit of ${m.nationalId} vs ${m.gender}`);
    if (!(m.joinedOn >= '1990-01-01' && m.joinedOn <= '2026-12-31')) problems.push(`joined ${m.joinedOn}`);
    if (m.phone !== null && !/^1(3|5|8|9)\d{9}$/.test(m.phone)) problems.push(`bad phone ${m.phone}`);
    if (m.name.length < 2 || m.name.length > 4) problems.push(`odd name ${m.name}`);
    nationalIds.add(m.nationalId);
    memberIds.add(m.id);
  }
  expect(nationalIds.size).toBe(data.members.length);
  expect(memberIds.size).toBe(data.members.length);

  // Funds: every kind at the city; three at each county; union dues at every grassroots union.
  const fundsOf = (orgId: string) => data.funds.filter((f) => f.ownerId === orgId).map((f) => f.kind).sort();
  const city = data.organizations.find((o) => o.level === OrganizationLevel.CITY)!;
  expect(fundsOf(city.id)).toEqual(Object.values(FundKind).sort());
  for (const c of counties) expect(fundsOf(c.id)).toEqual([FundKind.HARDSHIP_AID, FundKind.SEASONAL_RELIEF, FundKind.UNION_DUES].sort());
  const duesOwners = new Set(data.funds.filter((f) => f.kind === FundKind.UNION_DUES).map((f) => f.ownerId));
  expect(data.organizations.filter((o) => o.level === OrganizationLevel.GRASSROOTS && !duesOwners.has(o.id))).toEqual([]);

  // Ledger: integer fen, an opening credit per fund first, running balance never negative, references unique per fund.
  const balances = new Map<string, number>();
  const refs = new Set<string>();
  for (const e of data.ledgerEntries) {
    if (!Number.isSafeInteger(e.amount) || e.amount === 0) problems.push(`amount ${e.amount}`);
    if (!balances.has(e.fundId) && (e.reason !== OPENING_REASON || e.reference !== `opening:${e.fundId}` || e.amount <= 0)) {
      problems.push(`fund ${e.fundId} does not start with an opening credit`);
    }
    const b = (balances.get(e.fundId) ?? 0) + e.amount;
    if (b < 0) problems.push(`fund ${e.fundId} goes negative`);
    balances.set(e.fundId, b);
    const ref = `${e.fundId}:${e.reference}`;
    if (refs.has(ref)) problems.push(`duplicate reference ${ref}`);
    refs.add(ref);
  }
  expect(balances.size).toBe(data.funds.length);
  const cityHardship = data.funds.find((f) => f.ownerId === city.id && f.kind === FundKind.HARDSHIP_AID)!;
  expect(balances.get(cityHardship.id)).toBeGreaterThan(2_000_000 * 100); // several million yuan, in fen

  // Honours point at existing members or organisations, exactly one of the two.
  for (const h of data.honours) {
    if ((h.memberId === null) === (h.organizationId === null)) problems.push(`honour ${h.id} needs exactly one holder`);
    if (h.memberId && !memberIds.has(h.memberId)) problems.push(`honour ${h.id} of an unknown member`);
    if (h.organizationId && !orgs.has(h.organizationId)) problems.push(`honour ${h.id} of an unknown organisation`);
    if (h.year < 1950 || h.year > 2026) problems.push(`honour year ${h.year}`);
  }
  expect(problems.slice(0, 20)).toEqual([]);

  // Accounts: ASCII usernames, unique; roles on existing organisations; member accounts are MEMBER at their own union.
  const usernames = data.accounts.map((a) => a.username);
  expect(new Set(usernames).size).toBe(usernames.length);
  for (const u of usernames) expect(u).toMatch(/^[a-z0-9._-]{1,64}$/);
  for (const r of data.roleAssignments) expect(orgs.has(r.organizationId)).toBe(true);
  for (const a of data.accounts.filter((x) => x.memberId)) {
    const member = data.members.find((m) => m.id === a.memberId)!;
    const roles = data.roleAssignments.filter((r) => r.accountId === a.id);
    expect(roles).toEqual([expect.objectContaining({ role: Role.MEMBER, organizationId: member.organizationId })]);
  }
  for (const u of ['admin', 'city.approver', 'city.finance', 'city.auditor', 'city.auditor2', 'city.auditor3', 'province.approver',
    'danfeng.approver', 'danfeng.finance', 'danfeng.auditor', 'longfengqiao.approver', 'member1']) {
    expect(usernames).toContain(u);
  }
  const cityAuditors = data.roleAssignments.filter((r) => r.role === Role.AUDITOR && r.organizationId === city.id);
  expect(cityAuditors.length).toBeGreaterThanOrEqual(3);
}

describe('seed random', () => {
  it('is deterministic and yields v4-looking uuids', () => {
    const a = new Random(7);
    const b = new Random(7);
    const xs = Array.from({ length: 100 }, () => a.uuid());
    expect(Array.from({ length: 100 }, () => b.uuid())).toEqual(xs);
    for (const x of xs) expect(x).toMatch(UUID);
    expect(new Set(xs).size).toBe(100);
  });

  it('apportions exactly', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(209_000, [3, 1, 0.5, 7], 3).reduce((s, x) => s + x, 0)).toBe(209_000);
  });

  it('computes ISO 7064 MOD 11-2 check digits', () => {
    // The worked example of GB 11643-1999.
    expect(idCheckDigit('11010519491231002')).toBe('X');
    expect(isValidNationalId('11010519491231002X')).toBe(true);
    expect(isValidNationalId('110105194912310021')).toBe(false);
  });
});

describe('generate demo', () => {
  const demo = generate('demo', 42);

  it('gives identical data for the same seed', () => {
    expect(generate('demo', 42)).toEqual(demo);
  });

  it('gives different data for another seed', () => {
    const other = generate('demo', 43);
    expect(other.organizations[0]!.id).not.toBe(demo.organizations[0]!.id);
    expect(other.members.map((m) => m.nationalId)).not.toEqual(demo.members.map((m) => m.nationalId));
  });

  it('has the expected sizes', () => {
    expect(demo.organizations.length).toBeGreaterThanOrEqual(90);
    expect(demo.organizations.length).toBeLessThanOrEqual(110);
    expect(demo.members.length).toBeGreaterThanOrEqual(1_800);
    expect(demo.members.length).toBeLessThanOrEqual(2_200);
    const migrants = demo.members.filter((m) => m.employmentForm === EmploymentForm.MIGRANT_WORKER).length;
    expect(migrants / demo.members.length).toBeGreaterThan(0.4);
    expect(migrants / demo.members.length).toBeLessThan(0.5);
    const names = demo.organizations.map((o) => o.name);
    for (const fragment of ['快递', '家政', '木耳', '核桃', '陕西丹凤龙凤桥集团公司工会委员会']) {
      expect(names.some((n) => n.includes(fragment))).toBe(true);
    }
    for (const form of [EmploymentForm.COURIER, EmploymentForm.DELIVERY_RIDER, EmploymentForm.TRUCK_DRIVER, EmploymentForm.HOUSEKEEPER]) {
      expect(demo.members.some((m) => m.employmentForm === form)).toBe(true);
    }
    expect(demo.honours.length).toBeGreaterThan(10);
  });

  it('keeps every invariant', () => {
    checkInvariants(demo);
  });
});

describe('generate full', () => {
  const full = generate('full', 42);

  it('matches the report: 4,092 organisations, 209,000 members, 94,000 migrant workers', () => {
    expect(full.organizations).toHaveLength(4_092);
    expect(full.members).toHaveLength(209_000);
    expect(full.members.filter((m) => m.employmentForm === EmploymentForm.MIGRANT_WORKER)).toHaveLength(94_000);
    const hardship = full.members.filter((m) => m.hardship === HardshipStatus.REGISTERED).length / full.members.length;
    expect(hardship).toBeGreaterThan(0.012);
    expect(hardship).toBeLessThan(0.022);
    for (const form of [EmploymentForm.COURIER, EmploymentForm.DELIVERY_RIDER, EmploymentForm.TRUCK_DRIVER, EmploymentForm.HOUSEKEEPER]) {
      const share = full.members.filter((m) => m.employmentForm === form).length / full.members.length;
      expect(share).toBeGreaterThan(0.01);
      expect(share).toBeLessThan(0.08);
    }
  });

  it('keeps every invariant', () => {
    checkInvariants(full);
  });
});

describe('award quotas', () => {
  it('gives every county and the city this year’s award quotas', () => {
  const data = generate('demo', 42);
  const holders = data.organizations.filter((o) => o.level === 'COUNTY' || o.level === 'CITY');
  expect(holders).toHaveLength(8);
  for (const h of holders) {
    const mine = data.awardQuotas.filter((q) => q.countyOrgId === h.id);
    expect(mine.find((q) => q.award === 'MODEL_WORKER' && q.awardLevel === 'CITY')!.quota).toBeGreaterThanOrEqual(2);
    expect(mine.find((q) => q.award === 'MODEL_WORKER' && q.awardLevel === 'PROVINCIAL')!.quota).toBe(1);
  }
  expect(new Set(data.awardQuotas.map((q) => `${q.countyOrgId}/${q.award}/${q.awardLevel}/${q.year}`)).size).toBe(data.awardQuotas.length);
});
});
