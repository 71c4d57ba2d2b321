import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, may } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { badInput, conflict, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { covers } from '../common/subtree';
import { text } from '../common/validate';
import { Member, memberTarget, MemberStatus } from '../members/member.entity';
import { Organization, organizationTarget } from '../organizations/organization.entity';
import { resolveRoute } from '../workflow/core/routing';
import type { EffectContext } from '../workflow/effects';
import type { SubjectModule } from '../workflow/subject.contract';
import { orgRef } from '../workflow/workflow.service';
import { Award, AwardLevel, COLLECTIVE_AWARDS, HONOUR_LEVEL_OF, Nomination, NomineeKind } from './nomination.entity';
import type { NominationRepository } from './nomination.repository';

export const NOMINATION_WORKFLOW = 'award-nomination';
export const NOMINATION_SUBJECT = 'NOMINATION';
const MIN_YEAR = 2000;
const MAX_YEAR = 2200;
const MAX_CITATION = 4000;

export function year(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value < MIN_YEAR || value > MAX_YEAR) {
    throw badInput(`${field} must be a year from ${MIN_YEAR} to ${MAX_YEAR}`, field, 'BAD_YEAR');
  }
  return value;
}

/** A nomination as its union sends it. */
export interface NominationDraft extends Record<string, unknown> {
  memberId?: string | null;
  nomineeOrganizationId?: string | null;
  organizationId?: string | null;
  award: string;
  awardLevel: string;
  year: number;
  citation: unknown;
}

export interface ValidNomination {
  kind: NomineeKind;
  member: Member | null;
  nomineeOrg: Organization | null;
  nominating: Organization;
  county: Organization;
  award: Award;
  awardLevel: AwardLevel;
  year: number;
  citation: string;
}

/**
 * 评选表彰 as a workflow subject: a union nominates one of its members (individual awards) or one of its
 * organisations (collective awards). Only the citation may be corrected when the county returns it; another
 * nominee, award, level or year is a new nomination.
 */
export class NominationSubject implements SubjectModule<NominationDraft, ValidNomination> {
  readonly subjectType = NOMINATION_SUBJECT;
  readonly definitionKey = NOMINATION_WORKFLOW;
  readonly entity = Nomination;
  readonly graphqlType = 'Nomination';
  readonly fields = {
    memberId: { changeable: false },
    nomineeOrganizationId: { changeable: false },
    organizationId: { changeable: false },
    award: { changeable: false },
    awardLevel: { changeable: false },
    year: { changeable: false },
    citation: { changeable: true },
  };
  readonly effects;

  constructor(private readonly nominations: NominationRepository) {
    this.effects = { reserveQuota: this.reserveQuota, releaseQuota: this.releaseQuota, recordHonour: this.recordHonour };
  }

  async load(em: EntityManager, subjectId: string): Promise<NominationDraft> {
    const n = await em.findOneOrFail(Nomination, subjectId);
    return {
      memberId: n.member?.id ?? null,
      nomineeOrganizationId: n.nomineeOrganization?.id ?? null,
      organizationId: n.organization.id,
      award: n.award,
      awardLevel: n.awardLevel,
      year: n.year,
      citation: n.citation,
    };
  }

