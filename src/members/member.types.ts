import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { HonourLevel } from './honour.entity';
import { EmploymentForm, Gender, HardshipStatus, MemberStatus } from './member.entity';

registerEnumType(Gender, { name: 'Gender' });
registerEnumType(EmploymentForm, { name: 'EmploymentForm' });
registerEnumType(MemberStatus, { name: 'MemberStatus' });
registerEnumType(HardshipStatus, { name: 'HardshipStatus', description: 'Registration as a worker in hardship (困难职工).' });
registerEnumType(HonourLevel, { name: 'HonourLevel' });

@ObjectType('Honour')
export class HonourType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'The award, e.g. MODEL_WORKER.' })
  award!: string;

  @Field(() => HonourLevel)
  level!: HonourLevel;

  @Field(() => Int)
  year!: number;
}

@ObjectType('Member', { description: 'A union member. nationalId and phone are masked unless your role allows the full value.' })
export class MemberType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Gender)
  gender!: Gender;

  @Field(() => EmploymentForm)
  employmentForm!: EmploymentForm;

  @Field(() => GraphQLLocalDate)
  joinedOn!: string;

  @Field(() => MemberStatus)
  status!: MemberStatus;

  @Field(() => HardshipStatus)
  hardship!: HardshipStatus;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const MemberConnection = ConnectionType(MemberType, 'Member');

@InputType()
export class MemberFilter {
  @Field(() => ID, { nullable: true, description: 'Members of this organisation and everything below it.' })
  subtreeOf?: string;

  @Field(() => EmploymentForm, { nullable: true })
  employmentForm?: EmploymentForm;

  @Field(() => HardshipStatus, { nullable: true })
  hardship?: HardshipStatus;

  @Field(() => MemberStatus, { nullable: true })
  status?: MemberStatus;

  @Field(() => String, { nullable: true, description: 'Start of the name.' })
  namePrefix?: string;
}

@InputType()
export class RegisterMemberInput {
  @Field(() => String)
  name!: string;

  @Field(() => Gender)
  gender!: Gender;

  @Field(() => String, { description: '18-character resident identity number.' })
  nationalId!: string;

  @Field(() => String, { nullable: true })
  phone?: string;

  @Field(() => ID, { description: 'The grassroots union the member joins.' })
  organizationId!: string;

  @Field(() => EmploymentForm)
  employmentForm!: EmploymentForm;

  @Field(() => GraphQLLocalDate)
  joinedOn!: string;
}

@InputType()
export class UpdateMemberInput {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => String, { nullable: true })
  phone?: string;

  @Field(() => EmploymentForm, { nullable: true })
  employmentForm?: EmploymentForm;

  @Field(() => HardshipStatus, { nullable: true })
  hardship?: HardshipStatus;

  @Field(() => MemberStatus, { nullable: true, description: 'LEFT when the member leaves the union.' })
  status?: MemberStatus;
}
