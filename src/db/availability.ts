/** Socket errors of a database that is down, restarting or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that cannot serve now: the connection exceptions of class 08 (not 08P01, a protocol
 * violation, which the statement caused), 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now.
 */
const UNAVAILABLE_STATES = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03']);

/** pg and knex say so only in words when a connection dies mid-query or the pool cannot hand one out. */
const UNAVAILABLE_MESSAGES = [/^Connection terminated/, /^Knex: Timeout acquiring a connection/, /not queryable/];

/**
 * Whether an error means PostgreSQL could not be reached, rather than that it refused the statement: the
 * request or job may simply be tried again once it is back. MikroORM copies the driver error's code and
 * message onto its own exception; Apollo and others keep the cause in `originalError` or `cause`.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // Not `instanceof Error`: socket errors may come from another realm (Node's own, under jest's sandbox).
  for (let e = error as ErrorLike | undefined, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || UNAVAILABLE_STATES.has(e.code))) return true;
    const { message } = e;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    // graphql-js wraps a thrown non-Error (knex's pool rejects with the bare socket error) as NonErrorThrown.
    e = (e.originalError ?? e.cause ?? e.thrownValue) as ErrorLike | undefined;
  }
  return false;
}

type ErrorLike = { code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown; thrownValue?: unknown };
