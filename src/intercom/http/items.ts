// What a page of a list, a search or the scroll may hand on as a record: a plain JSON object with a usable
// primary key. Anything else (a number, null, a string, an array, an object without its key) would break the
// protocol (a RECORD's data is an object) or give a record a null key: it is skipped and counted, and one
// WARN per endpoint says how many and of what kind, never what they held (a server may echo secrets).
import type { Log } from './pacer.js';

export type ApiItem = Record<string, unknown>;

export function isPlainItem(value: unknown): value is ApiItem {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A primary key a record can be told apart by: a non-empty string or a finite number. */
export function isUsableKey(value: unknown): value is string | number {
  return (typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isFinite(value));
}

/** Tally of the items of one endpoint that cannot be records. */
export class SkippedItems {
  private readonly kinds = new Map<string, number>();
  private total = 0;

  constructor(
    /** The endpoint or stream named in the WARN. */
    private readonly where: string,
    private readonly key = 'id',
  ) {}

  get count(): number {
    return this.total;
  }

  /** True if `item` can be a record; otherwise counts it. */
  admit(item: unknown): item is ApiItem {
    let kind: string;
    if (isPlainItem(item)) {
      if (isUsableKey(item[this.key])) return true;
      kind = `object without a usable "${this.key}"`;
    } else kind = item === null ? 'null' : Array.isArray(item) ? 'array' : typeof item;
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    this.total++;
    return false;
  }

  /** The items that can be records, in order; the others counted. */
  keep<T = ApiItem>(items: readonly unknown[]): T[] {
    let clean = true;
    for (const item of items) if (!this.admit(item)) clean = false;
    if (clean) return items as T[];
    return items.filter((item) => isPlainItem(item) && isUsableKey(item[this.key])) as T[];
  }

  /** One WARN if anything was skipped (then starts counting afresh). */
  report(log: Log): void {
    if (this.total === 0) return;
    const kinds = [...this.kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
    log('WARN', `${this.where} returned ${this.total} item${this.total === 1 ? '' : 's'} that cannot be records (${kinds}): skipped`);
    this.kinds.clear();
    this.total = 0;
  }
}
