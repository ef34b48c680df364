#!/usr/bin/env node
// The connector's entry point. Only the spec and the command line are loaded up front: the source (HTTP
// client, catalog, replication engine) is imported when a command needs it, so `spec` starts fast.
import { rowsAnnounced } from './v8-flags.js';
import type { ValidateFunction } from 'ajv';
import { runConnector } from './airbyte/cli.js';
import { loadSpec, packageInfo } from './intercom/package.js';

const { name, version } = packageInfo();
process.exitCode = await runConnector(
  {
    spec: loadSpec(),
    load: async () => new (await import('./intercom/source.js')).IntercomSource(),
    // Compiled ahead of time from spec.json (scripts/config-validator.ts): no command loads ajv.
    configValidator: async () => (await import('./intercom/config-validator.js')).validate as ValidateFunction,
  },
  process.argv.slice(2),
  {
    // A read's ESTIMATE traces say how large the job is: v8-flags.ts lets the heap and the compiler grow with it.
    onEstimate: (_stream, rows) => rowsAnnounced(rows),
    about: {
      name,
      version,
      description: 'an Airbyte source for Intercom (admins, companies, contacts, conversations and more).',
      example: [
        `echo '{"access_token": "<your Intercom access token>", "start_date": "2025-01-01T00:00:00Z"}' > config.json`,
        `${name} check --config config.json`,
        `${name} discover --config config.json > catalog.json`,
        `${name} read --config config.json --catalog configured_catalog.json > messages.jsonl`,
      ],
    },
  },
);
