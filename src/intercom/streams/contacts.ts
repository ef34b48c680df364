import type { IntercomClient } from '../http/client.js';
import { mapOrdered } from '../http/concurrency.js';
import { allOf, searchNewestFirst, updatedBetween } from './search.js';
import { searchInSlices } from './sliced-search.js';
import { withFollowUps } from './follow-ups.js';
import type { ApiObject, FetchContext, IntercomStream, Page } from './stream.js';
import { parseJsonBody } from '../http/json-body.js';
import { fromLatin1, isAscii, readJsonBody, takeLatin1Finisher } from '../workers/prepare-page.js';
import { isNullText, isNumberText, type RecordText } from '../../normalize/record-text.js';

type Role = 'user' | 'lead';

interface InlineList { type?: string; data?: ApiObject[]; url?: string; total_count?: number; has_more?: boolean }

/**
 * Users and leads are both Intercom contacts, told apart by `role`; `contacts` (Airbyte's table) is both in
 * one search without a role filter. Read by `POST /contacts/search`, newest update first. Inline tag and company lists carry at most 10 items: when `has_more` is set the full list is
 * fetched from its `url`. Contacts in API 2.x carry no segments: when a segments child stream is wanted, the
 * membership comes from one contacts search per segment and is added as `segments: {type:'list', data}`.
 */
export function contactsStream(name: 'users' | 'leads' | 'contacts', role: Role | undefined): IntercomStream {
  return {
    name,
    schema: 'contacts',
    primaryKey: 'id',
    cursor: 'updated_at',
    order: 'newest_first',
    children: [
      { name: 'companies', path: ['companies', 'data'] },
      { name: 'social_profiles', path: ['social_profiles', 'data'] },
      { name: 'tags', path: ['tags', 'data'] },
      { name: 'segments', path: ['segments', 'data'] },
    ],
    shape: shapeContact,
    shapeText: shapeContactText,
    // Segment membership is added on the main thread to every contact: with segments wanted, no page worker.
    offThread: (wanted) => !wanted.has('segments'),
    followUp: needsFollowUp,
    followUpOnLatin1: (contact) => asciiOrNone(contact.id) && asciiOrNone((contact.tags as InlineList | null)?.url) && asciiOrNone((contact.companies as InlineList | null)?.url),
    followUpText: mayNeedFollowUp,
    async *pages(ctx: FetchContext): AsyncIterable<Page> {
      const roleFilter = role ? { field: 'role', operator: '=', value: role } : undefined;
      const segmentsOf = ctx.wantedChildren.has('segments') ? await segmentMembership(ctx, roleFilter) : undefined;
      const pages = searchInSlices({ client: ctx.client, path: '/contacts/search', itemsKey: 'data', filter: roleFilter, semantics: 'day', since: ctx.since, until: ctx.until, log: ctx.log, prepare: ctx.prepare });
      yield* withFollowUps(pages, ctx.concurrency, (contact) => completeContact(ctx.client, contact, segmentsOf), (contact) => needsFollowUp(contact, ctx.wantedChildren));
    },
  };
}

/**
 * `owner_id` is an integer up to 2.14 and a string after: always a string. The seed's v1 columns are filled
 * from their 2.x equivalents so the documented table keeps its columns.
 */
function shapeContact(contact: ApiObject): void {
  if (typeof contact.owner_id === 'number') contact.owner_id = String(contact.owner_id);
  contact.user_id ??= contact.external_id ?? null;
  contact.last_request_at ??= contact.last_seen_at ?? null;
  contact.location_data ??= contact.location ?? null;
  contact.anonymous ??= contact.role === 'lead';
}

/** shapeContact on the contact's text. */
function shapeContactText(contact: RecordText): boolean {
  const owner = contact.get('owner_id');
  if (owner !== undefined && isNumberText(owner) && !contact.set('owner_id', `"${owner}"`)) return false;
  return orElse(contact, 'user_id', 'external_id')
    && orElse(contact, 'last_request_at', 'last_seen_at')
    && orElse(contact, 'location_data', 'location')
    && (!isNullText(contact.get('anonymous')) || contact.set('anonymous', contact.get('role') === '"lead"' ? 'true' : 'false'));
}

/** `record[key] ??= record[from] ?? null` on a record's text. */
function orElse(record: RecordText, key: string, from: string): boolean {
  if (!isNullText(record.get(key))) return true;
  if (record.edited(from)) return false;
  const value = record.get(from);
  return record.set(key, isNullText(value) ? 'null' : value!);
}

/**
 * needsFollowUp on the contact's text: true when segments are wanted, or when its tags or companies may have a
 * `has_more` that is not false (in doubt: needsFollowUp decides on the parsed contact).
 */
function mayNeedFollowUp(contact: RecordText, wanted: ReadonlySet<string>): boolean {
  return wanted.has('segments') || mayHaveMore(contact.get('tags')) || mayHaveMore(contact.get('companies'));
}

function mayHaveMore(list: string | undefined): boolean {
  if (list === undefined) return false;
  for (let at = list.indexOf('"has_more":'); at !== -1; at = list.indexOf('"has_more":', at + 11)) {
    if (!list.startsWith('false', at + 11) && !list.startsWith('null', at + 11)) return true;
  }
  return false;
}

