import { Migration } from '@mikro-orm/migrations';

/**
 * The places an award quota has reserved are a counter on its row, taken and given back in the statement that
 * reserves or releases (`reserved < quota` checked by the update itself), instead of the row locked `for update`
 * and the reservations counted under the lock. Backfilled from the reservations held now.
 */
export class Migration20261211010000_award_quota_reserved_counter extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table award_quota add column reserved integer not null default 0 check (reserved >= 0);`);
    this.addSql(`
      update award_quota q set reserved = r.n
        from (select county_org_id, award, award_level, year, count(*)::int as n from award_quota_reservation
               where released_at is null group by county_org_id, award, award_level, year) r
       where (q.county_org_id, q.award, q.award_level, q.year) = (r.county_org_id, r.award, r.award_level, r.year);`);
  }
}
