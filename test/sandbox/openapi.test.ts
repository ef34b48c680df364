// OpenAPI conformance (issue 2): every endpoint the sandbox serves, under Intercom-Version 2.11 and 2.14,
// answers bodies that validate against the components.schemas its 200 (or error) response names in that
// version's published description (../shared/reference/intercom-openapi/). Many records per endpoint, chosen
// to include >10 inline tags (has_more), >500 parts, nulls and unicode. Where the description is known to
// be wrong, PATCHES below change that one spot and say why. A mutation check proves each validation bites.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { call, type Reply } from './helpers.js';
import {
  compile, corrupt, loadDescription, typedLeaves, type DescribedVersion, type OpenApiDescription, type Validators,
} from './openapi-helpers.js';

type Json = Record<string, any>;
const VERSIONS: DescribedVersion[] = ['2.11', '2.14'];

/** A copy of component `from` registered as `name` (so one use site can differ from the others). */
function derive(c: Record<string, Json>, from: string, name: string, change: (copy: Json) => void): Json {
  const copy = structuredClone(c[from]!);
  change(copy);
  c[name] = copy;
  return { $ref: `#/components/schemas/${name}` };
}
const dropRequired = (s: Json, ...fields: string[]) => { s.required = (s.required ?? []).filter((f: string) => !fields.includes(f)); };
const requires = (s: Json | undefined, field: string) => Array.isArray(s?.required) && s.required.includes(field);
/** Custom attribute values as data attributes type them: string, integer, float, boolean, date (unix seconds). */
const CUSTOM_VALUE = { anyOf: [{ type: 'string' }, { type: 'integer' }, { type: 'number' }, { type: 'boolean' }], nullable: true };

const NULLABLE_IN_2_14 = ['cursor_pages', 'conversation_rating', 'conversation_first_contact_reply', 'team_priority_level', 'admin_priority_level', 'activity_log_metadata'];

/**
 * Where the published description is wrong or disagrees with FIELD-NOTES, patched in the loaded
 * (OpenAPI) schema, one spot each. `stillWrong` reads the unpatched description: a test fails when
 * Intercom fixes a spot, so the patch gets dropped.
 */
