// The request pacer: ONE per Intercom app per process, shared by every request. It admits requests as the
// budget allows and never serialises them (concurrency comes from the callers).
//
// Budget sources, all of which must allow a request before it is sent:
//  - Intercom's window, learnt from X-RateLimit-Limit / -Remaining / -Reset (a 10-second window). The remaining
//    budget is spread evenly over the time left in the window, so the window's budget lasts until its reset and
//    429s do not happen; a 429 pauses every request until the reset (plus a jitter of up to 1 s).
//  - Our own cap (maxRequestsPerMinute), a token bucket, so other apps on the workspace keep their share.
//  - Before the first response, a small burst only: the first response tells us the real limit.

export type LogLevel = 'ERROR' | 'WARN' | 'INFO' | 'DEBUG';
export type Log = (level: LogLevel, message: string) => void;

/** What a response's rate-limit headers say. All three must be present to be used for pacing. */
export interface RateLimitHeaders {
  limit?: number;
  remaining?: number;
  /** Unix seconds at which the window resets. */
  reset?: number;
}

export interface PacerOptions {
  now: () => number;
  /** Injected sleep (tests). Without it the pacer uses a cancellable timer. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  log: Log;
  /** Our cap on top of Intercom's (requests per minute). */
  maxRequestsPerMinute?: number;
  /** Requests admitted before the first response arrives. Default 8. */
  initialBurst?: number;
  /** Length of Intercom's window, used to guess the next reset before a response names it. Default 10 s. */
  windowMs?: number;
}

/** Admission ticket: pass it back to `completed` exactly once. */
export interface Ticket {
  readonly seq: number;
  /** True when the request had to wait for budget. */
  readonly waited: boolean;
}

const DEFAULT_INITIAL_BURST = 8;
const DEFAULT_WINDOW_MS = 10_000;
/** Part of each window left unused, for out-of-order responses and requests crossing the reset. */
const SAFETY_FRACTION = 0.015;
/** How far the pacing schedule may lag behind the clock (late timers) and still be caught up. */
const MAX_CATCH_UP_MS = 50;
/** Without a reset header on a 429, pause this long (one window) rather than a blind short sleep. */
const PAUSE_WITHOUT_RESET_MS = DEFAULT_WINDOW_MS;
/** Node fires a timer longer than this at once (and warns): no wait is ever handed one. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** An X-RateLimit-Reset above this is a unix time in milliseconds (1e11 seconds is the year 5138). */
const MILLISECONDS_ABOVE = 1e11;
/** Clock skew tolerated before a reset counts as further than one window ahead. */
const RESET_SKEW_MS = 1_000;

export class Pacer {
  private readonly now: () => number;
  private readonly injectedSleep?: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly log: Log;
  private readonly initialBurst: number;
  private readonly windowMs: number;

  private readonly queue: Array<(seq: number) => void> = [];
  private pumping = false;
  private wake: (() => void) | undefined;

  // Intercom's window, as far as we know it.
  private limit: number | undefined;
  private resetAt = 0; // ms
  private remaining = 0; // estimate of requests still allowed in the window, after our in-flight ones
  private lastSlotAt = Number.NEGATIVE_INFINITY;
  private nextSlotAt = 0;
  private infoSeq = 0; // admission number of the request whose headers we used last
  private pausedUntil = 0;

  // Before the first response.
  private sawResponse = false;
  private outstandingProbes = 0;

  // Our own cap.
  private bucketRatePerMs: number | undefined;
  private bucketCapacity = 0;
  private bucketTokens = 0;
  private bucketAt = 0;

  private admitted = 0;
  private inFlight = 0;
  private warnedReset = false;

  constructor(opts: PacerOptions) {
    this.now = opts.now;
    this.injectedSleep = opts.sleep;
    this.random = opts.random ?? Math.random;
    this.log = opts.log;
    this.initialBurst = Math.max(1, opts.initialBurst ?? DEFAULT_INITIAL_BURST);
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    this.capRequestsPerMinute(opts.maxRequestsPerMinute);
  }

