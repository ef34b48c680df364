import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, UNLIMITED_WINDOW_LIMIT } from '../../sandbox/rate-limit.js';

/** A clock the test moves by hand (milliseconds). */
function clock(start: number) {
  let now = start;
  return { now: () => now, set: (ms: number) => { now = ms; } };
}

test('the per-minute allowance shows per 10-second window: 1000/min -> 167, 10000/min -> 1667', () => {
  assert.equal(new RateLimiter({ perMinute: 1000, now: () => 0 }).take().limit, 167);
  assert.equal(new RateLimiter({ perMinute: 10_000, now: () => 0 }).take().limit, 1667);
  assert.equal(new RateLimiter({ perMinute: 60, now: () => 0 }).take().limit, 10);
  assert.equal(new RateLimiter({ perMinute: 1, now: () => 0 }).take().limit, 1);
});

test('a window allows exactly `limit` calls, counts remaining down, then refuses until it resets', () => {
  const c = clock(1_700_000_003_250); // 3.25 s into a window that started at ...000 s
  const limiter = new RateLimiter({ perMinute: 60, now: c.now });
  const reset = 1_700_000_010; // unix seconds of the next 10-second boundary
  for (let i = 1; i <= 10; i++) {
    const d = limiter.take();
    assert.deepEqual(d, { allowed: true, limit: 10, remaining: 10 - i, reset }, `call ${i}`);
  }
  c.set(1_700_000_009_999);
  assert.deepEqual(limiter.take(), { allowed: false, limit: 10, remaining: 0, reset });
  assert.deepEqual(limiter.take(), { allowed: false, limit: 10, remaining: 0, reset });
  // The boundary is aligned to the clock, not to the first call.
  c.set(1_700_000_010_000);
  assert.deepEqual(limiter.take(), { allowed: true, limit: 10, remaining: 9, reset: 1_700_000_020 });
});

test('refused calls do not eat into the next window, and a skipped window starts fresh', () => {
  const c = clock(0);
  const limiter = new RateLimiter({ perMinute: 12, now: c.now }); // 2 per window
  assert.equal(limiter.take().allowed, true);
  assert.equal(limiter.take().allowed, true);
  for (let i = 0; i < 50; i++) assert.equal(limiter.take().allowed, false);
  c.set(35_500); // windows 1 and 2 passed unused
  const d = limiter.take();
  assert.deepEqual(d, { allowed: true, limit: 2, remaining: 1, reset: 40 });
});

test('perMinute <= 0 or Infinity is unlimited, with finite header values and a real reset', () => {
  for (const perMinute of [0, -5, Number.POSITIVE_INFINITY]) {
    const limiter = new RateLimiter({ perMinute, now: () => 25_000 });
    for (let i = 0; i < 5000; i++) assert.equal(limiter.take().allowed, true);
    const d = limiter.take();
    assert.equal(limiter.unlimited, true);
    assert.equal(d.limit, UNLIMITED_WINDOW_LIMIT);
    assert.ok(Number.isInteger(d.remaining) && d.remaining > 0);
    assert.equal(d.reset, 30);
  }
});

test('uses the wall clock by default and rejects a non-number allowance', () => {
  const before = Math.floor(Date.now() / 10_000) * 10 + 10;
  const d = new RateLimiter({ perMinute: 600 }).take();
  const after = Math.floor(Date.now() / 10_000) * 10 + 10;
  assert.ok(d.reset === before || d.reset === after);
  assert.throws(() => new RateLimiter({ perMinute: Number.NaN }), /perMinute must be a number/);
});
