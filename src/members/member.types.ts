import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime, GraphQLLocalDate } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { HonourLevel } from './honour.entity';
import { Guard, Guarded } from '../graphql/field-guard';
import { EmploymentForm, Gender, HardshipStatus, memberTarget, MemberStatus } from './member.entity';
import { NodeInterface } from '../graphql/node.types';

/** Everything of a member but their name, union and honours: not part of what a public notice shows. */
export const MemberDetail = Guard('member.readDetails', memberTarget);

registerEnumType(Gender, {
  name: 'Gender',
  description: '性别 — a member’s sex as on their resident identity card.',
  valuesConfig: { MALE: { description: '男 — male.' }, FEMALE: { description: '女 — female.' } },
});
registerEnumType(EmploymentForm, {
  name: 'EmploymentForm',
  description: '就业形态 — how a member is employed: regular staff, migrant workers, and the new forms of employment (新就业形态) the federation recruits.',
  valuesConfig: {
    REGULAR: { description: '正式职工 — regular employee of the enterprise or institution.' },
    MIGRANT_WORKER: { description: '农民工 — migrant worker from the countryside.' },
    COURIER: { description: '快递员 — parcel courier.' },
    DELIVERY_RIDER: { description: '外卖骑手 — food delivery rider.' },
    TRUCK_DRIVER: { description: '货车司机 — lorry driver.' },
    HOUSEKEEPER: { description: '家政服务员 — domestic worker.' },
    RIDE_HAILING_DRIVER: { description: '网约车司机 — ride-hailing driver.' },
    OTHER_NEW_FORM: { description: '其他新就业形态 — another new form of employment.' },
  },
});
registerEnumType(MemberStatus, {
  name: 'MemberStatus',
  description: '会籍状态 — where a member’s membership stands.',
  valuesConfig: {
    ACTIVE: { description: '在籍 — a current member of their union.' },
    TRANSFERRED: { description: '已转出 — membership moved elsewhere (set by transferMember, never by updateMember).' },
    LEFT: { description: '已退会 — left the union; can no longer be transferred.' },
  },
});
registerEnumType(HardshipStatus, {
  name: 'HardshipStatus',
  description: '困难职工建档 — registration as a worker in hardship.',
  valuesConfig: {
    NONE: { description: '未建档 — never registered as a worker in hardship.' },
    REGISTERED: { description: '困难职工 — registered as a worker in hardship.' },
    LIFTED: { description: '已解困 — was registered, and has since come out of hardship.' },
  },
});
registerEnumType(HonourLevel, {
  name: 'HonourLevel',
  description: '荣誉级别 — the level of the body that conferred an honour.',
  valuesConfig: {
    NATIONAL: { description: '全国级 — conferred nationally.' },
    PROVINCIAL: { description: '省级 — conferred by the province.' },
    CITY: { description: '市级 — conferred by the city.' },
    COUNTY: { description: '县级 — conferred by the county.' },
  },
});

@ObjectType('Honour', { description: '荣誉 — an honour held by a member (个人) or an organisation (集体).' })
export class HonourType {
  @Field(() => ID, { description: 'The honour’s id.' })
  id!: string;

  // A code, not the Award enum: honours recorded before nominations existed carry other codes (e.g. MAY_DAY_LABOUR_MEDAL, SANQIN_CRAFTSMAN).
  @Field(() => String, { description: '奖项 — the award’s code: an Award value for honours conferred through a nomination, e.g. MODEL_WORKER; older records carry other codes, e.g. MAY_DAY_LABOUR_MEDAL.' })
  award!: string;

  @Field(() => HonourLevel, { description: '级别 — the level it was conferred at.' })
  level!: HonourLevel;

  @Field(() => Int, { description: '年度 — the year it was conferred.' })
  year!: number;
}

