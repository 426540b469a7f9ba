/**
 * The sorted-set skiplist against a plain sorted-array model: ranks, rank
 * lookups, score and lex ranges, range deletions and score updates, with
 * the structure (spans, backward links, tail, level) validated after every
 * mutation.
 */
import { describe, expect, it } from 'vitest';
import {
  SkipList,
  LEX_MAX,
  LEX_MIN,
  lexCmp,
  lexGteMin,
  lexLteMax,
  valueGteMin,
  valueLteMax,
  type LexRange,
  type ScoreRange,
  type ZNode,
} from '../../src/store/skiplist.js';

/** Deterministic PRNG (mulberry32) for reproducible operation sequences. */
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

type Entry = [string, number];

/** The model: entries sorted by (score, member bytes). */
class Model {
  items: Entry[] = [];

  static cmp(a: Entry, b: Entry): number {
    if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
    return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
  }

  insert(ele: string, score: number): void {
    this.items.push([ele, score]);
    this.items.sort(Model.cmp);
  }

  remove(ele: string): Entry | undefined {
    const i = this.items.findIndex((e) => e[0] === ele);
    if (i === -1) return undefined;
    return this.items.splice(i, 1)[0];
  }

  get(ele: string): Entry | undefined {
    return this.items.find((e) => e[0] === ele);
  }
}

function listOf(zsl: SkipList): Entry[] {
  const out: Entry[] = [];
  for (let n = zsl.first(); n !== null; n = n.next) out.push([n.ele, n.score]);
  return out;
}

function reverseListOf(zsl: SkipList): Entry[] {
  const out: Entry[] = [];
  for (let n = zsl.last(); n !== null; n = n.backward) out.push([n.ele, n.score]);
  return out;
}

const ALPHABET = ['a', 'b', '\x00', '\xff', '\xc3', 'ab', ''];

function randomMember(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s + String.fromCharCode(Math.floor(r() * 256));
}

function randomScore(r: () => number): number {
  const k = r();
  if (k < 0.05) return Infinity;
  if (k < 0.1) return -Infinity;
  if (k < 0.15) return -0;
  return Math.floor(r() * 20) - 10 + (r() < 0.3 ? 0.5 : 0);
}

