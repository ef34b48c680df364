/**
 * `npm run sandbox -- --port 8089 --seed 42`: serves the Intercom sandbox until SIGINT/SIGTERM.
 * Prints one line: `sandbox listening on <url> token <token>`.
 */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { startSandbox, type SandboxOptions } from './index.js';
import { API_VERSIONS, type ApiVersion } from './versions.js';

async function main(): Promise<void> {
  const argv = await yargs(hideBin(process.argv))
    .scriptName('sandbox')
    .usage('$0 [options]: a local simulator of the Intercom REST API')
    .option('port', { type: 'number', default: 8089, describe: 'Port (0 = any free port)' })
    .option('seed', { type: 'number', describe: 'Seed of the generated workspace (default 42)' })
    .option('contacts', { type: 'number', describe: 'Number of contacts (default 300)' })
    .option('companies', { type: 'number', describe: 'Number of companies (default 60)' })
    .option('conversations', { type: 'number', describe: 'Number of conversations (default 200)' })
    .option('rate-limit', { type: 'number', describe: 'API calls per minute (default 10000; 0 = unlimited)' })
    .option('latency-ms', { type: 'number', describe: 'Fixed latency added to every response' })
    .option('jitter-ms', { type: 'number', describe: 'Random extra latency, uniform in [0, jitter]' })
    .option('error-rate', { type: 'number', describe: 'Share of requests answered 500/502/503/504' })
    .option('reset-rate', { type: 'number', describe: 'Share of requests whose connection is reset' })
    .option('profile', { type: 'string', describe: 'JSON file with the same keys as SandboxOptions' })
    .option('scroll-idle-ms', { type: 'number', describe: 'Idle time after which a companies scroll expires (default 60000)' })
    .option('prewarm', { type: 'boolean', describe: 'Render every contact, company and conversation into the cache before listening' })
    .option('version-default', { type: 'string', choices: [...API_VERSIONS], describe: 'Intercom-Version served when a request sends none (default 2.14)' })
    .strict()
    .help()
    .parse();

  const profile: SandboxOptions = argv.profile ? JSON.parse(readFileSync(argv.profile, 'utf8')) as SandboxOptions : {};
  const sizes = { ...profile.sizes };
  if (argv.contacts !== undefined) sizes.contacts = argv.contacts;
  if (argv.companies !== undefined) sizes.companies = argv.companies;
  if (argv.conversations !== undefined) sizes.conversations = argv.conversations;
  const faults = { ...profile.faults };
  if (argv['latency-ms'] !== undefined) faults.latencyMs = argv['latency-ms'];
  if (argv['jitter-ms'] !== undefined) faults.jitterMs = argv['jitter-ms'];
  if (argv['error-rate'] !== undefined) faults.serverErrorRate = argv['error-rate'];
  if (argv['reset-rate'] !== undefined) faults.resetRate = argv['reset-rate'];
  const options: SandboxOptions = {
    ...profile,
    port: argv.port,
    seed: argv.seed ?? profile.seed,
    sizes,
    faults,
    rateLimitPerMinute: argv['rate-limit'] ?? profile.rateLimitPerMinute ?? 10_000,
    scrollIdleMs: argv['scroll-idle-ms'] ?? profile.scrollIdleMs,
    defaultVersion: (argv['version-default'] as ApiVersion | undefined) ?? profile.defaultVersion,
    prewarm: argv.prewarm ?? profile.prewarm,
  };
  const sandbox = await startSandbox(options);
  const warm = sandbox.prewarmed;
  if (warm) {
    const mib = (warm.bytes / 2 ** 20).toFixed(1);
    process.stderr.write(`sandbox prewarmed ${warm.records} records (${mib} MiB) in ${warm.ms} ms${warm.complete ? '' : ', stopped at the render cache bound'}\n`);
  }
  process.stdout.write(`sandbox listening on ${sandbox.url} token ${sandbox.token}\n`);
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    sandbox.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox: ${(err as Error).message}\n`);
  process.exit(1);
});
