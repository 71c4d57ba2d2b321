import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';
import type { IdempotencyStore, IdempotentRequest } from '../idempotency/idempotency.store';
import { conflict } from '../common/errors';
import type { JsonValue, TimerSpec, Transition } from './core/types';
import { OutboxMessage, outboxRows, type OutboxWaker } from './outbox';
import { INSTANCE_COLUMNS, type WorkflowInstanceRow } from './workflow-instance.entity';
import type { LiveEvent } from '../live/live.events';
import type { LivePublisher } from '../live/live.publisher';
import type { HistoryDetail } from './workflow-history.entity';
import { EAGER_LEASE_SECONDS, type EagerEffect, type EagerEffects } from './eager-effects';

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

/** An effect that ran in the transaction saving its outcome. */
export interface EffectRecord {
  key: string;
  name: string;
  outcome: string;
}

/**
 * What the outer layer knows of the person behind a transition and the core does not: the role they acted in,
 * on whose behalf (delegation), and the act's detail (a resubmission's changes). Applied to the history rows
 * whose actor is that account.
 */
export interface Attribution {
  accountId: string;
  role: string | null;
  onBehalfOfAccountId?: string | null;
  detail?: HistoryDetail | null;
}

export interface SaveOptions {
  attribution?: Attribution;
  decision?: Decision;
  /** Recorded under its key, which is unique: an effect can never commit twice. */
  effect?: EffectRecord;
  /** Recorded with the instance as this statement writes it, so a repeat is answered with it. */
  idempotency?: IdempotentRequest;
  /** The outbox row (obligation) whose job this transition is the work of: deleted with it. */
  fulfils?: string;
  /**
   * Opens the next tasks in the same statement instead of sending them round through the outbox and the queue
   * to a worker: every transition but a filing's (decisions, instance actions, effect outcomes, timers).
   */
  openTasksNow?: boolean;
}

/**
 * Only the earliest pending timer of the state is armed as a delayed job, when the pending timers change (new
 * ones, or one fired): a step's reminder and deadline cost one job, not two, and the deadline is armed when
 * the reminder fires. Most tasks are decided before either, so most of these jobs end as no-ops.
 */
function timersToArm(t: Transition): TimerSpec[] {
  const fired = t.history.some((h) => h.cause.type === 'timer');
  const pending = t.state.current.timers;
  if ((!t.timers.length && !fired) || !pending.length) return [];
  const first = pending.reduce((min, timer) => (timer.fireAt < min ? timer.fireAt : min), pending[0].fireAt);
  return pending.filter((timer) => timer.fireAt === first);
}

/**
 * What a written transition changed, for the live updates: the instance; the tasks it closed and, when it
 * opens them itself, opened; a vote that leaves its task open takes it out of the voter's inbox only.
 */
function liveEvents(t: Transition, extra: SaveOptions): LiveEvent[] {
  const decision = extra.decision;
  return [
    { type: 'instance', id: t.state.instanceId },
    ...t.closeTasks.map((key): LiveEvent => ({ type: 'task', change: 'closed', key })),
    ...(extra.openTasksNow ? t.openTasks.map((task): LiveEvent => ({ type: 'task', change: 'opened', key: task.taskId })) : []),
    ...(decision && !t.closeTasks.includes(decision.taskKey) ? [{ type: 'task', change: 'voted', key: decision.taskKey, accountId: decision.accountId } as const] : []),
  ];
}

/** A reminder or overdue notice, as a notify job's parameters name it. */
export interface Notice {
  key: string;
  instanceId: string;
  reason: JsonValue;
  step: JsonValue;
  taskKey: JsonValue;
  dueAt: JsonValue;
  roles: string[];
  organizationId: JsonValue;
  accountId: JsonValue;
}

/** One part of a transition's statement: a data-modifying CTE and its parameters. */
interface Part {
  sql: string;
  params: unknown[];
  /** The CTE's name, when the statement reads what it returns. */
  name?: string;
}

/** The outbox row of an effect this process runs itself, returning its id. */
const EAGER = 'eager_effect';

/** The outbox part, with when its earliest row is due (whether the relays need waking). */
interface OutboxPart extends Part {
  earliestRunAt: Date;
}

