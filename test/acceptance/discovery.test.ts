// CAT "discovery": one CATALOG whose streams are well formed; the committed fixtures match it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { AirbyteCatalog } from '../../src/airbyte/protocol.js';
import { fixtureFiles } from './harness/fixtures.js';
import { acceptanceConfig, assertRule, readText, run, sandbox } from './harness/suite.js';
import type { ConnectorRun } from './harness/connector.js';
import { catalogOf, keyAndCursorViolations, oneCatalogViolations, streamNameViolations, streamSchemaViolations } from './rules/discovery.js';

const discoveryTest = acceptanceConfig.acceptance_tests.discovery.tests[0]!;
let discovery: Promise<ConnectorRun> | undefined;
const discover = () => (discovery ??= sandbox().then((env) => run('discover', { config: env.configFor(discoveryTest.config_path) })));
const catalog = async (): Promise<AirbyteCatalog> => {
  const r = await discover();
  const c = catalogOf(r.messages);
  if (!c) throw new Error(`no CATALOG (exit ${r.exitCode}): ${r.stderr.slice(-400)}`);
  return c;
};

test('discovery: exactly one CATALOG message, exit 0', async () => {
  const r = await discover();
  assertRule(oneCatalogViolations(r.messages), r);
  assert.equal(r.exitCode, 0);
});
test('discovery: stream names are unique and non-empty', async () => assertRule(streamNameViolations(await catalog())));
test('discovery: every stream schema is valid draft-07 and has no $ref', async () => assertRule(streamSchemaViolations(await catalog())));
test('discovery: primary keys and default cursors exist in the schema; keys are scalars', async () => assertRule(keyAndCursorViolations(await catalog())));

test('discovery: the committed fixtures (integration_tests/, catalogs/) equal what discover gives now', async () => {
  const env = await sandbox();
  const expected = fixtureFiles(await catalog(), Number(env.file.sandbox.anchor));
  const stale: string[] = [];
  for (const [path, content] of Object.entries(expected)) {
    if (!existsSync(path)) { stale.push(`${path} (missing)`); continue; }
    try { assert.deepEqual(JSON.parse(readText(path)), content); } catch { stale.push(path); }
  }
  assert.deepEqual(stale, [], `stale fixtures: ${stale.join(', ')}; regenerate with: npm run build && npm run build:dev && node .build/scripts/make-acceptance-fixtures.js`);
});
