/** Pure parts of client side caching: BCAST prefix overlap rules and the order of client ids. */
import { describe, expect, it } from 'vitest';
// The server first: tracking.ts is otherwise entered in the middle of the command modules' import cycle.
import '../../src/server/server.js';
import { checkPrefixCollisions, compareIdsLE, prefixesOverlap } from '../../src/server/tracking.js';

describe('prefixesOverlap', () => {
  it('is true when one prefix starts the other, in either order', () => {
    expect(prefixesOverlap('FOO', 'FOOBAR')).toBe(true);
    expect(prefixesOverlap('FOOBAR', 'FOO')).toBe(true);
    expect(prefixesOverlap('a', 'a')).toBe(true);
    expect(prefixesOverlap('', 'anything')).toBe(true);
    expect(prefixesOverlap('\xff\x00', '\xff\x00\xc3')).toBe(true);
  });

  it('is false for diverging prefixes, bytes compared exactly', () => {
    expect(prefixesOverlap('FOO', 'BAR')).toBe(false);
    expect(prefixesOverlap('foo', 'FOO')).toBe(false);
    expect(prefixesOverlap('a\x00b', 'a\x00c')).toBe(false);
    expect(prefixesOverlap('\xff', '\xfe')).toBe(false);
  });
});

describe('checkPrefixCollisions', () => {
  it('accepts prefixes that overlap nothing', () => {
    expect(checkPrefixCollisions([], ['a', 'b', 'cd'])).toBeNull();
    expect(checkPrefixCollisions(['x', 'y'], ['a', 'b'])).toBeNull();
  });

  it('reports an overlap with an existing prefix (the first in byte order) and stops', () => {
    expect(checkPrefixCollisions(['FOO', 'BAR'], ['BARB'])).toEqual({
      error: "Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single client must not overlap.",
      proceed: false,
    });
    expect(checkPrefixCollisions(['FOOBAR', 'FOOB'], ['FO'])!.error).toContain("existing prefix 'FOOB'.");
  });

  it('reports an overlap among the given prefixes; past the first one Redis goes on', () => {
    expect(checkPrefixCollisions([], ['FOOBAR', 'FOO'])).toEqual({
      error: "Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap.",
      proceed: false,
    });
    expect(checkPrefixCollisions([], ['a', 'b', 'bc'])).toEqual({
      error: "Prefix 'b' overlaps with another provided prefix 'bc'. Prefixes for a single client must not overlap.",
      proceed: true,
    });
  });

  it('checks existing prefixes before the given ones for each prefix in turn', () => {
    const r = checkPrefixCollisions(['zz'], ['a', 'ab', 'zzz']);
    expect(r!.error).toContain("Prefix 'a' overlaps with another provided prefix 'ab'");
    expect(checkPrefixCollisions(['a'], ['ab', 'ab'])!.error).toContain('existing prefix');
  });

  it('cuts names at a NUL byte as the C format does', () => {
    expect(checkPrefixCollisions([], ['x\x00a', 'x\x00ab'])!.error).toBe(
      "Prefix 'x' overlaps with another provided prefix 'x'. Prefixes for a single client must not overlap.",
    );
  });
});

describe('compareIdsLE', () => {
  it('orders ids by their little-endian bytes, as a rax keyed by the raw uint64', () => {
    expect([3, 1, 2].sort(compareIdsLE)).toEqual([1, 2, 3]);
    // 256 is 00 01 ..., 1 is 01 00 ...: 256 first.
    expect([1, 256].sort(compareIdsLE)).toEqual([256, 1]);
    expect([257, 2, 513].sort(compareIdsLE)).toEqual([257, 513, 2]);
    expect(compareIdsLE(300, 300)).toBe(0);
    expect([2 ** 40, 2 ** 40 + 1, 5].sort(compareIdsLE)).toEqual([2 ** 40, 2 ** 40 + 1, 5]);
  });
});
