import { AppError, ErrorCode } from '../common/errors';
import { WorkflowRuleCode, WorkflowRuleError } from './core/errors';

const CODE_MAP: Record<WorkflowRuleCode, ErrorCode> = {
  INSTANCE_FINISHED: ErrorCode.CONFLICT,
  ACTION_NOT_ALLOWED: ErrorCode.BAD_USER_INPUT,
  NOT_ASSIGNEE: ErrorCode.FORBIDDEN,
  NOT_APPLICANT: ErrorCode.FORBIDDEN,
  COMMENT_REQUIRED: ErrorCode.BAD_USER_INPUT,
  COMMENT_TOO_LONG: ErrorCode.BAD_USER_INPUT,
  ALREADY_VOTED: ErrorCode.CONFLICT,
  STALE_TASK: ErrorCode.CONFLICT,
  DATA_NOT_ALLOWED: ErrorCode.BAD_USER_INPUT,
  INVALID_SUBJECT: ErrorCode.BAD_USER_INPUT,
  ROUTE_UNRESOLVED: ErrorCode.BAD_USER_INPUT,
  INVALID_INPUT: ErrorCode.BAD_USER_INPUT,
  RETURN_TARGET_INVALID: ErrorCode.BAD_USER_INPUT,
  TRANSFER_TARGET_INVALID: ErrorCode.BAD_USER_INPUT,
  URGED_RECENTLY: ErrorCode.TOO_MANY_REQUESTS,
  NOT_ALLOWED_TO_URGE: ErrorCode.FORBIDDEN,
  ALREADY_COPIED: ErrorCode.CONFLICT,
  // The rest mean the stored state and the definition disagree: an internal fault, not the client's.
  DEFINITION_MISMATCH: ErrorCode.INTERNAL_SERVER_ERROR,
  UNKNOWN_STATE: ErrorCode.INTERNAL_SERVER_ERROR,
  EFFECT_MISMATCH: ErrorCode.INTERNAL_SERVER_ERROR,
  UNKNOWN_OUTCOME: ErrorCode.INTERNAL_SERVER_ERROR,
  TIMER_MISMATCH: ErrorCode.INTERNAL_SERVER_ERROR,
  REPLAY_MISMATCH: ErrorCode.INTERNAL_SERVER_ERROR,
};

/** Rule errors become client errors with the rule code as `reason`; internal ones stay internal. */
export function toAppError(error: unknown): unknown {
  if (!(error instanceof WorkflowRuleError)) return error;
  const code = CODE_MAP[error.code];
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) return error;
  const { allowed, nextAllowedAt } = error.details as { allowed?: string[]; nextAllowedAt?: string };
  // A client may show where a return may go, and when urging is possible again (also as HTTP 429's Retry-After).
  const retryAfterSeconds = nextAllowedAt ? Math.max(1, Math.ceil((Date.parse(nextAllowedAt) - Date.now()) / 1000)) : undefined;
  return new AppError(code, error.message, { reason: error.code, allowed, nextAllowedAt, retryAfterSeconds });
}

/** Runs a core call and translates its rule errors. */
export function rules<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw toAppError(error);
  }
}
