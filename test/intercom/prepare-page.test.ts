// Pages read as Latin-1 text (workers/prepare-page.ts): the rows' bytes are exactly those of the UTF-8 way
// (parse, transform, JSON.stringify, UTF-8) for text beyond ASCII; pages and families where that would not hold
// are read as UTF-8; an item left to the main thread is what JSON.parse of its UTF-8 text gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { families, type Family } from '../../src/intercom/catalog.js';
import { RecordTexts } from '../../src/normalize/record-text.js';
import { cutLargestArray } from '../../src/intercom/http/json-body.js';
import { fromLatin1, InlinePreparer, latin1Family, latin1Text, preparePage, readJsonBody, takeLatin1Finisher } from '../../src/intercom/workers/prepare-page.js';
import type { PageJob, WireRecord } from '../../src/intercom/workers/prepared.js';
import { PreparedRecord } from '../../src/intercom/workers/prepared.js';

const users = families().find((f) => f.root.name === 'users')!;

const WORDS = ['Zoë', 'Łukasz', '東京', 'Смирнов', 'محمد', 'emoji 🚀😀', 'plain', 'tab\there', 'quote " and \\ backslash', 'nul \u0000 and \u001f', 'línea\nnueva', '\u2028\u2029'];

function contact(i: number, followUp = false): Record<string, unknown> {
  const word = WORDS[i % WORDS.length]!;
  return {
    type: 'contact', id: `c${i}`, role: i % 3 ? 'user' : 'lead', name: `${word} ${i}`, email: `u${i}@example.com`,
    created_at: 1_700_000_000 + i, updated_at: 1_700_100_000 - i, last_seen_at: 0, owner_id: 42,
    location: { type: 'location', city: WORDS[(i + 1) % WORDS.length], country: 'Österreich' },
    tags: { type: 'list', data: [{ type: 'tag', id: `t${i}`, name: `étiquette ${word}`, applied_at: 1_700_000_500 }], has_more: followUp, url: `/contacts/c${i}/tags` },
    companies: { type: 'list', data: [], has_more: false },
    // Keys beyond ASCII in the open custom attributes: they pass through as the values do.
    custom_attributes: { 'région': word, 'plan': 'pro', '名前': i, 'nested': { 'ключ': [word, 1.5, -0, 1e21, null, true] } },
    social_profiles: { type: 'list', data: [{ type: 'social_profile', name: 'Twitter', url: `https://x.com/${encodeURIComponent(word)}` }] },
  };
}

function jobOf(data: unknown[], overrides: Partial<PageJob> = {}): { job: PageJob; body: Buffer } {
  const body = Buffer.from(JSON.stringify({ type: 'list', data, total_count: data.length, pages: null }));
  const cut = cutLargestArray(body)!;
  assert.ok(cut, 'the body is cut');
  return { body, job: { family: 'users', parent: true, children: ['users__tags', 'users__social_profiles'], wantedChildren: ['tags', 'social_profiles'], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups, ...overrides } };
}

/** The rows the main thread would emit for `record` (transform, then JSON.stringify of each row), as UTF-8. */
function expectedRows(record: Record<string, unknown>, children: string[]): string[] {
  const copy = structuredClone(record);
  users.transform(copy);
  return [JSON.stringify(copy), ...[...users.split(copy, new Set(children))].map((row) => JSON.stringify(row.data))];
}

for (const groups of [true, false]) {
  test(`Latin-1 ${groups ? 'groups' : 'records one by one'}: every row byte for byte as the UTF-8 way makes it`, () => {
    const data = Array.from({ length: 150 }, (_, i) => contact(i));
    const { job } = jobOf(data);
    if (!groups) {
      // One range per record (the cut without seams), as bodies whose seams were not found are cut.
      const text = Buffer.from(job.elements);
      const starts: number[] = [];
      const ends: number[] = [];
      let at = 1; // the elements hold the array's brackets
      for (const record of data) {
        const length = Buffer.byteLength(JSON.stringify(record));
        starts.push(at);
        ends.push(at + length);
        at += length + 1;
      }
      assert.equal(ends.at(-1), text.length - 1, 'the ranges cover the elements, between the brackets');
      Object.assign(job, { starts, ends, groups: false });
    } else assert.ok(job.groups && job.starts.length > 1, 'cut at its seams, in more than one group');
    assert.ok(latin1Text(Buffer.from(job.elements)), 'the page can be read as Latin-1');
    const result = preparePage(users, job, true);
    const out = Buffer.from(result.out);
    assert.equal(result.items.length, data.length);
    result.items.forEach((item, i) => {
      const { parent, children } = item as WireRecord;
      const rows = [out.toString('utf8', parent![0], parent![1])];
      for (let k = 0; k < children.length; k += 3) rows.push(out.toString('utf8', children[k + 1]!, children[k + 2]!));
      assert.deepEqual(rows, expectedRows(data[i]!, job.children), `record ${i}`);
    });
    // And the same bytes as the UTF-8 way of the same function.
    assert.ok(Buffer.from(preparePage(users, job, false).out).equals(out));
  });
}

