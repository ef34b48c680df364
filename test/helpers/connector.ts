// Runs the built connector (dist/main.js) as the Airbyte platform does: files in, lines out.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseMessages } from './protocol.js';

export type Message = Record<string, any>;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  messages: Message[];
  /** Peak resident memory of the connector process in MB (with `measureRss`, when it exited by itself). */
  maxRssMb?: number;
}

export interface RunOptions {
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
  /** Kill the process (SIGKILL) once this many RECORD lines were printed. */
  killAfterRecords?: number;
  timeoutMs?: number;
  /** Record the process's peak RSS (RunResult.maxRssMb). */
  measureRss?: boolean;
  /** Extra environment variables for the process. */
  env?: Record<string, string>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'source-intercom-'));
}

/**
 * Node flags that make the process write its peak RSS (kB, process.resourceUsage().maxRSS) to a file as it
 * exits, and a reader for it (undefined when the process was killed before it could write).
 */
export function rssProbe(): { nodeArgs: string[]; maxRssMb: () => number | undefined } {
  const file = join(tempDir(), 'max-rss');
  const code = `import{writeFileSync}from'node:fs';process.on('exit',()=>{try{writeFileSync(${JSON.stringify(file)},String(process.resourceUsage().maxRSS))}catch{}})`;
  return {
    nodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(code)}`],
    maxRssMb: () => {
      try {
        return Number(readFileSync(file, 'utf8')) / 1024;
      } catch {
        return undefined;
      }
    },
  };
}

/** Runs `node dist/main.js <command> [--config F] [--catalog F] [--state F]`; validates every line. */
export async function runConnector(command: string, opts: RunOptions = {}, extraArgs: string[] = []): Promise<RunResult> {
  const dir = tempDir();
  const args = [resolve('dist/main.js'), command];
  for (const [flag, value] of [['config', opts.config], ['catalog', opts.catalog], ['state', opts.state]] as const) {
    if (value === undefined) continue;
    const file = join(dir, `${flag}.json`);
    writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    args.push(`--${flag}`, file);
  }
  args.push(...extraArgs);
  const rss = opts.measureRss ? rssProbe() : undefined;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(rss?.nodeArgs ?? []), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    let records = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (opts.killAfterRecords !== undefined) {
        records += chunk.split('"type":"RECORD"').length - 1;
        if (records >= opts.killAfterRecords) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // A killed process may leave a half-written last line: the platform ignores it too.
      const text = signal ? stdout.slice(0, stdout.lastIndexOf('\n') + 1) : stdout;
      try {
        const maxRssMb = rss?.maxRssMb();
        done({ code, signal, stdout, stderr, messages: parseMessages(text) as Message[], ...(maxRssMb === undefined ? {} : { maxRssMb }) });
      } catch (error) {
        fail(error);
      }
    });
  });
}

export const records = (messages: Message[], stream?: string) =>
  messages.filter((m) => m.type === 'RECORD' && (stream === undefined || m.record.stream === stream)).map((m) => m.record.data);

export const states = (messages: Message[], stream?: string) =>
  messages.filter((m) => m.type === 'STATE' && (stream === undefined || m.state.stream.stream_descriptor.name === stream)).map((m) => m.state);

export const traces = (messages: Message[], type: string) => messages.filter((m) => m.type === 'TRACE' && m.trace.type === type).map((m) => m.trace);

export { configuredCatalog } from './catalog.js';

/** The state list the platform would pass back: the last STATE of each stream. */
export function lastStates(messages: Message[]): Message[] {
  const last = new Map<string, Message>();
  for (const m of messages) if (m.type === 'STATE') last.set(m.state.stream.stream_descriptor.name, m.state);
  return [...last.values()];
}
