// Shared JSON-schema helpers for the spec, discovery and record rules: one ajv setup, a walk over every
// subschema, and lookup of a property's schema by path.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import traverse from 'json-schema-traverse';
import type { JsonSchema } from '../../../src/airbyte/protocol.js';
import { pointer, violation, type Violation } from './violation.js';

const addFormats = addFormatsModule.default;

/** A draft-07 validator that knows Airbyte's extra keywords and checks formats (date-time must parse). */
export function newValidator(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv, { mode: 'full' });
  // Date.parse must also understand what the format accepts (e.g. month 13 is rejected by both).
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (s: string) => /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)) && validCalendarDate(s),
  });
  return ajv;
}

function validCalendarDate(s: string): boolean {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const hh = Number(s.slice(11, 13)), mm = Number(s.slice(14, 16)), ss = Number(s.slice(17, 19));
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d && hh < 24 && mm < 60 && ss < 61;
}

/** Violations when `schema` is not a valid draft-07 schema, or cannot be compiled. */
export function draft07Violations(ajv: Ajv, schema: unknown, rule: string, where: string): Violation[] {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [violation(rule, where, 'the schema is not a JSON object')];
  const valid = ajv.validateSchema(schema as object);
  if (!valid) return [violation(rule, where, `not a valid draft-07 schema: ${ajv.errorsText(ajv.errors)}`)];
  try { ajv.compile(schema as object); } catch (e) {
    return [violation(rule, where, `schema does not compile: ${(e as Error).message}`)];
  }
  return [];
}

export function compileOrNull(ajv: Ajv, schema: JsonSchema): ValidateFunction | null {
  try { return ajv.compile(schema); } catch { return null; }
}

export interface Subschema { schema: Record<string, unknown>; at: string; parentKeyword?: string; parent?: Record<string, unknown> }

/** Every subschema of `schema` (itself included), each with its JSON pointer. */
export function subschemas(schema: unknown): Subschema[] {
  const out: Subschema[] = [];
  if (schema === null || typeof schema !== 'object') return out;
  traverse(schema as traverse.SchemaObject, {
    allKeys: false,
    cb: (s: traverse.SchemaObject, jsonPtr: string, _root: traverse.SchemaObject, _pp?: string, parentKeyword?: string, parent?: traverse.SchemaObject) => {
      out.push({ schema: s as Record<string, unknown>, at: jsonPtr || '/', parentKeyword, parent: parent as Record<string, unknown> | undefined });
    },
  });
  return out;
}

/** Keywords whose presence anywhere in a schema breaks a rule (Airbyte's UI and CAT reject them). */
export function forbiddenKeywordViolations(schema: unknown, keywords: readonly string[], rule: string, where: string): Violation[] {
  const found: Violation[] = [];
  for (const sub of subschemas(schema)) {
    for (const keyword of keywords) {
      if (Object.prototype.hasOwnProperty.call(sub.schema, keyword)) {
        found.push(violation(rule, `${where}${sub.at === '/' ? '' : sub.at}`, `uses "${keyword}"`));
      }
    }
  }
  return found;
}

export const typesOf = (schema: Record<string, unknown> | undefined): string[] => {
  const t = schema?.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
};

/** The schema of the property reached by `path` (object properties, then array items), or undefined. */
export function schemaAtPath(schema: unknown, path: ReadonlyArray<string | number>): Record<string, unknown> | undefined {
  let current = schema as Record<string, unknown> | undefined;
  for (const step of path) {
    if (!current || typeof current !== 'object') return undefined;
    if (typeof step === 'number') {
      const items = current.items;
      current = Array.isArray(items) ? (items[step] as Record<string, unknown>) : (items as Record<string, unknown> | undefined);
    } else {
      const props = current.properties as Record<string, Record<string, unknown>> | undefined;
      if (props && Object.prototype.hasOwnProperty.call(props, step)) current = props[step];
      else if (current.additionalProperties && typeof current.additionalProperties === 'object') current = current.additionalProperties as Record<string, unknown>;
      else return undefined;
    }
  }
  return current;
}

export { pointer };
