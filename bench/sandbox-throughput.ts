/**
 * Sandbox throughput with latency off, over keep-alive HTTP (undici Pool, 4 connections, 4 in flight):
 * - search pages of 150 contacts per second: 4 cursor chains over disjoint updated_at day ranges of equal
 *   size, so every contact is served once per walk. 'cold' is the first walk (records rendered), 'warm'
 *   walks the same pages again (records from the sandbox's render cache).
 * - conversation retrieves per second: 'cold' fetches distinct conversations, 'warm' the same ones again.
 * The client runs in the sandbox's process (it shares that CPU) and in a separate process; each gets a
 * fresh sandbox so both see a cold cache. Clients read bodies as bytes (no UTF-8 decode or JSON.parse of
 * 300 KB pages) and check status, Content-Length and the envelope.
 * Run: node .build/bench/sandbox-throughput.js [--contacts N] [--seconds S] [--client in|out|both]
 */
import { fork } from 'node:child_process';
import { Pool, type Dispatcher } from 'undici';
import { startSandbox } from '../sandbox/index.js';

const DAY = 86_400;
const CONNECTIONS = 4;
const CONVERSATIONS = 20_000;

interface Plan { url: string; token: string; seconds: number; ranges: [number, number][]; conversationIds: string[] }
interface Rate { label: string; count: number; ms: number }

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : fallback; };

async function main(): Promise<void> {
  const contacts = Number(arg('contacts', '100000'));
  const seconds = Number(arg('seconds', '3'));
  const mode = arg('client', 'both');
  console.log(`sandbox throughput: ${contacts} contacts, ${CONVERSATIONS} conversations, latency off, ${CONNECTIONS} keep-alive connections, walks capped at ${seconds}s`);
  console.log('| client          | measure                                 |     rate    |');
  console.log('|-----------------|-----------------------------------------|-------------|');
  for (const where of ['in', 'out'] as const) {
    if (mode !== 'both' && mode !== where) continue;
    const sb = await startSandbox({ seed: 42, sizes: { contacts, conversations: CONVERSATIONS, companies: 1000 } });
    try {
      const plan: Plan = {
        url: sb.url, token: sb.token, seconds,
        ranges: dayRanges(sb.workspace.tables.contacts.updated, sb.workspace.tables.contacts.count, CONNECTIONS),
        conversationIds: sb.workspace.ids('conversations').map((c) => c.id),
      };
      const rates = where === 'in' ? await runClient(plan) : await runClientProcess(plan);
      for (const r of rates) {
        const client = where === 'in' ? 'same process' : 'other process';
        console.log(`| ${client.padEnd(15)} | ${r.label.padEnd(39)} | ${(r.count / (r.ms / 1000)).toFixed(0).padStart(8)} /s |`);
      }
    } finally {
      await sb.close();
    }
  }
}

/** `parts` [after-day, before-day) bounds splitting the records into runs of about equal size. */
function dayRanges(updated: Float64Array, count: number, parts: number): [number, number][] {
  const sorted = Float64Array.from(updated.subarray(0, count)).sort();
  const cuts = [0];
  for (let p = 1; p < parts; p++) cuts.push(Math.floor(sorted[Math.floor((count * p) / parts)]! / DAY) * DAY);
  cuts.push(Math.ceil((sorted[count - 1]! + 1) / DAY) * DAY + DAY);
  // Contacts compare dates by day: `> t` starts the day after t's, `< t` ends before t's day.
  return cuts.slice(0, -1).map((from, p) => [from - DAY, cuts[p + 1]!]);
}

function runClientProcess(plan: Plan): Promise<Rate[]> {
  return new Promise((resolve, reject) => {
    const child = fork(process.argv[1]!, ['--role', 'client'], { stdio: 'inherit' });
    child.once('message', (rates) => resolve(rates as Rate[]));
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`bench client exited ${code}`)); });
    child.send(plan);
  });
}

