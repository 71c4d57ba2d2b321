import { Migration } from '@mikro-orm/migrations';

/**
 * One record of idempotent requests for every operation that creates or moves something, not only workflow
 * decisions: a key is scoped to the account, and remembers the operation, its target and a hash of its input,
 * so the same key on another target or with other input is refused instead of answered with another result;
 * and the answer as it was then, so a repeat gets that, not the current state.
 */
export class Migration20261201030000_idempotency_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table idempotency_key (
        account_id uuid not null references account (id),
        key varchar(100) not null,
        operation varchar(64) not null,
        target_id uuid,
        request_hash char(64),
        result_id uuid,
        result jsonb,
        created_at timestamptz not null default now(),
        primary key (account_id, key)
      );`);
    this.addSql(`
      insert into idempotency_key (account_id, key, operation, target_id, result_id, created_at)
      select account_id, key, 'decide', null, instance_id, created_at from workflow_idempotency;`);
    this.addSql(`drop table workflow_idempotency;`);
  }
}
