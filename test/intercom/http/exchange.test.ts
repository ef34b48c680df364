// One exchange over undici's dispatch() (src/intercom/http/exchange.ts): the whole body in one piece, the
// x-ratelimit-* headers whatever their case (the first of a repeated one), and an abort that ends the exchange
// whether it already has a connection or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';
import { exchange } from '../../../src/intercom/http/exchange.js';

const Pool = createRequire(import.meta.url)('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ pool: UndiciPool; close: () => Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { connections: 1 });
  return {
    pool,
    close: async () => {
      await pool.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

test('the body arrives whole from many chunks, with the status and the x-ratelimit-* headers in lower case (the first of a repeated one)', async () => {
  const piece = 'é'.repeat(40_000); // 80 KB of UTF-8 per write: several socket reads
  const { pool, close } = await serve((_req, res) => {
    res.writeHead(207, [
      ['X-RateLimit-Limit', '1000'],
      ['x-ratelimit-remaining', '998'],
      ['X-RATELIMIT-REMAINING', '1'],
      ['X-RateLimit-Reset', '1700000000'],
      ['X-Other-Header-Long-Enough', 'ignored'],
      ['X-Short', 'ignored'],
    ]);
    res.write(piece);
    setTimeout(() => res.end(piece), 20);
  });
  try {
    const answer = await exchange(pool, { path: '/p', method: 'GET' }).answer;
    assert.equal(answer.status, 207);
    assert.deepEqual(answer.rateLimit, { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '998', 'x-ratelimit-reset': '1700000000' });
    assert.equal(Buffer.from(answer.body).toString('utf8'), piece + piece);
  } finally {
    await close();
  }
});

test('a POST body is sent as given', async () => {
  const { pool, close } = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`${req.method} ${req.headers['content-type']} ${Buffer.concat(chunks).toString()}`));
  });
  try {
    const answer = await exchange(pool, { path: '/search', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }).answer;
    assert.equal(Buffer.from(answer.body).toString(), 'POST application/json {"a":1}');
    assert.deepEqual(answer.rateLimit, {});
  } finally {
    await close();
  }
});

test('abort ends an exchange half-way through its body, and one still waiting for a connection, with the reason given', { timeout: 5000 }, async () => {
  const { pool, close } = await serve((_req, res) => {
    res.writeHead(200);
    res.write('{"data":['); // and never more
  });
  try {
    const first = exchange(pool, { path: '/stuck', method: 'GET' });
    // One connection: the second waits behind the first, without a connection of its own yet.
    const second = exchange(pool, { path: '/queued', method: 'GET' });
    await new Promise((r) => setTimeout(r, 100));
    const reason = new Error('deadline');
    second.abort(reason);
    await assert.rejects(second.answer, (error) => error === reason, 'at once, though the first still holds the connection');
    first.abort(reason);
    await assert.rejects(first.answer, (error) => error === reason);
  } finally {
    await close();
  }
});
