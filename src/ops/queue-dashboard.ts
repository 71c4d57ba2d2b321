import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { AuthService } from '../auth/auth.service';
import { Role } from '../auth/role';
import { TokenSigner } from '../auth/token';
import { Viewer } from '../auth/viewer';
import { AppError } from '../common/errors';
import type { Orm } from '../db/orm';
import type { WorkflowQueue } from '../workflow/queue';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'gh_queues';
/** The browser session the login link opens: short, since it is a bearer of an administrator's rights. */
const SESSION_SECONDS = 15 * 60;

/**
 * bull-board for the workflow queue, in Chinese, for administrators only. A script sends its token in the
 * Authorization header; a browser opens `/admin/queues/login?token=…` once, which sets a 15-minute cookie
 * (HttpOnly, SameSite=Strict, scoped to the dashboard) signed with a key of its own, so it is no API token.
 */
export function queueDashboard(options: { queue: WorkflowQueue; orm: Orm; auth: AuthService; jwtSecret: string; secureCookie: boolean }) {
  const adapter = new ExpressAdapter().setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: [new BullMQAdapter(options.queue)],
    serverAdapter: adapter,
    options: {
      uiBasePath: path.dirname(require.resolve('@bull-board/ui/package.json')),
      uiConfig: { boardTitle: '工会 · 任务队列', locale: { lng: 'zh-CN' } },
    },
  });
  const board = adapter.getRouter() as (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
  const sessions = new TokenSigner(createHmac('sha256', options.jwtSecret).update('queue-dashboard-session').digest('base64url'), SESSION_SECONDS);

  /** The administrator asking, or the status and reason to refuse them with. */
  async function admin(req: IncomingMessage, loginToken: string | null): Promise<Viewer | { status: number; reason: string }> {
    const em = options.orm.em.fork() as EntityManager;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? loginToken;
    const session = cookieOf(req, COOKIE);
    try {
      let viewer: Viewer;
      if (bearer) viewer = await options.auth.viewerFromToken(() => em, bearer);
      else if (session) viewer = await options.auth.viewerFor(em, await sessions.verify(session));
      else return { status: 401, reason: 'Sign in: send "Authorization: Bearer <token>" or open /admin/queues/login?token=<token>' };
      // The queue spans every organisation, so ADMIN held anywhere is what it takes (and all it takes).
      return viewer.grants.some((g) => g.role === Role.ADMIN) ? viewer : { status: 403, reason: 'The queue dashboard is for administrators' };
    } catch (error) {
      if (error instanceof AppError) return { status: 401, reason: error.message };
      throw error;
    }
  }

  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const login = url.pathname === `${DASHBOARD_PATH}/login`;
    const viewer = await admin(req, login ? url.searchParams.get('token') : null);
    if (!(viewer instanceof Viewer)) {
      res.writeHead(viewer.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ error: viewer.reason }));
      return;
    }
    if (login) {
      const { token } = await sessions.sign(viewer.accountId);
      const cookie = `${COOKIE}=${token}; Path=${DASHBOARD_PATH}; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict${options.secureCookie ? '; Secure' : ''}`;
      // The token is in this URL: the redirect takes it out of the address bar and the history.
      res.writeHead(303, { location: `${DASHBOARD_PATH}/`, 'set-cookie': cookie, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
      res.end();
      return;
    }
    // The board's routes are relative to where it is mounted, as Express would strip the mount path.
    req.url = req.url!.slice(DASHBOARD_PATH.length) || '/';
    await new Promise<void>((resolve, reject) => {
      res.once('finish', resolve);
      res.once('close', resolve);
      board(req, res, (error) => {
        if (error) return reject(error);
        res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'Not found' }));
      });
    });
  };
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}
