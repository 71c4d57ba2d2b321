import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../db/sql';

/** A delegation as the API shows it: plain rows. */
export interface DelegationRow {
  id: string;
  delegatorAccountId: string;
  substituteAccountId: string;
  role: string;
  organizationId: string;
  organizationPath: string;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

/** A delegation in force now: the grant the substitute may use, and the delegator's member record (for separation of duties). */
export interface ActiveDelegation extends DelegationRow {
  delegatorMemberId: string | null;
}

const COLUMNS = `d.id, d.delegator_account_id as "delegatorAccountId", d.substitute_account_id as "substituteAccountId", d.role,
  d.organization_id as "organizationId", o.path as "organizationPath", d.starts_at as "startsAt", d.ends_at as "endsAt", d.reason,
  d.created_at as "createdAt", d.revoked_at as "revokedAt"`;

/** The driver hands timestamps over as text (MikroORM's type parsers): the API shows them as instants. */
function dated<T extends DelegationRow>(row: T): T {
  const at = (v: Date | string | null) => (v === null ? null : new Date(v));
  return { ...row, startsAt: at(row.startsAt)!, endsAt: at(row.endsAt)!, createdAt: at(row.createdAt)!, revokedAt: at(row.revokedAt) };
}

/** The SQL of out-of-office delegations (workflow_delegation). */
export class DelegationStore {
  /**
   * Inserts a delegation unless one of the same grant overlaps its period; the delegator's rows are
   * serialised on an advisory lock, so two at once cannot both pass the check. Null when one overlaps.
   */
  async insert(
    em: EntityManager,
    d: { delegatorAccountId: string; substituteAccountId: string; role: string; organizationId: string; startsAt: Date; endsAt: Date; reason: string | null },
  ): Promise<DelegationRow | null> {
    return em.transactional(async (tx) => {
      const t = tx as EntityManager;
      await runSql(t, `select pg_advisory_xact_lock(hashtext('workflow_delegation:' || ?::text))`, [d.delegatorAccountId]);
      const { rows } = await runSql<DelegationRow>(
        t,
        `with made as (
           insert into workflow_delegation (delegator_account_id, substitute_account_id, role, organization_id, starts_at, ends_at, reason)
           select ?::uuid, ?::uuid, ?, ?::uuid, ?::timestamptz, ?::timestamptz, ?
            where not exists (select 1 from workflow_delegation x
                               where x.delegator_account_id = ?::uuid and x.role = ? and x.organization_id = ?::uuid and x.revoked_at is null
                                 and x.starts_at < ?::timestamptz and x.ends_at > ?::timestamptz)
           returning *)
         select ${COLUMNS} from made d join organization o on o.id = d.organization_id`,
        [
          d.delegatorAccountId, d.substituteAccountId, d.role, d.organizationId, d.startsAt, d.endsAt, d.reason,
          d.delegatorAccountId, d.role, d.organizationId, d.endsAt, d.startsAt,
        ],
      );
      return rows[0] ? dated(rows[0]) : null;
    });
  }

  /** Ends a delegation now (it is kept, for the record); null unless it was the delegator's and still open. */
  async revoke(em: EntityManager, id: string, delegatorAccountId: string): Promise<DelegationRow | null> {
    const { rows } = await runSql<DelegationRow>(
      em,
      `with done as (update workflow_delegation set revoked_at = now()
                      where id = ?::uuid and delegator_account_id = ?::uuid and revoked_at is null returning *)
       select ${COLUMNS} from done d join organization o on o.id = d.organization_id`,
      [id, delegatorAccountId],
    );
    return rows[0] ? dated(rows[0]) : null;
  }

  async byId(em: EntityManager, id: string): Promise<DelegationRow | null> {
    const { rows } = await runSql<DelegationRow>(em, `select ${COLUMNS} from workflow_delegation d join organization o on o.id = d.organization_id where d.id = ?::uuid`, [id]);
    return rows[0] ? dated(rows[0]) : null;
  }

  /** The account's delegations, given and received, that have not ended: newest first. */
  async current(em: EntityManager, accountId: string): Promise<DelegationRow[]> {
    const { rows } = await runSql<DelegationRow>(
      em,
      `select ${COLUMNS} from workflow_delegation d join organization o on o.id = d.organization_id
        where (d.delegator_account_id = ?::uuid or d.substitute_account_id = ?::uuid) and d.revoked_at is null and d.ends_at > now()
        order by d.created_at desc, d.id limit 100`,
      [accountId, accountId],
    );
    return rows.map(dated);
  }

  /**
   * The delegations the substitute may use now: in their period, not revoked, and only while the delegator is
   * active and still holds the delegated grant. A delegator's own substitutions are never included: no chains.
   */
  async activeFor(em: EntityManager, substituteAccountId: string): Promise<ActiveDelegation[]> {
    const { rows } = await runSql<ActiveDelegation>(
      em,
      `select ${COLUMNS}, a.member_id as "delegatorMemberId"
         from workflow_delegation d join organization o on o.id = d.organization_id
         join account a on a.id = d.delegator_account_id and a.active
        where d.substitute_account_id = ?::uuid and d.revoked_at is null and d.starts_at <= now() and d.ends_at > now()
          and exists (select 1 from role_assignment ra where ra.account_id = d.delegator_account_id and ra.role = d.role and ra.organization_id = d.organization_id)`,
      [substituteAccountId],
    );
    return rows.map(dated);
  }
}
