// CAT "connection": every check listed in acceptance-test-config.yml ends with the expected status.
import { test } from 'node:test';
import { connectionViolations } from './rules/connection.js';
import { acceptanceConfig, assertRule, run, sandbox } from './harness/suite.js';

for (const t of acceptanceConfig.acceptance_tests.connection.tests) {
  const expected = t.status ?? 'succeed';
  test(`connection: check with ${t.config_path} -> ${expected}`, async () => {
    const env = await sandbox();
    const r = await run('check', { config: env.configFor(t.config_path) });
    assertRule(connectionViolations(r.messages, r.exitCode, expected, t.config_path), r);
  });
}
