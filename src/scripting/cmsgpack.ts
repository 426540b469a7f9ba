/**
 * The `cmsgpack` library Redis bundles for scripts (lua-cmsgpack 0.4.0 on
 * Lua 5.1): cmsgpack.pack(...) encodes its arguments as a stream of
 * MessagePack values, cmsgpack.unpack(s) returns every value of a stream,
 * unpack_one(s [, offset]) and unpack_limit(s, limit [, offset]) a few of
 * them preceded by the offset of the next one (-1 at the end).
 *
 * As in Redis: every number is a double, packed as the smallest integer
 * format when it is integral and within int64, else as float32 when that
 * is exact, else as float64; a table whose keys are exactly 1..n packs as
 * an array (the empty table too), any other as a map in table order;
 * tables nested 16 deep pack as nil; values of other types pack as nil.
 * Unpacking knows nil, booleans, integers, float32/64, str8/16/32 and
 * arrays/maps; bin and ext are "Bad data format". Stack limits are 5.1's
 * (8000 slots per call), which is what bounds how many values one unpack()
 * returns.
 */
import { lua, pushNum, raise, toLuaBytes, type LuaState } from './lua.js';
import { argError, checkBytes, checkInteger, checkStack, optInteger, toInt32 } from './lua51.js';

const MAX_NESTING = 16;
const INT_MAX = 2147483647;

/** A growable byte buffer. */
class Out {
  b = new Uint8Array(64);
  len = 0;
  private room(n: number): void {
    if (this.len + n <= this.b.length) return;
    let size = this.b.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.b.subarray(0, this.len));
    this.b = nb;
  }
  byte(v: number): void {
    this.room(1);
    this.b[this.len++] = v;
  }
  bytes(u: Uint8Array): void {
    this.room(u.length);
    this.b.set(u, this.len);
    this.len += u.length;
  }
  /** `v` big-endian on n (1, 2 or 4) bytes. */
  be(v: number, n: number): void {
    this.room(n);
    for (let i = n - 1; i >= 0; i--) {
      this.b[this.len + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    this.len += n;
  }
  be64(v: bigint): void {
    this.room(8);
    const u = BigInt.asUintN(64, v);
    for (let i = 7; i >= 0; i--) this.b[this.len + (7 - i)] = Number((u >> BigInt(i * 8)) & 0xffn);
    this.len += 8;
  }
  take(): Uint8Array {
    const r = this.b.slice(0, this.len);
    this.len = 0;
    return r;
  }
}

const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);
const F32 = new Float32Array(1);
const F32B = new Uint8Array(F32.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Native-order bytes of a typed array's buffer, written big-endian. */
function putBE(out: Out, src: Uint8Array): void {
  for (let i = 0; i < src.length; i++) out.byte(src[LITTLE_ENDIAN ? src.length - 1 - i : i]);
}

function encodeInt(out: Out, n: number): void {
  if (n >= 0) {
    if (n <= 127) out.byte(n);
    else if (n <= 0xff) {
      out.byte(0xcc);
      out.byte(n);
    } else if (n <= 0xffff) {
      out.byte(0xcd);
      out.be(n, 2);
    } else if (n <= 0xffffffff) {
      out.byte(0xce);
      out.be(n, 4);
    } else {
      out.byte(0xcf);
      out.be64(BigInt(n));
    }
  } else if (n >= -32) {
    out.byte(n & 0xff);
  } else if (n >= -128) {
    out.byte(0xd0);
    out.byte(n & 0xff);
  } else if (n >= -32768) {
    out.byte(0xd1);
    out.be(n & 0xffff, 2);
  } else if (n >= -2147483648) {
    out.byte(0xd2);
    out.be(n >>> 0, 4);
  } else {
    out.byte(0xd3);
    out.be64(BigInt(n));
  }
}

function encodeNumber(out: Out, n: number): void {
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
    encodeInt(out, n + 0);
    return;
  }
  F64[0] = n;
  F32[0] = n;
  // float32 when the conversion is exact (never for NaN, as in C).
  if (F32[0] === n) {
    out.byte(0xca);
    putBE(out, F32B);
  } else {
    out.byte(0xcb);
    putBE(out, F64B);
  }
}

