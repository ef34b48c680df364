// A full refresh of every stream against the sandbox: the emitted ids equal the ground truth, child rows
// equal the nested lists (full lists, beyond the 10 inline items; conversations capped at 500 parts with a
// WARN), rows join to their parents, and every record validates against its stream's schema.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { configuredCatalog, records, runConnector, traces, type Message } from '../helpers/connector.js';

let sandbox: Sandbox;
let catalog: { streams: any[] };
let messages: Message[];
let exitCode: number | null;

before(async () => {
  sandbox = await startSandbox({ seed: 42 });
  const config = { access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' };
  const discovered = await runConnector('discover', { config });
  catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
  const read = await runConnector('read', { config, catalog: configuredCatalog(catalog, 'all', 'full_refresh') });
  messages = read.messages;
  exitCode = read.code;
});
after(async () => { await sandbox.close(); });

const sorted = (ids: Iterable<string>) => [...ids].sort();

test('the read completes: exit 0, every stream COMPLETE, no error trace', () => {
  assert.deepEqual(traces(messages, 'ERROR'), []);
  assert.equal(exitCode, 0);
  const final = new Map<string, string>();
  for (const t of traces(messages, 'STREAM_STATUS')) final.set(t.stream_status.stream_descriptor.name, t.stream_status.status);
  for (const s of catalog.streams) assert.equal(final.get(s.name), 'COMPLETE', `stream ${s.name}`);
});

const GROUND_TRUTH = {
  users: 'users', leads: 'leads', companies: 'companies', conversations: 'conversations', admins: 'admins', segments: 'segments',
  company_segments: 'company_segments', tags: 'tags', teams: 'teams', tickets: 'tickets', activity_logs: 'activity_logs',
  contacts: 'contacts',
} as const;
for (const [stream, truth] of Object.entries(GROUND_TRUTH)) {
  test(`${stream}: emitted ids equal the sandbox's ground truth, each once`, () => {
    const emitted = records(messages, stream).map((r) => String(r.id));
    assert.equal(new Set(emitted).size, emitted.length, 'no duplicates');
    assert.deepEqual(sorted(emitted), sorted(sandbox.workspace.ids(truth).map((r) => r.id)));
  });
}

/** key `${parentId}:${position}` -> the element's id (or value) */
function childRows(stream: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const r of records(messages, stream)) {
    const key = `${r._sdc_source_key_id}:${r._sdc_level_0_id}`;
    assert.ok(!rows.has(key), `${stream}: duplicate key ${key}`);
    rows.set(key, String(r.id ?? r.value));
  }
  return rows;
}

function expectedRows(parents: { id: string }[], list: (id: string) => { id?: unknown }[] | undefined): Map<string, string> {
  const rows = new Map<string, string>();
  for (const { id } of parents) (list(id) ?? []).forEach((item, i) => rows.set(`${id}:${i}`, String(item.id)));
  return rows;
}

test('users__tags, users__companies, users__segments equal the full lists (contacts with more than 10 included)', () => {
  const users = sandbox.workspace.ids('users');
  const w = sandbox.workspace;
  const long = users.filter((u) => (w.contactTags(u.id)?.length ?? 0) > 10 || (w.contactCompanies(u.id)?.length ?? 0) > 10);
  assert.ok(long.length > 0, 'the workspace has users with more than 10 tags or companies');
  assert.deepEqual(childRows('users__tags'), expectedRows(users, (id) => w.contactTags(id)));
  assert.deepEqual(childRows('users__companies'), expectedRows(users, (id) => w.contactCompanies(id)));
  assert.deepEqual(childRows('users__segments'), expectedRows(users, (id) => w.contactSegments(id)));
  assert.deepEqual(childRows('leads__tags'), expectedRows(sandbox.workspace.ids('leads'), (id) => w.contactTags(id)));
});

test('users__social_profiles rows carry the profiles of each user', () => {
  const w = sandbox.workspace;
  const expected = new Map<string, string>();
  for (const { id } of w.ids('users')) {
    const profiles = ((w.get('users', id) as any).social_profiles?.data ?? []) as { url?: string; name?: string }[];
    profiles.forEach((p, i) => expected.set(`${id}:${i}`, `${p.name}|${p.url}`));
  }
  const emitted = new Map<string, string>();
  for (const r of records(messages, 'users__social_profiles')) emitted.set(`${r._sdc_source_key_id}:${r._sdc_level_0_id}`, `${r.name}|${r.url}`);
  assert.ok(expected.size > 0);
  assert.deepEqual(emitted, expected);
});

