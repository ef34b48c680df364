// CAT "full refresh" rules over two reads in a row of the same catalog.
import type { AirbyteStream } from '../../../src/airbyte/protocol.js';
import type { RecordMessage } from './messages.js';
import { keyValue } from './records.js';
import { canonicalJson, violation, type Violation } from './violation.js';

/** Every record of the second read was emitted after every record of the first. */
export function emittedAtOrderViolations(first: RecordMessage[], second: RecordMessage[]): Violation[] {
  if (first.length === 0 || second.length === 0) return [violation('full_refresh.emitted-at', 'reads', `a read emitted no records (first ${first.length}, second ${second.length})`)];
  const lastOfFirst = Math.max(...first.map((r) => r.record.emitted_at));
  const late = second.filter((r) => !(r.record.emitted_at > lastOfFirst));
  return late.length === 0 ? [] : [violation('full_refresh.emitted-at', `stream ${late[0]!.record.stream}`,
    `${late.length} record(s) of the second read have emitted_at <= ${lastOfFirst}, the last emitted_at of the first read (e.g. ${late[0]!.record.emitted_at})`)];
}

const idOf = (stream: AirbyteStream | undefined, r: RecordMessage) =>
  canonicalJson((stream?.source_defined_primary_key ?? [['id']]).map((k) => keyValue(r.record.data, k)));

/** Both reads return the same primary keys per stream (nothing lost, nothing invented, no duplicates). */
export function sameIdsViolations(streams: AirbyteStream[], first: RecordMessage[], second: RecordMessage[]): Violation[] {
  const byName = new Map(streams.map((s) => [s.name, s]));
  const group = (records: RecordMessage[]) => {
    const m = new Map<string, string[]>();
    for (const r of records) m.set(r.record.stream, [...(m.get(r.record.stream) ?? []), idOf(byName.get(r.record.stream), r)]);
    return m;
  };
  const a = group(first), b = group(second);
  const out: Violation[] = [];
  for (const name of new Set([...a.keys(), ...b.keys()])) {
    const x = (a.get(name) ?? []).slice().sort(), y = (b.get(name) ?? []).slice().sort();
    if (x.join('\n') !== y.join('\n')) {
      const missing = x.filter((id) => !y.includes(id)), extra = y.filter((id) => !x.includes(id));
      out.push(violation('full_refresh.same-ids', `stream ${name}`, `first read ${x.length} records, second ${y.length}; only in first: ${missing.slice(0, 3).join(' ') || '-'}; only in second: ${extra.slice(0, 3).join(' ') || '-'}`));
    }
    if (new Set(y).size !== y.length) out.push(violation('full_refresh.same-ids', `stream ${name}`, `the second read repeats primary keys (${y.length - new Set(y).size} duplicates)`));
  }
  return out;
}
