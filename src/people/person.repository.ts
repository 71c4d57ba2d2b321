import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';

/** Who a person is shown as: an account, and the organisation, role and capacity of an act when there is one. */
export interface PersonKey {
  accountId: string;
  organizationId?: string | null;
  role?: string | null;
  capacity?: string | null;
}

export interface PersonRow {
  accountId: string;
  displayName: string;
  organization: { id: string; name: string } | null;
  role: string | null;
  capacity: string | null;
}

export const personCacheKey = (k: PersonKey) => `${k.accountId}/${k.organizationId ?? ''}/${k.role ?? ''}/${k.capacity ?? ''}`;

/**
 * People by account, a batch in one statement with their organisation's name: the one given by the act, or
 * else their home organisation (their union as a member, else the highest organisation they hold a role on).
 */
export async function loadPeople(em: EntityManager, keys: readonly PersonKey[]): Promise<(PersonRow | undefined)[]> {
  const { rows } = await runSql<{ n: number; account_id: string; display_name: string; org_id: string | null; org_name: string | null }>(
    em,
    `select k.n, a.id as account_id, a.display_name, o.id as org_id, o.name as org_name
       from unnest(?::uuid[], ?::uuid[]) with ordinality as k(account_id, org_id, n)
       join account a on a.id = k.account_id
       left join member m on m.id = a.member_id
       left join lateral (select ra.organization_id from role_assignment ra join organization ro on ro.id = ra.organization_id
                           where ra.account_id = a.id order by length(ro.path), ro.id limit 1) home on k.org_id is null and m.id is null
       left join organization o on o.id = coalesce(k.org_id, m.organization_id, home.organization_id)`,
    [pgArray(keys.map((k) => k.accountId)), `{${keys.map((k) => k.organizationId ?? 'NULL').join(',')}}`],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.n), r]));
  return keys.map((k, i) => {
    const r = byIndex.get(i + 1);
    return r && {
      accountId: r.account_id,
      displayName: r.display_name,
      organization: r.org_id ? { id: r.org_id, name: r.org_name! } : null,
      role: k.role ?? null,
      capacity: k.capacity ?? null,
    };
  });
}
