import type { JsonSchema } from '../airbyte/protocol.js';
import type { StreamDefinition } from '../airbyte/source.js';
import { compileSplitter, deriveChildStreams, type ChildStream } from '../normalize/children.js';
import { StreamNames } from '../normalize/names.js';
import { compileTimestampConverter } from '../normalize/timestamps.js';
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
  /** Unix-second timestamps -> RFC 3339 strings, in place, as the schema says. */
  convertTimestamps(record: ApiObject): void;
  /** Child rows of one (converted) record for the wanted child streams. */
  split(record: ApiObject, wanted: Set<string>): Iterable<{ stream: string; data: Record<string, unknown> }>;
  /** The first-level child array (e.g. 'parts') a child or grandchild stream comes from. */
  childArrayOf(stream: string): string;
}

let cached: Family[] | undefined;

export function families(): Family[] {
  cached ??= uniquelyNamed(STREAMS.map(familyOf));
  return cached;
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

function familyOf(root: IntercomStream): Family {
  const schema = loadSchema(root.schema);
  const parent = { name: root.name, jsonSchema: schema, primaryKey: root.primaryKey, cursorField: root.cursor };
  const children = root.children ? deriveChildStreams(parent, root.children) : [];
  const split = children.length ? compileSplitter(parent, children) : () => [];
  return {
    root,
    schema,
    children,
    convertTimestamps: compileTimestampConverter(schema),
    split,
    childArrayOf: (stream) => {
      const child = children.find((c) => c.name === stream);
      if (!child) throw new Error(`'${stream}' is not a child stream of '${root.name}'`);
      return child.childArray;
    },
  };
}

export function streamDefinitions(): StreamDefinition[] {
  const definitions: StreamDefinition[] = [];
  for (const { root, schema, children } of families()) {
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
