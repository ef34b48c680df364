import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter, OUTPUT_BATCH_BYTES } from '../../src/airbyte/emitter.js';
import { parseMessages } from '../helpers/protocol.js';
import { Collector, FakeSource, catalog, record, runRead } from './fake-source.js';

test('one JSON line per message; the fast path returns no promise while the buffer has room', () => {
  const out = new Collector({ highWaterMark: 1 << 20 });
  const emitter = new Emitter(out, { secrets: () => [], now: () => 42 });
  assert.equal(emitter.record('alpha', { id: 'a', text: 'line\nbreak' }), undefined);
  assert.equal(emitter.log('INFO', 'hello'), undefined);
  assert.equal(emitter.state('alpha', { c: 1 }, 1), undefined);
  const messages = parseMessages(out.text);
  assert.equal(out.text.split('\n').length, 4);
  assert.deepEqual(messages[0], { type: 'RECORD', record: { stream: 'alpha', data: { id: 'a', text: 'line\nbreak' }, emitted_at: 42 } });
});

test('a full buffer makes emit return a promise that resolves on drain', async () => {
  const out = new Collector({ highWaterMark: 64, delayMs: 5 });
  const emitter = new Emitter(out, { secrets: () => [] });
  const pending = emitter.record('alpha', { id: 'x'.repeat(100) });
  assert.ok(pending instanceof Promise);
  let drained = false;
  out.once('drain', () => { drained = true; });
  await pending;
  assert.ok(drained);
});

test('secrets are redacted from every line: values, keys, LOG and TRACE text, JSON-escaped forms', () => {
  const secret = 'sk_"quoted"\\path';
  let secrets: string[] = [];
  const out = new Collector();
  const emitter = new Emitter(out, { secrets: () => secrets });
  emitter.log('INFO', `before ${secret}`); // not yet known: printed as is
  secrets = [secret, 'abc', 'longer-token-1234'];
  emitter.log('ERROR', `auth with ${secret} failed`);
  emitter.record('alpha', { [secret]: [`x${secret}y`, 'abc', 'longer-token-1234'] });
  emitter.traceError({ message: 'longer-token-1234 refused', failureType: 'config_error', internalMessage: `${secret}` });
  const [before, log, rec, trace] = parseMessages(out.text);
  assert.ok(before?.type === 'LOG' && before.log.message.includes(secret));
  assert.ok(log?.type === 'LOG');
  assert.equal(log.log.message, 'auth with **** failed');
  assert.ok(rec?.type === 'RECORD');
  assert.deepEqual(rec.record.data, { '****': ['x****y', 'abc', '****'] }, 'secrets shorter than 4 characters are left alone');
  assert.ok(trace?.type === 'TRACE' && trace.trace.type === 'ERROR');
  assert.equal(trace.trace.error.message, '**** refused');
  assert.equal(trace.trace.error.internal_message, '****');
  assert.equal(emitter.redact(`x ${secret} y`), 'x **** y');
});

test('backpressure: with a slow consumer the buffered bytes stay bounded and every record arrives in order', async () => {
  const highWaterMark = 1024;
  const out = new Collector({ highWaterMark, delayMs: 1 });
  const total = 3000;
  const data = 'd'.repeat(200);
  const steps = Array.from({ length: total }, (_, i) => record('alpha', String(i), { data }));
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh' }) }, { stdout: out });
  assert.equal(r.code, 0);
  const ids = r.messages.flatMap((m) => (m.type === 'RECORD' ? [m.record.data.id] : []));
  assert.deepEqual(ids, Array.from({ length: total }, (_, i) => String(i)));
  const lineBytes = Buffer.byteLength(r.stdout.split('\n').find((l) => l.includes('"RECORD"'))!) + 1;
  // The command line writes lines in chunks of OUTPUT_BATCH_BYTES; the producer waits for 'drain' once the
  // buffer reaches the high-water mark: at most one more chunk fits (the total written is ~10 times that).
  assert.ok(total * lineBytes > 8 * (highWaterMark + OUTPUT_BATCH_BYTES));
  assert.ok(out.maxBuffered <= highWaterMark + OUTPUT_BATCH_BYTES + 2 * lineBytes, `buffered ${out.maxBuffered} bytes`);
  assert.ok(out.maxBuffered >= highWaterMark / 2, `the consumer was slow enough to fill the buffer (${out.maxBuffered})`);
});

