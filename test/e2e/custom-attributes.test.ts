// Typed custom attributes: discover reads GET /data_attributes and types custom_attributes of users, leads and
// companies; in read, a value that does not fit its type is NULLED in meta.changes and kept unchanged under
// custom_attributes_unparsed. Without the data-attributes scope, both still work, untyped, with a WARN.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { COMPANY_CUSTOM_ATTRIBUTES, CONTACT_CUSTOM_ATTRIBUTES } from '../../sandbox/workspace/directory.js';
import { contactMisfit } from '../../sandbox/workspace/contacts.js';
import { companyMisfit } from '../../sandbox/workspace/companies.js';
import { configuredCatalog, runConnector, traces, type Message } from '../helpers/connector.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const STREAMS = ['users', 'leads', 'companies'] as const;
const TYPED = { string: 'string', integer: 'integer', float: 'number', boolean: 'boolean', date: 'string' } as const;

let sandbox: Sandbox;
const config = () => ({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' });
const catalogOf = (messages: Message[]) => messages.find((m) => m.type === 'CATALOG')!.catalog as { streams: any[] };
const warnings = (messages: Message[]) => messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message as string);
const recordsOf = (messages: Message[], stream: string) => messages.filter((m) => m.type === 'RECORD' && m.record.stream === stream).map((m) => m.record);

/** Every record valid against its discovered stream schema (strict integers, parseable date-times). */
function assertValid(catalog: { streams: any[] }, messages: Message[]): void {
  const ajv = new Ajv({ strict: false });
  addFormats(ajv);
  const validators = new Map(catalog.streams.map((s) => [s.name, ajv.compile(s.json_schema)]));
  const failures: string[] = [];
  for (const m of messages) {
    if (m.type !== 'RECORD') continue;
    const validate = validators.get(m.record.stream)!;
    if (!validate(m.record.data) && failures.length < 5) failures.push(`${m.record.stream} ${m.record.data.id}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.deepEqual(failures, []);
}

before(async () => {
  sandbox = await startSandbox({ seed: 17, sizes: { contacts: 150, companies: 40, conversations: 3, tickets: 3, partsHeavy: 0 } });
});
after(async () => { await sandbox.close(); });

describe('with the data-attributes scope', () => {
  let catalog: { streams: any[] };
  let messages: Message[];
  let code: number | null;
  before(async () => {
    sandbox.log.length = 0;
    catalog = catalogOf((await runConnector('discover', { config: config() })).messages);
    const read = await runConnector('read', { config: config(), catalog: configuredCatalog(catalog, [...STREAMS], 'full_refresh') });
    messages = read.messages;
    code = read.code;
  });

  test('discover declares one typed property per custom attribute, open for new ones, and custom_attributes_unparsed', () => {
    for (const name of STREAMS) {
      const schema = catalog.streams.find((s) => s.name === name).json_schema;
      const custom = schema.properties.custom_attributes;
      const attributes = name === 'companies' ? COMPANY_CUSTOM_ATTRIBUTES : CONTACT_CUSTOM_ATTRIBUTES;
      assert.deepEqual(Object.keys(custom.properties).sort(), attributes.map((a) => a.name).sort(), name);
      for (const a of attributes) {
        assert.deepEqual(custom.properties[a.name].type, ['null', TYPED[a.type]], `${name}.${a.name}`);
        if (a.type === 'date') assert.equal(custom.properties[a.name].format, 'date-time');
      }
      assert.equal(custom.additionalProperties, true, 'attributes added later still fit');
      assert.deepEqual(schema.properties.custom_attributes_unparsed.type, ['null', 'object']);
      assert.equal(schema.properties.custom_attributes_unparsed.additionalProperties, true);
    }
  });

  test('the read completes and every record is valid against the discovered schema', () => {
    assert.equal(code, 0);
    assert.deepEqual(traces(messages, 'ERROR'), []);
    assertValid(catalog, messages);
  });

  test('data attributes are read once per command, not per record', () => {
    // discover (2 models) + read (2 models): each command reads both lists once.
    assert.equal(sandbox.log.filter((e) => e.path.startsWith('/data_attributes')).length, 4);
  });

  test('a value that does not fit its type is NULLED in meta.changes and kept unchanged in custom_attributes_unparsed', () => {
    let misfits = 0;
    const kinds = new Set<string>();
    for (const stream of STREAMS) {
      const entity = stream === 'companies' ? 'companies' : 'contacts';
      const attributes = stream === 'companies' ? COMPANY_CUSTOM_ATTRIBUTES : CONTACT_CUSTOM_ATTRIBUTES;
      for (const record of recordsOf(messages, stream)) {
        const id = record.data.id as string;
        const raw = sandbox.workspace.get(stream, id)!.custom_attributes as Record<string, unknown>;
        const i = sandbox.workspace.indexOf(entity, id);
        const misfit = stream === 'companies' ? companyMisfit(sandbox.workspace, i) : contactMisfit(sandbox.workspace, i);
        const name = misfit >= 0 ? attributes[misfit]!.name : undefined;
        if (name === undefined || raw[name] === null || raw[name] === undefined) {
          assert.equal(record.meta, undefined, `${stream} ${id}: no change, no meta`);
          assert.equal(record.data.custom_attributes_unparsed, undefined);
          continue;
        }
        misfits++;
        kinds.add(attributes[misfit]!.type);
        assert.deepEqual(record.meta, { changes: [{ field: `custom_attributes.${name}`, change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' }] });
        assert.equal(record.data.custom_attributes[name], null);
        assert.deepEqual(record.data.custom_attributes_unparsed, { [name]: raw[name] }, 'the original value, unchanged');
        for (const other of attributes) {
          if (other.name !== name && raw[other.name] !== undefined) assert.notEqual(record.data.custom_attributes[other.name], undefined, 'other attributes kept');
        }
      }
    }
    assert.ok(misfits >= 5, `the sandbox serves misfits (${misfits})`);
    assert.ok(kinds.size >= 4, `misfits of several types (${[...kinds].join(', ')})`);
  });

  test('custom date attributes sent as unix seconds come out as RFC 3339', () => {
    const dates = recordsOf(messages, 'users').map((r) => r.data.custom_attributes.trial_ends_at).filter((v) => v !== null && v !== undefined);
    assert.ok(dates.length > 0);
    for (const value of dates) assert.match(value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });
});

describe('without the data-attributes scope', () => {
  let discovered: Message[];
  let read: { code: number | null; messages: Message[] };
  before(async () => {
    sandbox.setOptions({ scopesWithheld: ['read_data_attributes'] });
    try {
      const run = await runConnector('discover', { config: config() });
      assert.equal(run.code, 0, run.stderr);
      discovered = run.messages;
      read = await runConnector('read', { config: config(), catalog: configuredCatalog(catalogOf(discovered), [...STREAMS], 'full_refresh') });
    } finally {
      sandbox.setOptions({ scopesWithheld: [] });
    }
  });

  test('discover succeeds with an open custom_attributes and a WARN that says why', () => {
    const catalog = catalogOf(discovered);
    for (const name of STREAMS) {
      const custom = catalog.streams.find((s) => s.name === name).json_schema.properties.custom_attributes;
      assert.deepEqual(custom.properties, {}, name);
      assert.equal(custom.additionalProperties, true);
    }
    const warns = warnings(discovered);
    assert.equal(warns.length, 2, 'one per model');
    assert.ok(warns.some((w) => /users, leads/.test(w) && /403/.test(w) && /data_attributes/.test(w)), warns.join('\n'));
    assert.ok(warns.some((w) => /companies/.test(w)));
  });

  test('read succeeds the same way: values as Intercom sends them, no meta, valid records, the WARN again', () => {
    assert.equal(read.code, 0);
    assert.deepEqual(traces(read.messages, 'ERROR'), []);
    assert.equal(warnings(read.messages).filter((w) => w.includes('without types')).length, 2);
    const records = STREAMS.flatMap((s) => recordsOf(read.messages, s));
    assert.ok(records.length > 0);
    for (const record of records) {
      assert.equal(record.meta, undefined);
      assert.equal(record.data.custom_attributes_unparsed, undefined);
    }
    const seats = records.map((r) => r.data.custom_attributes?.seats).filter((v) => typeof v === 'string');
    assert.ok(seats.length > 0, 'a misfit is left as sent when nothing declares its type');
    assertValid(catalogOf(discovered), read.messages);
  });
});
