// Cursor paging over Intercom lists and searches. Every loop refuses to see the same cursor twice: a cursor
// that does not advance stops the sync with a system_error instead of spinning. So do fresh cursors that
// lead nowhere: pages bringing no record unseen in the recent pages, MAX_STALE_PAGES in a row, or far more
// items than the announced total_count (see PagingProgress). Items that cannot be records are skipped (items.ts).
import { systemError, transientError } from '../../airbyte/errors.js';
import { quote } from '../../airbyte/quote.js';
import { SkippedItems, type ApiItem } from './items.js';
import { cutLargestArray, parseCutItems, parseJsonBody, type CutBody } from './json-body.js';
import type { Log } from './pacer.js';

export type Query = Record<string, string | number | boolean | undefined>;
export interface PageOf<T> {
  items: T[];
  /** `total_count` of the first page (undefined on later pages). */
  totalCount?: number;
  /** This page's own `total_count`, on every page that has one (a drop means records left the result set). */
  pageTotal?: number;
}

type Envelope = Record<string, unknown> & { total_count?: unknown; pages?: { next?: unknown } | null };

/**
 * Prepares a page's items another way (workers/prepare-page.ts): a promise of the items, in order, when page
 * workers prepare them; the items themselves when this thread did; or undefined, and the items are parsed here
 * as usual. Given the body with its items cut out (the envelope parsed, so its `total_count` can decide).
 */
export type ItemsPreparer = (cut: CutBody) => Promise<unknown[]> | unknown[] | undefined;

/**
 * A page's items still being prepared (ItemsPreparer): the envelope is read first, so the next page is asked
 * for while they are.
 */
export class DeferredItems {
  constructor(readonly items: Promise<unknown[]>) {
    items.catch(() => undefined); // a page fetched ahead and never read leaves no unhandled rejection
  }
}

/** A response body as JSON, with the items of its one large array (`itemsKey`) left to `prepare` when it takes them. */
export function decodeDeferred(bytes: Uint8Array, itemsKey: string, prepare: ItemsPreparer): unknown {
  const cut = cutLargestArray(bytes);
  if (!cut || cut.key !== itemsKey) return parseJsonBody(bytes);
  const prepared = prepare(cut);
  cut.envelope[cut.key] = prepared === undefined ? parseCutItems(cut) : Array.isArray(prepared) ? prepared : new DeferredItems(prepared);
  return cut.envelope;
}

/** The items of a DeferredItems, once prepared. */
async function settled(deferred: DeferredItems, endpoint: string): Promise<unknown[]> {
  try {
    return await deferred.items;
  } catch (error) {
    if ((error as Error)?.name === 'InvalidItemsError') throw transientError(`${endpoint} returned a page whose items are not valid JSON`);
    throw error;
  }
}

export interface PagingOptions {
  itemsKey: string;
  perPage?: number;
  /** Where skipped items are reported (one WARN when the paging ends). */
  log?: Log;
  /**
   * false: the next page is asked for only once this one has been read, not while it is (a search read in
   * slices at once has its concurrency from the slices, and holds one page per slice instead of two).
   */
  ahead?: boolean;
}

const DEFAULT_SEARCH_PER_PAGE = 150;
/** Pages asked for ahead of the one being read when page workers prepare the items (see searchPages). */
export const PAGES_AHEAD = 3;
/** Pages in a row that bring no record unseen in the recent pages before the paging stops. */
export const MAX_STALE_PAGES = 5;
/** How many of the latest record ids count as "recent" (a bounded window: memory stays flat on any table). */
const RECENT_IDS = 10_000;
/** Items beyond the announced total_count tolerated: twice the total plus this (records updated mid-sync repeat). */
const TOTAL_MARGIN = 1_500;

function rawItemsOf(body: Envelope, itemsKey: string, endpoint: string): unknown[] {
  const items = (body as Envelope | null)?.[itemsKey];
  if (!Array.isArray(items)) throw systemError(`${endpoint} returned no "${itemsKey}" list`);
  return items;
}

/** `total_count` when it is a count (a non-negative safe integer); anything else is no estimate at all. */
export function totalOf(body: Envelope): number | undefined {
  const total = (body as Envelope | null)?.total_count;
  return typeof total === 'number' && Number.isSafeInteger(total) && total >= 0 ? total : undefined;
}

