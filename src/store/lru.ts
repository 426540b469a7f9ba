/**
 * The per-key access word (the `meta` word of the keyspace dict), as
 * Redis's robj->lru field (evict.c):
 * - under LRU policies, a 24-bit clock in seconds of the last access;
 * - under LFU policies, 16 bits of "last decrement time" in minutes and an
 *   8-bit logarithmic access counter: (minutes << 8) | counter.
 * Switching policies at runtime reinterprets the words, as in Redis.
 *
 * Pure functions of the word, the time and (for the counter increment) a
 * random source, so tests drive them with any clock.
 */

export const LRU_CLOCK_MAX = (1 << 24) - 1;
/** LRU_CLOCK_RESOLUTION: the clock counts seconds. */
export const LRU_CLOCK_RESOLUTION = 1000;
/** New keys start with this LFU counter, so they survive a few accesses. */
export const LFU_INIT_VAL = 5;

/** getLRUClock() at `ms`. */
export function lruClockAt(ms: number): number {
  return Math.floor(ms / LRU_CLOCK_RESOLUTION) & LRU_CLOCK_MAX;
}

/** estimateObjectIdleTime(): ms since the access recorded in `lru`, given the current clock. */
export function estimateIdleMs(lruClock: number, lru: number): number {
  const ticks = lruClock >= lru ? lruClock - lru : lruClock + (LRU_CLOCK_MAX - lru);
  return ticks * LRU_CLOCK_RESOLUTION;
}

/** LFUGetTimeInMinutes() at `ms`: 16 bits of unix time in minutes. */
export function lfuMinutes(ms: number): number {
  return Math.floor(Math.floor(ms / 1000) / 60) & 65535;
}

/** LFUTimeElapsed(): minutes since `ldt`, wrapping at most once. */
export function lfuTimeElapsed(ldt: number, nowMinutes: number): number {
  return nowMinutes >= ldt ? nowMinutes - ldt : 65535 - ldt + nowMinutes;
}

/**
 * LFUDecrAndReturn(): the counter of `meta` after one decrement per
 * `decayTime` minutes elapsed (the word itself is not updated).
 */
export function lfuDecrAndReturn(meta: number, nowMs: number, decayTime: number): number {
  const ldt = (meta >>> 8) & 0xffff;
  const counter = meta & 255;
  const periods = decayTime > 0 ? Math.floor(lfuTimeElapsed(ldt, lfuMinutes(nowMs)) / decayTime) : 0;
  if (periods === 0) return counter;
  return periods > counter ? 0 : counter - periods;
}

/**
 * LFULogIncr(): increment with probability 1 / ((counter - LFU_INIT_VAL) *
 * logFactor + 1), saturating at 255. `rand` returns [0, 1].
 */
export function lfuLogIncr(counter: number, logFactor: number, rand: () => number = Math.random): number {
  if (counter === 255) return 255;
  const r = rand();
  const base = counter - LFU_INIT_VAL < 0 ? 0 : counter - LFU_INIT_VAL;
  const p = 1 / (base * logFactor + 1);
  return r < p ? counter + 1 : counter;
}

/** updateLFU(): the word after an access at `nowMs`. */
export function lfuTouch(meta: number, nowMs: number, decayTime: number, logFactor: number, rand: () => number = Math.random): number {
  const counter = lfuLogIncr(lfuDecrAndReturn(meta, nowMs, decayTime), logFactor, rand);
  return (lfuMinutes(nowMs) << 8) | counter;
}

/** The LFU word of a key created at `nowMs`. */
export function lfuInitial(nowMs: number): number {
  return (lfuMinutes(nowMs) << 8) | LFU_INIT_VAL;
}
