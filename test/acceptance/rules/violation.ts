// A broken acceptance rule, said the way CAT says it: which rule, where, and what broke.
export interface Violation {
  /** The rule family and name, e.g. "spec.secrets-marked". */
  rule: string;
  /** Where it broke: a JSON pointer, a stream name, a message line number. */
  where: string;
  /** What broke, for a person. */
  what: string;
}

export const violation = (rule: string, where: string, what: string): Violation => ({ rule, where, what });

export function formatViolations(violations: Violation[], limit = 40): string {
  const lines = violations.slice(0, limit).map((v) => `  [${v.rule}] at ${v.where}: ${v.what}`);
  if (violations.length > limit) lines.push(`  ... and ${violations.length - limit} more`);
  return `${violations.length} acceptance rule violation(s):\n${lines.join('\n')}`;
}

/** Throws (failing the test) with every violation listed, or returns when there is none. */
export function assertNoViolations(violations: Violation[]): void {
  if (violations.length > 0) throw new Error(formatViolations(violations));
}

/** A JSON pointer for a path of keys and indexes. */
export function pointer(path: ReadonlyArray<string | number>): string {
  return '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Key-order-insensitive JSON, to compare records and states by value. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
