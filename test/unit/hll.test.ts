import { describe, expect, it } from 'vitest';
import { murmurHash64A, murmurResult } from '../../src/util/murmur.js';
import {
  Hll,
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  cachedCard,
  decodeSparse,
  denseGet,
  denseSetRaw,
  estimate,
  hllCount,
  hllCountRaw,
  hllMerge,
  hllPatLen,
  isHll,
  patIndex,
  setCachedCard,
  sparseKeeps,
} from '../../src/store/hll.js';

const M64 = (1n << 64n) - 1n;

/** A straightforward BigInt MurmurHash64A to check the 32-bit-halves one. */
function refMurmur(data: Uint8Array, seed: bigint): bigint {
  const m = 0xc6a4a7935bd1e995n;
  const len = data.length;
  let h = (seed ^ ((BigInt(len) * m) & M64)) & M64;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let b = 7; b >= 0; b--) k = (k << 8n) | BigInt(data[i + b]);
    k = (k * m) & M64;
    k ^= k >> 47n;
    k = (k * m) & M64;
    h ^= k;
    h = (h * m) & M64;
  }
  const rem = len & 7;
  if (rem > 0) {
    for (let b = rem - 1; b >= 0; b--) h ^= BigInt(data[blocks + b]) << BigInt(8 * b);
    h = (h * m) & M64;
  }
  h ^= h >> 47n;
  h = (h * m) & M64;
  h ^= h >> 47n;
  return h;
}

function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

describe('MurmurHash64A', () => {
  it('matches a BigInt reference for every tail length and random bytes', () => {
    const rnd = prng(11);
    for (let len = 0; len < 80; len++) {
      for (let rep = 0; rep < 20; rep++) {
        const buf = new Uint8Array(len);
        for (let i = 0; i < len; i++) buf[i] = rnd(256);
        for (const seed of [0, 0xadc83b19, 0xffffffff]) {
          murmurHash64A(buf, 0, len, seed | 0);
          expect(murmurResult()).toBe(refMurmur(buf, BigInt(seed >>> 0)));
        }
      }
    }
  });

  it('hashes a slice at an offset', () => {
    const buf = Buffer.from('xxhello world', 'latin1');
    murmurHash64A(buf, 2, 11, 0xadc83b19 | 0);
    expect(murmurResult()).toBe(refMurmur(Buffer.from('hello world'), 0xadc83b19n));
  });

  it('register index and run length as Redis derives them', () => {
    // redis-server: PFADD h a b c; PFDEBUG DECODE h
    // -> Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603
    const regs = new Map<number, number>();
    for (const e of ['a', 'b', 'c']) {
      const count = hllPatLen(e);
      regs.set(patIndex, count);
    }
    expect([...regs.entries()].sort((x, y) => x[0] - y[0])).toEqual([
      [8436, 1],
      [8436 + 1 + 4274, 2],
      [8436 + 1 + 4274 + 1 + 3068, 1],
    ]);
  });
});

