import type { Services } from '../app/services';
import { Arg, Ctx, FieldResolver, ID, Query, Resolver } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import type { Viewer } from '../auth/viewer';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import type { PersonKey } from '../people/person.repository';
import { PersonType } from '../people/person.types';
import { ActorDecisionsType, AuditSummaryType, ReturnReasonType } from './audit.types';

@Resolver(() => AuditSummaryType)
export class AuditResolver {
  constructor(private readonly services: Pick<Services, 'audit'>) {}

  @Query(() => AuditSummaryType, {
    nullable: true,
    description:
      '审计汇总 — for the review committee (AUDITOR) and administrators over the organisation: decisions by actor, overdue steps, returns with their reasons and payments by fund, over its subtree in [from, to). Null, with the error at `auditSummary`, for an organisation outside your review.',
  })
  auditSummary(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('organizationId', () => ID, { description: 'The organisation; its whole subtree is summed.' }) organizationId: string,
    @Arg('from', () => GraphQLDateTime, { description: 'From (inclusive).' }) from: Date,
    @Arg('to', () => GraphQLDateTime, { description: 'Until (exclusive).' }) to: Date,
  ) {
    return this.services.audit.summary(ctx.em, viewer, { organizationId, from, to });
  }
}

@Resolver(() => ActorDecisionsType)
export class ActorDecisionsResolver {
  @FieldResolver(() => PersonType)
  actor(@Parent() row: { actorKey: PersonKey }, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ ...row.actorKey, capacity: null });
  }
}

@Resolver(() => ReturnReasonType)
export class ReturnReasonResolver {
  @FieldResolver(() => PersonType, { nullable: true })
  actor(@Parent() row: { actorAccountId: string | null; actorOrganizationId: string | null; actorRole: string | null }, @Ctx() ctx: GqlContext) {
    return row.actorAccountId ? ctx.loaders.person.load({ accountId: row.actorAccountId, organizationId: row.actorOrganizationId, role: row.actorRole }) : null;
  }
}
