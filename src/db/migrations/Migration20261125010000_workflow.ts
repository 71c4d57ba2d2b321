import { Migration } from '@mikro-orm/migrations';

/** Workflow instances, their tasks, the append-only history, the outbox and the idempotency records. */
export class Migration20261125010000_workflow extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table workflow_instance (
        id uuid primary key,
        definition_key varchar(64) not null,
        definition_version integer not null,
        subject_type varchar(32) not null,
        subject_id uuid not null,
        subject_org_id uuid not null references organization (id),
        subject_org_path text not null,
        applicant_account_id uuid references account (id),
        applicant_member_id uuid references member (id),
        state varchar(64) not null,
        status text not null check (status in ('ACTIVE', 'COMPLETED')),
        outcome varchar(64),
        seq integer not null,
        data jsonb not null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (subject_type, subject_id)
      );`);
    this.addSql(`create index workflow_instance_org_idx on workflow_instance (subject_org_path text_pattern_ops, created_at, id);`);
    this.addSql(`create index workflow_instance_applicant_idx on workflow_instance (applicant_account_id, created_at, id);`);
    this.addSql(`create index workflow_instance_def_idx on workflow_instance (definition_key, state, created_at, id);`);

    this.addSql(`
      create table workflow_task (
        id uuid primary key,
        key varchar(200) not null unique,
        instance_id uuid not null references workflow_instance (id),
        definition_key varchar(64) not null,
        step varchar(64) not null,
        title varchar(200) not null,
        kind text not null check (kind in ('task', 'vote', 'applicant')),
        routed_org_id uuid references organization (id),
        routed_org_path text,
        candidate_roles text[] not null,
        actions text[] not null,
        round integer not null,
        claimed_by uuid references account (id),
        claimed_at timestamptz,
        assigned_to uuid references account (id),
        opened_at timestamptz not null,
        due_at timestamptz not null,
        escalated boolean not null default false,
        reminded_at timestamptz,
        overdue_at timestamptz,
        status text not null default 'OPEN' check (status in ('OPEN', 'DONE', 'CANCELLED')),
        decision varchar(64),
        decided_by uuid references account (id),
        decided_at timestamptz
      );`);
    // The inbox reads only open tasks: a partial index stays small however many millions are closed.
    this.addSql(`create index workflow_task_inbox_idx on workflow_task (routed_org_id, due_at, id) where status = 'OPEN';`);
    this.addSql(`create index workflow_task_instance_idx on workflow_task (instance_id, opened_at);`);

    this.addSql(`
      create table workflow_history (
        id bigserial primary key,
        instance_id uuid not null references workflow_instance (id),
        seq integer not null,
        definition_key varchar(64) not null,
        definition_version integer not null,
        at timestamptz not null,
        from_state varchar(64),
        to_state varchar(64) not null,
        action varchar(64) not null,
        actor_account_id uuid references account (id),
        actor_org_id uuid references organization (id),
        acting_as varchar(16),
        comment varchar(2000),
        round integer not null,
        cause jsonb not null,
        subject_org_path text not null,
        unique (instance_id, seq, action, to_state)
      );`);
    this.addSql(`create index workflow_history_instance_idx on workflow_history (instance_id, id);`);
    this.addSql(`create index workflow_history_actor_idx on workflow_history (actor_account_id, at, id);`);
    this.addSql(`create index workflow_history_org_idx on workflow_history (subject_org_path text_pattern_ops, at, id);`);
    this.addSql(`create index workflow_history_at_idx on workflow_history (at, id);`);
    this.addSql(`
      create function workflow_history_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'workflow history is append-only' using errcode = 'restrict_violation';
      end $$;`);
    this.addSql(`create trigger workflow_history_append_only before update or delete on workflow_history for each row execute function workflow_history_append_only();`);

    // A repeated decide with the same key finds its first result here instead of acting again.
    this.addSql(`
      create table workflow_idempotency (
        account_id uuid not null references account (id),
        key varchar(100) not null,
        instance_id uuid not null references workflow_instance (id),
        seq integer not null,
        created_at timestamptz not null default now(),
        primary key (account_id, key)
      );`);

    // Each system-step effect runs at most once: its idempotency key is inserted in the effect's transaction.
    this.addSql(`
      create table workflow_effect (
        key varchar(200) primary key,
        instance_id uuid not null references workflow_instance (id),
        effect varchar(64) not null,
        outcome varchar(64) not null,
        executed_at timestamptz not null default now()
      );`);

    this.addSql(`
      create table workflow_outbox (
        id bigserial primary key,
        job_id varchar(250) not null unique,
        job_name varchar(32) not null,
        payload jsonb not null,
        run_at timestamptz not null,
        created_at timestamptz not null default now(),
        dispatched_at timestamptz
      );`);
    this.addSql(`create index workflow_outbox_pending_idx on workflow_outbox (id) where dispatched_at is null;`);
  }
}
