import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { ConnectorError } from '../../src/airbyte/errors.js';
import { Emitter } from '../../src/airbyte/emitter.js';
import type { ReadEvent } from '../../src/airbyte/source.js';
import { eventsFromWorker } from '../../src/airbyte/worker-events.js';
import { parseMessages } from '../helpers/protocol.js';
import { Collector } from './fake-source.js';

const WORKER = new URL('./fake-worker.js', import.meta.url);

function start(script: Record<string, unknown>) {
  return new Worker(WORKER, { workerData: { records: 100, checkpointEvery: 10, payload: 10, ...script } });
}
const calls = (method: string, args: unknown[]) => (method === 'count' ? (args[0] as number) * 2 : undefined);

test('records come back serialised, in order, always before the checkpoint that follows them; calls are answered', async () => {
  const seen: string[] = [];
  let records = 0;
  for await (const event of eventsFromWorker(start({}), calls)) {
    if (event.type === 'lines') {
      const lines = parseMessages(Buffer.from(event.lines).toString('utf8'));
      for (const m of lines) {
        assert.ok(m.type === 'RECORD');
        assert.equal(m.record.emitted_at, 1234);
        assert.equal(m.record.data.counted, Number(m.record.data.id) * 2, 'the main thread answered the call');
        seen.push(String(m.record.data.id));
      }
      records += Object.values(event.counts).reduce((a, b) => a + b, 0);
      assert.equal(records, seen.length, 'counts match the lines');
    } else if (event.type === 'checkpoint') {
      assert.equal(seen.length, (event.state.upTo as number) + 1, `checkpoint ${event.state.upTo} comes after its records`);
    }
  }
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => String(i)));
});

test('a slow consumer holds the worker back: at most a few batches wait unconsumed', async () => {
  const worker = start({ records: 400, checkpointEvery: 1000, payload: 20_000 }); // ~8 MB in 256 KB batches
  let inQueue = 0;
  let maxQueued = 0;
  worker.on('message', (m: { kind: string }) => { if (m.kind === 'lines') maxQueued = Math.max(maxQueued, ++inQueue); });
  let batches = 0;
  for await (const event of eventsFromWorker(worker, calls)) {
    if (event.type !== 'lines') continue;
    batches++;
    inQueue--;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(batches >= 20, `${batches} batches`);
  assert.ok(maxQueued <= 5, `at most the window of batches was waiting (${maxQueued})`);
});

test('a ConnectorError keeps its failure type across the thread; any other error stays a plain error', async () => {
  const drain = async (events: AsyncIterable<ReadEvent>) => { for await (const _ of events); };
  await assert.rejects(drain(eventsFromWorker(start({ failWith: 'config_error' }), calls)), (e: unknown) => e instanceof ConnectorError && e.failureType === 'config_error' && /read_tags/.test(e.message));
  await assert.rejects(drain(eventsFromWorker(start({ failWith: 'crash' }), calls)), (e: unknown) => !(e instanceof ConnectorError) && /cannot read properties/.test((e as Error).message));
});

test('a consumer that stops early ends the worker', async () => {
  const worker = start({ records: 100_000 });
  let exited = false;
  worker.on('exit', () => (exited = true));
  for await (const event of eventsFromWorker(worker, calls)) if (event.type === 'lines') break;
  await new Promise((r) => setImmediate(r));
  assert.ok(exited);
});

test('lines serialised elsewhere are redacted like every other line', async () => {
  const secret = 'tok_abcdefgh12345';
  const out = new Collector({ highWaterMark: 1 << 20 });
  const emitter = new Emitter(out, { secrets: () => [secret], batchBytes: 4096 });
  for await (const event of eventsFromWorker(start({ records: 5, secret }), calls)) {
    if (event.type === 'lines') await emitter.writeLines(event.lines);
  }
  await emitter.flush();
  assert.equal(parseMessages(out.text).length, 5);
  assert.ok(!out.text.includes(secret));
  assert.ok(out.text.includes('****'));
});
