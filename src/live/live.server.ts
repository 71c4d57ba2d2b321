import type { Server as HttpServer } from 'node:http';
import { GraphQLError, Kind, parse, specifiedRules, validate, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema, type ParseOptions, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Services } from '../app/services';
import { ErrorCode } from '../common/errors';
import { buildContext, type GqlContext } from '../graphql/context';
import { CLOSE_UNAUTHORIZED } from './live.feeds';

/** What the HTTP endpoint applies to every operation, applied to subscriptions too. */
export interface LiveServerOptions {
  schema: GraphQLSchema;
  validationRules: readonly ValidationRule[];
  parseOptions: ParseOptions;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  clientAddressOf: (req: import('node:http').IncomingMessage) => string;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** Per socket: the token it signed in with, and when that token expires. */
interface Connection {
  authorization?: string;
  expiry?: NodeJS.Timeout;
}

/**
 * GraphQL subscriptions (graphql-ws) on the HTTP server's own port: a WebSocket upgrade of any GraphQL path.
 * The client signs in with `connectionParams: { Authorization: "Bearer <token>" }`; without a valid token the
 * socket is closed with 4401 and the reason. A socket is closed with 4401 when its token expires, or as soon
 * as an event finds the account disabled. Only subscriptions travel here (queries and mutations go over
 * HTTP, with their request log and metrics); each is held to the same depth, alias, token and cost limits,
 * and its errors get the same codes. `dispose` closes every socket (1001) for a clean shutdown.
 */
export function attachLiveServer(httpServer: HttpServer, services: Services, options: LiveServerOptions): { dispose(): Promise<void> } {
  const wsServer = new WebSocketServer({ server: httpServer });
  const connections = new WeakMap<object, Connection>();
  const connectionOf = (extra: object) => {
    let c = connections.get(extra);
    if (!c) connections.set(extra, (c = {}));
    return c;
  };
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => options.formatError(e.toJSON(), e.originalError ?? e));
  const server = useServer(
    {
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const authorization = params.Authorization ?? params.authorization;
        const refuse = (reason: string) => {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, reason);
          return false;
        };
        if (typeof authorization !== 'string') return refuse('Sign in first: send connectionParams { Authorization: "Bearer <token>" }');
        const signedIn = await buildContext(services, authorization, options.clientAddressOf(ctx.extra.request));
        if (signedIn.authError) {
          if (signedIn.authError.code !== ErrorCode.UNAUTHENTICATED) throw signedIn.authError;
          return refuse(signedIn.authError.message);
        }
        if (!signedIn.viewer) return refuse('Sign in first');
        const connection = connectionOf(ctx.extra);
        connection.authorization = authorization;
        const expiresAt = await services.auth.tokenExpiry(authorization.replace(/^Bearer\s+/i, ''));
        // A timer longer than 2³¹ ms would fire at once; such a socket is checked again when it is due.
        const closeWhenExpired = () => {
          const left = expiresAt - Date.now();
          connection.expiry = left > 0 ? setTimeout(closeWhenExpired, Math.min(left, MAX_TIMER_MS)) : undefined;
          if (left <= 0) ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Token has expired; sign in again');
        };
        closeWhenExpired();
        return true;
      },
      onClose(ctx) {
        clearTimeout(connections.get(ctx.extra)?.expiry);
      },
      async onSubscribe(ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        let document;
        try {
          document = parse(payload.query, options.parseOptions);
        } catch (error) {
          const e = error instanceof GraphQLError ? error : new GraphQLError(String(error));
          return [new GraphQLError(e.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        const invalid = validate(options.schema, document, [...specifiedRules, ...options.validationRules]);
        if (invalid.length) return invalid.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }));
        const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!payload.operationName || d.name?.value === payload.operationName));
        if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations over HTTP', { extensions: { code: ErrorCode.BAD_REQUEST, reason: 'NOT_A_SUBSCRIPTION' } })];
        }
        const connection = connectionOf(ctx.extra);
        const contextValue: GqlContext = await buildContext(services, connection.authorization, options.clientAddressOf(ctx.extra.request));
        contextValue.socket = { authorization: connection.authorization!, close: (code, reason) => ctx.extra.socket.close(code, reason), feeds: services.live };
        return { schema: options.schema, document, variableValues: payload.variables, operationName: payload.operationName, contextValue };
      },
      onNext(_ctx, _id, _payload, _args, result) {
        return result.errors ? { ...result, errors: format(result.errors) } : undefined;
      },
      onError(_ctx, _id, _payload, errors) {
        return format(errors);
      },
    },
    wsServer,
  );
  return {
    async dispose() {
      await server.dispose();
    },
  };
}
