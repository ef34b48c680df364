/**
 * The sandbox's Intercom workspace: deterministic from (seed, sizes, anchor). Only compact per-record
 * metadata is held (see table.ts); records are generated on demand. Tests read the ground truth
 * (ids, get, the sub-lists) and change the workspace while a connector reads it (touch, create).
 */
import { hashSeed, rng } from '../rng.js';
import { DEFAULT_API_VERSION, type ApiVersion } from '../versions.js';
import { companySegmentIndices, company, writeCompany } from './companies.js';
import {
  ROLE_LEAD, ROLE_USER, contact, contactCompanyIndices, writeContact, contactNote, contactNoteCount, contactSegmentIndices,
  contactTagIndices,
} from './contacts.js';
import {
  CONVERSATION_BASE, STATE_CLOSED, STATE_OPEN, STATE_SNOOZED, basePartCount, conversation, conversationPart, writeConversation,
  conversationWithParts, partCount,
} from './conversations.js';
import { ADMIN_BASE, TAG_BASE, TEAM_BASE, admin, companySegment, segment, tag, team } from './directory.js';
import { DAY, DEFAULT_SIZES, TWO_YEARS, dayStart, type WorkspaceOptions, type WorkspaceSizes } from './options.js';
import { JsonBytes } from './bytes.js';
import { SeedLabels } from './seeds.js';
import { MAX_RECORDS, RecordTable } from './table.js';
import { hexId, hexIndex } from './text.js';
import { ACTIVITY_LOG_BASE, TICKET_BASE, TICKET_STATES, activityLog, ticket, ticketPart, ticketPartCount, ticketWithParts } from './tickets.js';

export type { WorkspaceOptions, WorkspaceSizes } from './options.js';
export type { ApiVersion } from '../versions.js';

/** What the workspace stores, one table each. */
export type Entity = 'contacts' | 'companies' | 'conversations' | 'admins' | 'segments' | 'company_segments' |
  'tags' | 'teams' | 'tickets' | 'activity_logs';
/** Streams the ground truth answers for: entities, plus contacts split by role. */
export type StreamName = 'users' | 'leads' | Entity;

const ENTITIES: Entity[] = ['admins', 'teams', 'tags', 'segments', 'company_segments', 'companies', 'contacts',
  'conversations', 'tickets', 'activity_logs'];

type Renderer = (ws: Workspace, i: number, v: ApiVersion) => Record<string, unknown>;
const RENDERERS: Record<Entity, Renderer> = {
  contacts: contact, companies: company, conversations: conversation, admins: admin, segments: (ws, i, v) => segment(ws, i, v),
  company_segments: companySegment, tags: tag, teams: team, tickets: ticket, activity_logs: activityLog,
};
/**
 * Entities whose JSON is written directly as UTF-8 bytes (the bulk streams: each record is rendered
 * once per walk); their objects are parsed from those bytes, so bytes and object agree. A writer must
 * not render other records through renderBytes (records are written one at a time).
 */
type ByteWriter = (w: JsonBytes, ws: Workspace, i: number, v: ApiVersion) => void;
const BYTE_WRITERS: Partial<Record<Entity, ByteWriter>> = {
  contacts: writeContact,
  companies: writeCompany,
  conversations: writeConversation,
};
const NUMERIC_BASES: Partial<Record<Entity, number>> = {
  admins: ADMIN_BASE, teams: TEAM_BASE, tags: TAG_BASE, conversations: CONVERSATION_BASE, tickets: TICKET_BASE,
  activity_logs: ACTIVITY_LOG_BASE,
};

export class Workspace {
  readonly seed: number;
  readonly sizes: WorkspaceSizes;
  readonly anchor: number;
  readonly now: () => number;
  /** WorkspaceOptions.crowdedOneIn. */
  readonly crowdedOneIn: number;
  readonly appId: string;
  readonly appName = 'Sandbox Workspace 🧪';
  readonly appDomain = 'sandbox.test';
  readonly tables: Record<Entity, RecordTable>;
  /** Parts each conversation was generated with, and the updated_at they end at. */
  readonly partCounts: number[] = [];
  readonly baseUpdated: number[] = [];
  /** Parts appended by touch(): their created_at, per conversation. */
  readonly extraParts = new Map<number, number[]>();
  /** hashSeed(seed, label, i) with the (seed, label) prefix folded once. */
  readonly seeds: SeedLabels;
  private readonly prefixes: Record<string, number>;
  /** Tag names as UTF-8 bytes, per tag, for the version they were made at (directory.ts tagNameUtf8). */
  readonly tagNames: ({ version: number; utf8: string } | undefined)[] = [];
  /** Company segments' JSON as UTF-8 bytes, per segment state (directory.ts companySegmentUtf8). */
  readonly companySegmentBytes: ({ version: number; updated: number; v: ApiVersion; utf8: string } | undefined)[] = [];
  private readonly bytes = new JsonBytes();
  /** Hex ids never change for an index: made once each. */
  private readonly hexIds: Record<'contacts' | 'companies', (string | undefined)[]> = { contacts: [], companies: [] };
  private userCounts: { count: number; values: Int32Array } | undefined;
  private segmentCounts: { count: number; values: number[] } | undefined;

