import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';

/** The SQL over accounts and their role assignments that the workflow's task actions need. */
export class RoleAssignmentRepository {
  /**
   * Whether an account could hold one of `roles` on the organisation at `orgPath`: it is active and holds such
   * a role there or on an organisation above, or it is staff (any role but MEMBER) of that very organisation.
   * Who a task may be transferred to, and who may stand in for an account that is out of office.
   */
  async couldHold(em: EntityManager, accountId: string, roles: readonly string[], orgPath: string): Promise<boolean> {
    const { rows } = await runSql(
      em,
      `select 1 from role_assignment ra join organization o on o.id = ra.organization_id join account a on a.id = ra.account_id
        where ra.account_id = ?::uuid and a.active
          and ((ra.role = any(?::text[]) and ? like o.path || '%') or (ra.role <> 'MEMBER' and o.path = ?))
        limit 1`,
      [accountId, pgArray(roles), orgPath, orgPath],
    );
    return rows.length > 0;
  }

  /** Whether an active account holds one of `roles` on the organisation at `orgPath` or on one above it: who a task may be reassigned to. */
  async holdsOver(em: EntityManager, accountId: string, roles: readonly string[], orgPath: string): Promise<boolean> {
    const { rows } = await runSql(
      em,
      `select 1 from role_assignment ra join organization o on o.id = ra.organization_id join account a on a.id = ra.account_id
        where ra.account_id = ?::uuid and a.active and ra.role = any(?::text[]) and ? like o.path || '%' limit 1`,
      [accountId, pgArray(roles), orgPath],
    );
    return rows.length > 0;
  }

  /** The member an account stands for, if any. */
  async memberOf(em: EntityManager, accountId: string): Promise<string | null> {
    const { rows: [row] } = await runSql<{ member_id: string | null }>(em, 'select member_id from account where id = ?::uuid', [accountId]);
    return row?.member_id ?? null;
  }

  /** The active accounts among `ids` (for carbon copies). */
  async activeAccounts(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const { rows } = await runSql<{ id: string }>(em, 'select id from account where id = any(?::uuid[]) and active', [pgArray(ids)]);
    return new Set(rows.map((r) => r.id));
  }
}
