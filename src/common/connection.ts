import { Cursor, EntityManager, FilterQuery, Utils, type EntityName, type EntityProperty } from '@mikro-orm/core';
import { ArgsType, ClassType, Field, Int, ObjectType } from 'type-graphql';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';
import { type Conditions, runSql } from '../db/sql';
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

  @Field(() => Int, { nullable: true, description: `Paging backward: page size, 1 to ${MAX_PAGE_SIZE}; the page ends just before \`before\`, or at the end of the list without it. Not with first or after.` })
  last?: number;

  @Field(() => String, { nullable: true, description: 'Paging backward: the startCursor of the page after. Not with first or after.' })
  before?: string;
}

/** A page as asked for: its size, the cursor it continues from (after, or before when paging backward), and which way. */
export interface PageRequest {
  size: number;
  cursor?: string;
  backward: boolean;
}

/**
 * Forward (first, after) or backward (last, before), never both at once: a mix is BAD_USER_INPUT
 * PAGE_ARGS_CONFLICT. `last` without `before` is the end of the list.
 */
export function pageRequest(page: PageArgs): PageRequest {
  const forward = page.first != null || page.after != null;
  const backward = page.last != null || page.before != null;
  if (forward && backward) {
    throw badInput('Page forward (first, after) or backward (last, before), not both', page.last != null ? 'last' : 'before', 'PAGE_ARGS_CONFLICT');
  }
  if (backward) return { size: pageSize(page.last, 'last'), cursor: page.before ?? undefined, backward: true };
  return { size: pageSize(page.first), cursor: page.after ?? undefined, backward: false };
}