const PATCHES: {
  versions: DescribedVersion[]; schema: string; field: string; reason: string;
  stillWrong(c: Record<string, Json>): boolean;
  apply(c: Record<string, Json>): void;
}[] = [
  {
    versions: ['2.11', '2.14'], schema: 'contact_attached_companies', field: 'companies -> data',
    reason: 'FIELD-NOTES section 2: GET /contacts/{id}/companies answers {type:"list", data:[...]}; the description names the array `companies` (and requires it in 2.11).',
    stillWrong: (c) => c.contact_attached_companies?.properties?.companies !== undefined && c.contact_attached_companies.properties.data === undefined,
    apply(c) {
      const s = c.contact_attached_companies!;
      s.properties.data = s.properties.companies;
      delete s.properties.companies;
      s.required = ['type', 'data', 'total_count'];
    },
  },
  {
    versions: ['2.11'], schema: 'tag_list', field: 'data[].applied_at, data[].applied_by',
    reason: '2.11 `tag` requires applied_at/applied_by, which only a tag applied to a conversation carries; GET /tags and GET /contacts/{id}/tags list tags as {type, id, name} (2.14 requires neither). Conversation tags keep the requirement.',
    stillWrong: (c) => requires(c.tag, 'applied_at'),
    apply(c) { c.tag_list!.properties.data.items = derive(c, 'tag', 'tag_unapplied', (t) => dropRequired(t, 'applied_at', 'applied_by')); },
  },
  {
    versions: ['2.11', '2.14'], schema: 'company', field: 'custom_attributes.*',
    reason: 'The description types every company custom attribute as a string, yet its own data_attribute.data_type has integer/float/boolean/date and GET /data_attributes?model=company lists such attributes; their values are JSON numbers and booleans (null when unset).',
    stillWrong: (c) => c.company?.properties?.custom_attributes?.additionalProperties?.type === 'string',
    apply(c) { c.company!.properties.custom_attributes.additionalProperties = CUSTOM_VALUE; },
  },
  {
    versions: ['2.11'], schema: 'company + company_attached_segments', field: 'segments[].person_type',
    reason: '2.11 `segment` requires person_type (contact|user), which only person segments have: a company segment has no person type. Person segments (GET /segments, /contacts/{id}/segments) keep the requirement.',
    stillWrong: (c) => requires(c.segment, 'person_type'),
    apply(c) {
      const ref = derive(c, 'segment', 'company_segment', (s) => dropRequired(s, 'person_type'));
      c.company!.properties.segments.properties.segments.items = ref;
      c.company_attached_segments!.properties.data.items = ref;
    },
  },
  {
    versions: ['2.11'], schema: 'company_attached_segments', field: 'total_count',
    reason: '2.11 requires a total_count it never declares (2.14 dropped it); FIELD-NOTES section 2 gives the envelope as {type:"list", data:[...]}.',
    stillWrong: (c) => requires(c.company_attached_segments, 'total_count') && !c.company_attached_segments!.properties.total_count,
    apply(c) { dropRequired(c.company_attached_segments!, 'total_count'); },
  },
  {
    versions: ['2.11'], schema: NULLABLE_IN_2_14.join(', '), field: '(the components: nullable)',
    reason: '2.14 marks these nullable and 2.11 does not, yet Intercom serves null there: the scroll\'s `pages: null` (FIELD-NOTES section 3 envelope), no rating / first reply yet, no priority level, metadata of an activity without details.',
    stillWrong: (c) => NULLABLE_IN_2_14.some((n) => c[n] !== undefined && c[n]!.nullable !== true),
    apply(c) { for (const n of NULLABLE_IN_2_14) c[n]!.nullable = true; },
  },
  {
    versions: ['2.11'], schema: 'conversation, conversation_list_item', field: 'required topics',
    reason: '2.11 requires a `topics` it never declares among the conversation\'s properties (2.14 requires nothing).',
    stillWrong: (c) => ['conversation', 'conversation_list_item'].every((n) => requires(c[n], 'topics') && !c[n]!.properties.topics),
    apply(c) { for (const n of ['conversation', 'conversation_list_item']) dropRequired(c[n]!, 'topics'); },
  },
  {
    versions: ['2.11'], schema: 'starting_after_paging', field: 'per_page',
    reason: 'FIELD-NOTES section 2: pages.next is {page, starting_after}; 2.11 requires a per_page there (2.14 does not).',
    stillWrong: (c) => requires(c.starting_after_paging, 'per_page'),
    apply(c) { dropRequired(c.starting_after_paging!, 'per_page'); },
  },
  {
    versions: ['2.11', '2.14'], schema: 'addressable_list, contact_tags, contact_notes, contact_companies, contact_company|company_data', field: 'url (format uri), addressable_list.type',
    reason: 'The inline lists\' urls are relative paths ("/contacts/{id}/tags", as the description\'s own examples show), not absolute URIs; and addressable_list.type ("tag", "note") is a type name, not a URI.',
    stillWrong: (c) => c.addressable_list?.properties?.type?.format === 'uri',
    apply(c) {
      delete c.addressable_list!.properties.type.format;
      // The inline companies' items are contact_company (2.11) / company_data (2.14).
      for (const name of ['addressable_list', 'contact_tags', 'contact_notes', 'contact_companies', 'contact_company', 'company_data']) {
        if (c[name]?.properties?.url) c[name]!.properties.url.format = 'uri-reference';
      }
    },
  },
  {
    versions: ['2.11'], schema: 'custom_attributes', field: '(the component)',
    reason: '2.11 `conversation.custom_attributes` refers to #/components/schemas/custom_attributes, which 2.11 does not define; defined here as 2.14 does, with the value types conversation data attributes have.',
    stillWrong: (c) => c.custom_attributes === undefined,
    apply(c) { c.custom_attributes = { type: 'object', additionalProperties: { anyOf: [...CUSTOM_VALUE.anyOf, { type: 'object' }], nullable: true } }; },
  },
  {
    versions: ['2.14'], schema: 'admin', field: 'avatar',
    reason: 'Issue 10: the real API sends an admin\'s avatar as an object {type: "avatar", image_url} under every version (as 2.11 describes it, and as Airbyte\'s and Singer\'s admins schemas, built from real responses, declare it); the 2.14 description says a URL string.',
    stillWrong: (c) => c.admin?.properties?.avatar?.type === 'string',
    apply(c) {
      c.admin!.properties.avatar = { type: 'object', nullable: true, properties: { type: { type: 'string' }, image_url: { type: 'string', nullable: true } }, required: ['image_url'] };
    },
  },
  {
    versions: ['2.14'], schema: 'custom_attributes', field: 'additionalProperties (boolean, decimal)',
    reason: 'Conversation data attributes include boolean and decimal types, which the description\'s anyOf (string, integer, datetime, object list) leaves out.',
    stillWrong: (c) => !JSON.stringify(c.custom_attributes?.additionalProperties ?? {}).includes('boolean'),
    apply(c) { c.custom_attributes!.additionalProperties.anyOf.push({ type: 'boolean' }, { type: 'number' }); },
  },
];

