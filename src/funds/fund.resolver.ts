import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { OrganizationType } from '../organizations/organization.types';
import type { FundRow, LedgerEntryRow } from './fund.repository';
import { CreditFundInput, FundConnection, FundFilter, FundType, LedgerEntryConnection, LedgerEntryType } from './fund.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => FundType)
export class FundResolver {
  @Query(() => FundType)
  fund(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.funds.get(ctx.sql, viewer, id);
  }

  @Query(() => FundConnection, { description: 'Funds of the organisations in the viewer’s scope.' })
  funds(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs, @Arg('filter', () => FundFilter, { nullable: true }) filter?: FundFilter) {
    return ctx.services.funds.list(ctx.sql, viewer, filter, page);
  }

  @Mutation(() => LedgerEntryType, { description: 'Books income to a fund.' })
  creditFund(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => CreditFundInput) input: CreditFundInput) {
    return ctx.services.funds.credit(ctx.em, viewer, input);
  }

  @FieldResolver(() => OrganizationType)
  owner(@Parent() fund: FundRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(fund.ownerId);
  }

  @FieldResolver(() => LedgerEntryConnection, { description: 'Newest first.' })
  ledger(@Parent() fund: FundRow, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Args(() => PageArgs) page: PageArgs) {
    return ctx.services.funds.ledger(ctx.sql, viewer, fund, page);
  }
}

@Resolver(() => LedgerEntryType)
export class LedgerEntryResolver {
  @FieldResolver(() => FundType)
  fund(@Parent() entry: LedgerEntryRow, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.funds.get(ctx.sql, viewer, entry.fundId);
  }
}
