// CAT "full refresh": two reads in a row of the configured catalog.
import { test } from 'node:test';
import type { ConnectorRun } from './harness/connector.js';
import { acceptanceConfig, assertRule, readCatalog, run, sandbox } from './harness/suite.js';
import { emittedAtOrderViolations, sameIdsViolations } from './rules/full-refresh.js';
import { recordsOf } from './rules/messages.js';

const fullRefreshTest = acceptanceConfig.acceptance_tests.full_refresh.tests[0]!;
const catalog = readCatalog(fullRefreshTest.configured_catalog_path);

let reads: Promise<[ConnectorRun, ConnectorRun]> | undefined;
const twoReads = () => (reads ??= (async () => {
  const config = (await sandbox()).configFor(fullRefreshTest.config_path);
  const first = await run('read', { config, catalog }, fullRefreshTest.timeout_seconds);
  const second = await run('read', { config, catalog }, fullRefreshTest.timeout_seconds);
  return [first, second] as [ConnectorRun, ConnectorRun];
})());

test('full_refresh: two reads in a row both succeed', async () => {
  const [first, second] = await twoReads();
  assertRule([first, second].flatMap((r, i) => (r.exitCode === 0 ? [] : [{ rule: 'full_refresh.reads-succeed', where: `read ${i + 1}`, what: `exited ${r.exitCode}` }])), first.exitCode ? first : second);
});
test('full_refresh: every emitted_at of the second read is later than the first read\'s', async () => {
  const [first, second] = await twoReads();
  assertRule(emittedAtOrderViolations(recordsOf(first.messages), recordsOf(second.messages)));
});
test('full_refresh: both reads return the same primary keys per stream', async () => {
  const [first, second] = await twoReads();
  assertRule(sameIdsViolations(catalog.streams.map((s) => s.stream), recordsOf(first.messages), recordsOf(second.messages)));
});
