import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RedisError } from '../../src/commands/types.js';
import {
  MAX_LONG_DOUBLE_CHARS,
  bitLength,
  incrByFloatString,
  ld2stringHuman,
  ldAdd,
  ldFromBigInt,
  string2ld,
  exactDecimalSum,
  ldResultString,
  type LongDouble,
} from '../../src/util/longdouble.js';

type Expected = string | { len: number; head: string; tail: string };

/**
 * [stored value (null: missing key), INCRBYFLOAT argument, reply] as
 * redis-server 7.0.15 (x86_64, 80-bit long double) answered them.
 */
const REDIS_TABLE: [string | null, string, Expected][] = [
  [null, "0.1", "0.1"],
  ["0.1", "0.2", "0.3"],
  ["10.5", "0.1", "10.6"],
  ["5.0e3", "2.0e2", "5200"],
  ["1", "1", "2"],
  ["-1", "0.5", "-0.5"],
  [null, "1e30", "1000000000000000000024696061952"],
  ["1e30", "1", "1000000000000000000024696061952"],
  [null, "123456789012345678901234567890", "123456789012345678899921813504"],
  [null, "0.000003814697265625", "0.00000381469726562"],
  [null, "0.000011444091796875", "0.00001144409179688"],
  ["0.1", "-0.1", "0"],
  [null, "-0", "0"],
  [null, "1e-30", "0"],
  [null, "1e-17", "0.00000000000000001"],
  [null, "5e-18", "0"],
  [null, "-5e-18", "0"],
  [null, "0x10", "16"],
  [null, "0x1p-3", "0.125"],
  [null, "0x.8", "0.5"],
  [null, "1.", "1"],
  [null, ".5", "0.5"],
  [null, "+5", "5"],
  [null, "1.e5", "100000"],
  ["9223372036854775807", "1", "9223372036854775808"],
  ["9223372036854775807", "0.5", "9223372036854775807.5"],
  ["-9223372036854775808", "-1", "-9223372036854775809"],
  [null, "18446744073709551615", "18446744073709551615"],
  [null, "18446744073709551617", "18446744073709551616"],
  [null, "36893488147419103233", "36893488147419103232"],
  [null, "3.141592653589793238462643383279", "3.14159265358979324"],
  [null, "1.18973149535723176502e+4932", { len: 4933, head: "118973149535723176502126385303", tail: "444156604419552086811989770240" }],
  ["1.18973149535723176502e+4932", "1e4932", "-ERR increment would produce NaN or Infinity"],
  [null, "1e-4950", "0"],
  [null, "3.6e-4951", "0"],
  [null, "1e-4951", "-ERR value is not a valid float"],
  [null, "1.5e4932", "-ERR value is not a valid float"],
  [null, "inf", "-ERR increment would produce NaN or Infinity"],
  [null, "-infinity", "-ERR increment would produce NaN or Infinity"],
  [null, "nan", "-ERR value is not a valid float"],
  [null, " 1", "-ERR value is not a valid float"],
  [null, "1 ", "-ERR value is not a valid float"],
  [null, "1e", "-ERR value is not a valid float"],
  [null, "", "-ERR value is not a valid float"],
  [null, ".", "-ERR value is not a valid float"],
  [null, "0x", "-ERR value is not a valid float"],
  [null, "0x1p", "-ERR value is not a valid float"],
  ["abc", "1", "-ERR value is not a valid float"],
  ["1", "abc", "-ERR value is not a valid float"],
  [null, "0e-99999", "0"],
  [null, "1e-99999", "-ERR value is not a valid float"],
  [null, "1e99999", "-ERR value is not a valid float"],
  [null, "0.99999999999999999999", "1"],
  [null, "0.999999999999999999", "1"],
  [null, "0.000000000000000005", "0"],
  [null, "0.000000000000000015", "0.00000000000000002"],
  [null, "2.5e-17", "0.00000000000000002"],
  [null, "1.7976931348623157e308", { len: 309, head: "179769313486231569995921046774", tail: "159985926376802466863339536384" }],
  [null, "4.9e-324", "0"],
  ["1e20", "-1e20", "0"],
  ["0.3", "-0.1", "0.2"],
  ["1.1", "2.2", "3.3"],
  ["100", "-0.001", "99.999"],
  [null, "12345.678901234567890123", "12345.6789012345678902"],
  [null, "-12345.678901234567890123", "-12345.6789012345678902"],
];

function run(cur: string | null, inc: string): string {
  try {
    return incrByFloatString(cur ?? undefined, inc);
  } catch (e) {
    expect(e).toBeInstanceOf(RedisError);
    return '-ERR ' + (e as Error).message;
  }
}

