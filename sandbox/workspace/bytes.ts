/**
 * The bytes the bulk record generators write their JSON into directly: literal JSON fragments,
 * pre-encoded UTF-8 text (text.ts utf8Latin1: one char per byte) and numbers, with no intermediate
 * strings to concatenate, flatten and encode (which cost more than the generation itself).
 * Records are written one after another into 1 MiB slabs and handed out as views that stay valid (the
 * render cache keeps them without a copy); a slab is freed once no view of it is referenced.
 * The caller checks what it splices: JSON-plain text only (text.ts assertJsonPlain).
 */
const DIGITS = 48;
/** Longer pieces are copied by one native call (Buffer#write) rather than char by char. */
const LOOP_MAX = 24;
const SLAB_BYTES = 1 << 20;

export class JsonBytes {
  private buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private start = 0;
  private at = 0;

  /** Starts a record after the previous one. */
  begin(): this { this.start = this.at; return this; }

  /** The record written since begin(). */
  end(): Buffer { return this.buf.subarray(this.start, this.at); }

  /** Moves the record being written to a fresh slab when n more bytes do not fit. */
  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const written = this.at - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (written + n)));
    this.buf.copy(next, 0, this.start, this.at);
    this.buf = next;
    this.start = 0;
    this.at = written;
  }

  /** Bytes given as a one-byte string (ASCII JSON fragments, or UTF-8 held by utf8Latin1). */
  raw(bytes: string): this {
    const n = bytes.length;
    this.room(n);
    if (n > LOOP_MAX) {
      this.at += this.buf.write(bytes, this.at, n, 'latin1');
      return this;
    }
    const buf = this.buf;
    let at = this.at;
    for (let k = 0; k < n; k++) buf[at++] = bytes.charCodeAt(k);
    this.at = at;
    return this;
  }

  /** A JSON string of JSON-plain text given as bytes: `"` + bytes + `"`. */
  str(bytes: string): this {
    this.room(1);
    this.buf[this.at++] = 0x22;
    this.raw(bytes);
    this.room(1);
    this.buf[this.at++] = 0x22;
    return this;
  }

  /** `null`, or the JSON string of the bytes. */
  strOrNull(bytes: string | null): this { return bytes === null ? this.raw('null') : this.str(bytes); }

  /** A number as JSON.stringify prints it (integers written digit by digit). */
  num(value: number): this {
    if (!Number.isSafeInteger(value)) return this.raw(String(value));
    this.room(17);
    const buf = this.buf;
    if (value < 0) { buf[this.at++] = 0x2d; value = -value; }
    if (value < 10) { buf[this.at++] = DIGITS + value; return this; }
    let end = this.at;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) end++;
    this.at = end;
    for (let v = value; v >= 1; v = Math.floor(v / 10)) buf[--end] = DIGITS + (v % 10);
    return this;
  }

  /** `null`, or the number. */
  numOrNull(value: number | null): this { return value === null ? this.raw('null') : this.num(value); }

  bool(value: boolean): this { return this.raw(value ? 'true' : 'false'); }
}
