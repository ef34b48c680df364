// A page worker (worker_threads): parses a page's items, transforms and serialises each record exactly as the
// main thread does (src/intercom/replication.ts: shape, custom attributes, timestamps, child rows), and
// hands back the rows as bytes. Started by PageWorkers (pool.ts) with the workspace's custom attributes.
import { parentPort, workerData } from 'node:worker_threads';
import { families, type Family } from '../catalog.js';
import type { CustomAttributeCatalog } from '../custom-attributes.js';
import { isPlainItem, isUsableKey } from '../http/items.js';
import { parseElements } from '../http/json-body.js';
import { unixSeconds } from '../replication.js';
import type { ApiObject } from '../streams/stream.js';
import type { PageJob, PageResult, WireItem, WireRecord } from './prepared.js';

/** One page prepared: what the worker sends back for `job`. */
export function preparePage(family: Family, job: PageJob): PageResult {
  const { root } = family;
  const buffer = Buffer.from(job.elements.buffer, job.elements.byteOffset, job.elements.byteLength);
  const values = parseElements(buffer, job.starts, job.ends);
  const wanted = new Set(job.wantedChildren);
  const childSet = new Set(job.children);
  const childIndex = new Map(job.children.map((name, i) => [name, i]));
  const items: WireItem[] = [];
  // Every record is transformed before any is serialised, as on the main thread (a page's rows are emitted
  // after the whole page is transformed).
  const toWrite: { item: WireRecord; parent?: ApiObject; children: { index: number; data: Record<string, unknown> }[] }[] = [];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (!isPlainItem(value) || !isUsableKey(value.id) || !isUsableKey(value[root.primaryKey]) || root.followUp?.(value, wanted)) {
      items.push({ raw: buffer.toString('utf8', job.starts[i]!, job.ends[i]!) });
      continue;
    }
    const record = value;
    const item: WireRecord = { id: record.id as string | number, children: [] };
    const cursor = root.cursor ? unixSeconds(record[root.cursor]) : undefined;
    if (cursor !== undefined) item.cursor = cursor;
    const meta = family.transform(record);
    if (meta !== undefined) item.meta = meta;
    const rows: (typeof toWrite)[number] = { item, children: [] };
    if (job.parent) rows.parent = record;
    if (childSet.size > 0) for (const row of family.split(record, childSet)) rows.children.push({ index: childIndex.get(row.stream)!, data: row.data });
    toWrite.push(rows);
    items.push(item);
  }
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
  for (const rows of toWrite) {
    if (rows.parent) rows.item.parent = put(rows.parent);
    for (const row of rows.children) rows.item.children.push(row.index, ...put(row.data));
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
