import { z } from 'zod';
import { parseDuration } from '../core/duration';
import type { CompareOp, Condition, WorkflowDefinition } from '../core/types';
import { ROUTE_LEVELS } from '../core/types';

/**
 * The shape of workflows/*.yaml. Structure and defaults live here; cross-references (targets exist, params
 * declared, reachability…) are checked afterwards in definition.checks.ts, where the whole document is known.
 */

/** Mirrors Role in src/auth/role.ts; a typo such as APROVER must fail at load time, not route to nobody. */
export const KNOWN_ROLES = ['MEMBER', 'APPROVER', 'FINANCE', 'AUDITOR', 'ADMIN'] as const;

const STATE_NAME = /^[A-Z][A-Z0-9_]*$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;

const stateName = z.string({ error: 'expected a state name' }).regex(STATE_NAME, 'state names are UPPER_SNAKE_CASE');
const camelKey = (what: string) => z.string().regex(CAMEL, `${what} names are camelCase`);
const text = z.string().trim().min(1, 'must not be empty');
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

const duration = z
  .string({ error: 'expected an ISO-8601 duration such as PT48H or P3D' })
  .refine((s) => parseDuration(s) !== null, { message: 'not a non-zero ISO-8601 duration (e.g. PT48H, P3D, P1W)' });

const routeLevel = z.enum(ROUTE_LEVELS as [string, ...string[]], {
  error: `organization must be one of ${ROUTE_LEVELS.join(', ')}`,
}) as z.ZodType<(typeof ROUTE_LEVELS)[number]>;
const role = z.enum(KNOWN_ROLES, { error: `role must be one of ${KNOWN_ROLES.join(', ')}` });

const OPS: readonly CompareOp[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'exists'];
const COMBINATORS = ['all', 'any', 'not'];

/**
 * Conditions are checked by hand rather than with a zod union, so a mistake deep inside `all:` is reported
 * at its own path with one precise message instead of "Invalid input" for every union branch.
 */
function checkCondition(v: unknown, path: (string | number)[], add: (path: (string | number)[], message: string) => void): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    add(path, 'a condition is an object: { field, op, param | value } or { all | any: [...] } or { not: ... }');
    return;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const combinator = keys.filter((k) => COMBINATORS.includes(k));
  if (combinator.length) {
    if (keys.length !== 1) {
      add(path, `a combinator (${combinator.join(', ')}) must be the only key of its condition`);
      return;
    }
    const k = combinator[0];
    if (k === 'not') return checkCondition(o.not, [...path, 'not'], add);
    if (!Array.isArray(o[k]) || (o[k] as unknown[]).length === 0) {
      add([...path, k], `${k} needs a non-empty list of conditions`);
      return;
    }
    (o[k] as unknown[]).forEach((c, i) => checkCondition(c, [...path, k, i], add));
    return;
  }
  const unknown = keys.filter((k) => !['field', 'op', 'param', 'value'].includes(k));
  if (unknown.length) add(path, `unknown key(s) in condition: ${unknown.join(', ')}`);
  if (typeof o.field !== 'string' || !o.field) add([...path, 'field'], 'a comparison needs a field name');
  if (!OPS.includes(o.op as CompareOp)) {
    add([...path, 'op'], `op must be one of ${OPS.join(', ')}`);
    return;
  }
  const hasParam = o.param !== undefined;
  const hasValue = o.value !== undefined;
  if (o.op === 'exists') {
    if (hasParam || hasValue) add(path, 'exists takes neither param nor value');
    return;
  }
  if (hasParam === hasValue) {
    add(path, `${String(o.op)} needs exactly one of param or value`);
    return;
  }
  if (hasParam && typeof o.param !== 'string') add([...path, 'param'], 'param must be a parameter name');
  if (o.op === 'in' || o.op === 'notIn') {
    if (hasParam) add([...path, 'param'], `${String(o.op)} compares with a list: use value: [...]`);
    else if (!Array.isArray(o.value) || !o.value.every((x) => scalar.safeParse(x).success)) {
      add([...path, 'value'], `${String(o.op)} needs a list of scalars`);
    }
  } else if (hasValue && !scalar.safeParse(o.value).success) {
    add([...path, 'value'], `${String(o.op)} compares with a single scalar`);
  }
}

export const conditionSchema = z
  .unknown()
  .superRefine((v, ctx) => checkCondition(v, [], (path, message) => ctx.addIssue({ code: 'custom', message, path })))
  .transform((v) => v as Condition);

const routeEntry = z.strictObject({ when: conditionSchema.optional(), to: stateName });

/** A state name, or conditional routes: `[{ when: <condition>, to: STATE }, ..., { to: DEFAULT }]`. */
export const targetSchema = z.union([stateName, z.array(routeEntry).min(1, 'a route list needs at least a default entry')]);

const commentRule = z.enum(['required', 'optional'], { error: 'comment must be required or optional' });

const action = z.strictObject({
  to: targetSchema,
  comment: commentRule.default('optional'),
  label: text.optional(),
  newRound: z.boolean().default(false),
  updatesSubject: z.boolean().default(false),
});
const actionMap = z.record(camelKey('action'), action).default({});