@ObjectType({ description: '分页信息 — where a page sits in its list (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether more rows follow this page: ask again with after: endCursor.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether rows come before this page: ask again with last and before: startCursor.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first row of the page; null for an empty page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The cursor of the last row of the page: pass it as after for the next page; null for an empty page.' })
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
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class EdgeType {
    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;

    @Field(() => String, { description: 'Where this row sits in the list: pass it as after to continue after it, or as before to page back from it.' })
    cursor!: string;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} objects, keyset-paged: forward with first and after, backward with last and before.` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The objects of this page, in order.' })
    edges!: EdgeType[];

    @Field(() => PageInfo, { description: 'Where this page is in the list.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many match, over all pages (counted only when asked for).' })
    totalCount!: number;
  }
  return ConnectionClass;
}

export function pageSize(first: number | undefined | null, field: 'first' | 'last' = 'first'): number {
  if (first === undefined || first === null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`${field} must be between 1 and ${MAX_PAGE_SIZE}`, field, 'PAGE_SIZE');
  }
  return first;
}

/** What an order key holds, as far as a cursor must match it. */
export type KeyKind = 'uuid' | 'number' | 'string' | 'date';

function kindOf(prop: EntityProperty | undefined): KeyKind | undefined {
  if (prop?.columnTypes?.[0] === 'uuid') return 'uuid';
  if (prop?.runtimeType === 'number') return 'number';
  if (prop?.runtimeType === 'string') return 'string';
  if (prop?.runtimeType === 'Date') return 'date';
  return undefined;
}

/** Whether a decoded cursor value can be compared with the order key's column without a database error. */
function fitsKey(kind: KeyKind | undefined, value: unknown): boolean {
  if (kind === 'uuid') return typeof value === 'string' && isId(value);
  if (kind === 'number') return Number.isSafeInteger(value);
  if (kind === 'string') return typeof value === 'string';
  // MikroORM's cursors revive instants as Dates.
  if (kind === 'date') return value instanceof Date && !Number.isNaN(value.getTime());
  return typeof value === 'string' || typeof value === 'number';
}

/**
 * Keeps garbage out of the keyset query: a cursor must decode to one scalar per order key, each of the key's
 * type (a crafted cursor with, say, a non-uuid id would otherwise reach SQL and fail as an internal error).
 */
function decodeCursor(after: string, keys: readonly (KeyKind | undefined)[], field: 'after' | 'before' = 'after'): unknown[] {
  let decoded: unknown;
  try {
    decoded = Cursor.decode(after);
  } catch {
    decoded = undefined;
  }
  const valid = Array.isArray(decoded) && decoded.length === keys.length && decoded.every((v, i) => fitsKey(keys[i], v));
  if (!valid) throw badInput(`${field} is not a cursor of this list`, field, 'BAD_CURSOR');
  return decoded as unknown[];
}

/** A page of plain rows as a repository asks for it: how many, the order key values to continue from, and which way. */
export interface KeysetPage {
  size: number;
  cursor?: unknown[];
  backward: boolean;
}

/** The page asked for, its cursor decoded, over a list ordered by keys of these kinds. */
export function keysetPage(page: PageArgs, keys: readonly (KeyKind | undefined)[]): KeysetPage {
  const req = pageRequest(page);
  return { size: req.size, backward: req.backward, cursor: req.cursor === undefined ? undefined : decodeCursor(req.cursor, keys, req.backward ? 'before' : 'after') };
}

/** The kinds of a newest-first list's order key (`created_at, id`), for `keysetPage`: its cursors hold [Date, uuid]. */
export const NEWEST_FIRST_KEYS: readonly KeyKind[] = ['date', 'uuid'];

/** The order of a list newest first on the table `alias` (`created_at, id` descending), for `rowPage`. */
export const newestFirst = <T extends { id: string; createdAt: Date }>(alias: string) => ({
  orderBy: [{ column: `${alias}.created_at`, cast: '::timestamptz' }, { column: `${alias}.id`, cast: '::uuid' }],
  descending: true,
  keyOf: (row: T): unknown[] => [row.createdAt, row.id],
});

/** A list statement of a repository: what to select from which tables, filtered how, in which order. */
export interface RowQuery<T> {
  select: string;
  /** Tables and joins; the count reads only `countFrom` (default `from`) when the joins add no filter. */
  from: string;
  countFrom?: string;
  where: Conditions;
  /** The order key's columns, each with its cast for the bound cursor value (e.g. `::uuid`), unique as a whole. */
  orderBy: readonly { column: string; cast?: string }[];
  descending?: boolean;
  /** The order key's values of a row, as its cursor holds them. */
  keyOf: (row: T) => unknown[];
  /** Shapes a row as read (e.g. nests joined columns); rows are returned as read when absent. */
  shape?: (row: Record<string, unknown>) => T;
}

/**
 * One keyset page of plain rows in one statement (`limit size + 1`: the extra row tells whether another page
 * exists that way), and its total count as a second statement only when the client asks for it. Backward, the
 * rows are read in the reverse order from the cursor and handed back in the list's order.
 */
export async function rowPage<T>(em: SqlEntityManager, q: RowQuery<T>, page: KeysetPage): Promise<Connection<T>> {
  const columns = q.orderBy.map((k) => k.column).join(', ');
  // Reading backward is reading the reversed order forward.
  const descending = Boolean(q.descending) !== page.backward;
  const where = page.cursor
    ? q.where.with(`(${columns}) ${descending ? '<' : '>'} (${q.orderBy.map((k) => `?${k.cast ?? ''}`).join(', ')})`, ...page.cursor)
    : q.where;
  const direction = descending ? ' desc' : '';
  const { rows } = await runSql<Record<string, unknown>>(
    em,
    `select ${q.select} from ${q.from} ${where.sql} order by ${q.orderBy.map((k) => `${k.column}${direction}`).join(', ')} limit ?`,
    [...where.params, page.size + 1],
  );
  const shaped = q.shape ? rows.map(q.shape) : (rows as T[]);
  return rowConnection(shaped, page, q.keyOf, async () => {
    const { rows: [row] } = await runSql<{ n: number }>(em, `select count(*)::int as n from ${q.countFrom ?? q.from} ${q.where.sql}`, q.where.params);
    return row!.n;
  });
}

/** An edge whose cursor is encoded only when a client selects it. */
class RowEdge<T> implements Edge<T> {
  constructor(
    readonly node: T,
    private readonly keyOf: (row: T) => unknown[],
  ) {}

  get cursor(): string {
    return Cursor.encode(this.keyOf(this.node));
  }
}

/** The connection over rows read with `limit size + 1`; cursors are the order key's values, encoded as the entity lists encode theirs. */
function rowConnection<T>(rows: T[], page: KeysetPage, keyOf: (row: T) => unknown[], count: () => Promise<number>): Connection<T> {
  return {
    ...pageOfRows(rows, { size: page.size, backward: page.backward, fromCursor: page.cursor !== undefined }, (node) => new RowEdge(node, keyOf)),
    get totalCount() {
      return count();
    },
  };
}

/**
 * Edges and page info over rows read with `limit size + 1` in the direction of paging (backward: from the cursor
 * towards the start, so they are put back in order): the extra row only says that another page exists that way;
 * the other way, there is one when the page starts from a cursor.
 */
export function pageOfRows<T>(
  rows: T[],
  page: { size: number; backward: boolean; fromCursor: boolean },
  edgeOf: (node: T) => Edge<T>,
): Pick<Connection<T>, 'edges' | 'pageInfo'> {
  const read = rows.slice(0, page.size);
  const edges = (page.backward ? read.reverse() : read).map(edgeOf);
  const more = rows.length > page.size;
  return {
    edges,
    pageInfo: {
      hasNextPage: page.backward ? page.fromCursor : more,
      hasPreviousPage: page.backward ? more : page.fromCursor,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

export type Order<T> = Partial<Record<keyof T & string, 'asc' | 'desc'>>;

/**
 * Keyset pagination over an entity. The order must end with a unique key (id) so it is total and stable.
 * `where` is a function where it holds raw() fragments: MikroORM uses each fragment once, and the count reads it again.
 */
export async function paginate<T extends object>(
  em: EntityManager,
  entity: EntityName<T>,
  where: FilterQuery<T> | (() => FilterQuery<T>),
  orderBy: Order<T>,
  page: PageArgs,
  populate: readonly string[] = [],
): Promise<Connection<T>> {
  const meta = em.getMetadata().find(Utils.className(entity));
  const req = keysetPage(page, Object.keys(orderBy).map((key) => kindOf(meta?.properties[key as keyof T & string] as EntityProperty | undefined)));
  // The cursor is checked above; MikroORM reads it (and pages backward) itself.
  const at = page.before ?? page.after ?? undefined;
  const filter = typeof where === 'function' ? (where as () => FilterQuery<T>) : () => where;
  const cursor = await em.findByCursor(entity, filter(), {
    ...(req.backward ? { last: req.size, before: at } : { first: req.size, after: at }),
    orderBy: orderBy as never,
    includeCount: false,
    populate: populate as never,
  });
  const edges = cursor.items.map((node) => ({ node: node as T, cursor: cursor.from(node) }));
  return {
    edges,
    pageInfo: {
      hasNextPage: cursor.hasNextPage,
      hasPreviousPage: cursor.hasPrevPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    get totalCount() {
      return em.fork().count(entity, filter());
    },
  };
}

/** A page of a list ordered on a numeric id alone (the same cursor encoding as `paginate`'s for that order). */
export function idPage(page: PageArgs): { size: number; backward: boolean; id?: number } {
  const req = keysetPage(page, ['number']);
  return { size: req.size, backward: req.backward, id: req.cursor?.[0] as number | undefined };
}

/** A connection over plain rows read `size + 1` at a time in the direction of paging, ordered on a numeric id. */
export function rowsConnection<T extends { id: string }>(rows: T[], page: { size: number; backward: boolean; id?: number }, count: () => Promise<number>): Connection<T> {
  return {
    ...pageOfRows(rows, { size: page.size, backward: page.backward, fromCursor: page.id !== undefined }, (node) => ({ node, cursor: Cursor.encode([Number(node.id)]) })),
    get totalCount() {
      return count();
    },
  };
}
