// A large search read in slices at once. Intercom's search cursor only goes one page after the other (each
// page names the next), so one search delivers 150 records per round trip whatever the rate limit allows: at
// 150 ms a request that is ~1,000 records/s, a few percent of 10,000 requests/min. A search whose first page
// announces at least SLICE_FROM records, once its read waits on round trips (the event loop mostly idle), is
// split by `updated_at` into up to SEARCH_SLICES ranges of about as many records each (found by asking for
// counts; no more than the rate limit keeps busy, slicesFed), and the ranges are paged at the same time, newest
// first each. A read whose limit is its own work (a fast server) is never split: it would only hold more pages
// in memory.
//
// No record may go missing, so:
// - every slice keeps exactly the records of its own range (contacts search rounds dates to days, so its
//   queries ask for a day more on each side, as the unsliced search does, and the rest is dropped here);
// - the pages of all slices come out as they arrive, each with `resumeAt` (stream.ts: Page): the cursor at
//   and above which every record of the pass has been handed on. That is the lowest cursor read so far by the
//   newest slice not yet finished (every newer slice is complete; this one is read newest first), or the top
//   of its range when it has yielded nothing yet. A sync restarted from a checkpoint re-reads everything
//   below it: records of older slices already emitted come again (at least once, never lost);
// - the newest slice is the search already started: it goes on with the same cursor and, once the boundaries
//   are placed, stops at the first record below the highest one it had not read past. Its range has no top, so records updated
//   meanwhile stay in it (they move ahead of what was read: nothing unread moves, see README);
// - older slices have a top, which records updated meanwhile leave: with a cursor that is a position, that
//   would make every record behind them slide back a place and one be skipped. A drop of total_count between
//   two pages says it happened, and the slice asks for its range again from the lowest cursor it handed on
//   (olderSlice). A resumed pass (`until`) has a top too, and is read the same way.
import { performance } from 'node:perf_hooks';
import type { IntercomClient } from '../http/client.js';
import type { ItemsPreparer } from '../http/paging.js';
import { unixSeconds } from '../replication.js';
import { PreparedRecord } from '../workers/prepared.js';
import { allOf, newestFirstPages, searchNewestFirst, updatedBetween, type DateSemantics } from './search.js';
import type { ApiObject, Page } from './stream.js';

/** A search whose first page announces at least this many records (total_count) is read in slices. */
export const SLICE_FROM = 3_000;
/**
 * At most this many slices of one search are paged at once (every request still goes through the pacer). 12 read
 * 40,000 conversations at 150 ms a round trip in 7.5-7.7 s instead of 10.1, but took a 1M-contact read from the
 * sandbox (which cannot keep up there, so the connector waits and cuts) from 195 to 224 MB (bench/HISTORY.md).
 */
export const SEARCH_SLICES = 6;
/** Each slice holds about this many records at least (10 pages): fewer slices for smaller searches. */
export const RECORDS_PER_SLICE = 1_500;
/** The share of its time the event loop may sit idle (waiting on round trips) before one more slice starts. */
const IDLE_SHARE = 0.25;
/** Restarts of an older slice in a row without a record handed on in between (see olderSlice). */
const MAX_IDLE_RESTARTS = 3;
/**
 * Count queries per bracket in one round of the search that places the boundaries (all of them at once, a
 * round's queries at the same time): each round narrows a boundary's bracket to 1/(PROBES_PER_ROUND + 1) of it.
 */
export const PROBES_PER_ROUND = 7;
/**
 * Rounds at most (after the one that finds the oldest record): 8^3 = 512 steps across the search's time span.
 * A bisection took 8 round trips one after the other, while the newest slice read on alone.
 */
export const PLACEMENT_ROUNDS = 3;
/** A boundary is placed once its bracket holds at most this share of a slice's records. */
const PLACEMENT_SLACK = 1 / 8;
/** Count queries a search of `slices` slices asks at most to place its boundaries. */
export const mostProbes = (slices: number): number => 1 + PROBES_PER_ROUND * (1 + (PLACEMENT_ROUNDS - 1) * (slices - 1));
/**
 * The narrowest slice, in seconds. Contacts search compares whole days, so each of its queries asks for a day
 * more on either side: slices of contacts are a week at least, or their overlap would be a large share.
 */
