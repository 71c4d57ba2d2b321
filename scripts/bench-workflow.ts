/**
 * End-to-end workflow benchmark on the demo data, with a mixed load of the three workflows (aid applications,
 * expense reviews, award nominations): GraphQL decisions over HTTP to an API process, the outbox relay, BullMQ
 * and a worker process, until the next task is in the next reviewer's inbox.
 *
 *   npm run bench:workflow [-- --decisions 3000 --rate 100 --concurrency 16 --warmup 300]
 *   npm run bench:workflow -- --compare /path/to/other/worktree[,/another] [--rounds 2]
 *   npm run bench:workflow -- --compare without-chain [--rounds 2]
 *
 * The API and the workers run as two processes (`dist/src/main.js`, `dist/src/worker.js`), as in production,
 * so this load generator does not share their event loop. It prints decisions/s at saturation (a closed loop
 * of `concurrency` clients) and, at a fixed offered load (an open loop at `rate` decisions/s), the p50/p99 of
 * the decide round trip and of the routing latency: from sending a decision to the next task's row being
 * written, which is when the next reviewer's myTasks returns it. `warmup` decisions go first, unmeasured, so
 * that freshly started processes have compiled their hot paths. Uses its own database and queue prefix.
 *
 * It prints the load average first (warning above 1.0: the figures are then the machine's, not the engine's)
 * and the CPU each process spent per decision during the saturation run, read from /proc: the API, the
 * worker, PostgreSQL's backends of the benchmark database, the Redis server (when it runs on this machine:
 * every process's queue traffic, which on a quiet machine is only ours) and this load generator.
 *
 * `--compare` runs this tree and the other trees' builds (each with this same script, built) in turn, `rounds`
 * times, alternating the order, and prints each side's figures and the ratios to this tree's: on a machine
 * shared with other work, the ratio within one run says more than absolute figures from different times.
 * `without-chain` in that list is this tree with the audit hash chain's link made a constant in the
 * benchmark's database (`--without-chain`): what the chain costs per decision, everything else the same.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Award, AwardLevel } from '../src/awards/nomination.entity';
import { AidType } from '../src/aid/aid-application.entity';
import { projectRoot } from '../src/common/project-root';
import { helpRequested } from '../src/common/cli';
import { ExpenseCategory } from '../src/expenses/expense.entity';
import { closeRedis, createRedis } from '../src/workflow/queue';
import { startBenchDeployment } from './support/bench-deployment';
import { BACKENDS_SQL, backendCpu, backendCpuSpent, cpuMs, machineTicks } from './support/cpu';
import { percentile, summary } from './support/stats';

interface Args {
  decisions: number;
  rate: number;
  concurrency: number;
  warmup: number;
  rounds: number;
}

/** In `--compare`'s list: this tree, run with `--without-chain`. */
const WITHOUT_CHAIN = 'without-chain';

const USAGE = `usage: npm run bench:workflow [-- --decisions 3000 --rate 100 --concurrency 16 --warmup 300]
       npm run bench:workflow -- --compare <other worktree>[,<another>|without-chain] [--rounds 2] [the options above]
       npm run bench:workflow -- --without-chain [the options above]

Decisions per second end to end at saturation, the CPU per decision of each process, and decide and routing
latency at a fixed rate, on the demo data in a database of its own. --compare alternates this tree with other
trees' builds of this same script (copy scripts/bench-workflow.ts into them and build) and prints the ratios;
without-chain there (or --without-chain alone) makes the audit hash chain's link a constant in the
benchmark's database, to measure what the chain costs.`;

function parseArgs(argv: string[]): { args: Args; compare: string[]; json: boolean; withoutChain: boolean } {
  const args: Args = { decisions: 3000, rate: 100, concurrency: 16, warmup: 300, rounds: 2 };
  const compare: string[] = [];
  const flags = { json: false, withoutChain: false };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--json' || argv[i] === '--without-chain') {
      flags[argv[i] === '--json' ? 'json' : 'withoutChain'] = true;
      i--;
      continue;
    }
    if (argv[i] === '--compare' && argv[i + 1]) {
      compare.push(...argv[i + 1].split(',').map((dir) => (dir === WITHOUT_CHAIN ? dir : resolve(dir))));
      continue;
    }
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isInteger(value) || value < (key === 'warmup' ? 0 : 1)) throw new Error(`bad argument ${argv[i]} ${argv[i + 1] ?? ''}\n\n${USAGE}`);
    args[key] = value;
  }
  return { args, compare, ...flags };
}

