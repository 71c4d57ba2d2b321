/**
 * End-to-end workflow benchmark on the demo data: GraphQL decisions over HTTP, the outbox relay, BullMQ and
 * the workers, until the next task is in the next approver's inbox.
 *
 *   npm run bench:workflow [-- --decisions 1200 --rate 150 --concurrency 16]
 *
 * Prints decisions/s at saturation (closed loop) and, at a fixed offered load (open loop), the p50/p99 of the
 * decide round trip and of the routing latency: from sending a decision to the next task's row being written,
 * which is when the next approver's myTasks query returns it. Uses its own database and queue prefix.
 */
import 'reflect-metadata';
import { bootstrap } from '../src/app/bootstrap';
import { loadConfig } from '../src/config/env';
import { dropDatabase } from '../src/db/orm';
import { seedDatabase } from '../seeds/run';

interface Args {
  decisions: number;
  rate: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { decisions: 1200, rate: 150, concurrency: 16 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isInteger(value) || value <= 0) throw new Error(`bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    args[key] = value;
  }
  return args;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const base = loadConfig();
  const databaseUrl = base.DATABASE_URL.replace(/\/[^/]*$/, '/gonghui_bench_workflow');
  await dropDatabase(databaseUrl);
  await seedDatabase(databaseUrl, 'demo');
  const config = loadConfig(process.env, { DATABASE_URL: databaseUrl, PORT: '0', LOG_LEVEL: 'warn', QUEUE_PREFIX: `gh_bench_${Date.now()}` });
  const app = await bootstrap(config, { api: true, workers: true });
  const { services } = app;
  const sql = (q: string, p: unknown[] = []): Promise<any[]> => services.orm.em.fork().getConnection().execute(q, p);

  try {
    const gql = async (query: string, variables: Record<string, unknown>, token?: string) => {
      const res = await fetch(app.url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as { data?: any; errors?: unknown[] };
    };
    const login = await gql('mutation { login(username: "city.approver", password: "gonghui-demo") { token viewer { accountId } } }', {});
    const token: string = login.data.login.token;

    // Above the threshold, so a county approval routes on to the city: every decision has a next human task.
    const total = args.decisions * 2;
    process.stdout.write(`Preparing ${total} aid applications…\n`);
    const em = services.orm.em.fork();
    const viewer = await services.auth.viewerFor(em, login.data.login.viewer.accountId);
    const [fund] = await sql(`select f.id from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'HARDSHIP_AID'`);
    const members: { id: string }[] = await sql(`select id from member where status = 'ACTIVE' order by id limit ?`, [total]);
    for (let i = 0; i < members.length; i += 8) {
      await Promise.all(
        members.slice(i, i + 8).map((m) =>
          services.aid.apply(services.orm.em.fork(), viewer, { memberId: m.id, aidType: 'HARDSHIP' as never, fundId: fund.id, amount: 600_000, reason: '压测 benchmark' }),
        ),
      );
    }
    const openTasks = async (step: string) => Number((await sql(`select count(*) as n from workflow_task where step = ? and status = 'OPEN'`, [step]))[0].n);
    while ((await openTasks('GRASSROOTS_VERIFY')) < members.length) await sleep(50);
    const tasks: { id: string; instance_id: string }[] = await sql(`select id, instance_id from workflow_task where step = 'GRASSROOTS_VERIFY' and status = 'OPEN' order by id`);
    const decide = (taskId: string) =>
      gql('mutation($t: ID!, $k: String!) { decide(taskId: $t, action: "approve", idempotencyKey: $k) { seq } }', { t: taskId, k: `bench-${taskId}` }, token);

    // 1. Saturation: a closed loop of `concurrency` clients deciding as fast as they can.
    const batch = tasks.slice(0, args.decisions);
    let next = 0;
    let failures = 0;
    services.queryCounter.count = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: args.concurrency }, async () => {
        while (next < batch.length) {
          const res = await decide(batch[next++].id);
          if (res.errors) failures++;
        }
      }),
    );
    while ((await openTasks('COUNTY_REVIEW')) < batch.length - failures) await sleep(10);
    const seconds = (performance.now() - t0) / 1000;
    const statements = services.queryCounter.count / batch.length;
    process.stdout.write(`\nSaturation (${args.concurrency} concurrent clients): ${batch.length} decisions routed to the next inbox in ${seconds.toFixed(2)} s = ${(batch.length / seconds).toFixed(0)} decisions/s (${failures} failed)\n`);
    process.stdout.write(`  SQL statements per decision, API and workers together: ${statements.toFixed(1)}\n`);

    // 2. Fixed offered load: an open loop sending one decision every 1/rate seconds.
    const paced = tasks.slice(args.decisions);
    const sentAt = new Map<string, number>();
    const roundTrips: number[] = [];
    const start = Date.now();
    await Promise.all(
      paced.map(async (task, i) => {
        await sleep(Math.max(0, start + (i * 1000) / args.rate - Date.now()));
        const sent = Date.now();
        sentAt.set(task.instance_id, sent);
        const res = await decide(task.id);
        roundTrips.push(Date.now() - sent);
        if (res.errors) failures++;
      }),
    );
    while ((await openTasks('COUNTY_REVIEW')) < batch.length + paced.length - failures) await sleep(10);
    const routed: { instance_id: string; at: Date }[] = await sql(
      `select instance_id, inserted_at as at from workflow_task where step = 'COUNTY_REVIEW' and instance_id = any(?::uuid[])`,
      [`{${paced.map((t) => t.instance_id).join(',')}}`],
    );
    const latencies = routed.map((r) => new Date(r.at).getTime() - sentAt.get(r.instance_id)!);
    process.stdout.write(`\nFixed offered load of ${args.rate} decisions/s (${paced.length} decisions):\n`);
    process.stdout.write(`  decide round trip:  ${summary(roundTrips)}\n`);
    process.stdout.write(`  routing latency:    ${summary(latencies)}   (decide sent → next task in the inbox)\n`);
  } finally {
    await app.stop();
    await dropDatabase(databaseUrl);
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
