// Page workers (issue 11), seen from outside: the built connector reads the same sandbox with no page worker
// (SOURCE_INTERCOM_WORKERS=0) and with two, and says exactly the same RECORDs and STATEs, in the same order (each
// stream read alongside, the companies scroll and the whole lists, in its own);
// the workers really took the large searches' pages (the connector's INFO line), not the small ones. A page
// whose items are not JSON fails the stream with a transient_error, as it would on the main thread; a bad
// worker count is a config_error naming the variable.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import type { ApiVersion } from '../../sandbox/versions.js';
import { PAGE_WORKERS_FROM } from '../../src/intercom/replication.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pageWorkerCount, usableCores } from '../../src/intercom/workers/count.js';
import { families, streamNames } from '../../src/intercom/catalog.js';
import { customAttributesOf, type CustomAttributeCatalog } from '../../src/intercom/custom-attributes.js';
import { availableParallelism } from 'node:os';
import { configuredCatalog, records, runConnector, tempDir, traces, type Message, type RunResult } from '../helpers/connector.js';
import { startSlowProxy } from '../helpers/slow-sandbox.js';

/** Users (about 70 % of the contacts) and conversations above PAGE_WORKERS_FROM, leads below it. */
const SIZES = { contacts: 3000, companies: 60, conversations: 2100, tickets: 3, partsHeavy: 0 };
const STREAMS = ['users', 'users__companies', 'users__tags', 'users__social_profiles', 'leads', 'leads__tags', 'conversations', 'conversations__tags', 'companies'];

