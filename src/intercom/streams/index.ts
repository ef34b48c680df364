import { activityLogs } from './activity-logs.js';
import { companies, companySegments } from './companies.js';
import { contacts, leads, users } from './contacts.js';
import { conversations } from './conversations.js';
import { admins, companyAttributes, contactAttributes, segments, tags, teams } from './lists.js';
import type { IntercomStream } from './stream.js';
import { tickets } from './tickets.js';

/** Every top-level table, in the order a sync reads them. */
export const STREAMS: IntercomStream[] = [
  admins,
  teams,
  tags,
  segments,
  contactAttributes,
  companyAttributes,
  companySegments,
  companies,
  users,
  leads,
  contacts,
  conversations,
  tickets,
  activityLogs,
];

