// Response bodies to JSON without one large string. A page of 150 contacts is about 300 KB of JSON; decoded
// whole, it is one string in V8's large-object space, which costs a fresh memory mapping per page (measured on
// the benchmark machine: 1.3 ms for a 300 KB string, 15 us for a 127 KB one). So a large object body whose
// one top-level array holds the bulk (`data`, `conversations`...) is parsed in pieces: the envelope with that
// array emptied, then the array's elements a group at a time, each group well under the large-object size.
// Where the groups meet is found natively at the seams between elements when it can be (parseAtSeams),
// else by walking the bytes (largestArray).
// The result is the value JSON.parse gives for the whole text; whenever the body does not have that simple
// shape (or is not valid JSON), the whole text is parsed as before, so errors read the same.

/** Bodies below this are decoded and parsed whole. */
const PIECEWISE_FROM = 96 * 1024;
/** The most bytes of array elements decoded into one string. */
const GROUP_BYTES = 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The body as text, the way undici's `text()` reads it: UTF-8, a leading byte order mark dropped. */
export function bodyText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  return buffer.toString('utf8', start);
}

/** True when the body is empty or white space only. */
export function isBlank(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (isSpace(c)) continue;
    // Any other ASCII character is not white space; beyond ASCII, String.trim decides (no-break space, BOM...).
    return c < 0x80 ? false : bodyText(bytes).trim() === '';
  }
  return true;
}

interface Split {
  /** The key of the array (raw bytes of its JSON string literal, quotes included). */
  keyStart: number;
  keyEnd: number;
  /** '[' and ']' of the array. */
  open: number;
  close: number;
  /** Start and end (exclusive) of each element. */
  starts: number[];
  ends: number[];
}

/** JSON.parse of the body, without decoding a large body into one string when its shape allows. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  return (bytes.byteLength >= PIECEWISE_FROM ? parsePiecewise(bytes) : undefined) ?? JSON.parse(bodyText(bytes));
}

/** The body parsed in pieces, or undefined when its shape does not allow it (whatever its size). */
export function parsePiecewise(bytes: Uint8Array): unknown {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const quick = parseAtSeams(buffer);
  if (quick !== undefined) return quick;
  const split = largestArray(buffer);
  return split ? parsePieces(buffer, split) : undefined;
}

/**
 * The body parsed in pieces cut where its items seem to meet, found natively instead of by walking every byte
 * (largestArray: a JavaScript loop over the ~300 KB of a page); undefined when that does not work out, and the
 * caller walks the bytes. Compact bodies only: an object whose first '[' opens an array of objects right after
 * a key (`"data":[{`), its last ']' closing it. A seam is `},` followed by the first element's first key and
 * value (`},{"type":"contact",`), found by indexOf about every GROUP_BYTES.
 *
 * Nothing here is trusted: the '[' must be in the top-level object (atTopLevel), the envelope (the body with
 * the array emptied) must parse with that key holding the emptied array (envelopeOf), and every group must
 * parse as an array. A wrong guess cannot pass: a seam holds a quote, which inside a string is escaped, so it
 * is never in one; a seam inside a nested value, or a ']' that is not the array's, leaves brackets unbalanced
 * in a group or in the envelope. When all parse, the groups' elements are the array's elements, and the result
 * is JSON.parse's.
 */
export function parseAtSeams(b: Buffer): unknown {
  const seams = seamsOf(b);
  if (seams === undefined) return undefined;
  const items = parseGroups(b, seams.starts, seams.ends);
  if (items === undefined) return undefined;
  seams.envelope[seams.key] = items;
  return seams.envelope;
}

/**
 * Where a body's items seem to meet (see parseAtSeams): the envelope parsed with the array emptied, its key,
 * and ranges of the body each holding one or more whole elements (a group), if the seams are real: only
 * parsing every group tells. Undefined when the body has not that shape.
 */
