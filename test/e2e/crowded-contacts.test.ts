// Crowded contacts (more than 10 tags or companies inline: `has_more` and a `url` to follow). Read from a page as
// Latin-1 text, such a contact stays in that reading through its follow-up when its full lists' bodies can be
// read the same way (readJsonBody, takeLatin1Finisher), and is mended to its UTF-8 reading when they cannot.
// Whichever way, each row must be what parsing, completing and serialising the contact gives: here the same
// bodies are served as the sandbox makes them, then bent in ways that keep their value (white space, an escape
// JSON.stringify would not write, a byte order mark, UTF-8 written as \u escapes), and broken (404, no list),
// and the rows compared with a direct read's. Pages are prepared (read as Latin-1 text) for a search that
// announces PAGE_WORKERS_FROM records: the users here; the leads, fewer, are parsed as UTF-8.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { startSlowProxy, type ProxyAnswer } from '../helpers/slow-sandbox.js';
import { configuredCatalog, records, runConnector, traces } from '../helpers/connector.js';
import { call, searchAll } from '../sandbox/helpers.js';

let sandbox: Sandbox;
before(async () => { sandbox = await startSandbox({ seed: 31, sizes: { contacts: 3200, companies: 60, conversations: 10 }, crowdedOneIn: 10 }); });
after(async () => { await sandbox.close(); });

async function readUsersAndLeads(baseUrl: string): Promise<Map<string, string>> {
  const config = { access_token: sandbox.token, base_url: baseUrl, start_date: '2000-01-01T00:00:00Z' };
  const discovered = await runConnector('discover', { config });
  const catalog = discovered.messages.find((m) => m.type === 'CATALOG')!.catalog;
  // The parent streams alone: their rows are the records themselves, which the text way makes.
  const read = await runConnector('read', { config, catalog: configuredCatalog(catalog, ['users', 'leads'], 'full_refresh') });
  assert.equal(read.code, 0, read.stderr);
  assert.deepEqual(traces(read.messages, 'ERROR'), []);
  return new Map([...records(read.messages, 'users'), ...records(read.messages, 'leads')].map((r) => [r.id as string, JSON.stringify(r)]));
}

/** Each way a list's body is served through the proxy, and whether the row keeps the list as it was inline. */
const BENDS: { name: string; keepsInline: boolean; bend: (body: string) => ProxyAnswer }[] = [
  { name: 'as the sandbox makes it', keepsInline: false, bend: (body) => ({ status: 200, body }) },
  { name: 'pretty-printed', keepsInline: false, bend: (body) => ({ status: 200, body: JSON.stringify(JSON.parse(body), null, 2) }) },
  { name: 'an escape JSON.stringify would not write', keepsInline: false, bend: (body) => ({ status: 200, body: body.replace('"list"', '"\\u006cist"') }) },
  { name: 'after a byte order mark', keepsInline: false, bend: (body) => ({ status: 200, body: `\ufeff${body}` }) },
  {
    name: 'beyond ASCII as \\u escapes', keepsInline: false,
    bend: (body) => ({ status: 200, body: JSON.stringify(JSON.parse(body)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) }),
  },
  { name: 'not found', keepsInline: true, bend: () => ({ status: 404, body: JSON.stringify({ type: 'error.list', request_id: 'x', errors: [{ code: 'not_found', message: 'User Not Found' }] }) }) },
  { name: 'no list in it', keepsInline: true, bend: () => ({ status: 200, body: '{"type":"list"}' }) },
];

test('crowded contacts: every row as parsing, completing and serialising makes it, whatever the follow-up bodies look like', async () => {
  const direct = await readUsersAndLeads(sandbox.url);

  // The crowded contacts as the search serves them (their inline lists), and every list url to follow.
  const contacts: any[] = (await searchAll(sandbox, '/contacts/search', { query: { field: 'updated_at', operator: '>', value: 0 }, pagination: { per_page: 150 } }, 'data')).flat();
  const lists = contacts.flatMap((c) => (['tags', 'companies'] as const).filter((key) => c[key]?.has_more && c[key]?.url).map((key) => ({ contact: c, key, url: c[key].url as string })));
  assert.ok(lists.length >= 4 * BENDS.length, `enough crowded lists (${lists.length})`);

  // Each list url gets one of the bends, in turn; the bodies are the sandbox's own.
  const answers = new Map<string, ProxyAnswer>();
  const expected = new Map(direct);
  for (const [k, { contact, key, url }] of lists.entries()) {
    const path = new URL(url, sandbox.url).pathname;
    const served = await call(sandbox, 'GET', path);
    assert.equal(served.status, 200, url);
    const bend = BENDS[k % BENDS.length]!;
    answers.set(path, bend.bend(served.text));
    if (bend.keepsInline) {
      const row = JSON.parse(expected.get(contact.id)!);
      row[key] = contact[key];
      expected.set(contact.id, JSON.stringify(row));
    }
  }
  assert.ok(BENDS.some((b) => b.keepsInline) && [...expected].some(([id, row]) => row !== direct.get(id)), 'some rows keep an inline list');

  const proxy = await startSlowProxy(sandbox.url, { answer: (req) => (req.method === 'GET' ? answers.get(req.path) : undefined) });
  try {
    const bent = await readUsersAndLeads(proxy.url);
    assert.equal(bent.size, expected.size);
    for (const [id, row] of expected) assert.equal(bent.get(id), row, `contact ${id}`);
    assert.equal(proxy.log.filter((e) => answers.has(e.path)).length, answers.size, 'each list asked for once');
  } finally {
    await proxy.close();
  }
});
