import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { HonourLevel } from './honour.entity';
import { Guard, Guarded } from '../graphql/field-guard';
import { EmploymentForm, Gender, HardshipStatus, memberTarget, MemberStatus } from './member.entity';
import { NodeInterface } from '../graphql/node.types';

/** Everything of a member but their name, union and honours: not part of what a public notice shows. */
export const MemberDetail = Guard('member.readDetails', memberTarget);

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

@Guarded(Guard('member.read', memberTarget))
@ObjectType('Member', { implements: NodeInterface,
  description:
    'A union member. nationalId and phone are masked unless your role allows the full value. A reader of a public notice sees only id, name, organization and honours; the other fields answer FORBIDDEN.',
})
export class MemberType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Guarded(MemberDetail)
  @Field(() => Gender, { nullable: true })
  gender!: Gender;

  @Guarded(MemberDetail)
  @Field(() => EmploymentForm, { nullable: true })
  employmentForm!: EmploymentForm;

  @Guarded(MemberDetail)
  @Field(() => GraphQLLocalDate, { nullable: true })
  joinedOn!: string;

  @Guarded(MemberDetail)
  @Field(() => MemberStatus, { nullable: true })
  status!: MemberStatus;

  @Guarded(MemberDetail)
  @Field(() => HardshipStatus, { nullable: true })
  hardship!: HardshipStatus;

  @Guarded(MemberDetail)
  @Field(() => GraphQLDateTime, { nullable: true })
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
