// Swapping Airbyte's own Intercom source for this one in an existing connection: its config (client_id,
// client_secret, access_token, start_date, lookback_window), its stream names and its saved state (numbers,
// numeric strings, ISO strings, substream states, legacy dict and per-stream list) keep working, against the
// sandbox's ground truth.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox, type StreamName } from '../../sandbox/index.js';
import { records, runConnector, states, traces, type Message } from '../helpers/connector.js';

const DAY = 86_400;
/** 2025-06-01T00:00:00Z: the sandbox's data spans the two years before it. */
const ANCHOR = 1748736000;
/** The cursor of the saved state: 120 days before the anchor. */
const T = ANCHOR - 120 * DAY;
const START_DATE = '2024-01-01T00:00:00Z';
const START = Date.parse(START_DATE) / 1000;

let sandbox: Sandbox;
before(async () => {
  sandbox = await startSandbox({ seed: 17, anchor: ANCHOR, sizes: { contacts: 240, companies: 40, conversations: 60, partsHeavy: 0, activityLogs: 80 } });
});
after(async () => { await sandbox.close(); });

/**
 * A config as Airbyte's Intercom source stores it after an OAuth sign-in (its spec: access_token, client_id,
 * client_secret, start_date, lookback_window, activity_logs_time_step, the last one not used here), plus the
 * sandbox's URL.
 */
function airbyteConfig(extra: Record<string, unknown> = {}) {
  return {
    access_token: sandbox.token, client_id: 'intercom-app-client-id', client_secret: 'intercom-app-client-secret-42',
    start_date: START_DATE, lookback_window: 0, activity_logs_time_step: 30, base_url: sandbox.url, ...extra,
  };
}

/** Airbyte's Intercom source streams as its catalog configures them (name, sync mode, cursor). */
const AIRBYTE_STREAMS: [string, 'incremental' | 'full_refresh', string | undefined][] = [
  ['activity_logs', 'incremental', 'created_at'], ['admins', 'full_refresh', undefined], ['tags', 'full_refresh', undefined],
  ['teams', 'full_refresh', undefined], ['segments', 'incremental', 'updated_at'], ['companies', 'incremental', 'updated_at'],
  ['company_attributes', 'full_refresh', undefined], ['contact_attributes', 'full_refresh', undefined],
  ['contacts', 'incremental', 'updated_at'], ['conversations', 'incremental', 'updated_at'],
  ['conversation_parts', 'incremental', 'updated_at'], ['company_segments', 'incremental', 'updated_at'],
  ['tickets', 'incremental', 'updated_at'],
];

function airbyteCatalog(names?: string[]) {
  return {
    streams: AIRBYTE_STREAMS.filter(([name]) => !names || names.includes(name)).map(([name, mode, cursor]) => ({
      stream: {
        name, json_schema: { type: 'object', properties: {} }, supported_sync_modes: cursor ? ['full_refresh', 'incremental'] : ['full_refresh'],
        ...(cursor ? { source_defined_cursor: true, default_cursor_field: [cursor] } : {}), source_defined_primary_key: [['id']],
      },
      sync_mode: mode, ...(cursor ? { cursor_field: [cursor] } : {}), destination_sync_mode: mode === 'incremental' ? 'append_dedup' : 'overwrite',
      primary_key: [['id']],
    })),
  };
}

const stateMessage = (name: string, streamState: unknown) => ({ type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: streamState } });
const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

/** The legacy dict of the Python connector (integration_tests/sample_state.json there): numbers, substream parents inline. */
const LEGACY_DICT = {
  companies: { updated_at: T },
  company_segments: { updated_at: T, companies: { updated_at: T } },
  conversations: { updated_at: T },
  conversation_parts: { updated_at: T, conversations: { updated_at: T } },
  contacts: { updated_at: T * 1000 }, // milliseconds
  segments: { updated_at: T },
  activity_logs: { created_at: T },
  tickets: { updated_at: iso(T) },
};

