// CAT "connection" rules: one CONNECTION_STATUS with the expected status, and exit code 0.
import type { AirbyteMessage } from '../../../src/airbyte/protocol.js';
import { violation, type Violation } from './violation.js';

export type ExpectedConnection = 'succeed' | 'failed' | 'exception';

export function connectionViolations(messages: AirbyteMessage[], exitCode: number | null, expected: ExpectedConnection, configName: string): Violation[] {
  const statuses = messages.filter((m): m is Extract<AirbyteMessage, { type: 'CONNECTION_STATUS' }> => m.type === 'CONNECTION_STATUS');
  const traces = messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
  if (expected === 'exception') {
    return traces.length > 0 ? [] : [violation('connection.exception', configName, 'expected a TRACE ERROR, got none')];
  }
  const out: Violation[] = [];
  if (statuses.length !== 1) out.push(violation('connection.one-status', configName, `expected exactly one CONNECTION_STATUS, got ${statuses.length}`));
  const want = expected === 'succeed' ? 'SUCCEEDED' : 'FAILED';
  for (const s of statuses) {
    if (s.connectionStatus.status !== want) {
      out.push(violation(`connection.${expected}`, configName, `status ${s.connectionStatus.status}, expected ${want}${s.connectionStatus.message ? ` (message: ${s.connectionStatus.message})` : ''}`));
    }
  }
  if (exitCode !== 0) out.push(violation('connection.exit-code', configName, `check exited with ${exitCode}; a failed connection is still exit 0`));
  return out;
}
