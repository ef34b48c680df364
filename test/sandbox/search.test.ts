import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSearch, SearchError, type SearchModel } from '../../sandbox/search.js';
import { hashSeed, rng } from '../../sandbox/rng.js';

const contactModel: SearchModel = {
  name: 'contact',
  dateSemantics: 'day',
  fields: {
    id: 'string', email: 'string', role: 'string', 'custom_attributes.plan': 'string', tag_id: 'string',
    owner_id: 'integer', 'custom_attributes.score': 'float', unsubscribed_from_emails: 'boolean',
    created_at: 'date', updated_at: 'date',
  },
  fieldOperators: { tag_id: ['=', '!='] },
};
const conversationModel: SearchModel = {
  name: 'conversation',
  dateSemantics: 'second',
  fields: { id: 'string', state: 'string', tag_ids: 'string', admin_assignee_id: 'integer', open: 'boolean', created_at: 'date', updated_at: 'date' },
};

type Doc = Record<string, unknown>;
const filter = (field: string, operator: string, value: unknown) => ({ field, operator, value });
const where = (model: SearchModel, f: object) => compileSearch({ query: f }, model);
/** Which of the docs (by index) the single filter matches. */
function matching(model: SearchModel, f: object, docs: Doc[]): number[] {
  const { match } = where(model, f);
  return docs.flatMap((d, i) => (match(d) ? [i] : []));
}
function rejects(body: unknown, model: SearchModel, message: RegExp, field?: string): void {
  assert.throws(() => compileSearch(body, model), (err: unknown) => {
    assert.ok(err instanceof SearchError, `expected a SearchError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.errors.length, 1);
    assert.equal(err.errors[0].code, 'parameter_invalid');
    assert.match(err.errors[0].message, message);
    assert.equal(err.message, err.errors[0].message);
    if (field !== undefined) assert.equal(err.errors[0].field, field);
    return true;
  });
}

// 2020-01-01T00:00:00Z and neighbours.
const JAN1 = 1577836800;
const JAN1_9AM = JAN1 + 9 * 3600;
const JAN1_LAST = JAN1 + 86400 - 1; // 23:59:59
const JAN2 = JAN1 + 86400; // 00:00:00 next day

test('string operators: exact =, case-insensitive ~ !~ ^ $, IN/NIN, missing values', () => {
  const docs: Doc[] = [
    { email: 'Ann@Example.com' }, { email: 'bob@example.org' }, { email: 'carl@other.io' }, {}, { email: null },
  ];
  const m = contactModel;
  assert.deepEqual(matching(m, filter('email', '=', 'bob@example.org'), docs), [1]);
  assert.deepEqual(matching(m, filter('email', '=', 'BOB@example.org'), docs), []);
  assert.deepEqual(matching(m, filter('email', '!=', 'bob@example.org'), docs), [0, 2, 3, 4]);
  assert.deepEqual(matching(m, filter('email', 'IN', ['carl@other.io', 'Ann@Example.com']), docs), [0, 2]);
  assert.deepEqual(matching(m, filter('email', 'NIN', ['carl@other.io', 'Ann@Example.com']), docs), [1, 3, 4]);
  assert.deepEqual(matching(m, filter('email', '~', 'EXAMPLE'), docs), [0, 1]);
  assert.deepEqual(matching(m, filter('email', '!~', 'example'), docs), [2, 3, 4]);
  assert.deepEqual(matching(m, filter('email', '^', 'ann@'), docs), [0]);
  assert.deepEqual(matching(m, filter('email', '$', '.ORG'), docs), [1]);
  // Regex metacharacters are literal text.
  assert.deepEqual(matching(m, filter('email', '~', '.'), [{ email: 'a.b' }, { email: 'ab' }]), [0]);
  assert.deepEqual(matching(m, filter('email', '^', '(a'), [{ email: '(ab' }, { email: 'ab' }]), [0]);
  // Dotted custom attribute names are looked up as flat keys.
  assert.deepEqual(matching(m, filter('custom_attributes.plan', '=', 'pro'), [{ 'custom_attributes.plan': 'pro' }, { plan: 'pro' }]), [0]);
});

test('integer and float operators, including numeric strings as values', () => {
  const docs: Doc[] = [{ owner_id: 1 }, { owner_id: 5 }, { owner_id: 9 }, {}];
  const m = contactModel;
  assert.deepEqual(matching(m, filter('owner_id', '=', 5), docs), [1]);
  assert.deepEqual(matching(m, filter('owner_id', '=', '5'), docs), [1]);
  assert.deepEqual(matching(m, filter('owner_id', '!=', 5), docs), [0, 2, 3]);
  assert.deepEqual(matching(m, filter('owner_id', 'IN', [1, '9']), docs), [0, 2]);
  assert.deepEqual(matching(m, filter('owner_id', 'NIN', [1, 9]), docs), [1, 3]);
  assert.deepEqual(matching(m, filter('owner_id', '>', 5), docs), [2]);
  assert.deepEqual(matching(m, filter('owner_id', '>=', 5), docs), [1, 2]);
  assert.deepEqual(matching(m, filter('owner_id', '<', 5), docs), [0]);
  assert.deepEqual(matching(m, filter('owner_id', '<=', 5), docs), [0, 1]);
  const scores: Doc[] = [{ 'custom_attributes.score': 2.4 }, { 'custom_attributes.score': 2.5 }, { 'custom_attributes.score': 2.6 }];
  assert.deepEqual(matching(m, filter('custom_attributes.score', '>', 2.5), scores), [2]);
  assert.deepEqual(matching(m, filter('custom_attributes.score', '<=', '2.5'), scores), [0, 1]);
  assert.deepEqual(matching(m, filter('custom_attributes.score', '=', 2.5), scores), [1]);
});

test('boolean operators', () => {
  const docs: Doc[] = [{ open: true }, { open: false }, {}];
  const m = conversationModel;
  assert.deepEqual(matching(m, filter('open', '=', true), docs), [0]);
  assert.deepEqual(matching(m, filter('open', '=', false), docs), [1]);
  assert.deepEqual(matching(m, filter('open', '!=', true), docs), [1, 2]);
  assert.deepEqual(matching(m, filter('open', 'IN', [true, false]), docs), [0, 1]);
  assert.deepEqual(matching(m, filter('open', 'NIN', [true]), docs), [1, 2]);
});

test('null: = null matches null, missing and empty lists; != null matches present values', () => {
  const docs: Doc[] = [{ email: 'a@b.c' }, { email: null }, {}, { email: '' }];
  assert.deepEqual(matching(contactModel, filter('email', '=', null), docs), [1, 2]);
  assert.deepEqual(matching(contactModel, filter('email', '!=', null), docs), [0, 3]);
  const convs: Doc[] = [{ tag_ids: [] }, { tag_ids: ['7'] }, {}];
  assert.deepEqual(matching(conversationModel, filter('tag_ids', '=', null), convs), [0, 2]);
  assert.deepEqual(matching(conversationModel, filter('tag_ids', '!=', null), convs), [1]);
});

test('list-valued fields match per element; negations match when no element does', () => {
  const docs: Doc[] = [{ tag_ids: ['1', '2'] }, { tag_ids: ['3'] }, { tag_ids: [] }];
  const m = conversationModel;
  assert.deepEqual(matching(m, filter('tag_ids', '=', '2'), docs), [0]);
  assert.deepEqual(matching(m, filter('tag_ids', '!=', '2'), docs), [1, 2]);
  assert.deepEqual(matching(m, filter('tag_ids', 'IN', ['3', '9']), docs), [1]);
  assert.deepEqual(matching(m, filter('tag_ids', 'NIN', ['1', '3']), docs), [2]);
});

test('contacts match dates by UTC calendar day: =, >, < around midnight', () => {
  const docs: Doc[] = [
    { created_at: JAN1 - 1 }, { created_at: JAN1 }, { created_at: JAN1_9AM }, { created_at: JAN1_LAST }, { created_at: JAN2 }, {},
  ];
  const m = contactModel;
  // `>` 9 AM Jan 1 starts at Jan 2 00:00:00: 23:59:59 on Jan 1 is out, midnight is in.
  assert.deepEqual(matching(m, filter('created_at', '>', JAN1_9AM), docs), [4]);
  assert.deepEqual(matching(m, filter('created_at', '>', JAN1_LAST), docs), [4]);
  // `<` any second of Jan 2 means before Jan 2 00:00:00.
  assert.deepEqual(matching(m, filter('created_at', '<', JAN2 + 3600), docs), [0, 1, 2, 3]);
  assert.deepEqual(matching(m, filter('created_at', '<', JAN1_9AM), docs), [0]);
  // `=` any second of Jan 1 means the whole day.
  assert.deepEqual(matching(m, filter('created_at', '=', JAN1_9AM), docs), [1, 2, 3]);
  assert.deepEqual(matching(m, filter('created_at', '=', JAN2), docs), [4]);
  // The documented example: a string value is accepted.
  assert.deepEqual(matching(m, filter('created_at', '>', String(JAN1_9AM)), docs), [4]);
});

test('contacts reject != >= <= IN NIN on dates unless lenientDayOperators; lenient ones follow the day', () => {
  for (const op of ['!=', '>=', '<=', 'IN', 'NIN']) {
    const value = op === 'IN' || op === 'NIN' ? [JAN1] : JAN1;
    rejects({ query: filter('created_at', op, value) }, contactModel, new RegExp(`operator ${op} is not supported on date field created_at`), 'created_at');
  }
  const lenient: SearchModel = { ...contactModel, lenientDayOperators: true };
  const docs: Doc[] = [{ created_at: JAN1 - 1 }, { created_at: JAN1 }, { created_at: JAN1_LAST }, { created_at: JAN2 }];
  assert.deepEqual(matching(lenient, filter('created_at', '>=', JAN1_9AM), docs), [1, 2, 3]);
  assert.deepEqual(matching(lenient, filter('created_at', '<=', JAN1_9AM), docs), [0, 1, 2]);
  assert.deepEqual(matching(lenient, filter('created_at', '!=', JAN1_9AM), docs), [0, 3]);
  assert.deepEqual(matching(lenient, filter('created_at', 'IN', [JAN1_9AM, JAN2 + 5]), docs), [1, 2, 3]);
  assert.deepEqual(matching(lenient, filter('created_at', 'NIN', [JAN1_9AM]), docs), [0, 3]);
});

test('conversations compare dates to the exact second', () => {
  const docs: Doc[] = [{ updated_at: 99 }, { updated_at: 100 }, { updated_at: 101 }, {}];
  const m = conversationModel;
  assert.deepEqual(matching(m, filter('updated_at', '>', 100), docs), [2]);
  assert.deepEqual(matching(m, filter('updated_at', '<', 100), docs), [0]);
  assert.deepEqual(matching(m, filter('updated_at', '=', 100), docs), [1]);
  assert.deepEqual(matching(m, filter('updated_at', '>=', 100), docs), [1, 2]);
  assert.deepEqual(matching(m, filter('updated_at', '<=', 100), docs), [0, 1]);
  assert.deepEqual(matching(m, filter('updated_at', '!=', 100), docs), [0, 2, 3]);
  assert.deepEqual(matching(m, filter('updated_at', 'IN', [99, 101]), docs), [0, 2]);
  assert.deepEqual(matching(m, filter('updated_at', 'NIN', [99, 101]), docs), [1, 3]);
  // The day boundary means nothing here.
  const day: Doc[] = [{ created_at: JAN1_LAST }, { created_at: JAN2 }];
  assert.deepEqual(matching(m, filter('created_at', '>', JAN1_9AM), day), [0, 1]);
  // The docs' "Greater (or equal) than" reading, when configured.
  const inclusive: SearchModel = { ...conversationModel, inclusiveDateComparisons: true };
  assert.deepEqual(matching(inclusive, filter('updated_at', '>', 100), docs), [1, 2]);
  assert.deepEqual(matching(inclusive, filter('updated_at', '<', 100), docs), [0, 1]);
});

test('AND / OR groups, one level of nesting: (a OR b) AND (c OR d)', () => {
  const q = {
    operator: 'AND',
    value: [
      { operator: 'OR', value: [filter('role', '=', 'user'), filter('owner_id', '=', 1)] },
      { operator: 'OR', value: [filter('email', '$', '.com'), filter('unsubscribed_from_emails', '=', true)] },
    ],
  };
  const { match } = where(contactModel, q);
  for (let bits = 0; bits < 16; bits++) {
    const [a, b, c, d] = [1, 2, 4, 8].map((bit) => (bits & bit) !== 0);
    const doc: Doc = {
      role: a ? 'user' : 'lead', owner_id: b ? 1 : 2,
      email: c ? 'x@y.com' : 'x@y.org', unsubscribed_from_emails: d,
    };
    assert.equal(match(doc), (a || b) && (c || d), `case ${bits}`);
  }
  const or = where(contactModel, { operator: 'OR', value: [filter('role', '=', 'user'), filter('role', '=', 'lead'), filter('owner_id', '>', 3)] });
  assert.equal(or.match({ role: 'lead' }), true);
  assert.equal(or.match({ role: 'x', owner_id: 4 }), true);
  assert.equal(or.match({ role: 'x', owner_id: 3 }), false);
  const and = where(contactModel, { operator: 'AND', value: [filter('role', '=', 'user'), filter('owner_id', '>', 1), filter('owner_id', '<', 5)] });
  assert.equal(and.match({ role: 'user', owner_id: 3 }), true);
  assert.equal(and.match({ role: 'user', owner_id: 5 }), false);
  assert.equal(and.match({ role: 'lead', owner_id: 3 }), false);
});

test('nesting limit: groups two deep are fine, a third level is rejected', () => {
  const leaf = filter('role', '=', 'user');
  const twoDeep = { operator: 'AND', value: [{ operator: 'OR', value: [leaf, leaf] }, leaf] };
  assert.equal(where(contactModel, twoDeep).match({ role: 'user' }), true);
  const threeDeep = { operator: 'AND', value: [{ operator: 'OR', value: [{ operator: 'AND', value: [leaf] }] }] };
  rejects({ query: threeDeep }, contactModel, /too much nesting.*at most 2/);
});

test('filter-count limit: 15 per group, in the top group and in a nested one', () => {
  const leaves = (n: number) => Array.from({ length: n }, (_, i) => filter('owner_id', '!=', i));
  assert.equal(where(contactModel, { operator: 'AND', value: leaves(15) }).match({ owner_id: 99 }), true);
  assert.equal(where(contactModel, { operator: 'AND', value: leaves(15) }).match({ owner_id: 14 }), false);
  rejects({ query: { operator: 'AND', value: leaves(16) } }, contactModel, /at most 15 filters \(got 16\)/);
  rejects({ query: { operator: 'OR', value: [{ operator: 'AND', value: leaves(16) }] } }, contactModel, /query\.value\[0\].*at most 15 filters/);
});

test('errors name the field and operator', () => {
  const m = contactModel;
  const q = (f: object) => ({ query: f });
  rejects(q(filter('nope', '=', 'x')), m, /nope is not a searchable contact field/, 'nope');
  rejects(q(filter('owner_id', '~', 'x')), m, /operator ~ is not supported on integer field owner_id/, 'owner_id');
  rejects(q(filter('email', '>', 'x')), m, /operator > is not supported on string field email/, 'email');
  rejects(q(filter('unsubscribed_from_emails', '<', true)), m, /operator < is not supported on boolean field/, 'unsubscribed_from_emails');
  rejects(q(filter('tag_id', '~', '1')), m, /operator ~ is not supported on string field tag_id; use one of = !=/, 'tag_id');
  rejects(q(filter('email', 'LIKE', 'x')), m, /"LIKE" is not a search operator \(field email\)/, 'email');
  rejects(q(filter('created_at', '>', 'foobar')), m, /value of created_at must be a unix timestamp/, 'created_at');
  rejects(q(filter('owner_id', '=', 1.5)), m, /value of owner_id must be an integer/, 'owner_id');
  rejects(q(filter('custom_attributes.score', '>', 'high')), m, /must be a number/, 'custom_attributes.score');
  rejects(q(filter('email', '=', true)), m, /value of email must be a string/, 'email');
  rejects(q(filter('email', '=', { a: 1 })), m, /value of email must be a string/, 'email');
  rejects(q(filter('unsubscribed_from_emails', '=', 'yes')), m, /must be true or false/, 'unsubscribed_from_emails');
  rejects(q(filter('email', '=', ['a'])), m, /operator = on email needs a single value; only IN and NIN take arrays/, 'email');
  rejects(q(filter('email', 'NIN', 'a')), m, /operator NIN on email needs an array value/, 'email');
  rejects(q(filter('owner_id', 'IN', [1, 'two'])), m, /value of owner_id\[1\] must be an integer/, 'owner_id');
  rejects(q(filter('owner_id', '>', null)), m, /operator > on owner_id needs a value, not null/, 'owner_id');
  rejects(q({ field: 'email', operator: '=' }), m, /filter on email needs a value/, 'email');
  rejects(q({ field: 7, operator: '=', value: 'x' }), m, /field must be a non-empty string/);
  rejects(q({ operator: 'XOR', value: [] }), m, /group's operator must be AND or OR \(got "XOR"\)/);
  rejects(q({ operator: 'AND', value: [] }), m, /non-empty array/);
  rejects(q({ operator: 'AND', value: filter('email', '=', 'x') }), m, /non-empty array/);
  rejects(q({ operator: 'AND', value: ['email'] }), m, /query\.value\[0\] must be an object/);
  rejects({ query: 'email = x' }, m, /query must be an object/);
  rejects({}, m, /query is required/, 'query');
  rejects(null, m, /Request body must be a JSON object/);
  rejects([], m, /Request body must be a JSON object/);
  rejects({ query: filter('email', '=', 'x'), pagination: { per_page: 151 } }, m, /per_page must be between 1 and 150 \(got 151\)/, 'per_page');
  rejects({ query: filter('email', '=', 'x'), pagination: { per_page: 0 } }, m, /per_page must be between 1 and 150/, 'per_page');
  rejects({ query: filter('email', '=', 'x'), pagination: { per_page: '10' } }, m, /per_page must be an integer/, 'per_page');
  rejects({ query: filter('email', '=', 'x'), pagination: { starting_after: 5 } }, m, /starting_after must be a string/, 'starting_after');
  rejects({ query: filter('email', '=', 'x'), pagination: 'next' }, m, /pagination must be an object/, 'pagination');
  rejects({ query: filter('email', '=', 'x'), sort: { field: 'shoe_size', order: 'ascending' } }, m, /cannot sort on "shoe_size"/, 'sort');
  rejects({ query: filter('email', '=', 'x'), sort: { field: 'email', order: 'up' } }, m, /sort order must be ascending or descending/, 'sort');
});

test('pagination and sort: documented defaults, limits and pass-through', () => {
  const q = filter('email', '=', 'x');
  assert.equal(compileSearch({ query: q }, contactModel).perPage, 50);
  assert.equal(compileSearch({ query: filter('state', '=', 'open') }, conversationModel).perPage, 20);
  assert.equal(compileSearch({ query: filter('state', '=', 'open') }, { ...conversationModel, name: 'ticket' }).perPage, 20);
  const full = compileSearch({ query: q, pagination: { per_page: 150, starting_after: 'WzE1Nzc4MzY4MDAsIjEiXQ==' }, sort: { field: 'updated_at', order: 'descending' } }, contactModel);
  assert.equal(full.perPage, 150);
  assert.equal(full.startingAfter, 'WzE1Nzc4MzY4MDAsIjEiXQ==');
  assert.deepEqual(full.sort, { field: 'updated_at', order: 'descending' });
  const bare = compileSearch({ query: q, pagination: { per_page: 1, starting_after: null }, sort: { field: 'email' } }, contactModel);
  assert.equal(bare.perPage, 1);
  assert.equal(bare.startingAfter, undefined);
  assert.deepEqual(bare.sort, { field: 'email', order: 'ascending' });
  assert.equal(compileSearch({ query: q, pagination: null }, contactModel).sort, undefined);
  // The request body from the OpenAPI example compiles.
  const example = compileSearch({ query: { operator: 'AND', value: [{ field: 'created_at', operator: '>', value: '1306054154' }] }, pagination: { per_page: 5 } }, contactModel);
  assert.equal(example.perPage, 5);
  assert.deepEqual(example.range, { field: 'created_at', min: (Math.floor(1306054154 / 86400) + 1) * 86400 });
});

test('range hint: bounds from required date conditions only, with day rounding', () => {
  const range = (model: SearchModel, query: object, sort?: object) => compileSearch({ query, sort }, model).range;
  assert.deepEqual(range(contactModel, filter('updated_at', '>', JAN1_9AM)), { field: 'updated_at', min: JAN2 });
  assert.deepEqual(range(contactModel, filter('updated_at', '<', JAN1_9AM)), { field: 'updated_at', max: JAN1 - 1 });
  assert.deepEqual(range(contactModel, filter('updated_at', '=', JAN1_9AM)), { field: 'updated_at', min: JAN1, max: JAN1_LAST });
  assert.deepEqual(range(conversationModel, { operator: 'AND', value: [filter('updated_at', '>', 100), filter('updated_at', '<', 200), filter('state', '=', 'open')] }),
    { field: 'updated_at', min: 101, max: 199 });
  assert.deepEqual(range(conversationModel, { operator: 'AND', value: [filter('updated_at', '>=', 100), filter('updated_at', '<=', 200), filter('updated_at', '>', 150)] }),
    { field: 'updated_at', min: 151, max: 200 });
  assert.deepEqual(range(conversationModel, filter('updated_at', 'IN', [300, 100, 200])), { field: 'updated_at', min: 100, max: 300 });
  // A nested AND inside the top AND is required too; an OR is not.
  assert.deepEqual(range(conversationModel, { operator: 'AND', value: [{ operator: 'AND', value: [filter('created_at', '>', 5)] }, filter('state', '=', 'open')] }),
    { field: 'created_at', min: 6 });
  assert.equal(range(conversationModel, { operator: 'OR', value: [filter('updated_at', '>', 100), filter('state', '=', 'open')] }), undefined);
  assert.equal(range(conversationModel, { operator: 'AND', value: [{ operator: 'OR', value: [filter('updated_at', '>', 1), filter('updated_at', '<', 0)] }, filter('state', '=', 'open')] }), undefined);
  assert.equal(range(conversationModel, filter('updated_at', '!=', 100)), undefined);
  assert.equal(range(conversationModel, filter('updated_at', '=', null)), undefined);
  assert.equal(range(conversationModel, filter('admin_assignee_id', '>', 100)), undefined);
  // With bounds on two date fields, the sort field wins, else the first one in the query.
  const two = { operator: 'AND', value: [filter('created_at', '>', 10), filter('updated_at', '>', 20)] };
  assert.deepEqual(range(conversationModel, two), { field: 'created_at', min: 11 });
  assert.deepEqual(range(conversationModel, two, { field: 'updated_at', order: 'ascending' }), { field: 'updated_at', min: 21 });
});

test('range hint never excludes a matching doc (random queries and docs)', () => {
  const random = rng(hashSeed(20240601, 'search-property'));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const base = JAN1;
  // Timestamps cluster around a few midnights so day rounding is exercised at its edges.
  const timestamp = () => base + Math.floor(random() * 4) * 86400 + pick([-1, 0, 1, 3600, 43200, 86399, 86400]);
  const models: SearchModel[] = [
    contactModel, { ...contactModel, lenientDayOperators: true }, conversationModel, { ...conversationModel, inclusiveDateComparisons: true },
  ];
  const docs: Doc[] = Array.from({ length: 2000 }, () => ({
    created_at: random() < 0.1 ? undefined : timestamp(),
    updated_at: timestamp(),
    role: pick(['user', 'lead']),
    state: pick(['open', 'closed']),
  }));
  function randomFilter(model: SearchModel): object {
    const field = pick(['created_at', 'updated_at', 'updated_at', 'text']);
    if (field === 'text') {
      return model.name === 'contact' ? filter('role', pick(['=', '!=']), pick(['user', 'lead'])) : filter('state', pick(['=', '!=']), pick(['open', 'closed']));
    }
    const ops = model.dateSemantics === 'day' && !model.lenientDayOperators ? ['=', '>', '<'] : ['=', '>', '<', '>=', '<=', '!=', 'IN', 'NIN'];
    const op = pick(ops);
    return filter(field, op, op === 'IN' || op === 'NIN' ? [timestamp(), timestamp()] : timestamp());
  }
  function randomNode(model: SearchModel, depth: number): object {
    if (depth >= 2 || random() < 0.35) return randomFilter(model);
    const n = 1 + Math.floor(random() * 4);
    return { operator: pick(['AND', 'AND', 'OR']), value: Array.from({ length: n }, () => randomNode(model, depth + 1)) };
  }
  let ranged = 0;
  let matchedInRange = 0;
  for (let q = 0; q < 1500; q++) {
    const model = pick(models);
    const query = randomNode(model, 0);
    const compiled = compileSearch({ query }, model);
    const r = compiled.range;
    if (r === undefined) continue;
    ranged++;
    for (const doc of docs) {
      if (!compiled.match(doc)) continue;
      matchedInRange++;
      const v: unknown = doc[r.field];
      assert.equal(typeof v, 'number', `a doc without ${r.field} matched a query bounded on it: ${JSON.stringify(query)}`);
      if (r.min !== undefined) assert.ok((v as number) >= r.min, `range ${JSON.stringify(r)} excludes ${v} for ${JSON.stringify(query)}`);
      if (r.max !== undefined) assert.ok((v as number) <= r.max, `range ${JSON.stringify(r)} excludes ${v} for ${JSON.stringify(query)}`);
    }
  }
  // The property must have been exercised, not vacuously true.
  assert.ok(ranged > 300, `only ${ranged} queries had a range`);
  assert.ok(matchedInRange > 10_000, `only ${matchedInRange} matches were checked`);
});

test('a compiled search can be reused: match() is stable across calls and docs', () => {
  const { match } = where(conversationModel, { operator: 'AND', value: [filter('updated_at', '>', 100), filter('state', '~', 'OP')] });
  const yes: Doc = { updated_at: 101, state: 'open' };
  const no: Doc = { updated_at: 100, state: 'open' };
  for (let i = 0; i < 1000; i++) {
    assert.equal(match(yes), true);
    assert.equal(match(no), false);
  }
});
