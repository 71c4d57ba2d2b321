import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isDatabaseUnavailable } from '../db/availability';
import { safeError, type Logger } from './logger';
import { currentRequest } from './request-scope';

/** Stable codes every client may branch on; they are the GraphQL `extensions.code`. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  CONFLICT = 'CONFLICT',
  /** Over a rate limit; `retryAfterSeconds` says when to try again (also HTTP 429 with Retry-After). */
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  /** A dependency is down (reason `DATABASE_UNAVAILABLE`); try again after `retryAfterSeconds` (HTTP 503, Retry-After). */
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A request that is not GraphQL over HTTP (malformed JSON, too large): Apollo's own code for such refusals. */
  BAD_REQUEST = 'BAD_REQUEST',
}

/**
 * Stable `extensions.reason`s of the approval actions, beside the engine's rule codes (RETURN_TARGET_INVALID,
 * TRANSFER_TARGET_INVALID, URGED_RECENTLY, NOT_ALLOWED_TO_URGE, ALREADY_COPIED, COMMENT_REQUIRED…).
 */
export enum ApprovalReason {
  /** BAD_USER_INPUT: the person named could not hold the task's role on its organisation (transfer). */
  NOT_ELIGIBLE = 'NOT_ELIGIBLE',
  /** BAD_USER_INPUT: the substitute could not hold the delegated role on that organisation. */
  SUBSTITUTE_NOT_ELIGIBLE = 'SUBSTITUTE_NOT_ELIGIBLE',
  /** BAD_USER_INPUT: an account cannot stand in for itself. */
  SELF_DELEGATION = 'SELF_DELEGATION',
  /** BAD_USER_INPUT: the viewer holds several grants; name the role and organisation to delegate. */
  GRANT_REQUIRED = 'GRANT_REQUIRED',
  /** BAD_USER_INPUT: the period ends before it starts, is over, or is longer than a year. */
  BAD_PERIOD = 'BAD_PERIOD',
  /** CONFLICT: a delegation of the same grant already covers part of that period. */
  DELEGATION_OVERLAPS = 'DELEGATION_OVERLAPS',
  /** BAD_USER_INPUT: an account named is unknown or disabled. */
  UNKNOWN_ACCOUNT = 'UNKNOWN_ACCOUNT',
}

