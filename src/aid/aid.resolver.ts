import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType } from '../funds/fund.types';
import { GqlContext, requireViewer } from '../graphql/context';
import { MemberType } from '../members/member.types';
import { OrganizationType } from '../organizations/organization.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { AidApplication } from './aid-application.entity';
import { AidApplicationConnection, AidApplicationFilter, AidApplicationType, ApplyForAidInput } from './aid.types';

@Resolver(() => AidApplicationType)
export class AidResolver {
  @Mutation(() => AidApplicationType, { description: 'Applies for aid (for yourself, or for a member of your union) and starts its approval.' })
  applyForAid(@Ctx() ctx: GqlContext, @Arg('input', () => ApplyForAidInput) input: ApplyForAidInput) {
    return ctx.services.aid.apply(ctx.em, requireViewer(ctx), input);
  }

  @Query(() => AidApplicationType)
  aidApplication(@Ctx() ctx: GqlContext, @Arg('id', () => ID) id: string) {
    return ctx.services.aid.get(ctx.em, requireViewer(ctx), id);
  }

  @Query(() => AidApplicationConnection, { description: 'Newest first.' })
  aidApplications(
    @Ctx() ctx: GqlContext,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AidApplicationFilter, { nullable: true }) filter?: AidApplicationFilter,
  ) {
    return ctx.services.aid.list(ctx.em, requireViewer(ctx), filter, page);
  }

  @FieldResolver(() => MemberType)
  member(@Root() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.member.load(a.member.id);
  }

  @FieldResolver(() => OrganizationType)
  organization(@Root() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(a.organization.id);
  }

  @FieldResolver(() => FundType)
  fund(@Root() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.services.funds.get(ctx.em, requireViewer(ctx), a.fund.id);
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true })
  instance(@Root() a: AidApplication, @Ctx() ctx: GqlContext) {
    return a.instanceId ? ctx.services.workflow.instance(ctx.em, requireViewer(ctx), a.instanceId) : null;
  }
}
