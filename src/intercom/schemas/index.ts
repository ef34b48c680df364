// The stream JSON schemas (draft-07), one file per stream, bundled by tsc next to this module.
// `contacts` serves both `users` and `leads`; `data_attributes` serves contact and company attributes.
import type { JsonSchema } from '../../airbyte/protocol.js';
import activityLogs from './activity_logs.json' with { type: 'json' };
import admins from './admins.json' with { type: 'json' };
import companies from './companies.json' with { type: 'json' };
import companySegments from './company_segments.json' with { type: 'json' };
import contacts from './contacts.json' with { type: 'json' };
import conversations from './conversations.json' with { type: 'json' };
import dataAttributes from './data_attributes.json' with { type: 'json' };
import segments from './segments.json' with { type: 'json' };
import tags from './tags.json' with { type: 'json' };
import teams from './teams.json' with { type: 'json' };
import tickets from './tickets.json' with { type: 'json' };

const schemas: Record<string, JsonSchema> = {
  activity_logs: activityLogs,
  admins,
  companies,
  company_segments: companySegments,
  contacts,
  conversations,
  data_attributes: dataAttributes,
  segments,
  tags,
  teams,
  tickets,
};

/** The names loadSchema accepts (schema files, not stream names: users and leads both use `contacts`). */
export const schemaNames: readonly string[] = Object.keys(schemas).sort();

/**
 * A fresh deep copy of the named schema, so callers may change theirs (e.g. to add child keys) without
 * touching anyone else's.
 */
export function loadSchema(name: string): JsonSchema {
  const schema = Object.prototype.hasOwnProperty.call(schemas, name) ? schemas[name] : undefined;
  if (!schema) throw new Error(`no JSON schema named '${name}' (known: ${schemaNames.join(', ')})`);
  return structuredClone(schema);
}
