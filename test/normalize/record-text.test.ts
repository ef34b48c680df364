// Records made into rows as text (src/normalize/record-text.ts): whenever the scanner makes a row, it is byte for
// byte what JSON.parse, the timestamp converter and JSON.stringify make of the record; canonical records are
// made as text; every text JSON.stringify would not have written is left to the object way, and so is every
// text that is not JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstElementOf, memberOf, RecordTexts } from '../../src/normalize/record-text.js';
import { compileTimestampConverter, timestampPaths, timestampTree } from '../../src/normalize/timestamps.js';
import { arr, obj } from '../helpers/schema.js';

const TS = { type: ['null', 'string'], format: 'date-time' };
const schema = {
  type: 'object', additionalProperties: true,
  properties: {
    id: { type: 'string' },
    updated_at: TS,
    created_at: TS,
    stats: obj({ first_at: TS, n: { type: ['null', 'integer'] }, deeper: obj({ last_at: TS }) }),
    parts: obj({ list: arr({ type: 'object', additionalProperties: true, properties: { created_at: TS, files: arr(obj({ uploaded_at: TS })) } }) }),
    stamps: arr(TS),
    copy: obj({ when: TS }),
  },
};
const convert = compileTimestampConverter(schema);
const tree = timestampTree(timestampPaths(schema));

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'plain', 'Zoë', '東京', 'emoji 🚀', 'quote " and \\ backslash', 'tab\tnew\nline', 'nul \u0000 \u001f \u007f', '\u2028\u2029', 'slash / here', 'a'.repeat(300)];
const NUMBERS = [0, 1, -1, 42, 1.5, -0.25, 1e21, 1e-7, 2 ** 53 + 2, 1_700_000_000, 1_700_000_000.75, 253402300800, -62167219201, 123456789012345];

