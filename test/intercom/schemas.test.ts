// The stream schemas: draft-07, the CAT rules (FIELD-NOTES section 7), every seed attribute (parsed from the
// seed page), every top-level 2.14 field, and hand-built API objects of 2.11/2.14/2.16 validating after the
// timestamp conversion (and the coercions of src/intercom/schemas/COERCIONS.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';
import { loadSchema, schemaNames } from '../../src/intercom/schemas/index.js';
import { compileTimestampConverter } from '../../src/normalize/timestamps.js';
import { schemaRuleViolations } from '../helpers/schema-rules.js';
import { sharedPath } from '../helpers/shared.js';
import { seedAttributes } from '../helpers/seed-attributes.js';

const addFormats = addFormatsModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);

const INCREMENTAL: Record<string, string> = { companies: 'updated_at', contacts: 'updated_at', conversations: 'updated_at', tickets: 'updated_at' };
const SEED_TABLE_SCHEMA: Record<string, string> = {
  admins: 'admins', companies: 'companies', company_segments: 'company_segments', conversations: 'conversations',
  leads: 'contacts', users: 'contacts', segments: 'segments',
};
const COMPONENT: Record<string, string> = {
  admins: 'admin', teams: 'team', tags: 'tag', segments: 'segment', company_segments: 'segment', activity_logs: 'activity_log',
  data_attributes: 'data_attribute', companies: 'company', contacts: 'contact', conversations: 'conversation', tickets: 'ticket',
};

test('the loader knows every stream schema and hands out independent copies', () => {
  assert.deepEqual([...schemaNames], Object.keys(COMPONENT).sort());
  const a = loadSchema('contacts');
  (a['properties'] as Record<string, unknown>)['id'] = 'changed';
  assert.deepEqual((loadSchema('contacts')['properties'] as Record<string, unknown>)['id'], { description: 'The unique identifier for the contact which is given by Intercom.', type: 'string' });
  assert.throws(() => loadSchema('users'), /no JSON schema named 'users'/);
});

for (const name of Object.keys(COMPONENT)) {
  test(`${name}: valid draft-07 and passes the section-7 rules with primary key id`, () => {
    const schema = loadSchema(name);
    assert.equal(schema['$schema'], 'http://json-schema.org/draft-07/schema#');
    assert.ok(ajv.validateSchema(schema), ajv.errorsText(ajv.errors));
    ajv.compile(schema);
    const cursor = INCREMENTAL[name];
    assert.deepEqual(schemaRuleViolations(schema, { primaryKey: [['id']], cursorField: cursor ? [cursor] : undefined }), []);
  });
}

test('the rule checker catches what section 7 forbids', () => {
  const bad = {
    type: 'object', additionalProperties: true,
    properties: {
      id: { type: ['null', 'string'] },
      a: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      b: { type: ['string', 'string'] },
      c: { type: 'object', properties: {} },
      d: { type: 'object', additionalProperties: true },
      e: { $ref: '#/definitions/x' },
      f: { type: 'array', items: { type: 'object', properties: {}, additionalProperties: false } },
      g: { type: 'integer', format: 'date-time' },
    },
  };
  const found = schemaRuleViolations(bad, { primaryKey: [['id'], ['missing']] }).join('\n');
  for (const expected of [
    "/properties/a: 'anyOf' is not allowed", '/properties/b: \'type\' must list distinct types', "/properties/c: 'additionalProperties' must be true",
    "/properties/d: an object must have 'properties'", "/properties/e: '$ref' is not allowed", "/properties/f/items: 'additionalProperties' must be true",
    '/properties/g: a date-time must be a string', "primary key 'id' must not be nullable", "primary key 'missing' is not in the schema",
  ]) assert.ok(found.includes(expected), `expected "${expected}" in:\n${found}`);
});

