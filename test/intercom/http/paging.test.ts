import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFor, fakeIntercom, json, thrown } from './fake-intercom.js';
import { parseElements } from '../../../src/intercom/http/json-body.js';
import { PAGES_AHEAD, type ItemsPreparer } from '../../../src/intercom/http/paging.js';

async function collect<T>(pages: AsyncIterable<{ items: T[]; totalCount?: number }>) {
  const out: { items: T[]; totalCount?: number }[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

test('search pages with pagination.starting_after from pages.next, total count from the first page', async () => {
  const cursors: Record<string, { ids: string[]; next?: string }> = {
    '': { ids: ['1', '2'], next: 'c1' },
    c1: { ids: ['3', '4'], next: 'c2' },
    c2: { ids: ['5'] },
  };
  const server = await fakeIntercom((req, res) => {
    const body = req.body as { pagination: { per_page: number; starting_after?: string } };
    const page = cursors[body.pagination.starting_after ?? '']!;
    json(res, 200, {
      type: 'conversation.list',
      conversations: page.ids.map((id) => ({ id })),
      total_count: 5,
      pages: { type: 'pages', per_page: body.pagination.per_page, ...(page.next ? { next: { page: 2, starting_after: page.next } } : {}) },
    });
  });
  const { client } = clientFor(server);
  try {
    const query = { field: 'updated_at', operator: '>', value: 10 };
    const pages = await collect(client.search<{ id: string }>('/conversations/search', { query, sort: { field: 'updated_at', order: 'ascending' } }, { itemsKey: 'conversations', perPage: 2 }));
    assert.deepEqual(pages.map((p) => p.items.map((i) => i.id)), [['1', '2'], ['3', '4'], ['5']]);
    assert.deepEqual(pages.map((p) => p.totalCount), [5, undefined, undefined]);
    assert.deepEqual(pages.map((p) => (p as { pageTotal?: number }).pageTotal), [5, 5, 5], 'every page says its own total_count');
    assert.deepEqual(server.requests.map((r) => (r.body as { pagination: unknown }).pagination), [
      { per_page: 2 },
      { per_page: 2, starting_after: 'c1' },
      { per_page: 2, starting_after: 'c2' },
    ]);
    for (const r of server.requests) {
      assert.equal(r.method, 'POST');
      assert.deepEqual((r.body as { query: unknown }).query, query);
    }
  } finally {
    await client.close();
    await server.close();
  }
});

test('a search cursor that repeats stops with a system_error instead of spinning', async () => {
  const server = await fakeIntercom((req, res) => {
    const after = (req.body as { pagination: { starting_after?: string } }).pagination.starting_after;
    const next = after === undefined ? 'a' : after === 'a' ? 'b' : 'a'; // a, b, a, b...
    json(res, 200, { type: 'list', data: [{ id: next }], total_count: 99, pages: { next: { starting_after: next } } });
  });
  const { client } = clientFor(server);
  try {
    const seen: string[] = [];
    const err = await thrown(async () => {
      for await (const page of client.search<{ id: string }>('/contacts/search', { query: {} }, { itemsKey: 'data' })) seen.push(...page.items.map((i) => i.id));
    });
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /POST \/contacts\/search returned the same pagination cursor "a" twice/);
    assert.equal(server.requests.length, 3, 'stopped at the first repeat');
  } finally {
    await client.close();
    await server.close();
  }
});

test('list follows pages.next.starting_after as a query parameter, and pages.next as an absolute URL', async () => {
  const server = await fakeIntercom((req, res) => {
    const after = req.query.get('starting_after');
    if (req.query.get('page_token') === 'p3') json(res, 200, { type: 'activity_log.list', activity_logs: [{ id: 'l3' }], pages: { next: null } });
    else if (after === 'x1') json(res, 200, { type: 'activity_log.list', activity_logs: [{ id: 'l2' }], pages: { next: `${server.url}/admins/activity_logs?created_at_after=5&page_token=p3` } });
    else json(res, 200, { type: 'activity_log.list', activity_logs: [{ id: 'l1' }], total_count: 3, pages: { next: { starting_after: 'x1' } } });
  });
  const { client } = clientFor(server);
  try {
    const pages = await collect(client.list<{ id: string }>('/admins/activity_logs', { created_at_after: 5, created_at_before: undefined }, { itemsKey: 'activity_logs', perPage: 50 }));
    assert.deepEqual(pages, [
      { items: [{ id: 'l1' }], totalCount: 3 },
      { items: [{ id: 'l2' }], totalCount: undefined },
      { items: [{ id: 'l3' }], totalCount: undefined },
    ]);
    assert.deepEqual(server.requests.map((r) => r.url), [
      '/admins/activity_logs?created_at_after=5&per_page=50',
      '/admins/activity_logs?created_at_after=5&per_page=50&starting_after=x1',
      '/admins/activity_logs?created_at_after=5&page_token=p3',
    ]);
  } finally {
    await client.close();
    await server.close();
  }
});

test('list reads an absolute has_more url page to the end, and a repeating next URL is an error', async () => {
  const server = await fakeIntercom((req, res) => {
    if (req.path === '/contacts/7/tags') json(res, 200, { type: 'list', data: [{ id: 't1' }, { id: 't2' }] });
    else if (req.path === '/loop') json(res, 200, { type: 'list', data: [], pages: { next: `${server.url}/loop?p=2` } });
    else json(res, 404, {});
  });
  const { client } = clientFor(server);
  try {
    const pages = await collect(client.list<{ id: string }>(`${server.url}/contacts/7/tags`, {}, { itemsKey: 'data' }));
    assert.deepEqual(pages, [{ items: [{ id: 't1' }, { id: 't2' }], totalCount: undefined }]);
    assert.equal(server.requests[0]!.url, '/contacts/7/tags');
    const err = await thrown(() => collect(client.list('/loop', {}, { itemsKey: 'data' })));
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /GET \/loop returned the same url .*\/loop\?p=2 twice/);
    const missing = await thrown(() => collect(client.list('/contacts/7/tags', {}, { itemsKey: 'tags' })));
    assert.match(missing.message, /GET \/contacts\/7\/tags returned no "tags" list/);
  } finally {
    await client.close();
    await server.close();
  }
});

