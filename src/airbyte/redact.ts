// Secret redaction: every configured secret value (a string of 4 characters or more) is replaced by `****`
// wherever it would leave the process (stdout lines, stderr text, error messages), in every form it may be
// sent or echoed in: as configured, trimmed (what is sent), URL-encoded, and JSON-escaped (see the emitter).

export const REDACTED = '****';
export const MIN_SECRET_LENGTH = 4;

/**
 * The forms a configured secret may take on the way out: the value as configured, trimmed (sources trim what
 * they send; `Bearer <token>` contains it), and URL-encoded (component, and form-encoded with `+` for spaces).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>();
  for (const value of [secret, secret.trim()]) {
    forms.add(value);
    try {
      const encoded = encodeURIComponent(value);
      forms.add(encoded);
      forms.add(encoded.replace(/%20/g, '+'));
    } catch {
      // A lone surrogate cannot be URL-encoded, so it cannot be sent that way either.
    }
  }
  return [...forms];
}

/**
 * The strings to hide: every form of every secret (secretForms) of at least MIN_SECRET_LENGTH characters,
 * longest first (so a longer form is replaced before a part of it), no duplicates.
 */
export function usableSecrets(secrets: readonly string[]): string[] {
  const unique = new Set(secrets.filter((s) => typeof s === 'string').flatMap(secretForms).filter((s) => s.length >= MIN_SECRET_LENGTH));
  return [...unique].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of every secret in free text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/**
 * A deep copy of a JSON value with secrets replaced in every string value and every object key.
 * Used on the slow path only, when a serialized line is known to contain a secret.
 */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) copy[redactText(k, secrets)] = redactValue(v, secrets);
    return copy;
  }
  return value;
}

/** How a secret looks inside a JSON string literal (quotes, backslashes and control characters escaped). */
export function jsonEscaped(secret: string): string {
  return JSON.stringify(secret).slice(1, -1);
}