/**
 * Watches a paging for cursors that never end: a server may hand a fresh cursor on every page and serve the
 * same records again. Records legitimately repeat (a search read newest first sees records updated meanwhile
 * again), but a page where every record was seen within the last RECENT_IDS ids, MAX_STALE_PAGES times in a
 * row, or far more items than total_count announced, is no progress.
 */
export class PagingProgress {
  private readonly recent = new Map<string, number>(); // id -> the last page it was on
  private readonly pageIds: string[][] = [];
  private held = 0;
  private page = 0;
  private stale = 0;
  private received = 0;
  private total: number | undefined;

  constructor(private readonly endpoint: string) {}

  /** Notes a page (its usable ids and how many items it had); throws a system_error when paging goes nowhere. */
  note(ids: readonly string[], items: number, total?: number): void {
    if (this.page === 0) this.total = total;
    this.page++;
    this.received += items;
    // The page brought a fresh id exactly when setting its ids grew the map (one lookup per id, not has() and set()).
    const { recent } = this;
    const before = recent.size;
    for (const id of ids) recent.set(id, this.page);
    const fresh = recent.size > before;
    this.pageIds.push(ids as string[]);
    this.held += ids.length;
    while (this.held > RECENT_IDS && this.pageIds.length > 1) {
      const oldest = this.page - this.pageIds.length + 1;
      const dropped = this.pageIds.shift()!;
      this.held -= dropped.length;
      for (const id of dropped) if (this.recent.get(id) === oldest) this.recent.delete(id);
    }
    this.stale = fresh ? 0 : this.stale + 1;
    if (this.stale >= MAX_STALE_PAGES) {
      throw systemError(
        `${this.endpoint} kept handing out new page cursors, but its last ${this.stale} pages brought no record that was not on the pages ` +
          `just before: stopping instead of reading the same records for ever (page ${this.page}). This is a fault of the server, not of the configuration.`,
      );
    }
    if (this.total !== undefined && this.received > 2 * this.total + TOTAL_MARGIN) {
      throw systemError(
        `${this.endpoint} announced ${this.total} records (total_count) but has handed out ${this.received} over ${this.page} pages and ` +
          `still names a next page: stopping instead of paging for ever. This is a fault of the server, not of the configuration.`,
      );
    }
  }
}

/** The page's usable items, their ids for the progress check, skipped ones counted. */
function pageItems<T>(body: Envelope, opts: PagingOptions, endpoint: string, skipped: SkippedItems, progress: PagingProgress, last: boolean, total: number | undefined): T[] {
  const raw = rawItemsOf(body, opts.itemsKey, endpoint);
  const items = skipped.keep<ApiItem>(raw);
  // The last page needs no check: the paging ends with it.
  if (!last) progress.note(items.map((item) => String(item.id)), raw.length, total);
  return items as T[];
}

function repeated(endpoint: string, what: string): Error {
  return systemError(`${endpoint} returned the same ${what} twice; stopping instead of reading the same pages again`);
}

