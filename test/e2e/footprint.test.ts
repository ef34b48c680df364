// Memory and start-up (issue 11): what each command loads, the V8 flags the entry applies before the HTTP
// client compiles its WebAssembly HTTP parser, and the young generation that grows with the job (small while
// the job is small). Observed from inside the real process with an --import probe.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, runConnector, tempDir } from '../helpers/connector.js';

/**
 * A preload that records, in order, every V8 flag set at runtime (and the CPU time then) and every WebAssembly
 * module compiled, the
 * largest young generation seen (new_space, sampled every 2 ms and at exit), and at exit the CommonJS packages
 * loaded (undici and ajv are CommonJS: importing them fills require.cache).
 */
const PROBE = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const v8 = require('node:v8');
const events = [];
const cpuAt = {};
let young = 0;
const sampleYoung = () => { young = Math.max(young, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); };
setInterval(sampleYoung, 2).unref();
const setFlags = v8.setFlagsFromString;
const cpuMs = () => { const u = process.cpuUsage(); return Math.round((u.user + u.system) / 1000); };
v8.setFlagsFromString = (flag) => { events.push('flag ' + flag); cpuAt[flag] = cpuMs(); return setFlags(flag); };
syncBuiltinESMExports();
const Module = WebAssembly.Module;
WebAssembly.Module = function (bytes, ...rest) { events.push('wasm'); return new Module(bytes, ...rest); };
process.on('exit', () => {
  sampleYoung();
  const packages = new Set(Object.keys(require.cache).map((f) => /node_modules\\/([^/]+)\\//.exec(f)?.[1]).filter(Boolean));
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ events, cpuAt, young, packages: [...packages].sort() }));
});`;

interface Probed {
  code: number | null;
  events: string[];
  /** CPU ms (user + system) of the process when each flag was set (the last time). */
  cpuAt: Record<string, number>;
  /** The largest new_space.space_size seen, bytes. */
  young: number;
  packages: string[];
}

async function probe(args: string[]): Promise<Probed> {
  const dir = tempDir();
  const out = join(dir, 'probe.json');
  const hook = join(dir, 'probe.mjs');
  writeFileSync(hook, PROBE);
  const child = spawn(process.execPath, ['--import', pathToFileURL(hook).href, resolve('dist/main.js'), ...args], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, PROBE_OUT: out },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  clearTimeout(timer);
  return { code, ...(JSON.parse(readFileSync(out, 'utf8')) as Omit<Probed, 'code'>) };
}

let sandbox: Sandbox;
let config: string;
before(async () => {
  sandbox = await startSandbox({ seed: 42 });
  config = join(tempDir(), 'config.json');
  writeFileSync(config, JSON.stringify({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2020-01-01T00:00:00Z' }));
});
after(() => sandbox.close());

test('spec loads neither the HTTP client (undici) nor the config validator (ajv)', async () => {
  const run = await probe(['spec']);
  assert.equal(run.code, 0);
  assert.ok(!run.packages.includes('undici'), `spec loaded undici: ${run.packages.join(', ')}`);
  assert.ok(!run.packages.includes('ajv'), `spec loaded ajv: ${run.packages.join(', ')}`);
});

test('the entry turns off the TurboFan tier-up of WebAssembly (--liftoff-only) before undici compiles its HTTP parser', async () => {
  const run = await probe(['check', '--config', config]);
  assert.equal(run.code, 0);
  // The probe sees undici when it is loaded: check talks to the sandbox through it.
  assert.ok(run.packages.includes('undici'), `check did not load undici: ${run.packages.join(', ')}`);
  const flag = run.events.indexOf('flag --liftoff-only');
  const wasm = run.events.indexOf('wasm');
  assert.notEqual(flag, -1, `no --liftoff-only set: ${run.events.join(', ')}`);
  assert.notEqual(wasm, -1, `no WebAssembly module compiled: ${run.events.join(', ')}`);
  assert.ok(flag < wasm, `the flag came after the parser was compiled: ${run.events.join(', ')}`);
});

const MB = 1024 * 1024;
// As in src/v8-flags.ts (importing it here would apply its settings to the test runner itself; the last test
// checks these against the built module).
const SMALL_YOUNG_GENERATION_BYTES = 4 * MB;
const LARGE_JOB_ROWS = 10_000;
const LARGE_JOB_CPU_MS = 2500;

async function catalogFile(configFile: string, streams: string[] | 'all'): Promise<string> {
  const discovered = await runConnector('discover', { config: JSON.parse(readFileSync(configFile, 'utf8')) });
  assert.equal(discovered.code, 0, discovered.stderr);
  const file = join(tempDir(), 'catalog.json');
  writeFileSync(file, JSON.stringify(configuredCatalog(discovered.messages.find((m) => m.type === 'CATALOG')!.catalog, streams, 'full_refresh')));
  return file;
}

test('a small read stays set up for memory: young generation held at 4 MB, no TurboFan, old generation growing by 1.5x (what brings the small sync under 80 MB)', async () => {
  const run = await probe(['read', '--config', config, '--catalog', await catalogFile(config, 'all')]);
  assert.equal(run.code, 0);
  const flags = run.events.filter((e) => e.startsWith('flag '));
  assert.ok(flags.includes('flag --heap-growing-percent=50'), `no --heap-growing-percent=50: ${flags.join(', ')}`);
  assert.ok(flags.includes('flag --no-turbofan'), `TurboFan was not turned off: ${flags.join(', ')}`);
  assert.ok(flags.includes('flag --semi-space-growth-factor=1'), `the young generation was never held: ${flags.join(', ')}`);
  // This read announces ~900 rows and uses ~1.2 s of CPU: it never counts as large.
  assert.ok(!flags.includes('flag --turbofan') && !flags.includes('flag --heap-growing-percent=100'), `the small read was taken for a large one: ${flags.join(', ')}`);
  // Left to itself V8 grows it to 32 MB in this read. The watcher looks every 5 ms, so one doubling past the
  // cap may slip through before it holds the size; never more.
  assert.ok(run.young <= 2 * SMALL_YOUNG_GENERATION_BYTES, `young generation reached ${(run.young / MB).toFixed(1)} MB`);
});

test(`a read whose ESTIMATE traces announce ${LARGE_JOB_ROWS} rows is set up for throughput from then on`, async () => {
  const big = await startSandbox({ seed: 42, sizes: { contacts: 12_000, companies: 20, conversations: 20 } });
  try {
    const bigConfig = join(tempDir(), 'config.json');
    writeFileSync(bigConfig, JSON.stringify({ access_token: big.token, base_url: big.url, start_date: '2020-01-01T00:00:00Z' }));
    const run = await probe(['read', '--config', bigConfig, '--catalog', await catalogFile(bigConfig, ['contacts'])]);
    assert.equal(run.code, 0);
    const flags = run.events.filter((e) => e.startsWith('flag '));
    const at = (flag: string) => flags.lastIndexOf(`flag ${flag}`);
    assert.ok(at('--turbofan') > at('--no-turbofan') && at('--no-turbofan') >= 0, `TurboFan was not turned back on: ${flags.join(', ')}`);
    assert.ok(at('--semi-space-growth-factor=2') > at('--semi-space-growth-factor=1'), `the young generation was not let grow: ${flags.join(', ')}`);
    assert.ok(at('--heap-growing-percent=100') > at('--heap-growing-percent=50'), `the old generation was not let grow by 2x: ${flags.join(', ')}`);
    // On the first page's estimate (12,000 contacts), long before the CPU fallback.
    assert.ok(run.cpuAt['--turbofan']! < LARGE_JOB_CPU_MS, `switched at ${run.cpuAt['--turbofan']} ms of CPU, not on the estimate`);
    assert.ok(run.young > SMALL_YOUNG_GENERATION_BYTES, `the young generation stayed at ${(run.young / MB).toFixed(1)} MB`);
  } finally {
    await big.close();
  }
});

test(`a job past ${LARGE_JOB_CPU_MS / 1000} s of CPU is set up for throughput whatever it announced`, async () => {
  // Allocation where objects survive a while (like records in flight), in slices so the watcher's timer runs.
  const script = `
