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
import {
  BROWSERS, CITIES, FIRST_NAMES, LANGUAGES, LAST_NAMES, OSES, assertJsonPlain, chance, int, pick, pickIndex, sentence, slugs,
} from './text.js';

export const ROLE_USER = 0;
export const ROLE_LEAD = 1;
export const INLINE_LIST_LIMIT = 10;
export const NOTE_BASE = 30_000_000;

/** Contact 1, and about one contact in 23, has more than 10 tags, companies and notes. */
export function isCrowded(ws: Workspace, i: number): boolean {
  return i === 1 || ws.seeds.of('crowded', i) % 23 === 0;
}

/** k distinct values of [0, pool) drawn from r (a repeat draws again), ascending. */
function distinctIndices(r: () => number, n: number, pool: number): number[] {
  const k = Math.min(n, pool);
  const chosen: number[] = [];
  while (chosen.length < k) {
    const x = Math.floor(r() * pool);
    if (!chosen.includes(x)) chosen.push(x);
  }
  return chosen.sort((a, b) => a - b);
}

function tagIndices(ws: Workspace, i: number, crowded: boolean): number[] {
  const r = rng(ws.seeds.of('contact-tags', i));
  const n = crowded ? int(r, 11, 24) : int(r, 0, 4);
  return distinctIndices(r, n, ws.tables.tags.count);
}

function companyIndices(ws: Workspace, i: number, crowded: boolean): number[] {
  const r = rng(ws.seeds.of('contact-companies', i));
  const n = crowded ? int(r, 11, 15) : r() < 0.2 ? 0 : int(r, 1, 2);
  return distinctIndices(r, n, ws.tables.companies.count);
}

function noteCount(ws: Workspace, i: number, crowded: boolean): number {
  const r = rng(ws.seeds.of('contact-notes', i));
  return crowded ? int(r, 11, 20) : int(r, 0, 3);
}

export function contactTagIndices(ws: Workspace, i: number): number[] { return tagIndices(ws, i, isCrowded(ws, i)); }
export function contactCompanyIndices(ws: Workspace, i: number): number[] { return companyIndices(ws, i, isCrowded(ws, i)); }
export function contactNoteCount(ws: Workspace, i: number): number { return noteCount(ws, i, isCrowded(ws, i)); }

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

const DOMAINS = ['example.com', 'mail.test', 'exämple.de', 'corp.example', 'gmail.test'];
const FIRST_SLUGS = slugs(FIRST_NAMES);
const LAST_SLUGS = slugs(LAST_NAMES);
const PLAN_NAMES = ['Free', 'Pro', 'Enterprise', 'Pro 🚀'];
assertJsonPlain('contact domains and plans', [DOMAINS, PLAN_NAMES]);

const ATTRIBUTE_KEYS = new Map(CONTACT_CUSTOM_ATTRIBUTES.map((a) => [a.name, `${JSON.stringify(a.name)}:`]));

interface Identity { first: number; last: number; domain: string; email: string }

function identity(ws: Workspace, i: number): Identity {
  const r = rng(ws.seeds.of('contact-identity', i));
  const first = pickIndex(r, FIRST_NAMES.length), last = pickIndex(r, LAST_NAMES.length);
  const domain = pick(r, DOMAINS);
  return { first, last, domain, email: `${FIRST_SLUGS[first]}.${LAST_SLUGS[last]}.${i}@${domain}` };
}

/** The fields search needs that are not in the compact metadata. */
export function contactEmail(ws: Workspace, i: number): string { return identity(ws, i).email; }

/** An inline `{type:'list', data, url, total_count, has_more}` of the first 10 of `count` ids. */
function inlineListJson(type: string, count: number, idAt: (k: number) => string, url: string, path: string): string {
  let data = '';
  for (let k = 0, n = Math.min(count, INLINE_LIST_LIMIT); k < n; k++) {
    const id = idAt(k);
    data += `${k > 0 ? ',' : ''}{"type":"${type}","id":"${id}","url":"${path}${id}"}`;
  }
  return `{"type":"list","data":[${data}],"url":"${url}","total_count":${count},"has_more":${count > INLINE_LIST_LIMIT}}`;
}

const json = (text: string | null) => (text === null ? 'null' : `"${text}"`);

/** Custom attribute values of contact i, drawn from its version stream `r`, as JSON members. */
function customAttributesJson(r: () => number, version: number, created: number, first: string): string {
  let out = '';
  for (const attr of CONTACT_CUSTOM_ATTRIBUTES) {
    let value: string | undefined;
    if (chance(r, 0.15)) value = 'null';
    else {
      switch (attr.name) {
        case 'plan_name': value = json(pick(r, PLAN_NAMES)); break;
        case 'seats': value = String(int(r, 1, 500) + version); break;
        case 'mrr': value = String(Math.round(r() * 1e6) / 100 + 0.5); break;
        case 'vip': value = String(chance(r, 0.2)); break;
        case 'trial_ends_at': value = String(created + int(r, 1, 60) * 86400); break;
        case 'nickname': value = chance(r, 0.5) ? `"${first} 😀"` : '""'; break;
      }
    }
    if (value !== undefined) out += `${out === '' ? '' : ','}${ATTRIBUTE_KEYS.get(attr.name)}${value}`;
  }
  return `{${out}}`;
}

/**
 * Contact i as JSON text, exactly as JSON.stringify of the object would print it: the text is assembled
 * directly (the bulk of a cold search page). Every string spliced in unquoted comes from word lists
 * checked by assertJsonPlain, ids, numbers or literals. The draws from each random stream happen in
 * the order of the fields.
 */
