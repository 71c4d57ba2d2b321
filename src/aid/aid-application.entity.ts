import { BigIntType, Entity, Enum, ManyToOne, Property } from '@mikro-orm/core';
import { Fund, FundKind } from '../funds/fund.entity';
import { Member } from '../members/member.entity';
import { WorkflowSubject } from '../workflow/workflow-subject.entity';

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

/** A member's application for aid; `organization` is their grassroots union when they applied. */
@Entity({ tableName: 'aid_application' })
export class AidApplication extends WorkflowSubject {
  @ManyToOne(() => Member, { fieldName: 'member_id' })
  member!: Member;

  @ManyToOne(() => Fund, { fieldName: 'fund_id' })
  fund!: Fund;

  @Enum({ items: () => AidType })
  aidType!: AidType;

  @Property({ type: new BigIntType('number'), columnType: 'bigint' })
  amount!: number;

  @Property({ type: 'string', length: 1000 })
  reason!: string;
}
