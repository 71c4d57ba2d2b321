import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';

/**
 * A PostgreSQL array literal for one bound parameter ("{"a","b"}"), cast in SQL as `?::text[]`. Knex would
 * otherwise expand a JavaScript array into a comma list of parameters.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

const positional = new Map<string, string>();

/** `?` placeholders become `$1…$n` (outside quoted literals), once per distinct statement text. */
function toPositional(sql: string): string {
  let text = positional.get(sql);
  if (text === undefined) {
    let n = 0;
    text = sql.replace(/'(?:[^']|'')*'|\?/g, (m) => (m === '?' ? `$${++n}` : m));
    positional.set(sql, text);
  }
  return text;
}

/**
 * Runs one parameterised statement straight on the EntityManager's connection: inside its transaction when it
 * has one, else on a connection borrowed from the pool. Unlike `connection.execute`, which inlines every
 * parameter into the SQL text, the parameters travel separately (the hot workflow statements carry kilobytes
 * of JSON); errors come back as the driver raised them. The workflow engine's hot paths use it, so it skips
 * the query builder. (Named prepared statements were measured slower here: PostgreSQL's generic plans for
 * the transition statement cost more than planning it each time.)
 */
export async function runSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<{ rows: T[]; rowCount: number }> {
  const text = toPositional(sql);
  // Inside a transaction, knex's client hands out the transaction's own connection and never releases it.
  const client = (em.getTransactionContext<Knex.Transaction>() ?? em.getKnex()).client as unknown as {
    acquireConnection(): Promise<ClientBase>;
    releaseConnection(connection: ClientBase): Promise<unknown>;
  };
  const connection = await client.acquireConnection();
  try {
    const result = await connection.query<T & object>({ text, values: params as unknown[] });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  } finally {
    await client.releaseConnection(connection);
  }
}

/**
 * Streams the rows of one query from a server-side cursor, `batch` rows per fetch, on a connection of its own
 * held for the whole read (one snapshot, one plan, constant memory however many rows). The connection goes
 * back to the pool when the rows run out or the consumer stops early (the generator's return).
 */
export async function* streamSql<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[], batch: number): AsyncGenerator<T[]> {
  const client = em.getKnex().client as unknown as { acquireConnection(): Promise<ClientBase>; releaseConnection(connection: ClientBase): Promise<unknown> };
  const connection = await client.acquireConnection();
  let open = false;
  try {
    await connection.query('begin isolation level repeatable read read only');
    open = true;
    await connection.query({ text: `declare export_cursor no scroll cursor for ${toPositional(sql)}`, values: params as unknown[] });
    for (;;) {
      const { rows } = await connection.query<T & object>(`fetch ${Math.trunc(batch)} from export_cursor`);
      if (rows.length) yield rows;
      if (rows.length < batch) break;
    }
    await connection.query('commit');
    open = false;
  } finally {
    if (open) await connection.query('rollback').catch(() => undefined);
    await client.releaseConnection(connection);
  }
}
