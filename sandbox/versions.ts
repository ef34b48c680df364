/**
 * API versions the sandbox serves (the `Intercom-Version` header) and where their shapes differ
 * (FIELD-NOTES section 1, checked against the OpenAPI descriptions in shared/reference):
 * - 2.11 -> 2.14: `ticket.ticket_state` is a string (plus `ticket_state_internal_label`/`_external_label`)
 *   in 2.11 and a `ticket_state` object from 2.14.
 * - 2.14 -> 2.16: `conversation.priority` `priority|not_priority` becomes `none|low|medium|high|urgent`;
 *   an unassigned `admin_assignee_id` is null then 0; `contact.owner_id` integer then string;
 *   ticket `admin_assignee_id`/`team_assignee_id` strings then integers.
 * Admin avatars are objects under every version (what the real API sends; 2.14/2.16 describe a string).
 * Other versions are refused with 400 `intercom_version_invalid`.
 */

export const API_VERSIONS = ['2.11', '2.14', '2.16'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
export const DEFAULT_API_VERSION: ApiVersion = '2.14';

export function parseApiVersion(header: string | undefined, fallback: ApiVersion): ApiVersion | undefined {
  if (header === undefined || header === '') return fallback;
  return (API_VERSIONS as readonly string[]).includes(header) ? (header as ApiVersion) : undefined;
}

/** True when `v` is `since` or newer. */
export function atLeast(v: ApiVersion, since: ApiVersion): boolean {
  return Number(v) >= Number(since) - 1e-9 && API_VERSIONS.indexOf(v) >= API_VERSIONS.indexOf(since);
}
