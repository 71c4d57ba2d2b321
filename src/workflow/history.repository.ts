import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql, streamSql } from '../db/sql';
import type { TimelineTask, TimelineTransition } from '../audit/timeline';
import type { HistoryDetail } from './workflow-history.entity';

/** Who did an act that is not a transition, and in which capacity. */
export interface ActAttribution {
  accountId: string;
  /** The organisation they acted for (the grant's), or their union for a member. */
  organizationId: string | null;
  /** The role held for the act: APPROVER, FINANCE, AUDITOR, ADMIN or MEMBER. */
  role: string | null;
  /** assignee, voter, applicant, public, starter, or administrator for an act taken over someone's task. */
  as: string | null;
  /** Delegation: whose task or authority they used. */
  onBehalfOfAccountId?: string | null;
}

/** An act that leaves the instance's state as it is: claim, unclaim, reassign, transfer, delegation, urge, carbon copy… */
export interface RecordedAct {
  instanceId: string;
  action: string;
  actor: ActAttribution;
  comment?: string | null;
  detail?: HistoryDetail | null;
}

/** A statement the act is recorded with: it runs after the instance row is locked and may use `i` (the instance). */
export interface GuardedChange {
  /** A data-modifying statement returning at least one row when the act happened, e.g. an UPDATE … FROM i … RETURNING. */
  sql: string;
  params: unknown[];
}

/**
 * The history's SQL: acts recorded beside the transitions (see Migration20261212000000_history_attribution),
 * and the reads, as plain rows.
 */
export class HistoryRepository {
  /**
   * Records an act that is not a transition, in one statement: the instance row is locked first (as a
   * transition's UPDATE locks it), so the row takes the instance's current seq and state and chains after
   * every row before it; with `change`, the row is written only if that change happened, atomically with it.
   * Returns whether it was recorded.
   */
  async recordAct(em: EntityManager, act: RecordedAct, change?: GuardedChange): Promise<boolean> {
    const a = act.actor;
    const { rows } = await runSql<{ id: string }>(
      em,
      `with i as materialized (select id, seq, state, definition_key, definition_version, subject_org_path, (data->>'round')::int as round
                                 from workflow_instance where id = ?::uuid for no key update)
       ${change ? `, c as (${change.sql})` : ''}
       insert into workflow_history (instance_id, seq, definition_key, definition_version, at, from_state, to_state, action,
              actor_account_id, actor_org_id, acting_as, comment, round, cause, subject_org_path,
              on_behalf_of_account_id, actor_role, transition, detail)
       select i.id, i.seq, i.definition_key, i.definition_version, now(), i.state, i.state, ?, ?::uuid, ?::uuid, ?, ?, i.round,
              '{"type":"record"}'::jsonb, i.subject_org_path, ?::uuid, ?, false, ?::jsonb
         from i ${change ? 'where exists (select 1 from c)' : ''}
       returning id`,
      [
        act.instanceId, ...(change?.params ?? []), act.action, a.accountId, a.organizationId, a.as, act.comment ?? null,
        a.onBehalfOfAccountId ?? null, a.role, act.detail ? JSON.stringify(act.detail) : null,
      ],
    );
    return rows.length > 0;
  }

  /**
   * One page of history newest first, keyset on id: `size + 1` rows are read to tell whether more follow. Backward
   * (towards the newest), they are read oldest first from the cursor; the connection puts them back in order.
   */
  async page(em: EntityManager, where: Where, page: { size: number; backward: boolean; id?: number }): Promise<HistoryRow[]> {
    const conditions = [...where.sql, ...(page.id !== undefined ? [`h.id ${page.backward ? '>' : '<'} ?::bigint`] : [])];
    const { rows } = await runSql<HistoryRow>(
      em,
      `select ${HISTORY_COLUMNS} from workflow_history h
        ${conditions.length ? `where ${conditions.join(' and ')}` : ''} order by h.id ${page.backward ? 'asc' : 'desc'} limit ?::int`,
      [...where.params, ...(page.id !== undefined ? [page.id] : []), page.size + 1],
    );
    return rows.map(withDate);
  }

  async count(em: EntityManager, where: Where): Promise<number> {
    const { rows } = await runSql<{ n: string }>(
      em,
      `select count(*) as n from workflow_history h ${where.sql.length ? `where ${where.sql.join(' and ')}` : ''}`,
      where.params,
    );
    return Number(rows[0].n);
  }

