import { Field, ID, Int, ObjectType } from 'type-graphql';
import { GraphQLDateTime, GraphQLSafeInt } from 'graphql-scalars';
import { PersonType } from '../people/person.types';

@ObjectType('ActorDecisions', { description: '按审批人统计 — one person’s decisions on tasks and votes in the period, for one organisation.' })
export class ActorDecisionsType {
  @Field(() => PersonType)
  actor!: PersonType;

  @Field(() => Int)
  decisions!: number;

  @Field(() => Int)
  approvals!: number;

  @Field(() => Int)
  rejections!: number;

  @Field(() => Int, { description: 'Returned to the applicant or sent back for correction.' })
  returns!: number;
}

@ObjectType('OverdueStep', { description: '超期环节 — a task closed after its deadline, or still open past it.' })
export class OverdueStepType {
  @Field(() => ID)
  instanceId!: string;

  @Field(() => String)
  definitionKey!: string;

  @Field(() => String)
  step!: string;

  @Field(() => ID, { nullable: true, description: 'The organisation it was routed to.' })
  organizationId!: string | null;

  @Field(() => GraphQLDateTime)
  dueAt!: Date;

  @Field(() => GraphQLDateTime, { nullable: true, description: 'When it was closed; null while open.' })
  closedAt!: Date | null;

  @Field(() => Int, { description: 'Seconds past the deadline (until now while open).' })
  secondsOver!: number;

  @Field(() => Boolean)
  escalated!: boolean;
}

@ObjectType('ReturnReason', { description: '退回及原因 — a decision that returned a subject for correction, with its reason.' })
export class ReturnReasonType {
  @Field(() => ID)
  instanceId!: string;

  @Field(() => String)
  definitionKey!: string;

  @Field(() => String, { description: 'The step it was returned from.' })
  step!: string;

  @Field(() => GraphQLDateTime)
  at!: Date;

  @Field(() => PersonType, { nullable: true })
  actor!: PersonType | null;

  @Field(() => String, { nullable: true, description: 'The comment given as the reason (national ids and phones masked).' })
  reason!: string | null;
}

@ObjectType('FundPayments', { description: '按资金统计支付 — what workflows paid out of or booked against one fund in the period.' })
export class FundPaymentsType {
  @Field(() => ID)
  fundId!: string;

  @Field(() => String)
  fundName!: string;

  @Field(() => Int)
  payments!: number;

  @Field(() => GraphQLSafeInt, { description: 'In fen.' })
  totalFen!: number;
}

@ObjectType('AuditSummary', { description: '审计汇总 — reviewers’ aggregates over an organisation’s subtree and a period [from, to).' })
export class AuditSummaryType {
  @Field(() => ID)
  organizationId!: string;

  @Field(() => GraphQLDateTime)
  from!: Date;

  @Field(() => GraphQLDateTime)
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
