// A page's records prepared: parsed, transformed and serialised exactly as the main thread does with records
// (src/intercom/replication.ts: shape, custom attributes, timestamps, child rows), handed back serialised. Done
// by a page worker thread (page-worker.ts, rows as UTF-8 bytes), or on the main thread when there is none
// (InlinePreparer, rows as Latin-1 strings). A record whose row is itself alone (no child stream) and whose text
// is canonical is made into its row as text (src/normalize/record-text.ts), without JSON.parse and JSON.stringify.
//
// Latin-1 text. JSON.parse needs a string, and decoding a page's UTF-8 costs more than JSON.parse's own work on
// it when the page holds a few characters beyond ASCII (most real pages do: names, emoji; V8's UTF-8 decoder
// and a two-byte string for the whole group then). Decoded as Latin-1 instead, every byte is one character:
// a copy. Strings that held multi-byte characters are then mojibake (the UTF-8 bytes of "é" read as "Ã©"),
// but the records never leave this module as objects: they leave serialised by JSON.stringify, as bytes encoded
// back as Latin-1 or as strings the output writes as Latin-1 (SerializedData.latin1), which gives each byte back. The bytes are the same as the UTF-8
// way's exactly when (latin1Text says which pages):
// - the page is valid UTF-8 (else the UTF-8 way would have put U+FFFD where the bytes were);
// - no \u escape stands for a character beyond ASCII (JSON.parse would make the real character of it, which
//   Latin-1 cannot encode back, or encodes as one byte where UTF-8 takes two);
// - the transform compares no string of the record with a non-ASCII one: it reads keys named by the stream's
//   schema (timestamps, custom attributes) and by the code (shapes, child arrays), so every property name of
//   the schema must be ASCII (latin1Family), and it compares values with ASCII constants only, which a
//   mojibake string never equals, as the real string never does. JSON's structure is ASCII: bytes beyond it
//   are only ever inside strings, in both readings.
// An item the main thread must finish (a follow-up request) leaves a worker as UTF-8 text, re-decoded from its
// Latin-1 serialisation, and this thread's preparation as an object mended string by string (fromLatin1), or,
// when its follow-up reads nothing of it beyond ASCII, as read, finished once the follow-up is done with the
// bodies it brought read the same way (takeLatin1Finisher, readJsonBody).
// Figures: bench/HISTORY.md.
import { isUtf8 } from 'node:buffer';
import type { Family } from '../catalog.js';
import { isPlainItem, isUsableKey } from '../http/items.js';
import { elementsAt, parseJsonBody } from '../http/json-body.js';
import { unixSeconds } from '../replication.js';
import { CUSTOM_ATTRIBUTES, UNPARSED } from '../custom-attributes.js';
import { isNumberText, RecordTexts } from '../../normalize/record-text.js';
import { timestampPaths, timestampTree } from '../../normalize/timestamps.js';
import type { RecordMeta } from '../../airbyte/protocol.js';
import type { SerializedData } from '../../airbyte/source.js';
import { PreparedRecord, type PageJob, type PageResult, type PreparedRow, type WireItem, type WireRecord } from './prepared.js';

const NON_ASCII = /[^\x00-\x7f]/;

/** True when `text` is ASCII alone: its Latin-1 reading is its UTF-8 reading. */
export const isAscii = (text: string): boolean => !NON_ASCII.test(text);
const BACKSLASH_U = Buffer.from('\\u');

/** True when every property name anywhere in `schema` is ASCII. */
function asciiNames(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return true;
  if (Array.isArray(schema)) return schema.every(asciiNames);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && typeof value === 'object' && value !== null && Object.keys(value).some((name) => NON_ASCII.test(name))) return false;
    if (!asciiNames(value)) return false;
  }
  return true;
}

const familyIsLatin1 = new WeakMap<Family, boolean>();

/** True when the family's transform reads its records by ASCII names only: every property name of its schema is ASCII. */
export function latin1Family(family: Family): boolean {
  let ascii = familyIsLatin1.get(family);
  if (ascii === undefined) familyIsLatin1.set(family, (ascii = asciiNames(family.schema) && family.children.every((c) => asciiNames(c.jsonSchema))));
  return ascii;
}

