/**
 * String value representations and the encodings Redis reports for them.
 *
 * A string value is a latin1 JS string (immutable; SET, INCR, MSET...) or a
 * Buffer. Buffers are what in-place mutations (APPEND, SETRANGE, SETBIT,
 * BITFIELD, BITOP results) produce: like an sds string they may keep spare
 * capacity in their ArrayBuffer, so repeated SETBIT/APPEND grow them
 * without copying. The Buffer stored in the keyspace always has the exact
 * logical length; growing stores a new, longer view of the same memory.
 *
 * Because such Buffers are written in place, code that copies a value to
 * another key (COPY, RESTORE...) must use dupString(), and code that queues
 * a large Buffer for output after the command returns must copy it first
 * (stableBulk()).
 *
 * OBJECT ENCODING for strings (object.c tryObjectEncoding()): numbers (the
 * results of INCR and its family) are "int"; values stored
 * from client arguments are "int" when they are a canonical int64 of at
 * most 20 chars, else "embstr" up to 44 bytes, else "raw". Values mutated in
 * place are "raw". INCRBYFLOAT results are created without the int attempt,
 * so an integral result such as "3" is "embstr": embstrValue() marks it.
 */
import { strBytes, type RString } from './types.js';
import { string2ll } from '../util/numbers.js';

export type StringEncoding = 'int' | 'embstr' | 'raw';

/** OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
export const EMBSTR_SIZE_LIMIT = 44;
/** SDS_MAX_PREALLOC: growth doubles below this size, then adds it. */
const MAX_PREALLOC = 1024 * 1024;

const EMBSTR = Symbol('nodis.embstr');

/** ArrayBuffers allocated here for in-place string values. */
const arenas = new WeakSet<ArrayBuffer>();

/** True if `s` is an int64 as tryObjectEncoding() accepts it. */
function isIntEncodable(s: string): boolean {
  return s.length <= 20 && string2ll(s) !== null;
}

/** OBJECT ENCODING of a string value. */
export function stringEncoding(v: RString): StringEncoding {
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') {
    if (isIntEncodable(v)) return 'int';
    return v.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
  }
  return (v as unknown as Record<symbol, boolean>)[EMBSTR] === true ? 'embstr' : 'raw';
}

/**
 * A value created like createStringObject() (no integer encoding attempt):
 * the string itself unless it would report "int", then a marked Buffer.
 */
export function embstrValue(s: string): RString {
  if (!isIntEncodable(s)) return s;
  const b = Buffer.from(s, 'latin1');
  (b as unknown as Record<symbol, boolean>)[EMBSTR] = true;
  return b;
}

/**
 * Bytes allocated for a Buffer value written in place (its arena, spare
 * capacity included), or -1 for a Buffer carved from Node's shared pool.
 */
export function stringAllocSize(v: Buffer): number {
  const ab = v.buffer as ArrayBuffer;
  return arenas.has(ab) || v.byteLength === ab.byteLength ? ab.byteLength : -1;
}

/** A private copy with the same encoding (dupStringObject()). */
export function dupString(v: RString): RString {
  if (typeof v !== 'object') return v;
  const b = Buffer.allocUnsafeSlow(v.length);
  v.copy(b, 0, 0, v.length);
  if ((v as unknown as Record<symbol, boolean>)[EMBSTR] === true) {
    (b as unknown as Record<symbol, boolean>)[EMBSTR] = true;
  }
  return b;
}

/** The length sdsMakeRoomFor() grows an sds to when it must hold `len` bytes. */
export function sdsGreedyLength(len: number): number {
  return len < MAX_PREALLOC ? len * 2 : len + MAX_PREALLOC;
}

/** A zero-filled Buffer of `len` bytes in a fresh arena of `cap` bytes. */
function allocArena(len: number, cap: number): Buffer {
  let ab: ArrayBuffer;
  try {
    ab = new ArrayBuffer(Math.max(cap, len));
  } catch {
    // Spare capacity is an optimization: near the allocation limit, go exact.
    ab = new ArrayBuffer(len);
  }
  arenas.add(ab);
  return Buffer.from(ab, 0, len);
}

/**
 * dbUnshareStringValue() + sdsgrowzero(): the value as a Buffer that may be
 * written in place, at least `minLen` bytes long (zero padded). `v` is the
 * current value (undefined for a new key, created with the exact length).
 * Returns `v` itself when it can be reused; otherwise a new Buffer the
 * caller must store in place of the old value (Db.writableString() does).
 */
export function mutableString(v: RString | undefined, minLen: number): Buffer {
  if (v === undefined) return allocArena(minLen, minLen);
  return viewInPlace(v, minLen) ?? privateCopy(v, minLen);
}

/**
 * A write of up to `minLen` bytes into the private raw string `v` without
 * a new allocation: `v` itself, or a longer view of its allocation when
 * that has room (spare capacity beyond the logical length is always zero);
 * null when `v` is not such a string or its allocation is too short. The
 * allocation, and so the value's memory charge, stays the same.
 */
export function viewInPlace(v: RString, minLen: number): Buffer | null {
  if (typeof v !== 'object') return null;
  // (The .buffer getter is read once: it costs more than the rest here.)
  const ab = v.buffer as ArrayBuffer;
  if (!arenas.has(ab) || (v as unknown as Record<symbol, boolean>)[EMBSTR] === true) return null;
  if (minLen <= v.length) return v;
  const off = v.byteOffset;
  return off + minLen <= ab.byteLength ? Buffer.from(ab, off, minLen) : null;
}

/**
 * A private raw copy of `v` in a new allocation of at least `minLen`
 * bytes, grown greedily when it must grow (the first in-place write, or
 * an allocation outgrown).
 */
export function privateCopy(v: RString, minLen: number): Buffer {
  const bytes = strBytes(v);
  const len = bytes.length;
  const b = allocArena(Math.max(len, minLen), minLen > len ? sdsGreedyLength(minLen) : len);
  if (typeof bytes === 'string') b.latin1Write(bytes, 0, len);
  else bytes.copy(b, 0, 0, len);
  return b;
}
