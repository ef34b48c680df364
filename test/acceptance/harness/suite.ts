// What every acceptance test file shares: the parsed acceptance-test-config.yml, one sandbox per file
// (started on first use, closed after the file's tests), and assertions that print CAT-style reports.
import { after } from 'node:test';
import { readFileSync } from 'node:fs';
import type { AirbyteCatalog, AirbyteMessage, ConfiguredAirbyteCatalog } from '../../../src/airbyte/protocol.js';
import { catalogOf } from '../rules/discovery.js';
import { secretLeakViolations } from '../rules/messages.js';
import { assertNoViolations, type Violation } from '../rules/violation.js';
import { loadAcceptanceConfig, readJson, type AcceptanceTestConfig } from './acceptance-config.js';
import { describeRun, runConnector, type Command, type ConnectorFiles, type ConnectorRun } from './connector.js';
import { startAcceptanceSandbox, type AcceptanceSandbox } from './sandbox.js';

export const acceptanceConfig: AcceptanceTestConfig = loadAcceptanceConfig();

let env: Promise<AcceptanceSandbox> | undefined;

// Registered at load time, so it is the file's hook: registered inside a test, it would close the sandbox
// after that one test.
after(async () => { if (env) await (await env).close(); });

/** The sandbox for this test file, started on first use. */
export function sandbox(): Promise<AcceptanceSandbox> {
  env ??= startAcceptanceSandbox();
  return env;
}

/** Runs the connector and fails on any stdout line that is not an AirbyteMessage, or on a leaked token. */
export async function run(command: Command, files: ConnectorFiles, timeoutSeconds?: number): Promise<ConnectorRun> {
  const result = await runConnector(command, files, { timeoutMs: timeoutSeconds ? timeoutSeconds * 1000 : undefined });
  const token = env ? (await env).sandbox.token : undefined;
  assertNoViolations([
    ...result.lineViolations,
    ...secretLeakViolations({ stdout: result.stdout, stderr: result.stderr }, token ? [token] : []),
  ]);
  return result;
}

/** Like assertNoViolations, with the run's exit code, errors and stderr tail appended. */
export function assertRule(violations: Violation[], context?: ConnectorRun): void {
  try { assertNoViolations(violations); } catch (e) {
    throw new Error(`${(e as Error).message}${context ? `\n  (${describeRun(context)})` : ''}`);
  }
}

export async function discovered(config: Record<string, unknown>): Promise<AirbyteCatalog> {
  const result = await run('discover', { config });
  const catalog = catalogOf(result.messages);
  if (!catalog) throw new Error(`discover gave no CATALOG: ${describeRun(result)}`);
  return catalog;
}

export const readCatalog = (path: string) => readJson<ConfiguredAirbyteCatalog>(path);
export const configuredNames = (c: ConfiguredAirbyteCatalog) => c.streams.map((s) => s.stream.name);
export const readText = (path: string) => readFileSync(path, 'utf8');
export type { AirbyteMessage };
