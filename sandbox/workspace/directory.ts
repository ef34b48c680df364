/**
 * The workspace's small, slow-changing objects: admins (some away), teams, tags, person segments,
 * company segments, data attributes and the app behind the token (GET /me).
 */
import { hashSeed, rng } from '../rng.js';
import { atLeast, type ApiVersion } from '../versions.js';
import type { Workspace } from './index.js';
import { FIRST_NAMES, LAST_NAMES, WORDS, chance, int, pick, slug, utf8Latin1 } from './text.js';

export const ADMIN_BASE = 5_000_001;
export const TEAM_BASE = 6_000_001;
export const TAG_BASE = 8_000_001;

export function adminId(i: number): string { return String(ADMIN_BASE + i); }
export function teamId(i: number): string { return String(TEAM_BASE + i); }
export function tagId(i: number): string { return String(TAG_BASE + i); }

function adminName(ws: Workspace, i: number): { name: string; email: string } {
  const r = rng(hashSeed(ws.seed, 'admin-name', i));
  const first = pick(r, FIRST_NAMES), last = pick(r, LAST_NAMES);
  return { name: `${first} ${last}`, email: `${slug(first)}.${slug(last)}${i}@${ws.appDomain}` };
}

/** Teams of admin i: admin i belongs to team (i mod teams), and every third admin to one more. */
export function adminTeams(ws: Workspace, i: number): number[] {
  const teams = ws.tables.teams.count;
  if (teams === 0) return [];
  const out = [i % teams];
  if (i % 3 === 0 && teams > 1) out.push((i + 1) % teams);
  return out.sort((a, b) => a - b);
}

export function admin(ws: Workspace, i: number, _v: ApiVersion): Record<string, unknown> {
  const version = ws.tables.admins.version[i]!;
  const avatarUrl = `https://static.intercomassets.test/avatars/${adminId(i)}.png`;
  const r = rng(hashSeed(ws.seed, 'admin', i, version));
  const { name, email } = adminName(ws, i);
  const away = i % 4 === 1 || chance(r, 0.1);
  return {
    type: 'admin',
    email,
    id: adminId(i),
    name: version > 0 ? `${name} (v${version})` : name,
    away_mode_enabled: away,
    away_mode_reassign: away && i % 2 === 1,
    away_status_reason_id: away && i % 8 === 1 ? int(r, 1, 5) : null,
    has_inbox_seat: i % 5 !== 4,
    team_ids: adminTeams(ws, i).map((t) => TEAM_BASE + t),
    job_title: i % 3 === 2 ? '' : pick(r, ['Support Engineer', 'Head of Support 🎧', 'Customer Success', 'Ingénieure']),
    // The 2.14/2.16 descriptions say avatar is the URL string; the real API sends {type: 'avatar', image_url}
    // under every version (as 2.11 describes it).
    avatar: i % 2 !== 0 ? null : { type: 'avatar', image_url: avatarUrl },
    // Real admins outside any priority setting carry an empty object.
    team_priority_level: i % 3 === 0 ? { primary_team_ids: adminTeams(ws, i).map((t) => TEAM_BASE + t) } : i % 3 === 1 ? {} : null,
  };
}

/** GET /me: the token's admin (admin 0) with its app. */
export function me(ws: Workspace, v: ApiVersion): Record<string, unknown> {
  const a = admin(ws, 0, v);
  return {
    type: 'admin',
    id: a.id,
    email: a.email,
    name: a.name,
    email_verified: true,
    app: {
      type: 'app',
      id_code: ws.appId,
      name: ws.appName,
      region: 'US',
      timezone: 'Etc/UTC',
      created_at: ws.anchor - 3 * 365 * 86400,
      identity_verification: false,
    },
    avatar: { type: 'avatar', image_url: null },
    has_inbox_seat: true,
    away_mode_enabled: false,
    away_mode_reassign: false,
    team_ids: a.team_ids,
    job_title: a.job_title,
  };
}

