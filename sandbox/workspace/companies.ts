/** Companies with plan, custom attributes, tags and company segments. */
import { hashSeed, rng } from '../rng.js';
import type { ApiVersion } from '../versions.js';
import { COMPANY_CUSTOM_ATTRIBUTES, companySegment, tagId, tagName } from './directory.js';
import type { Workspace } from './index.js';
import { COMPANY_WORDS, INDUSTRIES, PLANS, chance, int, pick, slug } from './text.js';

export function companyTagIndices(ws: Workspace, i: number): number[] {
  const r = rng(hashSeed(ws.seed, 'company-tags', i));
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

export function companyName(ws: Workspace, i: number): string {
  const r = rng(hashSeed(ws.seed, 'company-name', i));
  return `${pick(r, COMPANY_WORDS)} ${pick(r, ['Inc', 'Ltd', 'GmbH', 'SAS', 'K.K.', 'Labs', '& Co'])} ${i}`;
}

export function company(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  const t = ws.tables.companies;
  const version = t.version[i]!;
  const fixed = rng(hashSeed(ws.seed, 'company', i));
  const r = rng(hashSeed(ws.seed, 'company', i, version));
  const created = t.created[i]!, updated = t.updated[i]!;
  const name = companyName(ws, i);
  const planIndex = Math.floor(fixed() * PLANS.length);
  const custom: Record<string, unknown> = {};
  for (const attr of COMPANY_CUSTOM_ATTRIBUTES) {
    if (chance(r, 0.15)) { custom[attr.name] = null; continue; }
    switch (attr.type) {
      case 'string': custom[attr.name] = pick(r, ['Gold', 'Silver', 'Bronze', 'Platine ✨']); break;
      case 'integer': custom[attr.name] = int(r, 0, 2000); break;
      case 'float': custom[attr.name] = Math.round(r() * 10000) / 100 + 0.25; break;
      case 'boolean': custom[attr.name] = chance(r, 0.1); break;
      case 'date': custom[attr.name] = created + int(r, 30, 700) * 86400; break;
    }
  }
  const out: Record<string, unknown> = {
    type: 'company',
    company_id: `company-${i}-${slug(name).slice(0, 12)}`,
    id: ws.companyId(i),
    app_id: ws.appId,
    name,
    remote_created_at: created - int(fixed, 0, 400) * 86400,
    created_at: created,
    updated_at: updated,
    last_request_at: created + Math.floor((updated - created) * r()),
    monthly_spend: int(r, 0, 90000),
    session_count: int(r, 0, 5000) + version,
    user_count: ws.companyUserCount(i),
    size: int(fixed, 1, 5000),
    website: chance(fixed, 0.3) ? '' : `https://${slug(name)}.example.com`,
    industry: chance(fixed, 0.2) ? '' : pick(fixed, INDUSTRIES),
    tags: {
      type: 'tag.list',
      tags: companyTagIndices(ws, i).map((k) => ({ type: 'tag', id: tagId(k), name: tagName(ws, k) })),
    },
    segments: {
      type: 'segment.list',
      segments: companySegmentIndices(ws, i).map((s) => companySegment(ws, s, v)),
    },
    plan: chance(fixed, 0.15) ? {} : { type: 'plan', id: String(9000 + planIndex), name: PLANS[planIndex]! },
    custom_attributes: custom,
  };
  return out;
}
