/**
 * Loads fengari (a Lua 5.3 VM in JS) made to behave like the Lua 5.1 Redis
 * embeds where scripts can tell the difference. Every 5.1 number is a
 * double, while fengari's integers are 32 bits and wrap: a few lines of
 * fengari are rewritten as it loads (Module.prototype._compile, for the
 * duration of the require) so that
 * - integer +, -, * and unary minus whose result leaves int32 give the
 *   float result, as the double arithmetic of 5.1 does (tonumber(ARGV[1])
 *   * 1000 on a timestamp in seconds, sums past 2^31), also when the
 *   compiler folds constants; % is 5.1's a - floor(a/b)*b, NaN for x % 0;
 *   a numeric for counts in floats past int32 instead of wrapping;
 * - numbers print as 5.1's "%.14g" (1e+15, inf, -nan, -0), integral floats
 *   without ".0" (tostring(10/2) is "5"), and string.format's %e %f %g as
 *   glibc's printf (cfmt.ts);
 * - string.format's %d %i %c %o %u %x %X take any number, truncated (5.1
 *   casts the double; 5.3 refuses one without an integer representation).
 * Each edit must match fengari's source exactly once: a fengari version
 * whose source differs fails loudly here instead of silently running
 * unpatched (package.json pins the version).
 */
import { createRequire } from 'node:module';
import Module from 'node:module';
import path from 'node:path';
import { cFormatInt, cFormatSpec, cFormatString, luaNumberToString } from './cfmt.js';

const require = createRequire(import.meta.url);

/**
 * The patched sources reach Nodis's number formatting through these
 * registry symbols (fengari's modules are CommonJS and cannot import it).
 */
const NUMBER2STR = 'Symbol.for("nodis.lua.number2str")';
const FMTDOUBLE = 'Symbol.for("nodis.lua.fmtdouble")';
const FMTINT = 'Symbol.for("nodis.lua.fmtint")';
const FMTSTR = 'Symbol.for("nodis.lua.fmtstr")';
(globalThis as Record<symbol, unknown>)[Symbol.for('nodis.lua.number2str')] = luaNumberToString;
(globalThis as Record<symbol, unknown>)[Symbol.for('nodis.lua.fmtdouble')] = cFormatSpec;
(globalThis as Record<symbol, unknown>)[Symbol.for('nodis.lua.fmtint')] = cFormatInt;
(globalThis as Record<symbol, unknown>)[Symbol.for('nodis.lua.fmtstr')] = cFormatString;

/** An int32 result stays an integer; anything else (and -0) becomes a float. */
const SETNUM = '\nfunction nodis_setnum(o, r) { if ((r | 0) === r && (r !== 0 || 1 / r > 0)) o.setivalue(r); else o.setfltvalue(r); }\n';

