/**
 * Deterministic seed data for the Shangluo city federation of trade unions: `generate(size, seed)` returns plain
 * rows (no database, no clock, no Math.random), so the same size and seed always give identical data.
 *
 * demo: province, city, the 7 counties, towns, parks, sector and industry unions: 100 organisations, 2,000 members.
 * full: the real scale from the city's five-year report: 4,092 organisations, 209,000 members, 94,000 migrant workers.
 */
import { Role } from '../src/auth/role';
import { Award, AwardLevel } from '../src/awards/nomination.entity';
import { FundKind } from '../src/funds/fund.entity';
import { HonourLevel } from '../src/members/honour.entity';
import { EmploymentForm, Gender, HardshipStatus, MemberStatus } from '../src/members/member.entity';
import { OrganizationKind, OrganizationLevel } from '../src/organizations/organization.entity';
import {
  BRANDS, CITY, CITY_DIRECT, COUNTIES, COUNTY_AGENCIES, COUNTY_INSTITUTIONS, type CountyInfo, OTHER_REGIONS, PARK_BUSINESSES,
  PROVINCE, SECTORS, type SectorKey, SURNAMES, TOWN_BUSINESSES, VILLAGES, nationalId, personName, phoneNumber,
} from './names';
import { Random, apportion } from './random';
import type { OrganizationRow as StoredOrganization } from '../src/organizations/organization.repository';

export type SeedSize = 'demo' | 'full';

/** An organisation as the seed writes it: the API's row, less the time the database stamps. */
export type OrganizationRow = Omit<StoredOrganization, 'createdAt'>;

export interface MemberRow {
  id: string;
  name: string;
  gender: Gender;
  nationalId: string;
  phone: string | null;
  organizationId: string;
  orgPath: string;
  employmentForm: EmploymentForm;
  /** YYYY-MM-DD */
  joinedOn: string;
  status: MemberStatus;
  hardship: HardshipStatus;
}

export interface HonourRow {
  id: string;
  memberId: string | null;
  organizationId: string | null;
  award: string;
  level: HonourLevel;
  year: number;
}

export interface FundRow {
  id: string;
  ownerId: string;
  kind: FundKind;
  name: string;
}

export interface LedgerEntryRow {
  id: string;
  fundId: string;
  /** Integer fen; positive = credit. */
  amount: number;
  reason: string;
  reference: string;
  /** ISO timestamp with offset. */
  createdAt: string;
}

export interface AccountRow {
  id: string;
  username: string;
  /** Plain demo password: the loader hashes each distinct one once. */
  password: string;
  displayName: string;
  memberId: string | null;
}

export interface RoleAssignmentRow {
  id: string;
  accountId: string;
  role: Role;
  organizationId: string;
}

export interface DemoLogin {
  username: string;
  password: string;
  roles: string;
  organization: string;
}

/** Nominations a county (or the city, for its directly affiliated unions) may send per award, level and year. */
export interface AwardQuotaRow {
  id: string;
  countyOrgId: string;
  award: Award;
  awardLevel: AwardLevel;
  year: number;
  quota: number;
}

export interface SeedData {
  size: SeedSize;
  seed: number;
  organizations: OrganizationRow[];
  members: MemberRow[];
  honours: HonourRow[];
  funds: FundRow[];
  ledgerEntries: LedgerEntryRow[];
  accounts: AccountRow[];
  roleAssignments: RoleAssignmentRow[];
  awardQuotas: AwardQuotaRow[];
  logins: DemoLogin[];
}

export const DEMO_PASSWORD = 'gonghui-demo';
export const OPENING_REASON = '期初余额 opening balance';

interface SizePlan {
  organizations: number;
  members: number;
  migrants: number;
  townsPerCounty: number;
  industriesPerCounty: number;
  citySectors: SectorKey[];
  countySectors: SectorKey[];
  /** Counties that get the county-level sector unions (all when absent). */
  countySectorCounties?: string[];
  minMembersPerUnion: number;
  /** How many of each personal honour; collective honours below. */
  honourScale: number;
}

const PLANS: Record<SeedSize, SizePlan> = {
  demo: {
    organizations: 100,
    members: 2_000,
    migrants: 900,
    townsPerCounty: 2,
    industriesPerCounty: 1,
    citySectors: ['EXPRESS', 'HOUSEKEEPING', 'TRUCKING', 'TAKEAWAY'],
    // 商州区快递行业工会 holds the demo courier company, so its members have a county in their approval chain.
    countySectors: ['EXPRESS'],
    countySectorCounties: ['SZ'],
    minMembersPerUnion: 5,
    honourScale: 0.1,
  },
  full: {
    organizations: 4_092,
    members: 209_000,
    migrants: 94_000,
    townsPerCounty: Number.POSITIVE_INFINITY,
    industriesPerCounty: 2,
    citySectors: ['EXPRESS', 'HOUSEKEEPING', 'TRUCKING', 'TAKEAWAY', 'RIDE_HAILING', 'CONSTRUCTION'],
    countySectors: ['EXPRESS', 'HOUSEKEEPING'],
    minMembersPerUnion: 3,
    honourScale: 1,
  },
};

