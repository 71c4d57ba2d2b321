/**
 * Servers and processes of a run's own, for the tests and the scripts that break them: a PostgreSQL cluster and a
 * Redis on other ports (the shared ones on 5432 and 6379 are never touched), and the built app's entry points as
 * child processes. Everything is stopped by the handle it was started with, never by name.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config/env';

/** Polls until `probe` returns a value, for work done asynchronously elsewhere. Bounded, never sleeps blind. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Node's flags in production (README, Configuration): an old generation capped at 384 MB makes V8 collect it
 * well before that, where by default it let garbage grow the API past 300 MB under read load.
 */
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=384';

/** What the environment schema requires in production, with fresh secrets, and Node's flags: for processes that run as production does. */
export function productionEnv(): Record<string, string> {
  const key = () => randomBytes(32).toString('base64');
  return {
    NODE_ENV: 'production',
    NODE_OPTIONS: PRODUCTION_NODE_OPTIONS,
    JWT_SECRET: randomBytes(32).toString('hex'),
    PII_KEYS: `p1:${key()}`,
    PII_INDEX_KEY: key(),
  };
}

/**
 * Production mode for a process that must read what `config` wrote (a benchmark's seed, made with the
 * development keys): the same personal-data keys, spelled out, since production has no defaults.
 */
export function productionEnvOf(config: Pick<AppConfig, 'PII_KEYS' | 'PII_ACTIVE_KEY_ID' | 'PII_INDEX_KEY'>): Record<string, string> {
  return {
    ...productionEnv(),
    PII_KEYS: [...config.PII_KEYS].map(([id, key]) => `${id}:${key.toString('base64')}`).join(','),
    PII_ACTIVE_KEY_ID: config.PII_ACTIVE_KEY_ID,
    PII_INDEX_KEY: config.PII_INDEX_KEY.toString('base64'),
  };
}

function pgBin(tool: string): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin/${tool}`).find(existsSync);
  return found ?? tool;
}

/**
 * A PostgreSQL cluster of its own, on its own port and directory, to stop and restart: the shared one on 5432 is
 * never touched. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
 */
export class ThrowawayPostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** `postgresql://postgres@127.0.0.1:<port>`, without a database name. */
  get server(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'gh-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const pg = new ThrowawayPostgres(await freePort(), dir);
    pg.run(pgBin('initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    pg.startServer();
    return pg;
  }

  /** Starts (again) on the same port and data. */
  startServer(): void {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run(pgBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options, '-w', 'start']);
  }

  /** Stops like an outage: `fast` ends every session at once (57P01), as a restart does. */
  stopServer(): void {
    this.run(pgBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'fast', '-w', 'stop']);
  }

  /** What an operator's `pg_ctl restart` does: every session ended, the server back on the same port. */
  restartServer(): void {
    this.stopServer();
    this.startServer();
  }

  destroy(): void {
    try {
      this.stopServer();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(command: string, args: string[]): void {
    if (process.getuid?.() === 0) {
      const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', quoted], { stdio: 'pipe' });
    } else {
      execFileSync(command, args, { stdio: 'pipe' });
    }
  }
}

/** A Redis of its own on another port, without persistence, killed by its PID: never the shared one on 6379. */
export class ThrowawayRedis {
  private child?: ChildProcess;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts it (again) on the same port, empty, as a restart without persistence would. */
  async restart(): Promise<void> {
    if (this.running) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(async () => {
      try {
        return execFileSync('redis-cli', ['-p', String(this.port), 'ping'], { stdio: 'pipe' }).toString().includes('PONG');
      } catch {
        return false;
      }
    }, 10000, 'redis-server to answer');
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Loses every key, as a restart without persistence or a failover to a lagging replica would. */
  flushAll(): void {
    execFileSync('redis-cli', ['-p', String(this.port), 'flushall'], { stdio: 'pipe' });
  }

  /** Kills it outright, as a crash or a lost host would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

/** A process of the built app, with its output kept and its exit awaited. */
export class AppProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => (this.output += chunk));
    child.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  static start(script: string, args: string[], env: Record<string, string>): AppProcess {
    return new AppProcess(spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until its output says `text`; fails early if it exits first. */
  async says(text: string, timeoutMs = 30000): Promise<void> {
    await eventually(async () => {
      if (!this.running && !this.output.includes(text)) throw new Error(`process exited before saying "${text}":\n${this.output}`);
      return this.output.includes(text);
    }, timeoutMs, `"${text}" in the process output`);
  }

  /** Kills it outright if it still runs. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
