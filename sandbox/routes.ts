/**
 * The Intercom endpoints the sandbox serves (FIELD-NOTES section 2), each with the OAuth scope it needs.
 * A handler gets the parsed request and returns a status and a JSON body as UTF-8 bytes: list envelopes
 * are assembled from the cached bytes of each record's JSON, without re-serialising or re-encoding them.
 */
import { SearchError } from './search.js';
import { encodeCursor, decodeCursor, pageInfo, type JsonCache } from './paging.js';
import type { RecordSearch, SearchEntity } from './record-search.js';
import { atLeast, type ApiVersion } from './versions.js';
import { conversationWithParts, RETRIEVE_PART_LIMIT } from './workspace/conversations.js';
import { ticketWithParts } from './workspace/tickets.js';
import { dataAttributes, me, segment } from './workspace/directory.js';
import type { Entity, Workspace } from './workspace/index.js';
import { contactCompanyIndices } from './workspace/contacts.js';
import type { Fault } from './faults.js';

/**
 * The permissions routes need. `read_data_attributes` stands for the data-attributes permission on its own, so
 * a token without it can be simulated; which Developer Hub permission covers GET /data_attributes is unverified.
 */
export type Scope = 'read_admins' | 'read_users_companies' | 'read_conversations' | 'read_tags' | 'read_tickets' | 'read_data_attributes';

export interface ApiRequest {
  method: string;
  path: string;
  params: string[];
  query: URLSearchParams;
  body: unknown;
  version: ApiVersion;
  /** A scroll_* fault the fault plan chose for this request (applied by scroll routes only). */
  fault: Fault | undefined;
}

export interface ApiResponse { status: number; body: Buffer }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) { super(message); }
}

export interface RouteContext {
  ws: Workspace;
  search: RecordSearch;
  cache: JsonCache;
  scroll: ScrollState;
  options: () => { scrollIdleMs: number; scrollPageSize: number; companySegmentsV1Route: boolean };
}

export interface Route {
  method: 'GET' | 'POST';
  pattern: RegExp;
  /** undefined: no scope needed (GET /me). */
  scope: Scope | undefined;
  /**
   * The body is a function of the request and the workspace's tables alone (no clock, no scroll state): it may be
   * served from the response cache (SandboxOptions.responseCacheBytes).
   */
  cacheable?: boolean;
  handle(ctx: RouteContext, req: ApiRequest): ApiResponse;
}

/** The one open companies scroll of the workspace. */
export interface ScrollState { open: { param: string; position: number; lastUsed: number } | undefined; counter: number }

const ok = (body: Buffer): ApiResponse => ({ status: 200, body });
const json = (value: unknown): ApiResponse => ok(Buffer.from(JSON.stringify(value)));
const COMMA = 0x2c;

/** Record JSON as UTF-8 bytes, cached per (entity, API version, index) while its version and updated_at hold. */
export function recordJson(ctx: RouteContext, entity: Entity, i: number, v: ApiVersion,
  slots = ctx.cache.space(`${entity}:${v}`)): Buffer {
  const t = ctx.ws.tables[entity];
  const version = t.version[i]!, updated = t.updated[i]!;
  let bytes = ctx.cache.get(slots, i, version, updated);
  if (bytes === undefined) {
    bytes = ctx.ws.renderBytes(entity, i, v);
    ctx.cache.set(slots, i, version, updated, bytes);
  }
  return bytes;
}

/** What prewarm() put in the render cache. */
export interface Prewarmed { records: number; bytes: number; complete: boolean }

/**
 * Renders records of the given entities, in index order, into the render cache for version v, as the
 * list and search routes would on first use. Stops at the cache's byte bound rather than push out what
 * it already holds (`complete: false`); the rest is rendered on first request, as without prewarming.
 */
export function prewarm(ctx: RouteContext, entities: readonly Entity[], v: ApiVersion): Prewarmed {
  const out: Prewarmed = { records: 0, bytes: 0, complete: true };
  for (const entity of entities) {
    const t = ctx.ws.tables[entity];
    const slots = ctx.cache.space(`${entity}:${v}`);
    for (let i = 0; i < t.count; i++) {
      const version = t.version[i]!, updated = t.updated[i]!;
      if (ctx.cache.get(slots, i, version, updated) !== undefined) continue;
      const bytes = ctx.ws.renderBytes(entity, i, v);
      if (ctx.cache.full(bytes.length)) { out.complete = false; return out; }
      ctx.cache.set(slots, i, version, updated, bytes);
      out.records++;
      out.bytes += bytes.length;
    }
  }
  return out;
}

