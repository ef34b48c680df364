// Memory and start-up (issue 11): what each command loads, and the V8 flags the entry applies before the HTTP
// client compiles its WebAssembly HTTP parser. Observed from inside the real process with an --import probe.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { tempDir } from '../helpers/connector.js';

/**
 * A preload that records, in order, every V8 flag set at runtime and every WebAssembly module compiled, and at
 * exit the CommonJS packages loaded (undici and ajv are CommonJS: importing them fills require.cache).
 */
const PROBE = `
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { writeFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const v8 = require('node:v8');
const events = [];
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (flag) => { events.push('flag ' + flag); return setFlags(flag); };
syncBuiltinESMExports();
const Module = WebAssembly.Module;
WebAssembly.Module = function (bytes, ...rest) { events.push('wasm'); return new Module(bytes, ...rest); };
process.on('exit', () => {
  const packages = new Set(Object.keys(require.cache).map((f) => /node_modules\\/([^/]+)\\//.exec(f)?.[1]).filter(Boolean));
  writeFileSync(process.env.PROBE_OUT, JSON.stringify({ events, packages: [...packages].sort() }));
});`;

interface Probed { code: number | null; events: string[]; packages: string[] }

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
  return { code, ...(JSON.parse(readFileSync(out, 'utf8')) as { events: string[]; packages: string[] }) };
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
