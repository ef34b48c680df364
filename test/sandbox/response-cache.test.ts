import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { ResponseCache } from '../../sandbox/response-cache.js';
import { call } from './helpers.js';

test('the response cache keeps the newest bodies within its bound; a hit makes a body the newest', () => {
  const cache = new ResponseCache(10);
  cache.set('a', Buffer.from('aaaa'));
  cache.set('b', Buffer.from('bbbb'));
  assert.equal(cache.get('a')?.toString(), 'aaaa'); // a is now newer than b
  cache.set('c', Buffer.from('cccc')); // 12 bytes: the oldest (b) goes
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a')?.toString(), 'aaaa');
  assert.equal(cache.get('c')?.toString(), 'cccc');
  assert.equal(cache.bytes, 8);
  assert.equal(cache.hits, 3);
  cache.set('huge', Buffer.alloc(11)); // larger than the bound: not kept, nothing else dropped
  assert.equal(cache.get('huge'), undefined);
  assert.equal(cache.bytes, 8);
  cache.set('a', Buffer.from('a')); // replaced: counted once
  assert.equal(cache.bytes, 5);
});

test('with a response cache the sandbox answers byte for byte as without one, through changes and settings', async () => {
  let now = 1_700_100_000_000;
  const options = { seed: 7, anchor: 1_700_006_400, now: () => now };
  const cached = await startSandbox({ ...options, responseCacheBytes: 64 * 1024 * 1024 });
  const plain = await startSandbox(options);
  try {
    assert.equal(plain.responseCache, undefined);
    const both = async (method: string, path: string, body?: unknown): Promise<string> => {
      const [a, b] = [await call(cached, method, path, body), await call(plain, method, path, body)];
      assert.equal(a.status, 200, `${method} ${path}: ${a.text}`);
      assert.equal(a.text, b.text, `${method} ${path}`);
      return a.text;
    };
    const search = (startingAfter?: string) => ({
      query: { operator: 'AND', value: [{ field: 'role', operator: '=', value: 'user' }, { field: 'updated_at', operator: '>', value: 0 }] },
      sort: { field: 'updated_at', order: 'descending' },
      pagination: { per_page: 50, ...(startingAfter ? { starting_after: startingAfter } : {}) },
    });

    const first = await both('POST', '/contacts/search', search());
    const next = JSON.parse(first).pages.next.starting_after as string;
    await both('POST', '/contacts/search', search(next));
    assert.equal(await both('POST', '/contacts/search', search()), first);
    assert.equal(cached.responseCache!.hits, 1);

    // A crowded contact's full lists, asked for twice.
    const crowded = (JSON.parse(first).data as { id: string; tags: { has_more: boolean } }[]).find((c) => c.tags.has_more);
    assert.ok(crowded, 'a crowded contact on the first page');
    for (let k = 0; k < 2; k++) {
      await both('GET', `/contacts/${crowded.id}/tags`);
      await both('GET', `/contacts/${crowded.id}/companies`);
    }
    assert.equal(cached.responseCache!.hits, 3);

    // A change to the workspace: the same request gets the new page, not the one kept.
    now += 60_000;
    const touched = cached.workspace.touch('contacts', 40);
    assert.deepEqual(plain.workspace.touch('contacts', 40), touched);
    const afterTouch = await both('POST', '/contacts/search', search());
    assert.notEqual(afterTouch, first);
    const newest = (JSON.parse(afterTouch).data as { id: string }[]).map((c) => c.id);
    assert.ok(touched.some((id) => newest.includes(id)), 'a touched user leads the page');

    // A setting that changes bodies: the keyset cursor.
    cached.setOptions({ searchCursor: 'keyset' });
    plain.setOptions({ searchCursor: 'keyset' });
    const keyset = await both('POST', '/contacts/search', search());
    assert.notEqual(JSON.parse(keyset).pages.next.starting_after, JSON.parse(afterTouch).pages.next.starting_after);
    assert.ok(cached.responseCache!.bytes > 0);
  } finally {
    await cached.close();
    await plain.close();
  }
});