/** What kind of workforce a grassroots union has: drives employment forms, sex and age. */
type Profile = SectorKey | 'INDUSTRY' | 'TOWN_ENTERPRISE' | 'TOWN_JOINT' | 'PUBLIC' | 'PARK' | 'BIG';

type FormWeights = readonly (readonly [EmploymentForm, number])[];
const F = EmploymentForm;
const FORM_WEIGHTS: Record<Profile, FormWeights> = {
  EXPRESS: [[F.COURIER, 80], [F.REGULAR, 12], [F.MIGRANT_WORKER, 8]],
  HOUSEKEEPING: [[F.HOUSEKEEPER, 80], [F.REGULAR, 8], [F.MIGRANT_WORKER, 12]],
  TRUCKING: [[F.TRUCK_DRIVER, 78], [F.REGULAR, 12], [F.MIGRANT_WORKER, 10]],
  TAKEAWAY: [[F.DELIVERY_RIDER, 82], [F.REGULAR, 8], [F.MIGRANT_WORKER, 10]],
  RIDE_HAILING: [[F.RIDE_HAILING_DRIVER, 80], [F.REGULAR, 10], [F.MIGRANT_WORKER, 10]],
  CONSTRUCTION: [[F.MIGRANT_WORKER, 80], [F.REGULAR, 17], [F.TRUCK_DRIVER, 3]],
  INDUSTRY: [[F.MIGRANT_WORKER, 88], [F.REGULAR, 10], [F.OTHER_NEW_FORM, 2]],
  TOWN_ENTERPRISE: [[F.MIGRANT_WORKER, 58], [F.REGULAR, 36], [F.TRUCK_DRIVER, 3], [F.COURIER, 1], [F.DELIVERY_RIDER, 1], [F.HOUSEKEEPER, 1]],
  TOWN_JOINT: [[F.MIGRANT_WORKER, 70], [F.REGULAR, 14], [F.HOUSEKEEPER, 5], [F.COURIER, 4], [F.DELIVERY_RIDER, 4], [F.TRUCK_DRIVER, 2], [F.OTHER_NEW_FORM, 1]],
  PUBLIC: [[F.REGULAR, 94], [F.MIGRANT_WORKER, 5], [F.HOUSEKEEPER, 1]],
  PARK: [[F.MIGRANT_WORKER, 45], [F.REGULAR, 51], [F.TRUCK_DRIVER, 3], [F.OTHER_NEW_FORM, 1]],
  BIG: [[F.REGULAR, 70], [F.MIGRANT_WORKER, 27], [F.TRUCK_DRIVER, 3]],
};
const NEW_FORMS = new Set<EmploymentForm>([F.COURIER, F.DELIVERY_RIDER, F.TRUCK_DRIVER, F.HOUSEKEEPER, F.RIDE_HAILING_DRIVER, F.OTHER_NEW_FORM]);

/** A parent under which grassroots unions are created. */
interface Container {
  org: OrganizationRow;
  county: CountyInfo | null;
  type: 'CITY' | 'CITY_PARK' | 'SECTOR' | 'COUNTY' | 'TOWN' | 'PARK' | 'INDUSTRY';
  sector?: SectorKey;
  industry?: string;
  town?: string;
  weight: number;
}

interface Grassroots {
  org: OrganizationRow;
  county: CountyInfo | null;
  profile: Profile;
  memberWeight: number;
  /** Key for the fixed unions that get demo logins. */
  loginKey?: string;
}

const LEVEL = OrganizationLevel;
const KIND = OrganizationKind;