import { getHeapSpaceStatistics } from 'node:v8';
import { cpuUsage } from 'node:process';
const flags = await import(${JSON.stringify(pathToFileURL(resolve('dist/v8-flags.js')).href)});
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const cpuMs = () => { const u = cpuUsage(); return (u.user + u.system) / 1000; };
let small = 0, large = 0, wasLarge = false;
const keep = [];
const slice = () => {
  for (let i = 0; i < 20000; i++) { keep.push({ i, text: 'record ' + i }); if (keep.length > 200000) keep.splice(0, 100000); }
  if (cpuMs() < ${LARGE_JOB_CPU_MS - 200}) { small = Math.max(small, young()); wasLarge ||= flags.jobIsLarge(); }
  else if (cpuMs() > ${LARGE_JOB_CPU_MS + 300}) large = Math.max(large, young());
  if (cpuMs() < ${LARGE_JOB_CPU_MS + 1500}) setImmediate(slice);
  else console.log(JSON.stringify({ small, large, wasLarge, isLarge: flags.jobIsLarge(), cap: flags.SMALL_YOUNG_GENERATION_BYTES, rows: flags.LARGE_JOB_ROWS, cpu: flags.LARGE_JOB_CPU_MS }));
};
slice();`;
  const file = join(tempDir(), 'large-job.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  assert.equal(code, 0);
  const result = JSON.parse(out) as { small: number; large: number; wasLarge: boolean; isLarge: boolean; cap: number; rows: number; cpu: number };
  assert.deepEqual({ cap: result.cap, rows: result.rows, cpu: result.cpu }, { cap: SMALL_YOUNG_GENERATION_BYTES, rows: LARGE_JOB_ROWS, cpu: LARGE_JOB_CPU_MS }, 'src/v8-flags.ts changed: update this test');
  assert.ok(!result.wasLarge && result.isLarge, `large before ${LARGE_JOB_CPU_MS} ms of CPU: ${result.wasLarge}, after: ${result.isLarge}`);
  assert.ok(result.small > 0 && result.small <= 2 * SMALL_YOUNG_GENERATION_BYTES, `before ${LARGE_JOB_CPU_MS} ms of CPU the young generation reached ${(result.small / MB).toFixed(1)} MB`);
  assert.ok(result.large >= 4 * SMALL_YOUNG_GENERATION_BYTES, `after ${LARGE_JOB_CPU_MS} ms of CPU the young generation stayed at ${(result.large / MB).toFixed(1)} MB`);
});

test('once the job is large and busy, each full GC lets the old generation grow by 2x or by 30 MB past what it kept, whichever is more; 2x when it waits', async () => {
  // Flags recorded as the probe does; full GCs forced (--expose-gc) after busy spells (the event loop kept
  // running) with little kept, then with ~50 MB kept, and after an idle spell.
  const script = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
const require = createRequire(import.meta.url);
const v8 = require('node:v8');
const setFlags = v8.setFlagsFromString;
const flags = [];
v8.setFlagsFromString = (flag) => { flags.push(flag); return setFlags(flag); };
syncBuiltinESMExports();
const m = await import(${JSON.stringify(pathToFileURL(resolve('dist/v8-flags.js')).href)});
const growing = () => flags.filter((f) => f.startsWith('--heap-growing-percent=')).map((f) => Number(f.split('=')[1]));
const oldGeneration = () => v8.getHeapSpaceStatistics().filter((s) => !['new_space', 'new_large_object_space', 'read_only_space'].includes(s.space_name)).reduce((sum, s) => sum + s.space_used_size, 0);
const settle = () => new Promise((done) => setTimeout(done, 100));
const busy = () => { const until = performance.now() + 600; let n = 0; while (performance.now() < until) n++; return n; };
globalThis.gc(); await settle();
const whileSmall = growing();
m.rowsAnnounced(m.LARGE_JOB_ROWS);
await settle();
busy(); globalThis.gc(); await settle();
const little = oldGeneration();
const afterLittle = growing();
let keep = [];
for (let i = 0; i < 800000; i++) keep.push({ i, text: 'kept ' + i });
busy(); globalThis.gc(); await settle();
const much = oldGeneration();
const afterMuch = growing();
const kept = keep.length; // read after the GC: what is kept is alive through it
keep = [];
busy(); globalThis.gc(); await settle();
const again = oldGeneration();
const afterAgain = growing();
await settle(); await settle(); await settle();
globalThis.gc(); await settle();
console.log(JSON.stringify({ whileSmall, afterLittle, afterMuch, afterAgain, afterIdle: growing(), little, much, again,
  expectLittle: m.largeJobGrowingPercent(little), expectMuch: m.largeJobGrowingPercent(much), expectAgain: m.largeJobGrowingPercent(again),
  headroom: m.LARGE_JOB_HEADROOM_BYTES, busyShare: m.BUSY_FOR_HEADROOM, kept }));`;
  const file = join(tempDir(), 'old-generation.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--expose-gc', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  assert.equal(code, 0);
  const r = JSON.parse(out) as Record<'whileSmall' | 'afterLittle' | 'afterMuch' | 'afterAgain' | 'afterIdle', number[]> & Record<'little' | 'much' | 'again' | 'expectLittle' | 'expectMuch' | 'expectAgain' | 'headroom' | 'busyShare', number>;
  assert.deepEqual({ headroom: r.headroom, busyShare: r.busyShare }, { headroom: 30 * MB, busyShare: 0.7 }, 'src/v8-flags.ts changed: update this test');
  const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
  // While small: 1.5x from the start, and a full GC changes nothing.
  assert.deepEqual(r.whileSmall, [50]);
  // Large and busy, a few MB kept: 2x at the switch, then what 30 MB of headroom asks for (far more than 2x).
  assert.ok(r.little < 15 * MB, `the old generation kept ${mb(r.little)} before anything was kept`);
  assert.equal(r.afterLittle[1], 100, `not 2x at the switch: ${r.afterLittle.join(', ')}`);
  assert.ok(r.expectLittle >= 200, `${r.expectLittle} % for ${mb(r.little)} kept`);
  assert.equal(r.afterLittle.at(-1), r.expectLittle, `after a busy spell and a full GC keeping ${mb(r.little)}: ${r.afterLittle.join(', ')}`);
  // Past 30 MB kept, 2x is the more: back to 100 %.
  assert.ok(r.much > r.headroom, `only ${mb(r.much)} kept`);
  assert.equal(r.expectMuch, 100);
  assert.equal(r.afterMuch.at(-1), 100, `after a full GC keeping ${mb(r.much)}: ${r.afterMuch.join(', ')}`);
  // Little kept again, busy: the headroom again; then, after an idle spell, 2x.
  assert.ok(r.expectAgain >= 200, `${r.expectAgain} % for ${mb(r.again)} kept`);
  assert.equal(r.afterAgain.at(-1), r.expectAgain, `after a busy spell and a full GC keeping ${mb(r.again)}: ${r.afterAgain.join(', ')}`);
  assert.equal(r.afterIdle.at(-1), 100, `after an idle spell and a full GC: ${r.afterIdle.join(', ')}`);
});
