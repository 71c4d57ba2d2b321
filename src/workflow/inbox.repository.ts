import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';
import type { TaskStatus } from './workflow-task.entity';
import { INSTANCE_COLUMNS, instanceFromRow, type InstanceHead, type InstanceHeadRow, type WorkflowInstance, type WorkflowInstanceRow } from './workflow-instance.entity';

/** An open task as the inbox reads it: the task's columns, plus what deciding needs to know of its instance. */
export interface InboxRow {
  id: string;
  /** The task's key (`${instanceId}:${seq}:${step}`), which the live events name it by. */
  key: string;
  instanceId: string;
  definitionKey: string;
  /** The definition version of the instance, whose labels and rules apply to the task. */
  definitionVersion: number;
  step: string;
  title: string;
  kind: 'task' | 'vote' | 'applicant';
  routedOrgId: string | null;
  routedOrgPath: string | null;
  candidateRoles: string[];
  actions: string[];
  round: number;
  claimedBy: string | null;
  assignedTo: string | null;
  openedAt: Date;
  dueAt: Date;
  remindedAt: Date | null;
  overdueAt: Date | null;
  escalated: boolean;
  status: TaskStatus;
  decision: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  votedBy: string[];
  /** The instance's applicant: separation of duties keeps them from deciding it. */
  applicantAccountId: string | null;
  applicantMemberId: string | null;
  /** The subject's amount in fen, if it has one (aid, expenses; not nominations). */
  amount: number | null;
  /** The task's instance, when the page's statement read it too (`withInstance: 'full'`). */
  joinedInstance?: WorkflowInstance;
  /** Or only its head, when that is all the page's selection needs of it (`withInstance: 'head'`). */
  joinedHead?: InstanceHead;
}

/** A condition of the inbox's WHERE clause with its `?` parameters. */
export interface SqlTerm {
  sql: string;
  params: unknown[];
}

export type InboxSortKey = 'dueAt' | 'openedAt' | 'amount';

/** The order columns: each total with the task id after it. Amount-less subjects (nominations) sort as 0. */
const SORT_SQL: Record<InboxSortKey, { sql: string; cast: string }> = {
  dueAt: { sql: 't.due_at', cast: 'timestamptz' },
  openedAt: { sql: 't.opened_at', cast: 'timestamptz' },
  amount: { sql: `coalesce((i.data #>> '{subject,data,amount}')::bigint, 0)`, cast: 'bigint' },
};

export interface InboxQuery {
  /** Conditions ANDed after `t.status = 'OPEN'`. */
  where: SqlTerm[];
  sort: InboxSortKey;
  /** The reading order: a backward page reads the list's order reversed. */
  descending: boolean;
  /** The row to read on from, in this reading order (the cursor): its sort value and id. */
  after?: { value: string | number; id: string };
  limit: number;
  /** Read each task's instance in the same statement (the page selects it): the join is there anyway. The whole row, or its head. */
  withInstance?: 'full' | 'head';
}

const FROM = `from workflow_task t join workflow_instance i on i.id = t.instance_id`;

const COLUMNS = `t.id, t.key, t.instance_id, t.definition_key, t.step, t.title, t.kind, t.routed_org_id, t.routed_org_path, t.candidate_roles,
  t.actions, t.round, t.claimed_by, t.assigned_to, t.opened_at, t.due_at, t.reminded_at, t.overdue_at, t.escalated, t.status,
  t.decision, t.decided_by, t.decided_at, t.voted_by, i.definition_version, i.applicant_account_id, i.applicant_member_id,
  (i.data #>> '{subject,data,amount}')::bigint as amount`;

interface Raw {
  id: string; key: string; instance_id: string; definition_key: string; definition_version: number; step: string; title: string; kind: InboxRow['kind'];
  routed_org_id: string | null; routed_org_path: string | null; candidate_roles: string[]; actions: string[]; round: number;
  claimed_by: string | null; assigned_to: string | null; opened_at: string; due_at: string; reminded_at: string | null; overdue_at: string | null;
  escalated: boolean; status: TaskStatus; decision: string | null; decided_by: string | null; decided_at: string | null; voted_by: string[];
  applicant_account_id: string | null; applicant_member_id: string | null; amount: string | null;
  instance_row?: WorkflowInstanceRow;
  instance_head?: InstanceHeadRow;
}

/** The instance's columns and the head of its state, as one JSON value (the row's own columns are the task's). */
const HEAD = `jsonb_build_object(${INSTANCE_COLUMNS.map((c) => `'${c}', i.${c}`).join(', ')},
  'data', jsonb_strip_nulls(jsonb_build_object('round', i.data->'round', 'carbonCopies', i.data->'carbonCopies')))`;
const INSTANCE = { full: 'to_jsonb(i) as instance_row', head: `${HEAD} as instance_head` };

/** The driver hands timestamps over as text (the ORM's type parsers); the API's rows carry Dates. */
const date = (v: string | null) => (v === null ? null : new Date(v));

