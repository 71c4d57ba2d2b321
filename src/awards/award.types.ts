import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { Award, AwardLevel, NomineeKind } from './nomination.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(Award, {
  name: 'Award',
  description: '奖项 — the awards a union may nominate for (评选表彰): individual ones go to a member, collective ones to an organisation.',
  valuesConfig: {
    MODEL_WORKER: { description: '劳动模范 — model worker (individual).' },
    ADVANCED_WORKER: { description: '先进工作者 — advanced worker (individual).' },
    MAY_DAY_MEDAL: { description: '五一劳动奖章 — May Day labour medal (individual).' },
    TECHNICAL_EXPERT: { description: '技术能手 — technical expert (individual).' },
    CRAFTSMAN: { description: '工匠 — craftsman, e.g. 三秦工匠, 商山工匠 (individual).' },
    ADVANCED_COLLECTIVE: { description: '先进集体 — advanced collective (collective).' },
    PIONEER_TEAM: { description: '工人先锋号 — workers’ pioneer team (collective).' },
  },
});
registerEnumType(AwardLevel, {
  name: 'AwardLevel',
  description: '表彰级别 — the level an award is conferred at: CITY awards end at the city; PROVINCIAL and NATIONAL go on to the province.',
  valuesConfig: {
    CITY: { description: '市级 — conferred by the city federation.' },
    PROVINCIAL: { description: '省级 — conferred by the province, after the city’s selection.' },
    NATIONAL: { description: '全国级 — put forward by the province for a national award.' },
  },
});
registerEnumType(NomineeKind, {
  name: 'NomineeKind',
  description: '被提名对象 — whether a nomination is for a person or a collective.',
  valuesConfig: {
    MEMBER: { description: '个人 — a member, for an individual award.' },
    ORGANIZATION: { description: '集体 — an organisation, for a collective award.' },
  },
});

@ObjectType('Nomination', { implements: NodeInterface, description: 'A union’s nomination of a member or a collective for an award (评选表彰).' })
export class NominationType {
  @Field(() => ID, { description: 'The nomination’s global id.' })
  id!: string;

  @Field(() => NomineeKind, { description: '被提名对象 — a member or an organisation.' })
  nomineeKind!: NomineeKind;

  @Field(() => Award, { description: '奖项 — the award.' })
  award!: Award;

  @Field(() => AwardLevel, { description: '表彰级别 — the level it is for.' })
  awardLevel!: AwardLevel;

  @Field(() => Int, { description: '年度 — the year of the award.' })
  year!: number;

  @Field(() => String, { description: 'The nominee’s deeds (事迹).' })
  citation!: string;

  @Field(() => ID, { description: 'The account that nominated.', deprecationReason: 'Use submitter { accountId displayName organization { name } }.' })
  submittedBy!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was made.' })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'When it last changed.' })
  updatedAt!: Date;
}

export const NominationConnection = ConnectionType(NominationType, 'Nomination');

@ObjectType('NominationObjection', { description: '异议 — an objection raised during the public notice (公示).' })
export class NominationObjectionType {
  @Field(() => ID, { description: 'The objection’s id.' })
  id!: string;

  @Field(() => ID, { description: 'Who objected.', deprecationReason: 'Use objector { accountId displayName organization { name } }.' })
  accountId!: string;

  @Field(() => String, { description: '异议理由 — the grounds of the objection.' })
  reason!: string;

  @Field(() => Int, { description: 'The workflow transition it caused (into INVESTIGATION).' })
  seq!: number;

  @Field(() => GraphQLDateTime, { description: 'When it was raised.' })
  createdAt!: Date;
}

@ObjectType('AwardQuota', { description: '名额 — a county federation’s places for one award, level and year, and how many are used.' })
export class AwardQuotaType {
  @Field(() => ID, { description: 'The county federation.' })
  countyId!: string;

  @Field(() => Award, { description: '奖项 — the award.' })
  award!: Award;

  @Field(() => AwardLevel, { description: '表彰级别 — the level.' })
  awardLevel!: AwardLevel;

  @Field(() => Int, { description: '年度 — the year.' })
  year!: number;

  @Field(() => Int, { description: '名额 — the places the county has.' })
  quota!: number;

  @Field(() => Int, { description: 'Places held by nominations the county approved (including those awarded).' })
  reserved!: number;

  @Field(() => Int, { description: 'Live nominations still before the county’s review.' })
  pending!: number;

  @Field(() => Int, { description: 'reserved + pending.' })
  used!: number;

  @Field(() => Int, { description: '剩余名额 — quota − used, and never below zero.' })
  remaining!: number;
}

@InputType({ description: '推荐 — a nomination for an award.' })
export class NominateForAwardInput {
  @Field(() => ID, { nullable: true, description: 'The member nominated for an individual award.' })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'The organisation nominated for a collective award.' })
  nomineeOrganizationId?: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The nominating union (the nominee’s own or one above it, within a county); defaults to the member’s union or the nominated organisation.',
  })
  organizationId?: string;

  @Field(() => Award, { description: '奖项 — the award; an individual one needs memberId, a collective one nomineeOrganizationId.' })
  award!: Award;

  @Field(() => AwardLevel, { description: '表彰级别 — the level.' })
  awardLevel!: AwardLevel;

  @Field(() => Int, { description: '年度 — the year of the award.' })
  year!: number;

  @Field(() => String, { description: 'The nominee’s deeds (事迹).' })
  citation!: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType({ description: 'Narrows a list of nominations; the conditions given must all hold.' })
export class NominationFilter {
  @Field(() => ID, { nullable: true, description: 'Nominations made by this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => ID, { nullable: true, description: 'Nominations using this county federation’s quota.' })
  countyId?: string;

  @Field(() => ID, { nullable: true, description: 'Nominations of this member.' })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'Nominations of this organisation (collective awards).' })
  nomineeOrganizationId?: string;

  @Field(() => Award, { nullable: true, description: 'Nominations for this award.' })
  award?: Award;

  @Field(() => AwardLevel, { nullable: true, description: 'Nominations at this level.' })
  awardLevel?: AwardLevel;

  @Field(() => Int, { nullable: true, description: 'Nominations for this year.' })
  year?: number;

  @Field(() => Boolean, { nullable: true, description: 'Only nominations on public notice (公示) now; anyone may read and object to these.' })
  inPublicNotice?: boolean;
}

@InputType({ description: '名额设置 — a county’s places for one award, level and year.' })
export class SetAwardQuotaInput {
  @Field(() => ID, { description: 'The county federation.' })
  countyId!: string;

  @Field(() => Award, { description: '奖项 — the award.' })
  award!: Award;

  @Field(() => AwardLevel, { description: '表彰级别 — the level.' })
  awardLevel!: AwardLevel;

  @Field(() => Int, { description: '年度 — the year.' })
  year!: number;

  @Field(() => Int, { description: '名额 — the number of places; not below those already used.' })
  quota!: number;
}