  async validate(em: EntityManager, viewer: Viewer, draft: NominationDraft, at: string): Promise<ValidNomination> {
    const yr = year(draft.year, `${at}.year`);
    if (typeof draft.citation !== 'string') throw badInput(`${at}.citation must be text`, `${at}.citation`, 'NOT_TEXT');
    const citation = text(draft.citation, `${at}.citation`, { max: MAX_CITATION, multiline: true });
    if (Boolean(draft.memberId) === Boolean(draft.nomineeOrganizationId)) {
      throw badInput('Nominate either a member (memberId) or an organisation (nomineeOrganizationId)', `${at}.memberId`, 'ONE_NOMINEE');
    }
    if (!(Object.values(Award) as string[]).includes(draft.award)) throw badInput(`${at}.award is not an award`, `${at}.award`, 'NOT_IN_ENUM');
    if (!(Object.values(AwardLevel) as string[]).includes(draft.awardLevel)) throw badInput(`${at}.awardLevel is not a level`, `${at}.awardLevel`, 'NOT_IN_ENUM');
    const award = draft.award as Award;
    const kind = draft.memberId ? NomineeKind.MEMBER : NomineeKind.ORGANIZATION;
    const collective = COLLECTIVE_AWARDS.includes(award);
    if (kind === NomineeKind.MEMBER && collective) {
      throw badInput(`${award} is a collective award: nominate an organisation`, `${at}.award`, 'AWARD_KIND_MISMATCH');
    }
    if (kind === NomineeKind.ORGANIZATION && !collective) {
      throw badInput(`${award} is an individual award: nominate a member`, `${at}.award`, 'AWARD_KIND_MISMATCH');
    }

    let member: Member | null = null;
    let nomineeOrg: Organization | null = null;
    if (draft.memberId) {
      member = await em.findOne(Member, parseId(String(draft.memberId), `${at}.memberId`), { populate: ['organization'] });
      if (!member || !may(viewer, 'member.read', memberTarget(member))) throw notFound('Member');
    } else {
      nomineeOrg = await em.findOne(Organization, parseId(String(draft.nomineeOrganizationId), `${at}.nomineeOrganizationId`));
      if (!nomineeOrg || !may(viewer, 'organization.read', organizationTarget(nomineeOrg))) throw notFound('Organization');
    }
    const nomineePath = member ? member.orgPath : nomineeOrg!.path;

    let nominating = member ? (member.organization as Organization) : nomineeOrg!;
    if (draft.organizationId) {
      const given = await em.findOne(Organization, parseId(String(draft.organizationId), `${at}.organizationId`));
      if (!given || !may(viewer, 'organization.read', organizationTarget(given))) throw notFound('Organization');
      nominating = given;
    }
    authorize(viewer, 'nomination.create', organizationTarget(nominating), { message: 'Only the union’s approvers or administrators may nominate for it' });
    if (!covers(nominating.path, nomineePath)) {
      throw badInput('The nominee must belong to the nominating union', `${at}.organizationId`, 'NOMINEE_OUTSIDE_UNION');
    }
    if (member && member.status !== MemberStatus.ACTIVE) throw conflict('Only active members may be nominated', 'MEMBER_NOT_ACTIVE');

    const county = await this.countyOf(em, nominating);
    if (!county) {
      throw badInput('Nominations are made by a county federation or a union below one', `${at}.organizationId`, 'NO_COUNTY');
    }

    return { kind, member, nomineeOrg, nominating, county, award, awardLevel: draft.awardLevel as AwardLevel, year: yr, citation };
  }

  async write(em: EntityManager, subjectId: string, v: ValidNomination): Promise<void> {
    await em.nativeUpdate(Nomination, { id: subjectId }, { citation: v.citation });
  }

  engineData(v: ValidNomination) {
    return { nomineeKind: v.kind, nomineeId: v.member ? v.member.id : v.nomineeOrg!.id, award: v.award, awardLevel: v.awardLevel, year: v.year };
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

  /**
   * The `reserveQuota` effect: holds one of the county's places for this instance, in one statement (see
   * `NominationRepository.reserve`), so two county approvals can never take the last place; a full quota, or
   * none, returns QUOTA_EXCEEDED and the nomination goes back to the county. A reservation this instance
   * already holds is kept (a redelivered job).
   */
  private reserveQuota = async ({ em, instance }: EffectContext): Promise<string> => {
    const r = await this.nominations.reserve(em, instance);
    if (!r.found) throw new Error(`nomination ${instance.subjectId} does not exist`);
    return r.held || r.reserved ? 'ok' : 'QUOTA_EXCEEDED';
  };

  /**
   * The `releaseQuota` effect: gives the place back when the vote fails, an objection is upheld or the province
   * rejects; the counter goes down in the same statement, once (only a held reservation is released).
   */
  private releaseQuota = async ({ em, instance }: EffectContext): Promise<string> => {
    await this.nominations.release(em, instance.id);
    return 'ok';
  };

  /** The `recordHonour` effect: the honour, on the member or the organisation, exactly once per instance. */
  private recordHonour = async ({ em, instance }: EffectContext): Promise<string> => {
    const n = await em.findOneOrFail(Nomination, instance.subjectId);
    await this.nominations.recordHonour(em, {
      memberId: n.member?.id ?? null,
      organizationId: n.nomineeOrganization?.id ?? null,
      award: n.award,
      level: HONOUR_LEVEL_OF[n.awardLevel],
      year: n.year,
      sourceInstanceId: instance.id,
    });
    return 'ok';
  };
}