test('every attribute the seed page names is in its table\'s schema', () => {
  const seed = seedAttributes();
  assert.deepEqual([...seed.keys()].sort(), Object.keys(SEED_TABLE_SCHEMA).sort());
  for (const [table, attributes] of seed) {
    assert.ok(attributes.length >= 4, `seed table ${table} parsed with too few attributes`);
    const properties = loadSchema(SEED_TABLE_SCHEMA[table]!)['properties'] as Record<string, unknown>;
    const missing = attributes.filter((a) => !(a in properties));
    assert.deepEqual(missing, [], `${table}: seed attributes missing from ${SEED_TABLE_SCHEMA[table]}.json`);
  }
});

test('every top-level field of the 2.14 component, and every 2.14 timestamp, is in the schema', () => {
  const openapi = YAML.parse(readFileSync(sharedPath('reference', 'intercom-openapi', 'intercom-openapi-2.14.yaml'), 'utf8'));
  const components = openapi.components.schemas as Record<string, { properties: Record<string, { format?: string }> }>;
  for (const [name, component] of Object.entries(COMPONENT)) {
    const properties = loadSchema(name)['properties'] as Record<string, Record<string, unknown>>;
    for (const [field, spec] of Object.entries(components[component]!.properties)) {
      assert.ok(field in properties, `${name}: 2.14 field '${field}' missing`);
      if (spec.format === 'date-time') assert.equal(properties[field]!['format'], 'date-time', `${name}.${field} must be a timestamp`);
    }
  }
});

// ---- hand-built API objects (as the API sends them: unix seconds), per stream and version ----
const T = 1717243200; // 2024-06-01T12:00:00Z
const tagRef = (id: string) => ({ type: 'tag', id, url: `/tags/${id}` });
const segment = (id: string, personType: string) => ({ type: 'segment', id, name: `Segment ${id}`, created_at: T - 100, updated_at: T, person_type: personType, count: null });
const attachment = { type: 'upload', name: 'a.png', url: 'https://example.test/a.png', content_type: 'image/png', filesize: 1024, width: 10, height: 20 };

