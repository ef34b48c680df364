import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTimestampConverter, timestampPaths, unixSecondsToRfc3339 } from '../../src/normalize/timestamps.js';
import { ITEMS } from '../../src/normalize/schema-paths.js';
import { arr, obj } from '../helpers/schema.js';

const TS = { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' };
const schema = {
  type: 'object', additionalProperties: true,
  properties: {
    id: { type: 'string' },
    updated_at: TS,
    count: { type: ['null', 'integer'] },
    stats: obj({ first_at: TS, n: { type: ['null', 'integer'] }, deeper: obj({ last_at: TS }) }),
    parts: obj({ list: arr({ type: 'object', additionalProperties: true, properties: { created_at: TS, files: arr({ type: 'object', additionalProperties: true, properties: { uploaded_at: TS } }) } }) }),
    stamps: arr(TS),
    'odd/name~x': TS,
  },
};

test('unix seconds become RFC 3339 UTC without milliseconds; 0 is null; out-of-range values stay', () => {
  assert.equal(unixSecondsToRfc3339(1704164645), '2024-01-02T03:04:05Z');
  assert.equal(unixSecondsToRfc3339(1704164645.9), '2024-01-02T03:04:05Z');
  assert.equal(unixSecondsToRfc3339(1), '1970-01-01T00:00:01Z');
  assert.equal(unixSecondsToRfc3339(-1), '1969-12-31T23:59:59Z');
  assert.equal(unixSecondsToRfc3339(0), null);
  assert.equal(unixSecondsToRfc3339(253402300799), '9999-12-31T23:59:59Z');
  assert.equal(unixSecondsToRfc3339(1704164645000000), 1704164645000000);
  assert.ok(Number.isNaN(unixSecondsToRfc3339(NaN)));
});

test('every second of years 0000..9999 (20,000 drawn, fractions too) reads as Date#toISOString does, without milliseconds', () => {
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const edges = [-62167219200, -62167219199, 253402300799, -86401, -86400, -1, 1, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799];
  const values = [...edges, ...Array.from({ length: 20_000 }, (_, i) => (i % 2 ? Math.floor : (x: number) => x)(-62167219200 + next() * (253402300799 + 62167219200)))];
  for (const value of values) {
    const expected = new Date(Math.floor(value) * 1000).toISOString().replace(/\.000Z$/, 'Z');
    assert.equal(unixSecondsToRfc3339(value), expected, String(value));
  }
});

test('the schema is walked into data paths, through objects, arrays and escaped names', () => {
  assert.deepEqual(timestampPaths(schema), [
    ['updated_at'], ['stats', 'first_at'], ['stats', 'deeper', 'last_at'], ['parts', 'list', ITEMS, 'created_at'],
    ['parts', 'list', ITEMS, 'files', ITEMS, 'uploaded_at'], ['stamps', ITEMS], ['odd/name~x'],
  ]);
});

test('every date-time location is converted in place, at every depth, in arrays of objects and of timestamps', () => {
  const convert = compileTimestampConverter(schema);
  const record: Record<string, unknown> = {
    id: '1', updated_at: 1704164645, count: 1704164645,
    stats: { first_at: 1704164646, n: 7, deeper: { last_at: 0 } },
    parts: { list: [{ created_at: 1704164647, files: [{ uploaded_at: 1704164648 }, { uploaded_at: null }] }, null, { created_at: '2020-01-01T00:00:00Z' }] },
    stamps: [1704164649, null],
    'odd/name~x': 1704164650,
    unknown_at: 1704164651,
  };
  const stats = record['stats'];
  convert(record);
  assert.deepEqual(record, {
    id: '1', updated_at: '2024-01-02T03:04:05Z', count: 1704164645,
    stats: { first_at: '2024-01-02T03:04:06Z', n: 7, deeper: { last_at: null } },
    parts: { list: [{ created_at: '2024-01-02T03:04:07Z', files: [{ uploaded_at: '2024-01-02T03:04:08Z' }, { uploaded_at: null }] }, null, { created_at: '2020-01-01T00:00:00Z' }] },
    stamps: ['2024-01-02T03:04:09Z', null],
    'odd/name~x': '2024-01-02T03:04:10Z',
    unknown_at: 1704164651,
  });
  assert.equal(record['stats'], stats, 'nested objects are changed in place, not replaced');
});

test('missing, null and wrongly-shaped containers are left alone', () => {
  const convert = compileTimestampConverter(schema);
  const record: Record<string, unknown> = { id: '2', stats: null, parts: { list: 'not an array' }, stamps: { 0: 5 } };
  convert(record);
  assert.deepEqual(record, { id: '2', stats: null, parts: { list: 'not an array' }, stamps: { 0: 5 } });
  convert({});
});

test('converting twice changes nothing the second time', () => {
  const convert = compileTimestampConverter(schema);
  const record: Record<string, unknown> = { updated_at: 1704164645, parts: { list: [{ created_at: 1704164647 }] } };
  convert(record);
  const once = structuredClone(record);
  convert(record);
  assert.deepEqual(record, once);
});
