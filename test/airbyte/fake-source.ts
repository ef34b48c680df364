// A small, fully scripted Source for testing the protocol layer, and a harness running runConnector in-process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runConnector } from '../../src/airbyte/cli.js';
import type { AirbyteMessage, ConnectorSpecification } from '../../src/airbyte/protocol.js';
import type { CheckResult, ConfiguredStream, ReadEvent, ReadGroup, RunContext, Source, StreamDefinition, StreamState } from '../../src/airbyte/source.js';
import { parseMessages } from '../helpers/protocol.js';

export const TOKEN = 'tok_live_9f8e7d6c5b4a';
export const CLIENT_SECRET = 'cs_"quoted\\secret';

export const FAKE_SPEC: ConnectorSpecification = {
  documentationUrl: 'https://example.invalid/docs',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['access_token'],
    additionalProperties: true,
    properties: {
      access_token: { type: 'string', airbyte_secret: true, order: 0 },
      region: { type: 'string', enum: ['us', 'eu'], default: 'us', order: 1 },
      start_date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$', pattern_descriptor: 'YYYY-MM-DDTHH:mm:ssZ', format: 'date-time', order: 2 },
      page_size: { type: 'integer', minimum: 1, maximum: 150, default: 50, order: 3 },
      oauth: { type: 'object', properties: { client_secret: { type: 'string', airbyte_secret: true } } },
    },
  },
};

export interface FakeConfig { access_token: string; region: string; page_size: number; [key: string]: unknown }

export const DEFINITIONS: StreamDefinition[] = [
  { name: 'alpha', jsonSchema: { type: 'object', properties: { id: { type: 'string' }, updated_at: { type: 'integer' } } }, supportedSyncModes: ['full_refresh', 'incremental'], primaryKey: [['id']], cursorField: ['updated_at'] },
  { name: 'beta', jsonSchema: { type: 'object', properties: { id: { type: 'string' } } }, supportedSyncModes: ['full_refresh'], primaryKey: [['id']] },
  { name: 'gamma', jsonSchema: { type: 'object', properties: { id: { type: 'string' } } }, supportedSyncModes: ['full_refresh'], primaryKey: [['id']] },
];

/** A scripted step of a group: a ReadEvent, an error thrown at that point, or a pause. */
export type Step = ReadEvent | { type: 'throw'; error: unknown } | { type: 'pause'; ms: number };

export interface FakeOptions {
  /** The groups to read, as stream names and steps; default: one empty group per configured stream. */
  groups?: { streams: string[]; steps: Step[]; alongside?: boolean }[];
  check?: (config: FakeConfig, ctx: RunContext) => Promise<CheckResult>;
  parseConfig?: (raw: Record<string, unknown>) => FakeConfig;
  discoverError?: unknown;
  closeError?: unknown;
}

export class FakeSource implements Source<FakeConfig> {
  readonly spec = FAKE_SPEC;
  closeCalls = 0;
  lastConfig: FakeConfig | undefined;
  lastStreams: ConfiguredStream[] | undefined;
  lastState: Map<string, StreamState> | undefined;
  readGroupsCalls = 0;

  constructor(private readonly opts: FakeOptions = {}) {}

  parseConfig(raw: Record<string, unknown>): FakeConfig {
    return this.opts.parseConfig ? this.opts.parseConfig(raw) : (raw as FakeConfig);
  }

  async check(config: FakeConfig, ctx: RunContext): Promise<CheckResult> {
    this.lastConfig = config;
    return this.opts.check ? this.opts.check(config, ctx) : { status: 'SUCCEEDED' };
  }

  async discover(config: FakeConfig): Promise<StreamDefinition[]> {
    this.lastConfig = config;
    if (this.opts.discoverError !== undefined) throw this.opts.discoverError;
    return DEFINITIONS;
  }

  async readGroups(config: FakeConfig, streams: ConfiguredStream[], state: Map<string, StreamState>): Promise<ReadGroup[]> {
    this.readGroupsCalls++;
    this.lastConfig = config;
    this.lastStreams = streams;
    this.lastState = state;
    const groups: NonNullable<FakeOptions['groups']> = this.opts.groups ?? streams.map((s) => ({ streams: [s.name], steps: [] }));
    return groups.map(({ streams: names, steps, alongside }) => ({
      streams: names,
      ...(alongside ? { alongside } : {}),
      async *read(): AsyncGenerator<ReadEvent> {
        for (const step of steps) {
          if (step.type === 'throw') throw step.error;
          if (step.type === 'pause') await new Promise((r) => setTimeout(r, step.ms));
          else yield step;
        }
      },
    }));
  }

