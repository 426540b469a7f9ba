import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeScore,
  deinterleave64,
  encodeScore,
  estimateStepsByRadius,
  geohashDecode,
  areaToLongLat,
  scoreToBits,
  GEO_STEP_MAX,
  WGS84_LAT,
  WGS84_LONG,
  type GeoArea,
  fixed4,
  formatF,
  geoDistance,
  geohashString,
  interleave64,
} from '../../src/util/geohash.js';
import { pqsort } from '../../src/util/pqsort.js';
import { humanDouble, humanDoubleExact } from '../../src/util/longdouble.js';

// Expected values were read from redis-server 7.0.15 (GEOADD + ZSCORE, GEOPOS, GEOHASH, GEODIST).
describe('geohash', () => {
  it('encodes positions to the scores GEOADD stores', () => {
    expect(encodeScore(13.361389, 38.115556)).toBe(3479099956230698n);
    expect(encodeScore(-74.005941, 40.712784)).toBe(1791873974571312n);
    expect(encodeScore(180, 85.05112878)).toBe(13510798882111488n);
    expect(encodeScore(180.1, 0)).toBeNull();
    expect(encodeScore(0, -85.06)).toBeNull();
  });

  it('decodes scores to cell centers', () => {
    const [x, y] = decodeScore(3479099956230698);
    expect(humanDouble(x)).toBe('13.36138933897018433');
    expect(humanDouble(y)).toBe('38.11555639549629859');
    const [x2, y2] = decodeScore(1791873974571312);
    expect(humanDouble(x2)).toBe('-74.00594204664230347');
    expect(humanDouble(y2)).toBe('40.71278377862454789');
    // 2^52: latitude index 2^26 lands on the clamp, longitude cell 0.
    const [x3, y3] = decodeScore(4503599627370496);
    expect(humanDouble(x3)).toBe('-179.99999731779098511');
    expect(humanDouble(y3)).toBe('85.0511287799999991');
    // Out-of-range conversions as x86-64 does them.
    expect(humanDouble(decodeScore(-1e20)[0])).toBe('180');
    expect(humanDouble(decodeScore(1e20)[1])).toBe('-85.05112751263942528');
  });

  it('prints standard 11-char geohashes', () => {
    expect(geohashString(3479099956230698)).toBe('sqc8b49rny0');
    expect(geohashString(1791873974571312)).toBe('dr5regw90s0');
    expect(geohashString(13510798882111488)).toBe('bp05b5048p0');
  });

  it('interleave64 puts bit i of x at 2i and of y at 2i+1, and deinterleave64 undoes it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (x, y) => {
        let want = 0n;
        for (let i = 0; i < 32; i++) {
          if ((x >>> i) & 1) want |= 1n << BigInt(2 * i);
          if ((y >>> i) & 1) want |= 1n << BigInt(2 * i + 1);
        }
        expect(interleave64(x, y)).toBe(want);
        expect(deinterleave64(want)).toEqual([x, y]);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes a score without bigints exactly as through the 64-bit hash', () => {
    const viaBits = (score: number): [number, number] =>
      areaToLongLat(geohashDecode(WGS84_LONG, WGS84_LAT, { bits: scoreToBits(score), step: GEO_STEP_MAX }) as GeoArea);
    const scores = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 52 - 1 }),
      fc.double({ min: 0, max: 2 ** 53, noNaN: true }),
      // Any sorted-set score: fractions, negatives, past 2^53, infinities.
      fc.double(),
      fc.constantFrom(0, 2 ** 52 - 1, 2 ** 52, 2 ** 53 - 1, 2 ** 53, 2 ** 32 - 1, 2 ** 32, -0.5, 0.999),
    );
    fc.assert(
      fc.property(scores, (score) => {
        expect(decodeScore(score)).toEqual(viaBits(score));
      }),
      { numRuns: 5000 },
    );
  });

  it('interleaves and deinterleaves', () => {
    expect(interleave64(1, 0)).toBe(1n);
    expect(interleave64(0, 1)).toBe(2n);
    expect(interleave64(0xffffffff, 0)).toBe(0x5555555555555555n);
    expect(deinterleave64(0xaaaaaaaaaaaaaaaan)).toEqual([0, 0xffffffff]);
    expect(deinterleave64(interleave64(0x12345678, 0x9abcdef0))).toEqual([0x12345678, 0x9abcdef0]);
  });

  it('computes distances and formats them', () => {
    const [x1, y1] = decodeScore(3479099956230698);
    const [x2, y2] = decodeScore(1791873974571312);
    expect(fixed4(geoDistance(x1, y1, x2, y2) / 1000)).toBe('7177.6748');
    expect(fixed4(0)).toBe('0.0000');
    expect(fixed4(0.00005)).toBe('0.0000');
    expect(fixed4(0.00015)).toBe('0.0001');
    expect(fixed4(-1.5)).toBe('-1.5000');
    expect(fixed4(12.34567)).toBe('12.3457');
  });

  it('prints doubles through toFixed exactly as the long double formatter does', () => {
    // Ties at the 18th decimal (lowest set bit 2^-18) round to even in
    // printf; they must not take the toFixed path, which rounds them up.
    const tie = 1 + 2 ** -18;
    expect(humanDouble(tie)).toBe(humanDoubleExact(tie));
    expect(humanDouble(-tie)).toBe(humanDoubleExact(-tie));
    expect(humanDouble(3 * 2 ** -18)).toBe('0.00001144409179688');
    for (const d of [0, -0, 1e-20, -1e-20, 0.1, -0.1, 1e20, 123456789.123, 2 ** -17, 2 ** -19, 5e-324, Number.MAX_VALUE, NaN, Infinity]) {
      expect(humanDouble(d)).toBe(humanDoubleExact(d));
    }
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.double({ min: -200, max: 200 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((k) => k * 2 ** -18)), (d) => {
        expect(humanDouble(d)).toBe(humanDoubleExact(d));
      }),
      { numRuns: 5000 },
    );
  });

  it('prints %.4f distances without bigints below 2^53', () => {
    const viaBigint = (d: number): string => {
      if (d === 0) return '0.0000';
      const f = Math.floor(d * 10000);
      const diff = d * 10000 - f;
      const r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
      const v = BigInt(r);
      const s = (v < 0n ? -v : v).toString().padStart(5, '0');
      return (v < 0n ? '-' : '') + s.slice(0, s.length - 4) + '.' + s.slice(s.length - 4);
    };
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), (d) => {
        expect(fixed4(d)).toBe(viaBigint(d));
      }),
      { numRuns: 3000 },
    );
  });

  it('formats %f and estimates steps', () => {
    expect(formatF(181)).toBe('181.000000');
    expect(formatF(-0.5)).toBe('-0.500000');
    expect(formatF(1e30)).toBe('1000000000000000019884624838656.000000');
    expect(formatF(-Infinity)).toBe('-inf');
    expect(estimateStepsByRadius(0, 0)).toBe(26);
    expect(estimateStepsByRadius(200000, 10)).toBe(6);
    expect(estimateStepsByRadius(200000, 70)).toBe(5);
    expect(estimateStepsByRadius(200000, -81)).toBe(4);
    expect(estimateStepsByRadius(1e9, 0)).toBe(1);
  });

  it('pqsort puts the requested range in order', () => {
    let seed = 5;
    for (const n of [0, 1, 6, 7, 8, 40, 41, 100, 500]) {
      const arr: number[] = [];
      for (let i = 0; i < n; i++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        arr.push(seed % 1000);
      }
      const sorted = [...arr].sort((a, b) => a - b);
      for (const k of [1, 3, n]) {
        if (k > n || k === 0) continue;
        const copy = [...arr];
        pqsort(copy, (a, b) => a - b, 0, k - 1);
        expect(copy.slice(0, k)).toEqual(sorted.slice(0, k));
        expect([...copy].sort((a, b) => a - b)).toEqual(sorted);
      }
    }
  });
});
