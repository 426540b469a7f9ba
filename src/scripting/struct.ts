/**
 * The `struct` library Redis bundles for scripts (Roberto Ierusalimschy's
 * struct 1.7, as built for 64-bit Linux): struct.pack(fmt, ...) packs
 * numbers and strings into a binary string, struct.unpack(fmt, s [, pos])
 * reads them back (followed by the position after the last byte read),
 * struct.size(fmt) is the size of a fixed-size format.
 *
 * Format: '>' big / '<' little endian (little by default), '![n]' maximum
 * alignment (8 when n is absent; no alignment by default), 'x' a zero
 * byte, b/B h/H l/L T i[n]/I[n] signed/unsigned integers of 1, 2, 8, 8,
 * n (4 by default, at most 32) bytes, 'f' float, 'd' double, 'c[n]' n
 * bytes (the whole string when packing with n = 0; the length read just
 * before when unpacking), 's' a zero-terminated string, ' ' ignored; the
 * format ends at its first zero byte. Integers are 64 bits wide: wider
 * ones are padded, and values out of range convert as x86-64's double to
 * integer conversions do.
 */
import { lua, pushNum, raise, toLuaBytes, type LuaState } from './lua.js';
import { argError, checkBytes, checkNumber, checkStack, optInteger } from './lua51.js';

const BIG = 0;
const LITTLE = 1;
const MAXINTSIZE = 32;
/** Maximum alignment on x86-64 (that of a double). */
const MAXALIGN = 8;
const INT_MAX = 2147483647;
const MASK64 = (1n << 64n) - 1n;
const SIGN64 = 1n << 63n;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** The format string: a C string, it ends at its first zero byte. */
function checkFormat(L: LuaState): Uint8Array {
  const u = checkBytes(L, 1);
  const z = u.indexOf(0);
  return z < 0 ? u : u.subarray(0, z);
}

class Fmt {
  i = 0;
  endian = LITTLE;
  align = 1;
  constructor(
    readonly L: LuaState,
    readonly f: Uint8Array,
  ) {}

  more(): boolean {
    return this.i < this.f.length;
  }

  /** The number at the cursor, or `df` when there is none. */
  num(df: number): number {
    if (!(this.i < this.f.length && isDigit(this.f[this.i]))) return df;
    let a = 0;
    do {
      const d = this.f[this.i] - 0x30;
      if (a > Math.floor(INT_MAX / 10) || a * 10 > INT_MAX - d) raise(this.L, 'integral size overflow');
      a = a * 10 + d;
      this.i++;
    } while (this.i < this.f.length && isDigit(this.f[this.i]));
    return a;
  }

