/** Companies with plan, custom attributes, tags and company segments. */
import { hashSeed, rng } from '../rng.js';
import type { ApiVersion } from '../versions.js';
import { COMPANY_CUSTOM_ATTRIBUTES, TAG_BASE, companySegmentUtf8, tagNameUtf8 } from './directory.js';
import type { JsonBytes } from './bytes.js';
import type { Workspace } from './index.js';
import {
  COMPANY_WORDS, INDUSTRIES, PLANS, assertJsonPlain, chance, int, pick, pickIndex, slugPart, utf8Latin1,
} from './text.js';

export function companyTagIndices(ws: Workspace, i: number): number[] {
  const r = rng(ws.seeds.of('company-tags', i));
  const out = new Set<number>();
  const n = Math.min(int(r, 0, 3), ws.tables.tags.count);
  while (out.size < n) out.add(Math.floor(r() * ws.tables.tags.count));
  return [...out].sort((a, b) => a - b);
}

/** Company segments company i belongs to; company 0 belongs to none (its list is empty). */
export function companySegmentIndices(ws: Workspace, i: number): number[] {
  const out: number[] = [];
  if (i === 0) return out;
  for (let s = 0; s < ws.tables.company_segments.count; s++) {
    if (ws.seeds.of2('company-segment-member', s, i) % 100 < 35) out.push(s);
  }
  return out;
}

const COMPANY_SUFFIXES = ['Inc', 'Ltd', 'GmbH', 'SAS', 'K.K.', 'Labs', '& Co'];
const TIERS = ['Gold', 'Silver', 'Bronze', 'Platine ✨'];
assertJsonPlain('company values', [COMPANY_SUFFIXES, TIERS]);
const TIERS_UTF8 = TIERS.map(utf8Latin1);
const COMPANY_WORDS_UTF8 = COMPANY_WORDS.map(utf8Latin1);
const COMPANY_SUFFIXES_UTF8 = COMPANY_SUFFIXES.map(utf8Latin1);
const COMPANY_WORD_SLUGS = COMPANY_WORDS.map(slugPart);
const COMPANY_SUFFIX_SLUGS = COMPANY_SUFFIXES.map(slugPart);
const INDUSTRIES_UTF8 = INDUSTRIES.map(utf8Latin1);
const PLANS_UTF8 = PLANS.map(utf8Latin1);
const ATTRIBUTE_KEYS = COMPANY_CUSTOM_ATTRIBUTES.map((a) => `${JSON.stringify(a.name)}:`);

/** Positions of company i's name parts in COMPANY_WORDS and COMPANY_SUFFIXES. */
function nameParts(ws: Workspace, i: number): [number, number] {
  const r = rng(ws.seeds.of('company-name', i));
  return [pickIndex(r, COMPANY_WORDS.length), pickIndex(r, COMPANY_SUFFIXES.length)];
}

export function companyName(ws: Workspace, i: number): string {
  const [word, suffix] = nameParts(ws, i);
  return `${COMPANY_WORDS[word]} ${COMPANY_SUFFIXES[suffix]} ${i}`;
}

/**
 * The custom attribute of company i whose value does not fit the type its data attribute declares (about one
 * company in eight, by seed and index only), or -1.
 */
export function companyMisfit(ws: Workspace, i: number): number {
  const h = ws.seeds.of('company-misfit', i);
  return h % 8 === 0 ? (h >>> 8) % COMPANY_CUSTOM_ATTRIBUTES.length : -1;
}

/**
 * Custom attribute values of a company, drawn from its version stream `r`, as JSON members; attribute
 * `misfit` gets a value of another type (a number in text, a fraction in an integer, text in a number or date,
 * a number in a boolean), drawn the same so the other fields do not move.
 */
