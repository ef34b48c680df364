// Issue 12 (items 5-9), seen from outside: the built connector (dist/main.js) given hostile config and state
// files, a server that echoes the token back, a reader that stops reading or goes away, and SIGTERM.
// Each case: every stdout line a valid AirbyteMessage (runConnector/parseMessages check it), the token in no
// output in any form, a TRACE (or CONNECTION_STATUS for check) naming what went wrong, bounded time and peak
// RSS (MAX_RSS_MB). Servers listen on 127.0.0.1 only and stop with the test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, records, rssProbe, runConnector as run, tempDir, traces, type Message, type RunOptions, type RunResult } from '../helpers/connector.js';
import { parseMessages } from '../helpers/protocol.js';

/** A token with characters that URL-encoding changes, padded with spaces as a careless paste would be. */
const TOKEN = 'hst_Zx8Qw/4+Lm7=Pk2;Rt9';
const PADDED = `  ${TOKEN} \t`;
/** Nothing listens here: a config pointing at it fails fast if it ever gets as far as a request. */
const NOWHERE = 'http://127.0.0.1:9';
/** The memory bound of every run here (a 50 MB state file included). */
const MAX_RSS_MB = 300;
/** The users the sandbox holds: enough output to fill a pipe that nobody reads. */
const USERS = 3000;

let sandbox: Sandbox;
let catalog: { streams: any[] };

