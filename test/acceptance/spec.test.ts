// CAT "spec": the SPEC the connector prints, checked rule by rule; the config used offline must match it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectorSpecification } from '../../src/airbyte/protocol.js';
import { readJson } from './harness/acceptance-config.js';
import { loadSandboxConfigFile, sandboxConnectorConfig } from './harness/sandbox.js';
import { acceptanceConfig, assertRule, run } from './harness/suite.js';
import {
  additionalPropertiesViolations, configMatchesSpecViolations, enumAndOrderViolations, oneOfViolations, secretsMarkedViolations,
  specForbiddenKeywordViolations, specIsDraft07Violations, specMessageViolations, typeShapeViolations,
} from './rules/spec.js';

const specTest = acceptanceConfig.acceptance_tests.spec.tests[0]!;
const printed = run('spec', {});
const spec = async (): Promise<ConnectorSpecification> => {
  const r = await printed;
  const m = r.messages.find((x) => x.type === 'SPEC');
  if (m?.type !== 'SPEC') throw new Error(`no SPEC message (exit ${r.exitCode}): ${r.stderr.slice(-400)}`);
  return m.spec;
};

test('spec: exactly one SPEC message, exit 0', async () => {
  const r = await printed;
  assertRule(specMessageViolations(r.messages), r);
  assert.equal(r.exitCode, 0);
});

test(`spec: the printed spec equals ${specTest.spec_path}`, async () => {
  assert.deepEqual(await spec(), readJson(specTest.spec_path));
});

test('spec: connectionSpecification is a valid draft-07 schema', async () => assertRule(specIsDraft07Violations(await spec())));
test('spec: every secret-looking field is airbyte_secret', async () => assertRule(secretsMarkedViolations(await spec())));
test('spec: types are one type or [type, "null"]; objects have properties', async () => assertRule(typeShapeViolations(await spec())));
test('spec: no $ref, anyOf, allOf, not, if/then/else, patternProperties', async () => assertRule(specForbiddenKeywordViolations(await spec())));
test('spec: every additionalProperties is true', async () => assertRule(additionalPropertiesViolations(await spec())));
test('spec: oneOf variants share one const property whose default is the const', async () => assertRule(oneOfViolations(await spec())));
test('spec: no duplicate enum values or order in a group', async () => assertRule(enumAndOrderViolations(await spec())));

test(`spec: the offline stand-in for ${specTest.config_path ?? 'secrets/config.json'} validates against the spec`, async () => {
  const file = loadSandboxConfigFile();
  const config = sandboxConnectorConfig(file, 'http://127.0.0.1:8089', 'sandbox-token');
  assertRule(configMatchesSpecViolations(await spec(), config, file.replaces));
});
