// The Intercom HTTP client: auth and version headers, keep-alive pool, the shared pacer, retries with
// exponential backoff and full jitter, error mapping, cursor paging and the companies scroll.
// It knows nothing of stdout: it logs through `log` and throws ConnectorErrors.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Pool as UndiciPool } from 'undici';
import { systemError, transientError } from '../../airbyte/errors.js';
import { redactText } from '../../airbyte/redact.js';
import { exchange, type Answer } from './exchange.js';
import { errorForStatus, IntercomHttpError, LostResponseError, networkFailure } from './errors.js';
import { bodyText, isBlank, parseJsonBody } from './json-body.js';
import { decodeDeferred, listPages, searchPages, type ItemsPreparer, type PageOf, type Query } from './paging.js';
import { rateLimitHeaders, sharedPacer, type Log, type Pacer } from './pacer.js';
import { DEFAULT_MAX_SCROLL_RESTARTS, scrollCompanies, type ScrollPage } from './scroll.js';

// undici's index loads all it has (fetch, WebSocket, mocks, caches, proxies: about 110 files, 200 ms of a
// `discover` on a slow machine, 4 MB of heap); the connector uses one Pool and its dispatch() (exchange.ts):
// the pool's file alone (no `exports` map in undici 7 limits this).
const load = createRequire(import.meta.url);
const Pool = load('undici/lib/dispatcher/pool.js') as typeof UndiciPool;

export { IntercomHttpError, LostResponseError } from './errors.js';

export interface IntercomClientOptions {
  baseUrl: string; // e.g. https://api.intercom.io or http://127.0.0.1:PORT
  accessToken: string;
  intercomVersion: string; // sent as Intercom-Version
  requestTimeoutMs?: number; // default 60_000
  maxAttempts?: number; // default 6 (first try + retries)
  maxRequestsPerMinute?: number; // our own cap, on top of the server's headers
  connections?: number; // undici pool size, default 16
  log: Log;
  now?: () => number; // ms, injectable
  sleep?: (ms: number) => Promise<void>;
  retryBaseMs?: number; // backoff base, default 1000 (tests use ~5)
  scrollExistsWaitMs?: number; // default 60_000
  scrollExistsMaxAttempts?: number; // default 5
  /** Random source for jitter, injectable (tests). */
  random?: () => number;
  /** A pacer of one's own (tests); by default the process-wide one of this base URL and token. */
  pacer?: Pacer;
  /** Largest response body read, in bytes; a longer one is cut there and fails the request. Default 64 MB. */
  maxResponseBytes?: number;
}

export interface ClientStats {
  requests: number;
  retries: number;
  throttled: number;
  rateLimited: number;
  byStatus: Record<string, number>;
}

type Method = 'GET' | 'POST';
interface RequestOptions {
  query?: Query;
  body?: unknown;
  notFound?: 'throw' | 'undefined';
  /** Statuses retried with backoff. */
  retryStatuses?: ReadonlySet<number>;
  /**
   * False: a failure after which Intercom may have acted on the request (a lost connection, a timeout, a 200
   * whose body is cut, empty or not JSON) is not retried but thrown as a LostResponseError. The scroll needs
   * this: asking a scroll page again after its answer was lost would return the NEXT page.
   */
  retryLostResponses?: boolean;
  /** A 2xx body to its value (default: parsed as JSON); a throw counts as a body that is not JSON. */
  decode?: (body: Uint8Array) => unknown;
}

