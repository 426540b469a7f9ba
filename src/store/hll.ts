/**
 * HyperLogLog values (Redis's hyperloglog.c layout). An HLL is a plain
 * string value:
 *
 *   +------+---+-----+----------+
 *   | HYLL | E | N/U | Cardin.  |   16-byte header
 *   +------+---+-----+----------+
 *
 * "HYLL", the encoding byte (0 dense, 1 sparse), 3 unused bytes and the
 * cached cardinality as a 64-bit little endian integer whose top bit set
 * means "stale". 16384 registers of 6 bits follow:
 *
 *  - dense: 12288 bytes, register i at bit 6*i, least significant bits of a
 *    byte first;
 *  - sparse: run-length opcodes, ZERO `00xxxxxx` (1-64 zero registers),
 *    XZERO `01xxxxxx yyyyyyyy` (1-16384 zero registers), VAL `1vvvvvxx`
 *    (1-4 registers set to 1-32).
 *
 * The same element added in the same order gives the same bytes as
 * redis-server. Registers are indexed by the low 14 bits of the element's
 * MurmurHash64A (seed 0xadc83b19); the value is the position of the first 1
 * bit in the remaining 50 bits (1-51). The cardinality estimator is Otmar
 * Ertl's improved estimator ("New cardinality estimation algorithms for
 * HyperLogLog sketches", arXiv:1702.01284).
 */
import { murmurHash64A, murmurOut } from '../util/murmur.js';
import { putLatin1 } from '../util/bytes.js';
import { mutableString } from './encoding.js';
import { byteAt } from './types.js';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * HLL_BITS + 7) / 8);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;

const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.72134752044448170368; // 0.5/ln(2)
const HASH_SEED = 0xadc83b19;

export const HLL_INVALID_ERR = '-INVALIDOBJ Corrupted HLL object detected';
export const HLL_WRONGTYPE_ERR = '-WRONGTYPE Key is not a valid HyperLogLog string value.';

// ---- element hashing ------------------------------------------------------

let scratch = Buffer.allocUnsafe(256);

/** Register index of the last hllPatLen() call. */
export let patIndex = 0;

/**
 * hllPatLen(): the length of the 00..1 pattern of the element's hash
 * (1..51); the register index is left in `patIndex`.
 */
export function hllPatLenBytes(b: Uint8Array, off: number, len: number): number {
  murmurHash64A(b, off, len, HASH_SEED);
  const hi = murmurOut[0];
  const lo = murmurOut[1];
  patIndex = lo & HLL_P_MASK;
  // hash >> 14 with bit 50 forced to one: count = trailing zeros + 1.
  const low = (lo >>> HLL_P) | (hi << (32 - HLL_P));
  if (low !== 0) return 32 - Math.clz32(low & -low);
  const high = (hi >>> HLL_P) | (1 << (HLL_Q - 32));
  return 32 + 32 - Math.clz32(high & -high);
}

/** hllPatLen() of a latin1 string element. */
export function hllPatLen(ele: string): number {
  const len = ele.length;
  if (len > scratch.length) scratch = Buffer.allocUnsafe(Math.max(len, scratch.length * 2));
  putLatin1(scratch, 0, ele);
  return hllPatLenBytes(scratch, 0, len);
}

/**
 * True when adding an element with register `index` and `count` would
 * leave the sparse HLL `v` as it is: the opcode covering the register is a
 * VAL of at least `count` (what makes hllSparseSet() return 0 at once).
 * False when it would change, need a promotion, or the bytes end first
 * (hllSparseSet() then reports the corruption).
 */
export function sparseKeeps(v: string | Buffer, index: number, count: number): boolean {
  if (count > HLL_SPARSE_VAL_MAX_VALUE) return false;
  const end = v.length;
  let first = 0;
  for (let p = HLL_HDR_SIZE; p < end; ) {
    const op = byteAt(v, p);
    let span: number;
    if ((op & 0xc0) === 0) {
      span = (op & 0x3f) + 1;
      p++;
    } else if (op & 0x80) {
      span = (op & 3) + 1;
      if (index < first + span) return ((op >>> 2) & 0x1f) + 1 >= count;
      p++;
    } else {
      if (p + 1 >= end) return false;
      span = (((op & 0x3f) << 8) | byteAt(v, p + 1)) + 1;
      p += 2;
    }
    if (index < first + span) return false;
    first += span;
  }
  return false;
}

// ---- dense registers --------------------------------------------------------

