/**
 * The pure parts of eviction (evict.c) and lazy freeing (lazyfree.c): the
 * eviction pool, the tenacity time budget and the free effort of a value.
 * The policy engine using them is server/evict.ts.
 */
import type { RValue } from './types.js';
import { RHash } from './hash.js';
import { RSet } from './set.js';
import { ZSet } from './zset.js';
import { RList } from './list.js';
import { RStream } from './stream.js';

/** EVPOOL_SIZE */
export const EVPOOL_SIZE = 16;

/** LAZYFREE_THRESHOLD: values costing more to free go to the lazy path. */
export const LAZYFREE_THRESHOLD = 64;

/** One slot of the eviction pool: a candidate and its score (higher = better to evict). */
export interface PoolEntry {
  idle: number;
  key: string | null;
  dbid: number;
}

/**
 * Redis's eviction pool: candidates sorted by ascending score, the best
 * on the right; a full pool only takes candidates better than its worst.
 */
export class EvictionPool {
  readonly entries: PoolEntry[] = [];

  constructor(readonly size = EVPOOL_SIZE) {
    for (let i = 0; i < size; i++) this.entries.push({ idle: 0, key: null, dbid: 0 });
  }

  /** evictionPoolPopulate()'s insertion of one sampled key. */
  insert(idle: number, key: string, dbid: number): void {
    const pool = this.entries;
    const n = this.size;
    let k = 0;
    while (k < n && pool[k].key !== null && pool[k].idle < idle) k++;
    if (k === 0 && pool[n - 1].key !== null) {
      // Worse than the worst candidate of a full pool.
      return;
    } else if (k < n && pool[k].key === null) {
      // An empty slot: insert in place.
    } else if (pool[n - 1].key === null) {
      // Room on the right: shift k..end one slot right.
      const spare = pool[n - 1];
      for (let j = n - 1; j > k; j--) pool[j] = pool[j - 1];
      pool[k] = spare;
    } else {
      // Full: drop the worst (leftmost) and insert at k-1.
      k--;
      const spare = pool[0];
      for (let j = 0; j < k; j++) pool[j] = pool[j + 1];
      pool[k] = spare;
    }
    const e = pool[k];
    e.idle = idle;
    e.key = key;
    e.dbid = dbid;
  }

  /** Take the candidates from the best down; `accept` says whether one is still there. */
  takeBest(accept: (key: string, dbid: number) => boolean): [string, number] | null {
    const pool = this.entries;
    for (let k = this.size - 1; k >= 0; k--) {
      const e = pool[k];
      if (e.key === null) continue;
      const key = e.key;
      const dbid = e.dbid;
      e.key = null;
      e.idle = 0;
      if (accept(key, dbid)) return [key, dbid];
      // A ghost (deleted since it was sampled): try the next one.
    }
    return null;
  }

  clear(): void {
    for (const e of this.entries) {
      e.key = null;
      e.idle = 0;
    }
  }
}

/** evictionTimeLimitUs(): the time budget of one eviction cycle. */
export function evictionTimeLimitUs(tenacity: number): number {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10));
  return Infinity;
}

/**
 * lazyfreeGetFreeEffort(): how much work freeing a value takes in Redis
 * (allocations to release); values above LAZYFREE_THRESHOLD are freed by
 * the lazy path when it is asked for.
 */
export function freeEffort(v: RValue): number {
  if (v instanceof RList) return Math.ceil(v.length / 128);
  if (v instanceof RSet) return v.isIntset() || v.dict === null ? 1 : v.size;
  if (v instanceof ZSet) return v.isListpack ? 1 : v.size;
  if (v instanceof RHash) return v.isListpack() ? 1 : v.size;
  if (v instanceof RStream) {
    // A node is an allocation; so is each group, with the entries of its
    // PEL (the first group's PEL standing for every group's, as in Redis).
    let effort = v.nodeCount;
    if (v.cgroups !== null && v.cgroups.size > 0) effort += v.cgroups.size * (1 + v.cgroups.values().next().value!.pel.size);
    return effort;
  }
  return 1;
}
