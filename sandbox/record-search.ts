/**
 * Runs a compiled search (search.ts) over a workspace table: the search models of contacts, conversations
 * and tickets, the flat documents match() sees, the updated_at/created_at indices the range hint narrows,
 * and the two cursor flavours ('offset': a record updated between two page requests can be skipped, as
 * Intercom's stateless cursor does; 'keyset': stable).
 */
import { SearchError, compileSearch, type CompiledSearch, type FieldType, type SearchModel } from './search.js';
import { contactCompanyIndices, contactSegmentIndices, contactTagIndices } from './workspace/contacts.js';
import { tagId } from './workspace/directory.js';
import type { Entity, Workspace } from './workspace/index.js';
import { lowerBound, upperBound, type RecordTable } from './workspace/table.js';
import { CONTACT_CUSTOM_ATTRIBUTES } from './workspace/directory.js';
import { decodeCursor, encodeCursor, pageInfo, type PageInfo } from './paging.js';
import { TICKET_STATES } from './workspace/tickets.js';

export type SearchEntity = 'contacts' | 'conversations' | 'tickets';

const CONTACT_FIELDS: Record<string, FieldType> = {
  id: 'string', role: 'string', name: 'string', email: 'string', email_domain: 'string', phone: 'string',
  external_id: 'string', owner_id: 'integer', created_at: 'date', updated_at: 'date', signed_up_at: 'date',
  last_seen_at: 'date', last_contacted_at: 'date', last_replied_at: 'date', last_email_opened_at: 'date',
  last_email_clicked_at: 'date', unsubscribed_from_emails: 'boolean', has_hard_bounced: 'boolean',
  marked_email_as_spam: 'boolean', language_override: 'string', browser: 'string', os: 'string',
  'location.country': 'string', 'location.region': 'string', 'location.city': 'string',
  tag_id: 'string', company_id: 'string', segment_id: 'string',
  ...Object.fromEntries(CONTACT_CUSTOM_ATTRIBUTES.map((a) => [`custom_attributes.${a.name}`, a.type])),
};
const CONVERSATION_FIELDS: Record<string, FieldType> = {
  id: 'string', created_at: 'date', updated_at: 'date', waiting_since: 'date', snoozed_until: 'date', open: 'boolean',
  state: 'string', read: 'boolean', priority: 'string', admin_assignee_id: 'integer', team_assignee_id: 'integer',
  title: 'string', 'source.type': 'string', 'source.id': 'string', 'source.delivered_as': 'string',
  'source.subject': 'string', 'source.body': 'string', 'source.author.id': 'string', 'source.author.email': 'string',
  'contact_ids': 'string', 'teammate_ids': 'string', tag_ids: 'string',
  'statistics.count_conversation_parts': 'integer', 'conversation_rating.rating': 'integer',
};
const TICKET_FIELDS: Record<string, FieldType> = {
  id: 'string', created_at: 'date', updated_at: 'date', open: 'boolean', state: 'string', category: 'string',
  ticket_type_id: 'string', admin_assignee_id: 'string', team_assignee_id: 'string', contact_ids: 'string',
  snoozed_until: 'date', is_shared: 'boolean',
};
const MEMBERSHIP_OPERATORS = ['=', '!=', 'IN', 'NIN'] as const;

export const SEARCH_MODELS: Record<SearchEntity, SearchModel> = {
  contacts: {
    name: 'contact', fields: CONTACT_FIELDS, dateSemantics: 'day',
    fieldOperators: { tag_id: MEMBERSHIP_OPERATORS, company_id: MEMBERSHIP_OPERATORS, segment_id: MEMBERSHIP_OPERATORS },
  },
  conversations: { name: 'conversation', fields: CONVERSATION_FIELDS, dateSemantics: 'second' },
  tickets: { name: 'ticket', fields: TICKET_FIELDS, dateSemantics: 'second' },
};

/** Fields answered from the compact metadata, without generating the record. */
const META_FIELDS: Record<SearchEntity, Set<string>> = {
  contacts: new Set(['id', 'role', 'created_at', 'updated_at']),
  conversations: new Set(['id', 'created_at', 'updated_at', 'state', 'open']),
  tickets: new Set(['id', 'created_at', 'updated_at', 'state', 'open']),
};
const CONVERSATION_STATE_NAMES = ['open', 'closed', 'snoozed'];

