/**
 * Whole response bodies of read-only routes (searches, a contact's lists), kept by request and workspace state,
 * so a benchmark's repeated reads of one workspace cost the sandbox its HTTP work alone. Intercom's serving runs
 * on Intercom's machines; the sandbox's runs on the cores the connector is measured on (a 2-core machine here),
 * where a page assembled again for every read (~20 us of sandbox CPU per record, searches computed anew) takes
 * CPU the connector would otherwise have. A body is only ever served for the same method, URL, request body,
 * API version, search cursor mode and generation of every table (RecordTable.generation bumps on each change), so
 * it is the body the route would make again, byte for byte. Off unless SandboxOptions.responseCacheBytes is set.
 */
export class ResponseCache {
  /** Insertion order is age: a hit moves its entry to the end, the oldest go first when over the bound. */
  private readonly bodies = new Map<string, Buffer>();
  private size = 0;
  /** Bodies served from the cache so far. */
  hits = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes held. */
  get bytes(): number { return this.size; }

  get(key: string): Buffer | undefined {
    const body = this.bodies.get(key);
    if (body !== undefined) {
      this.hits++;
      this.bodies.delete(key);
      this.bodies.set(key, body);
    }
    return body;
  }

  set(key: string, body: Buffer): void {
    if (body.length > this.maxBytes) return;
    const old = this.bodies.get(key);
    if (old !== undefined) {
      this.size -= old.length;
      this.bodies.delete(key);
    }
    this.bodies.set(key, body);
    this.size += body.length;
    for (const [oldest, bytes] of this.bodies) {
      if (this.size <= this.maxBytes) break;
      this.bodies.delete(oldest);
      this.size -= bytes.length;
    }
  }
}
