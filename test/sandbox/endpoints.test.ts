import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { call, searchAll } from './helpers.js';

let sb: Sandbox;
before(async () => { sb = await startSandbox({ seed: 7, anchor: 1_700_006_400 }); });
after(async () => { await sb.close(); });

test('contacts search pages chain, every contact once, per_page honoured and capped at 150', async () => {
  const pages = await searchAll(sb, '/contacts/search', { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 70 }, sort: { field: 'updated_at', order: 'ascending' } }, 'data');
  assert.ok(pages.slice(0, -1).every((p) => p.length === 70));
  const ids = pages.flat().map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(new Set(ids), new Set(sb.workspace.ids('contacts').map((c) => c.id)));
  const updated = pages.flat().map((c) => c.updated_at);
  assert.deepEqual(updated, [...updated].sort((a, b) => a - b));
  const tooBig = await call(sb, 'POST', '/contacts/search', { query: { field: 'role', operator: '=', value: 'user' }, pagination: { per_page: 151 } });
  assert.equal(tooBig.status, 400);
  assert.equal(tooBig.json.errors[0].code, 'parameter_invalid');
});

test('users and leads by role match the ground truth', async () => {
  for (const role of ['user', 'lead'] as const) {
    const pages = await searchAll(sb, '/contacts/search', { query: { field: 'role', operator: '=', value: role }, pagination: { per_page: 150 } }, 'data');
    const ids = pages.flat().map((c) => c.id).sort();
    assert.deepEqual(ids, sb.workspace.ids(role === 'user' ? 'users' : 'leads').map((c) => c.id).sort());
  }
});

test('a search without a sort, or sorted by id, lists records by index whether it walks a date range or scans the table', async () => {
  const ids = async (query: unknown, sort?: unknown) =>
    (await searchAll(sb, '/contacts/search', { query, pagination: { per_page: 150 }, ...(sort ? { sort } : {}) }, 'data')).flat().map((c) => c.id as string);
  const role = { field: 'role', operator: '=', value: 'user' };
  const scanned = await ids(role);
  assert.deepEqual(scanned, sb.workspace.ids('users').map((c) => c.id));
  // A date range walks the updated_at index and sorts what it found by id (the count queries that place a sliced search's boundaries).
  const ranged = { operator: 'AND', value: [role, { field: 'updated_at', operator: '>', value: 0 }] };
  assert.deepEqual(await ids(ranged), scanned);
  assert.deepEqual(await ids(ranged, { field: 'id', order: 'ascending' }), scanned);
  assert.deepEqual(await ids(ranged, { field: 'id', order: 'descending' }), [...scanned].reverse());
});

test('contacts compare dates by day, conversations by second', async () => {
  const contact = sb.workspace.ids('contacts')[5]!;
  const day = Math.floor(contact.updated_at / 86400) * 86400;
  const withEq = await searchAll(sb, '/contacts/search', { query: { field: 'updated_at', operator: '=', value: day + 86399 }, pagination: { per_page: 150 } }, 'data');
  assert.ok(withEq.flat().some((c) => c.id === contact.id), 'contact found by any second of its day');
  const gt = await searchAll(sb, '/contacts/search', { query: { field: 'updated_at', operator: '>', value: contact.updated_at - 1 }, pagination: { per_page: 150 } }, 'data');
  assert.ok(!gt.flat().some((c) => c.id === contact.id) || contact.updated_at - 1 < day, '> starts at the next day');
  assert.ok(gt.flat().every((c) => c.updated_at >= day + 86400 || contact.updated_at - 1 < day));

  const conv = sb.workspace.ids('conversations')[3]!;
  const exact = await searchAll(sb, '/conversations/search', { query: { field: 'updated_at', operator: '>', value: conv.updated_at - 1 }, pagination: { per_page: 150 } }, 'conversations');
  assert.ok(exact.flat().some((c) => c.id === conv.id), 'conversation found one second before');
  assert.ok(exact.flat().every((c) => c.updated_at > conv.updated_at - 1));
});

