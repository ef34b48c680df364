// `node .build/bench/compare.js DIST_A DIST_B[@NODE][#FLAG,...] [...] [--contacts N] [--rounds K] [--workers N]
// [--keep-responses] [--callgrind]`: the pipeline read with two (or more) builds of the connector, interleaved run by
// run against one prewarmed sandbox, so the machine's load falls on every build alike. Prints the connector's CPU
// time per record (user + sys, the figure the other processes of a shared machine disturb least), records/s and
// peak RSS of each run. A build is a dist folder, run by another node binary after `@`, with node flags after `#`
// (`dist#--max-semi-space-size=64`: the same build with a flag). --keep-responses: the sandbox keeps whole
// response bodies (as `npm run bench -- pipeline` has it), filled by one read that is not counted.
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { catalogFor, RESPONSE_CACHE_BYTES, runRead, sandboxProcess } from './harness.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args.splice(at, 2)[1]);
};
const contacts = flag('contacts', 30_000);
const rounds = flag('rounds', 3);
const workers = flag('workers', -1);
// --callgrind: instruction counts (valgrind), which the load of a shared machine does not change at all.
const callgrind = args.includes('--callgrind') ? args.splice(args.indexOf('--callgrind'), 1) && true : false;
const keepResponses = args.includes('--keep-responses') ? args.splice(args.indexOf('--keep-responses'), 1) && true : false;
// A build is a dist folder, or DIST@NODE: that dist run by another node binary (e.g. the image's newer Node);
// and #FLAG,FLAG: node flags for it.
const builds = args.length ? args : ['dist'];
const flagsOf = (build: string) => build.split('#')[1]?.split(',').filter(Boolean) ?? [];
const distOf = (build: string) => build.split('#')[0]!.split('@')[0]!;
const nodeOf = (build: string) => build.split('#')[0]!.split('@')[1];
const streams = (process.env.BENCH_STREAMS ?? 'users,leads,companies,conversations').split(',');

const sandbox = await sandboxProcess({
  seed: 42, sizes: { contacts, companies: Math.round(contacts / 20), conversations: Math.round(contacts / 5) }, rateLimitPerMinute: 0, prewarm: true,
  responseCacheBytes: keepResponses ? RESPONSE_CACHE_BYTES : 0,
});
const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
const catalog = await catalogFor(config, streams);
if (keepResponses) await runRead({ config, catalog });
const figures = new Map<string, number[]>(builds.map((b) => [b, []]));
// Besides CPU: records/s, and the main thread's CPU per record and busy share (its CPU time over the wall time:
// what is left is waiting, on the server or the reader, or other processes running in its place).
const rates = new Map<string, number[]>(builds.map((b) => [b, []]));
const mains = new Map<string, number[]>(builds.map((b) => [b, []]));
const busy = new Map<string, number[]>(builds.map((b) => [b, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const build of builds) {
      const out = join(tmpdir(), `callgrind-${process.pid}-${round}-${figures.size}.out`);
      const wrap = callgrind ? ['valgrind', '--tool=callgrind', '--quiet', `--callgrind-out-file=${out}`] : undefined;
      const run = await runRead({ config, catalog, wrap, main: join(resolve(distOf(build)), 'main.js'), node: nodeOf(build), nodeFlags: flagsOf(build), env: workers < 0 ? undefined : { SOURCE_INTERCOM_WORKERS: String(workers) } });
      if (callgrind) {
        // "summary: N" (or "totals: N") in the output file: every instruction of every thread.
        const text = readFileSync(out, 'utf8');
        const total = Number(/^(?:summary|totals):\s+(\d+)/m.exec(text)?.[1]);
        rmSync(out, { force: true });
        figures.get(build)!.push(total / run.records / 1000);
        console.log(`round ${round} ${build}: ${run.records} records, ${(total / run.records / 1000).toFixed(1)} k instructions/record, exit ${run.exitCode}`);
        continue;
      }
      const us = (1e6 * run.cpuSeconds) / run.records;
      figures.get(build)!.push(us);
      const mainUs = (1e6 * run.mainCpuSeconds) / run.records;
      rates.get(build)!.push(run.records / run.seconds);
      mains.get(build)!.push(mainUs);
      busy.get(build)!.push((100 * run.mainCpuSeconds) / run.seconds);
      console.log(`round ${round} ${build}: ${run.records} records, ${us.toFixed(1)} us CPU/record (main thread ${mainUs.toFixed(1)}, busy ${((100 * run.mainCpuSeconds) / run.seconds).toFixed(0)} %), ${Math.round(run.records / run.seconds)} records/s, RSS ${run.peakRssMb} MB, exit ${run.exitCode} (load ${loadavg()[0]!.toFixed(2)})`);
    }
  }
} finally {
  await sandbox.stop();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [build, values] of figures) {
  const unit = callgrind ? 'k instructions/record' : 'us CPU/record';
  const more = callgrind ? '' : `; main thread ${median(mains.get(build)!).toFixed(1)} us/record, busy ${median(busy.get(build)!).toFixed(0)} %; ${Math.round(median(rates.get(build)!))} records/s`;
  console.log(`${build}: median ${median(values).toFixed(1)} ${unit} (min ${Math.min(...values).toFixed(1)})${more}`);
}