/** The per-stream list of the declarative connector: numeric-string cursors (`%s`), concurrent substream states. */
const STREAM_LIST = [
  stateMessage('activity_logs', { created_at: String(T) }),
  stateMessage('segments', { updated_at: String(T) }),
  stateMessage('companies', { updated_at: String(T) }),
  stateMessage('contacts', { updated_at: String(T) }),
  stateMessage('conversations', { updated_at: String(T) }),
  stateMessage('conversation_parts', {
    use_global_cursor: true, lookback_window: 0, state: { updated_at: String(T) },
    parent_state: { conversations: { updated_at: String(T) } },
    states: [{ partition: { id: '1', parent_slice: {} }, cursor: { updated_at: String(T + DAY) } }],
  }),
  stateMessage('company_segments', {
    updated_at: String(T), prior_state: { updated_at: String(T - DAY) }, companies: { updated_at: String(T) },
    parent_state: { companies: { updated_at: String(T) } },
  }),
  stateMessage('tickets', { updated_at: iso(T) }),
];

const ids = (messages: Message[], stream: string) => new Set(records(messages, stream).map((r) => String(r.id)));
/** Ground truth: ids whose cursor is at or after `since` (activity logs: created_at, the rest: updated_at). */
function truthSince(stream: StreamName, since: number): Set<string> {
  const created = sandbox.workspace.tables.activity_logs.created;
  const cursorOf = (r: { updated_at: number }, i: number) => (stream === 'activity_logs' ? created[i]! : r.updated_at);
  return new Set(sandbox.workspace.ids(stream).filter((r, i) => cursorOf(r, i) >= since).map((r) => r.id));
}
const allIds = (stream: StreamName) => new Set(sandbox.workspace.ids(stream).map((r) => r.id));

/** Parts of the conversations updated since `since` whose own updated_at (or their conversation's) is since then. */
function partsSince(since: number): Set<string> {
  const out = new Set<string>();
  for (const { id, updated_at } of sandbox.workspace.ids('conversations')) {
    if (updated_at < since) continue;
    for (const part of sandbox.workspace.conversationParts(id)!) {
      if (((part.updated_at as number | undefined) ?? updated_at) >= since) out.add(`${id}:${String(part.id)}`);
    }
  }
  return out;
}

function assertEveryStreamCompleted(run: { code: number | null; messages: Message[] }, names: string[]): void {
  assert.deepEqual(traces(run.messages, 'ERROR'), []);
  assert.equal(run.code, 0);
  const final = new Map<string, string>();
  for (const t of traces(run.messages, 'STREAM_STATUS')) final.set(t.stream_status.stream_descriptor.name, t.stream_status.status);
  for (const name of names) assert.equal(final.get(name), 'COMPLETE', `stream ${name} completes`);
}

function assertMigrated(run: { code: number | null; messages: Message[] }): void {
  assertEveryStreamCompleted(run, AIRBYTE_STREAMS.map(([name]) => name));
  const incremental: [string, StreamName][] = [
    ['contacts', 'contacts'], ['companies', 'companies'], ['conversations', 'conversations'], ['tickets', 'tickets'],
    ['segments', 'segments'], ['company_segments', 'company_segments'], ['activity_logs', 'activity_logs'],
  ];
  for (const [stream, truth] of incremental) {
    const expected = truthSince(truth, T);
    assert.ok(expected.size > 0 && expected.size < allIds(truth).size, `${stream}: the state splits the workspace`);
    assert.deepEqual(ids(run.messages, stream), expected, `${stream}: exactly the records updated since the state (lookback_window 0)`);
  }
  const parts = new Set(records(run.messages, 'conversation_parts').map((r) => `${r.conversation_id}:${r.id}`));
  const expectedParts = partsSince(T);
  assert.ok(expectedParts.size > 0);
  assert.deepEqual(parts, expectedParts, 'conversation_parts: every part updated since the state');
  for (const [stream, truth] of [['admins', 'admins'], ['tags', 'tags'], ['teams', 'teams']] as const) {
    assert.deepEqual(ids(run.messages, stream), allIds(truth), `${stream}: full refresh`);
  }
  assert.ok(records(run.messages, 'contact_attributes').length > 0);
  // The next state is in this connector's form: RFC 3339, never behind the incoming cursor.
  for (const [stream] of incremental) {
    const last = states(run.messages, stream).at(-1)!.stream.stream_state;
    const cursor = last.updated_at ?? last.created_at;
    assert.match(cursor, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, `${stream}: ${JSON.stringify(last)}`);
    assert.ok(Date.parse(cursor) / 1000 >= T, `${stream}: the state moves forward`);
  }
}

