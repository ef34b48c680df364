/** Tickets (POST /tickets/search) and admin activity logs (GET /admins/activity_logs). */
import { hashSeed, rng } from '../rng.js';
import { atLeast, type ApiVersion } from '../versions.js';
import { ADMIN_BASE, TEAM_BASE } from './directory.js';
import type { Workspace } from './index.js';
import { chance, int, pick, sentence } from './text.js';

export const TICKET_BASE = 2_000_001;
export const ACTIVITY_LOG_BASE = 70_000_001;
export const TICKET_STATES = ['submitted', 'in_progress', 'waiting_on_customer', 'resolved'] as const;
const STATE_LABELS: Record<string, [string, string]> = {
  submitted: ['Submitted', 'Submitted'],
  in_progress: ['In progress', 'We are on it 🛠️'],
  waiting_on_customer: ['Waiting on customer', 'Waiting on you'],
  resolved: ['Resolved', 'Resolved ✅'],
};

export function ticketId(i: number): string { return String(TICKET_BASE + i); }

function ticketType(ws: Workspace, k: number, v: ApiVersion): Record<string, unknown> {
  const names = ['Bug report', 'Feature request', 'Réclamation'];
  const created = ws.anchor - 720 * 86400 + k * 86400;
  return {
    type: 'ticket_type',
    id: String(300 + k),
    category: (['Customer', 'Back-office', 'Tracker'] as const)[k % 3],
    name: names[k % names.length],
    description: k === 2 ? '' : `Tickets of type ${names[k % names.length]}`,
    icon: ['🐞', '💡', '📮'][k % 3],
    workspace_id: ws.appId,
    ticket_type_attributes: {
      type: atLeast(v, '2.14') ? 'list' : 'ticket_type_attributes.list',
      ticket_type_attributes: [{
        type: 'ticket_type_attribute', id: String(3000 + k), workspace_id: ws.appId, name: '_default_title_',
        description: '', data_type: 'string', input_options: { multiline: false }, order: 0, required_to_create: false,
        required_to_create_for_contacts: false, visible_on_create: true, visible_to_contacts: true, default: true,
        ticket_type_id: 300 + k, archived: false, created_at: created, updated_at: created,
      }],
    },
    archived: false,
    created_at: created,
    updated_at: created,
  };
}

/** The contact of ticket i (the first draw of its fixed stream), or -1 in a workspace without contacts. */
function ticketContact(ws: Workspace, i: number, fixed = rng(hashSeed(ws.seed, 'ticket', i))): number {
  return ws.tables.contacts.count ? Math.floor(fixed() * ws.tables.contacts.count) : -1;
}

/**
 * Ticket i as search serves it. Search results carry no `ticket_parts` here, as conversation search results
 * carry no parts: whether Intercom's ticket search includes them is unverified, so the connector reads parts
 * from the retrieve (`GET /tickets/{id}`, ticketWithParts) either way.
 */
export function ticket(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  const t = ws.tables.tickets;
  const version = t.version[i]!;
  const fixed = rng(hashSeed(ws.seed, 'ticket', i));
  const r = rng(hashSeed(ws.seed, 'ticket', i, version));
  const created = t.created[i]!, updated = t.updated[i]!;
  const state = TICKET_STATES[t.kind[i]! % TICKET_STATES.length]!;
  const type = ticketType(ws, i % 3, v);
  const contactIndex = ticketContact(ws, i, fixed);
  const assigned = chance(r, 0.6);
  const adminIndex = Math.floor(r() * Math.max(1, ws.tables.admins.count));
  const teamIndex = ws.tables.teams.count ? Math.floor(r() * ws.tables.teams.count) : 0;
  const new216 = atLeast(v, '2.16');
  const assignee = (value: number | null): string | number => (new216 ? value ?? 0 : value === null ? '0' : String(value));
  const [internal, external] = STATE_LABELS[state]!;
  const out: Record<string, unknown> = {
    type: 'ticket',
    id: ticketId(i),
    ticket_id: String(i + 1),
    category: type.category,
    ticket_attributes: { _default_title_: sentence(fixed, 4), _default_description_: chance(fixed, 0.3) ? null : sentence(fixed, 12) },
    ticket_state: atLeast(v, '2.14')
      ? { type: 'ticket_state', id: String(4000 + TICKET_STATES.indexOf(state)), category: state, internal_label: internal, external_label: external }
      : state,
    ticket_type: type,
    contacts: { type: 'contact.list', contacts: contactIndex < 0 ? [] : [{ type: 'contact', id: ws.contactId(contactIndex), external_id: null }] },
    admin_assignee_id: assignee(assigned ? ADMIN_BASE + adminIndex : null),
    team_assignee_id: assignee(chance(r, 0.5) ? TEAM_BASE + teamIndex : null),
    created_at: created,
    updated_at: updated,
    open: state !== 'resolved',
    ...(chance(r, 0.8) ? {} : { snoozed_until: updated + 3600 }),
    linked_objects: { type: 'list', total_count: 0, has_more: false, data: [] },
    is_shared: chance(fixed, 0.5),
  };
  if (!atLeast(v, '2.14')) {
    out.ticket_state_internal_label = internal;
    out.ticket_state_external_label = external;
  }
  return out;
}

