/**
 * Exact emulation of the x87 80-bit `long double` arithmetic Redis uses for
 * INCRBYFLOAT and HINCRBYFLOAT (x86_64 builds): a 64-bit significand with an
 * explicit integer bit, exponents down to the subnormal range, round to
 * nearest with ties to even.
 *
 * - string2ld(): strtold() over the whole string with Redis's checks
 *   (util.c string2ld): no leading space, everything consumed, no overflow,
 *   no underflow to zero, no NaN, shorter than MAX_LONG_DOUBLE_CHARS.
 * - ldAdd(): `a + b` rounded once, as the FPU does.
 * - ld2stringHuman(): printf("%.17Lf") correctly rounded (glibc rounds the
 *   exact binary value, ties to even), then trailing zeros and a trailing
 *   '.' removed and "-0" turned into "0" (ld2string LD_STR_HUMAN).
 *
 * Values are kept as sign, integer significand and binary exponent, all
 * arithmetic done exactly with BigInt.
 */
import { RedisError, Errors } from '../commands/types.js';

/** A finite value is (-1)^neg * m * 2^e with 0 <= m < 2^64. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  /** 0 finite, 1 infinite, 2 NaN. */
  kind: 0 | 1 | 2;
}

/** MAX_LONG_DOUBLE_CHARS of util.h: buffers for long double strings. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const MANT_BITS = 64;
/** Binary exponent of the least significant bit of subnormals (2^-16445). */
const EMIN = -16445;
/** Largest exponent e with m < 2^64: LDBL_MAX = (2^64-1) * 2^16320. */
const EMAX = 16320;
const TWO64 = 1n << 64n;

const ZERO: LongDouble = { neg: false, m: 0n, e: 0, kind: 0 };

function inf(neg: boolean): LongDouble {
  return { neg, m: 0n, e: 0, kind: 1 };
}

const NAN: LongDouble = { neg: false, m: 0n, e: 0, kind: 2 };

function bitLength(n: bigint): number {
  // n > 0. toString(16) is linear and exact; fine for the sizes used here.
  const h = n.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

/**
 * Round n * 2^e (n > 0; `sticky` means a non-zero fraction below n's last
 * bit was dropped) to the nearest long double, ties to even. Returns null
 * when the result overflows or a non-zero value underflows to zero (the
 * two ERANGE cases strtold reports; addition never underflows).
 */
function roundToLD(neg: boolean, n: bigint, e: number, sticky: boolean): LongDouble | null {
  const len = bitLength(n);
  const shift = Math.max(len - MANT_BITS, EMIN - e);
  let m: bigint;
  let exp: number;
  if (shift <= 0) {
    // Exact: normalize so that the exponent check below is meaningful.
    if (sticky) throw new Error('roundToLD: sticky bits without a rounding position');
    m = n << BigInt(-shift);
    exp = e + shift;
  } else {
    const bshift = BigInt(shift);
    m = n >> bshift;
    const rem = n - (m << bshift);
    const half = 1n << (bshift - 1n);
    if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) {
      m += 1n;
      if (m === TWO64) {
        m >>= 1n;
        exp = e + shift + 1;
      } else {
        exp = e + shift;
      }
    } else {
      exp = e + shift;
    }
  }
  if (m === 0n || exp > EMAX) return null;
  return { neg, m, e: exp, kind: 0 };
}

const DEC_RE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/** A decimal exponent string clamped to a safe magnitude. */
function clampExp(s: string | undefined): number {
  if (s === undefined) return 0;
  const v = Number(s);
  if (!Number.isFinite(v)) return s.charCodeAt(0) === 45 ? -1e9 : 1e9;
  return Math.max(-1e9, Math.min(1e9, v));
}

/**
 * strtold() semantics for a complete string: returns the value, or null
 * when strtold would not consume the whole string or would report a range
 * error (overflow, or underflow to zero) or produce NaN.
 */
