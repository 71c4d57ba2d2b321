import { BigIntType, Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { PersonalDataField } from './personal-data.cipher';

/** One unmasked read of one member's national id or phone; append-only in the database. */
@Entity({ tableName: 'personal_data_access' })
export class PersonalDataAccess {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Property({ type: 'uuid' })
  memberId!: string;

  /** The member's union path when read: auditors see the reads of members then in their subtree. */
  @Property({ type: 'text' })
  orgPath!: string;

  @Enum({ items: () => PersonalDataField })
  field!: PersonalDataField;

  /** The GraphQL operation's name, when the client gave one. */
  @Property({ type: 'string', length: 200, nullable: true })
  operationName!: string | null;

  @Property({ type: 'datetime' })
  at!: Date;
}
