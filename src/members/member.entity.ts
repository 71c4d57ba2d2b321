import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';

export enum Gender {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}

/** Regular staff, migrant workers, and the "new forms of employment" the federation recruits. */
export enum EmploymentForm {
  REGULAR = 'REGULAR',
  MIGRANT_WORKER = 'MIGRANT_WORKER',
  COURIER = 'COURIER',
  DELIVERY_RIDER = 'DELIVERY_RIDER',
  TRUCK_DRIVER = 'TRUCK_DRIVER',
  HOUSEKEEPER = 'HOUSEKEEPER',
  RIDE_HAILING_DRIVER = 'RIDE_HAILING_DRIVER',
  OTHER_NEW_FORM = 'OTHER_NEW_FORM',
}

export enum MemberStatus {
  ACTIVE = 'ACTIVE',
  TRANSFERRED = 'TRANSFERRED',
  LEFT = 'LEFT',
}

export enum HardshipStatus {
  NONE = 'NONE',
  REGISTERED = 'REGISTERED',
  LIFTED = 'LIFTED',
}

/**
 * A union member. `orgPath` copies the organisation's materialized path so subtree listings ordered by name
 * need no join; it is rewritten whenever the member moves or an ancestor is re-parented.
 */
@Entity({ tableName: 'member' })
export class Member {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'status' | 'hardship';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'string', length: 50 })
  name!: string;

  @Enum({ items: () => Gender })
  gender!: Gender;

  /**
   * Personal data, sealed by PersonalDataCipher: the ciphertexts open only for a viewer allowed the full value
   * (and each such read is logged); the masked forms are what everyone else sees; the blind index keeps national
   * ids unique and findable. No column holds a national id or phone in plaintext.
   */
  @Property({ type: 'text' })
  nationalIdCipher!: string;

  @Property({ type: 'blob', unique: true })
  nationalIdIndex!: Buffer;

  @Property({ type: 'string', length: 18 })
  nationalIdMasked!: string;

  @Property({ type: 'text', nullable: true })
  phoneCipher!: string | null;

  @Property({ type: 'string', length: 20, nullable: true })
  phoneMasked!: string | null;

  @ManyToOne(() => Organization, { fieldName: 'organization_id' })
  organization!: Organization;

  @Property({ type: 'text' })
  orgPath!: string;

  @Enum({ items: () => EmploymentForm })
  employmentForm!: EmploymentForm;

  @Property({ type: 'date' })
  joinedOn!: string;

  @Enum({ items: () => MemberStatus })
  status: MemberStatus = MemberStatus.ACTIVE;

  @Enum({ items: () => HardshipStatus })
  hardship: HardshipStatus = HardshipStatus.NONE;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** A member as the authorization policy sees it: where they belong, and who they are. */
export const memberTarget = (m: { id: string; orgPath: string }) => ({ path: m.orgPath, memberId: m.id });