/** The instance row as written, but its state: the caller has that already, so it need not travel back as JSON. */
const RETURNED = INSTANCE_COLUMNS.join(', ');
/** The instance as a transition left it, kept with an idempotency key: a repeated request is answered with it. */
const INSTANCE_SNAPSHOT = `jsonb_build_object('state', h.state, 'status', h.status, 'outcome', h.outcome, 'seq', h.seq, 'data', h.data, 'updated_at', h.updated_at)`;

/** Each dependent write runs only if the instance row was written (inserted, or updated at the expected seq). */
const IF_HEAD = 'exists (select 1 from head)';

/**
 * Writes what the pure core decided — the instance row, its history, task closures, reminders and the outbox
 * messages that make the workers open tasks, arm timers and run effects — as ONE statement of
 * data-modifying CTEs: atomic on its own, one round trip, and inside the caller's transaction when there is one.
 */
export class WorkflowStore {
  constructor(
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly waker: OutboxWaker,
    /** Told what each statement changed, for the live updates, once it has committed. */
    private readonly live: LivePublisher,
    /** Runs a system step's effect in this process, right after the commit of the transition that reached it. */
    private readonly eager: EagerEffects,
  ) {}

  async insert(em: EntityManager, meta: InstanceMeta, t: Transition, attribution?: Attribution): Promise<WorkflowInstanceRow> {
    const s = t.state;
    const head: Part = {
      sql: `insert into workflow_instance (id, definition_key, definition_version, subject_type, subject_id, subject_org_id,
              subject_org_path, applicant_account_id, applicant_member_id, state, status, outcome, seq, data)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb) returning ${RETURNED}`,
      params: [
        s.instanceId, s.definitionKey, s.definitionVersion, meta.subjectType, meta.subjectId, s.subject.organization.id,
        s.subject.organization.path, meta.applicantAccountId ?? null, meta.applicantMemberId ?? null, s.current.state,
        s.status, s.outcome, s.seq, JSON.stringify(s),
      ],
    };
    return (await this.run(em, head, t, { attribution }))!;
  }

  /**
   * Saves a transition taken from the state at `prevSeq` and returns the instance row as written. Optimistic:
   * if another transition committed first, nothing is written and the caller gets CONFLICT.
   */
  async save(
    em: EntityManager,
    prevSeq: number,
    t: Transition,
    extra: SaveOptions = {},
  ): Promise<WorkflowInstanceRow | undefined> {
    if (!t.changed) return undefined;
    const s = t.state;
    const head: Part = {
      sql: `update workflow_instance set state = ?, status = ?, outcome = ?, seq = ?, data = ?::jsonb, updated_at = now()
             where id = ? and seq = ? returning ${RETURNED}${extra.idempotency ? ', data' : ''}`,
      params: [s.current.state, s.status, s.outcome, s.seq, JSON.stringify(s), s.instanceId, prevSeq],
    };
    const row = await this.run(em, head, t, extra);
    if (!row) throw conflict('Someone else acted on this workflow first; reload it and try again', 'CONCURRENT_UPDATE');
    return row;
  }

  private async run(em: EntityManager, head: Part, t: Transition, extra: SaveOptions = {}) {
    const eager = this.eagerEffect(t);
    const outbox = this.outbox(t, !extra.openTasksNow, eager?.effect.ref);
    const parts = [
      this.history(t, extra.attribution),
      this.closeTasks(t, extra.decision),
      this.recordVote(t, extra.decision),
      ...this.reminders(t),
      extra.openTasksNow ? this.openTasks(t) : undefined,
      outbox,
      eager?.part,
      this.idempotency(extra.idempotency),
      this.effect(t, extra.effect),
      extra.fulfils ? { sql: `delete from workflow_outbox where id = ?::bigint and ${IF_HEAD}`, params: [extra.fulfils] } : undefined,
    ].filter((p): p is Part => p !== undefined);
    const sql =
      [`with head as (${head.sql})`, ...parts.map((p, i) => `${p.name ?? `w${i}`} as (${p.sql})`)].join(',\n') +
      `\nselect ${RETURNED}${eager ? `, (select id from ${EAGER}) as eager_obligation` : ''} from head`;
    const params = [...head.params, ...parts.flatMap((p) => p.params)];
    const { rows: [row] } = await runSql<Omit<WorkflowInstanceRow, 'data'> & { eager_obligation?: string }>(em, sql, params, { prepare: true });
    if (!row) return undefined;
    if (outbox) this.waker.afterCommit(em, outbox.earliestRunAt);
    const { eager_obligation: obligationId, ...written } = row;
    if (eager && obligationId) this.eager.afterCommit(em, { ...eager.effect, obligationId: String(obligationId) });
    this.live.after(em, liveEvents(t, extra));
    return { ...written, data: t.state };
  }

