import { BigIntType, Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Fund, FundKind } from '../funds/fund.entity';
import { Member } from '../members/member.entity';
import { Organization } from '../organizations/organization.entity';

export enum AidType {
  HARDSHIP = 'HARDSHIP',
  MEDICAL_SECOND_REIMBURSEMENT = 'MEDICAL_SECOND_REIMBURSEMENT',
  EDUCATION = 'EDUCATION',
  SEASONAL_RELIEF = 'SEASONAL_RELIEF',
}

/** Which fund pool pays which kind of aid. */
export const FUND_FOR_AID: Record<AidType, FundKind> = {
  HARDSHIP: FundKind.HARDSHIP_AID,
  MEDICAL_SECOND_REIMBURSEMENT: FundKind.MUTUAL_MEDICAL,
  EDUCATION: FundKind.EDUCATION_AID,
  SEASONAL_RELIEF: FundKind.SEASONAL_RELIEF,
};

/** A member's application for aid; its progress lives in the workflow instance. */
@Entity({ tableName: 'aid_application' })
export class AidApplication {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Member, { fieldName: 'member_id' })
  member!: Member;

  /** The member's grassroots union when they applied: the workflow routes from here. */
  @ManyToOne(() => Organization, { fieldName: 'organization_id' })
  organization!: Organization;

  @Property({ type: 'text' })
  orgPath!: string;

  @ManyToOne(() => Fund, { fieldName: 'fund_id' })
  fund!: Fund;

  @Enum({ items: () => AidType })
  aidType!: AidType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  amount!: number;

  @Property({ type: 'string', length: 1000 })
  reason!: string;

  @Property({ type: 'uuid' })
  submittedBy!: string;

  @Property({ type: 'uuid', nullable: true })
  instanceId?: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
