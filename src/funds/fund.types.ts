import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { FundKind } from './fund.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(FundKind, {
  name: 'FundKind',
  description: '资金类别 — what a fund pool is for; each kind of aid is paid from its own kind of fund.',
  valuesConfig: {
    UNION_DUES: { description: '工会经费 — the union’s general funds: activities, subsidies, relief goods.' },
    HARDSHIP_AID: { description: '困难职工帮扶资金 — hardship aid for workers in hardship.' },
    SEASONAL_RELIEF: { description: '送温暖/送清凉资金 — seasonal relief, in winter and summer.' },
    MUTUAL_MEDICAL: { description: '职工医疗互助资金 — mutual medical aid: second reimbursement of medical costs.' },
    MODEL_WORKER: { description: '劳模专项资金 — funds for model workers.' },
    EDUCATION_AID: { description: '金秋助学资金 — education aid for workers’ children.' },
  },
});

@ObjectType('Fund', { implements: NodeInterface, description: '资金 — a fund pool owned by an organisation; money is in integer fen (分).' })
export class FundType {
  @Field(() => ID, { description: 'The fund’s global id.' })
  id!: string;

  @Field(() => FundKind, { description: '资金类别 — what the fund is for.' })
  kind!: FundKind;

  @Field(() => String, { description: '名称 — e.g. 丹凤县困难职工帮扶资金.' })
  name!: string;

  @Field(() => GraphQLSafeInt, { description: 'In fen; always the sum of the ledger, never below zero.' })
  balance!: number;

  @Field(() => GraphQLDateTime, { description: 'When the fund was set up.' })
  createdAt!: Date;
}

export const FundConnection = ConnectionType(FundType, 'Fund');

@ObjectType('LedgerEntry', { description: '台账记录 — an append-only movement of a fund: credits are positive, debits negative (fen).' })
export class LedgerEntryType {
  @Field(() => ID, { description: 'The entry’s id.' })
  id!: string;

  @Field(() => GraphQLSafeInt, { description: '金额 — in fen: positive for a credit, negative for a debit.' })
  amount!: number;

  @Field(() => GraphQLSafeInt, { description: 'The fund’s balance right after this entry.' })
  balanceAfter!: number;

  @Field(() => String, { description: '摘要 — what the movement was, e.g. 帮扶金拨付 aid payment.' })
  reason!: string;

  @Field(() => String, { nullable: true, description: 'What the movement is for, unique per fund (e.g. a workflow instance).' })
  reference?: string;

  @Field(() => ID, { nullable: true, description: 'The account that booked it, if a person did.', deprecationReason: 'Use bookedBy { accountId displayName organization { name } }.' })
  createdBy?: string;

  @Field(() => GraphQLDateTime, { description: 'When it was booked.' })
  createdAt!: Date;
}

export const LedgerEntryConnection = ConnectionType(LedgerEntryType, 'LedgerEntry');

@InputType({ description: 'Narrows a fund list; the conditions given must all hold.' })
export class FundFilter {
  @Field(() => ID, { nullable: true, description: 'Funds owned by exactly this organisation.' })
  ownerId?: string;

  @Field(() => ID, { nullable: true, description: 'Funds owned anywhere in this subtree.' })
  subtreeOf?: string;

  @Field(() => FundKind, { nullable: true, description: 'Funds of this kind only.' })
  kind?: FundKind;
}

@InputType({ description: '资金入账 — income booked to a fund.' })
export class CreditFundInput {
  @Field(() => ID, { description: 'The fund credited.' })
  fundId!: string;

  @Field(() => GraphQLSafeInt, { description: 'Positive, in fen.' })
  amount!: number;

  @Field(() => String, { description: '摘要 — what the income is, up to 500 characters.' })
  reason!: string;

  @Field(() => String, { nullable: true, description: 'e.g. a remittance number; a second credit with it is refused.' })
  reference?: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}
