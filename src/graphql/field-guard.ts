import { defaultFieldResolver, type GraphQLFieldResolver, GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { Extensions } from 'type-graphql';
import { may, type Operation, type Target } from '../auth/authorization.policy';
import { forbidden } from '../common/errors';
import { type GqlContext, requireViewer } from './context';

/** A field (or every field of a type) resolves only when the viewer may do `op` on the object it belongs to. */
export interface FieldGuard {
  op: Operation;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  target: (root: any) => Target;
}

const KEY = 'guards';

export const Guard = <T extends object>(op: Operation, target: (root: T) => Target): FieldGuard => ({ op, target });

/**
 * On an object type: every field of it, wherever it is declared (its class, any resolver class, an interface it
 * implements). On a field: that field, after the type's. Otherwise FORBIDDEN at that field's path. The check
 * runs synchronously in front of the field's resolver (`enforceGuards`), not as type-graphql middleware, whose
 * chain turns every field it wraps into promises.
 */
export const Guarded = (...guards: FieldGuard[]) => Extensions({ [KEY]: guards });

const guardsOf = (extensions: Readonly<Record<string, unknown>> | null | undefined): FieldGuard[] => (extensions?.[KEY] as FieldGuard[] | undefined) ?? [];

/** Puts each guarded field's checks in front of its resolver, in place, once when the schema is built. */
export function enforceGuards(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    const typeGuards = guardsOf(type.extensions);
    for (const field of Object.values(type.getFields())) {
      const guards = [...typeGuards, ...guardsOf(field.extensions)];
      if (guards.length) field.resolve = guarded(guards, field.resolve ?? defaultFieldResolver);
    }
  }
  return schema;
}

function guarded(guards: FieldGuard[], resolve: GraphQLFieldResolver<unknown, GqlContext>): GraphQLFieldResolver<object, GqlContext> {
  return (root, args, ctx, info) => {
    for (const { op, target } of guards) if (!allowed(ctx, op, root, target)) throw forbidden(`You may not read this of the ${op.split('.')[0]}`);
    return resolve(root, args, ctx, info);
  };
}

/** Decisions are remembered per object and operation for the request, so a page of rows costs one each. */
export function allowed<T extends object>(ctx: GqlContext, op: Operation, root: T, target: (root: T) => Target): boolean {
  let decided = ctx.decisions.get(root);
  if (!decided) ctx.decisions.set(root, (decided = new Map()));
  let answer = decided.get(op);
  if (answer === undefined) {
    const t = target(root);
    // An object reached through a public edge (a nominee on public notice) shows only what PUBLIC allows.
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
