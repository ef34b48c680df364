import type { ConfiguredStream, ReadEvent, ReadGroup, RecordRow, RunContext, StreamState } from '../airbyte/source.js';
import { CHILD_CURSOR, streamNames, type Family, type View } from './catalog.js';
import type { IntercomConfig } from './config.js';
import type { IntercomClient } from './http/client.js';
import { SkippedItems } from './http/items.js';
import type { ItemsPreparer } from './http/paging.js';
import { readSavedCursor } from './saved-state.js';
import type { ApiObject } from './streams/stream.js';
import type { PageWorkers } from './workers/pool.js';
import { InlinePreparer, takeLatin1Finisher } from './workers/prepare-page.js';
import { PreparedRecord } from './workers/prepared.js';

/**
 * Page workers take a search's pages once its total_count says the pass is at least this large: below it,
 * starting a thread (~50 ms, ~10 MB) costs more than it saves. Without workers, the main thread prepares pages
 * (as Latin-1 text) from the same size on, so small syncs read as they always did.
 */
export const PAGE_WORKERS_FROM = 2_000;

/**
 * What a stream's state holds.
 * - `<cursor>`: the newest cursor of a completed sync (RFC 3339); the next sync starts there, minus the
 *   attribution window.
 * - `pending` (only while a pass over newest-first pages is unfinished): `newest`, the newest cursor the
 *   pass emitted, and `resume_at`: every record above it is emitted, so a restarted sync reads from the
 *   lower bound up to `resume_at` (inclusive) and then completes with max(cursor, newest).
 */
export interface CursorState {
  [cursorKey: string]: unknown;
  pending?: { newest: string; resume_at: string };
}

/** One stream of a family as this sync reads it. */
interface Target {
  name: string;
  /** The top-level stream, one of its child streams, or one of its views (IntercomStream.views). */
  kind: 'parent' | 'child' | 'view';
  incremental: boolean;
  /** The key its state keeps the cursor under. */
  cursorKey: string;
  /** Inclusive lower bound on the top-level record's updated_at (unix s); undefined: no bound. */
  bound: number | undefined;
  /** Inclusive upper bound (unix s) from an unfinished pass, or undefined. */
  until: number | undefined;
  /** The committed cursor of the incoming state: the state never moves behind it. */
  committed: number | undefined;
  /** Newest cursor emitted for this stream, by this pass or by the unfinished one it resumes. */
  newest: number | undefined;
  /** How far down this pass has fully emitted (newest-first streams), once inside the target's range. */
  resumeAt: number | undefined;
  /** The incoming state was unusable and dropped: the stream ends with a clean state even if it read nothing. */
  discarded: boolean;
  /** The last state handed out, to never repeat one. */
  last: string | undefined;
}

/**
 * The read group of one family: one pass over the API for the top-level stream, feeding the selected parent,
 * child and view streams.
 *
 * Incremental bounds follow the attribution window: lower bound = max(start_date, cursor - window),
 * inclusive. Searched streams are read newest first: Intercom's search cursor is stateless, so a record
 * updated during the pass moves ahead of the position already read. Nothing unread shifts (read oldest
 * first, every untouched record behind a moved one would slide back one place and be skipped). The moved
 * record is caught by the next sync, whose lower bound is at most this pass's newest cursor. A checkpoint
 * after every page keeps the committed cursor and the progress of the pass (see CursorState).
 *
 * A view's rows (e.g. conversation_parts) carry their own `updated_at` (the item's, or its parent's when it has
 * none); a view emits the rows of admitted parents whose own cursor is at or after the bound (nothing updated
 * before start_date, as in Airbyte's source), and its state keeps the parent's cursor, like a child stream's.
 */