const assignee = z.strictObject({ role, organization: routeLevel });

const reminder = z.union([
  z.strictObject({ before: duration }),
  z.strictObject({ at: z.number().gt(0, 'at is a fraction of the deadline, between 0 and 1').lt(1, 'at is a fraction of the deadline, between 0 and 1') }),
]);

const escalation = z.discriminatedUnion(
  'action',
  [
    z.strictObject({ action: z.literal('notify'), recipient: assignee.optional() }),
    z.strictObject({ action: z.literal('reassign'), assignee }),
    z.strictObject({ action: z.literal('expire'), to: targetSchema }),
  ],
  { error: 'escalation action must be notify, reassign or expire' },
);

const base = { title: text, description: text.optional() };
const deadlines = {
  deadline: duration,
  reminder: reminder.optional(),
  escalation: escalation.default({ action: 'notify' }),
};
const noTransitions = z.never({ error: 'a final state has no outgoing transitions' }).optional();

const taskState = z.strictObject({
  kind: z.literal('task'),
  ...base,
  assignee: z.union([z.literal('applicant'), assignee]),
  ...deadlines,
  actions: actionMap,
  applicantActions: actionMap,
  publicActions: actionMap,
  // The approval actions: each is forbidden unless the step declares it.
  returnTo: z.strictObject({ applicant: stateName.optional() }).optional(),
  transfer: z.boolean().default(false),
  urge: z.strictObject({ every: duration.default('P1D') }).optional(),
  delegable: z.boolean().default(false),
  carbonCopy: z.strictObject({ recipients: z.array(assignee).default([]), byAssignee: z.boolean().default(false) }).optional(),
});

const ballotChoice = z.strictObject({ comment: commentRule.default('optional') });

const voteState = z.strictObject({
  kind: z.literal('vote'),
  ...base,
  voters: z.strictObject({ roles: z.array(role).min(1, 'at least one voter role'), organization: routeLevel }),
  quorum: z.strictObject({
    approvals: z.int().positive('approvals must be at least 1'),
    of: z.int().positive('of (the number of seats) must be at least 1'),
  }),
  ballot: z
    .strictObject({ approve: ballotChoice.default({ comment: 'optional' }), reject: ballotChoice.default({ comment: 'optional' }) })
    .default({ approve: { comment: 'optional' }, reject: { comment: 'optional' } }),
  outcomes: z.strictObject({ passed: targetSchema, failed: targetSchema }),
  ...deadlines,
  applicantActions: actionMap,
  publicActions: actionMap,
});

const timerState = z.strictObject({
  kind: z.literal('timer'),
  ...base,
  duration,
  then: targetSchema,
  applicantActions: actionMap,
  publicActions: actionMap,
});

const valueRef = z.union([
  z.strictObject({ field: camelKey('field') }),
  z.strictObject({ param: camelKey('parameter') }),
  z.strictObject({ value: z.json() }),
]);

const systemState = z.strictObject({
  kind: z.literal('system'),
  ...base,
  effect: camelKey('effect'),
  input: z.record(camelKey('input'), valueRef).default({}),
  on: z.record(z.string().regex(/^(ok|[A-Z][A-Z0-9_]*)$/, 'outcomes are ok or UPPER_SNAKE failure codes'), targetSchema),
});

const finalState = z.strictObject({
  kind: z.literal('final'),
  ...base,
  outcome: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'outcomes are UPPER_SNAKE_CASE'),
  actions: noTransitions,
  applicantActions: noTransitions,
  publicActions: noTransitions,
  on: noTransitions,
  then: noTransitions,
  outcomes: noTransitions,
});

const state = z.discriminatedUnion('kind', [taskState, voteState, timerState, systemState, finalState], {
  error: 'kind must be one of task, vote, timer, system, final',
});

const paramType = z.enum(['integer', 'number', 'string', 'boolean']);
const parameter = z.strictObject({ type: paramType, value: scalar, description: text.optional() });
const field = z.strictObject({
  type: paramType,
  required: z.boolean().default(true),
  enum: z.array(scalar).min(1).optional(),
  description: text.optional(),
});

export const definitionSchema = z.strictObject({
  key: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'key is kebab-case, e.g. aid-application'),
  version: z.int({ error: 'version must be an integer' }).positive('version must be at least 1'),
  title: text,
  description: text.optional(),
  parameters: z.record(camelKey('parameter'), parameter).default({}),
  subject: z.strictObject({ fields: z.record(camelKey('field'), field).default({}) }).default({ fields: {} }),
  initial: targetSchema,
  states: z.record(z.string().regex(STATE_NAME, 'state names are UPPER_SNAKE_CASE'), state).refine((s) => Object.keys(s).length > 0, 'at least one state'),
});

// Compile-time proof that a parsed document is a core WorkflowDefinition.
export type ParsedDefinition = z.output<typeof definitionSchema>;
const _assignable = (d: ParsedDefinition): WorkflowDefinition => d;
void _assignable;
