import { Role } from './role';

export interface Grant {
  role: Role;
  organizationId: string;
  /** Materialized path of the organisation the role is held on; the grant covers every path below it. */
  path: string;
}

/**
 * Who is asking: the account, its roles and the organisations they are held on, and the member it belongs to.
 * What the viewer may do is decided by the authorization policy (authorization.policy.ts), never here.
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
}