  constructor(options: WorkspaceOptions = {}) {
    this.seed = options.seed ?? 42;
    this.sizes = { ...DEFAULT_SIZES, ...options.sizes };
    this.now = options.now ?? Date.now;
    this.crowdedOneIn = options.crowdedOneIn ?? 23;
    this.anchor = options.anchor ?? dayStart(Math.floor(this.now() / 1000));
    this.seeds = new SeedLabels(this.seed);
    this.appId = hashSeed(this.seed, 'app').toString(36).padStart(8, 'x').slice(0, 8);
    this.prefixes = {
      contacts: hashSeed(this.seed, 'contacts-prefix') | 0x10000000,
      companies: hashSeed(this.seed, 'companies-prefix') | 0x10000000,
      segments: hashSeed(this.seed, 'segments-prefix') | 0x10000000,
      company_segments: hashSeed(this.seed, 'company-segments-prefix') | 0x10000000,
    };
    this.tables = {} as Record<Entity, RecordTable>;
    for (const e of ENTITIES) this.tables[e] = new RecordTable(this.sizes[sizeKey(e)]);
    for (const e of ENTITIES) this.generate(e);
  }

  // ---- ids ----
  contactId(i: number): string { return this.memoHexId('contacts', 'c', i); }
  companyId(i: number): string { return this.memoHexId('companies', 'co', i); }
  segmentId(i: number): string { return hexId(this.prefixes.segments!, i, hashSeed(this.seed, 's', i)); }
  companySegmentId(i: number): string { return hexId(this.prefixes.company_segments!, i, hashSeed(this.seed, 'cs', i)); }

  private memoHexId(entity: 'contacts' | 'companies', label: string, i: number): string {
    const memo = this.hexIds[entity];
    let id = memo[i];
    if (id === undefined) {
      id = hexId(this.prefixes[entity]!, i, this.seeds.of(label, i));
      if (!Number.isInteger(i) || i < 0 || i >= MAX_RECORDS) return id;
      while (memo.length <= i) memo.push(undefined);   // dense, so lookups stay on the fast path
      memo[i] = id;
    }
    return id;
  }

  idOf(entity: Entity, i: number): string {
    switch (entity) {
      case 'contacts': return this.contactId(i);
      case 'companies': return this.companyId(i);
      case 'segments': return this.segmentId(i);
      case 'company_segments': return this.companySegmentId(i);
      default: return String(NUMERIC_BASES[entity]! + i);
    }
  }

  /** The record index behind an id, or -1 when no such record exists. */
  indexOf(entity: Entity, id: string): number {
    let i: number;
    const base = NUMERIC_BASES[entity];
    if (base !== undefined) {
      if (!/^[0-9]{1,15}$/.test(id)) return -1;
      i = Number(id) - base;
    } else {
      i = hexIndex(id, this.prefixes[entity]!);
    }
    if (!(i >= 0 && i < this.tables[entity].count)) return -1;
    return this.idOf(entity, i) === id ? i : -1;
  }

