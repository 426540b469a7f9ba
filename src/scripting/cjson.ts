/**
 * The lua-cjson library Redis bundles (cjson.encode, cjson.decode,
 * cjson.null), working on Lua strings as bytes.
 */
import { lua, lauxlib, pushStr, pushNum, toStr, toLuaBytes, raise, type LuaState } from './lua.js';
import { formatG } from '../util/numbers.js';
import { argError, checkInteger, typeError } from './lua51.js';

/** cjson.null: a light userdata (NULL in the C library). */
const JSON_NULL = { cjsonNull: true };

/** The settings of one cjson instance (json_config_t): each Lua state keeps its own across scripts. */
interface CjsonConfig {
  encodeSparseConvert: number;
  encodeSparseRatio: number;
  encodeSparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  /** 0 off (error), 1 on ("nan"/"inf"), 2 "null". */
  encodeInvalidNumbers: number;
  decodeInvalidNumbers: number;
  encodeKeepBuffer: number;
  encodeNumberPrecision: number;
}

function defaultConfig(): CjsonConfig {
  return {
    encodeSparseConvert: 0,
    encodeSparseRatio: 2,
    encodeSparseSafe: 10,
    encodeMaxDepth: 1000,
    decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0,
    decodeInvalidNumbers: 1,
    encodeKeepBuffer: 1,
    encodeNumberPrecision: 14,
  };
}

