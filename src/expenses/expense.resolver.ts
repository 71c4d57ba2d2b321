import type { Services } from '../app/services';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { FundType, LedgerEntryType } from '../funds/fund.types';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { Guard, Guarded } from '../graphql/field-guard';
import { OrganizationType } from '../organizations/organization.types';
import { PersonType } from '../people/person.types';
import { WorkflowInstanceType } from '../workflow/workflow.types';
import { Expense } from './expense.entity';
import { ExpenseConnection, ExpenseFilter, ExpenseType, SubmitExpenseInput } from './expense.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => ExpenseType)
export class ExpenseResolver {
  constructor(private readonly services: Pick<Services, 'expenses' | 'funds' | 'workflow'>) {}

  @Mutation(() => ExpenseType, {
    description:
      'Submits a union’s expense against one of its own funds and starts its review (finance → review committee → county above the threshold → booked). FINANCE, APPROVER or ADMIN over the union.',
  })
  submitExpense(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SubmitExpenseInput, { description: 'The expense.' }) input: SubmitExpenseInput) {
    return this.services.expenses.submit(ctx.em, viewer, input);
  }

  @Query(() => ExpenseType, {
    nullable: true,
    description: '经费报销 — one expense. Null, with NOT_FOUND at this path, when it is outside your scope or does not exist.',
  })
  expense(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The expense’s id.' }) id: string) {
    return this.services.expenses.get(ctx.em, viewer, id);
  }

  @Query(() => ExpenseConnection, { description: 'Expenses you submitted or are staff over; newest first.' })
  expenses(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ExpenseFilter, { nullable: true, description: 'Narrows the list.' }) filter?: ExpenseFilter,
  ) {
    return this.services.expenses.list(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: 'The submitting union; null, with an error at this path, when you may not read it.' })
  organization(@Parent() e: Expense, @Ctx() ctx: GqlContext) {
    return ctx.loaders.organization.load(e.organization.id);
  }

  @FieldResolver(() => FundType, { nullable: true, description: 'The fund it is paid from; null, with an error at this path, when you may not read it.' })
  fund(@Parent() e: Expense, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.funds.get(ctx.em, viewer, e.fund.id);
  }

  // An entry of the fund's ledger (with its balance after): read as the ledger is, over the fund's owner, the submitting union.
  @Guarded(Guard('fund.readLedger', (e: Expense) => ({ path: e.orgPath })))
  @FieldResolver(() => LedgerEntryType, { nullable: true, description: 'The debit, once booked.' })
  async ledgerEntry(@Parent() e: Expense, @Ctx() ctx: GqlContext) {
    return e.ledgerEntryId ? ctx.loaders.ledgerEntry.load(e.ledgerEntryId) : null;
  }

  @FieldResolver(() => WorkflowInstanceType, { nullable: true, description: 'Its review: state, history with every round, votes, open tasks.' })
  async instance(@Parent() e: Expense, @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return e.instanceId ? this.services.workflow.visible(viewer, await ctx.loaders.instance.load(e.instanceId)) : null;
  }

  @FieldResolver(() => PersonType, { description: '提交人 — who submitted it, with the union it was submitted for.' })
  submitter(@Parent() e: Expense, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: e.submittedBy, organizationId: e.organization.id });
  }
}
