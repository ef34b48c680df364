// Loading the files a command is given (--config, --catalog, --state) and validating the config against the
// spec. Every problem a person can fix is a ConnectorError('config_error') naming the file, flag or field,
// and no message ever echoes a value from the file (it may hold a secret).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import { isRealDate, isRealDateTime } from './dates.js';
import { configError } from './errors.js';
import { jsonErrorOffset, lineAndColumn } from './json-position.js';
import type { ConnectorSpecification, JsonSchema, SyncMode } from './protocol.js';
import { cut } from './quote.js';
import type { ConfiguredStream } from './source.js';

export type FileFlag = 'config' | 'catalog' | 'state';

const FILE_KIND: Record<FileFlag, string> = { config: 'config file', catalog: 'catalog file', state: 'state file' };

export function describeFile(path: string, flag: FileFlag): string {
  return `the ${FILE_KIND[flag]} '${cut(path)}' (--${flag})`;
}

function readFailure(code: string | undefined): string {
  switch (code) {
    case 'ENOENT': return 'it does not exist';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory, not a file';
    default: return `it cannot be read (${code ?? 'unknown error'})`;
  }
}

/** Where the JSON stops being valid, as line and column; never quotes the text (it may hold a secret). */
function jsonFailure(text: string): string {
  if (text.trim() === '') return 'it is empty';
  const offset = jsonErrorOffset(text);
  if (offset < 0) return 'it is not valid JSON';
  if (offset >= text.length) return 'it is not valid JSON (the text ends too early)';
  const { line, column } = lineAndColumn(text, offset);
  return `it is not valid JSON (error at line ${line}, column ${column})`;
}

/** Reads and parses a JSON file; any failure is a config_error naming the file and its flag. */
export async function readJsonFile(path: string, flag: FileFlag): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw configError(`Cannot use ${describeFile(path, flag)}: ${readFailure((err as NodeJS.ErrnoException).code)}.`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw configError(`Cannot use ${describeFile(path, flag)}: ${jsonFailure(text)}.`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------- config

// validateSchema: false: the spec is the connector's own, checked by its tests; validating it against the
// draft-07 meta-schema on every run would compile the meta-schema too (about half of discover's start-up).
/** How a config is validated (ajv), here and in a validator compiled ahead of time from the same options. */
export const CONFIG_AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: false, verbose: true, logger: false, validateSchema: false };

/** The formats a config's strings are checked for. Dates must exist on the calendar: Date.parse alone takes 2025-02-30 for 2 March. */
export const CONFIG_FORMATS: Record<string, (s: string) => boolean> = {
  'date-time': isRealDateTime,
  date: (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s),
  uri: (s: string) => URL.canParse(s),
  email: (s: string) => /^[^\s@]+@[^\s@]+$/.test(s),
};

/** A new ajv with the config's options (and `options`) and formats; ajv is loaded on first use (~70 files, ~80 ms). */
export function configAjv(options: Options = {}): AjvClass {
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  const instance = new Ajv({ ...CONFIG_AJV_OPTIONS, ...options });
  for (const [name, format] of Object.entries(CONFIG_FORMATS)) instance.addFormat(name, format);
  return instance;
}

let ajv: AjvClass | undefined;
const validators = new WeakMap<JsonSchema, ValidateFunction>();
function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    validate = (ajv ??= configAjv()).compile(schema);
    validators.set(schema, validate);
  }
  return validate;
}

/** A JSON pointer as a field name: `/credentials/access_token` -> `credentials.access_token`, `/a/0` -> `a[0]`. */
export function fieldName(instancePath: string, child?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '');
}

/** One human sentence per ajv error, from the schema only (never `data`). */
function describeConfigError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': return `'${fieldName(e.instancePath, String(params.missingProperty))}' is required`;
    case 'additionalProperties': return `'${cut(fieldName(e.instancePath, String(params.additionalProperty)))}' is not a known field`;
    case 'enum': return `'${fieldName(e.instancePath)}' must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'pattern': {
      const descriptor = typeof parent.pattern_descriptor === 'string' ? parent.pattern_descriptor : `the pattern ${String(params.pattern)}`;
      return `'${fieldName(e.instancePath)}' must look like ${descriptor}`;
    }
    case 'format':
      if (params.format === 'date-time' || params.format === 'date') {
        const shape = typeof parent.pattern_descriptor === 'string' ? parent.pattern_descriptor : params.format === 'date' ? 'YYYY-MM-DD' : 'YYYY-MM-DDTHH:MM:SSZ';
        return `'${fieldName(e.instancePath)}' is not a real ${params.format === 'date' ? 'date' : 'date and time'}: the day must exist on the calendar and the time be within 00:00:00-23:59:59 (${shape})`;
      }
      return `'${cut(fieldName(e.instancePath))}' ${e.message ?? 'is invalid'}`;
    default: return `'${cut(fieldName(e.instancePath)) || '(the config)'}' ${e.message ?? 'is invalid'}`;
  }
}

/**
 * Validates a raw config against spec.connectionSpecification, applying the spec's defaults in place.
 * Throws config_error naming every failing field. `compiled`: that schema's validator compiled ahead of time
 * (ajv's standalone code, with CONFIG_AJV_OPTIONS and CONFIG_FORMATS), which spares loading ajv.
 */
export function validateConfig(raw: unknown, spec: ConnectorSpecification, source = 'the config', compiled?: ValidateFunction): Record<string, unknown> {
  if (!isObject(raw)) throw configError(`${capitalize(source)} must hold a JSON object.`);
  const validate = compiled ?? validatorFor(spec.connectionSpecification);
  if (validate(raw)) return raw;
  const errors = validate.errors ?? [];
  // oneOf/anyOf summaries add nothing once their variants' own errors are listed.
  // A field failing its pattern usually fails its format too: the pattern's descriptor says it better.
  const withPattern = new Set(errors.filter((e) => e.keyword === 'pattern').map((e) => e.instancePath));
  const useful = errors.filter((e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword) && !(e.keyword === 'format' && withPattern.has(e.instancePath)));
  const sentences = [...new Set((useful.length ? useful : errors).map(describeConfigError))];
  throw configError(`${capitalize(source)} does not match the connector's spec: ${sentences.join('; ')}.`);
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Every config value whose spec property has `airbyte_secret: true`, nested objects, arrays and oneOf
 * variants included. Works on unvalidated configs (it only looks where types match).
 */