const MIN_SLICE_SECONDS: Record<DateSemantics, number> = { day: 7 * 86_400, second: 60 };

export interface SlicedSearch {
  client: IntercomClient;
  path: string;
  /** The key of the items in a page (`data`, `conversations`, `tickets`). */
  itemsKey: string;
  /** What else the query asks for (e.g. a role), besides the updated_at range. */
  filter?: ApiObject;
  semantics: DateSemantics;
  /** Inclusive bounds of the pass on updated_at (unix seconds), as FetchContext has them. */
  since: number | undefined;
  until: number | undefined;
  prepare?: ItemsPreparer;
  /** Where the slicing is reported (one INFO when a search is cut, one when it ends). */
  log?: (level: 'INFO', message: string) => void;
}

/** The cursor of an item as read (unix seconds), whether a page worker prepared it or not. */
function cursorOf(item: ApiObject): number | undefined {
  return item instanceof PreparedRecord ? item.cursor : unixSeconds(item.updated_at);
}

function lowestOf(items: readonly ApiObject[]): number | undefined {
  let lowest: number | undefined;
  for (const item of items) {
    const cursor = cursorOf(item);
    if (cursor !== undefined && (lowest === undefined || cursor < lowest)) lowest = cursor;
  }
  return lowest;
}

/**
 * Pages of a search newest first; a large one in slices read at once, each page with its `resumeAt`. A pass
 * with a top (`until`: a resumed one) is read the way older slices are, since records updated meanwhile leave
 * its range too (olderSlice).
 */
export async function* searchInSlices(search: SlicedSearch): AsyncIterable<Page> {
  const query = (since: number | undefined, until: number | undefined) => allOf(search.filter, ...updatedBetween(since, until, search.semantics));
  const whole = searchNewestFirst(search.client, search.path, search.itemsKey, query(search.since, search.until), search.prepare)[Symbol.asyncIterator]();
  let wholeHandedOn = false;
  try {
    const asked = performance.now();
    const first = await whole.next();
    // The first page's round trip (seconds): what one slice waits for each of its pages (slicesFed).
    const roundTrip = (performance.now() - asked) / 1000;
    if (first.done) return;
    const { totalCount } = first.value;
    const report = (ranges: number, most: number) => search.log?.('INFO', `POST ${search.path}: ${totalCount} records announced, read in ${ranges} updated_at ranges, at most ${most} at once`);
    let most = 0;
    const running = (n: number) => (most = Math.max(most, n));
    if (search.until === undefined) {
      // An open pass: the newest slice reads on while the boundaries are placed, and takes the range down to
      // the highest of them that it has not read past yet (see merged).
      if (!isLarge(search, first.value)) {
        yield first.value;
        for (let next = await whole.next(); !next.done; next = await whole.next()) yield next.value;
        return;
      }
      const newest: Slice = { low: search.since ?? -Infinity, high: undefined, done: false, lowest: undefined };
      wholeHandedOn = true;
      const sources = [newestSlice(first.value, whole, newest)];
      const slices = [newest];
      yield* merged(sources, slices, totalCount, running, {
        place: () => boundariesOf(search, first.value, query, roundTrip).catch(() => []),
        older: (slice) => olderSlice(search, query, slice.low, slice.high!)[Symbol.asyncIterator](),
      });
      if (slices.length > 1) report(slices.length, most);
      return;
    }
    // A pass with a top (a resumed one): its ranges all have a top, which records updated meanwhile leave, so
    // every one is read as an older slice, from boundaries placed first.
    const boundaries = isLarge(search, first.value) ? await boundariesOf(search, first.value, query, roundTrip).catch(() => []) : [];
    wholeHandedOn = true;
    await whole.return?.();
    const lows = [...boundaries, search.since];
    const slices: Slice[] = lows.map((low, i) => ({ low: low ?? -Infinity, high: i === 0 ? search.until : boundaries[i - 1]! - 1, done: false, lowest: undefined }));
    const sources = slices.map((slice) => olderSlice(search, query, slice.low, slice.high!)[Symbol.asyncIterator]());
    yield* merged(sources, slices, totalCount, running);
    if (slices.length > 1) report(slices.length, most);
  } finally {
    if (!wholeHandedOn) await whole.return?.();
  }
}

