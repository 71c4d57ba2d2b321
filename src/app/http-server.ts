import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener, type HTTPGraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { createErrorFormatter, ErrorCode } from '../common/errors';
import { safeError } from '../common/logger';
import { inRequestScope, requestIdFrom, type RequestScope } from '../common/request-scope';
import { buildContext, GqlContext } from '../graphql/context';
import { queryLimits } from '../graphql/limits';
import { apiSchema } from '../graphql/schema';
import type { Metrics } from '../ops/metrics';
import type { OpsRoutes } from '../ops/ops.http';
import type { ExportRoutes } from '../audit/export.http';
import { observeOperations, recordRequest } from '../ops/request-log';
import type { Services } from './services';
import { attachLiveServer } from '../live/live.server';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

/** GraphQL operations are small; a larger body is refused before it is read into memory. */
const MAX_BODY_BYTES = 1024 * 1024;

/** A request refused before GraphQL sees it, answered in GraphQL's error shape with a stable code. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * GraphQL over HTTP on node:http, through Apollo's integration API. Apollo's standalone server does the same
 * through CORS and body-parser middleware, which cost about a tenth of the API's CPU on a decision; this
 * reads the body itself, answers CORS for any origin (tokens travel in a header, never in cookies), and
 * refuses malformed JSON, an unsupported charset, an oversized body or a batch of operations with a
 * GraphQL-shaped error. The operator's routes (health, readiness, metrics, queue dashboard) and the reviewers' CSV exports come first.
 * Every request gets an id (the client's X-Request-Id when it is a plain one), answered in `x-request-id`,
 * named in its GraphQL errors and its log lines, and one log line when it is done.
 */
