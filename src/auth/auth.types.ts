import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { Role } from './role';

registerEnumType(Role, {
  name: 'Role',
  description: '角色 — a role held on an organisation; staff roles cover its whole subtree.',
  valuesConfig: {
    MEMBER: { description: '会员 — a member of the union: their own records, and their union’s chain.' },
    APPROVER: { description: '审批人 — union leadership: approves applications, registers members.' },
    FINANCE: { description: '财务 — keeps the books: credits funds, submits and checks expenses.' },
    AUDITOR: { description: '经审委员会 — the review committee: reviews expenses, audits ledgers and logs.' },
    ADMIN: { description: '管理员 — administrator: manages organisations, and everything staff may do.' },
  },
});

@ObjectType('RoleGrant', { description: '授权 — a role the account holds on an organisation.' })
export class RoleGrantType {
  @Field(() => Role, { description: '角色 — the role.' })
  role!: Role;

  @Field(() => ID, { description: 'The organisation it is held on.' })
  organizationId!: string;
}

@ObjectType('Viewer', { description: '当前用户 — the signed-in account.' })
export class ViewerType {
  @Field(() => ID, { description: 'The account’s id (what Person.accountId names).' })
  accountId!: string;

  @Field(() => String, { description: '用户名 — the login name.' })
  username!: string;

  @Field(() => String, { description: '姓名 — the name shown to others.' })
  displayName!: string;

  @Field(() => [RoleGrantType], { description: 'The roles the account holds.' })
  grants!: RoleGrantType[];

  @Field(() => ID, { nullable: true, description: 'The member this account belongs to, if any.' })
  memberId?: string;
}

@ObjectType('LoginPayload', { description: 'A session: the bearer token and who it signs in.' })
export class LoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>".' })
  token!: string;

  @Field(() => GraphQLDateTime, { description: 'When the token stops being accepted.' })
  expiresAt!: Date;

  @Field(() => ViewerType, { description: 'The account signed in.' })
  viewer!: ViewerType;
}
