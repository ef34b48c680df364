// Where a JSON text stops being valid, found by a small scanner: V8's own messages quote the text around the
// error (which may hold a secret) and do not always give a position.

/** The offset of the first character that makes `text` invalid JSON, or -1 if the text is valid (or too deep to scan). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  class Stop { constructor(readonly at: number) {} }
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const expect = (ch: string) => { if (text[i] !== ch) throw new Stop(i); i++; };
  const literal = (word: string) => { for (const ch of word) expect(ch); };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new Stop(i);
      const ch = text[i]!;
      if (ch === '"') { i++; return; }
      if (ch < ' ') throw new Stop(i);
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) throw new Stop(i + k);
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else throw new Stop(i);
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') throw new Stop(i);
    i += m[0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws(); string(); ws(); expect(':'); value(); ws();
        if (text[i] === ',') { i++; continue; }
        expect('}'); return;
      }
    }
    if (ch === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        expect(']'); return;
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    return number();
  };
  try {
    value(); ws();
    return i < text.length ? i : -1;
  } catch (stop) {
    // Anything else (a stack overflow on absurd nesting) leaves the position unknown.
    return stop instanceof Stop ? stop.at : -1;
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}
