import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType('PersonOrganization', { description: '一个人所在或代表的工会组织 — the organisation a person belongs to or acted for.' })
export class PersonOrganizationType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@ObjectType('Person', {
  description:
    '人员 — an account by name. Where the person is shown for an act (a history entry, a vote) the organisation, role and capacity are those of the act, as recorded then; elsewhere the organisation is their home one (their union as a member, else the highest organisation they hold a role on) and role and capacity are null.',
})
export class PersonType {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String, { description: '姓名 — display name.' })
  displayName!: string;

  @Field(() => PersonOrganizationType, { nullable: true })
  organization!: PersonOrganizationType | null;

  @Field(() => String, { nullable: true, description: '角色 — the role held for the act: APPROVER, FINANCE, AUDITOR, ADMIN or MEMBER.' })
  role!: string | null;

  @Field(() => String, {
    nullable: true,
    description: '身份 — the capacity of the act: assignee, voter, applicant, public, starter or administrator.',
  })
  capacity!: string | null;
}