function encodeLen(out: Out, n: number, fix: number, fixMax: number, code16: number): void {
  if (n <= fixMax) out.byte(fix | n);
  else if (n <= 0xffff) {
    out.byte(code16);
    out.be(n, 2);
  } else {
    out.byte(code16 + 1);
    out.be(n % 2 ** 32, 4);
  }
}

function encodeString(out: Out, u: Uint8Array): void {
  const n = u.length;
  if (n < 32) out.byte(0xa0 | n);
  else if (n <= 0xff) {
    out.byte(0xd9);
    out.byte(n);
  } else if (n <= 0xffff) {
    out.byte(0xda);
    out.be(n, 2);
  } else {
    out.byte(0xdb);
    out.be(n % 2 ** 32, 4);
  }
  out.bytes(u);
}

/** Whether the table on top has exactly the keys 1..n (n = number of keys). */
function isArray(L: LuaState): boolean {
  const top = lua.lua_gettop(L);
  checkStack(L, 2, 'in function table_is_an_array');
  let count = 0;
  let max = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    lua.lua_pop(L, 1);
    const n = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? (lua.lua_tonumber(L, -1) as number) : 0;
    // An index must be a positive number that fits a C int.
    if (!(n > 0 && Number.isInteger(n) && n <= INT_MAX)) {
      lua.lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    count++;
  }
  lua.lua_settop(L, top);
  return max === count;
}

