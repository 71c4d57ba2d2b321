import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { AidType } from './aid-application.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(AidType, {
  name: 'AidType',
  description: '帮扶类别 — the kind of aid applied for; each is paid from a fund of its own kind.',
  valuesConfig: {
    HARDSHIP: { description: '困难帮扶 — hardship aid for a worker in hardship (paid from HARDSHIP_AID).' },
    MEDICAL_SECOND_REIMBURSEMENT: { description: '医疗二次报销 — second reimbursement of medical costs (paid from MUTUAL_MEDICAL).' },
    EDUCATION: { description: '求学圆梦 — education aid (paid from EDUCATION_AID).' },
    SEASONAL_RELIEF: { description: '送温暖/送清凉 — seasonal relief in winter or summer (paid from SEASONAL_RELIEF).' },
  },
});

@ObjectType('AidApplication', {
  implements: NodeInterface,
  description: '帮扶申请 — a member’s application for aid from a fund, and its approval (its workflow instance).',
})
export class AidApplicationType {
  @Field(() => ID, { description: 'The application’s global id.' })
  id!: string;

  @Field(() => AidType, { description: '帮扶类别 — the kind of aid.' })
  aidType!: AidType;

  @Field(() => GraphQLSafeInt, { description: '申请金额 — in fen.' })
  amount!: number;

  @Field(() => String, { description: '申请理由 — why the aid is needed.' })
  reason!: string;

  @Field(() => ID, { description: 'The account that filed it.', deprecationReason: 'Use submitter { accountId displayName organization { name } }.' })
  submittedBy!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was filed.' })
  createdAt!: Date;
}

export const AidApplicationConnection = ConnectionType(AidApplicationType, 'AidApplication');

@InputType({ description: '帮扶申请 — an application for aid.' })
export class ApplyForAidInput {
  @Field(() => ID, { nullable: true, description: 'The member the aid is for; omit to apply for yourself.' })
  memberId?: string;

  @Field(() => AidType, { description: '帮扶类别 — the kind of aid.' })
  aidType!: AidType;

  @Field(() => ID, { description: 'A fund of the matching kind owned by the member’s union or one above it.' })
  fundId!: string;

  @Field(() => GraphQLSafeInt, { description: 'In fen, positive.' })
  amount!: number;

  @Field(() => String, { description: '申请理由 — why the aid is needed.' })
  reason!: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType({ description: 'Narrows a list of aid applications; the conditions given must all hold.' })
export class AidApplicationFilter {
  @Field(() => ID, { nullable: true, description: 'Applications for this member.' })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'Applications from this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => AidType, { nullable: true, description: 'Applications for this kind of aid.' })
  aidType?: AidType;
}
