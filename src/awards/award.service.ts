import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, may, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { keysetPage, NEWEST_FIRST_KEYS, PageArgs } from '../common/connection';
import { AppError, badInput, conflict, ErrorCode, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { Conditions, pgArray } from '../db/sql';
import { plainRowPage } from '../db/plain-rows';
import { ownSubjectSql } from '../workflow/workflow-subject.entity';
import { text } from '../common/validate';
import { Organization, OrganizationLevel, organizationTarget } from '../organizations/organization.entity';
import { idempotentRequest, parseIdempotencyKey } from '../idempotency/idempotency.store';
import type { WorkflowService } from '../workflow/workflow.service';
import { Nomination, NominationObjection, nominationTarget } from './nomination.entity';
import { NOMINATION_WORKFLOW, type NominationSubject, year } from './nomination.subject';
import type { NominationRepository, QuotaKey, QuotaUsageRow } from './nomination.repository';
import type { NominateForAwardInput, NominationFilter, SetAwardQuotaInput } from './award.types';

/** The definition's public-notice state (公示): its nominations are public, and anyone may object. */
export const PUBLIC_NOTICE_STATE = 'PUBLIC_NOTICE';
/** Quotas belong to county federations; a city federation holds one for the unions directly under it (市直). */
const QUOTA_HOLDER_LEVELS: readonly OrganizationLevel[] = [OrganizationLevel.COUNTY, OrganizationLevel.CITY];
const MAX_QUOTA = 10_000;

export interface AwardQuotaUsage extends QuotaKey {
  quota: number;
  /** Places held by nominations past the county's review (reserved, or already awarded). */
  reserved: number;
  /** Nominations still before the county's review, which will need a place. */
  pending: number;
  used: number;
  remaining: number;
}

const label = (k: QuotaKey) => `${k.award} (${k.awardLevel}) ${k.year}`;

/**
 * Award nominations (评选表彰): a union nominates within its county's quota; the county reviews, the city's
 * selection committee votes, the result is publicly noticed, provincial awards go on to the province, and the
 * honour is recorded once.
 */
export class AwardService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly subject: NominationSubject,
    private readonly nominations: NominationRepository,
  ) {}

  // ---------------------------------------------------------------------------------------------- nominating

  async nominate(em: EntityManager, viewer: Viewer, input: NominateForAwardInput): Promise<Nomination> {
    const { idempotencyKey, ...fields } = input;
    const request = idempotencyKey ? idempotentRequest(viewer.accountId, idempotencyKey, 'nominateForAward', null, fields) : undefined;
    return this.workflow.fileOnce(em, request, Nomination, async (tx) => {
      const v = await this.subject.validate(tx, viewer, fields, 'input');
      const { member, nomineeOrg, county } = v;
      const key: QuotaKey = { countyId: county.id, award: v.award, awardLevel: v.awardLevel, year: v.year };
      // The quota row lock serialises nominations for one county/award/level/year, so two can never take the last place.
      const quota = await this.nominations.lockQuota(tx, key);
      const dup = await this.nominations.hasLiveOrAwardedNomination(tx, member ? { memberId: member.id } : { organizationId: nomineeOrg!.id }, key);
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
        nomineeKind: v.kind,
        member: member ?? undefined,
        nomineeOrganization: nomineeOrg ?? undefined,
        organization: v.nominating,
        orgPath: v.nominating.path,
        county,
        award: key.award,
        awardLevel: key.awardLevel,
        year: key.year,
        citation: v.citation,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx as EntityManager, nomination, {
        definitionKey: this.subject.definitionKey,
        subjectType: this.subject.subjectType,
        subjectOrg: v.nominating,
        data: this.subject.engineData(v),
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
      });
    });
  }

  // ---------------------------------------------------------------------------------------------- votes and objections

  /** A selection-committee member's ballot: the generic decide path with approve or reject. */
  async castVote(em: EntityManager, viewer: Viewer, input: { taskId: string; approve: boolean; comment?: string | null; idempotencyKey: string }) {
    const task = await this.workflow.task(em, viewer, input.taskId);
    if (task.kind !== 'vote') throw badInput('This task is not a vote; use decide', 'taskId', 'NOT_A_VOTE');
    return this.workflow.decide(em, viewer, {
      operation: 'castVote',
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
    const instance = nomination?.instanceId ? await this.workflow.instanceRows.byId(em, nomination.instanceId) : undefined;
    if (!nomination || !instance) throw notFound('Nomination');
    if (idempotencyKey) {
      // A repeated objection (same account and key) is answered with the nomination, not refused as late.
      const first = await em.findOne(NominationObjection, { accountId: viewer.accountId, idempotencyKey, nominationId: nomination.id });
      if (first) return nomination;
    }
    const inNotice = instance.state === PUBLIC_NOTICE_STATE && instance.status === 'ACTIVE';
    if (!inNotice && !may(viewer, 'nomination.read', nominationTarget(nomination))) throw notFound('Nomination');
    if (!inNotice) throw conflict('Objections are taken only while the nomination is publicly noticed (公示)', 'NOT_IN_PUBLIC_NOTICE');

    return em.transactional(async (tx) => {
      const after = await this.workflow.actOnInstance(tx as EntityManager, viewer, instance.id, {
        operation: 'objectToNomination',
        action: 'object',
        comment: reason,
        idempotencyKey,
      });
      await this.nominations.recordObjection(tx as EntityManager, {
        nominationId: nomination.id,
        instanceId: instance.id,
        accountId: viewer.accountId,
        reason,
        seq: after.seq,
        idempotencyKey: idempotencyKey ?? null,
      });
      return nomination;
    });
  }

  /** Staff over the nominating union see every objection; anyone else only their own. */
  objections(em: EntityManager, viewer: Viewer, n: Nomination) {
    const all = may(viewer, 'nomination.readObjections', { path: n.orgPath });
    const where = all ? { nominationId: n.id } : { nominationId: n.id, accountId: viewer.accountId };
    return em.find(NominationObjection, where, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  // ---------------------------------------------------------------------------------------------- reading

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Nomination> {
    const n = await em.findOne(Nomination, parseId(id));
    if (!n) throw notFound('Nomination');
    if (!may(viewer, 'nomination.read', nominationTarget(n)) && !may(viewer, 'nomination.read', nominationTarget(n, await this.inPublicNotice(em, n)))) {
      throw notFound('Nomination');
    }
    return n;
  }

  async list(em: EntityManager, viewer: Viewer, filter: NominationFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, NEWEST_FIRST_KEYS);
    const noticed = pgArray(await this.publicNoticeInstanceIds(em));
    const allowed = scopes(viewer, 'nomination.read');
    const scope = scopeSql('t.org_path', allowed, ownSubjectSql(viewer, 'member_id'));
    // Nominations on public notice (公示) are open to anyone the policy lets read them publicly.
    const where = allowed.public
      ? new Conditions().add(`${scope.sql} or t.instance_id = any(?::uuid[])`, ...scope.params, noticed)
      : new Conditions().add(scope.sql, ...scope.params);
    if (filter.inPublicNotice === true) where.add('t.instance_id = any(?::uuid[])', noticed);
    if (filter.memberId) where.add('t.member_id = ?::uuid', parseId(filter.memberId, 'filter.memberId'));
    if (filter.nomineeOrganizationId) where.add('t.nominee_org_id = ?::uuid', parseId(filter.nomineeOrganizationId, 'filter.nomineeOrganizationId'));
    if (filter.countyId) where.add('t.county_org_id = ?::uuid', parseId(filter.countyId, 'filter.countyId'));
    if (filter.award) where.add('t.award = ?', filter.award);
    if (filter.awardLevel) where.add('t.award_level = ?', filter.awardLevel);
    if (filter.year !== undefined && filter.year !== null) where.add('t.year = ?::int', filter.year);
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.add('t.org_path like ?', `${org.path}%`);
    }
    return plainRowPage(em, Nomination, where, keyset);
  }

  /** The instance, for those who may follow the review; null for someone reading a public notice. */
  instanceFor(em: EntityManager, viewer: Viewer, n: Nomination) {
    if (!n.instanceId) return null;
    return this.workflow.instanceRows.byId(em, n.instanceId).then((i) => (i && this.workflow.canSeeInstance(viewer, i) ? i : null));
  }

  private async inPublicNotice(em: EntityManager, n: Nomination) {
    if (!n.instanceId) return false;
    const instance = await this.workflow.instanceRows.byId(em, n.instanceId);
    return instance?.state === PUBLIC_NOTICE_STATE && instance.status === 'ACTIVE';
  }

  /** Nominations on public notice right now: a handful at any time, so their ids go into the query directly. */
  private async publicNoticeInstanceIds(em: EntityManager): Promise<string[]> {
    return this.workflow.instanceRows.idsInState(em, NOMINATION_WORKFLOW, PUBLIC_NOTICE_STATE);
  }

  // ---------------------------------------------------------------------------------------------- quotas

  async usage(em: EntityManager, key: QuotaKey): Promise<AwardQuotaUsage> {
    const row = await this.nominations.usage(em, key);
    return toUsage(key, row ?? { quota: 0, reserved: 0, pending: 0 });
  }

  /** A county's quotas for a year, with the places used and left. */
  async quotas(em: EntityManager, viewer: Viewer, countyId: string, yr: number): Promise<AwardQuotaUsage[]> {
    const county = await this.county(em, viewer, countyId, 'countyId');
    year(yr, 'year');
    const rows = await this.nominations.usages(em, county.id, yr);
    return rows.map((r) => toUsage({ countyId: county.id, award: r.award, awardLevel: r.awardLevel, year: yr }, r));
  }

  /** Sets (creates or changes) a county's quota; never below the places already used. */
  async setQuota(em: EntityManager, viewer: Viewer, input: SetAwardQuotaInput): Promise<AwardQuotaUsage> {
    const county = await this.county(em, viewer, input.countyId, 'input.countyId');
    const yr = year(input.year, 'input.year');
    if (!Number.isSafeInteger(input.quota) || input.quota < 0 || input.quota > MAX_QUOTA) {
      throw badInput(`input.quota must be a whole number from 0 to ${MAX_QUOTA}`, 'input.quota', 'BAD_QUOTA');
    }
    authorize(viewer, 'quota.set', organizationTarget(county), { message: 'Quotas are set by approvers or administrators of a federation above the county' });
    const key: QuotaKey = { countyId: county.id, award: input.award, awardLevel: input.awardLevel, year: yr };
    return em.transactional(async (tx) => {
      await this.nominations.ensureQuotaRow(tx as EntityManager, key);
      await this.nominations.lockQuota(tx as EntityManager, key);
      const { used } = await this.usage(tx as EntityManager, key);
      if (input.quota < used) {
        throw new AppError(ErrorCode.CONFLICT, `${used} places of ${label(key)} are already used; the quota cannot go below that`, {
          reason: 'QUOTA_BELOW_USED',
          used,
        });
      }
      await this.nominations.setQuota(tx as EntityManager, key, input.quota);
      return this.usage(tx as EntityManager, key);
    });
  }

  private async county(em: EntityManager, viewer: Viewer, id: string, field: string): Promise<Organization> {
    const county = await em.findOne(Organization, parseId(id, field));
    if (!county) throw notFound('Organization');
    authorize(viewer, 'quota.read', organizationTarget(county), { message: 'This county is outside your scope' });
    if (!QUOTA_HOLDER_LEVELS.includes(county.level)) throw badInput('Quotas belong to county federations (or a city federation, for its 市直 unions)', field, 'NOT_A_COUNTY');
    return county;
  }
}

function toUsage(key: QuotaKey, row: QuotaUsageRow): AwardQuotaUsage {
  const quota = Number(row.quota);
  const used = Number(row.reserved) + Number(row.pending);
  return { ...key, quota, reserved: Number(row.reserved), pending: Number(row.pending), used, remaining: Math.max(0, quota - used) };
}
