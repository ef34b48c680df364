// `node .build/bench/profile.js`: where the connector's main thread spends its time in the pipeline scenario
// (50,000 contacts, prewarmed sandbox in its own process; SOURCE_INTERCOM_WORKERS=1 to see what stays on the
// main thread with a page worker), and the ceiling JSON itself puts on one thread for these records.
// Writes bench/results/pipeline-profile.txt.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseJsonBody } from '../src/intercom/http/json-body.js';
import { catalogFor, sandboxProcess } from './harness.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }

const sandbox = await sandboxProcess({ seed: 42, sizes: { contacts: 50_000, companies: 2_500, conversations: 10_000 }, rateLimitPerMinute: 0, prewarm: true });
const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
writeFileSync(join(dir, 'catalog.json'), JSON.stringify(await catalogFor(config, ['users', 'leads', 'companies', 'conversations'])));
const started = Date.now();
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '200', `--cpu-prof-dir=${dir}`, resolve('dist/main.js'), 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
let bytes = 0;
let records = 0;
const RECORD = Buffer.from('{"type":"RECORD"');
for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
  bytes += chunk.length;
  for (let at = chunk.indexOf(RECORD); at !== -1; at = chunk.indexOf(RECORD, at + 1)) records++;
}
await new Promise((done) => (child.exitCode !== null ? done(null) : child.on('exit', done)));
const seconds = (Date.now() - started) / 1000;
await sandbox.stop();

const profile = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0')!), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
for (const id of profile.samples) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
  self.set(key, (self.get(key) ?? 0) + 1);
}
/** The `count` largest shares of the samples, one line each. */
const shares = (counts: Map<string, number>, count: number) =>
  [...counts].sort((a, b) => b[1] - a[1]).slice(0, count).map(([k, n]) => `${((100 * n) / profile.samples.length).toFixed(1).padStart(5)}%  ${k}`);
// Self time by the module of the nearest frame of ours (src/...) up the stack: where the connector's own code
// spends, natives and Node internals included.
const parents = new Map<number, number>();
for (const n of profile.nodes as (ProfileNode & { children?: number[] })[]) for (const c of n.children ?? []) parents.set(c, n.id);
const ownerOf = (id: number): string => {
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const { url } = nodes.get(at)!.callFrame;
    const m = /\/dist\/(.+)\.js$/.exec(url);
    if (m) return m[1]!;
  }
  return nodes.get(id)!.callFrame.functionName || '(no frame of ours)';
};
const byModule = new Map<string, number>();
for (const id of profile.samples) {
  const owner = ownerOf(id);
  byModule.set(owner, (byModule.get(owner) ?? 0) + 1);
}
// Inclusive time of each function of ours (a sample counts once per function on its stack).
const inclusive = new Map<string, number>();
for (const id of profile.samples) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const { functionName, url, lineNumber } = nodes.get(at)!.callFrame;
    const m = /\/dist\/(.+)\.js$/.exec(url);
    if (!m) continue;
    const key = `${functionName || '(anonymous)'} ${m[1]}:${lineNumber + 1}`;
    if (!seen.has(key)) inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
    seen.add(key);
  }
}

// The JSON ceiling: parse one page of 150 of the records just read, stringify them as RECORD lines.
const sample = await (async () => {
  const sb = await sandboxProcess({ seed: 42, sizes: { contacts: 300 } });
  const body = await fetch(`${sb.url}/contacts/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sb.token}`, accept: 'application/json', 'content-type': 'application/json', 'intercom-version': '2.14' },
    body: JSON.stringify({ query: { field: 'role', operator: '=', value: 'user' }, pagination: { per_page: 150 } }),
  });
  const text = Buffer.from(await body.arrayBuffer());
  await sb.stop();
  return text;
})();
const rounds = 200;
const time = (fn: () => void) => { const t = process.hrtime.bigint(); for (let i = 0; i < rounds; i++) fn(); return Number(process.hrtime.bigint() - t) / 1e9; };
let page: { data: unknown[] } = { data: [] };
const decode = time(() => sample.toString('utf8'));
const text = sample.toString('utf8');
const parse = time(() => { page = JSON.parse(text); });
// One line per record, as the emitter does: joined into one page-sized string, the lines would land in V8's
// large-object space and cost several times more (the figure before 2026-12-02 did that: ~32k/s, not ~90k/s).
let lines: string[] = [];
const stringify = time(() => { lines = page.data.map((data) => JSON.stringify({ type: 'RECORD', record: { stream: 'users', data, emitted_at: 0 } })); });
const out = Buffer.allocUnsafe(4 * sample.length);
const encode = time(() => { let at = 0; for (const line of lines) at += out.write(line, at, 'utf8'); });
// What the connector does instead of decode + JSON.parse: the body parsed in pieces (src/intercom/http/json-body.ts).
const pieces = time(() => parseJsonBody(sample));
const perRecord = (s: number) => Math.round((rounds * page.data.length) / s);
const ceiling = Math.round(1 / (1 / perRecord(decode) + 1 / perRecord(parse) + 1 / perRecord(stringify) + 1 / perRecord(encode)));
const piecewiseCeiling = Math.round(1 / (1 / perRecord(pieces) + 1 / perRecord(stringify) + 1 / perRecord(encode)));

const report = [
  `pipeline profile: ${records} records, ${(bytes / 1e6).toFixed(0)} MB, ${seconds.toFixed(1)} s, ${Math.round(records / seconds)} records/s (${process.version})`,
  `self time of the connector's main thread${process.env.SOURCE_INTERCOM_WORKERS ? ` (SOURCE_INTERCOM_WORKERS=${process.env.SOURCE_INTERCOM_WORKERS})` : ''}:`,
  ...shares(self, 15),
  'time by the module of ours nearest up the stack:',
  ...shares(byModule, 15),
  'inclusive time of functions of ours:',
  ...shares(inclusive, 25),
  '',
  `JSON work per record on one thread (users records, ${(sample.length / page.data.length / 1000).toFixed(1)} KB each):`,
  `  decode ${perRecord(decode)}/s, JSON.parse ${perRecord(parse)}/s, JSON.stringify ${perRecord(stringify)}/s, encode ${perRecord(encode)}/s`,
  `  together: at most ${ceiling} records/s on one thread, before any other work`,
  `  parsed in pieces (json-body.ts) ${perRecord(pieces)}/s instead of decode + JSON.parse of the whole page: at most ${piecewiseCeiling} records/s`,
].join('\n');
console.log(report);
writeFileSync('bench/results/pipeline-profile.txt', report + '\n');