  /** Lowers our own cap (the lowest cap asked for by any client sharing this pacer wins). */
  capRequestsPerMinute(perMinute: number | undefined): void {
    if (perMinute === undefined || !(perMinute > 0)) return;
    const rate = perMinute / 60_000;
    if (this.bucketRatePerMs !== undefined && this.bucketRatePerMs <= rate) return;
    this.bucketRatePerMs = rate;
    this.bucketCapacity = Math.max(1, Math.floor(perMinute / 60)); // at most one second's worth at once
    this.bucketTokens = Math.min(this.bucketTokens || this.bucketCapacity, this.bucketCapacity);
    this.bucketAt = this.now();
  }

  /**
   * Requests per second allowed: Intercom's limit as its headers gave it (per window), or our own cap if lower;
   * undefined before either is known.
   */
  requestsPerSecond(): number | undefined {
    const api = this.limit === undefined ? undefined : this.limit / (this.windowMs / 1000);
    const own = this.bucketRatePerMs === undefined ? undefined : this.bucketRatePerMs * 1000;
    return api === undefined ? own : own === undefined ? api : Math.min(api, own);
  }

  /** Waits until a request may be sent. */
  async acquire(): Promise<Ticket> {
    if (this.queue.length === 0 && this.delay(this.now()) <= 0) return { seq: this.admit(this.now()), waited: false };
    const seq = await new Promise<number>((resolve) => {
      this.queue.push(resolve);
      void this.pump();
    });
    return { seq, waited: true };
  }

  /** Called once per admitted request when it ends: with the response's rate-limit headers, or none. */
  completed(ticket: Ticket, headers: RateLimitHeaders | undefined): void {
    this.inFlight--;
    if (!this.sawResponse) this.outstandingProbes--;
    if (headers) {
      this.sawResponse = true;
      this.learn(ticket.seq, headers);
    }
    this.notify();
  }

  /** A 429: pause every request until the window resets, plus a jitter of up to 1 s. */
  rateLimited(headers: RateLimitHeaders, endpoint: string): void {
    const now = this.now();
    const resetMs = headers.reset !== undefined ? this.resetFrom(headers.reset, now) : undefined;
    const until =
      (resetMs !== undefined ? Math.max(resetMs, now) : now + PAUSE_WITHOUT_RESET_MS) + Math.floor(this.random() * 1000);
    if (resetMs !== undefined && resetMs >= this.resetAt) {
      this.resetAt = resetMs;
      if (headers.limit !== undefined) this.limit = Math.max(2, headers.limit);
    }
    this.remaining = 0;
    if (until > this.pausedUntil) {
      if (this.pausedUntil <= now) {
        this.log(
          'WARN',
          `Rate limited by Intercom (429 on ${endpoint}): pausing all requests for ${((until - now) / 1000).toFixed(1)} s until the rate-limit window resets`,
        );
      }
      this.pausedUntil = until;
    }
    this.notify();
  }

  private learn(seq: number, h: RateLimitHeaders): void {
    if (h.limit === undefined || h.remaining === undefined || h.reset === undefined) return;
    if (seq < this.infoSeq) return; // an older request's view: a newer one already spoke
    const now = this.now();
    const resetMs = this.resetFrom(h.reset, now);
    if (this.limit !== undefined && resetMs < this.resetAt && resetMs <= now) return; // a finished window
    this.infoSeq = seq;
    this.limit = Math.max(2, h.limit); // one request of each window is kept in reserve: a limit of 0 or 1 would stop every request for ever
    this.resetAt = resetMs;
    // Requests admitted after this one may not be counted by Intercom yet: count them as spent.
    this.remaining = Math.max(0, h.remaining - (this.admitted - seq));
  }

  /**
   * X-RateLimit-Reset (unix seconds) as a time in ms, kept within one window of now: a reset in milliseconds
   * is read as such, one further ahead than a window (a day, a year 50,000) is capped to one window, with
   * one WARN naming the header value; one long past counts as a window just ended.
   */
  private resetFrom(reset: number, now: number): number {
    const inMs = reset > MILLISECONDS_ABOVE;
    const at = inMs ? reset : reset * 1000;
    const latest = now + this.windowMs;
    const capped = at > latest + RESET_SKEW_MS;
    if ((inMs || capped) && !this.warnedReset) {
      this.warnedReset = true;
      const ahead = (at - now) / 1000;
      this.log(
        'WARN',
        `Intercom sent X-RateLimit-Reset: ${reset}, ${inMs ? 'read as milliseconds, ' : ''}` +
          (capped
            ? `${ahead < 1e7 ? `${ahead.toFixed(0)} s` : 'far'} ahead, more than one ${this.windowMs / 1000} s rate-limit window: waiting one window at most instead`
            : `${ahead.toFixed(1)} s ahead`) +
          ' (warned once)',
      );
    }
    return Math.max(now - this.windowMs, Math.min(at, latest));
  }

