// A page worker (worker_threads): prepares pages (prepare-page.ts: parses a page's items, transforms and
// serialises each record exactly as the main thread does) and hands back the rows as bytes. Started by
// PageWorkers (pool.ts) with the workspace's custom attributes.
import { parentPort, workerData } from 'node:worker_threads';
import { families } from '../catalog.js';
import type { CustomAttributeCatalog } from '../custom-attributes.js';
import { preparePage } from './prepare-page.js';
import type { PageJob, PageResult } from './prepared.js';

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
