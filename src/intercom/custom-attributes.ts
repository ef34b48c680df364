// Typed custom attributes. Intercom describes a workspace's custom attributes in `GET /data_attributes?model=
// contact|company` (data_type string, integer, float, boolean or date). Discover declares `custom_attributes` of
// every stream whose schema is `contacts` (users, leads, contacts) or `companies` with one typed property per
// attribute, still open for attributes added later. In read, a value that does not fit its declared type is
// set to null, reported in the record's meta.changes (NULLED, SOURCE_SERIALIZATION_ERROR) and kept unchanged
// under `custom_attributes_unparsed`: nothing is lost, and every record fits the discovered schema.
//
// Dates: Intercom sends custom date attributes as unix seconds, like its other timestamps; the timestamp
// converter (src/normalize/timestamps.ts) turns them into RFC 3339 since the typed schema says `date-time`.
// A string that already is an RFC 3339 date-time fits as well.
import type { JsonSchema, RecordMeta, RecordChange } from '../airbyte/protocol.js';
import type { RunContext } from '../airbyte/source.js';
import type { IntercomClient } from './http/client.js';
import { IntercomHttpError } from './http/errors.js';

export type AttributeType = 'string' | 'integer' | 'float' | 'boolean' | 'date';
export type AttributeModel = 'contact' | 'company';

export interface CustomAttribute {
  /** The key under `custom_attributes`. */
  name: string;
  type: AttributeType;
  /** For the schema's description. */
  label?: string;
}

/** The custom attributes per model; a model is absent when they could not be read (no scope): left open. */
export type CustomAttributeCatalog = Partial<Record<AttributeModel, CustomAttribute[]>>;

/** Which data-attribute model types the `custom_attributes` of a schema file. */
export const MODEL_OF_SCHEMA: Readonly<Record<string, AttributeModel>> = { contacts: 'contact', companies: 'company' };

const STREAMS_OF_MODEL: Record<AttributeModel, string> = { contact: 'users, leads and contacts', company: 'companies' };

const TYPES = new Set<AttributeType>(['string', 'integer', 'float', 'boolean', 'date']);

export const CUSTOM_ATTRIBUTES = 'custom_attributes';
export const UNPARSED = 'custom_attributes_unparsed';

interface DataAttribute { name?: unknown; full_name?: unknown; data_type?: unknown; custom?: unknown; label?: unknown }

/** The custom attributes of one model from a `GET /data_attributes` list: custom ones of a known type, each name once. */
export function customAttributesOf(list: readonly DataAttribute[]): CustomAttribute[] {
  const out: CustomAttribute[] = [];
  const seen = new Set<string>();
  for (const attribute of list) {
    const custom = attribute.custom === true || (typeof attribute.full_name === 'string' && attribute.full_name.startsWith(`${CUSTOM_ATTRIBUTES}.`));
    if (!custom || typeof attribute.name !== 'string' || attribute.name === '' || seen.has(attribute.name)) continue;
    if (!TYPES.has(attribute.data_type as AttributeType)) continue;
    seen.add(attribute.name);
    out.push({ name: attribute.name, type: attribute.data_type as AttributeType, ...(typeof attribute.label === 'string' && attribute.label !== '' ? { label: attribute.label } : {}) });
  }
  return out;
}

const MODELS = ['contact', 'company'] as const;

/**
 * Reads the custom attributes of contacts and companies (two requests, sent at once: every discover and read
 * waits for them before its first stream, and one after the other they took two round trips). A 403 (the token
 * lacks the scope, or the plan) leaves that model open, with a WARN naming the streams and the fix. So does a
 * 401: the token is refused, and every stream then fails on its own with a config_error naming access_token, as
 * without typing (one WARN, the first model's). Anything else (Intercom failing after retries) fails the command.
 * The answers are taken in the models' order, so what is said and thrown is what one after the other gave.
 */
export async function readCustomAttributes(client: IntercomClient, log: RunContext['log']): Promise<CustomAttributeCatalog> {
  const catalog: CustomAttributeCatalog = {};
  const answers = await Promise.allSettled(MODELS.map((model) => client.get<{ data?: DataAttribute[] }>('/data_attributes', { model })));
  for (const [k, model] of MODELS.entries()) {
    const answer = answers[k]!;
    if (answer.status === 'fulfilled') catalog[model] = customAttributesOf(Array.isArray(answer.value.data) ? answer.value.data : []);
    else {
      const error: unknown = answer.reason;
      if (!(error instanceof IntercomHttpError) || (error.status !== 403 && error.status !== 401)) throw error;
      log('WARN', `custom_attributes of ${STREAMS_OF_MODEL[model]} are declared as an open object, without types: ${error.message}` +
        (error.status === 403 ? ' Grant the app the permission to read data attributes to get one typed column per custom attribute.' : ''));
      if (error.status === 401) return catalog;
    }
  }
  return catalog;
}

