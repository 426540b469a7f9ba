import { describe, expect, it } from 'vitest';
import { Dict, setHashSeed } from '../../src/store/dict.js';

/** Internal counters, for asserting that compaction and resizing happened. */
function internals(d: Dict<unknown>): { top: number; t0: Int32Array; t1: Int32Array | null } {
  return d as unknown as { top: number; t0: Int32Array; t1: Int32Array | null };
}

/** Run a full SCAN, calling `between` after every step; returns every key seen. */
function fullScan(d: Dict<number>, between: (step: number) => void = () => {}): Map<string, number> {
  const seen = new Map<string, number>();
  let cursor = 0;
  let step = 0;
  do {
    cursor = d.scan(cursor, (k) => seen.set(k, (seen.get(k) ?? 0) + 1));
    between(step++);
    if (step > 10_000_000) throw new Error('scan does not terminate');
  } while (cursor !== 0);
  return seen;
}

function finishRehash(d: Dict<unknown>): void {
  while (d.rehashStep(1000)) {
    /* keep going */
  }
}

describe('Dict', () => {
  it('inserts, finds, overwrites and deletes binary keys', () => {
    const d = new Dict<string>();
    const keys = ['', '\x00', '\xff\x00\xc3', 'a', 'A', 'a\x00', '\x00a'];
    keys.forEach((k, i) => d.set(k, `v${i}`));
    expect(d.size).toBe(keys.length);
    keys.forEach((k, i) => expect(d.get(k)).toBe(`v${i}`));
    d.set('a', 'again');
    expect(d.size).toBe(keys.length);
    expect(d.get('a')).toBe('again');
    expect(d.delete('\xff\x00\xc3')).toBe('v2');
    expect(d.delete('\xff\x00\xc3')).toBeUndefined();
    expect(d.has('\xff\x00\xc3')).toBe(false);
    expect(d.has('\x00a')).toBe(true);
    expect(d.size).toBe(keys.length - 1);
  });

  it('keeps every key reachable while growing and shrinking incrementally', () => {
    const d = new Dict<number>();
    let sawRehash = false;
    for (let i = 0; i < 20000; i++) {
      d.set(`key:${i}`, i);
      if (d.isRehashing()) sawRehash = true;
      if (i % 997 === 0) {
        for (let j = 0; j <= i; j += 101) expect(d.get(`key:${j}`)).toBe(j);
      }
    }
    expect(sawRehash).toBe(true);
    finishRehash(d);
    expect(internals(d).t0.length).toBeGreaterThanOrEqual(20000);
    for (let i = 0; i < 20000; i++) expect(d.get(`key:${i}`)).toBe(i);
    for (let i = 0; i < 19990; i++) expect(d.delete(`key:${i}`)).toBe(i);
    finishRehash(d);
    d.resizeIfNeeded();
    finishRehash(d);
    // Shrunk: no more than a handful of buckets per remaining key.
    expect(internals(d).t0.length).toBeLessThanOrEqual(64);
    expect(d.size).toBe(10);
    for (let i = 19990; i < 20000; i++) expect(d.get(`key:${i}`)).toBe(i);
  });

  it('compacts slots after mass deletion and keeps values and meta words', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 10000; i++) {
      const s = d.set(`k${i}`, i);
      d.meta[s] = i * 7;
    }
    const topBefore = internals(d).top;
    for (let i = 0; i < 10000; i++) if (i % 50 !== 0) d.delete(`k${i}`);
    finishRehash(d);
    d.resizeIfNeeded();
    expect(internals(d).top).toBeLessThan(topBefore / 4);
    expect(internals(d).t0.length).toBeLessThanOrEqual(256);
    expect(d.size).toBe(200);
    for (let i = 0; i < 10000; i += 50) {
      const s = d.find(`k${i}`);
      expect(s).not.toBe(-1);
      expect(d.valueAt(s)).toBe(i);
      expect(d.keyAt(s)).toBe(`k${i}`);
      expect(d.meta[s]).toBe(i * 7);
    }
    expect(fullScan(d).size).toBe(200);
  });

  it('scan visits every element exactly once on a stable table', () => {
    for (const n of [0, 1, 5, 100, 4097]) {
      const d = new Dict<number>();
      for (let i = 0; i < n; i++) d.set(`s${i}`, i);
      const seen = fullScan(d);
      expect(seen.size).toBe(n);
      for (const c of seen.values()) expect(c).toBe(1);
    }
  });

  it('scan returns every element present for the whole scan while the table grows', () => {
    setHashSeed(12345);
    try {
      const d = new Dict<number>();
      for (let i = 0; i < 500; i++) d.set(`stable${i}`, i);
      let added = 0;
      const seen = fullScan(d, () => {
        // Grow hard between calls: several doublings over the scan.
        for (let j = 0; j < 200 && added < 8000; j++) d.set(`grow${added++}`, -1);
      });
      expect(added).toBe(8000);
      for (let i = 0; i < 500; i++) expect(seen.has(`stable${i}`), `stable${i}`).toBe(true);
    } finally {
      setHashSeed((Math.random() * 0x100000000) >>> 0);
    }
  });

  it('scan returns every element present for the whole scan while the table shrinks', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 300; i++) d.set(`stable${i}`, i);
    for (let i = 0; i < 30000; i++) d.set(`tmp${i}`, i);
    finishRehash(d);
    let next = 0;
    let sawRehash = false;
    const seen = fullScan(d, () => {
      // Delete the temporary keys in chunks so the table shrinks mid-scan.
      for (let j = 0; j < 1500 && next < 30000; j++) d.delete(`tmp${next++}`);
      if (d.isRehashing()) sawRehash = true;
    });
    expect(sawRehash).toBe(true);
    for (let i = 0; i < 300; i++) expect(seen.has(`stable${i}`), `stable${i}`).toBe(true);
  });

  it('scan keeps its guarantee with random interleaved inserts and deletes', () => {
    for (let round = 0; round < 10; round++) {
      const d = new Dict<number>();
      const stable: string[] = [];
      const n = 50 + round * 37;
      for (let i = 0; i < n; i++) {
        stable.push(`st${round}:${i}`);
        d.set(stable[i], i);
      }
      const volatile: string[] = [];
      let id = 0;
      const seen = fullScan(d, (step) => {
        const grow = (step + round) % 3 !== 0;
        const count = Math.floor(Math.random() * 300);
        for (let j = 0; j < count; j++) {
          if ((grow && volatile.length < 3000) || volatile.length === 0) {
            const k = `v${id++}`;
            volatile.push(k);
            d.set(k, 0);
          } else {
            const idx = Math.floor(Math.random() * volatile.length);
            d.delete(volatile[idx]);
            volatile[idx] = volatile[volatile.length - 1];
            volatile.pop();
          }
        }
        d.rehashStep(Math.floor(Math.random() * 4));
      });
      for (const k of stable) expect(seen.has(k), k).toBe(true);
    }
  });

  it('scan while rehashing covers both tables', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 64; i++) d.set(`r${i}`, i);
    finishRehash(d);
    // The next insert past the load factor starts a rehash; leave it pending.
    let i = 64;
    while (!d.isRehashing()) d.set(`r${i}`, i++);
    expect(internals(d).t1).not.toBeNull();
    const seen = fullScan(d);
    expect(seen.size).toBe(d.size);
  });

  it('randomSlot returns occupied slots and reaches every key', () => {
    const d = new Dict<number>();
    expect(d.randomSlot()).toBe(-1);
    expect(d.randomKey()).toBeUndefined();
    for (let i = 0; i < 2000; i++) d.set(`r${i}`, i);
    for (let i = 0; i < 2000; i++) if (i % 4 !== 0) d.delete(`r${i}`);
    const hits = new Set<string>();
    for (let i = 0; i < 20000; i++) {
      const s = d.randomSlot();
      const k = d.keyAt(s);
      expect(d.valueAt(s)).toBe(Number(k.slice(1)));
      expect(Number(k.slice(1)) % 4).toBe(0);
      hits.add(k);
    }
    expect(hits.size).toBe(500);
  });

  it('forEach sees every entry once and clear() empties everything', () => {
    const d = new Dict<number>();
    for (let i = 0; i < 1000; i++) d.set(`f${i}`, i);
    let sum = 0;
    let count = 0;
    d.forEach((_k, v) => {
      sum += v;
      count++;
    });
    expect(count).toBe(1000);
    expect(sum).toBe((999 * 1000) / 2);
    d.clear();
    expect(d.size).toBe(0);
    expect(d.get('f1')).toBeUndefined();
    expect(d.scan(0, () => {})).toBe(0);
    d.set('again', 1);
    expect(d.get('again')).toBe(1);
  });
});

