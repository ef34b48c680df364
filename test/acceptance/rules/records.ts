// CAT "basic read" record rules: records exist, validate strictly, have usable keys, and contain the expected ones.
import type { ValidateFunction } from 'ajv';
import type { AirbyteStream } from '../../../src/airbyte/protocol.js';
import { nonIntegerLiteralPaths } from './json-literals.js';
import { newValidator, schemaAtPath, typesOf } from './json-schema.js';
import type { MessageLine, RecordMessage } from './messages.js';
import { canonicalJson, pointer, violation, type Violation } from './violation.js';

export function atLeastOneRecordViolations(records: RecordMessage[]): Violation[] {
  return records.length > 0 ? [] : [violation('basic_read.records', 'stdout', 'the read emitted no RECORD at all')];
}

/**
 * Every RECORD validates against its stream's schema: date-time strings must parse, and integers are strict
 * (`1.0` in the raw line is not an integer, although JSON.parse makes it 1). Records of unknown streams are violations.
 */
export function recordSchemaViolations(streams: AirbyteStream[], lines: MessageLine[]): Violation[] {
  const ajv = newValidator();
  const validators = new Map<string, ValidateFunction | null>();
  const schemas = new Map(streams.map((s) => [s.name, s.json_schema]));
  const out: Violation[] = [];
  for (const { line, raw, message } of lines) {
    if (message.type !== 'RECORD') continue;
    const name = message.record.stream;
    const schema = schemas.get(name);
    const where = `stdout line ${line} (stream ${name})`;
    if (!schema) { out.push(violation('basic_read.record-stream', where, `stream "${name}" is not in the configured catalog`)); continue; }
    if (!validators.has(name)) {
      try { validators.set(name, ajv.compile(schema)); } catch (e) {
        validators.set(name, null);
        out.push(violation('basic_read.record-schema', `stream ${name}`, `schema does not compile: ${(e as Error).message}`));
      }
    }
    const validate = validators.get(name);
    if (validate && !validate(message.record.data)) {
      for (const e of validate.errors ?? []) out.push(violation('basic_read.record-schema', `${where} ${e.instancePath || '/'}`, e.message ?? 'invalid'));
    }
    for (const path of nonIntegerLiteralPaths(raw)) {
      if (path[0] !== 'record' || path[1] !== 'data') continue;
      const inData = path.slice(2);
      const types = typesOf(schemaAtPath(schema, inData));
      if (types.includes('integer') && !types.includes('number')) {
        out.push(violation('basic_read.strict-integer', `${where} ${pointer(inData)}`, `written as a non-integer number literal, but the schema says integer`));
      }
    }
  }
  return out;
}

export function keyValue(data: Record<string, unknown>, path: string[]): unknown {
  let v: unknown = data;
  for (const step of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined;
  return v;
}

/** Primary key values are present scalars (not null, object or array). */
export function primaryKeyValueViolations(streams: AirbyteStream[], records: RecordMessage[]): Violation[] {
  const keys = new Map(streams.map((s) => [s.name, s.source_defined_primary_key ?? []]));
  const out: Violation[] = [];
  records.forEach((r, i) => {
    for (const key of keys.get(r.record.stream) ?? []) {
      const v = keyValue(r.record.data, key);
      if (v === undefined || v === null || typeof v === 'object') {
        out.push(violation('basic_read.primary-key-value', `record ${i} of stream ${r.record.stream}`, `primary key ${key.join('.')} is ${v === undefined ? 'missing' : JSON.stringify(v)}`));
      }
    }
  });
  return out;
}

/** Every configured stream has records, unless it is declared empty (with a reason) in acceptance-test-config.yml. */
export function emptyStreamViolations(configured: string[], records: RecordMessage[], declaredEmpty: string[]): Violation[] {
  const seen = new Set(records.map((r) => r.record.stream));
  return configured
    .filter((name) => !seen.has(name) && !declaredEmpty.includes(name))
    .map((name) => violation('basic_read.empty-streams', `stream ${name}`, 'no records, and the stream is not declared in empty_streams'));
}

export interface ExpectedRecord { stream: string; data: Record<string, unknown> }

/** Every expected record appears among the records read (same stream, same data; order ignored). */
export function expectedRecordsViolations(expected: ExpectedRecord[], records: RecordMessage[]): Violation[] {
  const read = new Set(records.map((r) => `${r.record.stream}\u0000${canonicalJson(r.record.data)}`));
  const idsRead = new Map<string, Set<string>>();
  for (const r of records) {
    const ids = idsRead.get(r.record.stream) ?? new Set<string>();
    ids.add(canonicalJson(r.record.data.id ?? null));
    idsRead.set(r.record.stream, ids);
  }
  return expected
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => !read.has(`${e.stream}\u0000${canonicalJson(e.data)}`))
    .map(({ e, i }) => {
      const sameId = e.data.id !== undefined && idsRead.get(e.stream)?.has(canonicalJson(e.data.id));
      return violation('basic_read.expected-records', `expected record ${i + 1} (stream ${e.stream}${e.data.id !== undefined ? `, id ${JSON.stringify(e.data.id)}` : ''})`,
        sameId ? 'a record with this id was read, but its data differs' : 'not found among the records read');
    });
}

export function parseExpectedRecords(jsonl: string): ExpectedRecord[] {
  return jsonl.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as ExpectedRecord);
}

/** Each empty_streams entry names a configured stream and gives a bypass_reason (required at strictness high). */
export function emptyStreamDeclarationViolations(configured: string[], declared: Array<{ name: string; bypass_reason?: string }>): Violation[] {
  return declared.flatMap((d) => [
    ...(configured.includes(d.name) ? [] : [violation('basic_read.empty-streams', `empty_streams ${d.name}`, 'declared empty but not in the configured catalog')]),
    ...(d.bypass_reason?.trim() ? [] : [violation('basic_read.empty-streams', `empty_streams ${d.name}`, 'declared empty without a bypass_reason')]),
  ]);
}