const PATCHES: Record<string, { suffix?: string; edits: [string, string][] }> = {
  'lvm.js': {
    suffix: SETNUM,
    edits: [
      ['L.stack[ra].setivalue((op1.value + op2.value)|0);', 'nodis_setnum(L.stack[ra], op1.value + op2.value);'],
      ['L.stack[ra].setivalue((op1.value - op2.value)|0);', 'nodis_setnum(L.stack[ra], op1.value - op2.value);'],
      ['L.stack[ra].setivalue(luaV_imul(op1.value, op2.value));', 'nodis_setnum(L.stack[ra], op1.value * op2.value);'],
      ['L.stack[ra].setivalue((-op.value)|0);', 'nodis_setnum(L.stack[ra], -op.value);'],
      // Numeric for: an integer loop only with an int32 limit (a larger one
      // made 'for i = 1, 3e9' wrap around forever), and no wrap past it.
      ['let ilimit = luaV_tointeger(obj, step < 0 ? 2 : 1);\n    if (ilimit === false) {', 'let ilimit = luaV_tointeger(obj, step < 0 ? 2 : 1);\n    if (ilimit === false) return false;\n    if (ilimit === false) {'],
      ['let idx = (L.stack[ra].value + step)|0;', 'let idx = L.stack[ra].value + step;'],
      ['init.value = (initv - pstep.value)|0;', 'init.value = initv - pstep.value;'],
      // x % 0 is a NaN in 5.1, not an error.
      [
        'L.stack[ra].setivalue(luaV_mod(L, op1.value, op2.value));',
        'if (op2.value === 0) L.stack[ra].setfltvalue(op1.value - Math.floor(op1.value / 0) * 0); else L.stack[ra].setivalue(luaV_mod(L, op1.value, op2.value));',
      ],
    ],
  },
  'llimits.js': {
    // 5.1's luai_nummod: a - floor(a/b)*b (5.3 goes through fmod).
    edits: [['let m = a % b;\n    if ((m*b) < 0)\n        m += b;\n    return m;', 'return a - Math.floor(a / b) * b;']],
  },
  'lobject.js': {
    suffix: SETNUM,
    edits: [
      ['case LUA_OPADD:  return (v1 + v2)|0;', 'case LUA_OPADD:  return v1 + v2;'],
      ['case LUA_OPSUB:  return (v1 - v2)|0;', 'case LUA_OPSUB:  return v1 - v2;'],
      ['case LUA_OPMUL:  return lvm.luaV_imul(v1, v2);', 'case LUA_OPMUL:  return v1 * v2;'],
      ['case LUA_OPUNM:  return (0 - v1)|0;', 'case LUA_OPUNM:  return -v1;'],
      ['res.setivalue(intarith(L, op, p1.value, p2.value));', 'nodis_setnum(res, intarith(L, op, p1.value, p2.value));'],
      // A hex numeral past int32 is a float (5.1's strtod), not a wrapped integer: 0x100000000.
      [
        'a = (a * 16 + luaO_hexavalue(s[i]))|0;',
        'a = a * 16 + luaO_hexavalue(s[i]); if (a > 2147483647 + (neg ? 1 : 0)) return null;',
      ],
    ],
  },
  'lapi.js': {
    // A pushed string is copied: Uint8Array's slice() copies as one block,
    // where subarray() then Uint8Array.from() built a view and copied byte
    // by byte (most of the time of a script turning a 100-element reply into
    // a table). (A Buffer's own slice() would be a view.)
    edits: [['ts = luaS_new(L, s.subarray(0, len));', 'ts = luaS_bless(L, Uint8Array.prototype.slice.call(s, 0, len));']],
  },
  'ltable.js': {
    // The map of a table's deleted keys (which next() still walks from) is
    // made when a key is first deleted, like the weak one, instead of with
    // every table, and dropped rather than cleared by each new key
    // (Map.prototype.clear() allocates a new backing store even when the
    // map is empty): KEYS, ARGV and every table built from a reply are new
    // tables that never delete.
    edits: [
      ['this.dead_strong = new Map();', 'this.dead_strong = void 0;'],
      ['    t.dead_strong.clear();\n    t.dead_weak = void 0;', '    t.dead_strong = void 0;\n    t.dead_weak = void 0;'],
      ['            t.dead_strong.set(hash, e);', '            if (!t.dead_strong) t.dead_strong = new Map();\n            t.dead_strong.set(hash, e);'],
      ['|| table.dead_strong.get(hash);', '|| (table.dead_strong && table.dead_strong.get(hash));'],
    ],
  },
  'lua.js': {
    // lua_pushlstring() without its copy, for bytes made for the push
    // (pushStr()): the Lua string takes the array as it is.
    suffix:
      "\nmodule.exports.nodis_pushbytes = (function () {\n  const { pushsvalue2s } = require('./lobject.js');\n  const { luaS_bless } = require('./lstring.js');\n  return function (L, s) { pushsvalue2s(L, luaS_bless(L, s)); };\n})();\n",
    edits: [],
  },
  'lbaselib.js': {
    // collectgarbage() as 5.1's instead of an error: fengari keeps no heap
    // count and V8 collects on its own, so "count" answers the size Redis
    // gives a fresh state (31 KB, as used_memory_lua does here), "step"
    // false, "setpause"/"setstepmul" the default 200, the others 0; 5.3's
    // "isrunning" is an invalid option.
    edits: [
      ['    "count", "step", "setpause", "setstepmul",\n    "isrunning"\n].map', '    "count", "step", "setpause", "setstepmul"\n].map'],
      [
        '    luaL_checkoption(L, 1, "collect", opts);\n    luaL_optinteger(L, 2, 0);\n    luaL_error(L, to_luastring("lua_gc not implemented"));',
        '    const o = luaL_checkoption(L, 1, "collect", opts);\n    luaL_optinteger(L, 2, 0);\n    if (o === 3) lua_pushinteger(L, 31);\n    else if (o === 4) lua_pushboolean(L, 0);\n    else lua_pushinteger(L, o === 5 || o === 6 ? 200 : 0);\n    return 1;',
      ],
    ],
  },
  'lmathlib.js': {
    // math.min/max as 5.1's: numbers only (strings converted), a number back.
    edits: [
      [
        'let imin = 1;  /* index of current minimum value */\n    luaL_argcheck(L, n >= 1, 1, "value expected");\n    for (let i = 2; i <= n; i++){\n        if (lua_compare(L, i, imin, LUA_OPLT))\n            imin = i;\n    }\n    lua_pushvalue(L, imin);',
        'let dmin = luaL_checknumber(L, 1);\n    for (let i = 2; i <= n; i++) { const d = luaL_checknumber(L, i); if (d < dmin) dmin = d; }\n    lua_pushnumber(L, dmin);',
      ],
      [
        'let imax = 1;  /* index of current minimum value */\n    luaL_argcheck(L, n >= 1, 1, "value expected");\n    for (let i = 2; i <= n; i++){\n        if (lua_compare(L, imax, i, LUA_OPLT))\n            imax = i;\n    }\n    lua_pushvalue(L, imax);',
        'let dmax = luaL_checknumber(L, 1);\n    for (let i = 2; i <= n; i++) { const d = luaL_checknumber(L, i); if (d > dmax) dmax = d; }\n    lua_pushnumber(L, dmax);',
      ],
    ],
  },
  'lauxlib.js': {
    // A function with no name where it was called (pcall(string.rep)) is
    // '?' in a bad-argument error, as in 5.1: 5.3 looks for it among the
    // loaded modules and says 'string.rep'.
    edits: [
      ['ar.name = pushglobalfuncname(L, ar) ? lua_tostring(L, -1) : to_luastring("?");', 'ar.name = to_luastring("?");'],
      // An integer argument given a fractional number is truncated, as 5.1's
      // luaL_checkint() casts it (string.sub(s, 1, #s / 2)); 5.3 refuses
      // it ("number has no integer representation"). Past int32 it still is.
      [
        'let d = lua_tointegerx(L, arg);\n    if (d === false)\n        interror(L, arg);\n    return d;',
        'let d = lua_tointegerx(L, arg);\n    if (d === false) {\n        const n = lua_tonumberx(L, arg);\n        if (n !== false && n > -2147483649 && n < 2147483648) return Math.trunc(n) | 0;\n        interror(L, arg);\n    }\n    return d;',
      ],
    ],
  },
  'lstring.js': {
    // A string's table key was "|" and each byte in hex without padding,
    // so different strings could share a key ("\1\35" and "\18\3" are
    // both "|123": one overwrote the other in a table). One char per
    // byte cannot collide, and is faster to build.
    edits: [
      [
        'let s = "|";\n    for (let i=0; i<len; i++)\n        s += str[i].toString(16);\n    return s;',
        'let s = "|";\n    if (len <= 64) { for (let i = 0; i < len; i++) s += String.fromCharCode(str[i]); return s; }\n    for (let i = 0; i < len; i += 8192) s += String.fromCharCode.apply(null, str.subarray(i, Math.min(len, i + 8192)));\n    return s;',
      ],
    ],
  },
  'luaconf.js': {
    edits: [['return String(Number(n.toPrecision(14))); /* should match behaviour of LUA_NUMBER_FMT */', `return globalThis[${NUMBER2STR}](n);`]],
  },
  'lstrlib.js': {
    edits: [
      [
        "case 'o': case 'u': case 'x': case 'X': {\n                    let n = luaL_checkinteger(L, arg);\n                    addlenmod(form, to_luastring(LUA_INTEGER_FRMLEN, true));\n                    luaL_addstring(b, to_luastring(sprintf(String.fromCharCode(...form), n)));",
        `case 'o': case 'u': case 'x': case 'X': {\n                    luaL_addstring(b, to_luastring(globalThis[${FMTINT}](String.fromCharCode(...form), luaL_checknumber(L, arg))));`,
      ],
      // %c of 0 adds nothing: 5.1 appends sprintf's buffer up to its first zero byte.
      [
        'luaL_addchar(b, luaL_checkinteger(L, arg));',
        '{ const ch = Math.trunc(luaL_checknumber(L, arg)) & 0xff; if (ch !== 0) luaL_addchar(b, ch); }',
      ],
      // %s as 5.1's: a string or a number only, C's sprintf() on its bytes (cFormatString()).
      [
        "                case 's': {\n                    let s = luaL_tolstring(L, arg);\n                    if (form.length <= 2 || form[2] === 0) {  /* no modifiers? */\n                        luaL_addvalue(b);  /* keep entire string */\n                    } else {\n                        luaL_argcheck(L, s.length === strlen(s), arg, \"string contains zeros\");\n                        if (luastring_indexOf(form, 46 /* '.'.charCodeAt(0) */) < 0 && s.length >= 100) {\n                            /* no precision and string is too long to be formatted */\n                            luaL_addvalue(b);  /* keep entire string */\n                        } else {  /* format the string into 'buff' */\n                            // TODO: will fail if s is not valid UTF-8\n                            luaL_addstring(b, to_luastring(sprintf(String.fromCharCode(...form), to_jsstring(s))));\n                            lua_pop(L, 1);  /* remove result from 'luaL_tolstring' */\n                        }\n                    }\n                    break;\n                }\n",
        `                case 's': {\n                    const r = globalThis[${FMTSTR}](String.fromCharCode(...form), luaL_checkstring(L, arg));\n                    luaL_addlstring(b, r, r.length);\n                    break;\n                }\n`,
      ],
      // %q as 5.1's: strings and numbers (as their text), only \" \\ and newline escaped, \r and \000 spelled out.
      ["                case 'q': {\n                    addliteral(L, b, arg);\n", "                case 'q': {\n                    { const s = luaL_checkstring(L, arg); addquoted(b, s, s.length); }\n"],
      [
        "        } else if (iscntrl(s[i])) {\n            let buff = \"\" + s[i]; /* stringify */\n            if (isdigit(s[i+1]))\n                buff = (\"000\" + buff).slice(-3); /* pad to 3 digits with leading '0's */\n            luaL_addstring(b, to_luastring(\"\\\\\" + buff));\n        } else\n",
        "        } else if (s[i] === 13 || s[i] === 0) {\n            luaL_addstring(b, to_luastring(s[i] === 13 ? \"\\\\r\" : \"\\\\000\"));\n        } else\n",
      ],
      // string.rep has no separator argument in 5.1.
      ['let sep = luaL_optstring(L, 3, "");', 'let sep = new Uint8Array(0);'],
      // A bad capture index is just that in 5.1, without the index.
      ['return luaL_error(ms.L, to_luastring("invalid capture index %%%d"), l + 1);', 'return luaL_error(ms.L, to_luastring("invalid capture index"));'],
      ['luaL_error(ms.L, to_luastring("invalid capture index %%%d"), i + 1);', 'luaL_error(ms.L, to_luastring("invalid capture index"));'],
      [
        'let n = luaL_checknumber(L, arg);\n                    addlenmod(form, to_luastring(LUA_INTEGER_FRMLEN, true));\n                    luaL_addstring(b, to_luastring(sprintf(String.fromCharCode(...form), n)));',
        `let n = luaL_checknumber(L, arg);\n                    luaL_addstring(b, to_luastring(globalThis[${FMTDOUBLE}](String.fromCharCode(...form), n)));`,
      ],
    ],
  },
};

