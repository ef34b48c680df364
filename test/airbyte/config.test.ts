import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldName, parseCatalog, secretValues, validateConfig } from '../../src/airbyte/config.js';
import { ConnectorError } from '../../src/airbyte/errors.js';
import { jsonErrorOffset } from '../../src/airbyte/json-position.js';
import type { ConnectorSpecification } from '../../src/airbyte/protocol.js';

const spec: ConnectorSpecification = {
  connectionSpecification: {
    type: 'object',
    required: ['credentials'],
    properties: {
      api_key: { type: 'string', airbyte_secret: true },
      region: { type: 'string', default: 'us' },
      credentials: {
        type: 'object',
        oneOf: [
          { type: 'object', required: ['auth_type', 'access_token'], properties: { auth_type: { const: 'token' }, access_token: { type: 'string', airbyte_secret: true } } },
          { type: 'object', required: ['auth_type', 'client_secret'], properties: { auth_type: { const: 'oauth' }, client_id: { type: 'string' }, client_secret: { type: 'string', airbyte_secret: true } } },
        ],
      },
      proxies: { type: 'array', items: { type: 'object', properties: { password: { type: 'string', airbyte_secret: true }, host: { type: 'string' } } } },
    },
  },
};

test('secretValues finds airbyte_secret values at any depth, in oneOf variants and arrays, and nothing else', () => {
  const config = {
    api_key: 'key-1111', region: 'us-not-secret',
    credentials: { auth_type: 'oauth', client_id: 'client-public', client_secret: 'cs-2222' },
    proxies: [{ host: 'proxy.local', password: 'pw-3333' }, { host: 'p2', password: 'pw-4444' }],
  };
  assert.deepEqual(secretValues(spec, config).sort(), ['cs-2222', 'key-1111', 'pw-3333', 'pw-4444']);
  assert.deepEqual(secretValues(spec, { api_key: 12345678, credentials: 'oops' }), ['12345678']);
  assert.deepEqual(secretValues(spec, null), []);
});

test('validateConfig applies defaults and names every failing field, never echoing values', () => {
  const ok = validateConfig({ credentials: { auth_type: 'token', access_token: 'tok-secret-1' } }, spec);
  assert.equal(ok.region, 'us');
  assert.throws(
    () => validateConfig({ region: 5, proxies: [{ password: 99 }], credentials: { auth_type: 'token' } }, spec, 'the config file x'),
    (e: unknown) => e instanceof ConnectorError && e.failureType === 'config_error'
      && /^The config file x does not match/.test(e.message)
      && /'region' must be string/.test(e.message)
      && /'proxies\[0\]\.password' must be string/.test(e.message)
      && /'credentials\.access_token' is required/.test(e.message)
      && !e.message.includes('99'),
  );
  assert.throws(() => validateConfig(['a'], spec), /must hold a JSON object/);
});

test('fieldName turns JSON pointers into readable field names', () => {
  assert.equal(fieldName('', 'access_token'), 'access_token');
  assert.equal(fieldName('/credentials/client_secret'), 'credentials.client_secret');
  assert.equal(fieldName('/proxies/2/host'), 'proxies[2].host');
  assert.equal(fieldName('/a~1b/c~0d'), 'a/b.c~d');
});

test('parseCatalog reads configured streams and names shape problems', () => {
  const streams = parseCatalog({ streams: [
    { stream: { name: 'alpha' }, sync_mode: 'incremental', cursor_field: ['updated_at'], destination_sync_mode: 'append' },
    { stream: { name: 'beta' }, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' },
  ] });
  assert.deepEqual(streams, [{ name: 'alpha', syncMode: 'incremental', cursorField: ['updated_at'] }, { name: 'beta', syncMode: 'full_refresh' }]);
  const cases: [unknown, RegExp][] = [
    [{}, /'streams' list/],
    [{ streams: [{ sync_mode: 'full_refresh' }] }, /'streams\[0\]\.stream\.name' is required/],
    [{ streams: [{ stream: { name: 'a' }, sync_mode: 'cdc' }] }, /'streams\[0\]\.sync_mode' of stream 'a'/],
    [{ streams: [{ stream: { name: 'a' }, sync_mode: 'full_refresh' }, { stream: { name: 'a' }, sync_mode: 'full_refresh' }] }, /'a' is configured twice/],
  ];
  for (const [raw, expect] of cases) assert.throws(() => parseCatalog(raw), (e: unknown) => e instanceof ConnectorError && expect.test(e.message));
});

test('jsonErrorOffset agrees with JSON.parse on validity and points at the offending character', () => {
  const samples = ['{"a": 1}', '{"a": us}', '[1,2,]', '{"a":', '"\\q"', '{} x', ' [ {"b" : [true, false, null, -1.5e3]} ] ', '{"a":"\\u12g4"}', '01'];
  for (const text of samples) {
    let valid = true;
    try { JSON.parse(text); } catch { valid = false; }
    assert.equal(jsonErrorOffset(text) === -1, valid, text);
  }
  assert.equal(jsonErrorOffset('{"a": us}'), 6);
  assert.equal(jsonErrorOffset('[1,2,]'), 5);
});
