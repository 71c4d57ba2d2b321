/** Stable codes the outer layer may branch on (e.g. map to FORBIDDEN / BAD_USER_INPUT / CONFLICT). */
export type WorkflowRuleCode =
  | 'INSTANCE_FINISHED'
  | 'ACTION_NOT_ALLOWED'
  | 'NOT_ASSIGNEE'
  | 'NOT_APPLICANT'
  | 'COMMENT_REQUIRED'
  | 'COMMENT_TOO_LONG'
  | 'ALREADY_VOTED'
  | 'STALE_TASK'
  | 'DATA_NOT_ALLOWED'
  | 'INVALID_SUBJECT'
  | 'ROUTE_UNRESOLVED'
  | 'DEFINITION_MISMATCH'
  | 'UNKNOWN_STATE'
  | 'EFFECT_MISMATCH'
  | 'UNKNOWN_OUTCOME'
  | 'TIMER_MISMATCH'
  | 'INVALID_INPUT'
  | 'REPLAY_MISMATCH'
  /** returnTo names no earlier human step of this round (nor the applicant's step the state allows). */
  | 'RETURN_TARGET_INVALID'
  /** transfer to oneself, to the applicant, or to whom the task is already assigned. */
  | 'TRANSFER_TARGET_INVALID'
  /** Urged already within the state's urge interval; `nextAllowedAt` says when. */
  | 'URGED_RECENTLY'
  /** Only the applicant, or a holder of the step's role higher up, may urge. */
  | 'NOT_ALLOWED_TO_URGE'
  /** An account already copied on this instance. */
  | 'ALREADY_COPIED';

/** An action or input the rules of the workflow refuse. The instance state is never modified when thrown. */
export class WorkflowRuleError extends Error {
  constructor(
    readonly code: WorkflowRuleCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'WorkflowRuleError';
  }
}

export const ruleError = (code: WorkflowRuleCode, message: string, details: Record<string, unknown> = {}) =>
  new WorkflowRuleError(code, message, details);
