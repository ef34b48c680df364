import type { IntercomClient } from '../http/client.js';
import { allOf, searchNewestFirst, updatedBetween } from './search.js';
import { searchInSlices } from './sliced-search.js';
import { withFollowUps } from './follow-ups.js';
import type { ApiObject, FetchContext, IntercomStream, Page } from './stream.js';

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
    // Segment membership is added on the main thread to every contact: with segments wanted, no page worker.
    offThread: (wanted) => !wanted.has('segments'),
    followUp: needsFollowUp,
    async *pages(ctx: FetchContext): AsyncIterable<Page> {
      const roleFilter = role ? { field: 'role', operator: '=', value: role } : undefined;
      const segmentsOf = ctx.wantedChildren.has('segments') ? await segmentMembership(ctx, roleFilter) : undefined;
      const pages = searchInSlices({ client: ctx.client, path: '/contacts/search', itemsKey: 'data', filter: roleFilter, semantics: 'day', since: ctx.since, until: ctx.until, log: ctx.log, prepare: ctx.prepare });
      yield* withFollowUps(pages, ctx.concurrency, async (contact) => {
        await Promise.all([completeList(ctx.client, contact, 'tags'), completeList(ctx.client, contact, 'companies')]);
        if (segmentsOf) contact.segments = { type: 'list', data: segmentsOf.get(String(contact.id)) ?? [] };
        return contact;
      }, (contact) => needsFollowUp(contact, ctx.wantedChildren));
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

/** A contact needs a follow-up when an inline list is incomplete, or to get its segments. */
function needsFollowUp(contact: ApiObject, wanted: ReadonlySet<string>): boolean {
  return wanted.has('segments') || incomplete(contact, 'tags') || incomplete(contact, 'companies');
}

/** True when an inline list has more than it shows (and says where the rest is). */
function incomplete(contact: ApiObject, key: 'tags' | 'companies'): boolean {
  const list = contact[key] as InlineList | null | undefined;
  return !!list && !!list.has_more && !!list.url;
}

/** Replaces an inline list that has more than it shows with the full list from its `url`. */
async function completeList(client: IntercomClient, contact: ApiObject, key: 'tags' | 'companies'): Promise<void> {
  const list = contact[key] as InlineList | null | undefined;
  if (!list || !list.has_more || !list.url) return;
  const full = await client.get<InlineList | undefined>(list.url, undefined, { notFound: 'undefined' });
  if (!full || !Array.isArray(full.data)) return;
  contact[key] = { ...list, data: full.data, has_more: false, total_count: full.data.length };
}

/**
 * contact id -> the person segments it belongs to, for the contacts of this sync's range: one contacts search
 * per segment (a handful of requests) instead of one `/contacts/{id}/segments` call per contact.
 */
async function segmentMembership(ctx: FetchContext, roleFilter: ApiObject | undefined): Promise<Map<string, ApiObject[]>> {
  const list = await ctx.client.get<{ segments?: ApiObject[] }>('/segments');
  const membership = new Map<string, ApiObject[]>();
  for (const segment of list.segments ?? []) {
    const query = allOf(roleFilter, { field: 'segment_id', operator: '=', value: segment.id }, ...updatedBetween(ctx.since, ctx.until, 'day'));
    for await (const page of searchNewestFirst(ctx.client, '/contacts/search', 'data', query)) {
      for (const contact of page.records) {
        const id = String(contact.id);
        const segments = membership.get(id);
        if (segments) segments.push(segment);
        else membership.set(id, [segment]);
      }
    }
  }
  return membership;
}

export const users = contactsStream('users', 'user');
export const leads = contactsStream('leads', 'lead');
export const contacts = contactsStream('contacts', undefined);
