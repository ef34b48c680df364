/**
 * hashSeed(seed, label, i[, j]) without re-hashing the constant (seed, label) prefix or building the
 * decimal text of i: FNV-1a is a left fold, so the state after (seed, label) is kept per label and the
 * digits of i are folded in directly. Same numbers as rng.ts hashSeed (checked in test/sandbox).
 */
import { hashSeed } from '../rng.js';

const PRIME = 0x01000193;
const SEPARATOR = 0x1f;

/** Folds the separator, then the decimal digits of a non-negative safe integer, into an FNV state. */
function foldIndex(hash: number, n: number): number {
  hash = Math.imul(hash ^ SEPARATOR, PRIME);
  if (n < 10) return Math.imul(hash ^ (48 + n), PRIME);
  let scale = 10;
  while (scale * 10 <= n) scale *= 10;
  for (; scale >= 1; scale /= 10) {
    const digit = Math.floor(n / scale) % 10;
    hash = Math.imul(hash ^ (48 + digit), PRIME);
  }
  return hash;
}

const plainIndex = (n: number) => Number.isSafeInteger(n) && n >= 0 && n < 1e15;

/** Per-workspace FNV states of (seed, label), for the labels the record generators draw from. */
export class SeedLabels {
  private readonly prefixes = new Map<string, number>();
  constructor(readonly seed: number) {}

  private prefix(label: string): number {
    let state = this.prefixes.get(label);
    if (state === undefined) {
      state = 0x811c9dc5;
      const parts = [String(this.seed), label];
      for (let p = 0; p < parts.length; p++) {
        if (p > 0) state = Math.imul(state ^ SEPARATOR, PRIME);
        for (let k = 0; k < parts[p]!.length; k++) state = Math.imul(state ^ parts[p]!.charCodeAt(k), PRIME);
      }
      this.prefixes.set(label, state);
    }
    return state;
  }

  /** hashSeed(seed, label, i). */
  of(label: string, i: number): number {
    if (!plainIndex(i)) return hashSeed(this.seed, label, i);
    return foldIndex(this.prefix(label), i) >>> 0;
  }

  /** hashSeed(seed, label, i, j). */
  of2(label: string, i: number, j: number): number {
    if (!plainIndex(i) || !plainIndex(j)) return hashSeed(this.seed, label, i, j);
    return foldIndex(foldIndex(this.prefix(label), i), j) >>> 0;
  }
}
