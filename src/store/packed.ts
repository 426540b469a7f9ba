/**
 * Packed strings: the listpack forms of hashes and sorted sets keep their
 * entries in one latin1 string, each entry's string preceded by its length
 * (one char below LONG_LEN, else LONG_LEN and four chars big-endian).
 */

/** A length of at least this is written as LONG_LEN and four chars. */
export const LONG_LEN = 254;

/** Chars of the length header of a string of `n` chars. */
export function headerLen(n: number): number {
  return n < LONG_LEN ? 1 : 5;
}

/** The length header of a string of `n` chars. */
export function lengthHeader(n: number): string {
  return n < LONG_LEN ? String.fromCharCode(n) : String.fromCharCode(LONG_LEN, (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

/** The length of the packed string at `p` (its header's value). */
export function lenAt(s: string, p: number): number {
  const c = s.charCodeAt(p);
  if (c !== LONG_LEN) return c;
  // Lengths stay below 2^31 (a listpack is at most 1 GiB): a small integer, not a double.
  return (s.charCodeAt(p + 1) << 24) | (s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 8) | s.charCodeAt(p + 4);
}

/**
 * Whether `s` holds `x` at `start`. Past a few chars a slice and `===`
 * (one memory compare) beat startsWith(), which V8 runs a char at a time:
 * half the time at 20 chars, an eighth at 200.
 */
export function holdsAt(s: string, start: number, x: string): boolean {
  const n = x.length;
  return n < 8 ? s.startsWith(x, start) : s.slice(start, start + n) === x;
}

/**
 * A string built by concatenation, flattened now: V8 would otherwise keep
 * the concatenation as a tree of the old string's slices until first read.
 */
export function flat(s: string): string {
  if (s.length > 0) s.charCodeAt(0);
  return s;
}

/** A flat copy of `s` that shares no storage with a larger string (slices do). */
export function copyString(s: string): string {
  if (s.length < 13) return s; // V8 copies short slices
  return Buffer.from(s, 'latin1').latin1Slice();
}
