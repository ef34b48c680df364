import type { RunContext } from '../../airbyte/source.js';
import type { IntercomClient } from '../http/client.js';
import type { ItemsPreparer } from '../http/paging.js';
import type { RecordText } from '../../normalize/record-text.js';

export type ApiObject = Record<string, unknown>;

/** A page of API objects, in the order the API returned them. */
export interface Page {
  records: ApiObject[];
  /** The API's total for the whole query, when it gives one (drives ESTIMATE traces). */
  totalCount?: number;
  /**
   * Pages of a search read in slices at once (sliced-search.ts) come in no cursor order: this is the cursor at
   * and above which every record of the pass has been handed on, this page's included (null: no such point
   * yet). Absent, the pages come newest first in one sequence, and a page's lowest cursor is that point.
   */
  resumeAt?: number | null;
}

/** An array inside a record that also comes out as a child stream `<stream>__<name>`. */
export interface ChildArray {
  name: string;
  /** Path from the record to the array, e.g. ['conversation_parts', 'conversation_parts']. */
  path: string[];
}

/**
 * A top-level table made of the items of one child array, one row per item, each carrying its parent's id
 * (e.g. Airbyte's `conversation_parts`: the parts of every conversation, with `conversation_id`). It is read
 * in the parent's pass, so a sync that also wants the child stream fetches each parent once.
 */
export interface ChildView {
  name: string;
  /** The child array it is made of (a ChildArray name of the same stream). */
  child: string;
  /** Where each row keeps its parent's id. */
  parentKey: string;
  primaryKey: string;
}

export interface FetchContext {
  client: IntercomClient;
  /** Inclusive lower bound on the cursor (unix seconds); undefined reads everything. */
  since: number | undefined;
  /** Inclusive upper bound on the cursor (unix seconds), when resuming an unfinished pass; undefined: none. */
  until: number | undefined;
  /** Names of the child arrays whose rows are wanted in this sync (a stream fetches extra data only for these). */
  wantedChildren: ReadonlySet<string>;
  concurrency: number;
  log: RunContext['log'];
  /** Milliseconds since the epoch (injected). */
  now: () => number;
  /** Page workers for this pass, when they take its pages (a stream whose `offThread` allows it passes this to its search). */
  prepare?: ItemsPreparer;
}

/**
 * A top-level Intercom table. It declares what it is; `pages` says how Intercom hands it out.
 * Incremental tables say in which order their pages come (`order`), which decides where state is safe.
 */
export interface IntercomStream {
  name: string;
  /** The schema file in src/intercom/schemas (without .json). */
  schema: string;
  primaryKey: string;
  /** The cursor of incremental tables: `updated_at`, or `created_at` for append-only logs. */
  cursor?: 'updated_at' | 'created_at';
  children?: ChildArray[];
  views?: ChildView[];
  /**
   * Names this table had before (or has in Airbyte's own Intercom source): a saved state under one of them is
   * read when the state holds none under `name`.
   */
  formerNames?: string[];
  /** Brings one API object to the stream's schema (version differences, the seed's documented columns), in place, before timestamps are converted. */
  shape?(record: ApiObject): void;
  /**
   * `shape` on a record's text (src/normalize/record-text.ts), for records made into rows without being parsed:
   * the same members set to the same values. False when it cannot tell as text (the record is then parsed and
   * shaped as an object). A stream with a `shape` and none of this has its records parsed.
   */
  shapeText?(record: RecordText): boolean;
  /**
   * A full table gathered from the records of another top-level stream (`of`). When both are selected it is
   * read during that stream's pass, with no pass of its own.
   */
  companion?: { of: string; collect(record: ApiObject, ctx: FetchContext): Promise<ApiObject[]> };
  /**
   * 'newest_first': pages in descending cursor order (searches), checkpointed after every page;
   * 'unordered': no cursor order (the companies scroll), state advances only when the stream ends.
   */
  order?: 'newest_first' | 'unordered';
  /**
   * True when its pass is paced by round trips, not by the connector's work, and small in memory: the companies
   * scroll (its pages come one after the other, each asked for once the one before has arrived: Intercom allows
   * one scroll at a time) and the whole lists (one request each). Its pass is read alongside the passes after it
   * (ReadGroup.alongside), which start at once.
   */
  alongside?: boolean;
  /**
   * True when this pass's pages can be prepared by page workers (the stream hands `FetchContext.prepare` to its
   * search): each record then reaches the stream's follow-up stage as a PreparedRecord, which needs none.
   */
  offThread?(wantedChildren: ReadonlySet<string>): boolean;
  /**
   * Whether a record needs a follow-up request before it is a record (a pure function of the record: a page
   * worker asks it, and hands such records back as they are, for the main thread).
   */
  followUp?(record: ApiObject, wantedChildren: ReadonlySet<string>): boolean;
  /**
   * True when the follow-up of this record reads nothing of it beyond ASCII (its id, the urls it asks for): a
   * record read from a page as Latin-1 (workers/prepare-page.ts) may then stay in that reading through its
   * follow-up, which finishes it with takeLatin1Finisher, reading its bodies with readJsonBody.
   */
  followUpOnLatin1?(record: ApiObject): boolean;
  /**
   * `followUp` on a record's text: false only when `followUp` would be false (true when in doubt: the record is
   * then parsed and `followUp` asked). A stream with a `followUp` and none of this has its records parsed.
   */
  followUpText?(record: RecordText, wantedChildren: ReadonlySet<string>): boolean;
  pages(ctx: FetchContext): AsyncIterable<Page>;
}
