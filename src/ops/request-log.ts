import { performance } from 'node:perf_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin, GraphQLRequestListener } from '@apollo/server';
import type { Logger } from '../common/logger';
import { currentRequest, type RequestScope } from '../common/request-scope';
import type { GqlContext } from '../graphql/context';
import type { Metrics } from './metrics';

/** Tells the request's scope which operation it runs and who asks, and times the operation. */
export function observeOperations(metrics: Metrics): ApolloServerPlugin<GqlContext> {
  // One listener for every request: what is per request lives in its scope.
  const listener: GraphQLRequestListener<GqlContext> = {
    async didResolveOperation({ operationName, operation }) {
      const scope = currentRequest();
      if (!scope) return;
      scope.operation = operationName ?? undefined;
      scope.operationType = operation?.operation;
    },
    async willSendResponse({ contextValue }) {
      const scope = currentRequest();
      if (!scope || scope.graphqlStartedAt === undefined) return;
      scope.accountId = contextValue.viewer?.accountId;
      const labels = { operation: metrics.operationLabel(scope.operation), type: scope.operationType ?? 'unknown' };
      metrics.graphqlDuration.observe(labels, (performance.now() - scope.graphqlStartedAt) / 1000);
    },
  };
  return {
    async requestDidStart() {
      const scope = currentRequest();
      if (scope) scope.graphqlStartedAt = performance.now();
      return listener;
    },
  };
}

/**
 * The one line logged for an HTTP request, once its response is sent or abandoned, and its metrics. Only ids,
 * names and numbers: the path without its query string (a GET operation carries its variables there), never
 * a header or a variable. Probes and scrapes, which come every few seconds, are logged at debug.
 */
export function recordRequest(
  logger: Logger,
  metrics: Metrics,
  scope: RequestScope,
  route: string,
  req: IncomingMessage,
  res: ServerResponse,
  startedAt: number,
): void {
  const seconds = (performance.now() - startedAt) / 1000;
  const operation = route === 'graphql' ? metrics.operationLabel(scope.operation) : '';
  metrics.httpDuration.observe({ route, operation, status: String(res.statusCode) }, seconds);
  for (const code of scope.errorCodes) metrics.errors.inc({ code });
  const line = {
    method: req.method,
    path: (req.url ?? '/').split('?')[0],
    route,
    operation: scope.operation,
    status: res.statusCode,
    durationMs: Math.round(seconds * 1e6) / 1000,
    accountId: scope.accountId,
    errors: scope.errorCodes.length ? scope.errorCodes : undefined,
    aborted: res.writableFinished ? undefined : true,
  };
  if (route === 'healthz' || route === 'readyz' || route === 'metrics') logger.debug('request', line);
  else logger.info('request', line);
}