/**
 * Where the SANDBOX differs from the description and the fix lies outside this test's files: kept
 * visible here (and in the report) rather than silently accepted.
 */
const SANDBOX_DEVIATIONS: { schema: string; field: string; reason: string; apply(c: Record<string, Json>): void }[] = [];

interface Fetched { path: string; body: Json }

/** One endpoint: the description's (method, path template), and how to fetch several responses of it. */
interface Endpoint {
  name: string;
  method: 'get' | 'post';
  described: string;
  /** Response status whose schema applies (default '200'). */
  status?: string;
  fetch(sb: Sandbox, version: DescribedVersion): Promise<Fetched[]>;
  /** Proves the sample holds what it must (large lists, nulls, unicode...). */
  covers?(bodies: Json[]): void;
}

let sb: Sandbox;
let denied: Sandbox;
before(async () => {
  sb = await startSandbox({ seed: 11, anchor: 1_767_225_600 });
  denied = await startSandbox({ seed: 11, anchor: 1_767_225_600, sizes: { contacts: 20, conversations: 5, companies: 5 }, scopesWithheld: ['read_conversations'] });
});
after(async () => { await sb.close(); await denied.close(); });

async function ok(target: Sandbox, version: DescribedVersion, method: string, path: string, body?: unknown): Promise<Fetched> {
  const reply = await call(target, method, path, body, { 'intercom-version': version });
  assert.equal(reply.status, 200, `${version} ${method} ${path}: ${reply.status} ${reply.text.slice(0, 300)}`);
  return { path, body: reply.json };
}

async function failing(target: Sandbox, version: DescribedVersion, status: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Fetched> {
  const reply: Reply = await call(target, method, path, undefined, { 'intercom-version': version, ...headers });
  assert.equal(reply.status, status, `${version} ${method} ${path}: expected ${status}, got ${reply.status} ${reply.text.slice(0, 200)}`);
  return { path: `${path} (${status})`, body: reply.json };
}

/** Every page of a search, following pages.next.starting_after. */
async function searchPages(version: DescribedVersion, path: string, query: Json): Promise<Fetched[]> {
  const out: Fetched[] = [];
  let startingAfter: string | undefined;
  do {
    const page = await ok(sb, version, 'POST', path, { query, sort: { field: 'updated_at', order: 'ascending' }, pagination: { per_page: 150, starting_after: startingAfter } });
    out.push(page);
    startingAfter = page.body.pages?.next?.starting_after;
  } while (startingAfter && out.length < 100);
  return out;
}

/** Every page of a GET list with cursor paging. */
async function listPages(version: DescribedVersion, path: string): Promise<Fetched[]> {
  const out: Fetched[] = [];
  let startingAfter: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await ok(sb, version, 'GET', `${path}${sep}per_page=150${startingAfter ? `&starting_after=${encodeURIComponent(startingAfter)}` : ''}`);
    out.push(page);
    startingAfter = page.body.pages?.next?.starting_after;
  } while (startingAfter && out.length < 100);
  return out;
}