test('offset cursor skips a record updated between pages; keyset does not', async () => {
  const local = await startSandbox({ seed: 3, anchor: 1_700_006_400, now: () => 1_700_006_400_000 });
  try {
    const body = { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 50 }, sort: { field: 'updated_at', order: 'ascending' } };
    const everyone = local.workspace.ids('contacts').length;
    // After the first page every contact is updated "now": the served ones move behind the others, so an
    // offset cursor (Intercom's stateless cursor) loses records that a keyset cursor still returns.
    const pages = await searchAll(local, '/contacts/search', body, 'data', (n) => { if (n === 0) local.workspace.touch('contacts', everyone); });
    const ids = new Set(pages.flat().map((c) => c.id));
    assert.ok(ids.size < local.workspace.ids('contacts').length, 'offset paging lost a record');
    local.setOptions({ searchCursor: 'keyset' });
    const again = await searchAll(local, '/contacts/search', body, 'data', (n) => { if (n === 0) local.workspace.touch('contacts', everyone); });
    const seen = new Set(again.flat().map((c) => c.id));
    assert.equal(seen.size, everyone);
  } finally { await local.close(); }
});

test('GET /contacts and GET /conversations cursor-page every record once, no next on the last page', async () => {
  for (const [path, key, stream] of [['/contacts', 'data', 'contacts'], ['/conversations', 'conversations', 'conversations']] as const) {
    const ids: string[] = [];
    let after: string | undefined;
    let last: any;
    do {
      const reply = await call(sb, 'GET', `${path}?per_page=33${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`);
      assert.equal(reply.status, 200);
      ids.push(...reply.json[key].map((x: any) => x.id));
      last = reply.json.pages;
      after = last.next?.starting_after;
    } while (after);
    assert.equal(last.page, last.total_pages);
    assert.deepEqual(ids, sb.workspace.ids(stream).map((x) => x.id));
  }
});

test('inline lists show 10 with has_more and the url serves the full list', async () => {
  const crowded = sb.workspace.contactId(1);
  const contact = sb.workspace.get('contacts', crowded) as any;
  for (const list of ['tags', 'companies', 'notes']) {
    assert.equal(contact[list].data.length, 10, list);
    assert.equal(contact[list].has_more, true, list);
    assert.ok(contact[list].total_count > 10, list);
    const reply = await call(sb, 'GET', contact[list].url);
    assert.equal(reply.status, 200);
    assert.equal(reply.json.data.length, contact[list].total_count, list);
  }
  // The companies list is assembled from the render cache's bytes: the same text as the ground truth serialised.
  const companies = sb.workspace.contactCompanies(crowded)!;
  const full = await call(sb, 'GET', contact.companies.url);
  assert.equal(full.text, JSON.stringify({ type: 'list', data: companies, total_count: companies.length, pages: { type: 'pages', page: 1, per_page: Math.max(50, companies.length), total_pages: 1 } }));
  const segments = await call(sb, 'GET', `/contacts/${crowded}/segments`);
  assert.deepEqual(segments.json.data.map((s: any) => s.id), sb.workspace.contactSegments(crowded)!.map((s) => s.id));
  assert.equal((await call(sb, 'GET', '/contacts/000000000000000000000000/tags')).status, 404);
});

test('crowded contacts: about one in 23 by default (and contact 1), one in N when asked, none with crowdedOneIn 0', async () => {
  const crowdedShare = (ws: Sandbox['workspace']) => {
    const contacts = ws.ids('contacts').map((c) => ws.get('contacts', c.id) as any);
    return contacts.filter((c) => c.tags.has_more || c.companies.has_more).length / contacts.length;
  };
  const share = crowdedShare(sb.workspace);
  assert.ok(share > 1 / 40 && share < 1 / 15, `default: ${share}`);
  for (const [every, low, high] of [[5, 1 / 7, 1 / 4], [0, 0, 0]] as const) {
    const other = await startSandbox({ seed: 7, anchor: 1_700_006_400, crowdedOneIn: every });
    try {
      const got = crowdedShare(other.workspace);
      assert.ok(got >= low && got <= high, `one in ${every}: ${got}`);
      if (every === 0) assert.equal((other.workspace.get('contacts', other.workspace.contactId(1)) as any).tags.has_more, false, 'contact 1 too');
    } finally {
      await other.close();
    }
  }
});

