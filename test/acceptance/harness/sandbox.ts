// Starts the sandbox as integration_tests/sandbox-config.json says, and turns the repository's config files
// (secrets/config.json and the others named in acceptance-test-config.yml) into configs aimed at it.
import { readJson } from './acceptance-config.js';

export const SANDBOX_CONFIG_PATH = 'integration_tests/sandbox-config.json';

export interface SandboxConfigFile {
  /** The config path of acceptance-test-config.yml that the sandbox config stands in for. */
  replaces: string;
  /** Options for startSandbox (seed, sizes, a fixed anchor so timestamps are stable). */
  sandbox: Record<string, unknown>;
  /** The connector config; "$SANDBOX_URL" and "$SANDBOX_TOKEN" are filled in once the sandbox runs. */
  config: Record<string, unknown>;
  /** Keys copied from the sandbox config into every other config file, so they too talk to the sandbox. */
  pointAtSandbox: string[];
}

export interface RunningSandbox { url: string; token: string; workspace: unknown; close(): Promise<void> | void }

export interface AcceptanceSandbox {
  sandbox: RunningSandbox;
  file: SandboxConfigFile;
  /** The config that replaces `file.replaces`. */
  config: Record<string, unknown>;
  /** The config for a path named in acceptance-test-config.yml. */
  configFor(path: string): Record<string, unknown>;
  close(): Promise<void>;
}

type StartSandbox = (options: Record<string, unknown>) => Promise<RunningSandbox>;

function fill(value: unknown, url: string, token: string): unknown {
  if (value === '$SANDBOX_URL') return url;
  if (value === '$SANDBOX_TOKEN') return token;
  return value;
}

/** The connector config of the sandbox config file, aimed at a sandbox serving `url` with `token`. */
export function sandboxConnectorConfig(file: SandboxConfigFile, url: string, token: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(file.config).map(([k, v]) => [k, fill(v, url, token)]));
}

export const loadSandboxConfigFile = () => readJson<SandboxConfigFile>(SANDBOX_CONFIG_PATH);

export async function startAcceptanceSandbox(overrides: Record<string, unknown> = {}): Promise<AcceptanceSandbox> {
  const file = readJson<SandboxConfigFile>(SANDBOX_CONFIG_PATH);
  // Resolved at run time (the sandbox is its own module, compiled to .build/sandbox/index.js).
  const mod = (await import(new URL('../../../sandbox/index.js', import.meta.url).href)) as { startSandbox: StartSandbox };
  const sandbox = await mod.startSandbox({ ...file.sandbox, ...overrides });
  const config = sandboxConnectorConfig(file, sandbox.url, sandbox.token);
  return {
    sandbox, file, config,
    configFor(path: string) {
      if (path === file.replaces) return config;
      const raw = readJson<Record<string, unknown>>(path);
      return { ...raw, ...Object.fromEntries(file.pointAtSandbox.map((k) => [k, config[k]])) };
    },
    async close() { await sandbox.close(); },
  };
}