/**
 * fengari pops its stack with `delete L.stack[i]`, which V8 runs as a call
 * into the runtime on every pop, return and frame adjustment: the slots are
 * set to undefined instead. Reads see no difference (an element past the
 * top is undefined either way) and nothing tests a slot's presence.
 */
export function clearNotDelete(content: string): string {
  return content.replace(/delete ((?:L|from)\.stack\[[^\]\n]*\]);/g, '$1 = undefined;');
}

/** The patched fengari of this process (a module graph loaded twice, as by test runners, shares it). */
const LOADED = Symbol.for('nodis.fengari');

function loadFengari(): unknown {
  const g = globalThis as Record<symbol, unknown>;
  if (g[LOADED] !== undefined) return g[LOADED];
  const main = require.resolve('fengari');
  if (require.cache[main] !== undefined) throw new Error('fengari was loaded before its patches could apply');
  const dir = path.dirname(main);
  const byFile = new Map(Object.entries(PATCHES).map(([f, p]) => [path.join(dir, f), p]));
  const applied = new Set<string>();
  const proto = (Module as unknown as { prototype: { _compile: (content: string, filename: string) => unknown } }).prototype;
  const compile = proto._compile;
  proto._compile = function (content: string, filename: string) {
    if (filename.startsWith(dir + path.sep)) content = clearNotDelete(content);
    const p = byFile.get(filename);
    if (p !== undefined) {
      for (const [from, to] of p.edits) {
        const at = content.indexOf(from);
        if (at < 0 || content.indexOf(from, at + 1) >= 0) throw new Error(`fengari ${path.basename(filename)}: expected source not found once: ${from}`);
        content = content.slice(0, at) + to + content.slice(at + from.length);
      }
      if (p.suffix !== undefined) content += p.suffix;
      applied.add(filename);
    }
    return compile.call(this, content, filename);
  };
  const prevConf = process.env.FENGARICONF;
  process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
  try {
    const f = require('fengari');
    if (applied.size !== byFile.size) throw new Error('fengari was loaded before its patches could apply');
    g[LOADED] = f;
    return f;
  } finally {
    proto._compile = compile;
    if (prevConf === undefined) delete process.env.FENGARICONF;
    else process.env.FENGARICONF = prevConf;
  }
}

