/**
 * Number parsing and formatting with the exact rules of Redis's util.c:
 * string2ll (strict 64-bit integers), string2d (strtod without spaces,
 * overflow or NaN) and printf's "%.17g".
 */

export const LLONG_MAX = 9223372036854775807n;
export const LLONG_MIN = -9223372036854775808n;

/**
 * string2ll(): optional '-', first digit 1-9 (or a lone "0"), digits only,
 * within int64. Returns a bigint or null.
 */
export function string2llBig(s: string): bigint | null {
  const len = s.length;
  if (len === 0 || len >= 21) return null;
  if (len === 1 && s.charCodeAt(0) === 48) return 0n;
  let p = 0;
  if (s.charCodeAt(0) === 45) {
    p = 1;
    if (len === 1) return null;
  }
  let c = s.charCodeAt(p);
  if (c < 49 || c > 57) return null;
  for (p++; p < len; p++) {
    c = s.charCodeAt(p);
    if (c < 48 || c > 57) return null;
  }
  const v = BigInt(s);
  if (v > LLONG_MAX || v < LLONG_MIN) return null;
  return v;
}

/**
 * string2ll() returning a JS number. Exact for |v| <= 2^53; larger int64
 * values are returned rounded (callers needing exactness use string2llBig).
 * Returns null when the string is not a valid int64.
 */
