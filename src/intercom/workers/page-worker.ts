// A page worker (worker_threads): parses a page's items, transforms and serialises each record exactly as the
// main thread does (src/intercom/replication.ts: shape, custom attributes, timestamps, child rows), and
// hands back the rows as bytes. Started by PageWorkers (pool.ts) with the workspace's custom attributes.
import { parentPort, workerData } from 'node:worker_threads';
import { families, type Family } from '../catalog.js';
import type { CustomAttributeCatalog } from '../custom-attributes.js';
import { isPlainItem, isUsableKey } from '../http/items.js';
import { unixSeconds } from '../replication.js';
import type { ApiObject } from '../streams/stream.js';
import type { PageJob, PageResult, WireItem, WireRecord } from './prepared.js';

/**
 * One page prepared: what the worker sends back for `job`. Record by record (parse, transform, serialise), so
 * each record's objects are garbage before the next one is parsed: they die young, in the young generation.
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
  for (let i = 0; i < job.starts.length; i++) {
    const text = buffer.toString('utf8', job.starts[i]!, job.ends[i]!);
    const value = JSON.parse(text) as unknown;
    if (!isPlainItem(value) || !isUsableKey(value.id) || !isUsableKey(value[root.primaryKey]) || root.followUp?.(value, wanted)) {
      items.push({ raw: text });
      continue;
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