function value(random: () => number, depth: number): unknown {
  const r = random();
  if (depth > 3 || r < 0.35) return STRINGS[Math.floor(random() * STRINGS.length)];
  if (r < 0.6) return NUMBERS[Math.floor(random() * NUMBERS.length)];
  if (r < 0.7) return [null, true, false][Math.floor(random() * 3)];
  if (r < 0.85) return Array.from({ length: Math.floor(random() * 4) }, () => value(random, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i--) object[`k${Math.floor(random() * 8)}_${STRINGS[Math.floor(random() * 4)]}`] = value(random, depth + 1);
  return object;
}

const stamp = (random: () => number) => [1_700_000_000, 0, null, 1.5e9 + 0.5, 253402300800, 'text', -1][Math.floor(random() * 7)];

function record(random: () => number, i: number): Record<string, unknown> {
  const r: Record<string, unknown> = { type: 'thing', id: `r${i}` };
  if (random() < 0.9) r['updated_at'] = stamp(random);
  r['name'] = value(random, 3);
  if (random() < 0.7) r['stats'] = random() < 0.2 ? stamp(random) : { n: 3, first_at: stamp(random), deeper: random() < 0.5 ? { last_at: stamp(random), x: value(random, 2) } : null };
  if (random() < 0.7) r['parts'] = { type: 'list', list: Array.from({ length: Math.floor(random() * 3) }, () => ({ created_at: stamp(random), body: value(random, 2), files: [{ uploaded_at: stamp(random) }] })) };
  if (random() < 0.5) r['stamps'] = [stamp(random), stamp(random)];
  r['extra'] = value(random, 1);
  if (random() < 0.5) r['created_at'] = stamp(random);
  return r;
}

/** The row the object way makes of `text` (UTF-8 JSON), as UTF-8. */
function expected(text: string): string {
  const parsed = JSON.parse(text) as Record<string, unknown>;
  convert(parsed);
  return JSON.stringify(parsed);
}

/** Scans `text` (UTF-8 JSON) as the pages are read: its bytes as Latin-1. The row as UTF-8, or undefined. */
function scanned(texts: RecordTexts, text: string): string | undefined {
  const bytes = Buffer.from(text);
  const latin1 = bytes.toString('latin1');
  texts.text(latin1, bytes);
  const end = texts.scan(0);
  if (end === undefined) return undefined;
  assert.equal(end, latin1.length, 'the record ends where its text does');
  return Buffer.from(texts.row(), 'latin1').toString('utf8');
}

test('canonical records are made as text, each row byte for byte the object way\'s', () => {
  const random = rng(7);
  const texts = new RecordTexts(tree);
  let edited = 0;
  for (let i = 0; i < 3000; i++) {
    const text = JSON.stringify(record(random, i));
    const row = scanned(texts, text);
    assert.ok(row !== undefined, `record ${i} is made as text: ${text.slice(0, 200)}`);
    assert.equal(row, expected(text), `record ${i}`);
    if (row !== text) edited++;
  }
  assert.ok(edited > 2000, `${edited} rows differ from their records (timestamps converted)`);
});

/** Ways to write a record's value that JSON.stringify would not write, and texts that are not JSON. */
const VARIANTS: [string, (text: string) => string][] = [
  ['white space after a colon', (t) => t.replace('":', '": ')],
  ['white space before the end', (t) => `${t.slice(0, -1)} }`],
  ['a new line between members', (t) => t.replace(',"', ',\n"')],
  ['an ASCII character escaped', (t) => t.replace('"thing"', '"thin\\u0067"')],
  ['an escaped slash', (t) => t.replace('"thing"', '"th\\/ing"')],
  ['an upper-case escape', (t) => t.replace('"thing"', '"thing\\u001F"')],
  ['a control character escaped although it has a short form', (t) => t.replace('"thing"', '"thing\\u000a"')],
  ['a character beyond ASCII escaped', (t) => t.replace('"thing"', '"th\\u00e9ing"')],
  ['an exponent', (t) => t.replace(/:(1700000000)([,}])/, ':1.7e9$2')],
  ['a trailing zero', (t) => t.replace(/:(1700000000)([,}])/, ':1700000000.0$2')],
  ['minus zero', (t) => t.replace('{"type"', '{"z":-0,"type"')],
  ['an integer beyond a double', (t) => t.replace('{"type"', '{"z":12345678901234567890,"type"')],
  ['a key given twice at the top', (t) => t.replace('{"type":"thing"', '{"type":"other","type":"thing"')],
  ['a key given twice in a nested object', (t) => t.replace('{"type":"thing"', '{"o":{"a":1,"b":2,"a":3},"type":"thing"')],
  ['an array-index key', (t) => t.replace('{"type":"thing"', '{"o":{"b":1,"2":2},"type":"thing"')],
  ['an array-index key at the top', (t) => t.replace('{"type":"thing"', '{"7":1,"type":"thing"')],
  ['an escaped key', (t) => t.replace('{"type":"thing"', '{"ty\\"pe":1,"type":"thing"')],
  ['a raw control character in a string (not JSON)', (t) => t.replace('"thing"', '"th\ting"')],
  ['a raw new line in a key (not JSON)', (t) => t.replace('"type"', '"ty\npe"')],
  ['cut short (not JSON)', (t) => t.slice(0, -1)],
  ['cut inside a string (not JSON)', (t) => t.slice(0, t.indexOf('"thing"') + 3)],
  ['an unclosed string (not JSON)', (t) => t.replace('"thing"', '"thing')],
  ['a bare word (not JSON)', (t) => t.replace('"thing"', 'thing')],
  ['a lone minus (not JSON)', (t) => t.replace('"thing"', '-')],
  ['leading zeros (not JSON)', (t) => t.replace('"thing"', '007')],
  ['a trailing comma (not JSON)', (t) => `${t.slice(0, -1)},}`],
];

test('texts JSON.stringify would not have written, and texts that are not JSON, are left to the object way', () => {
  const random = rng(11);
  const texts = new RecordTexts(tree);
  for (const [name, variant] of VARIANTS) {
    for (let i = 0; i < 20; i++) {
      const canonical = JSON.stringify({ ...record(random, i), updated_at: 1_700_000_000 });
      const text = variant(canonical);
      assert.notEqual(text, canonical, `${name}: the variant differs`);
      assert.equal(scanned(texts, text), undefined, `${name}: ${text.slice(0, 120)}`);
      // The scanner still makes the canonical record's row after a refusal.
      assert.equal(scanned(texts, canonical), expected(canonical), `${name}: the next record`);
    }
  }
});

