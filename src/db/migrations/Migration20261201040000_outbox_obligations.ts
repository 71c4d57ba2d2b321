import { Migration } from '@mikro-orm/migrations';

/**
 * PostgreSQL owns every obligation. An outbox row (a task to open, a timer, an effect, a notice) was deleted once
 * BullMQ held its job, so a job Redis lost (a flush, a restart without persistence, a failover, an eviction)
 * stranded its instance. Now a row stays until the job's handler has done its work, and deletes it in that same
 * transaction; `sent_at` says the relay handed it to BullMQ, and a reconciler re-drives rows that are due but
 * whose job is gone. A job that failed for good is recorded on its row (`failed_at`, `failure`) and retried
 * under a new job id (`generation`).
 */
export class Migration20261201040000_outbox_obligations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table workflow_outbox
        add column sent_at timestamptz,
        add column generation int not null default 0,
        add column failed_at timestamptz,
        add column failure text;`);
    this.addSql(`create index workflow_outbox_unsent_idx on workflow_outbox (id) where sent_at is null;`);
    this.addSql(`create index workflow_outbox_due_idx on workflow_outbox (run_at) where sent_at is not null;`);
  }
}