/** What one run measured, for --compare. CPU is core-ms per decision during the saturation run. */
interface Result {
  perSecond: number;
  apiAnsweredPerSecond: number;
  cpu: Record<'api' | 'worker' | 'postgres' | 'redis' | 'loadGenerator', number>;
  /** PostgreSQL transactions per decision during the saturation run, this script's own left out. */
  transactions: number;
  decideP50: number;
  decideP99: number;
  routingP50: number;
  routingP99: number;
  load: [number, number];
}

/** The Redis server's pid, as it reports it; its CPU reads as 0 when it runs elsewhere. */
async function redisServerPid(url: string): Promise<number | undefined> {
  const redis = createRedis(url);
  try {
    const pid = /process_id:(\d+)/.exec(await redis.info('server'))?.[1];
    return pid ? Number(pid) : undefined;
  } finally {
    await closeRedis(redis);
  }
}

const load1 = () => loadavg()[0];
const loadText = () => loadavg().map((l) => l.toFixed(2)).join(', ');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workflow and the reviewer who takes its first step (never the account that filed it). */
const FIRST_STEP_REVIEWER: Record<string, string> = {
  'aid-application': 'city.approver',
  'expense-review': 'city.finance',
  'award-nomination': 'city.approver',
};

async function main() {
  helpRequested(process.argv.slice(2), USAGE);
  const { args, compare, json, withoutChain } = parseArgs(process.argv.slice(2));
  if (compare.length) return compareTrees(args, compare);
  process.stdout.write(`Load average before the run: ${loadText()} (${cpus().length} cores)\n`);
  if (load1() > 1.0) process.stdout.write(`WARNING: load average ${load1().toFixed(2)} > 1.0: other work shares the cores, so these figures understate the engine\n`);
  const result = await run(args, withoutChain);
  process.stdout.write(`\nLoad average after the run: ${loadText()}\n`);
  if (json) process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function run(args: Args, withoutChain: boolean): Promise<Result> {
  const loadBefore = load1();
  // Of this run's own: other runs (other checkouts) may be benchmarking on the same server.
  const deployment = await startBenchDeployment(`bench_workflow_${process.pid}`, { startTimeoutMs: 180_000 });
  const redisPid = await redisServerPid(deployment.services.config.REDIS_URL);
  const { services, client } = deployment;
  if (withoutChain) {
    // The triggers stay (and the ledger's seq is still drawn in its): only the link, the previous row's hash
    // looked up and hashed with the new row, becomes a constant.
    process.stdout.write('The audit hash chain is off in this benchmark database: every row gets a constant hash\n');
    await deployment.sql(`create or replace function workflow_history_chain() returns trigger language plpgsql as $$
      begin new.hash := '\\x00'::bytea; return new; end $$`);
    await deployment.sql(`create or replace function ledger_entry_chain() returns trigger language plpgsql as $$
      begin new.seq := nextval('ledger_entry_seq_seq'); new.hash := '\\x00'::bytea; return new; end $$`);
  }
  /** This script's own statements (each its own transaction), left out of the transactions per decision. */
  let own = 0;
  const sql = (q: string, p: unknown[] = []): Promise<any[]> => {
    own++;
    return deployment.sql(q, p);
  };

  try {
    const gql = client.gql.bind(client);
    const tokens = Object.fromEntries(
      await Promise.all(['city.approver', 'city.finance'].map(async (u) => [u, (await client.signIn(u)).token] as const)),
    );

    // The federation's administrator files everything: aid applications, expenses and nominations, in turn.
    const total = args.warmup + args.decisions * 2;
    process.stdout.write(`Filing ${total} subjects (aid applications, expenses and nominations in turn)…\n`);
    const admin = await services.auth.viewerFor(services.orm.em.fork(), (await client.signIn('admin')).accountId);
    const [cityAid] = await sql(`select f.id from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'HARDSHIP_AID'`);
    const active: { id: string }[] = await sql(`select id from member where status = 'ACTIVE' order by id`);
    const duesFunds: { id: string }[] = await sql(
      `select f.id from fund f join organization o on o.id = f.owner_id where o.level = 'GRASSROOTS' and f.kind = 'UNION_DUES' order by f.id`,
    );
    await sql('update award_quota set quota = 100000');
    const individualAwards = [Award.MODEL_WORKER, Award.ADVANCED_WORKER, Award.MAY_DAY_MEDAL, Award.TECHNICAL_EXPERT, Award.CRAFTSMAN];
    const file = (i: number) => {
      const em = services.orm.em.fork();
      switch (i % 3) {
        case 0:
          return services.aid.apply(em, admin, { memberId: active[i % active.length].id, aidType: AidType.HARDSHIP, fundId: cityAid.id, amount: 600_000, reason: '压测 benchmark' });
        case 1:
          return services.expenses.submit(em, admin, { fundId: duesFunds[i % duesFunds.length].id, category: ExpenseCategory.ACTIVITY, amount: 50_000, description: '职工文体活动 benchmark' });
        default: {
          // Each nominee once per award, so nominations never collide.
          const slot = Math.floor(i / 3);
          const award = individualAwards[Math.floor(slot / active.length) % individualAwards.length];
          return services.awards.nominate(em, admin, { memberId: active[slot % active.length].id, award, awardLevel: AwardLevel.CITY, year: 2026, citation: '压测 benchmark' });
        }
      }
    };
    for (let i = 0; i < total; i += 8) await Promise.all(Array.from({ length: Math.min(8, total - i) }, (_, k) => file(i + k)));

    const openCount = async () => Number((await sql(`select count(*) as n from workflow_task where status = 'OPEN'`))[0].n);
    while ((await openCount()) < total) await sleep(50);
    const tasks: { id: string; instance_id: string; definition_key: string }[] = await sql(
      `select id, instance_id, definition_key from workflow_task where status = 'OPEN' order by opened_at, id`,
    );
    const decide = (task: (typeof tasks)[number]) =>
      gql('mutation($t: ID!, $k: String!) { decide(taskId: $t, action: "approve", idempotencyKey: $k) { seq } }', { t: task.id, k: `bench-${task.id}` }, tokens[FIRST_STEP_REVIEWER[task.definition_key]]);
    let failures = 0;
    let firstError: unknown;
    const check = (res: { errors?: unknown[] }) => {
      if (!res.errors) return;
      failures++;
      firstError ??= res.errors;
    };
    /** Waits until every instance decided has its next task open: the decided one closed, the next one written. */
    const nextTasks = async (decided: typeof tasks) => {
      const ids = `{${decided.map((t) => t.instance_id).join(',')}}`;
      for (;;) {
        const rows: { instance_id: string; at: Date }[] = await sql(
          `select instance_id, min(inserted_at) as at from workflow_task
            where instance_id = any(?::uuid[]) and status = 'OPEN' and id <> all(?::uuid[]) group by instance_id`,
          [ids, `{${decided.map((t) => t.id).join(',')}}`],
        );
        if (rows.length >= decided.length - failures) return rows;
        // The check itself costs PostgreSQL ~10 ms for 3,000 instances: polling faster would load the very
        // workers being measured; 25 ms is under 0.3% of a saturation run.
        await sleep(25);
      }
    };

    /** A closed loop of `concurrency` clients deciding as fast as the API answers, until every task is routed. */
    const closedLoop = async (list: typeof tasks) => {
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: args.concurrency }, async () => {
          while (next < list.length) check(await decide(list[next++]));
        }),
      );
      const answered = (performance.now() - t0) / 1000;
      await nextTasks(list);
      return { answered, seconds: (performance.now() - t0) / 1000 };
    };

    // 0. Warm-up, not measured.
    await closedLoop(tasks.slice(0, args.warmup));

    /** CPU used so far by each process of the run; PostgreSQL's as the backends connected to this database now. */
    const cpuNow = async () => {
      const backends: { pid: number }[] = await sql(BACKENDS_SQL);
      const self = process.cpuUsage();
      return {
        api: cpuMs(deployment.pids.api),
        worker: cpuMs(deployment.pids.worker),
        postgres: backendCpu(backends.map((b) => b.pid)),
        redis: cpuMs(redisPid),
        loadGenerator: (self.user + self.system) / 1000,
        machine: machineTicks(),
      };
    };

    // 1. Saturation.
    const batch = tasks.slice(args.warmup, args.warmup + args.decisions);
    process.stdout.write(`Deciding ${batch.length} tasks as fast as the API answers (after ${args.warmup} to warm up)…\n`);
    /**
     * Transactions committed or rolled back in the database, less this script's own statements. An idle backend
     * reports its counts up to 10 s late (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): read after 11 s of quiet, which
     * adds the relay's and reconciler's idle polls of those seconds (a few dozen).
     */
    const transactionsNow = async () => {
      await sleep(11_000);
      const [stats] = await sql('select xact_commit + xact_rollback as n from pg_stat_database where datname = current_database()');
      return Number(stats.n) - own;
    };
    const transactionsBefore = await transactionsNow();
    const cpuBefore = await cpuNow();
    const { answered, seconds } = await closedLoop(batch);
    const cpuAfter = await cpuNow();
    const transactionsAfter = await transactionsNow();
    if (failures) throw new Error(`${failures} decisions failed, e.g. ${JSON.stringify(firstError)}`);
    const perDecision = (ms: number) => ms / batch.length;
    const postgresMs = backendCpuSpent(cpuBefore.postgres, cpuAfter.postgres);
    const cpu = {
      api: perDecision(cpuAfter.api - cpuBefore.api),
      worker: perDecision(cpuAfter.worker - cpuBefore.worker),
      postgres: perDecision(postgresMs),
      redis: perDecision(cpuAfter.redis - cpuBefore.redis),
      loadGenerator: perDecision(cpuAfter.loadGenerator - cpuBefore.loadGenerator),
    };
    const transactions = perDecision(transactionsAfter - transactionsBefore);
    const mix = (list: typeof tasks) => Object.entries(list.reduce<Record<string, number>>((m, t) => ({ ...m, [t.definition_key]: (m[t.definition_key] ?? 0) + 1 }), {})).map(([k, n]) => `${k} ${n}`).join(', ');
    process.stdout.write(`\nMix: ${mix(batch)}\n`);
    process.stdout.write(`Saturation (${args.concurrency} concurrent clients): ${batch.length} decisions routed to the next inbox in ${seconds.toFixed(2)} s = ${(batch.length / seconds).toFixed(0)} decisions/s\n`);
    process.stdout.write(`  (the API answered them all in ${answered.toFixed(2)} s = ${(batch.length / answered).toFixed(0)}/s; the rest is the workers catching up)\n`);
    const cpuTotal = cpu.api + cpu.worker + cpu.postgres + cpu.redis + cpu.loadGenerator;
    process.stdout.write(
      `  CPU per decision: API ${cpu.api.toFixed(2)} core-ms, worker ${cpu.worker.toFixed(2)}, PostgreSQL backends ${cpu.postgres.toFixed(2)}, Redis ${cpu.redis.toFixed(2)}, load generator ${cpu.loadGenerator.toFixed(2)} (${cpuTotal.toFixed(2)} in all)\n`,
    );
    process.stdout.write(`  PostgreSQL transactions per decision: ${transactions.toFixed(2)} (every statement outside a transaction is one)\n`);
    // Stolen time is the hypervisor running someone else on these cores: it explains a slow run that load cannot.
    const ticks = (k: 'busy' | 'idle' | 'steal') => cpuAfter.machine[k] - cpuBefore.machine[k];
    const allTicks = ticks('busy') + ticks('idle') + ticks('steal');
    const share = (k: 'busy' | 'idle' | 'steal') => `${((100 * ticks(k)) / allTicks).toFixed(0)}%`;
    process.stdout.write(`  The machine's cores meanwhile: ${share('busy')} busy, ${share('idle')} idle, ${share('steal')} stolen by the hypervisor\n`);
    if (ticks('steal') >= 0.05 * allTicks) process.stdout.write(`  WARNING: the hypervisor took ${share('steal')} of the cores during the run, so these figures understate the engine\n`);

    // 2. Fixed offered load: an open loop sending one decision every 1/rate seconds.
    const paced = tasks.slice(args.warmup + args.decisions);
    const sentAt = new Map<string, number>();
    const roundTrips: number[] = [];
    const start = Date.now();
    await Promise.all(
      paced.map(async (task, i) => {
        await sleep(Math.max(0, start + (i * 1000) / args.rate - Date.now()));
        const sent = Date.now();
        sentAt.set(task.instance_id, sent);
        check(await decide(task));
        roundTrips.push(Date.now() - sent);
      }),
    );
    const routed = await nextTasks(paced);
    if (failures) throw new Error(`${failures} decisions failed, e.g. ${JSON.stringify(firstError)}`);
    const latencies = routed.map((r) => new Date(r.at).getTime() - sentAt.get(r.instance_id)!);
    process.stdout.write(`\nFixed offered load of ${args.rate} decisions/s (${paced.length} decisions; ${mix(paced)}):\n`);
    process.stdout.write(`  decide round trip:  ${summary(roundTrips)}\n`);
    process.stdout.write(`  routing latency:    ${summary(latencies)}   (decide sent → next task in the inbox)\n`);
    const sortedTrips = [...roundTrips].sort((a, b) => a - b);
    const sortedRouting = [...latencies].sort((a, b) => a - b);
    return {
      perSecond: batch.length / seconds,
      apiAnsweredPerSecond: batch.length / answered,
      cpu,
      transactions,
      decideP50: percentile(sortedTrips, 50),
      decideP99: percentile(sortedTrips, 99),
      routingP50: percentile(sortedRouting, 50),
      routingP99: percentile(sortedRouting, 99),
      load: [loadBefore, load1()],
    };
  } finally {
    await deployment.stop();
  }
}

