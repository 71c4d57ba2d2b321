import { BigIntType, Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Fund } from './fund.entity';

/**
 * One append-only movement of money: positive amounts are credits, negative are debits. The database refuses
 * updates and deletes, and (fund, reference) is unique so a retried effect can never book twice. Entries are
 * written only by FundService's booking SQL, never persisted through the unit of work.
 */
@Entity({ tableName: 'ledger_entry' })
export class LedgerEntry {
  [OptionalProps]?: 'createdAt' | 'seq' | 'balanceAfter';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  /** Insertion order within the whole ledger: the stable sort key. */
  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  seq!: number;

  @ManyToOne(() => Fund, { fieldName: 'fund_id' })
  fund!: Fund;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  amount!: number;

  /** Set by the database trigger when the entry is booked. */
  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  balanceAfter!: number;

  @Property({ type: 'string', length: 500 })
  reason!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  reference?: string;

  @Property({ type: 'uuid', nullable: true })
  createdBy?: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
