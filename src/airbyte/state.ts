// Parsing --state: the list of AirbyteStateMessages (type STREAM) that the platform passes, the legacy dict
// `{ "<stream>": {...} }`, or nothing. The result is the stream_state per stream name.
import { configError } from './errors.js';
import { describeFile, readJsonFile } from './config.js';
import { cut, quote } from './quote.js';
import type { StreamState } from './source.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const STATE_TYPES = ['STREAM', 'GLOBAL', 'LEGACY'];

/** True for an object that is itself one AirbyteStateMessage rather than a legacy dict. */
function looksLikeStateMessage(v: Record<string, unknown>): boolean {
  return typeof v.type === 'string' && STATE_TYPES.includes(v.type) && ('stream' in v || 'global' in v || 'data' in v);
}

/**
 * The stream states held by a parsed --state value.
 * - a list: STREAM entries (or entries without `type` that have `stream`) give their stream_state; a LEGACY
 *   entry gives the legacy dict in its `data`; GLOBAL entries are ignored with a WARN;
 * - an object: the legacy dict `{ "<stream>": {...} }` (or one state message on its own);
 * - null, {}, [] or an absent file: no state.
 * A stream state that is not an object is ignored with a WARN naming the stream; other malformed entries are a
 * config_error naming the entry.
 */
export function parseState(raw: unknown, warn: (message: string) => void, source = 'the state'): Map<string, StreamState> {
  const states = new Map<string, StreamState>();
  const fail = (what: string) => configError(`${source.charAt(0).toUpperCase()}${source.slice(1)} is not valid: ${what}.`);
  if (raw === null || raw === undefined) return states;
  if (isObject(raw) && !looksLikeStateMessage(raw)) {
    readLegacyDict(raw, states, warn);
    return states;
  }
  const entries: unknown[] = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : [];
  if (!Array.isArray(raw) && !isObject(raw)) throw fail('it must be a list of state messages or an object');
  entries.forEach((entry, i) => {
    const at = `entry ${i}`;
    if (!isObject(entry)) throw fail(`${at} must be an object`);
    const type = entry.type;
    if (type === 'LEGACY' && isObject(entry.data)) {
      readLegacyDict(entry.data, states, warn, true);
      return;
    }
    if (type === 'GLOBAL' || type === 'LEGACY' || (type === undefined && !('stream' in entry))) {
      warn(`Ignoring ${at} of the input state: ${type ?? 'untyped'} state is not supported; its streams start from scratch.`);
      return;
    }
    if (type !== undefined && type !== 'STREAM') throw fail(`${at} has an unknown type ${quote(type)}`);
    const stream = entry.stream;
    if (!isObject(stream) || !isObject(stream.stream_descriptor) || typeof stream.stream_descriptor.name !== 'string') {
      throw fail(`${at} needs 'stream.stream_descriptor.name'`);
    }
    const name = stream.stream_descriptor.name;
    const streamState = stream.stream_state;
    if (streamState !== undefined && streamState !== null && !isObject(streamState)) {
      warn(unusableStreamState(name, `'stream_state' (${at})`, streamState));
      return;
    }
    if (states.has(name)) warn(`The input state holds stream '${cut(name)}' more than once; the last entry wins.`);
    states.set(name, streamState ?? {});
  });
  return states;
}

/**
 * The legacy dict `{ "<stream>": {...} }` (a bare --state object, or the `data` of a LEGACY message as older
 * platforms saved it). A stream whose state is not an object is ignored with a WARN: that stream starts over,
 * the others keep their state.
 */
function readLegacyDict(dict: Record<string, unknown>, states: Map<string, StreamState>, warn: (message: string) => void, underStreamEntries = false): void {
  for (const [name, value] of Object.entries(dict)) {
    // In a list, a stream's own STREAM entry is newer than the LEGACY blob.
    if (value === null || (underStreamEntries && states.has(name))) continue;
    if (!isObject(value)) {
      warn(unusableStreamState(name, 'the legacy state', value));
      continue;
    }
    states.set(name, value);
  }
}

function unusableStreamState(stream: string, where: string, value: unknown): string {
  return `Ignoring ${where} of stream '${cut(stream)}': it must be an object, not ${quote(value)}. That stream starts from start_date; the other streams keep their state.`;
}

/** Reads and parses --state; no path means no state. */
export async function loadState(path: string | undefined, warn: (message: string) => void): Promise<Map<string, StreamState>> {
  if (path === undefined) return new Map();
  return parseState(await readJsonFile(path, 'state'), warn, describeFile(path, 'state'));
}
