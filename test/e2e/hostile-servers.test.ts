// Issue 12, items 1-4 and 7 (row_estimate), seen from outside: the built connector (dist/main.js) against
// small local servers on 127.0.0.1 that misbehave on purpose. Every run shows bounded memory (the child's
// peak RSS, VmHWM, at most 300 MB), bounded time, every stdout line a valid AirbyteMessage (parseMessages),
// the access token in no output in any form, and a TRACE or WARN that names what went wrong.
// Every server stops by itself: endless bodies end when the connector hangs up, or at a hard cap.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { startSandbox } from '../../sandbox/index.js';
import { configuredCatalog, records, tempDir, traces, type Message } from '../helpers/connector.js';
import { parseMessages } from '../helpers/protocol.js';

/** Distinctive token: no 12-character piece of it can appear in output by chance. */
const TOKEN = 'hst_Wq4Rz8Lm2Xv6Tb9Kc3Jn7Pd5';
const MAX_RSS_MB = 300;
/** request_timeout_seconds of every run: each run must end within twice this (plus one rate-limit window where one is waited). */
const TIMEOUT_S = 15;
const MB = 1024 * 1024;

let catalog: { streams: any[] };

before(async () => {
  const sandbox = await startSandbox({ token: TOKEN, seed: 1, sizes: { contacts: 5, companies: 2, conversations: 2 } });
  try {
    const run = await runConnector({ access_token: TOKEN, base_url: sandbox.url }, undefined, 60_000, 'discover');
    catalog = run.messages.find((m) => m.type === 'CATALOG')!.catalog;
  } finally {
    await sandbox.close();
  }
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  messages: Message[];
  elapsedMs: number;
  peakRssMb: number;
}

/** Runs dist/main.js with its peak RSS polled from /proc/<pid>/status (VmHWM); SIGKILL at `killAfterMs`. */
async function runConnector(config: unknown, streams: string[] | undefined, killAfterMs: number, command = 'read'): Promise<Run> {
  const dir = tempDir();
  const args = [resolve('dist/main.js'), command, '--config', join(dir, 'config.json')];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  if (streams) {
    writeFileSync(join(dir, 'catalog.json'), JSON.stringify(configuredCatalog(catalog, streams, 'full_refresh')));
    args.push('--catalog', join(dir, 'catalog.json'));
  }
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // the process has ended
    }
  }, 20);
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', (exit) => done(exit));
  });
  clearInterval(poll);
  clearTimeout(killer);
  return { code, stdout, stderr, messages: parseMessages(stdout) as Message[], elapsedMs: Date.now() - started, peakRssMb: peakKb / 1024 };
}

