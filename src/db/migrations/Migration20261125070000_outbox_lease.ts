import { Migration } from '@mikro-orm/migrations';

/**
 * Outbox rows are leased instead of locked in a transaction: a relay claims a batch in one statement, sends
 * it to BullMQ, then marks it dispatched; a relay that dies mid-batch leaves rows whose lease simply expires.
 */
export class Migration20261125070000_outbox_lease extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workflow_outbox add column leased_until timestamptz;`);
  }
}
