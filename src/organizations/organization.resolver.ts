import type { Services } from '../app/services';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Selection } from '../graphql/selection';
import { may } from '../auth/authorization.policy';
import { PageArgs } from '../common/connection';
import { FundType } from '../funds/fund.types';
import { CurrentViewer, GqlContext, requireViewer, Parent } from '../graphql/context';
import { Guard, Guarded, throughPublicEdge } from '../graphql/field-guard';
import { MemberConnection, MemberFilter } from '../members/member.types';
import { ancestorIdsOf } from '../common/subtree';
import { organizationTarget } from './organization.entity';
import type { OrganizationRow } from './organization.repository';
import {
  CreateOrganizationInput,
  OrganizationConnection,
  OrganizationDetail,
  OrganizationFilter,
  OrganizationType,
  UpdateOrganizationInput,
} from './organization.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  constructor(private readonly services: Pick<Services, 'members' | 'organizations'>) {}

  @Query(() => OrganizationType, {
    nullable: true,
    description: '工会组织 — one organisation, by id or by code (give exactly one). Null, with FORBIDDEN or NOT_FOUND at this path, when it is outside your scope or does not exist.',
  })
  organization(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('id', () => ID, { nullable: true, description: 'The organisation’s id.' }) id?: string,
    @Arg('code', () => String, { nullable: true, description: 'The organisation’s code.' }) code?: string,
  ) {
    return this.services.organizations.get(ctx.sql, viewer, { id, code });
  }

  @Query(() => OrganizationConnection, { description: 'Organizations in the viewer’s scope, ordered by name.' })
  organizations(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => OrganizationFilter, { nullable: true, description: 'Narrows the list.' }) filter?: OrganizationFilter,
  ) {
    return this.services.organizations.list(ctx.sql, viewer, filter, page);
  }

  @Mutation(() => OrganizationType, { description: 'Adds an organisation under a parent (ADMIN over the parent). CONFLICT DUPLICATE_CODE when the code is taken.' })
  createOrganization(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('input', () => CreateOrganizationInput, { description: 'The new organisation.' }) input: CreateOrganizationInput,
  ) {
    return this.services.organizations.create(ctx.em, viewer, input);
  }

  @Mutation(() => OrganizationType, { description: 'Renames, re-kinds or moves an organisation (ADMIN over it, and over the new parent when it moves).' })
  updateOrganization(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('id', () => ID, { description: 'The organisation’s id.' }) id: string,
    @Arg('input', () => UpdateOrganizationInput, { description: 'What changes.' }) input: UpdateOrganizationInput,
  ) {
    return this.services.organizations.update(ctx.em, viewer, id, input);
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'Null at the root, or when the parent is outside your scope.' })
  async parent(@Parent() org: OrganizationRow, @Ctx() ctx: GqlContext) {
    const parentId = ancestorIdsOf(org.path).at(-1);
    const parent = parentId ? await ctx.loaders.organization.load(parentId) : undefined;
    return parent ? this.visibleAbove(ctx, org, parent) : null;
  }

  @FieldResolver(() => [OrganizationType], { description: 'From the root down to the parent, those in your scope.' })
  async ancestors(@Parent() org: OrganizationRow, @Ctx() ctx: GqlContext) {
    const rows = await ctx.loaders.organization.loadMany(ancestorIdsOf(org.path));
    return rows.filter((o): o is OrganizationRow => o !== undefined && !(o instanceof Error) && this.visibleAbove(ctx, org, o) !== null);
  }

  /** The chain above an organisation reached through a public edge is public too; otherwise it is read by the policy. */
  private visibleAbove(ctx: GqlContext, org: OrganizationRow, above: OrganizationRow): OrganizationRow | null {
    const viaPublic = ctx.reachedPublicly.has(org);
    if (!viaPublic && !may(requireViewer(ctx), 'organization.read', organizationTarget(above))) return null;
    return throughPublicEdge(ctx, viaPublic, above);
  }

  @Guarded(OrganizationDetail)
  @FieldResolver(() => OrganizationConnection, { nullable: true, description: '下级组织 — the organisations directly below, ordered by name.' })
  children(@Parent() org: OrganizationRow, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs) {
    return this.services.organizations.children(ctx.sql, viewer, org, page);
  }

  @Guarded(OrganizationDetail)
  @FieldResolver(() => MemberConnection, { nullable: true, description: 'Members of this organisation and everything below it, those in your scope.' })
  members(
    @Parent() org: OrganizationRow,
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MemberFilter, { nullable: true, description: 'Narrows the list further (its subtreeOf is ignored).' }) filter?: MemberFilter,
  ) {
    return this.services.members.list(ctx.sql, viewer, { ...filter, subtreeOf: org.id }, page, Selection.of(info).nodes);
  }

  @Guarded(OrganizationDetail, Guard('fund.read', organizationTarget))
  @FieldResolver(() => [FundType], { nullable: true, description: 'The funds this organisation owns (a handful: one per kind at most in practice).' })
  async funds(@Parent() org: OrganizationRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.fundsByOwner.load(org.id);
  }

  @Guarded(OrganizationDetail)
  @FieldResolver(() => Int, { nullable: true, description: 'Active members in this organization’s whole subtree.' })
  memberCount(@Parent() org: OrganizationRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.memberCountByOrg.load(org.id);
  }
}
