// Proof that the acceptance rules bite: each rule family gets a valid input (no violation) and deliberately
// broken ones (the rule must name the break). Pure functions only: no connector, no sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AirbyteMessage, AirbyteStream, ConnectorSpecification } from '../../src/airbyte/protocol.js';
import { connectionViolations } from './rules/connection.js';
import { discoveryRuleViolations } from './rules/discovery.js';
import { emittedAtOrderViolations, sameIdsViolations } from './rules/full-refresh.js';
import { checkpointRereadViolations, firstReadViolations, futureStateViolations, middleCheckpoints, secondReadViolations, stateInputAt } from './rules/incremental.js';
import { nonIntegerLiteralPaths } from './rules/json-literals.js';
import { messagesOf, parseMessageLines, recordsOf, secretLeakViolations } from './rules/messages.js';
import { atLeastOneRecordViolations, emptyStreamDeclarationViolations, emptyStreamViolations, expectedRecordsViolations, primaryKeyValueViolations, recordSchemaViolations } from './rules/records.js';
import { configMatchesSpecViolations, specRuleViolations } from './rules/spec.js';
import { stateMessageViolations, unknownStreamTraceViolations } from './rules/states.js';
import { streamStatusViolations } from './rules/statuses.js';
import type { Violation } from './rules/violation.js';

const clone = <T>(v: T): T => structuredClone(v);
const rules = (vs: Violation[]) => vs.map((v) => v.rule);

/** Asserts that `rule` is among the violations, and shows them all when it is not. */
function assertReports(vs: Violation[], rule: string, mention?: RegExp) {
  const hit = vs.find((v) => v.rule === rule && (!mention || mention.test(`${v.where} ${v.what}`)));
  assert.ok(hit, `expected a "${rule}" violation${mention ? ` mentioning ${mention}` : ''}, got: ${JSON.stringify(vs, null, 1)}`);
}

// ---------- spec ----------
function goodSpec(): ConnectorSpecification {
  return {
    connectionSpecification: {
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', required: ['access_token'], additionalProperties: true,
      properties: {
        access_token: { type: 'string', airbyte_secret: true, order: 0 },
        start_date: { type: 'string', format: 'date-time', order: 1 },
        region: { type: 'string', enum: ['us', 'eu', 'au'], default: 'us', order: 2 },
        window: { type: ['null', 'integer'], order: 3 },
        auth: {
          type: 'object', order: 4,
          oneOf: [
            { type: 'object', properties: { auth_type: { type: 'string', const: 'token', default: 'token' } } },
            { type: 'object', properties: { auth_type: { type: 'string', const: 'oauth', default: 'oauth' }, client_secret: { type: 'string', airbyte_secret: true } } },
          ],
        },
      },
    },
  };
}
const props = (s: ConnectorSpecification) => (s.connectionSpecification as any).properties;

test('bite: a valid spec has no violations', () => {
  assert.deepEqual(specRuleViolations(goodSpec()), []);
  assert.deepEqual(configMatchesSpecViolations(goodSpec(), { access_token: 'x', start_date: '2024-01-01T00:00:00Z' }, 'config'), []);
});

