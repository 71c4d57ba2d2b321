import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What one HTTP request has told about itself so far, for its log line and its metrics. */
export interface RequestScope {
  requestId: string;
  /** The GraphQL operation's name as Apollo resolved it; absent outside GraphQL or for an anonymous one. */
  operation?: string;
  /** GraphQL's `query` or `mutation`, and when Apollo started on it (performance.now()). */
  operationType?: string;
  graphqlStartedAt?: number;
  accountId?: string;
  /** The `extensions.code` of every error answered. */
  errorCodes: string[];
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `scope` as the current request: every log line and GraphQL error inside it names the request. */
export const inRequestScope = <T>(scope: RequestScope, fn: () => T): T => storage.run(scope, fn);

export const currentRequest = (): RequestScope | undefined => storage.getStore();

/** A client's (or proxy's) id is kept when it is short and plain, so it can be followed across services; else a new one. */
export function requestIdFrom(incoming: string | string[] | undefined): string {
  const id = Array.isArray(incoming) ? incoming[0] : incoming;
  return id && /^[A-Za-z0-9._:-]{8,128}$/.test(id) ? id : randomUUID();
}
