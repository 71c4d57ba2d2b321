import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { PersonalDataField } from './personal-data.cipher';

registerEnumType(PersonalDataField, { name: 'PersonalDataField' });

@ObjectType('PersonalDataAccess', { description: 'One unmasked read of a member’s national id or phone.' })
export class PersonalDataAccessType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'Who read it.' })
  accountId!: string;

  @Field(() => ID)
  memberId!: string;

  @Field(() => PersonalDataField)
  field!: PersonalDataField;

  @Field(() => String, { nullable: true, description: 'The GraphQL operation it was read in, when named.' })
  operationName!: string | null;

  @Field(() => GraphQLDateTime)
  at!: Date;
}

export const PersonalDataAccessConnection = ConnectionType(PersonalDataAccessType, 'PersonalDataAccess');

@InputType()
export class PersonalDataAccessFilter {
  @Field(() => ID, { nullable: true })
  memberId?: string;

  @Field(() => ID, { nullable: true, description: 'The account that read.' })
  accountId?: string;

  @Field(() => PersonalDataField, { nullable: true })
  field?: PersonalDataField;

  @Field(() => GraphQLDateTime, { nullable: true })
  from?: Date;

  @Field(() => GraphQLDateTime, { nullable: true })
  to?: Date;
}
