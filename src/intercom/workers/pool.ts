// Page workers: worker threads that prepare pages of records (page-worker.ts) while the main thread does the
// HTTP, the decisions and the output. Started on first use, at most `size`; a page goes to the least busy one.
// Pages come back as promises, so their order is the caller's (the paging awaits them in page order).
import { Worker } from 'node:worker_threads';
import { systemError } from '../../airbyte/errors.js';
import type { CustomAttributeCatalog } from '../custom-attributes.js';
import { itemsOf, type PageJob, type PageResult } from './prepared.js';

/** What a worker answers: the result, or why there is none. */
type Reply = { job: number; result: PageResult } | { job: number; error: 'invalid JSON' | 'failed'; stack?: string };

interface Pending { job: PageJob; resolve: (items: unknown[]) => void; reject: (error: Error) => void }
interface Slot { worker: Worker; pending: Map<number, Pending> }

/** Raised for a page whose items are not valid JSON (the worker's parse failed). */
export class InvalidItemsError extends Error {
  constructor() {
    super('the page items are not valid JSON');
    this.name = 'InvalidItemsError';
  }
}

export class PageWorkers {
  private readonly slots: Slot[] = [];
  private jobs = 0;
  private broken: Error | undefined;

  constructor(
    /** How many threads at most. */
    readonly size: number,
    private readonly attributes: CustomAttributeCatalog | undefined,
  ) {}

  /** The page's items: PreparedRecords, and parsed values for items that need the main thread. */
  prepare(job: PageJob): Promise<unknown[]> {
    if (this.broken) return Promise.reject(this.broken);
    const slot = this.pick();
    const id = ++this.jobs;
    return new Promise<unknown[]>((resolve, reject) => {
      slot.pending.set(id, { job, resolve, reject });
      if (slot.pending.size === 1) slot.worker.ref();
      // The elements get an ArrayBuffer of their own (a copy: Buffer's slice() would be a view), handed over
      // without the rest of the body, which may share its memory with other buffers.
      const elements = new Uint8Array(job.elements);
      slot.worker.postMessage({ ...job, elements, job: id }, [elements.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  /** The least busy worker; a new one while fewer than `size` run and all are busy. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (const slot of this.slots) if (!best || slot.pending.size < best.pending.size) best = slot;
    if (best && (best.pending.size === 0 || this.slots.length >= this.size)) return best;
    return this.start();
  }

  private start(): Slot {
    const worker = new Worker(new URL('./page-worker.js', import.meta.url), { workerData: { attributes: this.attributes } });
    const slot: Slot = { worker, pending: new Map() };
    // An idle worker does not keep the process alive; one with pages to prepare does (see prepare()).
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const pending = slot.pending.get(reply.job);
      if (!pending) return;
      slot.pending.delete(reply.job);
      if (slot.pending.size === 0) worker.unref();
      if ('result' in reply) {
        let items: unknown[];
        try {
          items = itemsOf(pending.job, reply.result);
        } catch {
          pending.reject(new InvalidItemsError());
          return;
        }
        pending.resolve(items);
      } else if (reply.error === 'invalid JSON') pending.reject(new InvalidItemsError());
      else pending.reject(systemError('A page worker failed to prepare a page of records.', reply.stack));
    });
    const fail = (cause: string) => {
      this.broken ??= systemError(`A page worker stopped: ${cause}.`);
      for (const pending of slot.pending.values()) pending.reject(this.broken);
      slot.pending.clear();
      const at = this.slots.indexOf(slot);
      if (at !== -1) this.slots.splice(at, 1);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.slots.push(slot);
    return slot;
  }
}
