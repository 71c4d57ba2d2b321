/**
 * Delivery latency of the live updates: how long after a routed task commits its approver's `inboxChanged`
 * subscription receives it, with the API and the workers as two processes (`dist/src/main.js`,
 * `dist/src/worker.js`) on the demo data in a database of its own.
 *
 *   npm run bench:live [-- --tasks 500 --rate 20 --subscribers 50 --warmup 50]
 *
 * The federation's administrator files aid applications for members of one grassroots union (陕西丹凤龙凤桥
 * 集团公司工会委员会) at `rate` per second; each opens a verification task in a worker process, routed to
 * `longfengqiao.approver`, who is subscribed over WebSocket. `subscribers` more sockets (the other demo
 * approvers and finance officers, round robin) stay subscribed too, so every event is fanned out and checked
 * against each of them. Printed: p50/p99 from the task row's commit (its `inserted_at`, PostgreSQL's clock on
 * this machine) to the client receiving it, and from filing to receiving. `warmup` tasks go first, unmeasured.
 */
import 'reflect-metadata';
import { AidType } from '../src/aid/aid-application.entity';
import { helpRequested } from '../src/common/cli';
import { startBenchDeployment } from './support/bench-deployment';
import { connectLive, type LiveConnection, type LiveStream } from './support/live-client';
import { percentile, summary } from './support/stats';

const USAGE = `usage: npm run bench:live [-- --tasks 500 --rate 20 --subscribers 50 --warmup 50]

Delivery latency of inboxChanged over WebSocket: routed task committed (in a worker process) → the approver's
client receives it (from the API process), p50/p99, on the demo data in a database of its own.`;

interface Args {
  tasks: number;
  rate: number;
  subscribers: number;
  warmup: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { tasks: 500, rate: 20, subscribers: 50, warmup: 50 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Args;
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isInteger(value) || value < (key === 'tasks' || key === 'rate' ? 1 : 0)) throw new Error(`bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    args[key] = value;
  }
  return args;
}

const INBOX = 'subscription { inboxChanged { change task { id instanceId step } } }';
const UNION = '陕西丹凤龙凤桥集团公司工会委员会';
/** Filings in flight at once. */
const FILERS = 4;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  helpRequested(process.argv.slice(2), USAGE);
  const args = parseArgs(process.argv.slice(2));
  const { services, sql, client, stop } = await startBenchDeployment('gonghui_bench_live');
  const sockets: LiveConnection[] = [];
  try {
    const admin = await services.auth.viewerFor(services.orm.em.fork(), (await client.signIn('admin')).accountId);
    const [fund] = await sql(`select f.id from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'HARDSHIP_AID'`);
    const members: { id: string }[] = await sql(`select m.id from member m join organization o on o.id = m.organization_id where o.name = ? and m.status = 'ACTIVE'`, [UNION]);
    if (!members.length) throw new Error(`no active members in ${UNION}`);

    // The bystanders: every other demo approver and finance officer, round robin.
    const others: { username: string }[] = await sql(
      `select distinct a.username from account a join role_assignment r on r.account_id = a.id
        where r.role in ('APPROVER', 'FINANCE') and a.username <> 'longfengqiao.approver' order by a.username`,
    );
    const otherTokens = await Promise.all(others.slice(0, Math.min(others.length, args.subscribers)).map(async (o) => (await client.signIn(o.username)).token));
    for (let i = 0; i < args.subscribers && otherTokens.length; i++) {
      const socket = connectLive(client.url, otherTokens[i % otherTokens.length]);
      sockets.push(socket);
      socket.subscribe(INBOX);
    }
    const approver = connectLive(client.url, (await client.signIn('longfengqiao.approver')).token);
    sockets.push(approver);
    const stream: LiveStream = approver.subscribe(INBOX);

    let filed = 0;
    const fileOne = () =>
      services.aid.apply(services.orm.em.fork(), admin, {
        memberId: members[filed++ % members.length].id, aidType: AidType.HARDSHIP, fundId: fund.id, amount: 100_000, reason: '压测 benchmark',
      });

    /** Files `n` applications at the rate and collects each routed task's arrival; returns them once all have come. */
    const run = async (n: number) => {
      const filedAt = new Map<string, number>();
      const received = new Map<string, { taskId: string; at: number }>();
      const collecting = (async () => {
        while (received.size < n) {
          const result = await stream.next(30_000).catch(async (error: Error) => {
            const closed = await Promise.race([approver.closed, sleep(1000).then(() => undefined)]);
            throw new Error(`${error.message}${closed ? ` (socket closed ${closed.code} ${closed.reason})` : ''}`);
          });
          const change = result.data?.inboxChanged;
          if (result.errors) throw new Error(JSON.stringify(result.errors));
          if (change?.change === 'ROUTED' && change.task.step === 'GRASSROOTS_VERIFY') received.set(change.task.instanceId, { taskId: change.task.id, at: Date.now() });
        }
      })();
      // Paced at `rate`, at most FILERS in flight: on a loaded machine a backlog of filings would only measure the pool.
      const start = Date.now();
      let next = 0;
      const filing = Promise.all(
        Array.from({ length: FILERS }, async () => {
          for (let i = next++; i < n; i = next++) {
            await sleep(Math.max(0, start + (i * 1000) / args.rate - Date.now()));
            const sent = Date.now();
            const application = await fileOne();
            filedAt.set(application.instanceId!, sent);
          }
        }),
      );
      await Promise.all([filing, collecting]);
      return { filedAt, received };
    };

    // The first events also prove every socket subscribed: the approver's is the last one opened.
    process.stdout.write(`${args.subscribers + 1} sockets subscribed; warming up with ${args.warmup} tasks…\n`);
    await sleep(500);
    if (args.warmup) await run(args.warmup);
    process.stdout.write(`Filing ${args.tasks} aid applications at ${args.rate}/s, each routed to longfengqiao.approver…\n`);
    const { filedAt, received } = await run(args.tasks);
    const ids = [...received.values()].map((r) => r.taskId);
    const rows: { id: string; at: Date }[] = await sql('select id, inserted_at as at from workflow_task where id = any(?::uuid[])', [`{${ids.join(',')}}`]);
    const committedAt = new Map(rows.map((r) => [r.id, new Date(r.at).getTime()]));
    const delivery = [...received.values()].map((r) => r.at - committedAt.get(r.taskId)!);
    const endToEnd = [...received.entries()].map(([instanceId, r]) => r.at - filedAt.get(instanceId)!);
    const sorted = [...delivery].sort((a, b) => a - b);
    process.stdout.write(`\nDelivery of ${delivery.length} routed tasks to an inboxChanged subscriber (with ${args.subscribers} other subscribers):\n`);
    process.stdout.write(`  task committed → client received:  ${summary(delivery)}\n`);
    process.stdout.write(`  application filed → client received: ${summary(endToEnd)}   (the worker opening the task included)\n`);
    process.stdout.write(`  p99 target ≤ 200 ms from commit: ${percentile(sorted, 99) <= 200 ? 'MET' : 'NOT MET'}\n`);
  } finally {
    await Promise.all(sockets.map((s) => s.close().catch(() => undefined)));
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
