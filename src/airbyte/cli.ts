// The command line: spec | check | discover | read, with the standard Airbyte flags, plus --help and --version
// for people. stdout carries only AirbyteMessages (help and version aside); everything else (diagnostics nobody
// parses) goes to stderr, redacted like stdout.
//
// Start-up cost matters (the platform runs spec and discover often): this module loads only the protocol
// essentials. The config loader, the state reader and the read loop are imported by the commands that use
// them, and a LazySource loads the source itself (its HTTP client...) only for check, discover and read; with
// a config validator compiled ahead of time (LazySource.configValidator), ajv is never loaded.
import { constants as osConstants } from 'node:os';
import type { ValidateFunction } from 'ajv';
import { toAirbyteCatalog } from './catalog.js';
import { configError } from './errors.js';
import { Emitter, OUTPUT_BATCH_BYTES, OutputClosedError } from './emitter.js';
import { errorMessage, errorTrace, MAX_MESSAGE_LENGTH } from './failure.js';
import { createRunContext } from './log.js';
import type { ConnectorSpecification } from './protocol.js';
import { cut } from './quote.js';
import type { RunContext, Source } from './source.js';

/** A source whose spec is at hand and whose code is loaded only when a command needs more than the spec. */
export interface LazySource<C> {
  spec: ConnectorSpecification;
  load(): Promise<Source<C>>;
  /** The validator of spec.connectionSpecification compiled ahead of time (see validateConfig), if there is one. */
  configValidator?(): Promise<ValidateFunction>;
}

/** Who the connector is, for --help and --version. */
export interface About {
  name: string;
  version: string;
  /** One sentence after the name in --help. */
  description?: string;
  /** Example lines for --help (shell commands). */
  example?: string[];
}

export interface ConnectorIO {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** Milliseconds since the epoch (emitted_at, ctx.now). */
  now?: () => number;
  about?: About;
  /** Ends the process after SIGTERM/SIGINT (default process.exit). */
  exit?: (code: number) => void;
  /** How long a stop (SIGTERM) waits for the line being written to leave (default 10 s). */
  stopGraceMs?: number;
  /** Told of every ESTIMATE trace as it is emitted (the entry sizes V8's heap by the rows a read announces). */
  onEstimate?: (stream: string, rowEstimate: number) => void;
}

/** An Emitter that also tells `onEstimate` of the ESTIMATE traces it emits. */
class EstimateReportingEmitter extends Emitter {
  constructor(out: NodeJS.WritableStream, opts: ConstructorParameters<typeof Emitter>[1], private readonly onEstimate: (stream: string, rowEstimate: number) => void) {
    super(out, opts);
  }

  override traceEstimate(stream: string, rowEstimate: number): Promise<void> | undefined {
    try { this.onEstimate(stream, rowEstimate); } catch { /* an observer never breaks the output */ }
    return super.traceEstimate(stream, rowEstimate);
  }
}

export type ConnectorCommand =
  | { name: 'spec' }
  | { name: 'check'; config: string }
  | { name: 'discover'; config: string }
  | { name: 'read'; config: string; catalog: string; state?: string }
  | { name: 'help' }
  | { name: 'version' };

export const USAGE =
  'Usage: spec | check --config CONFIG_FILE | discover --config CONFIG_FILE | read --config CONFIG_FILE --catalog CATALOG_FILE [--state STATE_FILE]';

type Flag = 'config' | 'catalog' | 'state';
const COMMANDS: Record<'spec' | 'check' | 'discover' | 'read', { required: Flag[]; optional: Flag[] }> = {
  spec: { required: [], optional: [] },
  check: { required: ['config'], optional: [] },
  discover: { required: ['config'], optional: [] },
  read: { required: ['config', 'catalog'], optional: ['state'] },
};

const invalid = (what: string) => configError(`Invalid command line: ${what}. ${USAGE}`);
const shown = (arg: string) => `'${cut(arg, 80)}'`;

/**
 * Parses argv (without node and the script) into a command; any mistake is a config_error carrying the usage.
 * `--help`, `-h` and `--version` count only on their own: after a command they are unknown flags, as the
 * protocol wants (a command takes its own flags and nothing else).
 */