/** True when a search is worth cutting: a large total, a lower bound, records to place boundaries between. */
function isLarge(search: SlicedSearch, first: Page): boolean {
  return first.totalCount !== undefined && first.totalCount >= SLICE_FROM && search.since !== undefined && first.records.length > 0;
}

interface Slice {
  /** Inclusive range of updated_at (-Infinity: no lower bound); `high` undefined: no top (the newest slice of an open pass). */
  low: number;
  high: number | undefined;
  done: boolean;
  /** The lowest cursor this slice has yielded. */
  lowest: number | undefined;
}

/**
 * The newest slice: the search already started, its records at or above `slice.low` (which rises once the
 * boundaries are placed), until the first one below.
 */
function newestSlice(first: Page, rest: AsyncIterator<Page>, slice: Slice): AsyncIterator<Page> {
  return (async function* () {
    try {
      for (let page = first; ;) {
        const { low } = slice;
        const kept = page.records.filter((item) => {
          const cursor = cursorOf(item);
          return cursor === undefined || cursor >= low;
        });
        yield { records: kept };
        // Newest first: one record below the range means the rest of the search belongs to older slices.
        if (kept.length < page.records.length) return;
        const next = await rest.next();
        if (next.done) return;
        page = next.value;
      }
    } finally {
      await rest.return?.();
    }
  })();
}

/**
 * An older slice: the records of [low, high] only. Its range has a top, so a record updated meanwhile leaves
 * it, and with a cursor that is a position every record behind it slides back a place: the next page would
 * start one record too far. A page whose total_count is lower than the page before's says so; it is dropped,
 * and the range is asked for again from its top down to the lowest cursor already handed on (records at that
 * cursor handed on already are not repeated). A range that shrinks on every page without anything handed on
 * in between is asked for again at most MAX_IDLE_RESTARTS times in a row, then read on as it comes.
 */
async function* olderSlice(search: SlicedSearch, query: (since: number | undefined, until: number | undefined) => ApiObject, low: number, high: number): AsyncIterable<Page> {
  let top = high;
  let lowest: number | undefined;
  let atLowest = new Set<string>(); // ids handed on whose cursor is `lowest`
  let idle = 0; // restarts in a row with nothing handed on in between
  for (;;) {
    const lowestBefore = lowest;
    const pages = newestFirstPages(search.client, search.path, search.itemsKey, query(Number.isFinite(low) ? low : undefined, top), { prepare: search.prepare, ahead: false });
    let before: number | undefined;
    let again = false;
    try {
      for (let next = await pages.next(); !next.done; next = await pages.next()) {
        const { items, pageTotal } = next.value;
        if (before !== undefined && pageTotal !== undefined && pageTotal < before && (lowest !== lowestBefore || idle < MAX_IDLE_RESTARTS)) {
          again = true;
          break;
        }
        before = pageTotal;
        const kept: ApiObject[] = [];
        for (const item of items) {
          const cursor = cursorOf(item);
          if (cursor === undefined || cursor < low || cursor > top) continue;
          const id = String(item.id);
          if (cursor === lowest && atLowest.has(id)) continue;
          if (lowest === undefined || cursor < lowest) {
            lowest = cursor;
            atLowest = new Set();
          }
          if (cursor === lowest) atLowest.add(id);
          kept.push(item);
        }
        yield { records: kept };
      }
    } finally {
      await pages.return(undefined);
    }
    if (!again) return;
    idle = lowest === lowestBefore ? idle + 1 : 0;
    if (lowest !== undefined) top = lowest;
  }
}

/**
 * The slices' pages as they arrive, each with the pass's resumeAt; the first page carries the search's
 * total_count. Slices start newest first: one more whenever the event loop sat idle waiting for the next page
 * more than IDLE_SHARE of the time since the page before (a moving average: the read waits on round trips,
 * not on its own work), or has no page left to wait for. At Intercom's latency they soon all run at once; a
 * read whose limit is its own CPU (a fast server) or its output (a slow reader) keeps to a few, and so few
 * pages in memory. A failing slice fails the search and stops the others.
 */
