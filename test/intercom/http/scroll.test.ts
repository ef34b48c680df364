import { test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { Socket } from 'node:net';
import { clientFor, errorList, fakeIntercom, json, thrown, type SeenRequest } from './fake-intercom.js';
import type { IntercomClient } from '../../../src/intercom/http/client.js';

const COMPANIES = Array.from({ length: 20 }, (_, i) => ({ id: `c${i + 1}`, name: `Company ${i + 1}` }));
const PAGE = 5;

/** What a scripted fault does to one scroll request; undefined = answer normally. */
type Fault = 'expired' | 'error500' | 'broken' | 'exists' | 'cut' | 'reset' | undefined;
/** Where the request stands: its scroll (1, 2...; 0 when opening one), the position the page starts at. */
interface At {
  scroll: number;
  offset: number;
  call: number;
}

/**
 * Intercom's scroll as the sandbox models it: one scroll_param per scroll, the position kept on the server
 * (so asking the same param again gives the next page), one open scroll at a time (a second first page while
 * one is open gets 400 scroll_exists), the scroll closes when the empty page is served. 'error500' is a
 * passing 500; 'broken' a 500 that closes the scroll; a 'cut' answer advances the position, then sends half
 * the body.
 */
function scrollHandler(fault: (at: At) => Fault = () => undefined, idleMs = Number.POSITIVE_INFINITY) {
  let lastUsed = 0;
  const positions = new Map<number, number>();
  let scrolls = 0;
  let open: number | undefined;
  let overlaps = 0;
  let call = 0;
  const ats: At[] = [];
  const handle = (req: SeenRequest, res: http.ServerResponse, socket: Socket) => {
    call++;
    if (open !== undefined && Date.now() - lastUsed > idleMs) open = undefined; // expired
    lastUsed = Date.now();
    const param = req.query.get('scroll_param');
    const scroll = param ? Number(param.slice(1)) : 0;
    const at = { scroll, offset: positions.get(scroll) ?? 0, call };
    ats.push(at);
    const f = fault(at);
    if (f === 'exists' || (!param && open !== undefined)) {
      if (!param && open !== undefined) overlaps++;
      return errorList(res, 400, 'scroll_exists', 'scroll already exists for this workspace');
    }
    if (f === 'expired' || f === 'broken') open = undefined; // that scroll is gone
    if (f === 'expired') return errorList(res, 404, 'not_found', 'scroll parameter not found');
    if (f === 'error500' || f === 'broken') return errorList(res, 500, 'server_error', 'internal network error, please restart the scroll');
    let id = scroll;
    if (!param) {
      id = ++scrolls;
      open = id;
      positions.set(id, 0);
    } else if (open !== id) return errorList(res, 404, 'not_found', 'scroll parameter not found');
    const offset = positions.get(id)!;
    const data = COMPANIES.slice(offset, offset + PAGE);
    positions.set(id, offset + data.length);
    if (data.length === 0) open = undefined;
    if (f === 'reset') return void socket.destroy();
    const body = JSON.stringify({ type: 'list', data, pages: null, total_count: null, scroll_param: `s${id}` });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(f === 'cut' ? body.slice(0, body.length / 2) : body);
  };
  return { handle, overlaps: () => overlaps, scrolls: () => scrolls, ats: () => ats };
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
    assert.deepEqual(server.requests.map((r) => r.query.get('scroll_param')), [null, 's1', 's1', 's1', 's1']);
  } finally {
    await client.close();
    await server.close();
  }
});