/**
 * Runs this tree and the others in turn, `rounds` times, each round in the opposite order of the one before,
 * then prints every run and each side's median with its ratio to this tree's.
 */
async function compareTrees(args: Args, others: string[]) {
  const here = projectRoot();
  const trees = [here, ...others];
  const label = (tree: string) => (tree === WITHOUT_CHAIN ? `${here} ${WITHOUT_CHAIN}` : tree);
  const forward = ['--decisions', args.decisions, '--rate', args.rate, '--concurrency', args.concurrency, '--warmup', args.warmup, '--json'].map(String);
  const runs = new Map<string, Result[]>(trees.map((t) => [t, []]));
  process.stdout.write(`Comparing ${trees.length} trees, ${args.rounds} rounds alternating; load average now ${loadText()} (${cpus().length} cores)\n`);
  for (let round = 0; round < args.rounds; round++) {
    for (const tree of round % 2 === 0 ? trees : [...trees].reverse()) {
      process.stdout.write(`\n=== round ${round + 1}: ${label(tree)} (load ${loadText()})\n`);
      const output = await new Promise<string>((done, fail) => {
        const [dir, extra] = tree === WITHOUT_CHAIN ? [here, ['--without-chain']] : [tree, []];
        const child = spawn(process.execPath, [join(dir, 'dist', 'scripts', 'bench-workflow.js'), ...forward, ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          process.stdout.write(chunk);
        });
        child.on('exit', (code) => (code === 0 ? done(text) : fail(new Error(`the benchmark in ${tree} exited ${code}`))));
      });
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`the benchmark in ${tree} printed no RESULT line: build it with this bench-workflow.ts`);
      runs.get(tree)!.push(JSON.parse(line.slice('RESULT '.length)) as Result);
    }
  }
  const median = (values: number[]) => {
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const cpuAll = (r: Result) => r.cpu.api + r.cpu.worker + r.cpu.postgres + (r.cpu.redis ?? 0) + r.cpu.loadGenerator;
  const figures: [string, (r: Result) => number, number][] = [
    ['decisions/s at saturation', (r) => r.perSecond, 0],
    ['API CPU core-ms/decision', (r) => r.cpu.api, 2],
    ['worker CPU core-ms/decision', (r) => r.cpu.worker, 2],
    ['PostgreSQL CPU core-ms/decision', (r) => r.cpu.postgres, 2],
    ['Redis CPU core-ms/decision', (r) => r.cpu.redis ?? NaN, 2],
    ['all CPU core-ms/decision', cpuAll, 2],
    ['PostgreSQL transactions/decision', (r) => r.transactions ?? NaN, 2],
    [`routing p99 at ${args.rate}/s (ms)`, (r) => r.routingP99, 0],
    [`decide p99 at ${args.rate}/s (ms)`, (r) => r.decideP99, 0],
  ];
  process.stdout.write(`\nSummary (${args.rounds} rounds; median, each run in brackets; ratio = median / this tree's median)\n`);
  for (const [name, of, digits] of figures) {
    process.stdout.write(`  ${name}\n`);
    const mine = median(runs.get(here)!.map(of));
    for (const tree of trees) {
      const values = runs.get(tree)!.map(of);
      const m = median(values);
      process.stdout.write(`    ${m.toFixed(digits).padStart(8)} [${values.map((v) => v.toFixed(digits)).join(', ')}]  ratio ${(m / mine).toFixed(2)}  ${label(tree)}\n`);
    }
  }
  const loads = [...runs.values()].flat().flatMap((r) => r.load);
  process.stdout.write(`  load average (1 min) during the runs: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
