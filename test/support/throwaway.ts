import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-root';

// Shared with the scripts that break servers on purpose (npm run chaos).
export { AppProcess, freePort, ThrowawayPostgres, ThrowawayRedis } from '../../scripts/support/processes';

/** Compiles src/ into dist/ (what `npm run build` does), so a test can run the real entry points as processes. */
export function buildDist(): string {
  const root = projectRoot();
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  return join(root, 'dist');
}
