import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { runConnector } from '../helpers/connector.js';

let sandbox: Sandbox;
before(async () => { sandbox = await startSandbox({ seed: 7, sizes: { contacts: 20, companies: 5, conversations: 10 } }); });
after(async () => { await sandbox.close(); });

async function check(config: unknown) {
  const result = await runConnector('check', { config });
  assert.equal(result.code, 0, 'check always exits 0');
  const statuses = result.messages.filter((m) => m.type === 'CONNECTION_STATUS');
  assert.equal(statuses.length, 1, 'exactly one CONNECTION_STATUS');
  assert.ok(!result.stdout.includes('secret-token-value') && !result.stderr.includes('secret-token-value'), 'token never printed');
  return statuses[0]!.connectionStatus as { status: string; message?: string };
}

test('check succeeds with a good token', async () => {
  const status = await check({ access_token: sandbox.token, base_url: sandbox.url });
  assert.equal(status.status, 'SUCCEEDED', status.message);
});

test('check fails with a bad token, saying it is invalid or revoked, without printing it', async () => {
  const status = await check({ access_token: 'secret-token-value', base_url: sandbox.url });
  assert.equal(status.status, 'FAILED');
  assert.match(status.message ?? '', /invalid or revoked/);
});

test('check fails naming the withheld scope', async () => {
  sandbox.setOptions({ scopesWithheld: ['read_conversations'] });
  try {
    const status = await check({ access_token: sandbox.token, base_url: sandbox.url });
    assert.equal(status.status, 'FAILED');
    assert.match(status.message ?? '', /read_conversations|conversations/i);
  } finally {
    sandbox.setOptions({ scopesWithheld: [] });
  }
});

test('check asks for its scopes at once, and names the first refused in its order', async () => {
  // 150 ms a round trip: four probes one after the other would start 150 ms apart.
  sandbox.faults.update({ latencyMs: 150 });
  sandbox.setOptions({ scopesWithheld: ['read_tags', 'read_conversations'] });
  sandbox.log.length = 0;
  try {
    const status = await check({ access_token: sandbox.token, base_url: sandbox.url });
    assert.equal(status.status, 'FAILED');
    assert.match(status.message ?? '', /conversations/i, 'the conversations probe comes before the tags one');
    assert.doesNotMatch(status.message ?? '', /read_tags/);
    const probes = sandbox.log.filter((e) => e.path !== '/me');
    assert.equal(probes.length, 4, probes.map((e) => e.path).join(' '));
    const spread = Math.max(...probes.map((e) => e.at)) - Math.min(...probes.map((e) => e.at));
    assert.ok(spread < 150, `the four scope probes started within ${spread} ms (one after the other: 450 ms at least)`);
  } finally {
    sandbox.setOptions({ scopesWithheld: [] });
    sandbox.faults.update({ latencyMs: 0 });
  }
});

test('check fails naming the plan when the app lacks one', async () => {
  sandbox.setOptions({ planRestricted: true });
  try {
    const status = await check({ access_token: sandbox.token, base_url: sandbox.url });
    assert.equal(status.status, 'FAILED');
    assert.match(status.message ?? '', /subscription|plan/i);
  } finally {
    sandbox.setOptions({ planRestricted: false });
  }
});

test('check fails naming the host when nothing listens on the port', async () => {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const status = await check({ access_token: sandbox.token, base_url: `http://127.0.0.1:${port}`, max_attempts: 1 });
  assert.equal(status.status, 'FAILED');
  assert.match(status.message ?? '', new RegExp(`127\\.0\\.0\\.1:${port}`));
});

test('check reports a config that fails the spec as FAILED, naming the field', async () => {
  const status = await check({ access_token: sandbox.token, base_url: sandbox.url, attribution_window_days: 'thirty' });
  assert.equal(status.status, 'FAILED');
  assert.match(status.message ?? '', /attribution_window_days/);
});
