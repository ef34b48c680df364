// The one place that writes AirbyteMessages: one JSON line per message, secrets redacted from every line,
// and backpressure respected (a full output buffer makes the producer wait for 'drain').
import type {
  AirbyteCatalog, AirbyteMessage, ConnectorSpecification, FailureType, LogLevel, RecordMeta, StreamDescriptor
} from './protocol.js';
import { jsonEscaped, redactText, redactValue, usableSecrets } from './redact.js';

export interface EmitterOptions {
  /**
   * The secret values to hide; called on every message, so secrets learnt later (after config load) count.
   * Return a new array when the set changes (the derived forms are cached per array).
   */
  secrets: () => readonly string[];
  /** Milliseconds since the epoch, for emitted_at. */
  now?: () => number;
  /**
   * Lines are gathered and written in chunks of about this many bytes (and at the end of every turn of the
   * event loop), instead of one write per line: on Linux a pipe write is a blocking syscall, and one per
   * record costs more than the record. 0 writes every line at once.
   */
  batchBytes?: number;
}

export interface ErrorTrace {
  message: string;
  failureType: FailureType;
  internalMessage?: string;
  stackTrace?: string;
  stream?: string;
}

/** Raised by emit() once the output is broken (EPIPE, closed): nothing more can be said on stdout. */
export class OutputClosedError extends Error {
  constructor(cause: unknown) {
    super(`the output stream is closed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'OutputClosedError';
  }
}

/** The output chunk the command line uses: large enough to make write syscalls rare, small against memory. */
export const OUTPUT_BATCH_BYTES = 64 * 1024;

export class Emitter {
  readonly now: () => number;
  private readonly secretsOf: () => readonly string[];
  private secretsSource: readonly string[] | undefined;
  private plainSecrets: string[] = [];
  private escapedSecrets: string[] = [];
  private drain: Promise<void> | undefined;
  private failure: Error | undefined;
  private readonly batchBytes: number;
  /**
   * The lines gathered so far, already UTF-8 encoded: each line is encoded once, straight into this buffer
   * (no concatenated string to flatten and encode again when written), and the output gets bytes.
   */
  private batch: Buffer | undefined;
  private batchLength = 0;
  private flushScheduled = false;

  constructor(private readonly out: NodeJS.WritableStream, opts: EmitterOptions) {
    this.secretsOf = opts.secrets;
    this.now = opts.now ?? Date.now;
    this.batchBytes = opts.batchBytes ?? 0;
    out.on('error', (err: Error) => { this.failure ??= new OutputClosedError(err); });
  }

  /** True once the output failed; emit() then throws OutputClosedError. */
  get closed(): boolean { return this.failure !== undefined; }

  /**
   * Writes one message as one line, synchronously (so lines keep the order of the calls).
   * Returns undefined when the output buffer has room (the fast path: one JSON.stringify, no promise),
   * or a promise that resolves on 'drain' when the buffer is full: the producer must await it.
   */
  emit(msg: AirbyteMessage): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    let line = JSON.stringify(msg);
    this.refreshSecrets();
    if (this.escapedSecrets.length > 0 && this.escapedSecrets.some((s) => line.includes(s))) {
      line = JSON.stringify(redactValue(msg, this.plainSecrets));
    }
    if (this.batchBytes <= 0) return this.write(line + '\n');
    // UTF-8 takes at most 3 bytes per UTF-16 unit: a line that might not fit ends the current batch first.
    const mostBytes = 3 * line.length + 1;
    let full: Promise<void> | undefined;
    if (this.batch && this.batchLength + mostBytes > this.batch.length) full = this.writeBatch();
    if (mostBytes > 2 * this.batchBytes) return this.write(line + '\n') ?? full;
    this.batch ??= Buffer.allocUnsafe(2 * this.batchBytes);
    this.batchLength += this.batch.write(line, this.batchLength);
    this.batch[this.batchLength++] = 10; // '\n'
    if (this.batchLength >= this.batchBytes) return this.writeBatch() ?? full;
    if (full) return full;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        if (!this.failure) void this.writeBatch();
      });
    }
    return undefined;
  }

  /** Hands the gathered lines to the output; a promise when the output is full (the producer waits for it). */
  private writeBatch(): Promise<void> | undefined {
    if (!this.batch || this.batchLength === 0) return undefined;
    // The output keeps the chunk until it is written: the next batch gets a buffer of its own.
    const chunk = this.batch.subarray(0, this.batchLength);
    this.batch = undefined;
    this.batchLength = 0;
    return this.write(chunk);
  }

  private write(chunk: string | Buffer): Promise<void> | undefined {
    const roomLeft = this.out.write(chunk);
    return roomLeft ? undefined : this.waitForDrain();
  }

  /** Free text with every secret replaced by `****` (for stderr and anything else leaving the process). */
  redact(text: string): string {
    this.refreshSecrets();
    return redactText(text, this.plainSecrets);
  }

  /** One RECORD; `meta` (AirbyteRecordMessageMeta) only when the source changed something in the data. */
  record(stream: string, data: Record<string, unknown>, meta?: RecordMeta): Promise<void> | undefined {
    const emitted_at = Math.trunc(this.now());
    return this.emit({ type: 'RECORD', record: meta === undefined ? { stream, data, emitted_at } : { stream, data, emitted_at, meta } });
  }

  state(stream: string, streamState: Record<string, unknown>, recordCount: number): Promise<void> | undefined {
    return this.emit({
      type: 'STATE',
      state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: streamState }, sourceStats: { recordCount } },
    });
  }

  log(level: LogLevel, message: string, stackTrace?: string): Promise<void> | undefined {
    return this.emit({ type: 'LOG', log: { level, message, ...(stackTrace === undefined ? {} : { stack_trace: stackTrace }) } });
  }

  traceError(e: ErrorTrace): Promise<void> | undefined {
    const descriptor: StreamDescriptor | undefined = e.stream === undefined ? undefined : { name: e.stream };
    return this.emit({
      type: 'TRACE',
      trace: {
        type: 'ERROR',
        emitted_at: this.now(),
        error: {
          message: e.message,
          failure_type: e.failureType,
          ...(e.internalMessage === undefined ? {} : { internal_message: e.internalMessage }),
          ...(e.stackTrace === undefined ? {} : { stack_trace: e.stackTrace }),
          ...(descriptor === undefined ? {} : { stream_descriptor: descriptor }),
        },
      },
    });
  }

  traceStreamStatus(stream: string, status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE'): Promise<void> | undefined {
    return this.emit({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: this.now(), stream_status: { stream_descriptor: { name: stream }, status } } });
  }

  traceEstimate(stream: string, rowEstimate: number): Promise<void> | undefined {
    return this.emit({ type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: this.now(), estimate: { name: stream, type: 'STREAM', row_estimate: rowEstimate } } });
  }

  spec(spec: ConnectorSpecification): Promise<void> | undefined {
    return this.emit({ type: 'SPEC', spec });
  }

  connectionStatus(status: 'SUCCEEDED' | 'FAILED', message?: string): Promise<void> | undefined {
    return this.emit({ type: 'CONNECTION_STATUS', connectionStatus: { status, ...(message === undefined ? {} : { message }) } });
  }

  catalog(catalog: AirbyteCatalog): Promise<void> | undefined {
    return this.emit({ type: 'CATALOG', catalog });
  }

  /** Resolves once everything written so far has been handed to the output (or the output failed). */
  async flush(): Promise<void> {
    if (this.failure) return;
    if (this.batchLength > 0) {
      try {
        await this.writeBatch();
      } catch {
        return;
      }
    }
    if (this.drain) await this.drain.catch(() => undefined);
    if (this.failure) return;
    await new Promise<void>((resolve) => {
      try {
        this.out.write('', () => resolve());
      } catch {
        resolve();
      }
    });
  }

  private waitForDrain(): Promise<void> {
    this.drain ??= new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.out.removeListener('drain', onDrain);
        this.out.removeListener('error', onError);
        this.out.removeListener('close', onClose);
        this.drain = undefined;
        if (err) reject(err); else resolve();
      };
      const onDrain = () => settle();
      const onError = (err: Error) => settle(this.failure ?? new OutputClosedError(err));
      const onClose = () => settle(this.failure ??= new OutputClosedError('closed before draining'));
      this.out.on('drain', onDrain);
      this.out.on('error', onError);
      this.out.on('close', onClose);
    });
    return this.drain;
  }

  private refreshSecrets(): void {
    const source = this.secretsOf();
    if (source === this.secretsSource) return;
    this.secretsSource = source;
    this.plainSecrets = usableSecrets(source);
    this.escapedSecrets = [...new Set(this.plainSecrets.flatMap((s) => [s, jsonEscaped(s)]))];
  }
}
