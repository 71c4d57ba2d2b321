import type { EntityManager } from '@mikro-orm/postgresql';
import { runSql } from '../db/sql';
import type { HonourLevel } from '../members/honour.entity';
import type { Award, AwardLevel } from './nomination.entity';

/** One county's places for one award, level and year: the key of an award_quota row. */
export interface QuotaKey {
  countyId: string;
  award: Award;
  awardLevel: AwardLevel;
  year: number;
}

/** A quota row's size and the places held against it, as the usage statement reads them. */
export interface QuotaUsageRow {
  quota: number;
  reserved: number;
  pending: number;
}

export interface CountyQuotaRow extends QuotaUsageRow {
  award: Award;
  awardLevel: AwardLevel;
}

/** Who is nominated: a member (individual awards) or an organisation (collective awards). */
export type NomineeRef = { memberId: string } | { organizationId: string };

export interface ObjectionRow {
  nominationId: string;
  instanceId: string;
  accountId: string;
  reason: string;
  /** The seq of the transition the objection caused. */
  seq: number;
  idempotencyKey: string | null;
}

export interface HonourRecord {
  memberId: string | null;
  organizationId: string | null;
  award: Award;
  level: HonourLevel;
  year: number;
  sourceInstanceId: string;
}

/** Places held for one county/award/level/year: reservations (the quota row's counter), plus live nominations that have none yet. */
const USAGE_SQL = `
  q.reserved,
  (select count(*) from nomination n join workflow_instance i on i.id = n.instance_id
    where n.county_org_id = q.county_org_id and n.award = q.award and n.award_level = q.award_level and n.year = q.year
      and i.status = 'ACTIVE'
      and not exists (select 1 from award_quota_reservation r where r.instance_id = n.instance_id and r.released_at is null))::int as pending`;

const keyParams = (k: QuotaKey) => [k.countyId, k.award, k.awardLevel, k.year];

/** The awards module's SQL: quotas and their reservations, the duplicate check, objections and honours. */
export class NominationRepository {
  /**
   * Locks the quota row, when there is one, and reads its size. The lock serialises nominations (and quota
   * changes) for one county/award/level/year, so two can never take the last place; held to the transaction's end.
   */
  async lockQuota(em: EntityManager, key: QuotaKey): Promise<{ quota: number } | undefined> {
    const { rows } = await runSql<{ quota: number }>(
      em,
      `select quota from award_quota where county_org_id = ? and award = ? and award_level = ? and year = ? for update`,
      keyParams(key),
    );
    return rows[0];
  }

  /** Whether the nominee already has a live nomination for, or already holds, this award, level and year. */
  async hasLiveOrAwardedNomination(em: EntityManager, nominee: NomineeRef, key: QuotaKey): Promise<boolean> {
    const member = 'memberId' in nominee;
    const { rows } = await runSql(
      em,
      `select 1 from nomination n join workflow_instance i on i.id = n.instance_id
        where ${member ? 'n.member_id' : 'n.nominee_org_id'} = ? and n.award = ? and n.award_level = ? and n.year = ?
          and (i.status = 'ACTIVE' or i.outcome = 'AWARDED') limit 1`,
      [member ? nominee.memberId : nominee.organizationId, key.award, key.awardLevel, key.year],
    );
    return rows.length > 0;
  }

  /** The quota row's size and places held; undefined when the county has no quota row for the key. */
  async usage(em: EntityManager, key: QuotaKey): Promise<QuotaUsageRow | undefined> {
    const { rows } = await runSql<QuotaUsageRow>(
      em,
      `select q.quota, ${USAGE_SQL} from award_quota q
        where q.county_org_id = ? and q.award = ? and q.award_level = ? and q.year = ?`,
      keyParams(key),
    );
    return rows[0];
  }

  /** Every quota of a county for a year, with the places held, by award and level. */
  async usages(em: EntityManager, countyId: string, year: number): Promise<CountyQuotaRow[]> {
    const { rows } = await runSql<CountyQuotaRow>(
      em,
      `select q.award, q.award_level as "awardLevel", q.quota, ${USAGE_SQL} from award_quota q
        where q.county_org_id = ? and q.year = ? order by q.award, q.award_level`,
      [countyId, year],
    );
    return rows;
  }

