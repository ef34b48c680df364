import { mapOrdered } from '../http/concurrency.js';
import type { ApiObject, Page } from './stream.js';

/** One record of a page, or (record undefined) the end marker of an empty page. */
interface Slot { record?: ApiObject; endOfPage: boolean; totalCount?: number }

/**
 * Runs a per-record follow-up (a retrieve, a sub-list) with bounded concurrency that keeps going across page
 * boundaries, and hands pages back with the same boundaries and order. A page is yielded only once every
 * follow-up of it has finished, so a checkpoint after it never claims an unfinished record.
 * `enrich` returns the record to emit, or undefined to drop it (e.g. deleted meanwhile).
 */
export async function* withFollowUps(
  pages: AsyncIterable<Page>,
  concurrency: number,
  enrich: (record: ApiObject) => Promise<ApiObject | undefined>,
): AsyncIterable<Page> {
  async function* slots(): AsyncIterable<Slot> {
    for await (const page of pages) {
      const n = page.records.length;
      if (n === 0) {
        yield { endOfPage: true, totalCount: page.totalCount };
        continue;
      }
      for (let i = 0; i < n; i++) yield { record: page.records[i]!, endOfPage: i === n - 1, totalCount: page.totalCount };
    }
  }
  let current: ApiObject[] = [];
  const done = mapOrdered(slots(), concurrency, async (slot) => {
    return { slot, result: slot.record ? await enrich(slot.record) : undefined };
  });
  for await (const { slot, result } of done) {
    if (result) current.push(result);
    if (slot.endOfPage) {
      yield { records: current, totalCount: slot.totalCount };
      current = [];
    }
  }
}