// fengari's API, bound by loadLua(). Every use of them starts from a Lua
// state, and states are made only after loadLua() (LuaEngine.openState()).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export let lua: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export let lauxlib: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export let lualib: any;

/**
 * Load fengari, once, on the first script or function: a server that never
 * runs Lua (most caches) does not compile it (about 1.5 MB of resident
 * memory at start-up).
 */
export function loadLua(): void {
  if (lua !== undefined) return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const fengari: any = loadFengari();
  lua = fengari.lua;
  lauxlib = fengari.lauxlib;
  lualib = fengari.lualib;
}

/** An opaque Lua state. */
export type LuaState = unknown;

/**
 * Up to this length strings cross between JS and Lua by a loop: a native
 * Buffer call costs more than copying a short name or argument by hand.
 */
const SHORT_COPY = 64;

const latin1Slice = Buffer.prototype.latin1Slice as (this: Uint8Array, start: number, end: number) => string;

const latin1Write = Buffer.prototype.latin1Write as (this: Uint8Array, s: string, offset: number, length: number) => number;

/**
 * Chars [start, end) of a latin1 JS string (one char per byte) as a Lua
 * string: a plain Uint8Array of its own (pushStr() hands it to Lua as it
 * is; a Buffer could be a view of Node's shared pool, and its slice() is
 * no copy).
 */