export function familyGroup(
  family: Family,
  selected: Map<string, ConfiguredStream>,
  state: Map<string, StreamState>,
  config: IntercomConfig,
  client: IntercomClient,
  ctx: RunContext,
  riders: Family[] = [],
  workers?: PageWorkers,
): ReadGroup | undefined {
  const { root } = family;
  const names = streamNames(family).filter((n) => selected.has(n));
  if (names.length === 0) return undefined;
  const newestFirst = root.order === 'newest_first';
  const views = new Map(family.views.map((v) => [v.name, v]));
  const savedStateOf = (name: string): StreamState | undefined => {
    if (state.has(name) || name !== root.name) return state.get(name);
    const former = root.formerNames?.find((n) => state.has(n));
    return former === undefined ? undefined : state.get(former);
  };

  const targets = names.map((name): Target => {
    const kind = name === root.name ? 'parent' : views.has(name) ? 'view' : 'child';
    const incremental = root.cursor !== undefined && selected.get(name)!.syncMode === 'incremental';
    const cursorKey = kind === 'parent' ? (root.cursor ?? 'updated_at') : kind === 'view' ? 'updated_at' : CHILD_CURSOR;
    const saved = incremental ? readSavedCursor(name, savedStateOf(name), cursorKey, ctx.log) : {};
    let bound: number | undefined;
    if (root.cursor !== undefined) {
      bound = config.startDate;
      if (saved.committed !== undefined) bound = Math.max(bound, saved.committed - config.attributionWindowSeconds);
    }
    const until = newestFirst ? saved.resumeAt : undefined;
    return {
      name, kind, incremental, cursorKey, bound, until, committed: saved.committed, newest: saved.newest, resumeAt: undefined,
      discarded: saved.discarded === true, last: undefined,
    };
  });
  const parent = targets.find((t) => t.kind === 'parent');
  const childTargets = targets.filter((t) => t.kind === 'child');
  const viewTargets = targets.filter((t) => t.kind === 'view');
  const wantedChildren = new Set([...childTargets.map((t) => family.childArrayOf(t.name)), ...viewTargets.map((t) => views.get(t.name)!.child)]);
  const since = root.cursor === undefined ? undefined : Math.min(...targets.map((t) => t.bound!));
  const until = targets.some((t) => t.until === undefined) ? undefined : Math.max(...targets.map((t) => t.until!));
  const allChildren = new Set(childTargets.map((t) => t.name));
  const uniform = childTargets.every((t) => t.bound === childTargets[0]!.bound && t.until === childTargets[0]!.until);

  /**
   * Who prepares this pass's pages (workers/prepare-page.ts): the page worker threads when there are some, else
   * this thread (for pages it can read as Latin-1). Only when the stream allows it and no other table rides
   * along (a rider needs each record as an object). A page is prepared once the pass is large enough.
   */
  function preparer(): ItemsPreparer | undefined {
    if (riders.length > 0 || root.companion || viewTargets.length > 0 || root.primaryKey !== 'id' || !root.offThread?.(wantedChildren)) return undefined;
    const pages = workers ?? new InlinePreparer(family);
    preparedHere = workers === undefined;
    const job = { family: root.name, parent: parent !== undefined, children: childTargets.map((t) => t.name), wantedChildren: [...wantedChildren] };
    let large = false;
    return (cut) => {
      const total = cut.envelope['total_count'];
      large ||= typeof total === 'number' && total >= PAGE_WORKERS_FROM;
      if (!large) return undefined;
      const items = pages.prepare({ ...job, elements: cut.elements, starts: cut.starts, ends: cut.ends, groups: cut.groups });
      if (items) preparedPages++;
      return items;
    };
  }
  let preparedPages = 0;
  /** This thread prepares the pass's pages: records left to a follow-up may still be in their Latin-1 reading. */
  let preparedHere = false;

  /**
   * The rows of a record a page worker prepared: the same decisions as for any record, on its cursor (no view
   * and no rider reads a pass whose pages go to workers).
   */
  function preparedRows(record: PreparedRecord, rows: RecordRow[]): void {
    const { cursor } = record;
    if (parent && admits(parent, cursor) && record.parent) {
      rows.push(record.meta === undefined ? { stream: parent.name, json: record.parent } : { stream: parent.name, json: record.parent, meta: record.meta });
      advance(parent, cursor);
    }
    if (childTargets.length === 0) return;
    const wanted = uniform ? (admits(childTargets[0]!, cursor) ? allChildren : undefined) : admitted(childTargets, cursor);
    if (!wanted || wanted.size === 0) return;
    for (const row of record.children) if (wanted.has(row.stream)) rows.push({ stream: row.stream, json: row });
    for (const target of childTargets) if (wanted.has(target.name)) advance(target, cursor);
  }

  async function* read(): AsyncIterable<ReadEvent> {
    let estimated = false;
    // A gathered table emits each record once; so do the ones riding along this pass (IntercomStream.companion).
    const own = root.companion ? new Set<string>() : undefined;
    const gathered = riders.map((rider) => ({ rider, seen: new Set<string>(), skipped: new SkippedItems(`stream ${rider.root.name}`, rider.root.primaryKey) }));
    // The last guard before a RECORD: what a stream hands on (a retrieved or gathered object) must be an object
    // with its primary key. Pages are cleaned where they are read (http/items.ts); this catches the rest.
    const skipped = new SkippedItems(`stream ${root.name}`, root.primaryKey);
    const fetch = { client, since, until, wantedChildren, concurrency: config.concurrency, log: ctx.log, now: ctx.now, prepare: preparer() };
    for await (const page of root.pages(fetch)) {
      if (!estimated && page.totalCount !== undefined && parent) {
        estimated = true;
        yield { type: 'estimate', stream: parent.name, rowEstimate: page.totalCount };
      }
      let lowest: number | undefined;
      // The page's records go out as one event. Whatever was gathered goes out before anything is awaited or
      // thrown, so the output is the same as with one event per record, failures included.
      let rows: RecordRow[] = [];
      try {
        for (const item of page.records) {
          if (!skipped.admit(item)) continue;
          // A record still in its Latin-1 reading (a stream's follow-up that did not finish it) must not be
          // serialised as an object: its strings are that reading's. Finished here as its page's records were.
          const record = item instanceof PreparedRecord || !preparedHere ? item : (takeLatin1Finisher(item)?.(item) ?? item);
          if (record instanceof PreparedRecord) {
            if (record.cursor !== undefined && (lowest === undefined || record.cursor < lowest)) lowest = record.cursor;
            preparedRows(record, rows);
            continue;
          }
          if (own && !firstSight(own, record[root.primaryKey])) continue;
          for (const { rider, seen, skipped: riderSkipped } of gathered) {
            if (rows.length > 0) {
              yield { type: 'records', records: rows };
              rows = [];
            }
            for (const item of await rider.root.companion!.collect(record, fetch)) {
              if (!riderSkipped.admit(item) || !firstSight(seen, item[rider.root.primaryKey])) continue;
              rider.root.shape?.(item);
              rider.convertTimestamps(item);
              rows.push({ stream: rider.root.name, data: item });
            }
          }
          const cursor = root.cursor ? unixSeconds(record[root.cursor]) : undefined;
          if (cursor !== undefined && (lowest === undefined || cursor < lowest)) lowest = cursor;
          const meta = family.transform(record);
          if (parent && admits(parent, cursor)) {
            rows.push(meta === undefined ? { stream: parent.name, data: record } : { stream: parent.name, data: record, meta });
            advance(parent, cursor);
          }
          for (const target of viewTargets) {
            if (!admits(target, cursor)) continue;
            for (const row of viewRows(views.get(target.name)!, record, root)) {
              if (target.bound !== undefined && (unixSeconds(row.updated_at) ?? cursor ?? 0) < target.bound) continue;
              rows.push({ stream: target.name, data: row });
            }
            advance(target, cursor);
          }
          if (childTargets.length === 0) continue;
          const wanted = uniform ? (admits(childTargets[0]!, cursor) ? allChildren : undefined) : admitted(childTargets, cursor);
          if (!wanted || wanted.size === 0) continue;
          for (const row of family.split(record, wanted)) rows.push({ stream: row.stream, data: row.data });
          for (const target of childTargets) if (wanted.has(target.name)) advance(target, cursor);
        }
      } catch (error) {
        if (rows.length > 0) yield { type: 'records', records: rows };
        throw error;
      }
      if (rows.length > 0) yield { type: 'records', records: rows };
      // A search read in slices says how far down the pass is complete; one read in a single sequence is
      // complete down to its page's lowest cursor.
      const resumeAt = page.resumeAt === undefined ? lowest : (page.resumeAt ?? undefined);
      if (newestFirst && resumeAt !== undefined) {
        for (const target of targets) if (target.until === undefined || resumeAt <= target.until) target.resumeAt = resumeAt;
        yield* checkpoints(targets, false);
      }
    }
    skipped.report(ctx.log);
    for (const rider of gathered) rider.skipped.report(ctx.log);
    if (preparedPages > 0) ctx.log('INFO', `stream ${root.name}: ${preparedPages} pages prepared ${workers ? 'by page worker threads' : 'as Latin-1 text'}`);
    yield* checkpoints(targets, true);
  }
  return { streams: [...names, ...riders.map((r) => r.root.name)], read, ...(root.alongside ? { alongside: true } : {}) };
}