test('an expired scroll (404) restarts from the first page and yields each company once', async () => {
  const fake = scrollHandler((at) => (at.scroll === 1 && at.offset === 10 ? 'expired' : undefined));
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

test('a 500 mid-scroll: asked once more; a broken scroll restarts without duplicates', async () => {
  // at 5 the first scroll answers 500 once (a blip: the same page is asked again); at 10 it breaks.
  let blips = 0;
  const fake = scrollHandler((at) => {
    if (at.scroll === 1 && at.offset === 5 && blips++ === 0) return 'error500';
    return at.scroll === 1 && at.offset === 10 ? 'broken' : undefined;
  });
  const server = await fakeIntercom(fake.handle);
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    assert.equal(fake.scrolls(), 2, 'one restart');
    assert.equal(fake.ats().filter((a) => a.scroll === 1 && a.offset === 5).length, 2, 'the blip was asked again');
    assert.ok(logs.some((l) => /answered 500; asking for the same page again \(try 2 of 3\)/.test(l.message)));
    assert.ok(logs.some((l) => /restarting from the first page \(pass 2\)/.test(l.message)));
  } finally {
    await client.close();
    await server.close();
  }
});

test('a lost scroll answer (cut body, the position moved on): read on to the end, then read the scroll again', async () => {
  const fake = scrollHandler((at) => (at.scroll === 1 && at.offset === 5 ? 'cut' : undefined));
  const server = await fakeIntercom(fake.handle);
  const { client, logs } = clientFor(server);
  try {
    const ids = await readAll(client);
    assert.deepEqual([...ids].sort(), [...ALL_IDS].sort());
    assert.equal(ids.length, ALL_IDS.length, 'each company once');
    assert.deepEqual(ids.slice(5, 15), ALL_IDS.slice(10, 20), 'the first pass read on past the lost page');
    assert.equal(fake.scrolls(), 2, 'a second pass found the lost page, opened at once (the first scroll had ended)');
    assert.equal(fake.overlaps(), 0);
    assert.ok(logs.some((l) => /a page's answer was lost \(status 200 with a body that is not valid JSON\)/.test(l.message)));
    assert.ok(logs.some((l) => /1 page answer was lost, so companies may have been skipped; restarting from the first page \(pass 2\)/.test(l.message)));
  } finally {
    await client.close();
    await server.close();
  }
});

test('a scroll answering 500 again and again is restarted after 3 tries (waiting out the old scroll)', async () => {
  const fake = scrollHandler((at) => (at.scroll === 1 && at.offset === 10 ? 'error500' : undefined), 30);
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server, { scrollExistsWaitMs: 60 });
  try {
    const ids = await readAll(client);
    assert.deepEqual(ids, ALL_IDS);
    assert.equal(fake.ats().filter((a) => a.scroll === 1 && a.offset === 10).length, 3);
    assert.equal(fake.scrolls(), 2);
  } finally {
    await client.close();
    await server.close();
  }
});

test('a connection reset on a continued page is a lost answer too (never asked again blindly)', async () => {
  const fake = scrollHandler((at) => (at.scroll === 1 && at.offset === 10 ? 'reset' : undefined));
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server);
  try {
    const ids = await readAll(client);
    assert.deepEqual([...ids].sort(), [...ALL_IDS].sort());
    assert.equal(ids.length, ALL_IDS.length);
    assert.equal(fake.scrolls(), 2);
  } finally {
    await client.close();
    await server.close();
  }
});

test('a lost answer on a later pass between pages already read back to back needs no further pass', async () => {
  // pass 1 loses the page at 15; pass 2 loses the page at 5, but pass 1 read the pages 0, 5, 10 back to back.
  const fake = scrollHandler((at) => ((at.scroll === 1 && at.offset === 15) || (at.scroll === 2 && at.offset === 5) ? 'cut' : undefined));
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server);
  try {
    const ids = await readAll(client);
    assert.deepEqual([...ids].sort(), [...ALL_IDS].sort());
    assert.equal(ids.length, ALL_IDS.length);
    assert.equal(fake.scrolls(), 2);
  } finally {
    await client.close();
    await server.close();
  }
  // the same loss on pass 2 without that knowledge (pass 1 lost the page at 5 itself) takes a third pass
  const again = scrollHandler((at) => (at.offset === 5 && at.scroll <= 2 ? 'cut' : undefined));
  const second = await fakeIntercom(again.handle);
  const other = clientFor(second);
  try {
    const ids = await readAll(other.client);
    assert.deepEqual([...ids].sort(), [...ALL_IDS].sort());
    assert.equal(again.scrolls(), 3);
  } finally {
    await other.client.close();
    await second.close();
  }
});

test('scroll_exists waits scrollExistsWaitMs and retries, bounded by scrollExistsMaxAttempts', async () => {
  const fake = scrollHandler((at) => (at.call <= 2 ? 'exists' : undefined));
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

test('scroll_exists on a continued page is waited out too, then the same page is asked again', async () => {
  let once = true;
  const fake = scrollHandler((at) => {
    if (at.scroll === 1 && at.offset === 5 && once) {
      once = false;
      return 'exists';
    }
    return undefined;
  });
  const server = await fakeIntercom(fake.handle);
  const { client } = clientFor(server, { scrollExistsWaitMs: 20 });
  try {
    assert.deepEqual(await readAll(client), ALL_IDS);
    assert.equal(fake.scrolls(), 1);
  } finally {
    await client.close();
    await server.close();
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

test('scroll items that are not companies with an id are skipped and counted; pages of nothing usable stop after 5', async () => {
  let n = 0;
  let junkOnly = false;
  const server = await fakeIntercom((req, res) => {
    n++;
    const param = req.query.get('scroll_param');
    if (junkOnly) return void json(res, 200, { type: 'list', data: [null, 2, 'x'], scroll_param: `p${n}` });
    json(res, 200, { type: 'list', data: param === null ? [null, { id: 'c1' }, { id: 5 }, [], { name: 'no id' }] : [], scroll_param: 's1' });
  });
  const { client, logs } = clientFor(server);
  try {
    assert.deepEqual(await readAll(client), ['c1', '5']);
    assert.ok(logs.some((l) => l.level === 'WARN' && l.message === 'GET /companies/scroll returned 3 items that cannot be records (1 null, 1 array, 1 object without a usable "id"): skipped'), JSON.stringify(logs));
    junkOnly = true;
    const before = server.requests.length;
    const err = await thrown(() => readAll(client));
    assert.equal(err.failureType, 'system_error');
    assert.match(err.message, /^GET \/companies\/scroll returned 5 pages in a row with no usable company \(15 items skipped\)/);
    assert.equal(server.requests.length - before, 5);
  } finally {
    await client.close();
    await server.close();
  }
});
