// Records made into rows as text: a record's JSON text rewritten where the row differs from it (timestamps
// converted, members a stream's shape sets), without JSON.parse and JSON.stringify. The row is the text
// JSON.stringify gives for the record parsed and transformed, byte for byte, whenever the record's text is what
// JSON.stringify itself would have written for its value (canonical); every other record is left to the object
// way (`scan` answers undefined), so nothing here decides what a row holds, only how fast it is made.
//
// Canonical, checked as the text is walked (a structural scan: strings are jumped over with indexOf):
// - no white space between tokens (compact);
// - strings: escapes only where JSON.stringify writes them and as it writes them (\" \\ \b \f \n \r \t, and
//   \u00xx in lower case for the other control characters); no raw control character (not JSON: the object
//   way refuses it);
// - numbers as JavaScript prints them (String(Number(text)) === text: no -0, no exponent but JavaScript's own
//   (1e+21), no trailing zero, no integer beyond what a double holds exactly);
// - no key given twice in one object (JSON.parse keeps the last value at the first key's place), no key with
//   an escape, no key starting with a digit (an object puts array-index keys first, whatever their order).
// Characters beyond ASCII pass as they are: the text is read as Latin-1 from valid UTF-8 and written back as
// Latin-1 (workers/prepare-page.ts), which gives the same bytes.
//
// Timestamps: the same rules as compileTimestampConverter (timestamps.ts) on the same tree of locations.
import { unixSecondsToRfc3339, type PathNode } from './timestamps.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

const isDigit = (c: number) => c >= ZERO && c <= NINE;
const isLowerHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66);
/** Control characters JSON.stringify writes with a short escape (\b \t \n \f \r), never as \u00xx. */
const SHORT_ESCAPED = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);
/** After a backslash, the characters of the short escapes JSON.stringify writes. */
const SHORT_ESCAPES = new Set([QUOTE, BACKSLASH, 0x62, 0x66, 0x6e, 0x72, 0x74]);

/** A record's top-level members as text, for a stream's shape (IntercomStream.shapeText). */
export interface RecordText {
  /**
   * The JSON text of a member's value as read (before timestamps are converted, as the object way's shape sees
   * it), or undefined when the record has no such member.
   */
  get(key: string): string | undefined;
  /**
   * True when timestamps inside the member's value are converted in the row: a copy of its text as read would
   * miss them (the object way copies the object, which is converted afterwards, under both keys).
   */
  edited(key: string): boolean;
  /**
   * The member's value becomes `json` (canonical JSON text), in its place, or appended when the record has no
   * such member yet (in the order of these calls), as an assignment to the parsed record would do; a timestamp
   * location converted afterwards as the record's own values are. False when that cannot be done as text
   * (the record then takes the object way).
   */
  set(key: string, json: string): boolean;
}

/** The key order (and so the keys) of top-level members seen before: a record with the same ones is checked against it. */
interface Signature {
  keys: string[];
  /** `"key":` per key, as character codes one after the other, and where each starts (one more at the end). */
  heads: Uint8Array;
  headAt: number[];
  nodes: (PathNode | undefined)[];
  index: Map<string, number>;
}

/**
 * Scans records of one stream (its timestamp locations: `root`); one at a time, the last one scanned answers
 * `RecordText` and `row()`. Keeps what it learnt of the records' key order between them.
 */
export class RecordTexts implements RecordText {
  private s = '';
  private b: Uint8Array = new Uint8Array(0);
  private p = 0;
  /** Whether the last string scanned held an escape. */
  private escaped = false;
  // Edits of the record's text, in order: [at, end) becomes text.
  private editAt: number[] = [];
  private editEnd: number[] = [];
  private editText: string[] = [];
  // Keys of the objects being scanned (duplicate check): where each starts and its length, quotes included.
  private keyAt: Int32Array = new Int32Array(1024);
  private keyLength: Int32Array = new Int32Array(1024);
  private keyTop = 0;
  // The record's top-level members.
  private signature: Signature | undefined;
  private valueAt: Int32Array = new Int32Array(256);
  private valueEnd: Int32Array = new Int32Array(256);
  private members = 0;
  private start = 0;
  private end = 0;
  /** Member values set by the shape: member index -> text; and members appended. */
  private setTo = new Map<number, string>();
  private appended = new Map<string, string>();
  private parts: string[] = [];

