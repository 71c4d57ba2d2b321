import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { idempotentRequest } from '../idempotency/idempotency.store';
import { keysetPage, NEWEST_FIRST_KEYS, PageArgs } from '../common/connection';
import { notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { Conditions } from '../db/sql';
import { plainRowPage } from '../db/plain-rows';
import { ownSubjectSql, subjectTarget } from '../workflow/workflow-subject.entity';
import { Organization } from '../organizations/organization.entity';
import type { WorkflowService } from '../workflow/workflow.service';
import { Expense } from './expense.entity';
import type { ExpenseSubject } from './expense.subject';
import type { ExpenseFilter, SubmitExpenseInput } from './expense.types';

/** Expenses (经费审查): submitted by a union against one of its own funds, reviewed, then booked exactly once. */
export class ExpenseService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly subject: ExpenseSubject,
  ) {}

  async submit(em: EntityManager, viewer: Viewer, input: SubmitExpenseInput): Promise<Expense> {
    const { idempotencyKey, ...fields } = input;
    const request = idempotencyKey ? idempotentRequest(viewer.accountId, idempotencyKey, 'submitExpense', null, fields) : undefined;
    return this.workflow.fileOnce(em, request, Expense, async (tx) => {
      const v = await this.subject.validate(tx, viewer, fields, 'input');
      const expense = tx.create(Expense, {
        organization: v.organization,
        orgPath: v.organization.path,
        fund: v.fund,
        category: v.category,
        amount: v.amount,
        description: v.description,
        attachments: v.attachments,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx, expense, {
        definitionKey: this.subject.definitionKey,
        subjectType: this.subject.subjectType,
        subjectOrg: v.organization,
        data: this.subject.engineData(v),
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
      });
    });
  }

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<Expense> {
    const expense = await em.findOne(Expense, parseId(id));
    if (!expense) throw notFound('Expense');
    authorize(viewer, 'expense.read', subjectTarget(expense), { hideAs: 'Expense' });
    return expense;
  }

  async list(em: EntityManager, viewer: Viewer, filter: ExpenseFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, NEWEST_FIRST_KEYS);
    const scope = scopeSql('t.org_path', scopes(viewer, 'expense.read'), ownSubjectSql(viewer));
    const where = new Conditions().add(scope.sql, ...scope.params);
    if (filter.fundId) where.add('t.fund_id = ?::uuid', parseId(filter.fundId, 'filter.fundId'));
    if (filter.category) where.add('t.category = ?', filter.category);
    if (filter.mine) where.add('t.submitted_by = ?::uuid', viewer.accountId);
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.add('t.org_path like ?', `${org.path}%`);
    }
    return plainRowPage(em, Expense, where, keyset);
  }
}
