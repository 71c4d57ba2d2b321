import { BigIntType, Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';

export enum FundKind {
  UNION_DUES = 'UNION_DUES',
  HARDSHIP_AID = 'HARDSHIP_AID',
  SEASONAL_RELIEF = 'SEASONAL_RELIEF',
  MUTUAL_MEDICAL = 'MUTUAL_MEDICAL',
  MODEL_WORKER = 'MODEL_WORKER',
  EDUCATION_AID = 'EDUCATION_AID',
}

/**
 * A fund pool owned by one organisation. `balance` is maintained only by the database: a trigger adds each
 * ledger entry to it and a CHECK keeps it at or above zero, so no code path can drift or overdraw it.
 */
@Entity({ tableName: 'fund' })
export class Fund {
  [OptionalProps]?: 'createdAt' | 'balance';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Organization, { fieldName: 'owner_id' })
  owner!: Organization;

  @Enum({ items: () => FundKind })
  kind!: FundKind;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  balance: number = 0;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