  /** Makes sure the quota row exists (at 0 places) so that it can be locked; an existing row is left as it is. */
  async ensureQuotaRow(em: EntityManager, key: QuotaKey): Promise<void> {
    await runSql(
      em,
      `insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, ?, ?, ?, 0)
         on conflict (county_org_id, award, award_level, year) do nothing`,
      keyParams(key),
    );
  }

  /** Sets the quota row's size; the caller holds its lock and has checked it is not below the places used. */
  async setQuota(em: EntityManager, key: QuotaKey, quota: number): Promise<void> {
    await runSql(
      em,
      'update award_quota set quota = ?, updated_at = now() where county_org_id = ? and award = ? and award_level = ? and year = ?',
      [quota, ...keyParams(key)],
    );
  }

  /** Stores an objection; a repeated one (same account and idempotency key) is kept once. */
  async recordObjection(em: EntityManager, o: ObjectionRow): Promise<void> {
    await runSql(
      em,
      `insert into nomination_objection (id, nomination_id, instance_id, account_id, reason, seq, idempotency_key)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (account_id, idempotency_key) do nothing`,
      [o.nominationId, o.instanceId, o.accountId, o.reason, o.seq, o.idempotencyKey],
    );
  }

  /**
   * Holds one of the county's places for the instance (one row per instance), in one statement. The quota row's
   * `reserved` counter is taken by an update that checks `reserved < quota` itself (re-checked on the row as a
   * concurrent reservation left it), so two reservations can never take the last place. A reservation the
   * instance already holds is kept. `found`: the nomination exists; `held`: the instance already held a place;
   * `reserved`: this statement took one.
   */
  async reserve(em: EntityManager, instance: { id: string; subjectId: string }): Promise<{ found: boolean; held: boolean; reserved: boolean }> {
    const { rows: [r] } = await runSql<{ found: boolean; held: boolean; reserved: boolean }>(
      em,
      `with n as (select county_org_id, award, award_level, year from nomination where id = ?),
            -- "Still held" is asked of the row, not in the lookup, so the prepared statement's generic plan cannot
            -- take it for the held-places index's predicate and scan every held place.
            held as (select released_at from award_quota_reservation where instance_id = ?),
            taken as (
              update award_quota q set reserved = q.reserved + 1
                from n
               where (q.county_org_id, q.award, q.award_level, q.year) = (n.county_org_id, n.award, n.award_level, n.year)
                 and q.reserved < q.quota and not exists (select 1 from held where released_at is null)
              returning q.county_org_id, q.award, q.award_level, q.year),
            reserve as (
              insert into award_quota_reservation (instance_id, nomination_id, county_org_id, award, award_level, year)
              select ?, ?, t.county_org_id, t.award, t.award_level, t.year from taken t
              on conflict (instance_id) do update set released_at = null, reserved_at = now()
              returning 1)
       select exists (select 1 from n) as found, exists (select 1 from held where released_at is null) as held, exists (select 1 from reserve) as reserved`,
      [instance.subjectId, instance.id, instance.id, instance.subjectId],
      { prepare: true },
    );
    return r;
  }

  /** Gives the instance's place back: the counter goes down in the same statement, once (only a held reservation is released). */
  async release(em: EntityManager, instanceId: string): Promise<void> {
    await runSql(
      em,
      `with released as (update award_quota_reservation set released_at = now() where instance_id = ? and released_at is null
                          returning county_org_id, award, award_level, year)
       update award_quota q set reserved = q.reserved - 1
         from released r
        where (q.county_org_id, q.award, q.award_level, q.year) = (r.county_org_id, r.award, r.award_level, r.year)`,
      [instanceId],
    );
  }

  /** The honour, on the member or the organisation, exactly once per source instance. */
  async recordHonour(em: EntityManager, h: HonourRecord): Promise<void> {
    await runSql(
      em,
      `insert into honour (id, member_id, organization_id, award, level, year, source_instance_id)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (source_instance_id) do nothing`,
      [h.memberId, h.organizationId, h.award, h.level, h.year, h.sourceInstanceId],
    );
  }
}
