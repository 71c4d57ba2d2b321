import type { Viewer } from '../auth/viewer';
import { pgArray } from '../db/sql';

/**
 * Whom a notice (reminder, overdue notice, urge, carbon copy) is for, in one place for the two that ask:
 * `myNotifications` selects by it in SQL, `notificationAdded` tests each new notice by it in memory. A notice is
 * the viewer's when it names their account, or a role they hold at exactly the notice's organisation.
 */
function addressesOf(viewer: Viewer): { accountId: string; rolesAt: Map<string, string[]> } {
  const rolesAt = new Map<string, string[]>();
  for (const g of viewer.grants) rolesAt.set(g.organizationId, [...(rolesAt.get(g.organizationId) ?? []), g.role]);
  return { accountId: viewer.accountId, rolesAt };
}

/** The rule in SQL over workflow_notification as `t`. */
export function noticesFor(viewer: Viewer): { sql: string; params: unknown[] } {
  const { accountId, rolesAt } = addressesOf(viewer);
  const terms = ['t.account_id = ?::uuid', ...[...rolesAt].map(() => '(t.organization_id = ?::uuid and t.roles && ?::text[])')];
  return { sql: `(${terms.join(' or ')})`, params: [accountId, ...[...rolesAt].flatMap(([organizationId, roles]) => [organizationId, pgArray(roles)])] };
}

/** The rule for one notice. */
export function isNoticeFor(viewer: Viewer, notice: { accountId?: string | null; organizationId?: string | null; roles: readonly string[] }): boolean {
  const { accountId, rolesAt } = addressesOf(viewer);
  if (notice.accountId === accountId) return true;
  const held = notice.organizationId ? rolesAt.get(notice.organizationId) : undefined;
  return held?.some((role) => notice.roles.includes(role)) ?? false;
}