/** Contacts picked to cover the shapes: crowded (>10 tags/companies/notes), empty lists, users and leads. */
function sampleContacts(): string[] {
  const ws = sb.workspace;
  const all = ws.ids('contacts').map((c) => ({ id: c.id, record: ws.get('contacts', c.id)! as Json }));
  const crowded = all.filter((c) => c.record.tags.total_count > 10).slice(0, 3);
  const empty = all.filter((c) => c.record.tags.total_count === 0 && c.record.companies.total_count === 0).slice(0, 2);
  const leads = all.filter((c) => c.record.role === 'lead').slice(0, 2);
  const users = all.filter((c) => c.record.role === 'user' && c.record.name !== null).slice(0, 2);
  return [...new Set([...crowded, ...empty, ...leads, ...users].map((c) => c.id))];
}

/** Conversations: every heavy one (>500 parts), one without parts, and a spread of others. */
function sampleConversations(): string[] {
  const ws = sb.workspace;
  const all = ws.ids('conversations').map((c) => ({ id: c.id, parts: (ws.get('conversations', c.id) as Json).conversation_parts.total_count as number }));
  const heavy = all.filter((c) => c.parts > 500);
  const none = all.filter((c) => c.parts === 0).slice(0, 1);
  const spread = all.filter((_, k) => k % 37 === 0);
  return [...new Set([...heavy, ...none, ...spread].map((c) => c.id))];
}

