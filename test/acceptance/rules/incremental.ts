// CAT "incremental" rules: sequential reads, re-reads from middle checkpoints, and a far-future state.
import type { AirbyteMessage, AirbyteStateMessage, AirbyteStream } from '../../../src/airbyte/protocol.js';
import { recordsOf, type RecordMessage } from './messages.js';
import { keyValue } from './records.js';
import { violation, type Violation } from './violation.js';

/** The state input a platform would pass after message `index`: the latest STATE of each stream so far. */
export function stateInputAt(messages: AirbyteMessage[], index: number): AirbyteStateMessage[] {
  const latest = new Map<string, AirbyteStateMessage>();
  messages.slice(0, index + 1).forEach((m) => {
    if (m.type === 'STATE' && m.state.stream?.stream_descriptor?.name) latest.set(m.state.stream.stream_descriptor.name, m.state);
  });
  return [...latest.values()];
}

export const finalStateInput = (messages: AirbyteMessage[]) => stateInputAt(messages, messages.length - 1);

/** Indexes of up to `count` STATE messages spread over the read, excluding the final state of each stream. */
export function middleCheckpoints(messages: AirbyteMessage[], count: number): number[] {
  const lastPerStream = new Map<string, number>();
  messages.forEach((m, i) => { if (m.type === 'STATE') lastPerStream.set(m.state.stream?.stream_descriptor?.name ?? '', i); });
  const finals = new Set(lastPerStream.values());
  const candidates = messages.map((m, i) => (m.type === 'STATE' && !finals.has(i) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length <= count) return candidates;
  return Array.from({ length: count }, (_, k) => candidates[Math.floor(((k + 1) * candidates.length) / (count + 1))]!);
}

/** Read 1 of an incremental catalog: records, and a STATE for every configured stream. */
export function firstReadViolations(configured: string[], messages: AirbyteMessage[]): Violation[] {
  const out: Violation[] = [];
  if (recordsOf(messages).length === 0) out.push(violation('incremental.first-read', 'stdout', 'the first incremental read emitted no records'));
  const withState = new Set(finalStateInput(messages).map((s) => s.stream.stream_descriptor.name));
  for (const name of configured) if (!withState.has(name)) out.push(violation('incremental.first-read', `stream ${name}`, 'no STATE after the first read'));
  return out;
}

function cursorInstant(value: unknown): number | undefined {
  if (typeof value === 'number') return value > 1e11 ? value : value * 1000; // unix ms or unix seconds
  if (typeof value === 'string') { const t = Date.parse(value); return Number.isNaN(t) ? undefined : t; }
  return undefined;
}

/**
 * Read 2 from read 1's final state: it is not a repeat of read 1, and every record's cursor is at or after the
 * state's cursor minus the attribution window (the connector's documented lower bound).
 */
export function secondReadViolations(streams: AirbyteStream[], stateInput: AirbyteStateMessage[], first: RecordMessage[], second: RecordMessage[], attributionWindowDays: number): Violation[] {
  const out: Violation[] = [];
  if (second.length >= first.length) {
    out.push(violation('incremental.second-read', 'reads', `the second read returned ${second.length} records, the first ${first.length}: the state did not narrow the read`));
  }
  const byName = new Map(streams.map((s) => [s.name, s]));
  const states = new Map(stateInput.map((s) => [s.stream.stream_descriptor.name, s.stream.stream_state ?? {}]));
  const reported = new Set<string>();
  for (const r of second) {
    const stream = byName.get(r.record.stream);
    const cursor = stream?.default_cursor_field;
    if (!stream || !cursor?.length || reported.has(stream.name)) continue;
    const state = states.get(stream.name);
    const stateValue = state ? keyValue(state, cursor) ?? state[cursor.join('.')] : undefined;
    const stateAt = cursorInstant(stateValue);
    if (stateAt === undefined) {
      reported.add(stream.name);
      out.push(violation('incremental.state-cursor', `stream ${stream.name}`, `the state ${JSON.stringify(state)} does not hold the cursor ${cursor.join('.')}`));
      continue;
    }
    const lowerBound = stateAt - attributionWindowDays * 86_400_000;
    const at = cursorInstant(keyValue(r.record.data, cursor));
    if (at === undefined || at < lowerBound) {
      reported.add(stream.name);
      out.push(violation('incremental.second-read', `stream ${stream.name}`,
        `record cursor ${JSON.stringify(keyValue(r.record.data, cursor))} is before the state's ${JSON.stringify(stateValue)} minus ${attributionWindowDays} days`));
    }
  }
  return out;
}

/** Records each stream still owes after checkpoint `index`: the recordCount of its later STATEs. */
export function recordsCountedAfter(messages: AirbyteMessage[], index: number): Map<string, number> {
  const owed = new Map<string, number>();
  messages.slice(index + 1).forEach((m) => {
    if (m.type === 'STATE' && m.state.stream?.stream_descriptor?.name) {
      const name = m.state.stream.stream_descriptor.name;
      owed.set(name, (owed.get(name) ?? 0) + (m.state.sourceStats?.recordCount ?? 0));
    }
  });
  return owed;
}

/** Re-reading from a middle checkpoint returns at least the records the first read counted after it. */
export function checkpointRereadViolations(firstRead: AirbyteMessage[], index: number, reread: AirbyteMessage[]): Violation[] {
  const got = new Map<string, number>();
  for (const r of recordsOf(reread)) got.set(r.record.stream, (got.get(r.record.stream) ?? 0) + 1);
  return [...recordsCountedAfter(firstRead, index)]
    .filter(([name, owed]) => (got.get(name) ?? 0) < owed)
    .map(([name, owed]) => violation('incremental.checkpoint-reread', `stream ${name}, checkpoint at message ${index + 1}`,
      `re-read returned ${got.get(name) ?? 0} records, but the first read counted ${owed} after this checkpoint`));
}

/** A far-future state yields no records and still at least one STATE (one per configured stream). */
export function futureStateViolations(configured: string[], messages: AirbyteMessage[]): Violation[] {
  const out: Violation[] = [];
  const records = recordsOf(messages);
  if (records.length > 0) {
    const streams = [...new Set(records.map((r) => r.record.stream))];
    out.push(violation('incremental.future-state', `streams ${streams.join(', ')}`, `${records.length} records read from a far-future state; expected none`));
  }
  const withState = new Set(finalStateInput(messages).map((s) => s.stream.stream_descriptor.name));
  if (withState.size === 0) out.push(violation('incremental.future-state', 'stdout', 'no STATE message from a far-future state'));
  for (const name of configured) if (!withState.has(name)) out.push(violation('incremental.future-state', `stream ${name}`, 'no STATE from a far-future state'));
  return out;
}
