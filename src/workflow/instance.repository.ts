import type { EntityManager } from '@mikro-orm/postgresql';
import { type Connection, type KeysetPage, newestFirst, rowPage } from '../common/connection';
import { type Conditions, pgArray, runSql } from '../db/sql';
import type { InstanceState } from './core/types';
import { INSTANCE_COLUMNS, instanceFromRow, type WorkflowInstance, type WorkflowInstanceRow } from './workflow-instance.entity';

/** A task's head with its instance's row: what a decision reads first. */
export type TaskWithInstanceRow = WorkflowInstanceRow & {
  task_key: string;
  task_status: string;
  task_claimed_by: string | null;
  task_assigned_to: string | null;
  task_routed_org_path: string | null;
};

/** Prepared, so its columns are named (a prepared `i.*` breaks when a migration adds one). */
const TASK_WITH_INSTANCE = `select ${INSTANCE_COLUMNS.map((c) => `i.${c}`).join(', ')}, i.data, t.key as task_key, t.status as task_status,
         t.claimed_by as task_claimed_by, t.assigned_to as task_assigned_to, t.routed_org_path as task_routed_org_path
    from workflow_task t join workflow_instance i on i.id = t.instance_id where t.id = ?`;

/**
 * The instance rows' reads, as plain rows (the engine's writes are WorkflowStore's): what the API and the
 * workers read of an instance before they ask the pure core.
 */
export class InstanceRepository {
  /** A task and its instance in one statement: a decision is the hottest path of the API. */
  async taskWithInstance(em: EntityManager, taskId: string): Promise<TaskWithInstanceRow | undefined> {
    return (await runSql<TaskWithInstanceRow>(em, TASK_WITH_INSTANCE, [taskId], { prepare: true })).rows[0];
  }

  /** An instance as the API answers it: a plain object, never a managed entity (its state JSON would be snapshotted for change tracking). */
  async byId(em: EntityManager, id: string): Promise<WorkflowInstance | undefined> {
    return (await runSql<WorkflowInstanceRow>(em, 'select * from workflow_instance where id = ?', [id])).rows.map((r) => instanceFromRow(r))[0];
  }

  async byIds(em: EntityManager, ids: readonly string[]): Promise<WorkflowInstance[]> {
    return (await runSql<WorkflowInstanceRow>(em, 'select * from workflow_instance where id = any(?::uuid[])', [pgArray(ids)])).rows.map((r) => instanceFromRow(r));
  }

  /** A page of instances, newest first; `where` names the table `i`. */
  page(em: EntityManager, where: Conditions, page: KeysetPage): Promise<Connection<WorkflowInstance>> {
    return rowPage<WorkflowInstance>(
      em,
      {
        select: 'i.*',
        from: 'workflow_instance i',
        where,
        ...newestFirst<WorkflowInstance>('i'),
        shape: (row) => instanceFromRow(row as unknown as WorkflowInstanceRow),
      },
      page,
    );
  }

  /** The ids of the running instances of a workflow that stand in one state. */
  async idsInState(em: EntityManager, definitionKey: string, state: string): Promise<string[]> {
    const { rows } = await runSql<{ id: string }>(
      em,
      `select id from workflow_instance where definition_key = ? and state = ? and status = 'ACTIVE'`,
      [definitionKey, state],
    );
    return rows.map((r) => r.id);
  }

  /** The state of an instance still running, for a timer: no lock, since the write that follows checks the seq. */
  async activeState(em: EntityManager, id: string): Promise<{ seq: number; data: InstanceState } | undefined> {
    return (await runSql<{ seq: number; data: InstanceState }>(em, `select seq, data from workflow_instance where id = ? and status = 'ACTIVE'`, [id])).rows[0];
  }

  /**
   * The state of an instance, its row locked until the transaction ends: an effect's run, so a redelivered job
   * waits for a run in flight and then finds the step over.
   */
  async lockedState(em: EntityManager, id: string): Promise<{ subject_id: string; seq: number; data: InstanceState } | undefined> {
    return (
      await runSql<{ subject_id: string; seq: number; data: InstanceState }>(em, 'select subject_id, seq, data from workflow_instance where id = ? for update', [id], {
        prepare: true,
      })
    ).rows[0];
  }
}
