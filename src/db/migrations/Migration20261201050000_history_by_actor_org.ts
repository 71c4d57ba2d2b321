import { Migration } from '@mikro-orm/migrations';

/**
 * `approvalHistory(filter: { organizationId })` reads one organisation's decisions newest first; without an index
 * on the acting organisation the planner walked the primary key backwards through every other row.
 */
export class Migration20261201050000_history_by_actor_org extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create index workflow_history_actor_org_idx on workflow_history (actor_org_id, id);`);
  }
}