describe('HLL representation', () => {
  it('a new HLL is the sparse "HYLL" header plus XZERO:16384', () => {
    const h = Hll.create();
    const v = h.value();
    expect(v.latin1Slice()).toBe('HYLL\x01\x00\x00\x00' + '\x00'.repeat(8) + '\x7f\xff');
    expect(isHll(v)).toBe(true);
    expect(hllCount(v, v.length)).toBe(0);
  });

  it('PFADD a b c gives the bytes redis-server stores', () => {
    const h = Hll.create();
    for (const e of ['a', 'b', 'c']) expect(h.add(e)).toBe(1);
    expect(h.add('a')).toBe(0);
    const v = h.value();
    expect(v.latin1Slice()).toBe('HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ');
    expect(decodeSparse(v, v.length)).toBe('Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603');
    expect(hllCount(v, v.length)).toBe(3);
  });

  it('sparse and dense agree through promotion, and the round trip keeps registers', () => {
    const sparse = Hll.create();
    sparse.maxBytes = 1 << 30; // never promote for size
    const dense = Hll.create();
    expect(dense.toDense()).toBe(true);
    expect(dense.encoding).toBe(HLL_DENSE);
    expect(dense.len).toBe(HLL_DENSE_SIZE);
    const rnd = prng(5);
    for (let i = 0; i < 3000; i++) {
      const e = `el:${i}:${rnd(1000000)}`;
      const a = sparse.add(e);
      const b = dense.add(e);
      expect(a).toBe(b);
      if (i % 250 === 0) expect(sparse.count()).toBe(dense.count());
    }
    // Registers above 32 cannot be sparse: such a set promotes.
    const sv = sparse.value();
    if (sparse.encoding === HLL_SPARSE) {
      const copy = Hll.from(sv);
      expect(copy.toDense()).toBe(true);
      expect(copy.b.subarray(HLL_HDR_SIZE).equals(dense.b.subarray(HLL_HDR_SIZE))).toBe(true);
    }
    const maxA = new Uint8Array(HLL_REGISTERS);
    const maxB = new Uint8Array(HLL_REGISTERS);
    expect(hllMerge(maxA, sv, sv.length)).toBe(true);
    expect(hllMerge(maxB, dense.b, dense.len)).toBe(true);
    expect(maxA).toEqual(maxB);
    expect(hllCountRaw(maxA)).toBe(dense.count());
  });

  it('hll-sparse-max-bytes promotes to dense', () => {
    const h = Hll.create();
    h.maxBytes = 40;
    let i = 0;
    while (h.encoding === HLL_SPARSE) {
      h.add(`x${i++}`);
      expect(h.len <= 40 || h.encoding === HLL_DENSE).toBe(true);
    }
    expect(h.len).toBe(HLL_DENSE_SIZE);
    expect(i).toBeGreaterThan(3);
  });

  it('dense registers are 6 bits wide and independent', () => {
    const b = new Uint8Array(HLL_DENSE_SIZE);
    const rnd = prng(9);
    const want = new Uint8Array(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) {
      want[i] = rnd(64);
      denseSetRaw(b, HLL_HDR_SIZE, i, want[i]);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) expect(denseGet(b, HLL_HDR_SIZE, i)).toBe(want[i]);
  });

  it('corrupted sparse opcodes are detected', () => {
    const v = Buffer.concat([Hll.create().value(), Buffer.from([0x00])]);
    const invalid = { v: false };
    hllCount(v, v.length, invalid);
    expect(invalid.v).toBe(true);
    expect(hllMerge(new Uint8Array(HLL_REGISTERS), v, v.length)).toBe(false);
    expect(Hll.from(v).toDense()).toBe(false);
    // A register found before the corruption is still set, as in Redis.
    expect(Hll.from(v).add('a')).toBe(1);
    const empty = Buffer.from('HYLL\x01' + '\x00'.repeat(11), 'latin1');
    expect(Hll.from(empty).add('a')).toBe(-1);
  });

  it('isHll checks magic, encoding and dense length', () => {
    expect(isHll('HYLL\x01' + '\x00'.repeat(11))).toBe(true);
    expect(isHll('HYLL\x01' + '\x00'.repeat(10))).toBe(false);
    expect(isHll('HYLX\x01' + '\x00'.repeat(11))).toBe(false);
    expect(isHll('HYLL\x02' + '\x00'.repeat(11))).toBe(false);
    expect(isHll('HYLL\x00' + '\x00'.repeat(11))).toBe(false);
    expect(isHll(Buffer.alloc(HLL_DENSE_SIZE, 0).fill('HYLL', 0, 4))).toBe(true);
  });

  it('cached cardinality: little endian, top bit marks it stale', () => {
    const b = new Uint8Array(16);
    setCachedCard(b, 0x0102030405);
    expect(Array.from(b.subarray(8))).toEqual([5, 4, 3, 2, 1, 0, 0, 0]);
    expect(cachedCard(b)).toBe(0x0102030405);
    b[15] |= 0x80;
    expect(cachedCard(b)).toBe(-1);
    b.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 8);
    expect(cachedCard(b)).toBe(0x7fffffffffffffffn);
  });
});

describe('sparseKeeps()', () => {
  it('answers true exactly where the sparse set would change nothing', () => {
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let kept = 0;
    let changed = 0;
    for (let t = 0; t < 60; t++) {
      const h = Hll.create();
      const adds = rnd(400);
      for (let i = 0; i < adds; i++) h.add(`e${t}:${i}`);
      if (h.b[4] !== HLL_SPARSE) continue;
      const v = h.value();
      const asString = v.latin1Slice(0, v.length);
      for (let q = 0; q < 200; q++) {
        // Registers known to be set, and any others.
        const index = q % 2 === 0 ? rnd(HLL_REGISTERS) : (hllPatLen(`e${t}:${rnd(Math.max(1, adds))}`), patIndex);
        const count = 1 + rnd(q % 5 === 0 ? 40 : 6);
        const keeps = sparseKeeps(v, index, count);
        expect(sparseKeeps(asString, index, count)).toBe(keeps);
        const w = Hll.from(v);
        const r = w.set(index, count);
        const after = w.value();
        if (keeps) {
          expect(r).toBe(0);
          expect(after.equals(v)).toBe(true);
          kept++;
        } else if (r === 1) {
          changed++;
        }
      }
    }
    expect(kept).toBeGreaterThan(200);
    expect(changed).toBeGreaterThan(200);
  });

  it('is false for bytes that end before the register', () => {
    const h = Hll.create();
    h.add('x');
    const v = h.value().subarray(0, HLL_HDR_SIZE + 1);
    expect(sparseKeeps(v, HLL_REGISTERS - 1, 1)).toBe(false);
  });
});

describe('estimator', () => {
  it('empty and full-zero histograms', () => {
    const histo = new Int32Array(64);
    histo[0] = HLL_REGISTERS;
    expect(estimate(histo)).toBe(0);
  });

  it('matches redis-server for e1..eN', () => {
    // redis-server: PFADD x e1 ... eN one by one, then PFCOUNT x.
    const expected: [number, number][] = [
      [100, 100],
      [1000, 1008],
      [10000, 9972],
    ];
    for (const [n, card] of expected) {
      const h = Hll.create();
      for (let i = 1; i <= n; i++) h.add(`e${i}`);
      expect(h.count()).toBe(card);
    }
  });
});