async function* merged(
  sources: AsyncIterator<Page>[],
  slices: Slice[],
  totalCount: number | undefined,
  running: (n: number) => void,
  cutting?: { place: () => Promise<number[]>; older: (slice: Slice) => AsyncIterator<Page> },
): AsyncIterable<Page> {
  // Boundaries are placed (count queries) once the newest slice waits on round trips, while it reads on; they
  // are applied when a page of it arrives (its next page is not filtered yet), keeping those it has not read
  // past, and it then stops at the highest of them. A read whose limit is its own work never asks.
  let placing = false;
  let placed: number[] | undefined;
  const cut = () => {
    const found = placed!;
    const older = cutting!.older;
    placed = undefined;
    cutting = undefined;
    const newest = slices[0]!;
    const since = newest.low;
    const below = found.filter((b) => b > since && (newest.lowest === undefined || b <= newest.lowest));
    if (below.length === 0) return;
    newest.low = below[0]!;
    below.forEach((top, k) => {
      const slice: Slice = { low: below[k + 1] ?? since, high: top - 1, done: false, lowest: undefined };
      slices.push(slice);
      sources.push(older(slice));
    });
  };
  const waiting = new Map<number, Promise<{ i: number; next: IteratorResult<Page> }>>();
  const ask = (i: number) => {
    const promise = sources[i]!.next().then((next) => ({ i, next }));
    promise.catch(() => undefined); // a rejection is taken by the race below, or dropped once the search stopped
    waiting.set(i, promise);
    running(slices.filter((s, k) => k < started && !s.done).length);
  };
  let started = 0;
  let idle = 0; // moving average of the share of the time between two pages spent idle, waiting for the second
  let handed = performance.now();
  try {
    let announced = false;
    while (waiting.size > 0 || started < sources.length) {
      if (waiting.size === 0) {
        ask(started++);
        continue;
      }
      // Idle while waiting for a page: round trips. Time the reader spent elsewhere (writing records, waiting
      // for a slow reader of its output) counts as not waiting.
      const waitStart = performance.eventLoopUtilization();
      const { i, next } = await Promise.race(waiting.values());
      const now = performance.now();
      idle = 0.7 * idle + 0.3 * (performance.eventLoopUtilization(waitStart).idle / Math.max(1, now - handed));
      handed = now;
      if (idle > IDLE_SHARE) {
        if (started < sources.length) ask(started++);
        else if (cutting && !placing) {
          placing = true;
          void cutting.place().then((found) => (placed = found));
        }
      }
      waiting.delete(i);
      const slice = slices[i]!;
      if (next.done) {
        slice.done = true;
        continue;
      }
      const lowest = lowestOf(next.value.records);
      if (lowest !== undefined && (slice.lowest === undefined || lowest < slice.lowest)) slice.lowest = lowest;
      if (i === 0 && placed !== undefined && cutting) cut();
      ask(i);
      const page: Page = { records: next.value.records, resumeAt: resumeAt(slices) };
      if (!announced) {
        announced = true;
        page.totalCount = totalCount;
      }
      yield page;
    }
  } finally {
    await Promise.all(sources.slice(0, started).map((source, i) => (slices[i]!.done ? undefined : source.return?.().catch(() => undefined))));
  }
}

/**
 * The cursor at and above which every record of the pass has been handed on: in the newest unfinished slice,
 * the lowest cursor it yielded, or the top of its range if it yielded none; null when there is none yet (the
 * newest slice has yielded nothing) or when every slice is done (the pass's own end says the rest).
 */
function resumeAt(slices: Slice[]): number | null {
  const open = slices.findIndex((s) => !s.done);
  if (open === -1) return null;
  const slice = slices[open]!;
  if (slice.lowest !== undefined) return slice.lowest;
  return slice.high ?? null;
}

/**
 * Slices the rate limit keeps busy: one request in flight each, a page's round trip apart (the search's first
 * page's, `roundTrip` seconds; a one-item count query may come back sooner than a page of 150), so at most
 * requests per second x round trip; more would only wait in the pacer, with their count queries spent from the
 * same allowance. 10,000 requests/min at 150 ms: 25 (SEARCH_SLICES then); 1,000/min: 3. Without a known limit,
 * SEARCH_SLICES.
 */
function slicesFed(client: IntercomClient, roundTrip: number): number {
  const rate = client.requestsPerSecond();
  return rate === undefined ? SEARCH_SLICES : Math.ceil(rate * roundTrip);
}

