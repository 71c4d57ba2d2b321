import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import { performance } from 'node:perf_hooks';
import type { ClientBase } from 'pg';

/**
 * A PostgreSQL array literal for one bound parameter ("{"a","b"}"), cast in SQL as `?::text[]`. Knex would
 * otherwise expand a JavaScript array into a comma list of parameters.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

const positional = new Map<string, string>();

/**
 * Names of the statements prepared once per connection, by text. Bounded, since each connection keeps every one
 * it has prepared: past the bound a statement runs unnamed.
 */
const prepared = new Map<string, string>();
const MAX_PREPARED = 200;

function statementName(text: string): string | undefined {
  let name = prepared.get(text);
  if (name === undefined && prepared.size < MAX_PREPARED) prepared.set(text, (name = `gh${prepared.size}`));
  return name;
}

/** Through the ORM's logger, like the ORM's own statements: counted (tests' statement counts) and printed at debug. */
const logged = (em: EntityManager, text: string, outcome: { took?: number; results?: number } = {}) =>
  em.config.getLogger().logQuery({ query: text, level: 'info', ...outcome });

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
 * the query builder.
 *
 * `prepare` makes it a named statement, parsed and planned once per connection (after five runs PostgreSQL
 * keeps a generic plan when it costs no more than planning each time): for the hottest statements, which cost
 * PostgreSQL more to parse and plan than to run. Only for a statement whose generic plan is as good as its
 * custom ones (no condition that a generic plan could meet with the wrong index) and that names the columns
 * it returns: a prepared `select *` fails once a migration adds a column.
 */
export async function runSql<T = Record<string, unknown>>(
  em: EntityManager,
  sql: string,
  params: readonly unknown[] = [],
  { prepare = false }: { prepare?: boolean } = {},
): Promise<{ rows: T[]; rowCount: number }> {
  const text = toPositional(sql);
  // Inside a transaction, knex's client hands out the transaction's own connection and never releases it.
  const client = (em.getTransactionContext<Knex.Transaction>() ?? em.getKnex()).client as unknown as {
    acquireConnection(): Promise<ClientBase>;
    releaseConnection(connection: ClientBase): Promise<unknown>;
  };
  const connection = await client.acquireConnection();
  const started = performance.now();
  try {
    const result = await connection.query<T & object>({ name: prepare ? statementName(text) : undefined, text, values: params as unknown[] });
    logged(em, text, { took: Math.round(performance.now() - started), results: result.rowCount ?? 0 });
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
    const declare = `declare export_cursor no scroll cursor for ${toPositional(sql)}`;
    logged(em, declare);
    await connection.query({ text: declare, values: params as unknown[] });
    for (;;) {
      const fetch = `fetch ${Math.trunc(batch)} from export_cursor`;
      logged(em, fetch);
      const { rows } = await connection.query<T & object>(fetch);
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

/**
 * The driver hands timestamps over as PostgreSQL prints them (the ORM's connection setting); rows for the API
 * carry Dates. Converts the row's `key` in place when it is there.
 */
export function withDate<T>(row: T, key: keyof T & string): T {
  const value = row[key] as unknown;
  if (typeof value === 'string') (row as Record<string, unknown>)[key] = new Date(value);
  return row;
}

/**
 * The WHERE clause of a statement built from optional parts, with its parameters in order: each part is SQL
 * with `?` placeholders and the values for them. Matches everything when no part was added.
 */
export class Conditions {
  private readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...params: unknown[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }

  /** A copy with one more part. */
  with(sql: string, ...params: unknown[]): Conditions {
    const copy = new Conditions();
    copy.parts.push(...this.parts, sql);
    copy.params.push(...this.params, ...params);
    return copy;
  }

  /** `where a and b`, or nothing. */
  get sql(): string {
    return this.parts.length ? `where ${this.parts.map((p) => `(${p})`).join(' and ')}` : '';
  }
}