const contact214 = {
  type: 'contact', id: '65f0a1', workspace_id: 'ws1', external_id: 'u-1', role: 'user', email: 'ann@example.test', email_domain: 'example.test',
  phone: null, name: 'Ann', owner_id: '42', has_hard_bounced: false, marked_email_as_spam: false, unsubscribed_from_emails: false,
  created_at: T - 1000, updated_at: T, signed_up_at: T - 1000, last_seen_at: null, last_replied_at: 0, last_contacted_at: T - 5,
  last_email_opened_at: null, last_email_clicked_at: null, language_override: null, browser: 'chrome', browser_version: '120', browser_language: 'en',
  os: 'Linux', android_app_name: null, android_app_version: null, android_device: null, android_os_version: null, android_sdk_version: null,
  android_last_seen_at: null, ios_app_name: null, ios_app_version: null, ios_device: null, ios_os_version: null, ios_sdk_version: null, ios_last_seen_at: null,
  custom_attributes: { plan: 'pro', seats: 3, beta: true, nested: { any: ['thing'] } },
  avatar: { type: 'avatar', image_url: null },
  tags: { type: 'list', data: [tagRef('7'), tagRef('8')], url: '/contacts/65f0a1/tags', total_count: 2, has_more: false },
  notes: { type: 'list', data: [], url: '/contacts/65f0a1/notes', total_count: 0, has_more: false },
  companies: { type: 'list', data: [{ type: 'company', id: 'c1', url: '/companies/c1' }], url: '/contacts/65f0a1/companies', total_count: 1, has_more: false },
  location: { type: 'location', country: 'Ireland', region: 'Dublin', city: 'Dublin', country_code: 'IRL', continent_code: 'EU' },
  social_profiles: { type: 'list', data: [{ type: 'social_profile', name: 'Twitter', url: 'https://twitter.test/ann' }] },
  segments: { type: 'list', data: [segment('s1', 'user')] },
  opted_in_subscription_types: { type: 'list', data: [], url: '/x', total_count: 0, has_more: false },
};
const contact211 = { ...contact214, owner_id: null, formatted_phone: '+353123', tags: null, location: { type: 'location', country: null, region: null, city: null } };
const conversationPart = {
  type: 'conversation_part', id: 'p1', part_type: 'comment', body: '<p>hi</p>', created_at: T - 50, updated_at: T - 50, notified_at: T - 50,
  assigned_to: null, author: { type: 'admin', id: '9', name: 'Bo', email: 'bo@example.test', from_ai_agent: false, is_ai_answer: false },
  attachments: [attachment], external_id: null, redacted: false,
  email_message_metadata: { subject: 'Re', email_address_headers: [{ type: 'from', email_address: 'ann@example.test', name: 'Ann' }] },
  metadata: { quick_reply_options: [{ text: 'Yes', uuid: 'u' }], quick_reply_uuid: 'u' },
  state: 'open', tags: [{ type: 'tag', id: '7', name: 'vip' }],
  event_details: { workflow: { name: 'wf' }, attribute: { name: 'x' }, value: { name: 'y' } }, app_package_code: null,
};
const conversation214 = {
  type: 'conversation', id: '123', title: null, created_at: T - 2000, updated_at: T, waiting_since: null, snoozed_until: null,
  open: true, state: 'open', read: false, priority: 'not_priority', admin_assignee_id: null, team_assignee_id: 5,
  tags: { type: 'tag.list', tags: [{ type: 'tag', id: '7', name: 'vip', applied_at: T - 10, applied_by: { type: 'admin', id: '9' } }] },
  conversation_rating: null,
  source: { type: 'conversation', id: 's1', delivered_as: 'customer_initiated', subject: '', body: '<p>Hello</p>', author: { type: 'user', id: '65f0a1', name: 'Ann', email: 'ann@example.test' }, attachments: [], url: null, redacted: false },
  contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: '65f0a1', external_id: 'u-1' }] },
  teammates: { type: 'admin.list', teammates: [{ type: 'admin', id: '9' }] },
  custom_attributes: {}, first_contact_reply: { created_at: T - 2000, type: 'conversation', url: null }, sla_applied: null,
  statistics: { type: 'conversation_statistics', time_to_assignment: 0, time_to_admin_reply: 30, time_to_first_close: null, time_to_last_close: null,
    median_time_to_reply: 30, first_contact_reply_at: T - 2000, first_assignment_at: null, first_admin_reply_at: T - 1970, first_close_at: null,
    last_assignment_at: null, last_assignment_admin_reply_at: null, last_contact_reply_at: T - 2000, last_admin_reply_at: T - 1970, last_close_at: null,
    last_closed_by_id: null, count_reopens: 0, count_assignments: 0, count_conversation_parts: 1,
    assigned_team_first_response_time: [{ team_id: 5, team_name: 'Support', response_time: 30 }], assigned_team_first_response_time_in_office_hours: [], handling_time: null, adjusted_handling_time: null },
  conversation_parts: { type: 'conversation_part.list', conversation_parts: [conversationPart], total_count: 1 },
  linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
  ai_agent_participated: false, ai_agent: null,
};
const conversation211 = { ...conversation214, priority: 'priority', conversation_parts: undefined };
const conversation216 = { ...conversation214, priority: 'urgent', admin_assignee_id: 0, team_assignee_id: 0, company: { type: 'company', id: 'c1' } };
const ticketBase = {
  type: 'ticket', id: '77', ticket_id: '3', category: 'Customer', ticket_attributes: { _default_title_: 'Broken', _default_description_: null },
  ticket_type: { type: 'ticket_type', id: '1', category: 'Customer', name: 'Bug', description: '', icon: 'bug', workspace_id: 'ws1', archived: false, created_at: T - 9000, updated_at: T - 9000,
    ticket_type_attributes: { type: 'list', ticket_type_attributes: [] } },
  contacts: { type: 'contact.list', contacts: [{ type: 'contact', id: '65f0a1', external_id: null }] },
  admin_assignee_id: '9', team_assignee_id: '0', created_at: T - 3000, updated_at: T, open: true, snoozed_until: null,
  linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
  ticket_parts: { type: 'ticket_part.list', ticket_parts: [{ type: 'ticket_part', id: 'tp1', part_type: 'comment', body: 'x', previous_ticket_state: 'submitted', ticket_state: 'in_progress', created_at: T, updated_at: T, assigned_to: null, author: { type: 'admin', id: '9', name: 'Bo', email: 'bo@example.test' }, attachments: [attachment], external_id: null, redacted: false }], total_count: 1 },
  is_shared: false,
};
const ticket214 = { ...ticketBase, ticket_state: { type: 'ticket_state', id: '2', category: 'in_progress', internal_label: 'In progress', external_label: 'In progress' } };
const ticket211Coerced = { ...ticketBase, ticket_state: { category: 'in_progress' }, ticket_state_internal_label: 'In progress', ticket_state_external_label: 'In progress' };

