import { allOf, searchNewestFirst, updatedBetween } from './search.js';
import type { FetchContext, IntercomStream, Page } from './stream.js';

/** Tickets, read by `POST /tickets/search` (exact-second dates), newest update first. */
export const tickets: IntercomStream = {
  name: 'tickets',
  schema: 'tickets',
  primaryKey: 'id',
  cursor: 'updated_at',
  order: 'newest_first',
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
  pages(ctx: FetchContext): AsyncIterable<Page> {
    return searchNewestFirst(ctx.client, '/tickets/search', 'tickets', allOf(...updatedBetween(ctx.since, ctx.until, 'second')));
  },
};
