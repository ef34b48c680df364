// What a user can get wrong: files, configs, catalogs and tokens. Each gives one TRACE ERROR config_error
// naming what to fix, exit 1, no stack trace, and never the token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, runConnector, traces } from '../helpers/connector.js';

const TOKEN = 'tok_live_do-not-print-me';
let sandbox: Sandbox;
let catalog: { streams: any[] };

before(async () => {
  sandbox = await startSandbox({ seed: 5, token: TOKEN, sizes: { contacts: 30, companies: 6, conversations: 10 } });
  const discovered = await runConnector('discover', { config: { access_token: TOKEN, base_url: sandbox.url } });
  catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => { await sandbox.close(); });

async function expectConfigError(command: string, opts: Parameters<typeof runConnector>[1], extra: string[], pattern: RegExp) {
  const result = await runConnector(command, opts, extra);
  assert.equal(result.code, 1, `exit 1 (stderr: ${result.stderr.slice(0, 300)})`);
  const errors = traces(result.messages, 'ERROR');
  assert.equal(errors.length, 1, 'one TRACE ERROR');
  assert.equal(errors[0]!.error.failure_type, 'config_error');
  assert.match(errors[0]!.error.message, pattern);
  assert.equal(errors[0]!.error.stack_trace, undefined, 'no stack trace for a config error');
  assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN), 'the token is never printed');
  assert.ok(!/\n\s+at .+\(.+:\d+:\d+\)/.test(result.stdout + result.stderr), 'no stack trace in output');
}

const good = () => ({ access_token: TOKEN, base_url: sandbox.url });

test('a missing config file names the file', async () => {
  await expectConfigError('discover', {}, ['--config', '/nonexistent/config.json'], /\/nonexistent\/config\.json/);
});

test('a config file that is not JSON names the file', async () => {
  await expectConfigError('read', { config: '{"access_token": ', catalog: configuredCatalog(catalog, ['admins'], 'full_refresh') }, [], /config/);
});

test('a config without access_token names the field', async () => {
  await expectConfigError('read', { config: { base_url: sandbox.url }, catalog: configuredCatalog(catalog, ['admins'], 'full_refresh') }, [], /access_token/);
});

test('a malformed start_date names the field', async () => {
  await expectConfigError('read', { config: { ...good(), start_date: '2024-13-01' }, catalog: configuredCatalog(catalog, ['admins'], 'full_refresh') }, [], /start_date/);
});

test('a plain-http base_url on a public host is refused, naming base_url', async () => {
  await expectConfigError('discover', { config: { ...good(), base_url: 'http://api.intercom.io' } }, [], /base_url/);
});

test('a catalog naming an unknown stream names it', async () => {
  const bad = configuredCatalog(catalog, ['admins'], 'full_refresh') as any;
  bad.streams[0].stream.name = 'no_such_table';
  await expectConfigError('read', { config: good(), catalog: bad }, [], /no_such_table/);
});

test('a catalog asking incremental of a full-table stream names the stream and mode', async () => {
  const bad = configuredCatalog(catalog, ['admins'], 'full_refresh') as any;
  bad.streams[0].sync_mode = 'incremental';
  await expectConfigError('read', { config: good(), catalog: bad }, [], /admins.*incremental|incremental.*admins/);
});

test('a revoked token during read: config_error naming access_token, the stream INCOMPLETE, exit 1, token not printed', async () => {
  const result = await runConnector('read', { config: { ...good(), access_token: TOKEN + 'x' }, catalog: configuredCatalog(catalog, ['users', 'admins'], 'full_refresh') });
  assert.equal(result.code, 1);
  const errors = traces(result.messages, 'ERROR');
  assert.ok(errors.length >= 1);
  for (const e of errors) {
    assert.equal(e.error.failure_type, 'config_error');
    assert.match(e.error.message, /invalid or revoked/);
  }
  const incomplete = traces(result.messages, 'STREAM_STATUS').filter((t) => t.stream_status.status === 'INCOMPLETE').map((t) => t.stream_status.stream_descriptor.name);
  assert.deepEqual(incomplete.sort(), ['admins', 'users']);
  assert.ok(!result.stdout.includes(TOKEN) && !result.stderr.includes(TOKEN));
});

test('a withheld scope fails only the streams that need it, naming the scope; the others complete', async () => {
  sandbox.setOptions({ scopesWithheld: ['read_conversations'] });
  try {
    const result = await runConnector('read', { config: good(), catalog: configuredCatalog(catalog, ['admins', 'conversations'], 'full_refresh') });
    assert.equal(result.code, 1);
    const final = new Map(traces(result.messages, 'STREAM_STATUS').map((t) => [t.stream_status.stream_descriptor.name, t.stream_status.status]));
    assert.equal(final.get('admins'), 'COMPLETE');
    assert.equal(final.get('conversations'), 'INCOMPLETE');
    const [error] = traces(result.messages, 'ERROR');
    assert.equal(error!.error.failure_type, 'config_error');
    assert.match(error!.error.message, /read_conversations/);
  } finally {
    sandbox.setOptions({ scopesWithheld: [] });
  }
});
