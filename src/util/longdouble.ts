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

/** A double's bits: its high word is F64_WORDS[F64_HI]. */
const F64 = new Float64Array(1);
const F64_WORDS = new Uint32Array(F64.buffer);
const F64_HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export function bitLength(n: bigint): number {
  // n > 0. Number(n) rounds to nearest, so its exponent is the bit length
  // less one, unless rounding carried into the next power of two.
  const d = Number(n);
  if (d < 4294967296) return 32 - Math.clz32(d);
  if (d < 2 ** 1023) {
    F64[0] = d;
    const hi = F64_WORDS[F64_HI];
    const e = (hi >>> 20) - 1023;
    if ((hi & 0xfffff) === 0 && F64_WORDS[1 - F64_HI] === 0 && n < 1n << BigInt(e)) return e;
    return e + 1;
  }
  // Past double range: toString(16) is linear and exact.
  const h = n.toString(16);
  const top = parseInt(h[0], 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

/** 10^k for the exponents most decimal strings need. */
const POW10: bigint[] = [];
for (let k = 0, p = 1n; k <= 64; k++, p *= 10n) POW10.push(p);

/** Bit lengths of POW10's entries. */
const POW10_BITS: number[] = POW10.map((p) => p.toString(2).length);

function pow10(k: number): bigint {
  return k < POW10.length ? POW10[k] : 10n ** BigInt(k);
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

/** D * 10^exp10 (D > 0) rounded to the nearest long double, or null (range error). */
function fromDecimal(neg: boolean, D: bigint, exp10: number): LongDouble | null {
  if (exp10 >= 0) return roundToLD(neg, D * pow10(exp10), 0, false);
  const den = pow10(-exp10);
  let s2 = MANT_BITS + 3 + (-exp10 < POW10_BITS.length ? POW10_BITS[-exp10] : bitLength(den)) - bitLength(D);
  if (s2 < 0) s2 = 0;
  const num = D << BigInt(s2);
  const q = num / den;
  const sticky = q * den !== num;
  return roundToLD(neg, q, -s2, sticky);
}

/** What scanDecimal() read. */
const dec = {
  neg: false,
  /** The first 15 significant digits, and the next up to 15 (`nlo` of them). */
  hi: 0,
  lo: 0,
  nlo: 0,
  /** Significant digits in all. */
  sig: 0,
  /** Digits after the point. */
  frac: 0,
};

/**
 * Read a plain `[+-]digits[.digits]` of at most 64 chars and `maxSig`
 * (up to 30) significant digits (the form INCRBYFLOAT stores and is mostly
 * sent) into `dec`, without a regular expression or a digit string; false
 * for any other form, as soon as it shows.
 */
function scanDecimal(s: string, maxSig: number): boolean {
  const n = s.length;
  if (n === 0 || n > 64) return false;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
  }
  let hi = 0;
  let lo = 0;
  let nlo = 0;
  let sig = 0;
  let frac = -1;
  let digits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      if (frac >= 0) frac++;
      if (sig === 0 && c === 48) continue;
      if (sig === maxSig) return false;
      if (sig < 15) hi = hi * 10 + (c - 48);
      else {
        lo = lo * 10 + (c - 48);
        nlo++;
      }
      sig++;
    } else if (c === 46 && frac < 0) {
      frac = 0;
    } else return false;
  }
  if (digits === 0) return false;
  dec.neg = neg;
  dec.hi = hi;
  dec.lo = lo;
  dec.nlo = nlo;
  dec.sig = sig;
  dec.frac = frac > 0 ? frac : 0;
  return true;
}

/** parseLD() of what scanDecimal() reads; undefined for any other form, which the general parse decides. */
function parsePlainDecimal(s: string): LongDouble | null | undefined {
  if (!scanDecimal(s, 30)) return undefined;
  if (dec.sig === 0) return { neg: dec.neg, m: 0n, e: 0, kind: 0 };
  const D = dec.nlo === 0 ? BigInt(dec.hi) : BigInt(dec.hi) * POW10[dec.nlo] + BigInt(dec.lo);
  return fromDecimal(dec.neg, D, -dec.frac);
}

/**
 * strtold() semantics for a complete string: returns the value, or null
 * when strtold would not consume the whole string or would report a range
 * error (overflow, or underflow to zero) or produce NaN.
 */
function parseLD(s: string): LongDouble | null {
  const plain = parsePlainDecimal(s);
  if (plain !== undefined) return plain;
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
    return fromDecimal(neg, BigInt(digits), exp10);
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
  if (s.length >= 3) {
    const i = resultSlot(s);
    if (RESULT_TEXT[i] === s) return RESULT_SUM[i];
  }
  if (s.length > MEMO_KEY_MAX) return parseLD(s);
  let v = parsed.get(s);
  if (v === undefined) {
    v = parseLD(s);
    if (parsed.size >= MEMO_SIZE) parsed.clear();
    parsed.set(s, v);
  }
  return v;
}

/**
 * Recent parses of short strings (values are never mutated): an increment
 * is usually one of a few constants sent again and again.
 */
const parsed = new Map<string, LongDouble | null>();
const MEMO_SIZE = 256;
const MEMO_KEY_MAX = 32;

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
    // q = the value in units of 10^-17, rounded (ties to even); its
    // decimal digits are the integer part and 17 fraction digits.
    const p = BigInt(-x.e);
    const num = x.m * TEN17;
    let q = num >> p;
    const rem = BigInt.asUintN(-x.e, num);
    const half = 1n << (p - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    let digits = q.toString();
    if (digits.length <= 17) digits = digits.padStart(18, '0');
    const point = digits.length - 17;
    let k = digits.length;
    while (k > point && digits.charCodeAt(k - 1) === 48) k--;
    out = k > point ? digits.slice(0, point) + '.' + digits.slice(point, k) : digits.slice(0, point);
  }
  if (x.neg) {
    if (out === '0') return '0';
    out = '-' + out;
  }
  return out;
}

