/**
 * Word lists and small text helpers the generators draw from: names with accents, emoji, CJK and RTL
 * scripts, so a connector meets the unicode real workspaces hold.
 */

export type Rand = () => number;

export const FIRST_NAMES = [
  'Ada', 'Björn', 'Chloé', 'Dmitri', 'Eun-ji', 'Fatima', 'Gustavo', 'Hana', 'Ibrahim', 'Jürgen', 'Kwame',
  'Léa', 'Mateo', 'Nguyễn', 'Olga', 'Priya', 'Quentin', 'Rin', 'Søren', 'Tomás', 'Uma', 'Valentina',
  'Wei', 'Xiomara', 'Yusuf', 'Zoë', '美咲', 'Александр', 'محمد', 'Zoltán',
];
export const LAST_NAMES = [
  'Andersson', 'Brontë', 'Çelik', 'Dubois', 'Eriksen', 'Fernández', 'García', 'Hernández', 'Ivanova',
  'Jensen', 'Kowalski', 'López', 'Müller', 'Nakamura', "O'Brien", 'Petrović', 'Quispe', 'Rossi', 'Smith',
  'Tanaka', 'Ünal', 'Van der Berg', 'Wójcik', 'Xu', 'Yılmaz', 'Zhang', '佐藤', 'Смирнов', 'Okafor', 'Dvořák',
];
export const WORDS = [
  'invoice', 'billing', 'login', 'export', 'dashboard', 'integration', 'refund', 'upgrade', 'webhook',
  'latency', 'timezone', 'password', 'report', 'mobile', 'onboarding', 'sync', 'permissions', 'API',
  'café', 'naïve', 'façade', 'über', 'résumé', '🚀', '🙏', '✅', '🔥', '💳', '日本語', 'données', 'привет',
  'שלום', 'مرحبا', '👩‍💻', 'e\u0301', 'Ω', '∑', '—', '“quoted”', '<b>bold</b>',
];
export const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne',
  'Soylent', 'Aperture', 'Nakatomi', 'Oscorp', 'Wonka', 'Bluth', 'Pied Piper', 'Massive Dynamic', 'Gringotts',
  'Müller & Söhne', 'Société Générale de Test', '株式会社テスト', 'Ácme Latam', 'Nørd ApS',
];
export const INDUSTRIES = ['Software', 'Retail', 'Finance', 'Healthcare', 'Education', 'Media', 'Logistics', 'Manufacturing'];
export const PLANS = ['Free', 'Starter', 'Pro', 'Premium', 'Enterprise'];
export const CITIES: [string, string, string][] = [
  ['United States', 'California', 'San Francisco'], ['Ireland', 'Leinster', 'Dublin'],
  ['Germany', 'Bayern', 'München'], ['Japan', 'Tokyo', '東京'], ['Brazil', 'São Paulo', 'São Paulo'],
  ['France', 'Île-de-France', 'Paris'], ['Australia', 'New South Wales', 'Sydney'],
  ['Nigeria', 'Lagos', 'Lagos'], ['India', 'Karnataka', 'Bengaluru'], ['Poland', 'Mazowieckie', 'Warszawa'],
];
export const BROWSERS = ['chrome', 'firefox', 'safari', 'edge'];
export const OSES = ['OS X 14.1', 'Windows 11', 'Linux', 'iOS 17.2', 'Android 14'];
export const LANGUAGES = ['en', 'fr', 'de', 'ja', 'pt-BR', 'es'];

export function pick<T>(r: Rand, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)]!;
}

/** The position pick() would choose in a list of n items (same draw). */
export function pickIndex(r: Rand, n: number): number {
  return Math.floor(r() * n);
}

export function int(r: Rand, min: number, max: number): number {
  return min + Math.floor(r() * (max - min + 1));
}

export function chance(r: Rand, p: number): boolean {
  return r() < p;
}

export function sentence(r: Rand, words: number): string {
  let text = '';
  for (let i = 0; i < words; i++) text += i === 0 ? pick(r, WORDS) : ' ' + pick(r, WORDS);
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}

/** A long body of about `bytes` characters of paragraphs (tens of KB for the few huge parts). */
export function longBody(r: Rand, chars: number): string {
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const p = `<p>${sentence(r, 12 + Math.floor(r() * 20))}</p>`;
    parts.push(p);
    length += p.length;
  }
  return parts.join('');
}

