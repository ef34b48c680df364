// Regenerates the acceptance fixtures (integration_tests/*catalog*.json, abnormal_state.json, sample_state.json,
// catalogs/*.json) from what the built connector discovers against the sandbox of integration_tests/sandbox-config.json.
// Usage: npm run build && npm run build:dev && node .build/scripts/make-acceptance-fixtures.js
import { writeFileSync } from 'node:fs';
import { runConnector, describeRun } from '../test/acceptance/harness/connector.js';
import { fixtureFiles, fixtureText } from '../test/acceptance/harness/fixtures.js';
import { startAcceptanceSandbox } from '../test/acceptance/harness/sandbox.js';
import { catalogOf } from '../test/acceptance/rules/discovery.js';

const env = await startAcceptanceSandbox();
try {
  const run = await runConnector('discover', { config: env.config });
  const catalog = catalogOf(run.messages);
  if (!catalog) throw new Error(`discover gave no catalog: ${describeRun(run)}`);
  const anchor = Number(env.file.sandbox.anchor);
  for (const [path, content] of Object.entries(fixtureFiles(catalog, anchor))) {
    writeFileSync(path, fixtureText(content));
    console.log(`wrote ${path}`);
  }
} finally {
  await env.close();
}
