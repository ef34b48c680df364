import { searchInSlices } from './sliced-search.js';
import { withFollowUps } from './follow-ups.js';
import type { ApiObject, FetchContext, IntercomStream, Page } from './stream.js';

interface PartList { ticket_parts?: unknown[]; total_count?: number }

/**
 * Tickets, read by `POST /tickets/search` (exact-second dates), newest update first. When the parts child
 * stream is wanted, every ticket is retrieved (`GET /tickets/{id}`, which carries `ticket_parts`), with
 * bounded concurrency under the shared pacer as conversation parts are, and the retrieved ticket is the record.
 */
export const tickets: IntercomStream = {
  name: 'tickets',
  schema: 'tickets',
  primaryKey: 'id',
  cursor: 'updated_at',
  order: 'newest_first',
  children: [
    { name: 'parts', path: ['ticket_parts', 'ticket_parts'] },
  ],
  /**
   * 2.11 sends `ticket_state` as a string, later versions as an object: always the object. Assignee ids are
   * strings up to 2.14 ("0" when unassigned) and integers in 2.16 (0): always strings, so the column keeps
   * one type whatever the version.
   */
  shape(ticket) {
    if (typeof ticket.ticket_state === 'string') ticket.ticket_state = { category: ticket.ticket_state };
    if (typeof ticket.admin_assignee_id === 'number') ticket.admin_assignee_id = String(ticket.admin_assignee_id);
    if (typeof ticket.team_assignee_id === 'number') ticket.team_assignee_id = String(ticket.team_assignee_id);
  },
  async *pages(ctx: FetchContext): AsyncIterable<Page> {
    const pages = searchInSlices({ client: ctx.client, path: '/tickets/search', itemsKey: 'tickets', semantics: 'second', since: ctx.since, until: ctx.until, log: ctx.log });
    if (!ctx.wantedChildren.has('parts')) {
      yield* pages;
      return;
    }
    yield* withFollowUps(pages, ctx.concurrency, (item) => retrieveWithParts(ctx, item));
  },
};

async function retrieveWithParts(ctx: FetchContext, item: ApiObject): Promise<ApiObject | undefined> {
  const id = String(item.id);
  const full = await ctx.client.get<ApiObject | undefined>(`/tickets/${encodeURIComponent(id)}`, undefined, { notFound: 'undefined' });
  if (!full) {
    ctx.log('WARN', `ticket ${id} was deleted while the sync ran (404 on retrieve): skipped`);
    return undefined;
  }
  const parts = full.ticket_parts as PartList | undefined;
  const returned = parts?.ticket_parts?.length ?? 0;
  if ((parts?.total_count ?? 0) > returned) {
    ctx.log('WARN', `ticket ${id} has ${parts!.total_count} parts but Intercom returns only ${returned}: the other ${parts!.total_count! - returned} cannot be replicated`);
  }
  return full;
}
