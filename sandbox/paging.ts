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

/**
 * A small LRU of rendered JSON kept as UTF-8 bytes, keyed by string and bounded by the summed byte length
 * of its values. Buffers live outside the JS heap (the collector does not walk them) and go to the socket
 * without a UTF-8 length pass or re-encoding.
 */
export class JsonCache {
  private readonly map = new Map<string, Buffer>();
  private size = 0;
  constructor(private readonly maxBytes: number) {}

  get(key: string): Buffer | undefined {
    const v = this.map.get(key);
    if (v !== undefined) { this.map.delete(key); this.map.set(key, v); }
    return v;
  }

  set(key: string, value: Buffer): void {
    const old = this.map.get(key);
    if (old !== undefined) { this.size -= old.length; this.map.delete(key); }
    if (value.length > this.maxBytes) return;
    this.map.set(key, value);
    this.size += value.length;
    while (this.size > this.maxBytes) {
      const first = this.map.keys().next().value as string;
      this.size -= this.map.get(first)!.length;
      this.map.delete(first);
    }
  }

  clear(): void { this.map.clear(); this.size = 0; }
}