  private history(t: Transition, attribution?: Attribution): Part | undefined {
    if (!t.history.length) return undefined;
    const s = t.state;
    const params: unknown[] = [];
    const rows = t.history.map((h) => {
      const by = attribution && h.actor?.accountId === attribution.accountId ? attribution : undefined;
      params.push(
        h.instanceId, h.seq, s.definitionKey, s.definitionVersion, h.at, h.from, h.to, h.action, h.actor?.accountId ?? null,
        h.actor?.organizationId ?? null, h.actor?.as ?? null, h.comment, h.round, JSON.stringify(h.cause), s.subject.organization.path,
        h.actor?.onBehalfOf ?? by?.onBehalfOfAccountId ?? null, by?.role ?? null, by?.detail ? JSON.stringify(by.detail) : null,
      );
      return '(?::uuid, ?::int, ?, ?::int, ?::timestamptz, ?, ?, ?, ?::uuid, ?::uuid, ?, ?, ?::int, ?::jsonb, ?, ?::uuid, ?, ?::jsonb)';
    });
    return {
      sql: `insert into workflow_history (instance_id, seq, definition_key, definition_version, at, from_state, to_state, action,
              actor_account_id, actor_org_id, acting_as, comment, round, cause, subject_org_path, on_behalf_of_account_id, actor_role, detail)
            select * from (values ${rows.join(', ')}) v where ${IF_HEAD}`,
      params,
    };
  }

  /**
   * The task decided on is DONE with its decision; any other task the step closes is CANCELLED. Written for the
   * statement's generic plan (it is prepared), which knows neither the keys nor how many: one key is an
   * equality, which costs the plan no more than a custom one, so PostgreSQL keeps it instead of planning each
   * time (an array is taken for ten keys). "Still open" is written `is not distinct from` so that it cannot
   * pass for the predicate of the open-task indexes: a generic plan chose one of them on stale statistics and
   * walked every open task instead of looking the key up.
   */
  private closeTasks(t: Transition, decision?: Decision): Part | undefined {
    if (!t.closeTasks.length) return undefined;
    const key = decision?.taskKey ?? null;
    const single = t.closeTasks.length === 1;
    return {
      sql: `update workflow_task
               set status = case when key = ? then 'DONE' else 'CANCELLED' end,
                   decision = case when key = ? then ? end,
                   decided_by = case when key = ? then ?::uuid end,
                   decided_at = now()
             where ${single ? 'key = ?' : 'key = any(?::text[])'} and status is not distinct from 'OPEN' and ${IF_HEAD}`,
      params: [key, key, decision?.action ?? null, key, decision?.accountId ?? null, single ? t.closeTasks[0] : pgArray(t.closeTasks)],
    };
  }

  /** A vote that does not close its task marks the voter, so the task leaves their inbox. */
  private recordVote(t: Transition, decision?: Decision): Part | undefined {
    if (!decision || t.closeTasks.includes(decision.taskKey)) return undefined;
    return {
      sql: `update workflow_task set voted_by = array_append(voted_by, ?::uuid) where key = ? and kind = 'vote' and ${IF_HEAD}`,
      params: [decision.accountId, decision.taskKey],
    };
  }

  /** Reminders and overdue notices show on the open task, so inboxes can flag them. */
  private reminders(t: Transition): Part[] {
    const task = t.state.current.task;
    if (!task) return [];
    return t.history.flatMap((h) => {
      const column = h.action === 'remind' ? 'reminded_at' : h.action === 'escalate' ? 'overdue_at' : undefined;
      return column ? [{ sql: `update workflow_task set ${column} = ?::timestamptz where key = ? and ${IF_HEAD}`, params: [h.at, task.taskId] }] : [];
    });
  }

