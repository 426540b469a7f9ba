/**
 * Memory estimates of stored values (MEMORY USAGE), in the spirit of
 * Redis's objectComputeSize(): V8 exposes no per-object sizes, so the cost
 * of each representation is computed from V8's layouts (64-bit, no pointer
 * compression): a sequential one-byte string is a 16-byte header plus its
 * bytes rounded up to 8; an array slot or pointer is 8 bytes; a Buffer has a
 * JS object and an off-heap backing store. Large collections are sampled:
 * the average of the first `samples` elements is extrapolated (0 = all).
 */
import { RHash } from './hash.js';
import { RSet } from './set.js';
import { ZSet } from './zset.js';
import { RList } from './list.js';
import type { RValue } from './types.js';

/** Bytes of one dict entry: key/value pointers, chain, hash, LRU word, bucket. */
export const DICT_ENTRY_BYTES = 36;
const BUFFER_OVERHEAD = 96;
const OBJECT_HEADER = 24;

/** A latin1 JS string of `len` chars. */
export function stringBytes(len: number): number {
  return 16 + ((len + 7) & ~7);
}

/** A string value: JS string or Buffer. */
export function strValueBytes(v: string | Buffer): number {
  return typeof v === 'string' ? stringBytes(v.length) : BUFFER_OVERHEAD + v.length;
}

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

/** Estimated bytes held by a value (not counting its key). */
export function valueBytes(v: RValue, samples: number): number {
  if (typeof v === 'string' || Buffer.isBuffer(v)) return strValueBytes(v);
  if (v instanceof RHash) {
    // listpack: two array slots per pair; hashtable: one dict entry per pair.
    const perPair = v.isListpack() ? 16 : DICT_ENTRY_BYTES;
    return (
      OBJECT_HEADER +
      sampled(v.size, samples, (visit) =>
        v.forEach((f, val) => visit(perPair + stringBytes(f.length) + stringBytes(val.length))),
      )
    );
  }
  if (v instanceof RSet) {
    if (v.isIntset()) return OBJECT_HEADER + BUFFER_OVERHEAD + 8 * v.size;
    return OBJECT_HEADER + sampled(v.size, samples, (visit) => v.forEach((m) => visit(DICT_ENTRY_BYTES + stringBytes(m.length))));
  }
  if (v instanceof ZSet) {
    // listpack: member and score slots; skiplist: a node object with its
    // level array plus a dict entry.
    const perEle = v.encoding() === 'listpack' ? 16 : 72 + DICT_ENTRY_BYTES;
    return OBJECT_HEADER + sampled(v.size, samples, (visit) => v.forEach((m) => visit(perEle + stringBytes(m.length))));
  }
  if (v instanceof RList) {
    const n = v.length;
    return OBJECT_HEADER + sampled(n, samples, (visit) => {
      for (let i = 0; i < n; i++) visit(8 + stringBytes(v.get(i).length));
    });
  }
  return OBJECT_HEADER;
}

/** MEMORY USAGE of a key: the value, the key string and its dict entry. */
export function keyBytes(key: string, v: RValue, samples: number): number {
  return valueBytes(v, samples) + stringBytes(key.length) + DICT_ENTRY_BYTES;
}
