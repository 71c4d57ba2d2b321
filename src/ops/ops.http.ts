import { timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeError, type Logger } from '../common/logger';
import type { AppConfig } from '../config/env';
import type { Metrics } from './metrics';
import { DASHBOARD_PATH } from './queue-dashboard';
import type { Readiness } from './readiness';

export type OpsRoute = 'healthz' | 'readyz' | 'metrics' | 'admin';

export interface OpsRoutes {
  /** The operator's route `req` asks for, if it is one; the GraphQL server answers everything else. */
  match(req: IncomingMessage): OpsRoute | undefined;
  serve(route: OpsRoute, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Where /metrics is served: on its own port, or on the API's, or (production without a guard) nowhere. */
export function metricsPlacement(config: Pick<AppConfig, 'NODE_ENV' | 'METRICS_PORT' | 'METRICS_TOKEN'>): 'own-port' | 'api-port' | 'none' {
  if (config.METRICS_PORT !== undefined) return 'own-port';
  return config.NODE_ENV === 'production' && !config.METRICS_TOKEN ? 'none' : 'api-port';
}

/**
 * /healthz (the process is alive), /readyz (its dependencies answer), /metrics (Prometheus; a bearer token
 * when METRICS_TOKEN is set) and, when given, the queue dashboard: outside GraphQL, answering no data.
 */
export function opsRoutes(options: {
  metrics: Metrics;
  readiness: Readiness;
  serveMetrics: boolean;
  metricsToken?: string;
  dashboard?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}): OpsRoutes {
  const expected = options.metricsToken && digest(`Bearer ${options.metricsToken}`);
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return {
    match(req) {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') return 'healthz';
      if (path === '/readyz') return 'readyz';
      if (path === '/metrics' && options.serveMetrics) return 'metrics';
      if (options.dashboard && (path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`))) return 'admin';
      return undefined;
    },
    async serve(route, req, res) {
      if (route === 'admin') return options.dashboard!(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      if (route === 'healthz') return json(res, 200, { status: 'ok' });
      if (route === 'readyz') {
        const { ready, failing } = await options.readiness.check();
        return json(res, ready ? 200 : 503, ready ? { status: 'ok' } : { status: 'unavailable', failing });
      }
      // Hashes of equal length, so the comparison takes the same time whatever was sent.
      if (expected && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType });
      res.end(await options.metrics.registry.metrics());
    },
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The operator's routes on a port of their own (METRICS_PORT): kept off the public listener, and the only
 * HTTP a worker-only process serves.
 */
export async function startOpsServer(
  routes: OpsRoutes,
  port: number,
  host: string,
  logger: Logger,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const route = routes.match(req);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    routes.serve(route, req, res).catch((error) => {
      logger.error('ops request failed', safeError(error));
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}/`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