test('records of one text in a row: each scanned where the one before ended, whatever their key order', () => {
  const random = rng(3);
  const records = Array.from({ length: 200 }, (_, i) => {
    const r = record(random, i);
    // Now and then the same keys in another order, or a key less: the signature of the records before fails.
    if (i % 7 === 3) return Object.fromEntries(Object.entries(r).reverse());
    if (i % 11 === 5) delete r['type'];
    return r;
  });
  const text = records.map((r) => JSON.stringify(r)).join(',');
  const bytes = Buffer.from(text);
  const latin1 = bytes.toString('latin1');
  const texts = new RecordTexts(tree);
  texts.text(latin1, bytes);
  let at = 0;
  for (const [i, r] of records.entries()) {
    const end = texts.scan(at);
    assert.ok(end !== undefined, `record ${i}`);
    assert.equal(Buffer.from(texts.row(), 'latin1').toString(), expected(JSON.stringify(r)), `record ${i}`);
    assert.equal(latin1.charCodeAt(end), i === records.length - 1 ? NaN : 0x2c);
    at = end + 1;
  }
  assert.throws(() => texts.scan(0), /in order/);
});

test('a shape\'s members: set in place or appended in order, timestamps converted, copies of edited values refused', () => {
  const texts = new RecordTexts(tree);
  const text = '{"id":"a","created_at":null,"copy":{"when":1700000000},"stats":{"first_at":5},"n":2,"updated_at":1700000000}';
  const bytes = Buffer.from(text);
  texts.text(text, bytes);
  assert.equal(texts.scan(0), text.length);
  assert.equal(texts.get('updated_at'), '1700000000', 'values as read, before timestamps are converted');
  assert.equal(texts.get('missing'), undefined);
  assert.equal(texts.edited('copy'), true, 'a timestamp inside');
  assert.equal(texts.edited('updated_at'), false, 'the whole value converted is no edit inside');
  assert.equal(texts.edited('n'), false);
  assert.ok(texts.set('created_at', texts.get('updated_at')!), 'a timestamp copied');
  assert.ok(texts.set('n', '"2"'));
  assert.ok(texts.set('later', 'true'));
  assert.ok(texts.set('earlier', '{"x":[1,2]}'));
  assert.ok(texts.set('later', 'false'), 'set again: stays where it was appended');
  assert.equal(texts.get('later'), 'false');
  assert.equal(texts.set('stats', '{"first_at":7}'), false, 'an object where timestamps are inside is refused');
  assert.ok(texts.set('stats', 'null'));
  const parsed = JSON.parse(text) as Record<string, unknown>;
  parsed['created_at'] = parsed['updated_at'];
  parsed['n'] = '2';
  parsed['later'] = true;
  parsed['earlier'] = { x: [1, 2] };
  parsed['later'] = false;
  parsed['stats'] = null;
  convert(parsed);
  assert.equal(texts.row(), JSON.stringify(parsed));
  // An empty record gets its appended members without a leading comma.
  texts.text('{}', Buffer.from('{}'));
  assert.equal(texts.scan(0), 2);
  assert.ok(texts.set('created_at', '0') && texts.set('x', '"y"'));
  assert.equal(texts.row(), '{"created_at":null,"x":"y"}');
});

test('members and first elements of canonical JSON text', () => {
  const text = JSON.stringify({ type: 'list', contacts: [{ id: 'a', tags: ['x,y', { '}': ']' }] }, { id: 'b' }], 'q"': 1, last: null });
  assert.equal(memberOf(text, 'type'), '"list"');
  assert.equal(memberOf(text, 'contacts'), JSON.stringify([{ id: 'a', tags: ['x,y', { '}': ']' }] }, { id: 'b' }]));
  assert.equal(memberOf(text, 'last'), 'null');
  assert.equal(memberOf(text, 'id'), undefined, 'members of the object itself only');
  assert.equal(memberOf('[1]', 'x'), undefined);
  assert.equal(firstElementOf(memberOf(text, 'contacts')!), JSON.stringify({ id: 'a', tags: ['x,y', { '}': ']' }] }));
  assert.equal(firstElementOf('[]'), undefined);
  assert.equal(firstElementOf('["a\\"]",2]'), '"a\\"]"');
  assert.equal(firstElementOf('[12,3]'), '12');
  assert.equal(firstElementOf('{}'), undefined);
});