export function team(ws: Workspace, i: number, _v: ApiVersion): Record<string, unknown> {
  const members: number[] = [];
  for (let a = 0; a < ws.tables.admins.count; a++) if (adminTeams(ws, a).includes(i)) members.push(ADMIN_BASE + a);
  const version = ws.tables.teams.version[i]!;
  const names = ['Support 🛟', 'Billing', 'Onboarding', 'Équipe France', 'VIP', 'Tier 2', 'サポート'];
  return {
    type: 'team',
    id: teamId(i),
    name: `${names[i % names.length]}${i >= names.length ? ` ${i}` : ''}${version > 0 ? ` v${version}` : ''}`,
    admin_ids: members,
    admin_priority_level: i % 2 === 0 ? { primary_admin_ids: members.slice(0, 1), secondary_admin_ids: members.slice(1) } : null,
    assignment_limit: i % 3 === 0 ? null : 10 + i,
    distribution_method: i % 3 === 0 ? null : i % 2 === 0 ? 'round_robin' : 'balanced',
  };
}

export function tagName(ws: Workspace, i: number): string {
  const r = rng(hashSeed(ws.seed, 'tag', i));
  const version = ws.tables.tags.version[i]!;
  return `${pick(r, WORDS)} ${pick(r, WORDS)} #${i}${version > 0 ? ` v${version}` : ''}`;
}

/** tagName() as UTF-8 bytes (see utf8Latin1), made once per (tag, version). */
export function tagNameUtf8(ws: Workspace, i: number): string {
  const version = ws.tables.tags.version[i]!;
  const memo = ws.tagNames[i];
  if (memo !== undefined && memo.version === version) return memo.utf8;
  const utf8 = utf8Latin1(tagName(ws, i));
  ws.tagNames[i] = { version, utf8 };
  return utf8;
}

export function tag(ws: Workspace, i: number, _v: ApiVersion): Record<string, unknown> {
  return { type: 'tag', id: tagId(i), name: tagName(ws, i) };
}

/** Person segment i: even segments hold users ('user'), odd ones leads ('contact'). */
export function segmentPersonType(i: number): 'user' | 'contact' {
  return i % 2 === 0 ? 'user' : 'contact';
}

/** Share (in percent) of matching contacts that segment i holds. */
export function segmentShare(i: number): number {
  return [60, 40, 25, 80, 10, 50, 5, 35][i % 8]!;
}

export function segment(ws: Workspace, i: number, _v: ApiVersion, count?: number): Record<string, unknown> {
  const t = ws.tables.segments;
  const names = ['Active users', 'New leads', 'Churn risk ⚠️', 'Power users', 'Newsletter', 'Trials', 'Läufer', 'VIP 👑'];
  const out: Record<string, unknown> = {
    type: 'segment',
    id: ws.segmentId(i),
    name: `${names[i % names.length]}${i >= names.length ? ` ${i}` : ''}`,
    created_at: t.created[i],
    updated_at: t.updated[i],
    person_type: segmentPersonType(i),
  };
  if (count !== undefined) out.count = count;
  return out;
}

export function companySegment(ws: Workspace, i: number, _v: ApiVersion): Record<string, unknown> {
  const t = ws.tables.company_segments;
  const names = ['Enterprise accounts', 'Paying companies', 'At risk', 'Europe 🇪🇺', 'Startups'];
  return {
    type: 'segment',
    id: ws.companySegmentId(i),
    name: `${names[i % names.length]}${i >= names.length ? ` ${i}` : ''}`,
    created_at: t.created[i],
    updated_at: t.updated[i],
  };
}

