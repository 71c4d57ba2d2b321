import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { buildDist } from '../support/throwaway';

/** `npm run chaos`, short: the compiled script on its own PostgreSQL and Redis, its exit code and what it printed. */
describe('the chaos run', () => {
  let dist: string;
  beforeAll(() => {
    dist = buildDist();
  }, 180000);

  const run = (args: string[], timeoutMs: number) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [join(dist, 'scripts/chaos.js'), ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
      child.stdin?.end();
    });

  it('prints its usage for --help and exits 0', async () => {
    const res = await run(['--help'], 10000);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('usage: npm run chaos');
  });

  it('kills and stops workers, flushes Redis, takes it down and restarts PostgreSQL under load, and finds every invariant holding', async () => {
    // About 90 s on an idle machine; the bound leaves room for a loaded one.
    const res = await run(['--duration', '50', '--workers', '2'], 230000);
    const invariants = res.stdout.split('\n').filter((l) => / violations {2}/.test(l));
    expect({ code: res.code, stderr: res.stderr.slice(-2000) }).toEqual({ code: 0, stderr: '' });
    expect(invariants.length).toBeGreaterThanOrEqual(11);
    for (const line of invariants) expect(line).toMatch(/^\s+0 violations {2}/);
    expect(res.stdout).toContain('No violations.');
    const faults = res.stdout.match(/^ {2}faults: +(.*)$/m)?.[1] ?? '';
    expect(Number(faults.match(/worker killed \(-9\) (\d+)/)?.[1])).toBeGreaterThanOrEqual(3);
    expect(faults).toMatch(/Redis FLUSHALL 1/);
    expect(faults).toMatch(/Redis down 10 s 1/);
    expect(faults).toMatch(/PostgreSQL restart 1/);
    expect(faults).toMatch(/worker stopped \(SIGTERM\) 1/);
    // The load was real: decisions and votes went through while all this happened.
    expect(Number(res.stdout.match(/decide approve (\d+)/)?.[1])).toBeGreaterThan(20);
    expect(Number(res.stdout.match(/vote (\d+)/)?.[1])).toBeGreaterThan(5);
  }, 240000);
});