const TWO63 = 1n << 63n;

/**
 * The text INCRBYFLOAT and HINCRBYFLOAT store for `sum`: ld2stringHuman().
 * Where the sum's last bit is worth 2^-56 or more (|sum| >= 128), that text
 * is within 0.5e-17 of it, less than half the gap (0.69e-17) to either
 * neighbour (a power of two, whose lower gap is half as wide, prints
 * exactly), so the text parses back to the sum itself: it is remembered as
 * that parse, and the next increment of the stored value skips parsing it.
 */
export function ldResultString(sum: LongDouble): string {
  const s = ld2stringHuman(sum);
  if (sum.kind === 0 && sum.e >= -56 && sum.m >= TWO63) {
    const i = resultSlot(s);
    RESULT_TEXT[i] = s;
    RESULT_SUM[i] = sum;
  }
  return s;
}

/**
 * Texts ldResultString() returned and their parses, in a direct-mapped
 * table: a new sum every command would churn the Map of parses.
 */
const RESULT_SLOTS = 64;
const RESULT_TEXT: string[] = new Array<string>(RESULT_SLOTS).fill('');
const RESULT_SUM: LongDouble[] = new Array<LongDouble>(RESULT_SLOTS).fill(ZERO);

function resultSlot(s: string): number {
  const n = s.length;
  return (n + s.charCodeAt(n - 1) * 7 + s.charCodeAt(n - 2) * 61 + s.charCodeAt(n - 3) * 13) & (RESULT_SLOTS - 1);
}

/**
 * INCRBYFLOAT arithmetic on strings: `current` (undefined for a missing
 * key) plus `incr`, formatted as Redis stores the result. Throws the
 * errors incrbyfloatCommand() replies with.
 */
export function incrByFloatString(current: string | undefined, incr: string): string {
  const fast = exactDecimalSum(current ?? '0', incr);
  if (fast !== null) return fast;
  const value = current === undefined ? ZERO : string2ld(current);
  if (value === null) throw new RedisError(Errors.notFloat);
  const inc = string2ld(incr);
  if (inc === null) throw new RedisError(Errors.notFloat);
  const sum = ldAdd(value, inc);
  if (sum.kind !== 0) throw new RedisError('increment would produce NaN or Infinity');
  return ldResultString(sum);
}

/** 5^k for k <= 22: the largest power of five below 2^53. */
const POW5: number[] = [];
for (let k = 0, p = 1; k <= 22; k++, p *= 5) POW5.push(p);

/**
 * The value of a plain decimal `[+-]digits[.digits]` with at most 15
 * significant digits when a double holds it exactly (its k fraction digits
 * make it D / 10^k, exact in binary when 5^k divides D), else NaN.
 */
function exactDecimal(s: string): number {
  if (!scanDecimal(s, 15)) return NaN;
  let d = dec.hi;
  const frac = dec.frac;
  if (frac > 0) {
    if (frac >= POW5.length || d % POW5[frac] !== 0) return NaN;
    d = d / POW5[frac] / 2 ** frac;
  }
  return dec.neg ? -d : d;
}

/**
 * INCRBYFLOAT's result without the exact 64-bit emulation, when doubles
 * give it exactly: both operands exact doubles, their sum exact (TwoSum
 * leaves no error), so the long double sum is the same value; and at most
 * 17 fraction bits, so "%.17Lf" prints it without rounding, as toFixed(17)
 * does. Otherwise null.
 */
export function exactDecimalSum(current: string, incr: string): string | null {
  const a = exactDecimal(current);
  if (a !== a) return null;
  const b = exactDecimal(incr);
  if (b !== b) return null;
  const r = a + b;
  const bv = r - a;
  if (a - (r - bv) + (b - bv) !== 0 || !Number.isInteger(r * 131072)) return null;
  return humanDouble(r);
}

/** A double printed as ld2string(LD_STR_HUMAN) prints it after promotion. */
export function humanDouble(d: number): string {
  if (d === 0) return '0'; // "-0" is printed as "0" too
  const a = Math.abs(d);
  // toFixed(17) rounds the exact value like "%.17Lf" does, except for ties,
  // which it breaks away from zero and printf to even. A double ties at
  // the 18th decimal only when its lowest set bit is 2^-18.
  if (a < 1e21 && !(Number.isInteger(a * 262144) && !Number.isInteger(a * 131072))) {
    const s = d.toFixed(17);
    let k = s.length;
    while (s.charCodeAt(k - 1) === 48) k--;
    if (s.charCodeAt(k - 1) === 46) k--;
    return k === 2 && s.charCodeAt(0) === 45 && s.charCodeAt(1) === 48 ? '0' : s.slice(0, k);
  }
  return humanDoubleExact(d);
}

/** humanDouble() through the long double formatter (any double). */
export function humanDoubleExact(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  F64[0] = d;
  const hi = F64_WORDS[F64_HI];
  const lo = F64_WORDS[1 - F64_HI];
  const neg = (hi >>> 31) === 1;
  const exp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = exp - 1075;
  }
  return ld2stringHuman({ neg, m, e, kind: 0 });
}