describe('lexCmp', () => {
  it('orders latin1 strings as memcmp with the shorter prefix first', () => {
    expect(lexCmp('a', 'b')).toBe(-1);
    expect(lexCmp('ab', 'a')).toBe(1);
    expect(lexCmp('', 'a')).toBe(-1);
    expect(lexCmp('\x7f', '\x80')).toBe(-1);
    expect(lexCmp('\xff', '\xfe\xff')).toBe(1);
    expect(lexCmp('\x00', '')).toBe(1);
    expect(lexCmp('same', 'same')).toBe(0);
  });

  it('treats "-" and "+" as the extremes', () => {
    expect(lexCmp(LEX_MIN, '')).toBe(-1);
    expect(lexCmp('\xff\xff', LEX_MAX)).toBe(-1);
    expect(lexCmp(LEX_MAX, '\xff')).toBe(1);
    expect(lexCmp(LEX_MIN, LEX_MAX)).toBe(-1);
    expect(lexCmp(LEX_MAX, LEX_MIN)).toBe(1);
    expect(lexCmp(LEX_MIN, LEX_MIN)).toBe(0);
  });

  it('latin1 JS comparison equals byte order for every pair of bytes', () => {
    const mismatches: string[] = [];
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        const x = String.fromCharCode(a) + 'x';
        const y = String.fromCharCode(b);
        const bytes = Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1'));
        if (Math.sign(lexCmp(x, y)) !== bytes) mismatches.push(`${a},${b}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('SkipList', () => {
  it('starts empty', () => {
    const zsl = new SkipList();
    expect(zsl.length).toBe(0);
    expect(zsl.first()).toBeNull();
    expect(zsl.last()).toBeNull();
    expect(zsl.getElementByRank(1)).toBeNull();
    expect(zsl.getRank(1, 'a')).toBe(0);
    zsl.validate();
  });

  it('orders ties by member bytes and ranks them', () => {
    const zsl = new SkipList();
    zsl.insert(1, 'b');
    zsl.insert(1, 'a');
    zsl.insert(0, 'z');
    zsl.insert(1, '\xff');
    zsl.insert(1, 'a\x00');
    zsl.validate();
    expect(listOf(zsl).map((e) => e[0])).toEqual(['z', 'a', 'a\x00', 'b', '\xff']);
    expect(zsl.getRank(1, 'a\x00')).toBe(3);
    expect(zsl.getRank(1, 'c')).toBe(0);
    expect(zsl.getRank(2, 'a')).toBe(0);
    expect(zsl.getElementByRank(5)!.ele).toBe('\xff');
    expect(zsl.getElementByRank(6)).toBeNull();
  });

  it('keeps -0 and 0 as equal scores', () => {
    const zsl = new SkipList();
    zsl.insert(0, 'b');
    zsl.insert(-0, 'a');
    expect(listOf(zsl).map((e) => e[0])).toEqual(['a', 'b']);
    expect(zsl.getRank(0, 'a')).toBe(1);
    expect(zsl.delete(0, 'a')).not.toBeNull();
    zsl.validate();
  });

  it('updateScore keeps the node when the order does not change', () => {
    const zsl = new SkipList();
    zsl.insert(1, 'a');
    const b = zsl.insert(2, 'b');
    zsl.insert(3, 'c');
    expect(zsl.updateScore(2, 'b', 2.5)).toBe(b);
    const moved = zsl.updateScore(2.5, 'b', 10);
    expect(moved).not.toBe(b);
    zsl.validate();
    expect(listOf(zsl)).toEqual([
      ['a', 1],
      ['c', 3],
      ['b', 10],
    ]);
    expect(() => zsl.updateScore(99, 'b', 1)).toThrow();
  });

  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`random operations match the sorted-array model (seed ${seed})`, () => {
      const r = rng(seed);
      const zsl = new SkipList();
      const model = new Model();
      const nodes = new Map<string, ZNode>();
      for (let step = 0; step < 1500; step++) {
        const op = r();
        const ele = randomMember(r);
        if (op < 0.45) {
          if (model.get(ele) === undefined) {
            const score = randomScore(r);
            nodes.set(ele, zsl.insert(score, ele));
            model.insert(ele, score);
          }
        } else if (op < 0.6) {
          const m = model.remove(ele);
          const n = m === undefined ? null : zsl.delete(m[1], ele);
          expect(n === null).toBe(m === undefined);
          nodes.delete(ele);
        } else if (op < 0.75 && model.items.length > 0) {
          const [e, s] = model.items[Math.floor(r() * model.items.length)];
          const ns = randomScore(r);
          const n = zsl.updateScore(s, e, ns);
          nodes.set(e, n);
          model.remove(e);
          model.insert(e, ns);
        } else if (op < 0.8) {
          const range: ScoreRange = { min: randomScore(r), max: randomScore(r), minex: r() < 0.5, maxex: r() < 0.5 };
          const expected = model.items.filter((e) => valueGteMin(e[1], range) && valueLteMax(e[1], range));
          const removed: string[] = [];
          expect(zsl.deleteRangeByScore(range, (e) => removed.push(e))).toBe(expected.length);
          expect(removed).toEqual(expected.map((e) => e[0]));
          for (const e of removed) {
            model.remove(e);
            nodes.delete(e);
          }
        } else if (op < 0.83 && model.items.length > 0) {
          const a = 1 + Math.floor(r() * model.items.length);
          const b = a + Math.floor(r() * 5);
          const end = Math.min(b, model.items.length);
          const expected = model.items.slice(a - 1, end).map((e) => e[0]);
          const removed: string[] = [];
          expect(zsl.deleteRangeByRank(a, b, (e) => removed.push(e))).toBe(expected.length);
          expect(removed).toEqual(expected);
          for (const e of removed) {
            model.remove(e);
            nodes.delete(e);
          }
        } else {
          // Read-only checks.
          const range: ScoreRange = { min: randomScore(r), max: randomScore(r), minex: r() < 0.5, maxex: r() < 0.5 };
          const inRange = model.items.filter((e) => valueGteMin(e[1], range) && valueLteMax(e[1], range));
          const first = zsl.firstInRange(range);
          const last = zsl.lastInRange(range);
          expect(first === null ? null : first.ele).toBe(inRange.length ? inRange[0][0] : null);
          expect(last === null ? null : last.ele).toBe(inRange.length ? inRange[inRange.length - 1][0] : null);
        }
        if (step % 50 === 0) zsl.validate();
        expect(zsl.length).toBe(model.items.length);
      }
      zsl.validate();
      expect(listOf(zsl)).toEqual(model.items);
      expect(reverseListOf(zsl)).toEqual([...model.items].reverse());
      model.items.forEach(([e, s], i) => {
        expect(zsl.getRank(s, e)).toBe(i + 1);
        expect(zsl.getElementByRank(i + 1)).toBe(nodes.get(e));
      });
    });
  }

  it('lex ranges and lex deletion on equal scores match the model', () => {
    const r = rng(99);
    const zsl = new SkipList();
    const model = new Model();
    for (let i = 0; i < 400; i++) {
      const e = randomMember(r);
      if (model.get(e) === undefined) {
        zsl.insert(0, e);
        model.insert(e, 0);
      }
    }
    const bounds = (): [string | typeof LEX_MIN | typeof LEX_MAX, boolean] => {
      const k = r();
      if (k < 0.1) return [LEX_MIN, true];
      if (k < 0.2) return [LEX_MAX, true];
      return [randomMember(r), r() < 0.5];
    };
    for (let i = 0; i < 300; i++) {
      const [min, minex] = bounds();
      const [max, maxex] = bounds();
      const range: LexRange = { min, max, minex, maxex };
      const inRange = model.items.filter((e) => lexGteMin(e[0], range) && lexLteMax(e[0], range));
      const first = zsl.firstInLexRange(range);
      const last = zsl.lastInLexRange(range);
      expect(first === null ? null : first.ele).toBe(inRange.length ? inRange[0][0] : null);
      expect(last === null ? null : last.ele).toBe(inRange.length ? inRange[inRange.length - 1][0] : null);
      if (i % 10 === 0) {
        const removed: string[] = [];
        expect(zsl.deleteRangeByLex(range, (e) => removed.push(e))).toBe(inRange.length);
        expect(removed).toEqual(inRange.map((e) => e[0]));
        for (const e of removed) model.remove(e);
        zsl.validate();
      }
    }
    expect(listOf(zsl)).toEqual(model.items);
  });

  it('stays logarithmic in depth: ranks of 200k members', () => {
    const zsl = new SkipList();
    const n = 200_000;
    for (let i = n - 1; i >= 0; i--) zsl.insert(i, 'm' + i);
    expect(zsl.length).toBe(n);
    expect(zsl.level).toBeGreaterThan(4);
    expect(zsl.level).toBeLessThanOrEqual(32);
    for (const i of [0, 1, 777, 99_999, n - 1]) {
      expect(zsl.getRank(i, 'm' + i)).toBe(i + 1);
      expect(zsl.getElementByRank(i + 1)!.score).toBe(i);
    }
  });
});
