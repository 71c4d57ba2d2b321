import { Migration } from '@mikro-orm/migrations';

/** Reminders and overdue notices for inboxes, and when each task row became visible (routing latency). */
export class Migration20261125040000_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table workflow_notification (
        id uuid primary key default gen_random_uuid(),
        key varchar(200) not null unique,
        instance_id uuid not null references workflow_instance (id),
        reason varchar(16) not null check (reason in ('reminder', 'overdue')),
        step varchar(64) not null,
        task_key varchar(200),
        due_at timestamptz,
        roles text[] not null,
        organization_id uuid references organization (id),
        account_id uuid references account (id),
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index workflow_notification_org_idx on workflow_notification (organization_id, created_at);`);
    this.addSql(`create index workflow_notification_account_idx on workflow_notification (account_id, created_at);`);
    // clock_timestamp(), not now(): the moment the row was written, even inside a longer transaction.
    this.addSql(`alter table workflow_task add column inserted_at timestamptz not null default clock_timestamp();`);
  }
}