test('conversations__parts: every part, the 500 most recent above 500, and one WARN naming both counts', () => {
  const w = sandbox.workspace;
  const conversations = w.ids('conversations');
  const heavy = conversations.filter((c) => (w.conversationParts(c.id)?.length ?? 0) > 500);
  assert.ok(heavy.length > 0, 'the workspace has conversations with more than 500 parts');
  const expected = expectedRows(conversations, (id) => {
    const parts = w.conversationParts(id) ?? [];
    return parts.length > 500 ? parts.slice(parts.length - 500) : parts;
  });
  assert.deepEqual(childRows('conversations__parts'), expected);
  const warns = messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message as string);
  for (const c of heavy) {
    const mentions = warns.filter((t) => t.includes(c.id));
    assert.equal(mentions.length, 1, `one WARN for conversation ${c.id}`);
    assert.match(mentions[0]!, new RegExp(String(w.conversationParts(c.id)!.length)));
    assert.match(mentions[0]!, /500/);
  }
});

test('conversation_parts: one row per part with its conversation_id, the same parts as conversations__parts, each conversation retrieved once', () => {
  const rows = records(messages, 'conversation_parts');
  const childParts = records(messages, 'conversations__parts').map((r) => `${r._sdc_source_key_id}:${r.id}`);
  assert.ok(rows.length > 0);
  assert.deepEqual(sorted(rows.map((r) => `${r.conversation_id}:${r.id}`)), sorted(childParts));
  assert.equal(new Set(rows.map((r) => r.id)).size, rows.length, 'part ids are unique: the primary key holds');
  for (const r of rows) assert.match(r.updated_at, /^\d{4}-\d{2}-\d{2}T/, 'the cursor is an RFC 3339 string');
  const retrieves = sandbox.log.filter((e) => e.method === 'GET' && /^\/conversations\/[^/?]+(\?|$)/.test(e.path));
  assert.equal(retrieves.length, sandbox.workspace.ids('conversations').length, 'one retrieve per conversation for both streams');
});

test('conversations carry their parts, and child rows join to emitted parents', () => {
  const parents = new Map(records(messages, 'conversations').map((r) => [String(r.id), r]));
  for (const r of records(messages, 'conversations').slice(0, 20)) assert.ok(r.conversation_parts, `conversation ${r.id} carries conversation_parts`);
  for (const stream of ['conversations__parts', 'conversations__tags']) {
    for (const row of records(messages, stream)) {
      const parent = parents.get(String(row._sdc_source_key_id));
      assert.ok(parent, `${stream} row joins to conversation ${row._sdc_source_key_id}`);
      assert.equal(row._sdc_source_updated_at, parent.updated_at);
    }
  }
});

test('companies__tags and companies__segments equal the companies\' lists', () => {
  const w = sandbox.workspace;
  const companies = w.ids('companies');
  assert.deepEqual(childRows('companies__tags'), expectedRows(companies, (id) => (w.get('companies', id) as any).tags?.tags));
  assert.deepEqual(childRows('companies__segments'), expectedRows(companies, (id) => w.companySegments(id)));
});

test('grandchild streams carry both levels and the top-level key', () => {
  const rows = records(messages, 'conversations__parts__attachments');
  assert.ok(rows.length > 0, 'some parts have attachments');
  for (const row of rows) {
    assert.equal(typeof row._sdc_source_key_id, 'string');
    assert.equal(typeof row._sdc_level_0_id, 'number');
    assert.equal(typeof row._sdc_level_1_id, 'number');
  }
});

test('every record validates against its stream schema (strict integers, parseable date-times)', () => {
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  const validators = new Map(catalog.streams.map((s) => [s.name, ajv.compile(s.json_schema)]));
  const failures: string[] = [];
  for (const m of messages) {
    if (m.type !== 'RECORD') continue;
    const validate = validators.get(m.record.stream)!;
    if (!validate(m.record.data) && failures.length < 5) failures.push(`${m.record.stream} ${m.record.data.id ?? ''}: ${ajv.errorsText(validate.errors)}`);
  }
  assert.deepEqual(failures, []);
});
