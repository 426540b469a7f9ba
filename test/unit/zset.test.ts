/**
 * The sorted set value: its two encodings answer every query alike, the
 * listpack/skiplist conversions follow Redis's thresholds, zsetAdd()'s flag
 * semantics, and the listpack's integer score storage (-0 becomes 0).
 */
import { describe, expect, it } from 'vitest';
import {
  ZSet,
  ZADD_IN_GT,
  ZADD_IN_INCR,
  ZADD_IN_LT,
  ZADD_IN_NX,
  ZADD_IN_XX,
  ZADD_OUT_ADDED,
  ZADD_OUT_NAN,
  ZADD_OUT_NOP,
  ZADD_OUT_UPDATED,
  type ZsetLimits,
} from '../../src/store/zset.js';
import { LEX_MAX, LEX_MIN, type LexRange, type ScoreRange } from '../../src/store/skiplist.js';

const BIG: ZsetLimits = { maxEntries: 1_000_000, maxValue: 1_000_000 };
const DEFAULT: ZsetLimits = { maxEntries: 128, maxValue: 64 };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function entries(z: ZSet): [string, number][] {
  const out: [string, number][] = [];
  z.forEach((e, s) => out.push([e, s]));
  return out;
}

function collect(f: (emit: (e: string, s: number) => void) => number | void): [string, number][] {
  const out: [string, number][] = [];
  f((e, s) => out.push([e, s]));
  return out;
}

describe('ZSet encodings', () => {
  it('a new set is listpack unless the first member is too long or entries is 0', () => {
    expect(ZSet.forFirstMember('a', DEFAULT).encoding()).toBe('listpack');
    expect(ZSet.forFirstMember('x'.repeat(64), DEFAULT).encoding()).toBe('listpack');
    expect(ZSet.forFirstMember('x'.repeat(65), DEFAULT).encoding()).toBe('skiplist');
    expect(ZSet.forFirstMember('a', { maxEntries: 0, maxValue: 64 }).encoding()).toBe('skiplist');
  });

  it('converts to skiplist past the entry limit and never back', () => {
    const lim: ZsetLimits = { maxEntries: 4, maxValue: 64 };
    const z = ZSet.listpack();
    for (let i = 0; i < 4; i++) expect(z.add(i, 'm' + i, 0, lim)).toBe(ZADD_OUT_ADDED);
    expect(z.encoding()).toBe('listpack');
    z.add(9, 'm4', 0, lim);
    expect(z.encoding()).toBe('skiplist');
    expect(z.zsl!.length).toBe(5);
    for (let i = 0; i < 5; i++) z.remove('m' + i);
    expect(z.size).toBe(0);
    expect(z.encoding()).toBe('skiplist');
  });

  it('converts to skiplist for a long member', () => {
    const z = ZSet.listpack();
    z.add(1, 'a', 0, DEFAULT);
    z.add(2, '\xff'.repeat(65), 0, DEFAULT);
    expect(z.encoding()).toBe('skiplist');
    expect(entries(z)).toEqual([
      ['a', 1],
      ['\xff'.repeat(65), 2],
    ]);
  });

  it('convertToListpackIfNeeded() applies both limits', () => {
    const z = ZSet.skiplist();
    z.add(1, 'a', 0, DEFAULT);
    z.convertToListpackIfNeeded(65, DEFAULT);
    expect(z.encoding()).toBe('skiplist');
    z.convertToListpackIfNeeded(64, DEFAULT);
    expect(z.encoding()).toBe('listpack');
  });

  it('the listpack stores an integral -0 as 0, the skiplist keeps -0', () => {
    const lp = ZSet.listpack();
    lp.add(-0, 'a', 0, DEFAULT);
    expect(Object.is(lp.score('a'), 0)).toBe(true);
    const sl = ZSet.skiplist();
    sl.add(-0, 'a', 0, DEFAULT);
    expect(Object.is(sl.score('a'), -0)).toBe(true);
    // Converting a skiplist into a listpack stores the listpack's form.
    sl.convertToListpackIfNeeded(1, DEFAULT);
    expect(Object.is(sl.score('a'), 0)).toBe(true);
  });

  it('dup() and conversion size the member dict for its members (no long chains)', () => {
    const lp = ZSet.listpack();
    for (let i = 0; i < 5000; i++) lp.add(i, 'm' + i, 0, BIG);
    lp.convertToSkiplist();
    expect(lp.dict!.buckets).toBeGreaterThanOrEqual(lp.size / 2);
    const copy = lp.dup();
    expect(copy.dict!.buckets).toBeGreaterThanOrEqual(copy.size / 2);
    expect(copy.score('m4999')).toBe(4999);
  });

  it('dup() copies deeply and keeps the encoding', () => {
    for (const z of [ZSet.listpack(), ZSet.skiplist()]) {
      for (let i = 0; i < 10; i++) z.add(i % 3, 'm' + i, 0, BIG);
      const d = z.dup();
      expect(d.encoding()).toBe(z.encoding());
      expect(entries(d)).toEqual(entries(z));
      d.remove('m1');
      expect(z.has('m1')).toBe(true);
      if (!d.isListpack) d.zsl!.validate();
    }
  });
});

