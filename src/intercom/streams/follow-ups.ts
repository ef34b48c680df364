import { mapOrdered } from '../http/concurrency.js';
import { PreparedRecord } from '../workers/prepared.js';
import type { ApiObject, Page } from './stream.js';

/**
 * A piece of work in page order: one record that needs a follow-up, or a run of records that need none (kept
 * as they are, with no promise per record). `endOfPage` marks the last piece of a page (an empty page is one
 * empty run).
 */
interface Piece { follow?: ApiObject; run?: ApiObject[]; endOfPage: boolean; page: PageFacts }

/** What a page says besides its records (totalCount, resumeAt): handed on with the page. */
type PageFacts = Omit<Page, 'records'>;

/**
 * Runs a per-record follow-up (a retrieve, a sub-list) with bounded concurrency that keeps going across page
 * boundaries, and hands pages back with the same boundaries and order. A page is yielded only once every
 * follow-up of it has finished, so a checkpoint after it never claims an unfinished record.
 * `enrich` returns the record to emit, or undefined to drop it (e.g. deleted meanwhile). `needs` (default:
 * every record) tells which records need `enrich` at all; the others pass unchanged, and so do records a page
 * worker prepared (it hands back as they are the records that need a follow-up: IntercomStream.followUp).
 */
export async function* withFollowUps(
  pages: AsyncIterable<Page>,
  concurrency: number,
  enrich: (record: ApiObject) => Promise<ApiObject | undefined>,
  needs: (record: ApiObject) => boolean = () => true,
): AsyncIterable<Page> {
  async function* pieces(): AsyncIterable<Piece> {
    for await (const page of pages) {
      const { records, ...facts } = page;
      const n = records.length;
      let run: ApiObject[] = [];
      for (let i = 0; i < n; i++) {
        const record = records[i]!;
        if (record instanceof PreparedRecord || !needs(record)) {
          run.push(record);
          continue;
        }
        if (run.length > 0) {
          yield { run, endOfPage: false, page: facts };
          run = [];
        }
        yield { follow: record, endOfPage: i === n - 1, page: facts };
      }
      if (run.length > 0 || n === 0) yield { run, endOfPage: true, page: facts };
    }
  }
  let current: ApiObject[] = [];
  const done = mapOrdered(pieces(), concurrency, async (piece) => {
    return { piece, result: piece.follow ? await enrich(piece.follow) : undefined };
  });
  for await (const { piece, result } of done) {
    if (piece.run && piece.endOfPage && current.length === 0) {
      yield { records: piece.run, ...piece.page }; // a page no record of which needed a follow-up
      continue;
    }
    if (piece.run) for (const record of piece.run) current.push(record);
    else if (result) current.push(result);
    if (piece.endOfPage) {
      yield { records: current, ...piece.page };
      current = [];
    }
  }
}
