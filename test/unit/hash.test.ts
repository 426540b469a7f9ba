import { describe, expect, it } from 'vitest';
import { RHash, type HashLimits } from '../../src/store/hash.js';

const LIMITS: HashLimits = { entries: 512, value: 64 };
const BIN = '\xff\x00\xc3';

function fill(h: RHash, n: number, limits = LIMITS): void {
  for (let i = 0; i < n; i++) h.set(`f${i}${BIN}`, `v${i}`, limits);
}

describe('RHash encodings', () => {
  it('stays a listpack up to hash-max-listpack-entries fields, then converts', () => {
    const h = new RHash();
    fill(h, 512);
    expect(h.encoding()).toBe('listpack');
    expect(h.size).toBe(512);
    h.set('one more', 'x', LIMITS);
    expect(h.encoding()).toBe('hashtable');
    expect(h.size).toBe(513);
    for (let i = 0; i < 512; i++) expect(h.get(`f${i}${BIN}`)).toBe(`v${i}`);
  });

  it('updating an existing field does not count as a new entry', () => {
    const h = new RHash();
    fill(h, 512);
    expect(h.set(`f0${BIN}`, 'new', LIMITS)).toBe(true);
    expect(h.encoding()).toBe('listpack');
    expect(h.get(`f0${BIN}`)).toBe('new');
  });

  it('converts for a field or value longer than hash-max-listpack-value', () => {
    const ok = 'x'.repeat(64);
    const long = 'x'.repeat(65);
    const a = new RHash();
    a.set(ok, ok, LIMITS);
    expect(a.encoding()).toBe('listpack');
    a.set('f', long, LIMITS);
    expect(a.encoding()).toBe('hashtable');
    const b = new RHash();
    b.set(long, 'v', LIMITS);
    expect(b.encoding()).toBe('hashtable');
    expect(b.get(long)).toBe('v');
  });

  it('tryConversion looks at every argument, as HSET does before writing', () => {
    const h = new RHash();
    h.tryConversion(['HSET', 'k', 'f', 'x'.repeat(64)], 2, 3, LIMITS);
    expect(h.encoding()).toBe('listpack');
    h.tryConversion(['HSET', 'k', 'f', 'v', 'g', 'x'.repeat(65)], 2, 5, LIMITS);
    expect(h.encoding()).toBe('hashtable');
  });

  it('a zero entries limit makes every non-empty hash a hashtable', () => {
    const h = new RHash();
    h.set('a', '1', { entries: 0, value: 64 });
    expect(h.encoding()).toBe('hashtable');
  });

  it('conversion is one-way', () => {
    const h = new RHash();
    fill(h, 513);
    expect(h.encoding()).toBe('hashtable');
    for (let i = 0; i < 512; i++) expect(h.delete(`f${i}${BIN}`)).toBe(true);
    expect(h.size).toBe(1);
    expect(h.encoding()).toBe('hashtable');
  });
});

describe('RHash operations', () => {
  it('keeps insertion order in the listpack; updates keep their position', () => {
    const h = new RHash();
    h.set('b', '1', LIMITS);
    h.set('a', '2', LIMITS);
    h.set(BIN, '3', LIMITS);
    h.set('b', '4', LIMITS);
    expect(h.pairs()).toEqual(['b', '4', 'a', '2', BIN, '3']);
    expect(h.delete('a')).toBe(true);
    expect(h.delete('a')).toBe(false);
    expect(h.pairs()).toEqual(['b', '4', BIN, '3']);
    h.set('a', '5', LIMITS);
    const seen: string[] = [];
    h.forEach((f, v) => seen.push(f, v));
    expect(seen).toEqual(['b', '4', BIN, '3', 'a', '5']);
  });

  it('distinguishes binary fields that differ only after a NUL byte', () => {
    for (const n of [1, 600]) {
      const h = new RHash();
      fill(h, n);
      h.set('a\x00b', '1', LIMITS);
      h.set('a\x00c', '2', LIMITS);
      h.set('a', '3', LIMITS);
      expect(h.get('a\x00b')).toBe('1');
      expect(h.get('a\x00c')).toBe('2');
      expect(h.get('a')).toBe('3');
      expect(h.has('a\x00')).toBe(false);
      expect(h.get('a\x00')).toBeUndefined();
    }
  });

  it('dup() is a deep copy with the same encoding', () => {
    for (const n of [3, 600]) {
      const h = new RHash();
      fill(h, n);
      const d = h.dup();
      expect(d.encoding()).toBe(h.encoding());
      expect(d.pairs()).toEqual(h.pairs());
      d.set('f0' + BIN, 'changed', LIMITS);
      d.delete('f1' + BIN);
      expect(h.get('f0' + BIN)).toBe('v0');
      expect(h.get('f1' + BIN)).toBe('v1');
      expect(d.size).toBe(n - 1);
    }
  });

  it('RHash.from() encodes per the limits', () => {
    expect(RHash.from(['a', '1', 'b', '2'], LIMITS).encoding()).toBe('listpack');
    expect(RHash.from(['a', '1', 'b', '2'], { entries: 1, value: 64 }).encoding()).toBe('hashtable');
  });
});

