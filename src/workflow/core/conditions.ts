import type { Condition, JsonScalar, JsonValue, ParameterDef, RouteEntry, SubjectData, Target } from './types';

/**
 * Evaluates a condition over subject data and definition parameters. Total: a missing field or a value of
 * the wrong type makes a comparison false (never throws), so a bad subject cannot crash a transition.
 */
export function evaluate(cond: Condition, data: SubjectData, params: Record<string, ParameterDef>): boolean {
  if ('all' in cond) return cond.all.every((c) => evaluate(c, data, params));
  if ('any' in cond) return cond.any.some((c) => evaluate(c, data, params));
  if ('not' in cond) return !evaluate(cond.not, data, params);

  const present = Object.prototype.hasOwnProperty.call(data, cond.field) && data[cond.field] !== null;
  const actual: JsonValue | undefined = present ? data[cond.field] : undefined;
  if (cond.op === 'exists') return present;
  if (!present) return false;
  const expected: JsonScalar | JsonScalar[] | undefined =
    cond.param !== undefined ? params[cond.param]?.value : cond.value;
  if (expected === undefined) return false;

  switch (cond.op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.some((v) => v === actual);
    case 'notIn':
      return Array.isArray(expected) && !expected.some((v) => v === actual);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof actual !== 'number' || typeof expected !== 'number') return false;
      if (cond.op === 'gt') return actual > expected;
      if (cond.op === 'gte') return actual >= expected;
      if (cond.op === 'lt') return actual < expected;
      return actual <= expected;
    }
  }
}

/** Picks the target state: the first route whose `when` holds, else the default (the entry without `when`). */
export function resolveTarget(target: Target, data: SubjectData, params: Record<string, ParameterDef>): string {
  if (typeof target === 'string') return target;
  for (const entry of target) {
    if (!entry.when || evaluate(entry.when, data, params)) return entry.to;
  }
  // Validated definitions always end with a default; this only guards hand-built ones.
  throw new Error('conditional route has no default entry');
}

/** All states a target may lead to. */
export function targetStates(target: Target): string[] {
  return typeof target === 'string' ? [target] : target.map((e: RouteEntry) => e.to);
}

const OP_TEXT: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'in',
  notIn: 'not in',
};

/** Human-readable form, used in diagrams: `amount > thresholdFen`, `all(a, b)`. */
export function describe(cond: Condition): string {
  if ('all' in cond) return cond.all.map(describe).join(' and ');
  if ('any' in cond) return `(${cond.any.map(describe).join(' or ')})`;
  if ('not' in cond) return `not (${describe(cond.not)})`;
  if (cond.op === 'exists') return `${cond.field} given`;
  const rhs =
    cond.param !== undefined
      ? cond.param
      : Array.isArray(cond.value)
        ? `[${cond.value.map(String).join(', ')}]`
        : String(cond.value);
  return `${cond.field} ${OP_TEXT[cond.op]} ${rhs}`;
}
