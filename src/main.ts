#!/usr/bin/env node
import { runConnector } from './airbyte/cli.js';
import { IntercomSource } from './intercom/source.js';

process.exitCode = await runConnector(new IntercomSource(), process.argv.slice(2));
