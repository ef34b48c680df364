import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configError, transientError } from '../../src/airbyte/errors.js';
import { Collector, FakeSource, catalog, checkpoint, errorsOf, record, runRead, statesOf, statuses, timeline } from './fake-source.js';

test('a stream the source does not know: one config_error naming it, exit 1, nothing read', async () => {
  const source = new FakeSource();
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', nope: 'full_refresh' }) });
  assert.equal(r.code, 1);
  assert.equal(r.messages.length, 1);
  const [error] = errorsOf(r.messages);
  assert.equal(error?.failure_type, 'config_error');
  assert.match(error!.message, /'nope'/);
  assert.equal(error!.stack_trace, undefined);
  assert.equal(source.readGroupsCalls, 0);
});

test('an unsupported sync mode: one config_error naming the stream and the mode', async () => {
  const source = new FakeSource();
  const r = await runRead(source, { catalog: catalog({ beta: 'incremental', alpha: 'incremental' }) });
  assert.equal(r.code, 1);
  assert.equal(r.messages.length, 1);
  const [error] = errorsOf(r.messages);
  assert.equal(error?.failure_type, 'config_error');
  assert.match(error!.message, /'beta'.*'incremental'/);
  assert.doesNotMatch(error!.message, /'alpha'/);
  assert.equal(source.readGroupsCalls, 0);
});

test('recordCount counts each stream since its own previous STATE, across interleaved streams', async () => {
  const source = new FakeSource({
    groups: [{
      streams: ['alpha', 'beta'],
      steps: [
        record('alpha', 'a1'), record('beta', 'b1'), record('alpha', 'a2'), record('beta', 'b2'), record('beta', 'b3'),
        checkpoint('alpha', { updated_at: 2 }),
        record('beta', 'b4'), record('alpha', 'a3'),
        checkpoint('beta', { done: true }),
        checkpoint('alpha', { updated_at: 3 }),
      ],
    }],
  });
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh' }) });
  assert.equal(r.code, 0);
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'R', 'S2', 'R', 'S1', 'COMPLETE']);
  assert.deepEqual(timeline(r.messages, 'beta'), ['STARTED', 'RUNNING', 'R', 'R', 'R', 'R', 'S4', 'COMPLETE']);
  assert.deepEqual(statesOf(r.messages, 'alpha').map((s) => s.stream.stream_state), [{ updated_at: 2 }, { updated_at: 3 }]);
  for (const m of r.messages) if (m.type === 'STATE') assert.equal(m.state.type, 'STREAM');
});

test('records after the last checkpoint get a final STATE repeating that checkpoint with their count', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [record('alpha', '1'), checkpoint('alpha', { c: 1 }), record('alpha', '2'), record('alpha', '3')] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }) });
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'S1', 'R', 'R', 'S2', 'COMPLETE']);
  assert.deepEqual(statesOf(r.messages, 'alpha').at(-1)!.stream.stream_state, { c: 1 });
});

test('a stream with no records still gets RUNNING and one STATE (its input state, else {}) before COMPLETE', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [] }, { streams: ['beta'], steps: [] }] });
  const state = [{ type: 'STREAM', stream: { stream_descriptor: { name: 'alpha' }, stream_state: { updated_at: 99 } } }];
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh' }), state });
  assert.equal(r.code, 0);
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'S0', 'COMPLETE']);
  assert.deepEqual(statesOf(r.messages, 'alpha')[0]!.stream.stream_state, { updated_at: 99 });
  assert.deepEqual(statesOf(r.messages, 'beta')[0]!.stream.stream_state, {});
  assert.deepEqual(source.lastState, new Map([['alpha', { updated_at: 99 }]]));
});

test('a checkpoint as the last event is not repeated', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [record('alpha', '1'), checkpoint('alpha', { c: 1 })] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }) });
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'S1', 'COMPLETE']);
});

