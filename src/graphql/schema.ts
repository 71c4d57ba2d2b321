import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type ContainerType, NonEmptyArray, type PubSub } from 'type-graphql';
import type { Services } from '../app/services';
import { AidResolver } from '../aid/aid.resolver';
import { DelegationResolver } from '../delegation/delegation.resolver';
import { ActorDecisionsResolver, AuditResolver, ReturnReasonResolver } from '../audit/audit.resolver';
import { AuthResolver } from '../auth/auth.resolver';
import { AwardResolver, NominationObjectionResolver, OrganizationHonoursResolver } from '../awards/award.resolver';
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
  NominationObjectionResolver,
  OrganizationHonoursResolver,
  LiveResolver,
  NodeResolver,
];

/**
 * Resolvers are made once per application from its services (each takes the few it uses in its constructor),
 * so a request's context carries no services: two applications in one process (tests) each get their own.
 */
function resolversOf(services: Services): ContainerType {
  const made = new Map<Function, object>();
  return {
    get(resolverClass: new (services: Services) => object) {
      let resolver = made.get(resolverClass);
      if (!resolver) made.set(resolverClass, (resolver = new resolverClass(services)));
      return resolver;
    },
  };
}

/** For the SDL and the tests that read the schema's shape: it resolves nothing. */
const SHAPE_ONLY: ContainerType = {
  get() {
    throw new Error('this schema is for its shape only: build the API schema with its services');
  },
};

const build = (container: ContainerType) =>
  buildSchema({ resolvers: RESOLVERS, validate: false, pubSub: NO_TOPICS, container }).then(describeRoots).then(enforceGuards);

const schemas = new WeakMap<Services, Promise<GraphQLSchema>>();
let shape: Promise<GraphQLSchema> | undefined;

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

/** The API's schema, its resolvers made from `services`: built once per application. */
export function apiSchema(services: Services): Promise<GraphQLSchema> {
  let schema = schemas.get(services);
  if (!schema) schemas.set(services, (schema = build(resolversOf(services))));
  return schema;
}

export function schemaShape(): Promise<GraphQLSchema> {
  shape ??= build(SHAPE_ONLY);
  return shape;
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
  return `${printSchema(lexicographicSortSchema(await schemaShape()))}\n`;
}
