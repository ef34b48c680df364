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
import type { JsonBytes } from './bytes.js';
import type { Workspace } from './index.js';
import {
  BROWSERS, CITIES, FIRST_NAMES, LANGUAGES, LAST_NAMES, OSES, assertJsonPlain, chance, int, pick, pickIndex, sentence, slugs, utf8Latin1,
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
/** The same lists as UTF-8 bytes (text.ts utf8Latin1), spliced into writeContact. */
const FIRST_UTF8 = FIRST_NAMES.map(utf8Latin1);
const LAST_UTF8 = LAST_NAMES.map(utf8Latin1);
const DOMAINS_UTF8 = DOMAINS.map(utf8Latin1);
const PLAN_NAMES_UTF8 = PLAN_NAMES.map(utf8Latin1);
const CITIES_UTF8 = CITIES.map((place) => place.map(utf8Latin1) as [string, string, string]);
const LANGUAGES_UTF8 = LANGUAGES.map(utf8Latin1);
const BROWSERS_UTF8 = BROWSERS.map(utf8Latin1);
const OSES_UTF8 = OSES.map(utf8Latin1);
const NICKNAME_SUFFIX_UTF8 = utf8Latin1(' 😀');

const ATTRIBUTE_KEYS = CONTACT_CUSTOM_ATTRIBUTES.map((a) => `${JSON.stringify(a.name)}:`);
const ATTRIBUTE_MEMBERS = ATTRIBUTE_KEYS.map((key) => `,${key}`);
const customValues = new Float64Array(CONTACT_CUSTOM_ATTRIBUTES.length);

/** Positions of contact i's first name, last name and email domain in their lists. */
interface Identity { first: number; last: number; domain: number }

function identity(ws: Workspace, i: number): Identity {
  const r = rng(ws.seeds.of('contact-identity', i));
  const first = pickIndex(r, FIRST_NAMES.length), last = pickIndex(r, LAST_NAMES.length);
  return { first, last, domain: pickIndex(r, DOMAINS.length) };
}

const emailLocalPart = (who: Identity, i: number) => `${FIRST_SLUGS[who.first]}.${LAST_SLUGS[who.last]}.${i}@`;

/** The fields search needs that are not in the compact metadata. */
export function contactEmail(ws: Workspace, i: number): string {
  const who = identity(ws, i);
  return emailLocalPart(who, i) + DOMAINS[who.domain]!;
}

/** The parts of an inline list's JSON for one item type (`tags`, `notes`, `companies` of a contact). */
interface InlineKind { open: string; idKey: string; urlKey: string; close: string }
const inlineKind = (type: string, path: string): InlineKind => ({
  open: `{"type":"${type}","id":"`, idKey: `","url":"/${path}/`, urlKey: '"}', close: `/${path}","total_count":`,
});
const TAG_ITEMS = inlineKind('tag', 'tags');
const NOTE_ITEMS = inlineKind('note', 'notes');
const COMPANY_ITEMS = inlineKind('company', 'companies');

/** An inline `{type:'list', data, url, total_count, has_more}` of the first 10 of `count` ids. */
function inlineList(w: JsonBytes, kind: InlineKind, ids: readonly string[], count: number, contactId: string): void {
  w.raw('{"type":"list","data":[');
  for (let k = 0; k < ids.length; k++) {
    if (k > 0) w.raw(',');
    w.raw(kind.open).raw(ids[k]!).raw(kind.idKey).raw(ids[k]!).raw(kind.urlKey);
  }
  w.raw('],"url":"/contacts/').raw(contactId).raw(kind.close).num(count)
    .raw(count > INLINE_LIST_LIMIT ? ',"has_more":true}' : ',"has_more":false}');
}

/** The ids inline lists show: the first 10. */
function firstIds(indices: readonly number[], idOf: (k: number) => string): string[] {
  const out: string[] = [];
  for (let k = 0; k < indices.length && k < INLINE_LIST_LIMIT; k++) out.push(idOf(indices[k]!));
  return out;
}

/**
 * Custom attribute values of a contact, drawn from its version stream before the fields that follow
 * (so they are drawn in the same order as the object's fields) and written later: per attribute a
 * number, or NaN for null, or -1 for an attribute without a value (left out).
 */
const ABSENT = -1;
function drawCustomAttributes(r: () => number, version: number, created: number, out: Float64Array): void {
  for (let a = 0; a < CONTACT_CUSTOM_ATTRIBUTES.length; a++) {
    let value = ABSENT;
    if (chance(r, 0.15)) value = NaN;
    else {
      switch (CONTACT_CUSTOM_ATTRIBUTES[a]!.name) {
        case 'plan_name': value = Math.floor(r() * PLAN_NAMES.length); break;
        case 'seats': value = int(r, 1, 500) + version; break;
        case 'mrr': value = Math.round(r() * 1e6) / 100 + 0.5; break;
        case 'vip': value = chance(r, 0.2) ? 1 : 0; break;
        case 'trial_ends_at': value = created + int(r, 1, 60) * 86400; break;
        case 'nickname': value = chance(r, 0.5) ? 1 : 0; break;
      }
    }
    out[a] = value;
  }
}

function writeCustomAttributes(w: JsonBytes, values: Float64Array, first: string): void {
  let members = 0;
  w.raw('{');
  for (let a = 0; a < CONTACT_CUSTOM_ATTRIBUTES.length; a++) {
    const value = values[a]!;
    if (value === ABSENT) continue;
    w.raw(members++ > 0 ? ATTRIBUTE_MEMBERS[a]! : ATTRIBUTE_KEYS[a]!);
    if (Number.isNaN(value)) { w.raw('null'); continue; }
    switch (CONTACT_CUSTOM_ATTRIBUTES[a]!.name) {
      case 'plan_name': w.str(PLAN_NAMES_UTF8[value]!); break;
      case 'vip': w.bool(value === 1); break;
      case 'nickname': if (value === 1) w.raw('"').raw(first).raw(NICKNAME_SUFFIX_UTF8).raw('"'); else w.raw('""'); break;
      default: w.num(value);
    }
  }
  w.raw('}');
}

/** A moment a share p of the way from created to updated. */
function before(created: number, updated: number, p: number): number {
  return created + Math.floor((updated - created) * p);
}

/**
 * Writes contact i as JSON, exactly as JSON.stringify of the object would print it, as UTF-8 bytes:
 * written directly, as the bulk of a cold search page. Every string spliced in unquoted comes from word
 * lists checked by assertJsonPlain (pre-encoded), ids, numbers or ASCII literals. The draws from each
 * random stream happen in the order of the fields.
 */
export function writeContact(w: JsonBytes, ws: Workspace, i: number, v: ApiVersion): void {
  const t = ws.tables.contacts;
  const version = t.version[i]!;
  const created = t.created[i]!, updated = t.updated[i]!;
  const id = ws.contactId(i);
  const lead = t.kind[i] === ROLE_LEAD;
  const crowded = isCrowded(ws, i);
  const fixed = rng(ws.seeds.of('contact', i));
  const r = rng(ws.seeds.of2('contact', i, version));
  const who = identity(ws, i);
  const first = FIRST_UTF8[who.first]!;
  const domain = DOMAINS_UTF8[who.domain]!;
  const anonymous = lead && chance(fixed, 0.3);
  const ownerIndex = chance(fixed, 0.4) ? null : Math.floor(fixed() * Math.max(1, ws.tables.admins.count));
  const [country, region, city] = pick(fixed, CITIES_UTF8);
  drawCustomAttributes(r, version, created, customValues);
  const companies = companyIndices(ws, i, crowded);
  const tags = tagIndices(ws, i, crowded);
  const notes = noteCount(ws, i, crowded);
  const mobile = chance(fixed, 0.2);
  w.raw('{"type":"contact","id":"').raw(id).raw('","workspace_id":"').raw(ws.appId).raw('","external_id":');
  if (lead || chance(fixed, 0.2)) w.raw('null'); else w.raw('"user-').num(i).raw('"');
  w.raw(lead ? ',"role":"lead","email":"' : ',"role":"user","email":"');
  if (!anonymous) w.raw(FIRST_SLUGS[who.first]!).raw('.').raw(LAST_SLUGS[who.last]!).raw('.').num(i).raw('@').raw(domain);
  w.raw('","email_domain":"').raw(anonymous ? '' : domain).raw('","phone":');
  if (chance(fixed, 0.6)) w.raw('null'); else w.raw('"+353 1 ').raw(String(1000000 + i).slice(-7)).raw('"');
  w.raw(',"name":');
  if (anonymous) w.raw('null'); else w.raw('"').raw(first).raw(' ').raw(LAST_UTF8[who.last]!).raw('"');
  w.raw(',"owner_id":');
  if (ownerIndex === null) w.raw('null');
  else if (atLeast(v, '2.16')) w.str(adminId(ownerIndex));
  else w.num(ADMIN_BASE + ownerIndex);
  w.raw(',"has_hard_bounced":').bool(chance(fixed, 0.03))
    .raw(',"marked_email_as_spam":').bool(chance(fixed, 0.01))
    .raw(',"unsubscribed_from_emails":').bool(chance(r, 0.1))
    .raw(',"created_at":').num(created).raw(',"updated_at":').num(updated)
    .raw(',"signed_up_at":').numOrNull(lead ? null : created)
    .raw(',"last_seen_at":').numOrNull(chance(r, 0.1) ? null : before(created, updated, 0.9))
    .raw(',"last_replied_at":').numOrNull(chance(r, 0.5) ? null : before(created, updated, 0.7))
    .raw(',"last_contacted_at":').numOrNull(chance(r, 0.5) ? null : before(created, updated, 0.6))
    .raw(',"last_email_opened_at":').numOrNull(chance(r, 0.6) ? null : before(created, updated, 0.5))
    .raw(',"last_email_clicked_at":').numOrNull(chance(r, 0.8) ? null : before(created, updated, 0.4))
    .raw(',"language_override":').strOrNull(chance(fixed, 0.8) ? null : pick(fixed, LANGUAGES_UTF8))
    .raw(',"browser":').strOrNull(mobile ? null : pick(r, BROWSERS_UTF8))
    .raw(',"browser_version":');
  if (mobile) w.raw('null'); else w.raw('"').num(int(r, 90, 130)).raw('.0.').num(int(r, 0, 9999)).raw('"');
  w.raw(',"browser_language":').strOrNull(mobile ? null : pick(fixed, LANGUAGES_UTF8))
    .raw(',"os":').str(pick(r, OSES_UTF8))
    .raw(',"android_app_name":null,"android_app_version":null,"android_device":null,"android_os_version":null,' +
      '"android_sdk_version":null,"android_last_seen_at":null,');
  if (mobile) {
    w.raw('"ios_app_name":"Sandbox iOS","ios_app_version":"3.').num(int(r, 0, 20))
      .raw('","ios_device":"iPhone15,2","ios_os_version":"17.2","ios_sdk_version":"16.1.0","ios_last_seen_at":').num(before(created, updated, 0.8));
  } else {
    w.raw('"ios_app_name":null,"ios_app_version":null,"ios_device":null,"ios_os_version":null,"ios_sdk_version":null,"ios_last_seen_at":null');
  }
  w.raw(',"custom_attributes":');
  writeCustomAttributes(w, customValues, first);
  w.raw(',"avatar":{"type":"avatar","image_url":');
  if (chance(fixed, 0.7)) w.raw('null'); else w.raw('"https://static.intercomassets.test/contacts/').raw(id).raw('.png"');
  w.raw('},"tags":');
  inlineList(w, TAG_ITEMS, firstIds(tags, tagId), tags.length, id);
  w.raw(',"notes":');
  const noteIds: string[] = [];
  for (let k = 0; k < notes && k < INLINE_LIST_LIMIT; k++) noteIds.push(noteId(i, k));
  inlineList(w, NOTE_ITEMS, noteIds, notes, id);
  w.raw(',"companies":');
  inlineList(w, COMPANY_ITEMS, firstIds(companies, (k) => ws.companyId(k)), companies.length, id);
  w.raw(',"location":{"type":"location","country":').strOrNull(chance(fixed, 0.1) ? null : country)
    .raw(',"region":').strOrNull(chance(fixed, 0.2) ? null : region)
    .raw(',"city":').strOrNull(chance(fixed, 0.2) ? null : city)
    .raw('},"social_profiles":{"type":"list","data":');
  if (chance(fixed, 0.7)) w.raw('[]');
  else w.raw('[{"type":"social_profile","name":"Twitter","url":"https://twitter.test/').raw(FIRST_SLUGS[who.first]!).num(i).raw('"}]');
  w.raw('}}');
}

/** Contact i as POST /contacts/search serves it (parsed from writeContact's bytes, so the two agree). */
export function contact(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  return JSON.parse(ws.renderJson('contacts', i, v)) as Record<string, unknown>;
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
