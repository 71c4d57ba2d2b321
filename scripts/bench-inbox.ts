/**
 * The inbox under load: `myTasks(first: 20)` with each task's actions, instance and subject, for a grassroots
 * approver, on the demo data plus a million closed tasks (the history a federation accumulates), in a
 * database of its own.
 *
 *   npm run bench:inbox [-- --closed 1000000 --runs 1000 --warmup 200 --connections 10 --duration 10]
 *
 * The API runs as its own process (`dist/src/main.js`), as in production. Prints the p50/p99 of one request at
 * a time (concurrency 1), then req/s and p50/p99 with autocannon at `connections` connections, and the targets
 * (issue 10): p99 ≤ 20 ms at concurrency 1, ≥ 300 req/s at 10 connections.
 * Then, unless `--live 0`, subscription delivery (inboxChanged): `npm run bench:live` with its defaults, after
 * this API has stopped, so the two do not share the cores.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { AidType } from '../src/aid/aid-application.entity';
import { bootstrap } from '../src/app/bootstrap';
import { helpRequested } from '../src/common/cli';
import { projectRoot } from '../src/common/project-root';
import { loadConfig, type AppConfig } from '../src/config/env';
import { Client } from 'pg';
import { dropDatabase } from '../src/db/orm';
import { runSql } from '../src/db/sql';
import { PersonalDataCipher } from '../src/members/personal-data.cipher';
import type { WorkflowJob } from '../src/workflow/queue';
import { DEFAULT_SEED, seedDatabase } from '../seeds/run';
import { autocannon } from './support/autocannon';
import { cpuMs } from './support/cpu';
import { GraphqlClient } from './support/graphql-client';
import { freePort, productionEnvOf } from './support/processes';

const USAGE = `usage: npm run bench:inbox [-- --closed 1000000 --runs 1000 --warmup 200 --connections 10 --duration 10 --fresh 0 --live 1]

myTasks(first: 20) with instance and subject for a grassroots approver, on the demo data plus --closed closed
tasks (bulk-inserted in SQL), in the database gonghui_bench_inbox: p50/p99 at concurrency 1 (--runs requests
after --warmup), then req/s and p50/p99 at --connections connections for --duration seconds (autocannon).
A database a previous run prepared with as many closed tasks is reused; --fresh 1 rebuilds it. Then the
subscription delivery of npm run bench:live (its defaults), unless --live 0.`;

interface Args {
  closed: number;
  /** 1: rebuild the database even when a previous run's is there. */
  fresh: number;
  /** 1: measure subscription delivery after (bench:live); 0: skip it. */
  live: number;
  runs: number;
  warmup: number;
  connections: number;
  duration: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { closed: 1_000_000, fresh: 0, runs: 1000, warmup: 200, connections: 10, duration: 10, live: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isInteger(value) || value < (key === 'closed' || key === 'warmup' || key === 'fresh' || key === 'live' ? 0 : 1)) throw new Error(`bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    args[key] = value;
  }
  return args;
}

const TARGET_P99_MS = 20;
const TARGET_RPS = 300;
/** The approver whose inbox is read; the bench files this many applications in their union first, so every page is full. */
const VIEWER = 'longfengqiao.approver';
const FILED = 60;

const PAGE = `query Inbox { myTasks(first: 20) { edges { cursor node {
  id step title dueAt overdue claimedBy viewerActions { key label commentRequired }
  instance { id state round updatedAt subject { __typename
    ... on AidApplication { id aidType amount reason }
    ... on Expense { id category amount }
    ... on Nomination { id award awardLevel } } }
} } } }`;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

/** Whether the database holds what a previous run prepared: the closed tasks are added last. */
async function preparedBefore(databaseUrl: string, closed: number): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from workflow_task where key like 'bench-closed:%'`);
    return Number(rows[0]!.n) === closed;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The demo data with its work in flight, FILED applications in the viewer's union, then the closed tasks. */
