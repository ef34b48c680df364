import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { clientFor, errorList, fakeIntercom, json, thrown, type SeenRequest } from './fake-intercom.js';
import type { IntercomClient } from '../../../src/intercom/http/client.js';

const COMPANIES = Array.from({ length: 12 }, (_, i) => ({ id: `c${i + 1}`, name: `Company ${i + 1}` }));
const PAGE = 5;

/** What a scripted fault does to one scroll request; undefined = answer normally. */
type Fault = 'expired' | 'error500' | 'exists' | undefined;

/**
 * Intercom's scroll: a new scroll_param per page (`<scroll>:<offset>`), one open scroll at a time (a second
 * first page while one is open gets 400 scroll_exists), the scroll closes when the empty page is served.
 */
function scrollHandler(fault: (req: SeenRequest, call: number) => Fault = () => undefined) {
  let scrolls = 0;
  let open: string | undefined;
  let overlaps = 0;
  let call = 0;
  const handle = (req: SeenRequest, res: http.ServerResponse) => {
    call++;
    const param = req.query.get('scroll_param');
    const f = fault(req, call);
    if (f === 'exists' || (!param && open)) {
      if (!param && open) overlaps++;
      return errorList(res, 400, 'scroll_exists', 'scroll already exists for this workspace');
    }
    if (f === 'expired' || f === 'error500') open = undefined; // that scroll is gone
    if (f === 'expired') return errorList(res, 404, 'not_found', 'scroll parameter not found');
    if (f === 'error500') return errorList(res, 500, 'server_error', 'internal network error, please restart the scroll');
    let scroll: string;
    let offset: number;
    if (!param) {
      scroll = `s${++scrolls}`;
      offset = 0;
      open = scroll;
    } else {
      [scroll, offset] = [param.split(':')[0]!, Number(param.split(':')[1])];
    }
    const data = COMPANIES.slice(offset, offset + PAGE);
    if (data.length === 0 && open === scroll) open = undefined;
    json(res, 200, { type: 'list', data, pages: null, total_count: null, scroll_param: `${scroll}:${offset + PAGE}` });
  };
  return { handle, overlaps: () => overlaps, scrolls: () => scrolls };
}

async function readAll(client: IntercomClient): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of client.scrollCompanies<{ id: string }>()) ids.push(...page.map((c) => c.id));
  return ids;
}

const ALL_IDS = COMPANIES.map((c) => c.id);

test('the scroll reads every page until an empty one', async () => {
  const fake = scrollHandler();
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server);
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    assert.deepEqual(server.requests.map((r) => r.query.get('scroll_param')), [null, 's1:5', 's1:10', 's1:15']);
  } finally {
    await client.close();
    await server.close();
  }
});

test('an expired scroll (404) restarts from the first page and yields each company once', async () => {
  const fake = scrollHandler((req) => (req.query.get('scroll_param') === 's1:10' ? 'expired' : undefined));
  const server = await fakeIntercom(fake.handle);
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    assert.equal(fake.scrolls(), 2);
    assert.ok(logs.some((l) => l.level === 'WARN' && /scroll expired \(404\); restarting from the first page/.test(l.message)));
  } finally {
    await client.close();
    await server.close();
  }
});

test('a 500 mid-scroll: asked once more, then the scroll restarts without duplicates', async () => {
  // s1:5 fails once (a blip: the same page is asked again); s1:10 keeps failing (broken scroll: restart).
  let blips = 0;
  const fake = scrollHandler((req) => {
    const param = req.query.get('scroll_param');
    if (param === 's1:5' && blips++ === 0) return 'error500';
    return param === 's1:10' ? 'error500' : undefined;
  });
  const server = await fakeIntercom((req, res) => fake.handle(req, res));
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    assert.equal(fake.scrolls(), 2, 'one restart');
    assert.equal(server.requests.filter((r) => r.query.get('scroll_param') === 's1:5').length, 2);
    assert.equal(server.requests.filter((r) => r.query.get('scroll_param') === 's1:10').length, 2);
    assert.ok(logs.some((l) => /answered 500 twice on the same page; restarting/.test(l.message)));
  } finally {
    await client.close();
    await server.close();
  }
});

test('scroll_exists waits scrollExistsWaitMs and retries, bounded by scrollExistsMaxAttempts', async () => {
  const fake = scrollHandler((_req, call) => (call <= 2 ? 'exists' : undefined));
  const server = await fakeIntercom(fake.handle);
  const { client, logs } = clientFor(server, { scrollExistsWaitMs: 80, scrollExistsMaxAttempts: 3 });
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    const [a, b, c] = server.requests;
    assert.ok(b!.at - a!.at >= 75 && c!.at - b!.at >= 75, 'waited between tries');
    assert.equal(logs.filter((l) => l.level === 'WARN' && /scroll_exists/.test(l.message)).length, 2);
  } finally {
    await client.close();
    await server.close();
  }
  const always = await fakeIntercom(scrollHandler(() => 'exists').handle);
  const second = clientFor(always, { scrollExistsWaitMs: 10, scrollExistsMaxAttempts: 3 });
  try {
    const err = await thrown(() => readAll(second.client));
    assert.equal(err.failureType, 'transient_error');
    assert.match(err.message, /another scroll is open .*scroll_exists.* after 3 attempts/);
    assert.equal(always.requests.length, 3);
  } finally {
    await second.client.close();
    await always.close();
  }
});

test('two scrolls in one process run one after the other (never two open)', async () => {
  const fake = scrollHandler();
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server, { scrollExistsMaxAttempts: 1 });
  const other = clientFor(server, { scrollExistsMaxAttempts: 1 });
  try {
    const [a, b] = await Promise.all([readAll(client), readAll(other.client)]);
    assert.deepEqual(a, ALL_IDS);
    assert.deepEqual(b, ALL_IDS);
    assert.equal(fake.overlaps(), 0);
    assert.equal(fake.scrolls(), 2);
    // a consumer that stops early releases the lock
    for await (const page of client.scrollCompanies()) {
      assert.equal(page.length, PAGE);
      break;
    }
  } finally {
    await client.close();
    await other.client.close();
    await server.close();
  }
});

test('a scroll that serves the same page again (same scroll_param) stops with a system_error', async () => {
  const server = await fakeIntercom((_req, res) => json(res, 200, { type: 'list', data: COMPANIES.slice(0, 3), scroll_param: 'same' }));
  const { client } = clientFor(server);
  try {
    const seen: string[] = [];
    const err = await thrown(async () => {
      for await (const page of client.scrollCompanies<{ id: string }>()) seen.push(...page.map((c) => c.id));
    });
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /returned company c1 twice in one scroll \(scroll_param repeated\)/);
    assert.deepEqual(seen, ['c1', 'c2', 'c3']);
    assert.equal(server.requests.length, 2);
  } finally {
    await client.close();
    await server.close();
  }
});
