// Where a JSON schema location lies in the data it describes: '/properties/a/items/properties/b' is the
// data path ['a', ITEMS, 'b']. Only `properties` and `items` map to data; any other keyword gives null.
import type { JsonSchema } from '../airbyte/protocol.js';

/** Marks "every element of the array" in a data path. */
export const ITEMS: unique symbol = Symbol('items');
export type DataPathStep = string | typeof ITEMS;

export function dataPathOf(jsonPointer: string): DataPathStep[] | null {
  const tokens = jsonPointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: DataPathStep[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === 'properties' && i + 1 < tokens.length) path.push(tokens[++i]!);
    else if (tokens[i] === 'items') path.push(ITEMS);
    else return null;
  }
  return path;
}

/** The schema's `type` as a list ('string' -> ['string']; missing -> []). */
export function typesOf(schema: JsonSchema | undefined): string[] {
  const t = schema?.['type'];
  return typeof t === 'string' ? [t] : Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** The sub-schema at a path of property names, or undefined. */
export function propertySchema(schema: JsonSchema, path: readonly string[]): JsonSchema | undefined {
  let current: JsonSchema | undefined = schema;
  for (const key of path) {
    const props = current?.['properties'] as Record<string, JsonSchema> | undefined;
    current = props && Object.prototype.hasOwnProperty.call(props, key) ? props[key] : undefined;
  }
  return current;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
