import { Migration } from '@mikro-orm/migrations';

/**
 * Obligations not yet due wait in PostgreSQL, not in Redis: every task arms a reminder or deadline days ahead,
 * and the relay now hands BullMQ only what falls due within a minute. So it takes unsent rows by when they are due.
 */
export class Migration20261223000000_scheduled_obligations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index workflow_outbox_unsent_idx;`);
    this.addSql(`create index workflow_outbox_unsent_idx on workflow_outbox (run_at, id) where sent_at is null;`);
  }
}
