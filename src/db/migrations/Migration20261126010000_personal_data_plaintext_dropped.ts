import { Migration } from '@mikro-orm/migrations';

/**
 * National ids and phones at rest, step 2 of 2: every row is sealed by now (`migrate()` runs the sealing step
 * right before this migration), so the plaintext columns go. A row still unsealed stops the migration rather
 * than losing its data.
 */
export class Migration20261126010000_personal_data_plaintext_dropped extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      do $$ begin
        if exists (select 1 from member where national_id_cipher is null) then
          raise exception 'member rows with unsealed personal data remain: run the sealing step first';
        end if;
      end $$;`);
    this.addSql(`
      alter table member
        drop column national_id,
        drop column phone,
        alter column national_id_cipher set not null,
        alter column national_id_index set not null,
        alter column national_id_masked set not null,
        add constraint member_phone_sealed check ((phone_cipher is null) = (phone_masked is null));`);
  }
}
