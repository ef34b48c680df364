// Regenerates integration_tests/expected_records.jsonl: a few records per stream, read by the built connector
// from the default sandbox workspace (seed and fixed anchor of integration_tests/sandbox-config.json) with
// integration_tests/configured_catalog.json. The suite checks them as a subset of what it reads.
// Usage: npm run build && npm run build:dev && node .build/scripts/make-expected-records.js [records-per-stream]
import { writeFileSync } from 'node:fs';
import { readJson } from '../test/acceptance/harness/acceptance-config.js';
import { describeRun, runConnector } from '../test/acceptance/harness/connector.js';
import { startAcceptanceSandbox } from '../test/acceptance/harness/sandbox.js';
import { recordsOf } from '../test/acceptance/rules/messages.js';
import { keyValue } from '../test/acceptance/rules/records.js';
import { canonicalJson } from '../test/acceptance/rules/violation.js';
import type { ConfiguredAirbyteCatalog } from '../src/airbyte/protocol.js';

export const EXPECTED_RECORDS_PATH = 'integration_tests/expected_records.jsonl';
const CATALOG_PATH = 'integration_tests/configured_catalog.json';
const perStream = Number(process.argv[2] ?? 3);

const env = await startAcceptanceSandbox();
try {
  const catalog = readJson<ConfiguredAirbyteCatalog>(CATALOG_PATH);
  const run = await runConnector('read', { config: env.config, catalog });
  if (run.exitCode !== 0) throw new Error(`read failed: ${describeRun(run)}`);
  const lines: string[] = [];
  for (const { stream } of catalog.streams) {
    const key = (data: Record<string, unknown>) => canonicalJson((stream.source_defined_primary_key ?? [['id']]).map((k) => keyValue(data, k)));
    const picked = recordsOf(run.messages)
      .filter((r) => r.record.stream === stream.name)
      .sort((a, b) => key(a.record.data).localeCompare(key(b.record.data)))
      .slice(0, perStream);
    for (const r of picked) lines.push(JSON.stringify({ stream: stream.name, data: r.record.data, emitted_at: 1700000000000 }));
  }
  writeFileSync(EXPECTED_RECORDS_PATH, lines.join('\n') + '\n');
  console.log(`wrote ${lines.length} records to ${EXPECTED_RECORDS_PATH}`);
} finally {
  await env.close();
}
