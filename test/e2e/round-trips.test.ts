// At Intercom's latency a sync's time is mostly round trips: what does not wait for another answer is asked at
// once. Seen from outside, through a proxy that holds every request 150 ms: the whole lists (admins, teams, tags,
// segments, data attributes) are read alongside one another and the passes after them, and a contacts pass asks
// its per-segment searches (segment membership) together, not one segment after the other; the rows are those of
// the sandbox's lists, each contact's segments in the list's order (test/e2e/read.test.ts checks that too). The
// contacts passes of one read share one segment list, unless asking for it failed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, records, runConnector, type RunResult } from '../helpers/connector.js';
import { posted, startSlowProxy, type SlowProxy } from '../helpers/slow-sandbox.js';

const LATENCY_MS = 150;

let sandbox: Sandbox;
let proxy: SlowProxy;
let config: Record<string, unknown>;
let catalog: Parameters<typeof configuredCatalog>[0];

before(async () => {
  sandbox = await startSandbox({ seed: 43, sizes: { contacts: 300, companies: 10, conversations: 10, tickets: 2, partsHeavy: 0 } });
  proxy = await startSlowProxy(sandbox.url, { delayMs: () => LATENCY_MS });
  config = { access_token: sandbox.token, base_url: proxy.url, start_date: '2000-01-01T00:00:00Z' };
  catalog = (await runConnector('discover', { config })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => {
  await proxy.close();
  await sandbox.close();
});

/** A read's `{pass}__segments` rows and the sandbox's membership for that pass, as `contact:index:segment`, sorted. */
function segmentRows(run: RunResult, pass: 'users' | 'leads' | 'contacts'): { expected: string[]; emitted: string[] } {
  const w = sandbox.workspace;
  const ids = pass === 'contacts' ? [...w.ids('users'), ...w.ids('leads')] : w.ids(pass);
  const expected = ids.flatMap(({ id }) => (w.contactSegments(id) ?? []).map((s, i) => `${id}:${i}:${String(s.id)}`)).sort();
  const emitted = records(run.messages, `${pass}__segments`).map((r) => `${r._sdc_source_key_id}:${r._sdc_level_0_id}:${String(r.id)}`).sort();
  return { expected, emitted };
}

test('whole lists and segment searches are asked at once, and the rows are the same', async () => {
  const lists = ['admins', 'teams', 'tags', 'segments', 'contact_attributes', 'company_attributes'];
  proxy.log.length = 0;
  const run = await runConnector('read', { config, catalog: configuredCatalog(catalog, [...lists, 'users', 'users__segments'], 'full_refresh') });
  assert.equal(run.code, 0, run.stderr);

  const spread = (times: number[]) => Math.max(...times) - Math.min(...times);
  // The six lists: one request each, all sent at once. Bounds of two round trips here and below leave room for a
  // busy machine (the proxy notes a request when this process's event loop gets to it); one after the other, the
  // lists took 929 ms and the segment searches one round trip each.
  const listPaths = new Set(['/admins', '/teams', '/tags', '/segments', '/data_attributes']);
  const listRequests = proxy.log.filter((e) => e.method === 'GET' && listPaths.has(e.path)).map((e) => e.at);
  assert.ok(listRequests.length >= 6, `${listRequests.length} list requests`);
  // (the first two data attributes requests are the read's own, for typing, sent together before any stream)
  assert.ok(spread(listRequests.slice(2)) < 2 * LATENCY_MS, `the lists' requests started within ${spread(listRequests.slice(2))} ms`);
  // Segment membership: one contacts search per person segment (8 here), their first pages asked together.
  const segmentSearches = posted(proxy.log, (path) => path === '/contacts/search')
    .filter((r) => JSON.stringify(r.body.query).includes('"segment_id"') && r.body.pagination?.starting_after === undefined)
    .map((r) => r.at);
  assert.ok(segmentSearches.length >= 4, `${segmentSearches.length} segment searches`);
  assert.ok(spread(segmentSearches) < 2 * LATENCY_MS, `the ${segmentSearches.length} segment searches started within ${spread(segmentSearches)} ms`);

  for (const stream of ['admins', 'teams', 'tags', 'segments'] as const) {
    assert.deepEqual(records(run.messages, stream).map((r) => String(r.id)).sort(), sandbox.workspace.ids(stream).map((r) => r.id).sort(), stream);
  }
  const { expected, emitted } = segmentRows(run, 'users');
  assert.ok(expected.length > 0, 'some users are in segments');
  assert.deepEqual(emitted, expected, 'each user\'s segments, in the list\'s order');
});

test('the segment list is asked once a read, however many contacts passes want segments', async () => {
  const passes = ['users', 'leads', 'contacts'] as const;
  proxy.log.length = 0;
  const run = await runConnector('read', { config, catalog: configuredCatalog(catalog, passes.flatMap((p) => [p, `${p}__segments`]), 'full_refresh') });
  assert.equal(run.code, 0, run.stderr);
  // One GET /segments for the three passes (one each before): the segments stream itself is not selected.
  assert.equal(proxy.log.filter((e) => e.method === 'GET' && e.path === '/segments').length, 1);
  // Each pass still has its own membership: one search per person segment, each pass with its own role filter.
  for (const pass of passes) {
    const { expected, emitted } = segmentRows(run, pass);
    assert.ok(expected.length > 0, `some ${pass} are in segments`);
    assert.deepEqual(emitted, expected, `${pass}: each contact's segments, in the list's order`);
  }
});

test('a segment list that failed is not kept: the next pass asks again, and each pass reports its own failure', async () => {
  sandbox.setOptions({ planRestrictedPaths: ['/segments'] });
  try {
    proxy.log.length = 0;
    const run = await runConnector('read', { config, catalog: configuredCatalog(catalog, ['users', 'users__segments', 'leads', 'leads__segments'], 'full_refresh') });
    assert.notEqual(run.code, 0);
    assert.equal(proxy.log.filter((e) => e.method === 'GET' && e.path === '/segments').length, 2, 'one request per pass');
    const failed = run.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.status === 'INCOMPLETE').map((m) => m.trace.stream_status.stream_descriptor.name);
    for (const stream of ['users', 'leads']) assert.ok(failed.includes(stream), `${stream} ends INCOMPLETE (${failed.join(', ')})`);
  } finally {
    sandbox.setOptions({ planRestrictedPaths: [] });
  }
});
