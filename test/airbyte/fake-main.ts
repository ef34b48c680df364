// A connector entry point over the FakeSource, run as a child process by process.test.ts.
// FAKE_GROUPS (JSON) scripts the groups; FAKE_STRAY_REJECTION=1 leaves a promise rejection unhandled.
import { runConnector } from '../../src/airbyte/cli.js';
import { FakeSource, TOKEN } from './fake-source.js';

const groups = process.env.FAKE_GROUPS ? JSON.parse(process.env.FAKE_GROUPS) : undefined;
const source = new FakeSource({ groups });
const discover = source.discover.bind(source);
source.discover = async (config) => {
  if (process.env.FAKE_STRAY_REJECTION) void Promise.reject(new Error(`stray failure with ${TOKEN}`));
  await new Promise((r) => setTimeout(r, 10));
  return discover(config);
};
process.exitCode = await runConnector(source, process.argv.slice(2));
