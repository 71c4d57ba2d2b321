import type { MiddlewareFn } from 'type-graphql';
import { may, type Operation, type Target } from '../auth/authorization.policy';
import { forbidden } from '../common/errors';
import { type GqlContext, requireViewer } from './context';

/**
 * A field that resolves only when the viewer may do `op` on the object it belongs to; otherwise FORBIDDEN at
 * that field's path. The object's relation comes from where it sits (its path) and, for objects reached through
 * a public edge (a nominee on public notice), from that edge: such an object shows only what PUBLIC allows.
 * Decisions are remembered per object and operation for the request, so a page of rows costs one each.
 */
export function Guard<T extends object>(op: Operation, target: (root: T) => Target): MiddlewareFn<GqlContext> {
  return ({ root, context }, next) => {
    if (!allowed(context, op, root as T, target)) throw forbidden(`You may not read this of the ${op.split('.')[0]}`);
    return next();
  };
}

export function allowed<T extends object>(ctx: GqlContext, op: Operation, root: T, target: (root: T) => Target): boolean {
  let decided = ctx.decisions.get(root);
  if (!decided) ctx.decisions.set(root, (decided = new Map()));
  let answer = decided.get(op);
  if (answer === undefined) {
    const t = target(root);
    answer = may(requireViewer(ctx), op, ctx.reachedPublicly.has(root) ? { ...t, public: true } : t);
    decided.set(op, answer);
  }
  return answer;
}

/** Marks `child` as reached through a public edge of `parent` when the viewer sees `parent` only publicly. */
export function throughPublicEdge<T extends object | null | undefined>(ctx: GqlContext, parentIsPublicOnly: boolean, child: T): T {
  if (child && parentIsPublicOnly) ctx.reachedPublicly.add(child);
  return child;
}