  constructor(private readonly root: PathNode) {}

  /**
   * Scans records of `s` from now on, from its start on; `bytes` are its characters' codes (the bytes it was
   * read from as Latin-1): walked as bytes, a text is scanned twice as fast as with charCodeAt (measured).
   */
  text(s: string, bytes: Uint8Array): void {
    if (bytes.length !== s.length) throw new Error('the bytes are not the text read as Latin-1');
    this.s = s;
    this.b = bytes;
    this.p = 0;
  }

  /**
   * Scans the record (an object) starting at `at` of the text (at or after the end of the record before); its
   * end (after its '}'), or undefined when its text is not canonical, or not JSON, or ends before the record does.
   */
  scan(at: number): number | undefined {
    if (at < this.p) throw new Error(`records are scanned in order (${at} < ${this.p})`);
    this.p = at;
    this.start = at;
    this.editAt.length = 0;
    this.editEnd.length = 0;
    this.editText.length = 0;
    this.setTo.clear();
    this.appended.clear();
    this.keyTop = 0;
    if (!this.record()) return undefined;
    this.end = this.p;
    return this.p;
  }

  get(key: string): string | undefined {
    const i = this.signature!.index.get(key);
    if (i === undefined) return this.appended.get(key);
    return this.setTo.get(i) ?? this.s.slice(this.valueAt[i]!, this.valueEnd[i]!);
  }

  edited(key: string): boolean {
    const i = this.signature!.index.get(key);
    if (i === undefined || this.setTo.has(i)) return false;
    // An edit of the whole value (a timestamp's) does not count: the shape reads values as they were read.
    const at = this.valueAt[i]!;
    const end = this.valueEnd[i]!;
    for (let e = 0; e < this.editAt.length; e++) if (this.editAt[e]! > at && this.editAt[e]! < end) return true;
    return false;
  }

  set(key: string, json: string): boolean {
    const node = this.root.props.get(key);
    let text = json;
    if (node !== undefined) {
      if (node.timestamp) text = convertedNumber(json) ?? json;
      else if ((node.props.size > 0 || node.items) && (json.charCodeAt(0) === OPEN_OBJECT || json.charCodeAt(0) === OPEN_ARRAY)) return false;
    }
    this.setRow(key, text);
    return true;
  }

  /**
   * The member's value in the row becomes `json` as it is: canonical JSON text whose timestamps are converted
   * already (a value the object way made, e.g. custom attributes checked); in its place, or appended as `set`
   * appends. Called once the shape is done: `get` then answers this text.
   */
  setRow(key: string, json: string): void {
    const i = this.signature!.index.get(key);
    if (i === undefined) this.appended.set(key, json);
    else this.setTo.set(i, json);
  }