describe('zsetAdd() flags', () => {
  for (const make of [() => ZSet.listpack(), () => ZSet.skiplist()]) {
    const enc = make().encoding();
    it(`NX XX GT LT INCR and NaN (${enc})`, () => {
      const z = make();
      expect(z.add(5, 'a', 0, BIG)).toBe(ZADD_OUT_ADDED);
      expect(z.add(6, 'a', ZADD_IN_NX, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(6, 'b', ZADD_IN_XX, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(4, 'a', ZADD_IN_GT, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(5, 'a', ZADD_IN_GT, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(7, 'a', ZADD_IN_GT | ZADD_IN_XX, BIG)).toBe(ZADD_OUT_UPDATED);
      expect(z.add(8, 'a', ZADD_IN_LT, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(1, 'a', ZADD_IN_LT, BIG)).toBe(ZADD_OUT_UPDATED);
      expect(z.add(1, 'a', 0, BIG)).toBe(0); // same score: processed, no change
      expect(z.newScore).toBe(1);
      expect(z.add(2.5, 'a', ZADD_IN_INCR, BIG)).toBe(ZADD_OUT_UPDATED);
      expect(z.newScore).toBe(3.5);
      expect(z.add(Infinity, 'a', ZADD_IN_INCR, BIG)).toBe(ZADD_OUT_UPDATED);
      expect(z.add(-Infinity, 'a', ZADD_IN_INCR, BIG)).toBe(ZADD_OUT_NAN);
      expect(z.score('a')).toBe(Infinity);
      expect(z.add(NaN, 'c', 0, BIG)).toBe(ZADD_OUT_NAN);
      expect(z.has('c')).toBe(false);
      // GT with INCR compares the incremented score.
      expect(z.add(-1, 'b', 0, BIG)).toBe(ZADD_OUT_ADDED);
      expect(z.add(-2, 'b', ZADD_IN_INCR | ZADD_IN_GT, BIG)).toBe(ZADD_OUT_NOP);
      expect(z.add(2, 'b', ZADD_IN_INCR | ZADD_IN_GT, BIG)).toBe(ZADD_OUT_UPDATED);
      expect(z.score('b')).toBe(1);
      expect(z.add(3, 'new', ZADD_IN_INCR, BIG)).toBe(ZADD_OUT_ADDED);
      expect(z.newScore).toBe(3);
    });
  }
});

/** Random score/lex ranges for the cross-encoding check. */
function randomRange(r: () => number): ScoreRange {
  const v = (): number => {
    const k = r();
    if (k < 0.1) return -Infinity;
    if (k < 0.2) return Infinity;
    return Math.floor(r() * 14) - 7 + (r() < 0.3 ? 0.5 : 0);
  };
  return { min: v(), max: v(), minex: r() < 0.4, maxex: r() < 0.4 };
}

function randomLex(r: () => number): LexRange {
  const b = (): [string | 0 | 1, boolean] => {
    const k = r();
    if (k < 0.1) return [LEX_MIN, true];
    if (k < 0.2) return [LEX_MAX, true];
    return [String.fromCharCode(97 + Math.floor(r() * 6)) + (r() < 0.5 ? '\xff' : ''), r() < 0.5];
  };
  const [min, minex] = b();
  const [max, maxex] = b();
  return { min, max, minex, maxex };
}

describe('both encodings answer alike', () => {
  for (const seed of [7, 8, 9]) {
    it(`random operations and queries (seed ${seed})`, () => {
      const r = rng(seed);
      // Two pairs: one with varied scores, one where every score is 0 (lex
      // ranges are only meaningful, and encoding independent, then).
      const pairs = [
        { lp: ZSet.listpack(), sl: ZSet.skiplist(), lex: false },
        { lp: ZSet.listpack(), sl: ZSet.skiplist(), lex: true },
      ];
      const member = (): string => String.fromCharCode(97 + Math.floor(r() * 6)) + String.fromCharCode(Math.floor(r() * 4) * 80);
      for (let step = 0; step < 3000; step++) {
        const { lp, sl, lex } = pairs[r() < 0.35 ? 1 : 0];
        const op = r();
        const score = lex ? 0 : Math.floor(r() * 12) - 6 + (r() < 0.2 ? 0.25 : 0);
        if (op < 0.35) {
          const e = member();
          const flags = [0, ZADD_IN_NX, ZADD_IN_XX, ZADD_IN_GT, ZADD_IN_LT, ZADD_IN_INCR][Math.floor(r() * 6)];
          const a = lp.add(score, e, flags, BIG);
          const b = sl.add(score, e, flags, BIG);
          expect(a).toBe(b);
        } else if (op < 0.45) {
          const e = member();
          expect(lp.remove(e)).toBe(sl.remove(e));
        } else if (op < 0.5) {
          const range = randomRange(r);
          expect(lp.deleteRangeByScore(range)).toBe(sl.deleteRangeByScore(range));
        } else if (op < 0.53 && lex) {
          const range = randomLex(r);
          expect(lp.deleteRangeByLex(range)).toBe(sl.deleteRangeByLex(range));
        } else if (op < 0.55 && lp.size > 0) {
          const a = Math.floor(r() * lp.size);
          const b = Math.min(lp.size - 1, a + Math.floor(r() * 3));
          expect(lp.deleteRangeByRank(a, b)).toBe(sl.deleteRangeByRank(a, b));
        } else {
          const range = randomRange(r);
          const offset = Math.floor(r() * 5) - 1;
          const limit = Math.floor(r() * 6) - 1;
          for (const rev of [false, true]) {
            expect(collect((emit) => lp.rangeByScore(range, offset, limit, rev, emit))).toEqual(
              collect((emit) => sl.rangeByScore(range, offset, limit, rev, emit)),
            );
          }
          expect(lp.countInRange(range)).toBe(sl.countInRange(range));
          if (lex) {
            const lr = randomLex(r);
            for (const rev of [false, true]) {
              expect(collect((emit) => lp.rangeByLex(lr, offset, limit, rev, emit))).toEqual(
                collect((emit) => sl.rangeByLex(lr, offset, limit, rev, emit)),
              );
            }
            expect(lp.countInLexRange(lr)).toBe(sl.countInLexRange(lr));
          }
          if (lp.size > 0) {
            const s = Math.floor(r() * lp.size);
            const e = Math.min(lp.size - 1, s + Math.floor(r() * 4));
            for (const rev of [false, true]) {
              expect(collect((emit) => lp.rangeByRank(s, e, rev, emit))).toEqual(collect((emit) => sl.rangeByRank(s, e, rev, emit)));
            }
          }
          const e = member();
          expect(lp.rank(e, false)).toBe(sl.rank(e, false));
          expect(lp.rank(e, true)).toBe(sl.rank(e, true));
          expect(lp.score(e)).toBe(sl.score(e));
        }
        expect(lp.size).toBe(sl.size);
        expect(lp.peek(true)).toEqual(sl.peek(true));
        expect(lp.peek(false)).toEqual(sl.peek(false));
      }
      for (const { lp, sl } of pairs) {
        expect(entries(lp)).toEqual(entries(sl));
        sl.zsl!.validate();
        expect(sl.dict!.size).toBe(sl.zsl!.length);
      }
    });
  }

  it('a large skip offset jumps by rank with the same result as walking', () => {
    const lp = ZSet.listpack();
    const sl = ZSet.skiplist();
    for (let i = 0; i < 300; i++) {
      lp.add(i % 50, 'm' + i, 0, BIG);
      sl.add(i % 50, 'm' + i, 0, BIG);
    }
    const range: ScoreRange = { min: 3, max: 40, minex: true, maxex: false };
    for (const offset of [0, 15, 16, 17, 100, 235, 236, 299]) {
      for (const rev of [false, true]) {
        expect(collect((emit) => sl.rangeByScore(range, offset, 7, rev, emit))).toEqual(
          collect((emit) => lp.rangeByScore(range, offset, 7, rev, emit)),
        );
      }
    }
  });
});

describe('random sampling', () => {
  it('randomDistinct() returns distinct members in order', () => {
    const z = ZSet.listpack();
    for (let i = 0; i < 20; i++) z.add(i, 'm' + String(i).padStart(2, '0'), 0, BIG);
    for (let t = 0; t < 50; t++) {
      const got = collect((emit) => z.randomDistinct(5, emit)).map((e) => e[0]);
      expect(got.length).toBe(5);
      expect(new Set(got).size).toBe(5);
      expect([...got].sort()).toEqual(got);
    }
  });

  it('randomElement() reaches every member of both encodings', () => {
    for (const z of [ZSet.listpack(), ZSet.skiplist()]) {
      for (let i = 0; i < 8; i++) z.add(i, 'm' + i, 0, BIG);
      const seen = new Set<string>();
      for (let t = 0; t < 500; t++) {
        const [e, s] = z.randomElement();
        expect(z.score(e)).toBe(s);
        seen.add(e);
      }
      expect(seen.size).toBe(8);
    }
  });
});
