import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, NonEmptyArray, type PubSub } from 'type-graphql';
import { AidResolver } from '../aid/aid.resolver';
import { DelegationResolver } from '../delegation/delegation.resolver';
import { ActorDecisionsResolver, AuditResolver, ReturnReasonResolver } from '../audit/audit.resolver';
import { AuthResolver } from '../auth/auth.resolver';
import { AwardResolver, OrganizationHonoursResolver } from '../awards/award.resolver';
import { ExpenseResolver } from '../expenses/expense.resolver';
import { FundResolver, LedgerEntryResolver } from '../funds/fund.resolver';
import { MemberResolver } from '../members/member.resolver';
import { PersonalDataResolver } from '../members/personal-data.resolver';
import { OrganizationResolver } from '../organizations/organization.resolver';
import { LiveResolver } from '../live/live.resolver';
import { enforceGuards } from './field-guard';
import { NodeResolver } from './node.resolver';
import { CarbonCopyResolver, HistoryEntryResolver, VoteResolver, WorkflowResolver, WorkflowTaskResolver } from '../workflow/workflow.resolver';
import { InboxResolver, TaskActionsResolver } from '../workflow/inbox.resolver';
import { InstanceSubjectResolver } from '../workflow/subject.resolver';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const RESOLVERS: NonEmptyArray<Function> = [
  AuthResolver,
  OrganizationResolver,
  MemberResolver,
  PersonalDataResolver,
  FundResolver,
  LedgerEntryResolver,
  WorkflowResolver,
  WorkflowTaskResolver,
  DelegationResolver,
  HistoryEntryResolver,
  CarbonCopyResolver,
  VoteResolver,
  InboxResolver,
  TaskActionsResolver,
  InstanceSubjectResolver,
  AidResolver,
  AuditResolver,
  ActorDecisionsResolver,
  ReturnReasonResolver,
  ExpenseResolver,
  AwardResolver,
  OrganizationHonoursResolver,
  LiveResolver,
  NodeResolver,
];

let cached: Promise<GraphQLSchema> | undefined;

/**
 * type-graphql insists on a PubSub once there are subscriptions, for its `topics` style. Ours all bring their
 * own `subscribe` (src/live/live.feeds.ts, fed by PostgreSQL NOTIFY across processes), so a topic is a mistake.
 */
const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('subscriptions are fed by src/live, not by type-graphql topics');
  },
  subscribe: () => {
    throw new Error('subscriptions are fed by src/live, not by type-graphql topics');
  },
};

/** Built once per process: type-graphql's metadata is global, so every server in the process shares it. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({ resolvers: RESOLVERS, validate: false, pubSub: NO_TOPICS }).then(describeRoots).then(enforceGuards);
  return cached;
}

/** type-graphql has no option for the root types' own descriptions. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  schema.getQueryType()!.description = '查询 — what can be read. Every field authorises the viewer; one refused object answers null at its path with the error, the rest of the response stands.';
  schema.getMutationType()!.description = '变更 — what can be done. Workflow acts take an idempotencyKey: repeated, they answer as the first time.';
  schema.getSubscriptionType()!.description = '订阅 — live updates over graphql-ws, authorised per event with the same policy as the queries.';
  return schema;
}

/** The SDL committed in schema/schema.graphql: sorted so it diffs cleanly. */
export async function printSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}