test('a connection migrates with the legacy dict state of Airbyte\'s Intercom source: every record updated since, no stream failing', async () => {
  const run = await runConnector('read', { config: airbyteConfig(), catalog: airbyteCatalog(), state: LEGACY_DICT });
  assertMigrated(run);
});

test('a connection migrates with the per-stream state list of Airbyte\'s declarative Intercom source (numeric strings, substream states)', async () => {
  const run = await runConnector('read', { config: airbyteConfig(), catalog: airbyteCatalog(), state: STREAM_LIST });
  assertMigrated(run);
  const warns = run.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN');
  assert.deepEqual(warns, [], 'every saved state was understood');
});

test('lookback_window is the attribution window: 0 re-reads nothing before the state, even next to a default attribution_window_days', async () => {
  const catalog = airbyteCatalog(['contacts']);
  const state = [stateMessage('contacts', { updated_at: String(T) })];
  const zero = await runConnector('read', { config: airbyteConfig({ lookback_window: 0, attribution_window_days: 30 }), catalog, state });
  assertEveryStreamCompleted(zero, ['contacts']);
  assert.deepEqual(ids(zero.messages, 'contacts'), truthSince('contacts', T));
  const tenDays = await runConnector('read', { config: airbyteConfig({ lookback_window: 10 }), catalog, state });
  const expected = truthSince('contacts', T - 10 * DAY);
  assert.ok(expected.size > truthSince('contacts', T).size, 'the ten days before the state hold contacts');
  assert.deepEqual(ids(tenDays.messages, 'contacts'), expected);
});

test('an unusable saved state gets a WARN naming its stream and that stream starts from start_date; the others keep their state', async () => {
  const names = ['contacts', 'conversations', 'tickets', 'companies', 'segments', 'activity_logs'];
  const huge = '9'.repeat(50 * 1024 * 1024);
  const state = [
    stateMessage('contacts', { updated_at: 'garbage' }),
    stateMessage('conversations', { updated_at: 1e20 }),
    stateMessage('tickets', { updated_at: -5 }),
    stateMessage('companies', { updated_at: huge }),
    stateMessage('segments', { updated_at: String(T) }),
    // This connector's own former name of activity_logs.
    stateMessage('admin_activity_logs', { created_at: iso(T) }),
  ];
  const run = await runConnector('read', { config: airbyteConfig(), catalog: airbyteCatalog(names), state });
  assertEveryStreamCompleted(run, names);
  const warns = run.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message as string);
  for (const [stream, truth] of [['contacts', 'contacts'], ['conversations', 'conversations'], ['tickets', 'tickets'], ['companies', 'companies']] as const) {
    const about = warns.filter((w) => w.includes(`"${stream}"`));
    assert.equal(about.length, 1, `one WARN names ${stream}: ${JSON.stringify(warns)}`);
    assert.ok(about[0]!.length < 600, `the WARN quotes at most ~200 characters of the value (${about[0]!.length})`);
    assert.match(about[0]!, /start_date/);
    assert.deepEqual(ids(run.messages, stream), truthSince(truth, START), `${stream} starts from start_date`);
    const last = states(run.messages, stream).at(-1)!.stream.stream_state;
    assert.match(last.updated_at, /^\d{4}-\d{2}-\d{2}T/, `${stream}: the unusable state is replaced`);
  }
  assert.equal(warns.length, 4, JSON.stringify(warns));
  assert.deepEqual(ids(run.messages, 'segments'), truthSince('segments', T));
  assert.deepEqual(ids(run.messages, 'activity_logs'), truthSince('activity_logs', T), 'the state under admin_activity_logs is read');
});