/** Encodes the value on top of the stack and pops it. */
function encodeTop(L: LuaState, out: Out, level: number): void {
  let t = lua.lua_type(L, -1);
  if (t === lua.LUA_TTABLE && level === MAX_NESTING) t = lua.LUA_TNIL;
  switch (t) {
    case lua.LUA_TSTRING:
      encodeString(out, lua.lua_tolstring(L, -1) as Uint8Array);
      break;
    case lua.LUA_TBOOLEAN:
      out.byte(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case lua.LUA_TNUMBER:
      encodeNumber(out, lua.lua_tonumber(L, -1) as number);
      break;
    case lua.LUA_TTABLE:
      if (isArray(L)) {
        const len = lua.lua_rawlen(L, -1) as number;
        encodeLen(out, len, 0x90, 15, 0xdc);
        checkStack(L, 1, 'in function mp_encode_lua_table_as_array');
        for (let j = 1; j <= len; j++) {
          pushNum(L, j);
          lua.lua_gettable(L, -2);
          encodeTop(L, out, level + 1);
        }
      } else {
        checkStack(L, 3, 'in function mp_encode_lua_table_as_map');
        let len = 0;
        lua.lua_pushnil(L);
        while (lua.lua_next(L, -2)) {
          lua.lua_pop(L, 1);
          len++;
        }
        encodeLen(out, len, 0x80, 15, 0xde);
        lua.lua_pushnil(L);
        while (lua.lua_next(L, -2)) {
          lua.lua_pushvalue(L, -2);
          encodeTop(L, out, level + 1); // the key
          encodeTop(L, out, level + 1); // the value
        }
      }
      break;
    default:
      out.byte(0xc0);
  }
  lua.lua_pop(L, 1);
}

function pack(L: LuaState): number {
  const nargs = lua.lua_gettop(L) as number;
  if (nargs === 0) argError(L, 0, 'MessagePack pack needs input.');
  if (nargs + nargs > 8000) argError(L, 0, 'Too many arguments for MessagePack pack.');
  const out = new Out();
  for (let i = 1; i <= nargs; i++) {
    checkStack(L, 1, 'in function mp_check');
    lua.lua_pushvalue(L, i);
    encodeTop(L, out, 0);
    const u = out.take();
    lua.lua_pushlstring(L, u, u.length);
  }
  lua.lua_concat(L, nargs);
  return 1;
}

/** Input ended inside a value / a byte no value starts with. */
const EOF = 1;
const BADFMT = 2;

class Cursor {
  constructor(
    readonly s: Uint8Array,
    public p: number,
  ) {}
  need(n: number): void {
    if (this.s.length - this.p < n) throw EOF;
  }
  u16(at: number): number {
    return (this.s[at] << 8) | this.s[at + 1];
  }
  u32(at: number): number {
    return ((this.s[at] << 24) | (this.s[at + 1] << 16) | (this.s[at + 2] << 8) | this.s[at + 3]) >>> 0;
  }
  u64(at: number): bigint {
    return (BigInt(this.u32(at)) << 32n) | BigInt(this.u32(at + 4));
  }
  str(L: LuaState, at: number, len: number): void {
    this.need(at - this.p + len);
    const u = this.s.slice(at, at + len);
    lua.lua_pushlstring(L, u, len);
    this.p = at + len;
  }
}

/** A container being filled: entries left, next array index, map key read. */
interface Frame {
  map: boolean;
  left: number;
  index: number;
  wantValue: boolean;
}

/**
 * Decodes one value at the cursor and pushes it. Containers are filled
 * with an explicit stack of frames (no recursion, as nesting has no limit
 * but the Lua stack's); the Lua stack holds what the C decoder's recursion
 * holds: each open table, and the index of the array element being read.
 */
function decodeOne(L: LuaState, c: Cursor): void {
  const frames: Frame[] = [];
  for (;;) {
    const opened = decodeItem(L, c);
    let produced = opened < 0;
    if (!produced) {
      const map = opened % 2 === 1;
      if (!map) checkStack(L, 1, 'in function mp_decode_to_lua_array');
      frames.push({ map, left: (opened - (map ? 1 : 0)) / 2, index: 1, wantValue: false });
    }
    for (;;) {
      const f = frames[frames.length - 1];
      if (produced) {
        if (f === undefined) return;
        if (f.map && !f.wantValue) {
          f.wantValue = true; // the key is on the stack: read its value
          break;
        }
        lua.lua_settable(L, -3);
        f.wantValue = false;
        produced = false;
      }
      if (f.left === 0) {
        frames.pop();
        produced = true;
        continue;
      }
      f.left--;
      if (!f.map) pushNum(L, f.index++);
      break;
    }
  }
}

/** Pushes the new table of a container of `len` entries; what decodeItem() returns for it. */
function open(L: LuaState, map: boolean, len: number): number {
  lua.lua_newtable(L);
  return len * 2 + (map ? 1 : 0);
}

/**
 * Decodes the item at the cursor: a scalar is pushed (-1 returned); for
 * an array or map, its empty table is pushed and 2 * length + (1 for a
 * map) returned.
 */
function decodeItem(L: LuaState, c: Cursor): number {
  c.need(1);
  checkStack(L, 1, 'too many return values at once; use unpack_one or unpack_limit instead.');
  const s = c.s;
  const p = c.p;
  const b = s[p];
  switch (b) {
    case 0xc0:
      lua.lua_pushnil(L);
      c.p += 1;
      return -1;
    case 0xc2:
    case 0xc3:
      lua.lua_pushboolean(L, b === 0xc3 ? 1 : 0);
      c.p += 1;
      return -1;
    case 0xcc:
      c.need(2);
      pushNum(L, s[p + 1]);
      c.p += 2;
      return -1;
    case 0xcd:
      c.need(3);
      pushNum(L, c.u16(p + 1));
      c.p += 3;
      return -1;
    case 0xce:
      c.need(5);
      pushNum(L, c.u32(p + 1));
      c.p += 5;
      return -1;
    case 0xcf: // uint 64 goes through a signed lua_Integer
    case 0xd3:
      c.need(9);
      pushNum(L, Number(BigInt.asIntN(64, c.u64(p + 1))));
      c.p += 9;
      return -1;
    case 0xd0:
      c.need(2);
      pushNum(L, (s[p + 1] << 24) >> 24);
      c.p += 2;
      return -1;
    case 0xd1:
      c.need(3);
      pushNum(L, (c.u16(p + 1) << 16) >> 16);
      c.p += 3;
      return -1;
    case 0xd2:
      c.need(5);
      pushNum(L, c.u32(p + 1) | 0);
      c.p += 5;
      return -1;
    case 0xca:
      c.need(5);
      for (let i = 0; i < 4; i++) F32B[LITTLE_ENDIAN ? 3 - i : i] = s[p + 1 + i];
      pushNum(L, F32[0]);
      c.p += 5;
      return -1;
    case 0xcb:
      c.need(9);
      for (let i = 0; i < 8; i++) F64B[LITTLE_ENDIAN ? 7 - i : i] = s[p + 1 + i];
      pushNum(L, F64[0]);
      c.p += 9;
      return -1;
    case 0xd9:
      c.need(2);
      c.str(L, p + 2, s[p + 1]);
      return -1;
    case 0xda:
      c.need(3);
      c.str(L, p + 3, c.u16(p + 1));
      return -1;
    case 0xdb:
      c.need(5);
      c.str(L, p + 5, c.u32(p + 1));
      return -1;
    case 0xdc:
      c.need(3);
      c.p += 3;
      return open(L, false, c.u16(p + 1));
    case 0xdd:
      c.need(5);
      c.p += 5;
      return open(L, false, c.u32(p + 1));
    case 0xde:
      c.need(3);
      c.p += 3;
      return open(L, true, c.u16(p + 1));
    case 0xdf:
      c.need(5);
      c.p += 5;
      return open(L, true, c.u32(p + 1));
  }
  c.p += 1;
  if ((b & 0x80) === 0) pushNum(L, b);
  else if ((b & 0xe0) === 0xe0) pushNum(L, b - 256);
  else if ((b & 0xe0) === 0xa0) c.str(L, p + 1, b & 0x1f);
  else if ((b & 0xf0) === 0x90) return open(L, false, b & 0xf);
  else if ((b & 0xf0) === 0x80) return open(L, true, b & 0xf);
  else {
    c.p -= 1;
    throw BADFMT;
  }
  return -1;
}

/**
 * Decodes up to `limit` values from `offset` (all of them when both are
 * 0, and then without the next offset in front).
 */
function unpackFull(L: LuaState, limit: number, offset: number): number {
  const s = checkBytes(L, 1);
  const len = s.length;
  const all = limit === 0 && offset === 0;
  // (the message gives the input length where it says limit)
  if (offset < 0 || limit < 0) raise(L, `Invalid request to unpack with offset of ${toInt32(offset)} and limit of ${toInt32(len)}.`);
  if (offset > len) raise(L, `Start offset ${toInt32(offset)} greater than input length ${toInt32(len)}.`);
  if (all) limit = INT_MAX;
  const c = new Cursor(s, offset);
  let cnt = 0;
  try {
    for (; c.p < len && cnt < limit; cnt++) decodeOne(L, c);
  } catch (e) {
    if (e === EOF) raise(L, 'Missing bytes in input.');
    if (e === BADFMT) raise(L, 'Bad data format in input.');
    throw e;
  }
  if (!all) {
    checkStack(L, 1, 'in function mp_unpack_full');
    pushNum(L, c.p === len ? -1 : c.p);
    lua.lua_insert(L, 2);
    cnt++;
  }
  return cnt;
}

export function openCmsgpack(L: LuaState): void {
  const fns: Record<string, (L: LuaState) => number> = {
    pack,
    unpack: (L) => unpackFull(L, 0, 0),
    unpack_one: (L) => {
      const offset = optInteger(L, 2, 0);
      lua.lua_settop(L, Math.min(lua.lua_gettop(L), 1));
      return unpackFull(L, 1, offset);
    },
    unpack_limit: (L) => {
      const limit = checkInteger(L, 2);
      const offset = optInteger(L, 3, 0);
      lua.lua_settop(L, Math.min(lua.lua_gettop(L), 1));
      return unpackFull(L, limit, offset);
    },
  };
  lua.lua_newtable(L);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, toLuaBytes(name));
  }
  for (const [k, v] of [
    ['_NAME', 'cmsgpack'],
    ['_VERSION', 'lua-cmsgpack 0.4.0'],
    ['_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo'],
    ['_DESCRIPTION', 'MessagePack C implementation for Lua'],
  ]) {
    lua.lua_pushstring(L, toLuaBytes(v));
    lua.lua_setfield(L, -2, toLuaBytes(k));
  }
  lua.lua_setglobal(L, toLuaBytes('cmsgpack'));
}