  /** An export's rows, newest first, in batches from one cursor: with their people's and organisations' names joined in. */
  async *exportRows(em: EntityManager, where: Where, batch: number): AsyncGenerator<ExportedHistoryRow[]> {
    const sql = `select ${HISTORY_COLUMNS}, i.subject_type as "subjectType", actor.display_name as "actorName", org.name as "actorOrganizationName",
              behalf.display_name as "onBehalfOfName", encode(h.hash, 'hex') as hash
         from workflow_history h
         join workflow_instance i on i.id = h.instance_id
         left join account actor on actor.id = h.actor_account_id
         left join organization org on org.id = h.actor_org_id
         left join account behalf on behalf.id = h.on_behalf_of_account_id
        ${where.sql.length ? `where ${where.sql.join(' and ')}` : ''} order by h.id desc`;
    for await (const rows of streamSql<ExportedHistoryRow>(em, sql, where.params, batch)) yield rows.map(withDate);
  }

  /** What an instance's timeline is built from: its transitions up to `seq`, and its tasks. Two statements. */
  async timelineRows(em: EntityManager, instanceId: string, uptoSeq: number): Promise<{ transitions: TimelineTransition[]; tasks: TimelineTask[] }> {
    const { rows: transitions } = await runSql<TimelineTransition>(
      em,
      `select seq, at, from_state as "fromState", to_state as "toState", action from workflow_history
        where instance_id = ?::uuid and transition and seq <= ?::int order by seq, id`,
      [instanceId, uptoSeq],
    );
    const { rows: tasks } = await runSql<TimelineTask>(
      em,
      `select split_part(key, ':', 2)::int as "openedSeq", due_at as "dueAt", escalated from workflow_task where instance_id = ?::uuid`,
      [instanceId],
    );
    return { transitions: transitions.map(withDate), tasks: tasks.map((task) => ({ ...task, dueAt: new Date(task.dueAt) })) };
  }

  /**
   * Every row of each instance up to its `seq` (acts after that transition included), in chain order: one
   * statement for a page of instances (the history loader's batch).
   */
  async ofInstances(em: EntityManager, instances: readonly { id: string; seq: number }[]): Promise<HistoryRow[][]> {
    const { rows } = await runSql<HistoryRow>(
      em,
      `select ${HISTORY_COLUMNS} from workflow_history h join unnest(?::uuid[], ?::int[]) as k(instance_id, upto) on h.instance_id = k.instance_id
        where h.seq <= k.upto order by h.instance_id, h.seq, h.id`,
      [pgArray(instances.map((i) => i.id)), pgArray(instances.map((i) => i.seq))],
    );
    const byInstance = new Map<string, HistoryRow[]>();
    for (const row of rows) {
      const list = byInstance.get(row.instanceId);
      if (list) list.push(withDate(row));
      else byInstance.set(row.instanceId, [withDate(row)]);
    }
    return instances.map((i) => byInstance.get(i.id) ?? []);
  }
}

/** The driver hands timestamps over as text (MikroORM's setting); the API and the timeline want Dates. */
const withDate = <T extends { at: Date | string }>(row: T): T => ({ ...row, at: new Date(row.at) });

/** A history row as the API shows it: plain, never a managed entity. */
export interface HistoryRow {
  id: string;
  instanceId: string;
  seq: number;
  definitionKey: string;
  definitionVersion: number;
  at: Date;
  fromState: string | null;
  toState: string;
  action: string;
  actorAccountId: string | null;
  actorOrganizationId: string | null;
  actingAs: string | null;
  actorRole: string | null;
  onBehalfOfAccountId: string | null;
  comment: string | null;
  round: number;
  transition: boolean;
  detail: HistoryDetail | null;
  cause: { type: string; [key: string]: unknown };
}

/** A history row as the export writes it: with names instead of ids, and its hash. */
export interface ExportedHistoryRow extends HistoryRow {
  subjectType: string;
  actorName: string | null;
  actorOrganizationName: string | null;
  onBehalfOfName: string | null;
  hash: string;
}

/** The columns of a HistoryRow, from `workflow_history h`. */
export const HISTORY_COLUMNS = `h.id::text as id, h.instance_id as "instanceId", h.seq, h.definition_key as "definitionKey",
  h.definition_version as "definitionVersion", h.at, h.from_state as "fromState", h.to_state as "toState", h.action,
  h.actor_account_id as "actorAccountId", h.actor_org_id as "actorOrganizationId", h.acting_as as "actingAs",
  h.actor_role as "actorRole", h.on_behalf_of_account_id as "onBehalfOfAccountId", h.comment, h.round, h.transition, h.detail, h.cause`;

/** Conditions on `workflow_history h` and their parameters, joined with and. */
export interface Where {
  sql: string[];
  params: unknown[];
}

/** Why the system acted, for a row no person did: which timer fired, or which effect had which outcome. */
export function systemReason(row: Pick<HistoryRow, 'actorAccountId' | 'cause'>): string | null {
  if (row.actorAccountId) return null;
  const cause = row.cause;
  if (cause.type === 'timer') return `timer:${String(cause.kind)}`;
  if (cause.type === 'effect') return `effect:${String(cause.effect)}:${String(cause.outcome)}`;
  return null;
}
