import type { EntityManager } from '@mikro-orm/postgresql';
import { type Connection, type KeysetPage, rowPage } from '../common/connection';
import { type Conditions, pgArray, runSql, withDate } from '../db/sql';
import type { FundKind } from './fund.entity';
import type { LedgerEntry } from './ledger-entry.entity';

/** A fund as the API reads it, with its owner's path (what the policy decides on): a plain row. */
export interface FundRow {
  id: string;
  ownerId: string;
  ownerPath: string;
  kind: FundKind;
  name: string;
  /** In fen; bigint in SQL, a safe integer here (the balance check keeps it far below 2^53). */
  balance: number;
  createdAt: Date;
}

export interface LedgerEntryRow {
  id: string;
  seq: number;
  fundId: string;
  amount: number;
  balanceAfter: number;
  reason: string;
  reference: string | null;
  createdBy: string | null;
  createdAt: Date;
}

// bigint columns arrive as strings from the driver; ::float8 is exact for every safe integer.
const FUND = `f.id, f.owner_id as "ownerId", o.path as "ownerPath", f.kind, f.name, f.balance::float8 as balance, f.created_at as "createdAt"`;
const FUND_FROM = 'fund f join organization o on o.id = f.owner_id';
const ENTRY = `l.id, l.seq::float8 as seq, l.fund_id as "fundId", l.amount::float8 as amount, l.balance_after::float8 as "balanceAfter",
  l.reason, l.reference, l.created_by as "createdBy", l.created_at as "createdAt"`;

const shapeFund = (row: object) => withDate(row as FundRow, 'createdAt');
const shapeEntry = (row: object) => withDate(row as LedgerEntryRow, 'createdAt');

/** The plain row of an entry the booking statement wrote (creditFund answers with it). */
export const ledgerEntryRowOf = (e: LedgerEntry): LedgerEntryRow => ({
  id: e.id,
  seq: e.seq,
  fundId: e.fund.id,
  amount: e.amount,
  balanceAfter: e.balanceAfter,
  reason: e.reason,
  reference: e.reference ?? null,
  createdBy: e.createdBy ?? null,
  createdAt: e.createdAt,
});

/** The fund module's SQL for reads: plain rows shaped for the API. */
export class FundRepository {
  async byIds(em: EntityManager, ids: readonly string[]): Promise<FundRow[]> {
    return (await runSql<FundRow>(em, `select ${FUND} from ${FUND_FROM} where f.id = any(?::uuid[])`, [pgArray(ids)])).rows.map(shapeFund);
  }

  async byId(em: EntityManager, id: string): Promise<FundRow | undefined> {
    return (await runSql<FundRow>(em, `select ${FUND} from ${FUND_FROM} where f.id = ?`, [id])).rows.map(shapeFund)[0];
  }

  /** The funds of each owner, by kind. */
  async ofOwners(em: EntityManager, ownerIds: readonly string[]): Promise<FundRow[]> {
    return (await runSql<FundRow>(em, `select ${FUND} from ${FUND_FROM} where f.owner_id = any(?::uuid[]) order by f.kind, f.id`, [pgArray(ownerIds)])).rows.map(shapeFund);
  }

  /** A page ordered by name, id; `where` names the fund `f` and its owner `o`. */
  page(em: EntityManager, where: Conditions, page: KeysetPage): Promise<Connection<FundRow>> {
    return rowPage<FundRow>(
      em,
      { select: FUND, from: FUND_FROM, where, orderBy: [{ column: 'f.name' }, { column: 'f.id', cast: '::uuid' }], keyOf: (f) => [f.name, f.id], shape: shapeFund },
      page,
    );
  }

  /** A page of one fund's ledger, newest first; `where` names the entry `l`. */
  ledger(em: EntityManager, where: Conditions, page: KeysetPage): Promise<Connection<LedgerEntryRow>> {
    return rowPage<LedgerEntryRow>(
      em,
      { select: ENTRY, from: 'ledger_entry l', where, orderBy: [{ column: 'l.seq', cast: '::bigint' }], descending: true, keyOf: (e) => [e.seq], shape: shapeEntry },
      page,
    );
  }

  /** Inserts one ledger entry, returning its id; the database's trigger moves the fund's balance and refuses an overdraft. */
  async insertEntry(em: EntityManager, entry: { fundId: string; amount: number; reason: string; reference: string | null; createdBy: string | null }): Promise<string> {
    const { rows: [row] } = await runSql<{ id: string }>(
      em,
      `insert into ledger_entry (id, fund_id, amount, reason, reference, created_by)
       values (gen_random_uuid(), ?, ?, ?, ?, ?) returning id`,
      [entry.fundId, entry.amount, entry.reason, entry.reference, entry.createdBy],
    );
    return row!.id;
  }

  async entriesByIds(em: EntityManager, ids: readonly string[]): Promise<LedgerEntryRow[]> {
    return (await runSql<LedgerEntryRow>(em, `select ${ENTRY} from ledger_entry l where l.id = any(?::uuid[])`, [pgArray(ids)])).rows.map(shapeEntry);
  }
}
