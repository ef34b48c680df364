// Large searches read in slices at once (src/intercom/streams/sliced-search.ts), seen from outside: the built
// connector reads users (a day-rounded contacts search) and conversations (exact seconds) through a proxy that
// answers searches late and unevenly, so the slices' pages arrive in no particular order. Every record of the
// ground truth comes out exactly once; the searches really were cut into updated_at ranges and paged at once;
// no STATE claims a record that was not emitted before it (a sync restarted from any STATE loses nothing, and
// one restarted from a mid-pass STATE does find the rest); a small search is read as before, in one sequence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { mostProbes, PLACEMENT_ROUNDS, RECORDS_PER_SLICE, SEARCH_SLICES, SLICE_FROM } from '../../src/intercom/streams/sliced-search.js';
import { configuredCatalog, lastStates, records, runConnector, type Message, type RunResult } from '../helpers/connector.js';
import { posted, startSlowProxy, type SlowProxy } from '../helpers/slow-sandbox.js';

/**
 * Users (about 70 % of the contacts) and conversations above SLICE_FROM; leads below it. Each large search three
 * slices (two boundaries): the newest slice reads on while the boundaries are placed, and drops those it has read
 * past. With two slices (6,000 contacts, 3,600 conversations) the one boundary was ~2 pages ahead of it when a
 * bisection placed them (9 round trips through the proxy, ~2 s), and a busy CI machine once saw conversations
 * not cut; placed in rounds (2-4 round trips) with a second boundary ~10 pages further, neither race is close.
 */
const SIZES = { contacts: 6600, companies: 40, conversations: 5400, tickets: 2, partsHeavy: 0 };
const STREAMS = ['users', 'users__tags', 'leads', 'conversations'] as const;
const WINDOW = 30 * 86_400;

let sandbox: Sandbox;
let proxy: SlowProxy;
let catalog: { streams: any[] };
const config = () => ({ access_token: sandbox.token, base_url: proxy.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: 30 });

