import type { EntityManager } from '@mikro-orm/postgresql';
import { streamSql } from '../db/sql';

/** A ledger entry as the export writes it: the booker by name, the hash of its link in the fund's chain. */
export interface ExportedLedgerRow {
  seq: string;
  createdAt: string;
  amount: string;
  balanceAfter: string;
  reason: string;
  reference: string | null;
  createdByName: string | null;
  hash: string;
}

/** The ledger's export read (its writes are the booking trigger's). */
export class LedgerRepository {
  /** A fund's ledger, newest first, in batches from one cursor. */
  exportRows(em: EntityManager, fundId: string, batch: number): AsyncGenerator<ExportedLedgerRow[]> {
    return streamSql<ExportedLedgerRow>(
      em,
      `select l.seq::text as seq, l.created_at as "createdAt", l.amount::text as amount, l.balance_after::text as "balanceAfter", l.reason,
              l.reference, a.display_name as "createdByName", encode(l.hash, 'hex') as hash
         from ledger_entry l left join account a on a.id = l.created_by
        where l.fund_id = ?::uuid order by l.seq desc`,
      [fundId],
      batch,
    );
  }
}
