// `npm run demo`: starts a fresh sandbox, runs a full read of every stream with the built connector
// (dist/main.js) exactly as Airbyte would (files in, lines out), saves the raw messages and prints a table.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { startSandbox } from '../sandbox/index.js';
import type { AirbyteCatalog } from '../src/airbyte/protocol.js';
import { configuredCatalog } from '../test/helpers/catalog.js';

interface Line { type: string; record?: { stream: string }; state?: { stream: { stream_descriptor: { name: string }; stream_state?: unknown } }; trace?: { type: string; error?: { message: string }; stream_status?: { stream_descriptor: { name: string }; status: string } }; log?: { level: string; message: string }; catalog?: AirbyteCatalog }

function run(args: string[], onLine: (line: string) => void): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve('dist/main.js'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    createInterface({ input: child.stdout }).on('line', onLine);
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
}

const sandbox = await startSandbox({ seed: 42 });
const dir = resolve('demo-output');
mkdirSync(dir, { recursive: true });
const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));

let catalog: Line['catalog'];
await run(['discover', '--config', join(dir, 'config.json')], (line) => {
  const msg = JSON.parse(line) as Line;
  if (msg.type === 'CATALOG') catalog = msg.catalog;
});
if (!catalog) throw new Error('discover printed no CATALOG');
const configured = configuredCatalog(catalog, 'all', 'incremental');
writeFileSync(join(dir, 'catalog.json'), JSON.stringify(configured, null, 2));

const messagesFile = join(dir, 'messages.jsonl');
const out = createWriteStream(messagesFile);
const records = new Map<string, number>();
const states = new Map<string, unknown>();
const statuses = new Map<string, string>();
const errors: string[] = [];
const started = Date.now();
const exitCode = await run(['read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], (line) => {
  out.write(line + '\n');
  const msg = JSON.parse(line) as Line;
  if (msg.type === 'RECORD') records.set(msg.record!.stream, (records.get(msg.record!.stream) ?? 0) + 1);
  else if (msg.type === 'STATE') states.set(msg.state!.stream.stream_descriptor.name, msg.state!.stream.stream_state);
  else if (msg.type === 'TRACE' && msg.trace!.type === 'STREAM_STATUS') statuses.set(msg.trace!.stream_status!.stream_descriptor.name, msg.trace!.stream_status!.status);
  else if (msg.type === 'TRACE' && msg.trace!.type === 'ERROR') errors.push(msg.trace!.error!.message);
});
out.end();
const seconds = (Date.now() - started) / 1000;
await sandbox.close();

const rows = catalog.streams.map((s) => [s.name, String(records.get(s.name) ?? 0), statuses.get(s.name) ?? '-', JSON.stringify(states.get(s.name) ?? null)]);
const header = ['stream', 'records', 'status', 'final state'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const fmt = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
console.log(fmt(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(fmt(r));
const total = [...records.values()].reduce((a, b) => a + b, 0);
console.log(`\n${total} records from ${catalog.streams.length} streams in ${seconds.toFixed(1)} s; connector exit code ${exitCode}.`);
console.log(`Raw Airbyte messages saved to ${messagesFile}`);
for (const e of errors) console.log(`ERROR: ${e}`);
process.exitCode = exitCode;
