/**
 * Intercom's published OpenAPI 3.0 descriptions (../shared/reference/intercom-openapi/) as JSON Schema for
 * ajv: every components.schemas entry is registered under its own $id, `$ref`s point at those ids,
 * `nullable: true` becomes a 'null' type, `example` and `x-*` are dropped. The response schema of an
 * endpoint is read from the description's own `paths` (its 200 response's $ref), not from a hand-made map.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import YAML from 'yaml';

export type DescribedVersion = '2.11' | '2.14';
type Json = Record<string, unknown>;

import { sharedPath } from '../helpers/shared.js';

const addFormats = addFormatsModule.default;

/** The reference folder: a sibling of the repository (CI), else the shared checkout of this machine. */
export function referenceDir(): string {
  return sharedPath('reference', 'intercom-openapi');
}

const REF_PREFIX = '#/components/schemas/';
export const schemaId = (version: string, name: string) => `https://sandbox.test/intercom/${version}/${name}`;

/**
 * One OpenAPI 3.0 schema node as JSON Schema (draft-07, which ajv's default class speaks). `nullable`
 * adds 'null' to `type` (and to `enum`); on a node without `type` (a $ref, a oneOf) it becomes
 * anyOf [node, {type:'null'}].
 */
export function toJsonSchema(node: unknown, version: string): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, version));
  if (node === null || typeof node !== 'object') return node;
  const src = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === 'example' || key === 'examples' || key === 'nullable' || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string') {
      if (!value.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${value}`);
      out.$ref = schemaId(version, value.slice(REF_PREFIX.length));
    } else if (key === 'properties' && value && typeof value === 'object') {
      // Property names are data, not keywords: translate each property's schema, keep every name.
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v, version)]));
    } else {
      out[key] = toJsonSchema(value, version);
    }
  }
  if (src.nullable !== true) return out;
  if (typeof out.type === 'string') out.type = [out.type, 'null'];
  else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
  else if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  return out;
}

export interface OpenApiDescription {
  version: DescribedVersion;
  /** components.schemas as loaded (OpenAPI 3.0); patch these before `compile()`. */
  components: Record<string, Json>;
  /** The components.schemas name of the 200 (or given status) JSON response of `method path`. */
  responseSchema(method: 'get' | 'post', path: string, status?: string): string;
}

const cache = new Map<string, { paths: Json; components: string }>();

/** Loads one version's description; every call returns fresh component objects to patch. */
export function loadDescription(version: DescribedVersion): OpenApiDescription {
  let loaded = cache.get(version);
  if (!loaded) {
    const doc = YAML.parse(readFileSync(join(referenceDir(), `intercom-openapi-${version}.yaml`), 'utf8')) as Json;
    const components = (doc.components as Json).schemas as Json;
    loaded = { paths: doc.paths as Json, components: JSON.stringify(components) };
    cache.set(version, loaded);
  }
  const paths = loaded.paths;
  return {
    version,
    components: JSON.parse(loaded.components) as Record<string, Json>,
    responseSchema(method, path, status = '200') {
      const op = (paths[path] as Json | undefined)?.[method] as Json | undefined;
      if (!op) throw new Error(`${version}: the description has no ${method.toUpperCase()} ${path}`);
      const schema = (((op.responses as Json)[status] as Json | undefined)?.content as Json | undefined)?.['application/json'] as Json | undefined;
      const ref = (schema?.schema as Json | undefined)?.$ref;
      if (typeof ref !== 'string') throw new Error(`${version}: ${method.toUpperCase()} ${path} has no ${status} JSON $ref`);
      return ref.slice(REF_PREFIX.length);
    },
  };
}

export interface Validators {
  /** Problems of `body` against component `name` ([] when valid), as "path: message" lines. */
  check(name: string, body: unknown): string[];
  /** The translated JSON Schema of one component (for walking). */
  schema(name: string): Json;
  /** Resolves a translated node's $ref (one level), or returns the node. */
  deref(node: Json): Json;
}

/** Compiles every (possibly patched) component of a description with ajv (strict: false, allErrors). */
export function compile(description: OpenApiDescription): Validators {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Intercom's own format names (no JSON Schema meaning): accepted as annotations.
  for (const f of ['timestamp', 'int', 'float']) ajv.addFormat(f, true);
  const translated = new Map<string, Json>();
  for (const [name, node] of Object.entries(description.components)) {
    const schema = { ...(toJsonSchema(node, description.version) as Json), $id: schemaId(description.version, name) };
    translated.set(name, schema);
    ajv.addSchema(schema);
  }
  const compiled = new Map<string, ValidateFunction>();
  const byId = new Map([...translated].map(([name, s]) => [schemaId(description.version, name), s]));
  return {
    check(name, body) {
      let validate = compiled.get(name);
      if (!validate) {
        validate = ajv.getSchema(schemaId(description.version, name));
        if (!validate) throw new Error(`${description.version}: no component ${name}`);
        compiled.set(name, validate);
      }
      if (validate(body)) return [];
      return (validate.errors as ErrorObject[]).map((e) => `${e.instancePath || '/'}: ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    },
    schema(name) {
      const s = translated.get(name);
      if (!s) throw new Error(`${description.version}: no component ${name}`);
      return s;
    },
    deref(node) {
      let cur = node;
      for (let n = 0; n < 20 && typeof cur.$ref === 'string'; n++) cur = byId.get(cur.$ref)!;
      return cur;
    },
  };
}

/**
 * Every leaf of `body` whose schema declares a `type` (walking properties, items and $refs), as
 * [JSON pointer segments, declared types]: the places a corruption must be caught.
 */
export function typedLeaves(v: Validators, schema: Json, body: unknown, path: (string | number)[] = [], out: [(string | number)[], string[]][] = []): [(string | number)[], string[]][] {
  const s = v.deref(schema);
  if (Array.isArray(body)) {
    const items = s.items as Json | undefined;
    if (items) body.forEach((item, k) => typedLeaves(v, items, item, [...path, k], out));
    return out;
  }
  if (body !== null && typeof body === 'object') {
    const props = s.properties as Record<string, Json> | undefined;
    if (props) for (const [key, value] of Object.entries(body)) if (props[key]) typedLeaves(v, props[key]!, value, [...path, key], out);
    return out;
  }
  const declared = s.type;
  if (declared !== undefined && path.length > 0) out.push([path, Array.isArray(declared) ? declared as string[] : [declared as string]]);
  return out;
}

/** A copy of `body` with the value at `path` replaced by one of a type `declared` does not allow. */
export function corrupt(body: unknown, path: (string | number)[], declared: string[]): unknown {
  const copy = structuredClone(body) as Json;
  let cur: Json = copy;
  for (const key of path.slice(0, -1)) cur = cur[key as string] as Json;
  const wrong = !declared.includes('object') ? { corrupted: true } : !declared.includes('boolean') ? true : 'corrupted';
  cur[path[path.length - 1] as string] = wrong;
  return copy;
}