function dig(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function collectFields(query: unknown, out: Set<string>): void {
  if (query === null || typeof query !== 'object') return;
  const q = query as Record<string, unknown>;
  if (typeof q.field === 'string') out.add(q.field);
  if (Array.isArray(q.value)) for (const child of q.value) collectFields(child, out);
}

/** Builds the flat doc match() sees for record i. `fields` says which ones the query reads. */
function docFiller(ws: Workspace, entity: SearchEntity, fields: Set<string>): (i: number) => Record<string, unknown> {
  const t = ws.tables[entity];
  const metaOnly = [...fields].every((f) => META_FIELDS[entity].has(f));
  const doc: Record<string, unknown> = {};
  return (i: number) => {
    doc.id = ws.idOf(entity, i);
    doc.created_at = t.created[i];
    doc.updated_at = t.updated[i];
    if (entity === 'contacts') doc.role = t.kind[i] === 1 ? 'lead' : 'user';
    else if (entity === 'conversations') { doc.state = CONVERSATION_STATE_NAMES[t.kind[i]!]; doc.open = t.kind[i] !== 1; }
    else { doc.state = TICKET_STATES[t.kind[i]!]; doc.open = doc.state !== 'resolved'; }
    if (metaOnly) return doc;
    const record = ws.render(entity, i);
    for (const f of fields) {
      if (META_FIELDS[entity].has(f)) continue;
      doc[f] = membership(ws, entity, i, f, record) ?? dig(record, f);
    }
    return doc;
  };
}

function membership(ws: Workspace, entity: SearchEntity, i: number, field: string, record: Record<string, unknown>): unknown {
  if (entity === 'contacts') {
    if (field === 'tag_id') return contactTagIndices(ws, i).map(tagId);
    if (field === 'company_id') return contactCompanyIndices(ws, i).map((k) => ws.companyId(k));
    if (field === 'segment_id') return contactSegmentIndices(ws, i).map((k) => ws.segmentId(k));
  }
  if (field === 'contact_ids') return ((dig(record, 'contacts.contacts') ?? []) as { id: string }[]).map((c) => c.id);
  if (entity === 'conversations') {
    if (field === 'teammate_ids') return ((dig(record, 'teammates.teammates') ?? []) as { id: string }[]).map((c) => c.id);
    if (field === 'tag_ids') return ((dig(record, 'tags.tags') ?? []) as { id: string }[]).map((c) => c.id);
  }
  if (entity === 'tickets') {
    if (field === 'state') return dig(record, 'ticket_state.category') ?? record.ticket_state;
    if (field === 'ticket_type_id') return dig(record, 'ticket_type.id');
  }
  return undefined;
}

interface Result { generation: string; order: Uint32Array; key: (i: number) => number | string; descending: boolean }

export interface SearchPage {
  indices: Uint32Array;
  total: number;
  pages: PageInfo;
}

/** Runs searches for one workspace, keeping the last few results so paging through one is cheap. */
export class RecordSearch {
  private readonly results = new Map<string, Result>();

  constructor(private readonly ws: Workspace, private readonly cursorMode: () => 'offset' | 'keyset') {}

  /** Throws SearchError for an invalid body. */
  search(entity: SearchEntity, body: unknown): SearchPage {
    const compiled = compileSearch(body, SEARCH_MODELS[entity]);
    const fields = new Set<string>();
    collectFields((body as Record<string, unknown>).query, fields);
    const result = this.result(entity, body, compiled, fields);
    const n = result.order.length;
    let position = 0;
    const mode = this.cursorMode();
    if (compiled.startingAfter !== undefined) {
      const cursor = decodeCursor(compiled.startingAfter);
      if (cursor === undefined) throw new SearchError(`pagination.starting_after is not a valid cursor`, 'starting_after');
      if (cursor[0] === 'o' && typeof cursor[1] === 'number') position = cursor[1];
      else if (cursor[0] === 'k' && cursor.length === 3) position = this.after(result, cursor[1] as number | string, cursor[2] as number);
      else throw new SearchError(`pagination.starting_after is not a valid cursor`, 'starting_after');
    }
    position = Math.max(0, Math.min(position, n));
    const end = Math.min(n, position + compiled.perPage);
    const indices = result.order.subarray(position, end);
    let next: string | undefined;
    if (end < n) {
      const last = result.order[end - 1]!;
      next = mode === 'offset' ? encodeCursor(['o', end]) : encodeCursor(['k', result.key(last), last]);
    }
    return { indices, total: n, pages: pageInfo(position, compiled.perPage, n, next) };
  }

  private result(entity: SearchEntity, body: unknown, compiled: CompiledSearch, fields: Set<string>): Result {
    const ws = this.ws;
    const t = ws.tables[entity];
    const dependsOnOthers = [...fields].some((f) => !META_FIELDS[entity].has(f));
    const generation = dependsOnOthers
      ? (Object.keys(ws.tables) as Entity[]).map((e) => ws.tables[e].generation).join('.')
      : String(t.generation);
    const b = body as Record<string, unknown>;
    const cacheKey = `${entity}|${JSON.stringify(b.query)}|${JSON.stringify(compiled.sort ?? null)}`;
    const cached = this.results.get(cacheKey);
    if (cached && cached.generation === generation) return cached;

    const sortField = compiled.sort?.field ?? 'id';
    const descending = compiled.sort?.order === 'descending';
    if (sortField !== 'id') fields.add(sortField);
    const fill = docFiller(ws, entity, fields);
    const indexed = sortField === 'updated_at' || sortField === 'created_at' ? sortField : undefined;
    const rangeField = compiled.range?.field;
    const matches: number[] = [];
    const consider = (i: number) => { if (compiled.match(fill(i))) matches.push(i); };

    const walkField = indexed ?? (rangeField === 'updated_at' || rangeField === 'created_at' ? rangeField : undefined);
    const keys = walkField === 'created_at' ? t.created : t.updated;
    if (walkField !== undefined) {
      // Walk the sorted index between the range's bounds: O(log n + range).
      const byField = walkField === 'updated_at' ? t.sortedByUpdated() : t.sortedByCreated();
      const bounded = compiled.range?.field === walkField;
      const lo = bounded && compiled.range!.min !== undefined ? lowerBound(byField, keys, compiled.range!.min) : 0;
      const hi = bounded && compiled.range!.max !== undefined ? upperBound(byField, keys, compiled.range!.max) : byField.length;
      for (let p = lo; p < hi; p++) consider(byField[p]!);
    } else {
      for (let i = 0; i < t.count; i++) consider(i);
    }
    let key: (i: number) => number | string;
    let order: Uint32Array;
    if (indexed !== undefined || sortField === 'id') {
      // Already in order (the walked field's, or the indices of a scan), or sorted by id: the indices as numbers
      // (the count queries that place a sliced search's boundaries ask for this, over up to the whole table).
      key = indexed !== undefined ? (i) => keys[i]! : (i) => i;
      order = Uint32Array.from(matches);
      if (indexed === undefined && walkField !== undefined) order.sort();
      if (descending) order.reverse();
    } else {
      key = this.sortKey(entity, sortField, fields);
      sortBy(matches, key, descending);
      order = Uint32Array.from(matches);
    }
    const result: Result = { generation, order, key, descending };
    this.results.set(cacheKey, result);
    if (this.results.size > 16) this.results.delete(this.results.keys().next().value as string);
    return result;
  }

  private sortKey(entity: SearchEntity, field: string, fields: Set<string>): (i: number) => number | string {
    const fill = docFiller(this.ws, entity, new Set([...fields, field]));
    return (i) => {
      const v = fill(i)[field];
      return typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? Number(v) : -Infinity;
    };
  }

  /** Position just after (value, index) in the ordered result (keyset cursor). */
  private after(result: Result, value: number | string, index: number): number {
    const { order, key, descending } = result;
    // Descending results are the exact reverse of ascending ones: (key, index) both descending.
    const cmp = (i: number): number => {
      const k = key(i);
      const c = k < value ? -1 : k > value ? 1 : i - index;
      return descending ? -c : c;
    };
    let lo = 0, hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(order[mid]!) <= 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }
}

function sortBy(matches: number[], key: (i: number) => number | string, descending: boolean): void {
  const keys = new Map<number, number | string>();
  for (const i of matches) keys.set(i, key(i));
  matches.sort((a, b) => {
    const ka = keys.get(a)!, kb = keys.get(b)!;
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    const asc = c || a - b;
    return descending ? -asc : asc;
  });
}

export type { RecordTable };
