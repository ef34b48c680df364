import type { IntercomClient } from '../http/client.js';
import type { ItemsPreparer, PageOf } from '../http/paging.js';
import type { ApiObject, Page } from './stream.js';

const DAY = 86_400;

export type DateSemantics = 'day' | 'second';

/**
 * The search filter for "updated_at >= since". Intercom's contacts search compares dates by calendar day
 * (`>` D starts the day after D), conversations and tickets by exact seconds. Either way the filter asks
 * for at least every record with updated_at >= since; the replication engine filters exactly afterwards.
 */
export function updatedSince(since: number | undefined, semantics: DateSemantics): ApiObject | undefined {
  if (since === undefined) return undefined;
  const value = semantics === 'day' ? since - DAY : since - 1;
  return { field: 'updated_at', operator: '>', value: Math.max(0, value) };
}

/** The search filter for "updated_at <= until" (same day rounding rule: ask for more, filter exactly). */
export function updatedUntil(until: number | undefined, semantics: DateSemantics): ApiObject | undefined {
  if (until === undefined) return undefined;
  return { field: 'updated_at', operator: '<', value: semantics === 'day' ? until + DAY : until + 1 };
}

/** The updated_at range of a fetch, as search filters. */
export function updatedBetween(since: number | undefined, until: number | undefined, semantics: DateSemantics): (ApiObject | undefined)[] {
  return [updatedSince(since, semantics), updatedUntil(until, semantics)];
}

export function allOf(...filters: (ApiObject | undefined)[]): ApiObject {
  const present = filters.filter((f): f is ApiObject => f !== undefined);
  if (present.length === 1) return present[0]!;
  if (present.length === 0) return { field: 'updated_at', operator: '>', value: 0 };
  return { operator: 'AND', value: present };
}

/**
 * A search's pages newest update first, 150 a page, as the client gives them (each page's own total_count
 * included): with Intercom's stateless cursor a record updated meanwhile moves ahead of what was read, and no
 * unread record slides into a gap (see replication.ts).
 */
export function newestFirstPages(
  client: IntercomClient,
  path: string,
  itemsKey: string,
  query: ApiObject,
  opts: { prepare?: ItemsPreparer; ahead?: boolean } = {},
): AsyncGenerator<PageOf<ApiObject>> {
  return client.search<ApiObject>(path, { query, sort: { field: 'updated_at', order: 'descending' } }, { itemsKey, perPage: 150, ...opts });
}

/** Pages of a search, newest update first (newestFirstPages), as a stream's pages. */
export async function* searchNewestFirst(
  client: IntercomClient,
  path: string,
  itemsKey: string,
  query: ApiObject,
  prepare?: ItemsPreparer,
): AsyncIterable<Page> {
  for await (const page of newestFirstPages(client, path, itemsKey, query, { prepare })) yield { records: page.items, totalCount: page.totalCount };
}
