// Runs the connector as the platform does: files in a temporary folder, one process per command, lines out.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AirbyteMessage } from '../../../src/airbyte/protocol.js';
import { messagesOf, parseMessageLines, type MessageLine } from '../rules/messages.js';
import type { Violation } from '../rules/violation.js';

export type Command = 'spec' | 'check' | 'discover' | 'read';

export interface ConnectorFiles { config?: unknown; catalog?: unknown; state?: unknown }

export interface ConnectorRun {
  command: Command;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  lines: MessageLine[];
  messages: AirbyteMessage[];
  /** stdout lines that are not AirbyteMessages. */
  lineViolations: Violation[];
}

export interface RunOptions {
  /** The program and its leading arguments; default `node dist/main.js` from the repository root. */
  entrypoint?: string[];
  cwd?: string;
  timeoutMs?: number;
}

/** Spawns asynchronously: the sandbox runs in this process, so a synchronous spawn would deadlock it. */
export async function runConnector(command: Command, files: ConnectorFiles = {}, options: RunOptions = {}): Promise<ConnectorRun> {
  const dir = mkdtempSync(join(tmpdir(), 'acceptance-'));
  try {
    const args: string[] = [command];
    for (const [name, value] of Object.entries(files) as Array<[keyof ConnectorFiles, unknown]>) {
      if (value === undefined) continue;
      const path = join(dir, `${name}.json`);
      writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
      args.push(`--${name}`, path);
    }
    const [program, ...lead] = options.entrypoint ?? [process.execPath, 'dist/main.js'];
    const child = spawn(program!, [...lead, ...args], { cwd: options.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    }).finally(() => clearTimeout(timer));
    const stdout = Buffer.concat(out).toString('utf8');
    const { lines, violations } = parseMessageLines(stdout);
    return { command, exitCode, stdout, stderr: Buffer.concat(err).toString('utf8'), lines, messages: messagesOf(lines), lineViolations: violations };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A short account of a run for failure messages: exit code, the last stderr lines and any TRACE ERROR. */
export function describeRun(run: ConnectorRun): string {
  const errors = run.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR').map((m) => JSON.stringify(m).slice(0, 400));
  return `${run.command} exited ${run.exitCode}; ${run.messages.length} messages; errors: ${errors.join(' | ') || 'none'}; stderr tail: ${run.stderr.split('\n').slice(-5).join(' / ')}`;
}