const RETRY_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504]);
/** On a continued scroll page a 500 means "restart the scroll": the scroll decides, not the retry loop. */
const SCROLL_RETRY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
const MAX_BACKOFF_MS = 30_000;
/** 429s a single request may meet without spending an attempt; beyond that it fails. */
const MAX_RATE_LIMITED = 20;
/** Retries closer than this to the last logged one are summarised, not logged one by one. */
const RETRY_WARN_QUIET_MS = 5_000;
const USER_AGENT = 'source-intercom';
/** Default cap on a response body: Intercom's largest pages (150 contacts, a conversation with 500 parts) are a few MB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const tooLarge = (err: unknown): boolean => {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return true;
  }
  return false;
};
const megabytes = (bytes: number): string => `${+(bytes / (1024 * 1024)).toFixed(2)} MB`;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class IntercomClient {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly pool: UndiciPool;
  private readonly pacer: Pacer;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logSink: Log;
  private readonly scrollExistsWaitMs: number;
  private readonly scrollExistsMaxAttempts: number;
  private readonly now: () => number;
  private lastRetryWarnAt = Number.NEGATIVE_INFINITY;
  private unloggedRetries = 0;
  private readonly counters: ClientStats = { requests: 0, retries: 0, throttled: 0, rateLimited: 0, byStatus: {} };

  constructor(opts: IntercomClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw systemError(`The Intercom base URL "${opts.baseUrl}" is not a URL`);
    }
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.timeoutMs = opts.requestTimeoutMs ?? 60_000;
    this.maxResponseBytes = Math.max(1, Math.floor(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES));
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 6);
    this.retryBaseMs = opts.retryBaseMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? defaultSleep;
    this.random = opts.random ?? Math.random;
    this.secrets = opts.accessToken.length >= 4 ? [opts.accessToken] : [];
    this.logSink = opts.log;
    this.scrollExistsWaitMs = opts.scrollExistsWaitMs ?? 60_000;
    this.scrollExistsMaxAttempts = opts.scrollExistsMaxAttempts ?? 5;
    this.headers = {
      authorization: `Bearer ${opts.accessToken}`,
      accept: 'application/json',
      'intercom-version': opts.intercomVersion,
      'user-agent': USER_AGENT,
      'cache-control': 'no-cache',
    };
    this.pool = new Pool(this.origin, {
      connections: opts.connections ?? 16,
      keepAliveTimeout: 30_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      // undici counts body bytes as they arrive and destroys the connection past the cap (no copy, no cost per record).
      maxResponseSize: this.maxResponseBytes,
    });
    const tokenDigest = createHash('sha256').update(opts.accessToken).digest('hex').slice(0, 16);
    this.pacer =
      opts.pacer ??
      sharedPacer(`${this.origin}${this.basePath} ${tokenDigest}`, {
        now: this.now,
        sleep: opts.sleep,
        random: this.random,
        log: (level, message) => this.log(level, message),
        maxRequestsPerMinute: opts.maxRequestsPerMinute,
      });
    if (opts.pacer) opts.pacer.capRequestsPerMinute(opts.maxRequestsPerMinute);
  }

  /** Requests per second the rate limit allows this client (shared with every client of its pacer), once known. */
  requestsPerSecond(): number | undefined {
    return this.pacer.requestsPerSecond();
  }

  /** `decode`: a 2xx body to its value (default: parsed as JSON); a throw counts as a body that is not JSON. */
  get<T>(path: string, query?: Query, opts?: { notFound?: 'throw' | 'undefined'; decode?: (body: Uint8Array) => unknown }): Promise<T> {
    return this.request<T>('GET', path, { query, notFound: opts?.notFound, decode: opts?.decode });
  }

  post<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, { query, body });
  }

  /** Pages of a search; `prepare`, when given, may take each page's items (page workers). */
  search<T>(path: string, body: { query: unknown; sort?: unknown }, opts: { itemsKey: string; perPage?: number; prepare?: ItemsPreparer; ahead?: boolean }): AsyncGenerator<PageOf<T>> {
    const { prepare, ...paging } = opts;
    const decode = prepare ? (bytes: Uint8Array) => decodeDeferred(bytes, opts.itemsKey, prepare) : undefined;
    return searchPages<T>((b) => this.request('POST', path, { body: b, decode }), this.endpoint('POST', path), body, { ...paging, log: (level, message) => this.log(level, message) });
  }

  list<T>(path: string, query: Record<string, string | number | undefined>, opts: { itemsKey: string; perPage?: number }): AsyncGenerator<PageOf<T>> {
    return listPages<T>((p, q) => this.get(p, q), this.endpoint('GET', path), path, query, { ...opts, log: (level, message) => this.log(level, message) });
  }

  scrollCompanies<T extends { id: string }>(): AsyncGenerator<T[]> {
    return scrollCompanies<T>(
      (scrollParam) =>
        this.request<ScrollPage<T>>('GET', '/companies/scroll', {
          query: { scroll_param: scrollParam },
          retryStatuses: scrollParam === undefined ? RETRY_STATUSES : SCROLL_RETRY_STATUSES,
          retryLostResponses: scrollParam === undefined,
        }),
      {
        log: (level, message) => this.log(level, message),
        sleep: this.sleep,
        scrollExistsWaitMs: this.scrollExistsWaitMs,
        scrollExistsMaxAttempts: this.scrollExistsMaxAttempts,
        maxRestarts: DEFAULT_MAX_SCROLL_RESTARTS,
        retryDelayMs: this.retryBaseMs,
      },
    );
  }

  stats(): ClientStats {
    return { ...this.counters, byStatus: { ...this.counters.byStatus } };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * One WARN per retry burst: the first retry after a quiet spell is logged; retries within RETRY_WARN_QUIET_MS
   * of the last logged one are counted and summarised in the next logged line.
   */
  private warnRetry(message: string): void {
    const now = this.now();
    if (now - this.lastRetryWarnAt < RETRY_WARN_QUIET_MS) {
      this.unloggedRetries++;
      return;
    }
    const more = this.unloggedRetries > 0 ? ` (${this.unloggedRetries} more retries since the last warning)` : '';
    this.lastRetryWarnAt = now;
    this.unloggedRetries = 0;
    this.log('WARN', message + more);
  }

  private log(level: Parameters<Log>[0], message: string): void {
    this.logSink(level, redactText(message, this.secrets));
  }

  /** "GET /conversations/123": the method and the path, without query string or host. */
  private endpoint(method: Method, path: string): string {
    return `${method} ${this.resolve(path, undefined).pathname}`;
  }

  private resolve(path: string, query: Query | undefined): URL {
    const url = /^https?:\/\//i.test(path) ? new URL(path) : new URL(`${this.basePath}${path.startsWith('/') ? '' : '/'}${path}`, this.origin);
    if (url.origin !== this.origin) {
      // Never send the token to another host.
      throw systemError(`Refusing to follow ${url.origin}${url.pathname}: it is not on the configured Intercom host ${this.origin}`);
    }
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    return url;
  }

  private count(key: string): void {
    this.counters.byStatus[key] = (this.counters.byStatus[key] ?? 0) + 1;
  }

  private async request<T>(method: Method, path: string, opts: RequestOptions): Promise<T> {
    const url = this.resolve(path, opts.query);
    const endpoint = `${method} ${url.pathname}`;
    const retryStatuses = opts.retryStatuses ?? RETRY_STATUSES;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers = payload === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' };
    let attempt = 0;
    let rateLimited = 0;
    for (;;) {
      attempt++;
      const ticket = await this.pacer.acquire();
      if (ticket.waited) this.counters.throttled++;
      this.counters.requests++;
      let cause: string;
      let completed = false;
      // undici's own timeouts tick about once a second: this timer makes requestTimeoutMs exact (headers and body).
      let timedOut = false;
      const sent = exchange(this.pool, {
        path: url.pathname + url.search,
        method,
        headers,
        body: payload,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const timer = setTimeout(() => {
        timedOut = true;
        sent.abort(new Error(`no complete answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      try {
        let answer: Answer;
        try {
          answer = await sent.answer;
        } finally {
          clearTimeout(timer);
        }
        const { body } = answer;
        const limits = rateLimitHeaders(answer.rateLimit);
        completed = true;
        this.pacer.completed(ticket, limits);
        const status = answer.status;
        this.count(String(status));
        if (status >= 200 && status < 300) {
          if (isBlank(body)) cause = `status ${status} with an empty body`;
          else {
            try {
              return (opts.decode ? opts.decode(body) : parseJsonBody(body)) as T;
            } catch {
              cause = `status ${status} with a body that is not valid JSON`;
            }
          }
          if (opts.retryLostResponses === false) throw new LostResponseError(endpoint, cause);
        } else if (status === 429) {
          this.counters.rateLimited++;
          rateLimited++;
          if (rateLimited > MAX_RATE_LIMITED) {
            throw transientError(`${endpoint} was rate limited by Intercom ${rateLimited} times in a row (429). Retry the sync later, or lower max_requests_per_minute.`);
          }
          this.pacer.rateLimited(limits ?? {}, endpoint);
          attempt--; // a 429 waits for the window; it does not spend an attempt
          continue;
        } else if (retryStatuses.has(status)) {
          cause = `status ${status}`;
        } else if (status === 404 && opts.notFound === 'undefined') {
          return undefined as T;
        } else {
          const error = errorForStatus(endpoint, status, bodyText(body));
          throw new IntercomHttpError(error.failureType, redactText(error.message, this.secrets), error.status, error.code, endpoint);
        }
      } catch (err) {
        if (err instanceof IntercomHttpError || (err as { failureType?: unknown })?.failureType) throw err;
        if (!completed) this.pacer.completed(ticket, undefined);
        if (tooLarge(err)) {
          // Not retried: the same request would bring the same body. Not a LostResponseError either: the scroll
          // must not read on past a page it can never read.
          this.count('too_large');
          throw transientError(
            `${endpoint} answered with a response body larger than ${megabytes(this.maxResponseBytes)} (max_response_mb): ` +
              `stopped reading it at that size. Raise max_response_mb if Intercom's pages are really that large, or retry the sync later.`,
          );
        }
        const failure = networkFailure(err, this.timeoutMs, timedOut);
        this.count(failure.cause.startsWith('timeout') ? 'timeout' : (failure.cause.split(' ').pop() ?? 'error'));
        if (!failure.retryable) {
          throw systemError(`${endpoint} failed: ${redactText(failure.cause, this.secrets)}`, redactText(String((err as Error)?.message ?? err), this.secrets));
        }
        cause = failure.cause;
        if (opts.retryLostResponses === false) throw new LostResponseError(endpoint, cause);
      }
      if (attempt >= this.maxAttempts) {
        throw transientError(`${endpoint} failed after ${attempt} attempts: last ${cause}`);
      }
      const wait = Math.round(this.random() * Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** (attempt - 1)));
      this.counters.retries++;
      this.warnRetry(`${endpoint}: ${cause} (attempt ${attempt} of ${this.maxAttempts}); retrying in ${(wait / 1000).toFixed(1)} s`);
      await this.sleep(wait);
    }
  }
}
