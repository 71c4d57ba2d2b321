import { Migration } from '@mikro-orm/migrations';

/** Aid applications (帮扶申请): the subject of the aid-application workflow. */
export class Migration20261125020000_aid extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table aid_application (
        id uuid primary key,
        member_id uuid not null references member (id),
        organization_id uuid not null references organization (id),
        org_path text not null,
        fund_id uuid not null references fund (id),
        aid_type text not null check (aid_type in ('HARDSHIP', 'MEDICAL_SECOND_REIMBURSEMENT', 'EDUCATION', 'SEASONAL_RELIEF')),
        amount bigint not null check (amount > 0),
        reason varchar(1000) not null,
        submitted_by uuid not null references account (id),
        instance_id uuid unique references workflow_instance (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index aid_application_org_idx on aid_application (org_path text_pattern_ops, created_at, id);`);
    this.addSql(`create index aid_application_member_idx on aid_application (member_id, created_at, id);`);
  }
}
