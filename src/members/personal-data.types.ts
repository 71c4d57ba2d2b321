import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { PersonalDataField } from './personal-data.cipher';

registerEnumType(PersonalDataField, {
  name: 'PersonalDataField',
  description: '个人敏感信息 — a member’s personal data that is shown masked unless your role allows the full value.',
  valuesConfig: {
    NATIONAL_ID: { description: '身份证号 — the resident identity number.' },
    PHONE: { description: '手机号 — the mobile number.' },
  },
});

@ObjectType('PersonalDataAccess', { description: '敏感信息查阅记录 — one unmasked read of a member’s national id or phone.' })
export class PersonalDataAccessType {
  @Field(() => ID, { description: 'The log entry’s id.' })
  id!: string;

  @Field(() => ID, { description: 'Who read it.', deprecationReason: 'Use reader { accountId displayName organization { name } }.' })
  accountId!: string;

  @Field(() => ID, { description: 'The member whose data was read.' })
  memberId!: string;

  @Field(() => PersonalDataField, { description: 'Which of their data was read.' })
  field!: PersonalDataField;

  @Field(() => String, { nullable: true, description: 'The GraphQL operation it was read in, when named.' })
  operationName!: string | null;

  @Field(() => GraphQLDateTime, { description: 'When it was read.' })
  at!: Date;
}

export const PersonalDataAccessConnection = ConnectionType(PersonalDataAccessType, 'PersonalDataAccess');

@InputType({ description: 'Narrows the personal data access log; the conditions given must all hold.' })
export class PersonalDataAccessFilter {
  @Field(() => ID, { nullable: true, description: 'Reads of this member’s data.' })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'The account that read.' })
  accountId?: string;

  @Field(() => PersonalDataField, { nullable: true, description: 'Reads of this field only.' })
  field?: PersonalDataField;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Reads at or after this time.' })
  from?: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Reads before this time.' })
  to?: Date;
}
