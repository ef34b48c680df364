// The companies scroll (FIELD-NOTES section 3). Intercom allows one open scroll per workspace, it expires after
// a minute idle, and a 500 asks to restart it. Here: one scroll at a time per process (a lock), scroll_exists
// waited out (bounded), expiry (404) and 500 answered by a restart that skips the companies already yielded,
// and a scroll serving a page it already served stops with a system_error instead of looping.
import { systemError, transientError } from '../../airbyte/errors.js';
import { IntercomHttpError } from './errors.js';
import type { Log } from './pacer.js';

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
  /** Restarts (after an expiry or a 500) before giving up. */
  maxRestarts: number;
  /** Wait before asking a page again after a 500. */
  retryDelayMs: number;
}

export const DEFAULT_MAX_SCROLL_RESTARTS = 5;

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
  try {
    // id -> the pass (1 = first scroll, 2 = first restart...) that last returned it.
    const passOf = new Map<string, number>();
    let pass = 1;
    let restarts = 0;
    let existsAttempts = 0;
    const restart = (why: string) => {
      restarts++;
      if (restarts > opts.maxRestarts) {
        throw transientError(`The companies scroll failed: ${why}, and ${opts.maxRestarts} restarts did not get through. Retry the sync later.`);
      }
      opts.log('WARN', `Companies scroll: ${why}; restarting from the first page (restart ${restarts} of ${opts.maxRestarts}), skipping the ${passOf.size} companies already read`);
      pass++;
    };

    scroll: for (;;) {
      let param: string | undefined;
      let retried500For: string | undefined;
      for (;;) {
        let page: ScrollPage<T>;
        try {
          page = await fetchPage(param);
        } catch (err) {
          const { status, code } = statusOf(err);
          if (param === undefined && status === 400 && code === 'scroll_exists') {
            existsAttempts++;
            if (existsAttempts >= opts.scrollExistsMaxAttempts) {
              throw transientError(
                `The companies scroll could not start: another scroll is open for this Intercom workspace (400 scroll_exists) ` +
                  `after ${existsAttempts} attempts ${Math.round(opts.scrollExistsWaitMs / 1000)} s apart. ` +
                  'Another process or app is scrolling companies; retry the sync later.',
              );
            }
            opts.log('WARN', `Companies scroll: another scroll is open for this workspace (scroll_exists); waiting ${Math.round(opts.scrollExistsWaitMs / 1000)} s before trying again (attempt ${existsAttempts} of ${opts.scrollExistsMaxAttempts})`);
            await opts.sleep(opts.scrollExistsWaitMs);
            continue;
          }
          if (param !== undefined && status === 404) {
            restart('the scroll expired (404)');
            continue scroll;
          }
          if (param !== undefined && status !== undefined && status >= 500) {
            if (retried500For !== param) {
              retried500For = param;
              opts.log('WARN', `Companies scroll: Intercom answered ${status}; asking for the same page once more`);
              await opts.sleep(opts.retryDelayMs);
              continue;
            }
            restart(`Intercom answered ${status} twice on the same page`);
            continue scroll;
          }
          throw err;
        }

        const data = page?.data;
        if (data === undefined || data === null) throw systemError(`${SCROLL_ENDPOINT} returned no "data" list`);
        if (!Array.isArray(data)) throw systemError(`${SCROLL_ENDPOINT} returned a "data" that is not a list`);
        if (data.length === 0) return;

        const fresh: T[] = [];
        for (const company of data) {
          const id = company?.id;
          if (typeof id !== 'string') throw systemError(`${SCROLL_ENDPOINT} returned a company without a string id`);
          const seenIn = passOf.get(id);
          if (seenIn === pass) {
            throw systemError(
              `${SCROLL_ENDPOINT} returned company ${id} twice in one scroll` +
                (page.scroll_param === param ? ` (scroll_param repeated)` : '') +
                '; stopping instead of reading the same pages again',
            );
          }
          passOf.set(id, pass);
          if (seenIn === undefined) fresh.push(company);
        }
        if (fresh.length > 0) yield fresh;

        const nextParam = page.scroll_param;
        if (typeof nextParam !== 'string' || nextParam === '') {
          throw systemError(`${SCROLL_ENDPOINT} returned companies without a scroll_param for the next page`);
        }
        param = nextParam;
      }
    }
  } finally {
    release();
  }
}