test('on this thread (InlinePreparer): each row a Latin-1 string of the UTF-8 bytes; items left to the main thread as JSON.parse of their UTF-8 text', () => {
  const data = Array.from({ length: 150 }, (_, i) => contact(i, i % 10 === 0));
  const { job } = jobOf(data);
  const items = new InlinePreparer(users).prepare(job)!;
  assert.equal(items.length, data.length);
  let left = 0;
  items.forEach((item, i) => {
    if (!(item instanceof PreparedRecord)) {
      left++;
      // Left for its follow-up in its Latin-1 reading (its id and urls are ASCII): mended, what the UTF-8 way reads.
      assert.ok(takeLatin1Finisher(item as object), `item ${i} stays in its Latin-1 reading`);
      assert.deepEqual(fromLatin1(structuredClone(item)), JSON.parse(JSON.stringify(data[i])), `item ${i}`);
      return;
    }
    const rows = [item.parent!, ...item.children].map((row) => {
      assert.equal(typeof row.latin1, 'string');
      return Buffer.from(row.latin1!, 'latin1').toString('utf8');
    });
    assert.deepEqual(rows, expectedRows(data[i]!, job.children), `record ${i}`);
    assert.deepEqual(item.children.map((row) => row.stream), ['users__social_profiles', 'users__tags'], 'the rows in the splitter\'s order');
  });
  assert.equal(left, 15, 'the contacts whose tags need a follow-up');
});

test('from a page worker: an item left to the main thread is its UTF-8 text', () => {
  const data = Array.from({ length: 150 }, (_, i) => contact(i, i % 10 === 0));
  const { job } = jobOf(data);
  const result = preparePage(users, job, true);
  const left = result.items.flatMap((item, i) => ('raw' in item ? [[i, JSON.parse(item.raw)]] : []));
  assert.equal(left.length, 15, 'the contacts whose tags need a follow-up');
  for (const [i, value] of left) assert.deepEqual(value, JSON.parse(JSON.stringify(data[i as number])), `item ${i}`);
});

test('fromLatin1 gives what JSON.parse of the UTF-8 text gives: strings, keys in their order, __proto__ as an own key', () => {
  const text = '{"b":"Zoë","ключ":{"名前":["東京",1,{"x":"🚀"}],"a":"plain"},"__proto__":{"é":"è"},"z":null}';
  const fromBytes = fromLatin1(JSON.parse(Buffer.from(text).toString('latin1')));
  const expected = JSON.parse(text);
  assert.deepEqual(fromBytes, expected);
  assert.deepEqual(Object.keys(fromBytes as object), Object.keys(expected));
  assert.equal(JSON.stringify(fromBytes), JSON.stringify(expected));
  assert.equal(Object.getPrototypeOf(fromBytes), Object.prototype);
});

