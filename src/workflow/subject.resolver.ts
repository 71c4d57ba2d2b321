import { createUnionType, Ctx, FieldResolver, Resolver } from 'type-graphql';
import { AidApplicationType } from '../aid/aid.types';
import { NominationType } from '../awards/award.types';
import { ExpenseType } from '../expenses/expense.types';
import { type GqlContext, Parent } from '../graphql/context';
import { SUBJECT_TYPE, type SubjectRow } from '../graphql/loaders';
import type { InstanceHead, WorkflowInstance } from './workflow-instance.entity';
import { WorkflowInstanceType } from './workflow.types';

/** What an instance decides: one of the subject types plugged into the engine. */
export const WorkflowSubjectUnion = createUnionType({
  name: 'WorkflowSubject',
  description: '审批事项 What a workflow instance decides: an aid application, an expense or a nomination.',
  types: () => [AidApplicationType, ExpenseType, NominationType] as const,
  resolveType: (row) => (row as unknown as SubjectRow)[SUBJECT_TYPE],
});

@Resolver(() => WorkflowInstanceType)
export class InstanceSubjectResolver {
  // The instance was authorised where it was reached, and its subject is read under the same scope (its union, its filer).
  @FieldResolver(() => WorkflowSubjectUnion, { nullable: true, description: '审批事项 The application, expense or nomination this instance decides (batched per request).' })
  subject(@Parent() instance: WorkflowInstance | InstanceHead, @Ctx() ctx: GqlContext) {
    return ctx.loaders.subject.load({ type: instance.subjectType, id: instance.subjectId });
  }
}
