import { Collection, Entity, ManyToOne, OneToMany, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Member } from '../members/member.entity';
import { RoleAssignment } from './role-assignment.entity';

@Entity({ tableName: 'account' })
export class Account {
  [OptionalProps]?: 'createdAt' | 'active';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @Property({ type: 'string', length: 64, unique: true })
  username!: string;

  @Property({ type: 'string', length: 200, hidden: true })
  passwordHash!: string;

  @Property({ type: 'string', length: 100 })
  displayName!: string;

  @ManyToOne(() => Member, { nullable: true, fieldName: 'member_id' })
  member?: Member;

  @Property({ type: 'boolean' })
  active: boolean = true;

  @OneToMany(() => RoleAssignment, (r) => r.account)
  roles = new Collection<RoleAssignment>(this);

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
