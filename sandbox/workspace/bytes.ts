/**
 * The bytes the bulk record generators write their JSON into directly: literal JSON fragments,
 * pre-encoded UTF-8 text (text.ts utf8Latin1: one char per byte) and numbers, with no intermediate
 * strings to concatenate, flatten and encode (which cost more than the generation itself).
 * `w.t` is a template tag: the literal parts of each call site are encoded once and copied with
 * Uint8Array#set; the values are written as they are (strings unquoted: quote them in the template).
 * Records are written one after another into 1 MiB slabs and handed out as views that stay valid (the
 * render cache keeps them without a copy); a slab is freed once no view of it is referenced.
 * The caller checks what it splices: JSON-plain text only (text.ts assertJsonPlain).
 */
const DIGITS = 48;
/** Longer pieces are copied by one native call (Buffer#write) rather than char by char. */
const LOOP_MAX = 24;
const SLAB_BYTES = 1 << 20;
/** Shorter byte runs are copied in a loop (Uint8Array#set costs more for a few bytes). */
const SET_MIN = 16;

/** A template's literal parts as bytes, per call site (the engine reuses one strings array per site). */
const LITERALS = new WeakMap<TemplateStringsArray, Uint8Array[]>();

function literals(strings: TemplateStringsArray): Uint8Array[] {
  let parts = LITERALS.get(strings);
  if (parts === undefined) {
    parts = strings.map((text) => {
      if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`JsonBytes templates hold ASCII JSON only: ${JSON.stringify(text)}`);
      return new Uint8Array(Buffer.from(text, 'latin1'));
    });
    LITERALS.set(strings, parts);
  }
  return parts;
}

/** What a template value can be: byte strings (unquoted), numbers, booleans and null as JSON prints them. */
export type JsonValue = string | number | boolean | null;

export class JsonBytes {
  private buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private start = 0;
  private at = 0;

  /** Starts a record after the previous one. */
  begin(): this { this.start = this.at; return this; }

  /** The record written since begin(). */
  end(): Buffer { return this.buf.subarray(this.start, this.at); }

  /** Moves the record being written to a fresh slab (n more bytes do not fit). */
  private grow(n: number): void {
    const written = this.at - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, 2 * (written + n)));
    this.buf.copy(next, 0, this.start, this.at);
    this.buf = next;
    this.start = 0;
    this.at = written;
  }

  /** Writes a template: literal parts as pre-encoded bytes, values as val() writes them. */
  t(strings: TemplateStringsArray, ...values: JsonValue[]): this {
    const parts = literals(strings);
    this.bytes(parts[0]!);
    for (let k = 0; k < values.length; k++) {
      this.val(values[k]!);
      this.bytes(parts[k + 1]!);
    }
    return this;
  }

  /** A byte string as is, a number or boolean as JSON prints it, null as `null`. */
  val(value: JsonValue): this {
    if (typeof value === 'string') return this.raw(value);
    if (typeof value === 'number') return this.num(value);
    if (value === null) return this.raw('null');
    return this.raw(value ? 'true' : 'false');
  }

  /** Pre-encoded bytes. */
  bytes(bytes: Uint8Array): this {
    const n = bytes.length;
    if (this.at + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    if (n > SET_MIN) buf.set(bytes, this.at);
    else for (let k = 0, at = this.at; k < n; k++) buf[at + k] = bytes[k]!;
    this.at += n;
    return this;
  }

  /** Bytes given as a one-byte string (ASCII JSON fragments, or UTF-8 held by utf8Latin1). */
  raw(bytes: string): this {
    const n = bytes.length;
    if (this.at + n > this.buf.length) this.grow(n);
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
    return this.raw('"').raw(bytes).raw('"');
  }

  /** `null`, or the JSON string of the bytes. */
  strOrNull(bytes: string | null): this { return bytes === null ? this.raw('null') : this.str(bytes); }

  /** A number as JSON.stringify prints it (non-negative 31-bit integers written digit by digit). */
  num(value: number): this {
    if (!(value >= 0 && value <= 0x7fffffff && Math.floor(value) === value)) return this.raw(String(value));
    let v = value | 0;
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    if (this.at + digits > this.buf.length) this.grow(digits);
    const buf = this.buf;
    let end = this.at + digits;
    this.at = end;
    do { buf[--end] = DIGITS + (v % 10); v = (v / 10) | 0; } while (v > 0);
    return this;
  }

  bool(value: boolean): this { return this.raw(value ? 'true' : 'false'); }
}
