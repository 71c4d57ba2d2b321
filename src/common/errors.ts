import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { safeError, type Logger } from './logger';

/** Stable codes every client may branch on; they are the GraphQL `extensions.code`. */
export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  CONFLICT = 'CONFLICT',
  /** Over a rate limit; `retryAfterSeconds` says when to try again (also HTTP 429 with Retry-After). */
  TOO_MANY_REQUESTS = 'TOO_MANY_REQUESTS',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** A request that is not GraphQL over HTTP (malformed JSON, too large): Apollo's own code for such refusals. */
  BAD_REQUEST = 'BAD_REQUEST',
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
 * graphql-js repeats a rejected variable's value in its message ('got invalid value "6125…"'); the value may be
 * a national id or a phone, so only where it went wrong is kept.
 */
const withoutEchoedValue = (message: string) => message.replace(/got invalid value [\s\S]*?;/, 'got an invalid value;');

/**
 * The one place errors become GraphQL errors: AppErrors keep their code and message, GraphQL's own request
 * errors pass, anything else is logged in full and shown to the client only as an opaque internal error.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
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
      return { message: withoutEchoedValue(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { code } };
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
