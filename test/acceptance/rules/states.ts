// STATE rules: per-stream (type STREAM) states, never LEGACY, each with sourceStats.recordCount equal to the
// records of that stream emitted since its previous STATE, and at least one STATE per configured stream.
import type { AirbyteMessage } from '../../../src/airbyte/protocol.js';
import { violation, type Violation } from './violation.js';

export function stateMessageViolations(configured: string[], messages: AirbyteMessage[]): Violation[] {
  const out: Violation[] = [];
  const sinceLast = new Map<string, number>();
  const statesPer = new Map<string, number>();
  let stateCount = 0;
  messages.forEach((m, i) => {
    if (m.type === 'RECORD') sinceLast.set(m.record.stream, (sinceLast.get(m.record.stream) ?? 0) + 1);
    if (m.type !== 'STATE') return;
    stateCount++;
    const where = `message ${i + 1}`;
    const state = m.state as unknown as Record<string, unknown>;
    const type = state.type;
    if (type !== 'STREAM') {
      out.push(violation('basic_read.state-type', where, `STATE of type ${JSON.stringify(type ?? 'LEGACY (no type)')}; only per-stream STREAM states are accepted`));
      return;
    }
    if ('data' in state) out.push(violation('basic_read.state-type', where, 'STATE carries a LEGACY "data" blob'));
    const name = m.state.stream?.stream_descriptor?.name;
    if (typeof name !== 'string') { out.push(violation('basic_read.state-type', where, 'STREAM state without stream.stream_descriptor.name')); return; }
    statesPer.set(name, (statesPer.get(name) ?? 0) + 1);
    const count = m.state.sourceStats?.recordCount;
    if (typeof count !== 'number') {
      out.push(violation('basic_read.state-source-stats', `${where} (stream ${name})`, 'STATE without sourceStats.recordCount'));
    } else if (count !== (sinceLast.get(name) ?? 0)) {
      out.push(violation('basic_read.state-source-stats', `${where} (stream ${name})`, `sourceStats.recordCount is ${count}, but ${sinceLast.get(name) ?? 0} records of the stream were emitted since its previous STATE`));
    }
    sinceLast.set(name, 0);
  });
  if (stateCount < configured.length) out.push(violation('basic_read.state-count', 'stdout', `${stateCount} STATE messages for ${configured.length} configured streams`));
  for (const name of configured) {
    if (!statesPer.has(name)) out.push(violation('basic_read.state-per-stream', `stream ${name}`, 'no STATE for this stream'));
  }
  return out;
}

/** A catalog naming a stream the source does not have must end in a TRACE ERROR (config_error) and a non-zero exit. */
export function unknownStreamTraceViolations(messages: AirbyteMessage[], exitCode: number | null): Violation[] {
  const errors = messages.filter((m): m is Extract<AirbyteMessage, { type: 'TRACE' }> => m.type === 'TRACE' && m.trace.type === 'ERROR');
  const out: Violation[] = [];
  if (errors.length === 0) out.push(violation('basic_read.unknown-stream-trace', 'stdout', 'no TRACE ERROR for a catalog naming an unknown stream'));
  for (const e of errors) {
    if (e.trace.type === 'ERROR' && e.trace.error.failure_type !== 'config_error') {
      out.push(violation('basic_read.unknown-stream-trace', 'TRACE ERROR', `failure_type ${e.trace.error.failure_type}, expected config_error`));
    }
  }
  if (exitCode === 0) out.push(violation('basic_read.unknown-stream-trace', 'exit code', 'the read exited 0'));
  if (messages.some((m) => m.type === 'RECORD')) out.push(violation('basic_read.unknown-stream-trace', 'stdout', 'records were emitted although the catalog is invalid'));
  return out;
}
