// Child streams on their own terms: selected without their parent, read incrementally after a touch,
// and keeping a state of their own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, lastStates, records, runConnector, states } from '../helpers/connector.js';

let sandbox: Sandbox;
let catalog: { streams: any[] };
const config = () => ({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: 0 });

before(async () => {
  sandbox = await startSandbox({ seed: 23, sizes: { contacts: 120, companies: 20, conversations: 60, partsHeavy: 0 } });
  catalog = (await runConnector('discover', { config: config() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => { await sandbox.close(); });

test('a child selected alone emits its rows and no parent record', async () => {
  const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['conversations__parts', 'users__tags'], 'full_refresh') });
  assert.equal(result.code, 0);
  const emittedStreams = new Set(result.messages.filter((m) => m.type === 'RECORD').map((m) => m.record.stream));
  assert.deepEqual([...emittedStreams].sort(), ['conversations__parts', 'users__tags']);
  const expectedParts = sandbox.workspace.ids('conversations').reduce((n, c) => n + sandbox.workspace.conversationParts(c.id)!.length, 0);
  assert.equal(records(result.messages, 'conversations__parts').length, expectedParts);
});

test('parts are fetched only when a stream that needs them is selected', async () => {
  sandbox.log.length = 0;
  const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['conversations', 'conversations__tags'], 'full_refresh') });
  assert.equal(result.code, 0);
  const retrieves = sandbox.log.filter((e) => /^\/conversations\/[^/]+$/.test(e.path) && e.method === 'GET');
  assert.equal(retrieves.length, 0, 'no per-conversation retrieve without a parts stream');
  assert.ok(records(result.messages, 'conversations__tags').length > 0);
});

test('an incremental second read after a touch returns the touched parents\' children only; children keep their own state', async () => {
  const selected = configuredCatalog(catalog, ['conversations__parts', 'users__tags', 'users__companies'], 'incremental');
  const first = await runConnector('read', { config: config(), catalog: selected });
  assert.equal(first.code, 0);
  for (const stream of ['conversations__parts', 'users__tags', 'users__companies']) {
    const emitted = states(first.messages, stream);
    assert.ok(emitted.length >= 1);
    assert.ok(emitted.at(-1)!.stream.stream_state._sdc_source_updated_at, `${stream} keeps its own cursor`);
  }
  const state = lastStates(first.messages);
  const boundary = (stream: 'conversations' | 'users', child: string) => {
    const cursor = Date.parse(state.find((s) => s.stream.stream_descriptor.name === child)!.stream.stream_state._sdc_source_updated_at) / 1000;
    return new Set(sandbox.workspace.ids(stream).filter((r) => r.updated_at >= cursor).map((r) => r.id));
  };
  const atCursor = { parts: boundary('conversations', 'conversations__parts'), tags: boundary('users', 'users__tags') };
  const touchedConversations = sandbox.workspace.touch('conversations', 2);
  const touchedUsers = sandbox.workspace.touch('users', 2);
  const second = await runConnector('read', { config: config(), catalog: selected, state });
  assert.equal(second.code, 0);
  const parents = (stream: string) => new Set(records(second.messages, stream).map((r) => String(r._sdc_source_key_id)));
  const withParts = (id: string) => (sandbox.workspace.conversationParts(id)?.length ?? 0) > 0;
  assert.deepEqual(parents('conversations__parts'), new Set([...touchedConversations, ...atCursor.parts].filter(withParts)));
  const expectedTagParents = new Set([...touchedUsers, ...atCursor.tags].filter((id) => (sandbox.workspace.contactTags(id)?.length ?? 0) > 0));
  assert.deepEqual(parents('users__tags'), expectedTagParents);
  for (const id of touchedConversations) {
    const rows = records(second.messages, 'conversations__parts').filter((r) => r._sdc_source_key_id === id);
    assert.equal(rows.length, sandbox.workspace.conversationParts(id)!.length, `every part of touched conversation ${id}, the new one included`);
  }
});

test('company_segments rides along the companies scroll when both are read, and reads alone otherwise', async () => {
  const truth = sandbox.workspace.ids('company_segments').map((r) => r.id).sort();
  for (const streams of [['companies', 'company_segments'], ['company_segments']]) {
    sandbox.log.length = 0;
    const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, streams, 'full_refresh') });
    assert.equal(result.code, 0);
    // The log keeps the path with its query: a scroll starts without a scroll_param.
    const scrollStarts = sandbox.log.filter((e) => e.path === '/companies/scroll' && e.status === 200);
    assert.equal(scrollStarts.length, 1, `${streams.join(' + ')}: one scroll`);
    assert.deepEqual(records(result.messages, 'company_segments').map((r) => String(r.id)).sort(), truth, `${streams.join(' + ')}: each company segment once`);
  }
});