function seamsOf(b: Buffer): { envelope: Record<string, unknown>; key: string; starts: number[]; ends: number[] } | undefined {
  const open = b.indexOf(0x5b); // '['
  const close = b.lastIndexOf(0x5d); // ']'
  if (open < 3 || close < open || b[open - 1] !== COLON || b[open - 2] !== QUOTE || b[open + 1] !== 0x7b) return undefined;
  if (!atTopLevel(b, open)) return undefined;
  const keyStart = b.lastIndexOf(QUOTE, open - 3);
  const firstComma = b.indexOf(COMMA, open + 1);
  if (keyStart === -1 || firstComma === -1 || firstComma - open > MAX_SEAM) return undefined;
  let cut: ReturnType<typeof envelopeOf>;
  try {
    cut = envelopeOf(b, { keyStart, keyEnd: open - 1, open, close, starts: [], ends: [] });
  } catch {
    return undefined;
  }
  if (cut === undefined) return undefined;
  const seam = Buffer.concat([SEAM_START, b.subarray(open + 1, firstComma + 1)]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (let from = open + 1; from < close;) {
    let end = close;
    if (close - from > GROUP_BYTES) {
      const at = b.indexOf(seam, from + GROUP_BYTES / 2);
      if (at !== -1 && at < close) end = at + 1;
    }
    starts.push(from);
    ends.push(end);
    from = end + 1;
  }
  return { ...cut, starts, ends };
}

/**
 * The comma-separated elements at b[start..end), parsed as one array (throws a SyntaxError when they are not JSON).
 * Decoded as UTF-8, or as Latin-1 where the caller knows what that means (workers/prepare-page.ts).
 * The brackets go into the bytes on either side for the moment of decoding (they are separators: a comma, a
 * bracket, space), so the text is one flat string: `[` + text + `]` would be a tree of three that JSON.parse
 * copies into one again (~64 KB a group). Where there is no byte on a side, it is put together as text.
 */
export function elementsAt(b: Buffer, start: number, end: number, encoding: 'utf8' | 'latin1' = 'utf8'): unknown[] {
  if (start < 1 || end >= b.length) return JSON.parse(`[${b.toString(encoding, start, end)}]`) as unknown[];
  const before = b[start - 1]!;
  const after = b[end]!;
  let text: string;
  b[start - 1] = 0x5b; // '['
  b[end] = 0x5d; // ']'
  try {
    text = b.toString(encoding, start - 1, end + 1);
  } finally {
    b[start - 1] = before;
    b[end] = after;
  }
  return JSON.parse(text) as unknown[];
}

/** Each range of `b` parsed as the elements of an array, all in order; undefined when one does not parse. */
function parseGroups(b: Buffer, starts: readonly number[], ends: readonly number[]): unknown[] | undefined {
  const items: unknown[] = [];
  try {
    for (let g = 0; g < starts.length; g++) {
      const group = elementsAt(b, starts[g]!, ends[g]!);
      for (let i = 0; i < group.length; i++) items.push(group[i]);
    }
  } catch {
    return undefined;
  }
  return items;
}

/**
 * The items of a cut body (cutLargestArray), parsed here: by element, or by group, and when a seam was not
 * one, all of them at once (then a SyntaxError means the items are not valid JSON).
 */
export function parseCutItems(cut: Pick<CutBody, 'elements' | 'starts' | 'ends' | 'groups'>): unknown[] {
  const buffer = Buffer.from(cut.elements.buffer, cut.elements.byteOffset, cut.elements.byteLength);
  if (!cut.groups) return parseElements(buffer, cut.starts, cut.ends);
  return parseGroups(buffer, cut.starts, cut.ends) ?? elementsAt(buffer, cut.starts[0]!, cut.ends[cut.ends.length - 1]!);
}

/**
 * True when `at` is outside strings, directly in the body's top-level object: the bytes before it hold no
 * escape (so quotes alone say where strings are) and open nothing but that object. An envelope's head is short.
 */
function atTopLevel(b: Buffer, at: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < at; i++) {
    const c = b[i]!;
    if (c === BACKSLASH) return false;
    if (c === QUOTE) inString = !inString;
    else if (inString) continue;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return !inString && depth === 1;
}

const SEAM_START = Buffer.from('},');
/** The most bytes of the first element a seam holds. */
const MAX_SEAM = 64;

function parsePieces(buffer: Buffer, split: Split): unknown {
  const cut = envelopeOf(buffer, split);
  if (cut === undefined) return undefined;
  cut.envelope[cut.key] = parseElements(buffer, split.starts, split.ends);
  return cut.envelope;
}

/** The envelope parsed with the array emptied, and the array's key; undefined when that is not JSON.parse's value. */
function envelopeOf(buffer: Buffer, split: Split): { envelope: Record<string, unknown>; key: string } | undefined {
  const key = JSON.parse(buffer.toString('utf8', split.keyStart, split.keyEnd)) as unknown;
  if (typeof key !== 'string' || key === '__proto__') return undefined;
  const start = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  const envelope = JSON.parse(buffer.toString('utf8', start, split.open + 1) + buffer.toString('utf8', split.close)) as unknown;
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) return undefined;
  const target = envelope as Record<string, unknown>;
  const emptied = target[key];
  // A key given twice keeps its last value in JSON.parse: the emptied array must be the one that stayed.
  if (!Array.isArray(emptied) || emptied.length !== 0 || !Object.prototype.hasOwnProperty.call(target, key)) return undefined;
  return { envelope: target, key };
}

/** The elements at `starts[i]..ends[i]` of `buffer`, parsed a group of at most GROUP_BYTES at a time. */
export function parseElements(buffer: Buffer, starts: readonly number[], ends: readonly number[]): unknown[] {
  const items: unknown[] = [];
  for (let first = 0; first < starts.length;) {
    let last = first;
    while (last + 1 < starts.length && ends[last + 1]! - starts[first]! <= GROUP_BYTES) last++;
    const group = elementsAt(buffer, starts[first]!, ends[last]!);
    for (let i = 0; i < group.length; i++) items.push(group[i]);
    first = last + 1;
  }
  return items;
}

