import { Migration } from '@mikro-orm/migrations';

const enumCheck = (column: string, values: string[]) =>
  `check (${column} in (${values.map((v) => `'${v}'`).join(', ')}))`;

const AWARDS = ['MODEL_WORKER', 'ADVANCED_WORKER', 'MAY_DAY_MEDAL', 'ADVANCED_COLLECTIVE', 'PIONEER_TEAM', 'TECHNICAL_EXPERT', 'CRAFTSMAN'];
const AWARD_LEVELS = ['CITY', 'PROVINCIAL', 'NATIONAL'];

/**
 * Expenses (经费审查) and award nominations (评选表彰): the subjects of the expense-review and award-nomination
 * workflows, the counties' award quotas with their reservations, and the objections raised during public notice.
 */
export class Migration20261125030000_expenses_awards extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table expense (
        id uuid primary key,
        organization_id uuid not null references organization (id),
        org_path text not null,
        fund_id uuid not null references fund (id),
        category text not null ${enumCheck('category', ['ACTIVITY', 'SUBSIDY', 'RELIEF_GOODS', 'OTHER'])},
        amount bigint not null check (amount > 0),
        description varchar(2000) not null,
        attachments jsonb not null default '[]' check (jsonb_typeof(attachments) = 'array'),
        submitted_by uuid not null references account (id),
        instance_id uuid unique references workflow_instance (id),
        ledger_entry_id uuid unique references ledger_entry (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql(`create index expense_org_idx on expense (org_path text_pattern_ops, created_at, id);`);
    this.addSql(`create index expense_fund_idx on expense (fund_id, created_at, id);`);

    this.addSql(`
      create table award_quota (
        id uuid primary key,
        county_org_id uuid not null references organization (id),
        award text not null ${enumCheck('award', AWARDS)},
        award_level text not null ${enumCheck('award_level', AWARD_LEVELS)},
        year integer not null check (year between 2000 and 2200),
        quota integer not null check (quota >= 0),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (county_org_id, award, award_level, year)
      );`);
    this.addSql(`create index award_quota_year_idx on award_quota (county_org_id, year);`);

    this.addSql(`
      create table nomination (
        id uuid primary key,
        nominee_kind text not null ${enumCheck('nominee_kind', ['MEMBER', 'ORGANIZATION'])},
        member_id uuid references member (id),
        nominee_org_id uuid references organization (id),
        organization_id uuid not null references organization (id),
        org_path text not null,
        county_org_id uuid not null references organization (id),
        award text not null ${enumCheck('award', AWARDS)},
        award_level text not null ${enumCheck('award_level', AWARD_LEVELS)},
        year integer not null check (year between 2000 and 2200),
        citation varchar(4000) not null,
        submitted_by uuid not null references account (id),
        instance_id uuid unique references workflow_instance (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((nominee_kind = 'MEMBER') = (member_id is not null)),
        check ((member_id is null) <> (nominee_org_id is null))
      );`);
    this.addSql(`create index nomination_org_idx on nomination (org_path text_pattern_ops, created_at, id);`);
    this.addSql(`create index nomination_quota_idx on nomination (county_org_id, award, award_level, year);`);
    this.addSql(`create index nomination_member_idx on nomination (member_id) where member_id is not null;`);
    this.addSql(`create index nomination_nominee_org_idx on nomination (nominee_org_id) where nominee_org_id is not null;`);

    // One place of a county's quota per nomination instance; released_at set when the nomination fails.
    this.addSql(`
      create table award_quota_reservation (
        instance_id uuid primary key references workflow_instance (id),
        nomination_id uuid not null references nomination (id),
        county_org_id uuid not null references organization (id),
        award text not null,
        award_level text not null,
        year integer not null,
        reserved_at timestamptz not null default now(),
        released_at timestamptz
      );`);
    this.addSql(`
      create index award_quota_reservation_held_idx on award_quota_reservation (county_org_id, award, award_level, year)
        where released_at is null;`);

    this.addSql(`
      create table nomination_objection (
        id uuid primary key,
        nomination_id uuid not null references nomination (id),
        instance_id uuid not null references workflow_instance (id),
        account_id uuid not null references account (id),
        reason varchar(2000) not null,
        seq integer not null,
        idempotency_key varchar(100),
        created_at timestamptz not null default now(),
        unique (account_id, idempotency_key)
      );`);
    this.addSql(`create index nomination_objection_nomination_idx on nomination_objection (nomination_id, created_at, id);`);
  }
}
