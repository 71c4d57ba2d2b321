import type { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * A PostgreSQL array literal for one bound parameter ("{"a","b"}"), cast in SQL as `?::text[]`. Knex would
 * otherwise expand a JavaScript array into a comma list of parameters.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/**
 * Runs one parameterised statement in the EntityManager's transaction, if it has one. Unlike
 * `connection.execute`, which inlines every parameter into the SQL text, the parameters travel separately
 * (the hot workflow statements carry kilobytes of JSON); errors come back as the driver raised them.
 */
export async function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<{ rows: T[]; rowCount: number }> {
  const query = em.getKnex().raw(sql, params as Knex.RawBinding[]);
  const ctx = em.getTransactionContext<Knex.Transaction>();
  const result = (await (ctx ? query.transacting(ctx) : query)) as { rows: T[]; rowCount: number | null };
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}