  /** Milliseconds until the next request may go (0: now; Infinity: wait for an event). */
  private delay(now: number): number {
    let wait = 0;
    if (this.pausedUntil > now) wait = this.pausedUntil - now;
    if (!this.sawResponse && this.outstandingProbes >= this.initialBurst) return Number.POSITIVE_INFINITY;
    if (this.limit !== undefined) {
      if (now >= this.resetAt) this.roll(now);
      const budget = this.remaining - Math.max(1, this.limit * SAFETY_FRACTION);
      if (budget < 0) wait = Math.max(wait, this.resetAt - now);
      else if (Number.isFinite(this.lastSlotAt)) {
        // Spread what is left evenly until the reset.
        const spacing = (this.resetAt - this.lastSlotAt) / (budget + 1);
        this.nextSlotAt = this.lastSlotAt + spacing;
        wait = Math.max(wait, this.nextSlotAt - now);
      } else this.nextSlotAt = now;
    }
    if (this.bucketRatePerMs !== undefined) {
      this.refill(now);
      if (this.bucketTokens < 1) wait = Math.max(wait, (1 - this.bucketTokens) / this.bucketRatePerMs);
    }
    return wait;
  }

  private roll(now: number): void {
    const windows = Math.floor((now - this.resetAt) / this.windowMs) + 1;
    this.resetAt += windows * this.windowMs;
    this.remaining = this.limit ?? 0;
  }

  private refill(now: number): void {
    if (this.bucketRatePerMs === undefined) return;
    this.bucketTokens = Math.min(this.bucketCapacity, this.bucketTokens + (now - this.bucketAt) * this.bucketRatePerMs);
    this.bucketAt = now;
  }

  private admit(now: number): number {
    this.admitted++;
    this.inFlight++;
    if (!this.sawResponse) this.outstandingProbes++;
    if (this.limit !== undefined) this.remaining--;
    // The slot this request took: timers fire late, so count from the schedule (not from `now`) to catch up,
    // but never bank more than MAX_CATCH_UP_MS of unused time.
    this.lastSlotAt = this.limit !== undefined ? Math.max(Math.min(this.nextSlotAt, now), now - MAX_CATCH_UP_MS) : now;
    if (this.bucketRatePerMs !== undefined) this.bucketTokens--;
    return this.admitted;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return this.notify();
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = this.now();
        const wait = this.delay(now);
        if (wait <= 0) {
          this.queue.shift()!(this.admit(now));
          continue;
        }
        await this.idle(wait);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Sleeps `ms` or until the state changes (a response, a 429), whichever comes first. */
  private idle(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      this.wake = done;
      if (!Number.isFinite(ms)) return;
      const wait = Math.min(Math.max(1, Math.ceil(ms)), MAX_TIMER_MS);
      if (this.injectedSleep) void this.injectedSleep(wait).then(done);
      else timer = setTimeout(done, wait);
    });
  }

  private notify(): void {
    this.wake?.();
  }
}

const shared = new Map<string, Pacer>();

/**
 * The process-wide pacer of one Intercom app (key: base URL + a digest of the token). The first caller's
 * clock is used; later callers can only lower the cap.
 */
export function sharedPacer(key: string, opts: PacerOptions): Pacer {
  let pacer = shared.get(key);
  if (!pacer) {
    pacer = new Pacer(opts);
    shared.set(key, pacer);
  } else pacer.capRequestsPerMinute(opts.maxRequestsPerMinute);
  return pacer;
}

/** Parses the X-RateLimit-* headers of an undici response. */
export function rateLimitHeaders(headers: Record<string, string | string[] | undefined>): RateLimitHeaders | undefined {
  const num = (name: string): number | undefined => {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === '') return undefined;
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  };
  const limit = num('x-ratelimit-limit');
  const remaining = num('x-ratelimit-remaining');
  const reset = num('x-ratelimit-reset');
  if (limit === undefined && remaining === undefined && reset === undefined) return {};
  return { limit, remaining, reset };
}
