// De-nesting (Stitch conventions, FIELD-NOTES section 8): arrays of a parent record become child streams
// `<parent>__<name>`, arrays inside a child's elements become grandchild streams `<child>__<prop>`, and so on.
// Child schemas are derived from the parent schema, never written by hand; the splitter turns one parent
// record into the child rows without copying the parent (each row is a shallow copy of one element + keys).
import traverse from 'json-schema-traverse';
import type { JsonSchema } from '../airbyte/protocol.js';
import { StreamNames, streamName } from './names.js';
import { dataPathOf, isPlainObject, propertySchema, typesOf } from './schema-paths.js';

export interface ChildSpec {
  /** The child's name after `<parent>__`, e.g. 'parts'. */
  name: string;
  /** Path of property names in the parent record to the array, e.g. ['conversation_parts', 'conversation_parts']. */
  path: string[];
}

export interface ParentStream {
  name: string;
  jsonSchema: JsonSchema;
  /** The top-level primary key property (e.g. 'id'). */
  primaryKey: string;
  /** The top-level cursor property (e.g. 'updated_at'), for incremental parents. */
  cursorField?: string;
}

export interface ChildStream {
  /**
   * `${parent}__${spec.name}`; grandchildren `${child}__${prop}` (props inside objects joined by '__'), each
   * at most 63 characters by the rule of names.ts.
   */
  name: string;
  /** The top-level stream name. */
  parent: string;
  /** The name of the first-level child array it comes from (the ChildSpec's name, e.g. 'parts'). */
  childArray: string;
  /** 0 for children, 1 for grandchildren... */
  level: number;
  /** Property paths from the top-level record through each array: one entry per level. */
  arrayPath: string[][];
  /** Element schema + `_sdc_source_key_id` + `_sdc_level_<n>_id` for n <= level (+ the parent's cursor copy). */
  jsonSchema: JsonSchema;
  /** [['_sdc_source_key_id'], ['_sdc_level_0_id'], ...]. */
  primaryKey: string[][];
  /** ['_sdc_source_<cursor>'] when the parent has a cursor. */
  cursorField?: string[];
  /** 'object': a row is the element's own fields; 'value': the element is a scalar, the row is `{value}`. */
  rowKind: 'object' | 'value';
}

export const SOURCE_KEY = '_sdc_source_key_id';
export const levelKey = (level: number): string => `_sdc_level_${level}_id`;
export const sourceCursorColumn = (cursorField: string): string => `_sdc_source_${cursorField}`;

const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

function nonNullType(schema: JsonSchema): string | string[] {
  const types = typesOf(schema).filter((t) => t !== 'null');
  return types.length === 1 ? types[0]! : types;
}

function isObjectSchema(schema: JsonSchema): boolean {
  return typesOf(schema).includes('object');
}

/** Paths (property names only, no array in between) from an element schema to the arrays directly inside it. */
function arraysInside(element: JsonSchema): string[][] {
  const found: string[][] = [];
  traverse(element, (sub: traverse.SchemaObject, jsonPtr: string) => {
    if (!typesOf(sub).includes('array')) return;
    const path = dataPathOf(jsonPtr);
    if (path && path.length > 0 && path.every((step): step is string => typeof step === 'string')) found.push(path);
  });
  return found;
}

