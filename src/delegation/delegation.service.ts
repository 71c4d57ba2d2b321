import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/authorization.policy';
import type { RoleAssignmentRepository } from '../auth/role-assignment.repository';
import { Role } from '../auth/role';
import type { Viewer } from '../auth/viewer';
import { VIEWER_CACHE_SIZE, VIEWER_TTL_MS } from '../auth/auth.service';
import { ExpiringCache } from '../common/expiring-cache';
import { ApprovalReason, badInput, conflict, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { optionalText } from '../common/validate';
import { Organization } from '../organizations/organization.entity';
import type { ActiveDelegation, DelegationRow, DelegationStore } from './delegation.store';

const YEAR_MS = 366 * 24 * 3600_000;

export interface DelegationInput {
  substituteAccountId: string;
  /** The grant delegated; may be left out when the viewer holds exactly one staff grant. */
  role?: Role | null;
  organizationId?: string | null;
  startsAt: Date;
  endsAt: Date;
  reason?: string | null;
}

/**
 * Out-of-office delegation: an account names a substitute for one of its grants over a period. While it is in
 * force the substitute may act on the delegator's tasks where a step is delegable, and the history records
 * "substitute on behalf of delegator". Only the delegator's own grants pass: a substitute's delegations never do.
 */
export class DelegationService {
  /** Whom each account stands in for, as the inbox lists it (`listedFor`). */
  private readonly listed = new ExpiringCache<ActiveDelegation[]>(VIEWER_TTL_MS, VIEWER_CACHE_SIZE);

  constructor(
    private readonly store: DelegationStore,
    private readonly roles: RoleAssignmentRepository,
    /** Told of each delegation begun or ended (`granted`), once committed: the substitute's inbox may have changed. */
    private readonly changed: (em: EntityManager, row: DelegationRow, granted: boolean) => Promise<void> = async () => undefined,
  ) {}

  async set(em: EntityManager, viewer: Viewer, input: DelegationInput): Promise<DelegationRow> {
    const substitute = parseId(input.substituteAccountId, 'input.substituteAccountId');
    if (substitute === viewer.accountId) throw badInput('You cannot be your own substitute', 'input.substituteAccountId', ApprovalReason.SELF_DELEGATION);
    const grant = await this.grantOf(em, viewer, input);
    const { startsAt, endsAt } = input;
    if (!(startsAt < endsAt)) throw badInput('The period must end after it starts', 'input.endsAt', ApprovalReason.BAD_PERIOD);
    if (endsAt.getTime() <= Date.now()) throw badInput('The period is already over', 'input.endsAt', ApprovalReason.BAD_PERIOD);
    if (endsAt.getTime() - startsAt.getTime() > YEAR_MS) throw badInput('A delegation lasts at most a year', 'input.endsAt', ApprovalReason.BAD_PERIOD);
    authorize(viewer, 'delegation.set', { path: grant.path, roles: [grant.role] }, { message: 'You can delegate only a role you hold on that organisation' });
    if (!(await this.roles.couldHold(em, substitute, [grant.role], grant.path))) {
      throw badInput(`That account could not hold ${grant.role} on this organisation`, 'input.substituteAccountId', ApprovalReason.SUBSTITUTE_NOT_ELIGIBLE);
    }
    const reason = optionalText(input.reason, 'input.reason', { max: 500, multiline: true }) ?? null;
    const row = await this.store.insert(em, { delegatorAccountId: viewer.accountId, substituteAccountId: substitute, role: grant.role, organizationId: grant.organizationId, startsAt, endsAt, reason });
    if (!row) throw conflict('A delegation of this role already covers part of that period; revoke it first', ApprovalReason.DELEGATION_OVERLAPS);
    this.listed.forget(row.substituteAccountId);
    await this.changed(em, row, true);
    return row;
  }

  async revoke(em: EntityManager, viewer: Viewer, id: string): Promise<DelegationRow> {
    const row = await this.store.byId(em, parseId(id));
    if (!row) throw notFound('Delegation');
    authorize(viewer, 'delegation.revoke', { path: null, accountIds: [row.delegatorAccountId] }, { hideAs: 'Delegation' });
    const revoked = await this.store.revoke(em, row.id, viewer.accountId);
    if (!revoked) return row;
    this.listed.forget(revoked.substituteAccountId);
    await this.changed(em, revoked, false);
    return revoked;
  }

  /** The viewer's delegations that have not ended, given and received. */
  mine(em: EntityManager, viewer: Viewer): Promise<DelegationRow[]> {
    return this.store.current(em, viewer.accountId);
  }

  /**
   * Whom the viewer stands in for now: each delegation in force with the grant it passes on (role, organisation
   * and its path) and the delegator. The inbox lists the delegators' tasks from these; acting checks them again.
   */
  actingFor(em: EntityManager, viewer: Viewer): Promise<ActiveDelegation[]> {
    return this.store.activeFor(em, viewer.accountId);
  }

  /**
   * `actingFor` as the inbox lists it (its tasks and the actions offered on them): cached per account for as long
   * as the viewer's grants are, forgotten here when this process sets or revokes one. Deciding reads
   * `actingFor` afresh, so a delegation revoked elsewhere may still show for a few seconds but never acts.
   */
  async listedFor(em: EntityManager, viewer: Viewer): Promise<ActiveDelegation[]> {
    const now = Date.now();
    const held = await this.listed.get(viewer.accountId, () => this.store.activeFor(em, viewer.accountId));
    return held.filter((d) => d.endsAt.getTime() > now);
  }

  /** The grant named (or the viewer's only staff grant), with its organisation's path for the policy. */
  private async grantOf(em: EntityManager, viewer: Viewer, input: DelegationInput): Promise<{ role: string; organizationId: string; path: string }> {
    const staff = viewer.grants.filter((g) => g.role !== Role.MEMBER);
    if (!input.role && !input.organizationId) {
      if (staff.length !== 1) throw badInput('Name the role and organisation to delegate', 'input.role', ApprovalReason.GRANT_REQUIRED);
      return staff[0];
    }
    if (!input.role || !input.organizationId) throw badInput('Name both the role and the organisation', input.role ? 'input.organizationId' : 'input.role', ApprovalReason.GRANT_REQUIRED);
    const organizationId = parseId(input.organizationId, 'input.organizationId');
    const org = await em.findOne(Organization, organizationId, { fields: ['path'] });
    if (!org) throw notFound('Organization');
    return { role: input.role, organizationId, path: org.path };
  }
}