test('pages that cannot be read as Latin-1: invalid UTF-8, or a \\u escape beyond ASCII', () => {
  assert.equal(latin1Text(Buffer.from('{"a":"Zoë 東京 🚀","b":"\\u0041\\u007f\\n"}')), true);
  assert.equal(latin1Text(Buffer.from('{"a":"\\u00e9"}')), false, 'é escaped: JSON.parse makes U+00E9, one Latin-1 byte but two UTF-8 bytes');
  assert.equal(latin1Text(Buffer.from('{"a":"\\u6771"}')), false, 'a character Latin-1 cannot hold');
  assert.equal(latin1Text(Buffer.from('{"a":"\\ud83d\\ude80"}')), false, 'an escaped surrogate pair');
  assert.equal(latin1Text(Buffer.from('{"a":"C:\\\\users"}')), false, 'an escaped backslash before u: taken for an escape (only costs speed)');
  assert.equal(latin1Text(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])), false, 'not UTF-8: the UTF-8 way gives U+FFFD');
  assert.equal(latin1Text(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])), false, 'an encoded surrogate is not UTF-8');

  // The same page with one such escape: prepared the UTF-8 way, still the same rows.
  const data = Array.from({ length: 150 }, (_, i) => contact(i));
  const { job } = jobOf(data);
  // The elements between the array's brackets (which the cut's elements hold too).
  const escaped = Buffer.from(Buffer.from(job.elements).subarray(1, -1).toString().replace('"Zoë 0"', '"Zo\\u00eb 0"'));
  const cut = cutLargestArray(Buffer.concat([Buffer.from('{"type":"list","data":['), escaped, Buffer.from('],"total_count":150}')]))!;
  const escapedJob = { ...job, elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups };
  assert.equal(latin1Text(Buffer.from(escapedJob.elements)), false);
  assert.equal(new InlinePreparer(users).prepare(escapedJob), undefined, 'this thread leaves it to the usual parse');
  const result = preparePage(users, escapedJob);
  const first = (result.items[0] as WireRecord).parent!;
  assert.equal(Buffer.from(result.out).toString('utf8', first[0], first[1]), expectedRows(data[0]!, [])[0]);
});

test('a family whose schema names a property beyond ASCII (a custom attribute) is read as UTF-8', () => {
  const typed = families({ contact: [{ name: 'région', type: 'string' }, { name: 'plan', type: 'string' }], company: [] });
  const typedUsers = typed.find((f) => f.root.name === 'users')!;
  assert.equal(latin1Family(users), true);
  assert.equal(latin1Family(typedUsers), false);
  const plain = families({ contact: [{ name: 'plan', type: 'string' }], company: [] }).find((f) => f.root.name === 'users')!;
  assert.equal(latin1Family(plain), true);
  const { job } = jobOf(Array.from({ length: 150 }, (_, i) => contact(i)));
  assert.equal(new InlinePreparer(typedUsers).prepare(job), undefined);
  const items = new InlinePreparer(plain).prepare(job)!;
  assert.ok(items.every((item) => item instanceof PreparedRecord));
});

test('items that are not JSON: a SyntaxError from the InlinePreparer, as from the usual parse', () => {
  const data = Array.from({ length: 150 }, (_, i) => contact(i));
  const text = JSON.stringify({ type: 'list', data, total_count: 150 }).replace('"id":"c140"', '"id":c140');
  const cut = cutLargestArray(Buffer.from(text))!;
  const job = { family: 'users', parent: true, children: [], wantedChildren: [], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups };
  assert.throws(() => new InlinePreparer(users).prepare(job), SyntaxError);
});