const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** `n` (an unsigned 32-bit integer) as 8 lowercase hex characters. */
export function hex8(n: number): string {
  return HEX_BYTES[n >>> 24]! + HEX_BYTES[(n >>> 16) & 255]! + HEX_BYTES[(n >>> 8) & 255]! + HEX_BYTES[n & 255]!;
}

/** 24 lowercase hex characters, like Intercom's object ids, that encode the record's index. */
export function hexId(prefix: number, index: number, salt: number): string {
  const indexHex = Number.isInteger(index) && index >= 0 && index <= 0xffffffff ? hex8(index) : index.toString(16).padStart(8, '0');
  return hex8(prefix >>> 0) + indexHex + hex8(salt >>> 0);
}

/** Inverse of hexId: the index, or -1 when the id is not one of ours. */
export function hexIndex(id: string, prefix: number): number {
  if (id.length !== 24 || !/^[0-9a-f]{24}$/.test(id)) return -1;
  if (parseInt(id.slice(0, 8), 16) !== prefix >>> 0) return -1;
  return parseInt(id.slice(8, 16), 16);
}

export function slug(text: string): string {
  return slugPart(text) || 'x';
}

/**
 * slug() without the 'x' for text that has no letter or digit. For parts separated by spaces,
 * slug(a + ' ' + b) = slugPart(a) + slugPart(b) (NFKD leaves a space and what follows it alone).
 */
export function slugPart(text: string): string {
  return text.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '').toLowerCase();
}

/** HTML to plain text, as `display_as=plaintext` serves bodies. */
export function plainText(html: string): string {
  return html.replace(/<\/p>\s*<p>/g, '\n').replace(/<br\s*\/?>/g, '\n').replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * Text as its UTF-8 bytes held in a one-byte string (char code = byte). Record JSON is assembled from
 * such pieces, so the cache stores it with a plain byte copy instead of a UTF-8 encoding pass.
 */
export function utf8Latin1(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

const WORDS_UTF8 = WORDS.map(utf8Latin1);
const CAPITAL_WORDS_UTF8 = WORDS.map((w) => utf8Latin1(w.charAt(0).toUpperCase() + w.slice(1)));

/** utf8Latin1(sentence(r, words)), with the same draws. */
export function sentenceUtf8(r: Rand, words: number): string {
  let text = '';
  for (let i = 0; i < words; i++) {
    const k = Math.floor(r() * WORDS.length);
    text += i === 0 ? CAPITAL_WORDS_UTF8[k]! : ' ' + WORDS_UTF8[k]!;
  }
  return text + '.';
}

/** slug() of every item of a list, by position (names are drawn by position, then slugged). */
export function slugs(list: readonly string[]): string[] {
  return list.map(slug);
}

/**
 * True when JSON.stringify(text) is `"` + text + `"`: no quote, backslash, control character or lone
 * surrogate. Text joined from such pieces and plain literals can be spliced into JSON unescaped.
 */
export function jsonPlain(text: string): boolean {
  return JSON.stringify(text).length === text.length + 2;
}

/** Throws at load time if a word list ever gains an item that JSON would escape. */
export function assertJsonPlain(name: string, list: readonly (string | readonly string[])[]): void {
  for (const item of list) {
    for (const text of typeof item === 'string' ? [item] : item) {
      if (!jsonPlain(text)) throw new Error(`sandbox word list ${name}: ${JSON.stringify(text)} needs JSON escaping; quote it with JSON.stringify`);
    }
  }
}

assertJsonPlain('FIRST_NAMES', FIRST_NAMES);
assertJsonPlain('LAST_NAMES', LAST_NAMES);
assertJsonPlain('WORDS', WORDS);
assertJsonPlain('COMPANY_WORDS', COMPANY_WORDS);
assertJsonPlain('INDUSTRIES', INDUSTRIES);
assertJsonPlain('PLANS', PLANS);
assertJsonPlain('CITIES', CITIES);
assertJsonPlain('BROWSERS', BROWSERS);
assertJsonPlain('OSES', OSES);
assertJsonPlain('LANGUAGES', LANGUAGES);
