import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { ExpenseCategory } from './expense.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(ExpenseCategory, {
  name: 'ExpenseCategory',
  description: 'ACTIVITY 活动经费, SUBSIDY 补助, RELIEF_GOODS 慰问物资, OTHER 其他.',
});

@ObjectType('ExpenseAttachment', { description: 'Metadata of a supporting document; the file itself is not stored here.' })
export class ExpenseAttachmentType {
  @Field(() => String)
  fileName!: string;

  @Field(() => String)
  contentType!: string;

  @Field(() => GraphQLSafeInt)
  sizeBytes!: number;

  @Field(() => String, { description: 'Lower-case hex SHA-256 of the file.' })
  sha256!: string;
}

@ObjectType('Expense', { implements: NodeInterface, description: 'A union’s spending from one of its funds (经费审查), reviewed and then booked against the fund.' })
export class ExpenseType {
  @Field(() => ID)
  id!: string;

  @Field(() => ExpenseCategory)
  category!: ExpenseCategory;

  @Field(() => GraphQLSafeInt, { description: 'In fen.' })
  amount!: number;

  @Field(() => String)
  description!: string;

  @Field(() => [ExpenseAttachmentType])
  attachments!: ExpenseAttachmentType[];

  @Field(() => ID, { description: 'The account that submitted it.' })
  submittedBy!: string;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;

  @Field(() => GraphQLDateTime)
  updatedAt!: Date;
}

export const ExpenseConnection = ConnectionType(ExpenseType, 'Expense');

@InputType()
export class ExpenseAttachmentInput {
  @Field(() => String)
  fileName!: string;

  @Field(() => String, { description: 'A media type, e.g. application/pdf.' })
  contentType!: string;

  @Field(() => GraphQLSafeInt)
  sizeBytes!: number;

  @Field(() => String, { description: '64 hexadecimal digits.' })
  sha256!: string;
}

@InputType()
export class SubmitExpenseInput {
  @Field(() => ID, { nullable: true, description: 'The submitting union; defaults to the fund’s owner, which it must be.' })
  organizationId?: string;

  @Field(() => ID, { description: 'A fund owned by the submitting union.' })
  fundId!: string;

  @Field(() => ExpenseCategory)
  category!: ExpenseCategory;

  @Field(() => GraphQLSafeInt, { description: 'In fen, positive.' })
  amount!: number;

  @Field(() => String)
  description!: string;

  @Field(() => [ExpenseAttachmentInput], { nullable: true, description: `At most 20.` })
  attachments?: ExpenseAttachmentInput[];

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType()
export class ExpenseFilter {
  @Field(() => ID, { nullable: true, description: 'Expenses of this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => ID, { nullable: true })
  fundId?: string;

  @Field(() => ExpenseCategory, { nullable: true })
  category?: ExpenseCategory;

  @Field(() => Boolean, { nullable: true, description: 'Only those I submitted.' })
  mine?: boolean;
}
