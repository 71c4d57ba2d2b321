import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLDateTime } from 'graphql-scalars';
import { PageInfo } from '../common/connection';
import { ErrorCode } from '../common/errors';
import { WorkflowInstanceType, WorkflowTaskType } from './workflow.types';

export enum InboxScope {
  ASSIGNED = 'ASSIGNED',
  SUBTREE = 'SUBTREE',
}
registerEnumType(InboxScope, {
  name: 'InboxScope',
  description: '待办范围 Which open tasks an inbox lists.',
  valuesConfig: {
    ASSIGNED: { description: '我的待办: the tasks I may act on now (my roles, my committee seats, claimed by me or by nobody, nothing I filed myself).' },
    SUBTREE: { description: '督办: every open task routed to my organisations and below them, to supervise; viewerActions says where I may also act.' },
  },
});

export enum InboxSortField {
  DUE_AT = 'DUE_AT',
  CREATED_AT = 'CREATED_AT',
  AMOUNT = 'AMOUNT',
}
registerEnumType(InboxSortField, {
  name: 'InboxSortField',
  description: '排序字段 What an inbox is ordered by (then by task id).',
  valuesConfig: {
    DUE_AT: { description: '截止时间 The deadline.' },
    CREATED_AT: { description: '到达时间 When the task opened.' },
    AMOUNT: { description: '金额 The amount applied for or spent, in fen; subjects without one (nominations) count as 0.' },
  },
});

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, {
  name: 'SortDirection',
  description: '排序方向 Sort direction.',
  valuesConfig: { ASC: { description: '升序 Ascending: earliest or smallest first.' }, DESC: { description: '降序 Descending: latest or largest first.' } },
});

export enum TaskClaimFilter {
  MINE = 'MINE',
  UNCLAIMED = 'UNCLAIMED',
  OTHERS = 'OTHERS',
}
registerEnumType(TaskClaimFilter, {
  name: 'TaskClaimFilter',
  description: '认领状态 Whose claim a task is under.',
  valuesConfig: {
    MINE: { description: '我已认领 Claimed by me.' },
    UNCLAIMED: { description: '未认领 Claimed by nobody.' },
    OTHERS: { description: '他人认领 Claimed by someone else (only in the SUBTREE scope: such tasks are not mine to act on).' },
  },
});

// The codes are src/common/errors.ts's; a refused task of a bulk call answers with the one its own call would have.
registerEnumType(ErrorCode, {
  name: 'ErrorCode',
  description: '错误代码 — the stable error codes, as extensions.code carries them.',
  valuesConfig: {
    BAD_USER_INPUT: { description: '输入有误 — bad input; extensions.field and reason say which and why.' },
    NOT_FOUND: { description: '不存在 — not found, or not yours to see.' },
    FORBIDDEN: { description: '无权限 — not allowed for you.' },
    UNAUTHENTICATED: { description: '未登录 — no valid token.' },
    CONFLICT: { description: '冲突 — the state changed or forbids it (e.g. ALREADY_CLAIMED, TASK_CLOSED).' },
    TOO_MANY_REQUESTS: { description: '请求过多 — over a rate limit; try again after retryAfterSeconds.' },
    SERVICE_UNAVAILABLE: { description: '服务不可用 — a dependency is down; try again after retryAfterSeconds.' },
    INTERNAL_SERVER_ERROR: { description: '内部错误 — an unexpected failure, logged with the request id.' },
    BAD_REQUEST: { description: '请求无效 — not GraphQL over HTTP (malformed JSON, too large).' },
  },
});

@InputType('InboxOrder', { description: '待办排序 The order of an inbox.' })
export class InboxOrder {
  @Field(() => InboxSortField, { description: 'What to order by.' })
  field!: InboxSortField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC, description: 'Ascending (default) or descending.' })
  direction!: SortDirection;
}

@ObjectType('TaskAction', { description: '可办理的操作 An action the viewer may take on a task now.' })
export class TaskActionType {
  @Field(() => String, { description: 'The action key to pass to decide / bulkDecide (English), e.g. approve, return.' })
  key!: string;