test('segment membership: /contacts/{id}/segments agrees with search on segment_id and include_count', async () => {
  const segments = (await call(sb, 'GET', '/segments?include_count=true')).json.segments;
  assert.ok(segments.some((s: any) => s.person_type === 'user') && segments.some((s: any) => s.person_type === 'contact'));
  const s = segments[0];
  const pages = await searchAll(sb, '/contacts/search', { query: { field: 'segment_id', operator: '=', value: s.id }, pagination: { per_page: 150 } }, 'data');
  assert.equal(pages.flat().length, s.count);
  for (const c of pages.flat().slice(0, 5)) assert.ok(sb.workspace.contactSegments(c.id)!.some((x) => x.id === s.id));
  const plain = (await call(sb, 'GET', '/segments')).json.segments;
  assert.ok(plain.every((x: any) => !('count' in x)));
  const typed = (await call(sb, 'GET', '/segments?type=company')).json.segments;
  assert.deepEqual(typed.map((x: any) => x.id), plain.map((x: any) => x.id), 'v1 type=company is ignored by default');
});

test('conversation retrieve caps parts at the 500 most recent with the true total_count', async () => {
  const heavy = sb.workspace.ids('conversations').map((c) => sb.workspace.get('conversations', c.id) as any)
    .find((c) => c.conversation_parts.total_count > 500);
  assert.ok(heavy, 'a heavy conversation exists');
  const reply = await call(sb, 'GET', `/conversations/${heavy.id}`);
  const parts = reply.json.conversation_parts;
  assert.equal(parts.conversation_parts.length, 500);
  assert.equal(parts.total_count, heavy.conversation_parts.total_count);
  assert.equal(reply.json.statistics.count_conversation_parts, parts.total_count);
  assert.deepEqual(parts.conversation_parts.map((p: any) => p.id), heavy.conversation_parts.conversation_parts.slice(-500).map((p: any) => p.id));
  const plain = await call(sb, 'GET', `/conversations/${heavy.id}?display_as=plaintext`);
  assert.ok(plain.json.conversation_parts.conversation_parts.every((p: any) => p.body === null || !/<p>/.test(p.body)));
  const search = await call(sb, 'POST', '/conversations/search', { query: { field: 'id', operator: '=', value: heavy.id } });
  assert.equal(search.json.conversations.length, 1);
  assert.ok(!('conversation_parts' in search.json.conversations[0]), 'search never contains parts');
  assert.equal((await call(sb, 'GET', '/conversations/42')).status, 404);
});

test('companies scroll: one at a time, empty data at the end, then closed; expiry gives 404', async () => {
  let now = 1_700_000_000_000;
  const local = await startSandbox({ seed: 5, now: () => now, scrollIdleMs: 1000 });
  try {
    const first = await call(local, 'GET', '/companies/scroll');
    assert.equal(first.status, 200);
    assert.equal(first.json.pages, null);
    const second = await call(local, 'GET', '/companies/scroll');
    assert.equal(second.status, 400);
    assert.equal(second.json.errors[0].code, 'scroll_exists');
    const ids = first.json.data.map((c: any) => c.id);
    let param = first.json.scroll_param;
    for (;;) {
      const page = await call(local, 'GET', `/companies/scroll?scroll_param=${param}`);
      assert.equal(page.status, 200);
      if (page.json.data.length === 0) break;
      ids.push(...page.json.data.map((c: any) => c.id));
      param = page.json.scroll_param;
    }
    assert.deepEqual(ids, local.workspace.ids('companies').map((c) => c.id));
    const restart = await call(local, 'GET', '/companies/scroll');
    assert.equal(restart.status, 200, 'the scroll closed at its end');
    now += 1001;
    const expired = await call(local, 'GET', `/companies/scroll?scroll_param=${restart.json.scroll_param}`);
    assert.equal(expired.status, 404);
    assert.equal(expired.json.errors[0].code, 'not_found');
    assert.equal((await call(local, 'GET', '/companies/scroll')).status, 200, 'an expired scroll no longer blocks');
  } finally { await local.close(); }
});