const nonAscii = (value: unknown) => /[^\x00-\x7f]/.test(JSON.stringify(value));
const hasNull = (value: unknown) => JSON.stringify(value).includes(':null');

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /me', method: 'get', described: '/me', fetch: async (s, v) => [await ok(s, v, 'GET', '/me')] },
  { name: 'GET /admins', method: 'get', described: '/admins', fetch: async (s, v) => [await ok(s, v, 'GET', '/admins')],
    covers: ([b]) => assert.ok(b!.admins.length >= 4 && hasNull(b) && nonAscii(b)) },
  { name: 'GET /teams', method: 'get', described: '/teams', fetch: async (s, v) => [await ok(s, v, 'GET', '/teams')],
    covers: ([b]) => assert.ok(b!.teams.length >= 2 && nonAscii(b)) },
  { name: 'GET /tags', method: 'get', described: '/tags', fetch: async (s, v) => [await ok(s, v, 'GET', '/tags')],
    covers: ([b]) => assert.ok(b!.data.length >= 20 && nonAscii(b)) },
  { name: 'GET /segments', method: 'get', described: '/segments',
    fetch: async (s, v) => [await ok(s, v, 'GET', '/segments?include_count=true'), await ok(s, v, 'GET', '/segments')],
    covers: ([counted]) => assert.ok(counted!.segments.length >= 4 && counted!.segments.every((x: Json) => typeof x.count === 'number')) },
  {
    name: 'GET /companies/scroll', method: 'get', described: '/companies/scroll',
    async fetch(s, v) {
      const out: Fetched[] = [await ok(s, v, 'GET', '/companies/scroll')];
      while (out[out.length - 1]!.body.data.length > 0 && out.length < 50) {
        out.push(await ok(s, v, 'GET', `/companies/scroll?scroll_param=${encodeURIComponent(out[out.length - 1]!.body.scroll_param)}`));
      }
      return out;
    },
    covers: (bodies) => {
      assert.equal(bodies.flatMap((b) => b.data).length, sb.workspace.ids('companies').length);
      assert.deepEqual(bodies[bodies.length - 1]!.data, [], 'the scroll ends on an empty page');
    },
  },
  { name: 'POST /companies/list', method: 'post', described: '/companies/list',
    fetch: async (s, v) => [await ok(s, v, 'POST', '/companies/list?per_page=60&page=1'), await ok(s, v, 'POST', '/companies/list?per_page=20&page=2')],
    covers: ([b]) => assert.ok(b!.data.length >= 10 && nonAscii(b)) },
  {
    name: 'GET /companies/{id}/segments', method: 'get', described: '/companies/{company_id}/segments',
    fetch: (s, v) => Promise.all(s.workspace.ids('companies').slice(0, 6).map((c) => ok(s, v, 'GET', `/companies/${c.id}/segments`))),
    covers: (bodies) => assert.ok(bodies.some((b) => b.data.length === 0) && bodies.some((b) => b.data.length > 0)),
  },
  {
    name: 'POST /contacts/search', method: 'post', described: '/contacts/search',
    fetch: (_s, v) => searchPages(v, '/contacts/search', { field: 'updated_at', operator: '>', value: 0 }),
    covers: (bodies) => {
      const contacts = bodies.flatMap((b) => b.data);
      assert.equal(contacts.length, sb.workspace.ids('contacts').length);
      assert.ok(contacts.some((c) => c.tags.total_count > 10 && c.tags.has_more && c.tags.data.length === 10), 'a contact with >10 tags');
      assert.ok(contacts.some((c) => c.name === null) && contacts.some((c) => nonAscii(c.name)), 'null and unicode names');
    },
  },
  { name: 'GET /contacts', method: 'get', described: '/contacts', fetch: (_s, v) => listPages(v, '/contacts'),
    covers: (bodies) => assert.equal(bodies.flatMap((b) => b.data).length, sb.workspace.ids('contacts').length) },
  ...(['tags', 'companies', 'segments', 'notes'] as const).map((list): Endpoint => ({
    name: `GET /contacts/{id}/${list}`, method: 'get', described: `/contacts/{contact_id}/${list}`,
    fetch: (s, v) => Promise.all(sampleContacts().map((id) => ok(s, v, 'GET', `/contacts/${id}/${list}`))),
    covers: (bodies) => assert.ok(list === 'segments' ? bodies.some((b) => b.data.length > 0) : bodies.some((b) => b.data.length > 10), `some ${list} list is long`),
  })),
  {
    name: 'POST /conversations/search', method: 'post', described: '/conversations/search',
    fetch: (_s, v) => searchPages(v, '/conversations/search', { field: 'updated_at', operator: '>', value: 0 }),
    covers: (bodies) => {
      const all = bodies.flatMap((b) => b.conversations);
      assert.equal(all.length, sb.workspace.ids('conversations').length);
      assert.ok(all.some((c) => c.title === null) && all.some((c) => nonAscii(c)));
    },
  },
  { name: 'GET /conversations', method: 'get', described: '/conversations', fetch: (_s, v) => listPages(v, '/conversations'),
    covers: (bodies) => assert.equal(bodies.flatMap((b) => b.conversations).length, sb.workspace.ids('conversations').length) },
  {
    name: 'GET /conversations/{id}', method: 'get', described: '/conversations/{conversation_id}',
    fetch: (s, v) => Promise.all(sampleConversations().flatMap((id) => [ok(s, v, 'GET', `/conversations/${id}`), ok(s, v, 'GET', `/conversations/${id}?display_as=plaintext`)])),
    covers: (bodies) => {
      assert.ok(bodies.some((b) => b.conversation_parts.total_count > 500 && b.conversation_parts.conversation_parts.length === 500), 'a conversation with >500 parts');
      assert.ok(bodies.some((b) => b.conversation_parts.total_count === 0));
      assert.ok(bodies.some((b) => b.conversation_parts.conversation_parts.some((p: Json) => p.body === null)) && bodies.some(nonAscii));
    },
  },
  { name: 'GET /data_attributes', method: 'get', described: '/data_attributes',
    fetch: async (s, v) => [await ok(s, v, 'GET', '/data_attributes?model=contact'), await ok(s, v, 'GET', '/data_attributes?model=company')],
    covers: (bodies) => assert.deepEqual(new Set(bodies.flatMap((b) => b.data.map((a: Json) => a.data_type))), new Set(['string', 'integer', 'float', 'boolean', 'date'])) },
  {
    name: 'POST /tickets/search', method: 'post', described: '/tickets/search',
    fetch: (_s, v) => searchPages(v, '/tickets/search', { field: 'updated_at', operator: '>', value: 0 }),
    covers: (bodies) => assert.equal(bodies.flatMap((b) => b.tickets).length, sb.workspace.ids('tickets').length),
  },
  { name: 'GET /admins/activity_logs', method: 'get', described: '/admins/activity_logs', fetch: (_s, v) => listPages(v, '/admins/activity_logs?created_at_after=0'),
    covers: (bodies) => assert.ok(bodies.flatMap((b) => b.activity_logs).length >= 50 && bodies.some((b) => b.activity_logs.some((l: Json) => l.metadata === null))) },
  {
    name: 'error envelope 401/403/404/429', method: 'get', described: '/admins', status: '401',
    async fetch(_s, v) {
      const out = [
        await failing(denied, v, 401, 'GET', '/admins', { authorization: 'Bearer not-the-token' }),
        await failing(denied, v, 403, 'GET', '/conversations'),
        await failing(denied, v, 404, 'GET', '/contacts/000000000000000000000000/tags'),
        await failing(denied, v, 404, 'GET', '/companies/000000000000000000000000/segments'),
      ];
      denied.setOptions({ faults: { script: [{ path: '^/tags$', kind: 'rate_limit' }] } });
      out.push(await failing(denied, v, 429, 'GET', '/tags'));
      denied.setOptions({ planRestricted: true });
      try { out.push(await failing(denied, v, 403, 'GET', '/tags')); } finally { denied.setOptions({ planRestricted: false }); }
      return out;
    },
    covers: (bodies) => assert.deepEqual(bodies.map((b) => b.errors[0].code),
      ['unauthorized', 'forbidden', 'not_found', 'company_not_found', 'rate_limit_exceeded', 'api_plan_restricted']),
  },
];

