import { Role } from './role';

export interface Grant {
  role: Role;
  organizationId: string;
  /** Materialized path of the organisation the role is held on; the grant covers every path below it. */
  path: string;
}

const STAFF_ROLES: readonly Role[] = [Role.APPROVER, Role.FINANCE, Role.AUDITOR, Role.ADMIN];
/** Roles whose holders work with members' identities (verifying aid claims) and so see them unmasked. */
const FULL_PERSONAL_DATA_ROLES: readonly Role[] = [Role.APPROVER, Role.ADMIN];

/**
 * Who is asking, and the organisations their roles cover. Every scoping decision in the services goes through
 * these methods so the rules live in one place.
 */
export class Viewer {
  constructor(
    readonly accountId: string,
    readonly username: string,
    readonly displayName: string,
    readonly grants: readonly Grant[],
    /** The member this account belongs to, with their union's path, if the account is a member's. */
    readonly member?: { id: string; organizationId: string; orgPath: string },
  ) {}

  holds(roles: Role | readonly Role[], path: string): boolean {
    const wanted = typeof roles === 'string' ? [roles] : roles;
    return this.grants.some((g) => wanted.includes(g.role) && path.startsWith(g.path));
  }

  /** Path prefixes of the subtrees the viewer may read as staff (empty for a plain member). */
  staffScopes(roles: readonly Role[] = STAFF_ROLES): string[] {
    const paths = this.grants.filter((g) => roles.includes(g.role)).map((g) => g.path);
    // Drop prefixes already covered by a shorter one, so SQL gets the fewest LIKE terms.
    return paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(q)));
  }

  isStaffOver(path: string): boolean {
    return this.holds(STAFF_ROLES, path);
  }

  /** Organisations: staff see their subtrees and the chain above them; a member sees their own union's chain. */
  canSeeOrganization(path: string): boolean {
    if (this.isStaffOver(path)) return true;
    const roots = [...this.staffScopes(), ...(this.member ? [this.member.orgPath] : [])];
    return roots.some((root) => root.startsWith(path));
  }

  canSeeMember(memberId: string, orgPath: string): boolean {
    return this.member?.id === memberId || this.isStaffOver(orgPath);
  }

  canSeeFullPersonalData(memberId: string, orgPath: string): boolean {
    return this.member?.id === memberId || this.holds(FULL_PERSONAL_DATA_ROLES, orgPath);
  }
}
