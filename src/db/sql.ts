import { createHash } from 'node:crypto';
import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';

/**
 * A PostgreSQL array literal for one bound parameter ("{"a","b"}"), cast in SQL as `?::text[]`. Knex would
 * otherwise expand a JavaScript array into a comma list of parameters.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

interface Prepared {
  name: string;
  text: string;
}

const prepared = new Map<string, Prepared>();

/**
 * `?` placeholders become `$1…$n` (outside quoted literals), once per distinct statement, and the statement gets
 * a name derived from its text: each pooled connection then parses and plans it once, not on every call.
 */
function prepare(sql: string): Prepared {
  let p = prepared.get(sql);
  if (!p) {
    let n = 0;
    const text = sql.replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
    p = { name: `gh_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`, text };
    prepared.set(sql, p);
  }
  return p;
}

/**
 * Runs one parameterised statement as a prepared statement on the EntityManager's connection: inside its
 * transaction when it has one, else on a connection borrowed from the pool. Unlike `connection.execute`, which
 * inlines every parameter into the SQL text, the parameters travel separately (the hot workflow statements
 * carry kilobytes of JSON); errors come back as the driver raised them. The hot paths of the workflow engine
 * use it, so it skips the query builder; their statements come in a bounded number of shapes, so the number
 * of statements each connection keeps prepared stays small.
 */
export async function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<{ rows: T[]; rowCount: number }> {
  const { name, text } = prepare(sql);
  // Inside a transaction, knex's client hands out the transaction's own connection and never releases it.
  const client = (em.getTransactionContext<Knex.Transaction>() ?? em.getKnex()).client as unknown as {
    acquireConnection(): Promise<ClientBase>;
    releaseConnection(connection: ClientBase): Promise<unknown>;
  };
  const connection = await client.acquireConnection();
  try {
    const result = await connection.query<T & object>({ name, text, values: params as unknown[] });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } finally {
    await client.releaseConnection(connection);
  }
}
