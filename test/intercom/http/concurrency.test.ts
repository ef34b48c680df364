import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapOrdered } from '../../../src/intercom/http/concurrency.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('mapOrdered yields in input order although work finishes out of order, and bounds work in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const delays = [40, 5, 30, 1, 20, 2, 25, 3, 10, 1, 15, 4];
  const out: number[] = [];
  for await (const value of mapOrdered(delays.keys(), 3, async (i) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await sleep(delays[i]!);
    inFlight--;
    return i * 10;
  })) {
    out.push(value);
  }
  assert.deepEqual(out, delays.map((_, i) => i * 10));
  assert.equal(peak, 3);
});

test('mapOrdered yields the head as soon as it is ready, before slower later items finish', async () => {
  const finished = new Set<number>();
  const gen = mapOrdered([0, 1, 2], 3, async (i) => {
    await sleep(i === 0 ? 5 : 200);
    finished.add(i);
    return i;
  });
  const first = await gen.next();
  assert.equal(first.value, 0);
  assert.ok(!finished.has(1) && !finished.has(2), 'the head came before the others finished');
  await gen.return(undefined);
});

test('mapOrdered pulls an async source lazily and keeps at most 2 x limit results', async () => {
  let pulled = 0;
  async function* source() {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield i;
    }
  }
  let started = 0;
  let inFlight = 0;
  let peak = 0;
  const gen = mapOrdered(source(), 4, async (i) => {
    started++;
    peak = Math.max(peak, ++inFlight);
    await sleep(i === 0 ? 100 : 1); // a slow head: the others finish and wait behind it
    inFlight--;
    return i;
  });
  const first = await gen.next();
  assert.equal(first.value, 0);
  assert.ok(started <= 8, `${started} started while the head was slow (limit 4, at most 8 held)`);
  assert.ok(pulled <= 9, `${pulled} items pulled from the source`);
  const rest: number[] = [];
  for await (const v of gen) rest.push(v);
  assert.deepEqual(rest, Array.from({ length: 99 }, (_, i) => i + 1));
  assert.equal(peak, 4);
});

test('mapOrdered rejects with the first error after the in-flight work settles, and starts nothing new', async () => {
  const settled: number[] = [];
  const started: number[] = [];
  const out: number[] = [];
  const gen = mapOrdered(Array.from({ length: 20 }, (_, i) => i), 3, async (i) => {
    started.push(i);
    if (i === 1) {
      await sleep(5);
      throw new Error('item 1 failed');
    }
    await sleep(i === 0 ? 1 : 40);
    settled.push(i);
    return i;
  });
  await assert.rejects(async () => {
    for await (const v of gen) out.push(v);
  }, /item 1 failed/);
  assert.deepEqual(out, [0]);
  assert.deepEqual(started.sort((a, b) => a - b), settled.concat(1).sort((a, b) => a - b), 'every started item settled before the rejection');
  assert.ok(started.length <= 4, `started ${started.length}`);
});

test('mapOrdered propagates an error thrown by the source, and accepts an empty input', async () => {
  async function* broken() {
    yield 1;
    throw new Error('source broke');
  }
  await assert.rejects(async () => {
    for await (const _ of mapOrdered(broken(), 2, async (i) => i));
  }, /source broke/);
  const none: number[] = [];
  for await (const v of mapOrdered([], 2, async (i: number) => i)) none.push(v);
  assert.deepEqual(none, []);
  await assert.rejects(async () => {
    for await (const _ of mapOrdered([1], 0, async (i) => i));
  }, RangeError);
});
