/**
 * Contacts (users and leads): the full object as `POST /contacts/search` serves it, generated from
 * (seed, index, version), and the membership lists behind the inline `tags`/`companies`/`notes` lists,
 * `/contacts/{id}/segments` and the search filters `tag_id`, `company_id`, `segment_id`.
 * Some contacts ("crowded" ones) carry more than 10 tags, companies and notes so the inline lists show
 * 10 items with `has_more: true`.
 */
import { hashSeed, rng } from '../rng.js';
import { atLeast, type ApiVersion } from '../versions.js';
import { ADMIN_BASE, CONTACT_CUSTOM_ATTRIBUTES, adminId, segmentPersonType, segmentShare, tagId } from './directory.js';
import type { Workspace } from './index.js';
import { BROWSERS, CITIES, FIRST_NAMES, LANGUAGES, LAST_NAMES, OSES, chance, int, pick, sentence, slug } from './text.js';

export const ROLE_USER = 0;
export const ROLE_LEAD = 1;
export const INLINE_LIST_LIMIT = 10;
export const NOTE_BASE = 30_000_000;

/** Contact 1, and about one contact in 23, has more than 10 tags, companies and notes. */
export function isCrowded(ws: Workspace, i: number): boolean {
  return i === 1 || hashSeed(ws.seed, 'crowded', i) % 23 === 0;
}

function distinctIndices(r: () => number, n: number, pool: number): number[] {
  const k = Math.min(n, pool);
  const chosen = new Set<number>();
  while (chosen.size < k) chosen.add(Math.floor(r() * pool));
  return [...chosen].sort((a, b) => a - b);
}

export function contactTagIndices(ws: Workspace, i: number): number[] {
  const r = rng(hashSeed(ws.seed, 'contact-tags', i));
  const n = isCrowded(ws, i) ? int(r, 11, 24) : int(r, 0, 4);
  return distinctIndices(r, n, ws.tables.tags.count);
}

export function contactCompanyIndices(ws: Workspace, i: number): number[] {
  const r = rng(hashSeed(ws.seed, 'contact-companies', i));
  const n = isCrowded(ws, i) ? int(r, 11, 15) : r() < 0.2 ? 0 : int(r, 1, 2);
  return distinctIndices(r, n, ws.tables.companies.count);
}

export function contactNoteCount(ws: Workspace, i: number): number {
  const r = rng(hashSeed(ws.seed, 'contact-notes', i));
  return isCrowded(ws, i) ? int(r, 11, 20) : int(r, 0, 3);
}

export function noteId(i: number, k: number): string {
  return String(NOTE_BASE + i * 32 + k);
}

/** Person segments contact i belongs to: segments of its person type, by a stable per-pair hash. */
export function contactSegmentIndices(ws: Workspace, i: number): number[] {
  const lead = ws.tables.contacts.kind[i] === ROLE_LEAD;
  const out: number[] = [];
  for (let s = 0; s < ws.tables.segments.count; s++) {
    if ((segmentPersonType(s) === 'contact') !== lead) continue;
    if (hashSeed(ws.seed, 'segment-member', s, i) % 100 < segmentShare(s)) out.push(s);
  }
  return out;
}

function identity(ws: Workspace, i: number): { first: string; last: string; email: string; domain: string } {
  const r = rng(hashSeed(ws.seed, 'contact-identity', i));
  const first = pick(r, FIRST_NAMES), last = pick(r, LAST_NAMES);
  const domain = pick(r, ['example.com', 'mail.test', 'exämple.de', 'corp.example', 'gmail.test']);
  return { first, last, domain, email: `${slug(first)}.${slug(last)}.${i}@${domain}` };
}

/** The fields search needs that are not in the compact metadata. */
export function contactEmail(ws: Workspace, i: number): string { return identity(ws, i).email; }

function inlineList(type: string, ids: string[], url: string, path: (id: string) => string): Record<string, unknown> {
  return {
    type: 'list',
    data: ids.slice(0, INLINE_LIST_LIMIT).map((id) => ({ type, id, url: path(id) })),
    url,
    total_count: ids.length,
    has_more: ids.length > INLINE_LIST_LIMIT,
  };
}