/** A contact needs a follow-up when an inline list is incomplete, or to get its segments. */
function needsFollowUp(contact: ApiObject, wanted: ReadonlySet<string>): boolean {
  return wanted.has('segments') || incomplete(contact, 'tags') || incomplete(contact, 'companies');
}

/** True when an inline list has more than it shows (and says where the rest is). */
function incomplete(contact: ApiObject, key: 'tags' | 'companies'): boolean {
  const list = contact[key] as InlineList | null | undefined;
  return !!list && !!list.has_more && !!list.url;
}

const LISTS = ['tags', 'companies'] as const;

/**
 * The contact with each inline list that has more than it shows replaced by the full list from its `url`, and
 * its segments when they are wanted. A contact this thread read from its page as Latin-1 and left as it was
 * (takeLatin1Finisher: its follow-up reads only ASCII, followUpOnLatin1) stays in that reading when every full list
 * reads the same way, and comes back prepared; otherwise it is mended and goes on as read from UTF-8.
 */
async function completeContact(client: IntercomClient, contact: ApiObject, segmentsOf: Map<string, ApiObject[]> | undefined): Promise<ApiObject> {
  const finish = takeLatin1Finisher(contact);
  const full = await Promise.all(LISTS.map((key) => fullList(client, contact, key, finish !== undefined)));
  const asRead = finish !== undefined && full.every((list) => list === undefined || list.latin1);
  const record = finish !== undefined && !asRead ? (fromLatin1(contact) as ApiObject) : contact;
  LISTS.forEach((key, k) => {
    const list = full[k];
    if (list === undefined) return;
    const data = list.latin1 && !asRead ? (fromLatin1(list.data) as unknown[]) : list.data;
    record[key] = { ...(record[key] as InlineList), data, has_more: false, total_count: data.length };
  });
  if (segmentsOf) record.segments = { type: 'list', data: segmentsOf.get(String(record.id)) ?? [] };
  // A PreparedRecord goes where records go, as the ones prepared with their page do (replication tells them apart).
  return asRead ? (finish(record) as unknown as ApiObject) : record;
}

/**
 * The items of an inline list that has more than it shows, from its `url` (read as Latin-1 where the body allows
 * it, when `latin1`); undefined when the list is complete, or the url answers 404 or no list.
 */
async function fullList(client: IntercomClient, contact: ApiObject, key: 'tags' | 'companies', latin1: boolean): Promise<{ data: unknown[]; latin1: boolean } | undefined> {
  const list = contact[key] as InlineList | null | undefined;
  if (!list || !list.has_more || !list.url) return undefined;
  const decode = latin1 ? readJsonBody : (body: Uint8Array) => ({ value: parseJsonBody(body), latin1: false });
  const read = await client.get<{ value: unknown; latin1: boolean } | undefined>(list.url, undefined, { notFound: 'undefined', decode });
  const full = read?.value as InlineList | null | undefined;
  if (!full || typeof full !== 'object' || !Array.isArray(full.data)) return undefined;
  return { data: full.data, latin1: read!.latin1 };
}

const asciiOrNone = (value: unknown): boolean => value === undefined || value === null || typeof value === 'number' || (typeof value === 'string' && isAscii(value));

/** Per client (one read), its answer to `GET /segments`, once it has one. */
const segmentLists = new WeakMap<IntercomClient, Promise<{ segments?: ApiObject[] }>>();

/**
 * The segment list the contacts passes of one read share (users, leads and contacts each want it when their
 * segments are selected): asked once per client, a round trip less for each pass after the first. A request that
 * fails is not kept: the next pass asks again, as it did on its own.
 */
function segmentList(client: IntercomClient): Promise<{ segments?: ApiObject[] }> {
  let list = segmentLists.get(client);
  if (list === undefined) {
    list = client.get<{ segments?: ApiObject[] }>('/segments');
    segmentLists.set(client, list);
    list.catch(() => segmentLists.delete(client));
  }
  return list;
}

/**
 * contact id -> the person segments it belongs to, for the contacts of this sync's range: one contacts search
 * per segment (a handful of requests) instead of one `/contacts/{id}/segments` call per contact. The searches run
 * at once (ctx.concurrency of them; each is one sequence of pages, paced by its round trips), and are taken in the
 * list's order, so each contact's segments keep that order.
 */
async function segmentMembership(ctx: FetchContext, roleFilter: ApiObject | undefined): Promise<Map<string, ApiObject[]>> {
  const list = await segmentList(ctx.client);
  const members = async (segment: ApiObject): Promise<{ segment: ApiObject; ids: string[] }> => {
    const query = allOf(roleFilter, { field: 'segment_id', operator: '=', value: segment.id }, ...updatedBetween(ctx.since, ctx.until, 'day'));
    const ids: string[] = [];
    for await (const page of searchNewestFirst(ctx.client, '/contacts/search', 'data', query)) for (const contact of page.records) ids.push(String(contact.id));
    return { segment, ids };
  };
  const membership = new Map<string, ApiObject[]>();
  for await (const { segment, ids } of mapOrdered(list.segments ?? [], ctx.concurrency, members)) {
    for (const id of ids) {
      const segments = membership.get(id);
      if (segments) segments.push(segment);
      else membership.set(id, [segment]);
    }
  }
  return membership;
}

export const users = contactsStream('users', 'user');
export const leads = contactsStream('leads', 'lead');
export const contacts = contactsStream('contacts', undefined);