/**
 * A list envelope as bytes: `before` + `[` + the records' cached JSON joined by commas + `]` + `after`,
 * copied once into a buffer of the exact length (no string of the whole page is built or encoded).
 */
function listBody(ctx: RouteContext, entity: Entity, indices: ArrayLike<number>, v: ApiVersion, before: string, after: string): Buffer {
  const n = indices.length;
  const head = Buffer.from(`${before}[`);
  const tail = Buffer.from(`]${after}`);
  const records = new Array<Buffer>(n);
  const slots = ctx.cache.space(`${entity}:${v}`);
  let length = head.length + tail.length + Math.max(0, n - 1);
  for (let k = 0; k < n; k++) {
    const bytes = recordJson(ctx, entity, indices[k]!, v, slots);
    records[k] = bytes;
    length += bytes.length;
  }
  const out = Buffer.allocUnsafe(length);
  out.set(head, 0);
  let at = head.length;
  for (let k = 0; k < n; k++) {
    if (k > 0) out[at++] = COMMA;
    out.set(records[k]!, at);
    at += records[k]!.length;
  }
  out.set(tail, at);
  return out;
}

function all(ctx: RouteContext, entity: Entity): number[] {
  return Array.from({ length: ctx.ws.tables[entity].count }, (_, i) => i);
}

function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'parameter_invalid', `${name} must be an integer between ${min} and ${max} (got "${raw}")`, name);
  }
  return n;
}

/** Cursor paging over a table in index order (GET /contacts, GET /conversations, activity logs). */
function cursorPage(ctx: RouteContext, req: ApiRequest, indices: number[], defaultPerPage: number) {
  const perPage = intParam(req.query, 'per_page', defaultPerPage, 1, 150);
  let position = 0;
  const after = req.query.get('starting_after');
  if (after) {
    const cursor = decodeCursor(after);
    if (!cursor || cursor[0] !== 'i' || typeof cursor[1] !== 'number') {
      throw new ApiError(400, 'parameter_invalid', 'starting_after is not a valid cursor', 'starting_after');
    }
    const last = cursor[1];
    position = indices.findIndex((i) => i > last);
    if (position < 0) position = indices.length;
  }
  const end = Math.min(indices.length, position + perPage);
  const page = indices.slice(position, end);
  const next = end < indices.length ? encodeCursor(['i', indices[end - 1]]) : undefined;
  return { page, total: indices.length, pages: pageInfo(position, perPage, indices.length, next) };
}

function searchRoute(entity: SearchEntity, envelope: string, listKey: string, scope: Scope, path: string): Route {
  return {
    method: 'POST', pattern: new RegExp(`^/${path}/search$`), scope, cacheable: true,
    handle(ctx, req) {
      let result;
      try {
        result = ctx.search.search(entity, req.body);
      } catch (err) {
        if (err instanceof SearchError) throw new ApiError(err.status, err.errors[0]!.code, err.message, err.errors[0]!.field);
        throw err;
      }
      return ok(listBody(ctx, entity, result.indices, req.version, `{"type":"${envelope}","total_count":${result.total},"pages":${JSON.stringify(result.pages)},"${listKey}":`, `}`));
    },
  };
}

function contactIndex(ctx: RouteContext, id: string): number {
  const i = ctx.ws.indexOf('contacts', id);
  if (i < 0) throw new ApiError(404, 'not_found', 'User Not Found');
  return i;
}

const singlePage = { type: 'pages', page: 1, per_page: 50, total_pages: 1 };

function scrollCompanies(ctx: RouteContext, req: ApiRequest): ApiResponse {
  const { scrollIdleMs, scrollPageSize } = ctx.options();
  const now = ctx.ws.now();
  const state = ctx.scroll;
  if (state.open && now - state.open.lastUsed > scrollIdleMs) state.open = undefined;
  const param = req.query.get('scroll_param');
  const fault = req.fault;
  if (fault?.kind === 'scroll_restart') {
    state.open = undefined;
    throw new ApiError(500, 'server_error', 'Request failed due to an internal network error. Please restart the scroll operation.');
  }
  if (fault?.kind === 'scroll_exists') throw new ApiError(400, 'scroll_exists', 'scroll already exists for this app/workspace');
  if (fault?.kind === 'scroll_expired' && param) {
    state.open = undefined;
    throw new ApiError(404, 'not_found', 'scroll parameter not found or expired');
  }
  let open = state.open;
  if (!param) {
    if (open) throw new ApiError(400, 'scroll_exists', 'scroll already exists for this app/workspace');
    state.counter++;
    open = { param: `${ctx.ws.appId}-${Buffer.from(`scroll:${ctx.ws.seed}:${state.counter}`).toString('hex')}`, position: 0, lastUsed: now };
    state.open = open;
  } else if (!open || open.param !== param) {
    throw new ApiError(404, 'not_found', 'scroll parameter not found or expired');
  }
  const t = ctx.ws.tables.companies;
  const from = open.position;
  const to = Math.min(t.count, from + scrollPageSize);
  const indices: number[] = [];
  for (let i = from; i < to; i++) indices.push(i);
  open.position = to;
  open.lastUsed = now;
  const currentParam = open.param;
  if (indices.length === 0) state.open = undefined;   // the end: empty data, the scroll closes
  return ok(listBody(ctx, 'companies', indices, req.version, `{"type":"list","data":`, `,"pages":null,"total_count":null,"scroll_param":${JSON.stringify(currentParam)}}`));
}

