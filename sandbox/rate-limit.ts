/**
 * Intercom's rate limit as the sandbox applies it (FIELD-NOTES section 4): the per-minute allowance is
 * split into 10-second windows aligned to the clock, so 1,000/min shows as `X-RateLimit-Limit: 167`,
 * and `X-RateLimit-Reset` is the unix second at which the current window ends.
 */

export interface RateLimitOptions {
  /** Allowed calls per minute; <= 0 or Infinity means unlimited. */
  perMinute: number;
  /** Clock in milliseconds (injected by tests). */
  now?: () => number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Calls allowed per 10-second window (X-RateLimit-Limit). */
  limit: number;
  /** Calls left in the current window after this one (X-RateLimit-Remaining). */
  remaining: number;
  /** Unix seconds when the current window resets (X-RateLimit-Reset). */
  reset: number;
}

export const WINDOW_MS = 10_000;
/** Header value shown when the sandbox runs without a limit: a finite, very large allowance. */
export const UNLIMITED_WINDOW_LIMIT = 2_147_483_647;

export class RateLimiter {
  private readonly limit: number;
  private readonly now: () => number;
  private window = Number.NaN;
  private used = 0;

  constructor(opts: RateLimitOptions) {
    const { perMinute } = opts;
    if (typeof perMinute !== 'number' || Number.isNaN(perMinute)) {
      throw new RangeError(`rate limit perMinute must be a number (got ${String(perMinute)})`);
    }
    this.limit = perMinute <= 0 || perMinute === Number.POSITIVE_INFINITY
      ? UNLIMITED_WINDOW_LIMIT
      : Math.max(1, Math.round(perMinute / 6));
    this.now = opts.now ?? Date.now;
  }

  /** True when no limit is enforced. */
  get unlimited(): boolean {
    return this.limit === UNLIMITED_WINDOW_LIMIT;
  }

  /** One call per authenticated request. */
  take(): RateLimitDecision {
    const window = Math.floor(this.now() / WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.used = 0;
    }
    const reset = ((window + 1) * WINDOW_MS) / 1000;
    if (this.unlimited) {
      return { allowed: true, limit: this.limit, remaining: this.limit, reset };
    }
    const allowed = this.used < this.limit;
    if (allowed) this.used++;
    return { allowed, limit: this.limit, remaining: this.limit - this.used, reset };
  }
}
