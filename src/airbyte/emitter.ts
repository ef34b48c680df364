// The one place that writes AirbyteMessages: one JSON line per message, secrets redacted from every line,
// and backpressure respected (a full output buffer makes the producer wait for 'drain').
import type {
  AirbyteCatalog, AirbyteMessage, ConnectorSpecification, FailureType, LogLevel, RecordMeta, StreamDescriptor
} from './protocol.js';
import { jsonEscaped, redactText, redactValue, usableSecrets } from './redact.js';
import type { SerializedData } from './source.js';

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

/** The text of serialised data. */
const serialisedText = (json: SerializedData): string => json.bytes === undefined
  ? Buffer.from(json.latin1, 'latin1').toString('utf8')
  : Buffer.from(json.bytes.buffer, json.bytes.byteOffset + json.start, json.end - json.start).toString('utf8');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface RecordHead { text: string; bytes: Buffer; clean: boolean }

/** Raised by emit() once the output is broken (EPIPE, closed): nothing more can be said on stdout. */
export class OutputClosedError extends Error {
  constructor(cause: unknown) {
    super(`the output stream is closed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'OutputClosedError';
  }
}

/** Raised by emit() after stop(): the run is ending (SIGTERM), no new line may start. */
export class OutputStoppedError extends OutputClosedError {
  constructor() {
    super('stopped');
    this.name = 'OutputStoppedError';
  }
}

/** The output chunk the command line uses: large enough to make write syscalls rare, small against memory. */
export const OUTPUT_BATCH_BYTES = 64 * 1024;
/** Batch buffers kept for reuse at most (each 2 x batchBytes). */
const SPARE_BATCHES = 16;

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
  /**
   * Batch buffers the output is done with (its write callback ran), for the next batches: a fresh 128 KB
   * buffer per batch is memory to allocate and fault in again (bench/HISTORY.md: 3.5 -> 0.9 us per RECORD
   * line of prepared data written without secrets, 607k -> 584k instructions per pipeline record).
   */
  private spareBatches: Buffer[] = [];
  private flushScheduled = false;
  /** RECORD line heads per stream (for the current secrets). */
  private readonly heads = new Map<string, RecordHead>();
  /** True when a secret could straddle the pieces of a RECORD line: records then take the general path. */
  private pieceSecrets = false;
  private tailAt = Number.NaN;
  private tail = '';
  private tailClean = true;
  /**
   * The escaped secrets in UTF-8, those a line can hold: no line holds a raw line feed (JSON escapes it), so a
   * secret with one is in no line and is not searched for.
   */
  private secretBytes: Buffer[] = [];
  /**
   * Where the batch's RECORD lines whose data nobody has searched for secrets yet start (emitRecord's pieces), or
   * -1: they are searched once the batch is written, all at once (a search per line cost ~0.9 us per line, one
   * per 64 KB batch ~0.3), or sooner when the secrets change, with the secrets they were written under.
   */
  private uncheckedFrom = -1;

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
    this.batch ??= this.newBatch();
    this.batchLength += this.batch.write(line, this.batchLength);
    this.batch[this.batchLength++] = 10; // '\n'
    return this.appended(full);
  }

  /** After a line went into the batch: hands the batch over once it is large enough, or later in this turn. */
  private appended(full: Promise<void> | undefined): Promise<void> | undefined {
    if (this.batchLength >= this.batchBytes) return this.writeBatch() ?? full;
    if (full) return full;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        // Nobody awaits this write: a closed output is recorded in `failure` (the next emit throws), not
        // left as an unhandled rejection.
        if (!this.failure) this.writeBatch()?.catch(() => undefined);
      });
    }
    return undefined;
  }

  /** Hands the gathered lines to the output; a promise when the output is full (the producer waits for it). */
  private writeBatch(): Promise<void> | undefined {
    if (!this.batch || this.batchLength === 0) return undefined;
    // The output keeps the chunk until it is written: the next batch gets another buffer, and this one is
    // used again once the output's write callback says it is done with it.
    const buffer = this.batch;
    const chunk = this.searched(buffer.subarray(0, this.batchLength));
    this.batch = undefined;
    this.batchLength = 0;
    return this.write(chunk, (error) => {
      if (!error && this.spareBatches.length < SPARE_BATCHES) this.spareBatches.push(buffer);
    });
  }

  /**
   * The batch's lines with every RECORD line whose data holds a secret redacted (see uncheckedFrom): the batch
   * itself when none does, else a copy with those lines made again the redacting way (the message parsed from its
   * line, redactValue, serialised: what emit() does with a message whose line holds a secret). A secret is found
   * in a line's bytes exactly when it is in its text (UTF-8 is one-to-one).
   */
  private searched(chunk: Buffer): Buffer {
    const from = this.uncheckedFrom;
    this.uncheckedFrom = -1;
    if (from < 0) return chunk;
    const needles = this.secretBytes;
    let pieces: Buffer[] | undefined;
    let kept = 0;
    for (let at = from; ;) {
      let hit = -1;
      for (const needle of needles) {
        const found = chunk.indexOf(needle, at);
        if (found !== -1 && (hit === -1 || found < hit)) hit = found;
      }
      if (hit === -1) break;
      const start = chunk.lastIndexOf(10, hit) + 1;
      const end = chunk.indexOf(10, hit); // every line ends with one
      const message = JSON.parse(chunk.toString('utf8', start, end)) as unknown;
      (pieces ??= []).push(chunk.subarray(kept, start), Buffer.from(JSON.stringify(redactValue(message, this.plainSecrets)), 'utf8'));
      kept = end;
      at = end + 1;
    }
    if (!pieces) return chunk;
    pieces.push(chunk.subarray(kept));
    return Buffer.concat(pieces);
  }

  /** A batch buffer: one the output is done with, or a new one. */
  private newBatch(): Buffer {
    return this.spareBatches.pop() ?? Buffer.allocUnsafe(2 * this.batchBytes);
  }

  private write(chunk: string | Buffer, written?: (error?: Error | null) => void): Promise<void> | undefined {
    const roomLeft = written ? this.out.write(chunk, written) : this.out.write(chunk);
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
    if (this.failure) throw this.failure;
    this.refreshSecrets();
    // The line is `head + JSON(data) + tail`, the same text JSON.stringify gives for the whole message; only
    // the data is serialised per record, the head is encoded once per stream. When a secret might be in the
    // line (or might straddle two pieces), the whole message goes the general way, redacted.
    // The data is searched for secrets in its UTF-8 bytes, once encoded (a byte search, cheaper than one over the
    // string); the head and tail as text, the plain tail once per millisecond.
    const general = () => this.emit({ type: 'RECORD', record: meta === undefined ? { stream, data, emitted_at } : { stream, data, emitted_at, meta } });
    const head = this.pieceSecrets ? undefined : this.recordHead(stream);
    if (head === undefined || !head.clean || !Number.isFinite(emitted_at)) return general();
    const json = JSON.stringify(data);
    const tail = meta === undefined ? this.plainTail(emitted_at) : `,"emitted_at":${emitted_at},"meta":${JSON.stringify(meta)}}}`;
    if (meta === undefined ? !this.tailClean : this.holdsSecret(tail)) return general();
    return this.emitRecord(head, json, tail, meta === undefined, general);
  }

  /**
   * One RECORD whose data is already serialised (`json` holds exactly what JSON.stringify gives for the data,
   * as UTF-8): the line is the same as record() writes for that data, its bytes copied instead of encoded.
   */
  recordJson(stream: string, json: SerializedData, meta?: RecordMeta): Promise<void> | undefined {
    const emitted_at = Math.trunc(this.now());
    if (this.failure) throw this.failure;
    this.refreshSecrets();
    const general = () => {
      const data = JSON.parse(serialisedText(json)) as Record<string, unknown>;
      return this.emit({ type: 'RECORD', record: meta === undefined ? { stream, data, emitted_at } : { stream, data, emitted_at, meta } });
    };
    const head = this.pieceSecrets ? undefined : this.recordHead(stream);
    if (head === undefined || !head.clean || !Number.isFinite(emitted_at)) return general();
    const tail = meta === undefined ? this.plainTail(emitted_at) : `,"emitted_at":${emitted_at},"meta":${JSON.stringify(meta)}}}`;
    if (meta === undefined ? !this.tailClean : this.holdsSecret(tail)) return general();
    return this.emitRecord(head, json, tail, meta === undefined, general);
  }

  /** `{"type":"RECORD","record":{"stream":<name>,"data":` as text and as UTF-8, and whether it is free of secrets. */
  private recordHead(stream: string): RecordHead {
    let head = this.heads.get(stream);
    if (head === undefined) {
      const text = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream)},"data":`;
      head = { text, bytes: Buffer.from(text, 'utf8'), clean: !this.holdsSecret(text) };
      this.heads.set(stream, head);
    }
    return head;
  }

  /** `,"emitted_at":<ms>}}`, made once per millisecond. */
  private plainTail(emittedAt: number): string {
    if (emittedAt !== this.tailAt) {
      this.tailAt = emittedAt;
      this.tail = `,"emitted_at":${emittedAt}}}`;
      this.tailClean = !this.holdsSecret(this.tail);
    }
    return this.tail;
  }

  private holdsSecret(text: string): boolean {
    const secrets = this.escapedSecrets;
    for (let i = 0; i < secrets.length; i++) if (text.includes(secrets[i]!)) return true;
    return false;
  }

  /**
   * One RECORD line from its pieces, encoded straight into the batch, searched for secrets with the rest of the
   * batch (uncheckedFrom); a line written on its own is searched here, and when its data holds a secret, `general`
   * (the redacting way) writes it instead.
   */
  private emitRecord(head: RecordHead, json: string | SerializedData, tail: string, asciiTail: boolean, general: () => Promise<void> | undefined): Promise<void> | undefined {
    const dataBytes = typeof json === 'string' ? 3 * json.length : json.bytes === undefined ? json.latin1.length : json.end - json.start;
    const mostBytes = head.bytes.length + dataBytes + 3 * tail.length + 1;
    if (this.batchBytes <= 0 || mostBytes > 2 * this.batchBytes) {
      const text = typeof json === 'string' ? json : serialisedText(json);
      if (this.holdsSecret(text)) return general();
      const full = this.batchBytes > 0 ? this.writeBatch() : undefined;
      return this.write(head.text + text + tail + '\n') ?? full;
    }
    let full: Promise<void> | undefined;
    if (this.batch && this.batchLength + mostBytes > this.batch.length) full = this.writeBatch();
    const batch = (this.batch ??= this.newBatch());
    const lineStart = this.batchLength;
    const dataStart = lineStart + head.bytes.copy(batch, lineStart);
    let dataEnd: number;
    if (typeof json === 'string') dataEnd = dataStart + batch.write(json, dataStart, 'utf8');
    else if (json.bytes === undefined) dataEnd = dataStart + batch.write(json.latin1, dataStart, 'latin1');
    else {
      batch.set(json.bytes.subarray(json.start, json.end), dataStart);
      dataEnd = dataStart + (json.end - json.start);
    }
    if (this.secretBytes.length > 0 && this.uncheckedFrom < 0) this.uncheckedFrom = lineStart;
    this.batchLength = dataEnd + batch.write(tail, dataEnd, asciiTail ? 'latin1' : 'utf8');
    batch[this.batchLength++] = 10; // '\n'
    return this.appended(full);
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

  /**
   * Ends the output for good (on SIGTERM): emit() throws from now on, the lines already gathered are handed
   * to the output (whole lines only, so no line is ever cut), and the promise resolves once the output has
   * taken everything, or after `graceMs` when nobody reads it.
   */
  stop(graceMs: number): Promise<void> {
    if (this.failure) return Promise.resolve();
    const pending = this.batch ? this.searched(this.batch.subarray(0, this.batchLength)) : '';
    this.batch = undefined;
    this.batchLength = 0;
    this.failure = new OutputStoppedError();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      try {
        // Writes complete in order: the callback of the last one means every earlier one is out.
        this.out.write(pending, done);
      } catch {
        done();
      }
    });
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
    if (this.batch && this.uncheckedFrom >= 0) {
      // Lines written under the secrets known so far are searched for those.
      const chunk = this.batch.subarray(0, this.batchLength);
      const lines = this.searched(chunk);
      if (lines !== chunk) {
        if (lines.length > this.batch.length) this.batch = Buffer.allocUnsafe(lines.length);
        this.batchLength = lines.copy(this.batch, 0);
      }
    }
    this.secretsSource = source;
    this.plainSecrets = usableSecrets(source);
    this.escapedSecrets = [...new Set(this.plainSecrets.flatMap((s) => [s, jsonEscaped(s)]))];
    // A secret holding `:{` or `},` could straddle the head and the data or the data and the tail of a RECORD line.
    // So could one with a lone surrogate escape the byte search (its UTF-8 differs from half of a pair's).
    this.pieceSecrets = this.escapedSecrets.some((s) => s.includes(':{') || s.includes('},') || LONE_SURROGATE.test(s));
    this.secretBytes = this.escapedSecrets.map((s) => Buffer.from(s, 'utf8')).filter((bytes) => !bytes.includes(10));
    this.heads.clear();
    this.tailAt = Number.NaN;
  }
}
