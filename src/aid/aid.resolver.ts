import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType } from '../funds/fund.types';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { MemberType } from '../members/member.types';
import { OrganizationType } from '../organizations/organization.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { AidApplication } from './aid-application.entity';
import { AidApplicationConnection, AidApplicationFilter, AidApplicationType, ApplyForAidInput } from './aid.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => AidApplicationType)
export class AidResolver {
  @Mutation(() => AidApplicationType, { description: 'Applies for aid (for yourself, or for a member of your union) and starts its approval.' })
  applyForAid(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => ApplyForAidInput) input: ApplyForAidInput) {
    return ctx.services.aid.apply(ctx.em, viewer, input);
  }

  @Query(() => AidApplicationType)
  aidApplication(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.aid.get(ctx.em, viewer, id);
  }

  @Query(() => AidApplicationConnection, { description: 'Newest first.' })
  aidApplications(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AidApplicationFilter, { nullable: true }) filter?: AidApplicationFilter,
  ) {
    return ctx.services.aid.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => MemberType)
  member(@Parent() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.member.load(a.member.id);
  }

  @FieldResolver(() => OrganizationType)
  organization(@Parent() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(a.organization.id);
  }

  @FieldResolver(() => FundType)
  fund(@Parent() a: AidApplication, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.funds.get(ctx.em, viewer, a.fund.id);
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true })
  async instance(@Parent() a: AidApplication, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return a.instanceId ? ctx.services.workflow.visible(viewer, await ctx.loaders.instance.load(a.instanceId)) : null;
  }
}
