import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';
import type { Account } from './account.entity';
import { Role } from './role';

/** A role held on an organisation; it covers that organisation's whole subtree. */
@Entity({ tableName: 'role_assignment' })
@Unique({ properties: ['account', 'role', 'organization'] })
export class RoleAssignment {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne('Account', { fieldName: 'account_id' })
  account!: Account;

  @Enum({ items: () => Role })
  role!: Role;

  @ManyToOne(() => Organization, { fieldName: 'organization_id' })
  organization!: Organization;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
