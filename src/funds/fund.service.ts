import { CheckConstraintViolationException, LockMode, DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { idempotentRequest, type IdempotencyStore } from '../idempotency/idempotency.store';
import { keysetPage, PageArgs } from '../common/connection';
import { conflict, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { Conditions } from '../db/sql';
import type { SubtreeRoots } from '../organizations/subtree-roots';
import { type FundRepository, type FundRow, type LedgerEntryRow, ledgerEntryRowOf } from './fund.repository';
import { amountFen, optionalText, text } from '../common/validate';
import { Fund } from './fund.entity';
import { LedgerEntry } from './ledger-entry.entity';
import type { CreditFundInput, FundFilter } from './fund.types';

export interface Booking {
  fundId: string;
  /** Signed fen: positive credits, negative debits. */
  amount: number;
  reason: string;
  reference?: string;
  createdBy?: string;
}

export class FundService {
  constructor(
    private readonly idempotencyKeys: IdempotencyStore,
    readonly repository: FundRepository,
    private readonly subtrees: SubtreeRoots,
  ) {}

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<FundRow> {
    const fund = await this.repository.byId(em, parseId(id));
    if (!fund) throw notFound('Fund');
    authorize(viewer, 'fund.read', { path: fund.ownerPath }, { message: 'This fund is outside your scope' });
    return fund;
  }

  async list(em: EntityManager, viewer: Viewer, filter: FundFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, ['string', 'uuid']);
    const scope = scopeSql('o.path', scopes(viewer, 'fund.read'));
    const where = new Conditions();
    if (filter.ownerId) where.add('f.owner_id = ?', parseId(filter.ownerId, 'filter.ownerId'));
    if (filter.kind) where.add('f.kind = ?', filter.kind);
    const read = (w: Conditions) => this.repository.page(em, w, keyset);
    if (!filter.subtreeOf) return read(where.with(scope.sql, ...scope.params));
    return this.subtrees.read(em, { id: filter.subtreeOf, field: 'filter.subtreeOf', column: 'o.path', where, scope }, read);
  }

  async ledger(em: EntityManager, viewer: Viewer, fund: FundRow, page: PageArgs) {
    authorize(viewer, 'fund.readLedger', { path: fund.ownerPath }, { message: 'Only finance, review committee and approvers over the owner may read the ledger' });
    return this.repository.ledger(em, new Conditions().add('l.fund_id = ?', fund.id), keysetPage(page, ['number']));
  }

  async credit(em: EntityManager, viewer: Viewer, input: CreditFundInput): Promise<LedgerEntryRow> {
    const { idempotencyKey, ...fields } = input;
    const fund = await this.get(em, viewer, fields.fundId);
    authorize(viewer, 'fund.credit', { path: fund.ownerPath }, { message: 'Only finance officers over the fund’s owner may credit it' });
    const booking = {
      fundId: fund.id,
      amount: amountFen(fields.amount, 'input.amount'),
      reason: text(fields.reason, 'input.reason', { max: 500, multiline: true }),
      reference: optionalText(fields.reference, 'input.reference', { max: 200 }),
      createdBy: viewer.accountId,
    };
    const request = idempotencyKey ? idempotentRequest(viewer.accountId, idempotencyKey, 'creditFund', fund.id, fields) : undefined;
    return this.idempotencyKeys.once(em, request, async (tx) => ledgerEntryRowOf(await this.book(tx, booking)), {
      record: (entry) => ({ id: entry.id, snapshot: null }),
      // Ledger entries never change: the first answer as it was is the entry as it is.
      asThen: async (first) => (await this.repository.entriesByIds(em, [first.resultId]))[0]!,
    });
  }

  /**
   * A workflow's payment: locks the fund row so concurrent debits queue up, and reports a short or missing
   * fund as an outcome the workflow routes on instead of failing the transaction. Returns the entry when booked.
   */
  async debitIfCovered(
    em: EntityManager,
    debit: { fundId: string; amount: number; reason: string; reference: string },
  ): Promise<{ outcome: 'ok'; entry: LedgerEntry } | { outcome: 'INSUFFICIENT_FUNDS' | 'FUND_CLOSED' }> {
    const fund = await em.findOne(Fund, debit.fundId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!fund) return { outcome: 'FUND_CLOSED' };
    if (fund.balance < debit.amount) return { outcome: 'INSUFFICIENT_FUNDS' };
    const entry = await this.book(em, { fundId: fund.id, amount: -debit.amount, reason: debit.reason, reference: debit.reference });
    return { outcome: 'ok', entry };
  }

  /**
   * Books one ledger entry; the database trigger moves the balance and refuses an overdraft. Runs in the
   * caller's transaction when there is one, so a workflow step and its money move commit together.
   */
  async book(em: EntityManager, booking: Booking): Promise<LedgerEntry> {
    try {
      const id = await this.repository.insertEntry(em, { ...booking, reference: booking.reference ?? null, createdBy: booking.createdBy ?? null });
      // Populated with refresh: the trigger moved the fund's balance, so a Fund already in this identity map is stale.
      return await em.findOneOrFail(LedgerEntry, { id }, { refresh: true, populate: ['fund'] });
    } catch (caught) {
      // runSql hands back the driver's own error; convert it so the constraint checks below can match.
      const fromDriver = caught instanceof Error && 'code' in caught && !(caught instanceof DriverException);
      const error = fromDriver ? em.getDriver().convertException(caught) : caught;
      if (error instanceof CheckConstraintViolationException) throw conflict('The fund’s balance is too low for this amount', 'INSUFFICIENT_FUNDS');
      if (error instanceof UniqueConstraintViolationException) throw conflict('This fund already has an entry with that reference', 'DUPLICATE_REFERENCE');
      throw error;
    }
  }
}
