import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../db/sql';

/** A subtree and a period, as every audit aggregate takes them. */
export interface AuditScope {
  /** The organisation's path: rows of subjects in its subtree. */
  path: string;
  from: Date;
  to: Date;
}

export interface DecisionsByActorRow {
  accountId: string;
  organizationId: string | null;
  role: string | null;
  decisions: number;
  approvals: number;
  rejections: number;
  returns: number;
}

export interface OverdueStepRow {
  instanceId: string;
  definitionKey: string;
  step: string;
  organizationId: string | null;
  dueAt: Date;
  /** When it was decided or closed; null while open. */
  closedAt: Date | null;
  secondsOver: number;
  escalated: boolean;
}

export interface ReturnRow {
  id: string;
  instanceId: string;
  definitionKey: string;
  step: string;
  at: Date;
  actorAccountId: string | null;
  actorOrganizationId: string | null;
  actorRole: string | null;
  reason: string | null;
}

export interface FundPaymentsRow {
  fundId: string;
  fundName: string;
  payments: number;
  totalFen: number;
}

/** Decisions that send a subject back to its applicant or filer for correction. */
const RETURN_ACTIONS = ['return', 'sendBack'];
const REJECT_ACTIONS = ['reject'];

/** The reviewers' aggregates over a subtree and a period, each one statement. */
export class AuditRepository {
  async decisionsByActor(em: EntityManager, s: AuditScope): Promise<DecisionsByActorRow[]> {
    const { rows } = await runSql<DecisionsByActorRow>(
      em,
      `select actor_account_id as "accountId", actor_org_id as "organizationId", max(actor_role) as role, count(*)::int as decisions,
              count(*) filter (where action = 'approve')::int as approvals, count(*) filter (where action = any(?::text[]))::int as rejections,
              count(*) filter (where action = any(?::text[]))::int as returns
         from workflow_history
        where transition and actor_account_id is not null and acting_as in ('assignee', 'voter')
          and subject_org_path like ? and at >= ?::timestamptz and at < ?::timestamptz
        group by actor_account_id, actor_org_id order by decisions desc, "accountId"`,
      [`{${REJECT_ACTIONS.join(',')}}`, `{${RETURN_ACTIONS.join(',')}}`, `${s.path}%`, s.from, s.to],
    );
    return rows;
  }

  /** Tasks whose deadline passed before they were closed (or that are still open past it), due within the period. */
  async overdueSteps(em: EntityManager, s: AuditScope, limit: number): Promise<OverdueStepRow[]> {
    const { rows } = await runSql<OverdueStepRow>(
      em,
      `select t.instance_id as "instanceId", t.definition_key as "definitionKey", t.step, t.routed_org_id as "organizationId", t.due_at as "dueAt",
              case when t.status <> 'OPEN' then t.decided_at end as "closedAt",
              ceil(extract(epoch from (coalesce(case when t.status <> 'OPEN' then t.decided_at end, now()) - t.due_at)))::int as "secondsOver",
              -- The task the deadline closed is not itself marked: the escalation reopened the step as a new task.
              t.escalated or t.overdue_at is not null
                or exists (select 1 from workflow_task e where e.instance_id = t.instance_id and e.step = t.step and e.round = t.round
                             and e.escalated and e.opened_at >= t.due_at) as escalated
         from workflow_task t join workflow_instance i on i.id = t.instance_id
        where i.subject_org_path like ? and t.due_at >= ?::timestamptz and t.due_at < ?::timestamptz
          and t.due_at < coalesce(case when t.status <> 'OPEN' then t.decided_at end, now())
        order by "secondsOver" desc, t.id limit ?::int`,
      [`${s.path}%`, s.from, s.to, limit],
    );
    return rows.map((r) => ({ ...r, dueAt: new Date(r.dueAt), closedAt: r.closedAt && new Date(r.closedAt) }));
  }

  async returns(em: EntityManager, s: AuditScope, limit: number): Promise<ReturnRow[]> {
    const { rows } = await runSql<ReturnRow>(
      em,
      `select id::text, instance_id as "instanceId", definition_key as "definitionKey", from_state as step, at, actor_account_id as "actorAccountId",
              actor_org_id as "actorOrganizationId", actor_role as "actorRole", comment as reason
         from workflow_history
        where transition and action = any(?::text[]) and subject_org_path like ? and at >= ?::timestamptz and at < ?::timestamptz
        order by id desc limit ?::int`,
      [`{${RETURN_ACTIONS.join(',')}}`, `${s.path}%`, s.from, s.to, limit],
    );
    return rows.map((r) => ({ ...r, at: new Date(r.at) }));
  }

  /** Money paid out or booked by workflows whose subjects lie in the subtree, per fund. */
  async paymentsByFund(em: EntityManager, s: AuditScope): Promise<FundPaymentsRow[]> {
    const { rows } = await runSql<{ fundId: string; fundName: string; payments: number; totalFen: string }>(
      em,
      `select f.id as "fundId", f.name as "fundName", count(*)::int as payments, -sum(l.amount) as "totalFen"
         from ledger_entry l
         join fund f on f.id = l.fund_id
         join workflow_instance i on i.id = case when l.reference like 'workflow:%' then split_part(l.reference, ':', 2)::uuid end
        where l.amount < 0 and i.subject_org_path like ? and l.created_at >= ?::timestamptz and l.created_at < ?::timestamptz
        group by f.id, f.name order by "totalFen" desc, f.id`,
      [`${s.path}%`, s.from, s.to],
    );
    return rows.map((r) => ({ ...r, totalFen: Number(r.totalFen) }));
  }
}
