import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The benchmarks' CPU accounting, read from Linux's /proc: what each process of a run spent, not how fast it felt. */

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system) a process has used, in ms; 0 when it is gone or unreadable. */
export function cpuMs(pid: number | undefined): number {
  try {
    // The command name, in parentheses, may hold spaces: the fields counted from after it.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The machine's CPU time so far, in ticks: busy, idle (with I/O wait) and stolen by the hypervisor. */
export function machineTicks(): { busy: number; idle: number; steal: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user! + nice! + system! + irq! + softirq!, idle: idle! + iowait!, steal: steal! };
}

/** CPU so far of each PostgreSQL backend connected to one database, by pid. */
export type BackendCpu = Map<number, number>;

/** The backends' CPU now; `pids` lists the backends connected to the database (from pg_stat_activity). */
export const backendCpu = (pids: readonly number[]): BackendCpu => new Map(pids.map((pid) => [pid, cpuMs(pid)]));

/** What the backends spent between two readings: one that connected meanwhile counts from zero; one that left is missed (pools keep theirs). */
export const backendCpuSpent = (before: BackendCpu, after: BackendCpu): number =>
  [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);

/** The SQL that lists the backends of the connection's database, less the connection itself. */
export const BACKENDS_SQL = 'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()';
