/**
 * A PostgreSQL array literal for one bound parameter ("{"a","b"}"), cast in SQL as `?::text[]`. Knex would
 * otherwise expand a JavaScript array into a comma list of parameters.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
