import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCustomAttributeCheck, customAttributesOf, readCustomAttributes, withCustomAttributes, type CustomAttribute } from '../../src/intercom/custom-attributes.js';
import type { IntercomClient } from '../../src/intercom/http/client.js';
import { IntercomHttpError } from '../../src/intercom/http/errors.js';
import { loadSchema } from '../../src/intercom/schemas/index.js';
import { compileTimestampConverter } from '../../src/normalize/timestamps.js';

const ATTRIBUTES: CustomAttribute[] = [
  { name: 'plan', type: 'string' }, { name: 'seats', type: 'integer' }, { name: 'mrr', type: 'float' },
  { name: 'vip', type: 'boolean' }, { name: 'renews_at', type: 'date' },
];

test('custom attributes of a data_attributes list: custom ones of a known type, each name once', () => {
  const list = [
    { name: 'email', full_name: 'email', data_type: 'string', custom: false },
    { name: 'plan', full_name: 'custom_attributes.plan', data_type: 'string', custom: true, label: 'Plan' },
    { name: 'seats', full_name: 'custom_attributes.seats', data_type: 'integer', custom: true },
    { name: 'plan', full_name: 'custom_attributes.plan', data_type: 'integer', custom: true },
    { name: 'shape', full_name: 'custom_attributes.shape', data_type: 'polygon', custom: true },
    { name: 'legacy', full_name: 'custom_attributes.legacy', data_type: 'date' },
  ];
  assert.deepEqual(customAttributesOf(list), [
    { name: 'plan', type: 'string', label: 'Plan' }, { name: 'seats', type: 'integer' }, { name: 'legacy', type: 'date' },
  ]);
});

test('the typed schema: one property per attribute, open, and custom_attributes_unparsed; schemas without custom_attributes unchanged', () => {
  const schema = withCustomAttributes(loadSchema('contacts'), ATTRIBUTES) as any;
  const custom = schema.properties.custom_attributes;
  assert.equal(custom.additionalProperties, true);
  assert.deepEqual(Object.fromEntries(Object.entries(custom.properties).map(([k, v]: [string, any]) => [k, v.type])), {
    plan: ['null', 'string'], seats: ['null', 'integer'], mrr: ['null', 'number'], vip: ['null', 'boolean'], renews_at: ['null', 'string'],
  });
  assert.equal(custom.properties.renews_at.format, 'date-time');
  assert.deepEqual(schema.properties.custom_attributes_unparsed.type, ['null', 'object']);
  assert.deepEqual(withCustomAttributes(loadSchema('tags'), ATTRIBUTES), loadSchema('tags'));
  const open = (withCustomAttributes(loadSchema('contacts'), undefined) as any).properties.custom_attributes;
  assert.deepEqual(open, { ...(loadSchema('contacts') as any).properties.custom_attributes, properties: {} });
});

test('a record whose values all fit is left alone: no meta, no unparsed object', () => {
  const check = compileCustomAttributeCheck(ATTRIBUTES)!;
  const record = { id: '1', custom_attributes: { plan: 'Pro', seats: 3, mrr: 12, vip: false, renews_at: 1_700_000_000, later: [1, 2] } };
  const before = structuredClone(record);
  assert.equal(check(record), undefined);
  assert.deepEqual(record, before);
  assert.equal(check({ id: '2', custom_attributes: null }), undefined);
  assert.equal(check({ id: '3' }), undefined);
  assert.equal(check({ id: '4', custom_attributes: { renews_at: '2026-01-02T03:04:05Z', seats: null } }), undefined);
  assert.equal(compileCustomAttributeCheck([]), undefined);
});

