/**
 * Conversations and their parts. A conversation's parts are generated one by one from
 * (seed, conversation, part index), spread between its created_at and its updated_at (the newest part is
 * at updated_at). `touch` appends a part at "now". A few conversations ("heavy") have 520-700 parts.
 */
import { hashSeed, rng, uuidOf } from '../rng.js';
import { atLeast, type ApiVersion } from '../versions.js';
import { ADMIN_BASE, TAG_BASE, TEAM_BASE, tag, tagNameUtf8 } from './directory.js';
import type { JsonBytes } from './bytes.js';
import type { Workspace } from './index.js';
import {
  assertJsonPlain, chance, int, longBody, pick, plainText, sentence, sentenceUtf8, utf8Latin1,
} from './text.js';

export const STATE_OPEN = 0;
export const STATE_CLOSED = 1;
export const STATE_SNOOZED = 2;
const STATES = ['open', 'closed', 'snoozed'] as const;
export const CONVERSATION_BASE = 1_000_001;
export const PART_BASE = 500_000_000;
export const RETRIEVE_PART_LIMIT = 500;

export function conversationId(i: number): string { return String(CONVERSATION_BASE + i); }
export function partId(i: number, j: number): string { return String(PART_BASE + i * 1024 + j); }

/** Indices of the heavy conversations (more than 500 parts), spread over the stream. */
export function isHeavy(ws: Workspace, i: number): boolean {
  const n = ws.sizes.conversations, heavy = Math.min(ws.sizes.partsHeavy, n);
  if (heavy <= 0 || i >= n) return false;
  const step = n / heavy;
  const k = Math.round(i / step);
  return k < heavy && Math.floor(k * step) === i;
}

export function basePartCount(ws: Workspace, i: number): number {
  const r = rng(hashSeed(ws.seed, 'conversation-parts', i));
  if (isHeavy(ws, i)) return int(r, 520, 700);
  return r() < 0.08 ? 0 : int(r, 1, 12);
}

function conversationContacts(ws: Workspace, i: number): number[] {
  const r = rng(ws.seeds.of('conversation-contacts', i));
  const n = ws.tables.contacts.count;
  if (n === 0) return [];
  const first = Math.floor(r() * n);
  return chance(r, 0.1) && n > 1 ? [first, (first + 1) % n] : [first];
}

export function partCount(ws: Workspace, i: number): number {
  return ws.partCounts[i]! + (ws.extraParts.get(i)?.length ?? 0);
}

function partTime(ws: Workspace, i: number, j: number): number {
  const base = ws.partCounts[i]!;
  if (j >= base) return ws.extraParts.get(i)![j - base]!;
  const t = ws.tables.conversations;
  const created = t.created[i]!;
  const lastBase = ws.baseUpdated[i]!;
  return base === 1 ? lastBase : created + Math.floor((lastBase - created) * (j + 1) / base);
}

export function conversationPart(ws: Workspace, i: number, j: number, v: ApiVersion, plain: boolean): Record<string, unknown> {
  const r = rng(hashSeed(ws.seed, 'part', i, j));
  const at = partTime(ws, i, j);
  const admins = Math.max(1, ws.tables.admins.count);
  const fromUser = j % 3 === 1;
  const partType = fromUser ? 'comment' : pick(r, ['comment', 'comment', 'note', 'assignment', 'open', 'close', 'snoozed']);
  const huge = (i === 0 && j === 0) || hashSeed(ws.seed, 'huge-part', i, j) % 400 === 0;
  let body: string | null = partType === 'assignment' || partType === 'open' || partType === 'snoozed'
    ? (chance(r, 0.7) ? null : `<p>${sentence(r, 3)}</p>`)
    : huge ? longBody(r, int(r, 20000, 60000)) : `<p>${sentence(r, int(r, 2, 40))}</p>`;
  if (body !== null && plain) body = plainText(body);
  const adminIndex = Math.floor(r() * admins);
  const contacts = conversationContacts(ws, i);
  const author = fromUser && contacts.length > 0
    ? { type: 'user', id: ws.contactId(contacts[0]!), name: chance(r, 0.2) ? null : 'Customer', email: `customer${contacts[0]}@example.com` }
    : { type: chance(r, 0.1) ? 'bot' : 'admin', id: String(ADMIN_BASE + adminIndex), name: `Admin ${adminIndex}`, email: `admin${adminIndex}@sandbox.test` };
  return {
    type: 'conversation_part',
    id: partId(i, j),
    part_type: partType,
    body,
    created_at: at,
    updated_at: at,
    notified_at: at,
    assigned_to: partType === 'assignment' ? { type: 'admin', id: String(ADMIN_BASE + adminIndex) } : null,
    author,
    attachments: chance(r, 0.05) ? [{ type: 'upload', name: 'screenshot 📸.png', url: `https://uploads.test/${i}/${j}.png`, content_type: 'image/png', filesize: int(r, 1000, 900000), width: 800, height: 600 }] : [],
    external_id: null,
    redacted: chance(r, 0.01),
    ...(atLeast(v, '2.14') ? partExtras(ws, i, j, author.type, fromUser) : {}),
  };
}

