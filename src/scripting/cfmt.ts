/**
 * C's printf() conversions (of a double: %e %E %f %F %g %G; of a long:
 * %d %i %o %u %x %X; of bytes: %s) with flags, width and precision, as
 * glibc writes them: what Lua 5.1's tostring() ("%.14g") and
 * string.format() print in Redis. fengari formats through sprintf-js
 * and JavaScript's number printing, which differ (1e+15, 0.1, inf, nan...).
 */
import { doubleParts, roundDigits } from '../util/numbers.js';

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/** |x| (finite) with exactly `prec` decimals, rounded to nearest, exact ties to even. */
function fixedDigits(x: number, prec: number): string {
  const [m, q] = doubleParts(x);
  // |x| * 10^prec = m * 2^q * 10^prec, rounded to an integer.
  let n = m * 10n ** BigInt(prec);
  if (q >= 0) n <<= BigInt(q);
  else {
    const div = 1n << BigInt(-q);
    const quot = n / div;
    const rem = n - quot * div;
    const twice = rem * 2n;
    n = twice > div || (twice === div && (quot & 1n) === 1n) ? quot + 1n : quot;
  }
  const s = n.toString().padStart(prec + 1, '0');
  return prec === 0 ? s : s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec);
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

function expForm(digits: string, X: number, alt: boolean): string {
  const absX = Math.abs(X);
  const mant = digits.length > 1 || alt ? digits[0] + '.' + digits.slice(1) : digits;
  return mant + 'e' + (X < 0 ? '-' : '+') + (absX < 10 ? '0' + absX : String(absX));
}

/** printf("%<flags><width>.<prec><conv>", x) for conv in eEfFgG; prec -1 = default (6). */
export function cFormatDouble(x: number, conv: string, flags = '', width = 0, prec = -1): string {
  const upper = conv === 'E' || conv === 'G' || conv === 'F';
  const c = conv.toLowerCase();
  const alt = flags.includes('#');
  if (prec < 0) prec = 6;
  let neg: boolean;
  let body: string;
  if (Number.isNaN(x)) {
    F64[0] = x;
    neg = (U32[1] & 0x80000000) !== 0;
    body = 'nan';
  } else {
    neg = x < 0 || Object.is(x, -0);
    const a = Math.abs(x);
    if (a === Infinity) body = 'inf';
    else if (c === 'f') {
      body = fixedDigits(a, prec);
      if (alt && prec === 0) body += '.';
    } else if (c === 'e') {
      if (a === 0) body = expForm('0'.repeat(prec + 1), 0, alt);
      else {
        const [digits, X] = roundDigits(a, prec + 1);
        body = expForm(digits, X, alt);
      }
    } else {
      const P = prec === 0 ? 1 : prec;
      const [digits, X] = a === 0 ? ['0'.repeat(P), 0] : roundDigits(a, P);
      if (X < P && X >= -4) {
        body = fixedDigits(a, P - 1 - X);
        if (alt && body.indexOf('.') < 0) body += '.';
      } else body = expForm(digits, X, alt);
      if (!alt) body = c === 'g' && X < P && X >= -4 ? stripZeros(body) : stripZeros(body.slice(0, body.indexOf('e'))) + body.slice(body.indexOf('e'));
    }
  }
  if (upper) body = body.toUpperCase();
  const sign = neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return padField(sign, body, width, flags, Number.isFinite(x));
}

/**
 * `head` (sign, 0x) and `body` in a field of `width` chars: left-justified
 * with the '-' flag, zeros between them with '0' where `zeroPad` allows it,
 * else spaces in front.
 */
function padField(head: string, body: string, width: number, flags: string, zeroPad: boolean): string {
  const len = head.length + body.length;
  if (len >= width) return head + body;
  if (flags.includes('-')) return head + body + ' '.repeat(width - len);
  if (zeroPad && flags.includes('0')) return head + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + head + body;
}

/** A "%<flags><width>.<precision><conv>" specification; `prec` -1 when absent. */
interface Spec {
  flags: string;
  width: number;
  prec: number;
  conv: string;
}

