import type { ConnectorSpecification, JsonSchema, LogLevel, RecordMeta, SyncMode } from './protocol.js';

/** What every part of a source may use to talk to the outside world, without knowing of stdout. */
export interface RunContext {
  log(level: LogLevel, message: string): void;
  /** Milliseconds since the epoch; injected so tests can be exact. */
  now(): number;
  signal?: AbortSignal;
}

/** A stream as discover shows it. */
export interface StreamDefinition {
  name: string;
  jsonSchema: JsonSchema;
  supportedSyncModes: SyncMode[];
  primaryKey: string[][];
  /** Present for streams that support incremental sync. */
  cursorField?: string[];
}

/** A stream as the configured catalog selects it. */
export interface ConfiguredStream {
  name: string;
  syncMode: SyncMode;
  cursorField?: string[];
}

export type StreamState = Record<string, unknown>;

/**
 * A record's data already serialised, exactly the text JSON.stringify gives for it: as UTF-8, bytes[start..end);
 * or as a string of Latin-1 characters, one per byte of that UTF-8 (`latin1`), which the output writes as Latin-1.
 */
export type SerializedData = { bytes: Uint8Array; start: number; end: number; latin1?: undefined } | { latin1: string; bytes?: undefined };

/** One record of a `records` event: its data as an object, or already serialised (`json`, exactly the text JSON.stringify gives). */
export type RecordRow =
  | { stream: string; data: Record<string, unknown>; json?: undefined; meta?: RecordMeta }
  | { stream: string; json: SerializedData; data?: undefined; meta?: RecordMeta };

/**
 * What a source yields while it reads. The read loop turns these into protocol messages:
 * - record: one RECORD of `stream`, with `meta` (what the source changed in it, e.g. NULLED fields) when given;
 * - records: several RECORDs in order, exactly as that many `record` events (one event per page instead of
 *   one per record: an async generator's turn costs more than a small record's transform);
 * - checkpoint: a state for `stream` that is safe to persist NOW: a sync restarted from it loses no record.
 *   The loop emits it as a STATE with sourceStats.recordCount = records of that stream since its last STATE.
 * - estimate: an ESTIMATE trace (row_estimate) for `stream`;
 * - log: a LOG message.
 */
export type ReadEvent =
  | { type: 'record'; stream: string; data: Record<string, unknown>; meta?: RecordMeta }
  | { type: 'records'; records: RecordRow[] }
  | { type: 'checkpoint'; stream: string; state: StreamState }
  | { type: 'estimate'; stream: string; rowEstimate: number }
  | { type: 'log'; level: LogLevel; message: string };

/**
 * A unit of reading: one or more configured streams that are read together (a parent and the child streams
 * derived from it share one pass over the API). If read() throws, every stream of the group ends INCOMPLETE.
 */
export interface ReadGroup {
  streams: string[];
  read(): AsyncIterable<ReadEvent>;
  /**
   * True for a group whose pace is the server's round trips, not the connector's work, and which holds little
   * (pages one after the other on a cursor only the server advances, or a single request): it is read alongside
   * the groups after it, which start at once.
   */
  alongside?: boolean;
}

export interface CheckResult { status: 'SUCCEEDED' | 'FAILED'; message?: string }

export interface Source<Config> {
  /** The ConnectorSpecification (spec.json). Config is validated against connectionSpecification before parseConfig. */
  spec: ConnectorSpecification;
  /** Turns a validated raw config into the source's typed config. Throws ConnectorError('config_error') naming the field. */
  parseConfig(raw: Record<string, unknown>, ctx: RunContext): Config;
  check(config: Config, ctx: RunContext): Promise<CheckResult>;
  discover(config: Config, ctx: RunContext): Promise<StreamDefinition[]>;
  /**
   * The groups to read, in order. Streams the source does not know, or sync modes it does not support, are
   * rejected by the read loop (config_error) before this is called, using discover().
   * `state` holds the stream_state per stream name from --state (already parsed, list or legacy dict).
   */
  readGroups(config: Config, streams: ConfiguredStream[], state: Map<string, StreamState>, ctx: RunContext): Promise<ReadGroup[]>;
  /** Releases connections etc. Called once at the end of every command. */
  close?(): Promise<void>;
}