test('bite: spec rules report each deliberate break', () => {
  const cases: Array<[string, (s: ConnectorSpecification) => void, string, RegExp?]> = [
    ['unmarked secret', (s) => { delete props(s).access_token.airbyte_secret; }, 'spec.secrets-marked', /access_token/],
    ['unmarked secret inside a oneOf variant', (s) => { delete props(s).auth.oneOf[1].properties.client_secret.airbyte_secret; }, 'spec.secrets-marked', /client_secret/],
    ['$ref', (s) => { props(s).region = { $ref: '#/definitions/region' }; }, 'spec.forbidden-keywords', /\$ref/],
    ['anyOf', (s) => { props(s).window = { anyOf: [{ type: 'integer' }, { type: 'null' }] }; }, 'spec.forbidden-keywords', /anyOf/],
    ['allOf', (s) => { props(s).window.allOf = [{ minimum: 0 }]; }, 'spec.forbidden-keywords', /allOf/],
    ['not', (s) => { props(s).window.not = { const: 3 }; }, 'spec.forbidden-keywords', /"not"/],
    ['if/then', (s) => { props(s).window.if = { const: 1 }; props(s).window.then = { const: 1 }; }, 'spec.forbidden-keywords', /"if"/],
    ['patternProperties', (s) => { (s.connectionSpecification as any).patternProperties = { '^x': { type: 'string' } }; }, 'spec.forbidden-keywords', /patternProperties/],
    ['three types', (s) => { props(s).window.type = ['null', 'integer', 'string']; }, 'spec.type-shape', /window/],
    ['two non-null types', (s) => { props(s).window.type = ['integer', 'string']; }, 'spec.type-shape'],
    ['object without properties', (s) => { props(s).extra = { type: 'object' }; }, 'spec.object-properties', /extra/],
    ['additionalProperties false', (s) => { (s.connectionSpecification as any).additionalProperties = false; }, 'spec.additional-properties'],
    ['oneOf without a shared const', (s) => { delete props(s).auth.oneOf[1].properties.auth_type.const; }, 'spec.oneof'],
    ['oneOf default differs from const', (s) => { props(s).auth.oneOf[0].properties.auth_type.default = 'oauth'; }, 'spec.oneof', /default/],
    ['duplicate enum value', (s) => { props(s).region.enum = ['us', 'eu', 'us']; }, 'spec.enum-unique', /"us"/],
    ['duplicate order', (s) => { props(s).window.order = 1; }, 'spec.order', /window/],
    ['invalid draft-07', (s) => { props(s).window.type = 7; }, 'spec.draft-07'],
  ];
  for (const [name, breakIt, rule, mention] of cases) {
    const spec = clone(goodSpec());
    breakIt(spec);
    assertReports(specRuleViolations(spec), rule, mention);
    assert.ok(name);
  }
});

test('bite: a config that does not match the spec is reported with its field', () => {
  const vs = configMatchesSpecViolations(goodSpec(), { access_token: 'x', region: 'mars' }, 'secrets/config.json');
  assertReports(vs, 'spec.config-matches', /region/);
  assertReports(configMatchesSpecViolations(goodSpec(), { start_date: '2024-01-01T00:00:00Z' }, 'c'), 'spec.config-matches', /access_token/);
});

// ---------- connection ----------
const status = (s: 'SUCCEEDED' | 'FAILED'): AirbyteMessage => ({ type: 'CONNECTION_STATUS', connectionStatus: { status: s } });

test('bite: connection rules', () => {
  assert.deepEqual(connectionViolations([status('SUCCEEDED')], 0, 'succeed', 'c'), []);
  assert.deepEqual(connectionViolations([status('FAILED')], 0, 'failed', 'c'), []);
  assertReports(connectionViolations([status('FAILED')], 0, 'succeed', 'c'), 'connection.succeed');
  assertReports(connectionViolations([status('SUCCEEDED')], 0, 'failed', 'c'), 'connection.failed');
  assertReports(connectionViolations([], 1, 'failed', 'c'), 'connection.one-status');
  assertReports(connectionViolations([status('FAILED')], 1, 'failed', 'c'), 'connection.exit-code');
});

// ---------- discovery ----------
function goodStream(name = 'widgets'): AirbyteStream {
  return {
    name,
    json_schema: {
      $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: true,
      properties: {
        id: { type: 'string' }, count: { type: ['null', 'integer'] }, ratio: { type: ['null', 'number'] },
        updated_at: { type: 'string', format: 'date-time' },
        tags: { type: ['null', 'array'], items: { type: 'object', properties: { n: { type: 'integer' } } } },
      },
    },
    supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: true,
    default_cursor_field: ['updated_at'], source_defined_primary_key: [['id']],
  };
}
const catalogMessage = (streams: AirbyteStream[]): AirbyteMessage[] => [{ type: 'CATALOG', catalog: { streams } }];

