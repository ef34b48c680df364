/**
 * Deterministic pseudo-random numbers for the sandbox: a workspace generated from one seed is the same
 * on every machine, and record i of a stream can be generated on its own with
 * `rng(hashSeed(seed, 'contact', i))`.
 */

/** mulberry32: a small, fast 32-bit generator. Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stable 32-bit hash (FNV-1a) of the parts, joined with a separator that cannot be confused with the
 * parts' own text ('a',1 and 'a1' hash differently). Numbers are hashed by their decimal text.
 */
export function hashSeed(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (let p = 0; p < parts.length; p++) {
    if (p > 0) hash = Math.imul(hash ^ 0x1f, 0x01000193);
    const text = String(parts[p]);
    for (let i = 0; i < text.length; i++) {
      hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    }
  }
  return hash >>> 0;
}

/** A version-4-shaped UUID drawn from the stable hash of `parts`: deterministic, distinct per parts. */
export function uuidOf(...parts: (string | number)[]): string {
  const next = rng(hashSeed(...parts));
  const word = () => Math.floor(next() * 0x1_0000_0000).toString(16).padStart(8, '0');
  const hex = word() + word() + word() + word();
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