  async close(): Promise<void> {
    this.closeCalls++;
    if (this.opts.closeError !== undefined) throw this.opts.closeError;
  }
}

export const record = (stream: string, id: string, extra: Record<string, unknown> = {}): ReadEvent => ({ type: 'record', stream, data: { id, ...extra } });
export const checkpoint = (stream: string, state: StreamState): ReadEvent => ({ type: 'checkpoint', stream, state });

/** A Writable collecting text, optionally slow (each chunk acknowledged after `delayMs`). */
export class Collector extends Writable {
  text = '';
  maxBuffered = 0;
  constructor(opts: { highWaterMark?: number; delayMs?: number } = {}) {
    super({ highWaterMark: opts.highWaterMark ?? 16 * 1024, decodeStrings: false });
    this.delayMs = opts.delayMs ?? 0;
  }
  private readonly delayMs: number;
  override _write(chunk: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.text += String(chunk);
    if (this.delayMs > 0) setTimeout(() => done(), this.delayMs);
    else done();
  }
}

export function tempFiles(files: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'airbyte-test-'));
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, `${name}.json`);
    writeFileSync(paths[name], typeof content === 'string' ? content : JSON.stringify(content));
  }
  return paths;
}

export const goodConfig = (extra: Record<string, unknown> = {}) => ({ access_token: TOKEN, ...extra });

/** A configured catalog for the named streams (sync mode per stream, full_refresh by default). */
export function catalog(modes: Record<string, 'full_refresh' | 'incremental'>): unknown {
  return {
    streams: Object.entries(modes).map(([name, mode]) => {
      const def = DEFINITIONS.find((d) => d.name === name);
      return {
        stream: { name, json_schema: def?.jsonSchema ?? {}, supported_sync_modes: def?.supportedSyncModes ?? ['full_refresh'] },
        sync_mode: mode,
        destination_sync_mode: mode === 'incremental' ? 'append_dedup' : 'overwrite',
      };
    }),
  };
}

export interface Run { code: number; stdout: string; stderr: string; messages: AirbyteMessage[] }

/** Runs the connector in-process on collecting streams; every stdout line is validated against the protocol. */
export async function run(source: Source<FakeConfig>, argv: string[], opts: { stdout?: Collector; now?: () => number } = {}): Promise<Run> {
  const stdout = opts.stdout ?? new Collector();
  const stderr = new Collector();
  const code = await runConnector(source, argv, { stdout, stderr, now: opts.now ?? (() => 1_700_000_000_000) });
  return { code, stdout: stdout.text, stderr: stderr.text, messages: parseMessages(stdout.text) };
}

/** Runs `read` with the given config, catalog and optional state. */
export async function runRead(source: Source<FakeConfig>, files: { config?: unknown; catalog: unknown; state?: unknown }, opts: { stdout?: Collector } = {}): Promise<Run> {
  const paths = tempFiles({ config: files.config ?? goodConfig(), catalog: files.catalog, ...(files.state === undefined ? {} : { state: files.state }) });
  const argv = ['read', '--config', paths.config!, '--catalog', paths.catalog!, ...(paths.state ? ['--state', paths.state] : [])];
  return run(source, argv, opts);
}

type Msg = AirbyteMessage;
export const statuses = (ms: Msg[], stream: string) =>
  ms.flatMap((m) => (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.stream_descriptor.name === stream ? [m.trace.stream_status.status] : []));
export const statesOf = (ms: Msg[], stream: string) =>
  ms.flatMap((m) => (m.type === 'STATE' && m.state.stream.stream_descriptor.name === stream ? [m.state] : []));
export const errorsOf = (ms: Msg[]) => ms.flatMap((m) => (m.type === 'TRACE' && m.trace.type === 'ERROR' ? [m.trace.error] : []));
/** A compact timeline of one stream: R (record), S<n> (state with recordCount n), and status names. */
export function timeline(ms: Msg[], stream: string): string[] {
  return ms.flatMap((m): string[] => {
    if (m.type === 'RECORD' && m.record.stream === stream) return ['R'];
    if (m.type === 'STATE' && m.state.stream.stream_descriptor.name === stream) return [`S${m.state.sourceStats?.recordCount}`];
    if (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && m.trace.stream_status.stream_descriptor.name === stream) return [m.trace.stream_status.status];
    return [];
  });
}