const SPEC_RE = /^%([-+ #0]*)(\d*)(?:\.(\d*))?(.)$/;

/** A specification as string.format() hands it over (scanformat() checked it), with one of `convs`. */
function parseSpec(spec: string, convs: string): Spec {
  const m = SPEC_RE.exec(spec);
  if (m === null || !convs.includes(m[4])) throw new Error(`unsupported format ${spec}`);
  return { flags: m[1], width: m[2] === '' ? 0 : Number(m[2]), prec: m[3] === undefined ? -1 : Number(m[3] || '0'), conv: m[4] };
}

/** A "%...<e|E|f|F|g|G>" specification of string.format(). */
export function cFormatSpec(spec: string, x: number): string {
  const { flags, width, prec, conv } = parseSpec(spec, 'eEfFgG');
  return cFormatDouble(x, conv, flags, width, prec);
}

const TWO63 = 2 ** 63;
const LONG_MIN = -(2n ** 63n);
const HIGH_BIT = 2n ** 63n;

/** (long)x as x86-64 converts it: truncated; NaN and out of range give LONG_MIN. */
function toLong(x: number): bigint {
  return x !== x || x >= TWO63 || x < -TWO63 ? LONG_MIN : BigInt(Math.trunc(x));
}

/** (unsigned long)x as gcc converts it on x86-64 (from 2^63 up through the signed conversion of x - 2^63). */
function toULong(x: number): bigint {
  return x >= TWO63 ? BigInt.asUintN(64, toLong(x - TWO63) ^ HIGH_BIT) : BigInt.asUintN(64, toLong(x));
}

/**
 * A "%...<d|i|o|u|x|X>" specification of string.format() as Lua 5.1 runs
 * it: sprintf() of the number cast to long (d, i) or unsigned long, with
 * C's flags ('-', '+', ' ', '#', '0'), width and precision.
 */
export function cFormatInt(spec: string, x: number): string {
  const { flags, width, prec, conv } = parseSpec(spec, 'diouxX');
  const signed = conv === 'd' || conv === 'i';
  let v = signed ? toLong(x) : toULong(x);
  let sign = '';
  if (signed) {
    if (v < 0n) {
      sign = '-';
      v = -v;
    } else if (flags.includes('+')) sign = '+';
    else if (flags.includes(' ')) sign = ' ';
  }
  let digits = v.toString(conv === 'o' ? 8 : conv === 'x' || conv === 'X' ? 16 : 10);
  if (conv === 'X') digits = digits.toUpperCase();
  if (prec >= 0) digits = prec === 0 && v === 0n ? '' : digits.padStart(prec, '0');
  let prefix = '';
  if (flags.includes('#')) {
    if (conv === 'o' && !digits.startsWith('0')) digits = '0' + digits;
    else if ((conv === 'x' || conv === 'X') && v !== 0n) prefix = conv === 'x' ? '0x' : '0X';
  }
  return padField(sign + prefix, digits, width, flags, prec < 0);
}

/**
 * A "%...s" specification of string.format() as Lua 5.1 runs it: without a
 * precision, a string of 100 bytes or more is kept whole; otherwise
 * sprintf() on the bytes: cut at the first zero byte, then at the
 * precision, then padded with spaces to the width.
 */
export function cFormatString(spec: string, s: Uint8Array): Uint8Array {
  const { flags, width, prec } = parseSpec(spec, 's');
  if (prec < 0 && s.length >= 100) return s;
  const z = s.indexOf(0);
  let t = z >= 0 ? s.subarray(0, z) : s;
  if (prec >= 0 && t.length > prec) t = t.subarray(0, prec);
  if (t.length >= width) return t;
  const out = new Uint8Array(width).fill(32);
  out.set(t, flags.includes('-') ? 0 : width - t.length);
  return out;
}

/** Lua 5.1's number to string: "%.14g". */
export function luaNumberToString(x: number): string {
  return cFormatDouble(x, 'g', '', 0, 14);
}