/** HLL_DENSE_GET_REGISTER on registers starting at `base`. */
export function denseGet(b: Uint8Array, base: number, i: number): number {
  const bit = i * HLL_BITS;
  const pos = base + (bit >>> 3);
  const fb = bit & 7;
  // The byte after the last register is the string's terminator (zero).
  const next = pos + 1 < b.length ? b[pos + 1] : 0;
  return ((b[pos] >>> fb) | (next << (8 - fb))) & HLL_REGISTER_MAX;
}

/** HLL_DENSE_SET_REGISTER on registers starting at `base`. */
export function denseSetRaw(b: Uint8Array, base: number, i: number, val: number): void {
  const bit = i * HLL_BITS;
  const pos = base + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[pos] = (b[pos] & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  if (pos + 1 < b.length) b[pos + 1] = (b[pos + 1] & ~(HLL_REGISTER_MAX >>> fb8)) | (val >>> fb8);
}

/** hllDenseSet(): raise register `i` to `count`; 1 if it changed. */
function denseSet(b: Uint8Array, i: number, count: number): number {
  if (count > denseGet(b, HLL_HDR_SIZE, i)) {
    denseSetRaw(b, HLL_HDR_SIZE, i, count);
    return 1;
  }
  return 0;
}

// ---- the byte after the value --------------------------------------------

/**
 * Redis reads one byte past a sparse HLL whose last opcode is a truncated
 * XZERO: the sds terminator, normally zero, but a split of such an opcode
 * writes its last byte there. That byte is kept with the value it belongs
 * to (lost, as in Redis, when the value is copied or reallocated).
 */
const tails = new WeakMap<object, number>();

/** Hll.from()'s working buffer for sparse values. */
let sparseScratch = Buffer.alloc(4096);

/** The byte just past a string value's end as Redis would read it. */
export function tailByte(v: string | Uint8Array): number {
  if (typeof v === 'string') return 0;
  return tails.get(v) ?? 0;
}

// ---- validation and header -------------------------------------------------

/** Bytes of a string value for reading. */
export function hllBytes(v: string | Buffer): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/** isHLLObjectOrReply() minus the type check: false for a non-HLL string. */
export function isHll(v: string | Buffer): boolean {
  const len = v.length;
  if (len < HLL_HDR_SIZE) return false;
  let enc: number;
  if (typeof v === 'string') {
    if (v.charCodeAt(0) !== 72 || v.charCodeAt(1) !== 89 || v.charCodeAt(2) !== 76 || v.charCodeAt(3) !== 76) return false;
    enc = v.charCodeAt(4);
  } else {
    if (v[0] !== 72 || v[1] !== 89 || v[2] !== 76 || v[3] !== 76) return false;
    enc = v[4];
  }
  if (enc > HLL_MAX_ENCODING) return false;
  if (enc === HLL_DENSE && len !== HLL_DENSE_SIZE) return false;
  return true;
}

export function hllEncoding(b: Uint8Array): number {
  return b[4];
}

/** Cached cardinality, or -1 when the cache is stale. */
export function cachedCard(b: Uint8Array): number | bigint {
  if (b[15] & 0x80) return -1;
  const lo = (b[8] | (b[9] << 8) | (b[10] << 16) | (b[11] << 24)) >>> 0;
  const hi = (b[12] | (b[13] << 8) | (b[14] << 16) | (b[15] << 24)) >>> 0;
  if (hi < 0x200000) return hi * 0x100000000 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

export function setCachedCard(b: Uint8Array, card: number): void {
  let lo = card % 0x100000000;
  let hi = Math.floor(card / 0x100000000);
  for (let i = 8; i < 12; i++, lo = Math.floor(lo / 256)) b[i] = lo & 0xff;
  for (let i = 12; i < 16; i++, hi = Math.floor(hi / 256)) b[i] = hi & 0xff;
}

export function invalidateCache(b: Uint8Array): void {
  b[15] |= 0x80;
}

// ---- the working representation ------------------------------------------

/**
 * An HLL being modified: `b` holds `len` bytes. A sparse HLL keeps spare
 * room after its bytes (opcodes may split) and a zero byte right after the
 * last one, as the sds terminator Redis reads past a truncated XZERO.
 */
export class Hll {
  /** hll-sparse-max-bytes: a sparse HLL growing past it turns dense. */
  maxBytes = 3000;

  constructor(
    public b: Buffer,
    public len: number,
  ) {}

  /** createHLLObject(): an empty sparse HLL. */
  static create(): Hll {
    const len = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS + (HLL_SPARSE_XZERO_MAX_LEN - 1)) / HLL_SPARSE_XZERO_MAX_LEN) * 2;
    const b = Buffer.alloc(len + 32);
    b[0] = 72; // H
    b[1] = 89; // Y
    b[2] = 76; // L
    b[3] = 76; // L
    b[4] = HLL_SPARSE;
    let p = HLL_HDR_SIZE;
    let aux = HLL_REGISTERS;
    while (aux > 0) {
      const xzero = Math.min(HLL_SPARSE_XZERO_MAX_LEN, aux);
      xzeroSet(b, p, xzero);
      p += 2;
      aux -= xzero;
    }
    return new Hll(b, len);
  }

  /**
   * A working copy of a valid HLL value. A dense value is written in place
   * (the Buffer to store back is `b`; it differs from `v` when `v` was an
   * immutable string); a sparse one is copied into a growable buffer.
   */
  static from(v: string | Buffer): Hll {
    const enc = byteAt(v, 4);
    if (enc === HLL_DENSE) return new Hll(mutableString(v, v.length), v.length);
    const len = v.length;
    // The working copy goes into a buffer reused from one call to the next
    // (a new zeroed Buffer per PFADD cost more than the rest of it); value()
    // copies the result out, so one Hll from a sparse value is live at a time.
    const cap = len + Math.max(32, len >>> 2);
    if (sparseScratch.length < cap) sparseScratch = Buffer.alloc(Math.max(cap, 2 * sparseScratch.length));
    const b = sparseScratch.subarray(0, cap);
    b.fill(0, len);
    if (typeof v === 'string') b.latin1Write(v, 0, len);
    else v.copy(b, 0, 0, len);
    b[len] = tailByte(v);
    return new Hll(b, len);
  }

  get encoding(): number {
    return this.b[4];
  }

  /** The bytes to store as the key's value (exact length). */
  value(): Buffer {
    if (this.b.length === this.len) return this.b;
    const out = mutableString(undefined, this.len);
    this.b.copy(out, 0, 0, this.len);
    const tail = this.b[this.len];
    if (tail !== 0) tails.set(out, tail);
    return out;
  }

  /** sdsMakeRoomFor(): room for `n` more bytes plus the terminator. */
  reserve(n: number): void {
    if (this.b.length >= this.len + n + 1) return;
    const nb = Buffer.alloc(Math.max(this.len + n + 1, this.len * 2));
    this.b.copy(nb, 0, 0, Math.min(this.len + 1, this.b.length));
    this.b = nb;
  }

  /** sdsIncrLen(): set the length and write the terminator. */
  setLen(len: number): void {
    this.len = len;
    if (len < this.b.length) this.b[len] = 0;
  }

  /** hllAdd(): 1 if a register changed, 0 if not, -1 if corrupted. */
  add(ele: string): number {
    const count = hllPatLen(ele);
    return this.set(patIndex, count);
  }

  /** hllAdd() of raw bytes. */
  addBytes(ele: Uint8Array, off: number, n: number): number {
    const count = hllPatLenBytes(ele, off, n);
    return this.set(patIndex, count);
  }

  /** Raise register `index` to `count` in either encoding. */
  set(index: number, count: number): number {
    const enc = this.b[4];
    if (enc === HLL_DENSE) return denseSet(this.b, index, count);
    if (enc === HLL_SPARSE) return this.sparseSet(index, count);
    return -1;
  }

  /**
   * hllSparseToDense(): false (and no change) if the sparse bytes are
   * corrupted. The header (cached cardinality included) is kept.
   */
  toDense(): boolean {
    const s = this.b;
    if (s[4] === HLL_DENSE) return true;
    const d = mutableString(undefined, HLL_DENSE_SIZE);
    s.copy(d, 0, 0, HLL_HDR_SIZE);
    d[4] = HLL_DENSE;
    const end = this.len;
    let p = HLL_HDR_SIZE;
    let idx = 0;
    while (p < end) {
      const op = s[p];
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        idx += (((op & 0x3f) << 8) | (s[p + 1] | 0)) + 1;
        p += 2;
      } else {
        let runlen = (op & 3) + 1;
        const regval = ((op >>> 2) & 0x1f) + 1;
        // A run past the last register is corrupted (the reference server
        // reports it even when the registers before it add up).
        if (runlen + idx > HLL_REGISTERS) return false;
        while (runlen-- > 0) denseSetRaw(d, HLL_HDR_SIZE, idx++, regval);
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.b = d;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  /**
   * hllSparseSet(): raise register `index` to `count`, splitting opcodes
   * in place, or promote to dense when the value is too big for a VAL
   * opcode or the result would pass `maxBytes` (hll-sparse-max-bytes).
   */
  sparseSet(index: number, count: number): number {
    if (count > HLL_SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.reserve(3);
    const b = this.b;
    const sparse = HLL_HDR_SIZE;
    let end = this.len;
    let p = sparse;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p];
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;

    const op = b[p];
    let next = (op & 0xc0) === 0x40 ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const isZero = (op & 0xc0) === 0;
    const isXzero = (op & 0xc0) === 0x40;
    const isVal = (op & 0x80) !== 0;
    let runlen: number;
    if (isZero) runlen = (op & 0x3f) + 1;
    else if (isXzero) runlen = (((op & 0x3f) << 8) | b[p + 1]) + 1;
    else runlen = (op & 3) + 1;

    let updated = false;
    if (isVal) {
      const oldcount = ((op >>> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        updated = true;
      }
    }
    if (!updated && isZero && runlen === 1) {
      b[p] = valOp(count, 1);
      updated = true;
    }
    if (!updated) {
      // General case: split the opcode into up to three.
      const seq = SEQ;
      let n = 0;
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) {
          const len = index - first;
          if (len > HLL_SPARSE_ZERO_MAX_LEN) {
            xzeroSet(seq, n, len);
            n += 2;
          } else {
            seq[n++] = len - 1;
          }
        }
        seq[n++] = valOp(count, 1);
        if (index !== last) {
          const len = last - index;
          if (len > HLL_SPARSE_ZERO_MAX_LEN) {
            xzeroSet(seq, n, len);
            n += 2;
          } else {
            seq[n++] = len - 1;
          }
        }
      } else {
        const curval = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq[n++] = valOp(curval, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) seq[n++] = valOp(curval, last - index);
      }
      const oldlen = isXzero ? 2 : 1;
      const deltalen = n - oldlen;
      if (deltalen > 0 && this.len + deltalen > this.maxBytes) return this.promote(index, count);
      if (deltalen !== 0 && next !== -1) b.copyWithin(next + deltalen, next, end);
      this.setLen(this.len + deltalen);
      for (let k = 0; k < n; k++) b[p + k] = seq[k];
      end += deltalen;
    }

    // Merge adjacent VAL opcodes with the same value, from the previous one.
    p = prev !== -1 ? prev : sparse;
    let scanlen = 5;
    while (p < end && scanlen-- !== 0) {
      const o = b[p];
      if ((o & 0xc0) === 0x40) {
        p += 2;
        continue;
      } else if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && b[p + 1] & 0x80) {
        const v1 = ((o >>> 2) & 0x1f) + 1;
        const v2 = ((b[p + 1] >>> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (b[p + 1] & 3) + 1;
          if (len <= HLL_SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end);
            end--;
            this.setLen(this.len - 1);
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache(b);
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    // A register needed an update, so the dense set always changes it.
    return denseSet(this.b, index, count);
  }

  /** hllCount() of this HLL; `invalid.v` is set if a sparse HLL is corrupted. */
  count(invalid?: { v: boolean }): number {
    return hllCount(this.b, this.len, invalid, this.b[this.len] | 0);
  }
}

const SEQ = new Uint8Array(5);

function valOp(val: number, len: number): number {
  return ((val - 1) << 2) | (len - 1) | 0x80;
}

function xzeroSet(b: Uint8Array, p: number, len: number): void {
  const l = len - 1;
  b[p] = (l >>> 8) | 0x40;
  b[p + 1] = l & 0xff;
}

// ---- counting -------------------------------------------------------------

/** hllDenseRegHisto(). */
function denseRegHisto(r: Uint8Array, base: number, histo: Int32Array): void {
  let i = base;
  for (let j = 0; j < 1024; j++) {
    // 16 registers in 12 bytes.
    const b0 = r[i], b1 = r[i + 1], b2 = r[i + 2], b3 = r[i + 3], b4 = r[i + 4], b5 = r[i + 5];
    const b6 = r[i + 6], b7 = r[i + 7], b8 = r[i + 8], b9 = r[i + 9], b10 = r[i + 10], b11 = r[i + 11];
    histo[b0 & 63]++;
    histo[((b0 >>> 6) | (b1 << 2)) & 63]++;
    histo[((b1 >>> 4) | (b2 << 4)) & 63]++;
    histo[(b2 >>> 2) & 63]++;
    histo[b3 & 63]++;
    histo[((b3 >>> 6) | (b4 << 2)) & 63]++;
    histo[((b4 >>> 4) | (b5 << 4)) & 63]++;
    histo[(b5 >>> 2) & 63]++;
    histo[b6 & 63]++;
    histo[((b6 >>> 6) | (b7 << 2)) & 63]++;
    histo[((b7 >>> 4) | (b8 << 4)) & 63]++;
    histo[(b8 >>> 2) & 63]++;
    histo[b9 & 63]++;
    histo[((b9 >>> 6) | (b10 << 2)) & 63]++;
    histo[((b10 >>> 4) | (b11 << 4)) & 63]++;
    histo[(b11 >>> 2) & 63]++;
    i += 12;
  }
}

/** hllSparseRegHisto(): false if the opcodes do not cover exactly 16384 registers. */
function sparseRegHisto(s: Uint8Array, start: number, end: number, histo: Int32Array, tail: number): boolean {
  let idx = 0;
  let p = start;
  while (p < end) {
    const op = s[p];
    if ((op & 0xc0) === 0) {
      const runlen = (op & 0x3f) + 1;
      idx += runlen;
      histo[0] += runlen;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      const runlen = (((op & 0x3f) << 8) | (p + 1 < end ? s[p + 1] : tail)) + 1;
      idx += runlen;
      histo[0] += runlen;
      p += 2;
    } else {
      const runlen = (op & 3) + 1;
      idx += runlen;
      histo[((op >>> 2) & 0x1f) + 1] += runlen;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** hllSigma(). */
export function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** hllTau(). */
export function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The estimator over a register histogram. */
export function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * hllSigma(histo[0] / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

const HISTO = new Int32Array(64);

/** hllCount() of an HLL value's bytes (dense or sparse). */
export function hllCount(b: Uint8Array, len: number, invalid?: { v: boolean }, tail = 0): number {
  HISTO.fill(0);
  if (b[4] === HLL_DENSE) denseRegHisto(b, HLL_HDR_SIZE, HISTO);
  else if (!sparseRegHisto(b, HLL_HDR_SIZE, len, HISTO, tail) && invalid !== undefined) invalid.v = true;
  return estimate(HISTO);
}

/** hllCount() of 16384 registers of one byte each (HLL_RAW). */
export function hllCountRaw(regs: Uint8Array): number {
  HISTO.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) HISTO[regs[i]]++;
  return estimate(HISTO);
}

/**
 * hllMerge(): max[i] = max(max[i], register i) for a valid HLL value;
 * false if a sparse one is corrupted.
 */
export function hllMerge(max: Uint8Array, b: Uint8Array, len: number, tail = 0): boolean {
  if (b[4] === HLL_DENSE) {
    // 4 registers in each 3 bytes.
    let p = HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i += 4) {
      const b0 = b[p];
      const b1 = b[p + 1];
      const b2 = b[p + 2];
      p += 3;
      const r0 = b0 & 63;
      const r1 = ((b0 >>> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >>> 4) | (b2 << 4)) & 63;
      const r3 = b2 >>> 2;
      if (r0 > max[i]) max[i] = r0;
      if (r1 > max[i + 1]) max[i + 1] = r1;
      if (r2 > max[i + 2]) max[i + 2] = r2;
      if (r3 > max[i + 3]) max[i + 3] = r3;
    }
    return true;
  }
  let p = HLL_HDR_SIZE;
  let i = 0;
  while (p < len) {
    const op = b[p];
    if ((op & 0xc0) === 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) === 0x40) {
      i += (((op & 0x3f) << 8) | (p + 1 < len ? b[p + 1] : tail)) + 1;
      p += 2;
    } else {
      let runlen = (op & 3) + 1;
      const regval = ((op >>> 2) & 0x1f) + 1;
      if (runlen + i > HLL_REGISTERS) return false;
      while (runlen-- > 0) {
        if (regval > max[i]) max[i] = regval;
        i++;
      }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

/** PFDEBUG DECODE text of a sparse HLL. */
export function decodeSparse(b: Uint8Array, len: number, tail = 0): string {
  const parts: string[] = [];
  let p = HLL_HDR_SIZE;
  while (p < len) {
    const op = b[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | (p + 1 < len ? b[p + 1] : tail)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}
