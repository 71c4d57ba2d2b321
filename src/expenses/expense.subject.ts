import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, may } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { badInput, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { amountFen, text } from '../common/validate';
import { Fund } from '../funds/fund.entity';
import type { FundService } from '../funds/fund.service';
import { Organization } from '../organizations/organization.entity';
import type { EffectContext } from '../workflow/effects';
import type { SubjectModule } from '../workflow/subject.contract';
import { Expense, ExpenseAttachment, ExpenseCategory } from './expense.entity';

export const EXPENSE_WORKFLOW = 'expense-review';
export const EXPENSE_SUBJECT = 'EXPENSE';
/** Above this (1,000,000 yuan) a single expense is surely a typo; the workflow routes large ones to the county. */
const MAX_AMOUNT_FEN = 100_000_000;
const MAX_DESCRIPTION = 2000;
const MAX_ATTACHMENTS = 20;
const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const SHA256 = /^[0-9a-f]{64}$/i;
// eslint-disable-next-line no-control-regex
const BAD_FILE_NAME = /[/\\\u0000-\u001f\u007f]/;

function expenseAmount(value: unknown, field: string): number {
  const amount = amountFen(value as number, field);
  if (amount > MAX_AMOUNT_FEN) throw badInput(`${field} must be at most ${MAX_AMOUNT_FEN} fen`, field, 'TOO_LARGE');
  return amount;
}

function category(value: unknown, field: string): ExpenseCategory {
  if (typeof value !== 'string' || !(Object.values(ExpenseCategory) as string[]).includes(value)) {
    throw badInput(`${field} must be one of ${Object.values(ExpenseCategory).join(', ')}`, field, 'NOT_IN_ENUM');
  }
  return value as ExpenseCategory;
}

function description(value: unknown, field: string): string {
  if (typeof value !== 'string') throw badInput(`${field} must be text`, field, 'NOT_TEXT');
  return text(value, field, { max: MAX_DESCRIPTION, multiline: true });
}

/** Checks attachment metadata (from the typed input or from free-form `changes`); nothing is stored but these fields. */
function parseAttachments(value: unknown, field: string): ExpenseAttachment[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badInput(`${field} must be a list`, field, 'NOT_A_LIST');
  if (value.length > MAX_ATTACHMENTS) throw badInput(`${field} may hold at most ${MAX_ATTACHMENTS} files`, field, 'TOO_MANY');
  const seen = new Set<string>();
  return value.map((raw: unknown, i) => {
    const at = `${field}[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw badInput(`${at} must be an object`, at, 'NOT_AN_OBJECT');
    const a = raw as Record<string, unknown>;
    const extra = Object.keys(a).filter((k) => !['fileName', 'contentType', 'sizeBytes', 'sha256'].includes(k));
    if (extra.length) throw badInput(`${at} has unknown fields: ${extra.join(', ')}`, at, 'UNKNOWN_FIELD');
    if (typeof a.fileName !== 'string') throw badInput(`${at}.fileName must be text`, `${at}.fileName`, 'NOT_TEXT');
    const fileName = text(a.fileName, `${at}.fileName`, { max: 255 });
    if (BAD_FILE_NAME.test(fileName)) throw badInput(`${at}.fileName must be a bare file name`, `${at}.fileName`, 'BAD_FILE_NAME');
    if (typeof a.contentType !== 'string' || !CONTENT_TYPE.test(a.contentType.trim())) {
      throw badInput(`${at}.contentType must be a media type such as application/pdf`, `${at}.contentType`, 'BAD_CONTENT_TYPE');
    }
    const sizeBytes = a.sizeBytes;
    if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 1 || sizeBytes > MAX_ATTACHMENT_BYTES) {
      throw badInput(`${at}.sizeBytes must be a whole number from 1 to ${MAX_ATTACHMENT_BYTES}`, `${at}.sizeBytes`, 'BAD_SIZE');
    }
    if (typeof a.sha256 !== 'string' || !SHA256.test(a.sha256)) {
      throw badInput(`${at}.sha256 must be 64 hexadecimal digits`, `${at}.sha256`, 'BAD_SHA256');
    }
    const sha256 = a.sha256.toLowerCase();
    if (seen.has(sha256)) throw badInput(`${at} repeats an earlier file`, `${at}.sha256`, 'DUPLICATE_FILE');
    seen.add(sha256);
    return { fileName, contentType: a.contentType.trim().toLowerCase(), sizeBytes, sha256 };
  });
}

/** An expense as its submitter sends it. */
export interface ExpenseDraft extends Record<string, unknown> {
  organizationId?: unknown;
  fundId?: unknown;
  category?: unknown;
  amount?: unknown;
  description?: unknown;
  attachments?: unknown;
}

export interface ValidExpense {
  organization: Organization;
  fund: Fund;
  category: ExpenseCategory;
  amount: number;
  description: string;
  attachments: ExpenseAttachment[];
}

/**
 * 经费审查 as a workflow subject: a union spends from one of its own funds. The union is fixed at filing; the
 * amount, the fund, the category, the description and the attachments may be corrected (整改).
 */
export class ExpenseSubject implements SubjectModule<ExpenseDraft, ValidExpense> {
  readonly subjectType = EXPENSE_SUBJECT;
  readonly definitionKey = EXPENSE_WORKFLOW;
  readonly entity = Expense;
  readonly graphqlType = 'Expense';
  readonly fields = {
    organizationId: { changeable: false },
    fundId: { changeable: true },
    category: { changeable: true },
    amount: { changeable: true },
    description: { changeable: true },
    attachments: { changeable: true },
  };
  readonly effects;

  constructor(private readonly funds: FundService) {
    this.effects = { book: this.book };
  }

  async load(em: EntityManager, subjectId: string): Promise<ExpenseDraft> {
    const e = await em.findOneOrFail(Expense, subjectId);
    return {
      organizationId: e.organization.id,
      fundId: e.fund.id,
      category: e.category,
      amount: e.amount,
      description: e.description,
      attachments: e.attachments,
    };
  }

  async validate(em: EntityManager, viewer: Viewer, draft: ExpenseDraft, at: string): Promise<ValidExpense> {
    const amount = expenseAmount(draft.amount, `${at}.amount`);
    const cat = category(draft.category, `${at}.category`);
    const desc = description(draft.description, `${at}.description`);
    const attachments = parseAttachments(draft.attachments, `${at}.attachments`);
    if (typeof draft.fundId !== 'string') throw badInput(`${at}.fundId must be an id`, `${at}.fundId`, 'MALFORMED_ID');
    const fund = await em.findOne(Fund, parseId(draft.fundId, `${at}.fundId`), { populate: ['owner'] });
    if (!fund || !may(viewer, 'fund.read', { path: fund.owner.path })) throw notFound('Fund');
    let org = fund.owner;
    if (draft.organizationId !== undefined && draft.organizationId !== null) {
      const given = await em.findOne(Organization, parseId(String(draft.organizationId), `${at}.organizationId`));
      if (!given || !may(viewer, 'organization.read', { path: given.path })) throw notFound('Organization');
      org = given;
    }
    authorize(viewer, 'expense.submit', { path: org.path }, { message: 'Only the union’s finance officers, approvers or administrators may submit its expenses' });
    if (fund.owner.id !== org.id) throw badInput('The fund must be owned by the submitting union', `${at}.fundId`, 'FUND_NOT_OWNED');
    return { organization: org, fund, category: cat, amount, description: desc, attachments };
  }

  async write(em: EntityManager, subjectId: string, v: ValidExpense): Promise<void> {
    await em.nativeUpdate(Expense, { id: subjectId }, { fund: v.fund.id, category: v.category, amount: v.amount, description: v.description, attachments: v.attachments });
  }

  engineData(v: ValidExpense) {
    return { amount: v.amount, fundId: v.fund.id, category: v.category };
  }

  /**
   * The `book` effect: one ledger debit of the expense's amount against its fund, as its row says, referenced
   * `workflow:<idempotencyKey>`. The fund row is locked first, so concurrent bookings queue up and a short fund
   * yields INSUFFICIENT_FUNDS (back to the submitter for correction) instead of a failed transaction; the
   * ledger trigger refuses overdrafts anyway.
   */
  private book = async ({ em, instance, idempotencyKey }: EffectContext): Promise<string> => {
    const e = await em.findOneOrFail(Expense, instance.subjectId, { fields: ['fund', 'amount', 'category'], refresh: true });
    const booked = await this.funds.debitIfCovered(em, {
      fundId: e.fund.id,
      amount: e.amount,
      reason: `经费支出 expense (${e.category}), expense ${instance.subjectId}`,
      reference: `workflow:${idempotencyKey}`,
    });
    if (booked.outcome === 'FUND_CLOSED') throw new Error(`the fund of expense ${instance.subjectId} does not exist`);
    if (booked.outcome !== 'ok') return booked.outcome;
    await em.nativeUpdate(Expense, { id: instance.subjectId }, { ledgerEntryId: booked.entry.id });
    return 'ok';
  };
}