/** JSON.stringify(companySegment()) as UTF-8 bytes (see utf8Latin1), made once per segment state. */
export function companySegmentUtf8(ws: Workspace, i: number, v: ApiVersion): string {
  const t = ws.tables.company_segments;
  const memo = ws.companySegmentBytes[i];
  if (memo !== undefined && memo.version === t.version[i] && memo.updated === t.updated[i] && memo.v === v) return memo.utf8;
  const utf8 = utf8Latin1(JSON.stringify(companySegment(ws, i, v)));
  ws.companySegmentBytes[i] = { version: t.version[i]!, updated: t.updated[i]!, v, utf8 };
  return utf8;
}

/** Custom attributes contacts carry, one of each data type. */
export const CONTACT_CUSTOM_ATTRIBUTES: { name: string; type: 'string' | 'integer' | 'float' | 'boolean' | 'date' }[] = [
  { name: 'plan_name', type: 'string' },
  { name: 'seats', type: 'integer' },
  { name: 'mrr', type: 'float' },
  { name: 'vip', type: 'boolean' },
  { name: 'trial_ends_at', type: 'date' },
  { name: 'nickname', type: 'string' },
];
export const COMPANY_CUSTOM_ATTRIBUTES: { name: string; type: 'string' | 'integer' | 'float' | 'boolean' | 'date' }[] = [
  { name: 'tier', type: 'string' },
  { name: 'employees_remote', type: 'integer' },
  { name: 'health_score', type: 'float' },
  { name: 'churned', type: 'boolean' },
  { name: 'renewal_at', type: 'date' },
];

const STANDARD_CONTACT_ATTRIBUTES: [string, string, string][] = [
  ['name', 'Name', 'string'], ['email', 'Email', 'string'], ['phone', 'Phone', 'string'],
  ['role', 'Role', 'string'], ['created_at', 'Signed up', 'date'], ['last_seen_at', 'Last seen', 'date'],
  ['owner_id', 'Owner', 'integer'], ['unsubscribed_from_emails', 'Unsubscribed from emails', 'boolean'],
  ['location.city', 'City', 'string'], ['location.country', 'Country', 'string'],
];
const STANDARD_COMPANY_ATTRIBUTES: [string, string, string][] = [
  ['name', 'Company name', 'string'], ['company_id', 'Company ID', 'string'], ['size', 'Company size', 'integer'],
  ['monthly_spend', 'Monthly spend', 'float'], ['industry', 'Industry', 'string'], ['created_at', 'Created', 'date'],
];

export function dataAttributes(ws: Workspace, model: 'contact' | 'company'): Record<string, unknown>[] {
  const standard = model === 'contact' ? STANDARD_CONTACT_ATTRIBUTES : STANDARD_COMPANY_ATTRIBUTES;
  const custom = model === 'contact' ? CONTACT_CUSTOM_ATTRIBUTES : COMPANY_CUSTOM_ATTRIBUTES;
  const base = model === 'contact' ? 100 : 500;
  const created = ws.anchor - 700 * 86400;
  const out: Record<string, unknown>[] = [];
  standard.forEach(([name, label, type], k) => {
    out.push({
      type: 'data_attribute', name, full_name: name, label, description: `The ${label.toLowerCase()} of the ${model}`,
      data_type: type, api_writable: name !== 'created_at', ui_writable: true, messenger_writable: false,
      custom: false, archived: false, model,
    });
    void k;
  });
  custom.forEach(({ name, type }, k) => {
    const attr: Record<string, unknown> = {
      type: 'data_attribute', id: base + k, model, name, full_name: `custom_attributes.${name}`, label: name.replace(/_/g, ' '),
      description: k % 2 === 0 ? `Custom ${type} attribute ✨` : '', data_type: type,
      api_writable: true, ui_writable: true, messenger_writable: k % 3 === 0, custom: true, archived: false,
      created_at: created + k * 3600, updated_at: created + k * 7200, admin_id: adminId(0),
    };
    if (name === 'plan_name' || name === 'tier') attr.options = ['Free', 'Pro', 'Enterprise'];
    out.push(attr);
  });
  return out;
}
