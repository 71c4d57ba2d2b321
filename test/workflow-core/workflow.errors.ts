import { WorkflowRuleError } from '../../src/workflow/core';

/** Runs `fn` and returns the WorkflowRuleError code it throws, so refusals can be asserted by code. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WorkflowRuleError) return e.code;
    throw e;
  }
  throw new Error('expected a WorkflowRuleError');
}