test('misfits are NULLED, reported in meta.changes in attribute order, and kept unchanged under custom_attributes_unparsed', () => {
  const check = compileCustomAttributeCheck(ATTRIBUTES)!;
  const record: Record<string, any> = { id: '1', custom_attributes: { plan: 7, seats: 2.5, mrr: '12 EUR', vip: 'yes', renews_at: 'soon', other: 'kept' } };
  const meta = check(record);
  const fields = ['plan', 'seats', 'mrr', 'vip', 'renews_at'];
  assert.deepEqual(meta, { changes: fields.map((f) => ({ field: `custom_attributes.${f}`, change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' })) });
  assert.deepEqual(record.custom_attributes, { plan: null, seats: null, mrr: null, vip: null, renews_at: null, other: 'kept' });
  assert.deepEqual(record.custom_attributes_unparsed, { plan: 7, seats: 2.5, mrr: '12 EUR', vip: 'yes', renews_at: 'soon' });
  // A date beyond year 9999 (milliseconds sent by mistake) cannot become RFC 3339: nulled too.
  const ms = { custom_attributes: { renews_at: 1_700_000_000_000_000 } };
  assert.equal(check(ms)?.changes.length, 1);
});

test('attributes named as what every object inherits (constructor, toString, __proto__): only the record\'s own values are checked', () => {
  const check = compileCustomAttributeCheck([
    { name: 'constructor', type: 'string' }, { name: 'toString', type: 'date' }, { name: '__proto__', type: 'integer' }, { name: 'valueOf', type: 'boolean' }, { name: 'plan', type: 'string' },
  ])!;
  // None of them held: nothing to report, nothing added (the inherited function or prototype is no value).
  const without = { id: '1', custom_attributes: JSON.parse('{"plan":"pro"}') as Record<string, unknown> };
  assert.equal(check(without), undefined);
  assert.equal(JSON.stringify(without), '{"id":"1","custom_attributes":{"plan":"pro"}}');
  // Held, as JSON.parse makes them (own members, __proto__ too): checked as any other; misfits kept as own members.
  const held = { id: '2', custom_attributes: JSON.parse('{"constructor":"ok","toString":1700000000,"__proto__":"x","valueOf":"yes","plan":"pro"}') as Record<string, unknown> };
  assert.deepEqual(check(held)?.changes.map((c) => c.field), ['custom_attributes.__proto__', 'custom_attributes.valueOf']);
  assert.equal(JSON.stringify(held), '{"id":"2","custom_attributes":{"constructor":"ok","toString":1700000000,"__proto__":null,"valueOf":null,"plan":"pro"},"custom_attributes_unparsed":{"__proto__":"x","valueOf":"yes"}}');
  assert.equal(Object.getPrototypeOf(held.custom_attributes), Object.prototype);
});

test('date attributes in unix seconds are converted by the schema\'s timestamp converter after the check', () => {
  const schema = withCustomAttributes(loadSchema('companies'), ATTRIBUTES);
  const convert = compileTimestampConverter(schema);
  const record: Record<string, any> = { id: 'c', custom_attributes: { renews_at: 1_700_000_000 } };
  compileCustomAttributeCheck(ATTRIBUTES)!(record);
  convert(record);
  assert.equal(record.custom_attributes.renews_at, '2023-11-14T22:13:20Z');
});

/** A client whose GET /data_attributes answers per model when the test says so; the models asked, in order. */
function dataAttributesClient() {
  const asked: string[] = [];
  const answers = new Map<string, { resolve: (body: unknown) => void; reject: (error: unknown) => void }>();
  const client = {
    get: (path: string, query: { model: string }) => {
      assert.equal(path, '/data_attributes');
      asked.push(query.model);
      return new Promise((resolve, reject) => answers.set(query.model, { resolve, reject }));
    },
  } as unknown as IntercomClient;
  return { client, asked, answer: (model: string) => answers.get(model)! };
}
const httpError = (status: number) => new IntercomHttpError('config_error', `GET /data_attributes answered ${status}`, status, undefined, 'GET /data_attributes');
const settled = () => new Promise((resolve) => setImmediate(resolve));

test('readCustomAttributes asks for both models at once, and takes the answers in their order', async () => {
  const { client, asked, answer } = dataAttributesClient();
  const logs: string[] = [];
  const reading = readCustomAttributes(client, (level, message) => logs.push(`${level} ${message}`));
  await settled();
  assert.deepEqual(asked, ['contact', 'company'], 'both asked before either answered');
  answer('company').resolve({ data: [{ name: 'tier', data_type: 'string', custom: true }] });
  answer('contact').resolve({ data: [{ name: 'vip', data_type: 'boolean', custom: true }] });
  assert.deepEqual(await reading, { contact: [{ name: 'vip', type: 'boolean' }], company: [{ name: 'tier', type: 'string' }] });
  assert.deepEqual(logs, []);
});

test('readCustomAttributes: 403 leaves a model open with a WARN, 401 says it once, anything else fails as it did one model after the other', async () => {
  {
    const { client, answer } = dataAttributesClient();
    const logs: string[] = [];
    const reading = readCustomAttributes(client, (level, message) => logs.push(`${level} ${message}`));
    await settled();
    answer('contact').reject(httpError(403));
    answer('company').resolve({ data: [{ name: 'tier', data_type: 'string', custom: true }] });
    assert.deepEqual(await reading, { company: [{ name: 'tier', type: 'string' }] });
    assert.equal(logs.length, 1);
    assert.match(logs[0]!, /^WARN custom_attributes of users, leads.*403.*Grant the app the permission/);
  }
  {
    const { client, answer } = dataAttributesClient();
    const logs: string[] = [];
    const reading = readCustomAttributes(client, (level, message) => logs.push(`${level} ${message}`));
    await settled();
    answer('contact').reject(httpError(401));
    answer('company').reject(httpError(401));
    assert.deepEqual(await reading, {});
    assert.equal(logs.length, 1, 'the refused token is said once');
  }
  {
    const { client, answer } = dataAttributesClient();
    const logs: string[] = [];
    const reading = readCustomAttributes(client, (level, message) => logs.push(`${level} ${message}`));
    await settled();
    const failure = httpError(500);
    answer('contact').reject(httpError(403));
    answer('company').reject(failure);
    await assert.rejects(reading, (error) => error === failure);
    assert.equal(logs.length, 1, 'the contact model\'s WARN first, as before');
  }
});
