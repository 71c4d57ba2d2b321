import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { HonourLevel } from '../members/honour.entity';
import { Member } from '../members/member.entity';
import { Organization } from '../organizations/organization.entity';
import { subjectTarget, WorkflowSubject } from '../workflow/workflow-subject.entity';

/** The awards of workflows/award-nomination.yaml (评选表彰). */
export enum Award {
  /** 劳动模范 */
  MODEL_WORKER = 'MODEL_WORKER',
  /** 先进工作者 */
  ADVANCED_WORKER = 'ADVANCED_WORKER',
  /** 五一劳动奖章 */
  MAY_DAY_MEDAL = 'MAY_DAY_MEDAL',
  /** 先进集体 */
  ADVANCED_COLLECTIVE = 'ADVANCED_COLLECTIVE',
  /** 工人先锋号 */
  PIONEER_TEAM = 'PIONEER_TEAM',
  /** 技术能手 */
  TECHNICAL_EXPERT = 'TECHNICAL_EXPERT',
  /** 工匠 (三秦工匠, 商山工匠) */
  CRAFTSMAN = 'CRAFTSMAN',
}

/** Awards conferred on an organisation (集体); every other award goes to a member (个人). */
export const COLLECTIVE_AWARDS: readonly Award[] = [Award.ADVANCED_COLLECTIVE, Award.PIONEER_TEAM];

export enum AwardLevel {
  CITY = 'CITY',
  PROVINCIAL = 'PROVINCIAL',
  NATIONAL = 'NATIONAL',
}

export const HONOUR_LEVEL_OF: Record<AwardLevel, HonourLevel> = {
  CITY: HonourLevel.CITY,
  PROVINCIAL: HonourLevel.PROVINCIAL,
  NATIONAL: HonourLevel.NATIONAL,
};

export enum NomineeKind {
  MEMBER = 'MEMBER',
  ORGANIZATION = 'ORGANIZATION',
}

/** How many nominations a county federation may put forward for one award, level and year. */
@Entity({ tableName: 'award_quota' })
export class AwardQuota {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'reserved';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Organization, { fieldName: 'county_org_id' })
  county!: Organization;

  @Enum({ items: () => Award })
  award!: Award;

  @Enum({ items: () => AwardLevel, fieldName: 'award_level' })
  awardLevel!: AwardLevel;

  @Property({ type: 'integer' })
  year!: number;

  @Property({ type: 'integer' })
  quota!: number;

  /** Places held by reservations, kept by the reserveQuota and releaseQuota effects in their own statements. */
  @Property({ type: 'integer' })
  reserved: number = 0;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** A union's nomination of a member or an organisation for an award; its progress lives in the workflow instance. */
@Entity({ tableName: 'nomination' })
export class Nomination extends WorkflowSubject {
  @Enum({ items: () => NomineeKind })
  nomineeKind!: NomineeKind;

  @ManyToOne(() => Member, { nullable: true, fieldName: 'member_id' })
  member?: Member;

  @ManyToOne(() => Organization, { nullable: true, fieldName: 'nominee_org_id' })
  nomineeOrganization?: Organization;

  /** The county federation whose quota the nomination uses. */
  @ManyToOne(() => Organization, { fieldName: 'county_org_id' })
  county!: Organization;

  @Enum({ items: () => Award })
  award!: Award;

  @Enum({ items: () => AwardLevel, fieldName: 'award_level' })
  awardLevel!: AwardLevel;

  @Property({ type: 'integer' })
  year!: number;

  /** The nominee's deeds (事迹). */
  @Property({ type: 'string', length: 4000 })
  citation!: string;
}

/** An objection raised during the public notice (公示): who, why, when, and the transition it caused. */
@Entity({ tableName: 'nomination_objection' })
export class NominationObjection {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'uuid' })
  nominationId!: string;

  @Property({ type: 'uuid' })
  instanceId!: string;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'string', length: 2000 })
  reason!: string;

  /** The seq of the workflow transition (PUBLIC_NOTICE → INVESTIGATION) it caused. */
  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'string', length: 100, nullable: true })
  idempotencyKey?: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}

/** A nomination as the authorization policy sees it: a workflow subject, and public while it is on public notice. */
export const nominationTarget = (n: Nomination, onPublicNotice = false) => ({ ...subjectTarget(n, n.member?.id), public: onPublicNotice });
