import { BigIntType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Fund } from '../funds/fund.entity';
import { WorkflowSubject } from '../workflow/workflow-subject.entity';

/** What the money went on; mirrors the `category` enum of workflows/expense-review.yaml. */
export enum ExpenseCategory {
  ACTIVITY = 'ACTIVITY',
  SUBSIDY = 'SUBSIDY',
  RELIEF_GOODS = 'RELIEF_GOODS',
  OTHER = 'OTHER',
}

/** Metadata of a supporting document (invoice, receipt, list of recipients); the file itself is kept elsewhere. */
export interface ExpenseAttachment {
  fileName: string;
  contentType: string;
  sizeBytes: number;
  /** Lower-case hex SHA-256 of the file, so reviewers can tell the document they saw is the one filed. */
  sha256: string;
}

/** A union's spending from one of its funds (经费审查); its review lives in the workflow instance. */
@Entity({ tableName: 'expense' })
export class Expense extends WorkflowSubject<'attachments'> {
  @ManyToOne(() => Fund, { fieldName: 'fund_id' })
  fund!: Fund;

  @Enum({ items: () => ExpenseCategory })
  category!: ExpenseCategory;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  amount!: number;

  @Property({ type: 'string', length: 2000 })
  description!: string;

  @Property({ type: 'json' })
  attachments: ExpenseAttachment[] = [];

  /** The ledger debit, once booked. */
  @Property({ type: 'uuid', nullable: true })
  ledgerEntryId?: string;
}