export function contactJson(ws: Workspace, i: number, v: ApiVersion): string {
  const t = ws.tables.contacts;
  const version = t.version[i]!;
  const created = t.created[i]!, updated = t.updated[i]!;
  const id = ws.contactId(i);
  const lead = t.kind[i] === ROLE_LEAD;
  const crowded = isCrowded(ws, i);
  const fixed = rng(ws.seeds.of('contact', i));
  const r = rng(ws.seeds.of2('contact', i, version));
  const who = identity(ws, i);
  const first = FIRST_NAMES[who.first]!;
  const anonymous = lead && chance(fixed, 0.3);
  const before = (p: number) => created + Math.floor((updated - created) * p);
  const maybe = (p: number, value: number) => (chance(r, p) ? 'null' : String(value));
  const ownerIndex = chance(fixed, 0.4) ? null : Math.floor(fixed() * Math.max(1, ws.tables.admins.count));
  const [country, region, city] = pick(fixed, CITIES);
  const custom = customAttributesJson(r, version, created, first);
  const companies = companyIndices(ws, i, crowded);
  const tags = tagIndices(ws, i, crowded);
  const notes = noteCount(ws, i, crowded);
  const mobile = chance(fixed, 0.2);
  const owner = ownerIndex === null ? 'null' : atLeast(v, '2.16') ? `"${adminId(ownerIndex)}"` : String(ADMIN_BASE + ownerIndex);
  return `{"type":"contact","id":"${id}","workspace_id":"${ws.appId}",` +
    `"external_id":${lead || chance(fixed, 0.2) ? 'null' : `"user-${i}"`},` +
    `"role":"${lead ? 'lead' : 'user'}",` +
    `"email":"${anonymous ? '' : who.email}",` +
    `"email_domain":"${anonymous ? '' : who.domain}",` +
    `"phone":${chance(fixed, 0.6) ? 'null' : `"+353 1 ${String(1000000 + i).slice(-7)}"`},` +
    `"name":${anonymous ? 'null' : `"${first} ${LAST_NAMES[who.last]}"`},` +
    `"owner_id":${owner},` +
    `"has_hard_bounced":${chance(fixed, 0.03)},` +
    `"marked_email_as_spam":${chance(fixed, 0.01)},` +
    `"unsubscribed_from_emails":${chance(r, 0.1)},` +
    `"created_at":${created},"updated_at":${updated},` +
    `"signed_up_at":${lead ? 'null' : created},` +
    `"last_seen_at":${maybe(0.1, before(0.9))},` +
    `"last_replied_at":${maybe(0.5, before(0.7))},` +
    `"last_contacted_at":${maybe(0.5, before(0.6))},` +
    `"last_email_opened_at":${maybe(0.6, before(0.5))},` +
    `"last_email_clicked_at":${maybe(0.8, before(0.4))},` +
    `"language_override":${chance(fixed, 0.8) ? 'null' : json(pick(fixed, LANGUAGES))},` +
    `"browser":${mobile ? 'null' : json(pick(r, BROWSERS))},` +
    `"browser_version":${mobile ? 'null' : `"${int(r, 90, 130)}.0.${int(r, 0, 9999)}"`},` +
    `"browser_language":${mobile ? 'null' : json(pick(fixed, LANGUAGES))},` +
    `"os":${json(pick(r, OSES))},` +
    '"android_app_name":null,"android_app_version":null,"android_device":null,"android_os_version":null,' +
    '"android_sdk_version":null,"android_last_seen_at":null,' +
    (mobile
      ? `"ios_app_name":"Sandbox iOS","ios_app_version":"3.${int(r, 0, 20)}","ios_device":"iPhone15,2",` +
        `"ios_os_version":"17.2","ios_sdk_version":"16.1.0","ios_last_seen_at":${before(0.8)},`
      : '"ios_app_name":null,"ios_app_version":null,"ios_device":null,"ios_os_version":null,"ios_sdk_version":null,"ios_last_seen_at":null,') +
    `"custom_attributes":${custom},` +
    `"avatar":{"type":"avatar","image_url":${chance(fixed, 0.7) ? 'null' : `"https://static.intercomassets.test/contacts/${id}.png"`}},` +
    `"tags":${inlineListJson('tag', tags.length, (k) => tagId(tags[k]!), `/contacts/${id}/tags`, '/tags/')},` +
    `"notes":${inlineListJson('note', notes, (k) => noteId(i, k), `/contacts/${id}/notes`, '/notes/')},` +
    `"companies":${inlineListJson('company', companies.length, (k) => ws.companyId(companies[k]!), `/contacts/${id}/companies`, '/companies/')},` +
    `"location":{"type":"location","country":${chance(fixed, 0.1) ? 'null' : json(country)},` +
    `"region":${chance(fixed, 0.2) ? 'null' : json(region)},"city":${chance(fixed, 0.2) ? 'null' : json(city)}},` +
    `"social_profiles":{"type":"list","data":${chance(fixed, 0.7) ? '[]'
      : `[{"type":"social_profile","name":"Twitter","url":"https://twitter.test/${FIRST_SLUGS[who.first]}${i}"}]`}}}`;
}

/** Contact i as POST /contacts/search serves it (parsed from contactJson, so the two always agree). */
export function contact(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  return JSON.parse(contactJson(ws, i, v)) as Record<string, unknown>;
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
