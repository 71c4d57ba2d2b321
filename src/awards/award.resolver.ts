import type { Services } from '../app/services';
import DataLoader from 'dataloader';
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { allowed, throughPublicEdge } from '../graphql/field-guard';
import { Honour } from '../members/honour.entity';
import { HonourType, MemberType } from '../members/member.types';
import { Organization } from '../organizations/organization.entity';
import { OrganizationType } from '../organizations/organization.types';
import { PersonType } from '../people/person.types';
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
  constructor(private readonly services: Pick<Services, 'awards'>) {}

  @Mutation(() => NominationType, {
    description:
      'Nominates a member (individual awards) or an organisation (collective awards) within the county’s quota and starts the selection: county review → city committee vote → public notice → province for PROVINCIAL/NATIONAL → honour recorded. CONFLICT with reason QUOTA_EXCEEDED when the county’s places are used.',
  })
  nominateForAward(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => NominateForAwardInput, { description: 'The nomination.' }) input: NominateForAwardInput) {
    return this.services.awards.nominate(ctx.em, viewer, input);
  }

  @Mutation(() => WorkflowInstanceType, {
    description: 'A selection-committee member votes on a vote task. Each member votes once (CONFLICT ALREADY_VOTED); a repeated idempotencyKey returns the first result.',
  })
  castVote(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('taskId', () => ID, { description: 'The vote task (one per committee member).' }) taskId: string,
    @Arg('approve', () => Boolean, { description: 'true to vote for, false against.' }) approve: boolean,
    @Arg('idempotencyKey', () => String, { description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey: string,
    @Arg('comment', () => String, { nullable: true, description: 'Required when rejecting.' }) comment?: string,
  ) {
    return this.services.awards.castVote(ctx.em, viewer, { taskId, approve, comment, idempotencyKey });
  }

  @Mutation(() => NominationType, { description: 'Anyone signed in may object while a nomination is on public notice (公示); it then goes to investigation.' })
  objectToNomination(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('reason', () => String, { description: '异议理由 — the grounds of the objection.' }) reason: string,
    @Arg('nominationId', () => ID, { nullable: true, description: 'The nomination objected to (give it or instanceId).' }) nominationId?: string,
    @Arg('instanceId', () => ID, { nullable: true, description: 'The nomination’s workflow instance (give it or nominationId).' }) instanceId?: string,
    @Arg('idempotencyKey', () => String, { nullable: true, description: IDEMPOTENCY_KEY_DESCRIPTION }) idempotencyKey?: string,
  ) {
    return this.services.awards.object(ctx.em, viewer, { nominationId, instanceId, reason, idempotencyKey });
  }

  @Mutation(() => AwardQuotaType, { description: 'Sets a county’s places for an award, level and year (approvers or administrators above the county).' })
  setAwardQuota(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SetAwardQuotaInput, { description: 'The quota.' }) input: SetAwardQuotaInput) {
    return this.services.awards.setQuota(ctx.em, viewer, input);
  }

  @Query(() => [AwardQuotaType], {
    nullable: true,
    description: '名额 — a county’s quotas for a year, with places used and remaining. Null, with FORBIDDEN or NOT_FOUND at this path, for a county outside your scope.',
  })
  awardQuotas(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('countyId', () => ID, { description: 'The county federation.' }) countyId: string,
    @Arg('year', () => Int, { description: 'The year.' }) year: number,
  ) {
    return this.services.awards.quotas(ctx.em, viewer, countyId, year);
  }

  @Query(() => NominationType, {
    nullable: true,
    description: '推荐 — one nomination. Null, with NOT_FOUND at this path, when it is outside your scope and not on public notice, or does not exist.',
  })
  nomination(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The nomination’s id.' }) id: string) {
    return this.services.awards.get(ctx.em, viewer, id);
  }

  @Query(() => NominationConnection, { description: 'Nominations you made or are staff over, and those on public notice; newest first.' })
  nominations(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => NominationFilter, { nullable: true, description: 'Narrows the list.' }) filter?: NominationFilter,
  ) {
    return this.services.awards.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => MemberType, { nullable: true, description: 'The nominee, for individual awards. A reader of the public notice sees only their name, union and honours.' })
  async member(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return n.member ? throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.member.load(n.member.id)) : null;
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The nominee, for collective awards.' })
  async nomineeOrganization(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return n.nomineeOrganization ? throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.nomineeOrganization.id)) : null;
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: '推荐单位 — the nominating union; null, with an error at this path, when you may not read it.' })
  async organization(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.organization.id));
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The county federation whose quota it uses; null, with an error at this path, when you may not read it.' })
  async county(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return throughPublicEdge(ctx, this.publicOnly(ctx, n), await ctx.loaders.organization.load(n.county.id));
  }

  @FieldResolver(() => PersonType, { description: '推荐人 — who nominated, with the nominating union.' })
  submitter(@Parent() n: Nomination, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: n.submittedBy, organizationId: n.organization.id });
  }

  /** Whether the viewer reads this nomination only because it is on public notice: what it names is then public only. */
  private publicOnly(ctx: GqlContext, n: Nomination): boolean {
    return !allowed(ctx, 'nomination.read', n, (x) => nominationTarget(x));
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true, description: 'Its selection: state, votes, history, open tasks. Null for readers of a public notice.' })
  instance(@Parent() n: Nomination, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.awards.instanceFor(ctx.em, viewer, n);
  }

  @FieldResolver(() => [NominationObjectionType], { description: 'Objections raised in public notice: all of them for staff over the nominating union, your own otherwise.' })
  objections(@Parent() n: Nomination, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.awards.objections(ctx.em, viewer, n);
  }
}

@Resolver(() => NominationObjectionType)
export class NominationObjectionResolver {
  @FieldResolver(() => PersonType, { description: '异议人 — who objected.' })
  objector(@Parent() objection: { accountId: string }, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: objection.accountId });
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
