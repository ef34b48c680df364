/** What a generated workspace is made of. Same options (seed, sizes, anchor), same bytes. */

export interface WorkspaceSizes {
  contacts: number;
  companies: number;
  conversations: number;
  admins: number;
  teams: number;
  tags: number;
  segments: number;
  companySegments: number;
  tickets: number;
  activityLogs: number;
  /** How many conversations carry more than 500 parts (520-700). */
  partsHeavy: number;
}

export const DEFAULT_SIZES: WorkspaceSizes = {
  contacts: 300,
  companies: 60,
  conversations: 200,
  admins: 8,
  teams: 4,
  tags: 40,
  segments: 8,
  companySegments: 5,
  tickets: 40,
  activityLogs: 120,
  partsHeavy: 2,
};

export interface WorkspaceOptions {
  seed?: number;
  sizes?: Partial<WorkspaceSizes>;
  /** Unix seconds the data is spread back from (two years before it). Default: now, rounded down to the UTC day. */
  anchor?: number;
  /** Milliseconds since the epoch; injectable so tests are exact. */
  now?: () => number;
  /**
   * About one contact in this many (and contact 1) is crowded: more than 10 tags, companies and notes, so its
   * inline lists say `has_more` and a reader asks for the rest (default 23). 0: no contact is crowded, as in a
   * workspace where nobody has more than 10 of them.
   */
  crowdedOneIn?: number;
}

export const DAY = 86400;
export const TWO_YEARS = 730 * DAY;

export function dayStart(unixSeconds: number): number {
  return Math.floor(unixSeconds / DAY) * DAY;
}
