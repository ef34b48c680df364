// Cursor paging over Intercom lists and searches. Every loop refuses to see the same cursor twice: a cursor
// that does not advance stops the sync with a system_error instead of spinning.
import { systemError } from '../../airbyte/errors.js';
import { quote } from '../../airbyte/quote.js';

export type Query = Record<string, string | number | boolean | undefined>;
export interface PageOf<T> {
  items: T[];
  /** `total_count` of the first page (undefined on later pages). */
  totalCount?: number;
}

type Envelope = Record<string, unknown> & { total_count?: unknown; pages?: { next?: unknown } | null };

const DEFAULT_SEARCH_PER_PAGE = 150;

function itemsOf<T>(body: Envelope, itemsKey: string, endpoint: string): T[] {
  const items = body?.[itemsKey];
  if (!Array.isArray(items)) throw systemError(`${endpoint} returned no "${itemsKey}" list`);
  return items as T[];
}

const totalOf = (body: Envelope): number | undefined => (typeof body.total_count === 'number' ? body.total_count : undefined);

function repeated(endpoint: string, what: string): Error {
  return systemError(`${endpoint} returned the same ${what} twice; stopping instead of reading the same pages again`);
}

/** POST search paged by `pagination.starting_after` (from `pages.next.starting_after`). */
export async function* searchPages<T>(
  post: (body: unknown) => Promise<Envelope>,
  endpoint: string,
  body: { query: unknown; sort?: unknown },
  opts: { itemsKey: string; perPage?: number },
): AsyncGenerator<PageOf<T>> {
  const perPage = opts.perPage ?? DEFAULT_SEARCH_PER_PAGE;
  const seen = new Set<string>();
  const request = (startingAfter?: string) => {
    const pagination = startingAfter === undefined ? { per_page: perPage } : { per_page: perPage, starting_after: startingAfter };
    return prefetched(post({ ...body, pagination }));
  };
  let pending = request();
  for (let first = true; ; first = false) {
    const page = await pending;
    const items = itemsOf<T>(page, opts.itemsKey, endpoint);
    const next = page.pages?.next;
    const last = next === undefined || next === null;
    if (!last) {
      const cursor = (next as { starting_after?: unknown }).starting_after;
      if (typeof cursor !== 'string' || cursor === '') {
        throw systemError(`${endpoint} returned a next page without a starting_after cursor`);
      }
      if (seen.has(cursor)) throw repeated(endpoint, `pagination cursor ${quote(cursor)}`);
      seen.add(cursor);
      // Ask for the next page now, so Intercom prepares it while this one is emitted.
      pending = request(cursor);
    }
    yield { items, totalCount: first ? totalOf(page) : undefined };
    if (last) return;
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
  opts: { itemsKey: string; perPage?: number },
): AsyncGenerator<PageOf<T>> {
  const base: Query = opts.perPage === undefined ? { ...query } : { ...query, per_page: opts.perPage };
  const seen = new Set<string>();
  let request: { path: string; query: Query } = { path, query: base };
  for (let first = true; ; first = false) {
    const page = await get(request.path, request.query);
    yield { items: itemsOf<T>(page, opts.itemsKey, endpoint), totalCount: first ? totalOf(page) : undefined };
    const next = page.pages?.next;
    if (next === undefined || next === null || next === '') return;
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
  }
}