@Guarded(Guard('member.read', memberTarget))
@ObjectType('Member', { implements: NodeInterface,
  description:
    '会员 — a union member. nationalId and phone are masked unless your role allows the full value. A reader of a public notice sees only id, name, organization and honours; the other fields answer FORBIDDEN.',
})
export class MemberType {
  @Field(() => ID, { description: 'The member’s global id.' })
  id!: string;

  @Field(() => String, { description: '姓名 — the member’s name.' })
  name!: string;

  @Guarded(MemberDetail)
  @Field(() => Gender, { nullable: true, description: '性别 — sex.' })
  gender!: Gender;

  @Guarded(MemberDetail)
  @Field(() => EmploymentForm, { nullable: true, description: '就业形态 — form of employment.' })
  employmentForm!: EmploymentForm;

  @Guarded(MemberDetail)
  @Field(() => GraphQLLocalDate, { nullable: true, description: '入会日期 — the day they joined the union.' })
  joinedOn!: string;

  @Guarded(MemberDetail)
  @Field(() => MemberStatus, { nullable: true, description: '会籍状态 — membership status.' })
  status!: MemberStatus;

  @Guarded(MemberDetail)
  @Field(() => HardshipStatus, { nullable: true, description: '困难职工 — registration as a worker in hardship.' })
  hardship!: HardshipStatus;

  @Guarded(MemberDetail)
  @Field(() => GraphQLDateTime, { nullable: true, description: 'When the member was registered in the system.' })
  createdAt!: Date;
}

export const MemberConnection = ConnectionType(MemberType, 'Member');

@InputType({ description: 'Narrows a member list; the conditions given must all hold.' })
export class MemberFilter {
  @Field(() => ID, { nullable: true, description: 'Members of this organisation and everything below it.' })
  subtreeOf?: string;

  @Field(() => EmploymentForm, { nullable: true, description: 'Only members of this form of employment (就业形态).' })
  employmentForm?: EmploymentForm;

  @Field(() => HardshipStatus, { nullable: true, description: 'Only members with this hardship registration (困难职工).' })
  hardship?: HardshipStatus;

  @Field(() => MemberStatus, { nullable: true, description: 'Only members of this membership status (会籍状态).' })
  status?: MemberStatus;

  @Field(() => String, { nullable: true, description: 'Start of the name.' })
  namePrefix?: string;
}

@InputType({ description: '会员登记 — a new member of a grassroots union.' })
export class RegisterMemberInput {
  @Field(() => String, { description: '姓名 — name, up to 50 characters.' })
  name!: string;

  @Field(() => Gender, { description: '性别 — sex.' })
  gender!: Gender;

  @Field(() => String, { description: '18-character resident identity number.' })
  nationalId!: string;

  @Field(() => String, { nullable: true, description: '手机号 — mainland mobile number (11 digits).' })
  phone?: string;

  @Field(() => ID, { description: 'The grassroots union the member joins.' })
  organizationId!: string;

  @Field(() => EmploymentForm, { description: '就业形态 — form of employment.' })
  employmentForm!: EmploymentForm;

  @Field(() => GraphQLLocalDate, { description: '入会日期 — the day they joined.' })
  joinedOn!: string;
}

@InputType({ description: 'Changes to a member record; fields left out stay as they are.' })
export class UpdateMemberInput {
  @Field(() => String, { nullable: true, description: '姓名 — a new name.' })
  name?: string;

  @Field(() => String, { nullable: true, description: '手机号 — a new mobile number; null removes it.' })
  phone?: string;

  @Field(() => EmploymentForm, { nullable: true, description: '就业形态 — a new form of employment.' })
  employmentForm?: EmploymentForm;

  @Field(() => HardshipStatus, { nullable: true, description: '困难职工 — registers the member as a worker in hardship, or lifts it.' })
  hardship?: HardshipStatus;

  @Field(() => MemberStatus, { nullable: true, description: 'LEFT when the member leaves the union.' })
  status?: MemberStatus;
}