describe('RHash random sampling', () => {
  for (const n of [5, 700]) {
    it(`randomPair() returns matching pairs and reaches every field (${n} fields)`, () => {
      const h = new RHash();
      fill(h, n);
      const hits = new Map<string, number>();
      const draws = n * 200;
      for (let i = 0; i < draws; i++) {
        const [f, v] = h.randomPair();
        if (h.get(f) !== v) throw new Error(`pair ${f} ${v} does not match the hash`);
        hits.set(f, (hits.get(f) ?? 0) + 1);
      }
      expect(hits.size).toBe(n);
      // Expected 200 per field; a fair sampler stays far inside these bounds.
      for (const c of hits.values()) {
        expect(c).toBeGreaterThan(100);
        expect(c).toBeLessThan(320);
      }
    });

    it(`randomPairsUnique() returns distinct pairs (${n} fields)`, () => {
      const h = new RHash();
      fill(h, n);
      for (const count of [1, 2, Math.floor(n / 4), Math.floor(n / 2), n - 1]) {
        if (count < 1) continue;
        const out = h.randomPairsUnique(count);
        expect(out.length).toBe(count * 2);
        const fields = new Set<string>();
        for (let i = 0; i < out.length; i += 2) {
          expect(h.get(out[i])).toBe(out[i + 1]);
          fields.add(out[i]);
        }
        expect(fields.size).toBe(count);
      }
    });
  }

  it('randomPairsUnique() keeps listpack order', () => {
    const h = new RHash();
    fill(h, 50);
    const order = new Map(h.pairs().filter((_, i) => i % 2 === 0).map((f, i) => [f, i]));
    for (let round = 0; round < 50; round++) {
      const out = h.randomPairsUnique(10);
      const idx = out.filter((_, i) => i % 2 === 0).map((f) => order.get(f)!);
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
  });

  it('every field can be picked by randomPairsUnique()', () => {
    for (const n of [20, 900]) {
      const h = new RHash();
      fill(h, n);
      const seen = new Set<string>();
      for (let round = 0; round < 400; round++) {
        const out = h.randomPairsUnique(Math.max(1, Math.floor(n / 10)));
        for (let i = 0; i < out.length; i += 2) seen.add(out[i]);
      }
      expect(seen.size).toBe(n);
    }
  });
});

describe('RHash scan', () => {
  it('the hashtable form scans every field present for the whole scan, while growing and shrinking', () => {
    const h = new RHash();
    fill(h, 1000);
    const stable = new Set<string>();
    for (let i = 0; i < 1000; i += 2) stable.add(`f${i}${BIN}`);
    const seen = new Set<string>();
    let cursor = 0;
    let step = 0;
    do {
      cursor = h.dict!.scan(cursor, (k, v) => {
        expect(h.get(k)).toBe(v);
        seen.add(k);
      });
      step++;
      // Odd fields go away, new ones arrive: the table resizes both ways.
      if (step < 200) {
        for (let j = 0; j < 30; j++) h.set(`new${step}-${j}`, 'x', LIMITS);
      } else {
        for (let j = 0; j < 40; j++) h.delete(`new${step - 199}-${j}`);
      }
      for (let i = 1 + 2 * step; i < 1000 && i < 1 + 2 * step + 10; i += 2) h.delete(`f${i}${BIN}`);
    } while (cursor !== 0);
    for (const f of stable) expect(seen.has(f)).toBe(true);
  });
});
