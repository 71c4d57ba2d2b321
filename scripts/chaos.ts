/**
 * A bounded fault run: the API and several workers as processes, on a PostgreSQL cluster and a Redis of the run's
 * own (never the shared 5432/6379 ones), with the demo data, under a mixed load of the three workflows over
 * GraphQL, while workers are killed (-9) and stopped (SIGTERM), Redis is flushed and taken down, and PostgreSQL is
 * restarted. Then the load stops, the run waits (bounded) for the work to settle, and checks in SQL what must hold
 * whatever broke: money, history, tasks, honours, obligations. Exits 1 on any violation.
 *
 *   npm run chaos [-- --duration 240 --workers 3]
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { projectRoot } from '../src/common/project-root';
import { loadConfig } from '../src/config/env';
import { PersonalDataCipher } from '../src/members/personal-data.cipher';
import { DEFAULT_SEED, seedDatabase } from '../seeds/run';
import { GqlAnswer, GraphqlClient } from './support/graphql-client';
import { invariants, TROUBLED_INSTANCES } from './support/invariants';
import { AppProcess, freePort, productionEnv, ThrowawayPostgres, ThrowawayRedis } from './support/processes';

const USAGE = `usage: npm run chaos [-- --duration <seconds> --workers <n>]

  --duration  how long the load and the faults run, in seconds (default 240; 30 to 3600). The full run
              (240 s) kills a worker with -9 at least 20 times, flushes Redis twice, takes Redis down for
              30 s, restarts PostgreSQL twice and stops a worker with SIGTERM twice; shorter runs scale down.
  --workers   worker processes (default 3; 2 to 6)

Then it waits up to 120 s for the work to settle, prints each invariant with its count of violations and
exits 1 if any has one.`;

interface Args {
  duration: number;
  workers: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { duration: 240, workers: 3 };
  const bounds: Record<keyof Args, [number, number]> = { duration: [30, 3600], workers: [2, 6] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const key = flag.replace(/^--/, '') as keyof Args;
    const value = Number(argv[++i]);
    if (!(key in bounds) || !Number.isInteger(value) || value < bounds[key][0] || value > bounds[key][1]) {
      throw new Error(`bad argument ${flag} ${argv[i] ?? ''}\n${USAGE}`);
    }
    args[key] = value;
  }
  return args;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A stable number 0–99 for a string, so an actor makes the same choice for the same task on every retry. */
const dice = (s: string, salt = '') => {
  let h = 2166136261;
  for (const c of salt + s) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % 100;
};
const count = (m: Map<string, number>, key: string, n = 1) => m.set(key, (m.get(key) ?? 0) + n);
const listed = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

/** Settings that make the faults show within seconds: short reconciler periods, workflow deadlines in seconds. */
const RUN_ENV = {
  LOG_LEVEL: 'info',
  QUEUE_PREFIX: 'chaos',
  RECONCILE_PERIOD_MS: '500',
  RECONCILE_GRACE_MS: '2000',
  FAILED_WORK_RETRY_MS: '2000',
  JOB_ATTEMPTS: '4',
  SHUTDOWN_GRACE_MS: '5000',
  WORKER_CONCURRENCY: '10',
  // A 3-day step is 13 s, a 7-day public notice 30 s: reminders, escalations and notices end during the run.
  WORKFLOW_TIME_SCALE: '0.00005',
};
const GRACE_MS = Number(RUN_ENV.SHUTDOWN_GRACE_MS);
const SETTLE_MS = 120_000;

const repairLines = (p: AppProcess) => p.output.split('\n').filter((l) => l.includes('"reconciler repaired obligations"'));

/** The API and the worker processes; each worker slot is restarted after a fault. Output goes to `logDir`. */
class Fleet {
  api!: AppProcess;
  readonly workers: AppProcess[] = [];
  /** Slots a fault is working on, so two faults never take the same one. */
  readonly busy = new Set<number>();
  private generation = 0;
  /** The reconcilers' repair lines of worker processes that have exited and been replaced. */
  private readonly retiredRepairs: string[] = [];