let sandbox: Sandbox;
let catalog: { streams: any[] };
const config = () => ({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' });

before(async () => {
  sandbox = await startSandbox({ seed: 17, sizes: SIZES });
  catalog = (await runConnector('discover', { config: config() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(() => sandbox.close());

/**
 * The streams of passes read alongside the others (the companies scroll, the whole lists: ReadGroup.alongside):
 * their lines fall between the others' and each other's as round trips end, so each is compared in its own order,
 * apart.
 */
const ALONGSIDE = new Set(families().filter((f) => f.root.alongside).flatMap((f) => streamNames(f)));

/** The stream a message is about, if any. */
function streamOf(m: Message): string | undefined {
  if (m.type === 'RECORD') return m.record.stream;
  if (m.type === 'STATE') return m.state.stream?.stream_descriptor?.name;
  if (m.type === 'TRACE') return (m.trace.stream_status?.stream_descriptor ?? m.trace.error?.stream_descriptor)?.name ?? m.trace.estimate?.name;
  return undefined;
}

/**
 * What must not differ: every RECORD (emitted_at aside) and STATE, in order, and the TRACE kinds; the lines of
 * each stream read alongside (ALONGSIDE) after the others, in its own order.
 */
function said(result: RunResult): string[] {
  const lines = result.messages.filter((m) => m.type === 'RECORD' || m.type === 'STATE' || m.type === 'TRACE');
  const inTurn = lines.filter((m) => !ALONGSIDE.has(streamOf(m) ?? ''));
  const alongside = [...ALONGSIDE].sort().flatMap((name) => lines.filter((m) => streamOf(m) === name));
  return [...inTurn, ...alongside].map((m) => {
    if (m.type === 'RECORD') return JSON.stringify({ ...m.record, emitted_at: 0 });
    if (m.type === 'TRACE') return `TRACE ${m.trace.type} ${JSON.stringify(m.trace.stream_status ?? m.trace.estimate ?? m.trace.error ?? null)}`;
    return JSON.stringify(m);
  });
}

const logs = (messages: Message[]) => messages.filter((m) => m.type === 'LOG').map((m) => m.log.message as string);

function read(workers: number, catalogToRead: unknown, state?: unknown): Promise<RunResult> {
  return runConnector('read', { config: config(), catalog: catalogToRead, state, env: { SOURCE_INTERCOM_WORKERS: String(workers) }, timeoutMs: 180_000 });
}

describe('full refresh', () => {
  let inline: RunResult;
  let workers: RunResult;
  before(async () => {
    const full = configuredCatalog(catalog, STREAMS, 'full_refresh');
    [inline, workers] = [await read(0, full), await read(2, full)];
  });

  test('both complete without an error', () => {
    for (const run of [inline, workers]) {
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(traces(run.messages, 'ERROR'), []);
    }
  });

  test('the same records, states and traces, in the same order', () => {
    const a = said(inline);
    const b = said(workers);
    assert.equal(b.length, a.length);
    for (let i = 0; i < a.length; i++) assert.equal(b[i], a[i], `message ${i}`);
    assert.ok(records(inline.messages, 'users').length >= PAGE_WORKERS_FROM);
    assert.ok(records(inline.messages, 'users__tags').length > 0);
    assert.ok(records(inline.messages, 'conversations__tags').length > 0);
    // Users whose inline tag list said it had more: their full list came from a follow-up request, so these
    // records went back to the main thread as they were, between prepared ones.
    const tagsPerUser = new Map<string, number>();
    for (const row of records(workers.messages, 'users__tags')) tagsPerUser.set(row._sdc_source_key_id as string, (tagsPerUser.get(row._sdc_source_key_id as string) ?? 0) + 1);
    assert.ok([...tagsPerUser.values()].some((n) => n > 10), 'some users had more than the 10 inline tags');
  });

  test('with no worker, users pages read as Latin-1 text: each record as the UTF-8 way makes it from the ground truth', async () => {
    // The connector's INFO line says this thread prepared the users' pages (workers/prepare-page.ts).
    assert.match(logs(inline.messages).find((l) => l.startsWith('stream users:')) ?? '', /^stream users: \d+ pages prepared as Latin-1 text$/);
    const attributes: CustomAttributeCatalog = {};
    for (const model of ['contact', 'company'] as const) {
      const res = await fetch(`${sandbox.url}/data_attributes?model=${model}`, { headers: { authorization: `Bearer ${sandbox.token}`, accept: 'application/json' } });
      attributes[model] = customAttributesOf(((await res.json()) as { data: [] }).data);
    }
    const users = families(attributes).find((f) => f.root.name === 'users')!;
    let compared = 0;
    let beyondAscii = 0;
    for (const record of records(inline.messages, 'users')) {
      const truth = sandbox.workspace.get('users', String(record.id)) as Record<string, any>;
      if (truth.tags?.has_more || truth.companies?.has_more) continue; // completed by a follow-up request
      users.transform(truth);
      assert.equal(JSON.stringify(record), JSON.stringify(truth), `user ${record.id}`);
      compared++;
      if (/[^\x00-\x7f]/.test(JSON.stringify(truth))) beyondAscii++;
    }
    assert.ok(compared >= PAGE_WORKERS_FROM * 0.8, `${compared} users compared`);
    assert.ok(beyondAscii > compared / 2, `${beyondAscii} of them hold text beyond ASCII`);
  });

  test('users completed by follow-up requests: the same records whether their lists\' bodies can be read as Latin-1 or not', async () => {
    // With no worker, a crowded user stays in its Latin-1 reading through its follow-ups when the bodies allow it
    // (the run above); here every companies body escapes its characters beyond ASCII (\u00eb for ë: the same JSON),
    // which no Latin-1 reading can give back, so those users are mended and finished the UTF-8 way.
    let escaped = 0;
    const proxy = await startSlowProxy(sandbox.url, {
      answer: (req) => {
        const match = /^\/contacts\/([^/]+)\/companies$/.exec(req.path);
        const version = String(req.headers['intercom-version'] ?? '') as ApiVersion;
        const data = match ? sandbox.workspace.contactCompanies(decodeURIComponent(match[1]!), version) : undefined;
        if (!data) return undefined;
        const body = JSON.stringify({ type: 'list', data, total_count: data.length, pages: { type: 'pages', page: 1, per_page: Math.max(50, data.length), total_pages: 1 } });
        const ascii = body.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
        if (ascii !== body) escaped++;
        return { status: 200, body: ascii };
      },
    });
    try {
      const run = await runConnector('read', { config: { ...config(), base_url: proxy.url }, catalog: configuredCatalog(catalog, ['users', 'users__companies'], 'full_refresh'), env: { SOURCE_INTERCOM_WORKERS: '0' }, timeoutMs: 180_000 });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(escaped > 10, `${escaped} companies bodies held text beyond ASCII`);
      for (const stream of ['users', 'users__companies']) {
        const expected = records(inline.messages, stream).map((r) => JSON.stringify(r));
        assert.deepEqual(records(run.messages, stream).map((r) => JSON.stringify(r)), expected, stream);
      }
    } finally {
      await proxy.close();
    }
  });

  test('custom attribute changes (meta) come through the workers too', () => {
    const metas = workers.messages.filter((m) => m.type === 'RECORD' && m.record.stream === 'users' && m.record.meta);
    assert.ok(metas.length > 0, 'the sandbox has users whose custom attributes do not fit their type');
  });

  test('the workers took the pages of the large searches only', () => {
    const said = logs(workers.messages).filter((l) => l.includes('page worker threads'));
    assert.equal(said.length, 2, said.join('\n'));
    assert.match(said.find((l) => l.startsWith('stream users:')) ?? '', /^stream users: \d+ pages prepared by page worker threads$/);
    assert.match(said.find((l) => l.startsWith('stream conversations:')) ?? '', /pages prepared/);
    assert.ok(records(inline.messages, 'leads').length < PAGE_WORKERS_FROM, 'leads stay below the threshold');
    assert.deepEqual(logs(inline.messages).filter((l) => l.includes('page worker')), []);
  });
});

test('incremental from a saved state: the same records and states (the bounds decided on prepared records)', async () => {
  const streams = ['users', 'users__tags', 'users__companies', 'conversations'];
  const incremental = configuredCatalog(catalog, streams, 'incremental');
  const first = await read(0, incremental);
  // A cursor in the middle of the users' updated_at: the 30-day window reaches back from there.
  const updated = records(first.messages, 'users').map((r) => r.updated_at as string).sort();
  const middle = updated[Math.floor(updated.length / 2)]!;
  const state = streams.map((name) => ({
    type: 'STREAM',
    stream: { stream_descriptor: { name }, stream_state: name.startsWith('users') ? { [name === 'users' ? 'updated_at' : '_sdc_source_updated_at']: middle } : {} },
  }));
  const [inline, workers] = [await read(0, incremental, state), await read(2, incremental, state)];
  assert.equal(inline.code, 0);
  assert.equal(workers.code, 0);
  const kept = records(inline.messages, 'users').length;
  assert.ok(kept > 0 && kept < updated.length, `the state cuts the users (${kept} of ${updated.length})`);
  assert.deepEqual(said(workers), said(inline));
});

describe('a page whose items are not JSON', () => {
  let server: Server;
  let url: string;
  before(async () => {
    // Contacts search pages above the size the body is cut at (96 KB), total_count above the threshold; the
    // last item of the second page is broken inside, where only a full parse sees it.
    const item = (i: number) => JSON.stringify({ type: 'contact', id: `c${i}`, role: 'user', updated_at: 1_700_000_000 - i, name: 'x'.repeat(900) });
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url?.startsWith('/data_attributes')) return res.end('{"type":"list","data":[]}');
        if (req.url === '/contacts/search') {
          const after = JSON.parse(body).pagination?.starting_after;
          const page = after === undefined ? 0 : 1;
          const items = Array.from({ length: 150 }, (_, i) => item(page * 150 + i));
          if (page === 1) items[149] = items[149]!.replace('"role":"user"', '"role":usr');
          const next = page === 0 ? { starting_after: 'p1' } : null;
          return res.end(`{"type":"list","data":[${items.join(',')}],"total_count":${PAGE_WORKERS_FROM + 500},"pages":{"type":"pages","next":${JSON.stringify(next)}}}`);
        }
        res.statusCode = 404;
        res.end('{"type":"error.list","errors":[{"code":"not_found","message":"Not found"}]}');
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('fails the stream with a transient_error after the good page, as on the main thread', async () => {
    const cfg = { access_token: 'tok_workers_test', base_url: url, start_date: '2000-01-01T00:00:00Z' };
    const result = await runConnector('read', { config: cfg, catalog: configuredCatalog(catalog, ['users'], 'full_refresh'), env: { SOURCE_INTERCOM_WORKERS: '2' } });
    assert.equal(result.code, 1);
    assert.equal(records(result.messages, 'users').length, 150, 'the first page was read');
    const errors = traces(result.messages, 'ERROR');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].error.failure_type, 'transient_error');
    assert.match(errors[0].error.message, /POST \/contacts\/search returned a page whose items are not valid JSON/);
  });
});

describe('the number of page workers', () => {
  test('none when unset; auto is one per core beyond the first, at most 2; a number decides when set', () => {
    assert.equal(pageWorkerCount(undefined, 8), 0);
    assert.equal(pageWorkerCount(' ', 8), 0);
    assert.equal(pageWorkerCount('auto', 1), 0);
    assert.equal(pageWorkerCount('auto', 2), 1);
    assert.equal(pageWorkerCount('auto', 3), 2);
    assert.equal(pageWorkerCount(' auto ', 64), 2);
    assert.equal(pageWorkerCount('0', 8), 0);
    assert.equal(pageWorkerCount('6', 2), 6);
  });

  test('the cores counted are bounded by a cgroup CPU quota (v2 cpu.max, v1 cfs quota), never above availableParallelism', () => {
    const cores = availableParallelism();
    const v2 = tempDir();
    writeFileSync(join(v2, 'cpu.max'), '150000 100000\n');
    assert.equal(usableCores(v2), Math.min(cores, 2), '1.5 CPUs: 2 cores');
    writeFileSync(join(v2, 'cpu.max'), 'max 100000\n');
    assert.equal(usableCores(v2), cores, 'no quota');
    const v1 = tempDir();
    mkdirSync(join(v1, 'cpu'));
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '100000\n');
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_period_us'), '100000\n');
    assert.equal(usableCores(v1), 1, 'one CPU: one core, so no page worker by default');
    assert.equal(pageWorkerCount('auto', usableCores(v1)), 0);
    writeFileSync(join(v1, 'cpu', 'cpu.cfs_quota_us'), '-1\n');
    assert.equal(usableCores(v1), cores, 'v1 without a quota');
    assert.equal(usableCores(tempDir()), cores, 'no cgroup files');
  });

  test('a value that is not a count is a config_error naming the variable', async () => {
    const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['users'], 'full_refresh'), env: { SOURCE_INTERCOM_WORKERS: 'lots' } });
    assert.equal(result.code, 1);
    const errors = traces(result.messages, 'ERROR');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].error.failure_type, 'config_error');
    assert.match(errors[0].error.message, /SOURCE_INTERCOM_WORKERS must be a whole number of page worker threads from 0 to 16, or auto, not "lots"/);
    assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, 'no stack trace');
  });
});