export function parseCommand(argv: string[]): ConnectorCommand {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return { name: 'help' };
  if (argv.length === 1 && argv[0] === '--version') return { name: 'version' };
  const [name, ...rest] = argv;
  if (name === undefined) throw invalid('a command is required');
  if (!Object.hasOwn(COMMANDS, name)) {
    throw invalid(name.startsWith('-') ? `the command must come first, before ${shown(name)}` : `unknown command ${shown(name)}`);
  }
  const command = name as keyof typeof COMMANDS;
  const { required, optional } = COMMANDS[command];
  const allowed: readonly string[] = [...required, ...optional];
  const values = new Map<Flag, string>();
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('-')) throw invalid(`only one command is allowed (unexpected ${shown(arg)} after '${command}')`);
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') ? (eq < 0 ? arg.slice(2) : arg.slice(2, eq)) : '';
    if (!allowed.includes(flag)) {
      const known = allowed.length ? ` (it takes ${allowed.map((f) => `--${f}`).join(', ')})` : ' (it takes no options)';
      throw invalid(`unknown option ${shown(eq < 0 ? arg : arg.slice(0, eq))} for '${command}'${known}`);
    }
    // `--config FILE` or `--config=FILE`; the last of repeated flags wins.
    const value = eq < 0 ? rest[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('-') && value !== '-')) throw invalid(`--${flag} needs a file path`);
    values.set(flag as Flag, value);
  }
  const missing = required.filter((f) => !values.has(f));
  if (missing.length) throw invalid(`'${command}' needs ${missing.map((f) => `--${f}`).join(' and ')}`);
  switch (command) {
    case 'spec': return { name: command };
    case 'check': case 'discover': return { name: command, config: values.get('config')! };
    case 'read': {
      const state = values.get('state');
      return { name: command, config: values.get('config')!, catalog: values.get('catalog')!, ...(state === undefined ? {} : { state }) };
    }
  }
}

/** The --help text: commands, options and an example. */
export function helpText(about: About | undefined): string {
  const name = about?.name ?? 'source';
  const example = about?.example ?? [
    `${name} discover --config config.json`,
    `${name} read --config config.json --catalog configured_catalog.json --state state.json > messages.jsonl`,
  ];
  return [
    `${name}${about?.version ? ` ${about.version}` : ''}${about?.description ? `: ${about.description}` : ''}`,
    'An Airbyte source: every command prints Airbyte protocol messages, one JSON object per line, on stdout.',
    '',
    'Usage:',
    `  ${name} spec`,
    `  ${name} check    --config CONFIG_FILE`,
    `  ${name} discover --config CONFIG_FILE`,
    `  ${name} read     --config CONFIG_FILE --catalog CATALOG_FILE [--state STATE_FILE]`,
    `  ${name} --help | -h | --version`,
    '',
    'Commands:',
    '  spec       print the specification: the config fields, their types and rules (one SPEC)',
    '  check      test the config against the service (one CONNECTION_STATUS; exit 0 either way)',
    '  discover   print the streams that can be read, with their schemas (one CATALOG)',
    '  read       read the streams of a configured catalog (RECORD, STATE, TRACE and LOG messages)',
    '',
    'Options:',
    '  --config FILE    the config: a JSON object matching the spec (secrets are never printed)',
    '  --catalog FILE   the configured catalog: the streams to read and their sync modes',
    '  --state FILE     the state to resume from: the last STATE messages of a previous read',
    '  -h, --help       print this help and exit',
    '  --version        print the version and exit',
    '',
    'Exit codes: 0 success (check always 0), 1 failure (a TRACE ERROR says why), 143 stopped by SIGTERM.',
    '',
    'Example:',
    ...example.map((line) => `  ${line}`),
    '',
  ].join('\n');
}

const isLazy = <C>(s: Source<C> | LazySource<C>): s is LazySource<C> => typeof (s as LazySource<C>).load === 'function';

/** How long SIGTERM waits for the output to take the line being written before the process ends anyway. */
const STOP_GRACE_MS = 10_000;

/**
 * Runs one connector command and returns its exit code. Never throws, never writes anything but
 * AirbyteMessages to stdout (help and version aside), redacts the config's secrets everywhere, and always
 * closes the source it loaded. SIGTERM and SIGINT stop the run: no new line is started, the line being
 * written is finished, and the process exits with 128 + the signal number.
 */
