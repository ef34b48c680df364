// The acceptance fixtures, derived from a discovered catalog: scripts/make-acceptance-fixtures.ts writes them,
// and the discovery test checks the committed files still equal what discover gives now.
import type { AirbyteCatalog, AirbyteStateMessage, AirbyteStream, ConfiguredAirbyteCatalog } from '../../../src/airbyte/protocol.js';
import { configureStream, supportsIncremental } from '../../helpers/catalog.js';
import { schemaAtPath } from '../rules/json-schema.js';

export { supportsIncremental };

/** The tables the seed product page lists (the fixture that names streams). */
export const SEED_TABLES = ['admins', 'companies', 'company_segments', 'conversations', 'conversations__parts', 'leads', 'segments', 'users'] as const;

/** 2100-01-01T00:00:00Z: later than any record the sandbox or Intercom holds. */
export const FAR_FUTURE_SECONDS = 4102444800;

const byName = (a: AirbyteStream, b: AirbyteStream) => a.name.localeCompare(b.name);

export const allFullRefresh = (c: AirbyteCatalog): ConfiguredAirbyteCatalog =>
  ({ streams: [...c.streams].sort(byName).map((s) => configureStream(s, 'full_refresh')) });

export const allIncremental = (c: AirbyteCatalog): ConfiguredAirbyteCatalog =>
  ({ streams: [...c.streams].sort(byName).map((s) => configureStream(s, supportsIncremental(s) ? 'incremental' : 'full_refresh')) });

export const incrementalOnly = (c: AirbyteCatalog): ConfiguredAirbyteCatalog =>
  ({ streams: [...c.streams].sort(byName).filter(supportsIncremental).map((s) => configureStream(s, 'incremental')) });

export function seedTables(c: AirbyteCatalog): ConfiguredAirbyteCatalog {
  const missing = SEED_TABLES.filter((name) => !c.streams.some((s) => s.name === name));
  if (missing.length) throw new Error(`discover does not offer the seed tables ${missing.join(', ')}`);
  return { streams: [...c.streams].sort(byName).filter((s) => (SEED_TABLES as readonly string[]).includes(s.name)).map((s) => configureStream(s, supportsIncremental(s) ? 'incremental' : 'full_refresh')) };
}

/** A cursor value at `unixSeconds`, in the cursor property's own type (RFC 3339 string or unix number). */
export function cursorValue(s: AirbyteStream, unixSeconds: number): string | number {
  const prop = schemaAtPath(s.json_schema, s.default_cursor_field ?? []);
  const types = ([] as unknown[]).concat(prop?.type ?? []);
  return types.includes('string') ? new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z') : unixSeconds;
}

/** One STREAM state per incremental stream, its cursor at `unixSeconds`. */
export function statesAt(c: AirbyteCatalog, unixSeconds: number): AirbyteStateMessage[] {
  return [...c.streams].sort(byName).filter(supportsIncremental).map((s) => ({
    type: 'STREAM',
    stream: { stream_descriptor: { name: s.name }, stream_state: { [(s.default_cursor_field ?? []).join('.')]: cursorValue(s, unixSeconds) } },
  }));
}

/** Days before the sandbox anchor that sample_state.json's cursors sit. */
export const SAMPLE_STATE_DAYS_BEFORE_ANCHOR = 90;

/** Every fixture file with its content, keyed by repository path. */
export function fixtureFiles(c: AirbyteCatalog, anchorSeconds: number): Record<string, unknown> {
  return {
    'integration_tests/configured_catalog.json': allFullRefresh(c),
    'integration_tests/incremental_catalog.json': incrementalOnly(c),
    'integration_tests/abnormal_state.json': statesAt(c, FAR_FUTURE_SECONDS),
    'integration_tests/sample_state.json': statesAt(c, anchorSeconds - SAMPLE_STATE_DAYS_BEFORE_ANCHOR * 86400),
    'catalogs/all-full-refresh.json': allFullRefresh(c),
    'catalogs/all-incremental.json': allIncremental(c),
    'catalogs/seed-tables.json': seedTables(c),
  };
}

export const fixtureText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
