/**
 * PostGraphile 4 over the benchmark's database, as `npm run bench:reads` runs it for comparison (a devDependency,
 * used by nothing else): one process, production settings (no GraphiQL, no query log, no schema watching, no
 * extended errors), each request signed in by a JWT whose claims set the PostgreSQL role and the scope that the
 * database's row-level security applies (see scripts/bench-reads.ts).
 *
 *   DATABASE_URL=… PORT=… JWT_SECRET=… node dist/scripts/support/postgraphile-server.js
 */
import { createServer } from 'node:http';
import Module from 'node:module';
import { dirname } from 'node:path';

/**
 * The install holds graphql 16 (ours) and two copies of graphql 15 (one under postgraphile, one under
 * graphile-build-pg); PostGraphile's packages must share one instance or its schema fails ("Unexpected input
 * type"). Every `graphql` import of this process resolves to postgraphile's copy.
 */
const internals = Module as unknown as {
  _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
  _nodeModulePaths(dir: string): string[];
};
const postgraphileDir = dirname(require.resolve('postgraphile/package.json'));
const anchor = Object.assign(new Module(`${postgraphileDir}/index.js`), { paths: internals._nodeModulePaths(postgraphileDir) });
const resolve = internals._resolveFilename.bind(Module);
internals._resolveFilename = (request, parent, ...rest) =>
  resolve(request, request === 'graphql' || request.startsWith('graphql/') ? anchor : parent, ...rest);

// Required after the hook, so it sees it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { postgraphile } = require('postgraphile') as typeof import('postgraphile');

const { DATABASE_URL, PORT, JWT_SECRET } = process.env;
if (!DATABASE_URL || !PORT || !JWT_SECRET) throw new Error('DATABASE_URL, PORT and JWT_SECRET are required');

const middleware = postgraphile(DATABASE_URL, 'public', {
  graphiql: false,
  enhanceGraphiql: false,
  disableQueryLog: true,
  watchPg: false,
  retryOnInitFail: false,
  extendedErrors: [],
  showErrorStack: false,
  ignoreRBAC: false,
  setofFunctionsContainNulls: false,
  legacyRelations: 'omit',
  disableDefaultMutations: true,
  enableQueryBatching: false,
  jwtSecret: JWT_SECRET,
});

createServer(middleware).listen(Number(PORT), '127.0.0.1', () => console.log(`postgraphile listening on ${PORT}`));
