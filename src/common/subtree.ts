/** Helpers for materialized paths ("/rootId/childId/"); ids are UUIDs, so a path never holds % or _. */

/** A MikroORM filter for "column lies in the subtree of any of these paths": prefix LIKEs that a
 * text_pattern_ops index serves as range scans. */
export function inSubtrees<K extends string>(column: K, paths: readonly string[]) {
  const ranges = paths.map((p) => ({ [column]: { $like: `${p}%` } }));
  return ranges.length === 1 ? ranges[0] : { $or: ranges };
}