/**
 * 2.14 part fields that feed grandchild tables: a few tagged parts, email headers on emailed customer
 * comments, quick reply options on bot parts. Drawn from their own stream so other fields keep their values.
 */
function partExtras(ws: Workspace, i: number, j: number, authorType: string, fromUser: boolean): Record<string, unknown> {
  const r = rng(hashSeed(ws.seed, 'part-extras', i, j));
  const tagCount = ws.tables.tags.count > 0 && chance(r, 0.04) ? int(r, 1, 2) : 0;
  const tags = Array.from({ length: tagCount }, (_, k) => {
    const { type, id, name } = tag(ws, (i * 3 + j * 5 + k) % ws.tables.tags.count, '2.14') as { type: string; id: string; name: string };
    return { type, id, name };
  });
  const emailed = fromUser && chance(r, 0.15);
  const email_message_metadata = emailed
    ? {
        subject: `Re: ${sentence(r, 3)}`,
        email_address_headers: [
          { type: 'from', email_address: `customer${i}@example.com`, name: chance(r, 0.3) ? null : 'Customer Ünïcode' },
          { type: 'to', email_address: 'support@sandbox.test', name: 'Support' },
          ...(chance(r, 0.3) ? [{ type: 'cc', email_address: `cc${j}@example.com`, name: null }] : []),
        ],
      }
    : null;
  const metadata = authorType === 'bot'
    ? {
        quick_reply_options: Array.from({ length: int(r, 2, 3) }, (_, k) => ({
          text: pick(r, ['Yes 👍', 'No', 'Talk to a person', 'Später']),
          uuid: uuidOf(ws.seed, 'reply', i, j, k),
          translations: chance(r, 0.5) ? { en: 'Yes', fr: 'Oui' } : null,
        })),
      }
    : null;
  return { tags, email_message_metadata, metadata };
}

const SOURCE_TYPES = ['conversation', 'conversation', 'email', 'push', 'twitter', 'whatsapp'];
const DELIVERED_AS = ['customer_initiated', 'admin_initiated', 'automated'];
const ISSUE_TYPES = ['Bug 🐛', 'Question', 'Billing'];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'];
const SLA_STATUSES = ['hit', 'missed', 'cancelled', 'active'];
assertJsonPlain('conversation values', [SOURCE_TYPES, DELIVERED_AS, ISSUE_TYPES, PRIORITIES, SLA_STATUSES]);
/** The same lists as UTF-8 bytes (text.ts utf8Latin1), spliced into conversationUtf8. */
const SOURCE_TYPES_UTF8 = SOURCE_TYPES.map(utf8Latin1);
const DELIVERED_AS_UTF8 = DELIVERED_AS.map(utf8Latin1);
const ISSUE_TYPES_UTF8 = ISSUE_TYPES.map(utf8Latin1);
const PRIORITIES_UTF8 = PRIORITIES.map(utf8Latin1);
const SLA_STATUSES_UTF8 = SLA_STATUSES.map(utf8Latin1);
const REMARK_UTF8 = utf8Latin1('Merci beaucoup 🙏');

/**
 * Writes the conversation as search and list serve it (no parts) as JSON, exactly as JSON.stringify of
 * the object prints it, as UTF-8 bytes, directly. Spliced text is pre-encoded checked word-list text
 * (sentences, tag names), ids, numbers or ASCII literals; each random stream is drawn in field order.
 */