/** A body cut around its largest array (cutLargestArray). */
export interface CutBody { envelope: Record<string, unknown>; key: string; elements: Uint8Array; starts: number[]; ends: number[]; groups: boolean }

/**
 * A body's one large array cut out, for its elements to be parsed elsewhere (a worker thread): the envelope
 * parsed (the array emptied), the array's key, and the elements' bytes (a view of the body, with the byte on
 * either side of the elements: a bracket, or what separates it from them; offsets into `elements`):
 * one range per element, or, when `groups`, ranges cut at seams (parseAtSeams), each one or more elements if
 * the seams are real, which only parsing tells (parseCutItems). Undefined when the body is small or has not
 * that shape: it is then parsed whole (parseJsonBody).
 */

export function cutLargestArray(bytes: Uint8Array): CutBody | undefined {
  if (bytes.byteLength < PIECEWISE_FROM) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seams = seamsOf(buffer);
  const exact = seams ? undefined : largestArray(buffer);
  const split = seams ?? exact;
  const cut = seams ?? (exact && envelopeOf(buffer, exact));
  if (!split || !cut) return undefined;
  // The array's brackets (or what separates the elements from them) are in the view, a byte on either side of
  // every range: elementsAt writes its brackets there for a moment.
  const from = split.starts[0]! - 1;
  // A view: whoever hands the elements to another thread copies them first (PageWorkers.prepare).
  const elements = buffer.subarray(from, split.ends[split.ends.length - 1]! + 1);
  return { envelope: cut.envelope, key: cut.key, elements, starts: split.starts.map((s) => s - from), ends: split.ends.map((e) => e - from), groups: seams !== undefined };
}

/**
 * The body's layout when it is an object with exactly one top-level array value of more than one element,
 * its elements separated by single commas; undefined otherwise (the caller then parses the whole text).
 * Strings are skipped with their escapes; UTF-8 continuation bytes never look like JSON punctuation.
 */
function largestArray(b: Buffer): Split | undefined {
  const n = b.length;
  let i = b.length > 2 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < n && isSpace(b[i]!)) i++;
  if (b[i] !== 0x7b) return undefined; // '{'
  let found: Split | undefined;
  let depth = 0;
  let keyStart = -1;
  let keyEnd = -1;
  let expectKey = true;
  // Inside the top-level array: depth 2 at element level.
  let split: Split | undefined;
  let elementStart = -1;
  let sawComma = true;
  for (; i < n; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      const stringStart = i;
      // The closing quote: the next one not escaped (preceded by an even number of backslashes). Strings are
      // most of a page, and indexOf skips them natively.
      for (;;) {
        i = b.indexOf(QUOTE, i + 1);
        if (i === -1) return undefined;
        let k = i - 1;
        while (b[k] === BACKSLASH) k--;
        if ((i - 1 - k) % 2 === 0) break;
      }
      if (depth === 1 && expectKey) {
        keyStart = stringStart;
        keyEnd = i + 1;
      } else if (split && depth === 2 && elementStart === -1) {
        if (!sawComma) return undefined;
        elementStart = stringStart;
        sawComma = false;
      }
      continue;
    }
    if (isSpace(c)) continue;
    if (c === COLON) {
      if (depth === 1) expectKey = false;
      continue;
    }
    if (c === COMMA) {
      if (depth === 1) expectKey = true;
      else if (split && depth === 2) {
        if (elementStart !== -1) {
          split.starts.push(elementStart);
          split.ends.push(lastNonSpace(b, i) + 1);
          elementStart = -1;
        } else if (sawComma) return undefined;
        sawComma = true;
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) { // '{' '['
      if (split && depth === 2 && elementStart === -1) {
        if (!sawComma) return undefined;
        elementStart = i;
        sawComma = false;
      }
      depth++;
      if (depth === 2 && c === 0x5b) {
        if (found || expectKey || keyStart === -1) return undefined; // a second top-level array
        split = { keyStart, keyEnd, open: i, close: -1, starts: [], ends: [] };
        elementStart = -1;
        sawComma = true;
      }
      continue;
    }
    if (c === 0x7d || c === 0x5d) { // '}' ']'
      if (split && depth === 2 && c === 0x5d) {
        if (elementStart !== -1) {
          split.starts.push(elementStart);
          split.ends.push(lastNonSpace(b, i) + 1);
          elementStart = -1;
        } else if (sawComma && split.starts.length > 0) return undefined; // a trailing comma
        split.close = i;
        found = split;
        split = undefined;
      }
      depth--;
      if (depth === 0) break;
      if (depth < 0) return undefined;
      continue;
    }
    // A number, true, false or null.
    if (split && depth === 2 && elementStart === -1) {
      if (!sawComma) return undefined;
      elementStart = i;
      sawComma = false;
    }
  }
  if (depth !== 0 || !found || found.starts.length < 2) return undefined;
  return found;
}

function lastNonSpace(b: Buffer, before: number): number {
  let j = before - 1;
  while (isSpace(b[j]!)) j--;
  return j;
}