// Issue 10: fields of real responses that the OpenAPI descriptions do not list (Airbyte's and Singer's schemas have them).
const subscriptions = { type: 'list', data: [{ type: 'subscription', id: '31000', url: '/subscriptions/31000' }], url: '/contacts/65f0a2/subscriptions', total_count: 1, has_more: false };
const contactReal = {
  ...contact214, id: '65f0a2', utm_campaign: 'spring', utm_content: 'hero', utm_medium: 'cpc', utm_source: 'google', utm_term: null, referrer: 'https://www.google.test/',
  sms_consent: true, unsubscribed_from_sms: false, opted_in_subscription_types: subscriptions, opted_out_subscription_types: { ...subscriptions, data: [], total_count: 0 },
};
const conversationReal = {
  ...conversation216, id: '124', customer_first_reply: { created_at: T - 1990, type: 'conversation', url: null }, customers: [{ type: 'user', id: '65f0a1' }],
  redacted: false, sent_at: T - 2000, topics: { type: 'topic.list', topics: [{ type: 'topic', id: 8100, name: 'Billing' }], total_count: 1 },
  statistics: { ...conversation214.statistics, last_closed_by_id: 9 },
  conversation_rating: { rating: 5, remark: '', created_at: T, updated_at: T, customer: { type: 'user', id: '65f0a1' }, teammate: { type: 'admin', id: 9 } },
};
/** 2.16 sends ticket assignees as integers (0 when unassigned); the stream emits them as strings. */
const ticket216Coerced = { ...ticket214, id: '78', admin_assignee_id: '0', team_assignee_id: '12' };

