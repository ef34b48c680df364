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
 * A preload that records, in order, every V8 flag set at runtime and every WebAssembly module compiled, the
 * largest young generation seen (new_space, sampled every 2 ms and at exit), and at exit the CommonJS packages
 * loaded (undici and ajv are CommonJS: importing them fills require.cache).
 */
const PROBE = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const v8 = require('node:v8');
const events = [];
let young = 0;
const sampleYoung = () => { young = Math.max(young, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size); };
setInterval(sampleYoung, 2).unref();
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flag) => { events.push('flag ' + flag); return setFlags(flag); };
syncBuiltinESMExports();
const Module = WebAssembly.Module;
WebAssembly.Module = function (bytes, ...rest) { events.push('wasm'); return new Module(bytes, ...rest); };
process.on('exit', () => {
  sampleYoung();
  const packages = new Set(Object.keys(require.cache).map((f) => /node_modules\\/([^/]+)\\//.exec(f)?.[1]).filter(Boolean));
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ events, young, packages: [...packages].sort() }));
});`;

interface Probed { code: number | null; events: string[]; young: number; packages: string[] }

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
  return { code, ...(JSON.parse(readFileSync(out, 'utf8')) as { events: string[]; young: number; packages: string[] }) };
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
// As in src/v8-flags.ts (importing it here would apply its settings to the test runner itself).
const SMALL_YOUNG_GENERATION_BYTES = 4 * MB;
const LARGE_JOB_CPU_MS = 2500;

test('a small read keeps the young generation small and the old generation growing by 1.5x (what brought the small sync under 80 MB)', async () => {
  const discovered = await runConnector('discover', { config: JSON.parse(readFileSync(config, 'utf8')) });
  const catalogFile = join(tempDir(), 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(configuredCatalog(discovered.messages.find((m) => m.type === 'CATALOG')!.catalog, 'all', 'full_refresh')));
  const run = await probe(['read', '--config', config, '--catalog', catalogFile]);
  assert.equal(run.code, 0);
  assert.ok(run.events.includes('flag --heap-growing-percent=50'), `no --heap-growing-percent=50: ${run.events.join(', ')}`);
  assert.ok(run.events.includes('flag --semi-space-growth-factor=1'), `the young generation was never held: ${run.events.join(', ')}`);
  // Left to itself V8 grows it to 32 MB in this read. The watcher looks every 20 ms, so one doubling past the
  // cap may slip through before it holds the size; never more.
  assert.ok(run.young <= 2 * SMALL_YOUNG_GENERATION_BYTES, `young generation reached ${(run.young / MB).toFixed(1)} MB`);
});

test(`a job past ${LARGE_JOB_CPU_MS / 1000} s of CPU gets V8's own young-generation growth back`, async () => {
  // Allocation where objects survive a while (like records in flight), in slices so the watcher's timer runs.
  const script = `
import { getHeapSpaceStatistics } from 'node:v8';
import { cpuUsage } from 'node:process';
const flags = await import(${JSON.stringify(pathToFileURL(resolve('dist/v8-flags.js')).href)});
const young = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
const cpuMs = () => { const u = cpuUsage(); return (u.user + u.system) / 1000; };
let small = 0, large = 0;
const keep = [];
const slice = () => {
  for (let i = 0; i < 20000; i++) { keep.push({ i, text: 'record ' + i }); if (keep.length > 200000) keep.splice(0, 100000); }
  if (cpuMs() < ${LARGE_JOB_CPU_MS - 200}) small = Math.max(small, young());
  else if (cpuMs() > ${LARGE_JOB_CPU_MS + 300}) large = Math.max(large, young());
  if (cpuMs() < ${LARGE_JOB_CPU_MS + 1500}) setImmediate(slice); else console.log(JSON.stringify({ small, large, cap: flags.SMALL_YOUNG_GENERATION_BYTES, cpu: flags.LARGE_JOB_CPU_MS }));
};
slice();`;
  const file = join(tempDir(), 'large-job.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  assert.equal(code, 0);
  const { small, large, cap, cpu } = JSON.parse(out) as { small: number; large: number; cap: number; cpu: number };
  assert.deepEqual({ cap, cpu }, { cap: SMALL_YOUNG_GENERATION_BYTES, cpu: LARGE_JOB_CPU_MS }, 'the settings of src/v8-flags.ts changed: update this test');
  assert.ok(small > 0 && small <= 2 * SMALL_YOUNG_GENERATION_BYTES, `before ${LARGE_JOB_CPU_MS} ms of CPU the young generation reached ${(small / MB).toFixed(1)} MB`);
  assert.ok(large >= 4 * SMALL_YOUNG_GENERATION_BYTES, `after ${LARGE_JOB_CPU_MS} ms of CPU the young generation stayed at ${(large / MB).toFixed(1)} MB`);
});
