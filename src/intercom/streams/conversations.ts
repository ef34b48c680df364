import { searchInSlices } from './sliced-search.js';
import { withFollowUps } from './follow-ups.js';
import type { ApiObject, FetchContext, IntercomStream, Page } from './stream.js';
import { firstElementOf, isNullText, isNumberText, memberOf, type RecordText } from '../../normalize/record-text.js';

interface PartList { conversation_parts?: unknown[]; total_count?: number }

/**
 * Conversations, read by `POST /conversations/search` (exact-second dates), newest update first. Search
 * results never contain parts: when the parts child stream is wanted, every conversation is retrieved
 * (`GET /conversations/{id}`), with bounded concurrency under the shared pacer, and the retrieved object
 * (with its `conversation_parts`) is the record.
 */
export const conversations: IntercomStream = {
  name: 'conversations',
  schema: 'conversations',
  primaryKey: 'id',
  cursor: 'updated_at',
  order: 'newest_first',
  children: [
    { name: 'parts', path: ['conversation_parts', 'conversation_parts'] },
    { name: 'tags', path: ['tags', 'tags'] },
  ],
  /** Airbyte's `conversation_parts`: one row per part, read from the same retrieve as `conversations__parts`. */
  views: [{ name: 'conversation_parts', child: 'parts', parentKey: 'conversation_id', primaryKey: 'id' }],
  shape: shapeConversation,
  shapeText: shapeConversationText,
  // With parts wanted every conversation is retrieved on the main thread: no page worker then.
  offThread: (wanted) => !wanted.has('parts'),
  async *pages(ctx: FetchContext): AsyncIterable<Page> {
    const parts = ctx.wantedChildren.has('parts');
    const pages = searchInSlices({
      client: ctx.client, path: '/conversations/search', itemsKey: 'conversations', semantics: 'second', since: ctx.since, until: ctx.until, log: ctx.log, prepare: parts ? undefined : ctx.prepare,
    });
    if (!parts) {
      yield* pages;
      return;
    }
    yield* withFollowUps(pages, ctx.concurrency, (item) => retrieveWithParts(ctx, item));
  },
};

/** The seed's v1 columns, filled from their 2.x equivalents. */
function shapeConversation(conversation: ApiObject): void {
  conversation.conversation_message ??= conversation.source ?? null;
  const contacts = (conversation.contacts as { contacts?: ApiObject[] } | undefined)?.contacts;
  conversation.user ??= contacts?.[0] ?? null;
  const admin = conversation.admin_assignee_id;
  conversation.assignee ??= admin === null || admin === undefined || admin === 0 ? null : { type: 'admin', id: String(admin) };
}

/** shapeConversation on the conversation's text. */
function shapeConversationText(conversation: RecordText): boolean {
  if (isNullText(conversation.get('conversation_message'))) {
    const source = conversation.get('source');
    if (conversation.edited('source') || !conversation.set('conversation_message', isNullText(source) ? 'null' : source!)) return false;
  }
  if (isNullText(conversation.get('user'))) {
    // `contacts?.contacts?.[0]`: an object's list, or none; anything else is left to the object way.
    const contacts = conversation.get('contacts');
    let first: string | undefined;
    if (!isNullText(contacts)) {
      if (!contacts!.startsWith('{') || conversation.edited('contacts')) return false;
      const list = memberOf(contacts!, 'contacts');
      if (!isNullText(list)) {
        if (!list!.startsWith('[')) return false;
        first = firstElementOf(list!);
      }
    }
    if (!conversation.set('user', isNullText(first) ? 'null' : first!)) return false;
  }
  if (isNullText(conversation.get('assignee'))) {
    const admin = conversation.get('admin_assignee_id');
    let assignee: string;
    if (isNullText(admin) || admin === '0') assignee = 'null';
    else if (isNumberText(admin!)) assignee = `{"type":"admin","id":"${admin}"}`;
    else if (admin!.startsWith('"')) assignee = `{"type":"admin","id":${admin}}`;
    else return false;
    if (!conversation.set('assignee', assignee)) return false;
  }
  return true;
}

async function retrieveWithParts(ctx: FetchContext, item: ApiObject): Promise<ApiObject | undefined> {
  const id = String(item.id);
  const full = await ctx.client.get<ApiObject | undefined>(`/conversations/${encodeURIComponent(id)}`, { display_as: 'plaintext' }, { notFound: 'undefined' });
  if (!full) {
    ctx.log('WARN', `conversation ${id} was deleted while the sync ran (404 on retrieve): skipped`);
    return undefined;
  }
  const parts = full.conversation_parts as PartList | undefined;
  const returned = parts?.conversation_parts?.length ?? 0;
  const statistics = full.statistics as { count_conversation_parts?: number } | undefined;
  const total = Math.max(parts?.total_count ?? 0, statistics?.count_conversation_parts ?? 0);
  if (total > returned) {
    ctx.log('WARN', `conversation ${id} has ${total} parts but Intercom returns only the ${returned} most recent: the oldest ${total - returned} cannot be replicated`);
  }
  return full;
}
