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

function parseHexFloat(m: RegExpExecArray): number {
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? m[4] ?? '';
  const exp = m[5] ? parseInt(m[5], 10) : 0;
  let v = 0;
  for (const ch of intPart) v = v * 16 + parseInt(ch, 16);
  let scale = 1 / 16;
  for (const ch of fracPart) {
    v += parseInt(ch, 16) * scale;
    scale /= 16;
  }
  v *= Math.pow(2, exp);
  return m[1] === '-' ? -v : v;
}

/** True if the decimal mantissa of `s` has a non-zero digit. */
function hasNonZeroDigit(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 101 || c === 69 || c === 112 || c === 80) break; // e E p P
    if (c >= 49 && c <= 57) return true;
    if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) {
      if (s.indexOf('x') !== -1 || s.indexOf('X') !== -1) return true;
    }
  }
  return false;
}

/**
 * strtod() over the whole string with Redis's string2d() checks: no leading
 * space, the whole string consumed, no overflow to +-HUGE_VAL, no underflow
 * to zero, no NaN. Returns null when invalid.
 */
export function string2d(s: string): number | null {
  if (s.length === 0) return null;
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

/** printf("%.{prec}g", d) for finite d. */
export function formatG(d: number, prec: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const P = prec === 0 ? 1 : prec;
  const expStr = d.toExponential(P - 1);
  const ePos = expStr.indexOf('e');
  const X = parseInt(expStr.slice(ePos + 1), 10);
  if (X < P && X >= -4) {
    let f = d.toFixed(P - 1 - X);
    if (f.indexOf('.') !== -1) {
      f = f.replace(/0+$/, '');
      if (f.endsWith('.')) f = f.slice(0, -1);
    }
    return f;
  }
  let mant = expStr.slice(0, ePos);
  if (mant.indexOf('.') !== -1) {
    mant = mant.replace(/0+$/, '');
    if (mant.endsWith('.')) mant = mant.slice(0, -1);
  }
  const absX = Math.abs(X);
  return mant + 'e' + (X < 0 ? '-' : '+') + (absX < 10 ? '0' + absX : String(absX));
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

/** Number of decimal digits of a non-negative integer (digits10). */
export function digits10(v: number): number {
  return v < 10 ? 1 : String(Math.floor(v)).length;
}
