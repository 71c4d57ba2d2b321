/**
 * Read throughput against PostGraphile 4 on the same database, the full Shangluo seed (4,092 organisations,
 * 209,000 members), both in production mode, side by side in one run:
 *
 *   npm run bench:reads [-- --seconds 10 --rounds 3 --connections 10]
 *
 * Loads the full seed into a database of its own (gonghui_bench_reads on DATABASE_URL's server) when it is
 * missing, starts our API (`dist/src/main.js`) and PostGraphile (`dist/scripts/support/postgraphile-server.js`)
 * as processes of their own, checks that both answer the same rows for the two queries, then alternates
 * autocannon runs of `seconds` each, `rounds` times per side and query, and prints each side's median req/s,
 * p50 and p99, the ratio, the API's peak RSS, and each side's `{ __typename }` ceiling measured in the same
 * rounds, with what a page costs each side's server process and PostgreSQL's backends in CPU (from /proc): a
 * page's share of its own side's ceiling is bounded by those costs against the trivial query's.
 *
 * PostGraphile reads as the role gonghui_bench_reader, signed in by a JWT (verified on every request, as
 * PostGraphile does) whose `scope` claim is the city's path: row-level security on `member` limits it to the
 * members under that path, as our policy limits the city approver. It applies no field-level rules and no
 * masking (the queries select none of the personal data), and it reads every organisation.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import 'reflect-metadata';
import { helpRequested } from '../src/common/cli';
import { projectRoot } from '../src/common/project-root';
import { loadConfig } from '../src/config/env';
import { ensureDatabase } from '../src/db/orm';
import { PersonalDataCipher } from '../src/members/personal-data.cipher';
import { DEFAULT_SEED, seedDatabase } from '../seeds/run';
import { GraphqlClient } from './support/graphql-client';
import { AppProcess, eventually, freePort, productionEnv } from './support/processes';
import { autocannon } from './support/autocannon';
import { BACKENDS_SQL, backendCpu, backendCpuSpent, cpuMs } from './support/cpu';

const USAGE = `usage: npm run bench:reads [-- --seconds 10 --rounds 3 --connections 10]

Our API against PostGraphile 4 on the full seed (loaded into the database gonghui_bench_reads when missing):
median req/s, p50 and p99 of two member pages each side, the ratio, our { __typename } ceiling, the API's peak RSS.`;

interface Args {
  seconds: number;
  rounds: number;
  connections: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 10, rounds: 3, connections: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isInteger(value) || value < 1) throw new Error(`bad argument ${argv[i]} ${argv[i + 1] ?? ''}\n${USAGE}`);
    args[key] = value;
  }
  return args;
}

/** The benchmark database's personal-data keys: fixed, so the seed and every later API process agree (never a real key). */
const benchKey = (label: string) => createHash('sha256').update(`gonghui bench-reads ${label}`).digest().toString('base64');
const BENCH_ENV = { PII_KEYS: `b1:${benchKey('pii')}`, PII_INDEX_KEY: benchKey('index') };
const FULL = { organizations: 4092, members: 209000 };
const READER_ROLE = 'gonghui_bench_reader';

/** Each side's ceiling: the cheapest operation there is, spelled the same on both. */
const TRIVIAL = '{ __typename }';

// The two pages, as each side spells them: the same rows, the same order (name, then id).
const OURS = {
  first20: `{ members(first: 20) { edges { node { id name organization { name } } } } }`,
  subtree50: `query($org: ID!) { members(first: 50, filter: { subtreeOf: $org }) { edges { node { id name organization { name } } } } }`,
};
const THEIRS = {
  first20: `{ allMembers(first: 20, orderBy: [NAME_ASC, ID_ASC]) { edges { node { id name organizationByOrganizationId { name } } } } }`,
  subtree50: `query($org: UUID!) { membersInSubtree(root: $org, first: 50, orderBy: [NAME_ASC, ID_ASC]) { edges { node { id name organizationByOrganizationId { name } } } } }`,
};

