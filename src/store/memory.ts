/**
 * Memory accounting of the keyspace: what `used_memory`, eviction and
 * MEMORY USAGE are computed from.
 *
 * V8 exposes no per-object sizes, so the cost of each representation is
 * estimated from V8's object layouts on 64-bit builds without pointer
 * compression (Node's default), and the constants were checked against
 * heap measurements (`bench/memory-calibrate.mjs`):
 * - a sequential one-byte string is a 16-byte header plus its bytes
 *   rounded up to 8;
 * - a JS object is a 24-byte header plus 8 bytes per field; a JS array is a
 *   32-byte object plus a 16-byte backing store header and 8 bytes a slot;
 * - a Buffer is a typed array and an ArrayBuffer object plus its bytes;
 * - a hash table (dict.ts) costs about 1.1 KB empty (five typed arrays)
 *   plus about 52 bytes an entry at its average load.
 *
 * Accounting is incremental: every collection keeps its own estimate in
 * `memBytes`, updated by each mutation, and reports the change to the
 * account of the database holding it (`memOwner`). A database's account
 * sums its keys and values (Db.add/setKey/delete); the tables themselves
 * are measured from their capacities (Dict.structBytes()), so nothing ever
 * walks the keyspace to know the total.
 */
import { RHash } from './hash.js';
import { RSet } from './set.js';
import { ZSet } from './zset.js';
import { RList } from './list.js';
import { isString, type RValue } from './types.js';
import {
  DICT_ENTRY_BYTES,
  ZSKIPLIST_ENTRY_BYTES,
  stringBytes,
  strValueBytes,
  trackedValueBytes,
} from './memcost.js';

export * from './memcost.js';

// ---- MEMORY USAGE (objectComputeSize()) --------------------------------------------

class Stop extends Error {}

/** Average cost of the first `samples` elements visited by `each`, times `size`. */
function sampled(size: number, samples: number, each: (visit: (bytes: number) => void) => void): number {
  if (size === 0) return 0;
  let total = 0;
  let n = 0;
  const limit = samples <= 0 ? Infinity : samples;
  try {
    each((bytes) => {
      total += bytes;
      n++;
      if (n >= limit) throw new Stop();
    });
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
  }
  return n === 0 ? 0 : Math.round((total / n) * size);
}

/**
 * Estimated bytes held by a value (not counting its key), as MEMORY USAGE
 * computes it: the fixed part of the representation plus its elements,
 * sampling the first `samples` of a collection (0 = all) as Redis's
 * objectComputeSize() does. With every element visited it agrees with the
 * incremental estimate up to array capacities.
 */
export function valueBytes(v: RValue, samples: number): number {
  if (isString(v)) return strValueBytes(v);
  if (v instanceof RHash) {
    // A listpack is one string: its size is known without sampling.
    if (v.isListpack()) return RHash.baseBytes(true) + RHash.listpackBytes(v.listpackChars);
    return (
      RHash.baseBytes(false) +
      sampled(v.size, samples, (visit) => v.forEach((f, val) => visit(DICT_ENTRY_BYTES + stringBytes(f.length) + stringBytes(val.length))))
    );
  }
  if (v instanceof RSet) {
    if (v.isIntset()) return v.memBytes;
    const small = v.dict === null;
    const per = small ? 8 : DICT_ENTRY_BYTES;
    return RSet.baseBytes(small ? 'array' : 'dict') + sampled(v.size, samples, (visit) => v.forEach((m) => visit(per + stringBytes(m.length))));
  }
  if (v instanceof ZSet) {
    if (v.isListpack) return ZSet.baseBytes(true) + ZSet.listpackBytes(v.listpackChars);
    return ZSet.baseBytes(false) + sampled(v.size, samples, (visit) => v.forEach((m) => visit(ZSKIPLIST_ENTRY_BYTES + stringBytes(m.length))));
  }
  if (v instanceof RList) {
    const n = v.length;
    return (
      RList.baseBytes(v.capacitySlots) +
      sampled(n, samples, (visit) => {
        for (let i = 0; i < n; i++) visit(stringBytes(v.get(i).length));
      })
    );
  }
  return trackedValueBytes(v);
}

/** MEMORY USAGE of a key: the value, the key string and its dict entry. */
export function keyBytes(key: string, v: RValue, samples: number): number {
  return valueBytes(v, samples) + stringBytes(key.length) + DICT_ENTRY_BYTES;
}
