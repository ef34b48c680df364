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

/** Contact 1, and about one contact in 23 (WorkspaceOptions.crowdedOneIn), has more than 10 tags, companies and notes. */
export function isCrowded(ws: Workspace, i: number): boolean {
  return ws.crowdedOneIn > 0 && (i === 1 || ws.seeds.of('crowded', i) % ws.crowdedOneIn === 0);
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

/** An inline list item `{"type":…,"id":…,"url":"/<path>/<id>"}` as bytes. */
const listItem = (type: string, path: string, id: string) => Buffer.from(`{"type":"${type}","id":"${id}","url":"/${path}/${id}"}`, 'latin1');

/** Tag list items, by tag index (tag ids are the same in every workspace). */
const TAG_ITEMS: Buffer[] = [];
const tagItem = (k: number) => (TAG_ITEMS[k] ??= listItem('tag', 'tags', tagId(k)));

/** Company list items of a workspace, by company index (hex ids are per workspace). */
const COMPANY_ITEMS = new WeakMap<Workspace, (Buffer | undefined)[]>();
function companyItem(ws: Workspace, c: number): Buffer {
  let items = COMPANY_ITEMS.get(ws);
  if (items === undefined || items.length < ws.tables.companies.count) {
    const grown = new Array<Buffer | undefined>(ws.tables.companies.count).fill(undefined);
    if (items !== undefined) items.forEach((item, k) => { grown[k] = item; });
    items = grown;
    COMPANY_ITEMS.set(ws, items);
  }
  return items[c] ??= listItem('company', 'companies', ws.companyId(c));
}

/** An inline `{type:'list', data, url, total_count, has_more}`: the first 10 of `count` items. */
function inlineList(w: JsonBytes, count: number, item: (k: number) => void, contactId: string, path: string): void {
  w.raw('{"type":"list","data":[');
  for (let k = 0, n = Math.min(count, INLINE_LIST_LIMIT); k < n; k++) {
    if (k > 0) w.raw(',');
    item(k);
  }
  w.t`],"url":"/contacts/${contactId}/${path}","total_count":${count},"has_more":${count > INLINE_LIST_LIMIT}}`;
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

/**
 * The custom attribute of contact i whose value does not fit the type its data attribute declares (about one
 * contact in nine, by seed and index only), or -1. Real workspaces have these: values written through the
 * API before the attribute's type was settled, or by integrations that send text.
 */
export function contactMisfit(ws: Workspace, i: number): number {
  const h = ws.seeds.of('contact-misfit', i);
  return h % 9 === 0 ? (h >>> 8) % CONTACT_CUSTOM_ATTRIBUTES.length : -1;
}

/** A misfit value for attribute a (drawn value `value`): text in numbers, booleans and dates, a number or boolean in text. */
function writeMisfit(w: JsonBytes, a: number, value: number): void {
  switch (CONTACT_CUSTOM_ATTRIBUTES[a]!.name) {
    case 'plan_name': w.num(value + 1); break;
    case 'seats': w.raw('"').num(value).raw(' seats"'); break;
    case 'mrr': w.raw('"').num(value).raw(' EUR"'); break;
    case 'vip': w.raw(value === 1 ? '"yes"' : '"no"'); break;
    case 'trial_ends_at': w.raw('"next quarter"'); break;
    case 'nickname': w.bool(value === 1); break;
  }
}

function writeCustomAttributes(w: JsonBytes, values: Float64Array, first: string, misfit: number): void {
  let members = 0;
  w.raw('{');
  for (let a = 0; a < CONTACT_CUSTOM_ATTRIBUTES.length; a++) {
    const value = values[a]!;
    if (value === ABSENT) continue;
    w.raw(members++ > 0 ? ATTRIBUTE_MEMBERS[a]! : ATTRIBUTE_KEYS[a]!);
    if (Number.isNaN(value)) { w.raw('null'); continue; }
    if (a === misfit) { writeMisfit(w, a, value); continue; }
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
  const place = pick(fixed, CITIES_UTF8);
  drawCustomAttributes(r, version, created, customValues);
  const companies = companyIndices(ws, i, crowded);
  const tags = tagIndices(ws, i, crowded);
  const notes = noteCount(ws, i, crowded);
  const mobile = chance(fixed, 0.2);
  w.t`{"type":"contact","id":"${id}","workspace_id":"${ws.appId}","external_id":`;
  if (lead || chance(fixed, 0.2)) w.raw('null'); else w.t`"user-${i}"`;
  w.t`,"role":"${lead ? 'lead' : 'user'}","email":"`;
  if (!anonymous) w.t`${FIRST_SLUGS[who.first]!}.${LAST_SLUGS[who.last]!}.${i}@${domain}`;
  w.t`","email_domain":"${anonymous ? '' : domain}","phone":`;
  if (chance(fixed, 0.6)) w.raw('null'); else w.t`"+353 1 ${String(1000000 + i).slice(-7)}"`;
  w.raw(',"name":');
  if (anonymous) w.raw('null'); else w.t`"${first} ${LAST_UTF8[who.last]!}"`;
  w.raw(',"owner_id":');
  if (ownerIndex === null) w.raw('null');
  else if (atLeast(v, '2.16')) w.str(adminId(ownerIndex));
  else w.num(ADMIN_BASE + ownerIndex);
  w.t`,"has_hard_bounced":${chance(fixed, 0.03)},"marked_email_as_spam":${chance(fixed, 0.01)},`;
    w.t`"unsubscribed_from_emails":${chance(r, 0.1)},"created_at":${created},"updated_at":${updated},`;
    w.t`"signed_up_at":${lead ? null : created},`;
    w.t`"last_seen_at":${chance(r, 0.1) ? null : before(created, updated, 0.9)},`;
    w.t`"last_replied_at":${chance(r, 0.5) ? null : before(created, updated, 0.7)},`;
    w.t`"last_contacted_at":${chance(r, 0.5) ? null : before(created, updated, 0.6)},`;
    w.t`"last_email_opened_at":${chance(r, 0.6) ? null : before(created, updated, 0.5)},`;
    w.t`"last_email_clicked_at":${chance(r, 0.8) ? null : before(created, updated, 0.4)},"language_override":`;
  w.strOrNull(chance(fixed, 0.8) ? null : pick(fixed, LANGUAGES_UTF8)).raw(',"browser":')
    .strOrNull(mobile ? null : pick(r, BROWSERS_UTF8)).raw(',"browser_version":');
  if (mobile) w.raw('null'); else w.t`"${int(r, 90, 130)}.0.${int(r, 0, 9999)}"`;
  w.raw(',"browser_language":').strOrNull(mobile ? null : pick(fixed, LANGUAGES_UTF8))
    .t`,"os":"${pick(r, OSES_UTF8)}","android_app_name":null,"android_app_version":null,"android_device":null,`;
    w.t`"android_os_version":null,"android_sdk_version":null,"android_last_seen_at":null,`;
  if (mobile) {
    w.t`"ios_app_name":"Sandbox iOS","ios_app_version":"3.${int(r, 0, 20)}","ios_device":"iPhone15,2",`;
      w.t`"ios_os_version":"17.2","ios_sdk_version":"16.1.0","ios_last_seen_at":${before(created, updated, 0.8)}`;
  } else {
    w.t`"ios_app_name":null,"ios_app_version":null,"ios_device":null,"ios_os_version":null,"ios_sdk_version":null,"ios_last_seen_at":null`;
  }
  w.raw(',"custom_attributes":');
  writeCustomAttributes(w, customValues, first, contactMisfit(ws, i));
  w.raw(',"avatar":{"type":"avatar","image_url":');
  if (chance(fixed, 0.7)) w.raw('null'); else w.t`"https://static.intercomassets.test/contacts/${id}.png"`;
  w.raw('},"tags":');
  inlineList(w, tags.length, (k) => w.bytes(tagItem(tags[k]!)), id, 'tags');
  w.raw(',"notes":');
  inlineList(w, notes, (k) => { const note = NOTE_BASE + i * 32 + k; w.t`{"type":"note","id":"${note}","url":"/notes/${note}"}`; }, id, 'notes');
  w.raw(',"companies":');
  inlineList(w, companies.length, (k) => w.bytes(companyItem(ws, companies[k]!)), id, 'companies');
  w.raw(',"location":{"type":"location","country":').strOrNull(chance(fixed, 0.1) ? null : place[0])
    .raw(',"region":').strOrNull(chance(fixed, 0.2) ? null : place[1])
    .raw(',"city":').strOrNull(chance(fixed, 0.2) ? null : place[2])
    .raw('},"social_profiles":{"type":"list","data":');
  if (chance(fixed, 0.7)) w.raw('[]}');
  else w.t`[{"type":"social_profile","name":"Twitter","url":"https://twitter.test/${FIRST_SLUGS[who.first]!}${i}"}]}`;
  writeRealOnlyFields(w, fixed, r, id);
  w.raw('}');
}

const UTM_CAMPAIGNS_UTF8 = ['spring_launch', 'webinar_2024', 'retargeting'];
const UTM_SOURCES_UTF8 = ['google', 'newsletter', 'linkedin'];
const UTM_MEDIUMS_UTF8 = ['cpc', 'email', 'social'];

/**
 * Fields real contacts carry that the OpenAPI descriptions do not list (Airbyte's contacts schema, built
 * from real responses, has them): UTM parameters and referrer of the first visit, SMS consent, and the
 * subscription types opted into or out of (inline lists like tags). Drawn last, so every other field keeps
 * its value.
 */
function writeRealOnlyFields(w: JsonBytes, fixed: () => number, r: () => number, id: string): void {
  const tracked = chance(fixed, 0.3);
  const k = Math.floor(fixed() * 3);
  if (tracked) {
    w.t`,"utm_campaign":"${UTM_CAMPAIGNS_UTF8[k]!}","utm_content":"${k === 0 ? 'hero_banner' : 'footer_link'}","utm_medium":"${UTM_MEDIUMS_UTF8[k]!}",`;
    w.t`"utm_source":"${UTM_SOURCES_UTF8[k]!}","utm_term":${k === 2 ? 'null' : '"support software"'},"referrer":"https://www.${UTM_SOURCES_UTF8[k]!}.test/"`;
  } else {
    w.raw(',"utm_campaign":null,"utm_content":null,"utm_medium":null,"utm_source":null,"utm_term":null,"referrer":null');
  }
  w.t`,"sms_consent":${chance(fixed, 0.2)},"unsubscribed_from_sms":${chance(r, 0.05)}`;
  const optedIn = chance(fixed, 0.25) ? 1 + Math.floor(fixed() * 2) : 0;
  const optedOut = chance(fixed, 0.1) ? 1 : 0;
  w.raw(',"opted_in_subscription_types":');
  subscriptionList(w, id, optedIn, 0);
  w.raw(',"opted_out_subscription_types":');
  subscriptionList(w, id, optedOut, 2);
}

function subscriptionList(w: JsonBytes, id: string, n: number, first: number): void {
  w.raw('{"type":"list","data":[');
  for (let k = 0; k < n; k++) {
    const sub = SUBSCRIPTION_TYPE_BASE + first + k;
    w.t`${k > 0 ? ',' : ''}{"type":"subscription","id":"${sub}","url":"/subscriptions/${sub}"}`;
  }
  w.t`],"url":"/contacts/${id}/subscriptions","total_count":${n},"has_more":false}`;
}

const SUBSCRIPTION_TYPE_BASE = 31_000;

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
