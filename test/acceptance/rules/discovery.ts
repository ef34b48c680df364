// CAT "discovery" rules as pure functions over the CATALOG a connector emits.
import type { AirbyteCatalog, AirbyteMessage, AirbyteStream } from '../../../src/airbyte/protocol.js';
import { draft07Violations, forbiddenKeywordViolations, newValidator, schemaAtPath, typesOf } from './json-schema.js';
import { violation, type Violation } from './violation.js';

export function catalogOf(messages: AirbyteMessage[]): AirbyteCatalog | undefined {
  const m = messages.find((x) => x.type === 'CATALOG');
  return m?.type === 'CATALOG' ? m.catalog : undefined;
}

export function oneCatalogViolations(messages: AirbyteMessage[]): Violation[] {
  const n = messages.filter((m) => m.type === 'CATALOG').length;
  return n === 1 ? [] : [violation('discovery.one-catalog', 'stdout', `expected exactly one CATALOG message, got ${n}`)];
}

export function streamNameViolations(catalog: AirbyteCatalog): Violation[] {
  const out: Violation[] = [];
  if (!Array.isArray(catalog.streams) || catalog.streams.length === 0) return [violation('discovery.stream-names', '/catalog/streams', 'no streams')];
  const seen = new Set<string>();
  catalog.streams.forEach((s, i) => {
    if (typeof s.name !== 'string' || s.name.trim() === '') out.push(violation('discovery.stream-names', `/catalog/streams/${i}`, 'empty stream name'));
    else if (seen.has(s.name)) out.push(violation('discovery.stream-names', `/catalog/streams/${i}`, `duplicate stream name "${s.name}"`));
    seen.add(s.name);
  });
  return out;
}

export function streamSchemaViolations(catalog: AirbyteCatalog): Violation[] {
  const ajv = newValidator();
  return catalog.streams.flatMap((s) => [
    ...draft07Violations(ajv, s.json_schema, 'discovery.draft-07', `stream ${s.name}`),
    ...forbiddenKeywordViolations(s.json_schema, ['$ref'], 'discovery.no-ref', `stream ${s.name} json_schema`),
  ]);
}

const pathText = (path: string[]) => path.join('.');

/** Primary keys and default cursor fields name properties of the schema; key properties are scalars. */
export function keyAndCursorViolations(catalog: AirbyteCatalog): Violation[] {
  const out: Violation[] = [];
  for (const s of catalog.streams) {
    for (const key of s.source_defined_primary_key ?? []) {
      const prop = schemaAtPath(s.json_schema, key);
      if (!prop) { out.push(violation('discovery.primary-key-exists', `stream ${s.name}`, `primary key ${pathText(key)} is not in the schema`)); continue; }
      const types = typesOf(prop);
      if (types.length === 0 || types.includes('object') || types.includes('array')) {
        out.push(violation('discovery.primary-key-type', `stream ${s.name}`, `primary key ${pathText(key)} has type ${JSON.stringify(prop.type)}; keys must be scalars`));
      }
    }
    if (s.default_cursor_field && s.default_cursor_field.length > 0 && !schemaAtPath(s.json_schema, s.default_cursor_field)) {
      out.push(violation('discovery.cursor-exists', `stream ${s.name}`, `default cursor ${pathText(s.default_cursor_field)} is not in the schema`));
    }
    if (s.supported_sync_modes?.includes('incremental') && s.source_defined_cursor && !(s.default_cursor_field?.length)) {
      out.push(violation('discovery.cursor-exists', `stream ${s.name}`, 'source-defined cursor without default_cursor_field'));
    }
    if (!Array.isArray(s.supported_sync_modes) || s.supported_sync_modes.length === 0) {
      out.push(violation('discovery.sync-modes', `stream ${s.name}`, 'no supported_sync_modes'));
    }
  }
  return out;
}

export function discoveryRuleViolations(messages: AirbyteMessage[]): Violation[] {
  const catalog = catalogOf(messages);
  const one = oneCatalogViolations(messages);
  if (!catalog) return one;
  return [...one, ...streamNameViolations(catalog), ...streamSchemaViolations(catalog), ...keyAndCursorViolations(catalog)];
}

export const incrementalStreams = (catalog: AirbyteCatalog): AirbyteStream[] =>
  catalog.streams.filter((s) => s.supported_sync_modes.includes('incremental'));
