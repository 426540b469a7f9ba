/**
 * Per-key access information carried by RDB files and RESTORE (IDLE/FREQ
 * opcodes, IDLETIME/FREQ options): object.c objectSetLRUOrLFU() and the
 * values rdbSaveKeyValuePair() writes.
 *
 * Nodis keeps one metadata word per key (Dict meta): the 24-bit LRU clock
 * of the last access, or with an LFU policy (minutes << 8 | counter).
 */
import type { Db } from '../../store/db.js';
import type { KeyUsageInfo } from './writer.js';

const LRU_CLOCK_MAX = (1 << 24) - 1;

/** The eviction-policy family: LFU, LRU, or neither. */
export function usagePolicy(maxmemoryPolicy: string): 'lfu' | 'lru' | 'none' {
  if (maxmemoryPolicy.endsWith('-lfu')) return 'lfu';
  if (maxmemoryPolicy.endsWith('-lru')) return 'lru';
  return 'none';
}

/** LFUGetTimeInMinutes(). */
function lfuTimeInMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/**
 * objectSetLRUOrLFU(): with an LFU policy a frequency sets the counter;
 * otherwise an idle time (seconds) back-dates the access clock. Returns
 * true when the key's word was set.
 */
export function setKeyUsage(
  db: Db,
  key: string,
  policy: 'lfu' | 'lru' | 'none',
  freq: number | undefined,
  idleSec: number | undefined,
  lruClock: number,
  nowMs: number,
): boolean {
  if (policy === 'lfu') {
    if (freq !== undefined && freq >= 0) {
      db.setMeta(key, ((lfuTimeInMinutes(nowMs) << 8) | (freq & 255)) >>> 0);
      return true;
    }
    return false;
  }
  if (idleSec !== undefined && idleSec >= 0) {
    const idle = Number.isFinite(idleSec) ? Math.trunc(idleSec) : Number.MAX_SAFE_INTEGER;
    let abs = BigInt(lruClock) - BigInt(idle);
    if (abs < 0n) abs += BigInt(LRU_CLOCK_MAX);
    // The lru field is 24 bits wide.
    db.setMeta(key, Number(BigInt.asUintN(24, abs)));
    return true;
  }
  return false;
}

/**
 * What rdbSaveKeyValuePair() records about a key's use: its idle time under
 * an LRU policy, its LFU counter (decayed) under an LFU policy, else nothing.
 */
export function keyUsageInfo(
  db: Db,
  key: string,
  policy: 'lfu' | 'lru' | 'none',
  lruClock: number,
  nowMs: number,
  lfuDecayTime: number,
): KeyUsageInfo | undefined {
  if (policy === 'none') return undefined;
  const meta = db.getMeta(key);
  if (meta < 0) return undefined;
  return usageFromMeta(meta, policy, lruClock, nowMs, lfuDecayTime);
}

/** keyUsageInfo() from a key's metadata word (e.g. one captured by a snapshot). */
export function usageFromMeta(
  meta: number,
  policy: 'lfu' | 'lru' | 'none',
  lruClock: number,
  nowMs: number,
  lfuDecayTime: number,
): KeyUsageInfo | undefined {
  if (policy === 'none') return undefined;
  if (policy === 'lru') {
    const lru = meta & LRU_CLOCK_MAX;
    const idleSec = lruClock >= lru ? lruClock - lru : lruClock + (LRU_CLOCK_MAX - lru);
    return { idleSec };
  }
  // LFUDecrAndReturn().
  const ldt = (meta >>> 8) & 0xffff;
  let counter = meta & 255;
  const now = lfuTimeInMinutes(nowMs);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = lfuDecayTime > 0 ? Math.floor(elapsed / lfuDecayTime) : 0;
  if (periods > 0) counter = periods > counter ? 0 : counter - periods;
  return { freq: counter };
}
