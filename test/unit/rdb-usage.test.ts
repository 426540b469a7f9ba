import { describe, it, expect } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { setKeyUsage, keyUsageInfo, usageFromMeta, usagePolicy } from '../../src/persistence/rdb/usage.js';

/** The part of Db the usage helpers touch. */
function fakeDb(): Db & { meta: Map<string, number> } {
  const meta = new Map<string, number>([['k', 0]]);
  return {
    meta,
    getMeta: (key: string) => meta.get(key) ?? -1,
    setMeta: (key: string, v: number) => {
      if (meta.has(key)) meta.set(key, v);
    },
  } as unknown as Db & { meta: Map<string, number> };
}

describe('key usage (IDLE / FREQ)', () => {
  it('maps policies', () => {
    expect(usagePolicy('allkeys-lru')).toBe('lru');
    expect(usagePolicy('volatile-lfu')).toBe('lfu');
    expect(usagePolicy('noeviction')).toBe('none');
    expect(usagePolicy('allkeys-random')).toBe('none');
  });

  it('an idle time back-dates the LRU clock, wrapping like the 24-bit field', () => {
    const db = fakeDb();
    expect(setKeyUsage(db, 'k', 'lru', undefined, 100, 5000, 0)).toBe(true);
    expect(db.meta.get('k')).toBe(4900);
    expect(keyUsageInfo(db, 'k', 'lru', 5000, 0, 1)).toEqual({ idleSec: 100 });
    // Underflow: lru_abs + LRU_CLOCK_MAX.
    expect(setKeyUsage(db, 'k', 'none', undefined, 30, 10, 0)).toBe(true);
    expect(db.meta.get('k')).toBe(10 - 30 + 0xffffff);
    expect(keyUsageInfo(db, 'k', 'lru', 10, 0, 1)).toEqual({ idleSec: 30 });
    // FREQ is ignored without an LFU policy.
    expect(setKeyUsage(db, 'k', 'lru', 7, undefined, 10, 0)).toBe(false);
    expect(keyUsageInfo(db, 'missing', 'lru', 10, 0, 1)).toBeUndefined();
    expect(keyUsageInfo(db, 'k', 'none', 10, 0, 1)).toBeUndefined();
  });

  it('a frequency sets the LFU counter with the current minute, and decays', () => {
    const db = fakeDb();
    const now = 1_700_000_000_000;
    expect(setKeyUsage(db, 'k', 'lfu', 100, 5, 0, now)).toBe(true);
    expect(db.meta.get('k')! & 255).toBe(100);
    expect(keyUsageInfo(db, 'k', 'lfu', 0, now, 1)).toEqual({ freq: 100 });
    // Ten minutes later with lfu-decay-time 1: ten periods.
    expect(keyUsageInfo(db, 'k', 'lfu', 0, now + 10 * 60000, 1)).toEqual({ freq: 90 });
    expect(usageFromMeta(db.meta.get('k')!, 'lfu', 0, now + 10 * 60000, 0)).toEqual({ freq: 100 });
    // IDLETIME is ignored under LFU.
    expect(setKeyUsage(db, 'k', 'lfu', undefined, 5, 0, now)).toBe(false);
  });
});
