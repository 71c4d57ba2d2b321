import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { Role } from '../auth/role';
import '../auth/auth.types';

@ObjectType('Delegation', { description: '代理 Out-of-office delegation: a substitute may act on the delegator’s tasks of one role at one organisation during a period.' })
export class DelegationType {
  @Field(() => ID, { description: 'The delegation’s id (for revokeDelegation).' })
  id!: string;

  @Field(() => ID, { description: '委托人 The account that is away.', deprecationReason: 'Use delegator { accountId displayName organization { name } }.' })
  delegatorAccountId!: string;

  @Field(() => ID, { description: '代理人 The account standing in.', deprecationReason: 'Use substitute { accountId displayName organization { name } }.' })
  substituteAccountId!: string;

  @Field(() => Role, { description: 'The role delegated.' })
  role!: Role;

  @Field(() => ID, { description: 'The organisation the role is held on.' })
  organizationId!: string;

  @Field(() => GraphQLDateTime, { description: 'From (inclusive).' })
  startsAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'Until (exclusive).' })
  endsAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why, e.g. 出差 / 休假.' })
  reason?: string | null;

  @Field(() => GraphQLDateTime, { description: 'When it was set.' })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the delegator ended it early.' })
  revokedAt?: Date | null;
}

@InputType('SetDelegationInput', { description: 'A substitute for one of my grants over a period.' })
export class SetDelegationInput {
  @Field(() => ID, { description: 'Who stands in: someone who could hold the role on that organisation (holds it there or above, or is staff there).' })
  substituteAccountId!: string;

  @Field(() => Role, { nullable: true, description: 'The role to delegate; may be left out when I hold exactly one staff role.' })
  role?: Role | null;

  @Field(() => ID, { nullable: true, description: 'The organisation I hold the role on; with role.' })
  organizationId?: string | null;

  @Field(() => GraphQLDateTime, { description: 'From (inclusive).' })
  startsAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'Until (exclusive); at most a year after startsAt.' })
  endsAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why (at most 500 characters).' })
  reason?: string | null;
}
