import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType, LedgerEntryType } from '../funds/fund.types';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { Guard, Guarded } from '../graphql/field-guard';
import { OrganizationType } from '../organizations/organization.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { Expense } from './expense.entity';
import { ExpenseConnection, ExpenseFilter, ExpenseType, SubmitExpenseInput } from './expense.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => ExpenseType)
export class ExpenseResolver {
  @Mutation(() => ExpenseType, {
    description:
      'Submits a union’s expense against one of its own funds and starts its review (finance → review committee → county above the threshold → booked). FINANCE, APPROVER or ADMIN over the union.',
  })
  submitExpense(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SubmitExpenseInput) input: SubmitExpenseInput) {
    return ctx.services.expenses.submit(ctx.em, viewer, input);
  }

  @Query(() => ExpenseType)
  expense(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.expenses.get(ctx.em, viewer, id);
  }

  @Query(() => ExpenseConnection, { description: 'Expenses you submitted or are staff over; newest first.' })
  expenses(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ExpenseFilter, { nullable: true }) filter?: ExpenseFilter,
  ) {
    return ctx.services.expenses.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => OrganizationType, { description: 'The submitting union.' })
  organization(@Parent() e: Expense, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(e.organization.id);
  }

  @FieldResolver(() => FundType)
  fund(@Parent() e: Expense, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.funds.get(ctx.em, viewer, e.fund.id);
  }

  // An entry of the fund's ledger (with its balance after): read as the ledger is, over the fund's owner, the submitting union.
  @Guarded(Guard('fund.readLedger', (e: Expense) => ({ path: e.orgPath })))
  @FieldResolver(() => LedgerEntryType, { nullable: true, description: 'The debit, once booked.' })
  async ledgerEntry(@Parent() e: Expense, @Ctx() ctx: GqlContext) {
    return e.ledgerEntryId ? ctx.loaders.ledgerEntry.load(e.ledgerEntryId) : null;
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true, description: 'Its review: state, history with every round, votes, open tasks.' })
  async instance(@Parent() e: Expense, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return e.instanceId ? ctx.services.workflow.visible(viewer, await ctx.loaders.instance.load(e.instanceId)) : null;
  }
}