export function contact(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  const t = ws.tables.contacts;
  const version = t.version[i]!;
  const created = t.created[i]!, updated = t.updated[i]!;
  const id = ws.contactId(i);
  const lead = t.kind[i] === ROLE_LEAD;
  const fixed = rng(hashSeed(ws.seed, 'contact', i));
  const r = rng(hashSeed(ws.seed, 'contact', i, version));
  const who = identity(ws, i);
  const anonymous = lead && chance(fixed, 0.3);
  const before = (p: number) => created + Math.floor((updated - created) * p);
  const maybe = (p: number, value: number) => (chance(r, p) ? null : value);
  const ownerIndex = chance(fixed, 0.4) ? null : Math.floor(fixed() * Math.max(1, ws.tables.admins.count));
  const [country, region, city] = pick(fixed, CITIES);
  const custom: Record<string, unknown> = {};
  for (const attr of CONTACT_CUSTOM_ATTRIBUTES) {
    if (chance(r, 0.15)) { custom[attr.name] = null; continue; }
    switch (attr.name) {
      case 'plan_name': custom[attr.name] = pick(r, ['Free', 'Pro', 'Enterprise', 'Pro 🚀']); break;
      case 'seats': custom[attr.name] = int(r, 1, 500) + version; break;
      case 'mrr': custom[attr.name] = Math.round(r() * 1e6) / 100 + 0.5; break;
      case 'vip': custom[attr.name] = chance(r, 0.2); break;
      case 'trial_ends_at': custom[attr.name] = created + int(r, 1, 60) * 86400; break;
      case 'nickname': custom[attr.name] = chance(r, 0.5) ? `${who.first} 😀` : ''; break;
    }
  }
  const companies = contactCompanyIndices(ws, i).map((c) => ws.companyId(c));
  const tags = contactTagIndices(ws, i).map(tagId);
  const notes: string[] = [];
  for (let k = 0, n = contactNoteCount(ws, i); k < n; k++) notes.push(noteId(i, k));
  const mobile = chance(fixed, 0.2);
  return {
    type: 'contact',
    id,
    workspace_id: ws.appId,
    external_id: lead || chance(fixed, 0.2) ? null : `user-${i}`,
    role: lead ? 'lead' : 'user',
    email: anonymous ? '' : who.email,
    email_domain: anonymous ? '' : who.domain,
    phone: chance(fixed, 0.6) ? null : `+353 1 ${String(1000000 + i).slice(-7)}`,
    name: anonymous ? null : `${who.first} ${who.last}`,
    owner_id: ownerIndex === null ? null : atLeast(v, '2.16') ? adminId(ownerIndex) : ADMIN_BASE + ownerIndex,
    has_hard_bounced: chance(fixed, 0.03),
    marked_email_as_spam: chance(fixed, 0.01),
    unsubscribed_from_emails: chance(r, 0.1),
    created_at: created,
    updated_at: updated,
    signed_up_at: lead ? null : created,
    last_seen_at: maybe(0.1, before(0.9)),
    last_replied_at: maybe(0.5, before(0.7)),
    last_contacted_at: maybe(0.5, before(0.6)),
    last_email_opened_at: maybe(0.6, before(0.5)),
    last_email_clicked_at: maybe(0.8, before(0.4)),
    language_override: chance(fixed, 0.8) ? null : pick(fixed, LANGUAGES),
    browser: mobile ? null : pick(r, BROWSERS),
    browser_version: mobile ? null : `${int(r, 90, 130)}.0.${int(r, 0, 9999)}`,
    browser_language: mobile ? null : pick(fixed, LANGUAGES),
    os: pick(r, OSES),
    android_app_name: null,
    android_app_version: null,
    android_device: null,
    android_os_version: null,
    android_sdk_version: null,
    android_last_seen_at: null,
    ios_app_name: mobile ? 'Sandbox iOS' : null,
    ios_app_version: mobile ? `3.${int(r, 0, 20)}` : null,
    ios_device: mobile ? 'iPhone15,2' : null,
    ios_os_version: mobile ? '17.2' : null,
    ios_sdk_version: mobile ? '16.1.0' : null,
    ios_last_seen_at: mobile ? before(0.8) : null,
    custom_attributes: custom,
    avatar: { type: 'avatar', image_url: chance(fixed, 0.7) ? null : `https://static.intercomassets.test/contacts/${id}.png` },
    tags: inlineList('tag', tags, `/contacts/${id}/tags`, (x) => `/tags/${x}`),
    notes: inlineList('note', notes, `/contacts/${id}/notes`, (x) => `/notes/${x}`),
    companies: inlineList('company', companies, `/contacts/${id}/companies`, (x) => `/companies/${x}`),
    location: {
      type: 'location',
      country: chance(fixed, 0.1) ? null : country,
      region: chance(fixed, 0.2) ? null : region,
      city: chance(fixed, 0.2) ? null : city,
    },
    social_profiles: {
      type: 'list',
      data: chance(fixed, 0.7) ? [] : [{ type: 'social_profile', name: 'Twitter', url: `https://twitter.test/${slug(who.first)}${i}` }],
    },
  };
}

/** A note of contact i, as GET /contacts/{id}/notes serves it. */
export function contactNote(ws: Workspace, i: number, k: number, v: ApiVersion): Record<string, unknown> {
  const r = rng(hashSeed(ws.seed, 'note', i, k));
  const t = ws.tables.contacts;
  const created = t.created[i]! + Math.floor((t.updated[i]! - t.created[i]!) * (k + 1) / 25);
  const a = Math.floor(r() * Math.max(1, ws.tables.admins.count));
  return {
    type: 'note',
    id: noteId(i, k),
    created_at: created,
    contact: { type: 'contact', id: ws.contactId(i) },
    author: ws.render('admins', a, v),
    body: `<p>${sentence(r, int(r, 3, 30))}</p>`,
  };
}