/** True when `b` is valid UTF-8 and none of its \u escapes stands for a character beyond ASCII (\u0000-\u007f). */
export function latin1Text(b: Buffer): boolean {
  if (!isUtf8(b)) return false;
  // A match may be the second half of an escaped backslash (`\\u`): counted as an escape, it only costs speed.
  for (let at = b.indexOf(BACKSLASH_U); at !== -1; at = b.indexOf(BACKSLASH_U, at + 2)) {
    if (b[at + 2] !== 0x30 || b[at + 3] !== 0x30 || !(b[at + 4]! >= 0x30 && b[at + 4]! <= 0x37)) return false;
  }
  return true;
}

const HIGH = /[\x80-\xff]/;

/**
 * A value parsed from Latin-1 text as it is parsed from UTF-8 (the text valid UTF-8, no \u escape beyond ASCII),
 * in place where it can be: each string holding bytes beyond ASCII decoded as UTF-8; an object with such a key
 * rebuilt, its keys in the same order.
 */
export function fromLatin1(value: unknown): unknown {
  if (typeof value === 'string') return HIGH.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fromLatin1(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (!keys.some((key) => HIGH.test(key))) {
    // JSON.parse makes "__proto__" an own property; an assignment would call the prototype's setter instead.
    for (const key of keys) {
      const converted = fromLatin1(object[key]);
      if (converted !== object[key]) Object.defineProperty(object, key, { value: converted, writable: true, enumerable: true, configurable: true });
    }
    return object;
  }
  const rebuilt: Record<string, unknown> = {};
  for (const key of keys) Object.defineProperty(rebuilt, fromLatin1(key) as string, { value: fromLatin1(object[key]), writable: true, enumerable: true, configurable: true });
  return rebuilt;
}

/** The job's elements as a Buffer (no copy). */
const bytesOf = (job: PageJob): Buffer => Buffer.from(job.elements.buffer, job.elements.byteOffset, job.elements.byteLength);

/** Per family, this thread's scanner of records as text (src/normalize/record-text.ts); null: its records are parsed. */
const recordTexts = new WeakMap<Family, RecordTexts | null>();

/**
 * The family's scanner when its records can be made into rows as text: its stream's shape and follow-up rule
 * have a text form (IntercomStream.shapeText, followUpText), or it has none.
 */
function recordTextsOf(family: Family): RecordTexts | undefined {
  let texts = recordTexts.get(family);
  if (texts === undefined) {
    const { root } = family;
    const able = (!root.shape || root.shapeText) && (!root.followUp || root.followUpText);
    recordTexts.set(family, (texts = able ? new RecordTexts(timestampTree(timestampPaths(family.schema))) : null));
  }
  return texts ?? undefined;
}

/**
 * A record's key as isUsableKey takes it, from its JSON text; undefined when the object way must tell. A string
 * of its own (JSON.parse makes one): a slice of the text would keep the whole text alive as long as the key
 * (paging keeps the recent ones: +53 MB peak RSS in a 100,000-contact read, measured).
 */
function keyOfText(json: string | undefined): string | number | undefined {
  if (json === undefined) return undefined;
  if (isNumberText(json)) return Number(json);
  if (json.charCodeAt(0) !== 0x22 || json.includes('\\') || !isAscii(json)) return undefined;
  const key = JSON.parse(json) as string;
  return key.trim() === '' ? undefined : key;
}

/** A record prepared, its rows as `serialise` made them; or an item the main thread finishes, as parsed. */
type Prepared<Row> =
  | PreparedParts<Row>
  | { value: unknown; text: string | undefined; followUp: boolean };

interface PreparedParts<Row> { id: string | number; cursor: number | undefined; meta: RecordMeta | undefined; parent: Row | undefined; children: Row[] }

/**
 * One record of the family prepared: cursor (as read), transform, rows serialised. The id as the UTF-8 way reads
 * it (`encoding` the record was read with): paging and the passes tell records apart by it, whichever way they came.
 */
function prepareRecord<Row>(family: Family, record: Record<string, unknown>, parent: boolean, childSet: Set<string>, encoding: 'latin1' | 'utf8', serialise: (json: string, stream?: string) => Row): PreparedParts<Row> {
  const { root } = family;
  const cursor = root.cursor ? unixSeconds(record[root.cursor]) : undefined;
  const meta = family.transform(record);
  const own = parent ? serialise(JSON.stringify(record)) : undefined;
  const children: Row[] = [];
  if (childSet.size > 0) for (const row of family.split(record, childSet)) children.push(serialise(JSON.stringify(row.data), row.stream));
  const id = record.id as string | number;
  return { id: encoding === 'latin1' && typeof id === 'string' ? (fromLatin1(id) as string) : id, cursor, meta, parent: own, children };
}

/**
 * A page's items prepared (see the top of this file): parsed from its bytes decoded as `encoding`, record by
 * record (parse, transform, serialise), or a group of records at a time when the page was cut at its seams
 * (CutBody.groups: about 64 KB of records), so the records' objects are garbage soon after they are parsed: they
 * die young, in the young generation. An item that is not a record of the family, or needs a follow-up, is
 * handed back as parsed, with its text when it was parsed alone. A group that does not parse (a seam that was
 * not one) starts it all again on the whole page (`restart` drops the rows serialised so far); a SyntaxError
 * then means the items are not JSON. `serialise` gets a row's JSON text, and a child row's stream (none for the
 * record itself).
 *
 * Records of a Latin-1 page whose rows are the record alone (no child stream) are made into rows as text
 * where they can be (src/normalize/record-text.ts): the same row, without JSON.parse and JSON.stringify.
 */
function prepareItems<Row>(family: Family, job: PageJob, encoding: 'latin1' | 'utf8', serialise: (json: string, stream?: string) => Row, restart: () => void): Prepared<Row>[] {
  const page = new PageItems(family, job, encoding, serialise);
  const texts = encoding === 'latin1' && job.parent && job.children.length === 0 ? recordTextsOf(family) : undefined;
  const { starts, ends } = job;
  if (!job.groups) {
    for (let i = 0; i < starts.length; i++) {
      if (texts) {
        page.prepareTexts(texts, starts[i]!, ends[i]!);
        continue;
      }
      const text = page.buffer.toString(encoding, starts[i]!, ends[i]!);
      page.prepare(JSON.parse(text) as unknown, text);
    }
    return page.items;
  }
  for (let g = 0; g < starts.length; g++) {
    try {
      if (texts) {
        page.prepareTexts(texts, starts[g]!, ends[g]!);
        continue;
      }
      const group = elementsAt(page.buffer, starts[g]!, ends[g]!, encoding);
      for (let i = 0; i < group.length; i++) page.prepare(group[i], undefined);
    } catch {
      page.items.length = 0;
      restart();
      const group = elementsAt(page.buffer, starts[0]!, ends[ends.length - 1]!, encoding);
      for (let i = 0; i < group.length; i++) page.prepare(group[i], undefined);
      break;
    }
  }
  return page.items;
}

/**
 * One page's items as prepareItems makes them. Methods of one class rather than closures made per page: V8
 * optimizes each method once, where closures made anew for every page were compiled again and again (12
 * TurboFan compiles of one of them in a 100,000-contact read, ~20 ms each on a background thread, and
 * "wrong call target" deoptimizations when a page's closure met the next page's).
 */
class PageItems<Row> {
  readonly items: Prepared<Row>[] = [];
  readonly buffer: Buffer;
  private readonly root: Family['root'];
  private readonly wanted: Set<string>;
  private readonly childSet: Set<string>;
  private readonly parent: boolean;

  constructor(private readonly family: Family, job: PageJob, private readonly encoding: 'latin1' | 'utf8', private readonly serialise: (json: string, stream?: string) => Row) {
    this.root = family.root;
    this.buffer = bytesOf(job);
    this.wanted = new Set(job.wantedChildren);
    this.childSet = new Set(job.children);
    this.parent = job.parent;
  }

  prepare(value: unknown, text: string | undefined): void {
    const { root } = this;
    if (!isPlainItem(value) || !isUsableKey(value.id) || !isUsableKey(value[root.primaryKey])) this.items.push({ value, text, followUp: false });
    else if (root.followUp?.(value, this.wanted)) this.items.push({ value, text, followUp: true });
    else this.items.push(prepareRecord(this.family, value, this.parent, this.childSet, this.encoding, this.serialise));
  }

  /** The record scanned last as its row, when the text can tell all the object way would. */
  prepareText(texts: RecordTexts): boolean {
    const { root, family } = this;
    const id = keyOfText(texts.get('id'));
    if (id === undefined || (root.primaryKey !== 'id' && keyOfText(texts.get(root.primaryKey)) === undefined)) return false;
    let cursor: number | undefined;
    if (root.cursor) {
      const value = texts.get(root.cursor);
      if (value !== undefined && value !== 'null' && !isNumberText(value)) return false;
      cursor = value === undefined || value === 'null' ? undefined : unixSeconds(Number(value));
    }
    if (root.followUp && root.followUpText!(texts, this.wanted)) return false;
    if (root.shapeText && !root.shapeText(texts)) return false;
    const meta = family.checkCustomAttributes ? this.checkCustomAttributes(texts, family.checkCustomAttributes) : undefined;
    this.items.push({ id, cursor, meta, parent: this.serialise(texts.row()), children: [] });
    return true;
  }

  /**
   * Family.transform's custom attribute check, after the shape as there, on the record's text: its custom
   * attributes (and what it holds under custom_attributes_unparsed) parsed and checked; where a value does not
   * fit, both members become the object way's values as text (the custom attributes' timestamps converted), in
   * their places or appended after the shape's, and the meta is the check's.
   */
  private checkCustomAttributes(texts: RecordTexts, check: NonNullable<Family['checkCustomAttributes']>): RecordMeta | undefined {
    const values = texts.get(CUSTOM_ATTRIBUTES);
    if (values === undefined) return undefined;
    const checked: Record<string, unknown> = { [CUSTOM_ATTRIBUTES]: JSON.parse(values) as unknown };
    const unparsed = texts.get(UNPARSED);
    if (unparsed !== undefined) checked[UNPARSED] = JSON.parse(unparsed) as unknown;
    const meta = check(checked);
    if (meta === undefined) return undefined;
    this.family.convertTimestamps(checked);
    texts.setRow(CUSTOM_ATTRIBUTES, JSON.stringify(checked[CUSTOM_ATTRIBUTES]));
    texts.setRow(UNPARSED, JSON.stringify(checked[UNPARSED]));
    return meta;
  }

  /**
   * The comma-separated records of `text` prepared, as text where they can be, else parsed; the rest of the
   * text parsed from the first record that is not an object with canonical text (a SyntaxError when not JSON).
   */
  prepareTexts(texts: RecordTexts, from: number, to: number): void {
    const { buffer } = this;
    const text = buffer.toString('latin1', from, to);
    let at = 0;
    texts.text(text, buffer.subarray(from, to));
    while (at < text.length) {
      const end = texts.scan(at);
      if (end === undefined || (end < text.length && (text.charCodeAt(end) !== 0x2c || end + 1 === text.length))) break;
      if (!this.prepareText(texts)) this.prepare(JSON.parse(text.slice(at, end)) as unknown, undefined);
      at = end + 1;
    }
    if (at < text.length) for (const value of elementsAt(buffer, from + at, to, 'latin1')) this.prepare(value, undefined);
  }
}

/**
 * One page prepared, as a page worker answers: every row's bytes one after the other in one buffer (UTF-8, the
 * Latin-1 reading encoded back), and per record its ranges; an item the main thread finishes as its UTF-8 text.
 */
export function preparePage(family: Family, job: PageJob, latin1 = latin1Family(family) && latin1Text(bytesOf(job))): PageResult {
  const encoding = latin1 ? 'latin1' : 'utf8';
  const childIndex = new Map(job.children.map((name, i) => [name, i]));
  // Room for the page's bytes and a little more (timestamps grow from 10 to 20 characters); more when needed.
  let out = Buffer.allocUnsafeSlow(64 * 1024 + Math.ceil(1.25 * job.elements.byteLength));
  let at = 0;
  /** The row's range of `out`; a child row's stream index first. */
  const put = (json: string, stream?: string): number[] => {
    const most = latin1 ? json.length : 3 * json.length;
    if (at + most > out.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(2 * out.length, at + most));
      out.copy(larger, 0, 0, at);
      out = larger;
    }
    const start = at;
    at += out.write(json, at, encoding);
    return stream === undefined ? [start, at] : [childIndex.get(stream)!, start, at];
  };
  const items = prepareItems(family, job, encoding, put, () => { at = 0; }).map((item): WireItem => {
    if ('value' in item) {
      const json = item.text ?? JSON.stringify(item.value);
      return { raw: latin1 ? Buffer.from(json, 'latin1').toString('utf8') : json };
    }
    const wire: WireRecord = { id: item.id, children: [] };
    if (item.cursor !== undefined) wire.cursor = item.cursor;
    if (item.meta !== undefined) wire.meta = item.meta;
    if (item.parent) wire.parent = item.parent as [number, number];
    for (const row of item.children) wire.children.push(...row);
    return wire;
  });
  return { items, out: new Uint8Array(out.buffer, 0, at) };
}