async function prepare(databaseUrl: string, config: AppConfig, base: AppConfig, closed: number) {
  process.stdout.write('Seeding the demo data (with its work in flight)…\n');
  await dropDatabase(databaseUrl);
  await seedDatabase(databaseUrl, 'demo', DEFAULT_SEED, { cipher: PersonalDataCipher.fromConfig(base), app: config });
  // In this process: the services, to file applications and run the open-task jobs as a worker would (no Redis).
  const local = await bootstrap(config, { api: false, workers: false });
  const em = () => local.services.orm.em.fork();
  const sql = async <T = any>(q: string, p: unknown[] = []) => (await runSql<T>(em(), q, p)).rows;
  try {
    const [union] = await sql<{ id: string; path: string }>(
      `select o.id, o.path from organization o join role_assignment ra on ra.organization_id = o.id join account a on a.id = ra.account_id where a.username = ?`,
      [VIEWER],
    );
    const members = await sql<{ id: string }>(`select id from member where organization_id = ? and status = 'ACTIVE' order by id`, [union.id]);
    const [fund] = await sql<{ id: string }>(`select f.id from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'HARDSHIP_AID'`);
    const [{ id: adminId }] = await sql<{ id: string }>(`select id from account where username = 'admin'`);
    const admin = await local.services.auth.viewerFor(em(), adminId);
    for (let i = 0; i < FILED; i++) {
      await local.services.aid.apply(em(), admin, { memberId: members[i % members.length].id, aidType: AidType.HARDSHIP, fundId: fund.id, amount: 100_000 + i * 1000, reason: '压测 benchmark' });
    }
    const jobs = await sql<{ id: string; payload: { instanceId: string; ref: string } }>(`select id, payload from workflow_outbox where job_name = 'open-task' order by id`);
    for (const j of jobs) await local.runner.handle({ name: 'open-task', data: { ...j.payload, obligationId: String(j.id) } } as WorkflowJob);

    process.stdout.write(`Adding ${closed.toLocaleString('en')} closed tasks (one in ten routed to the viewer's union)…\n`);
    const t0 = Date.now();
    const batch = 250_000;
    for (let from = 0; from < closed; from += batch) {
      await sql(
        `with inst as (select array_agg(id) as ids, array_agg(definition_key) as keys from workflow_instance),
              orgs as (select array_agg(id) as ids, array_agg(path) as paths from organization where level = 'GRASSROOTS')
         insert into workflow_task (id, key, instance_id, definition_key, step, title, kind, routed_org_id, routed_org_path, candidate_roles,
                                    actions, round, opened_at, due_at, status, decision, decided_at)
         select gen_random_uuid(), 'bench-closed:' || g, inst.ids[1 + g % cardinality(inst.ids)], inst.keys[1 + g % cardinality(inst.ids)],
                'GRASSROOTS_VERIFY', '基层工会核实', 'task',
                case when g % 10 = 0 then ?::uuid else orgs.ids[1 + g % cardinality(orgs.ids)] end,
                case when g % 10 = 0 then ? else orgs.paths[1 + g % cardinality(orgs.ids)] end,
                '{APPROVER}', '{approve,reject,return}', 1, now() - interval '40 days' + g * interval '1 second',
                now() - interval '37 days' + g * interval '1 second', case when g % 7 = 0 then 'CANCELLED' else 'DONE' end,
                case when g % 7 = 0 then null else 'approve' end, now() - interval '38 days' + g * interval '1 second'
           from generate_series(?::int, ?::int) g, inst, orgs`,
        [union.id, union.path, from + 1, Math.min(closed, from + batch)],
      );
    }
    await sql('analyze workflow_task');
    const [counts] = await sql<{ open: string; closed: string }>(`select count(*) filter (where status = 'OPEN') as open, count(*) filter (where status <> 'OPEN') as closed from workflow_task`);
    process.stdout.write(`  ${Number(counts.closed).toLocaleString('en')} closed and ${counts.open} open tasks, inserted in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } finally {
    await local.stop();
  }

}

/** One request at a time; with the API's pid, also its CPU time per measured request (from /proc). */
async function sequential(client: GraphqlClient, query: string, token: string, warmup: number, runs: number, pid?: number) {
  const times: number[] = [];
  let cpuBefore = 0;
  for (let i = 0; i < warmup + runs; i++) {
    if (i === warmup && pid) cpuBefore = cpuMs(pid);
    const t = performance.now();
    const res = await client.gql(query, {}, token);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    if (i >= warmup) times.push(performance.now() - t);
  }
  const cpuMsPerRequest = pid ? (cpuMs(pid) - cpuBefore) / runs : Number.NaN;
  return { times: times.sort((a, b) => a - b), cpuMsPerRequest };
}

async function underLoad(url: string, query: string, token: string, connections: number, duration: number) {
  const result = await autocannon({
    url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  if (result.non2xx || result.errors) throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  return result;
}

async function main() {
  helpRequested(process.argv.slice(2), USAGE);
  const args = parseArgs(process.argv.slice(2));
  const base = loadConfig();
  const target = new URL(base.DATABASE_URL);
  target.pathname = '/gonghui_bench_inbox';
  const databaseUrl = target.toString();
  const config = loadConfig(process.env, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', QUEUE_PREFIX: `gh_bench_inbox_${Date.now()}` });

  if (args.fresh || !(await preparedBefore(databaseUrl, args.closed))) await prepare(databaseUrl, config, base, args.closed);
  else process.stdout.write(`Reusing gonghui_bench_inbox: the demo data and ${args.closed.toLocaleString('en')} closed tasks of a previous run (--fresh 1 rebuilds it)\n`);

  const port = await freePort();
  // This process's node flags go to the API too (e.g. --cpu-prof to profile it).
  const api = spawn(process.execPath, [...process.execArgv, join(projectRoot(), 'dist', 'src', 'main.js')], {
    // Production settings, as front-ends meet it (graphql-js skips its development checks).
    env: { ...process.env, ...productionEnvOf(base), DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/`;
  const client = new GraphqlClient(url);
  try {
    await client.waitUntilServing();
    const { token } = await client.signIn(VIEWER);
    const first = await client.gql(PAGE, {}, token);
    if (first.errors) throw new Error(JSON.stringify(first.errors));
    const edges = first.data.myTasks.edges;
    if (edges.length !== 20 || !edges.every((e: any) => e.node.instance.subject.id && e.node.viewerActions.length)) throw new Error('expected a full page of 20 tasks, each with its actions, instance and subject');

    process.stdout.write(`\nload average before measuring: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
    // The API's own ceiling in the same run, so figures from a loaded machine can be read against it.
    const trivial = await sequential(client, '{ __typename }', token, args.warmup, Math.min(args.runs, 300));
    const trivialLoad = await underLoad(url, '{ __typename }', token, args.connections, Math.min(args.duration, 5));
    process.stdout.write(`{ __typename } (the API's floor), concurrency 1: p50 ${ms(percentile(trivial.times, 50))}, p99 ${ms(percentile(trivial.times, 99))}; ${args.connections} connections: ${trivialLoad.requests.average.toFixed(0)} req/s\n`);

    const inbox = await sequential(client, PAGE, token, args.warmup, args.runs, api.pid!);
    const p99 = percentile(inbox.times, 99);
    process.stdout.write(
      `myTasks(first: 20) with actions, instance and subject, concurrency 1 (n=${inbox.times.length}): p50 ${ms(percentile(inbox.times, 50))}, p99 ${ms(p99)}, max ${ms(inbox.times[inbox.times.length - 1]!)}; API CPU ${ms(inbox.cpuMsPerRequest)} per request\n`,
    );
    const loaded = await underLoad(url, PAGE, token, args.connections, args.duration);
    const rps = loaded.requests.average;
    process.stdout.write(
      `the same at ${args.connections} connections for ${args.duration} s (autocannon): ${rps.toFixed(0)} req/s, p50 ${loaded.latency.p50} ms, p99 ${loaded.latency.p99} ms\n`,
    );
    process.stdout.write(`\np99 ≤ ${TARGET_P99_MS} ms at concurrency 1: ${p99 <= TARGET_P99_MS ? 'MET' : 'NOT MET'}\n`);
    process.stdout.write(`≥ ${TARGET_RPS} req/s at ${args.connections} connections: ${rps >= TARGET_RPS ? 'MET' : 'NOT MET'}\n`);
  } finally {
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
  }
  if (!args.live) return;
  process.stdout.write(`\nsubscription delivery (inboxChanged), npm run bench:live:\n`);
  const live = spawn(process.execPath, [join(projectRoot(), 'dist', 'scripts', 'bench-live.js')], { stdio: 'inherit' });
  const code = await new Promise<number | null>((r) => live.once('exit', r));
  if (code !== 0) throw new Error(`bench:live exited ${code}`);
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  process.exit(1);
});
