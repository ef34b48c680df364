import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectorError } from '../../src/airbyte/errors.js';
import { parseState } from '../../src/airbyte/state.js';
import { FakeSource, catalog, runRead } from './fake-source.js';

const parse = (raw: unknown) => {
  const warnings: string[] = [];
  const states = parseState(raw, (w) => warnings.push(w));
  return { states: Object.fromEntries(states), warnings };
};

test('a list of STREAM state messages, untyped entries with a stream, LEGACY data read, GLOBAL ignored with a warning', () => {
  const { states, warnings } = parse([
    { type: 'STREAM', stream: { stream_descriptor: { name: 'alpha' }, stream_state: { updated_at: 5 } }, sourceStats: { recordCount: 3 } },
    { stream: { stream_descriptor: { name: 'beta', namespace: 'x' }, stream_state: { page: 2 } } },
    { type: 'STREAM', stream: { stream_descriptor: { name: 'gamma' } } },
    { type: 'GLOBAL', global: { shared_state: {}, stream_states: [] } },
    { type: 'LEGACY', data: { alpha: { updated_at: 1 }, delta: { updated_at: 2 } } },
  ]);
  assert.deepEqual(states, { alpha: { updated_at: 5 }, beta: { page: 2 }, gamma: {}, delta: { updated_at: 2 } });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /GLOBAL/);
});

test('a stream state that is not an object is ignored with a warning naming the stream; the others are kept', () => {
  const huge = 'x'.repeat(1_000_000);
  const list = parse([
    { type: 'STREAM', stream: { stream_descriptor: { name: 'alpha' }, stream_state: 'garbage' } },
    { type: 'STREAM', stream: { stream_descriptor: { name: 'beta' }, stream_state: { updated_at: 3 } } },
  ]);
  assert.deepEqual(list.states, { beta: { updated_at: 3 } });
  assert.equal(list.warnings.length, 1);
  assert.match(list.warnings[0]!, /stream 'alpha'.*"garbage"/);
  const legacy = parse({ alpha: huge, beta: { updated_at: 3 } });
  assert.deepEqual(legacy.states, { beta: { updated_at: 3 } });
  assert.match(legacy.warnings[0]!, /stream 'alpha'/);
  assert.ok(legacy.warnings[0]!.length < 600, 'the warning quotes at most ~200 characters of the value');
});

test('the legacy dict, and one state message on its own', () => {
  assert.deepEqual(parse({ alpha: { updated_at: 7 }, beta: null }).states, { alpha: { updated_at: 7 } });
  assert.deepEqual(parse({ type: 'STREAM', stream: { stream_descriptor: { name: 'alpha' }, stream_state: { c: 1 } } }).states, { alpha: { c: 1 } });
});

test('empty inputs give no state', () => {
  for (const raw of [null, undefined, {}, []]) assert.deepEqual(parse(raw).states, {});
});

test('malformed state is a config_error naming the entry or stream', () => {
  const cases: [unknown, RegExp][] = [
    [[{ type: 'STREAM', stream: { stream_state: {} } }], /entry 0 needs 'stream\.stream_descriptor\.name'/],
    [[{ type: 'PER_STREAM', stream: {} }], /entry 0 has an unknown type "PER_STREAM"/],
    [[42], /entry 0 must be an object/],
    ['abc', /list of state messages or an object/],
  ];
  for (const [raw, expect] of cases) {
    assert.throws(() => parse(raw), (e: unknown) => e instanceof ConnectorError && e.failureType === 'config_error' && expect.test(e.message));
  }
});

test('read passes list, legacy and empty state files to the source the same way', async () => {
  const list = [{ type: 'STREAM', stream: { stream_descriptor: { name: 'alpha' }, stream_state: { updated_at: 9 } } }];
  for (const state of [list, { alpha: { updated_at: 9 } }]) {
    const source = new FakeSource();
    const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }), state });
    assert.equal(r.code, 0);
    assert.deepEqual(source.lastState, new Map([['alpha', { updated_at: 9 }]]));
  }
  for (const state of ['{}', '[]', 'null']) {
    const source = new FakeSource();
    await runRead(source, { catalog: catalog({ alpha: 'incremental' }), state });
    assert.deepEqual(source.lastState, new Map());
  }
  const source = new FakeSource();
  const r = await runRead(source, { catalog: catalog({ alpha: 'incremental' }), state: [{ type: 'GLOBAL', global: {} }] });
  assert.ok(r.messages.some((m) => m.type === 'LOG' && m.log.level === 'WARN' && /GLOBAL/.test(m.log.message)));
});