  /**
   * The row of the record scanned last, after its shape: one flat string (joined, not concatenated: a string
   * made of pieces keeps the whole text alive until it is written, and is copied once more then).
   */
  row(): string {
    const s = this.s;
    const parts = this.parts;
    parts.length = 0;
    let at = this.start;
    if (this.setTo.size === 0) {
      for (let e = 0; e < this.editAt.length; e++) {
        parts.push(s.slice(at, this.editAt[e]), this.editText[e]!);
        at = this.editEnd[e]!;
      }
    } else {
      // The shape's values replace whole members; edits inside them are dropped.
      const sets = [...this.setTo.keys()].sort((a, b) => a - b);
      let k = 0;
      for (let e = 0; e <= this.editAt.length; e++) {
        const editAt = e < this.editAt.length ? this.editAt[e]! : this.end;
        for (; k < sets.length && this.valueAt[sets[k]!]! <= editAt; k++) {
          parts.push(s.slice(at, this.valueAt[sets[k]!]), this.setTo.get(sets[k]!)!);
          at = this.valueEnd[sets[k]!]!;
        }
        if (e === this.editAt.length || editAt < at) continue;
        parts.push(s.slice(at, editAt), this.editText[e]!);
        at = this.editEnd[e]!;
      }
    }
    if (this.appended.size === 0) parts.push(s.slice(at, this.end));
    else {
      parts.push(s.slice(at, this.end - 1));
      let first = this.members === 0;
      for (const [key, value] of this.appended) {
        parts.push(`${first ? '' : ','}"${key}":`, value);
        first = false;
      }
      parts.push('}');
    }
    return parts.join('');
  }

  /** The top-level object: its members' keys checked against the signature of the records before. */
  private record(): boolean {
    const b = this.b;
    if (b[this.p] !== OPEN_OBJECT) return false;
    this.p++;
    let signature = this.signature;
    let keys: string[] | undefined;
    let n = 0;
    if (b[this.p] === CLOSE_OBJECT) this.p++;
    else {
      for (;;) {
        if (b[this.p] !== QUOTE) return false;
        let node: PathNode | undefined;
        if (keys === undefined && signature !== undefined && n < signature.keys.length && this.matches(signature, n)) {
          node = signature.nodes[n];
        } else {
          keys ??= signature ? signature.keys.slice(0, n) : [];
          const key = this.key();
          if (key === undefined) return false;
          keys.push(key);
          node = this.root.props.get(key);
        }
        if (n === this.valueAt.length) {
          this.valueAt = grown(this.valueAt);
          this.valueEnd = grown(this.valueEnd);
        }
        this.valueAt[n] = this.p;
        if (!this.value(node)) return false;
        this.valueEnd[n] = this.p;
        n++;
        const c = b[this.p++];
        if (c === COMMA) continue;
        if (c === CLOSE_OBJECT) break;
        return false;
      }
    }
    if (keys === undefined && (signature === undefined || n !== signature.keys.length)) keys = signature ? signature.keys.slice(0, n) : [];
    if (keys !== undefined) {
      const index = new Map(keys.map((key, i) => [key, i]));
      if (index.size !== keys.length) return false;
      this.signature = signature = signatureOf(keys, this.root, index);
      if (signature === undefined) return false;
    }
    this.members = n;
    return true;
  }

  /** True when the key at the scan is the signature's `n`th (and its colon follows): the scan is then after it. */
  private matches(signature: Signature, n: number): boolean {
    const { heads } = signature;
    const b = this.b;
    const from = signature.headAt[n]!;
    const to = signature.headAt[n + 1]!;
    const p = this.p - from;
    for (let i = from; i < to; i++) if (b[p + i] !== heads[i]) return false;
    this.p = p + to;
    return true;
  }

  /** A top-level key and its colon: its text, or undefined when it has an escape or starts with a digit. */
  private key(): string | undefined {
    const from = this.p;
    if (!this.string() || this.escaped) return undefined;
    if (this.b[this.p] !== COLON) return undefined;
    // A string of its own (a slice would keep the whole text alive as long as the signature).
    const key = Buffer.from(this.s.slice(from + 1, this.p - 1), 'latin1').toString('latin1');
    if (key.length > 0 && isDigit(key.charCodeAt(0))) return undefined;
    this.p++;
    return key;
  }