test('companies list skips companies without users; company segments 404 company_not_found', async () => {
  const reply = await call(sb, 'POST', '/companies/list?page=1&per_page=60');
  assert.equal(reply.status, 200);
  assert.ok(reply.json.data.every((c: any) => c.user_count > 0));
  assert.equal(reply.json.total_count, sb.workspace.ids('companies').filter((c) => (sb.workspace.get('companies', c.id) as any).user_count > 0).length);
  const missing = await call(sb, 'GET', '/companies/ffffffffffffffffffffffff/segments');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.errors[0].code, 'company_not_found');
});

test('tickets search, activity logs window and data attributes', async () => {
  const pages = await searchAll(sb, '/tickets/search', { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 15 } }, 'tickets');
  assert.equal(pages.flat().length, sb.workspace.ids('tickets').length);
  const all = (await call(sb, 'GET', '/admins/activity_logs?created_at_after=0&per_page=150')).json.activity_logs;
  const mid = all[Math.floor(all.length / 2)].created_at;
  const recent = (await call(sb, 'GET', `/admins/activity_logs?created_at_after=${mid}&per_page=150`)).json.activity_logs;
  assert.ok(recent.length > 0 && recent.length < all.length && recent.every((l: any) => l.created_at >= mid));
  assert.equal((await call(sb, 'GET', '/admins/activity_logs')).status, 400);
  const attrs = (await call(sb, 'GET', '/data_attributes?model=contact')).json.data;
  assert.deepEqual(new Set(attrs.filter((a: any) => a.custom).map((a: any) => a.data_type)), new Set(['string', 'integer', 'float', 'boolean', 'date']));
});

test('touch and create are visible through the API', async () => {
  let now = 1_700_100_000_000;
  const local = await startSandbox({ seed: 9, anchor: 1_700_006_400, now: () => now });
  try {
    const touched = local.workspace.touch('conversations', 2);
    const created = local.workspace.create('contacts', 3);
    const conv = await searchAll(local, '/conversations/search', { query: { field: 'updated_at', operator: '>=', value: 1_700_100_000 } }, 'conversations');
    assert.deepEqual(conv.flat().map((c) => c.id).sort(), [...touched].sort());
    const contacts = await searchAll(local, '/contacts/search', { query: { field: 'created_at', operator: '>', value: 1_700_006_400 } }, 'data');
    assert.deepEqual(contacts.flat().map((c) => c.id).sort(), [...created].sort());
    const before = local.workspace.get('conversations', touched[0]!) as any;
    now += 5000;
    local.workspace.touch('conversations', local.workspace.ids('conversations').length);
    const afterTouch = await call(local, 'GET', `/conversations/${touched[0]}`);
    assert.equal(afterTouch.json.conversation_parts.total_count, before.conversation_parts.total_count + 1);
    assert.equal(afterTouch.json.updated_at, 1_700_100_005);
  } finally { await local.close(); }
});

test('same seed, same bytes; another seed, other bytes', async () => {
  const a = await startSandbox({ seed: 11, anchor: 1_700_006_400 });
  const b = await startSandbox({ seed: 11, anchor: 1_700_006_400 });
  const c = await startSandbox({ seed: 12, anchor: 1_700_006_400 });
  try {
    const body = { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 150 } };
    const ta = (await call(a, 'POST', '/contacts/search', body)).text.replace(/"request_id":"[^"]*"/, '');
    const tb = (await call(b, 'POST', '/contacts/search', body)).text.replace(/"request_id":"[^"]*"/, '');
    const tc = (await call(c, 'POST', '/contacts/search', body)).text;
    assert.equal(ta, tb);
    assert.notEqual(ta, tc);
    assert.equal((await call(a, 'GET', '/conversations/1000002')).text, (await call(b, 'GET', '/conversations/1000002')).text);
  } finally { await Promise.all([a.close(), b.close(), c.close()]); }
});
