/** The LuaBitOp `bit` library Redis bundles: 32-bit operations on numbers. */
import { lua, lauxlib, pushStr, toLuaBytes, type LuaState } from './lua.js';

/** tobit(): the number wrapped to a signed 32-bit integer (rounded as LuaBitOp does). */
function tobit(L: LuaState, idx: number): number {
  const d = lauxlib.luaL_checknumber(L, idx) as number;
  // LuaBitOp adds 2^52+2^51 and keeps the low word: round half to even.
  let r = Math.round(d);
  if (Math.abs(d % 1) === 0.5 && r % 2 !== 0) r -= 1;
  return Number(BigInt.asIntN(32, BigInt(Number.isFinite(r) ? r : 0)));
}

function ret(L: LuaState, v: number): number {
  lua.lua_pushinteger(L, v | 0);
  return 1;
}

export function openBit(L: LuaState): void {
  const fns: Record<string, (L: LuaState) => number> = {
    tobit: (L) => ret(L, tobit(L, 1)),
    bnot: (L) => ret(L, ~tobit(L, 1)),
    band: (L) => {
      let v = tobit(L, 1);
      for (let i = 2; i <= lua.lua_gettop(L); i++) v &= tobit(L, i);
      return ret(L, v);
    },
    bor: (L) => {
      let v = tobit(L, 1);
      for (let i = 2; i <= lua.lua_gettop(L); i++) v |= tobit(L, i);
      return ret(L, v);
    },
    bxor: (L) => {
      let v = tobit(L, 1);
      for (let i = 2; i <= lua.lua_gettop(L); i++) v ^= tobit(L, i);
      return ret(L, v);
    },
    lshift: (L) => ret(L, tobit(L, 1) << (tobit(L, 2) & 31)),
    rshift: (L) => ret(L, tobit(L, 1) >>> (tobit(L, 2) & 31)),
    arshift: (L) => ret(L, tobit(L, 1) >> (tobit(L, 2) & 31)),
    rol: (L) => {
      const b = tobit(L, 1);
      const n = tobit(L, 2) & 31;
      return ret(L, (b << n) | (b >>> (32 - n)));
    },
    ror: (L) => {
      const b = tobit(L, 1);
      const n = tobit(L, 2) & 31;
      return ret(L, (b >>> n) | (b << (32 - n)));
    },
    bswap: (L) => {
      const b = tobit(L, 1);
      return ret(L, ((b >>> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24)) | 0);
    },
    tohex: (L) => {
      const b = tobit(L, 1);
      let n = lua.lua_isnoneornil(L, 2) ? 8 : tobit(L, 2);
      let digits = '0123456789abcdef';
      if (n < 0) {
        n = -n;
        digits = '0123456789ABCDEF';
      }
      if (n > 8) n = 8;
      let out = '';
      let v = b >>> 0;
      for (let i = 0; i < n; i++) {
        out = digits[v & 15] + out;
        v >>>= 4;
      }
      pushStr(L, out);
      return 1;
    },
  };
  lua.lua_newtable(L);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, toLuaBytes(name));
  }
  lua.lua_setglobal(L, toLuaBytes('bit'));
}
