import { describe, expect, it } from 'vitest';
import { RSet, SMALL_MAX, asInt64, intsetLimit } from '../../src/store/set.js';

const MAX = 512;
const BIN = '\xff\x00\xc3';

function intSet(values: (number | string)[], max = MAX): RSet {
  const s = RSet.createIntset();
  for (const v of values) s.add(String(v), max);
  return s;
}

describe('asInt64 (isSdsRepresentableAsLongLong)', () => {
  it('accepts canonical int64 decimals only', () => {
    expect(asInt64('0')).toBe(0n);
    expect(asInt64('-1')).toBe(-1n);
    expect(asInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(asInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    for (const bad of ['', '-', '-0', '+1', '01', ' 1', '1 ', '1.0', '9223372036854775808', '-9223372036854775809', 'a', '1\x00', BIN]) {
      expect(asInt64(bad), JSON.stringify(bad)).toBeNull();
    }
  });

  it('caps set-max-intset-entries at 2^30', () => {
    expect(intsetLimit({ num: () => 512 })).toBe(512);
    expect(intsetLimit({ num: () => 2 ** 40 })).toBe(2 ** 30);
  });
});

describe('RSet encodings', () => {
  it('create() picks intset for an integer first member, hashtable otherwise', () => {
    expect(RSet.create('12').encoding()).toBe('intset');
    expect(RSet.create('a').encoding()).toBe('hashtable');
    expect(RSet.create('012').encoding()).toBe('hashtable');
  });

  it('an intset is sorted ascending over the full int64 range', () => {
    const s = intSet([5, -1, '9223372036854775807', 100, '-9223372036854775808', 0, 5]);
    expect(s.size).toBe(6);
    expect(s.members()).toEqual(['-9223372036854775808', '-1', '0', '5', '100', '9223372036854775807']);
    expect(s.encoding()).toBe('intset');
  });

  it('converts to hashtable past set-max-intset-entries, and for a non-integer', () => {
    const s = intSet(Array.from({ length: 512 }, (_, i) => i));
    expect(s.encoding()).toBe('intset');
    expect(s.add('100', MAX)).toBe(false);
    expect(s.add('512', MAX)).toBe(true);
    expect(s.encoding()).toBe('hashtable');
    expect(s.size).toBe(513);
    const t = intSet([1, 2, 3]);
    expect(t.add('1.5', MAX)).toBe(true);
    expect(t.encoding()).toBe('hashtable');
    expect(t.has('1')).toBe(true);
    expect(t.has('1.5')).toBe(true);
  });

  it('conversion is one-way', () => {
    const s = intSet([1, 2]);
    s.add(BIN, MAX);
    s.remove(BIN);
    expect(s.encoding()).toBe('hashtable');
    expect(s.members().sort()).toEqual(['1', '2']);
  });

  it('a zero limit makes every intset convert on its first member', () => {
    const s = RSet.create('1');
    s.add('1', 0);
    expect(s.encoding()).toBe('hashtable');
  });

  it('small hashtable sets grow into a hash table transparently', () => {
    const s = RSet.create('a');
    for (let i = 0; i < SMALL_MAX * 4; i++) expect(s.add(`m${i}${BIN}`, MAX)).toBe(true);
    expect(s.dict).not.toBeNull();
    expect(s.encoding()).toBe('hashtable');
    for (let i = 0; i < SMALL_MAX * 4; i++) {
      expect(s.has(`m${i}${BIN}`)).toBe(true);
      expect(s.add(`m${i}${BIN}`, MAX)).toBe(false);
    }
    expect(s.size).toBe(SMALL_MAX * 4);
  });
});

describe('RSet operations', () => {
  for (const name of ['intset', 'small hashtable', 'large hashtable']) {
    it(`add/has/remove (${name})`, () => {
      let s: RSet;
      if (name === 'intset') s = intSet([3, 1, 2]);
      else if (name === 'small hashtable') {
        s = RSet.createHashtable();
        for (const m of ['1', '2', '3']) s.add(m, MAX);
      } else {
        s = RSet.createHashtable();
        for (let i = 0; i < 100; i++) s.add(`big${i}`, MAX);
        for (const m of ['1', '2', '3']) s.add(m, MAX);
      }
      const base = s.size;
      expect(s.has('2')).toBe(true);
      expect(s.has('02')).toBe(false);
      expect(s.remove('02')).toBe(false);
      expect(s.remove('2')).toBe(true);
      expect(s.remove('2')).toBe(false);
      expect(s.has('2')).toBe(false);
      expect(s.size).toBe(base - 1);
      expect(s.has(BIN)).toBe(false);
      expect(s.remove(BIN)).toBe(false);
    });
  }

  it('intset removals keep order and shrink storage', () => {
    const s = intSet(Array.from({ length: 300 }, (_, i) => i * 3));
    for (let i = 0; i < 290; i++) s.remove(String(i * 3));
    expect(s.members()).toEqual(Array.from({ length: 10 }, (_, i) => String((290 + i) * 3)));
    expect(s.encoding()).toBe('intset');
  });

  it('dup() is a deep copy with the same encoding', () => {
    const big = RSet.createHashtable();
    for (let i = 0; i < 100; i++) big.add(`m${i}`, MAX);
    const small = RSet.create(BIN);
    small.add(BIN, MAX);
    small.add('other', MAX);
    for (const s of [intSet([1, 2, 3]), small, big]) {
      const d = s.dup();
      expect(d.encoding()).toBe(s.encoding());
      expect(d.members()).toEqual(s.members());
      const first = s.members()[0];
      d.remove(first);
      d.add('new', MAX);
      expect(s.has(first)).toBe(true);
      expect(s.has('new')).toBe(false);
    }
  });

  it('adopt() takes over the contents of another set', () => {
    const a = RSet.createHashtable();
    a.add('x', MAX);
    a.adopt(intSet([7, 8]));
    expect(a.encoding()).toBe('intset');
    expect(a.members()).toEqual(['7', '8']);
  });
});

describe('RSet random sampling', () => {
  for (const [name, n, ints] of [
    ['intset', 10, true],
    ['small hashtable', 10, false],
    ['large hashtable', 300, false],
  ] as const) {
    it(`randomMember() is uniform enough (${name})`, () => {
      const s = ints ? RSet.createIntset() : RSet.createHashtable();
      for (let i = 0; i < n; i++) s.add(ints ? String(i * 7 - 20) : `m${i}${BIN}`, MAX);
      const hits = new Map<string, number>();
      const draws = n * 400;
      for (let i = 0; i < draws; i++) {
        const m = s.randomMember();
        hits.set(m, (hits.get(m) ?? 0) + 1);
      }
      expect(hits.size).toBe(n);
      for (const m of hits.keys()) expect(s.has(m)).toBe(true);
      for (const c of hits.values()) {
        expect(c).toBeGreaterThan(250);
        expect(c).toBeLessThan(580);
      }
    });
  }

  it('popRandom() removes what it returns until empty', () => {
    const s = RSet.createHashtable();
    for (let i = 0; i < 50; i++) s.add(`m${i}`, MAX);
    const got = new Set<string>();
    while (s.size > 0) {
      const m = s.popRandom();
      expect(s.has(m)).toBe(false);
      got.add(m);
    }
    expect(got.size).toBe(50);
  });
});

describe('RSet scan', () => {
  it('scans every member present for the whole scan while the table grows and shrinks', () => {
    const s = RSet.createHashtable();
    for (let i = 0; i < 2000; i++) s.add(`m${i}`, MAX);
    const stable = new Set<string>();
    for (let i = 0; i < 2000; i += 3) stable.add(`m${i}`);
    const seen = new Set<string>();
    let cursor = 0;
    let step = 0;
    do {
      cursor = s.dict!.scan(cursor, (k) => {
        seen.add(k);
      });
      step++;
      if (step % 2 === 0) for (let j = 0; j < 50; j++) s.add(`g${step}-${j}`, MAX);
      for (let i = 0; i < 2000; i++) if (i % 3 !== 0 && i % 97 === step % 97) s.remove(`m${i}`);
      if (step > 300) for (let j = 0; j < 50; j++) s.remove(`g${step - 300}-${j}`);
    } while (cursor !== 0);
    for (const m of stable) expect(seen.has(m)).toBe(true);
  });
});

describe('someMember', () => {
  it('visits members in forEach order and stops at the first true, in every encoding', () => {
    const B = '\xff\x00';
    const sets: [string, RSet][] = [];
    const ints = RSet.createIntset();
    for (let i = 40; i > 0; i--) ints.add(String(i * 3), 512);
    sets.push(['intset', ints]);
    const small = RSet.create(`a${B}`);
    for (let i = 0; i < 20; i++) small.add(`m${B}${i}`, 512);
    sets.push(['small', small]);
    const big = RSet.createHashtable();
    for (let i = 0; i < 2000; i++) big.add(`m${B}${i}`, 512);
    for (let i = 0; i < 2000; i += 3) big.remove(`m${B}${i}`);
    sets.push(['hashtable', big]);
    for (const [label, s] of sets) {
      const order: string[] = [];
      s.forEach((m) => void order.push(m));
      const all: string[] = [];
      s.someMember((m) => {
        all.push(m);
        return false;
      });
      expect(all, label).toEqual(order);
      const some: string[] = [];
      s.someMember((m) => some.push(m) === 7);
      expect(some, label).toEqual(order.slice(0, 7));
    }
  });
});