  /** Record i of an entity, as the API serves it in lists and search results. */
  render(entity: Entity, i: number, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown> {
    return RENDERERS[entity](this, i, v);
  }

  /** Record i as JSON text: exactly JSON.stringify(render(entity, i, v)). */
  renderJson(entity: Entity, i: number, v: ApiVersion = DEFAULT_API_VERSION): string {
    return BYTE_WRITERS[entity] !== undefined ? this.renderBytes(entity, i, v).toString('utf8') : JSON.stringify(RENDERERS[entity](this, i, v));
  }

  /** renderJson() as UTF-8 bytes (the bulk streams' are views of shared slabs; see bytes.ts). */
  renderBytes(entity: Entity, i: number, v: ApiVersion = DEFAULT_API_VERSION): Buffer {
    const write = BYTE_WRITERS[entity];
    if (write === undefined) return Buffer.from(JSON.stringify(RENDERERS[entity](this, i, v)));
    write(this.bytes.begin(), this, i, v);
    return this.bytes.end();
  }

  // ---- ground truth ----
  ids(stream: StreamName): { id: string; updated_at: number }[] {
    const entity = entityOf(stream);
    const t = this.tables[entity];
    const out: { id: string; updated_at: number }[] = [];
    for (let i = 0; i < t.count; i++) {
      if (stream === 'users' && t.kind[i] !== ROLE_USER) continue;
      if (stream === 'leads' && t.kind[i] !== ROLE_LEAD) continue;
      out.push({ id: this.idOf(entity, i), updated_at: t.updated[i]! });
    }
    return out;
  }

  /** The full object exactly as the API serves it; a conversation comes with ALL its parts. */
  get(stream: StreamName, id: string, version: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown> | undefined {
    const entity = entityOf(stream);
    const i = this.indexOf(entity, id);
    if (i < 0) return undefined;
    if (stream === 'users' && this.tables.contacts.kind[i] !== ROLE_USER) return undefined;
    if (stream === 'leads' && this.tables.contacts.kind[i] !== ROLE_LEAD) return undefined;
    if (entity === 'conversations') return conversationWithParts(this, i, version, false);
    if (entity === 'tickets') return ticketWithParts(this, i, version);
    return this.render(entity, i, version);
  }

  contactTags(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('contacts', id);
    return i < 0 ? undefined : contactTagIndices(this, i).map((k) => tag(this, k, v));
  }

  contactCompanies(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('contacts', id);
    return i < 0 ? undefined : contactCompanyIndices(this, i).map((k) => company(this, k, v));
  }

  contactSegments(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('contacts', id);
    return i < 0 ? undefined : contactSegmentIndices(this, i).map((k) => segment(this, k, v));
  }

  contactNotes(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('contacts', id);
    if (i < 0) return undefined;
    const out: Record<string, unknown>[] = [];
    for (let k = 0, n = contactNoteCount(this, i); k < n; k++) out.push(contactNote(this, i, k, v));
    return out;
  }

  companySegments(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('companies', id);
    return i < 0 ? undefined : companySegmentIndices(this, i).map((k) => companySegment(this, k, v));
  }

  ticketParts(id: string, v: ApiVersion = DEFAULT_API_VERSION): Record<string, unknown>[] | undefined {
    const i = this.indexOf('tickets', id);
    if (i < 0) return undefined;
    const out: Record<string, unknown>[] = [];
    for (let j = 0, n = ticketPartCount(this, i); j < n; j++) out.push(ticketPart(this, i, j, v));
    return out;
  }

  conversationParts(id: string, v: ApiVersion = DEFAULT_API_VERSION, plain = false): Record<string, unknown>[] | undefined {
    const i = this.indexOf('conversations', id);
    if (i < 0) return undefined;
    const out: Record<string, unknown>[] = [];
    for (let j = 0, n = partCount(this, i); j < n; j++) out.push(conversationPart(this, i, j, v, plain));
    return out;
  }

  /** Users attached to company i (contacts with role user listing it). Computed once per contacts count. */
  companyUserCount(i: number): number {
    const contacts = this.tables.contacts;
    if (!this.userCounts || this.userCounts.count !== contacts.count || this.userCounts.values.length < this.tables.companies.count) {
      const values = new Int32Array(this.tables.companies.count);
      for (let c = 0; c < contacts.count; c++) {
        if (contacts.kind[c] !== ROLE_USER) continue;
        for (const k of contactCompanyIndices(this, c)) values[k]!++;
      }
      this.userCounts = { count: contacts.count, values };
    }
    return this.userCounts.values[i] ?? 0;
  }

  /** Members of each person segment (for `include_count`). */
  segmentCount(s: number): number {
    const contacts = this.tables.contacts;
    if (!this.segmentCounts || this.segmentCounts.count !== contacts.count || this.segmentCounts.values.length !== this.tables.segments.count) {
      const values = new Array<number>(this.tables.segments.count).fill(0);
      for (let c = 0; c < contacts.count; c++) for (const k of contactSegmentIndices(this, c)) values[k]!++;
      this.segmentCounts = { count: contacts.count, values };
    }
    return this.segmentCounts.values[s] ?? 0;
  }

  // ---- mutation ----
  nowSeconds(): number { return Math.floor(this.now() / 1000); }

  /** Updates n records (updated_at = now, version bumps so some fields change); returns their ids. */
  touch(stream: StreamName, n: number): string[] {
    const entity = entityOf(stream);
    const t = this.tables[entity];
    const now = this.nowSeconds();
    const r = rng(hashSeed(this.seed, 'touch', entity, t.generation));
    const candidates: number[] = [];
    for (let i = 0; i < t.count; i++) {
      if (stream === 'users' && t.kind[i] !== ROLE_USER) continue;
      if (stream === 'leads' && t.kind[i] !== ROLE_LEAD) continue;
      candidates.push(i);
    }
    const chosen: number[] = [];
    for (let k = 0; k < n && candidates.length > 0; k++) {
      const at = Math.floor(r() * candidates.length);
      chosen.push(candidates[at]!);
      candidates[at] = candidates[candidates.length - 1]!;
      candidates.pop();
    }
    this.touchIndices(entity, chosen, now);
    return chosen.map((i) => this.idOf(entity, i));
  }

  /** Updates the given records now (tests that need to move chosen records while a sync runs). */
  touchIds(stream: StreamName, ids: string[]): void {
    const entity = entityOf(stream);
    this.touchIndices(entity, ids.map((id) => {
      const i = this.indexOf(entity, id);
      if (i < 0) throw new Error(`no ${entity} ${id}`);
      return i;
    }), this.nowSeconds());
  }

  private touchIndices(entity: Entity, chosen: number[], now: number): void {
    const t = this.tables[entity];
    for (const i of chosen) {
      if (entity === 'conversations') {
        const extra = this.extraParts.get(i) ?? [];
        extra.push(now);
        this.extraParts.set(i, extra);
        t.kind[i] = (t.version[i]! + 1) % 2 === 0 ? STATE_OPEN : STATE_CLOSED;
      }
      if (entity === 'tickets') t.kind[i] = (t.kind[i]! + 1) % TICKET_STATES.length;
      t.touch(i, now);
    }
  }

  /** Adds n records created now; returns their ids. */
  create(stream: StreamName, n: number): string[] {
    const entity = entityOf(stream);
    const t = this.tables[entity];
    const now = this.nowSeconds();
    const out: string[] = [];
    for (let k = 0; k < n; k++) {
      const kind = stream === 'leads' ? ROLE_LEAD : stream === 'contacts' ? (t.count % 10 < 3 ? ROLE_LEAD : ROLE_USER) : 0;
      const i = t.add(now, now, kind);
      if (entity === 'conversations') { this.partCounts.push(1); this.baseUpdated.push(now); }
      out.push(this.idOf(entity, i));
    }
    return out;
  }

  // ---- generation ----
  private generate(entity: Entity): void {
    const t = this.tables[entity];
    const n = this.sizes[sizeKey(entity)];
    const r = rng(hashSeed(this.seed, 'timeline', entity));
    const oldest = this.anchor - TWO_YEARS;
    for (let i = 0; i < n; i++) {
      let created = oldest + Math.floor(r() * (TWO_YEARS - 1));
      let updated = created + Math.floor((this.anchor - 1 - created) * r() * r());
      const special = r();
      if (special < 0.03) updated = dayStart(updated);                         // exactly 00:00:00 UTC
      else if (special < 0.05) updated = dayStart(updated) + DAY - 1;          // 23:59:59 UTC
      else if (special < 0.12 && i > 0) updated = t.updated[i - 1]!;           // shares the previous record's second
      if (created > updated) created = updated - Math.floor(r() * 3 * DAY);
      if (created < oldest) created = oldest;
      if (updated < created) updated = created;
      t.add(created, updated, this.kindFor(entity, i, r));
    }
    if (entity === 'conversations') {
      for (let i = 0; i < n; i++) {
        this.partCounts.push(basePartCount(this, i));
        this.baseUpdated.push(t.updated[i]!);
      }
    }
  }

  private kindFor(entity: Entity, i: number, r: () => number): number {
    switch (entity) {
      case 'contacts': return i === 0 ? ROLE_USER : i === 2 ? ROLE_LEAD : r() < 0.3 ? ROLE_LEAD : ROLE_USER;
      case 'conversations': { const x = r(); return x < 0.35 ? STATE_OPEN : x < 0.9 ? STATE_CLOSED : STATE_SNOOZED; }
      case 'tickets': return Math.floor(r() * TICKET_STATES.length);
      default: return 0;
    }
  }
}

function sizeKey(e: Entity): keyof WorkspaceSizes {
  switch (e) {
    case 'company_segments': return 'companySegments';
    case 'activity_logs': return 'activityLogs';
    default: return e;
  }
}

export function entityOf(stream: StreamName): Entity {
  if (stream === 'users' || stream === 'leads') return 'contacts';
  if (!ENTITIES.includes(stream)) throw new Error(`unknown sandbox stream "${String(stream)}"`);
  return stream;
}

export { conversationWithParts, partCount } from './conversations.js';
