import pino, { type DestinationStream } from 'pino';
import { currentRequest } from './request-scope';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Callers pass ids, never personal data; these paths are censored anyway, at the top level and one level
 * down, so a careless `{ input }` or `{ headers }` cannot put a secret or a member's identity in the log.
 */
const SECRET_FIELDS = ['authorization', 'cookie', 'token', 'password', 'nationalId', 'national_id', 'phone', 'variables'];
export const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]);

/**
 * JSON lines (pino) on stderr, or on `destination` (tests capture it). Inside an HTTP request every line
 * carries its request id. process.stderr rather than pino's faster file-descriptor stream: a line is never
 * lost at exit, and a few hundred lines a second cost nothing worth it.
 */
export function createLogger(level: Level | 'silent', base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const log = pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin: () => {
        const request = currentRequest();
        return request ? { requestId: request.requestId } : {};
      },
    },
    destination ?? process.stderr,
  );
  return {
    debug: (message, fields = {}) => log.debug(fields, message),
    info: (message, fields = {}) => log.info(fields, message),
    warn: (message, fields = {}) => log.warn(fields, message),
    error: (message, fields = {}) => log.error(fields, message),
  };
}

/**
 * An error as it may be logged. Database errors carry the failed SQL with its parameters, which can hold
 * national ids and phones (the query builder even writes it into the message), so for them only the class,
 * SQLSTATE and constraint are kept: MikroORM's `…Exception`s, and pg's own errors, which have a `severity`.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const driver = error as Error & { code?: string; sqlState?: string; constraint?: string; severity?: unknown };
  const fromDatabase = (driver.name.endsWith('Exception') && (driver.code || driver.sqlState)) || (typeof driver.severity === 'string' && typeof driver.code === 'string');
  if (fromDatabase) {
    return { error: driver.name, sqlState: driver.sqlState ?? driver.code, constraint: driver.constraint };
  }
  return { error: error.name, message: error.message, stack: error.stack };
}
