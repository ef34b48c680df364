import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientFor, errorList, fakeIntercom, json } from './fake-intercom.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a 429 pauses ALL requests (every client of the same app) until X-RateLimit-Reset, without spending attempts', async () => {
  let resetSec = 0;
  let rejected = 0;
  const server = await fakeIntercom((_req, res) => {
    const nowMs = Date.now();
    if (resetSec === 0) resetSec = Math.floor(nowMs / 1000) + 2; // the window ends 1-2 s from now
    const limits = { 'x-ratelimit-limit': 100, 'x-ratelimit-reset': resetSec };
    if (nowMs < resetSec * 1000) {
      rejected++;
      errorList(res, 429, 'rate_limit_exceeded', 'Exceeded rate limit of 100 in 10_seconds', { ...limits, 'x-ratelimit-remaining': 0 });
    } else json(res, 200, { ok: true }, { ...limits, 'x-ratelimit-reset': resetSec + 10, 'x-ratelimit-remaining': 90 });
  });
  const a = clientFor(server, { random: () => 0, maxAttempts: 1 });
  const b = clientFor(server, { random: () => 0, maxAttempts: 1 });
  try {
    const first = a.client.get('/conversations/1');
    await sleep(100); // the 429 has been answered: the pacer is paused
    const others = [b.client.get('/conversations/2'), a.client.get('/conversations/3')];
    await Promise.all([first, ...others]);
    assert.equal(rejected, 1, 'only the first request met the 429');
    const resetMs = resetSec * 1000;
    for (const req of server.requests.slice(1)) assert.ok(req.at >= resetMs, `request ${req.url} sent ${resetMs - req.at} ms before the reset`);
    assert.equal(server.requests.length, 4);
    assert.equal(a.client.stats().rateLimited, 1);
    assert.equal(a.client.stats().retries, 0, 'a 429 is not a retry attempt (maxAttempts 1 still succeeded)');
    const pauses = [...a.logs, ...b.logs].filter((l) => l.level === 'WARN' && /Rate limited by Intercom \(429 on GET \/conversations\/1\)/.test(l.message));
    assert.equal(pauses.length, 1, 'one WARN for the pause');
  } finally {
    await a.client.close();
    await b.client.close();
    await server.close();
  }
});

test('the pacer spreads the window budget: Limit=20 per window, 40 requests at once, zero 429s, no serialising', async () => {
  // Windows of 1 s aligned on whole seconds, as X-RateLimit-Reset (unix seconds) describes them.
  const LIMIT = 20;
  const used = new Map<number, number>();
  let rejected = 0;
  const server = await fakeIntercom((_req, res) => {
    const window = Math.floor(Date.now() / 1000);
    const count = (used.get(window) ?? 0) + 1;
    used.set(window, count);
    const headers = { 'x-ratelimit-limit': LIMIT, 'x-ratelimit-remaining': Math.max(0, LIMIT - count), 'x-ratelimit-reset': window + 1 };
    if (count > LIMIT) {
      rejected++;
      errorList(res, 429, 'rate_limit_exceeded', `Exceeded rate limit of ${LIMIT} in 1_seconds`, headers);
    } else setTimeout(() => json(res, 200, { n: count }, headers), 20);
  });
  const { client } = clientFor(server);
  try {
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.get(`/conversations/${i}`)));
    const elapsed = Date.now() - started;
    assert.equal(rejected, 0, 'no 429');
    assert.equal(server.requests.length, 40);
    assert.ok(Math.max(...used.values()) <= LIMIT);
    assert.ok(elapsed < 5000, `40 requests at 20 per second took ${elapsed} ms`);
    assert.ok(client.stats().throttled > 0, 'some requests waited for budget');
  } finally {
    await client.close();
    await server.close();
  }
});

test('before the first response only a small burst goes out', async () => {
  const server = await fakeIntercom((_req, res) => {
    setTimeout(() => json(res, 200, {}), 300);
  });
  const { client } = clientFor(server);
  try {
    const all = Promise.all(Array.from({ length: 20 }, (_, i) => client.get(`/contacts/${i}`)));
    await sleep(200);
    const early = server.requests.length;
    await all;
    assert.ok(early >= 1 && early <= 8, `${early} requests before the first response`);
    assert.equal(server.requests.length, 20);
  } finally {
    await client.close();
    await server.close();
  }
});

test('maxRequestsPerMinute caps our share (token bucket) even when Intercom allows more', async () => {
  const server = await fakeIntercom((_req, res) =>
    json(res, 200, {}, { 'x-ratelimit-limit': 10_000, 'x-ratelimit-remaining': 9_000, 'x-ratelimit-reset': Math.floor(Date.now() / 1000) + 10 }),
  );
  const { client } = clientFor(server, { maxRequestsPerMinute: 1200 }); // 20 per second, bursts of 20
  try {
    const started = Date.now();
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.get(`/contacts/${i}`)));
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900, `40 requests at 20/s (burst 20) took only ${elapsed} ms`);
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    const halfSecond = server.requests.filter((r) => r.at >= started + 200 && r.at < started + 700).length;
    assert.ok(halfSecond <= 12, `${halfSecond} requests in half a second after the initial burst (20/s allowed)`);
  } finally {
    await client.close();
    await server.close();
  }
});
