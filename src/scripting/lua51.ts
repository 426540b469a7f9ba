/**
 * Lua 5.1 C-API behaviours the bundled C libraries (cmsgpack, struct) rely
 * on, where fengari's 5.3 API differs: the 8000-slot limit of a C
 * function's stack (LUAI_MAXCSTACK), and luaL_checkinteger's acceptance of
 * any number (truncated, as 5.1 casts the double) where 5.3 refuses a
 * float without an integer representation.
 */
import { lua, lauxlib, raise, toLuaBytes, fromLuaBytes, type LuaState } from './lua.js';

/** LUAI_MAXCSTACK of Redis's Lua 5.1. */
export const MAXCSTACK = 8000;

/** luaL_checkstack() with 5.1's per-call limit. */
export function checkStack(L: LuaState, n: number, msg: string): void {
  if (lua.lua_gettop(L) + n > MAXCSTACK) raise(L, `stack overflow (${msg})`);
  // Room for the values and, as 5.1 gives every C call LUA_MINSTACK free
  // slots, for what raising an error pushes.
  lauxlib.luaL_checkstack(L, n + 20, toLuaBytes(msg));
}

/** luaL_argerror(): "bad argument #n to 'name' (msg)". */
export function argError(L: LuaState, arg: number, msg: string): never {
  lauxlib.luaL_argerror(L, arg, toLuaBytes(msg));
  throw new Error('unreachable');
}

/** The "<type> expected, got <type>" argument error. */
export function typeError(L: LuaState, arg: number, expected: string): never {
  const got = fromLuaBytes(lua.lua_typename(L, lua.lua_type(L, arg)) as Uint8Array);
  return argError(L, arg, `${expected} expected, got ${got}`);
}

/**
 * A double cast to a 64-bit integer as x86-64 does (cvttsd2si): truncated,
 * and INT64_MIN when NaN or out of range.
 */
export function toInt64(d: number): number {
  if (Number.isNaN(d) || d >= 2 ** 63 || d < -(2 ** 63)) return -(2 ** 63);
  return Math.trunc(d) + 0;
}

/** luaL_checknumber() of 5.1 (numeric strings converted). */
export function checkNumber(L: LuaState, arg: number): number {
  if (!lua.lua_isnumber(L, arg)) typeError(L, arg, 'number');
  return lua.lua_tonumber(L, arg) as number;
}

/** luaL_checkinteger() of 5.1: any number, truncated to a lua_Integer. */
export function checkInteger(L: LuaState, arg: number): number {
  return toInt64(checkNumber(L, arg));
}

/** luaL_optinteger() of 5.1. */
export function optInteger(L: LuaState, arg: number, dflt: number): number {
  return lua.lua_isnoneornil(L, arg) ? dflt : checkInteger(L, arg);
}

/** luaL_checklstring(): the bytes of a string (numbers converted). */
export function checkBytes(L: LuaState, arg: number): Uint8Array {
  const u = lua.lua_tolstring(L, arg) as Uint8Array | null;
  if (u === null) typeError(L, arg, 'string');
  return u!;
}

/** (int)x of a 64-bit integer held in a double: its low 32 bits, signed. */
export function toInt32(x: number): number {
  return Number(BigInt.asIntN(32, BigInt(x)));
}
