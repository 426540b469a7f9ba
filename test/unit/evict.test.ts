import { describe, expect, it } from 'vitest';
import { EvictionPool, evictionTimeLimitUs, freeEffort } from '../../src/store/eviction.js';
import {
  LFU_INIT_VAL,
  LRU_CLOCK_MAX,
  estimateIdleMs,
  lfuDecrAndReturn,
  lfuInitial,
  lfuLogIncr,
  lfuMinutes,
  lfuTimeElapsed,
  lfuTouch,
  lruClockAt,
} from '../../src/store/lru.js';
import { RSet } from '../../src/store/set.js';
import { RList } from '../../src/store/list.js';

const keysOf = (p: EvictionPool): (string | null)[] => p.entries.map((e) => e.key);

describe('eviction pool', () => {
  it('keeps candidates in ascending score order, the best on the right', () => {
    const p = new EvictionPool(4);
    p.insert(5, 'b', 0);
    p.insert(1, 'a', 0);
    p.insert(9, 'c', 1);
    expect(keysOf(p)).toEqual(['a', 'b', 'c', null]);
    expect(p.entries.map((e) => e.idle).slice(0, 3)).toEqual([1, 5, 9]);
  });

  it('a full pool drops its worst candidate for a better one and ignores worse ones', () => {
    const p = new EvictionPool(3);
    p.insert(10, 'x', 0);
    p.insert(20, 'y', 0);
    p.insert(30, 'z', 0);
    p.insert(5, 'worse', 0);
    expect(keysOf(p)).toEqual(['x', 'y', 'z']);
    p.insert(25, 'mid', 0);
    expect(keysOf(p)).toEqual(['y', 'mid', 'z']);
    p.insert(99, 'best', 2);
    expect(keysOf(p)).toEqual(['mid', 'z', 'best']);
  });

  it('hands out the best candidate first and skips ghosts', () => {
    const p = new EvictionPool(16);
    for (let i = 0; i < 16; i++) p.insert(i, `k${i}`, i % 3);
    const gone = new Set(['k15', 'k14']);
    const seen: string[] = [];
    const best = p.takeBest((k) => {
      seen.push(k);
      return !gone.has(k);
    });
    expect(best).toEqual(['k13', 13 % 3]);
    expect(seen).toEqual(['k15', 'k14', 'k13']);
    // Taken entries (ghosts included) leave the pool.
    expect(p.entries.filter((e) => e.key !== null)).toHaveLength(13);
    p.clear();
    expect(p.takeBest(() => true)).toBeNull();
  });

  it('an equal score goes left of the existing ones', () => {
    const p = new EvictionPool(4);
    p.insert(7, 'first', 0);
    p.insert(7, 'second', 0);
    expect(keysOf(p)).toEqual(['second', 'first', null, null]);
  });
});

describe('eviction time limit (maxmemory-eviction-tenacity)', () => {
  it('is linear up to 10, geometric to 99, unlimited at 100', () => {
    expect(evictionTimeLimitUs(0)).toBe(0);
    expect(evictionTimeLimitUs(10)).toBe(500);
    expect(evictionTimeLimitUs(11)).toBe(575);
    expect(evictionTimeLimitUs(99)).toBeGreaterThan(100e6);
    expect(evictionTimeLimitUs(100)).toBe(Infinity);
  });
});

describe('LRU clock', () => {
  it('counts seconds in 24 bits and estimates idle time across a wrap', () => {
    expect(lruClockAt(5_000)).toBe(5);
    expect(lruClockAt((LRU_CLOCK_MAX + 3) * 1000)).toBe(2);
    expect(estimateIdleMs(100, 40)).toBe(60_000);
    expect(estimateIdleMs(2, LRU_CLOCK_MAX - 1)).toBe(3_000);
  });
});

describe('LFU counter', () => {
  const T0 = 1_700_000_040_000; // on a minute boundary
  const minute = 60_000;

  it('new keys start at LFU_INIT_VAL with the current minute', () => {
    const w = lfuInitial(T0);
    expect(w & 255).toBe(LFU_INIT_VAL);
    expect(w >>> 8).toBe(lfuMinutes(T0));
  });

  it('increments logarithmically: always below LFU_INIT_VAL, with p = 1/((c-5)*factor+1) above', () => {
    expect(lfuLogIncr(0, 10, () => 0.999)).toBe(1);
    expect(lfuLogIncr(5, 10, () => 0.999)).toBe(6);
    // c = 6, factor 10: p = 1/11.
    expect(lfuLogIncr(6, 10, () => 0.09)).toBe(7);
    expect(lfuLogIncr(6, 10, () => 0.091)).toBe(6);
    // factor 0: always.
    expect(lfuLogIncr(200, 0, () => 0.999)).toBe(201);
    expect(lfuLogIncr(255, 0, () => 0)).toBe(255);
  });

  it('follows redis.conf\'s table for lfu-log-factor 10: 100 hits ~10, 1K ~18, 1M 255', () => {
    let seed = 42;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 0x100000000;
    };
    let c = 0;
    for (let i = 0; i < 100; i++) c = lfuLogIncr(c, 10, rand);
    expect(c).toBeGreaterThanOrEqual(8);
    expect(c).toBeLessThanOrEqual(13);
    for (let i = 100; i < 1000; i++) c = lfuLogIncr(c, 10, rand);
    expect(c).toBeGreaterThanOrEqual(15);
    expect(c).toBeLessThanOrEqual(21);
    for (let i = 1000; i < 1_000_000; i++) c = lfuLogIncr(c, 10, rand);
    expect(c).toBeGreaterThanOrEqual(250);
  });

  it('decays by one per lfu-decay-time minutes, never below zero, without touching the word', () => {
    const w = (lfuMinutes(T0) << 8) | 10;
    expect(lfuDecrAndReturn(w, T0 + 59_000, 1)).toBe(10);
    expect(lfuDecrAndReturn(w, T0 + 3 * minute, 1)).toBe(7);
    expect(lfuDecrAndReturn(w, T0 + 3 * minute, 2)).toBe(9);
    expect(lfuDecrAndReturn(w, T0 + 30 * minute, 1)).toBe(0);
    // lfu-decay-time 0: never decays.
    expect(lfuDecrAndReturn(w, T0 + 1000 * minute, 0)).toBe(10);
  });

  it('measures elapsed minutes across the 16-bit wrap', () => {
    expect(lfuTimeElapsed(65530, 4)).toBe(9);
    expect(lfuTimeElapsed(10, 15)).toBe(5);
  });

  it('an access decays first, then increments, and stamps the current minute', () => {
    const w = (lfuMinutes(T0) << 8) | 20;
    const later = T0 + 5 * minute;
    const touched = lfuTouch(w, later, 1, 10, () => 0.999);
    expect(touched & 255).toBe(15);
    expect(touched >>> 8).toBe(lfuMinutes(later));
    expect(lfuTouch(w, later, 1, 10, () => 0) & 255).toBe(16);
  });
});

describe('free effort (lazyfree threshold)', () => {
  it('counts elements of hash-table encodings and 1 for compact ones', () => {
    const ints = RSet.createIntset();
    for (let i = 0; i < 100; i++) ints.add(String(i), 512);
    expect(freeEffort(ints)).toBe(1);
    const big = RSet.createHashtable();
    for (let i = 0; i < 100; i++) big.add(`m\xff${i}`, 512);
    expect(freeEffort(big)).toBe(100);
    expect(freeEffort(RList.from(new Array(1000).fill('x')))).toBe(8);
    expect(freeEffort('a string')).toBe(1);
  });
});
