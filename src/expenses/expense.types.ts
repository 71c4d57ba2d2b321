import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { ExpenseCategory } from './expense.entity';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import { NodeInterface } from '../graphql/node.types';

registerEnumType(ExpenseCategory, {
  name: 'ExpenseCategory',
  description: '经费类别 — what the money went on.',
  valuesConfig: {
    ACTIVITY: { description: '活动经费 — union activities: sports, culture, training.' },
    SUBSIDY: { description: '补助 — subsidies paid to members.' },
    RELIEF_GOODS: { description: '慰问物资 — goods for visits of sympathy (慰问).' },
    OTHER: { description: '其他 — anything else; say what in the description.' },
  },
});

@ObjectType('ExpenseAttachment', { description: '附件 — metadata of a supporting document (an invoice, a receipt); the file itself is not stored here.' })
export class ExpenseAttachmentType {
  @Field(() => String, { description: 'The file’s name.' })
  fileName!: string;

  @Field(() => String, { description: 'Its media type, e.g. application/pdf.' })
  contentType!: string;

  @Field(() => GraphQLSafeInt, { description: 'Its size in bytes.' })
  sizeBytes!: number;

  @Field(() => String, { description: 'Lower-case hex SHA-256 of the file.' })
  sha256!: string;
}

@ObjectType('Expense', { implements: NodeInterface, description: 'A union’s spending from one of its funds (经费审查), reviewed and then booked against the fund.' })
export class ExpenseType {
  @Field(() => ID, { description: 'The expense’s global id.' })
  id!: string;

  @Field(() => ExpenseCategory, { description: '经费类别 — what the money went on.' })
  category!: ExpenseCategory;

  @Field(() => GraphQLSafeInt, { description: '金额 — in fen.' })
  amount!: number;

  @Field(() => String, { description: '用途说明 — what was spent, and why.' })
  description!: string;

  @Field(() => [ExpenseAttachmentType], { description: '附件 — the supporting documents, in the order given.' })
  attachments!: ExpenseAttachmentType[];

  @Field(() => ID, { description: 'The account that submitted it.', deprecationReason: 'Use submitter { accountId displayName organization { name } }.' })
  submittedBy!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was submitted.' })
  createdAt!: Date;

  @Field(() => GraphQLDateTime, { description: 'When it last changed (a resubmission, a booking).' })
  updatedAt!: Date;
}

export const ExpenseConnection = ConnectionType(ExpenseType, 'Expense');

@InputType({ description: '附件 — metadata of one supporting document.' })
export class ExpenseAttachmentInput {
  @Field(() => String, { description: 'The file’s name.' })
  fileName!: string;

  @Field(() => String, { description: 'A media type, e.g. application/pdf.' })
  contentType!: string;

  @Field(() => GraphQLSafeInt, { description: 'Its size in bytes.' })
  sizeBytes!: number;

  @Field(() => String, { description: 'SHA-256 of the file: 64 hexadecimal digits.' })
  sha256!: string;
}

@InputType({ description: '经费报销 — an expense submitted for review.' })
export class SubmitExpenseInput {
  @Field(() => ID, { nullable: true, description: 'The submitting union; defaults to the fund’s owner, which it must be.' })
  organizationId?: string;

  @Field(() => ID, { description: 'A fund owned by the submitting union.' })
  fundId!: string;

  @Field(() => ExpenseCategory, { description: '经费类别 — what the money went on.' })
  category!: ExpenseCategory;

  @Field(() => GraphQLSafeInt, { description: 'In fen, positive.' })
  amount!: number;

  @Field(() => String, { description: '用途说明 — what was spent, and why.' })
  description!: string;

  @Field(() => [ExpenseAttachmentInput], { nullable: true, description: '附件 — supporting documents, at most 20.' })
  attachments?: ExpenseAttachmentInput[];

  @Field(() => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION })
  idempotencyKey?: string;
}

@InputType({ description: 'Narrows a list of expenses; the conditions given must all hold.' })
export class ExpenseFilter {
  @Field(() => ID, { nullable: true, description: 'Expenses of this organisation’s subtree.' })
  organizationId?: string;

  @Field(() => ID, { nullable: true, description: 'Expenses against this fund.' })
  fundId?: string;

  @Field(() => ExpenseCategory, { nullable: true, description: 'Expenses of this category.' })
  category?: ExpenseCategory;

  @Field(() => Boolean, { nullable: true, description: 'Only those I submitted.' })
  mine?: boolean;
}
