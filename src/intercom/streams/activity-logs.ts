import type { FetchContext, IntercomStream, Page } from './stream.js';

/**
 * What admins did in the workspace (`GET /admins/activity_logs`), an append-only log read by creation time:
 * `created_at_after` is the lower bound, `created_at_before` the time the sync runs. The endpoint promises no
 * order, so state advances when the stream ends. Named `activity_logs` as in Airbyte's Intercom source; a
 * state saved under this connector's former name `admin_activity_logs` is still read.
 */
export const activityLogs: IntercomStream = {
  name: 'activity_logs',
  formerNames: ['admin_activity_logs'],
  schema: 'activity_logs',
  primaryKey: 'id',
  cursor: 'created_at',
  order: 'unordered',
  async *pages({ client, since, now }: FetchContext): AsyncIterable<Page> {
    const query = { created_at_after: since ?? 0, created_at_before: Math.floor(now() / 1000) };
    for await (const page of client.list<Record<string, unknown>>('/admins/activity_logs', query, { itemsKey: 'activity_logs', perPage: 150 })) {
      yield { records: page.items, totalCount: page.totalCount };
    }
  },
};
