// How Intercom's answers become ConnectorErrors: the kind is decided here, where the status is known.
import { ConnectorError } from '../../airbyte/errors.js';
import type { FailureType } from '../../airbyte/protocol.js';
import { cut } from '../../airbyte/quote.js';

/** An HTTP answer we do not retry. `status` and `code` let callers (the scroll) react to specific ones. */
export class IntercomHttpError extends ConnectorError {
  constructor(
    failureType: FailureType,
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly endpoint: string,
  ) {
    super(failureType, message);
    this.name = 'IntercomHttpError';
  }
}

/** A request whose answer was lost (connection, timeout, cut or invalid body) and that was not retried. */
export class LostResponseError extends ConnectorError {
  constructor(
    readonly endpoint: string,
    readonly lostCause: string,
  ) {
    super('transient_error', `${endpoint} failed: ${lostCause}`);
    this.name = 'LostResponseError';
  }
}

/** Intercom's error envelope: `{type:'error.list', errors:[{code, message}]}`; anything else gives undefined. */
export function intercomError(bodyText: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(bodyText) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
    if (!first) return {};
    return {
      code: typeof first.code === 'string' ? first.code : undefined,
      message: typeof first.message === 'string' ? first.message : undefined,
    };
  } catch {
    return {};
  }
}

const describe = (status: number, code: string | undefined, message: string | undefined): string =>
  `${status}${code ? ` ${cut(code)}` : ''}${message ? `: ${cut(message)}` : ''}`;

/** The error for a final (non-retried) HTTP status. */
export function errorForStatus(endpoint: string, status: number, bodyText: string): IntercomHttpError {
  const { code, message } = intercomError(bodyText);
  const what = describe(status, code, message);
  const make = (type: FailureType, text: string) => new IntercomHttpError(type, text, status, code, endpoint);
  if (status === 401) {
    return make('config_error', 'The Intercom access token is invalid or revoked (401 unauthorized). Update access_token.');
  }
  if (status === 403) {
    if (code === 'api_plan_restricted') {
      return make(
        'config_error',
        `Intercom refused ${endpoint}: the workspace's plan does not include this API (${what}). ` +
          'Upgrade the Intercom plan, or deselect the streams that need it.',
      );
    }
    return make(
      'config_error',
      `Intercom refused ${endpoint}: the access token lacks a permission (${what}). ` +
        'Grant the missing scope to the app in the Intercom Developer Hub, then update access_token.',
    );
  }
  if (status === 404) return make('system_error', `Intercom has no ${endpoint} (${what}).`);
  if (status === 400 || status === 422) {
    return make('system_error', `Intercom rejected ${endpoint} (${what}). This is a bug in the connector: please report it.`);
  }
  if (status >= 500) return make('transient_error', `Intercom failed on ${endpoint} (${what}). Retry the sync later.`);
  return make('system_error', `Intercom answered ${endpoint} with an unexpected status (${what}).`);
}

/** Network-level failures worth retrying (connection resets, timeouts, DNS hiccups). */
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return code;
  }
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** For a failed request: a short, secret-free cause, and whether to retry. */
export function networkFailure(err: unknown, timeoutMs: number, timedOut = false): { cause: string; retryable: boolean } {
  if (timedOut) return { cause: `timeout after ${timeoutMs} ms`, retryable: true };
  const code = errorCode(err);
  if (code && TIMEOUT_CODES.has(code)) return { cause: `timeout after ${timeoutMs} ms (${code})`, retryable: true };
  if (code && RETRYABLE_CODES.has(code)) return { cause: `connection error ${code}`, retryable: true };
  return { cause: `error ${code ?? (err as Error)?.name ?? 'unknown'}`, retryable: false };
}
