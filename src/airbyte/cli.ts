// The command line: spec | check | discover | read, with the standard Airbyte flags. stdout carries only
// AirbyteMessages; everything else (diagnostics nobody parses) goes to stderr, redacted like stdout.
import yargs from 'yargs';
import { configError } from './errors.js';
import { toAirbyteCatalog } from './catalog.js';
import { loadCatalog, loadConfig } from './config.js';
import { Emitter, OUTPUT_BATCH_BYTES } from './emitter.js';
import { errorMessage, errorTrace } from './failure.js';
import { createRunContext } from './log.js';
import { readStreams } from './read.js';
import type { RunContext, Source } from './source.js';
import { loadState } from './state.js';

export interface ConnectorIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Milliseconds since the epoch (emitted_at, ctx.now). */
  now?: () => number;
}

export type ConnectorCommand =
  | { name: 'spec' }
  | { name: 'check'; config: string }
  | { name: 'discover'; config: string }
  | { name: 'read'; config: string; catalog: string; state?: string };

export const USAGE =
  'Usage: spec | check --config CONFIG_FILE | discover --config CONFIG_FILE | read --config CONFIG_FILE --catalog CATALOG_FILE [--state STATE_FILE]';

/** Parses argv (without node and the script) into a command; any mistake is a config_error carrying the usage. */
export function parseCommand(argv: string[]): ConnectorCommand {
  const file = (description: string, required: boolean) => ({ type: 'string' as const, requiresArg: true, demandOption: required, description });
  const parser = yargs(argv)
    .scriptName('source')
    .locale('en')
    .help(false)
    .version(false)
    .exitProcess(false)
    .strict()
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .fail((message: string, err: Error | undefined) => {
      throw configError(`Invalid command line: ${message || err?.message || 'unrecognised arguments'}. ${USAGE}`);
    })
    .command('spec', 'print the connector specification')
    .command('check', 'check the connection', (y) => y.option('config', file('config file', true)))
    .command('discover', 'print the catalog', (y) => y.option('config', file('config file', true)))
    .command('read', 'read records', (y) =>
      y.option('config', file('config file', true)).option('catalog', file('configured catalog file', true)).option('state', file('state file', false)))
    .demandCommand(1, 1, 'a command is required', 'only one command is allowed');
  const args = parser.parseSync() as Record<string, unknown>;
  const name = String((args._ as unknown[])[0]);
  const str = (key: string): string | undefined => (typeof args[key] === 'string' ? (args[key] as string) : undefined);
  switch (name) {
    case 'spec': return { name };
    case 'check': case 'discover': return { name, config: str('config')! };
    case 'read': {
      const state = str('state');
      return { name, config: str('config')!, catalog: str('catalog')!, ...(state === undefined ? {} : { state }) };
    }
    default: throw configError(`Invalid command line: unknown command '${name}'. ${USAGE}`);
  }
}

/**
 * Runs one connector command and returns its exit code. Never throws, never writes anything but
 * AirbyteMessages to stdout, redacts the config's secrets everywhere, and always calls source.close().
 */
export async function runConnector<C>(source: Source<C>, argv: string[], io: ConnectorIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let secrets: readonly string[] = [];
  const emitter = new Emitter(stdout, { secrets: () => secrets, batchBytes: OUTPUT_BATCH_BYTES, ...(io.now ? { now: io.now } : {}) });
  const ctx = createRunContext(emitter);
  const diagnose = (text: string) => {
    try { stderr.write(`${emitter.redact(text)}\n`); } catch { /* nowhere left to say it */ }
  };
  let stray: unknown;
  const onStray = (reason: unknown) => {
    stray ??= reason;
    diagnose(`Unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
  };
  process.on('unhandledRejection', onStray);

  const readConfig = async (path: string): Promise<C> => {
    const { raw } = await loadConfig(path, source.spec, (found) => { secrets = [...secrets, ...found]; });
    return source.parseConfig(raw, ctx);
  };

  let exitCode = 1;
  let command: ConnectorCommand | undefined;
  try {
    command = parseCommand(argv);
    exitCode = await runCommand(command, source, emitter, ctx, readConfig, diagnose);
  } catch (err) {
    exitCode = 1;
    if (emitter.closed) diagnose(`Cannot report the failure on stdout: ${errorMessage(err)}`);
    else {
      try { await emitter.traceError(errorTrace(err)); } catch (inner) { diagnose(`Cannot report the failure: ${errorMessage(inner)}`); }
    }
  }
  try {
    await source.close?.();
  } catch (err) {
    diagnose(`Closing the source failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  await emitter.flush();
  process.removeListener('unhandledRejection', onStray);
  // A rejection nobody handled may hide lost work: it fails discover and read (check stays exit 0).
  if (stray !== undefined && exitCode === 0 && command?.name !== 'check') exitCode = 1;
  return exitCode;
}

async function runCommand<C>(
  command: ConnectorCommand,
  source: Source<C>,
  emitter: Emitter,
  ctx: RunContext,
  readConfig: (path: string) => Promise<C>,
  diagnose: (text: string) => void,
): Promise<number> {
  switch (command.name) {
    case 'spec':
      await emitter.spec(source.spec);
      return 0;
    case 'check': {
      // Exactly one CONNECTION_STATUS, exit 0, whatever happens (a broken stdout aside).
      let status: { status: 'SUCCEEDED' | 'FAILED'; message?: string };
      try {
        const result = await source.check(await readConfig(command.config), ctx);
        status = result.status === 'SUCCEEDED' || result.status === 'FAILED' ? result : { status: 'FAILED', message: `The source returned an unknown check status.` };
      } catch (err) {
        const trace = errorTrace(err);
        if (trace.stackTrace) diagnose(trace.stackTrace);
        status = { status: 'FAILED', message: errorMessage(err) };
      }
      await emitter.connectionStatus(status.status, status.message);
      return 0;
    }
    case 'discover': {
      const definitions = await source.discover(await readConfig(command.config), ctx);
      await emitter.catalog(toAirbyteCatalog(definitions));
      return 0;
    }
    case 'read': {
      const config = await readConfig(command.config);
      const streams = await loadCatalog(command.catalog);
      const state = await loadState(command.state, (message) => ctx.log('WARN', message));
      return readStreams(source, config, streams, state, emitter, ctx);
    }
  }
}
