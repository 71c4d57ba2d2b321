import { pgArray } from '../db/sql';
/** Helpers for materialized paths ("/rootId/childId/"); ids are UUIDs, so a path never holds % or _. */

/** A MikroORM filter for "column lies in the subtree of any of these paths": prefix LIKEs that a
 * text_pattern_ops index serves as range scans. */
export function inSubtrees<K extends string>(column: K, paths: readonly string[]) {
  const ranges = paths.map((p) => ({ [column]: { $like: `${p}%` } }));
  return ranges.length === 1 ? ranges[0] : { $or: ranges };
}

/**
 * Whether the organisation at `path` lies in the subtree rooted at `root`, the root itself included: the one rule
 * of coverage (a role held on an organisation covers everything below it). A root without its trailing slash
 * would let "/a/b" cover "/a/bc/".
 */
export function covers(root: string, path: string): boolean {
  return path.startsWith(root.endsWith('/') ? root : `${root}/`);
}

/** What a list may return, in the policy's terms (see `scopes` in authorization.policy.ts). */
export interface PathScope {
  subtrees: readonly string[];
  exact: readonly string[];
  own: boolean;
  public: boolean;
}

/** A scope as one SQL condition, with the subtrees it admits whole (a read narrowed inside one of them needs no scope term). */
export interface ScopeSql {
  sql: string;
  params: unknown[];
  subtrees: readonly string[];
}

/**
 * The rows a policy scope allows, as SQL: `column` (an organisation path column) in one of the subtrees
 * (prefix LIKEs that a text_pattern_ops index serves as range scans) or exactly one of the organisations, or the
 * `own` term (SQL and its parameters) where the scope lets the viewer's own rows in. `false` when nothing is in
 * scope.
 */
export function scopeSql(column: string, scope: Pick<PathScope, 'subtrees' | 'exact'> & { own?: boolean }, own?: { sql: string; params: unknown[] }): ScopeSql {
  const any: string[] = [];
  const params: unknown[] = [];
  for (const root of scope.subtrees) {
    any.push(`${column} like ?`);
    params.push(`${root}%`);
  }
  if (scope.exact.length) {
    any.push(`${column} = any(?::text[])`);
    params.push(pgArray(scope.exact));
  }
  if (scope.own && own) {
    any.push(own.sql);
    params.push(...own.params);
  }
  return { sql: any.length ? `(${any.join(' or ')})` : 'false', params, subtrees: scope.subtrees };
}

/** The ids of the organisations above the one at `path`, root first ("/a/b/c/" → a, b). */
export const ancestorIdsOf = (path: string): string[] => path.split('/').filter(Boolean).slice(0, -1);
