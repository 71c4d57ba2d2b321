import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveResult<T = any> {
  data?: T;
  errors?: { message: string; path?: string[]; extensions?: { code?: string; [k: string]: unknown } }[];
}

/** One subscription's results in arrival order; `next` waits for the next one (or fails after `timeoutMs`). */
export interface LiveStream<T = any> {
  next(timeoutMs?: number): Promise<LiveResult<T>>;
  /** Results received and not yet taken. */
  readonly waiting: number;
  /** Set once the server completed the subscription. */
  readonly completed: boolean;
  stop(): void;
}

/** A graphql-ws connection to the API, signed in with `token` (none: to see it refused). */
export interface LiveConnection {
  subscribe<T = any>(query: string, variables?: Record<string, unknown>): LiveStream<T>;
  /** The close event's code and reason, once the socket is closed. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** Connects to the GraphQL URL (http → ws) as a front-end would, passing the token in connectionParams. */
export function connectLive(httpUrl: string, token?: string): LiveConnection {
  let onClosed!: (e: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
    lazy: false,
    retryAttempts: 0,
    // Close codes are what the tests look at; graphql-ws would otherwise throw them as "fatal" errors.
    shouldRetry: () => false,
    onNonLazyError: () => undefined,
    on: { closed: (event) => onClosed({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
  });
  return {
    closed,
    subscribe<T>(query: string, variables: Record<string, unknown> = {}): LiveStream<T> {
      const results: LiveResult<T>[] = [];
      let wake: (() => void) | undefined;
      let completed = false;
      const stop = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            results.push(result as LiveResult<T>);
            wake?.();
          },
          error: (error) => {
            results.push({ errors: Array.isArray(error) ? error : [{ message: String((error as Error)?.message ?? (error as { reason?: string })?.reason ?? error) }] });
            completed = true;
            wake?.();
          },
          complete: () => {
            completed = true;
            wake?.();
          },
        },
      );
      return {
        get waiting() {
          return results.length;
        },
        get completed() {
          return completed;
        },
        stop,
        async next(timeoutMs = 15000) {
          const deadline = Date.now() + timeoutMs;
          while (!results.length) {
            if (completed) throw new Error('subscription completed');
            const left = deadline - Date.now();
            if (left <= 0) throw new Error(`no subscription result within ${timeoutMs} ms`);
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, left);
            });
          }
          return results.shift()!;
        },
      };
    },
    close: () => client.dispose() as Promise<void>,
  };
}