before(async () => {
  sandbox = await startSandbox({ seed: 5, token: TOKEN, sizes: { contacts: USERS, companies: 5, conversations: 5 } });
  const discovered = await runConnector('discover', { config: { access_token: TOKEN, base_url: sandbox.url } });
  catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(() => sandbox.close());

function assertRss(maxRssMb: number | undefined, label: string): void {
  assert.ok(maxRssMb !== undefined, `${label}: the peak RSS was recorded`);
  assert.ok(maxRssMb <= MAX_RSS_MB, `${label}: peak RSS ${maxRssMb.toFixed(0)} MB > ${MAX_RSS_MB} MB`);
}

/** The built connector, its peak RSS measured and bounded. */
async function runConnector(command: string, opts: RunOptions = {}, extraArgs: string[] = []): Promise<RunResult> {
  const result = await run(command, { ...opts, measureRss: true }, extraArgs);
  assertRss(result.maxRssMb, `${command} ${extraArgs.join(' ')}`);
  return result;
}

/** Every form of the token that is sent or could be echoed, and every 12-character piece of them. */
function tokenForms(): string[] {
  const forms = [PADDED, TOKEN, `Bearer ${TOKEN}`, encodeURIComponent(TOKEN), encodeURIComponent(PADDED), JSON.stringify(TOKEN).slice(1, -1)];
  const pieces = new Set<string>();
  for (const form of [TOKEN, encodeURIComponent(TOKEN)]) for (let i = 0; i + 12 <= form.length; i++) pieces.add(form.slice(i, i + 12));
  return [...forms, ...pieces];
}

function assertTokenAbsent(result: RunResult, label: string): void {
  const output = result.stdout + result.stderr;
  for (const form of tokenForms()) assert.ok(!output.includes(form), `${label}: the output holds ${JSON.stringify(form)}, a form of the access token`);
}

function errorsOf(messages: Message[]) {
  return traces(messages, 'ERROR').map((t) => t.error as { message: string; failure_type: string; stack_trace?: string });
}

function statusOf(result: RunResult): { status: string; message?: string } {
  const statuses = result.messages.filter((m) => m.type === 'CONNECTION_STATUS');
  assert.equal(statuses.length, 1, `exactly one CONNECTION_STATUS: ${result.stdout}`);
  assert.equal(result.code, 0);
  return statuses[0]!.connectionStatus;
}

/** check fails and discover ends in a config_error TRACE, both naming `field`; returns the texts. */
async function assertRefused(config: Record<string, unknown>, field: RegExp, label: string): Promise<string[]> {
  const started = Date.now();
  const checked = await runConnector('check', { config, timeoutMs: 20_000 });
  const status = statusOf(checked);
  assert.equal(status.status, 'FAILED', `${label}: check`);
  assert.match(status.message ?? '', field, `${label}: check`);
  const discovered = await runConnector('discover', { config, timeoutMs: 20_000 });
  assert.equal(discovered.code, 1, `${label}: discover`);
  const [error] = errorsOf(discovered.messages);
  assert.equal(error?.failure_type, 'config_error', `${label}: discover`);
  assert.match(error!.message, field, `${label}: discover`);
  assert.equal(discovered.messages.length, 1);
  for (const r of [checked, discovered]) assertTokenAbsent(r, label);
  assert.ok(Date.now() - started < 20_000, `${label}: took ${Date.now() - started} ms`);
  return [status.message ?? '', error!.message, checked.stderr, discovered.stderr];
}

describe('hostile input', { concurrency: true }, () => {
  describe('a server echoing the Authorization header, with a padded access_token', () => {
    let server: Server;
    let url: string;
    before(async () => {
      // Puts the header it got, and its URL-encoded and padded forms, into every answer.
      server = createServer((req, res) => {
        const auth = String(req.headers.authorization ?? '');
        const sent = auth.replace(/^Bearer /, '');
        const echo = { header: auth, encoded: encodeURIComponent(sent), form: new URLSearchParams({ t: sent }).toString(), padded: PADDED };
        let body: unknown;
        if (req.url === '/me') body = { type: 'admin', id: '1', email: `${auth} <${echo.encoded}>`, app: { name: `${echo.form} ${echo.padded}`, id_code: sent } };
        else if (req.url?.startsWith('/admins')) body = { type: 'admin.list', admins: [{ type: 'admin', id: '1', name: auth, email: echo.encoded, job_title: echo.padded, away_mode_enabled: false, [sent]: echo.form }] };
        else if (req.url?.startsWith('/tags') || req.url?.startsWith('/data_attributes')) body = { type: 'list', data: [] };
        else body = { type: 'list', data: [], total_count: 0, pages: { type: 'pages', page: 1, per_page: 1, total_pages: 0 } };
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(() => new Promise<void>((done) => server.close(() => done())));

    test('check: SUCCEEDED, and the echoed token is hidden in every form', async () => {
      const result = await runConnector('check', { config: { access_token: PADDED, base_url: url }, timeoutMs: 20_000 });
      const status = statusOf(result);
      assert.equal(status.status, 'SUCCEEDED', status.message);
      assert.match(status.message ?? '', /\*\*\*\*/, 'the echo was there, redacted');
      assertTokenAbsent(result, 'check');
    });

    test('read: the RECORD echoing the token (as value, key, URL-encoded, padded) shows **** instead', async () => {
      const result = await runConnector('read', { config: { access_token: PADDED, base_url: url }, catalog: configuredCatalog(catalog, ['admins'], 'full_refresh'), timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stderr);
      const [admin] = records(result.messages, 'admins');
      assert.ok(admin, 'one admin record');
      assert.equal(admin.name, 'Bearer ****');
      assert.equal(admin.email, '****');
      assertTokenAbsent(result, 'read');
    });
  });

  test('a base_url with a user name and password is refused naming base_url, and neither is printed', async () => {
    const password = 'Pw_7hG2kQ9xLm';
    const urls = [
      `http://alice:${password}@127.0.0.1:9`, // parses
      `http://alice:${password}@127.0.0.1:99999`, // does not parse (port out of range)
      `https://alice:${password}/x@api.example.com`, // a "/" in the password ends the authority early
      `alice:${password}@127.0.0.1`, // no scheme
    ];
    for (const base_url of urls) {
      const texts = await assertRefused({ access_token: TOKEN, base_url }, /base_url/, base_url);
      for (const text of texts) {
        assert.ok(!text.includes(password) && !text.includes('alice'), `${base_url}: the userinfo was printed: ${text}`);
      }
    }
  });

  test('start_date 2025-02-30T00:00:00Z is refused as an impossible date naming start_date', async () => {
    for (const start_date of ['2025-02-30T00:00:00Z', '2025-04-31T00:00:00Z', '2023-02-29T12:00:00Z', '2025-01-01T24:00:00Z']) {
      const [checkMessage, discoverMessage] = await assertRefused({ access_token: TOKEN, base_url: NOWHERE, start_date }, /start_date/, start_date);
      for (const text of [checkMessage!, discoverMessage!]) assert.match(text, /not a real date/, start_date);
    }
    // A real leap day is fine.
    const ok = await runConnector('discover', { config: { access_token: TOKEN, base_url: sandbox.url, start_date: '2024-02-29T00:00:00Z' } });
    assert.equal(ok.code, 0, ok.stdout);
  });

  test('a 50 MB garbage cursor or stream name is cut to a short quote in the error, not copied whole', async () => {
    const garbage = 'g'.repeat(50 * 1024 * 1024);
    const dir = tempDir();
    const stateFile = join(dir, 'state.json');
    writeFileSync(stateFile, JSON.stringify([{ type: 'STREAM', stream: { stream_descriptor: { name: 'conversations' }, stream_state: { updated_at: garbage } } }]));
    const started = Date.now();
    const config = { access_token: TOKEN, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
    const cursor = await runConnector('read', { config, catalog: configuredCatalog(catalog, ['conversations'], 'incremental'), timeoutMs: 60_000 }, ['--state', stateFile]);
    const huge = configuredCatalog(catalog, ['admins'], 'full_refresh');
    huge.streams[0]!.stream.name = garbage;
    const name = await runConnector('read', { config, catalog: huge, timeoutMs: 60_000 });
    for (const [label, result, names] of [['cursor', cursor, /conversations/], ['stream name', name, /not a stream of this source/]] as const) {
      // An unreadable saved cursor is a config_error, or a WARN when the stream restarts from start_date instead.
      const errors = errorsOf(result.messages);
      const warnings = result.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN' && /g{100}/.test(m.log.message)).map((m) => String(m.log.message));
      const said = errors.length > 0 ? errors.map((e) => e.message) : warnings;
      assert.equal(said.length, 1, `${label}: one message names the value: ${result.stdout.slice(0, 500)}`);
      if (errors.length > 0) {
        assert.equal(result.code, 1, label);
        assert.equal(errors[0]!.failure_type, 'config_error', label);
      }
      assert.match(said[0]!, names, label);
      assert.match(said[0]!, /g{100}/, `${label}: the start of the value is quoted`);
      // The value is quoted up to ~200 characters; the rest of the message (e.g. the list of known streams) is ours.
      const longestRun = Math.max(...(said[0]!.match(/g+/g) ?? ['']).map((run) => run.length));
      assert.ok(longestRun <= 200, `${label}: ${longestRun} characters of the value quoted`);
      assert.ok(said[0]!.length < 4000, `${label}: a message of ${said[0]!.length} characters`);
      assert.ok(result.stdout.length + result.stderr.length < 1_000_000, `${label}: ${result.stdout.length + result.stderr.length} characters of output`);
      assertTokenAbsent(result, label);
    }
    assert.ok(Date.now() - started < 60_000);
  });

  describe('output that stops or goes away', () => {
    let readCatalogFile: string;
    let configFile: string;
    before(() => {
      const dir = tempDir();
      readCatalogFile = join(dir, 'catalog.json');
      configFile = join(dir, 'config.json');
      writeFileSync(readCatalogFile, JSON.stringify(configuredCatalog(catalog, ['users'], 'full_refresh')));
      writeFileSync(configFile, JSON.stringify({ access_token: PADDED, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' }));
    });

    /** Starts a read of USERS users; the caller drives stdout. Resolves with the exit and stderr. */
    function startRead() {
      const rss = rssProbe();
      const child = spawn(process.execPath, [...rss.nodeArgs, resolve('dist/main.js'), 'read', '--config', configFile, '--catalog', readCatalogFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => {
        child.on('close', (code, signal) => {
          clearTimeout(killer);
          assertRss(rss.maxRssMb(), 'read');
          done({ code, signal, stderr });
        });
      });
      return { child, exited };
    }

    test('SIGTERM while stdout is full: no new line, the line being written is finished, exit 143', async () => {
      const { child, exited } = startRead();
      let stdout = '';
      const firstRecord = new Promise<void>((done) => {
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          stdout += chunk;
          if (stdout.includes('"RECORD"')) done();
        });
      });
      await firstRecord;
      // Stop reading: the pipe and the connector's buffers fill, and the connector waits on a full stdout.
      child.stdout.pause();
      await new Promise((r) => setTimeout(r, 1500));
      const started = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      child.stdout.resume();
      const { code, signal, stderr } = await exited;
      assert.equal(signal, null, 'ended by itself, not killed by the signal');
      assert.equal(code, 143);
      assert.ok(Date.now() - started < 15_000, `stopping took ${Date.now() - started} ms`);
      assert.ok(stdout.endsWith('\n'), `the last line is cut: ${JSON.stringify(stdout.slice(-200))}`);
      const messages = parseMessages(stdout) as Message[];
      const emitted = records(messages, 'users').length;
      assert.ok(emitted > 0 && emitted < USERS, `${emitted} of ${USERS} users: the read stopped`);
      assertTokenAbsent({ code, signal, stdout, stderr, messages }, 'SIGTERM');
    });

    test('a reader that goes away after one line (| head -1): a quiet exit, no stack on stderr', async () => {
      const { child, exited } = startRead();
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        if (stdout.includes('\n')) child.stdout.destroy();
      });
      const started = Date.now();
      const { code, signal, stderr } = await exited;
      assert.equal(signal, null);
      assert.equal(stderr, '', 'nothing on stderr');
      assert.ok(code === 0 || code === 1, `exit ${code}`);
      assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
      parseMessages(stdout.slice(0, stdout.indexOf('\n') + 1));
    });
  });
});