export function writeConversation(w: JsonBytes, ws: Workspace, i: number, v: ApiVersion): void {
  const t = ws.tables.conversations;
  const version = t.version[i]!;
  const fixed = rng(ws.seeds.of('conversation', i));
  const r = rng(ws.seeds.of2('conversation', i, version));
  const created = t.created[i]!, updated = t.updated[i]!;
  const state = STATES[t.kind[i]!]!;
  const new216 = atLeast(v, '2.16');
  const assigned = chance(r, 0.7);
  const adminIndex = Math.floor(r() * Math.max(1, ws.tables.admins.count));
  const teamIndex = ws.tables.teams.count > 0 && chance(r, 0.5) ? Math.floor(r() * ws.tables.teams.count) : -1;
  const contacts = conversationContacts(ws, i);
  const contactId = contacts.length ? ws.contactId(contacts[0]!) : '';
  const tagCount = Math.min(int(fixed, 0, 3), ws.tables.tags.count);
  const parts = partCount(ws, i);
  const firstReply = chance(fixed, 0.2) ? null : created + int(fixed, 0, 3600);
  const priority = chance(r, 0.2);
  const rated = state === 'closed' && chance(fixed, 0.4);
  const subject = chance(fixed, 0.5) ? '' : sentenceUtf8(fixed, 4);
  w.t`{"type":"conversation","id":"${CONVERSATION_BASE + i}","title":`;
  if (chance(fixed, 0.6)) w.raw('null'); else w.str(sentenceUtf8(fixed, 3));
  w.t`,"created_at":${created},"updated_at":${updated},`;
    w.t`"waiting_since":${state === 'open' && chance(r, 0.6) ? updated : null},`;
    w.t`"snoozed_until":${state === 'snoozed' ? updated + 86400 : null},"open":${state !== 'closed'},"state":"${state}",`;
    w.t`"read":${chance(r, 0.7)},`;
    w.t`"priority":"${new216 ? (priority ? pick(r, PRIORITIES_UTF8) : 'none') : priority ? 'priority' : 'not_priority'}",`;
    w.t`"admin_assignee_id":${assigned ? ADMIN_BASE + adminIndex : new216 ? 0 : null},`;
    w.t`"team_assignee_id":${teamIndex >= 0 ? TEAM_BASE + teamIndex : new216 ? 0 : null},"tags":{"type":"tag.list","tags":[`;
  for (let k = 0; k < tagCount; k++) {
    const tagIndex = (i * 7 + k * 13) % ws.tables.tags.count;
    w.t`${k > 0 ? ',' : ''}{"type":"tag","id":"${TAG_BASE + tagIndex}","name":"${tagNameUtf8(ws, tagIndex)}","applied_at":${created + k},`;
      w.t`"applied_by":{"type":"admin","id":"${ADMIN_BASE + adminIndex}"}}`;
  }
  w.raw(']},"conversation_rating":');
  if (rated) {
    w.t`{"rating":${int(fixed, 1, 5)},"remark":"${chance(fixed, 0.5) ? '' : REMARK_UTF8}","created_at":${updated},"updated_at":${updated},`;
      w.t`"contact":{"type":"contact","id":"${contactId}","external_id":null},"teammate":{"type":"admin","id":"${ADMIN_BASE + adminIndex}"}}`;
  } else {
    w.raw('null');
  }
  w.t`,"source":{"type":"${pick(fixed, SOURCE_TYPES_UTF8)}","id":"${400_000_000 + i}",`;
    w.t`"delivered_as":"${pick(fixed, DELIVERED_AS_UTF8)}","subject":"${subject}",`;
    w.t`"body":"<p>${sentenceUtf8(fixed, int(fixed, 3, 60))}</p>","author":`;
  if (contacts.length) {
    w.t`{"type":"user","id":"${contactId}","name":${chance(fixed, 0.2) ? null : '"Customer"'},"email":"customer${contacts[0]!}@example.com"}`;
  } else {
    w.t`{"type":"admin","id":"${ADMIN_BASE}","name":"Admin 0","email":"admin0@sandbox.test"}`;
  }
  w.raw(',"attachments":[],"url":');
  if (chance(fixed, 0.7)) w.raw('null'); else w.t`"https://app.example.com/page/${i}"`;
  w.raw(',"redacted":false},"contacts":{"type":"contact.list","contacts":[');
  for (let k = 0; k < contacts.length; k++) {
    w.t`${k > 0 ? ',' : ''}{"type":"contact","id":"${ws.contactId(contacts[k]!)}","external_id":null}`;
  }
  w.raw(']},"teammates":{"type":"admin.list","teammates":[');
  if (assigned) w.t`{"type":"admin","id":"${ADMIN_BASE + adminIndex}"}`;
  w.raw(']},"custom_attributes":');
  if (chance(fixed, 0.5)) w.raw('{}');
  else w.t`{"Issue type":"${pick(fixed, ISSUE_TYPES_UTF8)}","escalated":${chance(r, 0.1)}}`;
  w.raw(',"first_contact_reply":');
  if (firstReply === null) w.raw('null'); else w.t`{"created_at":${firstReply},"type":"conversation","url":null}`;
  w.raw(',"sla_applied":');
  if (chance(fixed, 0.8)) w.raw('null');
  else w.t`{"type":"conversation_sla_summary","sla_name":"VIP first reply","sla_status":"${pick(r, SLA_STATUSES_UTF8)}"}`;
  w.t`,"statistics":{"type":"conversation_statistics","time_to_assignment":${int(fixed, 0, 600)},`;
    w.t`"time_to_admin_reply":${int(fixed, 10, 86400)},"time_to_first_close":${int(fixed, 60, 864000)},`;
    w.t`"time_to_last_close":${int(fixed, 60, 864000)},"median_time_to_reply":${int(fixed, 10, 7200)},`;
    w.t`"first_contact_reply_at":${firstReply ?? created},"first_assignment_at":${created + 5},`;
    w.t`"first_admin_reply_at":${created + 60},"first_close_at":${updated},"last_assignment_at":${created + 5},`;
    w.t`"last_assignment_admin_reply_at":${created + 60},"last_contact_reply_at":${updated},`;
    w.t`"last_admin_reply_at":${updated},"last_close_at":${updated},"last_closed_by_id":"${ADMIN_BASE + adminIndex}",`;
    w.t`"count_reopens":${int(r, 0, 3)},"count_assignments":${int(r, 0, 4)},"count_conversation_parts":${parts},`;
    w.t`"assigned_team_first_response_time":[],"assigned_team_first_response_time_in_office_hours":[],`;
    w.t`"handling_time":${int(r, 0, 20000)},"adjusted_handling_time":${chance(r, 0.5) ? null : int(r, 0, 20000)}},`;
    w.t`"linked_objects":{"type":"list","total_count":0,"has_more":false,"data":[]},"ai_agent_participated":false`;
  writeRealOnlyFields(w, ws, i, created, firstReply, contacts);
  w.raw('}');
}

