// STREAM_STATUS rules: every configured stream goes STARTED -> RUNNING -> COMPLETE (or INCOMPLETE), once each.
import type { AirbyteMessage, StreamStatus } from '../../../src/airbyte/protocol.js';
import { violation, type Violation } from './violation.js';

export function streamStatusViolations(configured: string[], messages: AirbyteMessage[], terminal: 'COMPLETE' | 'INCOMPLETE' = 'COMPLETE'): Violation[] {
  const seq = new Map<string, StreamStatus[]>();
  const firstRecordAt = new Map<string, number>();
  const runningAt = new Map<string, number>();
  const out: Violation[] = [];
  messages.forEach((m, i) => {
    if (m.type === 'RECORD' && !firstRecordAt.has(m.record.stream)) firstRecordAt.set(m.record.stream, i);
    if (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS') {
      const name = m.trace.stream_status.stream_descriptor.name;
      if (!configured.includes(name)) out.push(violation('basic_read.stream-status', `message ${i + 1}`, `status for "${name}", which is not configured`));
      seq.set(name, [...(seq.get(name) ?? []), m.trace.stream_status.status]);
      if (m.trace.stream_status.status === 'RUNNING' && !runningAt.has(name)) runningAt.set(name, i);
    }
  });
  for (const name of configured) {
    const s = seq.get(name) ?? [];
    const where = `stream ${name}`;
    const text = s.join(' -> ') || 'none';
    if (s[0] !== 'STARTED') out.push(violation('basic_read.stream-status', where, `first status must be STARTED (got ${text})`));
    if (s.filter((x) => x === 'STARTED').length > 1) out.push(violation('basic_read.stream-status', where, `STARTED more than once (${text})`));
    const last = s[s.length - 1];
    if (last !== 'COMPLETE' && last !== 'INCOMPLETE') out.push(violation('basic_read.stream-status', where, `missing terminal status COMPLETE/INCOMPLETE (${text})`));
    else if (last !== terminal) out.push(violation('basic_read.stream-status', where, `ended ${last}, expected ${terminal}`));
    if (s.filter((x) => x === 'COMPLETE' || x === 'INCOMPLETE').length > 1) out.push(violation('basic_read.stream-status', where, `more than one terminal status (${text})`));
    const middle = s.slice(1, -1);
    if (middle.some((x) => x !== 'RUNNING')) out.push(violation('basic_read.stream-status', where, `only RUNNING may come between STARTED and the end (${text})`));
    if (firstRecordAt.has(name) && !(runningAt.get(name)! < firstRecordAt.get(name)!)) {
      out.push(violation('basic_read.stream-status', where, 'records before a RUNNING status'));
    }
  }
  return out;
}
