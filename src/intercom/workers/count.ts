// How many page worker threads a read may start: SOURCE_INTERCOM_WORKERS (none when unset), `auto`: one per core beyond the first
// (at most 2), counting only the cores the process may use: a container's CPU quota (cgroup v2 cpu.max, v1
// cpu.cfs_quota_us) bounds them, as os.availableParallelism() does not (Kubernetes CPU limits are quotas).
// At most 2 by default: measured (bench/HISTORY.md), one worker takes about half of the per-record work off
// the main thread, so with two the main thread alone is the limit and more threads only cost memory.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { configError } from '../../airbyte/errors.js';
import { quote } from '../../airbyte/quote.js';

/** The environment variable that sets how many page worker threads a read may start (0: none). */
export const WORKERS_VARIABLE = 'SOURCE_INTERCOM_WORKERS';
export const MAX_DEFAULT_WORKERS = 2;

/**
 * The variable's value: a whole number, 0 to 16; `auto`, one per usable core beyond the first, at most 2; unset,
 * none. None by default because of memory: at 1M contacts one worker took the peak RSS from 147-158 MB to
 * 226 MB, over the 200 MB bound (bench/HISTORY.md), for +15-37 % records/s on 2 cores.
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
