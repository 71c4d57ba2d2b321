import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { AidType } from './aid-application.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(AidType, {
  name: 'AidType',
  description: 'HARDSHIP 困难帮扶, MEDICAL_SECOND_REIMBURSEMENT 二次报销, EDUCATION 求学圆梦, SEASONAL_RELIEF 送温暖/送清凉.',
});

@ObjectType('AidApplication', { implements: NodeInterface })
export class AidApplicationType {
  @Field(() => ID)
  id!: string;

  @Field(() => AidType)
  aidType!: AidType;

  @Field(() => GraphQLSafeInt, { description: 'In fen.' })
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => ID)
  submittedBy!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const AidApplicationConnection = ConnectionType(AidApplicationType, 'AidApplication');

@InputType()
export class ApplyForAidInput {
  @Field(() => ID, { nullable: true, description: 'The member the aid is for; omit to apply for yourself.' })
  memberId?: string;

  @Field(() => AidType)
  aidType!: AidType;

  @Field(() => ID, { description: 'A fund of the matching kind owned by the member’s union or one above it.' })
  fundId!: string;

  @Field(() => GraphQLSafeInt, { description: 'In fen, positive.' })
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType()
export class AidApplicationFilter {
  @Field(() => ID, { nullable: true })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'Applications from this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => AidType, { nullable: true })
  aidType?: AidType;
}
