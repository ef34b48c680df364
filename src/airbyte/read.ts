// The read loop: validates the configured catalog against discover(), then reads the source's groups in order
// (a group paced by round trips alongside the ones after it), turning ReadEvents into RECORD / STATE / TRACE / LOG
// messages with stream statuses and record counts.
import { configError, systemError } from './errors.js';
import type { Emitter } from './emitter.js';
import { errorTrace } from './failure.js';
import { cut } from './quote.js';
import type { ConfiguredStream, ReadEvent, ReadGroup, RunContext, Source, StreamDefinition, StreamState } from './source.js';

/** What the loop knows about one stream of the group being read. */
interface StreamProgress {
  /** RECORDs emitted since this stream's previous STATE: the next STATE's sourceStats.recordCount. */
  recordsSinceState: number;
  /** The last state emitted for this stream (a copy), if any. */
  lastState: StreamState | undefined;
  running: boolean;
}

/**
 * Every configured stream must be one the source discovers, in a sync mode it supports. Problems are
 * collected into ONE config_error naming each stream and mode.
 */
export function checkCatalog(definitions: StreamDefinition[], streams: ConfiguredStream[]): void {
  const known = new Map(definitions.map((d) => [d.name, d]));
  const problems: string[] = [];
  for (const stream of streams) {
    const definition = known.get(stream.name);
    if (!definition) {
      problems.push(`stream '${cut(stream.name)}' (sync mode '${stream.syncMode}') is not a stream of this source (known streams: ${[...known.keys()].join(', ')})`);
    } else if (!definition.supportedSyncModes.includes(stream.syncMode)) {
      problems.push(`stream '${cut(stream.name)}' does not support sync mode '${stream.syncMode}' (supported: ${definition.supportedSyncModes.join(', ')})`);
    }
  }
  if (problems.length) throw configError(`The configured catalog cannot be read: ${problems.join('; ')}.`);
}

/** Bug guard: the groups must cover each configured stream exactly once, and nothing else. */
function checkGroups(groups: ReadGroup[], streams: ConfiguredStream[]): void {
  const configured = new Set(streams.map((s) => s.name));
  const grouped = new Set<string>();
  for (const group of groups) {
    for (const name of group.streams) {
      if (!configured.has(name)) throw systemError(`The source planned to read stream '${name}', which is not in the configured catalog.`);
      if (grouped.has(name)) throw systemError(`The source planned to read stream '${name}' in two groups.`);
      grouped.add(name);
    }
  }
  const missing = [...configured].filter((name) => !grouped.has(name));
  if (missing.length) throw systemError(`The source planned no read for configured stream(s) ${missing.join(', ')}.`);
}

/**
 * Reads every configured stream. Returns the exit code: 0 when every group completed, 1 otherwise.
 * Config errors about the catalog stop everything before any read; a failing group marks its streams
 * INCOMPLETE and the next group still runs. Throws only when the output itself fails or the plan is invalid.
 */
export async function readStreams<C>(
  source: Source<C>,
  config: C,
  streams: ConfiguredStream[],
  stateMap: Map<string, StreamState>,
  emitter: Emitter,
  ctx: RunContext,
): Promise<number> {
  checkCatalog(await source.discover(config, ctx), streams);
  const groups = await source.readGroups(config, streams, stateMap, ctx);
  checkGroups(groups, streams);
  let exitCode = 0;
  // Groups read alongside (ReadGroup.alongside) run while the groups after them are read, each its own lines
  // (a line is written whole, so lines of two groups only interleave); all of them are waited for at the end.
  // A group throws only when the output failed: then nothing more can be said, and the caller closes the source
  // (its requests end) without waiting for the groups alongside, which fail at their next line.
  const alongside: Promise<boolean>[] = [];
  for (const group of groups) {
    if (group.alongside) {
      const reading = readGroup(group, stateMap, emitter);
      reading.catch(() => undefined); // taken below, or dropped when the output failed
      alongside.push(reading);
      continue;
    }
    if (!(await readGroup(group, stateMap, emitter))) exitCode = 1;
  }
  for (const result of await Promise.allSettled(alongside)) {
    if (result.status === 'rejected') throw result.reason;
    if (!result.value) exitCode = 1;
  }
  return exitCode;
}

async function readGroup(group: ReadGroup, inputState: Map<string, StreamState>, emitter: Emitter): Promise<boolean> {
  const progress = new Map<string, StreamProgress>(
    group.streams.map((name) => [name, { recordsSinceState: 0, lastState: undefined, running: false }]),
  );
  const progressOf = (event: { type: string; stream: string }): StreamProgress => {
    const p = progress.get(event.stream);
    if (!p) {
      throw systemError(`The source yielded a ${event.type} for stream '${event.stream}' while reading ${group.streams.map((s) => `'${s}'`).join(', ')}.`);
    }
    return p;
  };
  const markRunning = async (name: string, p: StreamProgress) => {
    if (p.running) return;
    p.running = true;
    await emitter.traceStreamStatus(name, 'RUNNING');
  };

  for (const name of group.streams) await emitter.traceStreamStatus(name, 'STARTED');
  try {
    for await (const event of group.read()) {
      switch (event.type) {
        case 'record': {
          const p = progressOf(event);
          if (!p.running) await markRunning(event.stream, p);
          p.recordsSinceState++;
          const full = emitter.record(event.stream, event.data, event.meta);
          if (full) await full;
          break;
        }
        case 'records': {
          const rows = event.records;
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i]!;
            const p = progressOf({ type: 'record', stream: row.stream });
            if (!p.running) await markRunning(row.stream, p);
            p.recordsSinceState++;
            const full = row.json === undefined ? emitter.record(row.stream, row.data, row.meta) : emitter.recordJson(row.stream, row.json, row.meta);
            if (full) await full;
          }
          break;
        }
        case 'checkpoint': {
          const p = progressOf(event);
          await markRunning(event.stream, p);
          p.lastState = structuredClone(event.state);
          await emitter.state(event.stream, p.lastState, p.recordsSinceState);
          p.recordsSinceState = 0;
          break;
        }
        case 'estimate': {
          progressOf(event);
          // row_estimate is an integer a platform can hold (a long): an absurd one (1e308, NaN) is no estimate.
          const rows = Math.max(0, Math.round(event.rowEstimate));
          if (Number.isSafeInteger(rows)) await emitter.traceEstimate(event.stream, rows);
          break;
        }
        case 'log':
          await emitter.log(event.level, event.message);
          break;
        default:
          throw systemError(`The source yielded an unknown read event ${JSON.stringify((event as { type?: unknown }).type)}.`);
      }
    }
  } catch (err) {
    if (emitter.closed) throw err;
    await emitter.traceError(errorTrace(err, group.streams.length === 1 ? group.streams[0] : undefined));
    for (const name of group.streams) await emitter.traceStreamStatus(name, 'INCOMPLETE');
    return false;
  }
  // Every stream ends with a STATE: its last checkpoint (or its input state, or {}) carrying the records
  // emitted since, unless that exact STATE was the last thing said about the stream.
  for (const [name, p] of progress) {
    await markRunning(name, p);
    if (p.recordsSinceState > 0 || p.lastState === undefined) {
      await emitter.state(name, p.lastState ?? inputState.get(name) ?? {}, p.recordsSinceState);
      p.recordsSinceState = 0;
    }
  }
  for (const name of group.streams) await emitter.traceStreamStatus(name, 'COMPLETE');
  return true;
}
