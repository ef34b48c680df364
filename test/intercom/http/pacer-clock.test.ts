import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pacer } from '../../../src/intercom/http/pacer.js';

/** A pacer on a virtual clock: its sleeps advance time at once. */
function virtualPacer(extra: { maxRequestsPerMinute?: number } = {}) {
  const clock = { t: 0 };
  const logs: string[] = [];
  const pacer = new Pacer({
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    random: () => 0.5,
    log: (_level, message) => logs.push(message),
    ...extra,
  });
  return { clock, pacer, logs };
}

test('the window budget is spread until the reset, never above the limit, then the next window starts', async () => {
  const { clock, pacer } = virtualPacer();
  const first = await pacer.acquire();
  pacer.completed(first, { limit: 10, remaining: 9, reset: 10 }); // window ends at t = 10 s
  const times = [0];
  for (let i = 0; i < 16; i++) {
    const ticket = await pacer.acquire();
    times.push(clock.t);
    pacer.completed(ticket, {});
  }
  const inFirst = times.filter((t) => t < 10_000);
  const inSecond = times.filter((t) => t >= 10_000 && t < 20_000);
  assert.ok(inFirst.length <= 10 && inFirst.length >= 8, `${inFirst.length} in the first window`);
  assert.ok(inSecond.length <= 10, `${inSecond.length} in the second window`);
  const gaps = inFirst.slice(2).map((t, i) => t - inFirst[i + 1]!);
  assert.ok(Math.min(...gaps) >= 900, `spread out, not a burst: gaps ${gaps.join(', ')}`);
  assert.ok(inFirst.at(-1)! >= 8_000, 'the budget lasts until near the reset');
});

test('a 429 pauses every waiting request until the reset plus jitter, and says so once', async () => {
  const { clock, pacer, logs } = virtualPacer();
  const first = await pacer.acquire();
  pacer.completed(first, { limit: 100, remaining: 0, reset: 30 });
  pacer.rateLimited({ limit: 100, remaining: 0, reset: 30 }, 'GET /conversations/1');
  pacer.rateLimited({ limit: 100, remaining: 0, reset: 30 }, 'GET /conversations/2');
  const [a, b] = await Promise.all([pacer.acquire(), pacer.acquire()]);
  assert.ok(clock.t >= 30_500, `admitted at ${clock.t} (reset 30 s + jitter 0.5 s)`);
  assert.ok(a.waited && b.waited);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /Rate limited by Intercom \(429 on GET \/conversations\/1\): pausing all requests for 30\.5 s/);
});

test('a 429 without a reset header pauses a whole window, not a blind short sleep', async () => {
  const { clock, pacer } = virtualPacer();
  pacer.rateLimited({}, 'GET /x');
  await pacer.acquire();
  assert.ok(clock.t >= 10_000, `admitted at ${clock.t}`);
});

test('our own cap: maxRequestsPerMinute as a token bucket', async () => {
  const { clock, pacer } = virtualPacer({ maxRequestsPerMinute: 120 }); // 2 per second, bursts of 2
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const ticket = await pacer.acquire();
    times.push(clock.t);
    pacer.completed(ticket, {});
  }
  assert.deepEqual(times.slice(0, 2), [0, 0]);
  assert.ok(times[9]! >= 3_900 && times[9]! <= 4_100, `10 requests at 2/s (burst 2) end at ${times[9]}`);
});

test('without rate-limit headers nothing is paced after the first response', async () => {
  const { clock, pacer } = virtualPacer();
  const tickets = await Promise.all(Array.from({ length: 8 }, () => pacer.acquire()));
  for (const t of tickets) pacer.completed(t, {});
  for (let i = 0; i < 100; i++) pacer.completed(await pacer.acquire(), {});
  assert.equal(clock.t, 0);
});
