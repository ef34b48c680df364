// The companies scroll (FIELD-NOTES section 3). Intercom allows one open scroll per workspace, it expires after
// a minute idle, and a 500 asks to restart it. Here: one scroll at a time per process (a lock), scroll_exists
// waited out (bounded), expiry (404) and 500 answered by a restart that skips the companies already yielded,
// and a scroll serving a page it already served stops with a system_error instead of looping.
// The scroll_param may stay the same for a whole scroll: Intercom keeps the position, so a page whose answer
// was lost (reset, timeout, cut body) cannot simply be asked again; see `follows` below.
import { systemError, transientError } from '../../airbyte/errors.js';
import { IntercomHttpError, LostResponseError } from './errors.js';
import { SkippedItems } from './items.js';
import type { Log } from './pacer.js';
import { MAX_STALE_PAGES } from './paging.js';

export const SCROLL_ENDPOINT = 'GET /companies/scroll';

export interface ScrollPage<T> {
  data?: T[] | null;
  scroll_param?: string | null;
}

export interface ScrollOptions {
  log: Log;
  sleep: (ms: number) => Promise<void>;
  /** Wait after a scroll_exists before trying again. */
  scrollExistsWaitMs: number;
  /** Tries of the first page while another scroll is open. */
  scrollExistsMaxAttempts: number;
  /** Restarts in a row that read no new company (after an expiry, a 500, a lost answer) before giving up. */
  maxRestarts: number;
  /** Wait before asking a page again after a 500. */
  retryDelayMs: number;
}

/** Restarts in a row that read no new company before the scroll gives up. */
export const DEFAULT_MAX_SCROLL_RESTARTS = 5;
/** Answers >= 500 in a row on one page before the scroll restarts. */
const MAX_500_IN_ROW = 3;
/** Lost page answers in a row before the pass restarts at once. */
const MAX_LOST_IN_ROW = 5;
// Markers for "before the first page" and "after the last page" (ids are never empty-prefixed like these).
const START = '\u0000start';
const END = '\u0000end';

// One scroll at a time in this process: each scroll waits for the previous one to end.
let lockTail: Promise<void> = Promise.resolve();
let lockHeld = false;

async function takeScrollLock(log: Log): Promise<() => void> {
  const previous = lockTail;
  let release!: () => void;
  lockTail = new Promise<void>((resolve) => (release = resolve));
  if (lockHeld) log('INFO', 'Companies scroll: waiting for the other companies scroll of this process to finish (Intercom allows one at a time)');
  await previous;
  lockHeld = true;
  return () => {
    lockHeld = false;
    release();
  };
}

const statusOf = (err: unknown): { status?: number; code?: string } =>
  err instanceof IntercomHttpError ? { status: err.status, code: err.code } : {};

/**
 * Yields pages of companies, each company id at most once. `fetchPage(undefined)` opens a scroll;
 * `fetchPage(param)` continues it. A 500 on a continued page must reach us (not be retried by the caller).
 */