/** Loads the full seed when the database does not hold it. */
async function ensureFullSeed(databaseUrl: string, sql: Client): Promise<void> {
  const { rows: [exists] } = await sql.query<{ ok: boolean }>(`select to_regclass('member') is not null and to_regclass('organization') is not null as ok`);
  if (exists?.ok) {
    const { rows: [row] } = await sql.query<{ orgs: number; members: number }>(
      `select (select count(*)::int from organization) as orgs, (select count(*)::int from member) as members`,
    );
    if (row?.orgs === FULL.organizations && row.members === FULL.members) return;
  }
  console.log('loading the full seed (about a minute)…');
  const cipher = PersonalDataCipher.fromConfig(loadConfig({ ...process.env, ...BENCH_ENV }));
  await seedDatabase(databaseUrl, 'full', DEFAULT_SEED, { cipher, reset: true, progress: (step) => console.log(`  ${step}`) });
}

/** What PostGraphile reads as: a role that may select the two tables, members limited by row-level security to the JWT's scope. */
async function preparePostgraphileSide(sql: Client): Promise<void> {
  await sql.query(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = '${READER_ROLE}') then create role ${READER_ROLE} nologin; end if;
    end $$`);
  await sql.query(`grant usage on schema public to ${READER_ROLE}; grant select on member, organization to ${READER_ROLE}`);
  await sql.query(`alter table member enable row level security`);
  await sql.query(`drop policy if exists bench_reader_scope on member`);
  // The superuser our API connects as bypasses row-level security; the reader sees the members under its scope.
  await sql.query(`create policy bench_reader_scope on member for select to ${READER_ROLE}
                     using (org_path like current_setting('jwt.claims.scope', true) || '%')`);
  // PostGraphile has no prefix filter: the subtree page is a function, sortable so it takes orderBy.
  await sql.query(`create or replace function members_in_subtree(root uuid) returns setof member language sql stable as $$
      select m.* from member m where m.org_path like (select o.path from organization o where o.id = root) || '%'
    $$`);
  await sql.query(`comment on function members_in_subtree(uuid) is E'@sortable'`);
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  /** CPU per request, in ms, of the side's server process and of PostgreSQL's backends for this database. */
  serverCpu: number;
  postgresCpu: number;
}

/** One side under load: its URL, its server's pid, and how to list the database's backends now. */
interface Side {
  url: string;
  pid: number;
  backends: () => Promise<number[]>;
}

async function load(side: Side, body: string, token: string, args: Pick<Args, 'seconds' | 'connections'>): Promise<Run> {
  const [serverBefore, postgresBefore] = [cpuMs(side.pid), backendCpu(await side.backends())];
  const result = await autocannon({
    url: side.url,
    method: 'POST',
    connections: args.connections,
    duration: args.seconds,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body,
  });
  const [serverAfter, postgresAfter] = [cpuMs(side.pid), backendCpu(await side.backends())];
  if (result.non2xx || result.errors) throw new Error(`${side.url}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  const perRequest = (ms: number) => ms / Math.max(1, result.requests.total);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    serverCpu: perRequest(serverAfter - serverBefore),
    postgresCpu: perRequest(backendCpuSpent(postgresBefore, postgresAfter)),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const summary = (runs: Run[]): Run => ({
  rps: median(runs.map((r) => r.rps)),
  p50: median(runs.map((r) => r.p50)),
  p99: median(runs.map((r) => r.p99)),
  serverCpu: median(runs.map((r) => r.serverCpu)),
  postgresCpu: median(runs.map((r) => r.postgresCpu)),
});
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
const load1 = () => loadavg().map((l) => l.toFixed(2)).join(' ');

type Rows = { id: string; name: string; union: string }[];
const ourRows = (data: any): Rows => data.members.edges.map((e: any) => ({ id: e.node.id, name: e.node.name, union: e.node.organization.name }));
const theirRows = (data: any, field: string): Rows =>
  data[field].edges.map((e: any) => ({ id: e.node.id, name: e.node.name, union: e.node.organizationByOrganizationId.name }));

async function main(): Promise<void> {
  helpRequested(process.argv.slice(2), USAGE);
  const args = parseArgs(process.argv.slice(2));
  const target = new URL(loadConfig().DATABASE_URL);
  target.pathname = '/gonghui_bench_reads';
  const databaseUrl = target.toString();
  await ensureDatabase(databaseUrl);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  const processes: AppProcess[] = [];
  try {
    await ensureFullSeed(databaseUrl, sql);
    await preparePostgraphileSide(sql);
    const { rows: [city] } = await sql.query<{ path: string }>(`select path from organization where level = 'CITY'`);
    const { rows: [danfeng] } = await sql.query<{ id: string }>(`select id from organization where level = 'COUNTY' and name like '丹凤%'`);
    if (!city || !danfeng) throw new Error('the seed has no city or no 丹凤县');

    const [ourPort, theirPort] = [await freePort(), await freePort()];
    // Production mode, logging warnings only (a request line each would fill this process's buffer of their output).
    const api = AppProcess.start(join(projectRoot(), 'dist', 'src', 'main.js'), [], {
      ...productionEnv(),
      ...BENCH_ENV,
      DATABASE_URL: databaseUrl,
      PORT: String(ourPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      QUEUE_DASHBOARD: 'false',
    });
    processes.push(api);
    const jwtSecret = createHash('sha256').update(`postgraphile ${Date.now()}`).digest('hex');
    const pgl = AppProcess.start(join(projectRoot(), 'dist', 'scripts', 'support', 'postgraphile-server.js'), [], {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(theirPort),
      JWT_SECRET: jwtSecret,
    });
    processes.push(pgl);
    const ours = new GraphqlClient(`http://127.0.0.1:${ourPort}/`);
    const theirs = new GraphqlClient(`http://127.0.0.1:${theirPort}/graphql`);
    // Both start slowly on a loaded machine (schema building, PostGraphile's introspection).
    await eventually(async () => {
      if (!api.running) throw new Error(`the API exited:\n${api.output}`);
      return (await ours.gql(TRIVIAL).catch(() => undefined))?.data;
    }, 120_000, 'the API to answer');
    await pgl.says('postgraphile listening', 120_000);
    const ourToken = (await ours.signIn('city.approver')).token;
    const theirToken = await new SignJWT({ role: READER_ROLE, scope: city.path })
      .setProtectedHeader({ alg: 'HS256' })
      .setAudience('postgraphile')
      .setIssuedAt()
      .setExpirationTime('4h')
      .sign(Buffer.from(jwtSecret));

    // Same rows on both sides before anything is timed.
    const vars = { org: danfeng.id };
    const check = async (name: 'first20' | 'subtree50', field: string, expected: number) => {
      const a = await ours.gql(OURS[name], vars, ourToken);
      const b = await theirs.gql(THEIRS[name], vars, theirToken);
      if (a.errors || !a.data) throw new Error(`ours, ${name}: ${JSON.stringify(a.errors)}`);
      if (b.errors || !b.data) throw new Error(`PostGraphile, ${name}: ${JSON.stringify(b.errors)}`);
      const [x, y] = [ourRows(a.data), theirRows(b.data, field)];
      if (x.length !== expected || JSON.stringify(x) !== JSON.stringify(y)) throw new Error(`${name}: the two sides answer different rows`);
      console.log(`${name}: both sides answer the same ${x.length} rows (first: ${x[0]!.name}, ${x[0]!.union})`);
    };
    await check('first20', 'allMembers', 20);
    await check('subtree50', 'membersInSubtree', 50);

    const body = (query: string) => JSON.stringify({ query, variables: vars });
    const backends = async () => (await sql.query<{ pid: number }>(BACKENDS_SQL)).rows.map((r) => r.pid);
    const sides = { ours: { url: ours.url, pid: api.child.pid!, backends }, theirs: { url: theirs.url, pid: pgl.child.pid!, backends } };
    const plan = [
      { key: 'ceiling', side: 'ours', body: body(TRIVIAL), token: ourToken },
      { key: 'ceiling', side: 'theirs', body: body(TRIVIAL), token: theirToken },
      { key: 'first20', side: 'ours', body: body(OURS.first20), token: ourToken },
      { key: 'first20', side: 'theirs', body: body(THEIRS.first20), token: theirToken },
      { key: 'subtree50', side: 'ours', body: body(OURS.subtree50), token: ourToken },
      { key: 'subtree50', side: 'theirs', body: body(THEIRS.subtree50), token: theirToken },
    ] as const;
    console.log(`\nload average before: ${load1()}; ${args.rounds} rounds × ${args.seconds} s per side and query, ${args.connections} connections`);
    // A short unmeasured run of each first, so both sides have compiled their hot paths.
    for (const p of plan) await load(sides[p.side], p.body, p.token, { ...args, seconds: 2 });
    const runs = new Map<string, Run[]>();
    for (let round = 0; round < args.rounds; round++) {
      // Alternate who goes first within each query, round by round.
      const order = round % 2 ? [1, 0, 3, 2, 5, 4].map((i) => plan[i]!) : plan;
      for (const p of order) {
        const run = await load(sides[p.side], p.body, p.token, args);
        const key = `${p.key}/${p.side}`;
        runs.set(key, [...(runs.get(key) ?? []), run]);
        console.log(`  round ${round + 1} ${key.padEnd(18)} ${run.rps.toFixed(0).padStart(6)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms`);
      }
    }
    const ceilings = { ours: summary(runs.get('ceiling/ours')!), theirs: summary(runs.get('ceiling/theirs')!) };
    const fmt = (r: Run) => `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms`;
    const cost = (r: Run, server: string) => `CPU per request: ${server} ${r.serverCpu.toFixed(2)} ms, PostgreSQL ${r.postgresCpu.toFixed(2)} ms`;
    const share = (r: Run, side: 'ours' | 'theirs') => `${((100 * r.rps) / ceilings[side].rps).toFixed(0).padStart(3)}% of its ceiling`;
    console.log(`\nmedians of ${args.rounds} runs (load average after: ${load1()}):`);
    console.log(`  { __typename }, each side's ceiling`);
    console.log(`    ours         ${fmt(ceilings.ours)}   ${cost(ceilings.ours, 'API')}`);
    console.log(`    PostGraphile ${fmt(ceilings.theirs)}   ${cost(ceilings.theirs, 'PostGraphile')}`);
    for (const [key, label] of [
      ['first20', 'first 20 members, union name, city approver'],
      ['subtree50', 'first 50 of 丹凤县 by name, union name'],
    ] as const) {
      const [a, b] = [summary(runs.get(`${key}/ours`)!), summary(runs.get(`${key}/theirs`)!)];
      console.log(`  ${label}`);
      console.log(`    ours         ${fmt(a)}   ${share(a, 'ours')} (target ≥ 60%)   ${cost(a, 'API')}`);
      console.log(`    PostGraphile ${fmt(b)}   ${share(b, 'theirs')}   ${cost(b, 'PostGraphile')}`);
      console.log(`    ratio        ${(a.rps / b.rps).toFixed(2)} (target ≥ 1.0, goal 1.2)`);
    }
    console.log(`  API peak RSS ${peakRssMb(api.child.pid!).toFixed(0)} MB (target ≤ 250); PostGraphile ${peakRssMb(pgl.child.pid!).toFixed(0)} MB`);
    ours.close();
    theirs.close();
  } finally {
    for (const p of processes) p.kill();
    await sql.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