/** POST search paged by `pagination.starting_after` (from `pages.next.starting_after`). */
export async function* searchPages<T>(
  post: (body: unknown) => Promise<Envelope>,
  endpoint: string,
  body: { query: unknown; sort?: unknown },
  opts: PagingOptions,
): AsyncGenerator<PageOf<T>> {
  const perPage = opts.perPage ?? DEFAULT_SEARCH_PER_PAGE;
  const seen = new Set<string>();
  const skipped = new SkippedItems(endpoint);
  const progress = new PagingProgress(endpoint);
  // Pages whose items are prepared elsewhere (DeferredItems) are asked for as soon as the page before has
  // arrived, up to PAGES_AHEAD beyond the page being read: the workers then always have a page to prepare.
  // Only the pages the reading then reaches pass its checks; a cursor seen or asked for is never asked again.
  const early = new Map<string, Promise<Envelope>>();
  let stalled: Envelope | undefined;
  const lookAhead = (page: Envelope) => {
    if (!((page as Envelope | null)?.[opts.itemsKey] instanceof DeferredItems)) return;
    const cursor = (page.pages?.next as { starting_after?: unknown } | null | undefined)?.starting_after;
    if (typeof cursor !== 'string' || cursor === '' || seen.has(cursor) || early.has(cursor)) return;
    if (early.size >= PAGES_AHEAD) {
      stalled = page;
      return;
    }
    early.set(cursor, request(cursor));
  };
  const request = (startingAfter?: string): Promise<Envelope> => {
    const pagination = startingAfter === undefined ? { per_page: perPage } : { per_page: perPage, starting_after: startingAfter };
    const page = prefetched(post({ ...body, pagination }));
    page.then(lookAhead, () => undefined);
    return page;
  };
  let pending: Promise<Envelope> | undefined = request();
  try {
    for (let first = true; ; first = false) {
      const page: Envelope = await pending!;
      const next = page?.pages?.next;
      const last = next === undefined || next === null;
      const total = first ? totalOf(page) : undefined;
      const deferred = (page as Envelope | null)?.[opts.itemsKey];
      // Items still being prepared are checked once they are, after the next page has been asked for.
      let items = deferred instanceof DeferredItems ? undefined : pageItems<T>(page, opts, endpoint, skipped, progress, last, total);
      if (!last) {
        const cursor = (next as { starting_after?: unknown }).starting_after;
        if (typeof cursor !== 'string' || cursor === '') {
          throw systemError(`${endpoint} returned a next page without a starting_after cursor`);
        }
        if (seen.has(cursor)) throw repeated(endpoint, `pagination cursor ${quote(cursor)}`);
        seen.add(cursor);
        // Ask for the next page now (unless it already was), so Intercom prepares it while this one is emitted;
        // or, with `ahead: false`, once this one has been read (see PagingOptions).
        const asked = early.get(cursor);
        early.delete(cursor);
        pending = asked ?? (opts.ahead === false ? undefined : request(cursor));
        if (stalled) {
          const resume = stalled;
          stalled = undefined;
          lookAhead(resume);
        }
      }
      if (items === undefined) {
        page[opts.itemsKey] = await settled(deferred as DeferredItems, endpoint);
        items = pageItems<T>(page, opts, endpoint, skipped, progress, last, total);
      }
      yield { items, totalCount: total, pageTotal: totalOf(page) };
      if (last) return;
      pending ??= request((next as { starting_after: string }).starting_after);
    }
  } finally {
    if (opts.log) skipped.report(opts.log);
  }
}

/**
 * A request started ahead of need: its failure is kept for the `await` that consumes it (no unhandled
 * rejection if the consumer stops first).
 */
function prefetched<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** GET paged by `pages.next`: a `{starting_after}` cursor (sent as a query parameter), a `{page}` number, or a URL. */
export async function* listPages<T>(
  get: (path: string, query: Query) => Promise<Envelope>,
  endpoint: string,
  path: string,
  query: Query,
  opts: PagingOptions,
): AsyncGenerator<PageOf<T>> {
  const base: Query = opts.perPage === undefined ? { ...query } : { ...query, per_page: opts.perPage };
  const seen = new Set<string>();
  const skipped = new SkippedItems(endpoint);
  const progress = new PagingProgress(endpoint);
  let request: { path: string; query: Query } = { path, query: base };
  try {
    for (let first = true; ; first = false) {
      const page = await get(request.path, request.query);
      const next = page?.pages?.next;
      const last = next === undefined || next === null || next === '';
      const total = first ? totalOf(page) : undefined;
      yield { items: pageItems<T>(page, opts, endpoint, skipped, progress, last, total), totalCount: total };
      if (last) return;
      request = nextRequest(next, path, base, endpoint, seen);
    }
  } finally {
    if (opts.log) skipped.report(opts.log);
  }
}

/** The request for a list's next page (`pages.next`), refusing one already followed. */
function nextRequest(next: unknown, path: string, base: Query, endpoint: string, seen: Set<string>): { path: string; query: Query } {
  let request: { path: string; query: Query };
  let key: string;
  if (typeof next === 'string') {
    key = `url ${next}`;
    request = { path: next, query: {} };
  } else if (typeof (next as { starting_after?: unknown }).starting_after === 'string') {
    const cursor = (next as { starting_after: string }).starting_after;
    key = `cursor ${cursor}`;
    request = { path, query: { ...base, starting_after: cursor } };
  } else if (typeof (next as { page?: unknown }).page === 'number') {
    const number = (next as { page: number }).page;
    key = `page ${number}`;
    request = { path, query: { ...base, page: number } };
  } else {
    throw systemError(`${endpoint} returned a next page that names neither a cursor, a page nor a URL`);
  }
  if (seen.has(key)) throw repeated(endpoint, key);
  seen.add(key);
  return request;
}
