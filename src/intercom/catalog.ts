import type { JsonSchema } from '../airbyte/protocol.js';
import type { StreamDefinition } from '../airbyte/source.js';
import { compileSplitter, deriveChildStreams, type ChildStream } from '../normalize/children.js';
import { propertySchema } from '../normalize/schema-paths.js';
import { compileTimestampConverter } from '../normalize/timestamps.js';
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
  /** Unix-second timestamps -> RFC 3339 strings, in place, as the schema says. */
  convertTimestamps(record: ApiObject): void;
  /** Child rows of one (converted) record for the wanted child streams. */
  split(record: ApiObject, wanted: Set<string>): Iterable<{ stream: string; data: Record<string, unknown> }>;
  /** The first-level child array (e.g. 'parts') a child or grandchild stream comes from. */
  childArrayOf(stream: string): string;
}

let cached: Family[] | undefined;

export function families(): Family[] {
  cached ??= STREAMS.map(familyOf);
  return cached;
}

function familyOf(root: IntercomStream): Family {
  const schema = loadSchema(root.schema);
  const parent = { name: root.name, jsonSchema: schema, primaryKey: root.primaryKey, cursorField: root.cursor };
  const children = root.children ? deriveChildStreams(parent, root.children) : [];
  const split = children.length ? compileSplitter(parent, children) : () => [];
  return {
    root,
    schema,
    children,
    views: (root.views ?? []).map((view) => viewOf(root, schema, view)),
    convertTimestamps: compileTimestampConverter(schema),
    split,
    childArrayOf: (stream) => stream.slice(root.name.length + 2).split('__')[0]!,
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

export function streamDefinitions(): StreamDefinition[] {
  const definitions: StreamDefinition[] = [];
  for (const { root, schema, children, views } of families()) {
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