before(async () => {
  sandbox = await startSandbox({ seed: 23, sizes: SIZES });
  let n = 0;
  proxy = await startSlowProxy(sandbox.url, {
    // Searches answer 200-244 ms late, unevenly: the read waits on round trips (so large searches are cut, even
    // on a machine busy with other tests), and the slices' pages overtake one another.
    delayMs: (method, path) => (method === 'POST' && path.endsWith('/search') ? 200 + ((n++ * 37) % 45) : 0),
  });
  catalog = (await runConnector('discover', { config: config() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => {
  await proxy.close();
  await sandbox.close();
});

const idOf = (m: Message) => String(m.record.data.id);

/** The stream's RECORDs are exactly the ground truth's ids, each once. */
function assertExactlyTheTruth(messages: Message[], stream: string, truth: { id: string }[]): void {
  const emitted = records(messages, stream).map((d) => String(d.id));
  assert.equal(new Set(emitted).size, emitted.length, `${stream}: no record twice`);
  assert.deepEqual([...emitted].sort(), truth.map((r) => r.id).sort(), `${stream}: exactly the ground truth`);
}

/** The updated_at range a search body asks for: [after, before] of its `>` and `<` filters. */
function rangeOf(body: any): string {
  const filters: any[] = body.query.operator === 'AND' ? body.query.value : [body.query];
  const bound = (op: string) => filters.find((f) => f.field === 'updated_at' && f.operator === op)?.value;
  return `${bound('>') ?? '-'}..${bound('<') ?? '-'}`;
}

describe('a first sync of large searches', () => {
  let first: RunResult;
  before(async () => {
    proxy.log.length = 0;
    first = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, [...STREAMS], 'incremental'), timeoutMs: 180_000 });
  });

  test('every record of the ground truth comes out exactly once', () => {
    assert.equal(first.code, 0, first.stderr);
    for (const stream of ['users', 'leads', 'conversations'] as const) assertExactlyTheTruth(first.messages, stream, sandbox.workspace.ids(stream));
    assert.ok(records(first.messages, 'users__tags').length > 0, 'child rows come out of sliced pages too');
  });

  test('users and conversations were cut into updated_at ranges paged at once; leads were not', () => {
    const users = sandbox.workspace.ids('users').length;
    const leads = sandbox.workspace.ids('leads').length;
    assert.ok(users >= SLICE_FROM && sandbox.workspace.ids('conversations').length >= SLICE_FROM && leads < SLICE_FROM, `sizes: ${users} users, ${leads} leads`);
    // The search requests, in the order the proxy received them.
    const searches = posted(proxy.log, (path) => path.endsWith('/search'));
    const role = (body: any, value: string) => JSON.stringify(body.query).includes(`"value":"${value}"`);
    const paged = (path: string, which: (body: any) => boolean) => searches.filter((s) => s.path === path && which(s.body) && s.body.pagination.per_page === 150);
    // The two large searches: their requests (pages and count queries), and how many records they hold.
    const large = [
      { name: 'users', path: '/contacts/search', which: (b: any) => role(b, 'user'), n: users },
      { name: 'conversations', path: '/conversations/search', which: () => true, n: sandbox.workspace.ids('conversations').length },
    ] as const;
    const slicesOf = (n: number) => Math.min(SEARCH_SLICES, Math.floor(n / RECORDS_PER_SLICE));
    const [userRanges, conversationRanges] = large.map(({ path, which }) => new Set(paged(path, which).map((s) => rangeOf(s.body))));
    assert.ok(userRanges!.size >= 2, `users searched in several ranges: ${[...userRanges!].join(' ')}`);
    assert.ok(conversationRanges!.size >= 2, `conversations searched in several ranges: ${[...conversationRanges!].join(' ')}`);
    const leadSearches = searches.filter((s) => s.path === '/contacts/search' && role(s.body, 'lead'));
    assert.equal(new Set(leadSearches.map((s) => rangeOf(s.body))).size, 1, 'leads: one range');
    assert.ok(leadSearches.every((s) => s.body.pagination.per_page === 150), 'leads: no count probes');
    // Placed in a few round trips (the oldest record, then rounds of count queries at once), not a bisection one
    // step after the other: few pages of the newest range were asked before the last count query (5-6 here; a
    // bisection of 8 steps saw 10-11), and no more count queries than mostProbes.
    for (const { name, path, which, n } of large) {
      const sizes = searches.filter((s) => s.path === path && which(s.body)).map((s) => s.body.pagination.per_page as number);
      const probes = sizes.filter((size) => size === 1).length;
      assert.ok(probes > 0 && probes <= mostProbes(slicesOf(n)), `${name}: ${probes} count queries for ${slicesOf(n)} slices`);
      const pagesMeanwhile = sizes.slice(0, sizes.lastIndexOf(1)).filter((size) => size === 150).length;
      assert.ok(pagesMeanwhile <= 2 * (1 + PLACEMENT_ROUNDS) + 1, `${name}: ${pagesMeanwhile} pages asked before the boundaries were placed`);
    }
    // Ranges of about as many records each: every older range (it has a top; the newest one has none, and grows
    // by the boundaries it read past) holds its share of the conversations within 40 %.
    const updated = sandbox.workspace.ids('conversations').map((r) => r.updated_at);
    const share = updated.length / slicesOf(updated.length);
    for (const range of conversationRanges!) {
      const [after, before] = range.split('..').map(Number);
      if (Number.isNaN(before)) continue;
      const held = updated.filter((u) => u > after! && u < before!).length;
      assert.ok(held >= 0.6 * share && held <= 1.4 * share, `conversations range ${range}: ${held} records, a share is ${share}`);
    }
    // At once: the pages of one range are asked for before and after pages of another (interleaved).
    for (const { name, path, which } of large) {
      const order = paged(path, which).map((s) => rangeOf(s.body));
      const interleaved = order.some((range, k) => order.slice(k + 1).some((later, m) => later !== range && order.slice(k + 2 + m).includes(range)));
      assert.ok(interleaved, `${name}: ranges paged at once: ${order.join(' ')}`);
    }
  });

  test('no STATE claims a record not emitted before it', () => {
    const truth = { users: sandbox.workspace.ids('users'), leads: sandbox.workspace.ids('leads'), conversations: sandbox.workspace.ids('conversations') };
    const emitted = new Map<string, Set<string>>(Object.keys(truth).map((s) => [s, new Set()]));
    let pendingStates = 0;
    for (const m of first.messages) {
      if (m.type === 'RECORD' && emitted.has(m.record.stream)) emitted.get(m.record.stream)!.add(idOf(m));
      if (m.type !== 'STATE') continue;
      const name = m.state.stream.stream_descriptor.name as keyof typeof truth;
      if (!(name in truth)) continue;
      const state = m.state.stream.stream_state;
      // Mid-pass: a restart reads [lower bound, resume_at] again, so everything above resume_at must be out.
      // Complete: a restart reads from cursor - window, so everything below that must be out.
      const notReread = state.pending
        ? (u: number) => u > Date.parse(state.pending.resume_at) / 1000
        : (u: number) => u < Date.parse(state.updated_at) / 1000 - WINDOW;
      if (state.pending) pendingStates++;
      for (const { id, updated_at } of truth[name]) {
        if (notReread(updated_at)) assert.ok(emitted.get(name)!.has(id), `${name} STATE ${JSON.stringify(state)} came before ${id} (updated ${updated_at})`);
      }
    }
    assert.ok(pendingStates >= 20, `mid-pass checkpoints: ${pendingStates}`);
  });

  test('a sync restarted from a mid-pass STATE finds everything the first one had not emitted by then', async () => {
    const selected = configuredCatalog(catalog, ['users'], 'incremental');
    const userStates = first.messages.filter((m) => m.type === 'STATE' && m.state.stream.stream_descriptor.name === 'users' && m.state.stream.stream_state.pending);
    const middle = userStates[Math.floor(userStates.length / 2)]!;
    const before = new Set<string>();
    for (const m of first.messages) {
      if (m === middle) break;
      if (m.type === 'RECORD' && m.record.stream === 'users') before.add(idOf(m));
    }
    const resumed = await runConnector('read', { config: config(), catalog: selected, state: [middle.state], timeoutMs: 180_000 });
    assert.equal(resumed.code, 0, resumed.stderr);
    const union = new Set([...before, ...records(resumed.messages, 'users').map((d) => String(d.id))]);
    const missing = sandbox.workspace.ids('users').filter(({ id }) => !union.has(id));
    assert.deepEqual(missing, [], `restarted from ${JSON.stringify(middle.state.stream.stream_state)}`);
    assert.ok(before.size < sandbox.workspace.ids('users').length, 'the STATE was mid-pass');
  });
});

describe('records updated while slices are read (offset cursors, as the field notes warn)', () => {
  // A record updated mid-sync leaves an older slice's range: with a cursor that is a position, every record of
  // that slice behind it slides back one place, and the next page would start one record too far.
  let own: Sandbox;
  let ownCatalog: { streams: any[] };
  const ownConfig = () => ({ access_token: own.token, base_url: own.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: 0 });
  before(async () => {
    own = await startSandbox({ seed: 29, searchCursor: 'offset', sizes: { contacts: 9000, companies: 10, conversations: 6000, partsHeavy: 0 } });
    ownCatalog = (await runConnector('discover', { config: ownConfig() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
  });
  after(() => own.close());

  for (const [stream, path, entity] of [['users', '/contacts/search', 'users'], ['conversations', '/conversations/search', 'conversations']] as const) {
    test(`${stream}: no untouched record is skipped, and every touched one reaches the next sync`, async () => {
      const truth = own.workspace.ids(entity);
      const byAge = [...truth].sort((a, b) => a.updated_at - b.updated_at);
      // Every 40th record, oldest to newest: some in every slice, some already read and some not.
      const moving = byAge.filter((_, i) => i % 40 === 7).map((r) => r.id);
      own.faults.update({ latencyMs: 150 }); // the read waits on round trips: the search is cut
      own.log.length = 0;
      const running = runConnector('read', { config: ownConfig(), catalog: configuredCatalog(ownCatalog, [stream], 'incremental'), timeoutMs: 180_000 });
      let finished = false;
      void running.then(() => { finished = true; });
      // Touch once the slices have read about a third of their pages: pages of 150 records, told from the
      // one-item count queries that place the slices by their size.
      const pages = () => own.log.filter((e) => e.path === path && e.status === 200 && e.bytes > 100_000).length;
      while (!finished && pages() < truth.length / 150 / 3) await new Promise((r) => setTimeout(r, 5));
      assert.ok(!finished, 'touched while the sync ran');
      own.workspace.touchIds(entity, moving);
      const first = await running;
      own.faults.update({ latencyMs: 0 });
      assert.equal(first.code, 0, first.stderr);
      const cut = first.messages.find((m) => m.type === 'LOG' && String(m.log.message).startsWith(`POST ${path}:`));
      assert.match(cut?.log.message ?? '', /read in [2-9] updated_at ranges/, 'the search was cut into ranges');
      const emitted = new Set(records(first.messages, stream).map((r) => String(r.id)));
      const moved = new Set(moving);
      const skipped = truth.filter((r) => !moved.has(r.id) && !emitted.has(r.id)).map((r) => r.id);
      assert.deepEqual(skipped, [], `no untouched record is skipped (${moving.length} touched mid-sync)`);
      const second = await runConnector('read', { config: ownConfig(), catalog: configuredCatalog(ownCatalog, [stream], 'incremental'), state: lastStates(first.messages), timeoutMs: 180_000 });
      for (const r of records(second.messages, stream)) emitted.add(String(r.id));
      assert.deepEqual(moving.filter((id) => !emitted.has(id)), [], 'every touched record arrives by the next sync');
    });
  }
});

describe('a search under a low rate limit', () => {
  // 600 requests/min (100 per 10-second window, as the headers say) at ~0.2 s a page's round trip (150 ms late,
  // and the sandbox's own time) keeps 10 x 0.2 = 2 requests in flight: two slices use all of it. More would only
  // wait in the pacer, their count queries spent from the same allowance; the size alone would make five.
  let own: Sandbox;
  let ownProxy: SlowProxy;
  before(async () => {
    own = await startSandbox({ seed: 37, rateLimitPerMinute: 600, sizes: { contacts: 200, companies: 10, conversations: 5 * RECORDS_PER_SLICE + 300, tickets: 2, partsHeavy: 0 } });
    ownProxy = await startSlowProxy(own.url, { delayMs: (method, path) => (method === 'POST' && path.endsWith('/search') ? 150 : 0) });
  });
  after(async () => {
    await ownProxy.close();
    await own.close();
  });

  test('is cut into as many slices as the limit keeps busy, every record exactly once', async () => {
    const ownConfig = { access_token: own.token, base_url: ownProxy.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: 30 };
    const ownCatalog = (await runConnector('discover', { config: ownConfig })).messages.find((m) => m.type === 'CATALOG')!.catalog;
    ownProxy.log.length = 0;
    const run = await runConnector('read', { config: ownConfig, catalog: configuredCatalog(ownCatalog, ['conversations'], 'incremental'), timeoutMs: 180_000 });
    assert.equal(run.code, 0, run.stderr);
    assertExactlyTheTruth(run.messages, 'conversations', own.workspace.ids('conversations'));
    const bodies = posted(ownProxy.log, (path) => path === '/conversations/search').map((r) => r.body);
    const ranges = new Set(bodies.filter((b) => b.pagination.per_page === 150).map(rangeOf)).size;
    // Two, or up to four should a busy machine make the first page's round trip take up to 0.4 s: fewer than the
    // five of its size.
    assert.ok(ranges >= 2 && ranges <= 4, `read in ${ranges} ranges`);
    const probes = bodies.filter((b) => b.pagination.per_page === 1).length;
    assert.ok(probes <= mostProbes(ranges), `${probes} count queries for ${ranges} ranges`);
  });
});
