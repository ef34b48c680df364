// The real image: scripts/image.sh builds the unchanged Dockerfile with buildah (cached by a hash of what the
// Dockerfile copies), then the container runs spec, check, discover and a read of every seed table against
// the sandbox on the host (--network host, config and catalog mounted read-only), as Airbyte runs it.
// Where buildah/podman are not installed the tests are skipped with the reason; .ci/run installs them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { parseMessages } from '../helpers/protocol.js';
import { runConnector, type Message } from '../helpers/connector.js';
import { entrypoint, finalStage, parseDockerfile } from './dockerfile.js';

/** Uncompressed size bounds (README, "Docker"): measured 223 MB in all, 6.4 MB above the base. */
const MAX_IMAGE_BYTES = 300e6;
const MAX_APP_BYTES = 25e6;
const BUILD_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 3 * 60_000;

const missing = ['buildah', 'podman'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skip = missing.length ? `${missing.join(' and ')} not installed, so the image cannot be built here (.ci/run installs them with apt-get; see README "Docker")` : false;
if (skip) console.log(`# container tests skipped: ${skip}`);

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => { clearTimeout(timer); done({ code, stdout, stderr }); });
  });
}

const describe = (r: Run) => `exit ${r.code}; stderr: ${r.stderr.slice(-2000)}; stdout starts: ${r.stdout.slice(0, 300)}`;

let image = '';
let env: NodeJS.ProcessEnv = process.env;
let sandbox: Sandbox;
let io = '';
let config: Record<string, unknown>;
const seedTables = JSON.parse(readFileSync('catalogs/seed-tables.json', 'utf8')) as { streams: { stream: { name: string } }[] };
const final = finalStage(parseDockerfile(readFileSync('Dockerfile', 'utf8')));
const metadata = (parse(readFileSync('metadata.yaml', 'utf8')) as { data: Record<string, string> }).data;

const podman = (args: string[]) => run('podman', args, env, RUN_TIMEOUT_MS);
/** The connector in the container, as the platform calls it: files under /data, host network for the sandbox. */
const inContainer = (args: string[]) => podman(['run', '--rm', '--network', 'host', '-v', `${io}:/data:ro`, image, ...args]);
const inspect = async (format: string, ref = image) => {
  const r = await podman(['image', 'inspect', '--format', format, ref]);
  assert.equal(r.code, 0, describe(r));
  return r.stdout.trim();
};

