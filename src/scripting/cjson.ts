/**
 * The lua-cjson library Redis bundles (cjson.encode, cjson.decode,
 * cjson.null), working on Lua strings as bytes.
 */
import { lua, lauxlib, pushStr, pushNum, toStr, toLuaBytes, raise, type LuaState } from './lua.js';
import { formatG } from '../util/numbers.js';

/** cjson.null: a light userdata (NULL in the C library). */
const JSON_NULL = { cjsonNull: true };

/** cjson.encode_max_depth / decode_max_depth settings. */
const depths = { encode: 1000, decode: 1000 };

function fmtNumber(L: LuaState, idx: number): string {
  if (lua.lua_isinteger(L, idx)) return String(lua.lua_tointeger(L, idx));
  const d = lua.lua_tonumber(L, idx) as number;
  if (!Number.isFinite(d)) raise(L, 'Cannot serialise number: must not be NaN or Inf');
  return Number.isInteger(d) && Math.abs(d) < 1e14 ? String(d) : formatG(d, 14);
}

function escapeString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x2f:
        out += '\\/';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (ch < 0x20 || ch === 0x7f) out += '\\u' + ch.toString(16).padStart(4, '0');
        else out += s[i];
    }
  }
  return out + '"';
}

/** lua_array_length(): the array size, -1 for an object. */
function arrayLength(L: LuaState, idx: number): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2) as number;
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        items++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (max > items * 2 && max > 10) raise(L, 'Cannot serialise table: excessively sparse array');
  return max;
}

function encode(L: LuaState, idx: number, depth: number): string {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      return escapeString(toStr(L, idx)!);
    case lua.LUA_TNUMBER:
      return fmtNumber(L, idx);
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 'true' : 'false';
    case lua.LUA_TNIL:
      return 'null';
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, idx) === JSON_NULL) return 'null';
      break;
    case lua.LUA_TTABLE: {
      if (depth > depths.encode) raise(L, `Cannot serialise, excessive nesting (${depth})`);
      lua.lua_checkstack(L, 4);
      const len = arrayLength(L, idx);
      if (len > 0) {
        const parts: string[] = [];
        for (let i = 1; i <= len; i++) {
          lua.lua_rawgeti(L, idx, i);
          parts.push(encode(L, lua.lua_gettop(L), depth + 1));
          lua.lua_pop(L, 1);
        }
        return '[' + parts.join(',') + ']';
      }
      const parts: string[] = [];
      lua.lua_pushnil(L);
      while (lua.lua_next(L, idx) !== 0) {
        const kt = lua.lua_type(L, -2);
        let key: string;
        if (kt === lua.LUA_TSTRING) key = escapeString(toStr(L, -2)!);
        else if (kt === lua.LUA_TNUMBER) key = '"' + fmtNumber(L, lua.lua_gettop(L) - 1) + '"';
        else raise(L, 'Cannot serialise table: table key must be a number or string');
        parts.push(key + ':' + encode(L, lua.lua_gettop(L), depth + 1));
        lua.lua_pop(L, 1);
      }
      return '{' + parts.join(',') + '}';
    }
  }
  const tn = lua.lua_typename(L, lua.lua_type(L, idx));
  raise(L, `Cannot serialise ${Buffer.from(tn).toString('latin1')}: type not supported`);
}

class JsonError extends Error {}

/** A JSON decoder over bytes: strings stay bytes, \u escapes become UTF-8. */
class Decoder {
  pos = 0;
  depth = 0;
  constructor(
    readonly L: LuaState,
    readonly s: string,
  ) {}

  fail(what: string): never {
    throw new JsonError(`Expected ${what} but found ${this.token()} at character ${this.pos + 1}`);
  }

