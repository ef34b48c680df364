// acceptance-test-config.yml, read the way CAT reads it (only the keys this suite uses).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ConfigTest { config_path: string; status?: 'succeed' | 'failed' | 'exception' }
export interface ReadTest extends ConfigTest {
  configured_catalog_path: string;
  empty_streams?: Array<{ name: string; bypass_reason?: string }>;
  expect_records?: { path: string; exact_order?: boolean };
  timeout_seconds?: number;
}
export interface IncrementalTest extends ReadTest {
  future_state?: { future_state_path: string };
  skip_comprehensive_incremental_tests?: boolean;
}

export interface AcceptanceTestConfig {
  connector_image: string;
  test_strictness_level: string;
  acceptance_tests: {
    spec: { tests: Array<{ spec_path: string; config_path?: string }> };
    connection: { tests: ConfigTest[] };
    discovery: { tests: ConfigTest[] };
    basic_read: { tests: ReadTest[] };
    full_refresh: { tests: ReadTest[] };
    incremental: { tests: IncrementalTest[] };
  };
}

export const ACCEPTANCE_CONFIG_PATH = 'acceptance-test-config.yml';

export function loadAcceptanceConfig(path = ACCEPTANCE_CONFIG_PATH): AcceptanceTestConfig {
  const parsed = parse(readFileSync(path, 'utf8')) as AcceptanceTestConfig;
  for (const family of ['spec', 'connection', 'discovery', 'basic_read', 'full_refresh', 'incremental'] as const) {
    if (!parsed?.acceptance_tests?.[family]?.tests?.length) throw new Error(`${path}: acceptance_tests.${family}.tests is missing or empty`);
  }
  return parsed;
}

export const readJson = <T = unknown>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
