import DataLoader from 'dataloader';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { allowed, throughPublicEdge } from '../graphql/field-guard';
import { Honour } from '../members/honour.entity';
import { HonourType, MemberType } from '../members/member.types';
import { Organization } from '../organizations/organization.entity';
import { OrganizationType } from '../organizations/organization.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { Nomination, nominationTarget } from './nomination.entity';
import {
  AwardQuotaType,
  NominateForAwardInput,
  NominationConnection,
  NominationFilter,
  NominationObjectionType,
  NominationType,
  SetAwardQuotaInput,
} from './award.types';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency/idempotency.store';
import type { Viewer } from '../auth/viewer';

@Resolver(() => NominationType)
export class AwardResolver {
  @Mutation(() => NominationType, {
    description:
      'Nominates a member (individual awards) or an organisation (collective awards) within the county’s quota and starts the selection: county review → city committee vote → public notice → province for PROVINCIAL/NATIONAL → honour recorded. CONFLICT with reason QUOTA_EXCEEDED when the county’s places are used.',
  })
  nominateForAward(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => NominateForAwardInput) input: NominateForAwardInput) {
    return ctx.services.awards.nominate(ctx.em, viewer, input);
  }

  @Mutation(() => WorkflowInstanceType, {
    description: 'A selection-committee member votes on a vote task. Each member votes once (CONFLICT ALREADY_VOTED); a repeated idempotencyKey returns the first result.',
  })
  castVote(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID) taskId: string,
    @Arg('approve', () => Boolean) approve: boolean,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true, description: 'Required when rejecting.' }) comment?: string,
  ) {
    return ctx.services.awards.castVote(ctx.em, viewer, { taskId, approve, comment, idempotencyKey });
  }

  @Mutation(() => NominationType, { description: 'Anyone signed in may object while a nomination is on public notice (公示); it then goes to investigation.' })
  objectToNomination(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('reason', () => String) reason: string,
    @Arg('nominationId', () => ID, { nullable: true }) nominationId?: string,
    @Arg('instanceId', () => ID, { nullable: true }) instanceId?: string,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return ctx.services.awards.object(ctx.em, viewer, { nominationId, instanceId, reason, idempotencyKey });
  }

  @Mutation(() => AwardQuotaType, { description: 'Sets a county’s places for an award, level and year (approvers or administrators above the county).' })
  setAwardQuota(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SetAwardQuotaInput) input: SetAwardQuotaInput) {
    return ctx.services.awards.setQuota(ctx.em, viewer, input);
  }

  @Query(() => [AwardQuotaType], { description: 'A county’s quotas for a year, with places used and remaining.' })
  awardQuotas(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('countyId', () => ID) countyId: string, @Arg('year', () => Int) year: number) {
    return ctx.services.awards.quotas(ctx.em, viewer, countyId, year);
  }

  @Query(() => NominationType)
  nomination(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.awards.get(ctx.em, viewer, id);
  }

  @Query(() => NominationConnection, { description: 'Nominations you made or are staff over, and those on public notice; newest first.' })
  nominations(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => NominationFilter, { nullable: true }) filter?: NominationFilter,
  ) {
    return ctx.services.awards.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => MemberType, { nullable: true, description: 'The nominee, for individual awards. A reader of the public notice sees only their name, union and honours.' })
  async member(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return n.member ? throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.member.load(n.member.id)) : null;
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The nominee, for collective awards.' })
  async nomineeOrganization(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return n.nomineeOrganization ? throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.nomineeOrganization.id)) : null;
  }

  @FieldResolver(() => OrganizationType, { description: 'The nominating union.' })
  async organization(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.organization.id));
  }

  @FieldResolver(() => OrganizationType, { description: 'The county federation whose quota it uses.' })
  async county(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.county.id));
  }

  /** Whether the viewer reads this nomination only because it is on public notice: what it names is then public only. */
  private publicOnly(ctx: GqlContext, n: Nomination): boolean {
    return !allowed(ctx, 'nomination.read', n, (x) => nominationTarget(x));
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true, description: 'Its selection: state, votes, history, open tasks. Null for readers of a public notice.' })
  instance(@Parent() n: Nomination, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.awards.instanceFor(ctx.em, viewer, n);
  }

  @FieldResolver(() => [NominationObjectionType], { description: 'Objections raised in public notice: all of them for staff over the nominating union, your own otherwise.' })
  objections(@Parent() n: Nomination, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.awards.objections(ctx.em, viewer, n);
  }
}

const orgHonourLoaders = new WeakMap<GqlContext, DataLoader<string, Honour[]>>();

/** Collective honours (先进集体, 工人先锋号) on the organisation, batched per request. */
@Resolver(() => OrganizationType)
export class OrganizationHonoursResolver {
  @FieldResolver(() => [HonourType], { description: 'Collective honours held by this organisation, newest first.' })
  honours(@Parent() org: Organization, @Ctx() ctx: GqlContext) {
    let loader = orgHonourLoaders.get(ctx);
    if (!loader) {
      loader = new DataLoader<string, Honour[]>(async (ids) => {
        const rows = await ctx.em.find(Honour, { organization: { $in: [...ids] } }, { orderBy: { year: 'desc', id: 'asc' } });
        return ids.map((id) => rows.filter((h) => h.organization?.id === id));
      });
      orgHonourLoaders.set(ctx, loader);
    }
    return loader.load(org.id);
  }
}
