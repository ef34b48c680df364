import { configError } from '../airbyte/errors.js';
import type { ConfiguredStream, ReadEvent, ReadGroup, RunContext, StreamState } from '../airbyte/source.js';
import { CHILD_CURSOR, type Family } from './catalog.js';
import type { IntercomConfig } from './config.js';
import type { IntercomClient } from './http/client.js';
import type { ApiObject } from './streams/stream.js';

/** One stream of a family as this sync reads it. */
interface Target {
  name: string;
  incremental: boolean;
  /** The key its state keeps the cursor under. */
  cursorKey: string;
  /** Inclusive lower bound on the top-level record's updated_at (unix s); undefined: no bound. */
  bound: number | undefined;
  /** The cursor in the incoming state (unix s): the state never moves behind it. */
  previous: number | undefined;
  /** Newest cursor among the records emitted for this stream in this sync. */
  newest: number | undefined;
  /** Newest cursor already written in a checkpoint. */
  checkpointed: number | undefined;
}

/**
 * The read group of one family: one pass over the API for the top-level stream, feeding the selected parent
 * and child streams. Incremental bounds follow the attribution window:
 * lower bound = max(start_date, state cursor - window), inclusive; a stream's state is the newest cursor it
 * emitted (never behind the incoming state), checkpointed after every page for ordered streams.
 */
export function familyGroup(
  family: Family,
  selected: Map<string, ConfiguredStream>,
  state: Map<string, StreamState>,
  config: IntercomConfig,
  client: IntercomClient,
  ctx: RunContext,
): ReadGroup | undefined {
  const { root } = family;
  const names = [root.name, ...family.children.map((c) => c.name)].filter((n) => selected.has(n));
  if (names.length === 0) return undefined;

  const targets = names.map((name): Target => {
    const incremental = root.cursor !== undefined && selected.get(name)!.syncMode === 'incremental';
    const cursorKey = name === root.name ? (root.cursor ?? 'updated_at') : CHILD_CURSOR;
    const previous = incremental ? cursorFromState(name, state.get(name), cursorKey) : undefined;
    let bound: number | undefined;
    if (root.cursor !== undefined) {
      bound = config.startDate;
      if (previous !== undefined) bound = Math.max(bound, previous - config.attributionWindowSeconds);
    }
    return { name, incremental, cursorKey, bound, previous, newest: undefined, checkpointed: previous };
  });
  const parent = targets.find((t) => t.name === root.name);
  const childTargets = targets.filter((t) => t !== parent);
  const wantedChildren = new Set(childTargets.map((t) => family.childArrayOf(t.name)));
  const since = root.cursor === undefined ? undefined : Math.min(...targets.map((t) => t.bound!));
  const highestBound = Math.max(...targets.map((t) => t.bound ?? -Infinity));
  const allChildren = new Set(childTargets.map((t) => t.name));

  async function* read(): AsyncIterable<ReadEvent> {
    let estimated = false;
    const pages = root.pages({ client, since, wantedChildren, concurrency: config.concurrency, log: ctx.log });
    for await (const page of pages) {
      if (!estimated && page.totalCount !== undefined && parent) {
        estimated = true;
        yield { type: 'estimate', stream: parent.name, rowEstimate: page.totalCount };
      }
      for (const record of page.records) {
        const cursor = root.cursor ? unixSeconds(record[root.cursor]) : undefined;
        root.shape?.(record);
        family.convertTimestamps(record);
        if (parent && admits(parent, cursor)) {
          yield { type: 'record', stream: parent.name, data: record };
          advance(parent, cursor);
        }
        if (childTargets.length === 0) continue;
        const wanted = cursor === undefined || cursor >= highestBound ? allChildren : admitted(childTargets, cursor);
        if (wanted.size === 0) continue;
        for (const row of family.split(record, wanted)) yield { type: 'record', stream: row.stream, data: row.data };
        for (const target of childTargets) if (wanted.has(target.name)) advance(target, cursor);
      }
      if (!root.unordered) yield* checkpoints(targets);
    }
    yield* checkpoints(targets);
  }
  return { streams: names, read };
}

function admits(target: Target, cursor: number | undefined): boolean {
  return target.bound === undefined || (cursor !== undefined && cursor >= target.bound);
}

function admitted(targets: Target[], cursor: number): Set<string> {
  return new Set(targets.filter((t) => admits(t, cursor)).map((t) => t.name));
}

function advance(target: Target, cursor: number | undefined): void {
  if (cursor !== undefined && (target.newest === undefined || cursor > target.newest)) target.newest = cursor;
}

/** A checkpoint for every incremental stream whose cursor moved forward since its last one. */
function* checkpoints(targets: Target[]): Iterable<ReadEvent> {
  for (const target of targets) {
    if (!target.incremental || target.newest === undefined) continue;
    if (target.checkpointed !== undefined && target.newest <= target.checkpointed) continue;
    target.checkpointed = target.newest;
    yield { type: 'checkpoint', stream: target.name, state: { [target.cursorKey]: isoSeconds(target.newest) } };
  }
}

/** The cursor a stream's incoming state holds, as unix seconds; accepts RFC 3339 strings and unix numbers. */
export function cursorFromState(stream: string, state: StreamState | undefined, cursorKey: string): number | undefined {
  if (!state) return undefined;
  const value = state[cursorKey] ?? state.updated_at ?? state[CHILD_CURSOR];
  if (value === undefined || value === null) return undefined;
  const seconds = unixSeconds(value);
  if (seconds === undefined) {
    throw configError(`The saved state of stream "${stream}" has an unreadable cursor ${JSON.stringify(value)} under "${cursorKey}": reset the stream or fix its state.`);
  }
  return seconds;
}

export function unixSeconds(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e11 ? Math.floor(value / 1000) : value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  }
  return undefined;
}

export function isoSeconds(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('.000Z', 'Z');
}

export type { ApiObject };
