import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { FundKind } from './fund.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(FundKind, { name: 'FundKind' });

@ObjectType('Fund', { implements: NodeInterface, description: 'A fund pool owned by an organisation; money is in integer fen (分).' })
export class FundType {
  @Field(() => ID)
  id!: string;

  @Field(() => FundKind)
  kind!: FundKind;

  @Field(() => String)
  name!: string;

  @Field(() => GraphQLSafeInt, { description: 'In fen; always the sum of the ledger, never below zero.' })
  balance!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const FundConnection = ConnectionType(FundType, 'Fund');

@ObjectType('LedgerEntry', { description: 'An append-only movement: credits are positive, debits negative (fen).' })
export class LedgerEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLSafeInt)
  amount!: number;

  @Field(() => GraphQLSafeInt, { description: 'The fund’s balance right after this entry.' })
  balanceAfter!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: 'What the movement is for, unique per fund (e.g. a workflow instance).' })
  reference?: string;

  @Field(() => ID, { nullable: true, description: 'The account that booked it, if a person did.' })
  createdBy?: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const LedgerEntryConnection = ConnectionType(LedgerEntryType, 'LedgerEntry');

@InputType()
export class FundFilter {
  @Field(() => ID, { nullable: true })
  ownerId?: string;

  @Field(() => ID, { nullable: true, description: 'Funds owned anywhere in this subtree.' })
  subtreeOf?: string;

  @Field(() => FundKind, { nullable: true })
  kind?: FundKind;
}

@InputType()
export class CreditFundInput {
  @Field(() => ID)
  fundId!: string;

  @Field(() => GraphQLSafeInt, { description: 'Positive, in fen.' })
  amount!: number;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true, description: 'e.g. a remittance number; a second credit with it is refused.' })
  reference?: string;

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}
