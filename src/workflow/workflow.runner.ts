import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import * as engine from './core/engine';
import type { InstanceState, JsonValue, TimerKind } from './core/types';
import { pgArray } from '../db/sql';
import type { DefinitionRegistry } from './definitions/definition.loader';
import type { EffectRegistry } from './effects';
import type { WorkflowJobData, WorkflowJobName } from './queue';
import { WorkflowInstance } from './workflow-instance.entity';
import type { WorkflowStore } from './workflow.store';

/**
 * What the queue workers do with each job. Every handler reads the instance, asks the pure core, and writes
 * in one transaction; each is idempotent, so a job delivered twice changes nothing the second time.
 */
export class WorkflowRunner {
  constructor(
    private readonly orm: Orm,
    private readonly definitions: DefinitionRegistry,
    private readonly effects: EffectRegistry,
    private readonly store: WorkflowStore,
    private readonly logger: Logger,
  ) {}

  async handle(name: WorkflowJobName, data: WorkflowJobData): Promise<void> {
    switch (name) {
      case 'open-task':
        return this.openTask(data.instanceId, data.ref);
      case 'timer':
        return this.fireTimer(data.instanceId, data.ref, data.kind as TimerKind);
      case 'effect':
        return this.runEffect(data.instanceId, data.ref);
      case 'notify':
        return this.notify(data.instanceId, data.ref, data.params ?? {});
    }
  }

  /** Files a reminder or overdue notice for the task's candidates (or the applicant), once per key. */
  async notify(instanceId: string, key: string, params: Record<string, JsonValue>): Promise<void> {
    const em = this.orm.em.fork();
    const roles = Array.isArray(params.roles) ? params.roles.map(String) : [];
    await em.getConnection().execute(
      `insert into workflow_notification (key, instance_id, reason, step, task_key, due_at, roles, organization_id, account_id)
       values (?, ?, ?, ?, ?, ?, ?::text[], ?, ?) on conflict (key) do nothing`,
      [key, instanceId, params.reason, params.step, params.taskId ?? null, params.dueAt ?? null, pgArray(roles), params.organizationId ?? null, params.accountId ?? null],
    );
    this.logger.info('workflow notice', { instanceId, reason: params.reason, step: params.step, organizationId: params.organizationId });
  }

  /** Inserts the inbox row, unless the instance has already moved past that task. */
  openTask(instanceId: string, taskKey: string): Promise<void> {
    return this.store.openCurrentTask(this.orm.em.fork() as EntityManager, instanceId, taskKey);
  }

  /** A stale timer is a no-op; one that lost a race with a decision fails with CONFLICT and BullMQ retries it. */
  async fireTimer(instanceId: string, timerId: string, kind: TimerKind): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    const instance = await em.findOne(WorkflowInstance, instanceId);
    if (!instance || instance.status !== 'ACTIVE') return;
    const t = engine.timerFired(this.definitionOf(instance.data), instance.data, { timerId, kind, now: new Date().toISOString() });
    await this.store.save(em, instance.seq, t, { openTasksNow: true });
  }

  /**
   * Runs a system step's effect and records its outcome in the same transaction as the effect's own writes:
   * the workflow_effect key is the once-only guard, the optimistic seq check the guard against a racing step.
   */
  async runEffect(instanceId: string, key: string): Promise<void> {
    await this.inTransaction(async (em) => {
      const instance = await em.findOne(WorkflowInstance, instanceId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const pending = instance?.data.current.pendingEffect;
      if (!instance || pending?.idempotencyKey !== key) return;
      const conn = em.getConnection();
      const claimed = await conn.execute(
        `insert into workflow_effect (key, instance_id, effect, outcome) values (?, ?, ?, 'RUNNING') on conflict (key) do nothing`,
        [key, instanceId, pending.name],
        'run',
        em.getTransactionContext(),
      );
      if ((claimed as unknown as { affectedRows: number }).affectedRows !== 1) return;
      const def = this.definitionOf(instance.data);
      const spec = def.states[instance.data.current.state];
      const params = spec.kind === 'system' ? engine.resolveInput(def, instance.data, spec.input) : {};
      const outcome = await this.effects.get(pending.name)({ em, instance, params, idempotencyKey: key });
      await conn.execute('update workflow_effect set outcome = ? where key = ?', [outcome, key], 'run', em.getTransactionContext());
      const t = engine.effectCompleted(def, instance.data, { effect: pending.name, idempotencyKey: key, outcome, now: new Date().toISOString() });
      await this.store.save(em, instance.seq, t, { openTasksNow: true });
      this.logger.info('workflow effect ran', { instanceId, effect: pending.name, outcome });
    });
  }

  private definitionOf(state: InstanceState) {
    const def = this.definitions.get(state.definitionKey, state.definitionVersion);
    if (!def) throw new Error(`definition ${state.definitionKey} v${state.definitionVersion} is not loaded`);
    return def;
  }

  private inTransaction(fn: (em: EntityManager) => Promise<void>): Promise<void> {
    return this.orm.em.fork().transactional((em) => fn(em as EntityManager));
  }
}
