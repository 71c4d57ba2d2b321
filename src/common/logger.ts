type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** JSON lines on stderr. Callers pass ids, never personal data (national ids, phones). */
export function createLogger(level: Level | 'silent', base: Record<string, unknown> = {}): Logger {
  const write = (lvl: Level) => (message: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...base, ...fields })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
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
