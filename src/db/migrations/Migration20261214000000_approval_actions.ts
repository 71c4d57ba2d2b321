import { Migration } from '@mikro-orm/migrations';

/**
 * The approval actions: urge and carbon-copy notices beside reminders and overdue notices, and out-of-office
 * delegations (an account's substitute for one of its grants over a period). A transferred task's person is
 * the task's existing `assigned_to`; who acted on whose behalf is history's `on_behalf_of_account_id`.
 */
export class Migration20261214000000_approval_actions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workflow_notification drop constraint workflow_notification_reason_check;`);
    this.addSql(`alter table workflow_notification add constraint workflow_notification_reason_check
                   check (reason in ('reminder', 'overdue', 'urge', 'carbonCopy'));`);
    this.addSql(`
      create table workflow_delegation (
        id uuid primary key default gen_random_uuid(),
        delegator_account_id uuid not null references account (id),
        substitute_account_id uuid not null references account (id),
        role varchar(16) not null,
        organization_id uuid not null references organization (id),
        starts_at timestamptz not null,
        ends_at timestamptz not null,
        reason varchar(500),
        created_at timestamptz not null default now(),
        revoked_at timestamptz,
        check (ends_at > starts_at),
        check (delegator_account_id <> substitute_account_id)
      );`);
    // "Whom do I stand in for now": the substitute's rows by end, so finished ones are skipped in the index.
    this.addSql(`create index workflow_delegation_substitute_idx on workflow_delegation (substitute_account_id, ends_at) where revoked_at is null;`);
    this.addSql(`create index workflow_delegation_delegator_idx on workflow_delegation (delegator_account_id, ends_at);`);
  }
}