test('sandbox pages of every family prepared on a thread: Latin-1 rows byte for byte the UTF-8 ones, and what the object path serialises', async () => {
  const { startSandbox } = await import('../../sandbox/index.js');
  const sandbox = await startSandbox({ seed: 42, sizes: { contacts: 400, companies: 20, conversations: 300 } });
  try {
    const search = async (path: string) => {
      const res = await fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 150 } }),
      });
      return Buffer.from(await res.arrayBuffer());
    };
    for (const [name, path] of [['contacts', '/contacts/search'], ['users', '/contacts/search'], ['conversations', '/conversations/search']] as const) {
      const family = families().find((f) => f.root.name === name)!;
      const body = await search(path);
      const cut = cutLargestArray(body)!;
      // Every child stream a prepared pass can have (with segments or parts wanted, a pass is not prepared: offThread).
      const prepared = family.children.filter((c) => c.level === 0 && family.root.offThread?.(new Set([c.childArray])));
      const children = prepared.map((c) => c.name);
      assert.ok(children.length >= 1, `${name}: no child stream`);
      const job: PageJob = { family: name, parent: true, children, wantedChildren: [...new Set(prepared.map((c) => c.childArray))], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups };
      assert.ok(latin1Family(family) && latin1Text(Buffer.from(cut.elements)), `${name}: the page can be read as Latin-1`);
      assert.match(Buffer.from(cut.elements).toString(), /[^\x00-\x7f]/, `${name}: the page holds text beyond ASCII`);
      const utf8 = preparePage(family, job, false);
      assert.ok(Buffer.from(preparePage(family, job, true).out).equals(Buffer.from(utf8.out)), `${name}: a worker's bytes`);
      const items = new InlinePreparer(family).prepare(job)!;
      const parsed = (JSON.parse(body.toString()) as Record<string, unknown[]>)[cut.key]!;
      let records = 0;
      items.forEach((item, i) => {
        if (!(item instanceof PreparedRecord)) {
          assert.deepEqual(takeLatin1Finisher(item as object) ? fromLatin1(structuredClone(item)) : item, parsed[i], `${name} item ${i}`);
          return;
        }
        records++;
        const record = structuredClone(parsed[i]) as Record<string, unknown>;
        family.transform(record);
        const expected = [JSON.stringify(record), ...[...family.split(record, new Set(children))].map((row) => JSON.stringify(row.data))];
        assert.deepEqual([item.parent!, ...item.children].map((row) => Buffer.from(row.latin1!, 'latin1').toString('utf8')), expected, `${name} record ${i}`);
      });
      assert.ok(records > 100, `${name}: ${records} records prepared`);
    }
  } finally {
    await sandbox.close();
  }
});

test('a record\'s id beyond ASCII is the UTF-8 way\'s, on this thread and from a page worker', () => {
  const data = Array.from({ length: 150 }, (_, i) => ({ ...contact(i), id: i % 2 ? `c${i}` : `Zoë-東京-${i}` }));
  const { job } = jobOf(data);
  const items = new InlinePreparer(users).prepare(job)!;
  assert.deepEqual(items.map((item) => (item as PreparedRecord).id), data.map((c) => c.id));
  assert.deepEqual(preparePage(users, job, true).items.map((item) => (item as WireRecord).id), data.map((c) => c.id));
});

test('a record left for its follow-up stays in its Latin-1 reading only when the follow-up reads nothing beyond ASCII (id, list urls)', () => {
  const data = Array.from({ length: 150 }, (_, i) => {
    const c = contact(i, true);
    if (i % 3 === 1) (c['tags'] as Record<string, unknown>)['url'] = `/contacts/c${i}/tags?é`;
    if (i % 3 === 2) c['id'] = `Zoë-${i}`;
    return c;
  });
  const { job } = jobOf(data);
  const items = new InlinePreparer(users).prepare(job)!;
  const finishers = items.map((item) => takeLatin1Finisher(item as object));
  items.forEach((item, i) => {
    assert.ok(!(item instanceof PreparedRecord), `item ${i} needs its follow-up`);
    assert.equal(finishers[i] !== undefined, i % 3 === 0, `item ${i}`);
    assert.equal(takeLatin1Finisher(item as object), undefined, `item ${i}: taken once`);
    // Either way, what the UTF-8 way reads once mended.
    assert.deepEqual(i % 3 === 0 ? fromLatin1(structuredClone(item)) : item, JSON.parse(JSON.stringify(data[i])), `item ${i}`);
  });
  // Finished after its follow-up: the rows the UTF-8 way makes of the completed record.
  const fullTags = [{ type: 'tag', id: 't1', name: 'étiquette 東京 🚀', applied_at: 1_700_000_001 }];
  const record = items[0] as Record<string, unknown>;
  const read = readJsonBody(Buffer.from(JSON.stringify({ type: 'list', data: fullTags })));
  assert.equal(read.latin1, true);
  record['tags'] = { ...(record['tags'] as object), data: (read.value as { data: unknown[] }).data, has_more: false, total_count: 1 };
  const finished = finishers[0]!(record);
  const completed = { ...data[0]!, tags: { ...(data[0]!['tags'] as object), data: fullTags, has_more: false, total_count: 1 } };
  assert.deepEqual([finished.parent!, ...finished.children].map((row) => Buffer.from(row.latin1!, 'latin1').toString('utf8')), expectedRows(completed, job.children));
  assert.equal(finished.id, 'c0');
  assert.equal(finished.cursor, 1_700_100_000);
});

