// CAT "incremental": two sequential reads, re-reads from middle checkpoints, the sample state and a far-future state.
import { test } from 'node:test';
import type { AirbyteStateMessage } from '../../src/airbyte/protocol.js';
import { readJson } from './harness/acceptance-config.js';
import type { ConnectorRun } from './harness/connector.js';
import { acceptanceConfig, assertRule, configuredNames, readCatalog, run, sandbox } from './harness/suite.js';
import { checkpointRereadViolations, finalStateInput, firstReadViolations, futureStateViolations, middleCheckpoints, secondReadViolations, stateInputAt } from './rules/incremental.js';
import { recordsOf } from './rules/messages.js';
import { stateMessageViolations } from './rules/states.js';
import { streamStatusViolations } from './rules/statuses.js';

const incrementalTest = acceptanceConfig.acceptance_tests.incremental.tests[0]!;
const catalog = readCatalog(incrementalTest.configured_catalog_path);
const names = configuredNames(catalog);
const streams = catalog.streams.map((s) => s.stream);
/** How many middle checkpoints to re-read from (CAT samples a few). */
const CHECKPOINTS = 3;

const config = async () => (await sandbox()).configFor(incrementalTest.config_path);
const windowDays = async () => Number((await config()).attribution_window_days ?? 30);
const read = async (state?: AirbyteStateMessage[]) => run('read', { config: await config(), catalog, ...(state ? { state } : {}) }, incrementalTest.timeout_seconds);

let firstRun: Promise<ConnectorRun> | undefined;
const first = () => (firstRun ??= read());

test('incremental: the first read gives records and a STATE for every stream', async () => {
  const r = await first();
  assertRule([...firstReadViolations(names, r.messages), ...stateMessageViolations(names, r.messages), ...streamStatusViolations(names, r.messages)], r);
});

test('incremental: a second read from the first read\'s state differs, and reads nothing before state minus the window', async () => {
  const r1 = await first();
  const state = finalStateInput(r1.messages);
  const r2 = await read(state);
  assertRule([
    ...secondReadViolations(streams, state, recordsOf(r1.messages), recordsOf(r2.messages), await windowDays()),
    ...stateMessageViolations(names, r2.messages), ...streamStatusViolations(names, r2.messages),
  ], r2);
});

test(`incremental: re-reads from up to ${CHECKPOINTS} middle checkpoints return at least the records counted after them`, async () => {
  const r1 = await first();
  const checkpoints = middleCheckpoints(r1.messages, CHECKPOINTS);
  if (checkpoints.length === 0) throw new Error('the first read has no middle checkpoint (only final states): nothing to re-read from');
  for (const index of checkpoints) {
    const reread = await read(stateInputAt(r1.messages, index));
    assertRule(checkpointRereadViolations(r1.messages, index, reread.messages), reread);
  }
});

test('incremental: a read from integration_tests/sample_state.json reads nothing before its cursors minus the window', async () => {
  const r1 = await first();
  const sample = readJson<AirbyteStateMessage[]>('integration_tests/sample_state.json');
  const r = await read(sample);
  assertRule([...secondReadViolations(streams, sample, recordsOf(r1.messages), recordsOf(r.messages), await windowDays()), ...stateMessageViolations(names, r.messages)], r);
});

test(`incremental: a far-future state (${incrementalTest.future_state?.future_state_path}) gives 0 records and a STATE per stream`, async () => {
  const path = incrementalTest.future_state?.future_state_path;
  if (!path) throw new Error('future_state.future_state_path is not set in acceptance-test-config.yml');
  const r = await read(readJson<AirbyteStateMessage[]>(path));
  assertRule([...futureStateViolations(names, r.messages), ...streamStatusViolations(names, r.messages)], r);
});
