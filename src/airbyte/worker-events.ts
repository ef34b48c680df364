// Reading a group in a worker thread: the worker serialises RECORD messages itself and hands the main thread
// ready-made lines (transferred, not copied), so parsing and serialising run on another core while the main
// thread only writes bytes. Order is kept: records always reach the main thread before a checkpoint that
// follows them. Flow control: the worker has at most WINDOW batches of lines unconsumed, so a slow stdout
// slows the worker down instead of growing a queue. The worker may also call the main thread (calls), e.g. to
// share one rate-limit pacer per process.
import type { MessagePort, Worker } from 'node:worker_threads';
import { ConnectorError, systemError } from './errors.js';
import type { FailureType, LogLevel } from './protocol.js';
import type { ReadEvent } from './source.js';

const WINDOW = 4;
const BATCH_CHARS = 256 * 1024;
const encoder = new TextEncoder();

type ToMain =
  | { kind: 'lines'; lines: Uint8Array; counts: Record<string, number> }
  | { kind: 'event'; event: Exclude<ReadEvent, { type: 'record' | 'lines' }> }
  | { kind: 'call'; id: number; method: string; args: unknown[] }
  | { kind: 'error'; failureType?: FailureType; message: string; internalMessage?: string; stack?: string }
  | { kind: 'end' };

type ToWorker = { kind: 'ack' } | { kind: 'reply'; id: number; value?: unknown; error?: string };

/** Worker side: the channel to the main thread (its parentPort). */
export class MainChannel {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private credits = WINDOW;
  private waitingForCredit: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {
    port.on('message', (message: ToWorker) => {
      if (message.kind === 'ack') {
        this.credits++;
        this.waitingForCredit?.();
        this.waitingForCredit = undefined;
      } else {
        const call = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined) call?.reject(new Error(message.error));
        else call?.resolve(message.value);
      }
    });
  }

  /** A LOG message, sent at once (it may overtake records still being batched). */
  log(level: LogLevel, message: string): void {
    this.send({ kind: 'event', event: { type: 'log', level, message } });
  }

  /** Calls `method` on the main thread's handler and waits for its answer. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ kind: 'call', id, method, args });
    });
  }

  /** Forwards a group's events, serialising records into batches of lines. Never throws: errors are sent. */
  async serve(events: AsyncIterable<ReadEvent>, now: () => number): Promise<void> {
    let batch = '';
    let counts: Record<string, number> = {};
    const flush = async () => {
      if (batch === '') return;
      if (this.credits === 0) await new Promise<void>((resolve) => (this.waitingForCredit = resolve));
      this.credits--;
      const lines = encoder.encode(batch); // its own ArrayBuffer: transferred, not copied
      this.port.postMessage({ kind: 'lines', lines, counts } satisfies ToMain, [lines.buffer]);
      batch = '';
      counts = {};
    };
    try {
      for await (const event of events) {
        if (event.type === 'record') {
          batch += JSON.stringify({ type: 'RECORD', record: { stream: event.stream, data: event.data, emitted_at: Math.trunc(now()) } }) + '\n';
          counts[event.stream] = (counts[event.stream] ?? 0) + 1;
          if (batch.length >= BATCH_CHARS) await flush();
        } else if (event.type === 'lines') {
          throw systemError('a worker group cannot forward pre-serialised lines');
        } else {
          await flush();
          this.send({ kind: 'event', event });
        }
      }
      await flush();
      this.send({ kind: 'end' });
    } catch (error) {
      const e = error as Error & { failureType?: FailureType; internalMessage?: string };
      this.send({
        kind: 'error',
        failureType: error instanceof ConnectorError ? error.failureType : undefined,
        message: e?.message ?? String(error),
        internalMessage: e?.internalMessage,
        stack: error instanceof ConnectorError ? undefined : e?.stack,
      });
    }
  }

  private send(message: ToMain): void {
    this.port.postMessage(message);
  }
}

/**
 * Main side: the events of a group read by `worker`, in order. `onCall` answers the worker's calls.
 * The worker is terminated when the consumer stops early or the worker fails.
 */
export async function* eventsFromWorker(worker: Worker, onCall: (method: string, args: unknown[]) => unknown): AsyncIterable<ReadEvent> {
  const queue: ToMain[] = [];
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let exited = false;
  const push = () => { wake?.(); wake = undefined; };
  worker.on('message', (message: ToMain) => {
    if (message.kind === 'call') {
      Promise.resolve()
        .then(() => onCall(message.method, message.args))
        .then(
          (value) => worker.postMessage({ kind: 'reply', id: message.id, value } satisfies ToWorker),
          (error: Error) => worker.postMessage({ kind: 'reply', id: message.id, error: error.message } satisfies ToWorker),
        );
      return;
    }
    queue.push(message);
    push();
  });
  worker.on('error', (error) => { failure = error; push(); });
  worker.on('exit', () => { exited = true; push(); });
  try {
    for (;;) {
      const message = queue.shift();
      if (!message) {
        if (failure) throw systemError(`the worker reading this group failed: ${failure.message}`, failure.stack);
        if (exited) throw systemError('the worker reading this group stopped before it finished');
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (message.kind === 'end') return;
      if (message.kind === 'error') {
        if (message.failureType) throw new ConnectorError(message.failureType, message.message, message.internalMessage);
        const error = new Error(message.message);
        if (message.stack) error.stack = message.stack;
        throw error;
      }
      if (message.kind === 'lines') {
        yield { type: 'lines', lines: message.lines, counts: message.counts };
        worker.postMessage({ kind: 'ack' } satisfies ToWorker);
      } else if (message.kind === 'event') {
        yield message.event;
      }
    }
  } finally {
    await worker.terminate();
  }
}
