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
  pacer.completed(first, { limit: 100, remaining: 0, reset: 8 });
  pacer.rateLimited({ limit: 100, remaining: 0, reset: 8 }, 'GET /conversations/1');
  pacer.rateLimited({ limit: 100, remaining: 0, reset: 8 }, 'GET /conversations/2');
  const [a, b] = await Promise.all([pacer.acquire(), pacer.acquire()]);
  assert.ok(clock.t >= 8_500, `admitted at ${clock.t} (reset 8 s + jitter 0.5 s)`);
  assert.ok(a.waited && b.waited);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /Rate limited by Intercom \(429 on GET \/conversations\/1\): pausing all requests for 8\.5 s/);
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

/** A virtual pacer whose sleeps are recorded (a timer longer than 2^31-1 ms would fire at once in Node). */
function recordingPacer(start: number) {
  const clock = { t: start };
  const logs: string[] = [];
  const sleeps: number[] = [];
  const pacer = new Pacer({
    now: () => clock.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    random: () => 0.5,
    log: (_level, message) => logs.push(message),
  });
  return { clock, pacer, logs, sleeps };
}

const NOW = 1_764_590_400_000; // a unix time in ms, as Date.now() gives
const MAX_TIMER = 2 ** 31 - 1;

test('a 429 whose X-RateLimit-Reset is a day ahead pauses one window at most, and says so once naming the value', async () => {
  const { clock, pacer, logs, sleeps } = recordingPacer(NOW);
  const reset = NOW / 1000 + 86_400;
  for (let i = 0; i < 3; i++) {
    pacer.rateLimited({ limit: 100, remaining: 0, reset }, 'GET /admins');
    pacer.completed(await pacer.acquire(), { limit: 100, remaining: 50, reset: clock.t / 1000 + 5 });
  }
  assert.ok(clock.t - NOW <= 3 * 11_000, `three 429s waited ${(clock.t - NOW) / 1000} s in all`);
  assert.ok(sleeps.every((ms) => ms >= 1 && ms <= 11_000), `sleeps ${sleeps.join(', ')}`);
  const warned = logs.filter((l) => l.includes(`X-RateLimit-Reset: ${reset}`));
  assert.equal(warned.length, 1, `one WARN naming the header value: ${JSON.stringify(logs)}`);
  assert.match(warned[0]!, /86400 s ahead, more than one 10 s rate-limit window/);
});

test('X-RateLimit-Remaining: 0 with a reset in milliseconds is read as milliseconds; absurd resets are capped to a window', async () => {
  for (const [reset, maxWait] of [
    [NOW + 2_000, 2_100], // milliseconds: 2 s ahead
    [(NOW + 3 * 86_400_000) * 1000, 10_100], // microseconds: read as ms, still far ahead: one window
    [1e300, 10_100],
    [Number.MAX_VALUE, 10_100],
  ] as const) {
    const { clock, pacer, logs, sleeps } = recordingPacer(NOW);
    pacer.completed(await pacer.acquire(), { limit: 100, remaining: 0, reset });
    await pacer.acquire();
    const waited = clock.t - NOW;
    assert.ok(waited > 0 && waited <= maxWait, `reset ${reset}: waited ${waited} ms`);
    assert.ok(sleeps.every((ms) => Number.isInteger(ms) && ms >= 1 && ms <= MAX_TIMER), `reset ${reset}: sleeps ${sleeps.join(', ')}`);
    assert.equal(logs.filter((l) => l.includes(`X-RateLimit-Reset: ${reset}`)).length, 1, `reset ${reset}: ${JSON.stringify(logs)}`);
  }
});

test('a reset within the window is believed without a WARN; a limit of 0 does not stop requests for ever', async () => {
  const { clock, pacer, logs } = recordingPacer(NOW);
  pacer.completed(await pacer.acquire(), { limit: 100, remaining: 0, reset: NOW / 1000 + 4 });
  await pacer.acquire();
  assert.ok(clock.t - NOW >= 4_000 && clock.t - NOW <= 4_100, `waited ${clock.t - NOW} ms`);
  assert.deepEqual(logs, []);

  const zero = recordingPacer(NOW);
  zero.pacer.completed(await zero.pacer.acquire(), { limit: 0, remaining: 0, reset: NOW / 1000 + 1 });
  for (let i = 0; i < 3; i++) zero.pacer.completed(await zero.pacer.acquire(), { limit: 0, remaining: 0, reset: zero.clock.t / 1000 + 10 });
  assert.ok(zero.clock.t - NOW <= 3 * 10_000 + 1_100, `three requests under limit 0 took ${(zero.clock.t - NOW) / 1000} s`);
});
test('requestsPerSecond: unknown before any limit, then Intercom limit per window, or our own cap when lower', async () => {
  const { pacer } = virtualPacer();
  assert.equal(pacer.requestsPerSecond(), undefined);
  const first = await pacer.acquire();
  pacer.completed(first, { limit: 167, remaining: 166, reset: 10 }); // 1,000 requests/min, in 10-second windows
  assert.equal(pacer.requestsPerSecond(), 16.7);
  pacer.capRequestsPerMinute(600);
  assert.equal(pacer.requestsPerSecond(), 10);
  const { pacer: capped } = virtualPacer({ maxRequestsPerMinute: 1200 });
  assert.equal(capped.requestsPerSecond(), 20, 'our cap alone, before any response');
});
