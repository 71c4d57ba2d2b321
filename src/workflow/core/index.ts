/** The pure workflow core: no I/O, no clock, no randomness. Time and ids come in as inputs. */
export * from './types';
export { WorkflowRuleError, type WorkflowRuleCode } from './errors';
export { start, act, effectCompleted, timerFired, replay, availableActions, returnTargets, subjectProblems, resolveInput, MAX_COMMENT_LENGTH } from './engine';
export { evaluate, resolveTarget, describe as describeCondition } from './conditions';
export { resolveRoute, grantCovers, holdsAnyRole } from './routing';
export { parseDuration, addDuration } from './duration';
export { toMermaid } from './mermaid';