test('readJsonBody: a follow-up body read as Latin-1 where its bytes come out the same, else as UTF-8', () => {
  const value = { data: [{ name: 'Zoë 東京 🚀', n: 1 }] };
  const text = JSON.stringify(value);
  const latin1 = readJsonBody(Buffer.from(text));
  assert.equal(latin1.latin1, true);
  assert.deepEqual(fromLatin1(latin1.value), value);
  for (const [name, bytes] of [
    ['an escape beyond ASCII', Buffer.from('{"data":[{"name":"Zo\\u00eb"}]}')],
    ['a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('{"data":["'), Buffer.from([0xff]), Buffer.from('"]}')])],
  ] as const) {
    const read = readJsonBody(bytes);
    assert.equal(read.latin1, false, name);
    assert.deepEqual(read.value, JSON.parse(bytes.toString('utf8').replace(/^\ufeff/, '')), name);
  }
  assert.throws(() => readJsonBody(Buffer.from('{"data":')), SyntaxError);
  assert.throws(() => readJsonBody(Buffer.from('{"data":"é"')), SyntaxError);
});

/** Every way a contact's or a conversation's shape can go: each member the shape reads or sets absent, null, or of each kind. */
function variants(base: Record<string, unknown>, choices: Record<string, unknown[]>, count: number): Record<string, unknown>[] {
  const keys = Object.keys(choices);
  return Array.from({ length: count }, (_, i) => {
    const record: Record<string, unknown> = { ...base, id: `v${i}` };
    let n = i;
    for (const key of keys) {
      const options = choices[key]!;
      const choice = options[n % options.length];
      n = Math.floor(n / options.length) + i;
      if (choice === undefined) delete record[key];
      else record[key] = choice;
    }
    return record;
  });
}

/**
 * The page's rows made by this thread with the parent stream alone (records made as text where they can be):
 * each the object way's; how many were made as text.
 */
function preparedAlone(family: Family, data: Record<string, unknown>[], key = 'data'): number {
  const cut = cutLargestArray(Buffer.from(JSON.stringify({ type: 'list', [key]: data, total_count: data.length })))!;
  const job: PageJob = { family: family.root.name, parent: true, children: [], wantedChildren: [], elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups };
  const row = RecordTexts.prototype.row;
  let made = 0;
  RecordTexts.prototype.row = function counted(this: RecordTexts) {
    made++;
    return row.call(this);
  };
  try {
    const items = new InlinePreparer(family).prepare(job)!;
    assert.equal(items.length, data.length);
    items.forEach((item, i) => {
      if (!(item instanceof PreparedRecord)) {
        // Left for its follow-up: as read from UTF-8, or in its Latin-1 reading (takeLatin1Finisher) mended.
        const asRead = takeLatin1Finisher(item as object) ? fromLatin1(structuredClone(item)) : item;
        assert.deepEqual(asRead, JSON.parse(JSON.stringify(data[i])), `item ${i}`);
        return;
      }
      const record = structuredClone(data[i]!);
      assert.deepEqual(item.meta, family.transform(record), `record ${i}: meta`);
      assert.equal(item.id, record['id']);
      assert.equal(Buffer.from(item.parent!.latin1!, 'latin1').toString('utf8'), JSON.stringify(record), `record ${i}: ${JSON.stringify(data[i]).slice(0, 300)}`);
      assert.deepEqual(item.children, []);
    });
  } finally {
    RecordTexts.prototype.row = row;
  }
  // A page worker's bytes: the same as its UTF-8 way's, where every record is parsed.
  assert.ok(Buffer.from(preparePage(family, job, true).out).equals(Buffer.from(preparePage(family, job, false).out)), 'a worker\'s bytes');
  return made;
}

test('records made as text (the parent stream alone): contacts in every shape, rows byte for byte the object way\'s', () => {
  const contacts = variants(contact(1), {
    owner_id: [42, '42', null, undefined, 1.5],
    user_id: [undefined, null, 'u-1'],
    external_id: [undefined, null, 'ext-1', 7],
    last_request_at: [undefined, null, 1_600_000_000],
    last_seen_at: [undefined, null, 0, 1_700_000_123],
    location_data: [undefined, null, { city: 'Wien' }],
    location: [undefined, null, { type: 'location', city: 'Zürich' }],
    anonymous: [undefined, null, true, false],
    role: ['user', 'lead', undefined, 'Lead'],
    tags: [{ type: 'list', data: [], has_more: false }, { type: 'list', data: [], has_more: true, url: '/x' }, { type: 'list', data: [], has_more: 1, url: '/x' }, null, { type: 'list', data: [], has_more: null, url: '/x' }],
  }, 600);
  const made = preparedAlone(users, contacts);
  // All but those whose tags may need a follow-up (has_more not false): the object way decides on those.
  const certain = contacts.filter((c) => (c['tags'] as { has_more?: unknown } | null)?.has_more !== true && (c['tags'] as { has_more?: unknown } | null)?.has_more !== 1);
  assert.equal(made, certain.length, `${made} of 600 made as text`);
  assert.ok(made >= 250);
});

test('records made as text: conversations in every shape, rows byte for byte the object way\'s', () => {
  const conversations = families().find((f) => f.root.name === 'conversations')!;
  const base = {
    type: 'conversation', id: 'x', created_at: 1_700_000_000, updated_at: 1_700_000_100, title: 'Bonjour 👋',
    statistics: { first_contact_reply_at: 1_700_000_050, count_reopens: 0 }, tags: { type: 'tag.list', tags: [{ type: 'tag', id: '1', applied_at: 1_700_000_070 }] },
  };
  const contact0 = { type: 'contact', id: 'c0', external_id: 'é0' };
  const data = variants(base, {
    conversation_message: [undefined, null, { body: 'kept' }],
    source: [undefined, null, { type: 'conversation', body: '<p>Hallo "Welt"\n</p>', author: { type: 'user', id: 'u1' } }],
    user: [undefined, null, { type: 'user', id: 'kept' }],
    contacts: [undefined, null, { type: 'contact.list', contacts: [] }, { type: 'contact.list', contacts: [contact0, { id: 'c1' }] }, { type: 'contact.list', contacts: null }, { type: 'contact.list' }, 'text', [contact0], { contacts: [null] }, { contacts: 'abc' }],
    assignee: [undefined, null, { type: 'team', id: '5' }],
    admin_assignee_id: [undefined, null, 0, 123, '456', true, 1.5, '0'],
  }, 900);
  const made = preparedAlone(conversations, data, 'conversations');
  assert.ok(made > 600, `${made} of 900 made as text`);
});

test('records made as text: a family whose custom attributes are typed (a misfit nulled and kept under custom_attributes_unparsed as the object way does, with its meta)', () => {
  const typed = families({ contact: [{ name: 'plan', type: 'string' }, { name: 'seats', type: 'integer' }, { name: 'trial_ends_at', type: 'date' }], company: [] }).find((f) => f.root.name === 'users')!;
  const fits = { plan: 'pro', seats: 3, trial_ends_at: 1_700_000_000 };
  const data = variants({ ...contact(2), custom_attributes: fits }, {
    custom_attributes: [
      fits, { plan: 7, seats: 3 }, { seats: 2.5 }, { trial_ends_at: 'soon' }, { trial_ends_at: '2024-01-02T03:04:05Z', plan: null }, null, undefined,
      // Misfits beside a date that is converted, an open attribute, every value kind, and a misfit last.
      { other: 'é', trial_ends_at: 1_600_000_000, plan: ['a', { b: 'ü' }], seats: '3' }, { seats: 1, plan: 'x', trial_ends_at: true }, { plan: { nested: 1.5 }, trial_ends_at: 99_999_999_999_999 },
    ],
    // What the record holds under custom_attributes_unparsed already: kept in its place (an object gets the misfit added).
    custom_attributes_unparsed: [undefined, null, { earlier: 'ünchanged', plan: 'old' }, 'text', []],
    // Members the shape appends when absent: the object way appends custom_attributes_unparsed after them.
    user_id: [undefined, 'u-2'],
    anonymous: [undefined, false],
  }, 600);
  const made = preparedAlone(typed, data);
  assert.equal(made, 600, `${made} of 600 made as text`);
  const misfits = data.filter((record) => typed.transform(structuredClone(record)) !== undefined).length;
  assert.ok(misfits >= 250, `${misfits} misfits`);
});