async function runClient(plan: Plan): Promise<Rate[]> {
  const pool = new Pool(plan.url, { connections: CONNECTIONS, pipelining: 1 });
  const headers = { authorization: `Bearer ${plan.token}`, accept: 'application/json', 'content-type': 'application/json' };
  try {
    const rates: Rate[] = [];
    const cold = await walkSearch(pool, headers, plan, undefined);
    rates.push({ label: 'search pages, 150 contacts, cold', count: sum(cold.pages), ms: cold.ms });
    const warm = await walkSearch(pool, headers, plan, cold.pages);
    rates.push({ label: 'search pages, 150 contacts, warm', count: sum(warm.pages), ms: warm.ms });
    const coldRetrieves = await retrieve(pool, headers, plan, undefined);
    rates.push({ label: 'conversation retrieves, cold', count: coldRetrieves.count, ms: coldRetrieves.ms });
    const warmRetrieves = await retrieve(pool, headers, plan, coldRetrieves.count);
    rates.push({ label: 'conversation retrieves, warm', count: warmRetrieves.count, ms: warmRetrieves.ms });
    return rates;
  } finally {
    await pool.close();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * One cursor chain per range. Cold (`limits` undefined): each chain walks its range once, or until the
 * time cap. Warm: each chain re-walks the pages its cold walk served (from the first page again when it
 * has served them all) until the time cap, so it never reaches pages the cache has not seen.
 */
async function walkSearch(pool: Pool, headers: Record<string, string>, plan: Plan, limits: number[] | undefined) {
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;
  const pages = plan.ranges.map(() => 0);
  await Promise.all(plan.ranges.map(async ([after, before], c) => {
    let cursor: string | undefined;
    let walked = 0;
    while (performance.now() < deadline) {
      if (limits !== undefined && walked >= limits[c]! && walked > 0) { cursor = undefined; walked = 0; }
      const body = JSON.stringify({
        query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>', value: after }, { field: 'updated_at', operator: '<', value: before }] },
        sort: { field: 'updated_at', order: 'ascending' }, pagination: { per_page: 150, starting_after: cursor },
      });
      const { head } = await read(await pool.request({ path: '/contacts/search', method: 'POST', headers, body }), '"type":"list"');
      walked++;
      pages[c]!++;
      cursor = /"starting_after":"([^"]+)"/.exec(head)?.[1];
      if (cursor === undefined && limits === undefined) break;
    }
  }));
  return { pages, ms: performance.now() - started };
}

/** Cold (`repeat` undefined): distinct conversations until the time cap. Warm: the first `repeat` again. */
async function retrieve(pool: Pool, headers: Record<string, string>, plan: Plan, repeat: number | undefined) {
  const ids = plan.conversationIds;
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;
  let k = 0;
  const limit = repeat ?? ids.length;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < deadline && (repeat !== undefined || k < limit)) {
      const id = ids[((k++ % limit) * 7919) % ids.length]!;
      await read(await pool.request({ path: `/conversations/${id}?display_as=plaintext`, method: 'GET', headers }), '"type":"conversation"');
    }
  }));
  return { count: k, ms: performance.now() - started };
}

/** Reads the body as bytes; checks status, Content-Length and that the envelope's start holds `marker`. */
async function read(res: Dispatcher.ResponseData, marker: string): Promise<{ head: string }> {
  let length = 0;
  let head = '';
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (head.length < 600) head += chunk.toString('latin1', 0, Math.min(chunk.length, 600 - head.length));
    length += chunk.length;
  }
  if (res.statusCode !== 200 || length !== Number(res.headers['content-length']) || !head.includes(marker)) {
    throw new Error(`bench: bad response ${res.statusCode} (${length} bytes of ${String(res.headers['content-length'])}): ${head.slice(0, 200)}`);
  }
  return { head };
}

if (arg('role', 'main') === 'client') {
  process.once('message', (plan: Plan) => {
    runClient(plan).then((rates) => process.send!(rates, () => process.exit(0)), (err: Error) => { console.error(err); process.exit(1); });
  });
} else {
  await main();
}
