import type { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '../auth/role';
import type { Viewer } from '../auth/viewer';
import { PageArgs, paginate } from '../common/connection';
import { AppError, badInput, conflict, ErrorCode, forbidden, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { inSubtrees } from '../common/subtree';
import { text } from '../common/validate';
import { Member, MemberStatus } from '../members/member.entity';
import { Organization, OrganizationLevel } from '../organizations/organization.entity';
import type { SubjectData } from '../workflow/core/types';
import type { EffectContext } from '../workflow/effects';
import { runSql } from '../db/sql';
import { WorkflowInstance } from '../workflow/workflow-instance.entity';
import { orgRef, parseIdempotencyKey, type WorkflowService } from '../workflow/workflow.service';
import { resolveRoute } from '../workflow/core/routing';
import { Award, AwardLevel, COLLECTIVE_AWARDS, HONOUR_LEVEL_OF, Nomination, NominationObjection, NomineeKind } from './nomination.entity';
import type { NominateForAwardInput, NominationFilter, SetAwardQuotaInput } from './award.types';

export const NOMINATION_WORKFLOW = 'award-nomination';
export const NOMINATION_SUBJECT = 'NOMINATION';
/** The definition's public-notice state (公示): its nominations are public, and anyone may object. */
export const PUBLIC_NOTICE_STATE = 'PUBLIC_NOTICE';
/** Who may nominate for a union: its approvers (the union's leadership) or administrators over it. */
const NOMINATORS = [Role.APPROVER, Role.ADMIN] as const;
/** Who configures a county's quotas: approvers or administrators of a federation above the county. */
const QUOTA_SETTERS = [Role.APPROVER, Role.ADMIN] as const;
/** Quotas belong to county federations; a city federation holds one for the unions directly under it (市直). */
const QUOTA_HOLDER_LEVELS: readonly OrganizationLevel[] = [OrganizationLevel.COUNTY, OrganizationLevel.CITY];
const MIN_YEAR = 2000;
const MAX_YEAR = 2200;
const MAX_QUOTA = 10_000;
/** What a nominating union may correct when the county returns a nomination for more material. */
export const NOMINATION_CHANGEABLE = ['citation'] as const;

interface QuotaKey {
  countyId: string;
  award: Award;
  awardLevel: AwardLevel;
  year: number;
}

export interface AwardQuotaUsage extends QuotaKey {
  quota: number;
  /** Places held by nominations past the county's review (reserved, or already awarded). */
  reserved: number;
  /** Nominations still before the county's review, which will need a place. */
  pending: number;
  used: number;
  remaining: number;
}

/** Places held for one county/award/level/year: reservations, plus live nominations that have none yet. */
const USAGE_SQL = `
  (select count(*) from award_quota_reservation r
    where r.county_org_id = q.county_org_id and r.award = q.award and r.award_level = q.award_level and r.year = q.year
      and r.released_at is null)::int as reserved,
  (select count(*) from nomination n join workflow_instance i on i.id = n.instance_id
    where n.county_org_id = q.county_org_id and n.award = q.award and n.award_level = q.award_level and n.year = q.year
      and i.status = 'ACTIVE'
      and not exists (select 1 from award_quota_reservation r where r.instance_id = n.instance_id and r.released_at is null))::int as pending`;

function year(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < MIN_YEAR || value > MAX_YEAR) {
    throw badInput(`${field} must be a year from ${MIN_YEAR} to ${MAX_YEAR}`, field, 'BAD_YEAR');
  }
  return value;
}

const label = (k: QuotaKey) => `${k.award} (${k.awardLevel}) ${k.year}`;

/**
 * Award nominations (评选表彰): a union nominates within its county's quota; the county reviews, the city's
 * selection committee votes, the result is publicly noticed, provincial awards go on to the province, and the
 * honour is recorded once.
 */
export class AwardService {
  constructor(private readonly workflow: WorkflowService) {}

  // ---------------------------------------------------------------------------------------------- nominating

  async nominate(em: EntityManager, viewer: Viewer, input: NominateForAwardInput): Promise<Nomination> {
    const yr = year(input.year, 'input.year');
    const citation = text(input.citation, 'input.citation', { max: 4000, multiline: true });
    if (Boolean(input.memberId) === Boolean(input.nomineeOrganizationId)) {
      throw badInput('Nominate either a member (memberId) or an organisation (nomineeOrganizationId)', 'input.memberId', 'ONE_NOMINEE');
    }
    const kind = input.memberId ? NomineeKind.MEMBER : NomineeKind.ORGANIZATION;
    const collective = COLLECTIVE_AWARDS.includes(input.award);
    if (kind === NomineeKind.MEMBER && collective) {
      throw badInput(`${input.award} is a collective award: nominate an organisation`, 'input.award', 'AWARD_KIND_MISMATCH');
    }
    if (kind === NomineeKind.ORGANIZATION && !collective) {
      throw badInput(`${input.award} is an individual award: nominate a member`, 'input.award', 'AWARD_KIND_MISMATCH');
    }

    let member: Member | null = null;
    let nomineeOrg: Organization | null = null;
    if (input.memberId) {
      member = await em.findOne(Member, parseId(input.memberId, 'input.memberId'), { populate: ['organization'] });
      if (!member || !viewer.canSeeMember(member.id, member.orgPath)) throw notFound('Member');
    } else {
      nomineeOrg = await em.findOne(Organization, parseId(input.nomineeOrganizationId!, 'input.nomineeOrganizationId'));
      if (!nomineeOrg || !viewer.canSeeOrganization(nomineeOrg.path)) throw notFound('Organization');
    }
    const nomineePath = member ? member.orgPath : nomineeOrg!.path;

    let nominating = member ? (member.organization as Organization) : nomineeOrg!;
    if (input.organizationId) {
      const given = await em.findOne(Organization, parseId(input.organizationId, 'input.organizationId'));
      if (!given || !viewer.canSeeOrganization(given.path)) throw notFound('Organization');
      nominating = given;
    }
    if (!viewer.holds(NOMINATORS, nominating.path)) throw forbidden('Only the union’s approvers or administrators may nominate for it');
    if (!nomineePath.startsWith(nominating.path)) {
      throw badInput('The nominee must belong to the nominating union', 'input.organizationId', 'NOMINEE_OUTSIDE_UNION');
    }
    if (member && member.status !== MemberStatus.ACTIVE) throw conflict('Only active members may be nominated', 'MEMBER_NOT_ACTIVE');

    const county = await this.countyOf(em, nominating);
    if (!county) {
      throw badInput('Nominations are made by a county federation or a union below one', 'input.organizationId', 'NO_COUNTY');
    }
    const key: QuotaKey = { countyId: county.id, award: input.award, awardLevel: input.awardLevel, year: yr };

    return em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      // The quota row lock serialises nominations for one county/award/level/year, so two can never take the last place.
      const [quota]: { quota: number }[] = await conn.execute(
        `select quota from award_quota where county_org_id = ? and award = ? and award_level = ? and year = ? for update`,
        [key.countyId, key.award, key.awardLevel, key.year],
        'all',
        ctx,
      );
      const [dup] = await conn.execute(
        `select 1 from nomination n join workflow_instance i on i.id = n.instance_id
          where ${member ? 'n.member_id' : 'n.nominee_org_id'} = ? and n.award = ? and n.award_level = ? and n.year = ?
            and (i.status = 'ACTIVE' or i.outcome = 'AWARDED') limit 1`,
        [member ? member.id : nomineeOrg!.id, key.award, key.awardLevel, key.year],
        'all',
        ctx,
      );
      if (dup) throw conflict(`The nominee is already nominated for or holds ${label(key)}`, 'ALREADY_NOMINATED');
      const used = quota ? (await this.usage(tx as EntityManager, key)).used : 0;
      if (!quota || used >= quota.quota) {
        const limit = quota?.quota ?? 0;
        throw new AppError(
          ErrorCode.CONFLICT,
          quota
            ? `${county.name} has used all ${limit} of its places for ${label(key)}`
            : `${county.name} has no quota for ${label(key)}; the city federation sets quotas`,
          { reason: 'QUOTA_EXCEEDED', quota: limit, used },
        );
      }

      const nomination = tx.create(Nomination, {
        nomineeKind: kind,
        member: member ?? undefined,
        nomineeOrganization: nomineeOrg ?? undefined,
        organization: nominating,
        orgPath: nominating.path,
        county,
        award: key.award,
        awardLevel: key.awardLevel,
        year: key.year,
        citation,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx as EntityManager, nomination, {
        definitionKey: NOMINATION_WORKFLOW,
        subjectType: NOMINATION_SUBJECT,
        subjectOrg: nominating,
        data: { nomineeKind: kind, nomineeId: member ? member.id : nomineeOrg!.id, award: key.award, awardLevel: key.awardLevel, year: key.year },
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
      });
    });
  }

  /**
   * Whose quota a nomination uses: the organisation its county review is routed to — the nominating union's
   * county federation, or for a union with no county above it (市直) the federation that does the county's work.
   */
  private async countyOf(em: EntityManager, org: Organization): Promise<Organization | null> {
    const ancestors = org.ancestorIds.length ? await em.find(Organization, { id: { $in: org.ancestorIds } }) : [];
    const route = resolveRoute('COUNTY', orgRef(org), ancestors.map(orgRef));
    return route ? (route.id === org.id ? org : (ancestors.find((a) => a.id === route.id) ?? null)) : null;
  }

  /** Keeps the nomination in step with what the union corrects when the county returns it (only the citation). */
  async applyChanges(em: EntityManager, subjectId: string, data: SubjectData): Promise<void> {
    const unknown = Object.keys(data).filter((k) => !(NOMINATION_CHANGEABLE as readonly string[]).includes(k));
    if (unknown.length) {
      throw badInput(
        `On resubmission only the citation may change; nominate again for another nominee, award, level or year (not ${unknown.join(', ')})`,
        'changes',
        'UNKNOWN_FIELD',
      );
    }
    if ('citation' in data) {
      if (typeof data.citation !== 'string') throw badInput('changes.citation must be text', 'changes.citation', 'NOT_TEXT');
      await em.nativeUpdate(Nomination, { id: subjectId }, { citation: text(data.citation, 'changes.citation', { max: 4000, multiline: true }) });
    }
  }

  // ---------------------------------------------------------------------------------------------- effects

  /**
   * The `reserveQuota` effect: holds one of the county's places for this instance (one row per instance). The
   * quota row is locked, so two county approvals can never take the last place; a full quota returns
   * QUOTA_EXCEEDED and the nomination goes back to the county.
   */
  reserveQuota = async ({ em, instance }: EffectContext): Promise<string> => {
    // Two statements, not one: the count must be read after the quota row's lock is held, with a fresh snapshot.
    const { rows: [n] } = await runSql<{ county_org_id: string; award: string; award_level: string; year: number; quota: number | null }>(
      em,
      `select n.county_org_id, n.award, n.award_level, n.year,
              (select q.quota from award_quota q
                where (q.county_org_id, q.award, q.award_level, q.year) = (n.county_org_id, n.award, n.award_level, n.year)
                for update) as quota
         from nomination n where n.id = ?`,
      [instance.subjectId],
    );
    if (!n) throw new Error(`nomination ${instance.subjectId} does not exist`);
    if (n.quota === null) return 'QUOTA_EXCEEDED';
    const key = [n.county_org_id, n.award, n.award_level, n.year];
    const { rows: [r] } = await runSql<{ held: boolean; reserved: boolean }>(
      em,
      `with held as (select 1 from award_quota_reservation where instance_id = ? and released_at is null),
            taken as (select count(*)::int as n from award_quota_reservation
                       where (county_org_id, award, award_level, year) = (?, ?, ?, ?) and released_at is null),
            reserve as (
              insert into award_quota_reservation (instance_id, nomination_id, county_org_id, award, award_level, year)
              select ?, ?, ?, ?, ?, ? where not exists (select 1 from held) and (select n from taken) < ?
              on conflict (instance_id) do update set released_at = null, reserved_at = now()
              returning 1)
       select exists (select 1 from held) as held, exists (select 1 from reserve) as reserved`,
      [instance.id, ...key, instance.id, instance.subjectId, ...key, n.quota],
    );
    return r.held || r.reserved ? 'ok' : 'QUOTA_EXCEEDED';
  };

  /** The `releaseQuota` effect: gives the place back when the vote fails, an objection is upheld or the province rejects. */
  releaseQuota = async ({ em, instance }: EffectContext): Promise<string> => {
    await em
      .getConnection()
      .execute('update award_quota_reservation set released_at = now() where instance_id = ? and released_at is null', [instance.id], 'run', em.getTransactionContext());
    return 'ok';
  };

  /** The `recordHonour` effect: the honour, on the member or the organisation, exactly once per instance. */
  recordHonour = async ({ em, instance }: EffectContext): Promise<string> => {
    const n = await em.findOneOrFail(Nomination, instance.subjectId);
    await em.getConnection().execute(
      `insert into honour (id, member_id, organization_id, award, level, year, source_instance_id)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (source_instance_id) do nothing`,
      [n.member?.id ?? null, n.nomineeOrganization?.id ?? null, n.award, HONOUR_LEVEL_OF[n.awardLevel], n.year, instance.id],
      'run',
      em.getTransactionContext(),
    );
    return 'ok';
  };

  // ---------------------------------------------------------------------------------------------- votes and objections

  /** A selection-committee member's ballot: the generic decide path with approve or reject. */
  async castVote(em: EntityManager, viewer: Viewer, input: { taskId: string; approve: boolean; comment?: string | null; idempotencyKey: string }) {
    const task = await this.workflow.task(em, viewer, input.taskId);
    if (task.kind !== 'vote') throw badInput('This task is not a vote; use decide', 'taskId', 'NOT_A_VOTE');
    return this.workflow.decide(em, viewer, {
      taskId: task.id,
      action: input.approve ? 'approve' : 'reject',
      comment: input.comment,
      idempotencyKey: input.idempotencyKey,
    });
  }

  /**
   * Anyone signed in may object during the public notice. The objection is stored with the transition it
   * causes (PUBLIC_NOTICE → INVESTIGATION), in one transaction.
   */
  async object(
    em: EntityManager,
    viewer: Viewer,
    input: { nominationId?: string | null; instanceId?: string | null; reason: string; idempotencyKey?: string | null },
  ): Promise<Nomination> {
    if (Boolean(input.nominationId) === Boolean(input.instanceId)) {
      throw badInput('Give either nominationId or instanceId', 'nominationId', 'ONE_OF');
    }
    const reason = text(input.reason, 'reason', { max: 2000, multiline: true });
    const idempotencyKey = input.idempotencyKey ? parseIdempotencyKey(input.idempotencyKey) : undefined;
    const nomination = input.nominationId
      ? await em.findOne(Nomination, parseId(input.nominationId, 'nominationId'))
      : await em.findOne(Nomination, { instanceId: parseId(input.instanceId!, 'instanceId') });
    const instance = nomination?.instanceId ? await em.findOne(WorkflowInstance, nomination.instanceId) : null;
    if (!nomination || !instance) throw notFound('Nomination');
    if (idempotencyKey) {
      // A repeated objection (same account and key) is answered with the nomination, not refused as late.
      const first = await em.findOne(NominationObjection, { accountId: viewer.accountId, idempotencyKey, nominationId: nomination.id });
      if (first) return nomination;
    }
    const inNotice = instance.state === PUBLIC_NOTICE_STATE && instance.status === 'ACTIVE';
    if (!inNotice && !this.canSee(viewer, nomination)) throw notFound('Nomination');
    if (!inNotice) throw conflict('Objections are taken only while the nomination is publicly noticed (公示)', 'NOT_IN_PUBLIC_NOTICE');

    return em.transactional(async (tx) => {
      const after = await this.workflow.actOnInstance(tx as EntityManager, viewer, instance.id, {
        action: 'object',
        comment: reason,
        idempotencyKey,
      });
      await tx.getConnection().execute(
        `insert into nomination_objection (id, nomination_id, instance_id, account_id, reason, seq, idempotency_key)
         values (gen_random_uuid(), ?, ?, ?, ?, ?, ?) on conflict (account_id, idempotency_key) do nothing`,
        [nomination.id, instance.id, viewer.accountId, reason, after.seq, idempotencyKey ?? null],
        'run',
        tx.getTransactionContext(),
      );
      return nomination;
    });
  }

  /** Staff over the nominating union see every objection; anyone else only their own. */
  objections(em: EntityManager, viewer: Viewer, n: Nomination) {
    const where = viewer.isStaffOver(n.orgPath) ? { nominationId: n.id } : { nominationId: n.id, accountId: viewer.accountId };
    return em.find(NominationObjection, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  // ---------------------------------------------------------------------------------------------- reading

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Nomination> {
    const n = await em.findOne(Nomination, parseId(id));
    if (!n) throw notFound('Nomination');
    if (!this.canSee(viewer, n) && !(await this.inPublicNotice(em, n))) throw notFound('Nomination');
    return n;
  }

  async list(em: EntityManager, viewer: Viewer, filter: NominationFilter = {}, page: PageArgs) {
    const noticed = await this.publicNoticeInstanceIds(em);
    const visible: object[] = [{ submittedBy: viewer.accountId }];
    if (viewer.member) visible.push({ member: viewer.member.id });
    const scopes = viewer.staffScopes();
    if (scopes.length) visible.push(inSubtrees('orgPath', scopes));
    if (noticed.length) visible.push({ instanceId: { $in: noticed } });
    const where: object[] = [{ $or: visible }];
    if (filter.inPublicNotice === true) where.push({ instanceId: { $in: noticed.length ? noticed : ['00000000-0000-0000-0000-000000000000'] } });
    if (filter.memberId) where.push({ member: parseId(filter.memberId, 'filter.memberId') });
    if (filter.nomineeOrganizationId) where.push({ nomineeOrganization: parseId(filter.nomineeOrganizationId, 'filter.nomineeOrganizationId') });
    if (filter.countyId) where.push({ county: parseId(filter.countyId, 'filter.countyId') });
    if (filter.award) where.push({ award: filter.award });
    if (filter.awardLevel) where.push({ awardLevel: filter.awardLevel });
    if (filter.year !== undefined && filter.year !== null) where.push({ year: filter.year });
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.push(inSubtrees('orgPath', [org.path]));
    }
    return paginate(em, Nomination, { $and: where }, { createdAt: 'desc', id: 'desc' }, page);
  }

  /** The instance, for those who may follow the review; null for someone reading a public notice. */
  instanceFor(em: EntityManager, viewer: Viewer, n: Nomination) {
    if (!n.instanceId) return null;
    return em.findOne(WorkflowInstance, n.instanceId).then((i) => (i && this.workflow.canSeeInstance(viewer, i) ? i : null));
  }

  private canSee(viewer: Viewer, n: Nomination) {
    return n.submittedBy === viewer.accountId || viewer.isStaffOver(n.orgPath) || (n.member !== undefined && n.member !== null && viewer.member?.id === n.member.id);
  }

  private async inPublicNotice(em: EntityManager, n: Nomination) {
    if (!n.instanceId) return false;
    const instance = await em.findOne(WorkflowInstance, n.instanceId);
    return instance?.state === PUBLIC_NOTICE_STATE && instance.status === 'ACTIVE';
  }

  /** Nominations on public notice right now: a handful at any time, so their ids go into the query directly. */
  private async publicNoticeInstanceIds(em: EntityManager): Promise<string[]> {
    const rows = await em.find(WorkflowInstance, { definitionKey: NOMINATION_WORKFLOW, state: PUBLIC_NOTICE_STATE, status: 'ACTIVE' }, { fields: ['id'] });
    return rows.map((r) => r.id);
  }

  // ---------------------------------------------------------------------------------------------- quotas

  async usage(em: EntityManager, key: QuotaKey): Promise<AwardQuotaUsage> {
    const [row]: { quota: number; reserved: number; pending: number }[] = await em.getConnection().execute(
      `select q.quota, ${USAGE_SQL} from award_quota q
        where q.county_org_id = ? and q.award = ? and q.award_level = ? and q.year = ?`,
      [key.countyId, key.award, key.awardLevel, key.year],
      'all',
      em.getTransactionContext(),
    );
    return toUsage(key, row ?? { quota: 0, reserved: 0, pending: 0 });
  }

  /** A county's quotas for a year, with the places used and left. */
  async quotas(em: EntityManager, viewer: Viewer, countyId: string, yr: number): Promise<AwardQuotaUsage[]> {
    const county = await this.county(em, viewer, countyId, 'countyId');
    year(yr, 'year');
    const rows: { award: Award; award_level: AwardLevel; quota: number; reserved: number; pending: number }[] = await em
      .getConnection()
      .execute(
        `select q.award, q.award_level, q.quota, ${USAGE_SQL} from award_quota q
          where q.county_org_id = ? and q.year = ? order by q.award, q.award_level`,
        [county.id, yr],
      );
    return rows.map((r) => toUsage({ countyId: county.id, award: r.award, awardLevel: r.award_level, year: yr }, r));
  }

  /** Sets (creates or changes) a county's quota; never below the places already used. */
  async setQuota(em: EntityManager, viewer: Viewer, input: SetAwardQuotaInput): Promise<AwardQuotaUsage> {
    const county = await this.county(em, viewer, input.countyId, 'input.countyId');
    const yr = year(input.year, 'input.year');
    if (!Number.isSafeInteger(input.quota) || input.quota < 0 || input.quota > MAX_QUOTA) {
      throw badInput(`input.quota must be a whole number from 0 to ${MAX_QUOTA}`, 'input.quota', 'BAD_QUOTA');
    }
    const above = viewer.grants.some((g) => (QUOTA_SETTERS as readonly Role[]).includes(g.role) && county.path.startsWith(g.path) && g.path !== county.path);
    if (!above) throw forbidden('Quotas are set by approvers or administrators of a federation above the county');
    const key: QuotaKey = { countyId: county.id, award: input.award, awardLevel: input.awardLevel, year: yr };
    return em.transactional(async (tx) => {
      const conn = tx.getConnection();
      const ctx = tx.getTransactionContext();
      await conn.execute(
        `insert into award_quota (id, county_org_id, award, award_level, year, quota) values (gen_random_uuid(), ?, ?, ?, ?, 0)
         on conflict (county_org_id, award, award_level, year) do nothing`,
        [key.countyId, key.award, key.awardLevel, key.year],
        'run',
        ctx,
      );
      await conn.execute(
        'select 1 from award_quota where county_org_id = ? and award = ? and award_level = ? and year = ? for update',
        [key.countyId, key.award, key.awardLevel, key.year],
        'all',
        ctx,
      );
      const { used } = await this.usage(tx as EntityManager, key);
      if (input.quota < used) {
        throw new AppError(ErrorCode.CONFLICT, `${used} places of ${label(key)} are already used; the quota cannot go below that`, {
          reason: 'QUOTA_BELOW_USED',
          used,
        });
      }
      await conn.execute(
        'update award_quota set quota = ?, updated_at = now() where county_org_id = ? and award = ? and award_level = ? and year = ?',
        [input.quota, key.countyId, key.award, key.awardLevel, key.year],
        'run',
        ctx,
      );
      return this.usage(tx as EntityManager, key);
    });
  }

  private async county(em: EntityManager, viewer: Viewer, id: string, field: string): Promise<Organization> {
    const county = await em.findOne(Organization, parseId(id, field));
    if (!county) throw notFound('Organization');
    if (!viewer.canSeeOrganization(county.path)) throw forbidden('This county is outside your scope');
    if (!QUOTA_HOLDER_LEVELS.includes(county.level)) throw badInput('Quotas belong to county federations (or a city federation, for its 市直 unions)', field, 'NOT_A_COUNTY');
    return county;
  }
}

function toUsage(key: QuotaKey, row: { quota: number; reserved: number; pending: number }): AwardQuotaUsage {
  const quota = Number(row.quota);
  const used = Number(row.reserved) + Number(row.pending);
  return { ...key, quota, reserved: Number(row.reserved), pending: Number(row.pending), used, remaining: Math.max(0, quota - used) };
}