export async function startHttpServer(
  services: Services,
  port: number,
  host: string,
  ops: { routes: OpsRoutes; metrics: Metrics },
  exports?: ExportRoutes,
): Promise<RunningServer> {
  const httpServer = createServer();
  // Production describes nothing of the schema: no introspection, no "Did you mean", no sandbox page.
  const production = services.config.NODE_ENV === 'production';
  const limits = queryLimits(services.config);
  const schema = await apiSchema(services);
  const formatError = createErrorFormatter(services.logger, { hideSuggestions: production });
  const live = attachLiveServer(httpServer, services, {
    schema,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    formatError,
    clientAddressOf: (req) => clientAddressOf(req, services.config.TRUST_PROXY),
  });
  const server = new ApolloServer<GqlContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !production,
    allowBatchedHttpRequests: false,
    // The process stops the server itself on SIGTERM (src/app/process.ts); Apollo's own handler would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: services.config.SHUTDOWN_GRACE_MS }),
      // Subscriptions end with the server: every socket is closed (1001) when it drains.
      { serverWillStart: async () => ({ drainServer: () => live.dispose() }) },
      retryLaterStatus,
      observeOperations(ops.metrics),
      ...limits.plugins,
      // No field has a cache hint and every answer is private to its viewer; Apollo's default cache-control
      // plugin would still wrap every field's resolver to compute one (a few percent of a page's CPU).
      ApolloServerPluginCacheControlDisabled(),
      ...(production ? [ApolloServerPluginLandingPageDisabled()] : []),
    ],
  });
  await server.start();

  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now();
    const scope: RequestScope = { requestId: requestIdFrom(req.headers['x-request-id']), errorCodes: [] };
    res.setHeader('x-request-id', scope.requestId);
    const route = ops.routes.match(req) ?? (exports?.match(req) ? 'export' : undefined);
    // Once the response is handed over (before the client has read it, so its next request sees the count), or abandoned.
    let recorded = false;
    const record = () => {
      if (!recorded) recordRequest(services.logger, ops.metrics, scope, route ?? 'graphql', req, res, startedAt);
      recorded = true;
    };
    res.once('finish', record).once('close', record);
    const serve = () => (route === 'export' ? exports!.serve(req, res) : route ? ops.routes.serve(route, req, res) : handle(server, services, req, res));
    inRequestScope(scope, serve).catch((error) => {
      if (error instanceof HttpError) return refuse(res, scope, error);
      services.logger.error('http request failed', safeError(error));
      if (res.headersSent) res.destroy();
      else refuse(res, scope, new HttpError(500, 'INTERNAL', 'Internal server error'), ErrorCode.INTERNAL_SERVER_ERROR);
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const { port: actual } = httpServer.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${shown}:${actual}/`, stop: () => server.stop() };
}

async function handle(server: ApolloServer<GqlContext>, services: Services, req: IncomingMessage, res: ServerResponse) {
  res.setHeader('access-control-allow-origin', '*');
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-methods': 'GET,POST,OPTIONS',
      'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type,authorization',
      'access-control-max-age': '600',
    });
    res.end();
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const query = req.url?.indexOf('?') ?? -1;
  const request: HTTPGraphQLRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    headers,
    search: query >= 0 ? req.url!.slice(query) : '',
    body: await readJsonBody(req),
  };
  if (Array.isArray(request.body)) {
    throw new HttpError(400, 'BATCH_NOT_ALLOWED', 'Batched operations are not accepted; send one operation per request');
  }
  const response = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: request,
    context: () => buildContext(services, req.headers.authorization, clientAddressOf(req, services.config.TRUST_PROXY)),
  });
  for (const [key, value] of response.headers) res.setHeader(key, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * The socket's peer, or behind a trusted proxy the last X-Forwarded-For entry: the one that proxy appended
 * (earlier entries are whatever the client sent). IPv4-mapped IPv6 is shown as plain IPv4.
 */
function clientAddressOf(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? req.headersDistinct['x-forwarded-for']?.at(-1)?.split(',').at(-1)?.trim() : undefined;
  const address = (forwarded && isIP(forwarded) ? forwarded : req.socket.remoteAddress) ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** HTTP statuses of the errors that tell a client to come back later. */
const RETRY_LATER_STATUS: Partial<Record<string, number>> = { [ErrorCode.TOO_MANY_REQUESTS]: 429, [ErrorCode.SERVICE_UNAVAILABLE]: 503 };

/** One listener for every request (nothing allocated per request): a throttled operation is answered 429, an outage 503. */
const retryLaterResponse: GraphQLRequestListener<GqlContext> = {
  async willSendResponse({ response }) {
    if (response.body.kind !== 'single') return;
    const retryLater = response.body.singleResult.errors?.find((e) => RETRY_LATER_STATUS[String(e.extensions?.code)]);
    if (!retryLater) return;
    response.http.status = RETRY_LATER_STATUS[String(retryLater.extensions!.code)];
    response.http.headers.set('retry-after', String(retryLater.extensions!.retryAfterSeconds));
  },
};
const retryLaterStatus: ApolloServerPlugin<GqlContext> = { requestDidStart: async () => retryLaterResponse };

/** The parsed body of a JSON request; undefined for any other content type, which Apollo then refuses itself. */
async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  const [mediaType, ...params] = type.split(';').map((part) => part.trim().toLowerCase());
  const isJson = mediaType === 'application/json' || mediaType.endsWith('+json');
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  if (!isJson || size === 0) return undefined;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError(415, 'UNSUPPORTED_CHARSET', `Unsupported charset ${charset}; send UTF-8`);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new HttpError(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  }
}

const tooLarge = () => new HttpError(413, 'BODY_TOO_LARGE', `The request body is larger than ${MAX_BODY_BYTES} bytes`);

function refuse(res: ServerResponse, scope: RequestScope, error: HttpError, code: string = ErrorCode.BAD_REQUEST): void {
  scope.errorCodes.push(code);
  res.writeHead(error.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [{ message: error.message, extensions: { code, reason: error.reason, requestId: scope.requestId } }] }));
}