export const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/me$/, scope: undefined, handle: (ctx, req) => json(me(ctx.ws, req.version)) },
  {
    method: 'GET', pattern: /^\/admins$/, scope: 'read_admins',
    handle: (ctx, req) => ok(listBody(ctx, 'admins', all(ctx, 'admins'), req.version, `{"type":"admin.list","admins":`, `}`)),
  },
  {
    method: 'GET', pattern: /^\/admins\/activity_logs$/, scope: 'read_admins',
    handle(ctx, req) {
      const after = req.query.get('created_at_after');
      if (after === null || after === '') throw new ApiError(400, 'parameter_not_found', 'created_at_after is required', 'created_at_after');
      const from = intParam(req.query, 'created_at_after', 0, 0, Number.MAX_SAFE_INTEGER);
      const to = intParam(req.query, 'created_at_before', Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER);
      const t = ctx.ws.tables.activity_logs;
      const inRange = all(ctx, 'activity_logs').filter((i) => t.created[i]! >= from && t.created[i]! <= to);
      const { page, pages } = cursorPage(ctx, req, inRange, 20);
      return ok(listBody(ctx, 'activity_logs', page, req.version, `{"type":"activity_log.list","pages":${JSON.stringify(pages)},"activity_logs":`, `}`));
    },
  },
  {
    method: 'GET', pattern: /^\/teams$/, scope: 'read_admins',
    handle: (ctx, req) => ok(listBody(ctx, 'teams', all(ctx, 'teams'), req.version, `{"type":"team.list","teams":`, `}`)),
  },
  {
    method: 'GET', pattern: /^\/tags$/, scope: 'read_tags',
    handle: (ctx, req) => ok(listBody(ctx, 'tags', all(ctx, 'tags'), req.version, `{"type":"list","data":`, `}`)),
  },
  {
    method: 'GET', pattern: /^\/segments$/, scope: 'read_users_companies',
    handle(ctx, req) {
      const withCount = req.query.get('include_count') === 'true';
      if (req.query.get('type') === 'company' && ctx.options().companySegmentsV1Route) {
        return ok(listBody(ctx, 'company_segments', all(ctx, 'company_segments'), req.version, `{"type":"segment.list","segments":`, `}`));
      }
      const segments = all(ctx, 'segments').map((s) => segment(ctx.ws, s, req.version, withCount ? ctx.ws.segmentCount(s) : undefined));
      return json({ type: 'segment.list', segments });
    },
  },
  { method: 'GET', pattern: /^\/companies\/scroll$/, scope: 'read_users_companies', handle: scrollCompanies },
  {
    method: 'POST', pattern: /^\/companies\/list$/, scope: 'read_users_companies',
    handle(ctx, req) {
      const perPage = intParam(req.query, 'per_page', 15, 1, 60);
      const page = intParam(req.query, 'page', 1, 1, 1_000_000);
      const order = req.query.get('order') === 'asc' ? 'asc' : 'desc';
      // Sorted by last_request_at; companies without users are skipped; at most 10,000 are reachable.
      const entries = all(ctx, 'companies')
        .filter((i) => ctx.ws.companyUserCount(i) > 0)
        .map((i) => ({ i, at: JSON.parse(recordJson(ctx, 'companies', i, req.version).toString()).last_request_at as number }));
      entries.sort((a, b) => (order === 'asc' ? a.at - b.at || a.i - b.i : b.at - a.at || a.i - b.i));
      const reachable = entries.slice(0, 10_000);
      const slice = reachable.slice((page - 1) * perPage, page * perPage).map((e) => e.i);
      const pages = { type: 'pages', page, per_page: perPage, total_pages: Math.ceil(reachable.length / perPage) };
      return ok(listBody(ctx, 'companies', slice, req.version, `{"type":"list","pages":${JSON.stringify(pages)},"total_count":${reachable.length},"data":`, `}`));
    },
  },
  {
    method: 'GET', pattern: /^\/companies\/([^/]+)\/segments$/, scope: 'read_users_companies',
    handle(ctx, req) {
      const data = ctx.ws.companySegments(req.params[0]!, req.version);
      if (data === undefined) throw new ApiError(404, 'company_not_found', 'Company Not Found');
      return json({ type: 'list', data });
    },
  },
  searchRoute('contacts', 'list', 'data', 'read_users_companies', 'contacts'),
  {
    method: 'GET', pattern: /^\/contacts$/, scope: 'read_users_companies',
    handle(ctx, req) {
      const { page, total, pages } = cursorPage(ctx, req, all(ctx, 'contacts'), 50);
      return ok(listBody(ctx, 'contacts', page, req.version, `{"type":"list","data":`, `,"total_count":${total},"pages":${JSON.stringify(pages)}}`));
    },
  },
  {
    method: 'GET', pattern: /^\/contacts\/([^/]+)\/(tags|companies|segments|notes)$/, scope: 'read_users_companies', cacheable: true,
    handle(ctx, req) {
      const [id, list] = req.params as [string, string];
      const i = contactIndex(ctx, id);
      const ws = ctx.ws, v = req.version;
      switch (list) {
        case 'tags': return json({ type: 'list', data: ws.contactTags(id, v) });
        case 'segments': return json({ type: 'list', data: ws.contactSegments(id, v) });
        case 'companies': {
          // The companies' cached bytes, as list pages serve them: the same text as JSON.stringify of ws.contactCompanies().
          const indices = contactCompanyIndices(ws, i);
          const after = `,"total_count":${indices.length},"pages":${JSON.stringify({ ...singlePage, per_page: Math.max(50, indices.length) })}}`;
          return ok(listBody(ctx, 'companies', indices, v, `{"type":"list","data":`, after));
        }
        default: {
          const data = ws.contactNotes(id, v)!;
          return json({ type: 'list', data, total_count: data.length, pages: { ...singlePage, per_page: Math.max(50, data.length) } });
        }
      }
    },
  },
  searchRoute('conversations', 'conversation.list', 'conversations', 'read_conversations', 'conversations'),
  {
    method: 'GET', pattern: /^\/conversations$/, scope: 'read_conversations',
    handle(ctx, req) {
      const { page, total, pages } = cursorPage(ctx, req, all(ctx, 'conversations'), 20);
      return ok(listBody(ctx, 'conversations', page, req.version, `{"type":"conversation.list","conversations":`, `,"total_count":${total},"pages":${JSON.stringify(pages)}}`));
    },
  },
  {
    method: 'GET', pattern: /^\/conversations\/([^/]+)$/, scope: 'read_conversations',
    handle(ctx, req) {
      const i = ctx.ws.indexOf('conversations', req.params[0]!);
      if (i < 0) throw new ApiError(404, 'not_found', 'Resource Not Found');
      const plain = req.query.get('display_as') === 'plaintext';
      const t = ctx.ws.tables.conversations;
      const slots = ctx.cache.space(`conversation-retrieve:${req.version}:${plain}`);
      let bytes = ctx.cache.get(slots, i, t.version[i]!, t.updated[i]!);
      if (bytes === undefined) {
        bytes = Buffer.from(JSON.stringify(conversationWithParts(ctx.ws, i, req.version, plain, RETRIEVE_PART_LIMIT)));
        ctx.cache.set(slots, i, t.version[i]!, t.updated[i]!, bytes);
      }
      return ok(bytes);
    },
  },
  {
    method: 'GET', pattern: /^\/data_attributes$/, scope: 'read_data_attributes',
    handle(ctx, req) {
      const model = req.query.get('model');
      if (model !== null && model !== 'contact' && model !== 'company' && model !== 'conversation') {
        throw new ApiError(400, 'parameter_invalid', `model must be contact, company or conversation (got "${model}")`, 'model');
      }
      const data = model === 'company' ? dataAttributes(ctx.ws, 'company')
        : model === 'contact' ? dataAttributes(ctx.ws, 'contact')
        : model === 'conversation' ? []
        : [...dataAttributes(ctx.ws, 'contact'), ...dataAttributes(ctx.ws, 'company')];
      return json({ type: 'list', data });
    },
  },
  searchRoute('tickets', 'ticket.list', 'tickets', 'read_tickets', 'tickets'),
  {
    method: 'GET', pattern: /^\/tickets\/([^/]+)$/, scope: 'read_tickets',
    handle(ctx, req) {
      const i = ctx.ws.indexOf('tickets', req.params[0]!);
      if (i < 0) throw new ApiError(404, 'not_found', 'Resource Not Found');
      return json(ticketWithParts(ctx.ws, i, req.version));
    },
  },
];

export { atLeast };
