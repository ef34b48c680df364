import { quote } from '../airbyte/quote.js';
import type { RunContext, StreamState } from '../airbyte/source.js';

/**
 * Reading a stream's saved state, in this connector's form and in every form Airbyte's own Intercom source
 * wrote (so a connection can swap images and keep its state):
 * - the cursor under the stream's key (`updated_at`, `created_at`, `_sdc_source_updated_at`) as unix seconds,
 *   unix milliseconds, a numeric string (`"1748736000"`, the declarative CDK's `%s` format) or an RFC 3339 string;
 * - the declarative CDK's substream states: `{state: {updated_at}}` (global cursor), `{states: [{partition,
 *   cursor: {updated_at}}]}` (per partition), `{parent_state: {conversations: {updated_at}}}`, and the legacy
 *   `{updated_at, conversations: {updated_at}}` / `{..., companies: {...}}` of conversation_parts and
 *   company_segments;
 * - this connector's `pending: {newest, resume_at}` of an unfinished pass.
 * Every cursor found counts and the OLDEST wins (a substream's own cursor can be ahead of its parent's: starting
 * from the older one re-reads a little and loses nothing).
 *
 * A state that holds something unusable (not a date, negative, beyond year 9999, a huge string) is dropped
 * with a WARN naming the stream: the stream starts from start_date, the rest of the sync is unaffected.
 */
export interface SavedCursor {
  /** The committed cursor (unix seconds). */
  committed?: number;
  /** Progress of an unfinished pass (this connector's `pending`). */
  newest?: number;
  resumeAt?: number;
  /** True when the state was dropped as unusable. */
  discarded?: boolean;
}

const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
/** An RFC 3339 date with fraction and offset fits in 40 characters; a longer string is not one. */
const MAX_DATE_LENGTH = 40;
const PARENTS = ['conversations', 'companies'];

/** Unix seconds from a saved cursor value, or undefined when it is not a usable instant. */
export function savedCursorSeconds(value: unknown): number | undefined {
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string' && value.length <= MAX_DATE_LENGTH) {
    const text = value.trim();
    if (/^\d+(\.\d+)?$/.test(text)) seconds = Number(text);
    else if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
      const ms = Date.parse(text);
      seconds = Number.isNaN(ms) ? undefined : ms / 1000;
    }
  }
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return undefined;
  if (seconds > 1e11) seconds /= 1000; // milliseconds
  if (seconds > MAX_SECONDS) return undefined;
  return Math.floor(seconds);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every place a cursor may sit in a stream state, as [where, value] (undefined/null values skipped). */
function cursorCandidates(state: StreamState, keys: string[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  const add = (where: string, holder: unknown) => {
    if (!isObject(holder)) return;
    for (const key of keys) {
      const value = holder[key];
      if (value !== undefined && value !== null) out.push([`${where}${key}`, value]);
    }
  };
  add('', state);
  add('state.', state.state);
  if (Array.isArray(state.states)) state.states.forEach((entry, i) => add(`states[${i}].cursor.`, isObject(entry) ? entry.cursor : undefined));
  for (const parent of PARENTS) {
    add(`${parent}.`, state[parent]);
    add(`parent_state.${parent}.`, isObject(state.parent_state) ? state.parent_state[parent] : undefined);
  }
  return out;
}

export function readSavedCursor(stream: string, state: StreamState | undefined, cursorKey: string, log: RunContext['log']): SavedCursor {
  if (!state) return {};
  const keys = [...new Set([cursorKey, 'updated_at', '_sdc_source_updated_at'])];
  const unusable = (where: string, value: unknown): SavedCursor => {
    log('WARN', `The saved state of stream "${stream}" cannot be used: ${where} holds ${quote(value)}, which is not a date. ` +
      'The state is ignored and this stream starts from start_date; the other streams keep theirs.');
    return { discarded: true };
  };
  let committed: number | undefined;
  for (const [where, value] of cursorCandidates(state, keys)) {
    const seconds = savedCursorSeconds(value);
    if (seconds === undefined) return unusable(where, value);
    committed = committed === undefined ? seconds : Math.min(committed, seconds);
  }
  const pending = state.pending;
  if (pending === undefined || pending === null) return { committed };
  if (!isObject(pending)) return unusable('pending', pending);
  const newest = savedCursorSeconds(pending.newest);
  if (newest === undefined) return unusable('pending.newest', pending.newest);
  const resumeAt = savedCursorSeconds(pending.resume_at);
  if (resumeAt === undefined) return unusable('pending.resume_at', pending.resume_at);
  return { committed, newest, resumeAt };
}
