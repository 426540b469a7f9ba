/**
 * Decoders for the compact blobs found in RDB files: listpacks (Redis 7),
 * ziplists (Redis 3.2 to 6.2), intsets and zipmaps (Redis 2.x). Each
 * returns the elements as latin1 strings (integers as their decimal form),
 * or null when the blob fails the integrity checks of Redis's
 * lpValidateIntegrity() / ziplistValidateIntegrity() /
 * intsetValidateIntegrity() / zipmapValidateIntegrity().
 *
 * Entries are always walked and bounds-checked, since they must be decoded
 * anyway; `deep` adds the checks Redis only makes with
 * sanitize-dump-payload (header counts, intset order).
 */
import { LP_HDR_SIZE, LP_HDR_NUMELE_UNKNOWN, LP_EOF, backlenSize } from './listpack.js';

function int64String(buf: Buffer, pos: number): string {
  return buf.readBigInt64LE(pos).toString();
}

/** Listpack elements, or null when the listpack is malformed. */
export function parseListpack(buf: Buffer, deep: boolean): string[] | null {
  const size = buf.length;
  if (size < LP_HDR_SIZE + 1) return null;
  if (buf.readUInt32LE(0) !== size) return null;
  const last = size - 1;
  if (buf[last] !== LP_EOF) return null;
  const numele = buf.readUInt16LE(4);
  const out: string[] = [];
  let p = LP_HDR_SIZE;
  while (p < last) {
    const b = buf[p];
    if (b === LP_EOF) return null;
    let enc: number; // encoding + data bytes
    let v: string;
    if ((b & 0x80) === 0) {
      enc = 1;
      v = String(b & 0x7f);
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      enc = 1 + len;
      if (p + enc > last) return null;
      v = buf.latin1Slice(p + 1, p + 1 + len);
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 1 > last) return null;
      enc = 2;
      const u = ((b & 0x1f) << 8) | buf[p + 1];
      v = String(u >= 1 << 12 ? u - (1 << 13) : u);
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 1 > last) return null;
      const len = ((b & 0x0f) << 8) | buf[p + 1];
      enc = 2 + len;
      if (p + enc > last) return null;
      v = buf.latin1Slice(p + 2, p + 2 + len);
    } else if (b === 0xf0) {
      if (p + 5 > last) return null;
      const len = buf.readUInt32LE(p + 1);
      enc = 5 + len;
      if (p + enc > last) return null;
      v = buf.latin1Slice(p + 5, p + 5 + len);
    } else if (b === 0xf1) {
      enc = 3;
      if (p + enc > last) return null;
      v = String(buf.readInt16LE(p + 1));
    } else if (b === 0xf2) {
      enc = 4;
      if (p + enc > last) return null;
      v = String(buf.readIntLE(p + 1, 3));
    } else if (b === 0xf3) {
      enc = 5;
      if (p + enc > last) return null;
      v = String(buf.readInt32LE(p + 1));
    } else if (b === 0xf4) {
      enc = 9;
      if (p + enc > last) return null;
      v = int64String(buf, p + 1);
    } else {
      return null;
    }
    const bl = backlenSize(enc);
    const next = p + enc + bl;
    if (next > last) return null;
    // The backlen, read right to left, must give the entry's size.
    let val = 0;
    let shift = 0;
    let q = next - 1;
    for (;;) {
      if (q < p + enc) return null;
      const c = buf[q];
      val += (c & 127) * 2 ** shift;
      if ((c & 128) === 0) break;
      shift += 7;
      q--;
      if (shift > 28) return null;
    }
    if (val !== enc) return null;
    out.push(v);
    p = next;
  }
  if (p !== last) return null;
  if (deep && numele !== LP_HDR_NUMELE_UNKNOWN && numele !== out.length) return null;
  return out;
}

const ZIPLIST_HEADER_SIZE = 10;

