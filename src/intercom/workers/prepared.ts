// A page's records prepared off the main thread (page workers): each record's rows are already serialised, so
// the main thread decides what to emit from a record's id and cursor and copies bytes. A record that needs the
// main thread (a follow-up request, or an item that cannot be a record) comes back as its own JSON text instead,
// and takes the usual way.
import type { RecordMeta } from '../../airbyte/protocol.js';
import type { SerializedData } from '../../airbyte/source.js';

/** One child row's JSON: a range of its page's output bytes (from a worker), or a Latin-1 string (this thread). */
export type PreparedRow = SerializedData & { stream: string };

/** One record of a page, transformed and serialised exactly as the main thread would (replication.ts). */
export class PreparedRecord {
  constructor(
    /** The primary key (`id`), as the API gave it: paging and replication check it like an object's. */
    readonly id: string | number,
    /** The cursor of the record as read (unix seconds), before any transform. */
    readonly cursor: number | undefined,
    readonly meta: RecordMeta | undefined,
    /** The record itself, when the parent stream is selected. */
    readonly parent: SerializedData | undefined,
    /** Rows of the selected child streams, in the splitter's order. */
    readonly children: readonly PreparedRow[],
  ) {}
}

/** What a page worker is asked to do with one page. */
export interface PageJob {
  /** The family's top-level stream (src/intercom/streams). */
  family: string;
  /** Serialise the record itself (the parent stream is selected). */
  parent: boolean;
  /** The selected child streams. */
  children: string[];
  /** The child arrays wanted in this sync (FetchContext.wantedChildren): what decides a follow-up. */
  wantedChildren: string[];
  /** The page's items: JSON elements at starts[i]..ends[i] of `elements`, or groups of them (CutBody). */
  elements: Uint8Array;
  starts: number[];
  ends: number[];
  groups: boolean;
}

/** A prepared record as it crosses threads (structured clone keeps no class). */
export interface WireRecord {
  id: string | number;
  cursor?: number;
  meta?: RecordMeta;
  parent?: [number, number];
  /** Per child row: its stream's index in job.children, start, end. */
  children: number[];
}

export type WireItem = WireRecord | { raw: string };

export interface PageResult {
  items: WireItem[];
  /** Every row's JSON, one after the other. */
  out: Uint8Array;
}

/** The page's items on the main thread: PreparedRecords, and the items parsed here. */
export function itemsOf(job: Pick<PageJob, 'children'>, result: PageResult): unknown[] {
  const { out } = result;
  return result.items.map((item) => {
    if ('raw' in item) return JSON.parse(item.raw) as unknown;
    const children: PreparedRow[] = [];
    for (let i = 0; i < item.children.length; i += 3) {
      children.push({ stream: job.children[item.children[i]!]!, bytes: out, start: item.children[i + 1]!, end: item.children[i + 2]! });
    }
    return new PreparedRecord(item.id, item.cursor, item.meta, item.parent ? { bytes: out, start: item.parent[0], end: item.parent[1] } : undefined, children);
  });
}
