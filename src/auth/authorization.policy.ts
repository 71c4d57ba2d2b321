import { forbidden, notFound } from '../common/errors';
import { covers } from '../common/subtree';
import { Role } from './role';
import type { Viewer } from './viewer';

/**
 * How the viewer stands to an object, seen from one of their roles. An object sits at an organisation (its
 * materialized path); a role is held on an organisation and a member belongs to one.
 */
export enum Relation {
  /** The object is the viewer's own: their member record, something they filed, a task assigned to them. */
  SELF = 'SELF',
  /** The object sits at exactly the organisation the role is held on (a member's own union). */
  OWN_ORG = 'OWN_ORG',
  /** The object sits strictly below the organisation the role is held on. */
  SUBTREE = 'SUBTREE',
  /** The object sits strictly above it: the chain of federations over the viewer. */
  ANCESTOR = 'ANCESTOR',
  /** The object is public, or was reached through a public edge (a nomination on public notice, 公示). */
  PUBLIC = 'PUBLIC',
  /** The object was copied to the viewer (抄送): to their account, or to a role they hold on that organisation. */
  COPIED = 'COPIED',
}

/** Roles as the policy table names them: the roles of src/auth/role.ts, plus any signed-in account. */
export type PolicyRole = Role | 'ANYONE';

/** What the policy needs to know of an object. */
export interface Target {
  /** Path of the organisation the object belongs to (a member's union, a fund's owner, a task's routed organisation); null when it belongs to none. */
  path: string | null;
  /** The member the object is, or is about (an application's beneficiary, a nominee). */
  memberId?: string | null;
  /** Accounts the object is personally theirs of (filer, assignee, claimant). */
  accountIds?: readonly (string | null | undefined)[];
  /** Public (a nomination on public notice), or reached through a public edge. */
  public?: boolean;
  /** Only these roles count (a task's candidate roles). */
  roles?: readonly string[];
  /** Who the object was copied to (an instance's carbon copies): accounts, and roles at organisations. */
  copies?: readonly { accountId: string | null; role: string | null; organizationPath: string | null }[];
}

type Rule = Partial<Record<PolicyRole, readonly Relation[]>>;

const { SELF, OWN_ORG, SUBTREE, ANCESTOR, PUBLIC, COPIED } = Relation;
const STAFF = [Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMIN] as const;
const COVERED = [OWN_ORG, SUBTREE] as const;
const staff = (relations: readonly Relation[], roles: readonly Role[] = STAFF): Rule => Object.fromEntries(roles.map((r) => [r, relations]));

/**
 * Who may do what: operation → role → the relations under which the role allows it. The one source of every
 * authorization decision: services, resolvers and nested field resolvers ask `may`/`authorize`, list queries
 * take their SQL scope from `scopes`, and the authorization matrix test is generated from this table.
 */
