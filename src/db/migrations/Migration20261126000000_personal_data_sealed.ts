import { Migration } from '@mikro-orm/migrations';

/**
 * National ids and phones at rest, step 1 of 2: the columns for their ciphertexts, blind index and masked forms,
 * and the log of unmasked reads. SQL cannot encrypt with the application's keys, so `migrate()` then seals the
 * plaintext rows in batches (src/db/migrations/seal-personal-data.ts) before step 2 drops the plaintext columns.
 */
export class Migration20261126000000_personal_data_sealed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table member
        alter column national_id drop not null,
        add column national_id_cipher text,
        add column national_id_index bytea constraint member_national_id_index_key unique,
        add column national_id_masked varchar(18),
        add column phone_cipher text,
        add column phone_masked varchar(20);`);

    this.addSql(`
      create table personal_data_access (
        id bigserial primary key,
        account_id uuid not null references account (id),
        member_id uuid not null references member (id),
        org_path text not null,
        field text not null check (field in ('NATIONAL_ID', 'PHONE')),
        operation_name varchar(200),
        at timestamptz not null
      );`);
    this.addSql(`create index personal_data_access_member_idx on personal_data_access (member_id, id);`);
    this.addSql(`create index personal_data_access_account_idx on personal_data_access (account_id, id);`);
    this.addSql(`
      create function personal_data_access_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'the personal data access log is append-only' using errcode = 'restrict_violation';
      end $$;`);
    this.addSql(`create trigger personal_data_access_append_only before update or delete on personal_data_access for each row execute function personal_data_access_append_only();`);
  }
}
