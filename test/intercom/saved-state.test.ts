// Saved states in every form this connector and Airbyte's Intercom source wrote, and the unusable ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quote } from '../../src/airbyte/quote.js';
import { readSavedCursor, savedCursorSeconds } from '../../src/intercom/saved-state.js';

const T = 1748736000; // 2025-06-01T00:00:00Z

function read(state: Record<string, unknown> | undefined, cursorKey = 'updated_at') {
  const warnings: string[] = [];
  const saved = readSavedCursor('conversation_parts', state, cursorKey, (level, message) => { if (level === 'WARN') warnings.push(message); });
  return { saved, warnings };
}

test('a cursor as seconds, milliseconds, a numeric string or an RFC 3339 string', () => {
  for (const value of [T, T * 1000, String(T), `${T}.0`, '2025-06-01T00:00:00Z', '2025-06-01T02:00:00+02:00', '2025-06-01T00:00:00.000000+00:00']) {
    assert.equal(savedCursorSeconds(value), T, JSON.stringify(value));
  }
});

test('garbage, negative, beyond year 9999 and huge strings are not cursors', () => {
  for (const value of ['garbage', '', -5, '-5', 1e20, '1e20', Number.NaN, Infinity, true, {}, [], '9'.repeat(100_000), '2025-13-45T99:00:00Z']) {
    assert.equal(savedCursorSeconds(value), undefined, JSON.stringify(value)?.slice(0, 40));
  }
});

test('Airbyte substream states: the oldest of the stream\'s own, global, per-partition and parent cursors', () => {
  assert.equal(read({ updated_at: String(T), parent_state: { conversations: { updated_at: String(T - 100) } } }).saved.committed, T - 100);
  assert.equal(read({ state: { updated_at: String(T) }, use_global_cursor: true, lookback_window: 3600 }).saved.committed, T);
  assert.equal(read({ states: [{ partition: { id: '1' }, cursor: { updated_at: T + 50 } }, { partition: { id: '2' }, cursor: { updated_at: T } }] }).saved.committed, T);
  assert.equal(read({ updated_at: T + 10, conversations: { updated_at: T }, prior_state: { updated_at: 'ignored' } }).saved.committed, T);
  assert.equal(read({ updated_at: T, companies: { updated_at: T - 1 } }).saved.committed, T - 1);
  assert.equal(read({ created_at: '2025-06-01T00:00:00Z' }, 'created_at').saved.committed, T);
  assert.deepEqual(read({}).saved, { committed: undefined });
  assert.deepEqual(read(undefined).saved, {});
});

test('this connector\'s own state with an unfinished pass', () => {
  const { saved, warnings } = read({ updated_at: '2025-06-01T00:00:00Z', pending: { newest: '2025-06-02T00:00:00Z', resume_at: '2025-06-01T12:00:00Z' } });
  assert.deepEqual(saved, { committed: T, newest: T + 86_400, resumeAt: T + 43_200 });
  assert.deepEqual(warnings, []);
});

test('an unusable value anywhere drops the whole state with one WARN naming the stream and quoting at most ~200 characters', () => {
  for (const state of [
    { updated_at: 'garbage' }, { updated_at: -1 }, { updated_at: 1e20 }, { updated_at: 'x'.repeat(5_000_000) },
    { updated_at: T, parent_state: { conversations: { updated_at: 'soon' } } }, { updated_at: T, pending: { newest: 'x', resume_at: T } },
    { updated_at: T, pending: 'later' },
  ]) {
    const { saved, warnings } = read(state);
    assert.deepEqual(saved, { discarded: true }, JSON.stringify(state).slice(0, 80));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"conversation_parts"/);
    assert.match(warnings[0]!, /start_date/);
    assert.ok(warnings[0]!.length < 500, `short warning (${warnings[0]!.length})`);
  }
  const quoted = quote('y'.repeat(1000));
  assert.ok(quoted.startsWith(`"${'y'.repeat(150)}`) && quoted.length < 300 && quoted.includes('1000 characters'), quoted);
});
