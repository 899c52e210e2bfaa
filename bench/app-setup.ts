// What the app benchmarks share: the policies, the harness in each mode, percentiles, and a
// process's CPU and memory from /proc.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppHarness } from '../test/app/harness.ts';
import { TEST_DATABASE_URL } from '../test/helpers/database.ts';

export const POLICY = `version: 1
policies:
  - name: deploy
    match: { action: ["deploy-*"] }
    approvers: { users: [alice] }
    token: { permissions: { contents: read }, ttl: 15m }
  - name: docs
    match: { action: [publish-docs] }
    auto_approve: [{}]
    token: { permissions: { contents: read } }
`;

/**
 * `paced`: the app's default write limits (a burst of 20 per installation, then 60 a minute).
 * Otherwise GITHUB_WRITES_PER_MINUTE=0: writes still one at a time per installation, unpaced.
 */
export type Mode = { store: 'SQLite' | 'PostgreSQL'; paced: boolean };

/** A harness set up for `mode`, not yet started. */
export function configured(mode: Mode): AppHarness {
  const h = new AppHarness();
  h.env.POLICY_CACHE_SECONDS = '60'; // as in production: the benchmark changes no policy
  if (!mode.paced) h.env.GITHUB_WRITES_PER_MINUTE = '0';
  if (mode.store === 'PostgreSQL')
    h.database = { url: TEST_DATABASE_URL, schema: `bench_${randomBytes(6).toString('hex')}` };
  return h;
}

export const GATE_POLICY = `  - name: gate
    match: { action: [job-gate], environment: [production] }
    approvers: { users: [alice] }
    timeout: 30m
`;

export const harness = (mode: Mode): Promise<AppHarness> => configured(mode).start({ 'p.yml': POLICY });

export const percentile = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

/** Resident memory of a process in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}
