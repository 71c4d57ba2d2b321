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

/**
 * A MikroORM filter for the rows a policy scope allows: organisation path in one of the subtrees or exactly one
 * of the organisations, or one of the `own` / `public` terms where the scope lets those in. Matches nothing
 * when nothing is in scope.
 */
export function inScope<K extends string>(column: K, scope: PathScope, terms: { own?: object[]; public?: object[] } = {}): object {
  const any: object[] = [];
  if (scope.subtrees.length) any.push(inSubtrees(column, scope.subtrees));
  if (scope.exact.length) any.push({ [column]: { $in: [...scope.exact] } });
  if (scope.own) any.push(...(terms.own ?? []));
  if (scope.public) any.push(...(terms.public ?? []));
  return any.length ? { $or: any } : { [column]: null };
}

/**
 * The same scope as SQL text with its parameters (for statements run with runSql): prefix ranges for the
 * subtrees, `= any` for the exact organisations; false when nothing is in scope. Own and public rows are the
 * caller's to add.
 */
export function scopeSql(column: string, scope: Pick<PathScope, 'subtrees' | 'exact'>): { sql: string; params: string[] } {
  const terms = [...scope.subtrees.map(() => `${column} like ?`), ...(scope.exact.length ? [`${column} = any(?::text[])`] : [])];
  const params = [...scope.subtrees.map((p) => `${p}%`), ...(scope.exact.length ? [`{${scope.exact.map((e) => `"${e}"`).join(',')}}`] : [])];
  return { sql: terms.length ? `(${terms.join(' or ')})` : 'false', params };
}
