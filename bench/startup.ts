// The start-up benchmark (issue 11): `spec` and `discover` (against the default sandbox workspace), each run
// `runs` times as a child process of the built connector; wall time from spawn to exit, median/min/max.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SandboxProcess } from './harness.js';

async function timeOnce(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [resolve('dist/main.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  const code = await new Promise<number | null>((done) => child.on('exit', (c) => done(c)));
  if (code !== 0) throw new Error(`${args[0]} exited with ${code}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const stats = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { median: Math.round(sorted[Math.floor(sorted.length / 2)]!), min: Math.round(sorted[0]!), max: Math.round(sorted.at(-1)!) };
};

export async function startup(sandbox: SandboxProcess, runs: number): Promise<Record<string, unknown>> {
  const config = join(mkdtempSync(join(tmpdir(), 'bench-startup-')), 'config.json');
  writeFileSync(config, JSON.stringify({ access_token: sandbox.token, base_url: sandbox.url, start_date: '2000-01-01T00:00:00Z' }));
  const spec: number[] = [];
  const discover: number[] = [];
  for (let i = 0; i < runs; i++) spec.push(await timeOnce(['spec']));
  for (let i = 0; i < runs; i++) discover.push(await timeOnce(['discover', '--config', config]));
  const s = stats(spec);
  const d = stats(discover);
  return {
    scenario: 'startup',
    runs,
    'spec median ms': s.median,
    'spec min-max ms': `${s.min}-${s.max}`,
    'discover median ms': d.median,
    'discover min-max ms': `${d.min}-${d.max}`,
  };
}
