import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox relays are woken after commit by the process that committed (OutboxWaker), not by a NOTIFY inside
 * every transaction that writes the outbox: those commits queued one behind another on PostgreSQL's notify lock.
 */
export class Migration20261211000000_outbox_woken_after_commit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger workflow_outbox_notify on workflow_outbox;`);
    this.addSql(`drop function workflow_outbox_notify();`);
  }
}
