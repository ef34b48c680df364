// Quoting values that came from a person or a server (a cursor, a stream name, a URL, a server's error text)
// inside a message: never more than about QUOTE_LIMIT characters of them, so a 50 MB garbage value cannot be
// copied into a TRACE, a LOG line or stderr.

export const QUOTE_LIMIT = 200;

/** `text` itself when short, else its first `limit` characters and how much was left out. */
export function cut(text: string, limit = QUOTE_LIMIT): string {
  if (text.length <= limit) return text;
  let end = limit;
  // Do not split a surrogate pair.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/** Any value as JSON text (strings in double quotes), cut like cut(); never throws. */
export function quote(value: unknown, limit = QUOTE_LIMIT): string {
  if (typeof value === 'string') {
    // Cut first: a 50 MB string is never serialised whole.
    const shown = value.length <= limit ? value : value.slice(0, limit + 1);
    const text = JSON.stringify(shown);
    return value.length <= limit ? text : `${cut(text, limit)} (${value.length} characters in all)`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text, limit);
}
