// Connector stdout as the platform sees it: one AirbyteMessage per line, nothing else.
import type { AirbyteMessage } from '../../../src/airbyte/protocol.js';
import { violation, type Violation } from './violation.js';

export interface MessageLine {
  /** 1-based line number in stdout. */
  line: number;
  raw: string;
  message: AirbyteMessage;
}

export type RecordMessage = Extract<AirbyteMessage, { type: 'RECORD' }>;
export type StateMessage = Extract<AirbyteMessage, { type: 'STATE' }>;
export type TraceMessage = Extract<AirbyteMessage, { type: 'TRACE' }>;

/** The payload key each message type must carry (Airbyte protocol v0). */
const PAYLOAD: Record<string, string> = {
  RECORD: 'record', STATE: 'state', LOG: 'log', SPEC: 'spec', CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog', TRACE: 'trace', CONTROL: 'control',
};

/** Splits stdout into messages; every line that is not an AirbyteMessage is a violation. */
export function parseMessageLines(stdout: string): { lines: MessageLine[]; violations: Violation[] } {
  const lines: MessageLine[] = [];
  const violations: Violation[] = [];
  stdout.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const where = `stdout line ${index + 1}`;
    let value: unknown;
    try { value = JSON.parse(raw); } catch {
      violations.push(violation('protocol.one-message-per-line', where, `not JSON: ${raw.slice(0, 120)}`));
      return;
    }
    const type = (value as { type?: unknown })?.type;
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof type !== 'string' || !(type in PAYLOAD)) {
      violations.push(violation('protocol.one-message-per-line', where, `not an AirbyteMessage (type ${JSON.stringify(type)})`));
      return;
    }
    const payload = (value as Record<string, unknown>)[PAYLOAD[type]!];
    if (payload === null || typeof payload !== 'object') {
      violations.push(violation('protocol.one-message-per-line', where, `${type} message without its "${PAYLOAD[type]}" object`));
      return;
    }
    lines.push({ line: index + 1, raw, message: value as AirbyteMessage });
  });
  return { lines, violations };
}

export const messagesOf = (lines: MessageLine[]): AirbyteMessage[] => lines.map((l) => l.message);

export function recordsOf(messages: AirbyteMessage[]): RecordMessage[] {
  return messages.filter((m): m is RecordMessage => m.type === 'RECORD');
}

export function statesOf(messages: AirbyteMessage[]): StateMessage[] {
  return messages.filter((m): m is StateMessage => m.type === 'STATE');
}

export function tracesOf(messages: AirbyteMessage[]): TraceMessage[] {
  return messages.filter((m): m is TraceMessage => m.type === 'TRACE');
}

/** The stream a STATE message is about (undefined for a LEGACY or GLOBAL state). */
export function stateStreamName(message: StateMessage): string | undefined {
  return message.state?.stream?.stream_descriptor?.name;
}
