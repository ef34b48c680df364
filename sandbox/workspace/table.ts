/**
 * Compact per-record metadata of one stream: timestamps, a version counter and a small "kind" code
 * (contact role, conversation state...), in typed arrays, so a million records cost a few megabytes.
 * Full records are generated from (seed, index, version) on demand.
 */

/** Sort keys pack (timestamp, index) into one float: up to 2^22 (4,194,304) records per stream. */
const INDEX_BITS = 4194304;
export const MAX_RECORDS = INDEX_BITS;

export class RecordTable {
  count = 0;
  /** Bumps on every change; caches keyed by it stay valid while it holds. */
  generation = 0;
  created: Float64Array;
  updated: Float64Array;
  version: Uint32Array;
  kind: Uint8Array;
  private byUpdated: Uint32Array | undefined;
  private byUpdatedGeneration = -1;
  private byCreated: Uint32Array | undefined;
  private byCreatedCount = -1;

  constructor(capacity = 16) {
    const c = Math.max(16, capacity);
    this.created = new Float64Array(c);
    this.updated = new Float64Array(c);
    this.version = new Uint32Array(c);
    this.kind = new Uint8Array(c);
  }

  add(createdAt: number, updatedAt: number, kind = 0): number {
    if (this.count >= MAX_RECORDS) throw new Error(`a sandbox stream holds at most ${MAX_RECORDS} records`);
    if (this.count === this.created.length) this.grow();
    const i = this.count++;
    this.created[i] = createdAt;
    this.updated[i] = Math.max(createdAt, updatedAt);
    this.kind[i] = kind;
    this.generation++;
    return i;
  }

  touch(index: number, updatedAt: number): void {
    this.updated[index] = Math.max(this.updated[index]!, updatedAt);
    this.version[index]!++;
    this.generation++;
  }

  /** Record indices sorted by (updated_at, index) ascending; cached until the next change. */
  sortedByUpdated(): Uint32Array {
    if (this.byUpdated && this.byUpdatedGeneration === this.generation) return this.byUpdated;
    this.byUpdated = sortIndices(this.updated, this.count);
    this.byUpdatedGeneration = this.generation;
    return this.byUpdated;
  }

  /** Record indices sorted by (created_at, index) ascending. */
  sortedByCreated(): Uint32Array {
    if (this.byCreated && this.byCreatedCount === this.count) return this.byCreated;
    this.byCreated = sortIndices(this.created, this.count);
    this.byCreatedCount = this.count;
    return this.byCreated;
  }

  private grow(): void {
    const c = this.created.length * 2;
    const created = new Float64Array(c); created.set(this.created); this.created = created;
    const updated = new Float64Array(c); updated.set(this.updated); this.updated = updated;
    const version = new Uint32Array(c); version.set(this.version); this.version = version;
    const kind = new Uint8Array(c); kind.set(this.kind); this.kind = kind;
  }
}

function sortIndices(keys: Float64Array, count: number): Uint32Array {
  const packed = new Float64Array(count);
  for (let i = 0; i < count; i++) packed[i] = keys[i]! * INDEX_BITS + i;
  packed.sort();
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = packed[i]! % INDEX_BITS;
  return out;
}

/** First position in `order` whose key is >= value (keys looked up through `keys`). */
export function lowerBound(order: Uint32Array, keys: Float64Array, value: number): number {
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[order[mid]!]! < value) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First position in `order` whose key is > value. */
export function upperBound(order: Uint32Array, keys: Float64Array, value: number): number {
  let lo = 0, hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[order[mid]!]! <= value) lo = mid + 1; else hi = mid;
  }
  return lo;
}
