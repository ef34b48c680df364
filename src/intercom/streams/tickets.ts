import { searchByUpdatedAt, updatedSince } from './search.js';
import type { FetchContext, IntercomStream, Page } from './stream.js';

/** Tickets, read by `POST /tickets/search` (exact-second dates), oldest update first. */
export const tickets: IntercomStream = {
  name: 'tickets',
  schema: 'tickets',
  primaryKey: 'id',
  cursor: 'updated_at',
  /** 2.11 sends `ticket_state` as a string, later versions as an object: always the object. */
  shape(ticket) {
    if (typeof ticket.ticket_state === 'string') ticket.ticket_state = { category: ticket.ticket_state };
  },
  pages(ctx: FetchContext): AsyncIterable<Page> {
    const filter = updatedSince(ctx.since, 'second') ?? { field: 'updated_at', operator: '>', value: 0 };
    return searchByUpdatedAt(ctx.client, '/tickets/search', 'tickets', filter);
  },
};