/** Ziplist elements, or null when the ziplist is malformed (always deep). */
export function parseZiplist(buf: Buffer): string[] | null {
  const size = buf.length;
  if (size < ZIPLIST_HEADER_SIZE + 1) return null;
  if (buf.readUInt32LE(0) !== size) return null;
  const last = size - 1;
  if (buf[last] !== 0xff) return null;
  const tail = buf.readUInt32LE(4);
  if (tail > last) return null;
  const headerCount = buf.readUInt16LE(8);
  const out: string[] = [];
  let p = ZIPLIST_HEADER_SIZE;
  let prevRaw = 0;
  let prevStart = -1;
  while (buf[p] !== 0xff) {
    if (p > last) return null;
    const prevlensize = buf[p] < 254 ? 1 : 5;
    if (p + prevlensize > last) return null;
    const prevlen = prevlensize === 1 ? buf[p] : buf.readUInt32LE(p + 1);
    const ep = p + prevlensize;
    let encoding = buf[ep];
    if (encoding < 0xc0) encoding &= 0xc0;
    let lensize: number;
    if (encoding === 0x00 || encoding >= 0xc0) lensize = 1;
    else if (encoding === 0x40) lensize = 2;
    else lensize = 5; // 0x80
    if (encoding >= 0xc0) {
      const valid =
        encoding === 0xc0 || encoding === 0xd0 || encoding === 0xe0 || encoding === 0xf0 || encoding === 0xfe || (encoding >= 0xf1 && encoding <= 0xfd);
      if (!valid) return null;
    }
    if (ep + lensize > last) return null;
    let len: number;
    if (encoding === 0x00) len = buf[ep] & 0x3f;
    else if (encoding === 0x40) len = ((buf[ep] & 0x3f) << 8) | buf[ep + 1];
    else if (encoding === 0x80) len = buf.readUInt32BE(ep + 1);
    else if (encoding === 0xc0) len = 2;
    else if (encoding === 0xd0) len = 4;
    else if (encoding === 0xe0) len = 8;
    else if (encoding === 0xf0) len = 3;
    else if (encoding === 0xfe) len = 1;
    else len = 0;
    const headersize = prevlensize + lensize;
    const dp = p + headersize;
    if (dp + len > last) return null;
    if (p - prevlen < ZIPLIST_HEADER_SIZE) return null;
    if (prevlen !== prevRaw) return null;
    let v: string;
    if (encoding < 0xc0) v = buf.latin1Slice(dp, dp + len);
    else if (encoding === 0xc0) v = String(buf.readInt16LE(dp));
    else if (encoding === 0xd0) v = String(buf.readInt32LE(dp));
    else if (encoding === 0xe0) v = int64String(buf, dp);
    else if (encoding === 0xf0) v = String(buf.readIntLE(dp, 3));
    else if (encoding === 0xfe) v = String(buf.readInt8(dp));
    else v = String((encoding & 0x0f) - 1);
    out.push(v);
    prevRaw = headersize + len;
    prevStart = p;
    p = dp + len;
  }
  if (p !== last) return null;
  if (prevStart !== -1 && prevStart !== tail) return null;
  if (headerCount !== 65535 && out.length !== headerCount) return null;
  return out;
}

/** Intset members in stored order, or null when the intset is malformed. */
export function parseIntset(buf: Buffer, deep: boolean): string[] | null {
  const size = buf.length;
  if (size < 8) return null;
  const enc = buf.readUInt32LE(0);
  if (enc !== 2 && enc !== 4 && enc !== 8) return null;
  const count = buf.readUInt32LE(4);
  if (8 + count * enc !== size) return null;
  if (count === 0) return null;
  const out = new Array<string>(count);
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < count; i++, p += enc) {
    let v: bigint;
    if (enc === 2) v = BigInt(buf.readInt16LE(p));
    else if (enc === 4) v = BigInt(buf.readInt32LE(p));
    else v = buf.readBigInt64LE(p);
    if (deep && prev !== null && v <= prev) return null;
    prev = v;
    out[i] = v.toString();
  }
  return out;
}

/** Zipmap field/value pairs (flat), or null when the zipmap is malformed. */
export function parseZipmap(buf: Buffer): string[] | null {
  const size = buf.length;
  if (size < 2) return null;
  const last = size - 1;
  if (buf[last] !== 0xff) return null;
  const out: string[] = [];
  let count = 0;
  let p = 1;
  const lenSize = (q: number): number => (buf[q] < 254 ? 1 : 5);
  const decodeLen = (q: number): number => (buf[q] < 254 ? buf[q] : buf.readUInt32LE(q + 1));
  while (buf[p] !== 0xff) {
    let s = lenSize(p);
    if (p + s > last) return null;
    let l = decodeLen(p);
    p += s;
    const fstart = p;
    p += l;
    if (p > last) return null;
    out.push(buf.latin1Slice(fstart, p));
    s = lenSize(p);
    if (p + s > last) return null;
    l = decodeLen(p);
    p += s;
    const free = buf[p++];
    const vstart = p;
    p += l + free;
    count++;
    if (p > last) return null;
    out.push(buf.latin1Slice(vstart, vstart + l));
  }
  if (count === 0) return null;
  if (buf[0] !== 254 && buf[0] !== count) return null;
  return out;
}