/**
 * Where to cut a search into slices of about as many records each (descending, each above `since`), from
 * counts Intercom gives for `updated_at >= t` (the total_count of a one-item page): the oldest record of the
 * search first (one more one-item page, oldest first), then rounds of counts at once, each narrowing every
 * boundary's bracket between what is known to hold more records above it than its target and what holds at most
 * that, until the bracket holds few records (PLACEMENT_SLACK of a slice) or PLACEMENT_ROUNDS are done: 2-4 round
 * trips in all. None when the search is small, has no lower bound, spans too short a time, or the rate limit
 * keeps only one slice busy. The boundaries decide only how the work is shared: every slice keeps exactly its
 * own range, wherever they fall.
 */
async function boundariesOf(search: SlicedSearch, first: Page, query: (since: number | undefined, until: number | undefined) => ApiObject, roundTrip: number): Promise<number[]> {
  const total = first.totalCount;
  const since = search.since;
  const top = first.records.length > 0 ? Math.max(...first.records.map((r) => cursorOf(r) ?? -Infinity)) : undefined;
  if (total === undefined || total < SLICE_FROM || since === undefined || top === undefined || !Number.isFinite(top)) return [];
  const probe = (t: number, order?: 'ascending') =>
    search.client.post<{ total_count?: unknown; [key: string]: unknown }>(search.path, {
      query: query(t, search.until),
      ...(order ? { sort: { field: 'updated_at', order } } : {}),
      pagination: { per_page: 1 },
    });
  const oldestPage = await probe(since, 'ascending');
  const oldestItem = (oldestPage?.[search.itemsKey] as unknown[] | undefined)?.[0];
  const oldest = typeof oldestItem === 'object' && oldestItem !== null ? unixSeconds((oldestItem as ApiObject).updated_at) : undefined;
  const low = Math.max(since, oldest ?? since);
  const minSlice = MIN_SLICE_SECONDS[search.semantics];
  const count = Math.min(SEARCH_SLICES, Math.floor(total / RECORDS_PER_SLICE), Math.floor((top - low) / minSlice), slicesFed(search.client, roundTrip));
  if (count < 2) return [];
  // Records at or above t, where known: every record of the search at `low`, none above `top` (taken as none at
  // it, which only makes its bracket look fuller).
  const above = new Map<number, number>([[low, total], [top, 0]]);
  // Boundary k has about k/count of the records above it: `older` holds more than that, `newer` at most that.
  const targets = Array.from({ length: count - 1 }, (_, k) => ((k + 1) * total) / count);
  const brackets = targets.map(() => ({ older: low, newer: top }));
  const placed = (b: { older: number; newer: number }) => b.newer - b.older <= 1 || above.get(b.older)! - above.get(b.newer)! <= (PLACEMENT_SLACK * total) / count;
  for (let round = 0; round < PLACEMENT_ROUNDS; round++) {
    const points = new Set<number>();
    for (const b of brackets) {
      if (placed(b)) continue;
      for (let i = 1; i <= PROBES_PER_ROUND; i++) {
        const t = b.older + Math.floor((i * (b.newer - b.older)) / (PROBES_PER_ROUND + 1));
        if (t > b.older && t < b.newer && !above.has(t)) points.add(t);
      }
    }
    if (points.size === 0) break;
    const counts = await Promise.all([...points].map(async (t) => [t, (await probe(t))?.total_count] as const));
    for (const [t, n] of counts) {
      if (typeof n !== 'number') return [];
      above.set(t, n);
    }
    // Narrowed from below: the known points inside, oldest first, up to the first that holds at most the target
    // (records updated meanwhile may make the counts uneven: the bracket still only shrinks).
    const known = [...above].sort((a, b) => a[0] - b[0]);
    brackets.forEach((b, k) => {
      for (const [t, n] of known) {
        if (t <= b.older) continue;
        if (t >= b.newer) break;
        if (n <= targets[k]!) {
          b.newer = t;
          break;
        }
        b.older = t;
      }
    });
  }
  const found = brackets.map((b) => b.newer);
  // Descending, strictly inside (since, top], at least a slice's width apart: close ones merge.
  const boundaries: number[] = [];
  for (const b of found) {
    const previous = boundaries.length > 0 ? boundaries[boundaries.length - 1]! : top + minSlice;
    if (b <= since + minSlice - 1 || previous - b < minSlice) continue;
    boundaries.push(b);
  }
  return boundaries;
}
