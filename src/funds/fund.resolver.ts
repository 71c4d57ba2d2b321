import type { Services } from '../app/services';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { OrganizationType } from '../organizations/organization.types';
import { PersonType } from '../people/person.types';
import type { FundRow, LedgerEntryRow } from './fund.repository';
import { CreditFundInput, FundConnection, FundFilter, FundType, LedgerEntryConnection, LedgerEntryType } from './fund.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => FundType)
export class FundResolver {
  constructor(private readonly services: Pick<Services, 'funds'>) {}

  @Query(() => FundType, { nullable: true, description: '资金 — one fund. Null, with FORBIDDEN or NOT_FOUND at this path, when it is outside your scope or does not exist.' })
  fund(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The fund’s id.' }) id: string) {
    return this.services.funds.get(ctx.sql, viewer, id);
  }

  @Query(() => FundConnection, { description: 'Funds of the organisations in the viewer’s scope.' })
  funds(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => FundFilter, { nullable: true, description: 'Narrows the list.' }) filter?: FundFilter,
  ) {
    return this.services.funds.list(ctx.sql, viewer, filter, page);
  }

  @Mutation(() => LedgerEntryType, { description: '资金入账 — books income to a fund (FINANCE or ADMIN over its owner). CONFLICT when the reference was used on the fund before.' })
  creditFund(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => CreditFundInput, { description: 'The income.' }) input: CreditFundInput) {
    return this.services.funds.credit(ctx.em, viewer, input);
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: '所属组织 — the organisation that owns the fund; null, with an error at this path, when you may not read it.' })
  owner(@Parent() fund: FundRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(fund.ownerId);
  }

  @FieldResolver(() => LedgerEntryConnection, {
    nullable: true,
    description: '资金台账 — the fund’s entries, newest first: staff over the owner only; null, with FORBIDDEN at this path, for anyone else who may read the fund.',
  })
  ledger(@Parent() fund: FundRow, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs) {
    return this.services.funds.ledger(ctx.sql, viewer, fund, page);
  }
}

@Resolver(() => LedgerEntryType)
export class LedgerEntryResolver {
  constructor(private readonly services: Pick<Services, 'funds'>) {}

  @FieldResolver(() => FundType, { nullable: true, description: 'The fund it moved; null, with an error at this path, when you may not read it.' })
  fund(@Parent() entry: LedgerEntryRow, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.funds.get(ctx.sql, viewer, entry.fundId);
  }

  @FieldResolver(() => PersonType, { nullable: true, description: '经办人 — who booked it; null when a workflow did (a disbursement, an expense booked on approval).' })
  bookedBy(@Parent() entry: LedgerEntryRow, @Ctx() ctx: GqlContext) {
    return entry.createdBy ? ctx.loaders.person.load({ accountId: entry.createdBy }) : null;
  }
}
