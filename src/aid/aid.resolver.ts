import type { Services } from '../app/services';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType } from '../funds/fund.types';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { MemberType } from '../members/member.types';
import { OrganizationType } from '../organizations/organization.types';
import { PersonType } from '../people/person.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { AidApplication } from './aid-application.entity';
import { AidApplicationConnection, AidApplicationFilter, AidApplicationType, ApplyForAidInput } from './aid.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => AidApplicationType)
export class AidResolver {
  constructor(private readonly services: Pick<Services, 'aid' | 'funds' | 'workflow'>) {}

  @Mutation(() => AidApplicationType, { description: 'Applies for aid (for yourself, or for a member of your union) and starts its approval.' })
  applyForAid(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => ApplyForAidInput, { description: 'The application.' }) input: ApplyForAidInput) {
    return this.services.aid.apply(ctx.em, viewer, input);
  }

  @Query(() => AidApplicationType, {
    nullable: true,
    description: '帮扶申请 — one application. Null, with NOT_FOUND at this path, when it is outside your scope or does not exist.',
  })
  aidApplication(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The application’s id.' }) id: string) {
    return this.services.aid.get(ctx.em, viewer, id);
  }

  @Query(() => AidApplicationConnection, { description: 'Applications you filed, are the beneficiary of, or are staff over; newest first.' })
  aidApplications(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => AidApplicationFilter, { nullable: true, description: 'Narrows the list.' }) filter?: AidApplicationFilter,
  ) {
    return this.services.aid.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => MemberType, { nullable: true, description: '申请人 — the member the aid is for; null, with an error at this path, when you may not read them.' })
  member(@Parent() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.member.load(a.member.id);
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The member’s grassroots union when they applied; null, with an error at this path, when you may not read it.' })
  organization(@Parent() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(a.organization.id);
  }

  @FieldResolver(() => FundType, { nullable: true, description: 'The fund that pays it; null, with an error at this path, when you may not read it.' })
  fund(@Parent() a: AidApplication, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.funds.get(ctx.em, viewer, a.fund.id);
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true, description: 'Its approval: state, history, open tasks; null when you may not read it.' })
  async instance(@Parent() a: AidApplication, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return a.instanceId ? this.services.workflow.visible(viewer, await ctx.loaders.instance.load(a.instanceId)) : null;
  }

  @FieldResolver(() => PersonType, { description: '提交人 — who filed it (the member, or an approver for them), with the union it was filed at.' })
  submitter(@Parent() a: AidApplication, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: a.submittedBy, organizationId: a.organization.id });
  }
}
