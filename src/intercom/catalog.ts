import type { JsonSchema, RecordMeta } from '../airbyte/protocol.js';
import type { StreamDefinition } from '../airbyte/source.js';
import { compileSplitter, deriveChildStreams, type ChildStream } from '../normalize/children.js';
import { StreamNames } from '../normalize/names.js';
import { propertySchema } from '../normalize/schema-paths.js';
import { compileTimestampConverter } from '../normalize/timestamps.js';
import { compileCustomAttributeCheck, MODEL_OF_SCHEMA, withCustomAttributes, type CustomAttributeCatalog } from './custom-attributes.js';
import { loadSchema } from './schemas/index.js';
import { STREAMS } from './streams/index.js';
import type { ApiObject, ChildView, IntercomStream } from './streams/stream.js';

/** The cursor every child row carries: its top-level record's `updated_at`. */
export const CHILD_CURSOR = '_sdc_source_updated_at';

/** A child view (IntercomStream.views) with its schema: the child array's item, plus the parent's id. */
export interface View extends ChildView {
  jsonSchema: JsonSchema;
  /** From the record to the array (the ChildArray path of `child`). */
  path: string[];
}

/** A top-level stream with the child streams de-nested from it, and the compiled per-record transforms. */
export interface Family {
  root: IntercomStream;
  schema: JsonSchema;
  children: ChildStream[];
  views: View[];
  /**
   * Custom attribute values that do not fit their declared type -> null (the original kept under
   * custom_attributes_unparsed), in place, before timestamps are converted; the record's meta when it changed.
   * Absent for streams without typed custom attributes.
   */
  checkCustomAttributes?(record: ApiObject): RecordMeta | undefined;
  /** Unix-second timestamps -> RFC 3339 strings, in place, as the schema says. */
  convertTimestamps(record: ApiObject): void;
  /**
   * A record as read -> the stream's record, in place: shaped (IntercomStream.shape), custom attributes checked,
   * timestamps converted; its meta when a custom attribute changed. The same on the main thread and in a page worker.
   */
  transform(record: ApiObject): RecordMeta | undefined;
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
    for (const view of family.views) names.add(view.name);
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
  const convertTimestamps = compileTimestampConverter(schema);
  return {
    root,
    schema,
    children,
    views: (root.views ?? []).map((view) => viewOf(root, schema, view)),
    ...(checkCustomAttributes ? { checkCustomAttributes } : {}),
    convertTimestamps,
    transform: (record) => {
      root.shape?.(record);
      const meta = checkCustomAttributes?.(record);
      convertTimestamps(record);
      return meta;
    },
    split,
    childArrayOf: (stream) => {
      const child = children.find((c) => c.name === stream);
      if (!child) throw new Error(`'${stream}' is not a child stream of '${root.name}'`);
      return child.childArray;
    },
  };
}

function viewOf(root: IntercomStream, schema: JsonSchema, view: ChildView): View {
  const path = root.children?.find((c) => c.name === view.child)?.path;
  const items = path ? (propertySchema(schema, path)?.['items'] as JsonSchema | undefined) : undefined;
  if (!path || !items) throw new Error(`view ${view.name}: ${root.name} has no child array "${view.child}"`);
  const { properties, ...rest } = structuredClone(items);
  const jsonSchema: JsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...rest,
    type: 'object',
    additionalProperties: true,
    properties: { ...(properties as Record<string, JsonSchema>), [view.parentKey]: { type: ['null', 'string'] } },
  };
  return { ...view, jsonSchema, path };
}

/** Every stream a family serves: the top-level one, its child streams and its views. */
export function streamNames(family: Family): string[] {
  return [family.root.name, ...family.children.map((c) => c.name), ...family.views.map((v) => v.name)];
}

export function streamDefinitions(attributes?: CustomAttributeCatalog): StreamDefinition[] {
  const definitions: StreamDefinition[] = [];
  for (const { root, schema, children, views } of families(attributes)) {
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
    for (const view of views) {
      definitions.push({
        name: view.name,
        jsonSchema: view.jsonSchema,
        supportedSyncModes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
        primaryKey: [[view.primaryKey]],
        cursorField: incremental ? ['updated_at'] : undefined,
      });
    }
  }
  return definitions;
}