const SAMPLES: Record<string, Record<string, unknown>[]> = {
  admins: [
    { type: 'admin', id: '9', name: 'Bo', email: 'bo@example.test', job_title: null, away_mode_enabled: false, away_mode_reassign: false, away_status_reason_id: null, has_inbox_seat: true, team_ids: [5], avatar: null, team_priority_level: { primary_team_ids: [5], secondary_team_ids: null } },
    // Real responses (every version): avatar object, empty priority level; the 2.14/2.16 descriptions: a URL string.
    { type: 'admin', id: '10', name: 'Cy', avatar: { type: 'avatar', image_url: 'https://example.test/a.png' }, team_priority_level: {}, admin_ids: [9] },
    { type: 'admin', id: '11', name: 'Di', avatar: 'https://example.test/d.png', team_priority_level: null },
  ],
  teams: [{ type: 'team', id: '5', name: 'Support', admin_ids: [9], admin_priority_level: null, assignment_limit: null, distribution_method: 'round_robin' }],
  tags: [{ type: 'tag', id: '7', name: 'vip', applied_at: null, applied_by: null }],
  segments: [segment('s1', 'user'), segment('s2', 'contact')],
  company_segments: [{ ...segment('cs1', 'user'), count: 12 }],
  activity_logs: [{ id: 'al1', performed_by: { type: 'admin', id: '9', email: 'bo@example.test', ip: '10.0.0.1' }, metadata: { before: { a: 1 }, after: { a: 2 }, last_activity_at: T, expired_at: '2024-06-01T12:00:00Z' }, created_at: T, activity_type: 'admin_login_success', activity_description: 'Bo logged in' }],
  data_attributes: [
    { type: 'data_attribute', id: '1234', model: 'contact', name: 'plan', full_name: 'custom_attributes.plan', label: 'Plan', description: '', data_type: 'string', options: ['free', 'pro'], api_writable: true, messenger_writable: false, ui_writable: true, custom: true, archived: false, created_at: T, updated_at: T, admin_id: '9' },
    { type: 'data_attribute', model: 'company', name: 'name', full_name: 'name', label: 'Company name', description: 'The name', data_type: 'string', api_writable: true, ui_writable: false, custom: false, archived: false },
  ],
  companies: [{ type: 'company', id: 'c1', name: 'Acme', app_id: 'ws1', plan: {}, company_id: 'acme', remote_created_at: 0, created_at: T - 5000, updated_at: T, last_request_at: T - 10, size: 0, website: null, industry: null, monthly_spend: 0, session_count: 4, user_count: 2, custom_attributes: { tier: 'gold' }, tags: { type: 'tag.list', tags: [{ type: 'tag', id: '7', name: 'vip' }] }, segments: { type: 'segment.list', segments: [segment('cs1', 'user')] } }],
  contacts: [contact214, contact211, contactReal, { ...contactReal, id: '65f0a3', avatar: 'https://example.test/ann.png' }],
  conversations: [conversation214, conversation211, conversation216, conversationReal],
  tickets: [ticket214, ticket211Coerced, ticket216Coerced],
};

for (const [name, samples] of Object.entries(SAMPLES)) {
  test(`${name}: hand-built API objects validate after the timestamp conversion`, () => {
    const schema = loadSchema(name);
    const validate = ajv.compile(schema);
    const convert = compileTimestampConverter(schema);
    for (const sample of samples) {
      const record = structuredClone(JSON.parse(JSON.stringify(sample))) as Record<string, unknown>;
      convert(record);
      assert.ok(validate(record), `${name} ${String(sample['id'])}: ${ajv.errorsText(validate.errors)}`);
      if ('updated_at' in sample) assert.equal(record['updated_at'], '2024-06-01T12:00:00Z');
      // Unconverted, a record with any timestamp must fail: the schema really asks for strings.
      if ('created_at' in sample) assert.equal(validate(structuredClone(sample)), false, `${name}: unix seconds must not validate`);
    }
  });
}

test('the version differences that need a coercion fail without it (see COERCIONS.md)', () => {
  const contacts = ajv.compile(loadSchema('contacts'));
  const convertContact = compileTimestampConverter(loadSchema('contacts'));
  const owner = { ...structuredClone(contact214), owner_id: 42 };
  convertContact(owner);
  assert.equal(contacts(owner), false, 'an integer owner_id (API <= 2.14) must be emitted as a string');
  const tickets = ajv.compile(loadSchema('tickets'));
  const convertTicket = compileTimestampConverter(loadSchema('tickets'));
  const rawTicket211 = { ...structuredClone(ticketBase), ticket_state: 'in_progress' };
  convertTicket(rawTicket211);
  assert.equal(tickets(rawTicket211), false, 'a string ticket_state (API 2.11) must be wrapped as {category}');
  const rawTicket216 = { ...structuredClone(ticket214), admin_assignee_id: 0 };
  convertTicket(rawTicket216);
  assert.equal(tickets(rawTicket216), false, 'an integer ticket assignee (API 2.16) must be emitted as a string');
  const dataAttributes = ajv.compile(loadSchema('data_attributes'));
  assert.equal(dataAttributes({ type: 'data_attribute', id: 1234, name: 'plan' }), false, 'a data attribute id must be emitted as a string');
});
