// The Airbyte acceptance-test (CAT) rules for stream JSON schemas (FIELD-NOTES section 7), as one pure check.
// schemaRuleViolations(schema) -> one human-readable message per violation, each naming its JSON pointer;
// an empty list means the schema passes. Draft-07 validity itself is checked with ajv by the callers.

type Schema = Record<string, unknown>;

const FORBIDDEN = ['$ref', 'anyOf', 'allOf', 'oneOf', 'not', 'if', 'then', 'else', 'patternProperties'] as const;
const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array', 'null']);

export interface KeyRules {
  /** Primary key paths: each must exist, be scalar (not object/array) and non-null in the schema. */
  primaryKey?: string[][];
  /** Cursor path: must exist and be scalar. */
  cursorField?: string[];
}

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeList(schema: Schema): string[] | undefined {
  const t = schema['type'];
  if (typeof t === 'string') return [t];
  if (Array.isArray(t) && t.every((x) => typeof x === 'string')) return t as string[];
  return undefined;
}

function checkNode(schema: unknown, ptr: string, out: string[]): void {
  const at = ptr || '/';
  if (!isObject(schema)) { out.push(`${at}: a schema must be an object`); return; }
  for (const keyword of FORBIDDEN) if (keyword in schema) out.push(`${at}: '${keyword}' is not allowed`);
  const types = typeList(schema);
  if (!types) out.push(`${at}: 'type' must be a type or a list of types (found ${JSON.stringify(schema['type'])})`);
  else {
    for (const t of types) if (!TYPES.has(t)) out.push(`${at}: unknown type '${t}'`);
    // A union of several types (e.g. ["null", "string", "object"]) is allowed: CAT's discovery checks forbid
    // only $ref, and where Intercom's sources disagree the schema declares the union (COERCIONS.md).
    if (types.length === 0 || new Set(types).size !== types.length) {
      out.push(`${at}: 'type' must list distinct types (found ${JSON.stringify(schema['type'])})`);
    }
  }
  const types_ = types ?? [];
  if (types_.includes('object')) {
    if (!isObject(schema['properties'])) out.push(`${at}: an object must have 'properties'`);
    if (schema['additionalProperties'] !== true) out.push(`${at}: 'additionalProperties' must be true`);
  } else if ('properties' in schema) out.push(`${at}: 'properties' on a non-object`);
  if ('additionalProperties' in schema && schema['additionalProperties'] !== true) {
    if (!types_.includes('object')) out.push(`${at}: 'additionalProperties' must be true`);
  }
  if (types_.includes('array')) {
    if (!isObject(schema['items'])) out.push(`${at}: an array must have one 'items' schema`);
  }
  if (schema['format'] === 'date-time' || schema['airbyte_type'] === 'timestamp_with_timezone') {
    if (!types_.includes('string')) out.push(`${at}: a date-time must be a string`);
    if (schema['format'] !== 'date-time') out.push(`${at}: a timestamp_with_timezone needs format date-time`);
    if (schema['airbyte_type'] !== 'timestamp_with_timezone') out.push(`${at}: a date-time needs airbyte_type timestamp_with_timezone`);
  }
  if (Array.isArray(schema['enum'])) {
    const seen = new Set(schema['enum'].map((v) => JSON.stringify(v)));
    if (seen.size !== schema['enum'].length) out.push(`${at}: duplicate enum values`);
  }
  if (isObject(schema['properties'])) {
    for (const [key, sub] of Object.entries(schema['properties'])) {
      checkNode(sub, `${ptr}/properties/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
  if (isObject(schema['items'])) checkNode(schema['items'], `${ptr}/items`, out);
}

function propertyAt(schema: Schema, path: string[]): Schema | undefined {
  let current: Schema | undefined = schema;
  for (const key of path) {
    const props: unknown = current?.['properties'];
    current = isObject(props) && isObject(props[key]) ? (props[key] as Schema) : undefined;
  }
  return current;
}

/** Every section-7 violation of a stream schema, plus key/cursor checks when `keys` are given. */
export function schemaRuleViolations(schema: Schema, keys: KeyRules = {}): string[] {
  const out: string[] = [];
  checkNode(schema, '', out);
  const rootTypes = isObject(schema) ? typeList(schema) : undefined;
  if (!rootTypes || rootTypes.length !== 1 || rootTypes[0] !== 'object') out.push(`/: a stream schema must be of type "object"`);
  for (const path of keys.primaryKey ?? []) {
    const sub = propertyAt(schema, path);
    const name = path.join('.');
    if (!sub) { out.push(`primary key '${name}' is not in the schema`); continue; }
    const types = typeList(sub) ?? [];
    if (types.includes('object') || types.includes('array')) out.push(`primary key '${name}' must be a scalar`);
    if (types.includes('null')) out.push(`primary key '${name}' must not be nullable`);
  }
  if (keys.cursorField) {
    const sub = propertyAt(schema, keys.cursorField);
    const name = keys.cursorField.join('.');
    if (!sub) out.push(`cursor '${name}' is not in the schema`);
    else {
      const types = typeList(sub) ?? [];
      if (types.includes('object') || types.includes('array')) out.push(`cursor '${name}' must be a scalar`);
    }
  }
  return out;
}