/**
 * Prepares pages of one family on this thread when there are no page worker threads, for the Latin-1 reading
 * alone: pages it does not allow are parsed as usual (undefined), which costs less than preparing them with
 * UTF-8 text (measured: bench/HISTORY.md). The items are ready when the page has
 * arrived, as parsed ones are (no page is asked for ahead to keep a thread busy: that only holds memory).
 */
export class InlinePreparer {
  constructor(private readonly family: Family) {}

  /**
   * The page's items (PreparedRecords, and the items that need the main thread), or undefined; a SyntaxError
   * when they are not JSON. Each row is its own Latin-1 string (SerializedData.latin1), written into the output
   * as it is: no buffer per page, whose external memory had V8 run 32 full collections in a 100,000-contact read
   * where the usual way runs 6.
   */
  prepare(job: PageJob): unknown[] | undefined {
    const { family } = this;
    if (!latin1Family(family) || !latin1Text(bytesOf(job))) return undefined;
    const items = prepareItems(family, job, 'latin1', latin1Row, nothing);
    // For the records left for their follow-up (most pages have none, or a few). No closure here names `job`:
    // a finisher would keep its elements (the page's bytes) alive until its record is done.
    const { parent, children: childNames } = job;
    let childSet: Set<string> | undefined;
    const prepared = (parts: PreparedParts<SerializedData | PreparedRow>) => new PreparedRecord(parts.id, parts.cursor, parts.meta, parts.parent, parts.children as PreparedRow[]);
    return items.map((item) => {
      if (!('value' in item)) return prepared(item);
      // A record whose follow-up reads nothing beyond ASCII stays in its Latin-1 reading (takeLatin1Finisher).
      if (item.followUp && family.root.followUpOnLatin1?.(item.value as Record<string, unknown>)) {
        const record = item.value as Record<string, unknown>;
        const children = (childSet ??= new Set(childNames));
        finishers.set(record, (done) => prepared(prepareRecord(family, done, parent, children, 'latin1', latin1Row)));
        return record;
      }
      return fromLatin1(item.value);
    });
  }
}

