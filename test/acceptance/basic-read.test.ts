// CAT "basic read": one read of the configured catalog, checked rule by rule; plus a catalog naming an unknown stream.
import { test } from 'node:test';
import { existsSync } from 'node:fs';
import type { AirbyteCatalog, AirbyteStream } from '../../src/airbyte/protocol.js';
import { acceptanceConfig, assertRule, configuredNames, discovered, readCatalog, readText, run, sandbox } from './harness/suite.js';
import type { ConnectorRun } from './harness/connector.js';
import { recordsOf } from './rules/messages.js';
import {
  atLeastOneRecordViolations, emptyStreamDeclarationViolations, emptyStreamViolations, expectedRecordsViolations, parseExpectedRecords, primaryKeyValueViolations, recordSchemaViolations,
} from './rules/records.js';
import { stateMessageViolations, unknownStreamTraceViolations } from './rules/states.js';
import { streamStatusViolations } from './rules/statuses.js';

const readTest = acceptanceConfig.acceptance_tests.basic_read.tests[0]!;
const catalog = readCatalog(readTest.configured_catalog_path);
const names = configuredNames(catalog);
const declaredEmpty = (readTest.empty_streams ?? []).map((e) => e.name);

let reading: Promise<{ read: ConnectorRun; discoveredCatalog: AirbyteCatalog }> | undefined;
const basicRead = () => (reading ??= (async () => {
  const env = await sandbox();
  const config = env.configFor(readTest.config_path);
  const discoveredCatalog = await discovered(config);
  const read = await run('read', { config, catalog }, readTest.timeout_seconds);
  return { read, discoveredCatalog };
})());

/** Schemas as discover states them (what the connector promises), for the configured streams. */
const discoveredStreams = (c: AirbyteCatalog): AirbyteStream[] => c.streams.filter((s) => names.includes(s.name));

test(`basic_read: ${readTest.configured_catalog_path} names every discovered stream`, async () => {
  const { discoveredCatalog } = await basicRead();
  const missing = discoveredCatalog.streams.map((s) => s.name).filter((n) => !names.includes(n));
  assertRule(missing.map((n) => ({ rule: 'basic_read.catalog-coverage', where: `stream ${n}`, what: `discovered but not in ${readTest.configured_catalog_path}` })));
});
test('basic_read: the read succeeds (exit 0, no TRACE ERROR)', async () => {
  const { read } = await basicRead();
  const errors = read.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
  assertRule([
    ...(read.exitCode === 0 ? [] : [{ rule: 'basic_read.exit', where: 'exit code', what: `read exited ${read.exitCode}` }]),
    ...errors.map((e) => ({ rule: 'basic_read.no-error', where: 'TRACE ERROR', what: JSON.stringify(e).slice(0, 300) })),
  ], read);
});
test('basic_read: at least one record', async () => assertRule(atLeastOneRecordViolations(recordsOf((await basicRead()).read.messages))));
test('basic_read: every record validates against its discovered schema (strict integers, date-times parse)', async () => {
  const { read, discoveredCatalog } = await basicRead();
  assertRule(recordSchemaViolations(discoveredStreams(discoveredCatalog), read.lines));
});
test('basic_read: every configured stream has records unless declared in empty_streams', async () => {
  assertRule(emptyStreamViolations(names, recordsOf((await basicRead()).read.messages), declaredEmpty));
});
test('basic_read: every empty_streams entry names a configured stream and gives a bypass_reason', () => {
  assertRule(emptyStreamDeclarationViolations(names, readTest.empty_streams ?? []));
});
test('basic_read: primary key values are present scalars', async () => {
  const { read, discoveredCatalog } = await basicRead();
  assertRule(primaryKeyValueViolations(discoveredStreams(discoveredCatalog), recordsOf(read.messages)));
});
test(`basic_read: the records of ${readTest.expect_records?.path ?? 'expected_records.jsonl'} are a subset of the records read`, async () => {
  const path = readTest.expect_records?.path;
  if (!path || !existsSync(path)) throw new Error(`expect_records.path ${path} does not exist: generate it with node .build/scripts/make-expected-records.js`);
  const expected = parseExpectedRecords(readText(path));
  if (expected.length === 0) throw new Error(`${path} is empty`);
  assertRule(expectedRecordsViolations(expected, recordsOf((await basicRead()).read.messages)));
});
test('basic_read: stream statuses STARTED, RUNNING, COMPLETE for every configured stream', async () => {
  const { read } = await basicRead();
  assertRule(streamStatusViolations(names, read.messages), read);
});
test('basic_read: STATE messages >= configured streams, per-stream, none LEGACY, all with sourceStats.recordCount', async () => {
  const { read } = await basicRead();
  assertRule(stateMessageViolations(names, read.messages), read);
});
test('basic_read: a catalog naming an unknown stream with an invalid sync mode yields a TRACE ERROR', async () => {
  const env = await sandbox();
  const bogus = structuredClone(catalog);
  const template = bogus.streams[0]!;
  bogus.streams.push({ ...template, stream: { ...template.stream, name: 'not_an_intercom_stream', supported_sync_modes: ['full_refresh'] }, sync_mode: 'incremental', cursor_field: ['updated_at'] });
  const r = await run('read', { config: env.configFor(readTest.config_path), catalog: bogus });
  assertRule(unknownStreamTraceViolations(r.messages, r.exitCode), r);
});