const toRow = (r: Raw): InboxRow => ({
  id: r.id, key: r.key, instanceId: r.instance_id, definitionKey: r.definition_key, definitionVersion: r.definition_version, step: r.step, title: r.title, kind: r.kind,
  routedOrgId: r.routed_org_id, routedOrgPath: r.routed_org_path, candidateRoles: r.candidate_roles, actions: r.actions, round: r.round,
  claimedBy: r.claimed_by, assignedTo: r.assigned_to, openedAt: new Date(r.opened_at), dueAt: new Date(r.due_at), remindedAt: date(r.reminded_at),
  overdueAt: date(r.overdue_at), escalated: r.escalated, status: r.status, decision: r.decision, decidedBy: r.decided_by,
  decidedAt: date(r.decided_at), votedBy: r.voted_by, applicantAccountId: r.applicant_account_id, applicantMemberId: r.applicant_member_id,
  amount: r.amount === null ? null : Number(r.amount),
  ...(r.instance_row && { joinedInstance: instanceFromRow(r.instance_row) }),
  ...(r.instance_head && { joinedHead: instanceFromRow(r.instance_head) }),
});

/** The sort value of a row as a cursor keeps it. */
export const sortValue = (row: InboxRow, key: InboxSortKey): string | number =>
  key === 'amount' ? (row.amount ?? 0) : (key === 'dueAt' ? row.dueAt : row.openedAt).toISOString();

/**
 * The inbox's SQL: open tasks only, so the partial indexes on `status = 'OPEN'` keep it independent of how many
 * closed tasks there are; keyset-paged on (sort value, id); plain rows, no entities.
 */
export class InboxRepository {
  async page(em: EntityManager, q: InboxQuery): Promise<InboxRow[]> {
    const where = [...q.where];
    const sort = SORT_SQL[q.sort];
    const dir = q.descending ? 'desc' : 'asc';
    if (q.after) {
      where.push({ sql: `(${sort.sql}, t.id) ${q.descending ? '<' : '>'} (?::${sort.cast}, ?::uuid)`, params: [q.after.value, q.after.id] });
    }
    const { sql, params } = conditions(where);
    const columns = q.withInstance ? `${COLUMNS}, ${INSTANCE[q.withInstance]}` : COLUMNS;
    const { rows } = await runSql<Raw>(em, `select ${columns} ${FROM} where ${sql} order by ${sort.sql} ${dir}, t.id ${dir} limit ?`, [...params, q.limit]);
    return rows.map(toRow);
  }

  async count(em: EntityManager, where: SqlTerm[]): Promise<number> {
    const { sql, params } = conditions(where);
    const { rows } = await runSql<{ n: string }>(em, `select count(*) as n ${FROM} where ${sql}`, params);
    return Number(rows[0].n);
  }

  /** Open tasks per workflow and step, and how many of them are past due. */
  async counts(em: EntityManager, where: SqlTerm[]): Promise<{ definitionKey: string; step: string; count: number; overdue: number }[]> {
    const { sql, params } = conditions(where);
    const { rows } = await runSql<{ definition_key: string; step: string; n: string; overdue: string }>(
      em,
      `select t.definition_key, t.step, count(*) as n, count(*) filter (where t.due_at < now()) as overdue ${FROM} where ${sql}
        group by t.definition_key, t.step order by t.definition_key, t.step`,
      params,
    );
    return rows.map((r) => ({ definitionKey: r.definition_key, step: r.step, count: Number(r.n), overdue: Number(r.overdue) }));
  }

  /** Open tasks by id (those of a bulk decision), with what deciding each needs. */
  async openByIds(em: EntityManager, ids: readonly string[]): Promise<InboxRow[]> {
    const { rows } = await runSql<Raw>(em, `select ${COLUMNS} ${FROM} where t.id = any(?::uuid[])`, [pgArray(ids)]);
    return rows.map(toRow);
  }

  /** Tasks by key, open or not, with what deciding each needs: the rows a batch of live events is about. */
  async byKeys(em: EntityManager, keys: readonly string[]): Promise<InboxRow[]> {
    const { rows } = await runSql<Raw>(em, `select ${COLUMNS} ${FROM} where t.key = any(?::text[])`, [pgArray(keys)]);
    return rows.map(toRow);
  }

  /** The keys of the open tasks that match `where`. */
  async keys(em: EntityManager, where: SqlTerm[]): Promise<string[]> {
    const { sql, params } = conditions(where);
    const { rows } = await runSql<{ key: string }>(em, `select t.key ${FROM} where ${sql}`, params);
    return rows.map((r) => r.key);
  }
}

function conditions(where: SqlTerm[]): SqlTerm {
  const all = [{ sql: `t.status = 'OPEN'`, params: [] }, ...where];
  return { sql: all.map((w) => w.sql).join(' and '), params: all.flatMap((w) => w.params) };
}
