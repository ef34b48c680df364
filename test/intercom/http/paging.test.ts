import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFor, fakeIntercom, json, thrown } from './fake-intercom.js';

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
