import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { loadSchema } from '../../src/intercom/schemas/index.js';
import { compileSplitter, deriveChildStreams, type ChildSpec, type ParentStream } from '../../src/normalize/children.js';
import { compileTimestampConverter } from '../../src/normalize/timestamps.js';
import { schemaRuleViolations } from '../helpers/schema-rules.js';

const addFormats = addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

const TS = { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' };
const conversations: ParentStream = { name: 'conversations', jsonSchema: loadSchema('conversations'), primaryKey: 'id', cursorField: 'updated_at' };
const conversationSpecs: ChildSpec[] = [
  { name: 'parts', path: ['conversation_parts', 'conversation_parts'] },
  { name: 'tags', path: ['tags', 'tags'] },
];
const users: ParentStream = { name: 'users', jsonSchema: loadSchema('contacts'), primaryKey: 'id', cursorField: 'updated_at' };
const contactSpecs: ChildSpec[] = [
  { name: 'companies', path: ['companies', 'data'] },
  { name: 'social_profiles', path: ['social_profiles', 'data'] },
  { name: 'tags', path: ['tags', 'data'] },
  { name: 'segments', path: ['segments', 'data'] },
];
const companies: ParentStream = { name: 'companies', jsonSchema: loadSchema('companies'), primaryKey: 'id', cursorField: 'updated_at' };
const admins: ParentStream = { name: 'admins', jsonSchema: loadSchema('admins'), primaryKey: 'id' };

const props = (schema: Record<string, unknown>) => schema['properties'] as Record<string, Record<string, unknown>>;

test('conversation children and grandchildren: names, levels, array paths, keys and cursor', () => {
  const children = deriveChildStreams(conversations, conversationSpecs);
  assert.deepEqual(children.map((c) => [c.name, c.level, c.arrayPath, c.rowKind]), [
    ['conversations__parts', 0, [['conversation_parts', 'conversation_parts']], 'object'],
    ['conversations__parts__attachments', 1, [['conversation_parts', 'conversation_parts'], ['attachments']], 'object'],
    ['conversations__parts__emm__email_address_headers', 1, [['conversation_parts', 'conversation_parts'], ['email_message_metadata', 'email_address_headers']], 'object'],
    ['conversations__parts__metadata__quick_reply_options', 1, [['conversation_parts', 'conversation_parts'], ['metadata', 'quick_reply_options']], 'object'],
    ['conversations__parts__tags', 1, [['conversation_parts', 'conversation_parts'], ['tags']], 'object'],
    ['conversations__tags', 0, [['tags', 'tags']], 'object'],
  ]);
  const [parts, attachments] = children;
  assert.equal(parts!.parent, 'conversations');
  assert.deepEqual(parts!.primaryKey, [['_sdc_source_key_id'], ['_sdc_level_0_id']]);
  assert.deepEqual(attachments!.primaryKey, [['_sdc_source_key_id'], ['_sdc_level_0_id'], ['_sdc_level_1_id']]);
  assert.deepEqual(parts!.cursorField, ['_sdc_source_updated_at']);
  const p = props(parts!.jsonSchema);
  assert.deepEqual(Object.keys(p).slice(0, 3), ['_sdc_source_key_id', '_sdc_level_0_id', '_sdc_source_updated_at']);
  assert.deepEqual(p['_sdc_source_key_id'], { description: 'The id of the conversations record this row comes from.', type: 'string' });
  assert.deepEqual(p['_sdc_level_0_id'], { description: 'Position (from 0) of the element in the level-0 array.', type: 'integer' });
  assert.deepEqual(p['_sdc_source_updated_at'], { description: 'The updated_at of the conversations record this row comes from.', ...TS });
  assert.deepEqual(p['created_at'], TS, 'the element\'s own fields are kept with their schemas');
  assert.deepEqual(p['attachments']!['type'], ['null', 'array'], 'arrays stay in the child row too');
  const a = props(attachments!.jsonSchema);
  assert.deepEqual(Object.keys(a).sort(), ['_sdc_level_0_id', '_sdc_level_1_id', '_sdc_source_key_id', '_sdc_source_updated_at', 'content_type', 'filesize', 'height', 'name', 'type', 'url', 'width']);
});

test('every derived child schema is draft-07 and passes the section-7 rules with its keys and cursor', () => {
  const all = [
    ...deriveChildStreams(conversations, conversationSpecs), ...deriveChildStreams(users, contactSpecs),
    ...deriveChildStreams(companies, [{ name: 'tags', path: ['tags', 'tags'] }, { name: 'segments', path: ['segments', 'segments'] }]),
    ...deriveChildStreams(admins, [{ name: 'team_ids', path: ['team_ids'] }]),
  ];
  assert.equal(new Set(all.map((c) => c.name)).size, all.length, 'names are unique');
  for (const child of all) {
    assert.ok(ajv.validateSchema(child.jsonSchema), `${child.name}: ${ajv.errorsText(ajv.errors)}`);
    ajv.compile(child.jsonSchema);
    assert.deepEqual(schemaRuleViolations(child.jsonSchema, { primaryKey: child.primaryKey, cursorField: child.cursorField }), [], child.name);
  }
});

test('children do not share schema objects with the parent schema', () => {
  const [parts] = deriveChildStreams(conversations, conversationSpecs);
  props(parts!.jsonSchema)['body']!['type'] = 'integer';
  const partSchema = props(props(props(conversations.jsonSchema)['conversation_parts']!)['conversation_parts']!['items'] as Record<string, unknown>);
  assert.deepEqual(partSchema['body']!['type'], ['null', 'string']);
});

test('an array of scalars gives a `value` column; a parent without cursor gives children without one', () => {
  const [teamIds] = deriveChildStreams(admins, [{ name: 'team_ids', path: ['team_ids'] }]);
  assert.equal(teamIds!.name, 'admins__team_ids');
  assert.equal(teamIds!.rowKind, 'value');
  assert.equal(teamIds!.cursorField, undefined);
  const columns = props(teamIds!.jsonSchema);
  assert.deepEqual(Object.keys(columns), ['_sdc_source_key_id', '_sdc_level_0_id', 'value']);
  assert.deepEqual([columns['_sdc_source_key_id']!['type'], columns['_sdc_level_0_id']!['type'], columns['value']], ['string', 'integer', { type: ['null', 'integer'] }]);
  const split = compileSplitter(admins, [teamIds!]);
  assert.deepEqual([...split({ id: '9', team_ids: [5, 6] }, new Set(['admins__team_ids']))], [
    { stream: 'admins__team_ids', data: { value: 5, _sdc_source_key_id: '9', _sdc_level_0_id: 0 } },
    { stream: 'admins__team_ids', data: { value: 6, _sdc_source_key_id: '9', _sdc_level_0_id: 1 } },
  ]);
});

test('a spec whose path is not an array, or a parent key missing from the schema, is refused by name', () => {
  assert.throws(() => deriveChildStreams(conversations, [{ name: 'x', path: ['tags'] }]), /conversations.*child 'x' path tags is not an array/);
  assert.throws(() => deriveChildStreams({ ...conversations, primaryKey: 'nope' }, conversationSpecs), /primary key 'nope'/);
  assert.throws(() => deriveChildStreams({ ...conversations, cursorField: 'nope' }, conversationSpecs), /cursor 'nope'/);
});

const T = 1704164645; // 2024-01-02T03:04:05Z
const attachment = (name: string) => ({ type: 'upload', name, url: `https://files.test/${name}`, content_type: 'image/png', filesize: 10, width: 1, height: 2 });
function conversationRecord(): Record<string, unknown> {
  return {
    type: 'conversation', id: '123', created_at: T - 100, updated_at: T, priority: 'not_priority',
    tags: { type: 'tag.list', tags: [{ type: 'tag', id: '7', name: 'vip', applied_at: T - 5, applied_by: { type: 'admin', id: '9' } }, { type: 'tag', id: '8', name: 'new', applied_at: null, applied_by: null }] },
    conversation_parts: {
      type: 'conversation_part.list', total_count: 4,
      conversation_parts: [
        { type: 'conversation_part', id: 'p0', part_type: 'comment', body: 'hi', created_at: T - 50, author: { type: 'user', id: 'u1' }, attachments: [attachment('a.png'), attachment('b.png')] },
        { type: 'conversation_part', id: 'p1', part_type: 'note', body: null, created_at: T - 40, author: { type: 'admin', id: '9' }, attachments: [] },
        { type: 'conversation_part', id: 'p2', part_type: 'assignment', body: null, created_at: T - 30, attachments: null, tags: [{ type: 'tag', id: '7', name: 'vip' }] },
        { type: 'conversation_part', id: 'p3', part_type: 'close', body: null, created_at: T - 20, metadata: { quick_reply_options: [{ text: 'Yes', uuid: 'q1' }] } },
      ],
    },
  };
}
const UPDATED = '2024-01-02T03:04:05Z';

test('a conversation splits into exactly its parts, attachments, part tags, quick replies and tags', () => {
  const children = deriveChildStreams(conversations, conversationSpecs);
  const split = compileSplitter(conversations, children);
  const record = conversationRecord();
  compileTimestampConverter(conversations.jsonSchema)(record);
  const before = structuredClone(record);
  const rows = [...split(record, new Set(children.map((c) => c.name)))];
  assert.deepEqual(record, before, 'the parent record is not changed');
  const parts = (record['conversation_parts'] as { conversation_parts: Record<string, unknown>[] }).conversation_parts;
  const keys = (l0: number, l1?: number) => ({ _sdc_source_key_id: '123', _sdc_level_0_id: l0, ...(l1 === undefined ? {} : { _sdc_level_1_id: l1 }), _sdc_source_updated_at: UPDATED });
  assert.deepEqual(rows, [
    { stream: 'conversations__parts', data: { ...parts[0], ...keys(0) } },
    { stream: 'conversations__parts', data: { ...parts[1], ...keys(1) } },
    { stream: 'conversations__parts', data: { ...parts[2], ...keys(2) } },
    { stream: 'conversations__parts', data: { ...parts[3], ...keys(3) } },
    { stream: 'conversations__parts__attachments', data: { ...attachment('a.png'), ...keys(0, 0) } },
    { stream: 'conversations__parts__attachments', data: { ...attachment('b.png'), ...keys(0, 1) } },
    { stream: 'conversations__parts__metadata__quick_reply_options', data: { text: 'Yes', uuid: 'q1', ...keys(3, 0) } },
    { stream: 'conversations__parts__tags', data: { type: 'tag', id: '7', name: 'vip', ...keys(2, 0) } },
    { stream: 'conversations__tags', data: { type: 'tag', id: '7', name: 'vip', applied_at: '2024-01-02T03:04:00Z', applied_by: { type: 'admin', id: '9' }, ...keys(0) } },
    { stream: 'conversations__tags', data: { type: 'tag', id: '8', name: 'new', applied_at: null, applied_by: null, ...keys(1) } },
  ]);
  const firstRow: Record<string, unknown> = rows[0]!.data;
  assert.equal(firstRow['created_at'], '2024-01-02T03:03:15Z', 'child rows carry converted timestamps');
  assert.equal(firstRow['author'], parts[0]!['author'], 'objects inside a row stay objects (not copied)');
  assert.notEqual(rows[0]!.data, parts[0], 'the row is not the parent\'s element itself');
  for (const { stream, data } of rows) {
    const schema = children.find((c) => c.name === stream)!.jsonSchema;
    const validate = ajv.compile(schema);
    assert.ok(validate(data), `${stream}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('only wanted streams get rows; a grandchild alone works without its child', () => {
  const children = deriveChildStreams(conversations, conversationSpecs);
  const split = compileSplitter(conversations, children);
  const record = conversationRecord();
  assert.deepEqual([...split(record, new Set(['conversations__parts__attachments']))].map((r) => [r.stream, r.data['name'], r.data['_sdc_level_0_id'], r.data['_sdc_level_1_id']]), [
    ['conversations__parts__attachments', 'a.png', 0, 0], ['conversations__parts__attachments', 'b.png', 0, 1],
  ]);
  assert.deepEqual([...split(record, new Set(['conversations__tags', 'unrelated']))].map((r) => r.data['id']), ['7', '8']);
  assert.deepEqual([...split(record, new Set())], []);
});

test('empty, missing and null arrays (and null containers or elements) give no rows', () => {
  const children = deriveChildStreams(conversations, conversationSpecs);
  const split = compileSplitter(conversations, children);
  const all = new Set(children.map((c) => c.name));
  assert.deepEqual([...split({ id: '1', updated_at: UPDATED }, all)], []);
  assert.deepEqual([...split({ id: '1', tags: null, conversation_parts: null }, all)], []);
  assert.deepEqual([...split({ id: '1', tags: { type: 'tag.list', tags: [] }, conversation_parts: { conversation_parts: null } }, all)], []);
  const withNullElement = [...split({ id: '1', tags: { tags: [null, { id: '8' }] } }, all)];
  assert.deepEqual(withNullElement, [{ stream: 'conversations__tags', data: { id: '8', _sdc_source_key_id: '1', _sdc_level_0_id: 1, _sdc_source_updated_at: undefined } }]);
});

test('a contact splits into its companies, social profiles, tags and segments', () => {
  const children = deriveChildStreams(users, contactSpecs);
  assert.deepEqual(children.map((c) => c.name), ['users__companies', 'users__social_profiles', 'users__tags', 'users__segments']);
  const split = compileSplitter(users, children);
  const record: Record<string, unknown> = {
    type: 'contact', id: '65f0a1', role: 'user', updated_at: T,
    companies: { type: 'list', data: [{ type: 'company', id: 'c1', url: '/companies/c1' }], total_count: 1, has_more: false },
    social_profiles: { type: 'list', data: [{ type: 'social_profile', name: 'Twitter', url: 'https://twitter.test/ann' }] },
    tags: { type: 'list', data: [{ type: 'tag', id: '7', url: '/tags/7' }, { type: 'tag', id: '8', url: '/tags/8' }], has_more: false },
    segments: { type: 'list', data: [{ type: 'segment', id: 's1', name: 'Active', created_at: T - 10, updated_at: T, person_type: 'user' }, { type: 'segment', id: 's2', name: 'New', created_at: T, updated_at: T, person_type: 'user' }] },
  };
  compileTimestampConverter(users.jsonSchema)(record);
  const rows = [...split(record, new Set(children.map((c) => c.name)))];
  const keys = (l0: number) => ({ _sdc_source_key_id: '65f0a1', _sdc_level_0_id: l0, _sdc_source_updated_at: UPDATED });
  assert.deepEqual(rows, [
    { stream: 'users__companies', data: { type: 'company', id: 'c1', url: '/companies/c1', ...keys(0) } },
    { stream: 'users__social_profiles', data: { type: 'social_profile', name: 'Twitter', url: 'https://twitter.test/ann', ...keys(0) } },
    { stream: 'users__tags', data: { type: 'tag', id: '7', url: '/tags/7', ...keys(0) } },
    { stream: 'users__tags', data: { type: 'tag', id: '8', url: '/tags/8', ...keys(1) } },
    { stream: 'users__segments', data: { type: 'segment', id: 's1', name: 'Active', created_at: '2024-01-02T03:03:55Z', updated_at: UPDATED, person_type: 'user', ...keys(0) } },
    { stream: 'users__segments', data: { type: 'segment', id: 's2', name: 'New', created_at: UPDATED, updated_at: UPDATED, person_type: 'user', ...keys(1) } },
  ]);
  for (const { stream, data } of rows) {
    const validate = ajv.compile(children.find((c) => c.name === stream)!.jsonSchema);
    assert.ok(validate(data), `${stream}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('an element field named like a key does not override the key', () => {
  const [tags] = deriveChildStreams(companies, [{ name: 'tags', path: ['tags', 'tags'] }]);
  const split = compileSplitter(companies, [tags!]);
  const [row] = [...split({ id: 'c1', updated_at: UPDATED, tags: { tags: [{ id: '7', _sdc_level_0_id: 99 }] } }, new Set(['companies__tags']))];
  assert.deepEqual(row, { stream: 'companies__tags', data: { id: '7', _sdc_level_0_id: 0, _sdc_source_key_id: 'c1', _sdc_source_updated_at: UPDATED } });
});
