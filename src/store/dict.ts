/**
 * A chained hash table keyed by binary (latin1) strings, modelled on Redis's
 * dict.c: power-of-two bucket tables, incremental rehashing between two
 * tables, the reverse-binary SCAN cursor (every element present for a whole
 * scan is returned even across resizes), and O(1) random sampling.
 *
 * Entries live in parallel slot arrays (key, value, next, hash, meta) so a
 * key costs no object of its own; `meta` is a 32-bit word per key that the
 * keyspace uses for the LRU/LFU clock.
 */

import { EMPTY_DICT_BYTES } from './memcost.js';

const INITIAL_BUCKETS = 4;
const INITIAL_SLOTS = 8;

let hashSeed = (Math.random() * 0x100000000) >>> 0;

/** Seed the string hash (tests use a fixed seed for reproducible SCAN order). */
export function setHashSeed(seed: number): void {
  hashSeed = seed >>> 0;
  lastHashed = null;
}

/**
 * The string hashed last and its hash: a command usually looks its key up
 * more than once (the keyspace, the expires, the write after the read), and
 * hot keys come back command after command. Arguments are interned by the
 * parser, so a repeat is mostly the same string and compares at once.
 */
let lastHashed: string | null = null;
let lastHash = 0;

/** FNV-1a over the latin1 bytes, seeded, with murmur3's final mix. */
export function hashString(s: string): number {
  if (s === lastHashed) return lastHash;
  const h = hashBytes(s);
  lastHashed = s;
  lastHash = h;
  return h;
}

function hashBytes(s: string): number {
  let h = hashSeed ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rev32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  v = (v >>> 16) | (v << 16);
  return v >>> 0;
}

function nextPow2(n: number): number {
  let p = INITIAL_BUCKETS;
  while (p < n) p *= 2;
  return p;
}

function newTable(size: number): Int32Array {
  return new Int32Array(size).fill(-1);
}

/** Chain lengths counted apart by _dictGetStatsHt() (longer ones count as the last). */
export const DICT_STATS_VECTLEN = 50;

/** One bucket table's statistics (see Dict.tableStats()). */
export interface DictTableStats {
  /** Buckets. */
  size: number;
  /** Elements. */
  used: number;
  /** Non-empty buckets. */
  slots: number;
  maxChain: number;
  /** Buckets by chain length, 0 to DICT_STATS_VECTLEN - 1. */
  chains: number[];
}

/**
 * Copy-on-write observer of a dict being snapshotted (BGSAVE): the keyspace
 * calls preserve() before a live entry is changed or removed, and
 * inserted() after a new entry took a slot.
 */
export interface DictCow {
  preserve(slot: number): void;
  inserted(slot: number): void;
}