test('items that are not objects with an id are skipped and counted in one WARN; pages keep their usable items', async () => {
  const server = await fakeIntercom((req, res) => {
    const after = (req.body as { pagination: { starting_after?: string } }).pagination.starting_after;
    if (after === undefined) json(res, 200, { type: 'list', data: [1, null, { id: 'a' }, 'x', [], { id: null }], total_count: 3, pages: { next: { starting_after: 'p2' } } });
    else json(res, 200, { type: 'list', data: [{ id: 'b' }, { name: 'no id' }, { id: 7 }], pages: {} });
  });
  const { client, logs } = clientFor(server);
  try {
    const pages = await collect(client.search<{ id: string }>('/contacts/search', { query: {} }, { itemsKey: 'data' }));
    assert.deepEqual(pages, [{ items: [{ id: 'a' }], totalCount: 3, pageTotal: 3 }, { items: [{ id: 'b' }, { id: 7 }], totalCount: undefined, pageTotal: undefined }]);
    assert.deepEqual(logs.map((l) => `${l.level} ${l.message}`), [
      'WARN POST /contacts/search returned 6 items that cannot be records (1 number, 1 null, 1 string, 1 array, 2 object without a usable "id"): skipped',
    ]);
  } finally {
    await client.close();
    await server.close();
  }
});

test('fresh cursors over the same records stop after 5 pages that bring nothing new, with a system_error naming the endpoint', async () => {
  let n = 0;
  const server = await fakeIntercom((_req, res) => {
    n++;
    json(res, 200, { type: 'list', data: [{ id: 'x' }, { id: 'y' }], total_count: 2, pages: { next: { starting_after: `c${n}` } } });
  });
  const { client } = clientFor(server);
  try {
    const err = await thrown(() => collect(client.search('/contacts/search', { query: {} }, { itemsKey: 'data' })));
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /^POST \/contacts\/search kept handing out new page cursors, but its last 5 pages brought no record/);
    assert.ok(server.requests.length <= 7, `${server.requests.length} requests`);
  } finally {
    await client.close();
    await server.close();
  }
});

