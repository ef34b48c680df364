import { isRealDateTime } from '../airbyte/dates.js';
import { configError } from '../airbyte/errors.js';
import { cut } from '../airbyte/quote.js';

/** The Intercom source's configuration, after validation against spec.json (defaults applied). */
export interface IntercomConfig {
  accessToken: string;
  /** Unix seconds; records updated before it are never replicated. */
  startDate: number;
  attributionWindowSeconds: number;
  baseUrl: string;
  intercomVersion: string;
  requestTimeoutMs: number;
  maxRequestsPerMinute?: number;
  concurrency: number;
  maxAttempts: number;
  /** Largest response body read (bytes); a longer one fails its stream. */
  maxResponseBytes: number;
}

export const REGION_URLS: Record<string, string> = {
  us: 'https://api.intercom.io',
  eu: 'https://api.eu.intercom.io',
  au: 'https://api.au.intercom.io',
};

const DAY = 86_400;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function parseIntercomConfig(raw: Record<string, unknown>, nowMs: number): IntercomConfig {
  const accessToken = accessTokenOf(raw);
  if (!accessToken) throw configError('access_token is empty: paste an Intercom access token, or authenticate with Intercom (OAuth).');

  let startDate = Math.floor(nowMs / 1000) - 365 * DAY;
  if (raw.start_date !== undefined && raw.start_date !== null && raw.start_date !== '') {
    const text = String(raw.start_date);
    const parsed = Date.parse(text);
    if (Number.isNaN(parsed)) throw configError(`start_date "${cut(text)}" is not a date: use YYYY-MM-DDTHH:MM:SSZ.`);
    if (!isRealDateTime(text)) throw configError(`start_date "${cut(text)}" is not a real date and time (that day or time does not exist): use YYYY-MM-DDTHH:MM:SSZ.`);
    startDate = Math.floor(parsed / 1000);
  }

  const region = String(raw.region ?? 'us');
  let baseUrl = REGION_URLS[region];
  if (!baseUrl) throw configError(`region "${cut(region)}" is not one of us, eu, au.`);
  if (typeof raw.base_url === 'string' && raw.base_url.trim() !== '') baseUrl = checkBaseUrl(raw.base_url.trim());

  return {
    accessToken,
    startDate,
    attributionWindowSeconds: attributionWindowDays(raw) * DAY,
    baseUrl,
    intercomVersion: String(raw.intercom_version ?? '2.14'),
    requestTimeoutMs: int(raw.request_timeout_seconds, 60) * 1000,
    maxRequestsPerMinute: raw.max_requests_per_minute === undefined ? undefined : int(raw.max_requests_per_minute, 0),
    concurrency: int(raw.concurrency, 32),
    maxAttempts: int(raw.max_attempts, 6),
    maxResponseBytes: int(raw.max_response_mb, 64) * 1024 * 1024,
  };
}

/**
 * True when the authority part of a URL-ish text (after `scheme://`, before the path) holds an `@`: a user
 * name or password, whether or not the whole text parses as a URL.
 */
function hasUserinfo(value: string): boolean {
  const afterScheme = value.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, '').replace(/^[\\/]*/, '');
  const authority = afterScheme.split(/[/\\?#]/, 1)[0] ?? '';
  return authority.includes('@');
}

/**
 * The access token, pasted or written by the OAuth flow (advanced_auth in spec.json), which stores it at the
 * top of the config next to `client_id`/`client_secret` as Airbyte's Intercom source does. The OAuth app's
 * `client_id`/`client_secret` are not needed for requests: Intercom's tokens do not expire or refresh.
 */
function accessTokenOf(raw: Record<string, unknown>): string {
  return typeof raw.access_token === 'string' ? raw.access_token.trim() : '';
}

/**
 * `lookback_window` (days) is Airbyte's name for the attribution window. When both keys are present,
 * `lookback_window` wins: the platform fills `attribution_window_days` with its default (30) when it saves a
 * config, so only `lookback_window` can carry a migrated connection's choice (e.g. 0).
 */
function attributionWindowDays(raw: Record<string, unknown>): number {
  if (typeof raw.lookback_window === 'number' && Number.isFinite(raw.lookback_window)) return Math.max(0, Math.floor(raw.lookback_window));
  return int(raw.attribution_window_days, 30);
}

function checkBaseUrl(value: string): string {
  // Credentials in the URL are never printed, never sent: the access token is the only credential.
  if (hasUserinfo(value)) {
    throw configError('base_url must not contain a user name or password (the part before "@"): remove it; the access_token field is the only credential the connector sends.');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // An "@" anywhere may still be a password whose "/" ended the authority early: then quote nothing.
    const shown = value.includes('@') ? '' : ` "${cut(value)}"`;
    throw configError(`base_url${shown} is not a URL: use e.g. https://api.intercom.io.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw configError('base_url must not contain a user name or password (the part before "@"): remove it; the access_token field is the only credential the connector sends.');
  }
  if (url.protocol === 'https:') return value.replace(/\/+$/, '');
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return value.replace(/\/+$/, '');
  throw configError(`base_url "${cut(url.origin)}" must use https (plain http is allowed only for loopback hosts such as 127.0.0.1).`);
}

function int(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : fallback;
}