describe('Dict: sizes and statistics (DEBUG HTSTATS)', () => {
  it('doubles at one element per bucket (Redis 7.0: the next power of two above the count)', () => {
    const d = new Dict<number>();
    const sizes: number[] = [];
    for (let i = 0; i < 70; i++) {
      d.set(`k\xff${i}`, i);
      while (d.isRehashing()) d.rehashStep(100);
      const size = d.tableStats()[0].size;
      if (sizes[sizes.length - 1] !== size) sizes.push(size);
    }
    expect(sizes).toEqual([4, 8, 16, 32, 64, 128]);
  });

  it('counts every element and bucket once, in both tables while rehashing', () => {
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const d = new Dict<number>();
    for (let step = 0; step < 5000; step++) {
      const k = `m${rnd(600)}`;
      if (rnd(3) === 0) d.delete(k);
      else d.set(k, step);
      if (step % 37 !== 0) continue;
      const stats = d.tableStats();
      expect(stats.length).toBe(d.isRehashing() ? 2 : 1);
      let used = 0;
      for (const st of stats) {
        expect(st.chains.reduce((a, b) => a + b, 0)).toBe(st.size);
        expect(st.size - st.chains[0]).toBe(st.slots);
        let inChains = 0;
        st.chains.forEach((n, len) => (inChains += n * len));
        // (Chains of 49 and more count in the last slot, as Redis's vector.)
        expect(inChains).toBeLessThanOrEqual(st.used);
        if (st.maxChain < st.chains.length - 1) expect(inChains).toBe(st.used);
        used += st.used;
      }
      expect(used).toBe(d.size);
    }
  });

  it('a table shrinks after each deletion unless told to wait for resizeIfNeeded()', () => {
    const grown = (): Dict<number> => {
      const d = new Dict<number>();
      for (let i = 0; i < 300; i++) d.set(`k${i}`, i);
      while (d.isRehashing()) d.rehashStep(100);
      return d;
    };
    const settle = (d: Dict<number>): number => {
      while (d.isRehashing()) d.rehashStep(100);
      return d.tableStats()[0].size;
    };
    const eager = grown();
    for (let i = 0; i < 295; i++) eager.delete(`k${i}`);
    // Shrunk once the count fell below a tenth, then no more while that rehash ran.
    expect(settle(eager)).toBeGreaterThan(8);
    const lazy = grown();
    lazy.shrinkOnDelete = false;
    for (let i = 0; i < 295; i++) lazy.delete(`k${i}`);
    expect(settle(lazy)).toBe(512);
    lazy.resizeIfNeeded();
    expect(settle(lazy)).toBe(8);
  });
});
