// Stream names that fit warehouses. Postgres cuts identifiers at 63 bytes (NAMEDATALEN - 1), and so do
// Airbyte destinations that follow it: a cut name can collide with another, silently merging two tables.
//
// The rule (one, deterministic, applied when a child stream is derived):
// a child's name is its segments joined by '__': the top-level stream, the child's name, then the property
// path of each deeper array (`conversations`, `parts`, `email_message_metadata`, `email_address_headers`).
// While the name is longer than 63 characters, the longest intermediate segment (neither the first nor the
// last; the leftmost on a tie) that is not shortened yet is replaced by the initials of its '_'-separated
// words: `email_message_metadata` -> `emm`. The first segment (the table users look for) and the last (what
// the rows are) are never shortened. A name that cannot be brought to 63 characters, or two streams that end
// up with the same name, stop discovery with an error naming both: never a silent merge.

export const MAX_STREAM_NAME_LENGTH = 63;
export const NAME_SEPARATOR = '__';

/** `email_message_metadata` -> `emm`; a single word keeps its first letter. */
export function initials(segment: string): string {
  const words = segment.split('_').filter((w) => w.length > 0);
  return words.length === 0 ? segment : words.map((w) => w[0]!).join('');
}

/** The name of a stream made of these segments, shortened by the rule above; throws if it cannot fit. */
export function streamName(segments: readonly string[]): string {
  const parts = [...segments];
  const shortened = new Set<number>();
  let name = parts.join(NAME_SEPARATOR);
  while (name.length > MAX_STREAM_NAME_LENGTH) {
    let pick = -1;
    for (let i = 1; i < parts.length - 1; i++) {
      if (shortened.has(i)) continue;
      if (pick < 0 || parts[i]!.length > parts[pick]!.length) pick = i;
    }
    if (pick < 0) {
      throw new Error(`stream name '${segments.join(NAME_SEPARATOR)}' cannot be brought to ${MAX_STREAM_NAME_LENGTH} characters by the naming rule (src/normalize/names.ts)`);
    }
    parts[pick] = initials(parts[pick]!);
    shortened.add(pick);
    name = parts.join(NAME_SEPARATOR);
  }
  return name;
}

/**
 * Registers names as they are derived and fails loudly on the first collision (or a name over the limit),
 * naming both sources.
 */
export class StreamNames {
  private readonly sources = new Map<string, string>();

  add(name: string, source: string = name): void {
    if (name.length > MAX_STREAM_NAME_LENGTH) {
      throw new Error(`stream name '${name}' is longer than ${MAX_STREAM_NAME_LENGTH} characters`);
    }
    const other = this.sources.get(name);
    if (other !== undefined) {
      throw new Error(`two streams would both be named '${name}': '${other}' and '${source}' (naming rule in src/normalize/names.ts)`);
    }
    this.sources.set(name, source);
  }
}
