// A page worker (worker_threads): parses a page's items, transforms and serialises each record exactly as the
// main thread does (src/intercom/replication.ts: shape, custom attributes, timestamps, child rows), and
// hands back the rows as bytes. Started by PageWorkers (pool.ts) with the workspace's custom attributes.
import { parentPort, workerData } from 'node:worker_threads';
import { families, type Family } from '../catalog.js';
import type { CustomAttributeCatalog } from '../custom-attributes.js';
import { isPlainItem, isUsableKey } from '../http/items.js';
import { elementsAt } from '../http/json-body.js';
import { unixSeconds } from '../replication.js';
import type { ApiObject } from '../streams/stream.js';
import type { PageJob, PageResult, WireItem, WireRecord } from './prepared.js';

/**
 * One page prepared: what the worker sends back for `job`. Record by record (parse, transform, serialise), or
 * a group of records at a time when the page was cut at its seams (CutBody.groups: about 64 KB of records), so
 * the records' objects are garbage soon after they are parsed: they die young, in the young generation.
 */
export function preparePage(family: Family, job: PageJob): PageResult {
  const { root } = family;
  const buffer = Buffer.from(job.elements.buffer, job.elements.byteOffset, job.elements.byteLength);
  const wanted = new Set(job.wantedChildren);
  const childSet = new Set(job.children);
  const childIndex = new Map(job.children.map((name, i) => [name, i]));
  const items: WireItem[] = [];
  let out = Buffer.allocUnsafeSlow(Math.max(64 * 1024, 2 * job.elements.byteLength));
  let at = 0;
  const put = (data: Record<string, unknown>): [number, number] => {
    const json = JSON.stringify(data);
    if (at + 3 * json.length > out.length) {
      const larger = Buffer.allocUnsafeSlow(Math.max(2 * out.length, at + 3 * json.length));
      out.copy(larger, 0, 0, at);
      out = larger;
    }
    const start = at;
    at += out.write(json, at, 'utf8');
    return [start, at];
  };
  /** One item: a prepared record, or, when the main thread must finish it, its JSON text. */
  const prepare = (value: unknown, text: string | undefined) => {
    if (!isPlainItem(value) || !isUsableKey(value.id) || !isUsableKey(value[root.primaryKey]) || root.followUp?.(value, wanted)) {
      items.push({ raw: text ?? JSON.stringify(value) });
      return;
    }
    const record = value;
    const item: WireRecord = { id: record.id as string | number, children: [] };
    const cursor = root.cursor ? unixSeconds(record[root.cursor]) : undefined;
    if (cursor !== undefined) item.cursor = cursor;
    const meta = family.transform(record);
    if (meta !== undefined) item.meta = meta;
    if (job.parent) item.parent = put(record);
    if (childSet.size > 0) for (const row of family.split(record, childSet)) item.children.push(childIndex.get(row.stream)!, ...put(row.data));
    items.push(item);
  };
  const { starts, ends } = job;
  if (!job.groups) {
    for (let i = 0; i < starts.length; i++) {
      const text = buffer.toString('utf8', starts[i]!, ends[i]!);
      prepare(JSON.parse(text) as unknown, text);
    }
    return { items, out: new Uint8Array(out.buffer, 0, at) };
  }
  for (let g = 0; g < starts.length; g++) {
    let group: unknown[];
    try {
      group = elementsAt(buffer, starts[g]!, ends[g]!);
    } catch {
      // A seam that was not one: every item at once, from the start (a SyntaxError now: the items are not JSON).
      items.length = 0;
      at = 0;
      group = elementsAt(buffer, starts[0]!, ends[ends.length - 1]!);
      g = starts.length;
    }
    for (let i = 0; i < group.length; i++) prepare(group[i], undefined);
  }
  return { items, out: new Uint8Array(out.buffer, 0, at) };
}

if (parentPort) {
  const port = parentPort;
  const all = new Map(families((workerData as { attributes?: CustomAttributeCatalog } | undefined)?.attributes).map((f) => [f.root.name, f]));
  port.on('message', (message: PageJob & { job: number }) => {
    let result: PageResult;
    try {
      const family = all.get(message.family);
      if (!family) throw new Error(`no stream family '${message.family}'`);
      result = preparePage(family, message);
    } catch (error) {
      // Never the text of the error: a JSON error quotes the body, which a server may fill with anything.
      port.postMessage({ job: message.job, error: error instanceof SyntaxError ? 'invalid JSON' : 'failed', stack: error instanceof SyntaxError ? undefined : (error as Error)?.stack });
      return;
    }
    port.postMessage({ job: message.job, result }, [result.out.buffer as ArrayBuffer]);
  });
}