  /** The tasks the transition opens, written with it; the unique key makes a repeated write a no-op. */
  private openTasks(t: Transition): Part | undefined {
    if (!t.openTasks.length) return undefined;
    const params: unknown[] = [];
    const rows = t.openTasks.map((task) => {
      params.push(
        task.taskId, task.step, task.title, task.kind, task.organizationId, task.organizationPath, pgArray(task.candidateRoles),
        pgArray(task.actions), task.round, task.kind === 'applicant', task.assignedTo ?? null, task.openedAt, task.dueAt, task.escalated,
      );
      return '(?, ?, ?, ?, ?::uuid, ?, ?::text[], ?::text[], ?::int, ?::boolean, ?::uuid, ?::timestamptz, ?::timestamptz, ?::boolean)';
    });
    return {
      sql: `insert into workflow_task (id, key, instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path,
              candidate_roles, actions, round, assigned_to, opened_at, due_at, escalated)
            select gen_random_uuid(), v.key, head.id, head.definition_key, v.step, v.title, v.kind, v.org_id, v.org_path, v.roles,
                   v.actions, v.round, coalesce(v.assigned_to, case when v.for_applicant then head.applicant_account_id end), v.opened_at, v.due_at, v.escalated
              from (values ${rows.join(', ')}) as v(key, step, title, kind, org_id, org_path, roles, actions, round, for_applicant, assigned_to, opened_at, due_at, escalated),
                   head
            on conflict (key) do nothing`,
      params,
    };
  }

  /**
   * The system step's effect, when this process takes it: its outbox row written leased to this process (the
   * relays leave it), the process runs it after the commit (EagerEffects).
   */
  private eagerEffect(t: Transition): { effect: Omit<EagerEffect, 'obligationId'>; part: Part } | undefined {
    const effect = t.effects.find((e) => e.awaitOutcome);
    if (!effect || !this.eager.accepting) return undefined;
    const data = { instanceId: t.state.instanceId, ref: effect.idempotencyKey };
    const rows = outboxRows([{ name: 'effect', data }])!;
    return {
      effect: data,
      part: {
        name: EAGER,
        sql: `insert into workflow_outbox (job_id, job_name, payload, run_at, leased_until)
              select v.*, now() + interval '${EAGER_LEASE_SECONDS} seconds' from (${rows.sql}) v where ${IF_HEAD} returning id`,
        params: rows.params,
      },
    };
  }

  /** The jobs the transition owes, but the effect this process runs itself (`eagerRef`). */
  private outbox(t: Transition, withOpenTasks: boolean, eagerRef?: string): OutboxPart | undefined {
    const instanceId = t.state.instanceId;
    const messages: OutboxMessage[] = [
      ...(withOpenTasks ? t.openTasks : []).map((task) => ({ name: 'open-task' as const, data: { instanceId, ref: task.taskId } })),
      ...timersToArm(t).map((timer) => ({ name: 'timer' as const, data: { instanceId, ref: timer.id, kind: timer.kind }, runAt: new Date(timer.fireAt) })),
      // System steps wait for their effect's outcome; notices (reminders, overdue) are fire-and-forget.
      ...t.effects.filter((e) => e.idempotencyKey !== eagerRef).map((e) =>
        e.awaitOutcome
          ? { name: 'effect' as const, data: { instanceId, ref: e.idempotencyKey } }
          : { name: 'notify' as const, data: { instanceId, ref: e.idempotencyKey, params: e.params } },
      ),
    ];
    const rows = outboxRows(messages);
    return (
      rows && {
        sql: `insert into workflow_outbox (job_id, job_name, payload, run_at) select * from (${rows.sql}) v where ${IF_HEAD}`,
        params: rows.params,
        earliestRunAt: rows.earliestRunAt,
      }
    );
  }

  private idempotency(request?: IdempotentRequest): Part | undefined {
    if (!request) return undefined;
    return this.idempotencyKeys.insertPart(request, { resultId: 'h.id', result: INSTANCE_SNAPSHOT, from: 'head h' });
  }

  private effect(t: Transition, record?: EffectRecord): Part | undefined {
    if (!record) return undefined;
    return {
      sql: `insert into workflow_effect (key, instance_id, effect, outcome) select ?, ?::uuid, ?, ? where ${IF_HEAD}`,
      params: [record.key, t.state.instanceId, record.name, record.outcome],
    };
  }

