// JSON.parse turns `1.0` into 1, so "1.0 is not an integer" cannot be seen on parsed values.
// This scanner reads the raw JSON text and returns the path of every number written with a fraction
// or an exponent. The text must already be valid JSON (parse it first).
export type JsonPath = Array<string | number>;

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

export function nonIntegerLiteralPaths(text: string): JsonPath[] {
  const found: JsonPath[] = [];
  let i = 0;
  const skipSpace = () => { while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++; };
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: JsonPath): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++; skipSpace();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        skipSpace();
        const key = readString();
        skipSpace(); i++; // ':'
        readValue([...path, key]);
        skipSpace();
        if (text[i++] === ',') continue;
        return;
      }
    }
    if (c === '[') {
      i++; skipSpace();
      if (text[i] === ']') { i++; return; }
      for (let n = 0; ; n++) {
        readValue([...path, n]);
        skipSpace();
        if (text[i++] === ',') continue;
        return;
      }
    }
    if (c === '"') { readString(); return; }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m) {
      if (m[1] !== undefined || m[2] !== undefined) found.push(path);
      i = NUMBER.lastIndex;
      return;
    }
    LITERAL.lastIndex = i;
    if (LITERAL.exec(text)) { i = LITERAL.lastIndex; return; }
    throw new Error(`not JSON at offset ${i}`);
  };
  readValue([]);
  return found;
}