interface Hostile {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** A loopback server answering every request but GET /data_attributes with `handler`; it records `METHOD /path` of each. */
async function hostileServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<Hostile> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      // Every read first asks for the workspace's data attributes (to type custom_attributes): a plain, empty
      // answer, so each case misbehaves only where it means to.
      if (path === '/data_attributes') return json(res, 200, { type: 'list', data: [] });
      requests.push(`${req.method} ${path}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Writes `chunk` again and again (with backpressure) until the client hangs up or `limit` bytes are out. */
function endless(res: ServerResponse, chunk: Buffer, limit: number, end?: string): void {
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < limit) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end(end);
  };
  pump();
}

const configFor = (url: string, extra: Record<string, unknown> = {}) => ({
  access_token: TOKEN,
  base_url: url,
  start_date: '2020-01-01T00:00:00Z',
  request_timeout_seconds: TIMEOUT_S,
  max_attempts: 2,
  ...extra,
});

const warnings = (run: Run) => run.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => String(m.log.message));
const errors = (run: Run) => traces(run.messages, 'ERROR').map((t) => t.error as { message: string; failure_type: string });

function finalStatus(run: Run, stream: string): string | undefined {
  return traces(run.messages, 'STREAM_STATUS').filter((t) => t.stream_status.stream_descriptor.name === stream).at(-1)?.stream_status.status;
}

/** What every run must show: bounded memory and time, no token (whole or any 12-character piece). */
function assertBounded(t: { diagnostic(message: string): void }, run: Run, label: string, maxMs = 2 * TIMEOUT_S * 1000): void {
  t.diagnostic(`${label}: peak RSS ${run.peakRssMb.toFixed(0)} MB, ${(run.elapsedMs / 1000).toFixed(1)} s`);
  assert.ok(run.peakRssMb > 0 && run.peakRssMb <= MAX_RSS_MB, `${label}: peak RSS ${run.peakRssMb.toFixed(0)} MB (at most ${MAX_RSS_MB})`);
  assert.ok(run.elapsedMs <= maxMs, `${label}: took ${run.elapsedMs} ms (at most ${maxMs})`);
  const output = run.stdout + run.stderr;
  for (let i = 0; i + 12 <= TOKEN.length; i++) assert.ok(!output.includes(TOKEN.slice(i, i + 12)), `${label}: output holds a piece of the token`);
  assert.ok(!/TimeoutOverflowWarning|Unhandled|    at /.test(run.stderr), `${label}: stderr ${run.stderr.slice(0, 300)}`);
}

/** A valid conversation for search pages. */
const conversation = (id: string, updatedAt = 1_700_000_000) => ({ type: 'conversation', id, created_at: updatedAt - 100, updated_at: updatedAt });

describe('hostile servers', { concurrency: true }, () => {
  test('an endless chunked body is cut at max_response_mb: the stream ends INCOMPLETE with a transient_error naming endpoint and size', async (t) => {
    const server = await hostileServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"type":"admin.list","echo":${JSON.stringify(String(req.headers.authorization))},"admins":[`);
      endless(res, Buffer.alloc(64 * 1024, '{"id":"1","name":"x"},'), 2048 * MB);
    });
    try {
      const run = await runConnector(configFor(server.url), ['admins'], 50_000);
      assertBounded(t, run, 'endless body');
      const [error] = errors(run);
      assert.equal(error?.failure_type, 'transient_error', JSON.stringify(errors(run)));
      assert.match(error!.message, /GET \/admins answered with a response body larger than 64 MB \(max_response_mb\)/);
      assert.equal(finalStatus(run, 'admins'), 'INCOMPLETE');
      assert.deepEqual(server.requests, ['GET /admins'], 'a body too large is not asked for again');
      assert.equal(run.code, 1);
    } finally {
      await server.close();
    }
  });

  test('one giant JSON line (a 200 MB record) is cut at the cap, and a smaller max_response_mb is obeyed', async (t) => {
    const server = await hostileServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"conversation.list","total_count":1,"pages":{},"conversations":[{"type":"conversation","id":"c1","updated_at":1700000000,"title":"');
      endless(res, Buffer.alloc(MB, 'x'), 200 * MB, '"}]}');
    });
    try {
      const [byDefault, bySetting] = await Promise.all([
        runConnector(configFor(server.url), ['conversations'], 50_000),
        runConnector(configFor(server.url, { max_response_mb: 5 }), ['conversations'], 50_000),
      ]);
      for (const [run, size] of [[byDefault, 64], [bySetting, 5]] as const) {
        assertBounded(t, run, `giant line, cap ${size} MB`);
        assert.deepEqual(records(run.messages), [], 'no record of the cut body');
        assert.match(errors(run)[0]?.message ?? '', new RegExp(`POST /conversations/search answered with a response body larger than ${size} MB`));
        assert.equal(finalStatus(run, 'conversations'), 'INCOMPLETE');
      }
    } finally {
      await server.close();
    }
  });

  test('a rate-limit reset a day ahead or in milliseconds is capped to one window, named once in a WARN, and the sync completes', async (t) => {
    let admins = 0;
    let dayAhead = 0;
    const server = await hostileServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/admins' && admins++ === 0) {
        dayAhead = Math.floor(Date.now() / 1000) + 86_400;
        // A 429 whose reset is a day ahead: waited one window (10 s) at most.
        json(res, 429, { type: 'error.list', errors: [{ code: 'rate_limit_exceeded', message: 'Exceeded rate limit' }] }, {
          'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(dayAhead),
        });
        return;
      }
      // Then Remaining: 0 with a reset in milliseconds, 1 s ahead: the next request waits about 1 s, not 55,000 years.
      const limits = { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.now() + 1_000) };
      if (path === '/admins') json(res, 200, { type: 'admin.list', admins: [{ type: 'admin', id: 'a1', name: 'Ann' }] }, limits);
      else json(res, 200, { type: 'team.list', teams: [{ type: 'team', id: 't1', name: 'Ops' }] }, limits);
    });
    try {
      const run = await runConnector(configFor(server.url), ['admins', 'teams'], 50_000);
      assertBounded(t, run, 'far reset', 10_000 + 2 * TIMEOUT_S * 1000);
      assert.equal(run.code, 0, JSON.stringify(errors(run)));
      assert.deepEqual(records(run.messages).map((r) => r.id).sort(), ['a1', 't1']);
      const named = warnings(run).filter((w) => w.includes(`X-RateLimit-Reset: ${dayAhead}`));
      assert.equal(named.length, 1, JSON.stringify(warnings(run)));
      assert.match(named[0]!, / 86\d{3} s ahead, more than one 10 s rate-limit window: waiting one window at most/);
      // One window (10 s) plus a jitter under 1 s: up to 10.999 s, which the WARN prints as 11.0.
      assert.ok(warnings(run).some((w) => /Rate limited by Intercom \(429 on GET \/admins\): pausing all requests for (9\.\d|10\.\d|11\.0) s/.test(w)), JSON.stringify(warnings(run)));
      // The two lists are read at once (whole lists, read alongside): which is asked first varies.
      assert.deepEqual([...server.requests].sort(), ['GET /admins', 'GET /admins', 'GET /teams']);
    } finally {
      await server.close();
    }
  });

  test('items that are not objects with an id (numbers, null, strings, arrays) never become RECORDs: skipped and counted in a WARN', async (t) => {
    const junk = (auth: string) => [1, null, `echo ${auth}`, [], true, { name: 'no id' }, { id: null }, { id: '' }];
    const server = await hostileServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const auth = String(req.headers.authorization);
      if (path === '/admins') json(res, 200, { type: 'admin.list', admins: [...junk(auth), { type: 'admin', id: 'a1' }] });
      else if (path === '/conversations/search') {
        json(res, 200, { type: 'conversation.list', total_count: 2, conversations: [...junk(auth), conversation('c1'), 7, conversation('c2')], pages: {} });
      } else if (path === '/companies/scroll') {
        const first = new URL(req.url ?? '/', 'http://x').searchParams.get('scroll_param') === null;
        json(res, 200, { type: 'list', data: first ? [...junk(auth), { type: 'company', id: 'co1', updated_at: 1_700_000_000 }] : [], scroll_param: 'sp1' });
      } else json(res, 404, { type: 'error.list', errors: [{ code: 'not_found', message: 'no' }] });
    });
    try {
      const run = await runConnector(configFor(server.url), ['admins', 'conversations', 'companies'], 45_000);
      assertBounded(t, run, 'not objects');
      assert.equal(run.code, 0, JSON.stringify(errors(run)));
      assert.deepEqual(records(run.messages, 'admins').map((r) => r.id), ['a1']);
      assert.deepEqual(records(run.messages, 'conversations').map((r) => r.id), ['c1', 'c2']);
      assert.deepEqual(records(run.messages, 'companies').map((r) => r.id), ['co1']);
      for (const data of records(run.messages)) assert.ok(typeof data === 'object' && data !== null && !Array.isArray(data));
      const counted = (endpoint: string, n: number) =>
        assert.ok(warnings(run).some((w) => w.startsWith(`${endpoint} returned ${n} items that cannot be records (`)), `${endpoint}: ${JSON.stringify(warnings(run))}`);
      counted('GET /admins', 8);
      counted('POST /conversations/search', 9);
      counted('GET /companies/scroll', 8);
      assert.ok(warnings(run).some((w) => w.includes('1 number, 1 null, 1 string, 1 array, 1 boolean, 3 object without a usable "id"')), JSON.stringify(warnings(run)));
    } finally {
      await server.close();
    }
  });

  test('pages that never end (a fresh cursor, the same records) stop with a system_error naming the endpoint', async (t) => {
    let page = 0;
    const server = await hostileServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      page++;
      if (path === '/conversations/search') {
        json(res, 200, { type: 'conversation.list', total_count: 2, conversations: [conversation('c1'), conversation('c2')], pages: { next: { starting_after: `cursor-${page}` } } });
      } else if (path === '/admins/activity_logs') {
        // A list whose next page is a fresh URL every time, pointing to pages of nothing.
        json(res, 200, { type: 'activity_log.list', activity_logs: [], pages: { next: `/admins/activity_logs?page_token=t${page}` } });
      } else {
        // A scroll whose every page holds nothing usable, with a fresh scroll_param.
        json(res, 200, { type: 'list', data: [null, 3], scroll_param: `sp-${page}` });
      }
    });
    try {
      const run = await runConnector(configFor(server.url), ['conversations', 'activity_logs', 'companies'], 45_000);
      assertBounded(t, run, 'endless pages');
      const messages = errors(run).map((e) => `${e.failure_type}: ${e.message}`);
      assert.ok(messages.some((m) => m.startsWith('system_error: POST /conversations/search kept handing out new page cursors, but its last 5 pages brought no record')), JSON.stringify(messages));
      assert.ok(messages.some((m) => m.startsWith('system_error: GET /admins/activity_logs kept handing out new page cursors')), JSON.stringify(messages));
      assert.ok(messages.some((m) => m.startsWith('system_error: GET /companies/scroll returned 5 pages in a row with no usable company')), JSON.stringify(messages));
      for (const stream of ['conversations', 'activity_logs', 'companies']) assert.equal(finalStatus(run, stream), 'INCOMPLETE', stream);
      assert.ok(records(run.messages, 'conversations').length <= 2 * 5, 'the same records are not emitted for ever');
      assert.ok(server.requests.length <= 3 * 7, `${server.requests.length} requests`);
    } finally {
      await server.close();
    }
  });

  test('absurd total_count values (1e308, negative, fractional, a string) give no ESTIMATE, never a non-integer row_estimate', async (t) => {
    const totals: Record<string, string> = { '/conversations/search': '1e308', '/tickets/search': '12.5', '/contacts/search': '-3' };
    const server = await hostileServer((req, res, body) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/admins/activity_logs') {
        json(res, 200, '{"type":"activity_log.list","total_count":"100","activity_logs":[{"id":"l1","created_at":1700000000}],"pages":{}}');
        return;
      }
      const key = path === '/conversations/search' ? 'conversations' : path === '/tickets/search' ? 'tickets' : 'data';
      const role = path === '/contacts/search' && body.includes('"lead"') ? 'lead' : 'user';
      const item = { type: key === 'data' ? 'contact' : key.slice(0, -1), id: `${key}-1`, role, created_at: 1_699_999_000, updated_at: 1_700_000_000 };
      json(res, 200, `{"type":"list","total_count":${totals[path]},"${key}":[${JSON.stringify(item)}],"pages":{}}`);
    });
    try {
      const run = await runConnector(configFor(server.url), ['conversations', 'tickets', 'users', 'activity_logs'], 45_000);
      assertBounded(t, run, 'absurd totals');
      assert.equal(run.code, 0, JSON.stringify(errors(run)));
      const estimates = traces(run.messages, 'ESTIMATE');
      assert.deepEqual(estimates, [], `no estimate from an absurd total_count: ${JSON.stringify(estimates)}`);
      assert.ok(records(run.messages, 'conversations').length === 1 && records(run.messages, 'tickets').length === 1);
    } finally {
      await server.close();
    }
  });
});