  /** The value at the scan, with the timestamp locations below `node`. */
  private value(node: PathNode | undefined): boolean {
    const b = this.b;
    const c = b[this.p];
    if (c === QUOTE) return this.string();
    if (c === OPEN_OBJECT) return this.object(node !== undefined && !node.timestamp && node.props.size > 0 ? node : undefined);
    if (c === OPEN_ARRAY) return this.array(node !== undefined && !node.timestamp ? node.items : undefined);
    if (c === 0x74) return this.literal(TRUE);
    if (c === 0x66) return this.literal(FALSE);
    if (c === 0x6e) return this.literal(NULL);
    const at = this.p;
    if (!this.number()) return false;
    if (node?.timestamp) {
      const converted = convertedNumber(this.s.slice(at, this.p));
      if (converted !== undefined) {
        this.editAt.push(at);
        this.editEnd.push(this.p);
        this.editText.push(converted);
      }
    }
    return true;
  }

  /** true, false or null (`word`, as character codes) at the scan. */
  private literal(word: Uint8Array): boolean {
    const b = this.b;
    const p = this.p;
    for (let i = 1; i < word.length; i++) if (b[p + i] !== word[i]) return false;
    this.p = p + word.length;
    return true;
  }

  /** A number as JavaScript prints it. */
  private number(): boolean {
    const b = this.b;
    const at = this.p;
    let p = at;
    if (b[p] === MINUS) p++;
    const first = b[p];
    if (first === ZERO) p++;
    else if (first > ZERO && first <= NINE) while (isDigit(b[++p]));
    else return false;
    let plain = true;
    if (b[p] === DOT) {
      if (!isDigit(b[++p])) return false;
      while (isDigit(b[++p]));
      plain = false;
    }
    const c = b[p];
    if (c === 0x65 || c === 0x45) {
      // JavaScript prints 1e+21 and 1e-7 so; any other exponent is refused by the comparison below.
      const sign = b[++p];
      if (sign === 0x2b || sign === MINUS) p++;
      if (!isDigit(b[p])) return false;
      while (isDigit(b[++p]));
      plain = false;
    }
    this.p = p;
    // An integer of at most 15 characters is printed as written, but "-0".
    if (plain && p - at <= 15 && !(first === ZERO && p - at === 2)) return true;
    const text = this.s.slice(at, p);
    return String(Number(text)) === text;
  }

  /**
   * A string at the scan (at its opening quote): its escapes as JSON.stringify writes them, no raw control
   * character (not JSON). Walked a character at a time: most strings are short, and a call to indexOf costs more.
   */
  private string(): boolean {
    const b = this.b;
    let i = this.p + 1;
    this.escaped = false;
    for (;;) {
      const c = b[i];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        const e = b[i + 1];
        if (e === 0x75) {
          // \u00xx for a control character without a short escape, lower case.
          if (b[i + 2] !== ZERO || b[i + 3] !== ZERO) return false;
          const high = b[i + 4];
          const low = b[i + 5];
          if ((high !== ZERO && high !== 0x31) || !isLowerHex(low)) return false;
          if (SHORT_ESCAPED.has(parseInt(this.s.slice(i + 4, i + 6), 16))) return false;
          i += 6;
        } else if (SHORT_ESCAPES.has(e)) i += 2;
        else return false;
        this.escaped = true;
        continue;
      }
      // A control character, or the end of the text (NaN).
      if (!(c >= 0x20)) return false;
      i++;
    }
    this.p = i + 1;
    return true;
  }

  /** An object below the record: keys checked for duplicates; timestamp locations below `node`. */
  private object(node: PathNode | undefined): boolean {
    const b = this.b;
    this.p++;
    if (b[this.p] === CLOSE_OBJECT) {
      this.p++;
      return true;
    }
    const base = this.keyTop;
    for (;;) {
      const at = this.p;
      if (b[at] !== QUOTE || !this.string() || this.escaped) return false;
      const length = this.p - at;
      if (length > 2 && isDigit(b[at + 1])) return false;
      for (let k = base; k < this.keyTop; k++) if (this.keyLength[k] === length && sameText(b, this.keyAt[k]!, at, length)) return false;
      if (this.keyTop === this.keyAt.length) {
        this.keyAt = grown(this.keyAt);
        this.keyLength = grown(this.keyLength);
      }
      this.keyAt[this.keyTop] = at;
      this.keyLength[this.keyTop++] = length;
      if (b[this.p++] !== COLON) return false;
      if (!this.value(node?.props.get(this.s.slice(at + 1, at + length - 1)))) return false;
      const c = b[this.p++];
      if (c === COMMA) continue;
      if (c === CLOSE_OBJECT) break;
      return false;
    }
    this.keyTop = base;
    return true;
  }

  /** An array below the record; timestamp locations of its items below `items`. */
  private array(items: PathNode | undefined): boolean {
    const b = this.b;
    this.p++;
    if (b[this.p] === CLOSE_ARRAY) {
      this.p++;
      return true;
    }
    for (;;) {
      if (!this.value(items)) return false;
      const c = b[this.p++];
      if (c === COMMA) continue;
      if (c === CLOSE_ARRAY) return true;
      return false;
    }
  }
}

