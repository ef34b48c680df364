/**
 * Cursor paging as Intercom serves it: `pages: {type:'pages', page, per_page, total_pages, next:{page,
 * starting_after}}`, no `next` on the last page. Cursors are opaque base64 JSON like Intercom's.
 */

export interface PageInfo {
  type: 'pages';
  page: number;
  per_page: number;
  total_pages: number;
  next?: { page: number; starting_after: string };
}

export function encodeCursor(value: unknown[]): string {
  return Buffer.from(JSON.stringify(value)).toString('base64');
}

/** The decoded array, or undefined when the cursor is not one of ours. */
export function decodeCursor(cursor: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8'));
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function pageInfo(position: number, perPage: number, total: number, nextCursor: string | undefined): PageInfo {
  const page = Math.floor(position / perPage) + 1;
  const info: PageInfo = { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(total / perPage) };
  if (nextCursor !== undefined) info.next = { page: page + 1, starting_after: nextCursor };
  return info;
}

interface CacheSlot { bytes: Buffer; version: number; updated: number; slots: (CacheSlot | undefined)[]; index: number }
const DEAD = Buffer.alloc(0);

/**
 * Rendered JSON kept as UTF-8 bytes, per (space, record index) — a space is e.g. "contacts:2.14" — and
 * valid while the record's (version, updated_at) stamp is unchanged. Bounded by the summed byte length;
 * the oldest entries go first (FIFO: a hit costs an array lookup, no reordering). Buffers live outside the
 * JS heap (the collector does not walk them) and go to the socket without a UTF-8 length pass or
 * re-encoding.
 */
export class JsonCache {
  private readonly spaces = new Map<string, (CacheSlot | undefined)[]>();
  private order: CacheSlot[] = [];
  private head = 0;
  private size = 0;
  constructor(private readonly maxBytes: number) {}

  /** Bytes held (the sum of the cached records' lengths). */
  get bytes(): number { return this.size; }

  /** True when one more record of `bytes` bytes would push the oldest entries out. */
  full(bytes = 0): boolean { return this.size + bytes > this.maxBytes; }

  /** The slots of one space, to pass to get/set (look it up once per response). */
  space(name: string): (CacheSlot | undefined)[] {
    let slots = this.spaces.get(name);
    if (slots === undefined) { slots = []; this.spaces.set(name, slots); }
    return slots;
  }

  get(slots: (CacheSlot | undefined)[], index: number, version: number, updated: number): Buffer | undefined {
    const slot = slots[index];
    return slot !== undefined && slot.version === version && slot.updated === updated ? slot.bytes : undefined;
  }

  set(slots: (CacheSlot | undefined)[], index: number, version: number, updated: number, bytes: Buffer): void {
    const old = slots[index];
    if (old !== undefined) { this.size -= old.bytes.length; old.bytes = DEAD; slots[index] = undefined; }
    if (bytes.length > this.maxBytes) return;
    const slot: CacheSlot = { bytes, version, updated, slots, index };
    slots[index] = slot;
    this.order.push(slot);
    this.size += bytes.length;
    while (this.size > this.maxBytes) {
      const first = this.order[this.head++]!;
      this.size -= first.bytes.length;
      first.bytes = DEAD;
      if (first.slots[first.index] === first) first.slots[first.index] = undefined;
    }
    if (this.head > 4096 && this.head * 2 > this.order.length) { this.order = this.order.slice(this.head); this.head = 0; }
  }

  clear(): void { this.spaces.clear(); this.order = []; this.head = 0; this.size = 0; }
}
