// Configured catalogs from a discovered one: the one builder used by the tests, the acceptance fixtures, the
// benchmarks and the demo.
import type { AirbyteStream, ConfiguredAirbyteStream } from '../../src/airbyte/protocol.js';

export type Mode = 'full_refresh' | 'incremental';

export const supportsIncremental = (s: AirbyteStream) => s.supported_sync_modes.includes('incremental');

/** One stream as a configured stream: incremental ones keep their default cursor and dedup by key. */
export function configureStream(s: AirbyteStream, mode: Mode): ConfiguredAirbyteStream {
  return mode === 'incremental'
    ? { stream: s, sync_mode: 'incremental', cursor_field: s.default_cursor_field ?? [], destination_sync_mode: 'append_dedup', primary_key: s.source_defined_primary_key ?? [] }
    : { stream: s, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite', primary_key: s.source_defined_primary_key ?? [] };
}

/**
 * The streams `names` (or all) of a discovered catalog, incremental where asked and supported, full refresh
 * otherwise. The streams are copies: a test may change them without touching the catalog.
 */
export function configuredCatalog(catalog: { streams: AirbyteStream[] }, names: string[] | 'all', mode: Mode): { streams: ConfiguredAirbyteStream[] } {
  const streams = structuredClone(catalog.streams.filter((s) => names === 'all' || names.includes(s.name)));
  if (names !== 'all' && streams.length !== names.length) throw new Error(`unknown streams in ${names.join(',')}`);
  return { streams: streams.map((s) => configureStream(s, mode === 'incremental' && supportsIncremental(s) ? 'incremental' : 'full_refresh')) };
}
