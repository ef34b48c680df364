/** Companies with plan, custom attributes, tags and company segments. */
import { hashSeed, rng } from '../rng.js';
import type { ApiVersion } from '../versions.js';
import { COMPANY_CUSTOM_ATTRIBUTES, companySegment, tagId, tagName } from './directory.js';
import type { Workspace } from './index.js';
import { COMPANY_WORDS, INDUSTRIES, PLANS, assertJsonPlain, chance, int, pick, slug } from './text.js';

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
    if (hashSeed(ws.seed, 'company-segment-member', s, i) % 100 < 35) out.push(s);
  }
  return out;
}

const COMPANY_SUFFIXES = ['Inc', 'Ltd', 'GmbH', 'SAS', 'K.K.', 'Labs', '& Co'];
const TIERS = ['Gold', 'Silver', 'Bronze', 'Platine ✨'];
assertJsonPlain('company values', [COMPANY_SUFFIXES, TIERS]);
const ATTRIBUTE_KEYS = COMPANY_CUSTOM_ATTRIBUTES.map((a) => `${JSON.stringify(a.name)}:`);

export function companyName(ws: Workspace, i: number): string {
  const r = rng(ws.seeds.of('company-name', i));
  return `${pick(r, COMPANY_WORDS)} ${pick(r, COMPANY_SUFFIXES)} ${i}`;
}

/** Custom attribute values of a company, drawn from its version stream `r`, as JSON members. */
function customAttributesJson(r: () => number, created: number): string {
  let out = '';
  for (let a = 0; a < COMPANY_CUSTOM_ATTRIBUTES.length; a++) {
    let value: string | undefined;
    if (chance(r, 0.15)) value = 'null';
    else {
      switch (COMPANY_CUSTOM_ATTRIBUTES[a]!.type) {
        case 'string': value = `"${pick(r, TIERS)}"`; break;
        case 'integer': value = String(int(r, 0, 2000)); break;
        case 'float': value = String(Math.round(r() * 10000) / 100 + 0.25); break;
        case 'boolean': value = String(chance(r, 0.1)); break;
        case 'date': value = String(created + int(r, 30, 700) * 86400); break;
      }
    }
    if (value !== undefined) out += `${out === '' ? '' : ','}${ATTRIBUTE_KEYS[a]}${value}`;
  }
  return `{${out}}`;
}

/**
 * Company i as JSON text, exactly as JSON.stringify of the object prints it, assembled directly
 * (company segments, small directory objects, are stringified). Spliced text is checked word-list text,
 * ids, numbers or literals; each random stream is drawn in field order.
 */
export function companyJson(ws: Workspace, i: number, v: ApiVersion): string {
  const t = ws.tables.companies;
  const version = t.version[i]!;
  const fixed = rng(ws.seeds.of('company', i));
  const r = rng(ws.seeds.of2('company', i, version));
  const created = t.created[i]!, updated = t.updated[i]!;
  const name = companyName(ws, i);
  const nameSlug = slug(name);
  const planIndex = Math.floor(fixed() * PLANS.length);
  const custom = customAttributesJson(r, created);
  let tags = '';
  for (const k of companyTagIndices(ws, i)) tags += `${tags === '' ? '' : ','}{"type":"tag","id":"${tagId(k)}","name":"${tagName(ws, k)}"}`;
  let segments = '';
  for (const s of companySegmentIndices(ws, i)) segments += `${segments === '' ? '' : ','}${JSON.stringify(companySegment(ws, s, v))}`;
  return `{"type":"company","company_id":"company-${i}-${nameSlug.slice(0, 12)}","id":"${ws.companyId(i)}",` +
    `"app_id":"${ws.appId}","name":"${name}",` +
    `"remote_created_at":${created - int(fixed, 0, 400) * 86400},` +
    `"created_at":${created},"updated_at":${updated},` +
    `"last_request_at":${created + Math.floor((updated - created) * r())},` +
    `"monthly_spend":${int(r, 0, 90000)},` +
    `"session_count":${int(r, 0, 5000) + version},` +
    `"user_count":${ws.companyUserCount(i)},` +
    `"size":${int(fixed, 1, 5000)},` +
    `"website":"${chance(fixed, 0.3) ? '' : `https://${nameSlug}.example.com`}",` +
    `"industry":"${chance(fixed, 0.2) ? '' : pick(fixed, INDUSTRIES)}",` +
    `"tags":{"type":"tag.list","tags":[${tags}]},` +
    `"segments":{"type":"segment.list","segments":[${segments}]},` +
    `"plan":${chance(fixed, 0.15) ? '{}' : `{"type":"plan","id":"${9000 + planIndex}","name":"${PLANS[planIndex]}"}`},` +
    `"custom_attributes":${custom}}`;
}

/** Company i as lists, scroll and search serve it (parsed from companyJson, so the two agree). */
export function company(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  return JSON.parse(companyJson(ws, i, v)) as Record<string, unknown>;
}
