import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root';

// Shared with the scripts that break servers on purpose (npm run chaos).
export { AppProcess, freePort, ThrowawayPostgres, ThrowawayRedis } from '../../scripts/support/processes';

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