/** A view's rows of one (converted) record: each item of its array, with the parent's id and a cursor. */
function* viewRows(view: View, record: ApiObject, root: Family['root']): Iterable<ApiObject> {
  let items: unknown = record;
  for (const key of view.path) items = items !== null && typeof items === 'object' ? (items as ApiObject)[key] : undefined;
  if (!Array.isArray(items)) return;
  const parentId = record[root.primaryKey] === undefined || record[root.primaryKey] === null ? null : String(record[root.primaryKey]);
  const parentCursor = root.cursor ? record[root.cursor] : undefined;
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const row: ApiObject = { ...(item as ApiObject), [view.parentKey]: parentId };
    if (row.updated_at === undefined || row.updated_at === null) row.updated_at = parentCursor ?? null;
    yield row;
  }
}

/** True the first time a key is seen. */
function firstSight(seen: Set<string>, key: unknown): boolean {
  const text = String(key);
  if (seen.has(text)) return false;
  seen.add(text);
  return true;
}

function admits(target: Target, cursor: number | undefined): boolean {
  if (target.bound === undefined) return true;
  if (cursor === undefined || cursor < target.bound) return false;
  return target.until === undefined || cursor <= target.until;
}

function admitted(targets: Target[], cursor: number | undefined): Set<string> {
  return new Set(targets.filter((t) => admits(t, cursor)).map((t) => t.name));
}

function advance(target: Target, cursor: number | undefined): void {
  if (cursor !== undefined && (target.newest === undefined || cursor > target.newest)) target.newest = cursor;
}

/** A checkpoint for every incremental stream whose state changed: mid-pass progress, or the completed cursor. */
function* checkpoints(targets: Target[], complete: boolean): Iterable<ReadEvent> {
  for (const target of targets) {
    if (!target.incremental) continue;
    const state: CursorState = {};
    const cursor = max(target.committed, target.newest);
    if (complete) {
      // A dropped state is replaced by a clean one even when nothing was read, so it is not carried forward.
      if (cursor === undefined && !target.discarded) continue;
      if (cursor !== undefined) state[target.cursorKey] = isoSeconds(cursor);
    } else {
      if (target.resumeAt === undefined || target.newest === undefined) continue;
      if (target.committed !== undefined) state[target.cursorKey] = isoSeconds(target.committed);
      state.pending = { newest: isoSeconds(target.newest), resume_at: isoSeconds(target.resumeAt) };
    }
    const text = JSON.stringify(state);
    if (text === target.last) continue;
    target.last = text;
    yield { type: 'checkpoint', stream: target.name, state };
  }
}

const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

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

