import { describe, expect, it } from 'vitest';
import { d2string, digits10, formatDouble, formatG, string2d, string2ll, string2llBig } from '../../src/util/numbers.js';

describe('string2ll / string2llBig', () => {
  const valid: [string, bigint][] = [
    ['0', 0n],
    ['1', 1n],
    ['-1', -1n],
    ['123', 123n],
    ['9007199254740993', 9007199254740993n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['-9223372036854775807', -9223372036854775807n],
  ];
  const invalid = [
    '',
    '-',
    '-0',
    '01',
    '00',
    '+1',
    ' 1',
    '1 ',
    '1a',
    '1.0',
    '1e3',
    '0x10',
    '9223372036854775808',
    '-9223372036854775809',
    '18446744073709551616',
    '99999999999999999999', // 20 digits
    '-99999999999999999999', // 21 chars
    '100000000000000000000',
    '\xff',
    '1\x00',
  ];

  it('accepts canonical int64 decimal strings', () => {
    for (const [s, v] of valid) {
      expect(string2llBig(s), s).toBe(v);
      expect(string2ll(s), s).toBe(Number(v));
    }
  });

  it('rejects everything string2ll() rejects', () => {
    for (const s of invalid) {
      expect(string2llBig(s), JSON.stringify(s)).toBeNull();
      expect(string2ll(s), JSON.stringify(s)).toBeNull();
    }
  });

  it('agrees with the BigInt reference on random int64 values', () => {
    let x = 0x1234567n;
    for (let i = 0; i < 2000; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      const v = BigInt.asIntN(64, x) >> BigInt(i % 64);
      const s = v.toString();
      expect(string2llBig(s)).toBe(v);
      expect(string2ll(s)).toBe(Number(v));
    }
  });
});

describe('string2d (strtod with Redis checks)', () => {
  // Expected values were produced with glibc's strtod() and Redis's string2d() checks.
  const ok: [string, number][] = [
    ['1e5', 100000],
    ['.5', 0.5],
    ['5.', 5],
    ['+.5', 0.5],
    ['-.5e-3', -0.0005],
    ['1E5', 100000],
    ['00001', 1],
    ['0', 0],
    ['0.0', 0],
    ['0e-400', 0], // zero is not an underflow
    ['0.1', 0.1],
    ['123456789012345678901234567890', 1.2345678901234568e29],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['1.7976931348623158e308', 1.7976931348623157e308], // rounds down to DBL_MAX
    ['1e-310', 1e-310], // subnormal is accepted
    ['3e-324', 5e-324],
    ['2.4703282292062328e-324', 5e-324],
    ['inf', Infinity],
    ['+inf', Infinity],
    ['-inf', -Infinity],
    ['INF', Infinity],
    ['Infinity', Infinity],
    ['-infinity', -Infinity],
    // hex floats
    ['0x10', 16],
    ['0X1P3', 8],
    ['0x1.8p1', 3],
    ['0x.8', 0.5],
    ['0x0e', 14],
    ['0XaBcDeFp-4', 0xabcdef / 16],
    ['-0x1p-1', -0.5],
    ['0x1p-1074', 5e-324],
    ['0x1.8p-1075', 5e-324],
    ['0x3p-1076', 5e-324],
    ['0x100p-1080', 2 ** -1072],
    ['0x1p1023', 2 ** 1023],
    ['0x1.fffffffffffffp1023', 1.7976931348623157e308],
    // more than 53 bits of mantissa: round to nearest, ties to even
    ['0x1.fffffffffffff8p0', 2],
    ['0x1.fffffffffffff7p0', 2 - 2 ** -52],
    ['0x1.0000000000000800p0', 1],
    ['0x1.0000000000000801p0', 1 + 2 ** -52],
  ];
  const bad = [
    '',
    'nan',
    '-nan',
    'NaN',
    'nan(1)',
    ' 1',
    '\t1',
    '1 ',
    '1\x00',
    '1e',
    '1e+',
    '.',
    '0x',
    '0x1p',
    'infinit',
    'in',
    '1_0',
    '1,5',
    'abc',
    '1e400', // overflow
    '-1e400',
    '1.7976931348623159e308',
    '0x1p1024',
    '0x1.fffffffffffff8p1023',
    '1e-400', // underflow to zero
    '2e-324',
    '2.4703282292062327e-324',
    '0x1p-1075',
    '0x1p-1076',
    '0x0.0000e0p-2000',
  ];

  it('accepts what strtod accepts, with the exact value', () => {
    for (const [s, v] of ok) expect(string2d(s), s).toBe(v);
    expect(Object.is(string2d('-0'), -0)).toBe(true);
    expect(Object.is(string2d('-0.0'), -0)).toBe(true);
  });

  it('rejects spaces, trailing garbage, NaN, overflow and underflow', () => {
    for (const s of bad) expect(string2d(s), JSON.stringify(s)).toBeNull();
  });

  it('round-trips every %.17g output', () => {
    let seed = 7;
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      u32[0] = seed;
      seed = (seed * 1103515245 + 12345) >>> 0;
      u32[1] = seed;
      const v = f64[0];
      if (!Number.isFinite(v) || v === 0) continue;
      expect(string2d(formatDouble(v))).toBe(v);
    }
  });
});