test('activity logs on a plan without them: that stream ends INCOMPLETE with a config_error naming the plan, every other stream completes', async () => {
  sandbox.setOptions({ planRestrictedPaths: ['/admins/activity_logs'] });
  try {
    const names = ['activity_logs', 'admins', 'contacts', 'conversations', 'conversation_parts', 'tickets'];
    const run = await runConnector('read', { config: airbyteConfig(), catalog: airbyteCatalog(names) });
    assert.equal(run.code, 1);
    const errors = traces(run.messages, 'ERROR');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]!.error.failure_type, 'config_error');
    assert.equal(errors[0]!.error.stream_descriptor?.name, 'activity_logs');
    assert.match(errors[0]!.error.message, /plan/);
    assert.match(errors[0]!.error.message, /activity_logs/);
    const final = new Map<string, string>();
    for (const t of traces(run.messages, 'STREAM_STATUS')) final.set(t.stream_status.stream_descriptor.name, t.stream_status.status);
    assert.equal(final.get('activity_logs'), 'INCOMPLETE');
    for (const name of names.slice(1)) assert.equal(final.get(name), 'COMPLETE', name);
    assert.deepEqual(ids(run.messages, 'contacts'), truthSince('contacts', START));
    for (const name of ['contacts', 'conversations', 'conversation_parts', 'tickets']) assert.ok(states(run.messages, name).length > 0, `${name} keeps its state`);
  } finally {
    sandbox.setOptions({ planRestrictedPaths: [] });
  }
});

test('check passes with a config in Airbyte\'s format, and with OAuth credentials only; the OAuth secrets are never printed', async () => {
  const { start_date: _start, lookback_window: _lookback, activity_logs_time_step: _step, ...oauthOnly } = airbyteConfig();
  for (const config of [airbyteConfig(), oauthOnly]) {
    const run = await runConnector('check', { config });
    const status = run.messages.find((m) => m.type === 'CONNECTION_STATUS');
    assert.equal(status?.connectionStatus.status, 'SUCCEEDED', JSON.stringify(run.messages));
    for (const secret of [config.client_secret, config.client_id, sandbox.token]) {
      assert.ok(!run.stdout.includes(secret) && !run.stderr.includes(secret), 'no secret printed');
    }
  }
});

test('spec carries advanced_auth (oauth2.0) whose config paths are secret properties of the connection specification', async () => {
  const run = await runConnector('spec');
  const spec = run.messages.find((m) => m.type === 'SPEC')!.spec;
  const auth = spec.advanced_auth;
  assert.equal(auth.auth_flow_type, 'oauth2.0');
  const oauth = auth.oauth_config_specification;
  const paths: string[][] = [];
  for (const part of ['complete_oauth_output_specification', 'complete_oauth_server_output_specification']) {
    for (const property of Object.values(oauth[part].properties) as { path_in_connector_config: string[] }[]) paths.push(property.path_in_connector_config);
  }
  assert.deepEqual(paths.map((p) => p.join('.')).sort(), ['access_token', 'client_id', 'client_secret']);
  for (const [name] of paths) assert.equal(spec.connectionSpecification.properties[name!].airbyte_secret, true, `${name} is airbyte_secret`);
  assert.deepEqual(Object.keys(oauth.complete_oauth_server_input_specification.properties).sort(), ['client_id', 'client_secret']);
  assert.equal(spec.connectionSpecification.properties.start_date.pattern, '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$');
});