const TIMESTAMP = { type: ['null', 'string'], format: 'date-time', airbyte_type: 'timestamp_with_timezone' };

function propertyOf(attribute: CustomAttribute): JsonSchema {
  const description = { description: `Custom ${attribute.type} attribute${attribute.label ? ` "${attribute.label}"` : ''}.` };
  switch (attribute.type) {
    case 'string': return { ...description, type: ['null', 'string'] };
    case 'integer': return { ...description, type: ['null', 'integer'] };
    case 'float': return { ...description, type: ['null', 'number'] };
    case 'boolean': return { ...description, type: ['null', 'boolean'] };
    case 'date': return { ...description, ...TIMESTAMP };
  }
}

/**
 * The schema with typed `custom_attributes` (when `attributes` are known) and `custom_attributes_unparsed`
 * declared, for a schema that has `custom_attributes`; other schemas are returned unchanged. In place.
 */
export function withCustomAttributes(schema: JsonSchema, attributes: readonly CustomAttribute[] | undefined): JsonSchema {
  const properties = schema['properties'] as Record<string, JsonSchema> | undefined;
  const declared = properties?.[CUSTOM_ATTRIBUTES];
  if (!properties || !declared) return schema;
  properties[CUSTOM_ATTRIBUTES] = {
    ...declared,
    type: ['null', 'object'],
    additionalProperties: true,
    properties: Object.fromEntries((attributes ?? []).map((a) => [a.name, propertyOf(a)])),
  };
  properties[UNPARSED] = {
    description: 'Custom attribute values that did not fit the type Intercom declares for them (reported in the record\'s meta.changes), unchanged.',
    type: ['null', 'object'],
    additionalProperties: true,
    properties: {},
  };
  return schema;
}

const MIN_SECONDS = -62167219200; // 0000-01-01T00:00:00Z
const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Fits = (value: unknown) => boolean;
const FITS: Record<AttributeType, Fits> = {
  string: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  float: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  date: (v) => (typeof v === 'number' ? Number.isFinite(v) && v >= MIN_SECONDS && v <= MAX_SECONDS
    : typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v))),
};

/**
 * A per-record check of custom attribute values against their types, compiled once per stream; undefined
 * when there is nothing to check. Runs before timestamps are converted. A record whose values all fit is
 * left alone and gets no meta (one typeof per attribute present); a misfit is moved to
 * `custom_attributes_unparsed`, nulled, and reported.
 */
export function compileCustomAttributeCheck(attributes: readonly CustomAttribute[] | undefined): ((record: Record<string, unknown>) => RecordMeta | undefined) | undefined {
  if (!attributes || attributes.length === 0) return undefined;
  const names = attributes.map((a) => a.name);
  const fits = attributes.map((a) => FITS[a.type]);
  const fields = attributes.map((a) => `${CUSTOM_ATTRIBUTES}.${a.name}`);
  // Names every object inherits (constructor, toString, __proto__, ...): only a value the record holds itself
  // counts (the inherited one is no value of the workspace's), and a misfit is kept under its name as a member
  // of its own (assigning `__proto__` would set the object's prototype instead).
  const inherited = names.map((name) => name in Object.prototype);
  const n = names.length;
  return (record) => {
    const values = record[CUSTOM_ATTRIBUTES];
    if (typeof values !== 'object' || values === null) return undefined;
    const object = values as Record<string, unknown>;
    let changes: RecordChange[] | undefined;
    for (let i = 0; i < n; i++) {
      const name = names[i]!;
      const value = inherited[i] && !Object.hasOwn(object, name) ? undefined : object[name];
      if (value === undefined || value === null || fits[i]!(value)) continue;
      let unparsed = record[UNPARSED] as Record<string, unknown> | null | undefined;
      if (typeof unparsed !== 'object' || unparsed === null) record[UNPARSED] = unparsed = {};
      if (inherited[i]) Object.defineProperty(unparsed, name, { value, writable: true, enumerable: true, configurable: true });
      else unparsed[name] = value;
      object[name] = null;
      (changes ??= []).push({ field: fields[i]!, change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' });
    }
    return changes === undefined ? undefined : { changes };
  };
}
