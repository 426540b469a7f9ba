/**
 * CRC-64/Jones as Redis computes it for RDB files and DUMP payloads:
 * reflected input and output, polynomial 0xad93d23594c935a9, initial value
 * 0, no final xor (crc-catalog's CRC-64/REDIS, check value 0xe9c6d914c4b8d9ca
 * for "123456789").
 *
 * The state is kept as two unsigned 32-bit halves so the hot loop runs on
 * small integers (slicing-by-8 over 8 pairs of 256-entry tables); BigInt is
 * only used at the API boundary.
 */

/** The reflected polynomial, as two 32-bit halves. */
const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

/** T[k][b] for k = 0..7, low and high halves, flattened: index k*256+b. */
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);

(function initTables(): void {
  for (let b = 0; b < 256; b++) {
    let lo = b;
    let hi = 0;
    for (let i = 0; i < 8; i++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ POLY_LO) >>> 0;
        hi = (hi ^ POLY_HI) >>> 0;
      }
    }
    TLO[b] = lo;
    THI[b] = hi;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const plo = TLO[(k - 1) * 256 + b];
      const phi = THI[(k - 1) * 256 + b];
      // One more zero byte: crc = T0[crc & 0xff] ^ (crc >> 8).
      const i = plo & 0xff;
      TLO[k * 256 + b] = (TLO[i] ^ ((plo >>> 8) | (phi << 24))) >>> 0;
      THI[k * 256 + b] = (THI[i] ^ (phi >>> 8)) >>> 0;
    }
  }
})();

/** A running CRC-64 (the state rio keeps in rdb->cksum). */
export class Crc64 {
  lo = 0;
  hi = 0;

  constructor(init: bigint | number = 0) {
    const v = BigInt.asUintN(64, BigInt(init));
    this.lo = Number(v & 0xffffffffn);
    this.hi = Number(v >> 32n);
  }

  /** Feed buf[start, end). */
  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const tlo = TLO;
    const thi = THI;
    // Slicing by 8.
    for (; i + 8 <= end; i += 8) {
      const a = (lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24))) >>> 0;
      const b = (hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24))) >>> 0;
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = tlo[i7] ^ tlo[i6] ^ tlo[i5] ^ tlo[i4] ^ tlo[i3] ^ tlo[i2] ^ tlo[i1] ^ tlo[i0];
      hi = thi[i7] ^ thi[i6] ^ thi[i5] ^ thi[i4] ^ thi[i3] ^ thi[i2] ^ thi[i1] ^ thi[i0];
    }
    for (; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = tlo[idx] ^ ((lo >>> 8) | (hi << 24));
      hi = thi[idx] ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  get value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** True when the state is zero. */
  get isZero(): boolean {
    return this.lo === 0 && this.hi === 0;
  }

  /** Write the CRC as 8 little-endian bytes at buf[off]. */
  writeLE(buf: Uint8Array, off: number): void {
    writeU32LE(buf, off, this.lo);
    writeU32LE(buf, off + 4, this.hi);
  }

  /** The CRC as 8 little-endian bytes (how RDB files and DUMP payloads end). */
  toBufferLE(): Buffer {
    const b = Buffer.allocUnsafe(8);
    this.writeLE(b, 0);
    return b;
  }

  /** True if buf[off, off+8) holds this CRC little-endian. */
  equalsLE(buf: Uint8Array, off: number): boolean {
    return readU32LE(buf, off) === this.lo && readU32LE(buf, off + 4) === this.hi;
  }
}

function writeU32LE(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = v >>> 24;
}

function readU32LE(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}

/**
 * crc64(crc, buf): continue the CRC state `crc` over `buf` (Redis's
 * crc64(crc, s, l)); start with 0.
 */
export function crc64(crc: bigint | number, buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Crc64(crc).update(buf, start, end).value;
}