  /** The size of option `opt` (reading its number). */
  size(opt: number): number {
    switch (String.fromCharCode(opt)) {
      case 'B':
      case 'b':
      case 'x':
        return 1;
      case 'H':
      case 'h':
        return 2;
      case 'f':
        return 4;
      case 'L':
      case 'l':
      case 'T':
      case 'd':
        return 8;
      case 'c':
        return this.num(1);
      case 'i':
      case 'I': {
        const sz = this.num(4);
        if (sz > MAXINTSIZE) raise(this.L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
        return sz;
      }
      default:
        return 0;
    }
  }

  /** Padding before an item of `size` bytes at offset `len`. */
  toAlign(len: number, opt: number, size: number): number {
    if (size === 0 || opt === 0x63 /* c */) return 0;
    if (size > this.align) size = this.align;
    // (size need not be a power of 2: i3 aligns as the C code does)
    return (size - (len & (size - 1))) & (size - 1);
  }

  /** Endianness, alignment and blanks; anything else is an invalid option. */
  control(opt: number): void {
    switch (opt) {
      case 0x20:
        return;
      case 0x3e:
        this.endian = BIG;
        return;
      case 0x3c:
        this.endian = LITTLE;
        return;
      case 0x21: {
        const a = this.num(MAXALIGN);
        if (!(a > 0 && (a & (a - 1)) === 0)) raise(this.L, `alignment ${a} is not a power of 2`);
        this.align = a;
        return;
      }
      default:
        argError(this.L, 1, `invalid format option '${String.fromCharCode(opt)}'`);
    }
  }
}

function isIntOpt(opt: number): boolean {
  return 'bBhHlLTiI'.includes(String.fromCharCode(opt));
}

/** A double converted to unsigned long as x86-64 code does (negative ones through long). */
function toULong(n: number): bigint {
  if (n < 0) return n < -(2 ** 63) ? SIGN64 : BigInt.asUintN(64, BigInt(Math.trunc(n)));
  if (Number.isNaN(n)) return SIGN64;
  if (n < 2 ** 63) return BigInt(Math.trunc(n));
  if (n < 2 ** 64) return BigInt(Math.trunc(n));
  return 0n;
}

const F32 = new Float32Array(1);
const F32B = new Uint8Array(F32.buffer);
const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const NATIVE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? LITTLE : BIG;

/** The bytes of a native-order float in `endian` order. */
function ordered(b: Uint8Array, endian: number): Uint8Array {
  const r = b.slice();
  if (endian !== NATIVE) r.reverse();
  return r;
}

function pack(L: LuaState): number {
  const f = new Fmt(L, checkFormat(L));
  // The C library's mark between arguments and buffer: a missing argument is nil.
  lua.lua_pushnil(L);
  const parts: Uint8Array[] = [];
  let arg = 2;
  let total = 0;
  while (f.more()) {
    const opt = f.f[f.i++];
    let size = f.size(opt);
    const pad = f.toAlign(total, opt, size);
    total += pad;
    if (pad > 0) parts.push(new Uint8Array(pad));
    if (isIntOpt(opt)) {
      let v = toULong(checkNumber(L, arg++));
      const b = new Uint8Array(size);
      for (let k = 0; k < size; k++) {
        b[f.endian === LITTLE ? k : size - 1 - k] = Number(v & 0xffn);
        v >>= 8n;
      }
      parts.push(b);
    } else if (opt === 0x78 /* x */) {
      parts.push(new Uint8Array(1));
    } else if (opt === 0x66 /* f */) {
      F32[0] = checkNumber(L, arg++);
      parts.push(ordered(F32B, f.endian));
    } else if (opt === 0x64 /* d */) {
      F64[0] = checkNumber(L, arg++);
      parts.push(ordered(F64B, f.endian));
    } else if (opt === 0x63 /* c */ || opt === 0x73 /* s */) {
      const s = checkBytes(L, arg++);
      if (size === 0) size = s.length;
      // (the argument named is the one after the string, as in the C library)
      if (s.length < size) argError(L, arg, 'string too short');
      parts.push(s.slice(0, size));
      if (opt === 0x73) {
        parts.push(new Uint8Array(1));
        size++;
      }
    } else {
      f.control(opt);
    }
    total += size;
  }
  const out = Buffer.concat(parts);
  lua.lua_pushlstring(L, out, out.length);
  return 1;
}

/** An integer of `size` bytes at `pos`, through a 64-bit unsigned long. */
function getInteger(d: Uint8Array, pos: number, endian: number, signed: boolean, size: number): number {
  let l = 0n;
  for (let k = 0; k < size; k++) {
    l = ((l << 8n) | BigInt(d[endian === BIG ? pos + k : pos + size - 1 - k])) & MASK64;
  }
  if (!signed) return Number(l);
  // The sign mask as a 64-bit shift computes it (shift count taken mod 64).
  const mask = (MASK64 << BigInt((size * 8 - 1) & 63)) & MASK64;
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

/** A double converted to size_t; a value no string can have is Infinity. */
function toSizeT(n: number): number {
  const v = toULong(n);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
}

function unpack(L: LuaState): number {
  const f = new Fmt(L, checkFormat(L));
  const data = checkBytes(L, 2);
  const ld = data.length;
  const start = optInteger(L, 3, 1);
  if (start === 0) argError(L, 3, 'offset must be 1 or greater');
  // A negative position wraps to a huge unsigned one: nothing fits after it.
  const wrapped = start < 0;
  let pos = wrapped ? 0 : start - 1;
  let n = 0;
  const fits = (size: number): boolean => !wrapped && size <= ld && pos <= ld - size;
  while (f.more()) {
    const opt = f.f[f.i++];
    let size = f.size(opt);
    pos += f.toAlign(pos, opt, size);
    if (!fits(size)) argError(L, 2, 'data string too short');
    checkStack(L, 2, 'too many results');
    if (isIntOpt(opt)) {
      pushNum(L, getInteger(data, pos, f.endian, opt >= 0x61, size));
      n++;
    } else if (opt === 0x78 /* x */) {
      // padding
    } else if (opt === 0x66 /* f */ || opt === 0x64 /* d */) {
      const b = opt === 0x66 ? F32B : F64B;
      const raw = data.subarray(pos, pos + size);
      for (let k = 0; k < size; k++) b[k] = raw[f.endian === NATIVE ? k : size - 1 - k];
      pushNum(L, opt === 0x66 ? F32[0] : F64[0]);
      n++;
    } else if (opt === 0x63 /* c */) {
      if (size === 0) {
        if (n === 0 || !lua.lua_isnumber(L, -1)) raise(L, "format 'c0' needs a previous size");
        size = toSizeT(lua.lua_tonumber(L, -1) as number);
        lua.lua_pop(L, 1);
        n--;
        if (!fits(size)) argError(L, 2, 'data string too short');
      }
      const s = data.slice(pos, pos + size);
      lua.lua_pushlstring(L, s, size);
      n++;
    } else if (opt === 0x73 /* s */) {
      const e = data.indexOf(0, pos);
      if (e < 0) raise(L, 'unfinished string in data');
      size = e - pos + 1;
      const s = data.slice(pos, e);
      lua.lua_pushlstring(L, s, s.length);
      n++;
    } else {
      f.control(opt);
    }
    pos += size;
  }
  pushNum(L, wrapped ? start : pos + 1);
  return n + 1;
}

function size(L: LuaState): number {
  const f = new Fmt(L, checkFormat(L));
  let pos = 0;
  while (f.more()) {
    const opt = f.f[f.i++];
    const sz = f.size(opt);
    pos += f.toAlign(pos, opt, sz);
    if (opt === 0x73) argError(L, 1, "option 's' has no fixed size");
    else if (opt === 0x63 && sz === 0) argError(L, 1, "option 'c0' has no fixed size");
    if (!isAlnum(opt)) f.control(opt);
    pos += sz;
  }
  pushNum(L, pos);
  return 1;
}

export function openStruct(L: LuaState): void {
  lua.lua_newtable(L);
  for (const [name, fn] of [
    ['pack', pack],
    ['unpack', unpack],
    ['size', size],
  ] as [string, (L: LuaState) => number][]) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaBytes(name));
  }
  lua.lua_setglobal(L, toLuaBytes('struct'));
}