export function secretValues(spec: ConnectorSpecification, config: unknown): string[] {
  const found: string[] = [];
  const walk = (schema: unknown, value: unknown): void => {
    if (!isObject(schema) || value === undefined || value === null) return;
    if (schema.airbyte_secret === true) {
      if (typeof value === 'string') found.push(value);
      else if (typeof value === 'number') found.push(String(value));
    }
    for (const combinator of ['oneOf', 'anyOf', 'allOf']) {
      const variants = schema[combinator];
      if (Array.isArray(variants)) for (const variant of variants) walk(variant, value);
    }
    if (isObject(value) && isObject(schema.properties)) {
      for (const [key, sub] of Object.entries(schema.properties)) walk(sub, value[key]);
    }
    if (Array.isArray(value) && schema.items !== undefined) {
      for (const [i, item] of value.entries()) walk(Array.isArray(schema.items) ? schema.items[i] : schema.items, item);
    }
  };
  walk(spec.connectionSpecification, config);
  return found;
}

export interface LoadedConfig { raw: Record<string, unknown>; secrets: string[] }

/**
 * Reads --config, reports its secrets (before validation, so every later message is redacted), then validates
 * it against the spec with defaults applied.
 */
export async function loadConfig(path: string, spec: ConnectorSpecification, onSecrets?: (secrets: string[]) => void, compiled?: () => Promise<ValidateFunction>): Promise<LoadedConfig> {
  const raw = await readJsonFile(path, 'config');
  const secrets = secretValues(spec, raw);
  onSecrets?.(secrets);
  return { raw: validateConfig(raw, spec, describeFile(path, 'config'), await compiled?.()), secrets };
}

// --------------------------------------------------------------------------------------------- catalog

const SYNC_MODES: readonly SyncMode[] = ['full_refresh', 'incremental'];

/** The configured streams of a ConfiguredAirbyteCatalog; shape errors name the entry and field. */
export function parseCatalog(raw: unknown, source = 'the catalog'): ConfiguredStream[] {
  const fail = (what: string) => configError(`${capitalize(source)} is not a configured catalog: ${what}.`);
  if (!isObject(raw) || !Array.isArray(raw.streams)) throw fail("it must be an object with a 'streams' list");
  const seen = new Set<string>();
  return raw.streams.map((entry: unknown, i: number): ConfiguredStream => {
    const at = `streams[${i}]`;
    if (!isObject(entry)) throw fail(`'${at}' must be an object`);
    if (!isObject(entry.stream) || typeof entry.stream.name !== 'string' || entry.stream.name === '') {
      throw fail(`'${at}.stream.name' is required`);
    }
    const name = entry.stream.name;
    if (seen.has(name)) throw fail(`stream '${cut(name)}' is configured twice`);
    seen.add(name);
    if (!SYNC_MODES.includes(entry.sync_mode as SyncMode)) {
      throw fail(`'${at}.sync_mode' of stream '${cut(name)}' must be one of ${SYNC_MODES.join(', ')}`);
    }
    const cursor = entry.cursor_field;
    if (cursor !== undefined && !(Array.isArray(cursor) && cursor.every((c) => typeof c === 'string'))) {
      throw fail(`'${at}.cursor_field' of stream '${cut(name)}' must be a list of strings`);
    }
    return { name, syncMode: entry.sync_mode as SyncMode, ...(cursor && cursor.length ? { cursorField: cursor as string[] } : {}) };
  });
}

export async function loadCatalog(path: string): Promise<ConfiguredStream[]> {
  return parseCatalog(await readJsonFile(path, 'catalog'), describeFile(path, 'catalog'));
}

