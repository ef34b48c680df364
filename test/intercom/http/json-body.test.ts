import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutLargestArray, isBlank, parseAtSeams, parseCutItems, parseJsonBody, parsePiecewise } from '../../../src/intercom/http/json-body.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** A record with the characters a scanner could stumble on inside strings. */
function record(i: number): Record<string, unknown> {
  return {
    type: 'contact',
    id: String(i),
    name: `Björn "quoted" {brace} [bracket], colon: ${i} \\ back\\"slash 😀 \u0001 \u2028`,
    tags: { type: 'list', data: [{ id: i, nested: [1, [2, { x: ']' }]] }] },
    empty: {},
    list: [],
    n: i * 1.5e-3,
    flag: i % 2 === 0,
    nothing: null,
    padding: 'x'.repeat(900),
  };
}

const page = (n: number, extra: Record<string, unknown> = {}) => ({ type: 'list', data: Array.from({ length: n }, (_, i) => record(i)), total_count: n, pages: { next: { starting_after: 'abc' } }, ...extra });

test('a large page parses in pieces to exactly what JSON.parse gives, whatever the spacing', () => {
  const value = page(300);
  for (const text of [JSON.stringify(value), JSON.stringify(value, null, 2), `\ufeff ${JSON.stringify(value)} \n`]) {
    assert.ok(Buffer.byteLength(text) > 200_000);
    assert.deepEqual(parsePiecewise(bytes(text)), JSON.parse(text.replace(/^\ufeff/, '')));
    assert.deepEqual(parseJsonBody(bytes(text)), JSON.parse(text.replace(/^\ufeff/, '')));
  }
  // Keys keep their order, the array included.
  assert.deepEqual(Object.keys(parseJsonBody(bytes(JSON.stringify(value))) as object), Object.keys(value));
});

test('array elements of every JSON kind, and arrays above and below the top level', () => {
  const items = Array.from({ length: 20000 }, (_, i) => [i, `s${i}"]`, null, true, { a: [i] }, [[i]], -1.5e10][i % 7]);
  const value = { before: [1, 2], meta: { inner: [3] }, items, after: 'x' };
  const text = JSON.stringify(value).replace('"before":[1,2],', '"before":{"k":[1,2]},');
  assert.ok(text.length > 100_000);
  assert.deepEqual(parsePiecewise(bytes(text)), JSON.parse(text));
  assert.deepEqual(parseJsonBody(bytes(text)), JSON.parse(text));
});

test('shapes it does not split are parsed whole, with the same result or the same failure', () => {
  const big = JSON.stringify(page(150));
  const cases = [
    `[${big}]`, // not an object
    JSON.stringify({ a: page(80).data, b: page(80).data }), // two top-level arrays
    big.replace('"type":"list"', '"data":[],"type":"list"'), // the key twice: the last one wins
    big.replace('"total_count"', '"__proto__":[1,2],"total_count"'),
  ];
  for (const text of cases) {
    assert.equal(parsePiecewise(bytes(text)), undefined);
    assert.deepEqual(parseJsonBody(bytes(text)), JSON.parse(text));
  }
  const invalid = [
    big.replace('},{"type":"contact"', '}{"type":"contact"'), // a missing comma between elements
    big.replace('}],"total_count"', '},],"total_count"'), // a trailing comma
    big.replace('},{"type":"contact"', '},,{"type":"contact"'),
    big.slice(0, -1), // cut
    `${big} {}`, // garbage after the document
    big.replace('"padding":"', '"padding":"\u0000'), // a raw control character in a string
  ];
  for (const text of invalid) {
    assert.throws(() => JSON.parse(text), SyntaxError);
    assert.throws(() => parseJsonBody(bytes(text)), SyntaxError);
  }
});

test('a compact page is cut at its seams (found natively) into groups that parse to exactly what JSON.parse gives', () => {
  const text = JSON.stringify(page(300));
  const seams = parseAtSeams(Buffer.from(text));
  assert.notEqual(seams, undefined, 'a search page is cut at its seams');
  assert.deepEqual(seams, JSON.parse(text));
  assert.deepEqual(Object.keys(seams as object), Object.keys(page(300)));
});

test('a seam inside an element, or no seam to find: the bytes are walked instead, with the same result', () => {
  // A seam holds quotes, so it is never inside a string (quotes there are escaped); but an element may hold a
  // list of objects starting like the elements do. Here most of each element is such a list: the first seam
  // found past the middle of a group is in it, and the group cut there does not parse.
  const contacts = Array.from({ length: 60 }, (_, k) => ({ type: 'contact', id: `x${k}` }));
  const items = Array.from({ length: 120 }, (_, i) => ({ ...record(i), note: '},{"type":"contact"', nested: contacts }));
  const text = JSON.stringify({ type: 'list', data: items, total_count: 120 });
  assert.ok(text.includes('},{"type":"contact","id":"x1"}'));
  assert.equal(parseAtSeams(Buffer.from(text)), undefined);
  assert.deepEqual(parsePiecewise(bytes(text)), JSON.parse(text));
  // Cut for elsewhere: the ranges are groups that do not all parse; parsed here, all at once instead.
  const cut = cutLargestArray(bytes(text))!;
  assert.ok(cut.groups);
  assert.deepEqual(parseCutItems(cut), JSON.parse(text).data);
  assert.throws(() => parseCutItems(cutLargestArray(bytes(text.replace('"id":"7"', '"id":7"')))!), SyntaxError);
  assert.deepEqual(parseJsonBody(bytes(text)), JSON.parse(text));
  for (const [why, body] of [
    ['not compact', JSON.stringify(page(150), null, 1)],
    ['the first "[" in a string of the head, after an escape', JSON.stringify({ note: 'a\\":[{', ...page(150) })],
    ['the array not at the top level', JSON.stringify({ meta: page(150) })],
    ['elements that are not objects', JSON.stringify({ data: Array.from({ length: 30000 }, (_, i) => i) })],
    ['an empty array first', JSON.stringify({ other: [], ...page(150) })],
  ] as const) {
    assert.equal(parseAtSeams(Buffer.from(body)), undefined, why);
    assert.deepEqual(parseJsonBody(bytes(body)), JSON.parse(body), why);
  }
});

test('small bodies and blank bodies', () => {
  assert.deepEqual(parseJsonBody(bytes('{"data":[1,2]}')), { data: [1, 2] });
  assert.equal(isBlank(bytes('')), true);
  assert.equal(isBlank(bytes(' \n\t\r')), true);
  assert.equal(isBlank(bytes('\u00a0\ufeff')), true); // what String.trim removes as well
  assert.equal(isBlank(bytes(' {}')), false);
});
