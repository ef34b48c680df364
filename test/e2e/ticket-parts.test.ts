// tickets__parts: a child of tickets like conversations__parts. Parts come from the ticket retrieve
// (GET /tickets/{id}), fetched only when a parts stream is selected, with bounded concurrency.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import type { RequestLogEntry } from '../../sandbox/server.js';
import { configuredCatalog, records, runConnector, traces } from '../helpers/connector.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
let sandbox: Sandbox;
let catalog: { streams: any[] };
const CONCURRENCY = 3;
const config = () => ({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z', concurrency: CONCURRENCY });
const isRetrieve = (e: RequestLogEntry) => e.method === 'GET' && /^\/tickets\/[^/?]+(\?|$)/.test(e.path);

before(async () => {
  sandbox = await startSandbox({ seed: 31, sizes: { contacts: 40, companies: 5, conversations: 5, tickets: 30, partsHeavy: 0 }, faults: { latencyMs: 15 } });
  catalog = (await runConnector('discover', { config: config() })).messages.find((m) => m.type === 'CATALOG')!.catalog;
});
after(async () => { await sandbox.close(); });

test('discover declares tickets__parts (and its attachments) keyed like conversations__parts', () => {
  const parts = catalog.streams.find((s) => s.name === 'tickets__parts');
  assert.ok(parts, 'tickets__parts is discovered');
  assert.deepEqual(parts.source_defined_primary_key, [['_sdc_source_key_id'], ['_sdc_level_0_id']]);
  assert.deepEqual(parts.default_cursor_field, ['_sdc_source_updated_at']);
  assert.ok(parts.json_schema.properties.part_type);
  assert.ok(catalog.streams.some((s) => s.name === 'tickets__parts__attachments'));
});

test('tickets__parts: one row per part of every ticket, valid against its schema, retrieved with bounded concurrency', async () => {
  // Requests still unanswered when a retrieve arrives: the connector's retrieves in flight.
  let inFlight = 0;
  const log = sandbox.log;
  const push = log.push.bind(log);
  log.push = (...entries: RequestLogEntry[]) => {
    for (const entry of entries) if (isRetrieve(entry)) inFlight = Math.max(inFlight, 1 + log.filter((e) => isRetrieve(e) && e.status === 0).length);
    return push(...entries);
  };
  try {
    log.length = 0;
    const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['tickets', 'tickets__parts', 'tickets__parts__attachments'], 'full_refresh') });
    assert.equal(result.code, 0);
    assert.deepEqual(traces(result.messages, 'ERROR'), []);
    const tickets = sandbox.workspace.ids('tickets');
    assert.equal(log.filter(isRetrieve).length, tickets.length, 'one retrieve per ticket');
    assert.ok(inFlight <= CONCURRENCY, `at most ${CONCURRENCY} retrieves in flight (saw ${inFlight})`);
    assert.ok(inFlight >= 2, `retrieves overlap (saw ${inFlight})`);

    const rows = records(result.messages, 'tickets__parts');
    const expected = new Map<string, string>();
    for (const { id } of tickets) sandbox.workspace.ticketParts(id)!.forEach((part, k) => expected.set(`${id}:${k}`, String(part.id)));
    assert.equal(rows.length, expected.size);
    for (const row of rows) assert.equal(String(row.id), expected.get(`${row._sdc_source_key_id}:${row._sdc_level_0_id}`));
    const updated = new Map(records(result.messages, 'tickets').map((t) => [t.id, t.updated_at]));
    for (const row of rows) assert.equal(row._sdc_source_updated_at, updated.get(row._sdc_source_key_id));
    assert.ok(records(result.messages, 'tickets__parts__attachments').length > 0, 'some parts carry attachments');

    const ajv = new Ajv({ strict: false });
    addFormats(ajv);
    for (const name of ['tickets', 'tickets__parts', 'tickets__parts__attachments']) {
      const validate = ajv.compile(catalog.streams.find((s) => s.name === name).json_schema);
      for (const row of records(result.messages, name)) assert.ok(validate(row), `${name}: ${ajv.errorsText(validate.errors)}`);
    }
  } finally {
    log.push = push;
  }
});

test('ticket parts are fetched only when a parts stream is selected', async () => {
  sandbox.log.length = 0;
  const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['tickets'], 'full_refresh') });
  assert.equal(result.code, 0);
  assert.equal(sandbox.log.filter(isRetrieve).length, 0, 'no ticket retrieve without tickets__parts');
  assert.equal(records(result.messages, 'tickets').length, sandbox.workspace.ids('tickets').length);
});

test('a ticket deleted before its retrieve is skipped with a WARN; the others keep their parts', async () => {
  const gone = sandbox.workspace.ids('tickets')[0]!.id;
  // Search walks indices, the retrieve looks the id up: an id the lookup no longer knows answers 404, as a
  // ticket deleted between the search page and its retrieve does.
  const workspace = sandbox.workspace as unknown as { indexOf(entity: string, id: string): number };
  const indexOf = workspace.indexOf.bind(workspace);
  workspace.indexOf = (entity, id) => (entity === 'tickets' && id === gone ? -1 : indexOf(entity, id));
  try {
    const result = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, ['tickets__parts'], 'full_refresh') });
    assert.equal(result.code, 0);
    const warns = result.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN' && m.log.message.includes(`ticket ${gone}`));
    assert.equal(warns.length, 1);
    const parents = new Set(records(result.messages, 'tickets__parts').map((r) => r._sdc_source_key_id));
    assert.ok(!parents.has(gone));
    assert.equal(parents.size, sandbox.workspace.ids('tickets').length - 1);
  } finally {
    workspace.indexOf = indexOf;
  }
});
