/**
 * Sandbox throughput with latency off: search pages of 150 contacts per second and conversation
 * retrievals per second, over keep-alive HTTP with a few concurrent clients (undici Pool).
 * Run: node .build/bench/sandbox-throughput.js [--contacts N] [--seconds S]
 */
import { Pool } from 'undici';
import { startSandbox } from '../sandbox/index.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : fallback; };
const contacts = arg('contacts', 100_000);
const seconds = arg('seconds', 3);

const sb = await startSandbox({ seed: 42, sizes: { contacts, conversations: 20_000, companies: 1000 } });
const pool = new Pool(sb.url, { connections: 4, pipelining: 1 });
const headers = { authorization: `Bearer ${sb.token}`, accept: 'application/json', 'content-type': 'application/json' };

async function measure(label: string, next: () => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: 4 }, async () => { while (performance.now() < end) { await next(); done++; } }));
  const rate = done / seconds;
  console.log(`| ${label.padEnd(40)} | ${rate.toFixed(0).padStart(8)} /s |`);
  return rate;
}

let cursor: string | undefined;
const search = async () => {
  const res = await pool.request({ path: '/contacts/search', method: 'POST', headers,
    body: JSON.stringify({ query: { operator: 'AND', value: [{ field: 'updated_at', operator: '>', value: 0 }, { field: 'role', operator: '=', value: 'user' }] },
      sort: { field: 'updated_at', order: 'ascending' }, pagination: { per_page: 150, starting_after: cursor } }) });
  // The client only reads the cursor (no JSON.parse of the 300 KB page): it shares this process's CPU.
  const text = await res.body.text();
  if (res.statusCode !== 200 || !text.includes('"type":"contact"')) throw new Error(`search failed: ${res.statusCode}`);
  cursor = /"starting_after":"([^"]+)"/.exec(text.slice(0, 400))?.[1];
};
const conversationIds = sb.workspace.ids('conversations').map((c) => c.id);
let k = 0;
const retrieve = async () => {
  const id = conversationIds[(k++ * 7919) % conversationIds.length]!;
  const res = await pool.request({ path: `/conversations/${id}?display_as=plaintext`, method: 'GET', headers });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`retrieve failed: ${res.statusCode}`);
};

console.log(`sandbox throughput: ${contacts} contacts, 20000 conversations, latency off, 4 connections, ${seconds}s each`);
console.log('| measure                                  |     rate    |');
console.log('|------------------------------------------|-------------|');
await measure('search pages (150 contacts, role=user)', search);
await measure('conversation retrieves', retrieve);
await pool.close();
await sb.close();
