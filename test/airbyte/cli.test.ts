import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConnector } from '../../src/airbyte/cli.js';
import { configError } from '../../src/airbyte/errors.js';
import { parseMessages } from '../helpers/protocol.js';
import { CLIENT_SECRET, Collector, FAKE_SPEC, FakeSource, TOKEN, catalog, errorsOf, goodConfig, record, run, runRead, tempFiles } from './fake-source.js';

const isRoot = process.getuid?.() === 0;

test('spec prints exactly one SPEC with the source spec, exit 0, and closes the source', async () => {
  const source = new FakeSource();
  const r = await run(source, ['spec']);
  assert.equal(r.code, 0);
  assert.deepEqual(r.messages, [{ type: 'SPEC', spec: FAKE_SPEC }]);
  assert.equal(source.closeCalls, 1);
});

test('check: a valid config -> SUCCEEDED with spec defaults applied before parseConfig', async () => {
  const source = new FakeSource();
  const { config } = tempFiles({ config: goodConfig() });
  const r = await run(source, ['check', '--config', config!]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.messages, [{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
  assert.equal(source.lastConfig?.region, 'us');
  assert.equal(source.lastConfig?.page_size, 50);
  assert.equal(source.closeCalls, 1);
});

test('check: a source FAILED result, a thrown error and a config failing the spec are each one FAILED, exit 0', async () => {
  const cases: { source: FakeSource; config: unknown; expect: RegExp }[] = [
    { source: new FakeSource({ check: async () => ({ status: 'FAILED', message: 'access token is invalid or revoked' }) }), config: goodConfig(), expect: /invalid or revoked/ },
    { source: new FakeSource({ check: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:9') } }), config: goodConfig(), expect: /ECONNREFUSED 127\.0\.0\.1:9/ },
    { source: new FakeSource({ parseConfig: () => { throw configError("'base_url' must use https for non-loopback hosts"); } }), config: goodConfig(), expect: /'base_url'/ },
    { source: new FakeSource(), config: { region: 'mars' }, expect: /'access_token' is required.*'region' must be one of "us", "eu"/ },
    { source: new FakeSource(), config: goodConfig({ start_date: '2024-01-01' }), expect: /'start_date' must look like YYYY-MM-DDTHH:mm:ssZ\.$/ },
    { source: new FakeSource(), config: goodConfig({ page_size: 1.5 }), expect: /'page_size' must be integer/ },
  ];
  for (const c of cases) {
    const { config } = tempFiles({ config: c.config });
    const r = await run(c.source, ['check', '--config', config!]);
    assert.equal(r.code, 0);
    assert.equal(r.messages.length, 1);
    const [m] = r.messages;
    assert.ok(m?.type === 'CONNECTION_STATUS');
    assert.equal(m.connectionStatus.status, 'FAILED');
    assert.match(m.connectionStatus.message ?? '', c.expect);
    assert.equal(c.source.closeCalls, 1);
  }
});

test('discover prints one CATALOG built from the stream definitions', async () => {
  const { config } = tempFiles({ config: goodConfig() });
  const r = await run(new FakeSource(), ['discover', '--config', config!]);
  assert.equal(r.code, 0);
  assert.equal(r.messages.length, 1);
  const [m] = r.messages;
  assert.ok(m?.type === 'CATALOG');
  const [alpha, beta] = m.catalog.streams;
  assert.deepEqual(alpha, {
    name: 'alpha', json_schema: alpha!.json_schema, supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true, default_cursor_field: ['updated_at'], source_defined_primary_key: [['id']], is_resumable: true,
  });
  assert.equal(beta?.source_defined_cursor, undefined);
  assert.equal(beta?.default_cursor_field, undefined);
  assert.equal(beta?.is_resumable, false);
});

function badConfigFiles(): { name: string; path: string; expect: RegExp }[] {
  const dir = mkdtempSync(join(tmpdir(), 'airbyte-bad-'));
  const files = tempFiles({ badJson: `{"access_token": "${TOKEN}",\n  "region": us }`, notObject: '[1, 2]', failsSpec: { access_token: TOKEN, region: 'mars' }, empty: '' });
  const unreadable = tempFiles({ unreadable: goodConfig() }).unreadable!;
  chmodSync(unreadable, 0o000);
  const cases = [
    { name: 'missing', path: join(dir, 'nope.json'), expect: /config file '.*nope\.json' \(--config\): it does not exist/ },
    { name: 'a directory', path: dir, expect: /\(--config\): it is a directory/ },
    { name: 'bad JSON', path: files.badJson!, expect: /badJson\.json' \(--config\): it is not valid JSON \(error at line 2, column \d+\)/ },
    { name: 'empty', path: files.empty!, expect: /\(--config\): it is empty/ },
    { name: 'not an object', path: files.notObject!, expect: /--config.*must hold a JSON object/ },
    { name: 'fails the spec', path: files.failsSpec!, expect: /'region' must be one of/ },
  ];
  if (!isRoot) cases.push({ name: 'unreadable', path: unreadable, expect: /\(--config\): permission denied/ });
  return cases;
}

test('discover and read: a bad config file is one TRACE ERROR config_error naming the file or field, exit 1', async () => {
  const { catalog: catalogPath } = tempFiles({ catalog: catalog({ alpha: 'full_refresh' }) });
  for (const bad of badConfigFiles()) {
    for (const argv of [['discover', '--config', bad.path], ['read', '--config', bad.path, '--catalog', catalogPath!]]) {
      const source = new FakeSource();
      const r = await run(source, argv);
      assert.equal(r.code, 1, `${bad.name} ${argv[0]}`);
      assert.equal(r.messages.length, 1, `${bad.name} ${argv[0]}`);
      const [error] = errorsOf(r.messages);
      assert.equal(error?.failure_type, 'config_error');
      assert.match(error!.message, bad.expect, `${bad.name} ${argv[0]}`);
      assert.equal(error!.stack_trace, undefined);
      assert.ok(!r.stdout.includes(TOKEN), `${bad.name}: the token leaked`);
      assert.equal(source.closeCalls, 1);
    }
  }
});

test('check: a bad config file is one CONNECTION_STATUS FAILED naming the file, exit 0', async () => {
  for (const bad of badConfigFiles()) {
    const r = await run(new FakeSource(), ['check', '--config', bad.path]);
    assert.equal(r.code, 0, bad.name);
    assert.equal(r.messages.length, 1, bad.name);
    const [m] = r.messages;
    assert.ok(m?.type === 'CONNECTION_STATUS');
    assert.equal(m.connectionStatus.status, 'FAILED');
    assert.match(m.connectionStatus.message ?? '', bad.expect, bad.name);
    assert.ok(!r.stdout.includes(TOKEN), `${bad.name}: the token leaked`);
  }
});

test('read: bad catalog and state files name their flag', async () => {
  const files = tempFiles({ config: goodConfig(), badCatalog: '{"streams": [', noMode: { streams: [{ stream: { name: 'alpha' } }] }, badState: 'nope', goodCatalog: catalog({ alpha: 'full_refresh' }), numberState: '42' });
  const cases: [string[], RegExp][] = [
    [['--catalog', files.badCatalog!], /catalog file '.*' \(--catalog\): it is not valid JSON/],
    [['--catalog', files.noMode!], /'streams\[0\]\.sync_mode' of stream 'alpha'/],
    [['--catalog', files.goodCatalog!, '--state', files.badState!], /state file '.*' \(--state\): it is not valid JSON/],
    [['--catalog', files.goodCatalog!, '--state', files.numberState!], /state file .*list of state messages/],
    [['--catalog', join(tmpdir(), 'no-such-catalog.json')], /\(--catalog\): it does not exist/],
  ];
  for (const [flags, expect] of cases) {
    const r = await run(new FakeSource(), ['read', '--config', files.config!, ...flags]);
    assert.equal(r.code, 1);
    assert.equal(r.messages.length, 1);
    assert.equal(errorsOf(r.messages)[0]?.failure_type, 'config_error');
    assert.match(errorsOf(r.messages)[0]!.message, expect);
  }
});

test('an unknown command or bad flags: one TRACE ERROR config_error with the usage, nothing else on stdout, exit 1', async () => {
  const { config } = tempFiles({ config: goodConfig() });
  const cases = [
    [], ['sync'], ['check'], ['read', '--config', config!], ['discover', '--config', config!, '--verbose'], ['spec', '--help'],
    ['spec', '--version'], ['--help', 'spec'], ['-h', '-h'], ['check', '--config'], ['check', '--config', '--catalog', config!],
    ['check', '--config='], ['discover', config!], ['spec', 'spec'], ['read', '--config', config!, '--catalog', config!, '--stat', config!],
  ];
  for (const argv of cases) {
    const r = await run(new FakeSource(), argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.equal(r.messages.length, 1, argv.join(' '));
    const [error] = errorsOf(r.messages);
    assert.equal(error?.failure_type, 'config_error');
    assert.match(error!.message, /Usage: spec \| check --config CONFIG_FILE/);
  }
});

test('--help and -h print the usage (commands, options, an example) on stdout, --version the version; exit 0, nothing else', async () => {
  const about = { name: 'source-test', version: '9.8.7', example: ['source-test read --config c.json --catalog k.json'] };
  for (const flag of ['--help', '-h']) {
    const stdout = new Collector();
    const stderr = new Collector();
    const source = new FakeSource();
    const code = await runConnector(source, [flag], { stdout, stderr, about });
    assert.equal(code, 0, flag);
    assert.equal(stderr.text, '');
    for (const command of ['spec', 'check', 'discover', 'read']) assert.match(stdout.text, new RegExp(`source-test ${command}\\b`), `${flag}: ${command}`);
    for (const option of ['--config FILE', '--catalog FILE', '--state FILE', '-h, --help', '--version']) assert.ok(stdout.text.includes(option), `${flag}: ${option}`);
    assert.match(stdout.text, /Example:\n  source-test read --config c\.json --catalog k\.json\n/);
  }
  const stdout = new Collector();
  assert.equal(await runConnector(new FakeSource(), ['--version'], { stdout, stderr: new Collector(), about }), 0);
  assert.equal(stdout.text, '9.8.7\n');
});

test('the flags: --flag=value works, the last of a repeated flag wins, a lazy source is loaded only past spec', async () => {
  const files = tempFiles({ first: goodConfig({ region: 'eu' }), second: goodConfig({ region: 'us' }) });
  const source = new FakeSource();
  const r = await run(source, ['check', `--config=${files.first}`, '--config', files.second!]);
  assert.equal(r.code, 0);
  assert.equal(source.lastConfig?.region, 'us');
  let loads = 0;
  const lazy = { spec: FAKE_SPEC, load: async () => { loads++; return new FakeSource(); } };
  const spec = new Collector();
  assert.equal(await runConnector(lazy, ['spec'], { stdout: spec, stderr: new Collector() }), 0);
  assert.deepEqual(parseMessages(spec.text), [{ type: 'SPEC', spec: FAKE_SPEC }]);
  assert.equal(loads, 0, 'spec loaded the source');
  const discover = new Collector();
  assert.equal(await runConnector(lazy, ['discover', '--config', files.first!], { stdout: discover, stderr: new Collector() }), 0);
  assert.equal(parseMessages(discover.text)[0]?.type, 'CATALOG');
  assert.equal(loads, 1);
});

test('nothing is printed through console while running any command', async () => {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originals = methods.map((k) => console[k]);
  const printed: string[] = [];
  methods.forEach((k) => { console[k] = (...args: unknown[]) => { printed.push(args.map(String).join(' ')); }; });
  try {
    const { config } = tempFiles({ config: goodConfig({ start_date: 'yesterday' }) });
    await run(new FakeSource(), ['bogus', '--what']);
    await run(new FakeSource(), ['check', '--config', config!]);
    await run(new FakeSource(), ['discover']);
  } finally {
    methods.forEach((k, i) => { console[k] = originals[i]!; });
  }
  assert.deepEqual(printed, []);
});

test('the secrets of the config appear nowhere in stdout or stderr, in any failure', async () => {
  const config = goodConfig({ oauth: { client_secret: CLIENT_SECRET } });
  const leak = `token ${TOKEN} and secret ${CLIENT_SECRET}`;
  const sources = [
    new FakeSource({ check: async (_c, ctx) => { ctx.log('INFO', `calling /me with ${TOKEN}`); throw new Error(leak); } }),
    new FakeSource({ discoverError: new Error(leak) }),
    new FakeSource({ closeError: new Error(leak), groups: [{ streams: ['alpha'], steps: [
      { type: 'log', level: 'WARN', message: leak }, record('alpha', TOKEN, { [TOKEN]: CLIENT_SECRET }),
      { type: 'throw', error: configError(`forbidden for ${TOKEN}`) },
    ] }] }),
  ];
  const { config: path } = tempFiles({ config });
  const runs = [
    await run(sources[0]!, ['check', '--config', path!]),
    await run(sources[1]!, ['discover', '--config', path!]),
    await runRead(sources[2]!, { config, catalog: catalog({ alpha: 'full_refresh' }) }),
  ];
  for (const r of runs) {
    for (const text of [r.stdout, r.stderr]) {
      assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
      assert.ok(!text.includes(CLIENT_SECRET) && !text.includes(JSON.stringify(CLIENT_SECRET).slice(1, -1)), `client secret leaked: ${text}`);
    }
  }
  // The redaction really happened (the messages were emitted, with ****).
  assert.match(runs[0]!.stdout, /calling \/me with \*\*\*\*/);
  assert.match(runs[1]!.stdout, /token \*\*\*\* and secret \*\*\*\*/);
  assert.match(runs[2]!.stdout, /"id":"\*\*\*\*"/);
  assert.match(runs[2]!.stdout, /"\*\*\*\*":"\*\*\*\*"/);
  assert.match(runs[2]!.stderr, /Closing the source failed: Error: token \*\*\*\* and secret \*\*\*\*/);
  assert.equal(runs[2]!.code, 1);
});

test('an unexpected exception in discover is a system_error with its stack in stack_trace only', async () => {
  const { config } = tempFiles({ config: goodConfig() });
  const r = await run(new FakeSource({ discoverError: new RangeError('schema registry is empty') }), ['discover', '--config', config!]);
  assert.equal(r.code, 1);
  const [error] = errorsOf(r.messages);
  assert.equal(error?.failure_type, 'system_error');
  assert.equal(error!.message, 'Internal error: schema registry is empty');
  assert.match(error!.stack_trace ?? '', /RangeError: schema registry is empty\n\s+at /);
});