test('bite: discovery rules', () => {
  assert.deepEqual(discoveryRuleViolations(catalogMessage([goodStream('a'), goodStream('b')])), []);
  const broken: Array<[(s: AirbyteStream) => void, string, RegExp?]> = [
    [(s) => { (s.json_schema as any).properties.count = { $ref: '#/definitions/n' }; }, 'discovery.no-ref', /\$ref/],
    [(s) => { s.source_defined_primary_key = [['missing_id']]; }, 'discovery.primary-key-exists', /missing_id/],
    [(s) => { s.source_defined_primary_key = [['tags']]; }, 'discovery.primary-key-type', /tags/],
    [(s) => { s.default_cursor_field = ['modified']; }, 'discovery.cursor-exists', /modified/],
    [(s) => { (s.json_schema as any).properties.id.type = 'text'; }, 'discovery.draft-07'],
    [(s) => { s.supported_sync_modes = []; }, 'discovery.sync-modes'],
  ];
  for (const [breakIt, rule, mention] of broken) {
    const s = goodStream();
    breakIt(s);
    assertReports(discoveryRuleViolations(catalogMessage([s])), rule, mention);
  }
  assertReports(discoveryRuleViolations(catalogMessage([goodStream('a'), goodStream('a')])), 'discovery.stream-names', /duplicate/);
  assertReports(discoveryRuleViolations(catalogMessage([goodStream('')])), 'discovery.stream-names', /empty/);
  assertReports(discoveryRuleViolations([...catalogMessage([goodStream()]), ...catalogMessage([goodStream()])]), 'discovery.one-catalog');
});

// ---------- basic read: records ----------
const recordLine = (data: string, stream = 'widgets', emittedAt = 1000) => `{"type":"RECORD","record":{"stream":"${stream}","emitted_at":${emittedAt},"data":${data}}}`;
const linesOf = (...raw: string[]) => { const r = parseMessageLines(raw.join('\n')); assert.deepEqual(r.violations, []); return r.lines; };
const okData = '{"id":"w1","count":3,"ratio":1.5,"updated_at":"2024-05-01T10:00:00Z","tags":[{"n":1}]}';

test('bite: the strict-integer scanner finds non-integer literals by path', () => {
  assert.deepEqual(nonIntegerLiteralPaths('{"a":1,"b":[2,3.0],"c":{"d":1e3,"e":"4.0"},"f":-0.5}'), [['b', 1], ['c', 'd'], ['f']]);
  assert.deepEqual(nonIntegerLiteralPaths('{"s":"a\\"1.0","n":[]}'), []);
});

test('bite: record rules report schema breaks, 1.0 for an integer, bad date-times and unknown streams', () => {
  const streams = [goodStream()];
  assert.deepEqual(recordSchemaViolations(streams, linesOf(recordLine(okData))), []);
  const cases: Array<[string, string, RegExp?]> = [
    ['{"id":"w1","count":"3","updated_at":"2024-05-01T10:00:00Z"}', 'basic_read.record-schema', /count/],
    ['{"id":"w1","count":1.0,"updated_at":"2024-05-01T10:00:00Z"}', 'basic_read.strict-integer', /\/count/],
    ['{"id":"w1","tags":[{"n":2.0}],"updated_at":"2024-05-01T10:00:00Z"}', 'basic_read.strict-integer', /\/tags\/0\/n/],
    ['{"id":"w1","updated_at":"2024-13-45T10:00:00Z"}', 'basic_read.record-schema', /updated_at/],
    ['{"id":"w1","updated_at":"yesterday"}', 'basic_read.record-schema', /updated_at/],
    ['{"id":"w1","updated_at":"2024-02-30T10:00:00Z"}', 'basic_read.record-schema', /updated_at/],
  ];
  for (const [data, rule, mention] of cases) assertReports(recordSchemaViolations(streams, linesOf(recordLine(data))), rule, mention);
  assertReports(recordSchemaViolations(streams, linesOf(recordLine(okData, 'gadgets'))), 'basic_read.record-stream', /gadgets/);
  // 1.0 is fine where the schema says number
  assert.deepEqual(recordSchemaViolations(streams, linesOf(recordLine('{"id":"w1","ratio":1.0,"updated_at":"2024-05-01T10:00:00Z"}'))), []);
});