describe('long double emulation', () => {
  it('matches the INCRBYFLOAT replies collected from redis-server', () => {
    for (const [cur, inc, want] of REDIS_TABLE) {
      const got = run(cur, inc);
      if (typeof want === 'string') {
        expect(got, `${cur} + ${inc}`).toBe(want);
      } else {
        expect(got.length, `${cur} + ${inc}`).toBe(want.len);
        expect(got.slice(0, 30)).toBe(want.head);
        expect(got.slice(-30)).toBe(want.tail);
      }
    }
  });

  it('string2ld applies strtold with Redis checks', () => {
    expect(string2ld('')).toBeNull();
    expect(string2ld(' 1')).toBeNull();
    expect(string2ld('\t1')).toBeNull();
    expect(string2ld('1\0')).toBeNull();
    expect(string2ld('nan')).toBeNull();
    expect(string2ld('NaN(123)')).toBeNull();
    expect(string2ld('infin')).toBeNull();
    expect(string2ld('INF')).toMatchObject({ kind: 1, neg: false });
    expect(string2ld('-Infinity')).toMatchObject({ kind: 1, neg: true });
    expect(ld2stringHuman(string2ld('0x1P4')!)).toBe('16');
    // redis-server: 4923 digits starting 10387723118973940422.
    expect(ld2stringHuman(string2ld('0x1.8p+16350')!)).toMatch(/^10387723118973940422\d{4903}$/);
    expect(string2ld('0.' + '1'.repeat(MAX_LONG_DOUBLE_CHARS - 3))).not.toBeNull();
    expect(string2ld('0.' + '1'.repeat(MAX_LONG_DOUBLE_CHARS - 2))).toBeNull();
    // Subnormals are fine; a non-zero value that rounds to zero is ERANGE.
    expect(string2ld('4e-4951')).not.toBeNull();
    expect(string2ld('1.8e-4951')).toBeNull();
    expect(string2ld('0.0e-100000')).toMatchObject({ kind: 0, m: 0n });
  });

  it('rounds the decimal to the nearest 64-bit significand, ties to even', () => {
    // 2^64 + 1 is a tie between 2^64 and 2^64 + 2: even significand wins.
    expect(ld2stringHuman(string2ld('18446744073709551617')!)).toBe('18446744073709551616');
    expect(ld2stringHuman(string2ld('18446744073709551619')!)).toBe('18446744073709551620');
    expect(ld2stringHuman(string2ld('0.1')!)).toBe('0.1');
  });

  it('adds with one rounding and formats %.17Lf ties to even', () => {
    const x = ldAdd(ldFromBigInt(9223372036854775807n), ldFromBigInt(9223372036854775807n));
    expect(ld2stringHuman(x)).toBe('18446744073709551614');
    const big = ldAdd(string2ld('18446744073709551616')!, ldFromBigInt(1n));
    expect(ld2stringHuman(big)).toBe('18446744073709551616');
    expect(ld2stringHuman(ldAdd(string2ld('-0')!, string2ld('-0')!))).toBe('0');
    expect(ld2stringHuman(ldAdd(string2ld('inf')!, string2ld('-inf')!))).toBe('nan');
    // 2^-18 ends in ...265625: the 18th digit is an exact tie.
    expect(ld2stringHuman(string2ld('0.000003814697265625')!)).toBe('0.00000381469726562');
    expect(ld2stringHuman(string2ld('0.000011444091796875')!)).toBe('0.00001144409179688');
    expect(ld2stringHuman(string2ld('-0.000000000000000001')!)).toBe('0');
  });

  it('reports overflow and bad input with Redis error texts', () => {
    expect(() => incrByFloatString('1.18973149535723176502e+4932', '1e4932')).toThrow('increment would produce NaN or Infinity');
    expect(() => incrByFloatString(undefined, 'x')).toThrow('value is not a valid float');
    expect(() => incrByFloatString('x', '1')).toThrow('value is not a valid float');
  });

  it('takes the double fast path only where it equals the exact emulation', () => {
    const slow = (a: string, b: string): string => ld2stringHuman(ldAdd(string2ld(a)!, string2ld(b)!));
    // Decimals with up to 16 digits, some exact in binary (n / 2^k), some not.
    const decimal = fc.oneof(
      fc.tuple(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: 22 })).map(([n, k]) => String(n / 2 ** k)),
      fc.tuple(fc.bigInt({ min: -(10n ** 16n), max: 10n ** 16n }), fc.integer({ min: 0, max: 18 })).map(([n, k]) => {
        const neg = n < 0n;
        const t = (neg ? -n : n).toString().padStart(k + 1, '0');
        return (neg ? '-' : '') + (k === 0 ? t : t.slice(0, t.length - k) + '.' + t.slice(t.length - k));
      }),
      fc.constantFrom('0', '-0', '+1.5', '.5', '1.', '007.250', '-.125', '999999999999999', '0.000003814697265625', '1e3', 'inf', ' 1'),
    );
    let taken = 0;
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const fast = exactDecimalSum(a, b);
        if (fast === null) return;
        taken++;
        expect(fast).toBe(slow(a, b));
      }),
      { numRuns: 3000 },
    );
    expect(taken).toBeGreaterThan(200);
    // Not exact in binary, or needing more than 17 fraction bits: the emulation decides.
    expect(exactDecimalSum('0.1', '0.2')).toBeNull();
    expect(exactDecimalSum('0', '0.000003814697265625')).toBeNull();
    expect(exactDecimalSum('1e3', '1')).toBeNull();
    expect(exactDecimalSum('1234567890123456', '1')).toBeNull();
    expect(exactDecimalSum('-0', '-0')).toBe('0');
    expect(exactDecimalSum('450000', '1.5')).toBe('450001.5');
  });

  it('bitLength() is exact where Number() rounds up to a power of two', () => {
    const cases: bigint[] = [1n, 2n, 3n, (1n << 32n) - 1n, 1n << 32n];
    for (let k = 33; k <= 1100; k += k < 140 ? 1 : 37) {
      const p = 1n << BigInt(k);
      cases.push(p - 1n, p, p + 1n, p - (1n << BigInt(k - 60)), p - (1n << BigInt(k - 54)));
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 200n }), (n) => {
        expect(bitLength(n)).toBe(n.toString(2).length);
      }),
    );
    for (const n of cases) expect(bitLength(n), n.toString(16)).toBe(n.toString(2).length);
  });

  it('parses plain decimals as the general parse does', () => {
    // "e0" sends the same value through the regular expression path.
    const digits = (...unit: string[]) => fc.string({ unit: fc.constantFrom(...unit), maxLength: 34 });
    const plain = fc
      .tuple(fc.constantFrom('', '-', '+'), digits('0', '1', '5', '9'), fc.option(digits('0', '3', '7', '9')))
      .map(([sign, int, frac]) => sign + int + (frac === null ? '' : '.' + frac));
    let parsed = 0;
    fc.assert(
      fc.property(plain, (s) => {
        const general = /\d/.test(s) ? string2ld(s + 'e0') : null;
        expect(string2ld(s), s).toEqual(general);
        if (general !== null) parsed++;
      }),
      { numRuns: 3000 },
    );
    expect(parsed).toBeGreaterThan(2000);
    expect(string2ld('.')).toBeNull();
    expect(string2ld('-')).toBeNull();
    expect(string2ld('1.2.3')).toBeNull();
    expect(ld2stringHuman(string2ld('123456789012345678901234567890')!)).toBe('123456789012345678899921813504');
  });

  it("remembers a stored sum as its text's parse only where the text parses back to it", () => {
    // Long doubles with the last bit worth 2^e, |x| in [2^(63+e), 2^(64+e)).
    const ld = (e: number) =>
      fc
        .tuple(fc.boolean(), fc.bigInt({ min: 1n << 63n, max: (1n << 64n) - 1n }))
        .map(([neg, m]): LongDouble => ({ neg, m, e, kind: 0 }));
    const roundTrips = (x: LongDouble) => {
      const back = string2ld(ld2stringHuman(x) + 'e0');
      return back !== null && back.neg === x.neg && back.m === x.m && back.e === x.e && back.kind === x.kind;
    };
    for (const e of [-56, -55, -40, -1, 0, 20]) {
      fc.assert(
        fc.property(ld(e), (x) => {
          expect(roundTrips(x)).toBe(true);
        }),
        { numRuns: 400 },
      );
      // 2^(63+e) exactly, whose lower neighbour is nearer, prints exactly.
      expect(roundTrips({ neg: false, m: 1n << 63n, e, kind: 0 })).toBe(true);
    }
    // Where the last bit is worth less than 10^-17, many texts do not.
    let differ = 0;
    fc.assert(fc.property(ld(-57), (x) => void (roundTrips(x) || differ++)), { numRuns: 400 });
    expect(differ).toBeGreaterThan(50);
    // INCRBYFLOAT chains through the remembered parses give the uncached
    // results, also with 17 fraction digits, which show the last bit's worth.
    const seventeen = (min: number, max: number) =>
      fc
        .tuple(fc.integer({ min, max }), fc.bigInt({ min: 0n, max: 10n ** 17n - 1n }))
        .map(([i, f]) => `${i}.${f.toString().padStart(17, '0')}`);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom('0', '250.5', '-300', '1000000', '123456.789'), seventeen(0, 600)),
        fc.array(fc.oneof(fc.constantFrom('0.1', '-0.1', '3.3', '0.0000001', '-512.25', '7'), seventeen(-3, 3)), {
          minLength: 1,
          maxLength: 60,
        }),
        (start, incs) => {
          let cached = start;
          let uncached = start;
          for (const inc of incs) {
            cached = incrByFloatString(cached, inc);
            uncached = ld2stringHuman(ldAdd(string2ld(uncached + 'e0')!, string2ld(inc + 'e0')!));
            expect(cached).toBe(uncached);
          }
        },
      ),
      { numRuns: 300 },
    );
    // redis-server: SET x 300.1, INCRBYFLOAT x 0.
    expect(ldResultString(string2ld('300.1')!)).toBe('300.10000000000000001');
  });
});
