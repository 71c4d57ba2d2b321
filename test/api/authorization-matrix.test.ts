import { randomUUID } from 'node:crypto';
import { POLICY, Relation, type Operation } from '../../src/auth/authorization.policy';
import { Role } from '../../src/auth/role';
import { schemaShape } from '../../src/graphql/schema';
import { type AuthorizationWorld, buildAuthorizationWorld, type Filed, Filings, ORG_KEYS, type OrgInfo, type OrgKey, type Persona } from '../support/authorization-world';
import { type FixtureMember, nationalIdFor, sqlOn } from '../support/fixtures';
import { type GqlResult, startTestApp, TEST_PASSWORD, type TestApp } from '../support/harness';

/**
 * The authorization matrix: every role × policy operation × relation of src/auth/authorization.policy.ts,
 * generated from its table and exercised over HTTP. For each cell a viewer holding the role meets an object
 * standing in that relation to them (or, for NONE, in another county), through the object's read by id, its
 * list, the nested edges that reach it, or the mutation; the observed answer must be what the table says.
 */

type Rel = Relation | 'NONE';
const { SELF, OWN_ORG, SUBTREE, ANCESTOR, PUBLIC, COPIED } = Relation;
const RELATIONS: readonly Rel[] = [SELF, OWN_ORG, SUBTREE, ANCESTOR, PUBLIC, COPIED, 'NONE'];
const ROLES = [Role.MEMBER, Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMIN] as const;
const OPERATIONS = Object.keys(POLICY) as Operation[];

/** What the table says: the role's own relations, or those open to anyone signed in. NONE is never allowed. */
function expected(op: Operation, role: Role, rel: Rel): boolean {
  if (rel === 'NONE') return false;
  const rule = POLICY[op] as Partial<Record<string, readonly Relation[]>>;
  return (rule[role] ?? []).includes(rel) || (rule.ANYONE ?? []).includes(rel);
}

/**
 * The policy operation(s) guarding each root field of the schema. A new Query or Mutation field fails the
 * coverage test until it is listed here (and its operation is in the matrix) or among those needing no policy.
 */
const ROOT_FIELDS: Record<string, readonly Operation[]> = {
  organization: ['organization.read'],
  organizations: ['organization.read'],
  createOrganization: ['organization.create'],
  updateOrganization: ['organization.update'],
  fund: ['fund.read'],
  funds: ['fund.read'],
  creditFund: ['fund.credit'],
  member: ['member.read'],
  members: ['member.read'],
  registerMember: ['member.register'],
  updateMember: ['member.update'],
  transferMember: ['member.update', 'member.register'],
  aidApplication: ['aid.read'],
  aidApplications: ['aid.read'],
  applyForAid: ['aid.apply'],
  expense: ['expense.read'],
  expenses: ['expense.read'],
  submitExpense: ['expense.submit'],
  nomination: ['nomination.read'],
  nominations: ['nomination.read'],
  nominateForAward: ['nomination.create'],
  objectToNomination: ['nomination.object'],
  awardQuotas: ['quota.read'],
  setAwardQuota: ['quota.set'],
  workflowInstance: ['instance.read'],
  workflowInstances: ['instance.read'],
  withdraw: ['instance.read'],
  resubmit: ['instance.read', 'aid.apply', 'expense.submit', 'nomination.create'],
  task: ['task.read'],
  claimTask: ['task.act'],
  decide: ['task.act'],
  bulkDecide: ['task.act'],
  // The SUBTREE inbox lists what task.read scopes; the ASSIGNED one what task.act allows.
  myTasks: ['task.read', 'task.act'],
  castVote: ['task.act'],
  reassignTask: ['task.act', 'task.release'],
  unclaimTask: ['task.release'],
  returnToStep: ['task.act'],
  transferTask: ['task.act'],
  carbonCopy: ['task.act'],
  urge: ['task.urge'],
  setDelegation: ['delegation.set'],
  revokeDelegation: ['delegation.revoke'],
  approvalHistory: ['history.read'],
  auditSummary: ['audit.review'],
  failedWork: ['work.manage'],
  retryFailedWork: ['work.manage'],
  personalDataAccessLog: ['personalData.readAccessLog'],
  node: ['organization.read', 'member.read', 'fund.read', 'aid.read', 'expense.read', 'nomination.read', 'instance.read', 'task.read'],
};
/** Root fields that need no policy: signing in, who am I, the definitions (any signed-in account), one's own notices and delegations. */
const NO_POLICY = new Set(['login', 'viewer', 'workflowDefinitions', 'myNotifications', 'myDelegations']);

/** Accounts holding each role, at 丹凤 county, the 龙凤桥 union and the city: a cell takes the first with a target in its relation. */
const HOMES: Record<Role, readonly [string, OrgKey][]> = {
  [Role.MEMBER]: [['wang', 'longfeng']],
  [Role.APPROVER]: [['danfeng.approver', 'danfeng'], ['longfeng.approver', 'longfeng'], ['city.approver', 'city']],
  [Role.FINANCE]: [['danfeng.finance', 'danfeng'], ['longfeng.finance', 'longfeng'], ['city.finance', 'city']],
  [Role.AUDITOR]: [['danfeng.auditor', 'danfeng'], ['longfeng.auditor', 'longfeng'], ['city.auditor1', 'city']],
  [Role.ADMIN]: [['danfeng.admin', 'danfeng'], ['longfeng.admin', 'longfeng'], ['city.admin', 'city']],
};
/** For SELF: an account holding the role whose own things lie outside the role's scope (staff in 丹凤 who are members in 商南). */
const SELF_VIEWERS: Record<Role, readonly [string, OrgKey]> = {
  [Role.MEMBER]: ['wang', 'longfeng'],
  [Role.APPROVER]: ['self.approver', 'danfeng'],
  [Role.FINANCE]: ['self.finance', 'danfeng'],
  [Role.AUDITOR]: ['self.auditor', 'danfeng'],
  [Role.ADMIN]: ['self.admin', 'danfeng'],
};

/** Entries of the table that no object can ever stand in; the matrix shows them n/a and asserts they are exactly these. */
const UNREACHABLE: Record<string, string> = {
  'quota.read MEMBER OWN_ORG': 'a member’s own union is a grassroots union, which holds no quota',
  'task.act ADMIN OWN_ORG': 'no workflow definition routes a task to ADMIN, so an administrator is never among its candidate roles',
  'task.act ADMIN SUBTREE': 'likewise',
  'task.urge ADMIN SUBTREE': 'likewise: urging is for holders of the step’s roles higher up',
};

interface Viewer extends Persona {
  role: Role;
  home: OrgInfo;
}

/** One way of exercising a cell and what it showed. `problem` is set when the answer is neither a clean allow nor a clean denial. */
interface Observation {
  way: string;
  allowed: boolean;
  problem?: string;
}

type Plan = () => Promise<Observation[]>;
/** How an operation is exercised: for a viewer and a relation, the target and the requests, or null when no target exists. */
type Spec = (v: Viewer, rel: Rel) => Promise<Plan | null> | Plan | null;

interface CellResult {
  op: Operation;
  role: Role;
  rel: Rel;
  expected: boolean;
  /** null: no target stands in this relation (n/a). */
  observed: boolean | null;
  viewer?: string;
  problems: string[];
}

const DENIED = ['FORBIDDEN', 'NOT_FOUND'];