/** A row as its Latin-1 string, written into the output as it is (SerializedData.latin1). */
const latin1Row = (json: string, stream?: string): SerializedData | PreparedRow => (stream === undefined ? { latin1: json } : { latin1: json, stream });
const nothing = (): void => undefined;

/** Records this thread read as Latin-1 and left to their follow-up, with what makes each a PreparedRecord. */
const finishers = new WeakMap<object, (record: Record<string, unknown>) => PreparedRecord>();

/**
 * For a record this thread read as Latin-1 and left as it was for its follow-up (IntercomStream.followUpOnLatin1):
 * what makes it a PreparedRecord once the follow-up is done, every value the follow-up added read as Latin-1
 * too (readJsonBody). Undefined for any other record (read as UTF-8 or mended, `fromLatin1`). Taken once: whoever
 * takes it either finishes the record with it or mends it, and nobody after that takes it for a Latin-1 reading.
 */
export function takeLatin1Finisher(record: object): ((record: Record<string, unknown>) => PreparedRecord) | undefined {
  const finish = finishers.get(record);
  if (finish !== undefined) finishers.delete(record);
  return finish;
}

/**
 * A follow-up's body as JSON, read as Latin-1 where its bytes come out the same (latin1Text, no byte order mark),
 * for a record still in its Latin-1 reading; else as usual (parseJsonBody, UTF-8).
 */
export function readJsonBody(bytes: Uint8Array): { value: unknown; latin1: boolean } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer[0] !== 0xef && latin1Text(buffer)) return { value: JSON.parse(buffer.toString('latin1')) as unknown, latin1: true };
  return { value: parseJsonBody(bytes), latin1: false };
}