describe('formatDouble (%.17g)', () => {
  // Right-hand sides are C's printf("%.17g") of the double on the left (glibc).
  const table: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-1, '-1'],
    [100, '100'],
    [0.5, '0.5'],
    [1.5, '1.5'],
    [-1.5, '-1.5'],
    [0.1, '0.10000000000000001'],
    [0.2, '0.20000000000000001'],
    [0.3, '0.29999999999999999'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1 / 3, '0.33333333333333331'],
    [2 / 3, '0.66666666666666663'],
    [123.456, '123.456'],
    [Math.PI, '3.1415926535897931'],
    [Math.E, '2.7182818284590451'],
    [1e15, '1000000000000000'],
    [1e16, '10000000000000000'],
    [9999999999999998, '9999999999999998'],
    [12345678901234567, '12345678901234568'],
    [2 ** 53, '9007199254740992'],
    [1e17, '1e+17'],
    [123456789012345678, '1.2345678901234568e+17'],
    [1e20, '1e+20'],
    [1e21, '1e+21'],
    [1e22, '1e+22'],
    [6.02214076e23, '6.0221407599999999e+23'],
    [1e100, '1e+100'],
    [0.0001, '0.0001'],
    [0.0001234, '0.00012339999999999999'],
    [1e-5, '1.0000000000000001e-05'],
    [-1e-7, '-9.9999999999999995e-08'],
    [-1.23456e-8, '-1.23456e-08'],
    [1e-300, '1e-300'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [2.2250738585072014e-308, '2.2250738585072014e-308'],
    [5e-324, '4.9406564584124654e-324'],
    // exact ties at the 17th digit round to even, as glibc does
    [1000000000000000.25, '1000000000000000.2'],
    [1000000000000000.75, '1000000000000000.8'],
    [1125899906842624.25, '1125899906842624.2'],
    [-1000000000000000.25, '-1000000000000000.2'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];

  it('matches C printf("%.17g")', () => {
    for (const [v, s] of table) expect(formatDouble(v), String(v)).toBe(s);
  });

  it('formatG handles other precisions with glibc rounding', () => {
    expect(formatG(0.1, 6)).toBe('0.1');
    expect(formatG(1234567, 6)).toBe('1.23457e+06');
    expect(formatG(123456, 6)).toBe('123456');
    expect(formatG(0.000012345, 3)).toBe('1.23e-05');
    expect(formatG(2.5, 1)).toBe('2'); // tie to even
    expect(formatG(3.5, 1)).toBe('4');
    expect(formatG(0.125, 2)).toBe('0.12');
    expect(formatG(0.375, 2)).toBe('0.38');
    expect(formatG(9.5, 1)).toBe('1e+01');
    expect(formatG(99.99, 3)).toBe('100');
    expect(formatG(1.5, 0)).toBe('2');
  });
});

describe('d2string and digits10', () => {
  it('prints integral doubles as integers and others as %.17g', () => {
    expect(d2string(3)).toBe('3');
    expect(d2string(-0)).toBe('-0');
    expect(d2string(1e18)).toBe('1000000000000000000');
    expect(d2string(1.5)).toBe('1.5');
    expect(d2string(0.1)).toBe('0.10000000000000001');
    expect(d2string(Infinity)).toBe('inf');
    expect(d2string(-Infinity)).toBe('-inf');
    expect(d2string(NaN)).toBe('nan');
  });

  it('digits10 counts decimal digits', () => {
    expect(digits10(0)).toBe(1);
    expect(digits10(9)).toBe(1);
    expect(digits10(10)).toBe(2);
    expect(digits10(999999)).toBe(6);
    expect(digits10(1000000)).toBe(7);
  });
});