/** How many parts ticket i has (its version adds none: parts are the history of its state changes and notes). */
export function ticketPartCount(ws: Workspace, i: number): number {
  return 1 + Math.floor(rng(hashSeed(ws.seed, 'ticket-parts', i))() * 5);
}

/**
 * Part j of ticket i, oldest first: the first is the submission, then notes, comments, assignments and state
 * changes spread between created_at and updated_at; the last part is at updated_at. Some carry attachments.
 */
export function ticketPart(ws: Workspace, i: number, j: number, _v: ApiVersion): Record<string, unknown> {
  const t = ws.tables.tickets;
  const n = ticketPartCount(ws, i);
  const r = rng(hashSeed(ws.seed, 'ticket-part', i, j));
  const created = t.created[i]!, updated = t.updated[i]!;
  const at = j === n - 1 ? updated : created + Math.floor((updated - created) * j / n);
  const state = TICKET_STATES[t.kind[i]! % TICKET_STATES.length]!;
  const a = Math.floor(r() * Math.max(1, ws.tables.admins.count));
  const admin = { type: 'admin', id: String(ADMIN_BASE + a), name: `Admin ${a}`, email: `admin${a}@sandbox.test` };
  const contact = ticketContact(ws, i);
  const kind = j === 0 ? 'ticket_state_updated_by_admin' : pick(r, ['note', 'comment', 'assignment', 'ticket_state_updated_by_admin'] as const);
  const part: Record<string, unknown> = {
    type: 'ticket_part',
    id: String(600_000_000 + i * 8 + j),
    part_type: kind,
    body: kind === 'note' || kind === 'comment' ? `<p>${sentence(r, int(r, 3, 20))}</p>` : null,
    previous_ticket_state: j === 0 ? null : 'submitted',
    ticket_state: j === 0 ? 'submitted' : j === n - 1 ? state : 'in_progress',
    created_at: at,
    updated_at: at,
    author: kind === 'comment' && contact >= 0 && chance(r, 0.5) ? { type: 'user', id: ws.contactId(contact), name: null, email: null } : admin,
    attachments: chance(r, 0.25)
      ? [{ type: 'upload', name: `screenshot-${j}.png`, url: `https://downloads.intercomcdn.test/tickets/${ticketId(i)}/${j}.png`, content_type: 'image/png', filesize: int(r, 1000, 900000), width: 1280, height: 720 }]
      : [],
    redacted: false,
  };
  if (kind === 'assignment') part.assigned_to = { type: 'admin', id: admin.id };
  return part;
}

/** Ticket i as `GET /tickets/{id}` serves it: the search object plus its `ticket_parts`. */
export function ticketWithParts(ws: Workspace, i: number, v: ApiVersion): Record<string, unknown> {
  const parts: Record<string, unknown>[] = [];
  for (let j = 0, n = ticketPartCount(ws, i); j < n; j++) parts.push(ticketPart(ws, i, j, v));
  return { ...ticket(ws, i, v), ticket_parts: { type: 'ticket_part.list', ticket_parts: parts, total_count: parts.length } };
}

const ACTIVITY_TYPES: [string, (r: () => number) => Record<string, unknown> | null][] = [
  ['admin_login_success', () => ({ sign_in_method: 'email_password' })],
  ['admin_logout', () => null],
  ['admin_away_mode_change', (r) => ({ away_mode: chance(r, 0.5), away_status_reason: chance(r, 0.5) ? null : 'On a break ☕', reassign_conversations: false, auto_changed: 'false' })],
  ['app_name_change', () => ({ before: { name: 'Old name' }, after: { name: 'Sandbox 🧪' } })],
  ['admin_permission_change', () => ({ before: { permissions: 'restricted' }, after: { permissions: 'full' } })],
  ['app_team_creation', (r) => ({ team: { id: int(r, 1, 99), name: 'Support' } })],
];

export function activityLog(ws: Workspace, i: number, _v: ApiVersion): Record<string, unknown> {
  const r = rng(hashSeed(ws.seed, 'activity-log', i));
  const a = Math.floor(r() * Math.max(1, ws.tables.admins.count));
  const [kind, meta] = pick(r, ACTIVITY_TYPES);
  return {
    id: String(ACTIVITY_LOG_BASE + i),
    performed_by: { type: 'admin', id: String(ADMIN_BASE + a), email: `admin${a}@sandbox.test`, ip: `203.0.113.${a + 1}` },
    metadata: meta(r),
    created_at: ws.tables.activity_logs.created[i],
    activity_type: kind,
    activity_description: `Admin ${a} did ${kind.replace(/_/g, ' ')}.`,
  };
}