export const POLICY = {
  // Organisations: staff see their subtrees and the chain above; a member sees their union's chain; anyone sees
  // the public face (name, level) of an organisation reached through a public notice.
  'organization.read': { ...staff([...COVERED, ANCESTOR]), [Role.MEMBER]: [OWN_ORG, ANCESTOR], ANYONE: [PUBLIC] },
  /** Funds, children, members and counts of an organisation: not part of its public face. */
  'organization.readDetails': { ...staff([...COVERED, ANCESTOR]), [Role.MEMBER]: [OWN_ORG, ANCESTOR] },
  'organization.create': { [Role.ADMIN]: COVERED },
  'organization.update': { [Role.ADMIN]: COVERED },

  'fund.read': { ...staff([...COVERED, ANCESTOR]), [Role.MEMBER]: [OWN_ORG, ANCESTOR] },
  /** The review committee audits "with full coverage": every staff role over the owner reads its ledger. */
  'fund.readLedger': staff(COVERED),
  'fund.credit': { [Role.FINANCE]: COVERED, [Role.ADMIN]: COVERED },

  /** A member's name, union and honours: also what a public-notice reader sees of a nominee. */
  'member.read': { ...staff(COVERED), ANYONE: [SELF, PUBLIC] },
  /** Everything else of a member record: employment, status, hardship registration, masked ID and phone. */
  'member.readDetails': { ...staff(COVERED), ANYONE: [SELF] },
  /** The national ID number and phone unmasked: the member, and those who verify aid claims. */
  'member.readPersonalData': { [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED, ANYONE: [SELF] },
  /** Who read which member's national ID or phone unmasked: the review committee and administrators over the member. */
  'personalData.readAccessLog': { [Role.AUDITOR]: COVERED, [Role.ADMIN]: COVERED },
  'member.register': { [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED },
  'member.update': { [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED },

  'aid.read': { ...staff(COVERED), ANYONE: [SELF] },
  /** A member for themself, or their union's approvers for them. */
  'aid.apply': { [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED, ANYONE: [SELF] },
  'expense.read': { ...staff(COVERED), ANYONE: [SELF] },
  /** The union's finance officer (who keeps the books), its leadership who authorised the spending, or an administrator. */
  'expense.submit': { [Role.FINANCE]: COVERED, [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED },
  'nomination.read': { ...staff(COVERED), ANYONE: [SELF, PUBLIC] },
  'nomination.create': { [Role.APPROVER]: COVERED, [Role.ADMIN]: COVERED },
  /** Anyone signed in may object while a nomination is publicly noticed. */
  'nomination.object': { ANYONE: [PUBLIC] },
  /** Every objection; others see only their own. */
  'nomination.readObjections': staff(COVERED),
  'quota.read': { ...staff([...COVERED, ANCESTOR]), [Role.MEMBER]: [OWN_ORG, ANCESTOR] },
  /** Quotas are set from a federation above the county, never by the county itself. */
  'quota.set': { [Role.APPROVER]: [SUBTREE], [Role.ADMIN]: [SUBTREE] },

  /** An instance: its applicant, staff over the subject's organisation, and whoever it was copied to (抄送, read-only). */
  'instance.read': { ...staff(COVERED), ANYONE: [SELF, COPIED] },
  /** A task: its assignee or claimant, and staff over the organisation it is routed to. */
  'task.read': { ...staff(COVERED), ANYONE: [SELF] },
  /**
   * Claiming, deciding and handing on a task, returning it to an earlier step, transferring it (转办) and copying
   * it to someone (抄送): holders of one of its candidate roles over its organisation, or the person it is assigned to.
   */
  'task.act': { ...staff(COVERED), ANYONE: [SELF] },
  /** Urging the assignees of an open task (催办): its applicant, or a holder of one of its roles higher up. */
  'task.urge': { ...staff([SUBTREE]), ANYONE: [SELF] },
  /** Naming an out-of-office substitute for a role: whoever holds that role on exactly that organisation. */
  'delegation.set': staff([OWN_ORG]),
  /** Ending a delegation early: the delegator. */
  'delegation.revoke': { ANYONE: [SELF] },
  /** Releasing someone else's claim. */
  'task.release': { [Role.ADMIN]: COVERED, ANYONE: [SELF] },
  'history.read': staff(COVERED),
  /** Reviewers' reports over a subtree: the approval-history and ledger exports, the audit aggregates. */
  'audit.review': { [Role.AUDITOR]: COVERED, [Role.ADMIN]: COVERED },
  /** Work that failed for good (a job no retry fixed): listed and retried by administrators over the subject. */
  'work.manage': { [Role.ADMIN]: COVERED },
} as const satisfies Record<string, Rule>;

export type Operation = keyof typeof POLICY;

/** The viewer's roles with the organisation each is held on; a member's own union counts as MEMBER. */
function principals(viewer: Viewer): { role: Role; path: string }[] {
  const held = viewer.grants.map((g) => ({ role: g.role, path: g.path }));
  if (viewer.member && !held.some((p) => p.role === Role.MEMBER && p.path === viewer.member!.orgPath)) {
    held.push({ role: Role.MEMBER, path: viewer.member.orgPath });
  }
  return held;
}

/**
 * Who a carbon copy (抄送) addressed to the viewer names (the COPIED relation): their account, or a role they hold
 * on exactly that organisation. Also the JSON patterns a list matches an instance's copies against.
 */
export function copyAddressees(viewer: Viewer): ({ accountId: string } | { role: string; organizationPath: string })[] {
  return [{ accountId: viewer.accountId }, ...principals(viewer).map((p) => ({ role: p.role, organizationPath: p.path }))];
}

const addresses = (a: ReturnType<typeof copyAddressees>[number], c: NonNullable<Target['copies']>[number]) =>
  'accountId' in a ? c.accountId === a.accountId : c.role === a.role && c.organizationPath === a.organizationPath;

/** How an organisation at `path` stands to a role held at `held`, if it is on the same branch. */
export function relationOf(held: string, path: string): Relation | null {
  if (held === path) return OWN_ORG;
  if (covers(held, path)) return SUBTREE;
  if (covers(path, held)) return ANCESTOR;
  return null;
}

function isOwn(viewer: Viewer, target: Target): boolean {
  return (
    (target.memberId != null && viewer.member?.id === target.memberId) ||
    (target.accountIds?.some((id) => id != null && id === viewer.accountId) ?? false)
  );
}

/** Whether the viewer may do `op` on the object. */
export function may(viewer: Viewer, op: Operation, target: Target): boolean {
  const rule: Rule = POLICY[op];
  const anyone = rule.ANYONE ?? [];
  if (anyone.includes(SELF) && isOwn(viewer, target)) return true;
  if (anyone.includes(PUBLIC) && target.public) return true;
  const held = principals(viewer);
  if (anyone.includes(COPIED) && target.copies?.some((c) => copyAddressees(viewer).some((a) => addresses(a, c)))) return true;
  return held.some((p) => {
    const allowed = rule[p.role];
    if (!allowed || target.path === null || (target.roles && !target.roles.includes(p.role))) return false;
    const relation = relationOf(p.path, target.path);
    return relation !== null && allowed.includes(relation);
  });
}

/**
 * Throws unless the viewer may do `op`. Objects whose very existence is private (members, applications, tasks)
 * answer NOT_FOUND to someone who may not even read them; otherwise FORBIDDEN.
 */
export function authorize(viewer: Viewer, op: Operation, target: Target, options: { hideAs?: string; message?: string } = {}): void {
  if (may(viewer, op, target)) return;
  if (options.hideAs) throw notFound(options.hideAs);
  throw forbidden(options.message);
}

/** What a list query may return for `op`: rows under these organisation paths, plus the viewer's own rows. */
export interface Scope {
  /** Subtrees (the path itself included) whose rows are in scope. */
  subtrees: string[];
  /** Exact organisations whose rows are in scope (a member's own union, each organisation of the chain above). */
  exact: string[];
  /** Whether rows that are the viewer's own (`SELF`) are in scope. */
  own: boolean;
  /** Whether public rows are in scope. */
  public: boolean;
}

/** The SQL scope of `op` for the viewer: what `may` allows, as path terms a list query filters on. */
export function scopes(viewer: Viewer, op: Operation): Scope {
  const rule: Rule = POLICY[op];
  const subtrees: string[] = [];
  const exact = new Set<string>();
  for (const p of principals(viewer)) {
    const allowed = rule[p.role] ?? [];
    if (allowed.includes(SUBTREE)) subtrees.push(p.path);
    else if (allowed.includes(OWN_ORG)) exact.add(p.path);
    if (allowed.includes(ANCESTOR)) for (const a of ancestorsOf(p.path)) exact.add(a);
  }
  // Drop subtrees already inside a wider one, and exact organisations a subtree covers, so SQL gets the fewest terms.
  const roots = subtrees.filter((s) => !subtrees.some((o) => o !== s && covers(o, s)));
  return {
    subtrees: [...new Set(roots)],
    exact: [...exact].filter((e) => !roots.some((r) => covers(r, e))),
    own: (rule.ANYONE ?? []).includes(SELF),
    public: (rule.ANYONE ?? []).includes(PUBLIC),
  };
}

/** The paths of every organisation strictly above `path` ("/a/b/c/" → "/a/", "/a/b/"). */
function ancestorsOf(path: string): string[] {
  const ids = path.split('/').filter(Boolean);
  return ids.slice(0, -1).map((_, i) => `/${ids.slice(0, i + 1).join('/')}/`);
}
