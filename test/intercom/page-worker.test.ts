// A page worker's preparation of a page cut at its seams (CutBody.groups): the same records as the usual way
// (parse, transform, JSON.stringify), whether the seams were real or one of them sat inside a record, where the
// whole page is parsed at once instead; items that are not JSON fail as a SyntaxError (the pool's 'invalid JSON').
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { families } from '../../src/intercom/catalog.js';
import { cutLargestArray, parseAtSeams } from '../../src/intercom/http/json-body.js';
import { preparePage } from '../../src/intercom/workers/prepare-page.js';
import type { WireRecord } from '../../src/intercom/workers/prepared.js';
import { PreparedRecord } from '../../src/intercom/workers/prepared.js';
import { PageWorkers } from '../../src/intercom/workers/pool.js';

const users = families().find((f) => f.root.name === 'users')!;

function contact(i: number, nested: boolean): Record<string, unknown> {
  return {
    type: 'contact', id: `c${i}`, role: 'user', email: `u${i}@example.com`, created_at: 1_700_000_000 + i, updated_at: 1_700_100_000 - i,
    tags: { type: 'list', data: [], has_more: false }, companies: { type: 'list', data: [], has_more: false },
    custom_attributes: { note: 'x'.repeat(600) },
    // Objects starting like the records do: a seam searched for past the middle of a group is found in here.
    ...(nested ? { related: Array.from({ length: 40 }, (_, k) => ({ type: 'contact', id: `r${k}` })) } : {}),
  };
}

function prepared(nested: boolean) {
  const data = Array.from({ length: 150 }, (_, i) => contact(i, nested));
  const body = Buffer.from(JSON.stringify({ type: 'list', data, total_count: 150, pages: null }));
  assert.equal(parseAtSeams(body) === undefined, nested, nested ? 'a group cut inside a record does not parse' : 'the groups parse');
  const cut = cutLargestArray(body)!;
  assert.ok(cut.groups, 'cut at its seams');
  assert.ok(cut.starts.length > 1, 'in more than one group');
  const job = { family: 'users', parent: true, children: [], wantedChildren: [], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: true };
  const result = preparePage(users, job);
  return { data, result };
}

for (const nested of [false, true]) {
  test(`groups cut at ${nested ? 'seams one of which is inside a record' : 'real seams'}: every record as the usual way makes it`, () => {
    const { data, result } = prepared(nested);
    assert.equal(result.items.length, data.length);
    const out = Buffer.from(result.out);
    result.items.forEach((item, i) => {
      const record = structuredClone(data[i]!);
      users.transform(record);
      const { parent, id } = item as WireRecord;
      assert.equal(id, `c${i}`);
      assert.equal(out.toString('utf8', parent![0], parent![1]), JSON.stringify(record));
    });
  });
}

test('items that are not JSON: a SyntaxError, seams or not', () => {
  const data = Array.from({ length: 150 }, (_, i) => contact(i, false));
  const text = JSON.stringify({ type: 'list', data, total_count: 150 }).replace('"id":"c140"', '"id":c140');
  const cut = cutLargestArray(Buffer.from(text))!;
  assert.ok(cut.groups);
  assert.throws(() => preparePage(users, { family: 'users', parent: true, children: [], wantedChildren: [], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: true }), SyntaxError);
});

test('a page worker gets a copy of the elements: the body they were cut from stays whole on this thread', async () => {
  const data = Array.from({ length: 150 }, (_, i) => contact(i, false));
  const text = JSON.stringify({ type: 'list', data, total_count: 150 });
  // Two bodies in one ArrayBuffer, as pooled or socket buffers may be: handing over the first's memory would detach both.
  const shared = Buffer.from(text + text);
  const body = shared.subarray(0, text.length);
  const cut = cutLargestArray(body)!;
  const workers = new PageWorkers(1, undefined);
  try {
    const items = await workers.prepare({ family: 'users', parent: true, children: [], wantedChildren: [], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups });
    assert.equal(items.length, 150);
    assert.ok(items.every((item) => item instanceof PreparedRecord));
    assert.equal(shared.length, 2 * text.length, 'the shared memory is still attached');
    assert.equal(shared.toString(), text + text);
  } finally {
    await workers.close();
  }
});
