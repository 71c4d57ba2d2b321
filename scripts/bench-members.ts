/**
 * Latency of "the first page of 50 members of a county subtree ordered by name", the query the members
 * connection runs, against a database seeded with the full data set (seeds/run.ts --size full):
 *
 *   select * from member where org_path like '<countyPath>%' order by name, id limit 51
 *
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gonghui_bench node dist/scripts/bench-members.js [--warmup 20] [--runs 500]
 *
 * Prints p50/p99/max in ms per county and overall, and the EXPLAIN (ANALYZE, BUFFERS) plan of one query;
 * then the same page end to end, as `members(filter: { subtreeOf }, first: 50)` over GraphQL/HTTP against the
 * real API signed in as city.approver. Target: p99 < 50 ms.
 */
import { Client } from 'pg';
import 'reflect-metadata';
import { bootstrap } from '../src/app/bootstrap';
import { helpRequested } from '../src/common/cli';
import { loadConfig } from '../src/config/env';

const TARGET_P99_MS = 50;
const PAGE_SQL = 'select * from member where org_path like $1 order by name, id limit 51';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const fmt = (ms: number) => ms.toFixed(2).padStart(8);

async function main(): Promise<void> {
  helpRequested(
    process.argv.slice(2),
    'usage: DATABASE_URL=<a database with the full seed> npm run bench:members [-- --warmup 20 --runs 500]\n\np50/p99 of the first page of 50 members of each county, in SQL and over GraphQL.',
  );
  const warmup = option('warmup', 20);
  const runs = option('runs', 500);
  const client = new Client({ connectionString: loadConfig().DATABASE_URL });
  await client.connect();
  try {
    const { rows: counties } = await client.query<{ name: string; path: string; members: string }>(
      `select o.name, o.path, (select count(*) from member m where m.org_path like o.path || '%') as members
         from organization o where o.level = 'COUNTY' order by o.code`,
    );
    const total = await client.query<{ n: string }>('select count(*) as n from member');
    if (counties.length === 0) throw new Error('no COUNTY organisations: seed the database first (seeds/run.js --size full)');
    console.log(`member rows: ${total.rows[0]!.n}; counties: ${counties.length}; warm-up ${warmup}, measured ${runs}`);

    const run = async (path: string) => {
      const t = process.hrtime.bigint();
      const { rowCount } = await client.query(PAGE_SQL, [`${path}%`]);
      if (rowCount !== 51) throw new Error(`expected a full page (51 rows) for ${path}, got ${rowCount}: is the full data set loaded?`);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    for (let i = 0; i < warmup; i++) await run(counties[i % counties.length]!.path);
    const all: number[] = [];
    const per = new Map<string, number[]>();
    for (let i = 0; i < runs; i++) {
      const county = counties[i % counties.length]!;
      const ms = await run(county.path);
      all.push(ms);
      per.set(county.name, [...(per.get(county.name) ?? []), ms]);
    }

    console.log(`\n${'county'.padEnd(12)} ${'members'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}  (ms)`);
    for (const c of counties) {
      const xs = (per.get(c.name) ?? []).sort((a, b) => a - b);
      console.log(`${c.name.padEnd(10)} ${c.members.padStart(8)} ${fmt(percentile(xs, 50))} ${fmt(percentile(xs, 99))} ${fmt(xs[xs.length - 1] ?? NaN)}`);
    }
    all.sort((a, b) => a - b);
    const p99 = percentile(all, 99);
    console.log(`${'ALL'.padEnd(12)} ${String(total.rows[0]!.n).padStart(8)} ${fmt(percentile(all, 50))} ${fmt(p99)} ${fmt(all[all.length - 1]!)}`);
    console.log(`\np99 target < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'MET' : 'NOT MET'}`);

    const largest = counties.reduce((a, b) => (Number(b.members) > Number(a.members) ? b : a));
    const plan = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${PAGE_SQL}`, [`${largest.path}%`]);
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) for ${largest.name}:\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);

    const ids = await client.query<{ id: string }>(`select id from organization where level = 'COUNTY' order by code`);
    const graphql = await overGraphql(ids.rows.map((r) => r.id), warmup, runs);
    console.log(`\nGraphQL over HTTP, members(filter: { subtreeOf: <county> }, first: 50) { edges { node { id name employmentForm nationalId } } }:`);
    console.log(`p50 ${fmt(percentile(graphql, 50))}  p99 ${fmt(percentile(graphql, 99))}  max ${fmt(graphql[graphql.length - 1]!)}  (ms, n=${graphql.length})`);
    console.log(`p99 target < ${TARGET_P99_MS} ms over GraphQL: ${percentile(graphql, 99) < TARGET_P99_MS ? 'MET' : 'NOT MET'}`);
  } finally {
    await client.end();
  }
}

/** The page as a front-end gets it: the API in this process, one HTTP request per page. */
async function overGraphql(countyIds: string[], warmup: number, runs: number): Promise<number[]> {
  const app = await bootstrap(loadConfig(process.env, { PORT: '0', LOG_LEVEL: 'warn' }), { api: true, workers: false });
  try {
    const post = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const res = await fetch(app.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const { login } = await post('mutation { login(username: "city.approver", password: "gonghui-demo") { token } }', {});
    const page = `query($org: ID!) { members(filter: { subtreeOf: $org }, first: 50) { edges { node { id name employmentForm nationalId } } } }`;
    const times: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      const t = process.hrtime.bigint();
      const data = await post(page, { org: countyIds[i % countyIds.length] }, login.token);
      if (data.members.edges.length !== 50) throw new Error('expected a full page of 50 members');
      if (i >= warmup) times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return times.sort((a, b) => a - b);
  } finally {
    await app.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
