import { Migration } from '@mikro-orm/migrations';

/**
 * The inbox reads only open tasks, so every index it uses is partial on `status = 'OPEN'`: small and
 * unchanged in size however many millions of tasks are closed. Beside the routed-organisation index of the
 * workflow migration: the subtree a supervisor reads (`myTasks(scope: SUBTREE)`) as a path range scan, and
 * the tasks handed or assigned to one person.
 */
export class Migration20261213000000_inbox_indexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index workflow_task_open_path_idx on workflow_task (routed_org_path text_pattern_ops, due_at, id) where status = 'OPEN';`);
    this.addSql(`create index workflow_task_open_assignee_idx on workflow_task (assigned_to) where status = 'OPEN' and assigned_to is not null;`);
    this.addSql(`create index workflow_task_open_claimant_idx on workflow_task (claimed_by) where status = 'OPEN' and claimed_by is not null;`);
  }
}
