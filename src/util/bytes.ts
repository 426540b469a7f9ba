/**
 * Copying latin1 ("binary") strings into buffers. Buffer.latin1Write() is a
 * call into C++ whose fixed cost outweighs the copy for short strings, so
 * those are copied by a loop.
 */

/** Up to this many characters a loop beats latin1Write()'s call overhead. */
export const LOOP_COPY_MAX = 32;

/** Copy the latin1 string `s` (one char per byte) into `b` at `p`; returns the end. */
export function putLatin1(b: Buffer, p: number, s: string): number {
  const n = s.length;
  if (n > LOOP_COPY_MAX) return p + b.latin1Write(s, p, n);
  for (let i = 0; i < n; i++) b[p + i] = s.charCodeAt(i);
  return p + n;
}
