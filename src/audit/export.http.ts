import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Services } from '../app/services';
import { AppError, databaseUnavailable, ErrorCode, unauthenticated } from '../common/errors';
import { safeError } from '../common/logger';
import { currentRequest } from '../common/request-scope';
import { isDatabaseUnavailable } from '../db/availability';
import { CSV_CAST, type CsvExport, type ExportService } from './export.service';

const EXPORTS: Record<string, keyof ExportService> = {
  '/export/approval-history.csv': 'approvalHistory',
  '/export/fund-ledger.csv': 'fundLedger',
};

/** The HTTP status of each error code an export answers with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.TOO_MANY_REQUESTS]: 429,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

export interface ExportRoutes {
  match(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * `GET /export/approval-history.csv?<filters>` and `GET /export/fund-ledger.csv?fundId=…`, outside GraphQL: the
 * token in the Authorization header, errors as JSON in GraphQL's error shape with a stable code and the HTTP
 * status for it, decided before the first byte; then CSV (UTF-8 with a BOM so Excel opens it as such, zh-CN
 * headings, formula injection escaped) streamed as it is read.
 */
export function exportRoutes(services: Services, exports: ExportService): ExportRoutes {
  return {
    match: (req) => Object.hasOwn(EXPORTS, (req.url ?? '/').split('?')[0]),
    async serve(req, res) {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const em = services.orm.em.fork() as EntityManager;
      let csv: CsvExport;
      try {
        if (req.method !== 'GET') throw new AppError(ErrorCode.BAD_USER_INPUT, 'Exports are read with GET', { reason: 'METHOD_NOT_ALLOWED' });
        const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
        if (!match) throw unauthenticated('Send the token as "Authorization: Bearer <token>"');
        const viewer = await services.auth.viewerFromToken(() => em, match[1]);
        csv = await exports[EXPORTS[url.pathname]](em, viewer, url.searchParams);
      } catch (error) {
        return refuse(services, res, isDatabaseUnavailable(error) ? databaseUnavailable() : error);
      }
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${csv.filename}"`,
        'cache-control': 'no-store',
      });
      try {
        await pipeline(Readable.from(csv.records), stringify({ bom: true, header: true, columns: csv.columns, escape_formulas: true, cast: CSV_CAST }), res);
      } catch (error) {
        // Past the headers there is no status to answer with: the cut-off response is the client's sign.
        services.logger.error('export failed while streaming', safeError(error));
        res.destroy();
      }
    },
  };
}

function refuse(services: Services, res: ServerResponse, error: unknown): void {
  const known = error instanceof AppError ? error : undefined;
  if (!known) services.logger.error('export failed', safeError(error));
  const code = known?.code ?? ErrorCode.INTERNAL_SERVER_ERROR;
  const scope = currentRequest();
  scope?.errorCodes.push(code);
  res.writeHead(STATUS[code] ?? 500, {
    'content-type': 'application/json; charset=utf-8',
    ...(known?.details.retryAfterSeconds ? { 'retry-after': String(known.details.retryAfterSeconds) } : {}),
  });
  const extensions = { code, ...(known ? { reason: known.details.reason, field: known.details.field } : {}), requestId: scope?.requestId };
  res.end(JSON.stringify({ errors: [{ message: known?.message ?? 'Internal server error', extensions }] }));
}
