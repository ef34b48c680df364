// Issue 5, seen from outside: the built connector (dist/main.js) against the in-process sandbox over real HTTP.
// 1. A run through every fault the sandbox knows emits exactly the ground truth.
// 2. Each retry rule: a retried 503 is logged, exhausted retries end one stream INCOMPLETE with a
//    transient_error naming endpoint and status, a 429 is waited out until its X-RateLimit-Reset.
// 3. With slow, uneven retrieves, no STATE claims a conversation (or its parts) not yet emitted.
// 4. The access token never appears in stdout or stderr, whatever fails.
// The tests run concurrently: the faulty run spends 60 s waiting out a scroll_exists (see the note there).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/index.js';
import { configuredCatalog, records, runConnector, traces, type Message, type RunResult } from '../helpers/connector.js';
import { startSlowProxy } from '../helpers/slow-sandbox.js';

/** Distinctive tokens: no 12-character piece of them can appear in output by chance. */
const TOKEN = 'rsl_Qm7Vx2Kp9Wd4Zt8Hj3Nc6Bf5';
const BAD_TOKEN = 'rsl_Ly5Gs8Rq1Ue7Xo4Ai9Tm2Vk6';
const START = '2000-01-01T00:00:00Z';
const PARTS_CAP = 500;
/** The default attribution window (the configs here do not set one). */
const WINDOW = 30 * 86_400;

let catalog: { streams: any[] };

async function sandboxOf(options: SandboxOptions): Promise<Sandbox> {
  return startSandbox({ token: TOKEN, ...options });
}

const configFor = (url: string, extra: Record<string, unknown> = {}) => ({ access_token: TOKEN, base_url: url, start_date: START, ...extra });
const sorted = (values: Iterable<string>) => [...values].sort();
const ms = (start: number) => `${((Date.now() - start) / 1000).toFixed(1)} s`;

function finalStatuses(messages: Message[]): Map<string, string> {
  const final = new Map<string, string>();
  for (const t of traces(messages, 'STREAM_STATUS')) final.set(t.stream_status.stream_descriptor.name, t.stream_status.status);
  return final;
}

function warnings(messages: Message[]): string[] {
  return messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => String(m.log.message));
}

/** Neither the token nor any 12-character piece of it is in stdout or stderr. */
function assertTokenAbsent(result: RunResult, token: string, label: string): void {
  const output = result.stdout + result.stderr;
  for (let i = 0; i + 12 <= token.length; i++) {
    const piece = token.slice(i, i + 12);
    assert.ok(!output.includes(piece), `${label}: output contains "${piece}", a piece of the access token`);
  }
}

/** The part keys `${conversationId}:${position}` a conversation's parts stream must hold (the 500 most recent). */
function expectedPartKeys(sandbox: Sandbox, conversationId: string): string[] {
  const parts = sandbox.workspace.conversationParts(conversationId) ?? [];
  const kept = parts.length > PARTS_CAP ? parts.slice(parts.length - PARTS_CAP) : parts;
  return kept.map((part, i) => `${conversationId}:${i}:${String(part.id)}`);
}

const partKey = (row: Record<string, any>) => `${row._sdc_source_key_id}:${row._sdc_level_0_id}:${String(row.id)}`;

before(async () => {
  const sandbox = await sandboxOf({ seed: 1, sizes: { contacts: 10, companies: 3, conversations: 3 } });
  try {
    const discovered = await runConnector('discover', { config: configFor(sandbox.url) });
    catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
  } finally {
    await sandbox.close();
  }
});

