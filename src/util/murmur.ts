/**
 * MurmurHash64A (Austin Appleby's MurmurHash2, 64-bit version) as Redis's
 * HyperLogLog uses it: 8-byte blocks read little endian whatever the host,
 * so the hash of a byte string is the same everywhere.
 *
 * 64-bit arithmetic is done on pairs of int32 halves (no BigInt, and no
 * boxed numbers on the hot path); the result is left in `murmurOut`
 * ([0] high, [1] low 32 bits, as int32).
 */

const M_HI = 0xc6a4a793 | 0;
const M_LO = 0x5bd1e995 | 0;

/** High ([0]) and low ([1]) 32 bits of the last hash computed. */
export const murmurOut = new Int32Array(2);

const M_LO0 = M_LO & 0xffff;
const M_LO1 = M_LO >>> 16;

// High 32 bits of the last mulM() product.
let rh = 0;

/** (h:l) * m mod 2^64: returns the low 32 bits, leaves the high ones in rh. */
function mulM(h: number, l: number): number {
  const l0 = l & 0xffff;
  const l1 = l >>> 16;
  const p00 = l0 * M_LO0;
  const p01 = l0 * M_LO1;
  const p10 = l1 * M_LO0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rh = (l1 * M_LO1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(h, M_LO) + Math.imul(l, M_HI)) | 0;
  return (mid << 16) | (p00 & 0xffff);
}

/** MurmurHash64A of bytes [off, off+len) of `data` with a 32-bit seed. */
export function murmurHash64A(data: Uint8Array, off: number, len: number, seed: number): void {
  let hl = mulM(0, len | 0) ^ seed;
  let hh = rh;
  const end = off + (len - (len & 7));
  let i = off;
  while (i !== end) {
    const kl = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    const kh = data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24);
    // k *= m; k ^= k >> 47; k *= m;
    let l = mulM(kh, kl);
    let h = rh;
    l = mulM(h, l ^ (h >>> 15));
    h = rh;
    // h ^= k; h *= m;
    hl = mulM(hh ^ h, hl ^ l);
    hh = rh;
    i += 8;
  }
  const rem = len & 7;
  if (rem !== 0) {
    // The tail bytes, little endian, into the high then the low half.
    if (rem >= 7) hh ^= data[i + 6] << 16;
    if (rem >= 6) hh ^= data[i + 5] << 8;
    if (rem >= 5) hh ^= data[i + 4];
    if (rem >= 4) hl ^= data[i + 3] << 24;
    if (rem >= 3) hl ^= data[i + 2] << 16;
    if (rem >= 2) hl ^= data[i + 1] << 8;
    hl ^= data[i];
    hl = mulM(hh, hl);
    hh = rh;
  }
  // h ^= h >> r; h *= m; h ^= h >> r;
  const l = mulM(hh, hl ^ (hh >>> 15));
  const h = rh;
  murmurOut[0] = h;
  murmurOut[1] = l ^ (h >>> 15);
}

/** The last hash as a uint64 BigInt (tests, debugging). */
export function murmurResult(): bigint {
  return (BigInt(murmurOut[0] >>> 0) << 32n) | BigInt(murmurOut[1] >>> 0);
}