  constructor(
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  private spawn(entry: string, name: string, env: Record<string, string> = {}): AppProcess {
    const p = AppProcess.start(join(projectRoot(), 'dist', 'src', entry), [], { ...this.env, ...env });
    const file = join(this.logDir, `${name}.${++this.generation}.log`);
    void p.exited.then(() => writeFileSync(file, p.output));
    return p;
  }

  startApi(port: number): void {
    this.api = this.spawn('main.js', 'api', { PORT: String(port), LOG_LEVEL: 'warn' });
  }

  startWorker(slot: number): AppProcess {
    return (this.workers[slot] = this.spawn('worker.js', `worker${slot}`));
  }

  ready(slot: number): boolean {
    const w = this.workers[slot];
    return !!w && w.running && w.output.includes('workers running');
  }

  /** A running worker no fault holds, ready ones first; undefined when none. */
  pick(): number | undefined {
    const free = this.workers.map((_, i) => i).filter((i) => !this.busy.has(i) && this.workers[i]!.running);
    const ready = free.filter((i) => this.ready(i));
    const from = ready.length ? ready : free;
    return from[Math.floor(Math.random() * from.length)];
  }

  retire(p: AppProcess): void {
    this.retiredRepairs.push(...repairLines(p));
  }

  /** The reconcilers' repairs, summed over the log lines of every worker process so far. */
  repairs(): Map<string, number> {
    const totals = new Map<string, number>();
    for (const line of [...this.retiredRepairs, ...this.workers.flatMap(repairLines)]) {
      // A process killed mid-write leaves half a line.
      const entry = (() => {
        try {
          return JSON.parse(line) as Record<string, number>;
        } catch {
          return {};
        }
      })();
      for (const k of ['resent', 'failed', 'retried']) count(totals, k, entry[k] ?? 0);
    }
    return totals;
  }

  async stopAll(): Promise<void> {
    const all = [this.api, ...this.workers].filter(Boolean);
    for (const p of all) if (p.running) p.child.kill('SIGTERM');
    await Promise.race([Promise.all(all.map((p) => p.exited)), sleep(GRACE_MS + 3000)]);
    for (const p of all) p.kill();
    await Promise.all(all.map((p) => p.exited));
  }
}

/** What the load and the faults did, for the summary. */
const tally = {
  faults: new Map<string, number>(),
  acts: new Map<string, number>(),
  refusals: new Map<string, number>(),
  sigtermExits: [] as string[],
  uncleanExits: 0,
};

const FILE_AID = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id } }`;
const FILE_EXPENSE = `mutation($input: SubmitExpenseInput!) { submitExpense(input: $input) { id } }`;
const NOMINATE = `mutation($input: NominateForAwardInput!) { nominateForAward(input: $input) { id } }`;
const INBOX = `{ myTasks(first: 100) { edges { node { id step kind instanceId actions openedAt } } } }`;
const DECIDE = `mutation($t: ID!, $a: String!, $c: String, $k: String!) { decide(taskId: $t, action: $a, comment: $c, idempotencyKey: $k) { seq } }`;
const VOTE = `mutation($t: ID!, $a: Boolean!, $c: String, $k: String!) { castVote(taskId: $t, approve: $a, comment: $c, idempotencyKey: $k) { seq } }`;
const RESUBMIT = `mutation($i: ID!, $ch: JSONObject, $k: String!) { resubmit(instanceId: $i, changes: $ch, comment: "已补充材料", idempotencyKey: $k) { seq } }`;
const WITHDRAW = `mutation($i: ID!, $k: String!) { withdraw(instanceId: $i, comment: "申请人撤回", idempotencyKey: $k) { seq } }`;
const OBJECT = `mutation($i: ID!, $k: String!) { objectToNomination(instanceId: $i, reason: "群众反映事迹有出入", idempotencyKey: $k) { id } }`;

interface Task {
  id: string;
  step: string;
  kind: 'TASK' | 'VOTE' | 'APPLICANT';
  instanceId: string;
  actions: string[];
  openedAt: string;
}

/** Who and what the load works with, read from the demo data. */
interface World {
  cityAid: string;
  cityEducation: string;
  /** Active members of the unions that have staff accounts (their aid applications are verified there). */
  unionMembers: string[];
  /** Active members anywhere, to nominate. */
  members: string[];
  /** Those unions' dues funds. */
  duesFunds: string[];
  /** Accounts that find tasks in their inboxes: the unions' staff, the counties' approvers, the city's staff and committee. */
  reviewers: string[];
}

/** One GraphQL act; refusals are counted by code and reason, a lost connection as NETWORK. */
async function act(client: GraphqlClient, what: string, query: string, variables: Record<string, unknown>, token: string): Promise<boolean> {
  let res: GqlAnswer;
  try {
    res = await client.gql(query, variables, token);
  } catch {
    count(tally.refusals, 'NETWORK');
    return false;
  }
  if (res.errors?.length) {
    const e = res.errors[0]!.extensions;
    count(tally.refusals, `${e?.code ?? 'UNKNOWN'}${e?.reason ? `/${e.reason}` : ''}`);
    return false;
  }
  count(tally.acts, what);
  return true;
}

/**
 * The load: the administrator files aid applications, expenses and nominations in turn and answers returns;
 * the city's approver, finance officer and auditor decide what reaches their inboxes after a think time (a few
 * slow enough for reminders and escalations to fire); the selection committee votes; now and then someone
 * objects to a nomination on public notice.
 */
class Load {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly done = new Set<string>();

  constructor(
    private readonly client: GraphqlClient,
    private readonly tokens: Record<string, string>,
    private readonly world: World,
    private readonly db: Pool,
  ) {}

  start(): void {
    this.loops.push(this.loop(400, (i) => this.file(i)));
    for (const who of ['admin', ...this.world.reviewers]) this.loops.push(this.loop(1000, () => this.answer(who)));
    this.loops.push(this.loop(3000, () => this.objectToOne()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async loop(everyMs: number, body: (i: number) => Promise<unknown>): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const started = Date.now();
      await body(i).catch(() => count(tally.refusals, 'LOAD_ERROR'));
      await sleep(Math.max(0, everyMs - (Date.now() - started)));
    }
  }

  private file(i: number): Promise<boolean> {
    const { unionMembers: members, duesFunds } = this.world;
    const key = `chaos-file-${i}`;
    const admin = this.tokens.admin!;
    switch (i % 3) {
      case 0: {
        // One in five from the small education fund, for large amounts: it runs dry and disbursements fail.
        const education = i % 15 === 0;
        const input = education
          ? { memberId: members[i % members.length], aidType: 'EDUCATION', fundId: this.world.cityEducation, amount: 9_000_000, reason: '求学圆梦 chaos' }
          : { memberId: members[i % members.length], aidType: 'HARDSHIP', fundId: this.world.cityAid, amount: i % 2 ? 300_000 : 600_000, reason: '困难帮扶 chaos' };
        return act(this.client, 'file aid application', FILE_AID, { input: { ...input, idempotencyKey: key } }, admin);
      }
      case 1: {
        // Now and then a large one, which goes on to the county and drains the union's fund until a booking fails.
        const amount = i % 18 === 1 ? 2_100_000 : 30_000;
        const input = { fundId: duesFunds[i % duesFunds.length], category: 'ACTIVITY', amount, description: '职工文体活动 chaos', idempotencyKey: key };
        return act(this.client, 'submit expense', FILE_EXPENSE, { input }, admin);
      }
      default: {
        // Each nominee once per award, so nominations never collide; any member: the county reviews it.
        const members = this.world.members;
        const slot = Math.floor(i / 3);
        const awards = ['MODEL_WORKER', 'ADVANCED_WORKER', 'MAY_DAY_MEDAL', 'TECHNICAL_EXPERT', 'CRAFTSMAN'];
        const input = { memberId: members[slot % members.length], award: awards[Math.floor(slot / members.length) % awards.length], awardLevel: 'CITY', year: 2026, citation: '爱岗敬业 chaos', idempotencyKey: key };
        return act(this.client, 'nominate', NOMINATE, { input }, admin);
      }
    }
  }

  /** Acts on what is in `who`'s inbox once its think time has passed. */
  private async answer(who: string): Promise<void> {
    const token = this.tokens[who]!;
    const res = await this.client.gql<{ myTasks: { edges: { node: Task }[] } }>(INBOX, {}, token).catch(() => undefined);
    const tasks = res?.data?.myTasks.edges.map((e) => e.node) ?? [];
    let acted = 0;
    for (const task of tasks) {
      if (this.stopped || acted >= 8) break;
      const mark = `${who}:${task.id}`;
      if (this.done.has(mark)) continue;
      // Mostly 0–6 s; one task in ten waits 15–35 s, past its reminder or deadline.
      const thinkMs = dice(task.id, 'slow') < 10 ? 15_000 + dice(task.id) * 200 : dice(task.id) * 60;
      if (Date.now() - new Date(task.openedAt).getTime() < thinkMs) continue;
      acted++;
      if (await this.decide(who, task, token)) this.done.add(mark);
    }
  }

  private decide(who: string, task: Task, token: string): Promise<boolean> {
    const key = `chaos.${who}.${task.id}`;
    const roll = dice(task.id, who);
    if (task.kind === 'VOTE') {
      const approve = roll < 85;
      return act(this.client, 'vote', VOTE, { t: task.id, a: approve, c: approve ? null : '事迹不够突出', k: key }, token);
    }
    if (task.kind === 'APPLICANT') {
      if (roll < 80) {
        // A correction of an expense halves it, so it fits the fund the next time.
        const changes = task.step === 'CORRECTION' ? { amount: 40_000 } : null;
        return act(this.client, 'resubmit', RESUBMIT, { i: task.instanceId, ch: changes, k: key }, token);
      }
      return act(this.client, 'withdraw', WITHDRAW, { i: task.instanceId, k: key }, token);
    }
    const has = (a: string) => task.actions.includes(a);
    const action =
      has('approve') ? (roll < 82 ? 'approve' : roll < 90 && has('reject') ? 'reject' : has('return') ? 'return' : has('sendBack') ? 'sendBack' : 'approve')
      : has('retry') ? (roll < 60 ? 'retry' : 'reject')
      : has('clear') ? (roll < 70 ? 'clear' : 'uphold')
      : task.actions[0]!;
    return act(this.client, `decide ${action}`, DECIDE, { t: task.id, a: action, c: `chaos 审核意见 ${action}`, k: key }, token);
  }

  /** Someone objects to one nomination on public notice in three. */
  private async objectToOne(): Promise<void> {
    const { rows } = await this.db.query<{ id: string }>(`select id from workflow_instance where state = 'PUBLIC_NOTICE' order by random() limit 1`);
    const id = rows[0]?.id;
    if (!id || this.done.has(`object:${id}`) || dice(id, 'object') >= 33) return;
    this.done.add(`object:${id}`);
    await act(this.client, 'object to a nomination', OBJECT, { i: id, k: `chaos-object-${id}` }, this.tokens['city.finance']!);
  }
}

/** The faults, on a schedule spread over the run: times in ms from the start. */
function schedule(durationMs: number): { at: number; fault: 'kill' | 'sigterm' | 'flush' | 'redis-down' | 'pg-restart' }[] {
  const long = durationMs >= 180_000;
  const kills = Math.max(3, Math.round(durationMs / 11_000));
  return [
    ...Array.from({ length: kills }, (_, i) => ({ at: durationMs * (0.05 + (0.87 * i) / Math.max(1, kills - 1)), fault: 'kill' as const })),
    ...[0.15, ...(long ? [0.75] : [])].map((f) => ({ at: durationMs * f, fault: 'flush' as const })),
    ...[0.25, ...(long ? [0.8] : [])].map((f) => ({ at: durationMs * f, fault: 'sigterm' as const })),
    { at: durationMs * 0.35, fault: 'redis-down' as const },
    ...[0.6, ...(long ? [0.88] : [])].map((f) => ({ at: durationMs * f, fault: 'pg-restart' as const })),
  ].sort((a, b) => a.at - b.at);
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const durationMs = args.duration * 1000;
  const outageMs = Math.min(30_000, Math.max(10_000, Math.round(durationMs / 8)));
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const logDir = mkdtempSync(join(tmpdir(), 'gonghui-chaos-'));
  const started = Date.now();

  const pg = await ThrowawayPostgres.start();
  const redis = await ThrowawayRedis.start();
  const databaseUrl = `${pg.server}/gonghui_chaos`;
  const env = { ...productionEnv(), ...RUN_ENV, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, HOST: '127.0.0.1' };
  const fleet = new Fleet(env, logDir);
  const db = new Pool({ connectionString: databaseUrl, max: 3 });
  // Sessions end when PostgreSQL restarts; the pool replaces them.
  db.on('error', () => undefined);
  /** The one number an invariant's query answers. */
  const violationsOf = async (sql: string) => Number(Object.values((await db.query(sql)).rows[0] as object)[0]);
  let client: GraphqlClient | undefined;
  let violations = 0;
  /** Set once the run has checked everything and found nothing: only then do its logs go. */
  let passed = false;
  try {
    say(`Chaos run: ${args.duration} s of load and faults, 1 API and ${args.workers} workers, PostgreSQL on :${pg.port}, Redis on :${redis.port}; logs in ${logDir} (kept if it finds violations)`);
    const seeded = await seedDatabase(databaseUrl, 'demo', DEFAULT_SEED, { cipher: PersonalDataCipher.fromConfig(loadConfig(process.env, env)) });
    say(`Seeded the demo data in ${(seeded.elapsedMs / 1000).toFixed(1)} s.`);
    // Quotas out of the way: the run is about faults, not about counties running out of places.
    await db.query('update award_quota set quota = 100000');
    const column = async (q: string) => (await db.query<{ v: string }>(q)).rows.map((r) => r.v);
    const staffedUnions = `select r.organization_id from role_assignment r join organization o on o.id = r.organization_id where o.level = 'GRASSROOTS' and r.role = 'APPROVER'`;
    const world: World = {
      cityAid: (await column(`select f.id as v from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'HARDSHIP_AID'`))[0]!,
      cityEducation: (await column(`select f.id as v from fund f join organization o on o.id = f.owner_id where o.level = 'CITY' and f.kind = 'EDUCATION_AID'`))[0]!,
      unionMembers: await column(`select id as v from member where status = 'ACTIVE' and organization_id in (${staffedUnions}) order by id`),
      members: await column(`select id as v from member where status = 'ACTIVE' order by id`),
      duesFunds: await column(`select id as v from fund where kind = 'UNION_DUES' and owner_id in (${staffedUnions}) order by id`),
      reviewers: await column(
        `select distinct a.username as v from account a join role_assignment r on r.account_id = a.id join organization o on o.id = r.organization_id
          where (o.level in ('GRASSROOTS', 'CITY') and r.role in ('APPROVER', 'FINANCE', 'AUDITOR')) or (o.level = 'COUNTY' and r.role = 'APPROVER')
          order by 1`,
      ),
    };

    const port = await freePort();
    fleet.startApi(port);
    for (let slot = 0; slot < args.workers; slot++) fleet.startWorker(slot);
    client = new GraphqlClient(`http://127.0.0.1:${port}/`);
    await client.waitUntilServing();
    await Promise.all(fleet.workers.map((w) => w.says('workers running')));
    const tokens = Object.fromEntries(await Promise.all(['admin', ...world.reviewers].map(async (u) => [u, (await client!.signIn(u)).token] as const)));

    const load = new Load(client, tokens, world, db);
    const loadStarted = Date.now();
    load.start();
    say('Load running; faults:');
    const at = () => `${((Date.now() - loadStarted) / 1000).toFixed(0).padStart(4)} s`;

    /** Kills a worker with -9 and starts another in its slot a moment later. */
    const kill = async () => {
      const slot = fleet.pick();
      if (slot === undefined) return;
      fleet.busy.add(slot);
      const w = fleet.workers[slot]!;
      w.child.kill('SIGKILL');
      await w.exited;
      fleet.retire(w);
      count(tally.faults, 'worker killed (-9)');
      await sleep(1000);
      fleet.startWorker(slot);
      fleet.busy.delete(slot);
    };
    /** Stops a worker with SIGTERM under load: it must exit 0 within its grace. */
    const sigterm = async () => {
      const slot = fleet.pick();
      if (slot === undefined) return;
      fleet.busy.add(slot);
      const w = fleet.workers[slot]!;
      const signalled = Date.now();
      w.child.kill('SIGTERM');
      const exit = await Promise.race([w.exited, sleep(GRACE_MS + 3000).then(() => undefined)]);
      const ms = Date.now() - signalled;
      if (!exit) w.kill();
      const clean = !!exit && exit.code === 0 && exit.signal === null && ms <= GRACE_MS + 1000;
      if (!clean) tally.uncleanExits++;
      tally.sigtermExits.push(exit ? `exit ${exit.code ?? exit.signal} in ${(ms / 1000).toFixed(1)} s` : `still running after ${ms} ms, killed`);
      say(`${at()}  SIGTERM to worker ${slot}: ${tally.sigtermExits.at(-1)}${clean ? '' : '  ← NOT CLEAN'}`);
      await w.exited;
      fleet.retire(w);
      count(tally.faults, 'worker stopped (SIGTERM)');
      fleet.startWorker(slot);
      fleet.busy.delete(slot);
    };
    const faults = {
      kill,
      sigterm,
      flush: async () => {
        if (!redis.running) return;
        redis.flushAll();
        count(tally.faults, 'Redis FLUSHALL');
        say(`${at()}  Redis FLUSHALL`);
      },
      'redis-down': async () => {
        await redis.kill();
        say(`${at()}  Redis killed, down for ${outageMs / 1000} s`);
        await sleep(outageMs);
        await redis.restart();
        count(tally.faults, `Redis down ${outageMs / 1000} s`);
        say(`${at()}  Redis back (empty) on :${redis.port}`);
      },
      'pg-restart': async () => {
        const t0 = Date.now();
        pg.restartServer();
        count(tally.faults, 'PostgreSQL restart');
        say(`${at()}  PostgreSQL restarted (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      },
    };
    const running = schedule(durationMs).map(({ at: when, fault }) =>
      sleep(when).then(() => faults[fault]().catch((error) => say(`${at()}  fault ${fault} could not be injected: ${(error as Error).message}`))),
    );
    await sleep(durationMs);
    await Promise.all(running);
    await load.stop();
    say(`${at()}  load stopped; ${listed(tally.faults)}`);

    // Settle: every slot running, then until nothing is stuck, overdue or failed (bounded).
    for (let slot = 0; slot < args.workers; slot++) if (!fleet.workers[slot]!.running) fleet.startWorker(slot);
    const checks = invariants(Number(RUN_ENV.RECONCILE_GRACE_MS) + 3000);
    const settling = checks.filter((c) => /stuck|overdue|failed work/.test(c.name));
    const settleStarted = Date.now();
    let quiet = 0;
    while (quiet < 3 && Date.now() - settleStarted < SETTLE_MS) {
      const open = await Promise.all(settling.map((c) => violationsOf(c.sql)));
      quiet = open.every((n) => n === 0) ? quiet + 1 : 0;
      await sleep(1000);
    }
    say(`Settled in ${((Date.now() - settleStarted) / 1000).toFixed(0)} s${quiet < 3 ? ' (bound reached: not settled)' : ''}.`);

    const stats = (await db.query(`select definition_key, status, count(*) as n from workflow_instance group by 1, 2 order by 1, 2`)).rows;
    say('\nInvariants:');
    for (const c of checks) {
      const n = await violationsOf(c.sql);
      violations += n;
      say(`  ${String(n).padStart(5)} violations  ${c.name}`);
    }
    say(`  ${String(tally.uncleanExits).padStart(5)} violations  every SIGTERM'd worker exited 0 within SHUTDOWN_GRACE_MS (${tally.sigtermExits.join('; ') || 'none sent'})`);
    violations += tally.uncleanExits;
    if (violations) {
      const troubled = (await db.query(TROUBLED_INSTANCES)).rows;
      if (troubled.length) say(`\nInstances to look at:\n${troubled.map((r) => `  ${JSON.stringify(r)}`).join('\n')}`);
    }

    say('\nSummary:');
    say(`  faults:     ${listed(tally.faults)}`);
    say(`  acts:       ${listed(tally.acts)}`);
    say(`  refused:    ${listed(tally.refusals)}`);
    say(`  repairs:    ${listed(fleet.repairs())}   (the reconcilers' log lines)`);
    say(`  instances:  ${stats.map((r) => `${r.definition_key} ${r.status.toLowerCase()} ${r.n}`).join(', ')}`);
    say(`  total time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    say(violations ? `\n${violations} violations.` : '\nNo violations.');
    passed = !violations;
  } finally {
    client?.close();
    await fleet.stopAll().catch(() => undefined);
    await db.end().catch(() => undefined);
    await redis.kill();
    pg.destroy();
    if (passed) rmSync(logDir, { recursive: true, force: true });
  }
  return violations;
}

main().then(
  (violations) => process.exit(violations ? 1 : 0),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(2);
  },
);