describe('the authorization matrix', () => {
  let t: TestApp;
  let w: AuthorizationWorld;
  let filings: Filings;
  let sql: ReturnType<typeof sqlOn>;
  const personas = new Map<string, Promise<Persona>>();
  const results: CellResult[] = [];
  let seq = 0;
  /** Years of the quotas cells set: each creates its own row. */
  let quotaYear = 2101;
  const next = () => ++seq;

  function persona(username: string): Promise<Persona> {
    let p = personas.get(username);
    if (!p) {
      p = t
        .gql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token viewer { accountId memberId } } }', { u: username, p: TEST_PASSWORD })
        .then((res) => {
          if (!res.data?.login) throw new Error(`login ${username}: ${JSON.stringify(res.errors)}`);
          return { username, token: res.data.login.token, accountId: res.data.login.viewer.accountId, memberId: res.data.login.viewer.memberId ?? undefined };
        });
      personas.set(username, p);
    }
    return p;
  }

  const q = (v: Persona, query: string, variables: Record<string, unknown> = {}) => t.gql(query, variables, v.token);
  const count = async (query: string, params: unknown[]) => Number((await sql<{ n: string }>(query, params))[0].n);

  // ------------------------------------------------------------------------------------------ the world's targets

  /** What stands where: the fixtures' objects by the organisation they sit at. */
  const at = {} as {
    fund: Partial<Record<OrgKey, string>>;
    member: Partial<Record<OrgKey, string>>;
    aid: Partial<Record<OrgKey, Filed>>;
    expense: Partial<Record<OrgKey, Filed>>;
    nomination: Partial<Record<OrgKey, Filed>>;
    /** An open task routed to the organisation. */
    task: Partial<Record<OrgKey, string>>;
    /** A subject whose instance belongs to the organisation. */
    subject: Partial<Record<OrgKey, Filed>>;
  };
  /** Per viewer: what they filed about 周强 (商南), whose union, fund and record stand in no relation to them. */
  const filedOutside = new Map<string, { aid: Filed; expense: Filed; nomination: Filed }>();
  /** Whom a union nominates by default: a member of its own subtree. */
  const NOMINEE: Partial<Record<OrgKey, string>> = {};
  /** Each role's SELF viewer's own filings: an aid application returned to them (with its applicant task), an expense, a nomination of them. */
  const own = {} as Record<Role, { aid: Filed; returnedTask: string; expense: Filed; nomination: Filed }>;
  /** A nomination of 陈明 (商南) on public notice, and the objection fixture rows' ids by nomination. */
  let notice: Filed;
  const objectionOf = new Map<string, string>();
  const fullPersonalData = new Map<string, { nationalId: string; phone?: string }>();
  /** The member a nomination names, for lists filtered by nominee. */
  const nomineeOf = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    w = await buildAuthorizationWorld(t);
    sql = sqlOn(t);
    filings = new Filings(t, persona);
    const m = w.members;
    for (const member of [m.wang, m.li, m.zhao, m.chen, m.zhou, ...Object.values(m.self)]) fullPersonalData.set(member.id, { nationalId: (member as FixtureMember).plain.nationalId, phone: (member as FixtureMember).plain.phone ?? undefined });
    at.fund = { province: w.funds.provinceAid.id, city: w.funds.cityAid.id, danfeng: w.funds.danfengAid.id, longfeng: w.funds.longfengDues.id, shangnan: w.funds.shangnanDues.id };
    at.member = { longfeng: m.li.id, courierUnion: m.zhao.id, tea: m.zhou.id };
    Object.assign(NOMINEE, { danfeng: m.zhao.id, town: m.li.id, longfeng: m.li.id, courierUnion: m.zhao.id, shangnan: m.zhou.id, tea: m.zhou.id });

    const nominate = async (memberId: string, organizationId?: string) => {
      const n = await filings.nomination('filer', memberId, organizationId);
      nomineeOf.set(n.id, memberId);
      return n;
    };
    const [aidLongfeng, aidTea, expenses, nominations, publicNotice] = await Promise.all([
      filings.aid('filer', w.funds.danfengAid.id, m.li.id),
      filings.aid('filer', w.funds.shangnanAid.id, m.zhou.id),
      Promise.all((['city', 'danfeng', 'longfeng', 'shangnan'] as const).map((k) => filings.expense('filer', at.fund[k]!))),
      Promise.all([nominate(m.zhao.id, w.orgs.danfeng.id), nominate(m.li.id), nominate(m.zhou.id)]),
      onNotice(m.chen.id),
    ]);
    notice = publicNotice;
    nomineeOf.set(notice.id, m.chen.id);
    at.aid = { longfeng: aidLongfeng, tea: aidTea };
    at.expense = { city: expenses[0], danfeng: expenses[1], longfeng: expenses[2], shangnan: expenses[3] };
    at.nomination = { danfeng: nominations[0], longfeng: nominations[1], tea: nominations[2] };
    at.subject = { longfeng: aidLongfeng, tea: aidTea, city: expenses[0], danfeng: expenses[1], shangnan: expenses[3] };
    at.task = Object.fromEntries(
      await Promise.all([
        filings.openTask(aidLongfeng.instanceId, 'GRASSROOTS_VERIFY').then((id) => ['longfeng', id]),
        filings.openTask(aidTea.instanceId, 'GRASSROOTS_VERIFY').then((id) => ['tea', id]),
        filings.openTask(nominations[1].instanceId, 'COUNTY_REVIEW').then((id) => ['danfeng', id]),
        filings.openTask(nominations[2].instanceId, 'COUNTY_REVIEW').then((id) => ['shangnan', id]),
        filings.openTask(expenses[0].instanceId, 'FINANCE_REVIEW').then((id) => ['city', id]),
      ]),
    );

    await Promise.all(
      ROLES.map(async (role) => {
        const v = await persona(SELF_VIEWERS[role][0]);
        const ownFund = role === Role.MEMBER ? w.funds.danfengAid.id : w.funds.shangnanAid.id;
        const ownExpenseFund = role === Role.MEMBER ? w.funds.longfengDues.id : w.funds.shangnanDues.id;
        const [aid, expense, nomination] = await Promise.all([
          filings.aid(v.username, ownFund),
          filings.expense('filer', ownExpenseFund),
          nominate(v.memberId!),
        ]);
        await fileAs(v, 'expense', expense);
        await filings.decide('filer', aid.instanceId, 'GRASSROOTS_VERIFY', 'return', '请补充材料');
        own[role] = { aid, expense, nomination, returnedTask: await filings.openTask(aid.instanceId, 'RETURNED') };
      }),
    );

    // Filings of each role's first viewer about 周强 of 商南's tea union: theirs to read, while what they name stands in no relation to them.
    await Promise.all(
      ROLES.map(async (role) => {
        const v = await persona(HOMES[role][0][0]);
        const [aid, expense, nomination] = await Promise.all([
          filings.aid('filer', w.funds.shangnanAid.id, m.zhou.id),
          filings.expense('filer', w.funds.shangnanDues.id).then(async (e) => (await filings.book(e, 'financier', 'shangnan.auditor'), e)),
          filings.nomination('filer', m.zhou.id),
        ]);
        await Promise.all([fileAs(v, 'aid_application', aid), fileAs(v, 'expense', expense), fileAs(v, 'nomination', nomination)]);
        filedOutside.set(v.username, { aid, expense, nomination });
      }),
    );

    // An objection from someone who is never a viewer, on every nomination that is not on notice.
    const objector = await persona('claimant');
    for (const n of [...Object.values(at.nomination), ...ROLES.map((r) => own[r].nomination)]) {
      const [row] = await sql<{ id: string }>(
        `insert into nomination_objection (id, nomination_id, instance_id, account_id, reason, seq) values (gen_random_uuid(), ?, ?, ?, '另有隐情', 1) returning id`,
        [n!.id, n!.instanceId, objector.accountId],
      );
      objectionOf.set(n!.id, row.id);
    }
  }, 120_000);

  afterAll(async () => {
    if (results.length) console.log(renderMatrix(results));
    await t?.close();
  });

  // ------------------------------------------------------------------------------------------ relations

  const orgs = () => ORG_KEYS.map((k) => w.orgs[k]);
  /** Organisations standing in `rel` to the viewer's home, nearest first; for PUBLIC, what the public notice names. */
  function orgsIn(v: Viewer, rel: Rel): OrgInfo[] {
    const home = v.home.path;
    switch (rel) {
      case OWN_ORG:
        return [v.home];
      case SUBTREE:
        return orgs().filter((o) => o.path !== home && o.path.startsWith(home));
      case ANCESTOR:
        return orgs()
          .filter((o) => o.path !== home && home.startsWith(o.path))
          .reverse();
      case PUBLIC:
        return [w.orgs.tea, w.orgs.shangnan];
      case 'NONE':
        // 商南's 社区 union holds the SELF viewers' own things; it is nobody else's target.
        return orgs().filter((o) => o.key !== 'selfUnion' && !o.path.startsWith(home) && !home.startsWith(o.path));
      default:
        return [];
    }
  }

  /** The first thing `pick` finds at an organisation in `rel` to the viewer. */
  function firstIn<T>(v: Viewer, rel: Rel, pick: (o: OrgInfo) => T | undefined): T | undefined {
    for (const o of orgsIn(v, rel)) {
      const found = pick(o);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  const memberTarget = (v: Viewer, rel: Rel): string | undefined =>
    rel === SELF ? v.memberId : rel === PUBLIC ? w.members.chen.id : firstIn(v, rel, (o) => at.member[o.key]);
  const orgOfMember = (memberId: string): OrgInfo => {
    const m = [w.members.wang, w.members.li, w.members.zhao, w.members.chen, w.members.zhou, ...Object.values(w.members.self)].find((x) => x.id === memberId)!;
    return orgs().find((o) => o.id === m.organization.id)!;
  };
  /** A hardship fund the member's union or a federation above it owns. */
  const aidFundFor = (memberId: string) => (orgOfMember(memberId).path.startsWith(w.orgs.danfeng.path) ? w.funds.danfengAid.id : w.funds.shangnanAid.id);

  // ------------------------------------------------------------------------------------------ observing

  const get = (data: unknown, path: readonly (string | number)[]): any => path.reduce<any>((o, k) => (o == null ? o : o[k]), data);
  const codes = (res: GqlResult) => (res.errors ?? []).map((e) => e.extensions?.code);
  const deniedAt = (res: GqlResult, path: readonly string[], accept = DENIED) =>
    (res.errors ?? []).some((e) => accept.includes(e.extensions?.code ?? '') && e.path?.join('.') === path.join('.'));
  const brief = (res: GqlResult) => JSON.stringify({ data: res.data, errors: res.errors?.map((e) => `${e.path?.join('.')} ${e.extensions?.code} ${e.extensions?.reason ?? ''}`) });

  /** A denial leaves nothing of the object in `data`. */
  function cleanDenial(way: string, res: GqlResult, id: string, accept = DENIED): Observation {
    if (!res.errors?.length || !codes(res).every((c) => accept.includes(c ?? ''))) return { way, allowed: false, problem: `${way}: neither data nor ${accept.join('/')}: ${brief(res)}` };
    if (JSON.stringify(res.data ?? null).includes(id)) return { way, allowed: false, problem: `${way}: denied, yet data shows the object: ${brief(res)}` };
    return { way, allowed: false };
  }

  /**
   * The object at `path`: allowed when it comes back whole (its id, and each of `details` non-null, no error);
   * denied when it is null with FORBIDDEN/NOT_FOUND, or when it shows only its public face: every one of
   * `details` null with FORBIDDEN at its own path.
   */
  function node(way: string, res: GqlResult, path: readonly string[], id: string, details: readonly string[] = []): Observation {
    const obj = get(res.data, path);
    if (obj == null) return cleanDenial(way, res, id);
    if (obj.id !== id) return { way, allowed: false, problem: `${way}: another object came back: ${brief(res)}` };
    if (!res.errors?.length && details.every((f) => obj[f] != null)) return { way, allowed: true };
    if (details.length && details.every((f) => obj[f] == null && deniedAt(res, [...path, f], ['FORBIDDEN']))) return { way, allowed: false };
    return { way, allowed: true, problem: `${way}: partly answered: ${brief(res)}` };
  }

  /** Whether `id` is among the list's nodes; a refused list is a denial. */
  function listed(way: string, res: GqlResult, path: readonly string[], id: string, idOf = (n: any) => n.id): Observation {
    const conn = get(res.data, path);
    if (conn == null) return cleanDenial(way, res, id);
    if (res.errors?.length) return { way, allowed: false, problem: `${way}: list with errors: ${brief(res)}` };
    return { way, allowed: conn.edges.some((e: { node: unknown }) => idOf(e.node) === id) };
  }

  /**
   * A mutation: allowed when it answers and `effect` saw the change; denied when it is refused with
   * FORBIDDEN/NOT_FOUND (or `accept`) and nothing changed.
   */
  async function mutation(way: string, snapshot: () => Promise<unknown>, send: () => Promise<GqlResult>, path: readonly string[], accept = DENIED): Promise<Observation> {
    const before = JSON.stringify(await snapshot());
    const res = await send();
    const changed = JSON.stringify(await snapshot()) !== before;
    const answered = get(res.data, path) != null && !res.errors?.length;
    if (answered && changed) return { way, allowed: true };
    if (!answered && !changed) {
      const ok = res.errors?.length && (res.errors ?? []).every((e) => accept.includes(e.extensions?.code ?? '') || accept.includes(`${e.extensions?.code}:${e.extensions?.reason}`));
      return ok ? { way, allowed: false } : { way, allowed: false, problem: `${way}: refused with ${brief(res)}` };
    }
    return { way, allowed: answered, problem: `${way}: ${answered ? 'answered but nothing changed' : 'refused but something changed'}: ${brief(res)}` };
  }

  // ------------------------------------------------------------------------------------------ fresh targets for allowed mutations

  /** An open task whose candidate roles include `role`, routed to `org`; for MEMBER (never a candidate), an approver's. */
  async function freshTask(role: Role, org: OrgInfo): Promise<{ taskId: string; action: string } | undefined> {
    const grassroots = org.level === 'GRASSROOTS' && at.member[org.key];
    if (role === Role.APPROVER || role === Role.MEMBER || role === Role.ADMIN) {
      if (grassroots) {
        const a = await filings.aid('filer', aidFundFor(at.member[org.key]!), at.member[org.key]);
        return { taskId: await filings.openTask(a.instanceId, 'GRASSROOTS_VERIFY'), action: 'approve' };
      }
      if (org.level === 'COUNTY') {
        const n = await filings.nomination('filer', org.key === 'danfeng' ? w.members.zhao.id : w.members.zhou.id, org.id);
        return { taskId: await filings.openTask(n.instanceId, 'COUNTY_REVIEW'), action: 'approve' };
      }
      return undefined;
    }
    const fund = at.fund[org.key];
    if (!fund) return undefined;
    const e = await filings.expense('filer', fund);
    if (role === Role.FINANCE) return { taskId: await filings.openTask(e.instanceId, 'FINANCE_REVIEW'), action: 'approve' };
    await filings.decide('financier', e.instanceId, 'FINANCE_REVIEW', 'approve');
    return { taskId: await filings.openTask(e.instanceId, 'AUDIT_REVIEW'), action: 'approve' };
  }

  /** A fresh revision task assigned to the SELF viewer: their own application, returned to them. */
  async function freshOwnTask(v: Viewer) {
    const a = await filings.aid(v.username, v.role === Role.MEMBER ? w.funds.danfengAid.id : w.funds.shangnanAid.id);
    await filings.decide('filer', a.instanceId, 'GRASSROOTS_VERIFY', 'return', '请补充材料');
    return { taskId: await filings.openTask(a.instanceId, 'RETURNED'), action: 'resubmit' };
  }

  /** Makes a filing the viewer's: what someone filed before they lost the role over that union stays theirs. */
  async function fileAs(v: Persona, table: 'aid_application' | 'expense' | 'nomination', f: Filed) {
    await sql(`update ${table} set submitted_by = ? where id = ?`, [v.accountId, f.id]);
    await sql('update workflow_instance set applicant_account_id = ? where id = ?', [v.accountId, f.instanceId]);
  }

  /** A fresh nomination of the member, put on public notice. */
  async function onNotice(memberId: string): Promise<Filed> {
    const n = await filings.nomination('filer', memberId);
    await filings.toPublicNotice(n, 'shangnan.approver');
    return n;
  }

  const taskRow = (id: string) => sql('select status, claimed_by, decision from workflow_task where id = ?', [id]);

  // ------------------------------------------------------------------------------------------ the operations

  const CHILD_LEVEL: Partial<Record<string, string>> = { PROVINCE: 'CITY', CITY: 'COUNTY', COUNTY: 'TOWN', TOWN: 'GRASSROOTS' };
  const QUOTA_YEAR = (o: OrgInfo) => (o.level === 'CITY' ? 2026 : 2030);
  const isQuotaHolder = (o: OrgInfo) => o.level === 'COUNTY' || o.level === 'CITY';
  const withinCounty = (o: OrgInfo) => o.level !== 'PROVINCE' && o.level !== 'CITY';

  /** A target built from the organisations in the relation; SELF has none for organisation-held objects. */
  const atOrg = <T>(v: Viewer, rel: Rel, pick: (o: OrgInfo) => T | undefined) => (rel === SELF ? undefined : firstIn(v, rel, pick));

  /**
   * For NONE: the same kind of object reached through an edge of something the viewer may read (what they filed
   * about 周强 of 商南), so a guard missing on the edge shows.
   */
  async function outsideEdges(v: Viewer, rel: Rel, kind: 'organization' | 'fund' | 'member' | 'memberDetails'): Promise<Observation[]> {
    const filed = filedOutside.get(v.username);
    if (rel !== 'NONE' || !filed) return [];
    const edge = async (way: string, query: string, id: string, path: string[], target: string, details: string[] = []) =>
      node(way, await q(v, `query($id: ID!) { ${query} }`, { id }), path, target, details);
    const { tea, shangnan } = w.orgs;
    const zhou = w.members.zhou.id;
    switch (kind) {
      case 'organization': {
        // Only a field that a resolver class adds (honours), so nothing else of the object can trip the guard.
        const honours = await q(v, 'query($id: ID!) { aidApplication(id: $id) { id organization { honours { award } } } }', { id: filed.aid.id });
        const leaked = get(honours.data, ['aidApplication', 'organization']);
        return [
          leaked == null ? cleanDenial('aidApplication.organization.honours', honours, tea.id) : { way: 'aidApplication.organization.honours', allowed: true },
          await edge('aidApplication.organization', 'aidApplication(id: $id) { id organization { id name } }', filed.aid.id, ['aidApplication', 'organization'], tea.id),
          await edge('expense.organization', 'expense(id: $id) { id organization { id name } }', filed.expense.id, ['expense', 'organization'], shangnan.id),
          await edge('nomination.county', 'nomination(id: $id) { id county { id name } }', filed.nomination.id, ['nomination', 'county'], shangnan.id),
        ];
      }
      case 'fund':
        return [
          await edge('aidApplication.fund', 'aidApplication(id: $id) { id fund { id balance } }', filed.aid.id, ['aidApplication', 'fund'], w.funds.shangnanAid.id),
          await edge('expense.fund', 'expense(id: $id) { id fund { id balance } }', filed.expense.id, ['expense', 'fund'], w.funds.shangnanDues.id),
        ];
      case 'member':
        return [
          await edge('aidApplication.member', 'aidApplication(id: $id) { id member { id name } }', filed.aid.id, ['aidApplication', 'member'], zhou),
          await edge('nomination.member', 'nomination(id: $id) { id member { id name } }', filed.nomination.id, ['nomination', 'member'], zhou),
        ];
      case 'memberDetails':
        return [await edge('nomination.member', 'nomination(id: $id) { id member { id hardship nationalId } }', filed.nomination.id, ['nomination', 'member'], zhou, ['hardship', 'nationalId'])];
    }
  }

  const SPECS: Record<Operation, Spec> = {
    'organization.read': (v, rel) => {
      if (rel === PUBLIC) {
        return async () => {
          const res = await q(v, 'query($id: ID!) { nomination(id: $id) { county { id name } member { organization { id name } } } }', { id: notice.id });
          return [node('nomination.county', res, ['nomination', 'county'], w.orgs.shangnan.id), node('nomination.member.organization', res, ['nomination', 'member', 'organization'], w.orgs.tea.id)];
        };
      }
      const o = atOrg(v, rel, (x) => x);
      if (!o) return null;
      return async () => {
        const ways = [
          node('organization(id)', await q(v, 'query($id: ID!) { organization(id: $id) { id name } }', { id: o.id }), ['organization'], o.id),
          listed('organizations', await q(v, '{ organizations(first: 100) { edges { node { id } } } }'), ['organizations'], o.id),
        ];
        const fund = at.fund[o.key];
        if (fund) ways.push(node('fund.owner', await q(v, 'query($id: ID!) { fund(id: $id) { id owner { id name } } }', { id: fund }), ['fund', 'owner'], o.id));
        return [...ways, ...(await outsideEdges(v, rel, 'organization'))];
      };
    },

    'organization.readDetails': (v, rel) => {
      const fields = 'id funds { id } memberCount children(first: 5) { totalCount } members(first: 5) { totalCount }';
      const details = ['funds', 'memberCount', 'children', 'members'];
      if (rel === PUBLIC) {
        return async () => [node('nomination.county', await q(v, `query($id: ID!) { nomination(id: $id) { county { ${fields} } } }`, { id: notice.id }), ['nomination', 'county'], w.orgs.shangnan.id, details)];
      }
      const o = atOrg(v, rel, (x) => x);
      if (!o) return null;
      return async () => [node('organization(id)', await q(v, `query($id: ID!) { organization(id: $id) { ${fields} } }`, { id: o.id }), ['organization'], o.id, details)];
    },

    'organization.create': (v, rel) => {
      const parent = atOrg(v, rel, (o) => (CHILD_LEVEL[o.level] ? o : undefined));
      if (!parent) return null;
      return async () => {
        const n = next();
        const level = CHILD_LEVEL[parent.level]!;
        const input = { code: `MX-${n}`, name: `矩阵测试组织${n}`, level, kind: level === 'GRASSROOTS' ? 'ENTERPRISE' : 'FEDERATION', parentId: parent.id };
        return [
          await mutation(
            'createOrganization',
            () => count('select count(*) as n from organization where parent_id = ?', [parent.id]),
            () => q(v, 'mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }', { i: input }),
            ['createOrganization'],
          ),
        ];
      };
    },

    'organization.update': (v, rel) => {
      const o = atOrg(v, rel, (x) => x);
      if (!o) return null;
      return async () => [
        await mutation(
          'updateOrganization',
          () => sql('select name from organization where id = ?', [o.id]),
          () => q(v, 'mutation($id: ID!, $name: String!) { updateOrganization(id: $id, input: { name: $name }) { id name } }', { id: o.id, name: `矩阵测试更名${next()}` }),
          ['updateOrganization'],
        ),
      ];
    },

    'fund.read': (v, rel) => {
      if (rel === PUBLIC) {
        return async () => {
          const res = await q(v, 'query($id: ID!) { nomination(id: $id) { county { id funds { id balance } } member { id organization { id funds { id balance } } } } }', { id: notice.id });
          return [node('nomination.county.funds', res, ['nomination', 'county'], w.orgs.shangnan.id, ['funds']), node('nomination.member.organization.funds', res, ['nomination', 'member', 'organization'], w.orgs.tea.id, ['funds'])];
        };
      }
      const o = atOrg(v, rel, (x) => (at.fund[x.key] ? x : undefined));
      if (!o) return null;
      const fund = at.fund[o.key]!;
      return async () => {
        const nested = await q(v, 'query($id: ID!) { organization(id: $id) { id funds { id balance } } }', { id: o.id });
        const viaOrg = node('organization.funds', nested, ['organization'], o.id, ['funds']);
        if (viaOrg.allowed && !get(nested.data, ['organization', 'funds']).some((f: { id: string }) => f.id === fund)) viaOrg.problem = `organization.funds: the fund is missing: ${brief(nested)}`;
        return [
          node('fund(id)', await q(v, 'query($id: ID!) { fund(id: $id) { id balance name } }', { id: fund }), ['fund'], fund),
          listed('funds', await q(v, '{ funds(first: 100) { edges { node { id } } } }'), ['funds'], fund),
          viaOrg,
          ...(await outsideEdges(v, rel, 'fund')),
        ];
      };
    },

    'fund.readLedger': (v, rel) => {
      const fund = atOrg(v, rel, (o) => at.fund[o.key]);
      if (!fund || rel === PUBLIC) return null;
      const booked = rel === 'NONE' ? filedOutside.get(v.username)?.expense : undefined;
      return async () => {
        const ways = [node('fund.ledger', await q(v, 'query($id: ID!) { fund(id: $id) { id ledger(first: 3) { totalCount edges { node { amount } } } } }', { id: fund }), ['fund'], fund, ['ledger'])];
        if (booked) {
          // The booking of an expense the viewer filed is an entry of a ledger (and a balance) outside their scope.
          const res = await q(v, 'query($id: ID!) { expense(id: $id) { id ledgerEntry { id amount balanceAfter } } }', { id: booked.id });
          const entry = get(res.data, ['expense', 'ledgerEntry']);
          ways.push(entry ? { way: 'expense.ledgerEntry', allowed: true } : node('expense.ledgerEntry', res, ['expense'], booked.id, ['ledgerEntry']));
        }
        return ways;
      };
    },

    'fund.credit': (v, rel) => {
      const fund = atOrg(v, rel, (o) => at.fund[o.key]);
      if (!fund) return null;
      return async () => [
        await mutation(
          'creditFund',
          () => count('select count(*) as n from ledger_entry where fund_id = ?', [fund]),
          () => q(v, 'mutation($i: CreditFundInput!) { creditFund(input: $i) { id } }', { i: { fundId: fund, amount: 1_00, reason: '矩阵测试入账', reference: randomUUID() } }),
          ['creditFund'],
        ),
      ];
    },

    'member.read': (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      if (rel === PUBLIC) {
        return async () => [node('nomination.member', await q(v, 'query($id: ID!) { nomination(id: $id) { member { id name honours { award } organization { id } } } }', { id: notice.id }), ['nomination', 'member'], id)];
      }
      return async () => [
        node('member(id)', await q(v, 'query($id: ID!) { member(id: $id) { id name organization { id } } }', { id }), ['member'], id),
        listed('members', await q(v, 'query($o: ID!) { members(first: 100, filter: { subtreeOf: $o }) { edges { node { id } } } }', { o: orgOfMember(id).id }), ['members'], id),
        ...(await outsideEdges(v, rel, 'member')),
      ];
    },

    'member.readDetails': (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      const fields = 'id hardship status employmentForm joinedOn';
      const details = ['hardship', 'status', 'employmentForm', 'joinedOn'];
      if (rel === PUBLIC) {
        return async () => [node('nomination.member', await q(v, `query($id: ID!) { nomination(id: $id) { member { ${fields} } } }`, { id: notice.id }), ['nomination', 'member'], id, details)];
      }
      return async () => [node('member(id)', await q(v, `query($id: ID!) { member(id: $id) { ${fields} } }`, { id }), ['member'], id, details), ...(await outsideEdges(v, rel, 'memberDetails'))];
    },

    'member.readPersonalData': (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      const full = fullPersonalData.get(id)!;
      if (rel === PUBLIC) {
        return async () => [node('nomination.member', await q(v, 'query($id: ID!) { nomination(id: $id) { member { id nationalId phone } } }', { id: notice.id }), ['nomination', 'member'], id, ['nationalId', 'phone'])];
      }
      return async () => {
        const way = 'member(id)';
        const res = await q(v, 'query($id: ID!) { member(id: $id) { id nationalId phone personalDataMasked } }', { id });
        const m = get(res.data, ['member']);
        if (m == null) return [cleanDenial(way, res, id)];
        if (res.errors?.length) return [{ way, allowed: false, problem: `${way}: ${brief(res)}` }];
        const shown = m.nationalId === full.nationalId || (full.phone !== undefined && m.phone === full.phone);
        if (m.personalDataMasked === false && m.nationalId === full.nationalId) return [{ way, allowed: true }];
        return [{ way, allowed: false, problem: m.personalDataMasked === true && !shown ? undefined : `${way}: masked flag and values disagree: ${brief(res)}` }];
      };
    },

    'member.register': (v, rel) => {
      const union = atOrg(v, rel, (o) => (o.level === 'GRASSROOTS' ? o : undefined));
      if (!union) return null;
      return async () => {
        const n = next();
        const input = { name: `矩阵测试会员${n}`, gender: 'FEMALE', nationalId: nationalIdFor(40_000 + n), organizationId: union.id, employmentForm: 'REGULAR', joinedOn: '2020-05-01' };
        return [
          await mutation(
            'registerMember',
            () => count('select count(*) as n from member where organization_id = ?', [union.id]),
            () => q(v, 'mutation($i: RegisterMemberInput!) { registerMember(input: $i) { id } }', { i: input }),
            ['registerMember'],
          ),
        ];
      };
    },

    'member.update': (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      return async () => [
        await mutation(
          'updateMember',
          () => sql('select phone_cipher, employment_form from member where id = ?', [id]),
          () => q(v, 'mutation($id: ID!, $phone: String!) { updateMember(id: $id, input: { phone: $phone }) { id } }', { id, phone: `139${String(10_000_000 + next()).slice(-8)}` }),
          ['updateMember'],
        ),
      ];
    },

    'aid.read': (v, rel) => {
      const a = rel === SELF ? own[v.role].aid : atOrg(v, rel, (o) => (rel === PUBLIC ? undefined : at.aid[o.key]));
      if (!a) return null;
      return async () => {
        const res = await q(v, 'query($id: ID!) { aidApplication(id: $id) { id fund { id balance } member { id nationalId } } }', { id: a.id });
        const memberId = (await sql<{ member_id: string }>('select member_id from aid_application where id = ?', [a.id]))[0].member_id;
        return [
          node('aidApplication(id) { fund member }', res, ['aidApplication'], a.id, ['fund', 'member']),
          listed('aidApplications', await q(v, 'query($m: ID) { aidApplications(first: 100, filter: { memberId: $m }) { edges { node { id } } } }', { m: memberId }), ['aidApplications'], a.id),
        ];
      };
    },

    'aid.apply': (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      return async () => [
        await mutation(
          'applyForAid',
          () => count('select count(*) as n from aid_application where member_id = ?', [id]),
          () =>
            q(v, 'mutation($i: ApplyForAidInput!) { applyForAid(input: $i) { id } }', {
              // Applying for yourself leaves the member out, as a member's front-end does.
              i: { memberId: rel === SELF ? undefined : id, fundId: aidFundFor(id), aidType: 'HARDSHIP', amount: 500_00, reason: '矩阵测试申请' },
            }),
          ['applyForAid'],
        ),
      ];
    },

    'expense.read': (v, rel) => {
      const e = rel === SELF ? own[v.role].expense : rel === PUBLIC ? undefined : atOrg(v, rel, (o) => at.expense[o.key]);
      if (!e) return null;
      return async () => {
        const fundId = (await sql<{ fund_id: string }>('select fund_id from expense where id = ?', [e.id]))[0].fund_id;
        return [
          node('expense(id) { fund organization }', await q(v, 'query($id: ID!) { expense(id: $id) { id amount fund { id balance } organization { id } } }', { id: e.id }), ['expense'], e.id, ['fund', 'organization']),
          listed('expenses', await q(v, 'query($f: ID) { expenses(first: 100, filter: { fundId: $f }) { edges { node { id } } } }', { f: fundId }), ['expenses'], e.id),
        ];
      };
    },

    'expense.submit': (v, rel) => {
      const fund = atOrg(v, rel, (o) => at.fund[o.key]);
      if (!fund) return null;
      return async () => [
        await mutation(
          'submitExpense',
          () => count('select count(*) as n from expense where fund_id = ?', [fund]),
          () => q(v, 'mutation($i: SubmitExpenseInput!) { submitExpense(input: $i) { id } }', { i: { fundId: fund, category: 'OTHER', amount: 50_00, description: '矩阵测试支出' } }),
          ['submitExpense'],
        ),
      ];
    },

    'nomination.read': (v, rel) => {
      const n = rel === SELF ? own[v.role].nomination : rel === PUBLIC ? notice : atOrg(v, rel, (o) => at.nomination[o.key]);
      if (!n) return null;
      return async () => [
        node('nomination(id)', await q(v, 'query($id: ID!) { nomination(id: $id) { id citation award } }', { id: n.id }), ['nomination'], n.id, ['citation']),
        listed('nominations', await q(v, 'query($m: ID) { nominations(first: 100, filter: { memberId: $m }) { edges { node { id } } } }', { m: nomineeOf.get(n.id) }), ['nominations'], n.id),
      ];
    },

    'nomination.create': (v, rel) => {
      const nominating = atOrg(v, rel, (o) => (withinCounty(o) && o.key !== 'selfUnion' ? o : undefined));
      if (!nominating) return null;
      // The viewer's own record where it lies inside the nominating union (so only the nomination is refused), else what a public notice names, else a member there.
      const ownInside = v.memberId && orgOfMember(v.memberId).path.startsWith(nominating.path) ? v.memberId : undefined;
      const nominee = ownInside ?? (rel === PUBLIC ? w.members.chen.id : NOMINEE[nominating.key]);
      if (!nominee) return null;
      return async () => [
        await mutation(
          'nominateForAward',
          () => count('select count(*) as n from nomination where member_id = ?', [nominee]),
          () =>
            q(v, 'mutation($i: NominateForAwardInput!) { nominateForAward(input: $i) { id } }', {
              i: { memberId: nominee, organizationId: nominating.id, award: 'MODEL_WORKER', awardLevel: 'CITY', year: filings.nextYear(), citation: '矩阵测试推荐' },
            }),
          ['nominateForAward'],
        ),
      ];
    },

    'nomination.object': async (v, rel) => {
      // Each objection ends a notice, so every public cell gets a nomination of its own on notice.
      const n = rel === SELF ? own[v.role].nomination : rel === PUBLIC ? await onNotice(w.members.chen.id) : atOrg(v, rel, (o) => at.nomination[o.key]);
      if (!n) return null;
      return async () => {
        return [
          await mutation(
            'objectToNomination',
            () => count('select count(*) as n from nomination_objection where nomination_id = ?', [n.id]),
            () => q(v, 'mutation($id: ID!) { objectToNomination(nominationId: $id, reason: "矩阵测试异议") { id } }', { id: n.id }),
            ['objectToNomination'],
            // Off notice, someone who may read the nomination is told why they cannot object.
            [...DENIED, 'CONFLICT:NOT_IN_PUBLIC_NOTICE'],
          ),
        ];
      };
    },

    'nomination.readObjections': (v, rel) => {
      // A nomination on notice has no objection yet: the first one ends the notice.
      const n = rel === SELF ? own[v.role].nomination : rel === PUBLIC ? undefined : atOrg(v, rel, (o) => at.nomination[o.key]);
      if (!n) return null;
      const objection = objectionOf.get(n.id)!;
      return async () => {
        const way = 'nomination.objections';
        const res = await q(v, 'query($id: ID!) { nomination(id: $id) { id objections { id accountId reason } } }', { id: n.id });
        const seen = get(res.data, ['nomination', 'objections']);
        if (seen == null) return [cleanDenial(way, res, objection)];
        if (res.errors?.length) return [{ way, allowed: false, problem: `${way}: ${brief(res)}` }];
        if (seen.some((o: { id: string }) => o.id === objection)) return [{ way, allowed: true }];
        return [{ way, allowed: false, problem: seen.length ? `${way}: shows others' objections: ${brief(res)}` : undefined }];
      };
    },

    'quota.read': (v, rel) => {
      const county = atOrg(v, rel, (o) => (isQuotaHolder(o) ? o : undefined));
      if (!county) return null;
      return async () => {
        const way = 'awardQuotas';
        const res = await q(v, 'query($c: ID!, $y: Int!) { awardQuotas(countyId: $c, year: $y) { award quota countyId } }', { c: county.id, y: QUOTA_YEAR(county) });
        const rows = get(res.data, ['awardQuotas']);
        if (rows == null) return [cleanDenial(way, res, county.id)];
        return [{ way, allowed: true, problem: rows.length && !res.errors?.length ? undefined : `${way}: ${brief(res)}` }];
      };
    },

    'quota.set': (v, rel) => {
      const county = atOrg(v, rel, (o) => (isQuotaHolder(o) ? o : undefined));
      if (!county) return null;
      return async () => [
        await mutation(
          'setAwardQuota',
          () => count('select count(*) as n from award_quota where county_org_id = ?', [county.id]),
          () => q(v, 'mutation($i: SetAwardQuotaInput!) { setAwardQuota(input: $i) { quota } }', { i: { countyId: county.id, award: 'PIONEER_TEAM', awardLevel: 'CITY', year: quotaYear++, quota: 2 } }),
          ['setAwardQuota'],
        ),
      ];
    },

    'instance.read': async (v, rel) => {
      if (rel === COPIED) {
        // An application of 商南's tea union, copied to the viewer by 商南's approver (抄送).
        const a = await filings.aid('filer', w.funds.shangnanAid.id, w.members.zhou.id);
        const taskId = await filings.openTask(a.instanceId, 'GRASSROOTS_VERIFY');
        const copier = await persona('shangnan.approver');
        const res = await q(copier, 'mutation($t: ID!, $a: [ID!]!, $k: String!) { carbonCopy(taskId: $t, accountIds: $a, idempotencyKey: $k) { id } }', { t: taskId, a: [v.accountId], k: `matrix-${randomUUID()}` });
        if (res.errors) throw new Error(`carbonCopy: ${brief(res)}`);
        return async () => [node('workflowInstance(id)', await q(v, 'query($id: ID!) { workflowInstance(id: $id) { id state } }', { id: a.instanceId }), ['workflowInstance'], a.instanceId)];
      }
      if (rel === PUBLIC) {
        return async () => {
          const res = await q(v, 'query($id: ID!) { nomination(id: $id) { id instance { id state } } }', { id: notice.id });
          // Documented: the instance of a nomination read off the public notice is null.
          const viaNotice: Observation = get(res.data, ['nomination', 'instance']) == null && !res.errors?.length
            ? { way: 'nomination.instance', allowed: false }
            : { way: 'nomination.instance', allowed: true, problem: get(res.data, ['nomination', 'instance', 'id']) === notice.instanceId ? undefined : `nomination.instance: ${brief(res)}` };
          return [viaNotice, node('workflowInstance(id)', await q(v, 'query($id: ID!) { workflowInstance(id: $id) { id state } }', { id: notice.instanceId }), ['workflowInstance'], notice.instanceId)];
        };
      }
      const s = rel === SELF ? own[v.role].aid : atOrg(v, rel, (o) => at.subject[o.key]);
      if (!s) return null;
      return async () => [
        node('workflowInstance(id)', await q(v, 'query($id: ID!) { workflowInstance(id: $id) { id state history { seq } } }', { id: s.instanceId }), ['workflowInstance'], s.instanceId),
        listed('workflowInstances', await q(v, 'query($s: ID) { workflowInstances(first: 100, filter: { subjectId: $s }) { edges { node { id } } } }', { s: s.id }), ['workflowInstances'], s.instanceId),
      ];
    },

    'task.read': (v, rel) => {
      const task = rel === SELF ? own[v.role].returnedTask : rel === PUBLIC ? undefined : atOrg(v, rel, (o) => at.task[o.key]);
      if (!task) return null;
      return async () => [node('task(id) { instance }', await q(v, 'query($id: ID!) { task(id: $id) { id step instance { id } } }', { id: task }), ['task'], task, ['instance'])];
    },

    'task.act': async (v, rel) => {
      if (rel === PUBLIC) return null;
      const orgsToTry = rel === SELF ? [] : orgsIn(v, rel);
      // No definition routes a task to ADMIN: where the table lets an administrator act, there is nothing to act on.
      if (v.role === Role.ADMIN && rel !== SELF && expected('task.act', v.role, rel)) return null;
      const fresh = async () => {
        if (rel === SELF) return freshOwnTask(v);
        for (const o of orgsToTry) {
          const made = await freshTask(v.role, o);
          if (made) return made;
        }
        return undefined;
      };
      const task = await fresh();
      if (!task) return null;
      return async () => [
        await mutation('claimTask', () => taskRow(task.taskId), () => q(v, 'mutation($id: ID!) { claimTask(taskId: $id) { id claimedBy } }', { id: task.taskId }), ['claimTask']),
        await mutation(
          'decide',
          () => taskRow(task.taskId),
          () => q(v, 'mutation($id: ID!, $a: String!, $k: String!) { decide(taskId: $id, action: $a, comment: "矩阵测试", idempotencyKey: $k) { id } }', { id: task.taskId, a: task.action, k: `matrix-${randomUUID()}` }),
          ['decide'],
        ),
      ];
    },

    /** Urging a fresh open step: the viewer's own application (SELF), or a task whose roles include theirs, in the relation. */
    'task.urge': async (v, rel) => {
      if (rel === PUBLIC || rel === COPIED) return null;
      // No definition routes a task to ADMIN, so no administrator holds a step's role higher up.
      if (v.role === Role.ADMIN && rel !== SELF && expected('task.urge', v.role, rel)) return null;
      let taskId: string | undefined;
      if (rel === SELF) {
        const a = await filings.aid(v.username, v.role === Role.MEMBER ? w.funds.danfengAid.id : w.funds.shangnanAid.id);
        taskId = await filings.openTask(a.instanceId, 'GRASSROOTS_VERIFY');
      } else {
        for (const o of orgsIn(v, rel)) {
          taskId = (await freshTask(v.role, o))?.taskId;
          if (taskId) break;
        }
      }
      if (!taskId) return null;
      const [{ instance_id: instanceId }] = await sql<{ instance_id: string }>('select instance_id from workflow_task where id = ?', [taskId]);
      return async () => [
        await mutation(
          'urge',
          () => sql('select seq from workflow_instance where id = ?', [instanceId]),
          () => q(v, 'mutation($i: ID!) { urge(instanceId: $i) { id } }', { i: instanceId }),
          ['urge'],
        ),
      ];
    },

    /** Delegating the viewer's role at an organisation in the relation, to someone there who could hold it. */
    'delegation.set': async (v, rel) => {
      if (rel === SELF || rel === PUBLIC || rel === COPIED) return null;
      const o = orgsIn(v, rel)[0];
      if (!o) return null;
      // A substitute the service accepts wherever the policy does: staff of that very organisation.
      const [sub] = await sql<{ id: string }>(
        `select a.id from account a join role_assignment ra on ra.account_id = a.id where ra.organization_id = ? and ra.role <> 'MEMBER' and a.id <> ? limit 1`,
        [o.id, v.accountId],
      );
      if (!sub) return null;
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      const endsAt = new Date(Date.now() + 86_400_000).toISOString();
      return async () => {
        const observed = await mutation(
          'setDelegation',
          () => count('select count(*) as n from workflow_delegation where delegator_account_id = ? and revoked_at is null', [v.accountId]),
          () => q(v, 'mutation($i: SetDelegationInput!) { setDelegation(input: $i) { id } }', { i: { substituteAccountId: sub.id, role: v.role, organizationId: o.id, startsAt, endsAt } }),
          ['setDelegation'],
        );
        await sql('update workflow_delegation set revoked_at = now() where delegator_account_id = ? and revoked_at is null', [v.accountId]);
        return [observed];
      };
    },

    /** Ending a delegation: the viewer's own (SELF), or one of another account's grant at an organisation in the relation. */
    'delegation.revoke': async (v, rel) => {
      if (rel === PUBLIC || rel === COPIED) return null;
      const o = rel === SELF ? v.home : orgsIn(v, rel)[0];
      if (!o) return null;
      const [delegator, substitute] = rel === SELF ? [v, await persona('filer')] : [await persona('claimant'), await persona('filer')];
      const [d] = await sql<{ id: string }>(
        `insert into workflow_delegation (delegator_account_id, substitute_account_id, role, organization_id, starts_at, ends_at)
         values (?, ?, ?, ?, now(), now() + interval '1 day') returning id`,
        [delegator.accountId, substitute.accountId, rel === SELF ? v.role : Role.APPROVER, o.id],
      );
      return async () => [
        await mutation(
          'revokeDelegation',
          () => sql('select revoked_at from workflow_delegation where id = ?', [d.id]),
          () => q(v, 'mutation($id: ID!) { revokeDelegation(id: $id) { id revokedAt } }', { id: d.id }),
          ['revokeDelegation'],
        ),
      ];
    },

    'task.release': async (v, rel) => {
      if (rel === PUBLIC) return null;
      let taskId: string | undefined;
      if (rel === SELF) {
        taskId = (await freshOwnTask(v)).taskId;
        await filings.claim(v.username, taskId);
      } else {
        for (const o of orgsIn(v, rel)) {
          const made = await freshTask(Role.APPROVER, o);
          if (!made) continue;
          taskId = made.taskId;
          await filings.claim('claimant', taskId);
          break;
        }
      }
      if (!taskId) return null;
      const id = taskId;
      return async () => [await mutation('unclaimTask', () => taskRow(id), () => q(v, 'mutation($id: ID!) { unclaimTask(taskId: $id) { id claimedBy } }', { id }), ['unclaimTask'])];
    },

    'history.read': (v, rel) => {
      const s = rel === SELF ? own[v.role].aid : rel === PUBLIC ? notice : atOrg(v, rel, (o) => at.subject[o.key]);
      if (!s) return null;
      return async () => {
        const way = 'approvalHistory';
        const res = await q(v, 'query($s: ID) { approvalHistory(first: 100, filter: { subjectId: $s }) { edges { node { instanceId action } } } }', { s: s.id });
        const conn = get(res.data, ['approvalHistory']);
        if (conn == null) return [cleanDenial(way, res, s.instanceId)];
        if (res.errors?.length) return [{ way, allowed: false, problem: `${way}: ${brief(res)}` }];
        const mine = conn.edges.filter((e: { node: { instanceId: string } }) => e.node.instanceId === s.instanceId);
        return [{ way, allowed: mine.length > 0, problem: mine.length === conn.edges.length ? undefined : `${way}: other instances' history: ${brief(res)}` }];
      };
    },

    /** Rows only the system writes (a job that failed for good), inserted straight into the database. */
    'work.manage': async (v, rel) => {
      const s = rel === SELF ? own[v.role].aid : rel === PUBLIC ? notice : atOrg(v, rel, (o) => at.subject[o.key]);
      if (!s) return null;
      await sql(
        `insert into workflow_outbox (job_id, job_name, payload, run_at, sent_at, failed_at, failure)
         select ?, 'effect', jsonb_build_object('instanceId', ?::text, 'ref', 'matrix'), now(), now(), now(), 'matrix fault'
          where not exists (select 1 from workflow_outbox where job_id = ?)`,
        [`matrix.${s.instanceId}`, s.instanceId, `matrix.${s.instanceId}`],
      );
      return async () => {
        const way = 'failedWork';
        const res = await q(v, '{ failedWork(first: 500) { id instanceId } }');
        const list = get(res.data, ['failedWork']);
        if (list == null) return [cleanDenial(way, res, s.instanceId)];
        return [{ way, allowed: list.some((w: { instanceId: string }) => w.instanceId === s.instanceId) }];
      };
    },

    /** The reviewers' aggregates over the organisation (the CSV exports go through the same rule, test/audit/export.test.ts). */
    'audit.review': (v, rel) => {
      const org = atOrg(v, rel, (o) => o);
      if (!org) return null;
      return async () => {
        const way = 'auditSummary';
        const res = await q(v, 'query($o: ID!) { auditSummary(organizationId: $o, from: "2000-01-01T00:00:00Z", to: "2004-01-01T00:00:00Z") { organizationId } }', { o: org.id });
        const summary = get(res.data, ['auditSummary']);
        if (summary == null) return [cleanDenial(way, res, org.id)];
        return [{ way, allowed: summary.organizationId === org.id }];
      };
    },

    'personalData.readAccessLog': async (v, rel) => {
      const id = memberTarget(v, rel);
      if (!id) return null;
      await sql(
        `insert into personal_data_access (account_id, member_id, org_path, field, operation_name, at)
         select a.id, m.id, m.org_path, 'NATIONAL_ID', 'matrix', now() from member m, account a where m.id = ? and a.username = 'admin'`,
        [id],
      );
      return async () => {
        const way = 'personalDataAccessLog';
        const res = await q(v, 'query($m: ID) { personalDataAccessLog(first: 100, filter: { memberId: $m }) { edges { node { memberId } } } }', { m: id });
        const conn = get(res.data, ['personalDataAccessLog']);
        if (conn == null) return [cleanDenial(way, res, id)];
        return [{ way, allowed: conn.edges.length > 0 }];
      };
    },
  };

  // ------------------------------------------------------------------------------------------ running a cell

  /** Finds the cell's viewer and target (building fresh ones where the cell needs them); null when no target exists. */
  async function prepare(op: Operation, role: Role, rel: Rel): Promise<() => Promise<CellResult>> {
    const want = expected(op, role, rel);
    const candidates = rel === SELF ? [SELF_VIEWERS[role]] : HOMES[role];
    for (const [username, home] of candidates) {
      const v: Viewer = { ...(await persona(username)), role, home: w.orgs[home] };
      const plan = await SPECS[op](v, rel);
      if (!plan) continue;
      return async () => {
        const ways = await plan();
        const problems = ways.flatMap((o) => (o.problem ? [o.problem] : []));
        // Allowed if any way let it through: a denial must hold on every way.
        const allowed = ways.some((o) => o.allowed);
        if (!ways.every((o) => o.allowed === allowed)) problems.push(`ways disagree: ${ways.map((o) => `${o.way} ${o.allowed ? 'allowed' : 'denied'}`).join(', ')}`);
        return { op, role, rel, expected: want, observed: allowed, viewer: username, problems };
      };
    }
    return async () => ({ op, role, rel, expected: want, observed: null, problems: [] });
  }

  const differs = (r: CellResult) => r.problems.length > 0 || (r.observed !== null && r.observed !== r.expected);

  it('maps every Query and Mutation field of the schema to a policy operation of the matrix', async () => {
    const schema = await schemaShape();
    const roots = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()));
    const unmapped = roots.filter((f) => !NO_POLICY.has(f) && !ROOT_FIELDS[f]);
    expect(unmapped).toEqual([]);
    expect(Object.keys(ROOT_FIELDS).filter((f) => !roots.includes(f))).toEqual([]);
    expect([...NO_POLICY].filter((f) => !roots.includes(f))).toEqual([]);
    expect(Object.values(ROOT_FIELDS).flat().filter((op) => !(op in POLICY))).toEqual([]);
    // Every operation of the table is exercised by the matrix.
    expect(Object.keys(SPECS).sort()).toEqual([...OPERATIONS].sort());
  });

  it.each(OPERATIONS)('answers %s in every role and relation as the policy table says', async (op) => {
    const runs = await Promise.all(ROLES.flatMap((role) => RELATIONS.map((rel) => prepare(op, role, rel))));
    // One at a time: cells share targets (a fund, a member), and a count before and after must see only its own request.
    const cells: CellResult[] = [];
    for (const run of runs) cells.push(await run());
    results.push(...cells);
    expect(cells.filter(differs).map((r) => `${r.role} ${r.rel} (${r.viewer}): expected ${r.expected ? 'allowed' : 'denied'}, observed ${r.observed ? 'allowed' : 'denied'}${r.problems.length ? `; ${r.problems.join('; ')}` : ''}`)).toEqual([]);
    // A table entry that no cell could reach goes untested: only those known to be unreachable may be.
    const unreached = cells.filter((r) => r.expected && r.observed === null).map((r) => `${op} ${r.role} ${r.rel}`);
    expect(unreached).toEqual(Object.keys(UNREACHABLE).filter((k) => k.startsWith(`${op} `)));
  });

  /** rows: operations; columns: role × relation; ✓ allowed, · denied, n/a no target; ! where observed differs from the table. */
  function renderMatrix(cells: CellResult[]): string {
    const abbrev: Record<Rel, string> = { SELF: 'self', OWN_ORG: 'own', SUBTREE: 'sub', ANCESTOR: 'anc', PUBLIC: 'pub', COPIED: 'cc', NONE: 'none' };
    const width = Math.max(...OPERATIONS.map((o) => o.length)) + 1;
    const col = 5;
    const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));
    const block = (cellsOf: (role: Role) => string[]) => ROLES.map((role) => `|${cellsOf(role).map((c) => pad(c, col)).join('')}`).join('');
    const lines = [
      pad('', width) + ROLES.map((r) => `|${pad(r, col * RELATIONS.length)}`).join(''),
      pad('operation', width) + block(() => RELATIONS.map((rel) => abbrev[rel])),
    ];
    for (const op of OPERATIONS) {
      lines.push(
        pad(op, width) +
          block((role) =>
            RELATIONS.map((rel) => {
              const r = cells.find((c) => c.op === op && c.role === role && c.rel === rel);
              const mark = !r ? '?' : r.observed === null ? 'n/a' : r.observed ? '✓' : '·';
              return r && differs(r) ? `${mark}!` : mark;
            }),
          ),
      );
    }
    const wrong = cells.filter(differs);
    lines.push('', `✓ allowed  · denied  n/a no target in that relation  ! observed differs from the policy (${wrong.length} cells)`);
    return `Authorization matrix (src/auth/authorization.policy.ts)\n${lines.join('\n')}`;
  }
});