  /** lua-cjson's name for the token at pos. */
  token(): string {
    if (this.pos >= this.s.length) return 'T_END';
    const c = this.s[this.pos];
    const names: Record<string, string> = { '{': 'T_OBJ_BEGIN', '}': 'T_OBJ_END', '[': 'T_ARR_BEGIN', ']': 'T_ARR_END', ',': 'T_COMMA', ':': 'T_COLON', '"': 'T_STRING' };
    if (names[c] !== undefined) return names[c];
    if (/[-0-9]/.test(c)) return 'T_NUMBER';
    if (this.s.startsWith('true', this.pos) || this.s.startsWith('false', this.pos)) return 'T_BOOLEAN';
    if (this.s.startsWith('null', this.pos)) return 'T_NULL';
    return 'invalid token';
  }

  ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(): void {
    const L = this.L;
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') {
      pushStr(L, this.string());
      return;
    }
    if (this.s.startsWith('true', this.pos)) {
      this.pos += 4;
      lua.lua_pushboolean(L, 1);
      return;
    }
    if (this.s.startsWith('false', this.pos)) {
      this.pos += 5;
      lua.lua_pushboolean(L, 0);
      return;
    }
    if (this.s.startsWith('null', this.pos)) {
      this.pos += 4;
      lua.lua_pushlightuserdata(L, JSON_NULL);
      return;
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.pos, this.pos + 400));
    if (m === null) this.fail('value');
    this.pos += m[0].length;
    pushNum(L, Number(m[0]));
  }

  string(): string {
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) throw new JsonError(`Expected string but found unexpected end of string at character ${this.pos + 1}`);
      const c = this.s[this.pos++];
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos++];
      switch (e) {
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          let cp = parseInt(this.s.slice(this.pos, this.pos + 4), 16);
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.pos, this.pos + 4))) this.fail('string');
          this.pos += 4;
          if (cp >= 0xd800 && cp < 0xdc00 && this.s.startsWith('\\u', this.pos)) {
            const lo = parseInt(this.s.slice(this.pos + 2, this.pos + 6), 16);
            if (lo >= 0xdc00 && lo < 0xe000) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
              this.pos += 6;
            }
          }
          out += Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
          break;
        }
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        default:
          this.fail('string');
      }
    }
  }

  nest(): void {
    if (++this.depth > depths.decode) throw new JsonError(`Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`);
    lua.lua_checkstack(this.L, 4);
  }

  object(): void {
    const L = this.L;
    this.nest();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('object key string');
      pushStr(L, this.string());
      this.ws();
      if (this.s[this.pos] !== ':') this.fail('colon');
      this.pos++;
      this.value();
      lua.lua_rawset(L, -3);
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.fail('comma or object end');
      }
    }
    this.depth--;
  }

  array(): void {
    const L = this.L;
    this.nest();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') break;
      if (c !== ',') {
        this.pos--;
        this.fail('comma or array end');
      }
    }
    this.depth--;
  }
}

export function openCjson(L: LuaState): void {
  depths.encode = 1000;
  depths.decode = 1000;
  lua.lua_newtable(L);
  lua.lua_pushcfunction(L, (L: LuaState) => {
    if (lua.lua_gettop(L) !== 1) raise(L, 'bad argument #1 to \'encode\' (expected 1 argument)');
    pushStr(L, encode(L, 1, 1));
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaBytes('encode'));
  lua.lua_pushcfunction(L, (L: LuaState) => {
    if (lua.lua_gettop(L) !== 1) raise(L, 'bad argument #1 to \'decode\' (expected 1 argument)');
    const s = toStr(L, 1);
    if (s === null) lauxlib.luaL_checklstring(L, 1);
    const d = new Decoder(L, s!);
    lua.lua_settop(L, 1);
    try {
      d.value();
      d.ws();
      if (d.pos < s!.length) d.fail('the end');
    } catch (e) {
      if (e instanceof JsonError) {
        lua.lua_settop(L, 1);
        raise(L, e.message);
      }
      throw e;
    }
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaBytes('decode'));
  lua.lua_pushlightuserdata(L, JSON_NULL);
  lua.lua_setfield(L, -2, toLuaBytes('null'));
  // Configuration functions: accepted, and they answer the setting given
  // (or the default); the encoder keeps lua-cjson's defaults.
  const settings: [string, (L: LuaState) => void][] = [
    ['encode_keep_buffer', (L) => lua.lua_pushboolean(L, 1)],
    ['encode_max_depth', (L) => lua.lua_pushinteger(L, depths.encode)],
    ['decode_max_depth', (L) => lua.lua_pushinteger(L, depths.decode)],
    ['encode_number_precision', (L) => lua.lua_pushinteger(L, 14)],
    ['encode_invalid_numbers', (L) => lua.lua_pushboolean(L, 0)],
    ['decode_invalid_numbers', (L) => lua.lua_pushboolean(L, 1)],
  ];
  for (const [name, dflt] of settings) {
    lua.lua_pushcfunction(L, (L: LuaState) => {
      if (lua.lua_gettop(L) === 0) {
        dflt(L);
      } else {
        lua.lua_settop(L, 1);
        if (name === 'encode_max_depth' || name === 'decode_max_depth') {
          const n = Math.trunc(lauxlib.luaL_checknumber(L, 1));
          if (n < 1) raise(L, `bad argument #1 to '${name}' (expected integer between 1 and 2147483647)`);
          depths[name === 'encode_max_depth' ? 'encode' : 'decode'] = n;
        }
      }
      return 1;
    });
    lua.lua_setfield(L, -2, toLuaBytes(name));
  }
  lua.lua_pushcfunction(L, (L: LuaState) => {
    lua.lua_pushboolean(L, 0);
    lua.lua_pushinteger(L, 2);
    lua.lua_pushinteger(L, 10);
    return 3;
  });
  lua.lua_setfield(L, -2, toLuaBytes('encode_sparse_array'));
  lua.lua_setglobal(L, toLuaBytes('cjson'));
}
