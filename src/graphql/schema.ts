import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, NonEmptyArray } from 'type-graphql';
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
import { HistoryEntryResolver, VoteResolver, WorkflowResolver, WorkflowTaskResolver } from '../workflow/workflow.resolver';

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
  VoteResolver,
  AidResolver,
  AuditResolver,
  ActorDecisionsResolver,
  ReturnReasonResolver,
  ExpenseResolver,
  AwardResolver,
  OrganizationHonoursResolver,
];

let cached: Promise<GraphQLSchema> | undefined;

/** Built once per process: type-graphql's metadata is global, so every server in the process shares it. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({ resolvers: RESOLVERS, validate: false });
  return cached;
}

/** The SDL committed in schema/schema.graphql: sorted so it diffs cleanly. */
export async function printSdl(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await getSchema()))}\n`;
}
