import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { ConnectionType } from '../common/connection';
import { Guard, Guarded } from '../graphql/field-guard';
import { OrganizationKind, OrganizationLevel, organizationTarget } from './organization.entity';
import { NodeInterface } from '../graphql/node.types';

/** Funds, members, counts and children: not part of an organisation's public face. */
export const OrganizationDetail = Guard('organization.readDetails', organizationTarget);

registerEnumType(OrganizationLevel, {
  name: 'OrganizationLevel',
  description: '组织层级 — where an organisation sits in the federation tree; each level may sit only under certain others.',
  valuesConfig: {
    PROVINCE: { description: '省总工会 — the provincial federation, the root of the tree.' },
    CITY: { description: '市总工会 — a city federation, under the province.' },
    COUNTY: { description: '县（区）总工会 — a county or district federation, under a city.' },
    TOWN: { description: '乡镇（街道）工会 — a town or street union, under a county.' },
    PARK: { description: '园区工会 — an industrial-park union, under a county or city.' },
    SECTOR: { description: '系统工会 — a sector union (e.g. education, health), under a city or county.' },
    INDUSTRY: { description: '行业工会 — an industry union (e.g. couriers), under a city or county.' },
    GRASSROOTS: { description: '基层工会 — a grassroots union, where members belong.' },
  },
});
registerEnumType(OrganizationKind, {
  name: 'OrganizationKind',
  description: '组织类型 — what sort of body the union is, independent of its level.',
  valuesConfig: {
    FEDERATION: { description: '总工会 — a federation of unions.' },
    ENTERPRISE: { description: '企业工会 — the union of one enterprise.' },
    PUBLIC_INSTITUTION: { description: '机关事业单位工会 — the union of a government body or public institution.' },
    JOINT: { description: '联合工会 — a joint union of several small employers, or of a trade in an area.' },
    SECTOR: { description: '系统工会 — the union of a sector.' },
    INDUSTRY: { description: '行业工会 — the union of an industry.' },
  },
});

@Guarded(Guard('organization.read', organizationTarget))
@ObjectType('Organization', { implements: NodeInterface, description: '工会组织 — a union organisation in the federation tree. A reader who sees it only through a public notice sees its public face (name, level, honours); its details answer FORBIDDEN.' })
export class OrganizationType {
  @Field(() => ID, { description: 'The organisation’s global id.' })
  id!: string;

  @Field(() => String, { description: '组织代码 — unique short code: 2-32 of A-Z, 0-9 and -.' })
  code!: string;

  @Field(() => String, { description: '名称 — full name, e.g. 丹凤县总工会.' })
  name!: string;

  @Field(() => OrganizationLevel, { description: '层级 — its level in the tree.' })
  level!: OrganizationLevel;

  @Field(() => OrganizationKind, { description: '类型 — what sort of body it is.' })
  kind!: OrganizationKind;

  @Field(() => Int, { description: 'Distance from the root (the province is 0).' })
  depth!: number;

  @Field(() => GraphQLDateTime, { description: 'When it was added to the system.' })
  createdAt!: Date;
}

export const OrganizationConnection = ConnectionType(OrganizationType, 'Organization');

@InputType({ description: 'Narrows an organisation list; the conditions given must all hold.' })
export class OrganizationFilter {
  @Field(() => OrganizationLevel, { nullable: true, description: 'Only organisations of this level.' })
  level?: OrganizationLevel;

  @Field(() => OrganizationKind, { nullable: true, description: 'Only organisations of this kind.' })
  kind?: OrganizationKind;

  @Field(() => ID, { nullable: true, description: 'Direct children of this organisation.' })
  parentId?: string;

  @Field(() => ID, { nullable: true, description: 'This organisation and everything below it.' })
  subtreeOf?: string;

  @Field(() => String, { nullable: true, description: 'Part of the name.' })
  nameContains?: string;
}

@InputType({ description: 'A new organisation under an existing one.' })
export class CreateOrganizationInput {
  @Field(() => String, { description: 'Unique, 2-32 of A-Z 0-9 and -.' })
  code!: string;

  @Field(() => String, { description: '名称 — full name, up to 200 characters.' })
  name!: string;

  @Field(() => OrganizationLevel, { description: '层级 — must be one that may sit under the parent’s level.' })
  level!: OrganizationLevel;

  @Field(() => OrganizationKind, { description: '类型 — what sort of body it is.' })
  kind!: OrganizationKind;

  @Field(() => ID, { description: 'The organisation it sits under; you must be ADMIN over it.' })
  parentId!: string;
}

@InputType({ description: 'Changes to an organisation; fields left out stay as they are.' })
export class UpdateOrganizationInput {
  @Field(() => String, { nullable: true, description: '名称 — a new name.' })
  name?: string;

  @Field(() => OrganizationKind, { nullable: true, description: '类型 — a new kind.' })
  kind?: OrganizationKind;

  @Field(() => ID, { nullable: true, description: 'Moves the organisation, with its subtree and members.' })
  parentId?: string;
}
