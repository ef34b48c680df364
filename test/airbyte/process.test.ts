import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseMessages } from '../helpers/protocol.js';
import { TOKEN, catalog, goodConfig, tempFiles } from './fake-source.js';

const MAIN = resolve('.build/test/airbyte/fake-main.js');
const runMain = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

test('as a process: a bad command line prints one TRACE ERROR on stdout, no yargs help, exit 1', () => {
  const r = runMain(['frobnicate', '--config']);
  assert.equal(r.status, 1);
  const messages = parseMessages(r.stdout);
  assert.equal(messages.length, 1);
  assert.ok(messages[0]?.type === 'TRACE' && messages[0].trace.type === 'ERROR' && messages[0].trace.error.failure_type === 'config_error');
  assert.doesNotMatch(r.stdout + r.stderr, /Options:|--help/);
});

test('as a process: a read prints only valid messages and exits 0', () => {
  const files = tempFiles({ config: goodConfig(), catalog: catalog({ alpha: 'incremental' }) });
  const groups = [{ streams: ['alpha'], steps: [{ type: 'record', stream: 'alpha', data: { id: '1' } }, { type: 'checkpoint', stream: 'alpha', state: { c: 1 } }] }];
  const r = runMain(['read', '--config', files.config!, '--catalog', files.catalog!], { FAKE_GROUPS: JSON.stringify(groups) });
  assert.equal(r.status, 0, r.stderr);
  const types = parseMessages(r.stdout).map((m) => m.type);
  assert.deepEqual(types, ['TRACE', 'TRACE', 'RECORD', 'STATE', 'TRACE']);
});

test('as a process: an unhandled rejection is caught, redacted on stderr, and fails the run', () => {
  const { config } = tempFiles({ config: goodConfig() });
  const r = runMain(['discover', '--config', config!], { FAKE_STRAY_REJECTION: '1' });
  assert.equal(r.status, 1);
  assert.deepEqual(parseMessages(r.stdout).map((m) => m.type), ['CATALOG']);
  assert.match(r.stderr, /Unhandled rejection: Error: stray failure with \*\*\*\*/);
  assert.ok(!(r.stdout + r.stderr).includes(TOKEN));
});