export interface ErrorDetails {
  /** The input field at fault, e.g. `input.amount`. */
  field?: string;
  /** A finer, stable reason within the code, e.g. `INSUFFICIENT_FUNDS`. */
  reason?: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badInput = (message: string, field?: string, reason?: string) =>
  new AppError(ErrorCode.BAD_USER_INPUT, message, { field, reason });
export const notFound = (what: string) => new AppError(ErrorCode.NOT_FOUND, `${what} not found`);
export const forbidden = (message = 'You are not allowed to do this') => new AppError(ErrorCode.FORBIDDEN, message);
export const unauthenticated = (message = 'Sign in first') => new AppError(ErrorCode.UNAUTHENTICATED, message);
export const conflict = (message: string, reason?: string) => new AppError(ErrorCode.CONFLICT, message, { reason });
export const tooManyRequests = (message: string, reason: string, retryAfterSeconds: number) =>
  new AppError(ErrorCode.TOO_MANY_REQUESTS, message, { reason, retryAfterSeconds: Math.max(1, retryAfterSeconds) });
/** PostgreSQL could not be reached; a transaction it cut short is rolled back whole, so the client may retry (a filing with its idempotency key). */
export const databaseUnavailable = () =>
  new AppError(ErrorCode.SERVICE_UNAVAILABLE, 'The database is unavailable; try again shortly', { reason: 'DATABASE_UNAVAILABLE', retryAfterSeconds: 2 });

const PASS_THROUGH_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/**
 * graphql-js repeats a rejected value in its coercion messages ('Variable "$input" got invalid value 6125…
 * at "input.phone"; String cannot represent a non string value: 6125…'); the value may be a national id or a
 * phone. The message is rebuilt from what is known to be value-free: the variable and the path, the type and
 * why it failed. Anything not recognised is dropped rather than repeated.
 */
export function withoutEchoedValue(message: string): string {
  const variable = /^(Variable "\$\w+" got) invalid value /.exec(message);
  if (variable) {
    const rest = /^(?: at "([\w.[\]]+)")?; ([\s\S]*)$/.exec(message.slice(variable[0].length + printedValueLength(message.slice(variable[0].length))));
    const at = rest?.[1] ? ` at "${rest[1]}"` : '';
    const why = rest ? whyInvalid(rest[2]) : undefined;
    return `${variable[1]} an invalid value${at}${why ? `; ${why}` : '.'}`;
  }
  const literal = /^(Expected value of type "[\w![\]]+", found) /.exec(message);
  if (literal) {
    const rest = message.slice(literal[0].length + printedValueLength(message.slice(literal[0].length)));
    const why = rest.startsWith('; ') ? whyInvalid(rest.slice(2)) : undefined;
    return `${literal[1]} an invalid value${why ? `; ${why}` : '.'}`;
  }
  const argument = /^(Argument "\w+" has) invalid value /.exec(message);
  if (argument) return `${argument[1]} an invalid value.`;
  return whyInvalid(message) ?? message;
}

/** The value-free part of a scalar's, enum's or input object's reason for refusing a value, if it is a known one. */
function whyInvalid(reason: string): string | undefined {
  const suggestion = / Did you mean (?:the enum value )?(?:"\w+"(?:, |,? or )?)+\?$/.exec(reason)?.[0] ?? '';
  const forms: [RegExp, (m: RegExpExecArray) => string][] = [
    [/^(\w+) cannot represent an invalid ([A-Za-z-]+)/, (m) => `${m[1]} cannot represent an invalid ${m[2]}.`],
    [/^(\w+|Enum "\w+") cannot represent ((?:[A-Za-z]+[ -]|32-bit )*)value: /, (m) => `${m[1]} cannot represent ${m[2]}value.`],
    [/^Value [\s\S]* does not exist in "(\w+)" enum\./, (m) => `Value does not exist in "${m[1]}" enum.`],
    [/^Value is not a valid (\w+)/, (m) => `Value is not a valid ${m[1]}.`],
    [/^Expected type "\w+" to be an object\./, (m) => m[0]],
    [/^Field "\w+" of required type "[\w![\]]+" was not provided\./, (m) => m[0]],
    [/^Field "\w+" is not defined by type "\w+"\./, (m) => m[0]],
  ];
  for (const [form, rebuild] of forms) {
    const match = form.exec(reason);
    if (match) return rebuild(match) + suggestion;
  }
  return undefined;
}

/**
 * How many characters the value graphql-js printed at the start of `text` takes: a quoted string, a list or
 * object (brackets balanced, quoted strings skipped), or a bare word up to a space or semicolon.
 */
function printedValueLength(text: string): number {
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i += text[i] === '\\' ? 2 : 1);
      i++;
    } else {
      if (depth === 0 && (c === ' ' || c === ';')) return i;
      if (c === '{' || c === '[') depth++;
      if (c === '}' || c === ']') depth--;
      i++;
    }
    if (depth <= 0 && (c === '"' || c === '}' || c === ']')) return i;
  }
  return i;
}

/** graphql-js suggests names from the schema ("Did you mean "members"?"); production does not describe its schema. */
const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean [^?]*\?/g, '');

/**
 * The one place errors become GraphQL errors: AppErrors keep their code and message, an unreachable database
 * is SERVICE_UNAVAILABLE, GraphQL's own request errors pass, anything else is logged in full and shown to the
 * client only as an opaque internal error. Each names its HTTP request (`extensions.requestId`, also the
 * `x-request-id` header and the log lines' id).
 */
export function createErrorFormatter(logger: Logger, options: { hideSuggestions?: boolean } = {}) {
  const format = formatterOf(logger, options);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const result = format(formatted, error);
    const request = currentRequest();
    if (!request) return result;
    request.errorCodes.push(String(result.extensions?.code));
    return { ...result, extensions: { ...result.extensions, requestId: request.requestId } };
  };
}

function formatterOf(logger: Logger, { hideSuggestions = false }: { hideSuggestions?: boolean }) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const unavailable = isDatabaseUnavailable(unwrapped);
    if (unavailable) logger.warn('database unavailable', { ...safeError(unwrapped), path: formatted.path });
    const original = unavailable ? databaseUnavailable() : unwrapped;
    if (original instanceof AppError) {
      const details = Object.fromEntries(Object.entries(original.details).filter(([, v]) => v !== undefined));
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...details },
      };
    }
    const code = formatted.extensions?.code;
    if (original instanceof GraphQLError && typeof code === 'string' && PASS_THROUGH_CODES.has(code)) {
      const message = withoutEchoedValue(formatted.message);
      const reason = formatted.extensions?.reason;
      return {
        message: hideSuggestions ? withoutSuggestions(message) : message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: typeof reason === 'string' ? { code, reason } : { code },
      };
    }
    logger.error('unhandled error', { ...safeError(original), path: formatted.path });
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  };
}