test('RUNNING is emitted once, right before the first RECORD of its stream', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha', 'beta'], steps: [
    { type: 'log', level: 'INFO', message: 'starting' }, record('beta', 'b1'), record('alpha', 'a1'), record('beta', 'b2'), record('alpha', 'a2'),
  ] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', beta: 'full_refresh' }) });
  for (const stream of ['alpha', 'beta']) {
    assert.deepEqual(statuses(r.messages, stream), ['STARTED', 'RUNNING', 'COMPLETE']);
    const firstRecord = r.messages.findIndex((m) => m.type === 'RECORD' && m.record.stream === stream);
    const running = r.messages.findIndex((m) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.status === 'RUNNING' && m.trace.stream_status.stream_descriptor.name === stream);
    assert.equal(running, firstRecord - 1, `${stream}: RUNNING right before its first record`);
  }
  assert.ok(r.messages.some((m) => m.type === 'LOG' && m.log.message === 'starting'));
});

test('a failing group: TRACE ERROR with its failure_type, its streams INCOMPLETE without a final STATE, other groups complete, exit 1', async () => {
  const source = new FakeSource({ groups: [
    { streams: ['alpha'], steps: [record('alpha', '1'), checkpoint('alpha', { c: 1 }), record('alpha', '2'), { type: 'throw', error: transientError('Intercom answered 503 three times on /companies/scroll') }] },
    { streams: ['beta'], steps: [record('beta', 'b1')] },
    { streams: ['gamma'], steps: [{ type: 'throw', error: new TypeError('cannot read properties of undefined') }] },
  ] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh', gamma: 'full_refresh' }) });
  assert.equal(r.code, 1);
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'S1', 'R', 'INCOMPLETE']);
  assert.deepEqual(timeline(r.messages, 'beta'), ['STARTED', 'RUNNING', 'R', 'S1', 'COMPLETE']);
  assert.deepEqual(timeline(r.messages, 'gamma'), ['STARTED', 'INCOMPLETE']);
  const [transient, system] = errorsOf(r.messages);
  assert.equal(transient?.failure_type, 'transient_error');
  assert.equal(transient!.stream_descriptor?.name, 'alpha');
  assert.equal(transient!.stack_trace, undefined);
  assert.equal(system?.failure_type, 'system_error');
  assert.match(system!.message, /cannot read properties of undefined/);
  assert.doesNotMatch(system!.message, /\n\s+at /, 'the message stays human: no stack in it');
  assert.match(system!.stack_trace ?? '', /TypeError[\s\S]*\n\s+at /);
});

/** Where in the output the first message `is` sits. */
const firstAt = (ms: { type: string }[], is: (m: any) => boolean) => ms.findIndex(is);
const status = (stream: string, value: string) => (m: any) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.stream_descriptor.name === stream && m.trace.stream_status.status === value;

test('a group read alongside runs while the groups after it are read; every stream keeps its own order and completes', async () => {
  const source = new FakeSource({ groups: [
    { streams: ['alpha'], alongside: true, steps: [record('alpha', 'a1'), { type: 'pause', ms: 40 }, record('alpha', 'a2'), { type: 'pause', ms: 40 }, record('alpha', 'a3'), checkpoint('alpha', { c: 3 })] },
    { streams: ['beta'], steps: [record('beta', 'b1'), { type: 'pause', ms: 10 }, record('beta', 'b2'), checkpoint('beta', { c: 2 })] },
    { streams: ['gamma'], steps: [record('gamma', 'g1')] },
  ] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh', gamma: 'full_refresh' }) });
  assert.equal(r.code, 0);
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'R', 'R', 'S3', 'COMPLETE']);
  assert.deepEqual(timeline(r.messages, 'beta'), ['STARTED', 'RUNNING', 'R', 'R', 'S2', 'COMPLETE']);
  assert.deepEqual(timeline(r.messages, 'gamma'), ['STARTED', 'RUNNING', 'R', 'S1', 'COMPLETE']);
  assert.deepEqual(r.messages.flatMap((m) => (m.type === 'RECORD' && m.record.stream === 'alpha' ? [m.record.data.id] : [])), ['a1', 'a2', 'a3']);
  // Both groups after it were read before it ended: it did not hold them up.
  assert.ok(firstAt(r.messages, status('gamma', 'COMPLETE')) < firstAt(r.messages, status('alpha', 'COMPLETE')), 'gamma completed while alpha was read');
  assert.ok(firstAt(r.messages, status('beta', 'STARTED')) < firstAt(r.messages, (m) => m.type === 'RECORD' && m.record.data.id === 'a2'), 'beta started before alpha\'s second record');
});