test('pages that keep bringing new records stop once they pass twice total_count plus 1,500; records repeated among new ones do not stop them', async () => {
  // Newest first, a record updated meanwhile comes again: every page repeats the last record of the one before.
  let n = 0;
  const server = await fakeIntercom((req, res) => {
    n++;
    const total = req.path === '/repeats/search' ? 1_000 : 10;
    const ids = Array.from({ length: 50 }, (_, i) => `r${n * 49 + i}`);
    json(res, 200, { type: 'list', data: ids.map((id) => ({ id })), total_count: total, pages: n >= 40 && total === 1_000 ? {} : { next: { starting_after: `c${n}` } } });
  });
  const { client } = clientFor(server);
  try {
    const repeats = await collect(client.search('/repeats/search', { query: {} }, { itemsKey: 'data' }));
    assert.equal(repeats.length, 40, 'overlapping pages are progress');
    n = 0;
    const err = await thrown(() => collect(client.list('/activity/list', {}, { itemsKey: 'data' })));
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /^GET \/activity\/list announced 10 records \(total_count\) but has handed out 1550 over 31 pages/);
  } finally {
    await client.close();
    await server.close();
  }
});

test('total_count that is not a count (1e308, negative, fractional, a string) gives no total', async () => {
  const totals = ['1e308', '-3', '12.5', '"100"', '9007199254740993'];
  let i = 0;
  const server = await fakeIntercom((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"type":"list","data":[{"id":"a"}],"total_count":${totals[i++]},"pages":{}}`);
  });
  const { client } = clientFor(server);
  try {
    for (const total of totals) {
      const pages = await collect(client.search('/contacts/search', { query: {} }, { itemsKey: 'data' }));
      assert.equal(pages[0]!.totalCount, undefined, total);
    }
  } finally {
    await client.close();
    await server.close();
  }
});

test('pages whose items are prepared elsewhere are asked for ahead (at most PAGES_AHEAD beyond the next), each once, read in order', async () => {
  const PAGES = 10;
  // Items large enough for the body to be cut (cutLargestArray: 96 KB and more).
  const itemsOf = (page: number) => Array.from({ length: 40 }, (_, i) => ({ id: `p${page}-${i}`, pad: 'x'.repeat(3000) }));
  const server = await fakeIntercom((req, res) => {
    const after = (req.body as { pagination: { starting_after?: string } }).pagination.starting_after;
    const page = after === undefined ? 1 : Number(after.slice(1));
    json(res, 200, { type: 'list', data: itemsOf(page), total_count: 40 * PAGES, pages: { type: 'pages', ...(page < PAGES ? { next: { starting_after: `c${page + 1}` } } : {}) } });
  });
  const { client } = clientFor(server);
  // Each page's items are held until released: the reader waits for page 1 while the paging runs ahead.
  const gates: (() => void)[] = [];
  const prepare: ItemsPreparer = (cut) => new Promise((resolve) => {
    gates.push(() => resolve(parseElements(Buffer.from(cut.elements), cut.starts, cut.ends)));
  });
  try {
    const pages = client.search<{ id: string }>('/contacts/search', { query: {} }, { itemsKey: 'data', perPage: 40, prepare })[Symbol.asyncIterator]();
    const first = pages.next();
    while (server.requests.length < 2 + PAGES_AHEAD) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.requests.length, 2 + PAGES_AHEAD, 'the page being read, the next one, and PAGES_AHEAD more: no further');
    const ids: string[] = [];
    gates.shift()!();
    let result = await first;
    for (let page = 1; ; page++) {
      assert.equal(result.done, false);
      ids.push(...result.value!.items.map((i) => i.id));
      if (page === PAGES) break;
      const next = pages.next();
      while (gates.length === 0) await new Promise((r) => setTimeout(r, 1));
      gates.shift()!();
      result = await next;
    }
    assert.equal((await pages.next()).done, true);
    assert.deepEqual(ids, Array.from({ length: PAGES }, (_, p) => itemsOf(p + 1).map((i) => i.id)).flat());
    const asked = server.requests.map((r) => (r.body as { pagination: { starting_after?: string } }).pagination.starting_after ?? 'c1');
    assert.deepEqual(asked, Array.from({ length: PAGES }, (_, p) => `c${p + 1}`), 'each page once, in order');
  } finally {
    await client.close();
    await server.close();
  }
});
