// The Airbyte protocol (v0) as TypeScript types: only what a source emits or reads.
// The authority is ../shared/reference/airbyte-protocol/airbyte_protocol_v0.json; tests validate every
// emitted line against its #/definitions/AirbyteMessage.

export type JsonSchema = Record<string, unknown>;
export type SyncMode = 'full_refresh' | 'incremental';
export type DestinationSyncMode = 'append' | 'overwrite' | 'append_dedup';
export type FailureType = 'config_error' | 'transient_error' | 'system_error';
export type LogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

export interface StreamDescriptor { name: string; namespace?: string }

export interface AirbyteStream {
  name: string;
  json_schema: JsonSchema;
  supported_sync_modes: SyncMode[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
  namespace?: string;
}

export interface AirbyteCatalog { streams: AirbyteStream[] }

export interface ConfiguredAirbyteStream {
  stream: AirbyteStream;
  sync_mode: SyncMode;
  cursor_field?: string[];
  destination_sync_mode: DestinationSyncMode;
  primary_key?: string[][];
}

export interface ConfiguredAirbyteCatalog { streams: ConfiguredAirbyteStream[] }

export interface ConnectorSpecification {
  documentationUrl?: string;
  connectionSpecification: JsonSchema;
  supportsIncremental?: boolean;
  supported_destination_sync_modes?: DestinationSyncMode[];
  [key: string]: unknown;
}

export interface AirbyteStateMessage {
  type: 'STREAM';
  stream: { stream_descriptor: StreamDescriptor; stream_state?: Record<string, unknown> };
  sourceStats?: { recordCount: number };
}

/** AirbyteRecordMessageMetaChange: what the source changed in a record's data, and why. */
export interface RecordChange {
  field: string;
  change: 'NULLED' | 'TRUNCATED';
  reason:
    | 'SOURCE_RECORD_SIZE_LIMITATION' | 'DESTINATION_RECORD_SIZE_LIMITATION' | 'PLATFORM_RECORD_SIZE_LIMITATION'
    | 'SOURCE_FIELD_SIZE_LIMITATION' | 'DESTINATION_FIELD_SIZE_LIMITATION' | 'PLATFORM_FIELD_SIZE_LIMITATION'
    | 'SOURCE_SERIALIZATION_ERROR' | 'DESTINATION_SERIALIZATION_ERROR' | 'PLATFORM_SERIALIZATION_ERROR'
    | 'SOURCE_RETRIEVAL_ERROR' | 'DESTINATION_TYPECAST_ERROR';
}

/** AirbyteRecordMessageMeta. */
export interface RecordMeta { changes: RecordChange[] }

export type AirbyteMessage =
  | { type: 'RECORD'; record: { stream: string; data: Record<string, unknown>; emitted_at: number; namespace?: string; meta?: RecordMeta } }
  | { type: 'STATE'; state: AirbyteStateMessage }
  | { type: 'LOG'; log: { level: LogLevel; message: string; stack_trace?: string } }
  | { type: 'SPEC'; spec: ConnectorSpecification }
  | { type: 'CONNECTION_STATUS'; connectionStatus: { status: 'SUCCEEDED' | 'FAILED'; message?: string } }
  | { type: 'CATALOG'; catalog: AirbyteCatalog }
  | { type: 'TRACE'; trace: AirbyteTrace };

export type AirbyteTrace =
  | { type: 'ERROR'; emitted_at: number; error: { message: string; internal_message?: string; stack_trace?: string; failure_type: FailureType; stream_descriptor?: StreamDescriptor } }
  | { type: 'ESTIMATE'; emitted_at: number; estimate: { name: string; type: 'STREAM'; row_estimate?: number; namespace?: string } }
  | { type: 'STREAM_STATUS'; emitted_at: number; stream_status: { stream_descriptor: StreamDescriptor; status: StreamStatus } };
