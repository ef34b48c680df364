import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonCache } from '../../sandbox/paging.js';

const bytes = (text: string) => Buffer.from(text);

test('a cached record is served while its version and updated_at hold', () => {
  const cache = new JsonCache(1000);
  const contacts = cache.space('contacts:2.14');
  cache.set(contacts, 7, 0, 100, bytes('{"id":"7"}'));
  assert.equal(cache.get(contacts, 7, 0, 100)?.toString(), '{"id":"7"}');
  assert.equal(cache.get(contacts, 7, 1, 100), undefined, 'a touched record (new version) is rendered again');
  assert.equal(cache.get(contacts, 7, 0, 101), undefined);
  assert.equal(cache.get(cache.space('contacts:2.11'), 7, 0, 100), undefined, 'spaces are apart');
  assert.equal(cache.space('contacts:2.14'), contacts);
});

test('the byte bound evicts the oldest entries first; a replaced entry stops counting', () => {
  const cache = new JsonCache(30);
  const s = cache.space('x');
  for (let i = 0; i < 3; i++) cache.set(s, i, 0, 0, bytes('0123456789'));   // 30 bytes: full
  cache.set(s, 1, 1, 0, bytes('abcdefghij'));   // replaces entry 1: still 30 bytes
  assert.ok(cache.get(s, 0, 0, 0) && cache.get(s, 2, 0, 0) && cache.get(s, 1, 1, 0));
  cache.set(s, 3, 0, 0, bytes('0123456789'));   // 40 bytes: entry 0 (oldest live) goes
  assert.equal(cache.get(s, 0, 0, 0), undefined);
  assert.ok(cache.get(s, 2, 0, 0) && cache.get(s, 1, 1, 0) && cache.get(s, 3, 0, 0));
  cache.set(s, 4, 0, 0, bytes('x'.repeat(31)));   // larger than the bound: not kept, nothing evicted
  assert.equal(cache.get(s, 4, 0, 0), undefined);
  assert.ok(cache.get(s, 2, 0, 0));
  cache.clear();
  assert.equal(cache.get(cache.space('x'), 2, 0, 0), undefined);
});
