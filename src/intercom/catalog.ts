import type { JsonSchema, RecordMeta } from '../airbyte/protocol.js';
import type { StreamDefinition } from '../airbyte/source.js';
import { compileSplitter, deriveChildStreams, type ChildStream } from '../normalize/children.js';
import { StreamNames } from '../normalize/names.js';
import { compileTimestampConverter } from '../normalize/timestamps.js';
import { compileCustomAttributeCheck, MODEL_OF_SCHEMA, withCustomAttributes, type CustomAttributeCatalog } from './custom-attributes.js';
import { loadSchema } from './schemas/index.js';
import { STREAMS } from './streams/index.js';
import type { ApiObject, IntercomStream } from './streams/stream.js';

/** The cursor every child row carries: its top-level record's `updated_at`. */
export const CHILD_CURSOR = '_sdc_source_updated_at';

/** A top-level stream with the child streams de-nested from it, and the compiled per-record transforms. */
export interface Family {
  root: IntercomStream;
  schema: JsonSchema;
  children: ChildStream[];
  /**
   * Custom attribute values that do not fit their declared type -> null (the original kept under
   * custom_attributes_unparsed), in place, before timestamps are converted; the record's meta when it changed.
   * Absent for streams without typed custom attributes.
   */
  checkCustomAttributes?(record: ApiObject): RecordMeta | undefined;
  /** Unix-second timestamps -> RFC 3339 strings, in place, as the schema says. */
  convertTimestamps(record: ApiObject): void;
  /** Child rows of one (converted) record for the wanted child streams. */
  split(record: ApiObject, wanted: Set<string>): Iterable<{ stream: string; data: Record<string, unknown> }>;
  /** The first-level child array (e.g. 'parts') a child or grandchild stream comes from. */
  childArrayOf(stream: string): string;
}

let untyped: Family[] | undefined;
const typed = new WeakMap<CustomAttributeCatalog, Family[]>();

/**
 * Every family, with `custom_attributes` typed by `attributes` (the workspace's data attributes, read once
 * per process: discover and read use the same object, so the same schemas); without it, left open.
 */
export function families(attributes?: CustomAttributeCatalog): Family[] {
  if (attributes === undefined) return (untyped ??= uniquelyNamed(STREAMS.map((root) => familyOf(root, undefined))));
  let all = typed.get(attributes);
  if (all === undefined) typed.set(attributes, (all = uniquelyNamed(STREAMS.map((root) => familyOf(root, attributes)))));
  return all;
}

/** Every stream name, top-level or child, is unique and fits warehouses (src/normalize/names.ts). */
function uniquelyNamed(all: Family[]): Family[] {
  const names = new StreamNames();
  for (const family of all) {
    names.add(family.root.name);
    for (const child of family.children) names.add(child.name, `${family.root.name}: ${child.arrayPath.map((p) => p.join('.')).join(' > ')}`);
  }
  return all;
}

function familyOf(root: IntercomStream, attributes: CustomAttributeCatalog | undefined): Family {
  const model = MODEL_OF_SCHEMA[root.schema];
  const custom = model === undefined ? undefined : attributes?.[model];
  const schema = withCustomAttributes(loadSchema(root.schema), custom);
  const checkCustomAttributes = compileCustomAttributeCheck(custom);
  const parent = { name: root.name, jsonSchema: schema, primaryKey: root.primaryKey, cursorField: root.cursor };
  const children = root.children ? deriveChildStreams(parent, root.children) : [];
  const split = children.length ? compileSplitter(parent, children) : () => [];
  return {
    root,
    schema,
    children,
    ...(checkCustomAttributes ? { checkCustomAttributes } : {}),
    convertTimestamps: compileTimestampConverter(schema),
    split,
    childArrayOf: (stream) => {
      const child = children.find((c) => c.name === stream);
      if (!child) throw new Error(`'${stream}' is not a child stream of '${root.name}'`);
      return child.childArray;
    },
  };
}

export function streamDefinitions(attributes?: CustomAttributeCatalog): StreamDefinition[] {
  const definitions: StreamDefinition[] = [];
  for (const { root, schema, children } of families(attributes)) {
    const incremental = root.cursor !== undefined;
    definitions.push({
      name: root.name,
      jsonSchema: schema,
      supportedSyncModes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
      primaryKey: [[root.primaryKey]],
      cursorField: root.cursor ? [root.cursor] : undefined,
    });
    for (const child of children) {
      definitions.push({
        name: child.name,
        jsonSchema: child.jsonSchema,
        supportedSyncModes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
        primaryKey: child.primaryKey,
        cursorField: incremental ? child.cursorField : undefined,
      });
    }
  }
  return definitions;
}
