// The CATALOG that discover prints, built from the source's StreamDefinitions.
import type { AirbyteCatalog, AirbyteStream } from './protocol.js';
import type { StreamDefinition } from './source.js';

export function toAirbyteStream(d: StreamDefinition): AirbyteStream {
  return {
    name: d.name,
    json_schema: d.jsonSchema,
    supported_sync_modes: d.supportedSyncModes,
    ...(d.cursorField && d.cursorField.length ? { source_defined_cursor: true, default_cursor_field: d.cursorField } : {}),
    ...(d.primaryKey.length ? { source_defined_primary_key: d.primaryKey } : {}),
    is_resumable: d.supportedSyncModes.includes('incremental'),
  };
}

export function toAirbyteCatalog(definitions: StreamDefinition[]): AirbyteCatalog {
  return { streams: definitions.map(toAirbyteStream) };
}
