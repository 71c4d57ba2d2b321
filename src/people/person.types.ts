import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../auth/role';
import '../auth/auth.types';

/** The capacity an act was taken in, as history records it (the core's ActingAs, and the administrator's override). */
export enum ActingCapacity {
  ASSIGNEE = 'assignee',
  VOTER = 'voter',
  APPLICANT = 'applicant',
  PUBLIC = 'public',
  STARTER = 'starter',
  SUPERVISOR = 'supervisor',
  ADMINISTRATOR = 'administrator',
}
registerEnumType(ActingCapacity, {
  name: 'ActingCapacity',
  description: '身份 — the capacity in which someone acted on (or may act on) a workflow.',
  valuesConfig: {
    ASSIGNEE: { description: '办理人 — assignee: a holder of the step’s role at its organisation, or the person it was assigned to.' },
    VOTER: { description: '投票人 — voter: a committee member voting on a vote step.' },
    APPLICANT: { description: '申请人 — applicant: the filer (or their union on their behalf), e.g. withdrawing or resubmitting.' },
    PUBLIC: { description: '公众 — public: any signed-in account, e.g. objecting to a nomination on public notice.' },
    STARTER: { description: '发起人 — starter: the one who filed the subject and started the workflow.' },
    SUPERVISOR: { description: '督办人 — supervisor: a holder of the step’s role higher up, e.g. urging (催办).' },
    ADMINISTRATOR: { description: '管理员 — administrator: took over or released a task claimed by someone else.' },
  },
});

@ObjectType('PersonOrganization', { description: '一个人所在或代表的工会组织 — the organisation a person belongs to or acted for.' })
export class PersonOrganizationType {
  @Field(() => ID, { description: 'The organisation’s id.' })
  id!: string;

  @Field(() => String, { description: '名称 — the organisation’s name.' })
  name!: string;
}

@ObjectType('Person', {
  description:
    '人员 — an account by name. Where the person is shown for an act (a history entry, a vote) the organisation, role and capacity are those of the act, as recorded then; elsewhere the organisation is their home one (their union as a member, else the highest organisation they hold a role on) and role and capacity are null.',
})
export class PersonType {
  @Field(() => ID, { description: 'The account’s id.' })
  accountId!: string;

  @Field(() => String, { description: '姓名 — display name.' })
  displayName!: string;

  @Field(() => PersonOrganizationType, { nullable: true, description: '所属组织 — the organisation of the act, else their home organisation; null when they have none.' })
  organization!: PersonOrganizationType | null;

  @Field(() => Role, { nullable: true, description: '角色 — the role held for the act; null outside an act and on acts recorded before it was kept.' })
  role!: Role | null;

  @Field(() => ActingCapacity, { nullable: true, description: '身份 — the capacity of the act; null outside an act.' })
  capacity!: ActingCapacity | null;
}