/** json_append_number(): "%.<precision>g", invalid numbers as configured. */
function fmtNumber(L: LuaState, idx: number, cfg: CjsonConfig): string {
  const d = lua.lua_tonumber(L, idx) as number;
  if (!Number.isFinite(d)) {
    if (cfg.encodeInvalidNumbers === 0) raise(L, 'Cannot serialise number: must not be NaN or Inf');
    if (cfg.encodeInvalidNumbers === 2) return 'null';
    if (Number.isNaN(d)) return 'nan';
    return d > 0 ? 'inf' : '-inf';
  }
  return formatG(d, cfg.encodeNumberPrecision);
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
function arrayLength(L: LuaState, idx: number, cfg: CjsonConfig): number {
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
  if (cfg.encodeSparseRatio > 0 && max > items * cfg.encodeSparseRatio && max > cfg.encodeSparseSafe) {
    if (!cfg.encodeSparseConvert) raise(L, 'Cannot serialise table: excessively sparse array');
    return -1;
  }
  return max;
}

function encode(L: LuaState, idx: number, depth: number, cfg: CjsonConfig): string {
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      return escapeString(toStr(L, idx)!);
    case lua.LUA_TNUMBER:
      return fmtNumber(L, idx, cfg);
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, idx) ? 'true' : 'false';
    case lua.LUA_TNIL:
      return 'null';
    case lua.LUA_TLIGHTUSERDATA:
      if (lua.lua_touserdata(L, idx) === JSON_NULL) return 'null';
      break;
    case lua.LUA_TTABLE: {
      if (depth > cfg.encodeMaxDepth) raise(L, `Cannot serialise, excessive nesting (${depth})`);
      lua.lua_checkstack(L, 4);
      const len = arrayLength(L, idx, cfg);
      if (len > 0) {
        const parts: string[] = [];
        for (let i = 1; i <= len; i++) {
          lua.lua_rawgeti(L, idx, i);
          parts.push(encode(L, lua.lua_gettop(L), depth + 1, cfg));
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
        else if (kt === lua.LUA_TNUMBER) key = '"' + fmtNumber(L, lua.lua_gettop(L) - 1, cfg) + '"';
        else raise(L, 'Cannot serialise table: table key must be a number or string');
        parts.push(key + ':' + encode(L, lua.lua_gettop(L), depth + 1, cfg));
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
    readonly cfg: CjsonConfig,
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
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (!this.cfg.decodeInvalidNumbers && this.invalidNumber()) return 'invalid number';
      return strtodPrefix(this.s, this.pos)[0] === 0 ? 'invalid number' : 'T_NUMBER';
    }
    if (this.s.startsWith('true', this.pos) || this.s.startsWith('false', this.pos)) return 'T_BOOLEAN';
    if (this.s.startsWith('null', this.pos)) return 'T_NULL';
    if (this.cfg.decodeInvalidNumbers && this.invalidNumber()) return strtodPrefix(this.s, this.pos)[0] === 0 ? 'invalid number' : 'T_NUMBER';
    return 'invalid token';
  }

  /** json_is_invalid_number(): what strict JSON refuses (+, hex, leading zeros, inf, nan). */
  invalidNumber(): boolean {
    const s = this.s;
    let p = this.pos;
    if (s[p] === '+') return true;
    if (s[p] === '-') p++;
    if (s[p] === '0') {
      const c2 = s.charCodeAt(p + 1);
      return (c2 | 0x20) === 0x78 || (c2 >= 0x30 && c2 <= 0x39);
    }
    if (p >= s.length || s.charCodeAt(p) <= 0x39) return false;
    const three = s.slice(p, p + 3).toLowerCase();
    return three === 'inf' || three === 'nan';
  }

  /** A number token: strtod() over the text, as lua-cjson reads numbers. */
  number(): void {
    const [len, value] = strtodPrefix(this.s, this.pos);
    if (len === 0) throw new JsonError(`Expected value but found invalid number at character ${this.pos + 1}`);
    this.pos += len;
    pushNum(this.L, value);
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
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (!this.cfg.decodeInvalidNumbers && this.invalidNumber()) {
        throw new JsonError(`Expected value but found invalid number at character ${this.pos + 1}`);
      }
      return this.number();
    }
    if (this.cfg.decodeInvalidNumbers && this.invalidNumber()) return this.number();
    this.fail('value');
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
    if (++this.depth > this.cfg.decodeMaxDepth) throw new JsonError(`Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`);
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

/**
 * The longest prefix of s[pos..] glibc's strtod() reads (sign, inf/infinity,
 * nan[(...)], hex with p exponent, decimal with e exponent): its length (0:
 * none) and value.
 */
export function strtodPrefix(s: string, pos: number): [number, number] {
  let p = pos;
  let neg = false;
  if (s[p] === '+' || s[p] === '-') {
    neg = s[p] === '-';
    p++;
  }
  const sign = (v: number) => (neg ? -v : v);
  const lower = s.slice(p, p + 8).toLowerCase();
  if (lower.startsWith('inf')) return [p - pos + (lower === 'infinity' ? 8 : 3), sign(Infinity)];
  if (lower.startsWith('nan')) {
    let q = p + 3;
    if (s[q] === '(') {
      let r = q + 1;
      while (r < s.length && /[0-9A-Za-z_]/.test(s[r])) r++;
      if (s[r] === ')') q = r + 1;
    }
    return [q - pos, sign(NaN)];
  }
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const isHex = (c: string | undefined) => c !== undefined && /[0-9a-fA-F]/.test(c);
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && (isHex(s[p + 2]) || (s[p + 2] === '.' && isHex(s[p + 3])))) {
    let q = p + 2;
    let mant = 0n;
    let exp = 0;
    while (isHex(s[q])) mant = mant * 16n + BigInt(parseInt(s[q++], 16));
    if (s[q] === '.') {
      q++;
      while (isHex(s[q])) {
        mant = mant * 16n + BigInt(parseInt(s[q++], 16));
        exp -= 4;
      }
    }
    if ((s[q] === 'p' || s[q] === 'P') && (isDigit(s[q + 1]) || ((s[q + 1] === '+' || s[q + 1] === '-') && isDigit(s[q + 2])))) {
      let r = q + 1;
      const eneg = s[r] === '-';
      if (s[r] === '+' || s[r] === '-') r++;
      let e = 0;
      while (isDigit(s[r])) e = Math.min(e * 10 + (s.charCodeAt(r++) - 48), 100000);
      exp += eneg ? -e : e;
      q = r;
    }
    return [q - pos, sign(Number(mant) * 2 ** exp)];
  }
  let q = p;
  while (isDigit(s[q])) q++;
  let digits = q - p;
  if (s[q] === '.') {
    q++;
    const f = q;
    while (isDigit(s[q])) q++;
    digits += q - f;
  }
  if (digits === 0) return [0, 0];
  if ((s[q] === 'e' || s[q] === 'E') && (isDigit(s[q + 1]) || ((s[q + 1] === '+' || s[q + 1] === '-') && isDigit(s[q + 2])))) {
    q += 2;
    while (isDigit(s[q])) q++;
  }
  return [q - pos, Number(s.slice(pos, q).replace(/^\+/, '').replace(/\.(?=[eE]|$)/, ''))];
}

export function openCjson(L: LuaState): void {
  pushCjsonModule(L);
  lua.lua_setglobal(L, toLuaBytes('cjson'));
}

/**
 * lua_cjson_new(): a module table with settings of its own (cjson.new()
 * makes another), named as lua-cjson 2.1.0 names itself.
 */
function pushCjsonModule(L: LuaState): void {
  const cfg = defaultConfig();
  lua.lua_newtable(L);
  pushStr(L, 'cjson');
  lua.lua_setfield(L, -2, toLuaBytes('_NAME'));
  pushStr(L, '2.1.0');
  lua.lua_setfield(L, -2, toLuaBytes('_VERSION'));
  lua.lua_pushcfunction(L, (L: LuaState) => {
    pushCjsonModule(L);
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaBytes('new'));
  lua.lua_pushcfunction(L, (L: LuaState) => {
    if (lua.lua_gettop(L) !== 1) raise(L, 'bad argument #1 to \'encode\' (expected 1 argument)');
    pushStr(L, encode(L, 1, 1, cfg));
    return 1;
  });
  lua.lua_setfield(L, -2, toLuaBytes('encode'));
  lua.lua_pushcfunction(L, (L: LuaState) => {
    if (lua.lua_gettop(L) !== 1) raise(L, 'bad argument #1 to \'decode\' (expected 1 argument)');
    const s = toStr(L, 1);
    if (s === null) lauxlib.luaL_checklstring(L, 1);
    const d = new Decoder(L, s!, cfg);
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
  // The configuration functions (json_cfg_*): each reads and sets this instance's settings.
  type Key = keyof CjsonConfig;
  /** json_arg_init(). */
  const args = (L: LuaState, n: number): void => {
    if (lua.lua_gettop(L) > n) argError(L, n + 1, 'found too many arguments');
    lua.lua_settop(L, n);
  };
  /** json_integer_option(). */
  const intOption = (L: LuaState, idx: number, key: Key, min: number, max: number): void => {
    if (!lua.lua_isnil(L, idx)) {
      const v = Number(BigInt.asIntN(32, BigInt(checkInteger(L, idx))));
      if (!(min <= v && v <= max)) argError(L, 1, `expected integer between ${min} and ${max}`);
      cfg[key] = v;
    }
    lua.lua_pushinteger(L, cfg[key]);
  };
  /** json_enum_option(): booleans or one of `options`; answers a boolean where the setting is one. */
  const enumOption = (L: LuaState, idx: number, key: Key, options: string[] = ['off', 'on']): void => {
    if (!lua.lua_isnil(L, idx)) {
      if (lua.lua_isboolean(L, idx)) cfg[key] = lua.lua_toboolean(L, idx) ? 1 : 0;
      else {
        const name = lua.lua_isstring(L, idx) ? toStr(L, idx)! : typeError(L, idx, 'string');
        const i = options.indexOf(name);
        if (i < 0) argError(L, idx, `invalid option '${name}'`);
        cfg[key] = i;
      }
    }
    if (cfg[key] === 0 || cfg[key] === 1) lua.lua_pushboolean(L, cfg[key]);
    else pushStr(L, options[cfg[key]]);
  };
  const fns: [string, (L: LuaState) => number][] = [
    ['encode_sparse_array', (L) => {
      args(L, 3);
      enumOption(L, 1, 'encodeSparseConvert');
      intOption(L, 2, 'encodeSparseRatio', 0, 2147483647);
      intOption(L, 3, 'encodeSparseSafe', 0, 2147483647);
      return 3;
    }],
    ['encode_max_depth', (L) => (args(L, 1), intOption(L, 1, 'encodeMaxDepth', 1, 2147483647), 1)],
    ['decode_max_depth', (L) => (args(L, 1), intOption(L, 1, 'decodeMaxDepth', 1, 2147483647), 1)],
    ['encode_number_precision', (L) => (args(L, 1), intOption(L, 1, 'encodeNumberPrecision', 1, 14), 1)],
    // The write buffer it keeps or frees is not observable here: only the setting is kept.
    ['encode_keep_buffer', (L) => (args(L, 1), enumOption(L, 1, 'encodeKeepBuffer'), 1)],
    ['encode_invalid_numbers', (L) => (args(L, 1), enumOption(L, 1, 'encodeInvalidNumbers', ['off', 'on', 'null']), 1)],
    ['decode_invalid_numbers', (L) => (args(L, 1), enumOption(L, 1, 'decodeInvalidNumbers'), 1)],
  ];
  for (const [name, fn] of fns) {
    lua.lua_pushcfunction(L, fn);
    lua.lua_setfield(L, -2, toLuaBytes(name));
  }
}
