// Connector stdout as the platform sees it: one AirbyteMessage per line, nothing else. Each line is checked
// against the Airbyte protocol schema by test/helpers/protocol.ts; here a bad line is a violation, not a throw.
import type { AirbyteMessage } from '../../../src/airbyte/protocol.js';
import { assertValidMessage } from '../../helpers/protocol.js';
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
    try { assertValidMessage(value, where); } catch (e) {
      violations.push(violation('protocol.airbyte-message', where, (e as Error).message));
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

/** A secret (the access token) must never appear in any output: stdout, stderr, logs, traces. */
export function secretLeakViolations(outputs: Record<string, string>, secrets: string[]): Violation[] {
  return Object.entries(outputs).flatMap(([name, text]) =>
    secrets.filter((s) => s.length >= 4 && text.includes(s)).map(() => violation('protocol.no-secret-in-output', name, 'the access token appears in the output')));
}
