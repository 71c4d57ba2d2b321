import type { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '../auth/role';
import type { Viewer } from '../auth/viewer';
import { PageArgs, paginate } from '../common/connection';
import { badInput, forbidden, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { inSubtrees } from '../common/subtree';
import { amountFen, text } from '../common/validate';
import { Fund } from '../funds/fund.entity';
import type { FundService } from '../funds/fund.service';
import { Organization } from '../organizations/organization.entity';
import type { SubjectData } from '../workflow/core/types';
import type { EffectContext } from '../workflow/effects';
import type { WorkflowService } from '../workflow/workflow.service';
import { Expense, ExpenseAttachment, ExpenseCategory } from './expense.entity';
import type { ExpenseFilter, SubmitExpenseInput } from './expense.types';

export const EXPENSE_WORKFLOW = 'expense-review';
export const EXPENSE_SUBJECT = 'EXPENSE';
/**
 * Who may submit a union's expense: its finance officer (who keeps the books), its leadership (APPROVER) who
 * authorised the spending, or an administrator — each holding the role on the union or a federation above it.
 */
export const EXPENSE_SUBMITTERS = [Role.FINANCE, Role.APPROVER, Role.ADMIN] as const;
/** Above this (1,000,000 yuan) a single expense is surely a typo; the workflow routes large ones to the county. */
const MAX_AMOUNT_FEN = 100_000_000;
const MAX_DESCRIPTION = 2000;
export const MAX_ATTACHMENTS = 20;
const MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;
const SHA256 = /^[0-9a-f]{64}$/i;
// eslint-disable-next-line no-control-regex
const BAD_FILE_NAME = /[/\\\u0000-\u001f\u007f]/;
/** What a submitter may correct on resubmission (整改), as keys of the `changes` object. */
export const EXPENSE_CHANGEABLE = ['amount', 'fundId', 'category', 'description', 'attachments'] as const;

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
export function parseAttachments(value: unknown, field: string): ExpenseAttachment[] {
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

/** Expenses (经费审查): submitted by a union against one of its own funds, reviewed, then booked exactly once. */
export class ExpenseService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly funds: FundService,
  ) {}

  async submit(em: EntityManager, viewer: Viewer, input: SubmitExpenseInput): Promise<Expense> {
    const amount = expenseAmount(input.amount, 'input.amount');
    const cat = category(input.category, 'input.category');
    const desc = description(input.description, 'input.description');
    const attachments = parseAttachments(input.attachments, 'input.attachments');
    const fund = await em.findOne(Fund, parseId(input.fundId, 'input.fundId'), { populate: ['owner'] });
    if (!fund || !viewer.canSeeOrganization(fund.owner.path)) throw notFound('Fund');
    let org = fund.owner;
    if (input.organizationId) {
      const given = await em.findOne(Organization, parseId(input.organizationId, 'input.organizationId'));
      if (!given || !viewer.canSeeOrganization(given.path)) throw notFound('Organization');
      org = given;
    }
    if (!viewer.holds(EXPENSE_SUBMITTERS, org.path)) {
      throw forbidden('Only the union’s finance officers, approvers or administrators may submit its expenses');
    }
    if (fund.owner.id !== org.id) throw badInput('The fund must be owned by the submitting union', 'input.fundId', 'FUND_NOT_OWNED');

    return em.transactional((tx) => {
      const expense = tx.create(Expense, {
        organization: org,
        orgPath: org.path,
        fund,
        category: cat,
        amount,
        description: desc,
        attachments,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx as EntityManager, expense, {
        definitionKey: EXPENSE_WORKFLOW,
        subjectType: EXPENSE_SUBJECT,
        subjectOrg: org,
        data: { amount, fundId: fund.id, category: cat },
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
      });
    });
  }

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Expense> {
    const expense = await em.findOne(Expense, parseId(id));
    if (!expense || !this.canSee(viewer, expense)) throw notFound('Expense');
    return expense;
  }

  async list(em: EntityManager, viewer: Viewer, filter: ExpenseFilter = {}, page: PageArgs) {
    const visible: object[] = [{ submittedBy: viewer.accountId }];
    const scopes = viewer.staffScopes();
    if (scopes.length) visible.push(inSubtrees('orgPath', scopes));
    const where: object[] = [{ $or: visible }];
    if (filter.fundId) where.push({ fund: parseId(filter.fundId, 'filter.fundId') });
    if (filter.category) where.push({ category: filter.category });
    if (filter.mine) where.push({ submittedBy: viewer.accountId });
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.push(inSubtrees('orgPath', [org.path]));
    }
    return paginate(em, Expense, { $and: where }, { createdAt: 'desc', id: 'desc' }, page);
  }

  /**
   * Keeps the expense row in step with what the submitter corrects on resubmission. Runs in the transition's
   * transaction, so a refused correction (an unknown field, another union's fund) leaves nothing written.
   */
  async applyChanges(em: EntityManager, subjectId: string, data: SubjectData): Promise<void> {
    const unknown = Object.keys(data).filter((k) => !(EXPENSE_CHANGEABLE as readonly string[]).includes(k));
    if (unknown.length) {
      throw badInput(`changes may only correct ${EXPENSE_CHANGEABLE.join(', ')}; not ${unknown.join(', ')}`, 'changes', 'UNKNOWN_FIELD');
    }
    const expense = await em.findOneOrFail(Expense, subjectId);
    const patch: Partial<Pick<Expense, 'amount' | 'category' | 'description' | 'attachments'>> & { fund?: string } = {};
    if ('amount' in data) patch.amount = expenseAmount(data.amount, 'changes.amount');
    if ('category' in data) patch.category = category(data.category, 'changes.category');
    if ('description' in data) patch.description = description(data.description, 'changes.description');
    if ('attachments' in data) patch.attachments = parseAttachments(data.attachments, 'changes.attachments');
    if ('fundId' in data) {
      if (typeof data.fundId !== 'string') throw badInput('changes.fundId must be an id', 'changes.fundId', 'MALFORMED_ID');
      const fund = await em.findOne(Fund, parseId(data.fundId, 'changes.fundId'));
      if (!fund || fund.owner.id !== expense.organization.id) {
        throw badInput('The fund must be owned by the submitting union', 'changes.fundId', 'FUND_NOT_OWNED');
      }
      patch.fund = fund.id;
    }
    if (Object.keys(patch).length) await em.nativeUpdate(Expense, { id: subjectId }, patch);
  }

  /**
   * The `book` effect: one ledger debit against the fund, referenced `workflow:<idempotencyKey>`. The fund row
   * is locked first, so concurrent bookings queue up and a short fund yields INSUFFICIENT_FUNDS (back to the
   * submitter for correction) instead of a failed transaction; the ledger trigger refuses overdrafts anyway.
   */
  book = async ({ em, instance, params, idempotencyKey }: EffectContext): Promise<string> => {
    const amount = Number(params.amountFen);
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new Error(`expense ${instance.subjectId} has no bookable amount`);
    const booked = await this.funds.debitIfCovered(em, {
      fundId: String(params.fundId),
      amount,
      reason: `经费支出 expense (${String(params.category)}), expense ${instance.subjectId}`,
      reference: `workflow:${idempotencyKey}`,
    });
    if (booked.outcome === 'FUND_CLOSED') throw new Error(`the fund of expense ${instance.subjectId} does not exist`);
    if (booked.outcome !== 'ok') return booked.outcome;
    await em.nativeUpdate(Expense, { id: instance.subjectId }, { ledgerEntryId: booked.entry.id });
    return 'ok';
  };

  private canSee(viewer: Viewer, e: Expense) {
    return e.submittedBy === viewer.accountId || viewer.isStaffOver(e.orgPath);
  }
}