test('batched lines keep their order, reach the output by the end of the turn, and flush() writes the rest', async () => {
  const out = new Collector({ highWaterMark: 1 << 20 });
  const emitter = new Emitter(out, { secrets: () => ['s3cr3t-value'], batchBytes: 4096 });
  for (let i = 0; i < 10; i++) emitter.record('alpha', { id: String(i), note: 's3cr3t-value' });
  assert.equal(out.text, '', 'small batches wait for the end of the turn');
  await new Promise((r) => setImmediate(r));
  assert.equal(parseMessages(out.text).length, 10);
  for (let i = 10; i < 100; i++) emitter.record('alpha', { id: String(i), note: 's3cr3t-value' });
  await emitter.flush();
  const ids = parseMessages(out.text).map((m) => (m.type === 'RECORD' ? m.record.data.id : ''));
  assert.deepEqual(ids, Array.from({ length: 100 }, (_, i) => String(i)));
  assert.ok(!out.text.includes('s3cr3t-value'), 'redaction holds in batches');
});

test('without awaiting drain the buffer would grow: the bound above is meaningful', async () => {
  const out = new Collector({ highWaterMark: 1024, delayMs: 1 });
  const emitter = new Emitter(out, { secrets: () => [] });
  for (let i = 0; i < 100; i++) void emitter.record('alpha', { id: String(i), data: 'd'.repeat(200) });
  assert.ok(out.writableLength > 10 * 1024, `an impatient producer buffers ${out.writableLength} bytes`);
  await emitter.flush();
  assert.equal(out.writableLength, 0);
});

test('a broken output makes emit throw instead of writing into the void', async () => {
  const out = new Collector();
  const emitter = new Emitter(out, { secrets: () => [] });
  out.destroy(new Error('EPIPE'));
  await new Promise((r) => setImmediate(r));
  assert.ok(emitter.closed);
  assert.throws(() => emitter.log('INFO', 'x'), /output stream is closed: EPIPE/);
  await emitter.flush();
});

