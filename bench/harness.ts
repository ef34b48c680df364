// Shared pieces of the benchmarks: start the sandbox (in a child process for CPU-bound runs, so it has a
// core of its own, or in-process when a run needs the request log or the ground truth), run the built
// connector as a child process, count its output without parsing every line, and sample its peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { SandboxOptions } from '../sandbox/index.js';
import { configuredCatalog } from '../test/helpers/catalog.js';

/** Room for every response of a pipeline read of 100,000 contacts (they take ~350 MB: the sandbox's RSS 455 -> 807 MB). */
export const RESPONSE_CACHE_BYTES = 1024 * 1024 * 1024;

export interface SandboxProcess {
  url: string;
  token: string;
  stop(): Promise<void>;
  /** Its CPU time so far (user + sys, seconds): what the sandbox takes of the cores the connector runs on. */
  cpuSeconds(): number;
}

/** CPU time (user + sys, seconds) from a /proc stat file (a process's or a thread's). */
function statSeconds(path: string): number {
  // utime and stime: fields 14 and 15, counted after the command name (which may hold spaces), in ticks of
  // USER_HZ, which is 100 on Linux.
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's CPU time (user + sys, seconds) from /proc; 0 once it is gone. */
function processCpuSeconds(pid: number | undefined): number {
  try {
    return statSeconds(`/proc/${pid}/stat`);
  } catch {
    return 0;
  }
}

/** Starts `sandbox/cli.ts` with a JSON profile; resolves once it prints its URL. */
export function sandboxProcess(options: SandboxOptions): Promise<SandboxProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sandbox-'));
  const profile = join(dir, 'profile.json');
  writeFileSync(profile, JSON.stringify(options));
  const child = spawn(process.execPath, [resolve('.build/sandbox/cli.js'), '--port', '0', '--profile', profile], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done, fail) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /listening on (\S+) token (\S+)/.exec(line);
      if (match) done({ url: match[1]!, token: match[2]!, stop: () => stop(child), cpuSeconds: () => processCpuSeconds(child.pid) });
    });
    child.on('exit', (code) => fail(new Error(`sandbox exited with ${code} before listening`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.on('exit', () => done());
    child.kill('SIGTERM');
  });
}

export interface ConnectorRun {
  exitCode: number | null;
  seconds: number;
  records: number;
  recordsByStream: Map<string, number>;
  /** Per stream, when its first and its last RECORD arrived (seconds since the connector started; per chunk read). */
  streamTimes: Map<string, { first: number; last: number }>;
  states: number;
  errors: string[];
  peakRssMb: number;
  /** The connector's CPU time (user + sys, seconds), from /proc: last sample before it exited (50 ms steps). */
  cpuSeconds: number;
  bytes: number;
  /** The connector's main thread's CPU time (seconds): the share no worker thread can take. */
  mainCpuSeconds: number;
  /**
   * The time the connector's main thread was ready to run but waited for a core (seconds, the kernel's
   * schedstat): the other processes and threads of a shared machine taking its place. Undefined where the kernel
   * keeps no schedstat (no CONFIG_SCHED_INFO): not measured, rather than none.
   */
  mainWaitSeconds: number | undefined;
  /** RECORD lines, only when `keepRecords` is set. */
  lines: string[];
}

export interface ConnectorRunOptions {
  config: Record<string, unknown>;
  catalog: unknown;
  state?: unknown;
  /** Reads stdout slowly: pauses the stream for `pauseMs` after every `everyBytes` bytes. */
  slowConsumer?: { everyBytes: number; pauseMs: number };
  keepRecords?: boolean;
  /** Extra arguments after the command (e.g. `--workers 2`). */
  extraArgs?: string[];
  /** The connector's entry point (default dist/main.js): another build, to compare two versions. */
  main?: string;
  /** A command the connector runs under (e.g. valgrind and its options). */
  wrap?: string[];
  /** Extra environment for the connector. */
  env?: Record<string, string>;
  /** The node binary that runs the connector (default: the one running the benchmark). */
  node?: string;
  /** V8 / Node flags for the connector, after BENCH_NODE_FLAGS (e.g. `--max-semi-space-size=64`). */
  nodeFlags?: string[];
}


