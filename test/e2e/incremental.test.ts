// Incremental replication against the sandbox: the attribution window, the boundary second, touched
// records, a far-future state, and a sync killed mid-stream and resumed from its last STATE.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox, type StreamName } from '../../sandbox/index.js';
import { configuredCatalog, lastStates, records, runConnector, states, traces, type Message } from '../helpers/connector.js';

const DAY = 86_400;
const STREAMS = ['users', 'leads', 'companies', 'conversations', 'tickets'] as const;
let sandbox: Sandbox;
let catalog: { streams: any[] };

before(async () => {
  sandbox = await startSandbox({ seed: 11 });
  const discovered = await runConnector('discover', { config: config(0) });
  catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => { await sandbox.close(); });

function config(windowDays: number, extra: Record<string, unknown> = {}) {
  return { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z', attribution_window_days: windowDays, ...extra };
}

const cursorOf = (state: any, stream: string) => Date.parse(states([{ type: 'STATE', state }], stream)[0]!.stream.stream_state.updated_at) / 1000;
const idsOf = (messages: Message[], stream: string) => new Set(records(messages, stream).map((r) => String(r.id)));
const truthSince = (stream: StreamName, since: number) => new Set(sandbox.workspace.ids(stream).filter((r) => r.updated_at >= since).map((r) => r.id));

test('second read with window 0 returns the touched records and the ones sharing the boundary second, nothing else', async () => {
  const selected = configuredCatalog(catalog, [...STREAMS], 'incremental');
  const first = await runConnector('read', { config: config(0), catalog: selected });
  assert.equal(first.code, 0, JSON.stringify(traces(first.messages, 'ERROR')));
  const state = lastStates(first.messages);
  const cursorOfStream = (stream: string) => cursorOf(state.find((s) => s.stream.stream_descriptor.name === stream), stream);
  const touched = new Map<string, string[]>();
  const boundary = new Map<string, string[]>();
  for (const stream of STREAMS) {
    assert.deepEqual(idsOf(first.messages, stream), truthSince(stream, Date.parse('2000-01-01T00:00:00Z') / 1000), `${stream}: first read = everything`);
    boundary.set(stream, sandbox.workspace.ids(stream).filter((r) => r.updated_at === cursorOfStream(stream)).map((r) => r.id));
    assert.ok(boundary.get(stream)!.length >= 1, `${stream}: a record sits at the cursor second`);
    touched.set(stream, sandbox.workspace.touch(stream, 3));
  }
  const second = await runConnector('read', { config: config(0), catalog: selected, state });
  assert.equal(second.code, 0);
  for (const stream of STREAMS) {
    const expected = new Set([...touched.get(stream)!, ...boundary.get(stream)!]);
    assert.deepEqual(idsOf(second.messages, stream), expected, `${stream}: exactly the touched ones and the boundary second`);
    assert.deepEqual(expected, truthSince(stream, cursorOfStream(stream)), `${stream}: nothing else in the workspace is at or after the cursor`);
  }
});

test('with the default 30-day window, the second read also returns every record updated in the 30 days before the state', async () => {
  const selected = configuredCatalog(catalog, ['users', 'conversations'], 'incremental');
  const first = await runConnector('read', { config: config(30), catalog: selected });
  const state = lastStates(first.messages);
  const second = await runConnector('read', { config: config(30), catalog: selected, state });
  assert.equal(second.code, 0);
  for (const stream of ['users', 'conversations'] as const) {
    const cursor = cursorOf(state.find((s) => s.stream.stream_descriptor.name === stream), stream);
    const expected = truthSince(stream, cursor - 30 * DAY);
    assert.ok(expected.size > 1, `${stream}: the window holds several records`);
    assert.deepEqual(idsOf(second.messages, stream), expected);
  }
});

test('a far-future state yields no records and still one STATE per stream, never moving backwards', async () => {
  const selected = configuredCatalog(catalog, [...STREAMS, 'conversations__parts', 'users__tags'], 'incremental');
  const future = '2999-01-01T00:00:00Z';
  const state = (selected as any).streams.map((s: any) => ({
    type: 'STREAM',
    stream: { stream_descriptor: { name: s.stream.name }, stream_state: { [s.cursor_field[0]]: future } },
  }));
  const result = await runConnector('read', { config: config(30), catalog: selected, state });
  assert.equal(result.code, 0);
  assert.equal(records(result.messages).length, 0);
  for (const s of (selected as any).streams) {
    const emitted = states(result.messages, s.stream.name);
    assert.ok(emitted.length >= 1, `${s.stream.name}: a STATE`);
    assert.equal(emitted.at(-1)!.stream.stream_state[s.cursor_field[0]], future, `${s.stream.name}: state kept`);
  }
});

test('the legacy state dict is accepted', async () => {
  const selected = configuredCatalog(catalog, ['users'], 'incremental');
  const result = await runConnector('read', { config: config(0), catalog: selected, state: { users: { updated_at: '2999-01-01T00:00:00Z' } } });
  assert.equal(result.code, 0);
  assert.equal(records(result.messages).length, 0);
});

test('a sync killed mid-stream and resumed from its last STATE loses no record (window 0)', async () => {
  const streams = ['users', 'conversations', 'conversations__parts'];
  const selected = configuredCatalog(catalog, streams, 'incremental');
  const truth = {
    users: truthSince('users', 0),
    conversations: truthSince('conversations', 0),
  };
  for (const killAt of [40, 260, 900]) {
    const first = await runConnector('read', { config: config(0, { concurrency: 4 }), catalog: selected, killAfterRecords: killAt });
    assert.ok(first.signal === 'SIGKILL', `killed after ${killAt} records`);
    // What the platform keeps: per stream, the records up to that stream's last STATE.
    const kept = new Map<string, Set<string>>(streams.map((s) => [s, new Set<string>()]));
    const pending = new Map<string, string[]>(streams.map((s) => [s, []]));
    for (const m of first.messages) {
      if (m.type === 'RECORD') {
        const d = m.record.data;
        pending.get(m.record.stream)!.push(m.record.stream === 'conversations__parts' ? `${d._sdc_source_key_id}:${d._sdc_level_0_id}` : String(d.id));
      } else if (m.type === 'STATE') {
        const name = m.state.stream.stream_descriptor.name;
        for (const id of pending.get(name)!) kept.get(name)!.add(id);
        pending.set(name, []);
      }
    }
    const resumed = await runConnector('read', { config: config(0), catalog: selected, state: lastStates(first.messages) });
    assert.equal(resumed.code, 0);
    for (const stream of ['users', 'conversations'] as const) {
      const union = new Set([...kept.get(stream)!, ...idsOf(resumed.messages, stream)]);
      const missing = [...truth[stream]].filter((id) => !union.has(id));
      assert.deepEqual(missing, [], `${stream}: nothing lost when killed after ${killAt} records`);
    }
    const parts = new Set([...kept.get('conversations__parts')!, ...records(resumed.messages, 'conversations__parts').map((d) => `${d._sdc_source_key_id}:${d._sdc_level_0_id}`)]);
    for (const id of truth.conversations) {
      const count = Math.min(500, sandbox.workspace.conversationParts(id)!.length);
      for (let i = 0; i < count; i++) assert.ok(parts.has(`${id}:${i}`), `part ${i} of conversation ${id} kept (killed after ${killAt})`);
    }
  }
});

test('admin activity logs: a second read returns the logs created at or after the cursor, new ones included', async () => {
  const selected = configuredCatalog(catalog, ['activity_logs'], 'incremental');
  const first = await runConnector('read', { config: config(0), catalog: selected });
  assert.equal(first.code, 0);
  assert.deepEqual(idsOf(first.messages, 'activity_logs'), truthSince('activity_logs', 0));
  const state = lastStates(first.messages);
  const cursor = Date.parse(state[0]!.stream.stream_state.created_at) / 1000;
  const created = sandbox.workspace.create('activity_logs', 2);
  const second = await runConnector('read', { config: config(0), catalog: selected, state });
  assert.equal(second.code, 0);
  const expected = truthSince('activity_logs', cursor);
  for (const id of created) assert.ok(expected.has(id));
  assert.deepEqual(idsOf(second.messages, 'activity_logs'), expected);
});