test('bite: primary key values, empty streams, expected records and "no records at all"', () => {
  const streams = [goodStream()];
  const good = recordsOf(messagesOf(linesOf(recordLine(okData))));
  assert.deepEqual(primaryKeyValueViolations(streams, good), []);
  for (const id of ['null', '{"x":1}', '[1]']) {
    assertReports(primaryKeyValueViolations(streams, recordsOf(messagesOf(linesOf(recordLine(`{"id":${id}}`))))), 'basic_read.primary-key-value');
  }
  assertReports(primaryKeyValueViolations(streams, recordsOf(messagesOf(linesOf(recordLine('{"count":1}'))))), 'basic_read.primary-key-value', /missing/);
  assert.deepEqual(emptyStreamViolations(['widgets'], good, []), []);
  assertReports(emptyStreamViolations(['widgets', 'gadgets'], good, []), 'basic_read.empty-streams', /gadgets/);
  assert.deepEqual(emptyStreamViolations(['widgets', 'gadgets'], good, ['gadgets']), []);
  assert.deepEqual(emptyStreamDeclarationViolations(['gadgets'], [{ name: 'gadgets', bypass_reason: 'no data' }]), []);
  assertReports(emptyStreamDeclarationViolations(['gadgets'], [{ name: 'gadgets' }]), 'basic_read.empty-streams', /bypass_reason/);
  assertReports(emptyStreamDeclarationViolations(['gadgets'], [{ name: 'gizmos', bypass_reason: 'x' }]), 'basic_read.empty-streams', /gizmos/);
  const expected = { stream: 'widgets', data: JSON.parse(okData) as Record<string, unknown> };
  assert.deepEqual(expectedRecordsViolations([expected], good), []);
  assertReports(expectedRecordsViolations([{ ...expected, data: { ...expected.data, count: 4 } }], good), 'basic_read.expected-records', /data differs/);
  assertReports(expectedRecordsViolations([{ stream: 'widgets', data: { id: 'w9' } }], good), 'basic_read.expected-records', /not found/);
  assertReports(atLeastOneRecordViolations([]), 'basic_read.records');
});

test('bite: protocol lines and secrets', () => {
  const r = parseMessageLines('{"type":"RECORD","record":{"stream":"w","data":{}}}\nhello\n{"type":"NOPE"}');
  assert.deepEqual(r.violations.map((v) => v.where), ['stdout line 1', 'stdout line 2', 'stdout line 3']);
  assertReports(secretLeakViolations({ stderr: 'auth failed for tok_abcdef' }, ['tok_abcdef']), 'protocol.no-secret-in-output', /stderr/);
  assert.deepEqual(secretLeakViolations({ stdout: 'fine' }, ['tok_abcdef']), []);
});

// ---------- basic read: statuses and states ----------
const st = (name: string, s: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE'): AirbyteMessage =>
  ({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name }, status: s } } });
const rec = (stream: string, data: Record<string, unknown>, emittedAt = 1000): AirbyteMessage => ({ type: 'RECORD', record: { stream, data, emitted_at: emittedAt } });
const state = (name: string, cursor: string | undefined, recordCount?: number): AirbyteMessage =>
  ({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: cursor ? { updated_at: cursor } : {} }, ...(recordCount === undefined ? {} : { sourceStats: { recordCount } }) } });

function goodRead(): AirbyteMessage[] {
  return [
    st('widgets', 'STARTED'), st('widgets', 'RUNNING'),
    rec('widgets', { id: 'a', updated_at: '2024-01-01T00:00:00Z' }), rec('widgets', { id: 'b', updated_at: '2024-02-01T00:00:00Z' }),
    state('widgets', '2024-02-01T00:00:00Z', 2),
    rec('widgets', { id: 'c', updated_at: '2024-03-01T00:00:00Z' }),
    state('widgets', '2024-03-01T00:00:00Z', 1),
    st('widgets', 'COMPLETE'),
    st('empty', 'STARTED'), st('empty', 'RUNNING'), state('empty', undefined, 0), st('empty', 'COMPLETE'),
  ];
}

