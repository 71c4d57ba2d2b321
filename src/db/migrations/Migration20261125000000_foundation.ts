import { Migration } from '@mikro-orm/migrations';

const enumCheck = (column: string, values: string[]) =>
  `check (${column} in (${values.map((v) => `'${v}'`).join(', ')}))`;

/** Unions, members, funds with their ledger, accounts and roles. */
export class Migration20261125000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table organization (
        id uuid primary key,
        code varchar(32) not null unique,
        name varchar(200) not null,
        level text not null ${enumCheck('level', ['PROVINCE', 'CITY', 'COUNTY', 'TOWN', 'PARK', 'SECTOR', 'INDUSTRY', 'GRASSROOTS'])},
        kind text not null ${enumCheck('kind', ['FEDERATION', 'ENTERPRISE', 'PUBLIC_INSTITUTION', 'JOINT', 'SECTOR', 'INDUSTRY'])},
        parent_id uuid references organization (id),
        path text not null,
        depth integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    // text_pattern_ops makes `path like '/a/b/%'` an index range scan whatever the database collation.
    this.addSql(`create unique index organization_path_idx on organization (path text_pattern_ops);`);
    this.addSql(`create index organization_parent_idx on organization (parent_id, name, id);`);
    this.addSql(`create index organization_name_idx on organization (name, id);`);
    this.addSql(`create index organization_level_idx on organization (level, name, id);`);

    this.addSql(`
      create table member (
        id uuid primary key,
        name varchar(50) not null,
        gender text not null ${enumCheck('gender', ['MALE', 'FEMALE'])},
        national_id varchar(18) not null unique,
        phone varchar(20),
        organization_id uuid not null references organization (id),
        org_path text not null,
        employment_form text not null ${enumCheck('employment_form', ['REGULAR', 'MIGRANT_WORKER', 'COURIER', 'DELIVERY_RIDER', 'TRUCK_DRIVER', 'HOUSEKEEPER', 'RIDE_HAILING_DRIVER', 'OTHER_NEW_FORM'])},
        joined_on date not null,
        status text not null default 'ACTIVE' ${enumCheck('status', ['ACTIVE', 'TRANSFERRED', 'LEFT'])},
        hardship text not null default 'NONE' ${enumCheck('hardship', ['NONE', 'REGISTERED', 'LIFTED'])},
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index member_org_path_name_idx on member (org_path text_pattern_ops, name, id);`);
    this.addSql(`create index member_name_idx on member (name, id);`);
    this.addSql(`create index member_organization_idx on member (organization_id, name, id);`);

    this.addSql(`
      create table honour (
        id uuid primary key,
        member_id uuid references member (id),
        organization_id uuid references organization (id),
        award varchar(64) not null,
        level text not null ${enumCheck('level', ['NATIONAL', 'PROVINCIAL', 'CITY', 'COUNTY'])},
        year integer not null check (year between 1950 and 2200),
        source_instance_id uuid unique,
        created_at timestamptz not null default now(),
        check ((member_id is null) <> (organization_id is null))
      );`);
    this.addSql(`create index honour_member_idx on honour (member_id) where member_id is not null;`);
    this.addSql(`create index honour_organization_idx on honour (organization_id) where organization_id is not null;`);

    this.addSql(`
      create table fund (
        id uuid primary key,
        owner_id uuid not null references organization (id),
        kind text not null ${enumCheck('kind', ['UNION_DUES', 'HARDSHIP_AID', 'SEASONAL_RELIEF', 'MUTUAL_MEDICAL', 'MODEL_WORKER', 'EDUCATION_AID'])},
        name varchar(200) not null,
        balance bigint not null default 0 constraint fund_balance_not_negative check (balance >= 0),
        created_at timestamptz not null default now()
      );`);
    this.addSql(`create index fund_owner_idx on fund (owner_id, kind, id);`);

    this.addSql(`
      create table ledger_entry (
        id uuid primary key,
        seq bigserial not null unique,
        fund_id uuid not null references fund (id),
        amount bigint not null check (amount <> 0),
        balance_after bigint not null default 0,
        reason varchar(500) not null,
        reference varchar(200),
        created_by uuid,
        created_at timestamptz not null default now(),
        constraint ledger_entry_reference_unique unique (fund_id, reference)
      );`);
    this.addSql(`create index ledger_entry_fund_idx on ledger_entry (fund_id, seq);`);

    // The balance is the running sum of the ledger, kept by the database itself: the row lock taken by the
    // update serialises concurrent bookings and the CHECK on fund.balance refuses an overdraft.
    this.addSql(`
      create function ledger_entry_book() returns trigger language plpgsql as $$
      begin
        update fund set balance = balance + new.amount where id = new.fund_id returning balance into new.balance_after;
        if not found then
          raise foreign_key_violation using message = 'ledger entry for unknown fund';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger ledger_entry_book before insert on ledger_entry for each row execute function ledger_entry_book();`);
    this.addSql(`
      create function ledger_entry_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'ledger entries are append-only' using errcode = 'restrict_violation';
      end $$;`);
    this.addSql(`create trigger ledger_entry_append_only before update or delete on ledger_entry for each row execute function ledger_entry_append_only();`);
    // Only the booking trigger may change a balance: a direct update that does not come from it is refused.
    this.addSql(`
      create function fund_balance_guard() returns trigger language plpgsql as $$
      begin
        if new.balance is distinct from old.balance and pg_trigger_depth() < 2 then
          raise exception 'fund balance changes only through the ledger' using errcode = 'restrict_violation';
        end if;
        return new;
      end $$;`);
    this.addSql(`create trigger fund_balance_guard before update on fund for each row execute function fund_balance_guard();`);

    this.addSql(`
      create table account (
        id uuid primary key,
        username varchar(64) not null unique,
        password_hash varchar(200) not null,
        display_name varchar(100) not null,
        member_id uuid unique references member (id),
        active boolean not null default true,
        created_at timestamptz not null default now()
      );`);
    this.addSql(`
      create table role_assignment (
        id uuid primary key,
        account_id uuid not null references account (id) on delete cascade,
        role text not null ${enumCheck('role', ['MEMBER', 'APPROVER', 'FINANCE', 'AUDITOR', 'ADMIN'])},
        organization_id uuid not null references organization (id),
        created_at timestamptz not null default now(),
        unique (account_id, role, organization_id)
      );`);
    this.addSql(`create index role_assignment_org_role_idx on role_assignment (organization_id, role);`);
  }
}