test('a failing group read alongside: its streams INCOMPLETE with its error, the others complete, exit 1', async () => {
  const source = new FakeSource({ groups: [
    { streams: ['alpha'], alongside: true, steps: [record('alpha', 'a1'), { type: 'pause', ms: 20 }, { type: 'throw', error: transientError('Intercom answered 503 three times on /companies/scroll') }] },
    { streams: ['beta'], steps: [record('beta', 'b1'), { type: 'pause', ms: 60 }, record('beta', 'b2')] },
  ] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', beta: 'full_refresh' }) });
  assert.equal(r.code, 1);
  assert.deepEqual(timeline(r.messages, 'alpha'), ['STARTED', 'RUNNING', 'R', 'INCOMPLETE']);
  assert.deepEqual(timeline(r.messages, 'beta'), ['STARTED', 'RUNNING', 'R', 'R', 'S2', 'COMPLETE']);
  const [error] = errorsOf(r.messages);
  assert.equal(error?.failure_type, 'transient_error');
  assert.equal(error!.stream_descriptor?.name, 'alpha');
  assert.ok(firstAt(r.messages, status('alpha', 'INCOMPLETE')) < firstAt(r.messages, status('beta', 'COMPLETE')), 'alpha failed while beta was read');
});

test('an output that fails while a group alongside waits on the server: the read ends at once, not when that group next speaks', async () => {
  /** A reader that goes away after its first chunk (EPIPE). */
  class GoneAfterFirst extends Collector {
    private writes = 0;
    override _write(chunk: unknown, enc: BufferEncoding, done: (err?: Error | null) => void): void {
      if (++this.writes > 1) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      super._write(chunk, enc, done);
    }
  }
  const source = new FakeSource({ groups: [
    { streams: ['alpha'], alongside: true, steps: [record('alpha', 'a1'), { type: 'pause', ms: 3000 }, record('alpha', 'a2')] },
    { streams: ['beta'], steps: [record('beta', 'b1'), { type: 'pause', ms: 20 }, record('beta', 'b2'), { type: 'pause', ms: 20 }, record('beta', 'b3')] },
  ] });
  const started = Date.now();
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', beta: 'full_refresh' }) }, { stdout: new GoneAfterFirst() });
  assert.equal(r.code, 1);
  assert.ok(Date.now() - started < 1500, `the read ended after ${Date.now() - started} ms, alpha's wait is 3000`);
  assert.equal(source.closeCalls, 1, 'the source was closed (its requests end)');
});

test('a record for a stream outside its group is a system_error (bug guard)', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [record('beta', 'x')] }, { streams: ['beta'], steps: [] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', beta: 'full_refresh' }) });
  assert.equal(r.code, 1);
  assert.equal(errorsOf(r.messages)[0]?.failure_type, 'system_error');
  assert.match(errorsOf(r.messages)[0]!.message, /'beta'/);
  assert.deepEqual(statuses(r.messages, 'alpha'), ['STARTED', 'INCOMPLETE']);
  assert.deepEqual(statuses(r.messages, 'beta'), ['STARTED', 'RUNNING', 'COMPLETE']);
  assert.equal(r.messages.filter((m) => m.type === 'RECORD').length, 0);
});

test('groups that leave a configured stream out are a system_error before anything is read', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [record('alpha', '1')] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh', beta: 'full_refresh' }) });
  assert.equal(r.code, 1);
  assert.equal(r.messages.length, 1);
  assert.equal(errorsOf(r.messages)[0]?.failure_type, 'system_error');
  assert.match(errorsOf(r.messages)[0]!.message, /beta/);
});