test('bite: stream status rules', () => {
  const configured = ['widgets', 'empty'];
  assert.deepEqual(streamStatusViolations(configured, goodRead()), []);
  const without = (pred: (m: AirbyteMessage) => boolean) => goodRead().filter((m) => !pred(m));
  const isStatus = (name: string, s: string) => (m: AirbyteMessage) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.stream_descriptor.name === name && m.trace.stream_status.status === s;
  assertReports(streamStatusViolations(configured, without(isStatus('widgets', 'COMPLETE'))), 'basic_read.stream-status', /missing terminal status/);
  assertReports(streamStatusViolations(configured, without(isStatus('empty', 'STARTED'))), 'basic_read.stream-status', /STARTED/);
  assertReports(streamStatusViolations(configured, without(isStatus('widgets', 'RUNNING'))), 'basic_read.stream-status', /RUNNING/);
  assertReports(streamStatusViolations([...configured, 'gadgets'], goodRead()), 'basic_read.stream-status', /gadgets/);
  const incomplete = goodRead().map((m) => (isStatus('widgets', 'COMPLETE')(m) ? st('widgets', 'INCOMPLETE') : m));
  assertReports(streamStatusViolations(configured, incomplete), 'basic_read.stream-status', /INCOMPLETE/);
  assertReports(streamStatusViolations(configured, [...goodRead(), st('widgets', 'COMPLETE')]), 'basic_read.stream-status', /terminal/);
});

test('bite: state rules (STREAM type, sourceStats, counts, one per stream)', () => {
  const configured = ['widgets', 'empty'];
  assert.deepEqual(stateMessageViolations(configured, goodRead()), []);
  const noStats = goodRead().map((m, i) => (i === 4 ? state('widgets', '2024-02-01T00:00:00Z') : m));
  assertReports(stateMessageViolations(configured, noStats), 'basic_read.state-source-stats', /without sourceStats/);
  const wrongCount = goodRead().map((m, i) => (i === 4 ? state('widgets', '2024-02-01T00:00:00Z', 3) : m));
  assertReports(stateMessageViolations(configured, wrongCount), 'basic_read.state-source-stats', /recordCount is 3/);
  const legacy = goodRead().map((m, i) => (i === 6 ? ({ type: 'STATE', state: { type: 'LEGACY', data: { widgets: {} } } } as unknown as AirbyteMessage) : m));
  assertReports(stateMessageViolations(configured, legacy), 'basic_read.state-type', /LEGACY/);
  const untyped = goodRead().map((m, i) => (i === 6 ? ({ type: 'STATE', state: { data: { widgets: {} } } } as unknown as AirbyteMessage) : m));
  assertReports(stateMessageViolations(configured, untyped), 'basic_read.state-type');
  const noEmptyState = goodRead().filter((_, i) => i !== 10);
  assertReports(stateMessageViolations(configured, noEmptyState), 'basic_read.state-per-stream', /empty/);
  assertReports(stateMessageViolations([...configured, 'gadgets'], noEmptyState), 'basic_read.state-count', /2 STATE messages for 3/);
});

test('bite: a read of an unknown stream must end in a config_error TRACE and a non-zero exit', () => {
  const trace = (failure: 'config_error' | 'system_error'): AirbyteMessage => ({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'unknown stream "nope"', failure_type: failure } } });
  assert.deepEqual(unknownStreamTraceViolations([trace('config_error')], 1), []);
  assertReports(unknownStreamTraceViolations([], 1), 'basic_read.unknown-stream-trace', /no TRACE ERROR/);
  assertReports(unknownStreamTraceViolations([trace('system_error')], 1), 'basic_read.unknown-stream-trace', /system_error/);
  assertReports(unknownStreamTraceViolations([trace('config_error')], 0), 'basic_read.unknown-stream-trace', /exited 0/);
});

