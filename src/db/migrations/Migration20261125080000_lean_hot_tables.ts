import { Migration } from '@mikro-orm/migrations';

/**
 * Less write work per decision on the hottest tables. Dispatched outbox rows are deleted rather than kept, so
 * the table holds only pending messages; two history indexes that the unique (instance, seq, …) index and the
 * organisation index already cover go; and instances leave room on their pages and keep their state out of
 * any index, so a transition can update the row in place (a HOT update) without touching its indexes.
 */
export class Migration20261125080000_lean_hot_tables extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index workflow_outbox_pending_idx;`);
    this.addSql(`alter table workflow_outbox drop column dispatched_at;`);
    this.addSql(`drop index workflow_history_at_idx;`);
    this.addSql(`drop index workflow_history_instance_idx;`);
    this.addSql(`drop index workflow_instance_def_idx;`);
    this.addSql(`create index workflow_instance_definition_idx on workflow_instance (definition_key, created_at, id);`);
    this.addSql(`alter table workflow_instance set (fillfactor = 70);`);
  }
}
