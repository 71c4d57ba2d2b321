import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { Role } from './role';

registerEnumType(Role, { name: 'Role', description: 'A role held on an organisation; it covers the whole subtree.' });

@ObjectType('RoleGrant')
export class RoleGrantType {
  @Field(() => Role)
  role!: Role;

  @Field(() => ID)
  organizationId!: string;
}

@ObjectType('Viewer', { description: 'The signed-in account.' })
export class ViewerType {
  @Field(() => ID)
  accountId!: string;

  @Field(() => String)
  username!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => [RoleGrantType])
  grants!: RoleGrantType[];

  @Field(() => ID, { nullable: true, description: 'The member this account belongs to, if any.' })
  memberId?: string;
}

@ObjectType('LoginPayload')
export class LoginPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <token>".' })
  token!: string;

  @Field(() => GraphQLDateTime)
  expiresAt!: Date;

  @Field(() => ViewerType)
  viewer!: ViewerType;
}