  @Field(() => String, { description: '操作名称 The label the definition gives it (zh-CN), e.g. 退回补充材料; the key when it gives none.' })
  label!: string;

  @Field(() => Boolean, { description: '需填写意见 Whether the action is refused without a comment (a reason, findings).' })
  commentRequired!: boolean;

  @Field(() => Boolean, { description: '可批量办理 Whether the step opts in to taking this action on many tasks at once (bulkDecide).' })
  bulk!: boolean;
}

@ObjectType('InboxCount', { description: '待办统计 Open tasks of one workflow step in an inbox.' })
export class InboxCountType {
  @Field(() => String, { description: 'The workflow definition key.' })
  definitionKey!: string;

  @Field(() => String, { description: 'The step (state of the definition).' })
  step!: string;

  @Field(() => Int, { description: 'Open tasks at that step.' })
  count!: number;

  @Field(() => Int, { description: '已超期 Of them, past their deadline.' })
  overdue!: number;
}

@ObjectType('InboxEdge', { description: 'One task of an inbox page.' })
export class InboxEdgeType {
  @Field(() => WorkflowTaskType, { description: 'The task.' })
  node!: WorkflowTaskType;

  @Field(() => String, { description: 'Pass as after to continue after this task.' })
  cursor!: string;
}

@ObjectType('InboxConnection', { description: '待办列表 A page of an inbox, keyset-paged.' })
export class InboxConnectionType {
  @Field(() => [InboxEdgeType], { description: 'The tasks of this page.' })
  edges!: InboxEdgeType[];

  @Field(() => PageInfo, { description: 'Where this page is in the list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many tasks match, over all pages.' })
  totalCount!: number;

  @Field(() => [InboxCountType], { description: '分类统计 Matching tasks per workflow and step (counted only when asked for).' })
  counts!: InboxCountType[];
}

@ObjectType('BulkDecisionResult', { description: '批量办理结果 The outcome of one task of a bulkDecide call: each task is its own decision.' })
export class BulkDecisionResultType {
  @Field(() => ID, { description: 'The task.' })
  taskId!: string;

  @Field(() => Boolean, { description: 'Whether the decision was taken (or had been, by a repeat of this call).' })
  ok!: boolean;

  @Field(() => ErrorCode, { nullable: true, description: 'When refused: the error code, as extensions.code would be (FORBIDDEN, CONFLICT, BAD_USER_INPUT, NOT_FOUND…).' })
  code?: `${ErrorCode}` | null;

  @Field(() => String, { nullable: true, description: 'When refused: the finer reason (open-ended: the engine’s and the modules’ rule codes), e.g. BULK_NOT_ALLOWED, TASK_CLOSED, ALREADY_CLAIMED, COMMENT_REQUIRED.' })
  reason?: string | null;

  @Field(() => String, { nullable: true, description: 'When refused: why, in words.' })
  message?: string | null;

  @Field(() => WorkflowInstanceType, { nullable: true, description: 'When taken: the instance as the decision left it.' })
  instance?: WorkflowInstanceType | null;
}

/** The filters of myTasks. */
@InputType({ description: '待办筛选 — the filters of myTasks, joined with and.' })
export class InboxFilter {
  @Field(() => String, { nullable: true, description: 'Only this workflow (definition key, e.g. aid-application).' })
  definitionKey?: string;

  @Field(() => String, { nullable: true, description: 'Only this step (state key, e.g. COUNTY_REVIEW).' })
  step?: string;

  @Field(() => ID, { nullable: true, description: 'Tasks routed to this organisation or below it.' })
  organizationId?: string;

  @Field(() => Boolean, { nullable: true, description: 'true: past due; false: not yet due.' })
  overdue?: boolean;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'Only tasks due before this instant.' })
  dueBefore?: Date;

  @Field(() => TaskClaimFilter, { nullable: true, description: 'Claimed by me, by nobody, or by someone else.' })
  claim?: TaskClaimFilter;

  @Field(() => Boolean, { nullable: true, deprecationReason: 'Use claim: MINE.', description: 'Only tasks I have claimed.' })
  claimedByMe?: boolean;
}
