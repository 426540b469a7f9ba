/**
 * The 48-bit linear congruential generator behind Redis's math.random
 * (redisLrand48/redisSrand48): the same sequence for the same seed on every
 * platform, shared by every script run until reseeded.
 */
const A = 0x5deece66dn;
const C = 0xbn;
const MASK = (1n << 48n) - 1n;

export class Rand48 {
  private x = 0x1234abcd330en;

  seed(v: number): void {
    this.x = ((BigInt(v | 0) & 0xffffffffn) << 16n) | 0x330en;
  }

  /** A value in [0, 2^31). */
  next(): number {
    this.x = (A * this.x + C) & MASK;
    return Number(this.x >> 17n);
  }
}

/** REDIS_LRAND48_MAX. */
export const RAND48_MAX = 2147483647;