test('RECORD lines written from pieces (data as an object, or already serialised) equal the whole message serialised and redacted, whatever the secrets', async () => {
  const { redactValue } = await import('../../src/airbyte/redact.js');
  const data = { id: 'tok3n-value', nested: { list: [1, 'x tok3n-value y'], 'key tok3n-value': true }, text: 'Björn 😀 "q"', n: 1.5 };
  const meta = { changes: [{ field: 'custom_attributes.tok3n-value', change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' }] };
  const secretSets = [
    [], ['tok3n-value'], ['😀 \\"q'], ['emitted_at'], ['RECORD'], ['"data":{"id'], ['"n":1.5},"emitted'], ['alpha'], ['\ud800lone'], ['12345'], ['zzzz-not-there'],
  ];
  for (const batchBytes of [0, 256, OUTPUT_BATCH_BYTES]) {
    for (const secrets of secretSets) {
      for (const [withMeta, serialised] of [[false, false], [true, false], [false, 'bytes'], [true, 'bytes'], [false, 'latin1'], [true, 'latin1']] as const) {
        const out = new Collector({ highWaterMark: 1 << 20 });
        const emitter = new Emitter(out, { secrets: () => secrets, now: () => 1234567, batchBytes });
        const big = { ...data, padding: 'p'.repeat(600) }; // beyond a 256-byte batch: the line is written on its own
        for (const record of [data, big, data]) {
          if (serialised) {
            // The data's JSON somewhere inside a larger buffer, as a page worker hands it over; or its UTF-8 bytes
            // as a Latin-1 string, as the main thread's preparation does (workers/prepare-page.ts).
            const bytes = Buffer.from(`[1,${JSON.stringify(record)},2]`);
            const json = serialised === 'bytes' ? { bytes, start: 3, end: bytes.length - 3 } : { latin1: Buffer.from(JSON.stringify(record)).toString('latin1') };
            if (withMeta) emitter.recordJson('alpha', json, meta as never);
            else emitter.recordJson('alpha', json);
          } else if (withMeta) emitter.record('alpha', record, meta as never);
          else emitter.record('alpha', record);
        }
        await emitter.flush();
        const expected = [data, big, data].map((record) => {
          const message = { type: 'RECORD', record: withMeta ? { stream: 'alpha', data: record, emitted_at: 1234567, meta } : { stream: 'alpha', data: record, emitted_at: 1234567 } };
          const line = JSON.stringify(message);
          const hit = secrets.some((s) => line.includes(s) || line.includes(JSON.stringify(s).slice(1, -1)));
          return (hit ? JSON.stringify(redactValue(message, secrets)) : line) + '\n';
        }).join('');
        assert.equal(out.text, expected, `secrets ${JSON.stringify(secrets)}, batch ${batchBytes}, meta ${withMeta}, serialised ${serialised}`);
      }
    }
  }
});

test('batch buffers are used again, and only once the output is done with them', async () => {
  // An output that reads each chunk late (after this turn's synchronous writes, chunks queue meanwhile): a
  // buffer used again too early would show as changed bytes in what it finally reads.
  const received: Buffer[] = [];
  // A batch buffer is known by its memory and where in it it starts (small ones share Node's buffer pool).
  const memories = new Map<ArrayBufferLike, number>();
  const buffers = new Set<string>();
  let chunks = 0;
  const { Writable } = await import('node:stream');
  const out = new Writable({
    highWaterMark: 1 << 30,
    write(chunk: Buffer, _encoding, done) {
      queueMicrotask(() => {
        received.push(Buffer.from(chunk));
        if (!memories.has(chunk.buffer)) memories.set(chunk.buffer, memories.size);
        buffers.add(`${memories.get(chunk.buffer)}:${chunk.byteOffset}`);
        chunks++;
        done();
      });
    },
  });
  const emitter = new Emitter(out, { secrets: () => [], now: () => 1, batchBytes: 1024 });
  const expected: string[] = [];
  for (let page = 0; page < 200; page++) {
    for (let i = 0; i < 8; i++) {
      const data = { page, i, text: `${'x'.repeat(100)} ${page}-${i} Zoë 😀` };
      expected.push(JSON.stringify({ type: 'RECORD', record: { stream: 's', data, emitted_at: 1 } }));
      if (i % 2) emitter.record('s', data);
      else emitter.recordJson('s', { latin1: Buffer.from(JSON.stringify(data)).toString('latin1') });
    }
    await new Promise((r) => setImmediate(r));
  }
  await emitter.flush();
  await new Promise((r) => out.end(r));
  assert.equal(Buffer.concat(received).toString(), expected.join('\n') + '\n');
  assert.ok(chunks > 100, `${chunks} chunks`);
  assert.ok(buffers.size < chunks / 2, `${buffers.size} buffers for ${chunks} chunks: used again`);
});

test('batched RECORD lines are searched for secrets with the batch: each line under the secrets known when it was written, every hit in a batch, and at stop()', async () => {
  const { redactValue } = await import('../../src/airbyte/redact.js');
  let secrets: string[] = ['first-secret'];
  const out = new Collector({ highWaterMark: 1 << 20 });
  const emitter = new Emitter(out, { secrets: () => secrets, now: () => 7, batchBytes: OUTPUT_BATCH_BYTES });
  const latin1 = (data: unknown) => ({ latin1: Buffer.from(JSON.stringify(data)).toString('latin1') });
  const rows = [
    { id: 1, note: 'first-secret and later-secret' },
    { id: 2, note: 'nothing here' },
    { id: 3, note: 'Zoë: first-secret' },
  ];
  const lines: string[] = [];
  const line = (data: unknown, known: string[]) => {
    const message = { type: 'RECORD', record: { stream: 's', data, emitted_at: 7 } };
    const text = JSON.stringify(message);
    return known.some((s) => text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1))) ? JSON.stringify(redactValue(message, known)) : text;
  };
  for (const row of rows) {
    emitter.recordJson('s', latin1(row));
    lines.push(line(row, ['first-secret']));
  }
  // A secret learnt now counts for the lines written from now on; one with a line feed is in a line escaped only.
  secrets = ['first-secret', 'later-secret', 'line\nfeed'];
  const later = [{ id: 4, note: 'later-secret, first-secret' }, { id: 5, note: 'line\nfeed' }, { id: 6, note: 'later-secret' }];
  for (const row of later) {
    emitter.record('s', row);
    lines.push(line(row, ['first-secret', 'later-secret', 'line\nfeed']));
  }
  await emitter.flush();
  assert.equal(out.text, lines.map((l) => l + '\n').join(''));
  assert.match(out.text, /"\*\*\*\* and later-secret"/, 'the line written before later-secret was known keeps it');
  assert.equal(out.text.match(/\*\*\*\*/g)?.length, 6);
  // stop() writes what is gathered, searched too.
  emitter.recordJson('s', latin1({ id: 7, note: 'first-secret at the end' }));
  await emitter.stop(1000);
  assert.match(out.text, /\{"id":7,"note":"\*\*\*\* at the end"\}/);
});