function customAttributesUtf8(r: () => number, created: number, misfit: number): string {
  let out = '';
  for (let a = 0; a < COMPANY_CUSTOM_ATTRIBUTES.length; a++) {
    let value: string | undefined;
    if (chance(r, 0.15)) value = 'null';
    else {
      const odd = a === misfit;
      switch (COMPANY_CUSTOM_ATTRIBUTES[a]!.type) {
        case 'string': { const tier = pickIndex(r, TIERS_UTF8.length); value = odd ? String(tier + 1) : `"${TIERS_UTF8[tier]}"`; break; }
        case 'integer': { const n = int(r, 0, 2000); value = odd ? `${n}.5` : String(n); break; }
        case 'float': { const x = Math.round(r() * 10000) / 100 + 0.25; value = odd ? `"${x}%"` : String(x); break; }
        case 'boolean': { const b = chance(r, 0.1); value = odd ? (b ? '1' : '0') : String(b); break; }
        case 'date': { const d = created + int(r, 30, 700) * 86400; value = odd ? '"end of term"' : String(d); break; }
      }
    }
    if (value !== undefined) out += `${out === '' ? '' : ','}${ATTRIBUTE_KEYS[a]}${value}`;
  }
  return `{${out}}`;
}

/**
 * Writes company i as JSON, exactly as JSON.stringify of the object prints it, as UTF-8 bytes, directly
 * (company segments, small directory objects, are stringified). Spliced text is pre-encoded checked
 * word-list text, ids, numbers or ASCII literals; each random stream is drawn in field order.
 */
export function writeCompany(w: JsonBytes, ws: Workspace, i: number, v: ApiVersion): void {
  const t = ws.tables.companies;
  const version = t.version[i]!;
  const fixed = rng(ws.seeds.of('company', i));
  const r = rng(ws.seeds.of2('company', i, version));
  const created = t.created[i]!, updated = t.updated[i]!;
  const [word, suffix] = nameParts(ws, i);
  // slug() of the whole name: its parts are separated by spaces, so their slugs join.
  const nameSlug = `${COMPANY_WORD_SLUGS[word]}${COMPANY_SUFFIX_SLUGS[suffix]}${i}`;
  const planIndex = Math.floor(fixed() * PLANS.length);
  const custom = customAttributesUtf8(r, created, companyMisfit(ws, i));
  w.raw('{"type":"company","company_id":"company-').num(i).raw('-').raw(nameSlug.slice(0, 12))
    .raw('","id":"').raw(ws.companyId(i)).raw('","app_id":"').raw(ws.appId)
    .raw('","name":"').raw(COMPANY_WORDS_UTF8[word]!).raw(' ').raw(COMPANY_SUFFIXES_UTF8[suffix]!).raw(' ').num(i)
    .raw('","remote_created_at":').num(created - int(fixed, 0, 400) * 86400)
    .raw(',"created_at":').num(created).raw(',"updated_at":').num(updated)
    .raw(',"last_request_at":').num(created + Math.floor((updated - created) * r()))
    .raw(',"monthly_spend":').num(int(r, 0, 90000))
    .raw(',"session_count":').num(int(r, 0, 5000) + version)
    .raw(',"user_count":').num(ws.companyUserCount(i))
    .raw(',"size":').num(int(fixed, 1, 5000))
    .raw(',"website":"');
  if (!chance(fixed, 0.3)) w.raw('https://').raw(nameSlug).raw('.example.com');
  w.raw('","industry":"').raw(chance(fixed, 0.2) ? '' : pick(fixed, INDUSTRIES_UTF8)).raw('","tags":{"type":"tag.list","tags":[');
  let n = 0;
  for (const k of companyTagIndices(ws, i)) {
    w.raw(n++ > 0 ? ',{"type":"tag","id":"' : '{"type":"tag","id":"').num(TAG_BASE + k).raw('","name":"').raw(tagNameUtf8(ws, k)).raw('"}');
  }
  w.raw(']},"segments":{"type":"segment.list","segments":[');
  n = 0;
  for (const s of companySegmentIndices(ws, i)) {
    if (n++ > 0) w.raw(',');
    w.raw(companySegmentUtf8(ws, s, v));
  }
  w.raw(']},"plan":');
  if (chance(fixed, 0.15)) w.raw('{}');
  else w.raw('{"type":"plan","id":"').num(9000 + planIndex).raw('","name":"').raw(PLANS_UTF8[planIndex]!).raw('"}');
  w.raw(',"custom_attributes":').raw(custom).raw('}');
}

/** Company i as lists, scroll and search serve it (parsed from writeCompany's bytes, so the two agree). */
export function company(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  return JSON.parse(ws.renderJson('companies', i, v)) as Record<string, unknown>;
}