// Problems grouped by path, array positions folded to "*" (e.g. "/data/*/name: must be string (x17)").
function summarize(problems: string[]): string[] {
  const counts = new Map<string, number>();
  for (const p of problems) {
    const key = p.replace(/\/\d+(?=[/:])/g, '/*');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, n]) => (n > 1 ? `${key} (x${n})` : key));
}

const loaded = new Map<DescribedVersion, { description: OpenApiDescription; validators: Validators }>();
function described(version: DescribedVersion) {
  let entry = loaded.get(version);
  if (!entry) {
    const description = loadDescription(version);
    for (const patch of PATCHES) if (patch.versions.includes(version)) patch.apply(description.components);
    for (const deviation of SANDBOX_DEVIATIONS) deviation.apply(description.components);
    entry = { description, validators: compile(description) };
    loaded.set(version, entry);
  }
  return entry;
}

for (const version of VERSIONS) {
  for (const endpoint of ENDPOINTS) {
    test(`${version} ${endpoint.name} validates against the published description`, async () => {
      const { description, validators } = described(version);
      const schema = description.responseSchema(endpoint.method, endpoint.described, endpoint.status);
      const fetched = await endpoint.fetch(sb, version);
      assert.ok(fetched.length > 0);
      const problems = summarize(fetched.flatMap((f) => validators.check(schema, f.body)));
      assert.deepEqual(problems, [], `${problems.length} kinds of problem against ${version} ${schema}`);
      endpoint.covers?.(fetched.map((f) => f.body));

      // The check bites: a wrong type at the first, middle and last typed leaf (deep in records) fails.
      const body = fetched.find((f) => typedLeaves(validators, validators.schema(schema), f.body).length > 2)!.body;
      const leaves = typedLeaves(validators, validators.schema(schema), body);
      for (const [path, types] of [leaves[0]!, leaves[leaves.length >> 1]!, leaves[leaves.length - 1]!]) {
        assert.notDeepEqual(validators.check(schema, corrupt(body, path, types)), [], `corrupting /${path.join('/')} (${types}) went unnoticed`);
      }
    });
  }
}

test('nullable and $ref translate to JSON Schema: null passes only where the description allows it', () => {
  const { validators } = described('2.14');
  const contact = sb.workspace.get('contacts', sb.workspace.ids('contacts')[0]!.id, '2.14') as Json;
  // contact.name is `nullable: true`; contact.id is not.
  assert.deepEqual(validators.check('contact', { ...contact, name: null }), []);
  assert.notDeepEqual(validators.check('contact', { ...contact, id: null }), []);
  // A referenced component is really checked: a tag list whose tag has a numeric id fails.
  assert.notDeepEqual(validators.check('tag_list', { type: 'list', data: [{ type: 'tag', id: 5, name: 'x' }] }), []);
});

test('the patched spots are still where the description puts them (drop a patch when Intercom fixes it)', () => {
  for (const version of VERSIONS) {
    const raw = loadDescription(version).components;
    for (const patch of PATCHES.filter((p) => p.versions.includes(version))) {
      assert.ok(patch.stillWrong(raw), `${version}: ${patch.schema} (${patch.field}) no longer needs its patch`);
    }
  }
});
