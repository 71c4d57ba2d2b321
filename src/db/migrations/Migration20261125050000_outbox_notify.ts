import { Migration } from '@mikro-orm/migrations';

/** Wakes the outbox relays from the database itself: one NOTIFY per insert statement, delivered at commit. */
export class Migration20261125050000_outbox_notify extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function workflow_outbox_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('gonghui_outbox', '');
        return null;
      end $$;`);
    this.addSql(`create trigger workflow_outbox_notify after insert on workflow_outbox for each statement execute function workflow_outbox_notify();`);
  }
}