before(async () => {
  if (skip) return;
  const built = await run('bash', ['scripts/image.sh'], process.env, BUILD_TIMEOUT_MS);
  assert.equal(built.code, 0, `scripts/image.sh failed: ${built.stderr.slice(-4000)}`);
  image = built.stdout.trim().split('\n').pop()!;
  const exports = (await run('bash', ['scripts/image.sh', 'env'], process.env, 10_000)).stdout;
  env = { ...process.env };
  for (const m of exports.matchAll(/(CONTAINERS_[A-Z_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  sandbox = await startSandbox({ seed: 42, host: '127.0.0.1' });
  config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
  // The connector runs as uid 999: the folder and files it reads must be world-readable.
  io = mkdtempSync(join(tmpdir(), 'container-io-'));
  chmodSync(io, 0o755);
  for (const [name, value] of [['config.json', config], ['catalog.json', seedTables]] as const) {
    writeFileSync(join(io, name), JSON.stringify(value));
    chmodSync(join(io, name), 0o644);
  }
}, { timeout: BUILD_TIMEOUT_MS + 60_000 });

after(async () => {
  await sandbox?.close();
  if (io) rmSync(io, { recursive: true, force: true });
});

/** Runs the connector in the container; every stdout line must be a valid AirbyteMessage. */
async function connector(args: string[]): Promise<{ run: Run; messages: Message[] }> {
  const r = await inContainer(args);
  assert.equal(r.code, 0, describe(r));
  return { run: r, messages: parseMessages(r.stdout) as Message[] };
}

function recordsByStream(messages: Message[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of messages) if (m.type === 'RECORD') (out[m.record.stream] ??= []).push(JSON.stringify(m.record.data));
  for (const rows of Object.values(out)) rows.sort();
  return out;
}

test('container: spec prints one SPEC equal to spec.json, protocol lines only', { skip }, async () => {
  const { messages } = await connector(['spec']);
  assert.deepEqual(messages.map((m) => m.type), ['SPEC']);
  assert.deepEqual(messages[0]!.spec, JSON.parse(readFileSync('spec.json', 'utf8')));
});

test('container: runs as the Dockerfile\'s non-root user airbyte, not uid 0', { skip }, async () => {
  assert.equal(await inspect('{{.Config.User}}'), 'airbyte', 'the image config\'s User (empty means root)');
  const r = await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'sh', image, '-c', 'id -un; id -u']);
  assert.equal(r.code, 0, describe(r));
  const [name, uid] = r.stdout.trim().split('\n');
  assert.equal(name, 'airbyte', 'the user processes in the container run as');
  assert.notEqual(uid, '0');
});

test('container: AIRBYTE_ENTRYPOINT equals the ENTRYPOINT joined, in the image config and in the container', { skip }, async () => {
  const ep = JSON.parse(await inspect('{{json .Config.Entrypoint}}')) as string[];
  assert.deepEqual(ep, entrypoint(final));
  const envs = JSON.parse(await inspect('{{json .Config.Env}}')) as string[];
  assert.ok(envs.includes(`AIRBYTE_ENTRYPOINT=${ep.join(' ')}`), `image env: ${envs.join(', ')}`);
  const r = await podman(['run', '--rm', '--network', 'none', '--entrypoint', 'printenv', image, 'AIRBYTE_ENTRYPOINT']);
  assert.equal(r.stdout.trim(), ep.join(' '), describe(r));
});

test('container: labels equal metadata.yaml name and version', { skip }, async () => {
  const labels = JSON.parse(await inspect('{{json .Config.Labels}}')) as Record<string, string>;
  assert.equal(labels['io.airbyte.name'], metadata.dockerRepository);
  assert.equal(labels['io.airbyte.version'], metadata.dockerImageTag);
});

test(`container: the image is under ${MAX_IMAGE_BYTES / 1e6} MB, and the layers above the base under ${MAX_APP_BYTES / 1e6} MB`, { skip }, async () => {
  const size = Number(await inspect('{{.Size}}'));
  const base = Number(await inspect('{{.Size}}', `docker.io/library/${final.image}`));
  assert.ok(size > 0 && size < MAX_IMAGE_BYTES, `image ${image} is ${size} bytes`);
  assert.ok(size - base < MAX_APP_BYTES, `the layers above ${final.image} are ${size - base} bytes`);
});

test('container: check against the sandbox succeeds', { skip }, async () => {
  const { messages } = await connector(['check', '--config', '/data/config.json']);
  const status = messages.find((m) => m.type === 'CONNECTION_STATUS');
  assert.equal(status?.connectionStatus.status, 'SUCCEEDED', JSON.stringify(status));
});

test('container: discover lists every seed table', { skip }, async () => {
  const { messages } = await connector(['discover', '--config', '/data/config.json']);
  const names = messages.find((m) => m.type === 'CATALOG')!.catalog.streams.map((s: { name: string }) => s.name);
  for (const s of seedTables.streams) assert.ok(names.includes(s.stream.name), `${s.stream.name} is not discovered`);
});

test('container: a read of every seed table emits the same records per stream as dist/main.js on the host', { skip }, async () => {
  const { run: r, messages } = await connector(['read', '--config', '/data/config.json', '--catalog', '/data/catalog.json']);
  assert.equal(r.stderr, '', 'the container wrote to stderr');
  const inImage = recordsByStream(messages);
  for (const s of seedTables.streams) assert.ok(inImage[s.stream.name]?.length, `no ${s.stream.name} records from the container`);
  const host = await runConnector('read', { config, catalog: seedTables });
  assert.equal(host.code, 0);
  const onHost = recordsByStream(host.messages);
  assert.deepEqual(Object.fromEntries(Object.entries(inImage).map(([k, v]) => [k, v.length])), Object.fromEntries(Object.entries(onHost).map(([k, v]) => [k, v.length])));
  assert.deepEqual(inImage, onHost);
});
