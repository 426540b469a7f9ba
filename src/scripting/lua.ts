/**
 * Loads fengari (a Lua 5.3 VM in JS) configured to look like the Lua 5.1
 * Redis embeds where users can see it: integral floats print without ".0"
 * (tostring(10/2) is "5"), as 5.1's "%.14g" does.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const prevConf = process.env.FENGARICONF;
process.env.FENGARICONF = JSON.stringify({ LUA_COMPAT_FLOATSTRING: true });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fengari: any = require('fengari');
if (prevConf === undefined) delete process.env.FENGARICONF;
else process.env.FENGARICONF = prevConf;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const lua: any = fengari.lua;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const lauxlib: any = fengari.lauxlib;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const lualib: any = fengari.lualib;

/** An opaque Lua state. */
export type LuaState = unknown;

/** A latin1 JS string (one char per byte) as a Lua string. */
export function toLuaBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** A Lua string (bytes) as a latin1 JS string. */
export function fromLuaBytes(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('latin1');
}

export function pushStr(L: LuaState, s: string): void {
  const b = toLuaBytes(s);
  lua.lua_pushlstring(L, b, b.length);
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
  if (Number.isInteger(n) && n >= -2147483648 && n <= 2147483647) lua.lua_pushinteger(L, n);
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
