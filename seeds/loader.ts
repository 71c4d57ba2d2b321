/**
 * Loads generated seed rows into an empty database in one transaction, with bulk inserts: each chunk of
 * rows is one `insert … select * from unnest($1::uuid[], $2::text[], …)` statement (one array parameter per
 * column), never one statement per row. Ledger entries go through a plain INSERT so the booking trigger sets
 * every fund's balance, exactly as the application's own bookings do. National ids and phones are sealed
 * (encrypted, blind-indexed, masked) chunk by chunk before they are sent: the database never receives them in
 * plaintext.
 */
import type { ClientBase } from 'pg';
import { hashPassword } from '../src/auth/password';
import type { Orm } from '../src/db/orm';
import type { PersonalDataCipher } from '../src/members/personal-data.cipher';
import type { MemberRow, SeedData } from './generator';

export const CHUNK_ROWS = 5_000;

export interface LoadOptions {
  /** Seals members' national ids and phones; the app must be configured with the same keys. */
  cipher: PersonalDataCipher;
  /** Truncate every application table first (otherwise a database that already has organisations is refused). */
  reset?: boolean;
  /** Run ANALYZE afterwards so the planner knows the new row counts (default true). */
  analyze?: boolean;
}

export interface LoadResult {
  organizations: number;
  members: number;
  honours: number;
  funds: number;
  ledgerEntries: number;
  accounts: number;
  roleAssignments: number;
  awardQuotas: number;
}

export class SeedRefusedError extends Error {}

interface Column<T> {
  name: string;
  type: string;
  value: (row: T) => unknown;
}

/** `target` is a MikroORM instance (a connection is borrowed from its pool) or a connected `pg` client. */
export async function loadSeed(target: Orm | ClientBase, data: SeedData, options: LoadOptions): Promise<LoadResult> {
  if ('em' in target) {
    const knex = target.em.getConnection().getKnex();
    const client = (await knex.client.acquireConnection()) as ClientBase;
    try {
      return await loadWithClient(client, data, options);
    } finally {
      await knex.client.releaseConnection(client);
    }
  }
  return loadWithClient(target, data, options);
}

async function loadWithClient(client: ClientBase, data: SeedData, { cipher, reset = false, analyze = true }: LoadOptions): Promise<LoadResult> {
  // Hash each distinct password once (scrypt is deliberately slow) and share the hash between accounts.
  const hashes = new Map<string, string>();
  for (const password of new Set(data.accounts.map((a) => a.password))) hashes.set(password, await hashPassword(password));

  await client.query('begin');
  try {
    // Serialise concurrent seeders on the same database.
    await client.query('select pg_advisory_xact_lock(7171002)');
    if (reset) {
      const { rows } = await client.query<{ name: string }>(
        `select quote_ident(tablename) as name from pg_tables
          where schemaname = current_schema() and tablename not like 'mikro_orm_%'`,
      );
      // The audit tables refuse TRUNCATE unless this transaction says it is a deliberate reset.
      await client.query(`set local gonghui.allow_reset = 'on'`);
      if (rows.length) await client.query(`truncate table ${rows.map((r) => r.name).join(', ')} restart identity cascade`);
    } else {
      const { rows } = await client.query<{ n: string }>('select count(*) as n from organization');
      if (Number(rows[0]!.n) > 0) {
        throw new SeedRefusedError(
          `the database already holds ${rows[0]!.n} organisations: seeding needs an empty database (pass --reset to truncate every table first)`,
        );
      }
    }
    await client.query('set local synchronous_commit = off');

    await bulkInsert(client, 'organization', data.organizations, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'code', type: 'text', value: (r) => r.code },
      { name: 'name', type: 'text', value: (r) => r.name },
      { name: 'level', type: 'text', value: (r) => r.level },
      { name: 'kind', type: 'text', value: (r) => r.kind },
      { name: 'parent_id', type: 'uuid', value: (r) => r.parentId },
      { name: 'path', type: 'text', value: (r) => r.path },
      { name: 'depth', type: 'int4', value: (r) => r.depth },
    ]);
    await bulkInsert(client, 'member', data.members, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'name', type: 'text', value: (r) => r.name },
      { name: 'gender', type: 'text', value: (r) => r.gender },
      { name: 'organization_id', type: 'uuid', value: (r) => r.organizationId },
      { name: 'org_path', type: 'text', value: (r) => r.orgPath },
      { name: 'employment_form', type: 'text', value: (r) => r.employmentForm },
      { name: 'joined_on', type: 'date', value: (r) => r.joinedOn },
      { name: 'status', type: 'text', value: (r) => r.status },
      { name: 'hardship', type: 'text', value: (r) => r.hardship },
    ], sealedColumns(cipher));
    await bulkInsert(client, 'honour', data.honours, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'member_id', type: 'uuid', value: (r) => r.memberId },
      { name: 'organization_id', type: 'uuid', value: (r) => r.organizationId },
      { name: 'award', type: 'text', value: (r) => r.award },
      { name: 'level', type: 'text', value: (r) => r.level },
      { name: 'year', type: 'int4', value: (r) => r.year },
    ]);
    await bulkInsert(client, 'fund', data.funds, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'owner_id', type: 'uuid', value: (r) => r.ownerId },
      { name: 'kind', type: 'text', value: (r) => r.kind },
      { name: 'name', type: 'text', value: (r) => r.name },
    ]);
    // Plain INSERT: the ledger_entry_book trigger adds each amount to fund.balance (rows are booked in order).
    await bulkInsert(client, 'ledger_entry', data.ledgerEntries, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'fund_id', type: 'uuid', value: (r) => r.fundId },
      { name: 'amount', type: 'int8', value: (r) => String(r.amount) },
      { name: 'reason', type: 'text', value: (r) => r.reason },
      { name: 'reference', type: 'text', value: (r) => r.reference },
      { name: 'created_at', type: 'timestamptz', value: (r) => r.createdAt },
    ]);
    await bulkInsert(client, 'account', data.accounts, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'username', type: 'text', value: (r) => r.username },
      { name: 'password_hash', type: 'text', value: (r) => hashes.get(r.password)! },
      { name: 'display_name', type: 'text', value: (r) => r.displayName },
      { name: 'member_id', type: 'uuid', value: (r) => r.memberId },
    ]);
    await bulkInsert(client, 'role_assignment', data.roleAssignments, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'account_id', type: 'uuid', value: (r) => r.accountId },
      { name: 'role', type: 'text', value: (r) => r.role },
      { name: 'organization_id', type: 'uuid', value: (r) => r.organizationId },
    ]);
    await bulkInsert(client, 'award_quota', data.awardQuotas, [
      { name: 'id', type: 'uuid', value: (r) => r.id },
      { name: 'county_org_id', type: 'uuid', value: (r) => r.countyOrgId },
      { name: 'award', type: 'text', value: (r) => r.award },
      { name: 'award_level', type: 'text', value: (r) => r.awardLevel },
      { name: 'year', type: 'int4', value: (r) => r.year },
      { name: 'quota', type: 'int4', value: (r) => r.quota },
    ]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  if (analyze) {
    await client.query('analyze organization, member, honour, fund, ledger_entry, account, role_assignment');
  }
  return {
    organizations: data.organizations.length,
    members: data.members.length,
    honours: data.honours.length,
    funds: data.funds.length,
    ledgerEntries: data.ledgerEntries.length,
    accounts: data.accounts.length,
    roleAssignments: data.roleAssignments.length,
    awardQuotas: data.awardQuotas.length,
  };
}