test('estimates become ESTIMATE traces with an integer row_estimate', async () => {
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [{ type: 'estimate', stream: 'alpha', rowEstimate: 1234.4 }, record('alpha', '1')] }] });
  const r = await runRead(source, { catalog: catalog({ alpha: 'full_refresh' }) });
  const estimates = r.messages.flatMap((m) => (m.type === 'TRACE' && m.trace.type === 'ESTIMATE' ? [m.trace.estimate] : []));
  assert.deepEqual(estimates, [{ name: 'alpha', type: 'STREAM', row_estimate: 1234 }]);
});

test('a config_error thrown by readGroups is one TRACE ERROR and exit 1', async () => {
  const source = new FakeSource();
  source.readGroups = async () => { throw configError("The state of stream 'alpha' holds no 'updated_at'"); };
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }) });
  assert.equal(r.code, 1);
  assert.deepEqual(errorsOf(r.messages).map((e) => [e.failure_type, e.message]), [['config_error', "The state of stream 'alpha' holds no 'updated_at'"]]);
});

test('the emitted state is a snapshot: a source mutating its state object later does not change it', async () => {
  const state = { cursor: 1 };
  const source = new FakeSource({ groups: [{ streams: ['alpha'], steps: [record('alpha', '1'), checkpoint('alpha', state), { type: 'log', level: 'DEBUG', message: 'x' }, record('alpha', '2')] }] });
  const origRead = source.readGroups.bind(source);
  source.readGroups = async (...args) => {
    const groups = await origRead(...args);
    return groups.map((g) => ({ streams: g.streams, async *read() { for await (const e of g.read()) { if (e.type === 'log') state.cursor = 999; yield e; } } }));
  };
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }) });
  assert.deepEqual(statesOf(r.messages, 'alpha').map((s) => s.stream.stream_state), [{ cursor: 1 }, { cursor: 1 }]);
});

test('a record event with meta becomes a RECORD carrying meta (AirbyteRecordMessageMeta); without, no meta key', async () => {
  const changes = [{ field: 'custom_attributes.seats', change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' }] as const;
  const source = new FakeSource({ groups: [{ streams: ['beta'], steps: [
    { type: 'record', stream: 'beta', data: { id: '1' }, meta: { changes: [...changes] } },
    record('beta', '2'),
  ] }] });
  const r = await runRead(source, { catalog: catalog({ beta: 'full_refresh' }) });
  assert.equal(r.code, 0);
  const records = r.messages.flatMap((m) => (m.type === 'RECORD' ? [m.record] : []));
  assert.deepEqual(records.map((rec) => rec.meta), [{ changes: [...changes] }, undefined]);
  assert.ok(!('meta' in records[1]!));
});

test('a records event is exactly that many record events: same lines, counts, statuses and errors', async () => {
  const changes = [{ field: 'custom_attributes.seats', change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' }] as const;
  const rows = [
    { stream: 'alpha', data: { id: '1' } },
    { stream: 'beta', data: { id: '2' }, meta: { changes: [...changes] } },
    { stream: 'alpha', data: { id: '3' } },
  ];
  const one = (steps: unknown[]) => new FakeSource({ groups: [{ streams: ['alpha', 'beta'], steps: steps as never }] });
  const failure = { type: 'throw', error: transientError('Intercom failed') };
  for (const tail of [[checkpoint('alpha', { cursor: 3 })], [failure]]) {
    const batched = await runRead(one([{ type: 'records', records: rows }, record('beta', '4'), ...tail]), { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh' }) });
    const single = await runRead(one([...rows.map((r) => ({ type: 'record', ...r })), record('beta', '4'), ...tail]), { catalog: catalog({ alpha: 'incremental', beta: 'full_refresh' }) });
    assert.equal(batched.code, single.code);
    assert.deepEqual(batched.messages, single.messages);
    assert.equal(batched.messages.filter((m) => m.type === 'RECORD').length, 4);
  }
});