// ---------- full refresh ----------
test('bite: full refresh rules (emitted_at order, same ids)', () => {
  const streams = [goodStream()];
  const first = recordsOf([rec('widgets', { id: 'a' }, 100), rec('widgets', { id: 'b' }, 105)]);
  const second = recordsOf([rec('widgets', { id: 'b' }, 200), rec('widgets', { id: 'a' }, 201)]);
  assert.deepEqual(emittedAtOrderViolations(first, second), []);
  assert.deepEqual(sameIdsViolations(streams, first, second), []);
  const early = recordsOf([rec('widgets', { id: 'b' }, 104), rec('widgets', { id: 'a' }, 201)]);
  assertReports(emittedAtOrderViolations(first, early), 'full_refresh.emitted-at', /1 record/);
  assertReports(sameIdsViolations(streams, first, recordsOf([rec('widgets', { id: 'a' }, 300)])), 'full_refresh.same-ids', /only in first: \["b"\]/);
  assertReports(sameIdsViolations(streams, first, recordsOf([rec('widgets', { id: 'a' }), rec('widgets', { id: 'b' }), rec('widgets', { id: 'b' })])), 'full_refresh.same-ids');
});

// ---------- incremental ----------
test('bite: incremental rules (first read, second read, middle checkpoints, far-future state)', () => {
  const streams = [goodStream(), { ...goodStream('empty') }];
  const configured = ['widgets', 'empty'];
  const first = goodRead();
  assert.deepEqual(firstReadViolations(configured, first), []);
  assertReports(firstReadViolations(configured, first.filter((m) => m.type !== 'RECORD')), 'incremental.first-read', /no records/);

  const finalState = stateInputAt(first, first.length - 1);
  assert.equal(finalState.length, 2);
  const firstRecords = recordsOf(first);
  // read 2 from 2024-03-01 with a 30-day window may re-read from 2024-01-31 on
  assert.deepEqual(secondReadViolations(streams, finalState, firstRecords, recordsOf([rec('widgets', { id: 'b', updated_at: '2024-02-01T00:00:00Z' })]), 30), []);
  assertReports(secondReadViolations(streams, finalState, firstRecords, recordsOf([rec('widgets', { id: 'a', updated_at: '2024-01-01T00:00:00Z' })]), 30), 'incremental.second-read', /before the state/);
  assertReports(secondReadViolations(streams, finalState, firstRecords, firstRecords, 30), 'incremental.second-read', /did not narrow/);
  const noCursorState = [{ ...finalState[0]!, stream: { ...finalState[0]!.stream, stream_state: { bookmark: 1 } } }];
  assertReports(secondReadViolations(streams, noCursorState, firstRecords, recordsOf([rec('widgets', { id: 'b', updated_at: '2024-02-01T00:00:00Z' })]), 30), 'incremental.state-cursor');

  const checkpoints = middleCheckpoints(first, 3);
  assert.deepEqual(checkpoints, [4]); // the first widgets STATE; the final ones are excluded
  assert.deepEqual(checkpointRereadViolations(first, 4, [rec('widgets', { id: 'c', updated_at: '2024-03-01T00:00:00Z' }), state('widgets', '2024-03-01T00:00:00Z', 1)]), []);
  assertReports(checkpointRereadViolations(first, 4, [state('widgets', '2024-02-01T00:00:00Z', 0)]), 'incremental.checkpoint-reread', /counted 1/);

  const future = [st('widgets', 'STARTED'), state('widgets', '2100-01-01T00:00:00Z', 0), st('widgets', 'COMPLETE'), state('empty', undefined, 0)];
  assert.deepEqual(futureStateViolations(configured, future), []);
  assertReports(futureStateViolations(configured, [...future, rec('widgets', { id: 'z' })]), 'incremental.future-state', /1 records/);
  assertReports(futureStateViolations(configured, [st('widgets', 'STARTED')]), 'incremental.future-state', /no STATE/);
});

test('bite: rule names are stable (the suite and CAT-style reports refer to them)', () => {
  assert.deepEqual(rules(connectionViolations([], 0, 'succeed', 'c')), ['connection.one-status']);
});
