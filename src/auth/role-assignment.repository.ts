import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';

/** The SQL over role assignments that the approval actions need. */
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

  /** The active accounts among `ids` (for carbon copies). */
  async activeAccounts(em: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const { rows } = await runSql<{ id: string }>(em, 'select id from account where id = any(?::uuid[]) and active', [pgArray(ids)]);
    return new Set(rows.map((r) => r.id));
  }
}