export function toLuaBytes(s: string, start = 0, end = s.length): Uint8Array {
  const n = end - start;
  const u = new Uint8Array(n);
  if (n > SHORT_COPY) latin1Write.call(u, start === 0 && end === s.length ? s : s.slice(start, end), 0, n);
  else for (let i = 0; i < n; i++) u[i] = s.charCodeAt(start + i);
  return u;
}

/** A Lua string (bytes) as a latin1 JS string. */
export function fromLuaBytes(u: Uint8Array): string {
  const n = u.length;
  if (n > SHORT_COPY) return latin1Slice.call(u, 0, n);
  return String.fromCharCode.apply(null, u as unknown as number[]);
}

/** Chars [start, end) of a latin1 JS string pushed as a Lua string (its bytes made once, not copied again). */
export function pushStr(L: LuaState, s: string, start = 0, end = s.length): void {
  lua.nodis_pushbytes(L, toLuaBytes(s, start, end));
}

/** lua_tolstring() as a latin1 string, or null when not a string/number. */
export function toStr(L: LuaState, idx: number): string | null {
  const u = lua.lua_tolstring(L, idx) as Uint8Array | null;
  return u === null ? null : fromLuaBytes(u);
}

/**
 * Numbers handed to Lua: fengari's integers are 32 bits where Lua 5.1's
 * numbers are doubles, so anything outside int32 is pushed as a float.
 */
export function pushNum(L: LuaState, n: number): void {
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 && !Object.is(n, -0)) lua.lua_pushinteger(L, n);
  else lua.lua_pushnumber(L, n);
}

/** luaL_error() with a latin1 message (the position prefix is added). */
export function raise(L: LuaState, msg: string): never {
  lauxlib.luaL_where(L, 1);
  pushStr(L, msg);
  lua.lua_concat(L, 2);
  lua.lua_error(L);
  throw new Error('unreachable');
}