/** The signature of records with these keys (all distinct); undefined when a key is not Latin-1 (not from a Latin-1 text). */
function signatureOf(keys: string[], root: PathNode, index: Map<string, number>): Signature | undefined {
  const text = keys.map((key) => `"${key}":`).join('');
  const heads = Buffer.from(text, 'latin1');
  if (heads.toString('latin1') !== text) return undefined;
  const headAt = [0];
  for (const key of keys) headAt.push(headAt[headAt.length - 1]! + key.length + 3);
  return { keys, heads, headAt, nodes: keys.map((key) => root.props.get(key)), index };
}

function grown(array: Int32Array): Int32Array {
  const larger = new Int32Array(2 * array.length);
  larger.set(array);
  return larger;
}

function sameText(b: Uint8Array, one: number, other: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (b[one + i] !== b[other + i]) return false;
  return true;
}

/** A number's text at a timestamp location as converted (RFC 3339 text, or null); undefined when it stays, or is no number. */
function convertedNumber(json: string): string | undefined {
  const c = json.charCodeAt(0);
  if (c !== MINUS && !isDigit(c)) return undefined;
  const converted = unixSecondsToRfc3339(Number(json));
  return converted === null ? 'null' : typeof converted === 'string' ? `"${converted}"` : undefined;
}

/** True for no value or JSON null (what `??` replaces). */
export function isNullText(json: string | undefined): boolean {
  return json === undefined || json === 'null';
}

/** True when the JSON text is a number. */
export function isNumberText(json: string): boolean {
  const c = json.charCodeAt(0);
  return c === MINUS || isDigit(c);
}

/**
 * The JSON text of member `key` of an object's canonical JSON text (a value RecordText.get gave), or undefined
 * when it has none.
 */
export function memberOf(json: string, key: string): string | undefined {
  if (json.charCodeAt(0) !== OPEN_OBJECT) return undefined;
  const head = `"${key}":`;
  let p = 1;
  while (p < json.length - 1) {
    const end = skipString(json, p);
    const valueAt = end + 1;
    const valueEnd = skipValue(json, valueAt);
    if (json.startsWith(head, p)) return json.slice(valueAt, valueEnd);
    p = valueEnd + 1;
  }
  return undefined;
}

/** The JSON text of the first element of an array's canonical JSON text, or undefined when it is empty. */
export function firstElementOf(json: string): string | undefined {
  if (json.charCodeAt(0) !== OPEN_ARRAY || json.charCodeAt(1) === CLOSE_ARRAY) return undefined;
  return json.slice(1, skipValue(json, 1));
}

/** After the string whose opening quote is at `p`. */
function skipString(s: string, p: number): number {
  for (let i = p + 1; ; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
}

/** After the value at `p` of canonical JSON text. */
function skipValue(s: string, p: number): number {
  let depth = 0;
  for (let i = p; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === QUOTE) i = skipString(s, i) - 1;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (depth === 0) return i;
      depth--;
    } else if (c === COMMA && depth === 0) return i;
    if (depth === 0 && (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === QUOTE)) return i + 1;
  }
  return s.length;
}
