import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';
import { Member } from './member.entity';

export enum HonourLevel {
  NATIONAL = 'NATIONAL',
  PROVINCIAL = 'PROVINCIAL',
  CITY = 'CITY',
  COUNTY = 'COUNTY',
}

/** An honour held by a member (个人) or an organisation (集体); exactly one of the two is set. */
@Entity({ tableName: 'honour' })
export class Honour {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Member, { nullable: true, fieldName: 'member_id' })
  member?: Member;

  @ManyToOne(() => Organization, { nullable: true, fieldName: 'organization_id' })
  organization?: Organization;

  /** The award's code, e.g. MODEL_WORKER, MAY_DAY_LABOUR_MEDAL. */
  @Property({ type: 'string', length: 64 })
  award!: string;

  @Enum({ items: () => HonourLevel })
  level!: HonourLevel;

  @Property({ type: 'integer' })
  year!: number;

  /** The workflow instance that conferred it, when it came through a nomination. */
  @Property({ type: 'uuid', nullable: true })
  sourceInstanceId?: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