const TOPICS = ['Billing', 'Login', 'Feature request'];
const TOPIC_BASE = 8100;

/**
 * Fields real conversations carry that the OpenAPI descriptions do not list (Airbyte's and Singer's
 * conversations schemas have them): the customer's first reply, the customers, redaction, when it was
 * sent and its topics. Drawn from their own stream, so every other field keeps its value.
 */
function writeRealOnlyFields(w: JsonBytes, ws: Workspace, i: number, created: number, firstReply: number | null, contacts: number[]): void {
  const r = rng(ws.seeds.of('conversation-extras', i));
  w.raw(',"customer_first_reply":');
  if (firstReply === null) w.raw('null'); else w.t`{"created_at":${firstReply},"type":"conversation","url":null}`;
  w.raw(',"customers":[');
  for (let k = 0; k < contacts.length; k++) w.t`${k > 0 ? ',' : ''}{"type":"user","id":"${ws.contactId(contacts[k]!)}"}`;
  w.t`],"redacted":${chance(r, 0.02)},"sent_at":${created},"topics":{"type":"topic.list","topics":[`;
  const topics = chance(r, 0.3) ? 1 + Math.floor(r() * 2) : 0;
  for (let k = 0; k < topics; k++) {
    const topic = (i + k) % TOPICS.length;
    w.t`${k > 0 ? ',' : ''}{"type":"topic","id":${TOPIC_BASE + topic},"name":"${TOPICS[topic]!}"}`;
  }
  w.t`],"total_count":${topics}}`;
}

/** The conversation as search and list serve it (parsed from writeConversation's bytes, so the two agree). */
export function conversation(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  return JSON.parse(ws.renderJson('conversations', i, v)) as Record<string, unknown>;
}

/** The conversation with its parts: all of them (limit undefined) or the `limit` most recent. */
export function conversationWithParts(ws: Workspace, i: number, v: ApiVersion, plain: boolean, limit?: number): Record<string, unknown> {
  const out = conversation(ws, i, v);
  const total = partCount(ws, i);
  const from = limit === undefined ? 0 : Math.max(0, total - limit);
  const parts: Record<string, unknown>[] = [];
  for (let j = from; j < total; j++) parts.push(conversationPart(ws, i, j, v, plain));
  if (plain) {
    const source = out.source as Record<string, unknown>;
    source.body = plainText(String(source.body));
  }
  out.conversation_parts = { type: 'conversation_part.list', conversation_parts: parts, total_count: total };
  return out;
}
