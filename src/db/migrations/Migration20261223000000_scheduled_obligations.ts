import { Migration } from '@mikro-orm/migrations';

/**
 * Obligations not yet due wait in PostgreSQL, not in Redis. Every task arms a reminder or deadline days ahead,
 * and most tasks are decided first: the relay now hands BullMQ only what falls due within a minute, and the
 * transition that cancels a timer still waiting here deletes its row. So the relay takes unsent rows by when
 * they are due, and a cancelled timer's row is found by its job id.
 */
export class Migration20261223000000_scheduled_obligations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index workflow_outbox_unsent_idx;`);
    this.addSql(`create index workflow_outbox_unsent_idx on workflow_outbox (run_at, id) where sent_at is null;`);
    this.addSql(`create index workflow_outbox_unsent_job_idx on workflow_outbox (job_id) where sent_at is null;`);
  }
}