export function generate(size: SeedSize, seed: number): SeedData {
  const plan = PLANS[size];
  if (!plan) throw new Error(`unknown seed size "${size}" (expected demo or full)`);
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const root = new Random(seed);
  const rngOrg = root.fork(1);
  const rngMember = root.fork(2);
  const rngHonour = root.fork(3);
  const rngFund = root.fork(4);
  const rngAccount = root.fork(5);

  // ------------------------------------------------------------------------------------------ organisations
  const organizations: OrganizationRow[] = [];
  const names = new Set<string>();
  const codes = new Set<string>();
  const addOrg = (
    parent: OrganizationRow | null, code: string, name: string, level: OrganizationLevel, kind: OrganizationKind,
  ): OrganizationRow => {
    if (codes.has(code)) throw new Error(`duplicate organisation code ${code}`);
    if (names.has(name)) throw new Error(`duplicate organisation name ${name}`);
    codes.add(code);
    names.add(name);
    const id = rngOrg.uuid();
    const row: OrganizationRow = {
      id, code, name, level, kind, parentId: parent?.id ?? null,
      path: `${parent?.path ?? '/'}${id}/`, depth: parent ? parent.depth + 1 : 0,
    };
    organizations.push(row);
    return row;
  };

  const province = addOrg(null, PROVINCE.code, PROVINCE.name, LEVEL.PROVINCE, KIND.FEDERATION);
  const city = addOrg(province, CITY.code, CITY.name, LEVEL.CITY, KIND.FEDERATION);
  const containers: Container[] = [];
  containers.push({ org: city, county: null, type: 'CITY', weight: size === 'demo' ? 4 : 12 });
  const cityPark = addOrg(city, `${CITY.code}-P01`, '商洛高新技术产业开发区工会', LEVEL.PARK, KIND.FEDERATION);
  containers.push({ org: cityPark, county: null, type: 'CITY_PARK', weight: 60 });
  plan.citySectors.forEach((key, i) => {
    const name = key === 'EXPRESS' ? '商洛市快递行业工会联合会' : `商洛市${SECTORS[key].union}`;
    const org = addOrg(city, `${CITY.code}-S${pad(i + 1, 2)}`, name, LEVEL.SECTOR, KIND.SECTOR);
    containers.push({ org, county: null, type: 'SECTOR', sector: key, weight: 36 });
  });
  const countyOrgs = new Map<string, OrganizationRow>();
  for (const county of COUNTIES) {
    const code = `${CITY.code}-${county.code}`;
    const countyOrg = addOrg(city, code, `${county.name}总工会`, LEVEL.COUNTY, KIND.FEDERATION);
    countyOrgs.set(county.code, countyOrg);
    const w = county.weight;
    containers.push({ org: countyOrg, county, type: 'COUNTY', weight: 26 * w });
    county.towns.slice(0, plan.townsPerCounty).forEach((town, i) => {
      const org = addOrg(countyOrg, `${code}-T${pad(i + 1, 3)}`, `${county.name}${town}工会`, LEVEL.TOWN, KIND.FEDERATION);
      containers.push({ org, county, type: 'TOWN', town, weight: 22 * w });
    });
    const park = addOrg(countyOrg, `${code}-P01`, `${county.park}工会`, LEVEL.PARK, KIND.FEDERATION);
    containers.push({ org: park, county, type: 'PARK', weight: 40 * w });
    county.industries.slice(0, plan.industriesPerCounty).forEach((industry, i) => {
      const org = addOrg(countyOrg, `${code}-I${pad(i + 1, 2)}`, `${county.name}${industry}产业工会`, LEVEL.INDUSTRY, KIND.INDUSTRY);
      containers.push({ org, county, type: 'INDUSTRY', industry, weight: 12 * w });
    });
    const sectors = !plan.countySectorCounties || plan.countySectorCounties.includes(county.code) ? plan.countySectors : [];
    sectors.forEach((key, i) => {
      const org = addOrg(countyOrg, `${code}-S${pad(i + 1, 2)}`, `${county.name}${SECTORS[key].union}`, LEVEL.SECTOR, KIND.SECTOR);
      containers.push({ org, county, type: 'SECTOR', sector: key, weight: 12 * w });
    });
  }

  const grassrootsTotal = plan.organizations - organizations.length;
  const perContainer = apportion(grassrootsTotal, containers.map((c) => c.weight), 1);
  const grassroots: Grassroots[] = [];
  const counters = new Map<string, number>();
  const nextCode = (container: Container) => {
    const scope = container.county ? `${CITY.code}-${container.county.code}` : CITY.code;
    const n = (counters.get(scope) ?? 0) + 1;
    counters.set(scope, n);
    return `${scope}-G${pad(n, 4)}`;
  };
  // When a name space gets crowded, brand() and village() widen to two words, which multiplies the choices.
  let crowded = false;
  const brand = () => (crowded ? rngOrg.pick(BRANDS) + rngOrg.pick(BRANDS) : rngOrg.pick(BRANDS));
  const village = () => (crowded ? rngOrg.pick(VILLAGES) + rngOrg.pick(VILLAGES) : rngOrg.pick(VILLAGES));
  const uniqueName = (make: () => string): string => {
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt === 40) crowded = true;
        const name = make();
        if (!names.has(name)) return name;
      }
    } finally {
      crowded = false;
    }
  };
  const addGrassroots = (c: Container, name: string, kind: OrganizationKind, profile: Profile, memberWeight: number, loginKey?: string) => {
    const org = addOrg(c.org, nextCode(c), name, LEVEL.GRASSROOTS, kind);
    grassroots.push({ org, county: c.county, profile, memberWeight, loginKey });
  };
  const lognormal = () => Math.exp(rngOrg.normal() * 0.75);

  containers.forEach((c, ci) => {
    let count = perContainer[ci]!;
    const place = c.county?.short ?? '商洛';
    const prefix = () => rngOrg.weighted([['陕西', 1], ['商洛', 2], [place, 4]] as const);
    // Fixed unions named in the report or used for demo logins take the first slot of their container.
    if (c.type === 'COUNTY' && c.county?.code === 'DF') {
      addGrassroots(c, '陕西丹凤龙凤桥集团公司工会委员会', KIND.ENTERPRISE, 'BIG', 6, 'longfengqiao');
      count--;
    } else if (c.type === 'SECTOR' && c.sector === 'EXPRESS' && c.county?.code === 'SZ') {
      addGrassroots(c, '商洛顺捷快递服务有限公司工会委员会', KIND.ENTERPRISE, 'EXPRESS', 3, 'express');
      count--;
    } else if (c.type === 'INDUSTRY' && c.county?.code === 'ZS' && c.industry === '木耳') {
      addGrassroots(c, '柞水县金米村木耳专业合作社工会委员会', KIND.ENTERPRISE, 'INDUSTRY', 3, 'muer');
      count--;
    }
    let cityDirect = 0;
    const agencies = rngOrg.shuffle(COUNTY_AGENCIES);
    const institutions = rngOrg.shuffle(COUNTY_INSTITUTIONS);
    for (let k = 0; k < count; k++) {
      switch (c.type) {
        case 'CITY': {
          const fixed = CITY_DIRECT[cityDirect++];
          if (fixed) {
            addGrassroots(c, fixed.name, KIND[fixed.kind], fixed.kind === 'ENTERPRISE' ? 'BIG' : 'PUBLIC', 2 * lognormal());
          } else {
            const name = uniqueName(() => `商洛${brand()}${rngOrg.pick(PARK_BUSINESSES)}有限公司工会委员会`);
            addGrassroots(c, name, KIND.ENTERPRISE, 'BIG', 1.5 * lognormal());
          }
          break;
        }
        case 'CITY_PARK':
        case 'PARK': {
          const name = uniqueName(() => `${prefix()}${brand()}${rngOrg.pick(PARK_BUSINESSES)}有限公司工会委员会`);
          addGrassroots(c, name, KIND.ENTERPRISE, 'PARK', 1.4 * lognormal());
          break;
        }
        case 'SECTOR': {
          const sector = SECTORS[c.sector!];
          if (rngOrg.chance(0.25)) {
            const county = c.county ?? rngOrg.pick(COUNTIES);
            const name = uniqueName(() => `${county.short}${rngOrg.pick(county.towns).replace(/(街道|镇)$/, '')}${sector.joint}`);
            addGrassroots(c, name, KIND.JOINT, c.sector!, 1.2 * lognormal());
          } else {
            const name = uniqueName(() => `${prefix()}${brand()}${rngOrg.pick(sector.businesses)}有限公司工会委员会`);
            addGrassroots(c, name, KIND.ENTERPRISE, c.sector!, lognormal());
          }
          break;
        }
        case 'INDUSTRY': {
          const county = c.county!;
          if (rngOrg.chance(0.2)) {
            const name = uniqueName(() => `${county.name}${rngOrg.pick(county.towns)}${c.industry}产业联合工会`);
            addGrassroots(c, name, KIND.JOINT, 'INDUSTRY', 1.3 * lognormal());
          } else {
            const name = uniqueName(() => `${county.name}${village()}村${c.industry}专业合作社工会委员会`);
            addGrassroots(c, name, KIND.ENTERPRISE, 'INDUSTRY', 0.8 * lognormal());
          }
          break;
        }
        case 'COUNTY': {
          const county = c.county!;
          const roll = rngOrg.next();
          if (roll < 0.35 && agencies.length) {
            addGrassroots(c, `${county.name}${agencies.shift()}机关工会委员会`, KIND.PUBLIC_INSTITUTION, 'PUBLIC', 0.6 * lognormal());
          } else if (roll < 0.65 && institutions.length) {
            const inst = institutions.shift()!;
            const enterprise = /公司|银行/.test(inst);
            addGrassroots(c, `${county.name}${inst}工会委员会`, enterprise ? KIND.ENTERPRISE : KIND.PUBLIC_INSTITUTION,
              enterprise ? 'BIG' : 'PUBLIC', lognormal());
          } else {
            const name = uniqueName(() => `${prefix()}${brand()}${rngOrg.pick(TOWN_BUSINESSES)}有限公司工会委员会`);
            addGrassroots(c, name, KIND.ENTERPRISE, 'BIG', 1.5 * lognormal());
          }
          break;
        }
        case 'TOWN': {
          const county = c.county!;
          const town = c.town!;
          const roll = rngOrg.next();
          if (roll < 0.45) {
            const name = uniqueName(() => `${county.short}${brand()}${rngOrg.pick(TOWN_BUSINESSES)}有限公司工会委员会`);
            addGrassroots(c, name, KIND.ENTERPRISE, 'TOWN_ENTERPRISE', lognormal());
          } else if (roll < 0.65) {
            const name = uniqueName(() => `${county.name}${town}${village()}${rngOrg.chance(0.5) ? '村' : '社区'}联合工会`);
            addGrassroots(c, name, KIND.JOINT, 'TOWN_JOINT', 1.2 * lognormal());
          } else if (roll < 0.9) {
            const name = uniqueName(() => `${county.name}${town}${crowded ? `${village()}村小学` : rngOrg.pick(TOWN_PUBLIC)}工会委员会`);
            addGrassroots(c, name, KIND.PUBLIC_INSTITUTION, 'PUBLIC', 0.5 * lognormal());
          } else {
            const name = uniqueName(() => `${county.name}${town}${village()}社区工厂联合工会`);
            addGrassroots(c, name, KIND.JOINT, 'TOWN_JOINT', lognormal());
          }
          break;
        }
      }
    }
  });

  // ------------------------------------------------------------------------------------------------ members
  const memberCounts = apportion(plan.members, grassroots.map((g) => g.memberWeight), plan.minMembersPerUnion);
  const members: MemberRow[] = [];
  const memberProfile: Profile[] = [];
  const nationalIds = new Set<string>();
  const phones = new Set<string>();
  const pickSurname = rngMember.weightedPicker(SURNAMES);
  const countyPicker = rngMember.weightedPicker(COUNTIES.map((c) => [c, c.weight] as const));
  const formPickers = new Map<Profile, () => EmploymentForm>();
  const formPicker = (p: Profile) => {
    let f = formPickers.get(p);
    if (!f) formPickers.set(p, (f = rngMember.weightedPicker(FORM_WEIGHTS[p])));
    return f;
  };
  const JOIN_MIN = dayNumber(1990, 1, 1);
  const JOIN_MAX = dayNumber(2026, 10, 31);
  const NEW_FORM_MIN = dayNumber(2016, 1, 1);
  const MIGRANT_DRIVE_MIN = dayNumber(2015, 1, 1);

  grassroots.forEach((g, gi) => {
    const pick = formPicker(g.profile);
    for (let k = 0; k < memberCounts[gi]!; k++) {
      const form = pick();
      const newForm = NEW_FORMS.has(form);
      let maleShare = 0.58;
      if (form === F.HOUSEKEEPER) maleShare = 0.08;
      else if (newForm) maleShare = 0.9;
      else if (g.profile === 'PUBLIC') maleShare = 0.42;
      const male = rngMember.chance(maleShare);
      const meanYear = newForm ? 1991 : form === F.MIGRANT_WORKER ? 1980 : 1983;
      const birthYear = clamp(Math.round(meanYear + rngMember.normal() * (newForm ? 7 : 10)), 1960, 2005);
      const birthDay = dayNumber(birthYear, 1, 1) + rngMember.int(0, isLeap(birthYear) ? 365 : 364);
      const birth = dateString(birthDay);
      const county = g.county ?? countyPicker();
      const region = rngMember.chance(0.07) ? rngMember.pick(OTHER_REGIONS) : birthYear < 2002 ? county.oldRegion : county.newRegion;
      let id: string;
      do id = nationalId(region, birth.replace(/-/g, ''), rngMember.int(1, 999), male);
      while (nationalIds.has(id));
      nationalIds.add(id);
      let phone: string | null = null;
      if (rngMember.chance(0.96)) {
        do phone = phoneNumber(rngMember);
        while (phones.has(phone));
        phones.add(phone);
      }
      const adult = dayNumber(birthYear + 18, 1, 1) + (birthDay - dayNumber(birthYear, 1, 1));
      let earliest = Math.max(JOIN_MIN, adult);
      if (newForm) earliest = Math.max(earliest, NEW_FORM_MIN);
      else if (form === F.MIGRANT_WORKER && rngMember.chance(0.7)) earliest = Math.max(earliest, MIGRANT_DRIVE_MIN);
      const joinedOn = dateString(rngMember.int(Math.min(earliest, JOIN_MAX), JOIN_MAX));
      const status = rngMember.weighted([[MemberStatus.ACTIVE, 93], [MemberStatus.TRANSFERRED, 4], [MemberStatus.LEFT, 3]] as const);
      members.push({
        id: rngMember.uuid(), name: personName(rngMember, male, pickSurname), gender: male ? Gender.MALE : Gender.FEMALE,
        nationalId: id, phone, organizationId: g.org.id, orgPath: g.org.path, employmentForm: form, joinedOn, status,
        hardship: HardshipStatus.NONE,
      });
      memberProfile.push(g.profile);
    }
  });

  // Hit the report's migrant-worker figure exactly: flip the fewest members between REGULAR and MIGRANT_WORKER.
  const migrantTarget = plan.migrants;
  const migrants = members.filter((m) => m.employmentForm === F.MIGRANT_WORKER).length;
  if (migrants !== migrantTarget) {
    const tooMany = migrants > migrantTarget;
    const candidates = members
      .map((_m, i) => i)
      .filter((i) => (tooMany ? members[i]!.employmentForm === F.MIGRANT_WORKER : members[i]!.employmentForm === F.REGULAR && memberProfile[i] !== 'PUBLIC'));
    const flip = rngMember.shuffle(candidates).slice(0, Math.abs(migrants - migrantTarget));
    if (flip.length < Math.abs(migrants - migrantTarget)) throw new Error('cannot reach the migrant-worker target');
    for (const i of flip) members[i]!.employmentForm = tooMany ? F.REGULAR : F.MIGRANT_WORKER;
  }
  // Hardship (困难职工): ~1.7% registered, about as many lifted out of hardship; more among migrant workers.
  for (const m of members) {
    const p = m.employmentForm === F.MIGRANT_WORKER ? 0.024 : m.employmentForm === F.REGULAR ? 0.009 : 0.017;
    const r = rngMember.next();
    if (r < p) m.hardship = HardshipStatus.REGISTERED;
    else if (r < 2 * p) m.hardship = HardshipStatus.LIFTED;
  }

  // ------------------------------------------------------------------------------------------------ honours
  const honours: HonourRow[] = [];
  const honoured = new Set<string>();
  const activeIdx = members.map((_m, i) => i).filter((i) => members[i]!.status === MemberStatus.ACTIVE);
  const personal: [string, HonourLevel, number, number, number][] = [
    // award, level, full-size count, first year, last year
    ['MODEL_WORKER', HonourLevel.NATIONAL, 6, 2005, 2025],
    ['MODEL_WORKER', HonourLevel.PROVINCIAL, 74, 2005, 2025],
    ['MODEL_WORKER', HonourLevel.CITY, 160, 2010, 2025],
    ['ADVANCED_WORKER', HonourLevel.PROVINCIAL, 33, 2021, 2025],
    ['MAY_DAY_LABOUR_MEDAL', HonourLevel.NATIONAL, 2, 2015, 2025],
    ['MAY_DAY_LABOUR_MEDAL', HonourLevel.PROVINCIAL, 10, 2015, 2025],
    ['TECHNICAL_EXPERT', HonourLevel.PROVINCIAL, 19, 2021, 2025],
    ['TECHNICAL_EXPERT', HonourLevel.CITY, 80, 2021, 2025],
    ['SANQIN_CRAFTSMAN', HonourLevel.PROVINCIAL, 2, 2022, 2025],
    ['SHANGSHAN_CRAFTSMAN', HonourLevel.CITY, 40, 2021, 2025],
    ['ADVANCED_WORKER', HonourLevel.COUNTY, 300, 2015, 2025],
  ];
  const addPersonal = (memberId: string, award: string, level: HonourLevel, year: number) => {
    const key = `${memberId}:${award}:${level}`;
    if (honoured.has(key)) return false;
    honoured.add(key);
    honours.push({ id: rngHonour.uuid(), memberId, organizationId: null, award, level, year });
    return true;
  };
  for (const [award, level, count, from, to] of personal) {
    const n = Math.max(1, Math.round(count * plan.honourScale));
    for (let k = 0; k < n; ) {
      const m = members[rngHonour.pick(activeIdx)]!;
      if (addPersonal(m.id, award, level, rngHonour.int(from, to))) k++;
    }
  }
  const collective: [string, HonourLevel, number][] = [
    ['ADVANCED_COLLECTIVE', HonourLevel.PROVINCIAL, 53],
    ['WORKER_PIONEER_TEAM', HonourLevel.PROVINCIAL, 40],
    ['WORKER_PIONEER_TEAM', HonourLevel.CITY, 100],
  ];
  const collectiveKeys = new Set<string>();
  for (const [award, level, count] of collective) {
    const n = Math.max(1, Math.round(count * plan.honourScale));
    for (let k = 0; k < n; ) {
      const g = rngHonour.pick(grassroots);
      const key = `${g.org.id}:${award}:${level}`;
      if (collectiveKeys.has(key)) continue;
      collectiveKeys.add(key);
      honours.push({ id: rngHonour.uuid(), memberId: null, organizationId: g.org.id, award, level, year: rngHonour.int(2021, 2025) });
      k++;
    }
  }

  // --------------------------------------------------------------------------------------- funds and ledger
  const funds: FundRow[] = [];
  const ledgerEntries: LedgerEntryRow[] = [];
  const membersPerOrg = new Map<string, number>();
  grassroots.forEach((g, i) => membersPerOrg.set(g.org.id, memberCounts[i]!));
  const yuan = (min: number, max: number) => rngFund.int(min * 100, max * 100);
  const addFund = (owner: OrganizationRow, kind: FundKind, opening: number, movements: number) => {
    const fund: FundRow = { id: rngFund.uuid(), ownerId: owner.id, kind, name: owner.name + FUND_NAMES[kind] };
    funds.push(fund);
    ledgerEntries.push({
      id: rngFund.uuid(), fundId: fund.id, amount: opening, reason: OPENING_REASON, reference: `opening:${fund.id}`,
      createdAt: '2026-01-01T00:00:00+08:00',
    });
    let balance = opening;
    // A few dated movements through the year; a debit takes 3–15% of the balance.
    const months = rngFund.shuffle([2, 3, 4, 5, 6, 7, 8, 9, 10]).slice(0, movements).sort((a, b) => a - b);
    months.forEach((month, i) => {
      const [credit, debit] = MOVEMENTS[kind];
      const isCredit = rngFund.chance(0.35);
      const amount = isCredit ? Math.max(100, Math.round(opening * (0.05 + rngFund.next() * 0.2))) : -Math.max(1, Math.round(balance * (0.03 + rngFund.next() * 0.12)));
      if (balance + amount < 0 || amount === 0) return;
      balance += amount;
      ledgerEntries.push({
        id: rngFund.uuid(), fundId: fund.id, amount, reason: isCredit ? credit : debit,
        reference: `${isCredit ? 'credit' : 'debit'}:2026-${pad(month, 2)}:${i + 1}`,
        createdAt: `2026-${pad(month, 2)}-${pad(rngFund.int(1, 28), 2)}T${pad(rngFund.int(8, 17), 2)}:${pad(rngFund.int(0, 59), 2)}:00+08:00`,
      });
    });
  };
  addFund(city, FundKind.UNION_DUES, yuan(9_000_000, 15_000_000), 4);
  addFund(city, FundKind.HARDSHIP_AID, yuan(5_000_000, 8_000_000), 4);
  addFund(city, FundKind.SEASONAL_RELIEF, yuan(3_000_000, 6_000_000), 4);
  addFund(city, FundKind.MUTUAL_MEDICAL, yuan(8_000_000, 14_000_000), 4);
  addFund(city, FundKind.MODEL_WORKER, yuan(600_000, 1_200_000), 3);
  addFund(city, FundKind.EDUCATION_AID, yuan(300_000, 600_000), 2);
  for (const county of COUNTIES) {
    const org = countyOrgs.get(county.code)!;
    addFund(org, FundKind.HARDSHIP_AID, Math.round(yuan(400_000, 1_000_000) * county.weight), 3);
    addFund(org, FundKind.UNION_DUES, Math.round(yuan(1_000_000, 2_500_000) * county.weight), 3);
    addFund(org, FundKind.SEASONAL_RELIEF, Math.round(yuan(200_000, 600_000) * county.weight), 3);
  }
  for (const g of grassroots) {
    const n = membersPerOrg.get(g.org.id)!;
    addFund(g.org, FundKind.UNION_DUES, yuan(5_000, 30_000) + n * yuan(200, 800), rngFund.chance(0.3) ? 1 : 0);
  }

  // --------------------------------------------------------------------------------------------- accounts
  const accounts: AccountRow[] = [];
  const roleAssignments: RoleAssignmentRow[] = [];
  const logins: DemoLogin[] = [];
  const addAccount = (username: string, displayName: string, roles: [Role, OrganizationRow][], memberId: string | null = null) => {
    const account: AccountRow = { id: rngAccount.uuid(), username, password: DEMO_PASSWORD, displayName, memberId };
    accounts.push(account);
    for (const [role, org] of roles) roleAssignments.push({ id: rngAccount.uuid(), accountId: account.id, role, organizationId: org.id });
    logins.push({
      username, password: DEMO_PASSWORD, roles: roles.map(([r]) => r).join('+'),
      organization: `${roles[0]![1].name} (${roles[0]![1].code})`,
    });
  };
  addAccount('admin', '系统管理员', [[Role.ADMIN, province]]);
  addAccount('province.approver', '省总工会审批员', [[Role.APPROVER, province]]);
  addAccount('city.approver', '市总工会审批员', [[Role.APPROVER, city]]);
  addAccount('city.finance', '市总工会财务', [[Role.FINANCE, city]]);
  addAccount('city.auditor', '市总工会经审委员', [[Role.AUDITOR, city]]);
  addAccount('city.auditor2', '市评选委员会委员二', [[Role.AUDITOR, city]]);
  addAccount('city.auditor3', '市评选委员会委员三', [[Role.AUDITOR, city]]);
  for (const county of COUNTIES) {
    const org = countyOrgs.get(county.code)!;
    addAccount(`${county.pinyin}.approver`, `${county.name}总工会审批员`, [[Role.APPROVER, org]]);
    addAccount(`${county.pinyin}.finance`, `${county.name}总工会财务`, [[Role.FINANCE, org]]);
    addAccount(`${county.pinyin}.auditor`, `${county.name}总工会经审委员`, [[Role.AUDITOR, org]]);
  }
  const loginUnions = grassroots.filter((g) => g.loginKey);
  for (const g of loginUnions) {
    addAccount(`${g.loginKey}.approver`, `${g.org.name}审批员`, [[Role.APPROVER, g.org]]);
    addAccount(`${g.loginKey}.finance`, `${g.org.name}财务`, [[Role.FINANCE, g.org]]);
    addAccount(`${g.loginKey}.auditor`, `${g.org.name}经审委员`, [[Role.AUDITOR, g.org]]);
  }
  let memberNo = 0;
  for (const g of loginUnions) {
    const theirs = members.filter((m) => m.organizationId === g.org.id && m.status === MemberStatus.ACTIVE).slice(0, 3);
    for (const m of theirs) addAccount(`member${++memberNo}`, m.name, [[Role.MEMBER, g.org]], m.id);
  }
  // member1 is a provincial model worker, so the model-worker allowance flows have someone to pay.
  const member1 = accounts.find((a) => a.username === 'member1');
  if (member1?.memberId) {
    if (addPersonal(member1.memberId, 'MODEL_WORKER', HonourLevel.PROVINCIAL, 2023)) {
      // keep the id stream of the other honours untouched: this id comes from the account generator.
      honours[honours.length - 1]!.id = rngAccount.uuid();
    }
  }
  // The fifth member of the city selection committee (city.approver + four auditors; the award vote needs 3 of 5).
  // Added last so every earlier id stays what it was.
  addAccount('city.auditor4', '市评选委员会委员四', [[Role.AUDITOR, city]]);

  // This year's award quotas: a few city-level places per county, one provincial place for the main awards, and
  // a national model-worker place for the city's own list. From a stream of their own, so other ids stay put.
  const rngQuota = root.fork(9);
  const awardQuotas: AwardQuotaRow[] = [];
  const QUOTA_YEAR = 2026;
  for (const holder of organizations.filter((o) => o.level === OrganizationLevel.COUNTY || o.level === OrganizationLevel.CITY)) {
    for (const award of Object.values(Award)) {
      const levels: [AwardLevel, number][] = [[AwardLevel.CITY, rngQuota.int(2, 5)]];
      if (award !== Award.TECHNICAL_EXPERT && award !== Award.CRAFTSMAN) levels.push([AwardLevel.PROVINCIAL, 1]);
      if (award === Award.MODEL_WORKER && holder.level === OrganizationLevel.CITY) levels.push([AwardLevel.NATIONAL, 1]);
      for (const [awardLevel, quota] of levels) {
        awardQuotas.push({ id: rngQuota.uuid(), countyOrgId: holder.id, award, awardLevel, year: QUOTA_YEAR, quota });
      }
    }
  }

  return { size, seed, organizations, members, honours, funds, ledgerEntries, accounts, roleAssignments, awardQuotas, logins };
}

