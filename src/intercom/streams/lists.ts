import { systemError } from '../../airbyte/errors.js';
import { SkippedItems } from '../http/items.js';
import type { ApiObject, IntercomStream, Page } from './stream.js';

/**
 * A full-table stream served by one GET that returns the whole list under `key`: one round trip, read alongside
 * the passes after it.
 */
export function wholeList(name: string, schema: string, path: string, key: string, query?: Record<string, string>, primaryKey = 'id'): IntercomStream {
  return {
    name,
    schema,
    primaryKey,
    alongside: true,
    async *pages({ client, log }): AsyncIterable<Page> {
      const body = await client.get<Record<string, unknown> | null>(path, query);
      const items = body?.[key];
      if (!Array.isArray(items)) throw systemError(`GET ${path} returned no "${key}" list`);
      const skipped = new SkippedItems(`GET ${path}`, primaryKey);
      const records = skipped.keep<ApiObject>(items);
      skipped.report(log);
      yield { records, totalCount: records.length };
    },
  };
}

export const admins = wholeList('admins', 'admins', '/admins', 'admins');
export const teams = wholeList('teams', 'teams', '/teams', 'teams');
export const tags = wholeList('tags', 'tags', '/tags', 'data');
/**
 * Person segments (person_type user or contact). Company segments are their own stream. Incremental as in
 * Airbyte's Intercom source (a migrated catalog selects it so): the whole list is fetched and filtered by
 * `updated_at` on our side.
 */
export const segments: IntercomStream = {
  ...wholeList('segments', 'segments', '/segments', 'segments', { include_count: 'true' }),
  cursor: 'updated_at',
  order: 'unordered',
};
/** Data attributes: only custom ones carry an id, so they are keyed by their (per-model unique) name. */
const dataAttributes = (name: string, model: string): IntercomStream => ({
  ...wholeList(name, 'data_attributes', '/data_attributes', 'data', { model }, 'name'),
  shape(attribute) {
    if (typeof attribute.id === 'number') attribute.id = String(attribute.id);
  },
});
export const contactAttributes = dataAttributes('contact_attributes', 'contact');
export const companyAttributes = dataAttributes('company_attributes', 'company');
