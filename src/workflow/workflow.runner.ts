import { UnrecoverableError } from 'bullmq';
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '../common/logger';
import type { Orm } from '../db/orm';
import * as engine from './core/engine';
import type { InstanceState, JsonValue, TimerKind } from './core/types';
import type { DefinitionRegistry } from './definitions/definition.loader';
import type { EffectRegistry } from './effects';
import type { WorkflowJob } from './queue';
import type { WorkflowStore } from './workflow.store';
import type { InstanceRepository } from './instance.repository';
import type { LivePublisher } from '../live/live.publisher';

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
    private readonly instances: InstanceRepository,
    private readonly live: LivePublisher,
    private readonly logger: Logger,
  ) {}

  /** Does a job's work; the outbox row it fulfils is deleted in the same transaction, so the obligation ends with it. */
  async handle(job: WorkflowJob): Promise<void> {
    const { data } = job;
    switch (job.name) {
      case 'open-task':
        return this.openTask(data.instanceId, data.ref, data.obligationId);
      case 'timer':
        return this.fireTimer(job.data.instanceId, job.data.ref, job.data.kind, data.obligationId);
      case 'effect':
        return this.runEffect(data.instanceId, data.ref, data.obligationId);
      case 'notify':
        return this.notify(job.data.instanceId, job.data.ref, job.data.params, data.obligationId);
    }
  }

  /** Files a reminder or overdue notice for the task's candidates (or the applicant), once per key. */
  async notify(instanceId: string, key: string, params: Record<string, JsonValue>, obligationId?: string): Promise<void> {
    const roles = Array.isArray(params.roles) ? params.roles.map(String) : [];
    const em = this.orm.em.fork() as EntityManager;
    const filed = await this.store.fileNotice(em, obligationId, {
      key,
      instanceId,
      reason: params.reason,
      step: params.step,
      taskKey: params.taskId ?? null,
      dueAt: params.dueAt ?? null,
      roles,
      organizationId: params.organizationId ?? null,
      accountId: params.accountId ?? null,
    });
    if (filed) this.live.after(em, [{ type: 'notification', key }]);
    this.logger.info('workflow notice', { instanceId, reason: params.reason, step: params.step, organizationId: params.organizationId });
  }

  /**
   * Inserts the inbox row, unless the instance has already moved past that task. The jobs a worker runs at
   * once are opened together, in one statement per turn of the event loop.
   */
  openTask(instanceId: string, taskKey: string, obligationId?: string): Promise<void> {
    return this.taskOpener.load({ instanceId, taskKey, obligationId });
  }

  private readonly taskOpener = new DataLoader<{ instanceId: string; taskKey: string; obligationId?: string }, void>(
    async (tasks) => {
      await this.store.openCurrentTasks(this.orm.em.fork() as EntityManager, tasks);
      return tasks.map(() => undefined);
    },
    { cache: false, batchScheduleFn: (run) => setImmediate(run) },
  );

  /** A stale timer is a no-op; one that lost a race with a decision fails with CONFLICT and BullMQ retries it. */
  async fireTimer(instanceId: string, timerId: string, kind: TimerKind, obligationId?: string): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    const row = await this.instances.activeState(em, instanceId);
    const t = row && engine.timerFired(this.definitionOf(row.data), row.data, { timerId, kind, now: new Date().toISOString() });
    if (!row || !t?.changed) return this.store.fulfil(em, obligationId);
    // Like an action on the instance, a timer can move it on while a worker is opening its task.
    await this.inTransaction(async (tx) => {
      await this.store.save(tx, row.seq, t, { openTasksNow: true, fulfils: obligationId });
      await this.store.cancelStaleTasks(tx, instanceId);
    });
  }

  /**
   * Runs a system step's effect and records its outcome in the same transaction as the effect's own writes.
   * The instance row is locked first, so a redelivered job waits for a run in flight and then finds the step
   * over (its pending effect gone) and does nothing; the effect's unique key in workflow_effect backs that up.
   */
  async runEffect(instanceId: string, key: string, obligationId?: string): Promise<void> {
    await this.inTransaction(async (em) => {
      const row = await this.instances.lockedState(em, instanceId);
      const state = row?.data;
      const pending = state?.current.pendingEffect;
      if (!row || !state || pending?.idempotencyKey !== key) return this.store.fulfil(em, obligationId);
      const def = this.definitionOf(state);
      const spec = def.states[state.current.state];
      const params = spec.kind === 'system' ? engine.resolveInput(def, state, spec.input) : {};
      const handler = this.effects.get(pending.name);
      if (!handler) throw new UnrecoverableError(`no handler for effect ${pending.name}`);
      const outcome = await handler({ em, instance: { id: instanceId, subjectId: row.subject_id }, params, idempotencyKey: key });
      const t = engine.effectCompleted(def, state, { effect: pending.name, idempotencyKey: key, outcome, now: new Date().toISOString() });
      await this.store.save(em, row.seq, t, { openTasksNow: true, effect: { key, name: pending.name, outcome }, fulfils: obligationId });
      this.logger.info('workflow effect ran', { instanceId, effect: pending.name, outcome });
    });
  }

  private definitionOf(state: InstanceState) {
    const def = this.definitions.get(state.definitionKey, state.definitionVersion);
    // No retry brings back a definition version this process does not have: fail at once, as failed work.
    if (!def) throw new UnrecoverableError(`definition ${state.definitionKey} v${state.definitionVersion} is not loaded`);
    return def;
  }

  private inTransaction(fn: (em: EntityManager) => Promise<void>): Promise<void> {
    return this.orm.em.fork().transactional((em) => fn(em as EntityManager));
  }
}
