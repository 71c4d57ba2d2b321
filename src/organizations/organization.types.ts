import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { Guard, Guarded } from '../graphql/field-guard';
import { OrganizationKind, OrganizationLevel, organizationTarget } from './organization.entity';
import { NodeInterface } from '../graphql/node.types';

/** Funds, members, counts and children: not part of an organisation's public face. */
export const OrganizationDetail = Guard('organization.readDetails', organizationTarget);

registerEnumType(OrganizationLevel, { name: 'OrganizationLevel' });
registerEnumType(OrganizationKind, { name: 'OrganizationKind' });

@Guarded(Guard('organization.read', organizationTarget))
@ObjectType('Organization', { implements: NodeInterface, description: 'A union organisation in the federation tree.' })
export class OrganizationType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => OrganizationLevel)
  level!: OrganizationLevel;

  @Field(() => OrganizationKind)
  kind!: OrganizationKind;

  @Field(() => Int, { description: 'Distance from the root (the province is 0).' })
  depth!: number;

  @Field(() => GraphQLDateTime)
  createdAt!: Date;
}

export const OrganizationConnection = ConnectionType(OrganizationType, 'Organization');

@InputType()
export class OrganizationFilter {
  @Field(() => OrganizationLevel, { nullable: true })
  level?: OrganizationLevel;

  @Field(() => OrganizationKind, { nullable: true })
  kind?: OrganizationKind;

  @Field(() => ID, { nullable: true, description: 'Direct children of this organisation.' })
  parentId?: string;

  @Field(() => ID, { nullable: true, description: 'This organisation and everything below it.' })
  subtreeOf?: string;

  @Field(() => String, { nullable: true, description: 'Part of the name.' })
  nameContains?: string;
}

@InputType()
export class CreateOrganizationInput {
  @Field(() => String, { description: 'Unique, 2-32 of A-Z 0-9 and -.' })
  code!: string;

  @Field(() => String)
  name!: string;

  @Field(() => OrganizationLevel)
  level!: OrganizationLevel;

  @Field(() => OrganizationKind)
  kind!: OrganizationKind;

  @Field(() => ID)
  parentId!: string;
}

@InputType()
export class UpdateOrganizationInput {
  @Field(() => String, { nullable: true })
  name?: string;

  @Field(() => OrganizationKind, { nullable: true })
  kind?: OrganizationKind;

  @Field(() => ID, { nullable: true, description: 'Moves the organisation, with its subtree and members.' })
  parentId?: string;
}