export class Dict<V> {
  /** Set while a snapshot walks this dict (see DictCow); slots are then never compacted. */
  cow: DictCow | null = null;
  /**
   * dictTypeExpandAllowed(): asked before the bucket table grows, with the
   * bytes the new table takes and the current load factor; false defers
   * the growth (the keyspace uses it not to cross maxmemory by a resize).
   */
  expandAllowed: ((moreBytes: number, usedRatio: number) => boolean) | null = null;
  /**
   * Shrink a table emptied below a tenth after each deletion, as the types
   * do (htNeedsResize() then dictResize()). False leaves it to
   * resizeIfNeeded(): the keyspace's tables are shrunk from the cron
   * (tryResizeHashTables()), and a range deletion shrinks once at its end.
   */
  shrinkOnDelete = true;
  private keys: (string | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private next = new Int32Array(INITIAL_SLOTS);
  private hashes = new Uint32Array(INITIAL_SLOTS);
  /** Per-entry metadata word (LRU/LFU clock), addressed by slot. */
  meta = new Uint32Array(INITIAL_SLOTS);
  private top = 0; // slots ever used
  private freeHead = -1;
  private count = 0;

  private t0: Int32Array = newTable(INITIAL_BUCKETS);
  private t1: Int32Array | null = null;
  private rehashIdx = -1;
  /** Set while an unsafe iteration runs; pauses incremental rehash. */
  private pauseRehash = 0;

  get size(): number {
    return this.count;
  }

  /** Bucket count of the main table (for DEBUG HTSTATS style introspection). */
  get buckets(): number {
    return this.t0.length + (this.t1 ? this.t1.length : 0);
  }

  /**
   * Estimated bytes of the table's own storage, without the keys and
   * values it points to: the object, the next/hash/meta words of the slots
   * in use (the typed arrays are zero-filled allocations whose pages beyond
   * the used slots are never touched), the key and value arrays (V8 grows
   * them to about 1.25x their length on average) and 4 bytes per bucket.
   */
  structBytes(): number {
    const top = this.top;
    return EMPTY_DICT_BYTES + top * 12 + (top + (top >>> 2)) * 16 + this.buckets * 4;
  }

  isRehashing(): boolean {
    return this.t1 !== null;
  }

  // ---- lookup ----------------------------------------------------------

  /** Slot of `key`, or -1. */
  find(key: string): number {
    if (this.count === 0) return -1;
    if (this.t1 !== null && this.pauseRehash === 0) this.rehashStep(1);
    const h = hashString(key);
    const keys = this.keys;
    const next = this.next;
    const hashes = this.hashes;
    const t = this.t0;
    for (let s = t[h & (t.length - 1)]; s !== -1; s = next[s]) {
      if (hashes[s] === h && keys[s] === key) return s;
    }
    const t1 = this.t1;
    if (t1 !== null) {
      for (let s = t1[h & (t1.length - 1)]; s !== -1; s = next[s]) {
        if (hashes[s] === h && keys[s] === key) return s;
      }
    }
    return -1;
  }

  get(key: string): V | undefined {
    const s = this.find(key);
    return s === -1 ? undefined : this.vals[s];
  }

  has(key: string): boolean {
    return this.find(key) !== -1;
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  /** Slots ever used: live entries are at slots below this (slotKey() !== undefined). */
  get slotTop(): number {
    return this.top;
  }

  /** The key at `slot`, or undefined for a free slot. */
  slotKey(slot: number): string | undefined {
    return this.keys[slot];
  }

  valueAt(slot: number): V {
    return this.vals[slot] as V;
  }

  setValueAt(slot: number, v: V): void {
    this.vals[slot] = v;
  }

  // ---- mutation --------------------------------------------------------

  /** Insert or overwrite; returns the slot. */
  set(key: string, val: V): number {
    const s = this.find(key);
    if (s !== -1) {
      this.vals[s] = val;
      return s;
    }
    return this.insertNew(key, val);
  }

  /** Insert a key known to be absent; returns the slot. */
  insertNew(key: string, val: V, meta = 0): number {
    // dictAddRaw(): each insert moves the rehash on, so a table filled by
    // inserts alone finishes rehashing before it needs to grow again.
    if (this.t1 !== null && this.pauseRehash === 0) this.rehashStep(1);
    this.expandIfNeeded();
    const h = hashString(key);
    const s = this.allocSlot();
    this.keys[s] = key;
    this.vals[s] = val;
    this.hashes[s] = h;
    this.meta[s] = meta;
    const t = this.t1 !== null ? this.t1 : this.t0;
    const b = h & (t.length - 1);
    this.next[s] = t[b];
    t[b] = s;
    this.count++;
    return s;
  }

  /** Remove `key`; returns its value or undefined. */
  delete(key: string): V | undefined {
    if (this.count === 0) return undefined;
    if (this.t1 !== null && this.pauseRehash === 0) this.rehashStep(1);
    const h = hashString(key);
    for (let ti = 0; ti < 2; ti++) {
      const t = ti === 0 ? this.t0 : this.t1;
      if (t === null) break;
      const b = h & (t.length - 1);
      let prev = -1;
      for (let s = t[b]; s !== -1; prev = s, s = this.next[s]) {
        if (this.hashes[s] === h && this.keys[s] === key) {
          if (prev === -1) t[b] = this.next[s];
          else this.next[prev] = this.next[s];
          const v = this.vals[s];
          this.freeSlot(s);
          this.count--;
          if (this.shrinkOnDelete) this.shrinkIfNeeded();
          return v;
        }
      }
    }
    return undefined;
  }

  clear(): void {
    this.keys = [];
    this.vals = [];
    this.next = new Int32Array(INITIAL_SLOTS);
    this.hashes = new Uint32Array(INITIAL_SLOTS);
    this.meta = new Uint32Array(INITIAL_SLOTS);
    this.top = 0;
    this.freeHead = -1;
    this.count = 0;
    this.t0 = newTable(INITIAL_BUCKETS);
    this.t1 = null;
    this.rehashIdx = -1;
  }

  // ---- iteration and sampling -------------------------------------------

  /**
   * Visit every entry. The callback must not modify the dict; collect keys
   * first when deleting while walking.
   */
  forEach(fn: (key: string, val: V, slot: number) => void): void {
    this.pauseRehash++;
    try {
      const keys = this.keys;
      for (let s = 0; s < this.top; s++) {
        const k = keys[s];
        if (k !== undefined) fn(k, this.vals[s] as V, s);
      }
    } finally {
      this.pauseRehash--;
    }
  }

  *entries(): IterableIterator<[string, V]> {
    for (let s = 0; s < this.top; s++) {
      const k = this.keys[s];
      if (k !== undefined) yield [k, this.vals[s] as V];
    }
  }

  /** A uniformly random occupied slot, or -1 when empty. */
  randomSlot(): number {
    if (this.count === 0) return -1;
    for (;;) {
      const s = Math.floor(Math.random() * this.top);
      if (this.keys[s] !== undefined) return s;
    }
  }

  randomKey(): string | undefined {
    const s = this.randomSlot();
    return s === -1 ? undefined : this.keys[s];
  }

  /**
   * Redis's dictScan(): visit the buckets addressed by `cursor` and return
   * the next cursor (0 when the iteration is complete).
   */
  scan(cursor: number, fn: (key: string, val: V) => void): number {
    let v = cursor >>> 0;
    if (this.count === 0) return 0;
    this.pauseRehash++;
    try {
      if (this.t1 === null) {
        const t0 = this.t0;
        const m0 = t0.length - 1;
        this.emitBucket(t0, v & m0, fn);
        v = (v | ~m0) >>> 0;
        v = rev32(v);
        v = (v + 1) >>> 0;
        v = rev32(v);
      } else {
        let small = this.t0;
        let big = this.t1;
        if (small.length > big.length) {
          const tmp = small;
          small = big;
          big = tmp;
        }
        const m0 = small.length - 1;
        const m1 = big.length - 1;
        this.emitBucket(small, v & m0, fn);
        do {
          this.emitBucket(big, v & m1, fn);
          v = (v | ~m1) >>> 0;
          v = rev32(v);
          v = (v + 1) >>> 0;
          v = rev32(v);
        } while ((v & (m0 ^ m1)) !== 0);
      }
    } finally {
      this.pauseRehash--;
    }
    return v;
  }

  private emitBucket(t: Int32Array, b: number, fn: (key: string, val: V) => void): void {
    for (let s = t[b]; s !== -1; s = this.next[s]) fn(this.keys[s]!, this.vals[s] as V);
  }

  // ---- statistics ----------------------------------------------------------

  /**
   * What _dictGetStatsHt() counts, for the main table and, while
   * rehashing, the target table: their sizes, elements, non-empty buckets
   * and chain lengths.
   */
  tableStats(): DictTableStats[] {
    const out = [this.statsOf(this.t0)];
    if (this.t1 !== null) out.push(this.statsOf(this.t1));
    return out;
  }

  private statsOf(t: Int32Array): DictTableStats {
    const chains = new Array<number>(DICT_STATS_VECTLEN).fill(0);
    let used = 0;
    let slots = 0;
    let maxChain = 0;
    for (let b = 0; b < t.length; b++) {
      let len = 0;
      for (let s = t[b]; s !== -1; s = this.next[s]) len++;
      chains[len < DICT_STATS_VECTLEN ? len : DICT_STATS_VECTLEN - 1]++;
      if (len === 0) continue;
      slots++;
      used += len;
      if (len > maxChain) maxChain = len;
    }
    return { size: t.length, used, slots, maxChain, chains };
  }

  // ---- rehashing ---------------------------------------------------------

  /**
   * _dictExpandIfNeeded(): at one element per bucket the table doubles
   * (Redis 7.0 sizes it for one more element than it holds, the next power
   * of two).
   */
  private expandIfNeeded(): void {
    if (this.t1 !== null) return;
    if (this.count >= this.t0.length) {
      const size = nextPow2(this.count + 1);
      if (this.expandAllowed !== null && !this.expandAllowed(size * 4, this.count / this.t0.length)) return;
      this.startRehash(size);
    }
  }

  private shrinkIfNeeded(): void {
    if (this.t1 !== null || this.pauseRehash > 0) return;
    const size = this.t0.length;
    const shrink = size > INITIAL_BUCKETS && this.count * 10 < size;
    if (this.top > 1024 && this.count * 8 < this.top && this.cow === null) {
      // Compaction walks every slot anyway: rebuild straight into the
      // smaller table instead of starting an incremental rehash.
      this.compactSlots(shrink ? nextPow2(this.count) : size);
    } else if (shrink) {
      this.startRehash(nextPow2(this.count));
    }
  }

  /**
   * Shrink (or compact) a table left oversized by deletions: the periodic
   * check of tryResizeHashTables(), as deletions alone only resize while no
   * rehash is in progress.
   */
  resizeIfNeeded(): void {
    this.shrinkIfNeeded();
  }

  private startRehash(size: number): void {
    if (size === this.t0.length) return;
    this.t1 = newTable(size);
    this.rehashIdx = 0;
    if (this.count === 0) this.finishRehash();
  }

  private finishRehash(): void {
    this.t0 = this.t1!;
    this.t1 = null;
    this.rehashIdx = -1;
  }

  /** Move up to `n` buckets from the old table to the new one. */
  rehashStep(n: number): boolean {
    const t1 = this.t1;
    if (t1 === null) return false;
    const t0 = this.t0;
    const m1 = t1.length - 1;
    let emptyVisits = n * 10;
    while (n-- > 0) {
      while (this.rehashIdx < t0.length && t0[this.rehashIdx] === -1) {
        this.rehashIdx++;
        if (--emptyVisits === 0) return true;
      }
      if (this.rehashIdx >= t0.length) {
        this.finishRehash();
        return false;
      }
      let s = t0[this.rehashIdx];
      while (s !== -1) {
        const nx = this.next[s];
        const b = this.hashes[s] & m1;
        this.next[s] = t1[b];
        t1[b] = s;
        s = nx;
      }
      t0[this.rehashIdx] = -1;
      this.rehashIdx++;
    }
    if (this.rehashIdx >= t0.length) {
      this.finishRehash();
      return false;
    }
    return true;
  }

  /** Rehash for about `ms` milliseconds (serverCron's active rehashing). */
  rehashMilliseconds(ms: number): void {
    if (this.t1 === null || this.pauseRehash > 0) return;
    const end = performance.now() + ms;
    while (this.rehashStep(100)) {
      if (performance.now() > end) break;
    }
  }

  // ---- slots -----------------------------------------------------------

  private allocSlot(): number {
    if (this.freeHead !== -1) {
      const s = this.freeHead;
      this.freeHead = this.next[s];
      return s;
    }
    if (this.top === this.next.length) this.growSlots(this.next.length * 2);
    return this.top++;
  }

  private freeSlot(s: number): void {
    this.keys[s] = undefined;
    this.vals[s] = undefined;
    this.next[s] = this.freeHead;
    this.freeHead = s;
  }

  private growSlots(cap: number): void {
    const next = new Int32Array(cap);
    next.set(this.next.subarray(0, this.top));
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes.subarray(0, this.top));
    const meta = new Uint32Array(cap);
    meta.set(this.meta.subarray(0, this.top));
    this.next = next;
    this.hashes = hashes;
    this.meta = meta;
  }

  /** Pack live entries into the low slots and rebuild the chains in a table of `buckets`. */
  private compactSlots(buckets: number): void {
    const cap = Math.max(INITIAL_SLOTS, nextPow2(this.count * 2));
    const keys: (string | undefined)[] = [];
    const vals: (V | undefined)[] = [];
    const hashes = new Uint32Array(cap);
    const meta = new Uint32Array(cap);
    const next = new Int32Array(cap);
    let n = 0;
    for (let s = 0; s < this.top; s++) {
      const k = this.keys[s];
      if (k === undefined) continue;
      keys.push(k);
      vals.push(this.vals[s]);
      hashes[n] = this.hashes[s];
      meta[n] = this.meta[s];
      n++;
    }
    const t0 = buckets === this.t0.length ? this.t0.fill(-1) : newTable(buckets);
    const m = t0.length - 1;
    for (let s = 0; s < n; s++) {
      const b = hashes[s] & m;
      next[s] = t0[b];
      t0[b] = s;
    }
    this.t0 = t0;
    this.keys = keys;
    this.vals = vals;
    this.hashes = hashes;
    this.meta = meta;
    this.next = next;
    this.top = n;
    this.freeHead = -1;
  }
}