const TOWN_PUBLIC = [
  '中心学校', '初级中学', '中心小学', '卫生院', '中心幼儿园', '便民服务中心', '九年制学校', '财政所', '农业综合服务站', '林业站',
  '供电所', '邮政支局', '信用社', '敬老院', '社区卫生服务中心', '综合文化站', '派出所', '中心敬老院', '水利站', '畜牧兽医站',
];

const FUND_NAMES: Record<FundKind, string> = {
  UNION_DUES: '工会经费',
  HARDSHIP_AID: '困难职工帮扶资金',
  SEASONAL_RELIEF: '“四季送”帮扶资金',
  MUTUAL_MEDICAL: '职工互助保障资金',
  MODEL_WORKER: '劳模“三金”专项资金',
  EDUCATION_AID: '农民工“求学圆梦”助学资金',
};

/** [credit reason, debit reason] per fund kind. */
const MOVEMENTS: Record<FundKind, [string, string]> = {
  UNION_DUES: ['上级工会补助基层工作经费', '职工文体活动经费支出'],
  HARDSHIP_AID: ['中央和省级帮扶资金下拨', '困难职工生活救助发放'],
  SEASONAL_RELIEF: ['四季送活动专项资金拨入', '夏送清凉慰问一线职工'],
  MUTUAL_MEDICAL: ['职工互助保障参保资金', '工会二次报销医药费'],
  MODEL_WORKER: ['省总工会劳模专项资金拨入', '劳模生活困难补助金发放'],
  EDUCATION_AID: ['求学圆梦行动资金拨入', '农民工学历提升资助发放'],
};

// ------------------------------------------------------------------------------------------------ helpers

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 (UTC), so date arithmetic never depends on the local time zone. */
function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / 86_400_000;
}

function dateString(days: number): string {
  return new Date(days * 86_400_000).toISOString().slice(0, 10);
}

/** Counts for the printed summary. */
export function summarize(data: SeedData) {
  const byForm: Record<string, number> = {};
  let hardship = 0;
  for (const m of data.members) {
    byForm[m.employmentForm] = (byForm[m.employmentForm] ?? 0) + 1;
    if (m.hardship === HardshipStatus.REGISTERED) hardship++;
  }
  return {
    organizations: data.organizations.length,
    members: data.members.length,
    migrantWorkers: byForm[F.MIGRANT_WORKER] ?? 0,
    hardshipRegistered: hardship,
    honours: data.honours.length,
    funds: data.funds.length,
    ledgerEntries: data.ledgerEntries.length,
    accounts: data.accounts.length,
    roleAssignments: data.roleAssignments.length,
    byForm,
  };
}