/** The child streams of `parent` for `specs`, with every grandchild below them, parents before their children. */
export function deriveChildStreams(parent: ParentStream, specs: ChildSpec[]): ChildStream[] {
  const keySchema = propertySchema(parent.jsonSchema, [parent.primaryKey]);
  if (!keySchema) throw new Error(`stream '${parent.name}': primary key '${parent.primaryKey}' is not in its schema`);
  const cursorSchema = parent.cursorField ? propertySchema(parent.jsonSchema, [parent.cursorField]) : undefined;
  if (parent.cursorField && !cursorSchema) {
    throw new Error(`stream '${parent.name}': cursor '${parent.cursorField}' is not in its schema`);
  }
  const streams: ChildStream[] = [];
  const names = new StreamNames();
  names.add(parent.name);

  const derive = (segments: string[], arrayPath: string[][], element: JsonSchema): void => {
    const level = arrayPath.length - 1;
    const name = streamName(segments);
    names.add(name, segments.join('__'));
    const keys: Record<string, JsonSchema> = {
      [SOURCE_KEY]: { description: `The ${parent.primaryKey} of the ${parent.name} record this row comes from.`, type: nonNullType(keySchema) },
    };
    for (let l = 0; l <= level; l++) {
      keys[levelKey(l)] = { description: `Position (from 0) of the element in the level-${l} array.`, type: 'integer' };
    }
    if (parent.cursorField && cursorSchema) {
      keys[sourceCursorColumn(parent.cursorField)] = {
        ...structuredClone(cursorSchema), description: `The ${parent.cursorField} of the ${parent.name} record this row comes from.`,
      };
    }
    const rowKind = isObjectSchema(element) ? 'object' : 'value';
    const own: Record<string, JsonSchema> = rowKind === 'object'
      ? structuredClone((element['properties'] ?? {}) as Record<string, JsonSchema>)
      : { value: structuredClone(element) };
    // Keys first in the column order, and they win over an element field of the same name.
    const properties = Object.assign({}, keys, own, keys);
    const { type: _type, properties: _properties, ...rest } = rowKind === 'object' ? element : {};
    streams.push({
      name,
      parent: parent.name,
      childArray: segments[1]!,
      level,
      arrayPath,
      jsonSchema: { $schema: DRAFT_07, ...structuredClone(rest), type: 'object', additionalProperties: true, properties },
      primaryKey: Object.keys(keys).filter((k) => k === SOURCE_KEY || k.startsWith('_sdc_level_')).map((k) => [k]),
      cursorField: parent.cursorField ? [sourceCursorColumn(parent.cursorField)] : undefined,
      rowKind,
    });
    if (rowKind !== 'object') return;
    for (const inner of arraysInside(element)) {
      const items = (propertySchema(element, inner)?.['items'] ?? {}) as JsonSchema;
      derive([...segments, ...inner], [...arrayPath, inner], items);
    }
  };

  for (const spec of specs) {
    const arraySchema = propertySchema(parent.jsonSchema, spec.path);
    if (!arraySchema || !typesOf(arraySchema).includes('array')) {
      throw new Error(`stream '${parent.name}': child '${spec.name}' path ${spec.path.join('.')} is not an array in its schema`);
    }
    derive([parent.name, spec.name], [spec.path], (arraySchema['items'] ?? {}) as JsonSchema);
  }
  return streams;
}

type Row = { stream: string; data: Record<string, unknown> };
type RowWriter = (record: Record<string, unknown>, out: Row[]) => void;

function valueAt(container: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = container;
  for (let i = 0; i < path.length; i++) {
    if (!isPlainObject(current)) return undefined;
    current = current[path[i]!];
  }
  return current;
}

function compileRowWriter(parent: ParentStream, child: ChildStream): RowWriter {
  const { name, arrayPath, rowKind } = child;
  const depth = arrayPath.length;
  const levelKeys = arrayPath.map((_, l) => levelKey(l));
  const primaryKey = parent.primaryKey;
  const cursorField = parent.cursorField;
  const cursorColumn = cursorField ? sourceCursorColumn(cursorField) : undefined;

  return (record, out) => {
    const positions = new Array<number>(depth);
    const sourceKey = record[primaryKey];
    const cursor = cursorField ? record[cursorField] : undefined;
    const visit = (container: Record<string, unknown>, d: number): void => {
      const elements = valueAt(container, arrayPath[d]!);
      if (!Array.isArray(elements)) return;
      const last = d === depth - 1;
      for (let i = 0; i < elements.length; i++) {
        const element: unknown = elements[i];
        positions[d] = i;
        if (!last) {
          if (isPlainObject(element)) visit(element, d + 1);
          continue;
        }
        let data: Record<string, unknown>;
        if (rowKind === 'value') data = { value: element };
        else if (isPlainObject(element)) data = Object.assign({}, element);
        else continue; // a null (or malformed) element of an object array has no fields: no row, position kept
        data[SOURCE_KEY] = sourceKey;
        for (let l = 0; l < depth; l++) data[levelKeys[l]!] = positions[l];
        if (cursorColumn) data[cursorColumn] = cursor;
        out.push({ stream: name, data });
      }
    };
    visit(record, 0);
  };
}

/**
 * Splits one parent record (timestamps already converted) into rows of the wanted child streams: grouped by
 * stream in the order of `children`, positions ascending. The parent record is not changed.
 */
export function compileSplitter(
  parent: ParentStream,
  children: ChildStream[],
): (record: Record<string, unknown>, wanted: ReadonlySet<string>) => Row[] {
  const writers = children.map((child) => ({ name: child.name, write: compileRowWriter(parent, child) }));
  return (record, wanted) => {
    const out: Row[] = [];
    for (let i = 0; i < writers.length; i++) {
      const writer = writers[i]!;
      if (wanted.has(writer.name)) writer.write(record, out);
    }
    return out;
  };
}