function parseLD(s: string): LongDouble | null {
  let m = DEC_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    let digits = intDigits + fracDigits;
    let exp10 = clampExp(m[5]) - fracDigits.length;
    // Strip leading zeros (they carry no value) and trailing zeros (fold
    // them into the exponent).
    let i = 0;
    while (i < digits.length && digits.charCodeAt(i) === 48) i++;
    digits = digits.slice(i);
    if (digits.length === 0) return { neg, m: 0n, e: 0, kind: 0 };
    let j = digits.length;
    while (j > 0 && digits.charCodeAt(j - 1) === 48) j--;
    exp10 += digits.length - j;
    digits = digits.slice(0, j);
    const nd = digits.length;
    // Value is in [10^(exp10+nd-1), 10^(exp10+nd)).
    if (exp10 + nd - 1 > 4932) return null; // >= 1e4933 > LDBL_MAX
    if (exp10 + nd < -4951) return null; // < 1e-4951: rounds to zero
    const D = BigInt(digits);
    if (exp10 >= 0) {
      return roundToLD(neg, D * 10n ** BigInt(exp10), 0, false);
    }
    const den = 10n ** BigInt(-exp10);
    let s2 = MANT_BITS + 3 + bitLength(den) - bitLength(D);
    if (s2 < 0) s2 = 0;
    const num = D << BigInt(s2);
    const q = num / den;
    const sticky = q * den !== num;
    return roundToLD(neg, q, -s2, sticky);
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const intDigits = m[2] ?? '';
    const fracDigits = m[3] ?? m[4] ?? '';
    const all = (intDigits + fracDigits).replace(/^0+/, '');
    if (all.length === 0) return { neg, m: 0n, e: 0, kind: 0 };
    const H = BigInt('0x' + all);
    const e2 = clampExp(m[5]) - 4 * fracDigits.length;
    const top = e2 + bitLength(H);
    if (top > EMAX + MANT_BITS + 1) return null;
    if (top < EMIN - 2) return null;
    return roundToLD(neg, H, e2, false);
  }
  m = INF_RE.exec(s);
  if (m !== null) return inf(m[1] === '-');
  return null;
}

/**
 * string2ld() of util.c: a long double from the whole string, or null.
 * NaN is rejected; "inf"/"infinity" (any case, signed) are accepted.
 */
export function string2ld(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  return parseLD(s);
}

/** An int64 value as a long double (exact: 64-bit significand). */
export function ldFromBigInt(v: bigint): LongDouble {
  const neg = v < 0n;
  return { neg, m: neg ? -v : v, e: 0, kind: 0 };
}

export function ldIsFinite(x: LongDouble): boolean {
  return x.kind === 0;
}

export function ldIsZero(x: LongDouble): boolean {
  return x.kind === 0 && x.m === 0n;
}

/** a + b, rounded to nearest (ties to even), with IEEE special cases. */
export function ldAdd(a: LongDouble, b: LongDouble): LongDouble {
  if (a.kind === 2 || b.kind === 2) return NAN;
  if (a.kind === 1 || b.kind === 1) {
    if (a.kind === 1 && b.kind === 1) return a.neg === b.neg ? a : NAN;
    return a.kind === 1 ? a : b;
  }
  if (a.m === 0n && b.m === 0n) {
    // -0 + -0 = -0; any other zero sum is +0 in round-to-nearest.
    return { neg: a.neg && b.neg, m: 0n, e: 0, kind: 0 };
  }
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const av = a.m << BigInt(a.e - e);
  const bv = b.m << BigInt(b.e - e);
  let sum = (a.neg ? -av : av) + (b.neg ? -bv : bv);
  if (sum === 0n) return ZERO;
  const neg = sum < 0n;
  if (neg) sum = -sum;
  return roundToLD(neg, sum, e, false) ?? inf(neg);
}

const TEN17 = 10n ** 17n;

/**
 * ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a trailing
 * '.') removed; "-0" becomes "0"; infinities print as "inf"/"-inf".
 */
export function ld2stringHuman(x: LongDouble): string {
  if (x.kind === 1) return x.neg ? '-inf' : 'inf';
  if (x.kind === 2) return x.neg ? '-nan' : 'nan';
  let out: string;
  if (x.e >= 0) {
    out = (x.m << BigInt(x.e)).toString();
  } else {
    const p = BigInt(-x.e);
    const num = x.m * TEN17;
    let q = num >> p;
    const rem = num - (q << p);
    const half = 1n << (p - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const ip = q / TEN17;
    let frac = (q - ip * TEN17).toString().padStart(17, '0');
    let k = frac.length;
    while (k > 0 && frac.charCodeAt(k - 1) === 48) k--;
    frac = frac.slice(0, k);
    out = frac.length > 0 ? ip.toString() + '.' + frac : ip.toString();
  }
  if (x.neg) {
    if (out === '0') return '0';
    out = '-' + out;
  }
  return out;
}

/**
 * INCRBYFLOAT arithmetic on strings: `current` (undefined for a missing
 * key) plus `incr`, formatted as Redis stores the result. Throws the
 * errors incrbyfloatCommand() replies with.
 */
export function incrByFloatString(current: string | undefined, incr: string): string {
  const value = current === undefined ? ZERO : string2ld(current);
  if (value === null) throw new RedisError(Errors.notFloat);
  const inc = string2ld(incr);
  if (inc === null) throw new RedisError(Errors.notFloat);
  const sum = ldAdd(value, inc);
  if (sum.kind !== 0) throw new RedisError('increment would produce NaN or Infinity');
  return ld2stringHuman(sum);
}
