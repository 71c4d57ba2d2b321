import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../db/sql';
import { conflict } from '../common/errors';
import type { HistoryEntry, Transition } from './core/types';
import { OutboxMessage, writeOutbox } from './outbox';

export interface InstanceMeta {
  subjectType: string;
  subjectId: string;
  applicantAccountId?: string;
  applicantMemberId?: string;
}

export interface Decision {
  taskKey: string;
  action: string;
  accountId: string;
}

/**
 * Writes what the pure core decided: the instance row, its history, task closures and the outbox messages
 * that make the workers open tasks, arm timers and run effects. Always inside the caller's transaction.
 */
export class WorkflowStore {
  async insert(em: EntityManager, meta: InstanceMeta, t: Transition): Promise<void> {
    const s = t.state;
    await this.exec(
      em,
      `insert into workflow_instance (id, definition_key, definition_version, subject_type, subject_id, subject_org_id,
         subject_org_path, applicant_account_id, applicant_member_id, state, status, outcome, seq, data)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
      [
        s.instanceId, s.definitionKey, s.definitionVersion, meta.subjectType, meta.subjectId, s.subject.organization.id,
        s.subject.organization.path, meta.applicantAccountId ?? null, meta.applicantMemberId ?? null, s.current.state,
        s.status, s.outcome, s.seq, JSON.stringify(s),
      ],
    );
    await this.writeConsequences(em, t);
  }

  /**
   * Saves a transition taken from the state at `prevSeq`. Optimistic: if another transition committed first,
   * nothing is written and the caller gets CONFLICT.
   */
  async save(em: EntityManager, prevSeq: number, t: Transition, decision?: Decision): Promise<void> {
    if (!t.changed) return;
    const s = t.state;
    const updated = await this.exec(
      em,
      `update workflow_instance set state = ?, status = ?, outcome = ?, seq = ?, data = ?::jsonb, updated_at = now()
        where id = ? and seq = ?`,
      [s.current.state, s.status, s.outcome, s.seq, JSON.stringify(s), s.instanceId, prevSeq],
    );
    if (updated !== 1) throw conflict('Someone else acted on this workflow first; reload it and try again', 'CONCURRENT_UPDATE');
    await this.writeConsequences(em, t, decision);
  }

  private async writeConsequences(em: EntityManager, t: Transition, decision?: Decision) {
    const s = t.state;
    await this.insertHistory(em, s.subject.organization.path, s.definitionKey, s.definitionVersion, t.history);
    if (t.closeTasks.length) {
      // The task decided on is DONE with its decision; any other task the step closes is CANCELLED.
      await this.exec(
        em,
        `update workflow_task
            set status = case when key = ? then 'DONE' else 'CANCELLED' end,
                decision = case when key = ? then ? end,
                decided_by = case when key = ? then ?::uuid end,
                decided_at = now()
          where key = any(?::text[]) and status = 'OPEN'`,
        [decision?.taskKey ?? null, decision?.taskKey ?? null, decision?.action ?? null, decision?.taskKey ?? null, decision?.accountId ?? null, pgArray(t.closeTasks)],
      );
    }
    await this.markReminders(em, t);
    const messages: OutboxMessage[] = [
      ...t.openTasks.map((task) => ({ name: 'open-task' as const, data: { instanceId: s.instanceId, ref: task.taskId } })),
      ...t.timers.map((timer) => ({
        name: 'timer' as const,
        data: { instanceId: s.instanceId, ref: timer.id, kind: timer.kind },
        runAt: new Date(timer.fireAt),
      })),
      // System steps wait for their effect's outcome; notices (reminders, overdue) are fire-and-forget.
      ...t.effects.map((e) =>
        e.awaitOutcome
          ? { name: 'effect' as const, data: { instanceId: s.instanceId, ref: e.idempotencyKey } }
          : { name: 'notify' as const, data: { instanceId: s.instanceId, ref: e.idempotencyKey, params: e.params } },
      ),
    ];
    await writeOutbox(em, messages);
  }

  /** Reminders and overdue notices show on the open task, so inboxes can flag them. */
  private async markReminders(em: EntityManager, t: Transition) {
    const task = t.state.current.task;
    if (!task) return;
    for (const h of t.history) {
      const column = h.action === 'remind' ? 'reminded_at' : h.action === 'escalate' ? 'overdue_at' : undefined;
      if (column) await this.exec(em, `update workflow_task set ${column} = ? where key = ?`, [h.at, task.taskId]);
    }
  }

  private async insertHistory(em: EntityManager, orgPath: string, key: string, version: number, history: HistoryEntry[]) {
    if (!history.length) return;
    const values: unknown[] = [];
    const rows = history.map((h) => {
      values.push(
        h.instanceId, h.seq, key, version, h.at, h.from, h.to, h.action, h.actor?.accountId ?? null,
        h.actor?.organizationId ?? null, h.actor?.as ?? null, h.comment, h.round, JSON.stringify(h.cause), orgPath,
      );
      return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)';
    });
    await this.exec(
      em,
      `insert into workflow_history (instance_id, seq, definition_key, definition_version, at, from_state, to_state, action,
         actor_account_id, actor_org_id, acting_as, comment, round, cause, subject_org_path) values ${rows.join(', ')}`,
      values,
    );
  }

  /**
   * Opens the instance's current task, once, in one statement: it reads the task from the instance row under
   * FOR SHARE, so it waits for a transition in flight and opens nothing if the instance has moved past that
   * task; the unique key makes a redelivered job a no-op.
   */
  async openCurrentTask(em: EntityManager, instanceId: string, taskKey: string): Promise<void> {
    await this.exec(
      em,
      `insert into workflow_task (id, key, instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path,
         candidate_roles, actions, round, assigned_to, opened_at, due_at, escalated)
       select gen_random_uuid(), t->>'taskId', i.id, i.definition_key, t->>'step', t->>'title', t->>'kind',
              (t->>'organizationId')::uuid, t->>'organizationPath',
              array(select jsonb_array_elements_text(t->'candidateRoles')), array(select jsonb_array_elements_text(t->'actions')),
              (t->>'round')::int, case when t->>'kind' = 'applicant' then i.applicant_account_id end,
              (t->>'openedAt')::timestamptz, (t->>'dueAt')::timestamptz, (t->>'escalated')::boolean
         from (select id, definition_key, applicant_account_id, data->'current'->'task' as t
                 from workflow_instance where id = ? and status = 'ACTIVE' for share) i
        where t->>'taskId' = ?
       on conflict (key) do nothing`,
      [instanceId, taskKey],
    );
  }

  private async exec(em: EntityManager, sql: string, params: unknown[]): Promise<number> {
    const res = await em.getConnection().execute(sql, params, 'run', em.getTransactionContext());
    return (res as unknown as { affectedRows: number }).affectedRows;
  }
}
