/**
 * Listpack encoding (listpack.c), as Redis 7.0 lays it out in RDB files:
 *
 *   <total bytes: u32 LE> <element count: u16 LE, 65535 = unknown>
 *   <entry>* <0xFF>
 *
 * An entry is <encoding+data><backlen>, backlen being the size of
 * encoding+data in 1..5 bytes (7 bits per byte, read right to left).
 * Strings that are canonical int64s are stored as integers (7-bit uint,
 * 13/16/24/32/64-bit signed), the smallest that fits.
 */
import { string2ll, string2llBig } from '../../util/numbers.js';
import { putLatin1 } from '../../util/bytes.js';

export const LP_HDR_SIZE = 6;
export const LP_HDR_NUMELE_UNKNOWN = 65535;
export const LP_EOF = 0xff;

/** An element to encode: a latin1 string (integer-encoded when canonical) or an integer. */
export type LpValue = string | number | bigint;

/**
 * lpStringToInt64(): the int64 value of a canonical decimal string
 * (no sign but '-', no leading zeros, at most 20 chars), else null.
 * A number when exactly representable, else a bigint.
 */
export function lpStringToInt(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len >= 21) return null;
  if (len <= 15) return string2ll(s);
  const b = string2llBig(s);
  if (b === null) return null;
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : b;
}

/** Bytes of the encoding+data of an integer entry. */
function intEncLen(v: number | bigint): number {
  if (typeof v === 'bigint') return 9;
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Bytes of the encoding+data of a string entry of `len` bytes. */
export function strEncLen(len: number): number {
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

/** lpEncodeBacklen(NULL, l): bytes of the backlen of an entry of size l. */
export function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function writeBacklen(buf: Buffer, pos: number, l: number): number {
  if (l <= 127) {
    buf[pos] = l;
    return pos + 1;
  }
  if (l < 16383) {
    buf[pos] = l >>> 7;
    buf[pos + 1] = (l & 127) | 128;
    return pos + 2;
  }
  if (l < 2097151) {
    buf[pos] = l >>> 14;
    buf[pos + 1] = ((l >>> 7) & 127) | 128;
    buf[pos + 2] = (l & 127) | 128;
    return pos + 3;
  }
  if (l < 268435455) {
    buf[pos] = l >>> 21;
    buf[pos + 1] = ((l >>> 14) & 127) | 128;
    buf[pos + 2] = ((l >>> 7) & 127) | 128;
    buf[pos + 3] = (l & 127) | 128;
    return pos + 4;
  }
  buf[pos] = Math.floor(l / 268435456);
  buf[pos + 1] = ((l >>> 21) & 127) | 128;
  buf[pos + 2] = ((l >>> 14) & 127) | 128;
  buf[pos + 3] = ((l >>> 7) & 127) | 128;
  buf[pos + 4] = (l & 127) | 128;
  return pos + 5;
}

function writeInt(buf: Buffer, pos: number, v: number | bigint): number {
  if (typeof v === 'bigint' || !(v >= -2147483648 && v <= 2147483647)) {
    buf[pos] = 0xf4;
    buf.writeBigInt64LE(BigInt(v), pos + 1);
    return pos + 9;
  }
  if (v >= 0 && v <= 127) {
    buf[pos] = v;
    return pos + 1;
  }
  if (v >= -4096 && v <= 4095) {
    const u = v < 0 ? 8192 + v : v;
    buf[pos] = (u >>> 8) | 0xc0;
    buf[pos + 1] = u & 0xff;
    return pos + 2;
  }
  if (v >= -32768 && v <= 32767) {
    buf[pos] = 0xf1;
    buf.writeInt16LE(v, pos + 1);
    return pos + 3;
  }
  if (v >= -8388608 && v <= 8388607) {
    buf[pos] = 0xf2;
    buf.writeIntLE(v, pos + 1, 3);
    return pos + 4;
  }
  buf[pos] = 0xf3;
  buf.writeInt32LE(v, pos + 1);
  return pos + 5;
}

function writeStr(buf: Buffer, pos: number, s: string): number {
  const len = s.length;
  if (len < 64) {
    buf[pos++] = len | 0x80;
  } else if (len < 4096) {
    buf[pos++] = (len >>> 8) | 0xe0;
    buf[pos++] = len & 0xff;
  } else {
    buf[pos++] = 0xf0;
    buf.writeUInt32LE(len, pos);
    pos += 4;
  }
  return putLatin1(buf, pos, s);
}

/**
 * Encoded size of a listpack entry for `v` including its backlen, with
 * `v` classified: an integer stays an integer, a string is tested with
 * lpStringToInt64().
 */
export function lpEntrySize(v: LpValue): number {
  let enc: number;
  if (typeof v === 'string') {
    const n = lpStringToInt(v);
    enc = n !== null ? intEncLen(n) : strEncLen(v.length);
  } else {
    enc = intEncLen(v);
  }
  return enc + backlenSize(enc);
}

/**
 * Builds one listpack from a sequence of elements (lpAppend() of each).
 * Elements are classified once on add(); encode() writes them.
 */
export class ListpackBuilder {
  /** Classified elements: string (string entry) or number/bigint (int entry). */
  private items: (string | number | bigint)[] = [];
  /** lpBytes() of the listpack so far. */
  bytes = LP_HDR_SIZE + 1;

  get count(): number {
    return this.items.length;
  }

  /** lpAppend(): a string, integer-encoded when canonical. */
  add(s: string): void {
    const n = lpStringToInt(s);
    if (n !== null) this.addInt(n);
    else {
      const enc = strEncLen(s.length);
      this.items.push(s);
      this.bytes += enc + backlenSize(enc);
    }
  }

  /** lpAppendInteger(). */
  addInt(n: number | bigint): void {
    const enc = intEncLen(n);
    this.items.push(n);
    this.bytes += enc + backlenSize(enc);
  }

  encode(): Buffer {
    const buf = Buffer.allocUnsafe(this.bytes);
    buf.writeUInt32LE(this.bytes, 0);
    const n = this.items.length;
    buf.writeUInt16LE(n < LP_HDR_NUMELE_UNKNOWN ? n : LP_HDR_NUMELE_UNKNOWN, 4);
    let pos = LP_HDR_SIZE;
    for (let i = 0; i < n; i++) {
      const v = this.items[i];
      const start = pos;
      pos = typeof v === 'string' ? writeStr(buf, pos, v) : writeInt(buf, pos, v);
      pos = writeBacklen(buf, pos, pos - start);
    }
    buf[pos] = LP_EOF;
    return buf;
  }
}

/** A listpack of the given strings (each lpAppend()ed). */
export function encodeListpack(items: Iterable<string>): Buffer {
  const b = new ListpackBuilder();
  for (const s of items) b.add(s);
  return b.encode();
}
