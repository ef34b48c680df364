// The image, checked from its Dockerfile without a Docker engine: what Airbyte's platform and registry require.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { copies, entrypoint, finalStage, inBuildContext, keyValues, lastValue, parseDockerfile, runs, stageNamed } from './dockerfile.js';

const dockerfile = readFileSync('Dockerfile', 'utf8');
const stages = parseDockerfile(dockerfile);
const final = finalStage(stages);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string; devDependencies: Record<string, string> };
const metadata = (parse(readFileSync('metadata.yaml', 'utf8')) as { data: Record<string, any> }).data;
const npmInstalls = (cmd: string) => cmd.split(/&&|;/).map((c) => c.trim()).filter((c) => /^npm\s+(ci|install|i)\b/.test(c));

test('image: ENTRYPOINT (exec form, absolute script path) equals ENV AIRBYTE_ENTRYPOINT', () => {
  const env = keyValues(final, 'ENV');
  assert.ok(env.AIRBYTE_ENTRYPOINT, 'the final stage sets no AIRBYTE_ENTRYPOINT');
  const ep = entrypoint(final);
  assert.deepEqual(env.AIRBYTE_ENTRYPOINT.trim().split(/\s+/), ep);
  assert.ok(ep.slice(1).some((a) => a.startsWith('/') && a.endsWith('.js')), `the entrypoint script must be an absolute path: ${JSON.stringify(ep)}`);
});

test('image: io.airbyte labels equal metadata.yaml and the package.json version', () => {
  const labels = keyValues(final, 'LABEL');
  assert.equal(labels['io.airbyte.name'], metadata.dockerRepository);
  assert.equal(labels['io.airbyte.version'], metadata.dockerImageTag);
  assert.equal(metadata.dockerImageTag, pkg.version);
});

test('image: the final stage runs as the non-root user airbyte, in WORKDIR /airbyte', () => {
  const user = lastValue(final, 'USER');
  assert.ok(user, 'the final stage sets no USER, so it runs as root');
  assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user} is root`);
  assert.equal(user.split(':')[0], 'airbyte');
  assert.ok(runs(final).some((r) => /useradd\b.*\bairbyte\b|adduser\b.*\bairbyte\b/.test(r.args)), 'the airbyte user is never created');
  assert.equal(lastValue(final, 'WORKDIR'), '/airbyte');
  const script = entrypoint(final).find((a) => a.endsWith('.js'))!;
  assert.ok(script.startsWith('/airbyte/'), `the entrypoint ${script} lies outside WORKDIR /airbyte`);
});

test('image: the final stage installs production dependencies only and copies no sources or dev tooling', () => {
  const installs = runs(final).flatMap((r) => npmInstalls(r.args));
  assert.ok(installs.length > 0, 'the final stage installs no dependencies');
  for (const cmd of installs) assert.match(cmd, /--omit[= ]dev|--production|--only[= ]prod/, `"${cmd}" would install dev dependencies`);
  for (const c of copies(final)) {
    for (const src of c.sources) {
      assert.doesNotMatch(src, /(^|\/)(node_modules|src|test|sandbox|bench|tsconfig[^/]*)(\/|$)/, `line ${c.line} copies ${src} into the image`);
    }
  }
  assert.ok(!Object.keys(pkg.devDependencies).some((d) => new RegExp(`\\bnpm (i|install)\\b[^&]*\\b${d}\\b`).test(dockerfile)), 'a dev dependency is installed by name');
});

test('image: a build stage compiles the connector (npm ci + npm run build) and the final stage takes dist/ from it', () => {
  const fromBuild = copies(final).filter((c) => c.from !== undefined);
  assert.ok(fromBuild.length > 0, 'the final stage copies nothing from a build stage');
  for (const c of fromBuild) {
    const build = stageNamed(stages, c.from!);
    assert.ok(build && build !== final, `COPY --from=${c.from} names no earlier stage`);
    const cmds = runs(build!).map((r) => r.args).join(' && ');
    assert.match(cmds, /npm ci\b/);
    assert.match(cmds, /npm run build\b/);
  }
});

test('image: both stages use a current Node LTS slim image', () => {
  for (const s of stages) {
    const m = /^node:(\d+)(?:[.\d]*)(?:-[a-z]+)?-slim$/.exec(s.image);
    assert.ok(m, `${s.image} is not a node slim image`);
    assert.ok(Number(m![1]) >= 20 && Number(m![1]) % 2 === 0, `${s.image} is not an LTS line`);
  }
});

test('image: every file the Dockerfile copies from the context passes .dockerignore', () => {
  const ignore = readFileSync('.dockerignore', 'utf8');
  const blocked = stages.flatMap((s) => copies(s).filter((c) => !c.from).flatMap((c) => c.sources)).filter((src) => !inBuildContext(src, ignore));
  assert.deepEqual(blocked, []);
  assert.equal(inBuildContext('node_modules/yaml/package.json', ignore), false, '.dockerignore lets node_modules into the context');
  assert.equal(inBuildContext('secrets/config.json', ignore), false, '.dockerignore lets secrets into the context');
});

test('metadata.yaml: a community source for the three Intercom API hosts', () => {
  assert.equal(metadata.connectorType, 'source');
  assert.equal(metadata.supportLevel, 'community');
  assert.ok(['alpha', 'beta', 'generally_available', 'custom'].includes(metadata.releaseStage));
  assert.deepEqual([...metadata.allowedHosts.hosts].sort(), ['api.au.intercom.io', 'api.eu.intercom.io', 'api.intercom.io']);
  assert.match(metadata.definitionId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  const spec = JSON.parse(readFileSync('spec.json', 'utf8')) as { documentationUrl?: string };
  assert.equal(metadata.documentationUrl, spec.documentationUrl);
});

test('dockerfile reader: parses stages, ENV forms, exec ENTRYPOINT and COPY --from (and rejects a shell-form ENTRYPOINT)', () => {
  const s = parseDockerfile('FROM node:22-slim AS b\nRUN npm ci \\\n && npm run build\nFROM node:22-slim\nENV A="x y" B=2\nENV C legacy value\nLABEL k=v\nCOPY --from=b /b/dist ./dist\nENTRYPOINT ["node", "/a.js"]\n');
  assert.equal(s.length, 2);
  assert.equal(s[0]!.name, 'b');
  assert.equal(runs(s[0]!)[0]!.args.replace(/\s+/g, ' '), 'npm ci && npm run build');
  assert.deepEqual(keyValues(s[1]!, 'ENV'), { A: 'x y', B: '2', C: 'legacy value' });
  assert.deepEqual(copies(s[1]!), [{ from: 'b', sources: ['/b/dist'], dest: './dist', line: 8 }]);
  assert.deepEqual(entrypoint(s[1]!), ['node', '/a.js']);
  assert.throws(() => entrypoint(parseDockerfile('FROM x\nENTRYPOINT node /a.js\n')[0]!), /exec form/);
});
