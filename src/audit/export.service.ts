import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { badInput } from '../common/errors';
import type { FundService } from '../funds/fund.service';
import type { ExportedLedgerRow, LedgerRepository } from '../funds/ledger.repository';
import { maskPersonalDataInText } from '../members/personal-data';
import { systemReason, type ExportedHistoryRow, type HistoryRepository } from '../workflow/history.repository';
import type { HistoryFilter, WorkflowService } from '../workflow/workflow.service';

/** Rows read per statement: enough to keep round trips few, few enough that memory stays flat. */
const BATCH = 1000;

export interface CsvColumn {
  key: string;
  /** The zh-CN heading. */
  header: string;
}

/** An export ready to stream: authorised and its filters checked, its rows read batch by batch as they are written. */
export interface CsvExport {
  filename: string;
  columns: CsvColumn[];
  records: AsyncIterable<Record<string, string | number | null>>;
}

const HISTORY_COLUMNS: CsvColumn[] = [
  { key: 'id', header: '记录号' },
  { key: 'at', header: '时间（北京时间）' },
  { key: 'definitionKey', header: '流程' },
  { key: 'definitionVersion', header: '流程版本' },
  { key: 'subjectType', header: '业务类型' },
  { key: 'instanceId', header: '流程实例' },
  { key: 'seq', header: '序号' },
  { key: 'action', header: '操作' },
  { key: 'transition', header: '状态变更' },
  { key: 'fromState', header: '原状态' },
  { key: 'toState', header: '新状态' },
  { key: 'actor', header: '操作人' },
  { key: 'actorAccountId', header: '操作人账号' },
  { key: 'actorOrganization', header: '所属组织' },
  { key: 'actorRole', header: '角色' },
  { key: 'actingAs', header: '身份' },
  { key: 'onBehalfOf', header: '被代理人' },
  { key: 'comment', header: '意见' },
  { key: 'changes', header: '修改内容' },
  { key: 'hash', header: '哈希' },
];

const LEDGER_COLUMNS: CsvColumn[] = [
  { key: 'seq', header: '序号' },
  { key: 'createdAt', header: '时间（北京时间）' },
  { key: 'amount', header: '金额（元）' },
  { key: 'balanceAfter', header: '余额（元）' },
  { key: 'reason', header: '摘要' },
  { key: 'reference', header: '业务参考号' },
  { key: 'createdBy', header: '经办人' },
  { key: 'hash', header: '哈希' },
];

/** The filters of `approvalHistory`, as query parameters. */
const HISTORY_PARAMS = ['instanceId', 'subjectId', 'actorAccountId', 'organizationId', 'action', 'from', 'to'] as const;

/**
 * CSV exports for reviewers (AUDITOR, ADMIN over the subtree, through the policy's `audit.review`): the approval
 * history with the filters of `approvalHistory`, and a fund's ledger. Rows are read from a server-side cursor a
 * batch at a time and handed on one by one as the response drains, so an export of any size holds one batch. Personal data is masked:
 * national ids and mobile numbers in free text, and a resubmission's personal fields (masked when recorded).
 */
export class ExportService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly history: HistoryRepository,
    private readonly funds: FundService,
    private readonly ledger: LedgerRepository,
  ) {}

  async approvalHistory(em: EntityManager, viewer: Viewer, params: URLSearchParams): Promise<CsvExport> {
    const query = queryParams(params, HISTORY_PARAMS);
    const filter: HistoryFilter = { ...query, from: dateParam(query.from, 'from'), to: dateParam(query.to, 'to') };
    const where = await this.workflow.historyWhere(em, viewer, filter, 'audit.review');
    const batches = this.history.exportRows(em, where, BATCH);
    return { filename: 'approval-history.csv', columns: HISTORY_COLUMNS, records: records(batches, historyRecord) };
  }

  async fundLedger(em: EntityManager, viewer: Viewer, params: URLSearchParams): Promise<CsvExport> {
    const { fundId } = queryParams(params, ['fundId'] as const);
    if (!fundId) throw badInput('fundId is required', 'fundId', 'REQUIRED');
    const fund = await this.funds.get(em, viewer, fundId);
    authorize(viewer, 'audit.review', { path: fund.ownerPath }, { message: 'Ledger exports are for auditors and administrators over the fund’s owner' });
    return { filename: `fund-ledger-${fund.id}.csv`, columns: LEDGER_COLUMNS, records: records(this.ledger.exportRows(em, fund.id, BATCH), ledgerRecord) };
  }
}

/** Rows handed on one by one as the batches come; stopping early stops the read (and frees its connection). */
async function* records<R, T>(batches: AsyncGenerator<R[]>, record: (row: R) => T): AsyncGenerator<T> {
  for await (const rows of batches) for (const row of rows) yield record(row);
}

/** Known parameters, each at most once; anything else is refused rather than silently ignored. */
function queryParams<K extends string>(params: URLSearchParams, known: readonly K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of new Set(params.keys())) {
    if (!(known as readonly string[]).includes(key)) throw badInput(`Unknown filter ${key}; known: ${known.join(', ')}`, key, 'UNKNOWN_FILTER');
    const values = params.getAll(key);
    if (values.length > 1) throw badInput(`${key} is given more than once`, key, 'DUPLICATE_FILTER');
    out[key as K] = values[0];
  }
  return out;
}

function dateParam(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) throw badInput(`${field} must be an ISO 8601 date or time`, field, 'BAD_DATE');
  return date;
}

/** Beijing time (UTC+8, no daylight saving), as Excel reads it: 2026-12-02 09:30:00. */
const beijing = (at: Date | string) => new Date(new Date(at).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Yuan as a number, so a debit reads as a negative number and not as a formula to escape; written with two decimals (see CSV_CAST). */
const yuan = (fen: string) => Number(fen) / 100;

/** Money columns with two decimals; every other number as it is. */
export const CSV_CAST = {
  number: (value: number, context: { column?: string | number }) =>
    context.column === 'amount' || context.column === 'balanceAfter' ? value.toFixed(2) : String(value),
};

const masked = (value: string | null) => (value === null ? null : maskPersonalDataInText(value));

function historyRecord(r: ExportedHistoryRow) {
  return {
    id: r.id,
    at: beijing(r.at),
    definitionKey: r.definitionKey,
    definitionVersion: r.definitionVersion,
    subjectType: r.subjectType,
    instanceId: r.instanceId,
    seq: r.seq,
    action: r.action,
    transition: r.transition ? '是' : '否',
    fromState: r.fromState,
    toState: r.toState,
    actor: r.actorAccountId ? masked(r.actorName) : `系统（${systemReason(r) ?? r.action}）`,
    actorAccountId: r.actorAccountId,
    actorOrganization: r.actorOrganizationName,
    actorRole: r.actorRole,
    actingAs: r.actingAs,
    onBehalfOf: r.onBehalfOfName,
    comment: masked(r.comment),
    changes: (r.detail?.changes ?? []).map((c) => `${c.field}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join('; ') || null,
    hash: r.hash,
  };
}

function ledgerRecord(r: ExportedLedgerRow) {
  return {
    seq: r.seq,
    createdAt: beijing(r.createdAt),
    amount: yuan(r.amount),
    balanceAfter: yuan(r.balanceAfter),
    reason: masked(r.reason),
    reference: r.reference,
    createdBy: r.createdByName,
    hash: r.hash,
  };
}
