import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildDist } from '../support/throwaway';

/** Every script answers --help with its usage and exit 0, before it touches a database. */
describe('the scripts', () => {
  let dist: string;
  beforeAll(() => {
    dist = buildDist();
  }, 300000);

  it.each(['seeds/run.js', 'scripts/bench-workflow.js', 'scripts/bench-members.js', 'scripts/bench-inbox.js', 'scripts/bench-live.js', 'scripts/verify.js'])('%s --help prints its usage and exits 0', (script) => {
    const out = execFileSync(process.execPath, [join(dist, script), '--help'], {
      env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
      timeout: 30000,
    }).toString();
    expect(out).toMatch(/^usage: /);
  });
});