/** Runs `node dist/main.js read` and measures it. */
export async function runRead(opts: ConnectorRunOptions): Promise<ConnectorRun> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const files = ['config', 'catalog', 'state'] as const;
  // BENCH_NODE_FLAGS: V8 / Node flags for the connector only (e.g. to see what a flag does to its memory).
  const args = [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(opts.nodeFlags ?? []), resolve(opts.main ?? 'dist/main.js'), 'read'];
  for (const name of files) {
    const value = name === 'config' ? opts.config : name === 'catalog' ? opts.catalog : opts.state;
    if (value === undefined) continue;
    writeFileSync(join(dir, `${name}.json`), JSON.stringify(value));
    args.push(`--${name}`, join(dir, `${name}.json`));
  }
  args.push(...(opts.extraArgs ?? []));
  const started = process.hrtime.bigint();
  const [command, ...prefix] = [...(opts.wrap ?? []), opts.node ?? process.execPath];
  const child = spawn(command!, [...prefix, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...opts.env } });
  let peakKb = 0;
  let cpuSeconds = 0;
  let mainCpuSeconds = 0;
  let mainWaitNs: number | undefined;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      cpuSeconds = Math.max(cpuSeconds, statSeconds(`/proc/${child.pid}/stat`));
      mainCpuSeconds = Math.max(mainCpuSeconds, statSeconds(`/proc/${child.pid}/task/${child.pid}/stat`));
      // schedstat: time on a core, time waiting on the run queue, timeslices (nanoseconds).
      const waited = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/schedstat`, 'utf8').split(' ')[1]);
      if (Number.isFinite(waited)) mainWaitNs = Math.max(mainWaitNs ?? 0, waited);
    } catch { /* exited */ }
  };
  const sampler = setInterval(sample, 50);
  const run: ConnectorRun = { exitCode: null, seconds: 0, records: 0, recordsByStream: new Map(), streamTimes: new Map(), states: 0, errors: [], peakRssMb: 0, cpuSeconds: 0, mainCpuSeconds: 0, mainWaitSeconds: undefined, bytes: 0, lines: [] };
  // The reader must cost little next to the connector (it stands for Airbyte's, which runs elsewhere): scan raw
  // chunks for line starts in place, parse nothing unless asked to keep records. Only a line cut between two
  // chunks is copied (joined once its end has come), not the chunk it ends in.
  const RECORD = Buffer.from('{"type":"RECORD","record":{"stream":"');
  const STATE = Buffer.from('{"type":"STATE"');
  let at = 0;
  /** The last stream name seen, and its bytes: most records are of the stream before. */
  let stream = '';
  let streamBytes = Buffer.alloc(0);
  const line = (chunk: Buffer, start: number, end: number): void => {
    if (chunk.compare(RECORD, 0, RECORD.length, start, Math.min(end, start + RECORD.length)) === 0) {
      run.records++;
      const nameStart = start + RECORD.length;
      const nameEnd = nameStart + streamBytes.length;
      if (streamBytes.length === 0 || chunk[nameEnd] !== 34 || chunk.compare(streamBytes, 0, streamBytes.length, nameStart, nameEnd) !== 0) {
        stream = chunk.toString('latin1', nameStart, chunk.indexOf(34, nameStart));
        streamBytes = Buffer.from(stream, 'latin1');
      }
      run.recordsByStream.set(stream, (run.recordsByStream.get(stream) ?? 0) + 1);
      const times = run.streamTimes.get(stream);
      if (times) times.last = at;
      else run.streamTimes.set(stream, { first: at, last: at });
      if (opts.keepRecords) run.lines.push(chunk.toString('utf8', start, end));
    } else if (chunk.compare(STATE, 0, STATE.length, start, Math.min(end, start + STATE.length)) === 0) {
      run.states++;
    } else {
      const text = chunk.toString('utf8', start, end);
      if (text.includes('"type":"ERROR"')) run.errors.push(text);
    }
  };
  let carry: Buffer[] = [];
  let sinceHold = 0;
  for await (const piece of child.stdout! as AsyncIterable<Buffer>) {
    run.bytes += piece.length;
    at = Number(process.hrtime.bigint() - started) / 1e9;
    let start = 0;
    if (carry.length > 0) {
      const end = piece.indexOf(10);
      if (end === -1) {
        carry.push(piece);
        start = piece.length;
      } else {
        carry.push(piece.subarray(0, end));
        const joined = Buffer.concat(carry);
        carry = [];
        line(joined, 0, joined.length);
        start = end + 1;
      }
    }
    if (start < piece.length) {
      for (let end = piece.indexOf(10, start); end !== -1; start = end + 1, end = piece.indexOf(10, start)) line(piece, start, end);
      // The chunk's last line goes on in the next one: kept as a view of the chunk, copied once its end has come.
      if (start < piece.length) carry.push(piece.subarray(start));
    }
    if (opts.slowConsumer) {
      sinceHold += piece.length;
      if (sinceHold >= opts.slowConsumer.everyBytes) {
        sinceHold = 0;
        // The iterator reads nothing while this loop body waits: the pipe fills and the connector must wait.
        await new Promise((r) => setTimeout(r, opts.slowConsumer!.pauseMs));
      }
    }
  }
  sample(); // stdout closed: the connector is exiting, its counters are (nearly) final
  run.exitCode = await new Promise<number | null>((done) => (child.exitCode !== null ? done(child.exitCode) : child.on('exit', (code) => done(code))));
  clearInterval(sampler);
  run.cpuSeconds = cpuSeconds;
  run.mainCpuSeconds = mainCpuSeconds;
  run.mainWaitSeconds = mainWaitNs === undefined ? undefined : mainWaitNs / 1e9;
  run.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  run.peakRssMb = Math.round(peakKb / 1024);
  return run;
}

/**
 * Records/s of each stream of a run: its records over the time between its first and its last RECORD (its own
 * pace, without the wait for its first page); undefined for a stream whose records all came in one chunk.
 */
export function streamRates(run: ConnectorRun): Map<string, number | undefined> {
  const rates = new Map<string, number | undefined>();
  for (const [stream, { first, last }] of run.streamTimes) {
    rates.set(stream, last > first ? Math.round(run.recordsByStream.get(stream)! / (last - first)) : undefined);
  }
  return rates;
}

/** A configured catalog of the given streams (full refresh, or incremental where the stream supports it). */
export async function catalogFor(config: Record<string, unknown>, names: string[] | 'all', mode: 'full_refresh' | 'incremental' = 'full_refresh'): Promise<unknown> {
  const child = spawn(process.execPath, [resolve('dist/main.js'), 'discover', '--config', writeTemp(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout!) out += chunk;
  const catalog = out.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((m) => m.type === 'CATALOG').catalog as { streams: any[] };
  return configuredCatalog(catalog, names, mode);
}

function writeTemp(value: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-cfg-')), 'config.json');
  writeFileSync(file, JSON.stringify(value));
  return file;
}

export function saveResult(name: string, result: Record<string, unknown>): string {
  mkdirSync('bench/results', { recursive: true });
  const file = join('bench/results', `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...result, node: process.version, at: new Date().toISOString() }, null, 2) + '\n');
  return file;
}

export function table(rows: Record<string, unknown>[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => keys.map((k) => String(r[k] ?? '')));
  const widths = keys.map((k, i) => Math.max(k.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => '| ' + c.map((x, i) => x.padEnd(widths[i]!)).join(' | ') + ' |';
  return [line(keys), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...cells.map(line)].join('\n');
}
