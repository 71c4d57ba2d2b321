import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType } from '../funds/fund.types';
import { GqlContext, requireViewer } from '../graphql/context';
import { MemberConnection, MemberFilter } from '../members/member.types';
import { Organization } from './organization.entity';
import {
  CreateOrganizationInput,
  OrganizationConnection,
  OrganizationFilter,
  OrganizationType,
  UpdateOrganizationInput,
} from './organization.types';

@Resolver(() => OrganizationType)
export class OrganizationResolver {
  @Query(() => OrganizationType, { description: 'By id or by code (give exactly one).' })
  organization(
    @Ctx() ctx: GqlContext,
    @Arg('id', () => ID, { nullable: true }) id?: string,
    @Arg('code', () => String, { nullable: true }) code?: string,
  ) {
    return ctx.services.organizations.get(ctx.em, requireViewer(ctx), { id, code });
  }

  @Query(() => OrganizationConnection, { description: 'Organizations in the viewer’s scope, ordered by name.' })
  organizations(
    @Ctx() ctx: GqlContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => OrganizationFilter, { nullable: true }) filter?: OrganizationFilter,
  ) {
    return ctx.services.organizations.list(ctx.em, requireViewer(ctx), filter, page);
  }

  @Mutation(() => OrganizationType)
  createOrganization(@Ctx() ctx: GqlContext, @Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput) {
    return ctx.services.organizations.create(ctx.em, requireViewer(ctx), input);
  }

  @Mutation(() => OrganizationType)
  updateOrganization(
    @Ctx() ctx: GqlContext,
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput,
  ) {
    return ctx.services.organizations.update(ctx.em, requireViewer(ctx), id, input);
  }

  @FieldResolver(() => OrganizationType, { nullable: true })
  async parent(@Root() org: Organization, @Ctx() ctx: GqlContext) {
    const parentId = org.ancestorIds.at(-1);
    if (!parentId) return null;
    const parent = await ctx.loaders.organization.load(parentId);
    return parent && requireViewer(ctx).canSeeOrganization(parent.path) ? parent : null;
  }

  @FieldResolver(() => [OrganizationType], { description: 'From the root down to the parent.' })
  async ancestors(@Root() org: Organization, @Ctx() ctx: GqlContext) {
    const rows = await ctx.loaders.organization.loadMany(org.ancestorIds);
    return rows.filter((o): o is Organization => o instanceof Organization);
  }

  @FieldResolver(() => OrganizationConnection)
  children(@Root() org: Organization, @Ctx() ctx: GqlContext, @Args(() => PageArgs) page: PageArgs) {
    return ctx.services.organizations.children(ctx.em, requireViewer(ctx), org, page);
  }

  @FieldResolver(() => MemberConnection, { description: 'Members of this organisation and everything below it.' })
  members(
    @Root() org: Organization,
    @Ctx() ctx: GqlContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => MemberFilter, { nullable: true }) filter?: MemberFilter,
  ) {
    return ctx.services.members.list(ctx.em, requireViewer(ctx), { ...filter, subtreeOf: org.id }, page);
  }

  @FieldResolver(() => [FundType], { description: 'The funds this organisation owns (a handful: one per kind at most in practice).' })
  async funds(@Root() org: Organization, @Ctx() ctx: GqlContext) {
    return ctx.loaders.fundsByOwner.load(org.id);
  }

  @FieldResolver(() => Int, { description: 'Active members in this organization’s whole subtree.' })
  memberCount(@Root() org: Organization, @Ctx() ctx: GqlContext) {
    return ctx.loaders.memberCountByOrg.load(org.id);
  }
}