export async function* scrollCompanies<T extends { id: string }>(
  fetchPage: (scrollParam: string | undefined) => Promise<ScrollPage<T>>,
  opts: ScrollOptions,
): AsyncGenerator<T[]> {
  const release = await takeScrollLock(opts.log);
  // Items that are not companies with an id are skipped and counted; pages of nothing else lead nowhere.
  const skipped = new SkippedItems(SCROLL_ENDPOINT);
  try {
    // id -> the pass (1 = first scroll, 2 = first restart...) that last returned it.
    const passOf = new Map<string, number>();
    let pass = 1;
    let progress = false; // this pass yielded a company not seen before
    let stalls = 0; // restarts in a row whose pass yielded nothing new
    let existsAttempts = 0;
    let uselessInRow = 0;
    const waitText = `${(opts.scrollExistsWaitMs / 1000).toFixed(opts.scrollExistsWaitMs % 1000 === 0 ? 0 : 1)} s`;
    const restart = (why: string) => {
      stalls = progress ? 0 : stalls + 1;
      if (stalls > opts.maxRestarts) {
        throw transientError(`The companies scroll failed: ${why}, and ${opts.maxRestarts} restarts in a row got no further. Retry the sync later.`);
      }
      opts.log('WARN', `Companies scroll: ${why}; restarting from the first page (pass ${pass + 1}), skipping the ${passOf.size} companies already read`);
      pass++;
      progress = false;
    };

    // Lost answers (see the file comment). Intercom moved past a page whose answer we lost, or did not: we
    // cannot tell. So we read on to the end (which closes the scroll, so a new one can open at once) and note
    // a gap between the page before and the page after; another pass then reads again from the start. Pages
    // come in the same order every pass, so a gap is closed once some pass has read the pages between its two
    // sides back to back. `follows` holds those observations: a page's last id -> the next page's first id.
    const follows = new Map<string, string>();
    const lastIdOf = new Map<string, string>(); // a page's first id -> its last id
    const closes = (from: string, to: string): boolean => {
      for (let at = from, steps = 0; steps <= passOf.size; steps++) {
        const next = follows.get(at);
        if (next === undefined || next === END) return next === to;
        if (next === to) return true;
        const last = lastIdOf.get(next);
        if (last === undefined) return false;
        at = last;
      }
      return false;
    };

    scroll: for (;;) {
      let param: string | undefined;
      let failuresInRow = 0;
      let previousLast = START;
      let lostSincePrevious = false;
      let lostInRow = 0;
      let gaps = 0;
      for (;;) {
        let page: ScrollPage<T>;
        try {
          page = await fetchPage(param);
        } catch (err) {
          const { status, code } = statusOf(err);
          // Only opening a scroll should meet scroll_exists; on a continued page it is waited out the same way
          // (after the wait, an expired param answers 404 and the scroll restarts).
          if (status === 400 && code === 'scroll_exists') {
            existsAttempts++;
            if (existsAttempts >= opts.scrollExistsMaxAttempts) {
              throw transientError(
                `The companies scroll could not start: another scroll is open for this Intercom workspace (400 scroll_exists) ` +
                  `after ${existsAttempts} attempts ${waitText} apart. Another process or app is scrolling companies; retry the sync later.`,
              );
            }
            opts.log('WARN', `Companies scroll: another scroll is open for this workspace (scroll_exists); waiting ${waitText} before trying again (attempt ${existsAttempts} of ${opts.scrollExistsMaxAttempts})`);
            await opts.sleep(opts.scrollExistsWaitMs);
            continue;
          }
          if (param === undefined) throw err;
          if (status === 404) {
            restart('the scroll expired (404)');
            continue scroll;
          }
          // A 500 may be passing, or may mean "restart the scroll": ask again; a scroll that is gone answers 404
          // (restart above), one that keeps failing is restarted after a few tries.
          if (status !== undefined && status >= 500) {
            if (++failuresInRow < MAX_500_IN_ROW) {
              opts.log('WARN', `Companies scroll: Intercom answered ${status}; asking for the same page again (try ${failuresInRow + 1} of ${MAX_500_IN_ROW})`);
              await opts.sleep(opts.retryDelayMs * 2 ** (failuresInRow - 1));
              continue;
            }
            restart(`Intercom answered ${status} ${failuresInRow} times in a row on the same page`);
            continue scroll;
          }
          if (err instanceof LostResponseError) {
            lostSincePrevious = true;
            if (++lostInRow > MAX_LOST_IN_ROW) {
              restart(`${lostInRow} page answers in a row were lost (${err.lostCause})`);
              continue scroll;
            }
            opts.log('WARN', `Companies scroll: a page's answer was lost (${err.lostCause}); reading on, and reading the scroll again afterwards if a page may have been skipped`);
            await opts.sleep(opts.retryDelayMs);
            continue;
          }
          throw err;
        }

        const raw: unknown = page?.data;
        if (raw === undefined || raw === null) throw systemError(`${SCROLL_ENDPOINT} returned no "data" list`);
        if (!Array.isArray(raw)) throw systemError(`${SCROLL_ENDPOINT} returned a "data" that is not a list`);
        const data = skipped.keep<T>(raw).map((company) => (typeof company.id === 'string' ? company : { ...company, id: String(company.id) }));
        if (raw.length > 0 && data.length === 0) {
          // Nothing but skipped items: not the end of the scroll (an empty page is), and no position to note.
          if (++uselessInRow >= MAX_STALE_PAGES) {
            throw systemError(`${SCROLL_ENDPOINT} returned ${uselessInRow} pages in a row with no usable company (${skipped.count} items skipped): stopping instead of scrolling for ever`);
          }
          const nextParam = page.scroll_param;
          if (typeof nextParam !== 'string' || nextParam === '') {
            throw systemError(`${SCROLL_ENDPOINT} returned items without a scroll_param for the next page`);
          }
          param = nextParam;
          continue;
        }
        uselessInRow = 0;
        const firstId = data.length > 0 ? data[0]!.id : END;
        if (!lostSincePrevious) follows.set(previousLast, firstId);
        else if (!closes(previousLast, firstId)) gaps++;
        lostSincePrevious = false;
        lostInRow = 0;
        failuresInRow = 0;

        if (data.length === 0) {
          if (gaps === 0) return;
          restart(`${gaps} page answer${gaps === 1 ? ' was' : 's were'} lost, so companies may have been skipped`);
          continue scroll;
        }

        const fresh: T[] = [];
        for (const company of data) {
          const seenIn = passOf.get(company.id);
          if (seenIn === pass) {
            throw systemError(
              `${SCROLL_ENDPOINT} returned company ${company.id} twice in one scroll` +
                (page.scroll_param === param ? ` (scroll_param repeated)` : '') +
                '; stopping instead of reading the same pages again',
            );
          }
          passOf.set(company.id, pass);
          if (seenIn === undefined) fresh.push(company);
        }
        previousLast = data[data.length - 1]!.id;
        lastIdOf.set(firstId, previousLast);
        if (fresh.length > 0) {
          progress = true;
          yield fresh;
        }

        const nextParam = page.scroll_param;
        if (typeof nextParam !== 'string' || nextParam === '') {
          throw systemError(`${SCROLL_ENDPOINT} returned companies without a scroll_param for the next page`);
        }
        param = nextParam;
      }
    }
  } finally {
    skipped.report(opts.log);
    release();
  }
}
