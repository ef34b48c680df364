// The config validator compiled ahead of time (src/intercom/config-validator.ts, written by
// scripts/config-validator.ts from spec.json): it is exactly what the script writes today (so a changed spec
// or ajv option cannot leave it behind), and it judges configs as ajv compiling the spec at run time does:
// the same verdict, the same errors, the same defaults filled in, the same messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ValidateFunction } from 'ajv';
import { configAjv, validateConfig } from '../../src/airbyte/config.js';
import { validate } from '../../src/intercom/config-validator.js';
import { loadSpec } from '../../src/intercom/package.js';
import { configValidatorSource, TARGET } from '../../scripts/config-validator.js';

const spec = loadSpec();
const compiled = validate as unknown as ValidateFunction;

test('the committed validator is what scripts/config-validator.ts writes from spec.json today', () => {
  assert.equal(readFileSync(TARGET, 'utf8'), configValidatorSource(), `stale: run npm run build:dev && node .build/scripts/config-validator.js`);
});

const CONFIGS: unknown[] = [
  { access_token: 'tok' },
  { access_token: 'tok', start_date: '2024-01-01T00:00:00Z', region: 'eu', attribution_window_days: 0, concurrency: 8 },
  { access_token: 'tok', start_date: '2024-02-30T00:00:00Z' },
  { access_token: 'tok', start_date: '2024-01-01' },
  { access_token: '', region: 'mars', intercom_version: '1.0' },
  { region: 'us', concurrency: 0, max_attempts: 21, request_timeout_seconds: 1.5 },
  { access_token: 7, base_url: 42, lookback_window: -1, max_response_mb: 'big', extra: { nested: true } },
  { access_token: 'tok', client_id: 'id', client_secret: 'secret', max_requests_per_minute: 600 },
];

test('the same verdict, errors and defaults as ajv compiling the spec at run time', () => {
  const atRunTime = configAjv().compile(spec.connectionSpecification);
  for (const config of CONFIGS) {
    const a = structuredClone(config);
    const b = structuredClone(config);
    assert.equal(compiled(a), atRunTime(b), JSON.stringify(config));
    assert.deepEqual(compiled.errors ?? null, atRunTime.errors ?? null, JSON.stringify(config));
    assert.deepEqual(a, b, 'the same defaults filled in');
  }
});

test('validateConfig says the same with it as without it', () => {
  for (const config of CONFIGS) {
    const said = (validator?: ValidateFunction) => {
      try {
        return JSON.stringify(validateConfig(structuredClone(config), spec, 'the config', validator));
      } catch (error) {
        return (error as Error).message;
      }
    };
    assert.equal(said(compiled), said(), JSON.stringify(config));
  }
  assert.match((() => { try { validateConfig({ access_token: 'tok', start_date: '2024-02-30T00:00:00Z' }, spec, 'the config', compiled); return ''; } catch (e) { return (e as Error).message; } })(), /'start_date' is not a real date and time/);
});
