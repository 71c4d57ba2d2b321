import { Cursor, EntityManager, FilterQuery, Utils, type EntityName, type EntityProperty } from '@mikro-orm/core';
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';
import { isId } from './ids';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` })
  first?: number;

  @Field(() => String, { nullable: true, description: 'The endCursor of the previous page.' })
  after?: string;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

export interface Edge<T> {
  node: T;
  cursor: string;
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** A getter, so the count query runs only when a client asks for it. */
  readonly totalCount: Promise<number>;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field(() => nodeType)
    node!: T;

    @Field(() => String)
    cursor!: string;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges!: EdgeType[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int)
    totalCount!: number;
  }
  return ConnectionClass;
}

export function pageSize(first: number | undefined | null): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first', 'PAGE_SIZE');
  }
  return first;
}

/** Whether a decoded cursor value can be compared with the order key's column without a database error. */
function fitsKey(prop: EntityProperty | undefined, value: unknown): boolean {
  if (prop?.columnTypes?.[0] === 'uuid') return typeof value === 'string' && isId(value);
  if (prop?.runtimeType === 'number') return Number.isSafeInteger(value);
  if (prop?.runtimeType === 'string') return typeof value === 'string';
  return typeof value === 'string' || typeof value === 'number';
}

/**
 * Keeps garbage out of the keyset query: a cursor must decode to one scalar per order key, each of the key's
 * type (a crafted cursor with, say, a non-uuid id would otherwise reach SQL and fail as an internal error).
 */
function checkCursor(after: string | undefined | null, keys: (EntityProperty | undefined)[]): string | undefined {
  if (after === undefined || after === null) return undefined;
  let decoded: unknown;
  try {
    decoded = Cursor.decode(after);
  } catch {
    decoded = undefined;
  }
  const valid = Array.isArray(decoded) && decoded.length === keys.length && decoded.every((v, i) => fitsKey(keys[i], v));
  if (!valid) throw badInput('after is not a cursor of this list', 'after', 'BAD_CURSOR');
  return after;
}

export type Order<T> = Partial<Record<keyof T & string, 'asc' | 'desc'>>;

/**
 * Keyset pagination over an entity. The order must end with a unique key (id) so it is total and stable.
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T>,
  orderBy: Order<T>,
  page: PageArgs,
  populate: readonly string[] = [],
): Promise<Connection<T>> {
  const first = pageSize(page.first);
  const meta = em.getMetadata().find(Utils.className(entity));
  const after = checkCursor(page.after, Object.keys(orderBy).map((key) => meta?.properties[key as keyof T & string] as EntityProperty | undefined));
  const cursor = await em.findByCursor(entity, where, {
    first,
    after,
    orderBy: orderBy as never,
    includeCount: false,
    populate: populate as never,
  });
  const edges = cursor.items.map((node) => ({ node: node as T, cursor: cursor.from(node) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: cursor.hasNextPage,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return em.fork().count(entity, where);
    },
  };
}

/** An id keyset cursor (the same encoding as `paginate`'s for an order on id alone), or undefined for none. */
export function idCursor(after: string | undefined | null): number | undefined {
  if (after === undefined || after === null) return undefined;
  let decoded: unknown;
  try {
    decoded = Cursor.decode(after);
  } catch {
    decoded = undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 1 || !Number.isSafeInteger(decoded[0])) throw badInput('after is not a cursor of this list', 'after', 'BAD_CURSOR');
  return decoded[0] as number;
}

/** A connection over plain rows read `first + 1` at a time, ordered on a numeric id. */
export function rowsConnection<T extends { id: string }>(rows: T[], first: number, after: string | undefined | null, count: () => Promise<number>): Connection<T> {
  const edges = rows.slice(0, first).map((node) => ({ node, cursor: Cursor.encode([Number(node.id)]) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return count();
    },
  };
}