export async function runConnector<C>(provider: Source<C> | LazySource<C>, argv: string[], io: ConnectorIO = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let secrets: readonly string[] = [];
  const emitterOptions = { secrets: () => secrets, batchBytes: OUTPUT_BATCH_BYTES, ...(io.now ? { now: io.now } : {}) };
  const emitter = io.onEstimate ? new EstimateReportingEmitter(stdout, emitterOptions, io.onEstimate) : new Emitter(stdout, emitterOptions);
  const abort = new AbortController();
  const ctx = createRunContext(emitter, abort.signal);
  const diagnose = (text: string) => {
    try { stderr.write(`${emitter.redact(text)}\n`); } catch { /* nowhere left to say it */ }
  };
  let stray: unknown;
  const onStray = (reason: unknown) => {
    stray ??= reason;
    diagnose(`Unhandled rejection: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`);
  };
  let stopped: { code: number; done: Promise<void> } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped) return;
    const code = 128 + (osConstants.signals[signal] ?? 15);
    abort.abort();
    const done = emitter.stop(io.stopGraceMs ?? STOP_GRACE_MS);
    stopped = { code, done };
    void done.then(() => (io.exit ?? process.exit)(code));
  };
  process.on('unhandledRejection', onStray);
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let source: Source<C> | undefined = isLazy(provider) ? undefined : provider;
  const loadSource = async (): Promise<Source<C>> => (source ??= await (provider as LazySource<C>).load());
  const readConfig = async (path: string): Promise<{ source: Source<C>; config: C }> => {
    const { loadConfig } = await import('./config.js');
    const compiled = isLazy(provider) ? provider.configValidator?.bind(provider) : undefined;
    const { raw } = await loadConfig(path, provider.spec, (found) => { secrets = [...secrets, ...found]; }, compiled);
    const loaded = await loadSource();
    return { source: loaded, config: loaded.parseConfig(raw, ctx) };
  };

  let exitCode = 1;
  let command: ConnectorCommand | undefined;
  try {
    command = parseCommand(argv);
    if (command.name === 'help' || command.name === 'version') {
      await writeText(stdout, command.name === 'help' ? helpText(io.about) : `${io.about?.version ?? 'unknown'}\n`);
      exitCode = 0;
    } else {
      exitCode = await runCommand(command, provider.spec, emitter, ctx, readConfig, diagnose);
    }
  } catch (err) {
    exitCode = 1;
    // A closed or stopped output (a reader that went away, `| head -1`, SIGTERM) is a quiet end.
    if (emitter.closed) {
      if (!(err instanceof OutputClosedError)) diagnose(`Cannot report the failure on stdout: ${errorMessage(err)}`);
    } else {
      try { await emitter.traceError(errorTrace(err)); } catch (inner) {
        if (!(inner instanceof OutputClosedError)) diagnose(`Cannot report the failure: ${errorMessage(inner)}`);
      }
    }
  }
  try {
    await source?.close?.();
  } catch (err) {
    diagnose(`Closing the source failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  await emitter.flush();
  process.removeListener('unhandledRejection', onStray);
  if (stopped) {
    await stopped.done;
    return stopped.code;
  }
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('SIGINT', onSignal);
  // A rejection nobody handled may hide lost work: it fails discover and read (check stays exit 0).
  if (stray !== undefined && exitCode === 0 && command?.name !== 'check') exitCode = 1;
  return exitCode;
}

/** Writes plain text (help, version) and resolves once the output took it. */
function writeText(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      out.write(text, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function runCommand<C>(
  command: Exclude<ConnectorCommand, { name: 'help' } | { name: 'version' }>,
  spec: ConnectorSpecification,
  emitter: Emitter,
  ctx: RunContext,
  readConfig: (path: string) => Promise<{ source: Source<C>; config: C }>,
  diagnose: (text: string) => void,
): Promise<number> {
  switch (command.name) {
    case 'spec':
      await emitter.spec(spec);
      return 0;
    case 'check': {
      // Exactly one CONNECTION_STATUS, exit 0, whatever happens (a broken stdout aside).
      let status: { status: 'SUCCEEDED' | 'FAILED'; message?: string };
      try {
        const { source, config } = await readConfig(command.config);
        const result = await source.check(config, ctx);
        status = result.status === 'SUCCEEDED' || result.status === 'FAILED' ? result : { status: 'FAILED', message: `The source returned an unknown check status.` };
      } catch (err) {
        const trace = errorTrace(err);
        if (trace.stackTrace) diagnose(trace.stackTrace);
        status = { status: 'FAILED', message: errorMessage(err) };
      }
      await emitter.connectionStatus(status.status, status.message === undefined ? undefined : cut(status.message, MAX_MESSAGE_LENGTH));
      return 0;
    }
    case 'discover': {
      const { source, config } = await readConfig(command.config);
      const definitions = await source.discover(config, ctx);
      await emitter.catalog(toAirbyteCatalog(definitions));
      return 0;
    }
    case 'read': {
      const { source, config } = await readConfig(command.config);
      const [{ loadCatalog }, { loadState }, { readStreams }] = await Promise.all([import('./config.js'), import('./state.js'), import('./read.js')]);
      const streams = await loadCatalog(command.catalog);
      const state = await loadState(command.state, (message) => ctx.log('WARN', message));
      return readStreams(source, config, streams, state, emitter, ctx);
    }
  }
}
