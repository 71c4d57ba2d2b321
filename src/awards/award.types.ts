import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { Award, AwardLevel, NomineeKind } from './nomination.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(Award, {
  name: 'Award',
  description:
    'MODEL_WORKER 劳动模范, ADVANCED_WORKER 先进工作者, MAY_DAY_MEDAL 五一劳动奖章, TECHNICAL_EXPERT 技术能手, CRAFTSMAN 工匠 (individual); ADVANCED_COLLECTIVE 先进集体, PIONEER_TEAM 工人先锋号 (collective).',
});
registerEnumType(AwardLevel, { name: 'AwardLevel', description: 'CITY awards end at the city; PROVINCIAL and NATIONAL go on to the province.' });
registerEnumType(NomineeKind, { name: 'NomineeKind' });

@ObjectType('Nomination', { implements: NodeInterface, description: 'A union’s nomination of a member or a collective for an award (评选表彰).' })
export class NominationType {
  @Field(() => ID)
  id!: string;

  @Field(() => NomineeKind)
  nomineeKind!: NomineeKind;

  @Field(() => Award)
  award!: Award;

  @Field(() => AwardLevel)
  awardLevel!: AwardLevel;

  @Field(() => Int)
  year!: number;

  @Field(() => String, { description: 'The nominee’s deeds (事迹).' })
  citation!: string;

  @Field(() => ID, { description: 'The account that nominated.' })
  submittedBy!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export const NominationConnection = ConnectionType(NominationType, 'Nomination');

@ObjectType('NominationObjection', { description: 'An objection raised during the public notice (公示).' })
export class NominationObjectionType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'Who objected.' })
  accountId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => Int, { description: 'The workflow transition it caused (into INVESTIGATION).' })
  seq!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

@ObjectType('AwardQuota', { description: 'A county federation’s places for one award, level and year, and how many are used.' })
export class AwardQuotaType {
  @Field(() => ID)
  countyId!: string;

  @Field(() => Award)
  award!: Award;

  @Field(() => AwardLevel)
  awardLevel!: AwardLevel;

  @Field(() => Int)
  year!: number;

  @Field(() => Int)
  quota!: number;

  @Field(() => Int, { description: 'Places held by nominations the county approved (including those awarded).' })
  reserved!: number;

  @Field(() => Int, { description: 'Live nominations still before the county’s review.' })
  pending!: number;

  @Field(() => Int, { description: 'reserved + pending.' })
  used!: number;

  @Field(() => Int)
  remaining!: number;
}

@InputType()
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

  @Field(() => Award)
  award!: Award;

  @Field(() => AwardLevel)
  awardLevel!: AwardLevel;

  @Field(() => Int)
  year!: number;

  @Field(() => String, { description: 'The nominee’s deeds (事迹).' })
  citation!: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType()
export class NominationFilter {
  @Field(() => ID, { nullable: true, description: 'Nominations made by this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => ID, { nullable: true })
  countyId?: string;

  @Field(() => ID, { nullable: true })
  memberId?: string;

  @Field(() => ID, { nullable: true })
  nomineeOrganizationId?: string;

  @Field(() => Award, { nullable: true })
  award?: Award;

  @Field(() => AwardLevel, { nullable: true })
  awardLevel?: AwardLevel;

  @Field(() => Int, { nullable: true })
  year?: number;

  @Field(() => Boolean, { nullable: true, description: 'Only nominations on public notice (公示) now; anyone may read and object to these.' })
  inPublicNotice?: boolean;
}

@InputType()
export class SetAwardQuotaInput {
  @Field(() => ID)
  countyId!: string;

  @Field(() => Award)
  award!: Award;

  @Field(() => AwardLevel)
  awardLevel!: AwardLevel;

  @Field(() => Int)
  year!: number;

  @Field(() => Int)
  quota!: number;
}
