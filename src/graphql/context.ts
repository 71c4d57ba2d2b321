import { createParameterDecorator } from 'type-graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Services } from '../app/services';
import type { Viewer } from '../auth/viewer';
import { AppError, databaseUnavailable, unauthenticated } from '../common/errors';
import { isDatabaseUnavailable } from '../db/availability';
import type { LiveFeeds } from '../live/live.feeds';
import { Loaders } from './loaders';

/** A request's context: its ORM state, loaders and viewer. Resolvers get their services in their constructors. */
export interface GqlContext {
  /** This request's own fork, for the ORM (writes): its identity map never leaks into another request. Made on first use. */
  readonly em: EntityManager;
  /**
   * For plain-row reads through the repositories (runSql): the ORM's root EntityManager, which such reads need no
   * fork of (they touch no identity map); inside a transaction they still run on its connection.
   */
  readonly sql: EntityManager;
  loaders: Loaders;
  viewer: Viewer | null;
  /** Objects reached through a public edge (what a public notice names): they show only their public face. */
  reachedPublicly: WeakSet<object>;
  /** Authorization decisions already taken in this request, by object and operation. */
  decisions: WeakMap<object, Map<string, boolean>>;
  /** The client's IP address, for login throttling. */
  clientAddress: string;
  /** Why the bearer token was refused; raised only when an operation needs a viewer. */
  authError?: AppError;
  /** For a subscription: the token its WebSocket signed in with, how to close that socket, and the live feeds. */
  socket?: LiveSocket;
  /** Gives a long-lived context (a subscription's) the ORM state of a new request: its own fork, made on first use, and new loaders. */
  renew(): void;
}

/** The WebSocket a subscription runs on (src/live/live.server.ts). */
export interface LiveSocket {
  authorization: string;
  close(code: number, reason: string): void;
  feeds: LiveFeeds;
}

export function requireViewer(ctx: GqlContext): Viewer {
  if (ctx.authError) throw ctx.authError;
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

/**
 * The context as a class: Apollo copies the context's own enumerable properties into a new object for every
 * operation, which would call an own getter and fork the ORM for every request; a getter on the prototype is
 * inherited by the copy instead, and the fork is shared between the two through `orm`.
 */
class RequestContext implements GqlContext {
  loaders: Loaders;
  viewer: Viewer | null = null;
  reachedPublicly = new WeakSet<object>();
  decisions = new WeakMap<object, Map<string, boolean>>();
  authError?: AppError;
  socket?: LiveSocket;
  /** This request's fork, once made: an object of its own, so that Apollo's copy of the context shares it. */
  private readonly orm: { fork?: EntityManager } = {};

  constructor(
    readonly sql: EntityManager,
    readonly clientAddress: string,
    private readonly newLoaders: (em: () => EntityManager) => Loaders,
  ) {
    this.loaders = newLoaders(() => this.forked());
  }

  // Most reads never touch the ORM: a fork costs tens of microseconds, so it is made only when asked for.
  get em(): EntityManager {
    return this.forked();
  }

  renew(): void {
    this.orm.fork = undefined;
    this.loaders = this.newLoaders(() => this.forked());
  }

  private forked(): EntityManager {
    return (this.orm.fork ??= this.sql.fork() as EntityManager);
  }
}

export async function buildContext(services: Services, authorization: string | undefined, clientAddress: string): Promise<GqlContext> {
  const sql = services.orm.em as EntityManager;
  const ctx = new RequestContext(sql, clientAddress, (em) => new Loaders(sql, em, services));
  if (!authorization) return ctx;
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) {
    ctx.authError = unauthenticated('Authorization header must be "Bearer <token>"');
    return ctx;
  }
  try {
    ctx.viewer = await services.auth.viewerFromToken(() => ctx.em, match[1]);
  } catch (error) {
    // Raised by the operation rather than here: a failed context would be answered 500 before any plugin runs.
    if (isDatabaseUnavailable(error)) ctx.authError = databaseUnavailable();
    else if (error instanceof AppError) ctx.authError = error;
    else throw error;
  }
  return ctx;
}

/**
 * The signed-in viewer as a resolver parameter: `@CurrentViewer() viewer: Viewer`. UNAUTHENTICATED (or the
 * reason the token was refused) before the resolver runs when there is none.
 */
export function CurrentViewer() {
  return createParameterDecorator<GqlContext>(({ context }) => requireViewer(context));
}

/**
 * The object a field belongs to, exactly as its parent's resolver returned it (a plain row, mostly). Unlike
 * type-graphql's `@Root()`, which copies the object into a new instance of the parameter's class for every
 * field it resolves (an entity class runs the ORM's property setters), it is never converted.
 */
export function Parent() {
  return createParameterDecorator<GqlContext>(({ root }) => root);
}
