// How many page worker threads a read may start: SOURCE_INTERCOM_WORKERS (none when unset), `auto`: one per core beyond the first
// (at most 2), counting only the cores the process may use: a container's CPU quota (cgroup v2 cpu.max, v1
// cpu.cfs_quota_us) bounds them, as os.availableParallelism() does not (Kubernetes CPU limits are quotas).
// At most 2 with `auto`: on 2 cores one worker takes a quarter of the main thread's per-record work (36.8 -> 27.9
// us), two and four no more (29.0, 28.6: README "Benchmarks", 2026-12-04), so more threads only cost memory.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { configError } from '../../airbyte/errors.js';
import { quote } from '../../airbyte/quote.js';

/** The environment variable that sets how many page worker threads a read may start (0: none). */
export const WORKERS_VARIABLE = 'SOURCE_INTERCOM_WORKERS';
export const MAX_DEFAULT_WORKERS = 2;

/**
 * The variable's value: a whole number, 0 to 16; `auto`, one per usable core beyond the first, at most 2; unset,
 * none. None by default: at 1M contacts one worker took the peak RSS from 147-158 MB to 226 MB, over the 200 MB
 * bound (bench/HISTORY.md), for +15-37 % records/s on 2 cores then, and for no gain since the rows are made as
 * text on the main thread (22,220 records/s with one against 22,679 with none, README "Benchmarks", 2026-12-04).
 */
export function pageWorkerCount(value: string | undefined, cores: number): number {
  if (value === undefined || value.trim() === '') return 0;
  if (value.trim() === 'auto') return Math.max(0, Math.min(MAX_DEFAULT_WORKERS, Math.floor(cores) - 1));
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 16) {
    throw configError(`${WORKERS_VARIABLE} must be a whole number of page worker threads from 0 to 16, or auto, not ${quote(value)}.`);
  }
  return n;
}

/** Cores from a CPU quota: `cpu.max` text ("max 100000" or "<quota> <period>"), or v1's quota and period. */
export function quotaCores(quota: number, period: number): number | undefined {
  return quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : undefined;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The cores this process may use: availableParallelism(), bounded by a cgroup CPU quota when one is set. */
export function usableCores(root = '/sys/fs/cgroup'): number {
  const cores = availableParallelism();
  const v2 = read(`${root}/cpu.max`)?.split(/\s+/);
  const v1 = [read(`${root}/cpu/cpu.cfs_quota_us`) ?? read(`${root}/cpu,cpuacct/cpu.cfs_quota_us`), read(`${root}/cpu/cpu.cfs_period_us`) ?? read(`${root}/cpu,cpuacct/cpu.cfs_period_us`)];
  const quota = v2 && v2.length === 2 ? quotaCores(v2[0] === 'max' ? -1 : Number(v2[0]), Number(v2[1])) : quotaCores(Number(v1[0] ?? -1), Number(v1[1] ?? -1));
  return quota === undefined ? cores : Math.min(cores, quota);
}