export function string2ll(s: string): number | null {
  const len = s.length;
  if (len === 0 || len >= 21) return null;
  if (len > 15) {
    const b = string2llBig(s);
    return b === null ? null : Number(b);
  }
  let p = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    neg = true;
    p = 1;
    if (len === 1) return null;
  } else if (c0 === 48) {
    return len === 1 ? 0 : null;
  }
  let c = s.charCodeAt(p);
  if (c < 49 || c > 57) return null;
  let v = c - 48;
  for (p++; p < len; p++) {
    c = s.charCodeAt(p);
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

const DECIMAL_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?(?:inf|infinity)$/i;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;

/** A hex float, correctly rounded to nearest-even as strtod() does. */
function parseHexFloat(m: RegExpExecArray): number {
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  const digits = (intPart + fracPart).replace(/^0+/, '');
  const neg = m[1] === '-';
  if (digits === '') return neg ? -0 : 0;
  const exp = m[5] ? Number(m[5]) : 0;
  if (!Number.isFinite(exp) || Math.abs(exp) > 1e7) {
    // Far beyond the double range either way.
    return exp > 0 ? (neg ? -Infinity : Infinity) : neg ? -0 : 0;
  }
  let mant = BigInt('0x' + digits);
  // value = mant * 2^e2
  const e2 = exp - 4 * fracPart.length;
  const bits = mant.toString(2).length;
  const top = bits - 1 + e2; // exponent of the leading bit
  if (top > 1023) return neg ? -Infinity : Infinity;
  const lowest = Math.max(top - 52, -1074); // lowest bit a double can hold here
  const shift = lowest - e2;
  let p = e2;
  if (shift > 0) {
    const sh = BigInt(shift);
    const rest = mant & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    mant >>= sh;
    if (rest > half || (rest === half && (mant & 1n) === 1n)) mant += 1n;
    p = lowest;
  }
  // mant < 2^54 and mant * 2^p is representable (or overflows after a carry).
  let v = Number(mant);
  if (p > 0) {
    v *= Math.pow(2, Math.min(p, 1023));
    if (p > 1023) v *= Math.pow(2, p - 1023);
  } else if (p < 0) {
    // Two steps keep 2^p representable down to 2^-1074.
    const a = Math.max(p, -1000);
    v *= Math.pow(2, a);
    if (p < a) v *= Math.pow(2, p - a);
  }
  return neg ? -v : v;
}

/** True if the mantissa of `s` (decimal or hex float) has a non-zero digit. */
function hasNonZeroDigit(s: string): boolean {
  const hex = s.indexOf('x') !== -1 || s.indexOf('X') !== -1;
  for (let i = hex ? s.search(/[xX]/) + 1 : 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (hex ? c === 112 || c === 80 : c === 101 || c === 69) break; // exponent
    if (c >= 49 && c <= 57) return true;
    if (hex && ((c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return true;
  }
  return false;
}

/**
 * strtod() over the whole string with Redis's string2d() checks: no leading
 * space, the whole string consumed, no overflow to +-HUGE_VAL, no underflow
 * to zero, no NaN. Returns null when invalid.
 */
export function string2d(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  if (n <= 15) {
    // A plain integer (the usual score or count): exact as a double, no regex.
    const c0 = s.charCodeAt(0);
    let i = c0 === 45 || c0 === 43 ? 1 : 0;
    if (i < n) {
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c < 48 || c > 57) break;
        i++;
      }
      if (i === n) return Number(s);
    }
  }
  let v: number;
  if (DECIMAL_RE.test(s)) {
    v = Number(s);
  } else if (INF_RE.test(s)) {
    return s.charCodeAt(0) === 45 ? -Infinity : Infinity;
  } else {
    const m = HEX_RE.exec(s);
    if (m === null) return null;
    v = parseHexFloat(m);
  }
  if (!Number.isFinite(v)) return null; // ERANGE overflow
  if (v === 0 && hasNonZeroDigit(s)) return null; // ERANGE underflow
  return v;
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** The finite double |x| as m * 2^q exactly, m an integer: [m, q]. */
export function doubleParts(x: number): [bigint, number] {
  F64[0] = x;
  const lo = U32[0];
  const hi = U32[1];
  const bexp = (hi >>> 20) & 0x7ff;
  const m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  return bexp === 0 ? [m, -1074] : [m | (1n << 52n), bexp - 1075];
}

/**
 * True if the finite, positive double `x` equals exactly the decimal
 * `mant` x 10^exp10, with `mant` a digit string (an integer).
 */
function doubleEqualsDecimal(x: number, mant: string, exp10: number): boolean {
  const [m, q] = doubleParts(x);
  // m * 2^q == mant * 10^exp10, cross-multiplied to integers.
  let left = m;
  let right = BigInt(mant);
  if (q >= 0) left <<= BigInt(q);
  else right <<= BigInt(-q);
  if (exp10 >= 0) right *= 10n ** BigInt(exp10);
  else left *= 10n ** BigInt(-exp10);
  return left === right;
}

/**
 * The `prec` significant digits of |d| rounded as glibc's printf does
 * (to nearest, exact ties to even), and the decimal exponent.
 */
export function roundDigits(a: number, prec: number): [string, number] {
  // One digit more than needed: its last digit decides the rounding unless
  // it is a 5, where the exact tail matters.
  const wide = a.toExponential(prec);
  const we = wide.indexOf('e');
  const wideDigits = wide[0] + wide.slice(2, we);
  const wideExp = parseInt(wide.slice(we + 1), 10);
  const last = wideDigits.charCodeAt(prec) - 48;
  const truncated = wideDigits.slice(0, prec);
  if (last < 5) return [truncated, wideExp];
  // toExponential() rounds to nearest, exact ties away from zero.
  const near = a.toExponential(prec - 1);
  const ne = near.indexOf('e');
  const nearDigits = prec === 1 ? near.slice(0, ne) : near[0] + near.slice(2, ne);
  const nearExp = parseInt(near.slice(ne + 1), 10);
  if (last === 5 && (truncated.charCodeAt(prec - 1) & 1) === 0 && doubleEqualsDecimal(a, wideDigits, wideExp - prec)) {
    return [truncated, wideExp]; // exact tie: to even
  }
  return [nearDigits, nearExp];
}

/** printf("%.{prec}g", d) for finite d. */
export function formatG(d: number, prec: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const P = prec === 0 ? 1 : prec;
  const sign = d < 0 ? '-' : '';
  const [digits, X] = roundDigits(Math.abs(d), P);
  if (X < P && X >= -4) {
    let intPart: string;
    let frac: string;
    if (X >= 0) {
      intPart = digits.slice(0, X + 1);
      frac = digits.slice(X + 1);
    } else {
      intPart = '0';
      frac = '0'.repeat(-X - 1) + digits;
    }
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    return sign + (end === 0 ? intPart : intPart + '.' + frac.slice(0, end));
  }
  let end = digits.length;
  while (end > 1 && digits.charCodeAt(end - 1) === 48) end--;
  const mant = end === 1 ? digits[0] : digits[0] + '.' + digits.slice(1, end);
  const absX = Math.abs(X);
  return sign + mant + 'e' + (X < 0 ? '-' : '+') + (absX < 10 ? '0' + absX : String(absX));
}

/** "%.17g" as addReplyDouble() prints; inf spelled like Redis. */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (Number.isInteger(d) && Math.abs(d) < 1e15) return Object.is(d, -0) ? '-0' : String(d);
  return formatG(d, 17);
}

/**
 * d2string(): integers that fit a long long exactly print as integers,
 * others as "%.17g"; nan/inf/-0 spelled out.
 */
export function d2string(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && Math.abs(d) <= 4611686018427387903) {
    return Math.abs(d) < 1e21 ? BigInt(d).toString() : String(d);
  }
  return formatG(d, 17);
}

/** Number of decimal digits of a non-negative integer below 2^53 (digits10). */
export function digits10(v: number): number {
  let d = 1;
  while (v >= 10000) {
    v = Math.floor(v / 10000);
    d += 4;
  }
  if (v >= 1000) return d + 3;
  if (v >= 100) return d + 2;
  if (v >= 10) return d + 1;
  return d;
}

/** Length of the decimal form of a safe integer, sign included (sdigits10). */
export function sdigits10(v: number): number {
  return v < 0 ? digits10(-v) + 1 : digits10(v);
}

/** Bits needed to write the non-negative integer `v` below 2^64 (floor(log2(v)) + 1; 0 for 0). */
export function bitLength(v: number): number {
  if (v < 0x100000000) return 32 - Math.clz32(v);
  return 64 - Math.clz32(Math.floor(v / 0x100000000));
}