describe('resilience against the sandbox', { concurrency: true }, () => {
  test('a run through 5xx, resets, cut and non-JSON bodies, a 429 storm and scroll trouble emits exactly the ground truth', async (t) => {
    const scroll = '^/companies/scroll$';
    const sandbox = await sandboxOf({
      seed: 11,
      sizes: { contacts: 2000, companies: 200, conversations: 300 },
      faults: {
        seed: 11,
        serverErrorRate: 0.05,
        resetRate: 0.01,
        truncateRate: 0.005,
        nonJsonRate: 0.005,
        // Random faults everywhere but /me and the scroll, so the scripted scroll faults land where intended.
        paths: '^/(?!me$|companies/scroll$)',
        script: [
          // The first scroll: another scroll "exists" (the connector waits 60 s). company_segments rides along
          // the companies scroll (one pass for both), so the rest land in that one scroll: an expiry mid-scroll,
          // then after the restart a "please restart" 500.
          { path: scroll, kind: 'scroll_exists' },
          { path: scroll, after: 5, kind: 'scroll_expired' },
          { path: scroll, after: 6, kind: 'scroll_restart' },
        ],
      },
    });
    // The 429 storm comes from a proxy, so each 429's X-RateLimit-Reset is a couple of seconds ahead (the
    // sandbox's own 429s reset at the end of its 10-second window, up to 10 s per 429 when they come one by one).
    const storm = { after: 40, count: 6, seen: 0 };
    const proxy = await startSlowProxy(sandbox.url, {
      answer: (req) => {
        if (req.method !== 'GET' || !/^\/conversations\/[^/]+$/.test(req.path)) return undefined;
        if (storm.seen++ < storm.after || storm.count === 0) return undefined;
        storm.count--;
        const reset = Math.ceil(Date.now() / 1000) + 2;
        return {
          status: 429,
          headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
          body: JSON.stringify({ type: 'error.list', request_id: 'storm', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit of 1000 in 10_seconds' }] }),
        };
      },
    });
    try {
      const streams = ['users', 'leads', 'companies', 'conversations', 'conversations__parts', 'company_segments'];
      const started = Date.now();
      const result = await runConnector('read', {
        config: configFor(proxy.url, { max_attempts: 12 }),
        catalog: configuredCatalog(catalog, streams, 'full_refresh'),
        timeoutMs: 150_000,
      });
      t.diagnostic(`faulty read took ${ms(started)}; ${sandbox.log.length} requests`);
      const { messages } = result;
      assert.deepEqual(traces(messages, 'ERROR'), [], 'no error trace');
      assert.equal(result.code, 0, `exit 0 (stderr: ${result.stderr.slice(0, 300)})`);
      const final = finalStatuses(messages);
      for (const name of streams) assert.equal(final.get(name), 'COMPLETE', `stream ${name} COMPLETE`);

      // The faults really happened.
      const statusCount = (pred: (e: (typeof sandbox.log)[number]) => boolean) => sandbox.log.filter(pred).length;
      assert.equal(sandbox.faults.pendingScript, 0, 'every scripted fault fired');
      assert.ok(statusCount((e) => e.status >= 500 && !e.path.startsWith('/companies/scroll')) > 0, 'some 5xx');
      assert.ok(statusCount((e) => e.status === 0) > 0, 'some connection resets');
      assert.equal(proxy.log.filter((e) => e.status === 429).length, 6, 'the 429 storm');
      for (const status of [400, 404, 500]) {
        assert.ok(statusCount((e) => e.path.startsWith('/companies/scroll') && e.status === status) > 0, `a ${status} on the scroll`);
      }
      // The expiry came mid-scroll (after the scroll that opened once scroll_exists was waited out), and the
      // companies scroll served company_segments too: no second pass.
      const scrollLog = sandbox.log.filter((e) => e.path.startsWith('/companies/scroll'));
      const opens = scrollLog.flatMap((e, i) => (e.path === '/companies/scroll' ? [i] : []));
      assert.ok(opens.length >= 2 && scrollLog.findIndex((e) => e.status === 404) > opens[1]!, 'the scroll expiry came mid-scroll');
      assert.ok(opens.length <= 4, `one pass, restarted for its faults only (${opens.length} scroll starts)`);

      for (const stream of ['users', 'leads', 'companies', 'conversations', 'company_segments'] as const) {
        const emitted = records(messages, stream).map((r) => String(r.id));
        assert.equal(new Set(emitted).size, emitted.length, `${stream}: no duplicate ids`);
        assert.deepEqual(sorted(emitted), sorted(sandbox.workspace.ids(stream).map((r) => r.id)), `${stream}: ids equal the ground truth`);
      }
      const emittedParts = records(messages, 'conversations__parts').map(partKey);
      assert.equal(new Set(emittedParts).size, emittedParts.length, 'conversations__parts: no duplicate keys');
      const expectedParts = sandbox.workspace.ids('conversations').flatMap(({ id }) => expectedPartKeys(sandbox, id));
      assert.deepEqual(sorted(emittedParts), sorted(expectedParts), 'conversations__parts: keys equal the ground truth');
      assertTokenAbsent(result, TOKEN, 'faulty run');
    } finally {
      await proxy.close();
      await sandbox.close();
    }
  });

  test('a companies scroll page lost in transit (cut body, reset, non-JSON 200) loses no company and repeats none', async () => {
    for (const kind of ['truncate', 'reset', 'non_json'] as const) {
      const sandbox = await sandboxOf({ seed: 12, sizes: { contacts: 10, companies: 100, conversations: 3 }, faults: { script: [{ path: '^/companies/scroll$', after: 3, kind }] } });
      try {
        const result = await runConnector('read', { config: configFor(sandbox.url), catalog: configuredCatalog(catalog, ['companies'], 'full_refresh') });
        assert.equal(result.code, 0, `${kind}: exit 0 (stderr: ${result.stderr.slice(0, 300)})`);
        assert.equal(sandbox.faults.pendingScript, 0, `${kind}: the fault fired`);
        const emitted = records(result.messages, 'companies').map((r) => String(r.id));
        assert.equal(new Set(emitted).size, emitted.length, `${kind}: no duplicate companies`);
        assert.deepEqual(sorted(emitted), sorted(sandbox.workspace.ids('companies').map((r) => r.id)), `${kind}: every company`);
      } finally {
        await sandbox.close();
      }
    }
  });

  test('a retried 503 is logged as a WARN naming the endpoint, and the stream completes', async () => {
    const sandbox = await sandboxOf({ seed: 3, sizes: { contacts: 20, companies: 3, conversations: 3 }, faults: { script: [{ path: '^/admins$', kind: 'status', status: 503 }] } });
    try {
      const result = await runConnector('read', { config: configFor(sandbox.url), catalog: configuredCatalog(catalog, ['admins'], 'full_refresh') });
      assert.equal(result.code, 0, `exit 0 (stderr: ${result.stderr.slice(0, 300)})`);
      assert.equal(finalStatuses(result.messages).get('admins'), 'COMPLETE');
      assert.ok(warnings(result.messages).some((w) => w.includes('GET /admins') && w.includes('503')), `a WARN naming GET /admins and 503: ${JSON.stringify(warnings(result.messages))}`);
      assert.deepEqual(sorted(records(result.messages, 'admins').map((r) => String(r.id))), sorted(sandbox.workspace.ids('admins').map((r) => r.id)));
      assert.deepEqual(sandbox.log.filter((e) => e.path === '/admins').map((e) => e.status), [503, 200]);
    } finally {
      await sandbox.close();
    }
  });

  test('exhausted retries end that stream INCOMPLETE with a transient_error naming endpoint and status; admins completes; exit 1', async () => {
    const sandbox = await sandboxOf({
      seed: 4,
      sizes: { contacts: 20, companies: 3, conversations: 20 },
      faults: { script: [{ path: '^/conversations/search$', kind: 'status', status: 503, count: 1000 }] },
    });
    try {
      const result = await runConnector('read', {
        config: configFor(sandbox.url, { max_attempts: 2 }),
        catalog: configuredCatalog(catalog, ['admins', 'conversations'], 'full_refresh'),
      });
      assert.equal(result.code, 1);
      const final = finalStatuses(result.messages);
      assert.equal(final.get('conversations'), 'INCOMPLETE');
      assert.equal(final.get('admins'), 'COMPLETE');
      const errors = traces(result.messages, 'ERROR');
      assert.equal(errors.length, 1, 'one error trace');
      assert.equal(errors[0]!.error.failure_type, 'transient_error');
      assert.match(errors[0]!.error.message, /POST \/conversations\/search/);
      assert.match(errors[0]!.error.message, /503/);
      assert.equal(sandbox.log.filter((e) => e.path === '/conversations/search').length, 2, 'max_attempts 2: two tries, no more');
      assert.equal(records(result.messages, 'admins').length, sandbox.workspace.ids('admins').length);
      assertTokenAbsent(result, TOKEN, 'exhausted retries');
    } finally {
      await sandbox.close();
    }
  });

  test('a 429 is waited out: no request reaches Intercom between the 429 and its X-RateLimit-Reset', async (t) => {
    const sandbox = await sandboxOf({
      seed: 5,
      sizes: { contacts: 50, companies: 5, conversations: 600 },
      faults: { script: [{ path: '^/conversations/search$', after: 1, kind: 'rate_limit' }] },
    });
    try {
      // Start about 6 s into a 10-second window, so the 429 (on the second page) comes a few seconds before its reset.
      const phase = Date.now() % 10_000;
      await new Promise((r) => setTimeout(r, (16_000 - phase) % 10_000));
      // Conversations without parts: one search page at a time, so no request is in flight when the 429 comes.
      const result = await runConnector('read', { config: configFor(sandbox.url), catalog: configuredCatalog(catalog, ['conversations'], 'full_refresh') });
      assert.equal(result.code, 0, `exit 0 (stderr: ${result.stderr.slice(0, 300)})`);
      const index = sandbox.log.findIndex((e) => e.status === 429);
      assert.ok(index >= 0, 'the sandbox answered a 429');
      const limited = sandbox.log[index]!;
      const resetMs = (Math.floor(limited.at / 10_000) + 1) * 10_000; // X-RateLimit-Reset of that response
      const after = sandbox.log.slice(index + 1);
      t.diagnostic(`429 at ${limited.at % 10_000} ms into its window; next request ${after[0] ? after[0].at - limited.at : 'none'} ms later; reset ${resetMs - limited.at} ms later`);
      assert.ok(after.length > 0, 'the read went on after the 429');
      for (const e of after) assert.ok(e.at >= resetMs, `${e.method} ${e.path} sent ${resetMs - e.at} ms before the reset`);
      // ...and no longer than the reset plus the pacer's jitter (up to 1 s) and some slack: not a blind long sleep.
      assert.ok(after[0]!.at <= resetMs + 3_000, `the read resumed ${after[0]!.at - resetMs} ms after the reset`);
      assert.deepEqual(sorted(records(result.messages, 'conversations').map((r) => String(r.id))), sorted(sandbox.workspace.ids('conversations').map((r) => r.id)));
    } finally {
      await sandbox.close();
    }
  });

  test('with slow, uneven retrieves no STATE runs ahead of the conversations and parts emitted before it', async (t) => {
    const sandbox = await sandboxOf({ seed: 6, sizes: { contacts: 100, companies: 5, conversations: 600 } });
    // Retrieves of single conversations are slow and uneven: most 0-60 ms, one in seven 250-400 ms.
    const proxy = await startSlowProxy(sandbox.url, {
      delayMs: (method, path) => {
        if (method !== 'GET' || !/^\/conversations\/[^/]+$/.test(path)) return 0;
        let h = 0;
        for (const c of path) h = (h * 31 + c.charCodeAt(0)) >>> 0;
        return h % 7 === 0 ? 250 + (h % 150) : h % 60;
      },
    });
    try {
      const started = Date.now();
      const result = await runConnector('read', {
        config: { ...configFor(proxy.url), concurrency: 8 },
        catalog: configuredCatalog(catalog, ['conversations', 'conversations__parts'], 'incremental'),
      });
      t.diagnostic(`slow read took ${ms(started)}`);
      assert.equal(result.code, 0, `exit 0 (stderr: ${result.stderr.slice(0, 300)})`);
      const truth = sandbox.workspace.ids('conversations');
      const expectedParts = new Map(truth.map(({ id }) => [id, expectedPartKeys(sandbox, id)]));
      const emitted = new Set<string>();
      const emittedParts = new Set<string>();
      const checked = { conversations: 0, conversations__parts: 0 };
      for (const m of result.messages) {
        if (m.type === 'RECORD' && m.record.stream === 'conversations') emitted.add(String(m.record.data.id));
        if (m.type === 'RECORD' && m.record.stream === 'conversations__parts') emittedParts.add(partKey(m.record.data));
        if (m.type !== 'STATE') continue;
        const name = m.state.stream.stream_descriptor.name as 'conversations' | 'conversations__parts';
        const streamState = m.state.stream.stream_state ?? {};
        // What a sync restarted from this STATE would not read again must already be out:
        // mid-pass, everything above pending.resume_at; once complete, everything below cursor - window.
        let notReread: (updatedAt: number) => boolean;
        if (streamState.pending) {
          assert.equal(typeof streamState.pending.resume_at, 'string', `${name} STATE carries its progress: ${JSON.stringify(streamState)}`);
          const resumeAt = Math.floor(Date.parse(streamState.pending.resume_at) / 1000);
          notReread = (updatedAt) => updatedAt > resumeAt;
        } else {
          const value = streamState[name === 'conversations' ? 'updated_at' : '_sdc_source_updated_at'];
          assert.equal(typeof value, 'string', `${name} STATE carries its cursor: ${JSON.stringify(streamState)}`);
          const lowerBound = Math.floor(Date.parse(value) / 1000) - WINDOW;
          notReread = (updatedAt) => updatedAt < lowerBound;
        }
        checked[name]++;
        for (const { id, updated_at } of truth) {
          if (!notReread(updated_at)) continue;
          assert.ok(emitted.has(id), `${name} STATE ${JSON.stringify(streamState)} before conversation ${id} (updated ${updated_at}) was emitted`);
          for (const key of expectedParts.get(id)!) {
            assert.ok(emittedParts.has(key), `${name} STATE ${JSON.stringify(streamState)} before part ${key} of conversation ${id} (updated ${updated_at}) was emitted`);
          }
        }
      }
      // 600 conversations are 4 search pages: a checkpoint after each, for both streams.
      assert.ok(checked.conversations >= 4, `checkpoints of conversations: ${checked.conversations}`);
      assert.ok(checked.conversations__parts >= 4, `checkpoints of conversations__parts: ${checked.conversations__parts}`);
      assert.equal(emitted.size, truth.length, 'every conversation emitted');
      assert.ok(proxy.log.filter((e) => e.delayMs >= 250).length > 50, 'many retrieves were slow');
    } finally {
      await proxy.close();
      await sandbox.close();
    }
  });

  test('the access token is never printed: bad token, withheld scope, dead port, a 400 echoing the token', async () => {
    const sizes = { contacts: 1200, companies: 5, conversations: 10 };

    // A bad token, in check and in read: the bad token itself must not be printed either.
    const sandbox = await sandboxOf({ seed: 8, sizes });
    try {
      for (const command of ['check', 'read']) {
        const catalogFile = command === 'read' ? configuredCatalog(catalog, ['admins'], 'full_refresh') : undefined;
        const result = await runConnector(command, { config: { ...configFor(sandbox.url), access_token: BAD_TOKEN }, catalog: catalogFile });
        assert.match(result.stdout, /invalid or revoked/, `${command} with a bad token reports it (stderr: ${result.stderr.slice(0, 300)})`);
        assertTokenAbsent(result, BAD_TOKEN, `${command} with a bad token`);
      }

      // A withheld scope.
      sandbox.setOptions({ scopesWithheld: ['read_conversations'] });
      const scoped = await runConnector('read', { config: configFor(sandbox.url), catalog: configuredCatalog(catalog, ['conversations'], 'full_refresh') });
      assert.equal(scoped.code, 1);
      assert.equal(traces(scoped.messages, 'ERROR')[0]?.error.failure_type, 'config_error');
      assertTokenAbsent(scoped, TOKEN, 'withheld scope');
      sandbox.setOptions({ scopesWithheld: [] });

      // A 400 whose body echoes the request's Authorization header (some APIs echo parameters back).
      const echo = await startSlowProxy(sandbox.url, {
        answer: (req) => req.path === '/contacts/search'
          ? { status: 400, body: JSON.stringify({ type: 'error.list', request_id: 'echo-1', errors: [{ code: 'parameter_invalid', message: `Bad request with header ${String(req.headers.authorization)}` }] }) }
          : undefined,
      });
      try {
        const rejected = await runConnector('read', { config: configFor(echo.url), catalog: configuredCatalog(catalog, ['users'], 'full_refresh') });
        assert.equal(rejected.code, 1);
        assert.ok(echo.log.some((e) => e.status === 400), 'the 400 was served');
        // The echoed text reaches the error message, so it is redaction (not silence) that keeps the token out.
        assert.match(traces(rejected.messages, 'ERROR')[0]?.error.message ?? '', /400 parameter_invalid: Bad request with header/);
        assertTokenAbsent(rejected, TOKEN, 'a 400 echoing the token');
      } finally {
        await echo.close();
      }
    } finally {
      await sandbox.close();
    }

    // The port dies during a read.
    const dying = await sandboxOf({ seed: 9, sizes, faults: { latencyMs: 40 } });
    let closed = false;
    const watcher = setInterval(() => {
      if (!closed && dying.log.length >= 3) {
        closed = true;
        void dying.close();
      }
    }, 5);
    try {
      const dead = await runConnector('read', { config: configFor(dying.url, { max_attempts: 2 }), catalog: configuredCatalog(catalog, ['users'], 'full_refresh') });
      assert.ok(closed, 'the sandbox was closed during the read');
      assert.equal(dead.code, 1);
      assert.equal(finalStatuses(dead.messages).get('users'), 'INCOMPLETE');
      assert.equal(traces(dead.messages, 'ERROR')[0]?.error.failure_type, 'transient_error');
      assertTokenAbsent(dead, TOKEN, 'dead port');
    } finally {
      clearInterval(watcher);
      if (!closed) await dying.close();
    }
  });
});