/** Extra columns computed for a whole chunk at once, one array per column. */
interface ChunkColumns<T> {
  columns: Omit<Column<T>, 'value'>[];
  values: (chunk: T[]) => unknown[][];
}

/**
 * A member's national id and phone as `member` stores them (see PersonalDataCipher), column by column. Sealing
 * costs the full seed a few CPU-seconds (about 15 µs a member, mostly node:crypto's per-value objects), which
 * bulkInsert overlaps with PostgreSQL inserting the previous chunk.
 */
function sealedColumns(cipher: PersonalDataCipher): ChunkColumns<MemberRow> {
  return {
    columns: [
      { name: 'national_id_cipher', type: 'text' },
      { name: 'national_id_index', type: 'bytea' },
      { name: 'national_id_masked', type: 'text' },
      { name: 'phone_cipher', type: 'text' },
      { name: 'phone_masked', type: 'text' },
    ],
    values: (chunk) => {
      const out: unknown[][] = [[], [], [], [], []];
      for (const m of chunk) {
        const s = cipher.seal(m.id, m.nationalId, m.phone);
        out[0]!.push(s.nationalIdCipher);
        out[1]!.push(s.nationalIdIndex);
        out[2]!.push(s.nationalIdMasked);
        out[3]!.push(s.phoneCipher);
        out[4]!.push(s.phoneMasked);
      }
      return out;
    },
  };
}

/**
 * Inserts `rows` in chunks, each chunk one statement taking one array parameter per column. The parameters
 * of the next chunk (with any `computed` columns, e.g. sealed personal data) are built while PostgreSQL
 * inserts the previous one.
 */
async function bulkInsert<T>(client: ClientBase, table: string, rows: readonly T[], columns: Column<T>[], computed?: ChunkColumns<T>): Promise<void> {
  const all = [...columns, ...(computed?.columns ?? [])];
  const sql =
    `insert into ${table} (${all.map((c) => c.name).join(', ')}) ` +
    `select * from unnest(${all.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ')})`;
  let inFlight: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < rows.length; start += CHUNK_ROWS) {
    const chunk = rows.slice(start, start + CHUNK_ROWS);
    const params = [...columns.map((c) => chunk.map(c.value)), ...(computed?.values(chunk) ?? [])];
    await inFlight;
    inFlight = client.query(sql, params);
  }
  await inFlight;
}