  /**
   * A transition's statement closes the tasks its snapshot shows. A task a worker committed while that statement
   * waited for the instance row (or just before it took the lock) is not among them; run after the transition,
   * in its transaction, this cancels every open task of the instance that is not its current one.
   */
  async cancelStaleTasks(em: EntityManager, instanceId: string): Promise<void> {
    const { rows } = await runSql<{ key: string }>(
      em,
      `update workflow_task t set status = 'CANCELLED', decided_at = now()
         from workflow_instance i
        where i.id = ? and t.instance_id = i.id and t.status = 'OPEN'
          and t.key is distinct from (i.data->'current'->'task'->>'taskId')
       returning t.key`,
      [instanceId],
    );
    this.live.after(em, rows.map((r) => ({ type: 'task', change: 'closed', key: r.key })));
  }

  /**
   * Opens each instance's current task, once, in one statement for the whole batch: it reads the task from
   * the instance row under FOR SHARE, so it waits for a transition in flight and opens nothing for an instance
   * that has moved past that task; the unique key makes a redelivered job a no-op.
   */
  async openCurrentTasks(em: EntityManager, tasks: readonly { instanceId: string; taskKey: string; obligationId?: string }[]): Promise<void> {
    const fulfilled = tasks.flatMap((t) => (t.obligationId ? [t.obligationId] : []));
    const { rows } = await runSql<{ key: string }>(
      em,
      `with fulfilled as (delete from workflow_outbox where id = any(?::bigint[]))
       insert into workflow_task (id, key, instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path,
         candidate_roles, actions, round, assigned_to, opened_at, due_at, escalated)
       select gen_random_uuid(), t->>'taskId', i.id, i.definition_key, t->>'step', t->>'title', t->>'kind',
              (t->>'organizationId')::uuid, t->>'organizationPath',
              array(select jsonb_array_elements_text(t->'candidateRoles')), array(select jsonb_array_elements_text(t->'actions')),
              (t->>'round')::int, coalesce((t->>'assignedTo')::uuid, case when t->>'kind' = 'applicant' then i.applicant_account_id end),
              (t->>'openedAt')::timestamptz, (t->>'dueAt')::timestamptz, (t->>'escalated')::boolean
         from (select w.id, w.definition_key, w.applicant_account_id, w.data->'current'->'task' as t
                 from workflow_instance w join unnest(?::uuid[], ?::text[]) as job(instance_id, task_key) on w.id = job.instance_id
                where w.status = 'ACTIVE' and w.data->'current'->'task'->>'taskId' = job.task_key
                for share of w) i
       on conflict (key) do nothing
       returning key`,
      [pgArray(fulfilled), pgArray(tasks.map((t) => t.instanceId)), pgArray(tasks.map((t) => t.taskKey))],
    );
    this.live.after(em, rows.map((r) => ({ type: 'task', change: 'opened', key: r.key })));
  }

  /**
   * Files a reminder or overdue notice and ends the obligation that asked for it, in one statement; the notice's
   * key makes a redelivered job a no-op. Whether the notice is new.
   */
  async fileNotice(em: EntityManager, obligationId: string | undefined, notice: Notice): Promise<boolean> {
    const { rowCount } = await runSql(
      em,
      `with fulfilled as (delete from workflow_outbox where id = ?::bigint)
       insert into workflow_notification (key, instance_id, reason, step, task_key, due_at, roles, organization_id, account_id)
       values (?, ?, ?, ?, ?, ?, ?::text[], ?, ?) on conflict (key) do nothing`,
      [
        obligationId ?? null, notice.key, notice.instanceId, notice.reason, notice.step, notice.taskKey, notice.dueAt, pgArray(notice.roles),
        notice.organizationId, notice.accountId,
      ],
    );
    return rowCount > 0;
  }

  /** Deletes outbox rows whose jobs found nothing left to do (a stale timer, an effect already run). */
  async fulfil(em: EntityManager, obligationId: string | undefined): Promise<void> {
    if (obligationId) await runSql(em, 'delete from workflow_outbox where id = ?::bigint', [obligationId]);
  }
}
