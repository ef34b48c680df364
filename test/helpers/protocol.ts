// Validates connector output: every stdout line must be one JSON AirbyteMessage, valid against
// #/definitions/AirbyteMessage of the Airbyte protocol (test/helpers/airbyte_protocol_v0.json, a copy of
// airbytehq/airbyte-protocol v0.18.0, MIT). Any suite that reads connector output should go through here.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { AirbyteMessage } from '../../src/airbyte/protocol.js';

export const PROTOCOL_SCHEMA_PATH = 'test/helpers/airbyte_protocol_v0.json';

let validator: ValidateFunction | undefined;

/** The compiled validator for #/definitions/AirbyteMessage (compiled once per process). */
export function messageValidator(): ValidateFunction {
  if (!validator) {
    const protocol = JSON.parse(readFileSync(resolve(PROTOCOL_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;
    delete protocol.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const addFormats = addFormatsModule as unknown as (a: Ajv) => void;
    addFormats(ajv);
    ajv.addSchema(protocol, 'airbyte-protocol');
    validator = ajv.getSchema('airbyte-protocol#/definitions/AirbyteMessage') as ValidateFunction;
  }
  return validator;
}

/** The payload each message type (and each trace type) must carry; the schema alone does not require it. */
const PAYLOAD: Record<string, string> = {
  RECORD: 'record', STATE: 'state', LOG: 'log', SPEC: 'spec', CONNECTION_STATUS: 'connectionStatus', CATALOG: 'catalog',
  TRACE: 'trace', CONTROL: 'control', DESTINATION_CATALOG: 'destination_catalog',
};
const TRACE_PAYLOAD: Record<string, string> = { ERROR: 'error', ESTIMATE: 'estimate', STREAM_STATUS: 'stream_status', ANALYTICS: 'analytics' };

/** Throws naming the line (1-based) and the reason if `message` is not a valid AirbyteMessage. */
export function assertValidMessage(message: unknown, where = 'message'): asserts message is AirbyteMessage {
  const validate = messageValidator();
  if (!validate(message)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`${where} is not a valid AirbyteMessage: ${why}`);
  }
  const m = message as Record<string, any>;
  const payload = PAYLOAD[m.type as string]!;
  if (typeof m[payload] !== 'object' || m[payload] === null) throw new Error(`${where}: a ${m.type} message needs its '${payload}' object`);
  if (m.type === 'TRACE' && typeof m.trace[TRACE_PAYLOAD[m.trace.type]!] !== 'object') {
    throw new Error(`${where}: a ${m.trace.type} trace needs its '${TRACE_PAYLOAD[m.trace.type]}' object`);
  }
}

/**
 * Parses connector stdout: one AirbyteMessage per line. An empty last line (the final newline) is allowed;
 * any other empty line, a line that is not JSON, or a message that fails the protocol schema throws an Error
 * naming the line number and showing the start of the line.
 */
export function parseMessages(stdoutText: string): AirbyteMessage[] {
  const lines = stdoutText.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    const where = `stdout line ${i + 1} (${JSON.stringify(line.slice(0, 160))})`;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      throw new Error(`${where} is not JSON`);
    }
    assertValidMessage(message, where);
    return message;
  });
}
