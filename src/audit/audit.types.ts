import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { PersonType } from '../people/person.types';

@ObjectType('ActorDecisions', { description: '按审批人统计 — one person’s decisions on tasks and votes in the period, for one organisation.' })
export class ActorDecisionsType {
  @Field(() => PersonType, { description: '审批人 — who decided, with the organisation they decided for.' })
  actor!: PersonType;

  @Field(() => Int, { description: 'Decisions on tasks and votes in all.' })
  decisions!: number;

  @Field(() => Int, { description: '同意 — of them, approvals.' })
  approvals!: number;

  @Field(() => Int, { description: '不同意 — of them, rejections.' })
  rejections!: number;

  @Field(() => Int, { description: 'Returned to the applicant or sent back for correction.' })
  returns!: number;
}

@ObjectType('OverdueStep', { description: '超期环节 — a task closed after its deadline, or still open past it.' })
export class OverdueStepType {
  @Field(() => ID, { description: 'The instance.' })
  instanceId!: string;

  @Field(() => String, { description: 'The workflow definition key (data of workflows/*.yaml).' })
  definitionKey!: string;

  @Field(() => String, { description: 'The step (state key; data of workflows/*.yaml).' })
  step!: string;

  @Field(() => ID, { nullable: true, description: 'The organisation it was routed to.' })
  organizationId!: string | null;

  @Field(() => GraphQLDateTime, { description: '期限 — its deadline.' })
  dueAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When it was closed; null while open.' })
  closedAt!: Date | null;

  @Field(() => Int, { description: 'Seconds past the deadline, rounded up (until now while open).' })
  secondsOver!: number;

  @Field(() => Boolean, { description: 'Reopened higher up when the deadline passed.' })
  escalated!: boolean;
}

@ObjectType('ReturnReason', { description: '退回及原因 — a decision that returned a subject for correction, with its reason.' })
export class ReturnReasonType {
  @Field(() => ID, { description: 'The instance.' })
  instanceId!: string;

  @Field(() => String, { description: 'The workflow definition key (data of workflows/*.yaml).' })
  definitionKey!: string;

  @Field(() => String, { description: 'The step it was returned from.' })
  step!: string;

  @Field(() => GraphQLDateTime, { description: 'When it was returned.' })
  at!: Date;

  @Field(() => PersonType, { nullable: true, description: '退回人 — who returned it, with the organisation and role of the act.' })
  actor!: PersonType | null;

  @Field(() => String, { nullable: true, description: 'The comment given as the reason (national ids and phones masked).' })
  reason!: string | null;
}

@ObjectType('FundPayments', { description: '按资金统计支付 — what workflows paid out of or booked against one fund in the period.' })
export class FundPaymentsType {
  @Field(() => ID, { description: 'The fund.' })
  fundId!: string;

  @Field(() => String, { description: 'The fund’s name.' })
  fundName!: string;

  @Field(() => Int, { description: 'How many payments and bookings.' })
  payments!: number;

  @Field(() => GraphQLSafeInt, { description: 'In fen.' })
  totalFen!: number;
}

@ObjectType('AuditSummary', { description: '审计汇总 — reviewers’ aggregates over an organisation’s subtree and a period [from, to).' })
export class AuditSummaryType {
  @Field(() => ID, { description: 'The organisation whose subtree it covers.' })
  organizationId!: string;

  @Field(() => GraphQLDateTime, { description: 'From (inclusive).' })
  from!: Date;

  @Field(() => GraphQLDateTime, { description: 'Until (exclusive).' })
  to!: Date;

  @Field(() => [ActorDecisionsType], { description: 'Decisions by actor, most first.' })
  decisionsByActor!: ActorDecisionsType[];

  @Field(() => [OverdueStepType], { description: 'Steps due in the period that ran over, longest first (at most 500).' })
  overdueSteps!: OverdueStepType[];

  @Field(() => [ReturnReasonType], { description: 'Returns and send-backs with their reasons, newest first (at most 500).' })
  returns!: ReturnReasonType[];

  @Field(() => [FundPaymentsType], { description: 'Payments and bookings by fund, largest first.' })
  paymentsByFund!: FundPaymentsType[];
}
