import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root';
import { eventually } from './workflow';

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

function pgBin(tool: string): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => `/usr/lib/postgresql/${v}/bin/${tool}`).find(existsSync);
  return found ?? tool;
}

/**
 * A PostgreSQL cluster of a test's own, on its own port and directory, for tests that stop the database:
 * the shared one on 5432 is never touched. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
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

/** A Redis of a test's own on another port, killed by its PID: never the shared one on 6379. */
export class ThrowawayRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const redis = new ThrowawayRedis(port, child);
    await eventually(async () => {
      try {
        return execFileSync('redis-cli', ['-p', String(port), 'ping']).toString().includes('PONG');
      } catch {
        return false;
      }
    }, 10000, 'redis-server to answer');
    return redis;
  }

  /** Loses every key, as a restart without persistence or a failover to a lagging replica would. */
  flushAll(): void {
    execFileSync('redis-cli', ['-p', String(this.port), 'flushall']);
  }

  /** Kills it outright, as a crash or a lost host would. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** Compiles src/ into dist/ (what `npm run build` does), so a test can run the real entry points as processes. */
export function buildDist(): string {
  const root = projectRoot();
  const dist = join(root, 'dist');
  // Test files run in parallel: one builds at a time, and a build the sources have not changed since is kept, so
  // a process another test started from dist/ never reads a file in the middle of being rewritten.
  const lock = join(root, '.dist-build.lock');
  for (const until = Date.now() + 300_000; ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) throw new Error(`${lock} is held; remove it if no build is running`);
      execFileSync('sleep', ['0.2']);
    }
  }
  try {
    const stamp = String(Math.max(...['src', 'seeds', 'scripts', 'tsconfig.build.json', 'tsconfig.json'].map((p) => newest(join(root, p)))));
    const stampFile = join(dist, '.sources-stamp');
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dist;
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
    writeFileSync(stampFile, stamp);
    return dist;
  } finally {
    rmdirSync(lock);
  }
}

/** The latest modification time of a file or of anything below a folder. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** A process of the built app, with its output kept and its exit awaited. */
export class AppProcess {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  constructor(
    readonly child: ChildProcess,
  ) {
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

  /** Kills it if a failed test left it running. */
  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
