// Image-layout smoke test: the final stage reproduced in a temporary folder (production install, the same files
// copied), then the AIRBYTE_ENTRYPOINT command run from there for spec, check, discover and a read of the sandbox.
// It fails if the runtime needs anything the image would not contain (the folder sits outside the repository,
// so nothing resolves from the repository's node_modules, sources or schemas).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfiguredAirbyteCatalog } from '../../src/airbyte/protocol.js';
import { runConnector, describeRun, type Command, type ConnectorFiles } from '../acceptance/harness/connector.js';
import { startAcceptanceSandbox, type AcceptanceSandbox } from '../acceptance/harness/sandbox.js';
import { catalogOf } from '../acceptance/rules/discovery.js';
import { recordsOf } from '../acceptance/rules/messages.js';
import { parseDockerfile } from './dockerfile.js';
import { reproduceFinalStage, type ImageLayout } from './layout.js';

const root = mkdtempSync(join(tmpdir(), 'image-layout-'));
let layout: ImageLayout;
let env: AcceptanceSandbox;

before(async () => {
  layout = reproduceFinalStage(parseDockerfile(readFileSync('Dockerfile', 'utf8')), process.cwd(), root);
  env = await startAcceptanceSandbox();
});
after(async () => {
  await env?.close();
  rmSync(root, { recursive: true, force: true });
});

const inImage = (command: Command, files: ConnectorFiles = {}) => runConnector(command, files, { entrypoint: layout.entrypoint, cwd: layout.root });

test('layout: the folder holds no dev dependency and no source', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!existsSync(join(root, 'node_modules', dev)), `dev dependency ${dev} is installed (steps: ${layout.steps.join('; ')})`);
  for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(root, 'node_modules', dep)), `dependency ${dep} is missing`);
  assert.ok(!existsSync(join(root, 'src')), 'src/ is in the image');
});

test('layout: spec from the image equals spec.json', async () => {
  const r = await inImage('spec');
  const m = r.messages.find((x) => x.type === 'SPEC');
  assert.ok(m?.type === 'SPEC', `no SPEC: ${describeRun(r)}`);
  assert.deepEqual(m.spec, JSON.parse(readFileSync('spec.json', 'utf8')));
  assert.deepEqual(r.lineViolations, []);
});

test('layout: check from the image against the sandbox succeeds', async () => {
  const r = await inImage('check', { config: env.config });
  const m = r.messages.find((x) => x.type === 'CONNECTION_STATUS');
  assert.ok(m?.type === 'CONNECTION_STATUS', `no CONNECTION_STATUS: ${describeRun(r)}`);
  assert.equal(m.connectionStatus.status, 'SUCCEEDED', m.connectionStatus.message);
});

test('layout: discover and a read of every top-level stream from the image', async () => {
  const d = await inImage('discover', { config: env.config });
  const catalog = catalogOf(d.messages);
  assert.ok(catalog, `no CATALOG: ${describeRun(d)}`);
  const configured: ConfiguredAirbyteCatalog = {
    streams: catalog.streams.filter((s) => !s.name.includes('__')).map((s) => ({ stream: s, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' })),
  };
  const r = await inImage('read', { config: env.config, catalog: configured });
  assert.equal(r.exitCode, 0, describeRun(r));
  assert.deepEqual(r.lineViolations, []);
  const streamsWithRecords = new Set(recordsOf(r.messages).map((x) => x.record.stream));
  assert.ok(streamsWithRecords.size > 0, 'the read from the image emitted no records');
});

test('layout bites: an image without spec.json cannot print its spec', async () => {
  const withoutSpec = readFileSync('Dockerfile', 'utf8').split('\n').filter((l) => !/^COPY\s+spec\.json\b/.test(l)).join('\n');
  assert.notEqual(withoutSpec, readFileSync('Dockerfile', 'utf8'), 'the Dockerfile has no "COPY spec.json" line to remove');
  const broken = mkdtempSync(join(tmpdir(), 'image-layout-broken-'));
  try {
    const l = reproduceFinalStage(parseDockerfile(withoutSpec), process.cwd(), broken);
    const r = await runConnector('spec', {}, { entrypoint: l.entrypoint, cwd: l.root });
    assert.ok(!r.messages.some((m) => m.type === 'SPEC') || r.exitCode !== 0, 'spec worked although spec.json is not in the image: the layout test would not notice a missing file');
  } finally {
    rmSync(broken, { recursive: true, force: true });
  }
});
