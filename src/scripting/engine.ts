/**
 * The Lua scripting engine (eval.c, script_lua.c, script.c): one Lua state
 * per server holding the cached scripts, the sandbox Redis gives them, the
 * redis.* API, RESP <-> Lua conversions and the script client that runs
 * redis.call() through the command table.
 *
 * The VM is fengari (Lua 5.3); differences from Redis's Lua 5.1 that
 * scripts can see are bridged here: unpack, loadstring, gcinfo, table.getn,
 * table.maxn, table.foreach(i), math.pow/mod/log10/ldexp/cosh/sinh/tanh and
 * string.gfind exist, _VERSION is "Lua 5.1", numbers print and format as
 * 5.1's (lua.ts: "%.14g", no 32-bit wrap in arithmetic, string.format
 * through C's rules, %s %q %c and string.rep as 5.1's, collectgarbage()
 * answering without a heap count), replies and redis.call() results
 * beyond 32-bit integers are floats (as every 5.1 number is a double), and a compile
 * error says "near '<eof>'". What stays different: 5.3 syntax (integer
 * division //, bitwise operators, goto) is accepted; bitwise operators
 * and integer arguments of library functions (string.sub, string.rep...)
 * are 32 bits; getfenv/setfenv/newproxy do not exist; the globals and
 * library tables are read-only proxies (pairs(), next() and rawget() see
 * through them).
 *
 * Busy scripts: past busy-reply-threshold the count hook serves the other
 * clients between slices of the script (processEventsWhileBlocked()): they
 * get BUSY except for the allow_busy commands, SCRIPT KILL stops a script
 * that has not written, SHUTDOWN NOSAVE stops the server.
 */
import { createHash } from 'node:crypto';
import { Client, CLIENT_MULTI, CLIENT_MASTER } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { PROPAGATE_ALL } from '../server/propagation.js';
import { perServer } from '../server/per-server.js';
import { CMD_DENYOOM, CMD_MAY_REPLICATE, CMD_NOSCRIPT, CMD_WRITE, type Command } from '../commands/table.js';
import { ACL_LOG_CTX_LUA } from '../server/acl.js';
import { EVICT_FAIL, OOM_ERROR } from '../server/evict.js';
import { formatDouble } from '../util/numbers.js';
import { addInfoHook, setInfoField, bytesToHuman } from '../server/info.js';
import { loadLua, lua, lauxlib, lualib, pushStr, toStr, pushNum, raise, fromLuaBytes, toLuaBytes, type LuaState } from './lua.js';
import { Rand48, RAND48_MAX } from './rand48.js';
import { openCjson } from './cjson.js';
import { openBit } from './bit.js';
import { openCmsgpack } from './cmsgpack.js';
import { openStruct } from './struct.js';
import { ldb, ldbIsEnabled, ldbLog, ldbLogCommand, ldbLogRedisReply, ldbDebugValues, makeLdbHook } from './ldb.js';

export const SCRIPT_FLAG_NO_WRITES = 1 << 0;
export const SCRIPT_FLAG_ALLOW_OOM = 1 << 1;
export const SCRIPT_FLAG_ALLOW_STALE = 1 << 2;
export const SCRIPT_FLAG_NO_CLUSTER = 1 << 3;
export const SCRIPT_FLAG_EVAL_COMPAT_MODE = 1 << 4;
export const SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1 << 5;

export const SCRIPT_FLAGS_DEF: [string, number][] = [
  ['no-writes', SCRIPT_FLAG_NO_WRITES],
  ['allow-oom', SCRIPT_FLAG_ALLOW_OOM],
  ['allow-stale', SCRIPT_FLAG_ALLOW_STALE],
  ['no-cluster', SCRIPT_FLAG_NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_FLAG_ALLOW_CROSS_SLOT],
];

/** Flags of one run (scriptRunCtx.flags). */
const RUN_READ_ONLY = 1 << 0;
const RUN_WRITE_DIRTY = 1 << 1;
const RUN_ALLOW_OOM = 1 << 2;
const RUN_KILLED = 1 << 3;
const RUN_EVAL_MODE = 1 << 4;
/** Past busy-reply-threshold: other clients are served from the hook (SCRIPT_TIMEDOUT). */
const RUN_TIMEDOUT = 1 << 5;

export const BUSY_EVAL_ERR = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION_ERR = '-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

const LL_DEBUG = 0;
const LL_WARNING = 3;

export interface CachedScript {
  body: string;
  flags: number;
  ref: number;
}

export interface RunCtx {
  caller: Client;
  funcname: string;
  flags: number;
  startTime: number;
  oomAtStart: boolean;
  /** redis.set_repl(): where the script's commands propagate (PROPAGATE_AOF | PROPAGATE_REPL). */
  replTarget: number;
}

/** The (non connected) client scripts issue their commands through. */
class ScriptClient extends Client {
  protected override onOutput(): void {
    /* replies are taken by the engine, never written */
  }
}

export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

/**
 * evalExtractShebangFlags(): the script flags, the length of the shebang
 * line, or an error text.
 */
export function extractShebangFlags(body: string): { flags: number; shebangLen: number } | string {
  if (!body.startsWith('#!')) return { flags: SCRIPT_FLAG_EVAL_COMPAT_MODE, shebangLen: 0 };
  const end = body.indexOf('\n');
  if (end === -1) return 'Invalid script shebang';
  const parts = body
    .slice(0, end)
    .split(/[ \t\r\v\f]+/)
    .filter((p) => p.length > 0);
  if (parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  let flags = 0;
  for (let j = 1; j < parts.length; j++) {
    if (!parts[j].startsWith('flags=')) return `Unknown lua shebang option: ${parts[j]}`;
    const list = parts[j].slice(6);
    if (list.length === 0) continue;
    for (const f of list.split(',')) {
      const def = SCRIPT_FLAGS_DEF.find(([name]) => name === f);
      if (def === undefined) return `Unexpected flag in script shebang: ${f}`;
      flags |= def[1];
    }
  }
  return { flags, shebangLen: end };
}

/** The run under way on each server (curr_run_ctx): EVAL and FCALL share one. */
const currentRuns = new WeakMap<NodisServer, RunCtx>();

/** The script or function running on `server`, if any. */
export function currentRun(server: NodisServer): RunCtx | undefined {
  return currentRuns.get(server);
}

/**
 * What the EVAL engine and the functions engine share (script_lua.c,
 * script.c): a sandboxed Lua state with the redis.* API, the script client
 * redis.call() goes through, the run context, the busy-script hook.
 */
export abstract class LuaEngine {
  L: LuaState = null;
  readonly client: ScriptClient;
  run: RunCtx | null = null;
  protected readonly rand = new Rand48();
  protected handlerRef = 0;

  constructor(readonly server: NodisServer) {
    this.client = new ScriptClient(server, null, 0);
    this.client.ext.isLua = true;
    this.client.ext.denyBlocking = true;
    installScriptsInfo(server);
  }

  /**
   * A fresh Lua state with the sandboxed globals; `evalApi` adds what only
   * EVAL's `redis` has in Redis 7.0 (the debugger's breakpoint() and
   * debug(), and replicate_commands()).
   */
  protected openState(evalApi: boolean): void {
    loadLua();
    const L = lauxlib.luaL_newstate();
    this.L = L;
    for (const [name, open] of [
      ['_G', lualib.luaopen_base],
      ['table', lualib.luaopen_table],
      ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math],
      ['coroutine', lualib.luaopen_coroutine],
    ] as [string, unknown][]) {
      lauxlib.luaL_requiref(L, toLuaBytes(name), open, 1);
      lua.lua_pop(L, 1);
    }
    openCjson(L);
    openStruct(L);
    openCmsgpack(L);
    openBit(L);
    for (const name of ['dofile', 'loadfile', 'print', 'require']) {
      lua.lua_pushnil(L);
      lua.lua_setglobal(L, toLuaBytes(name));
    }
    this.registerRedisApi(L, evalApi);
    lua.lua_pushcfunction(L, redisPcall);
    lua.lua_setglobal(L, toLuaBytes('pcall'));
    // Lua 5.1 names scripts use, on top of the 5.3 libraries.
    const compat = `
local rawload, tunpack = load, table.unpack
unpack = tunpack
load = function(chunk, name, mode, env) return rawload(chunk, name, 't', env) end
loadstring = function(s, name) return rawload(s, name, 't') end
gcinfo = function() return math.floor(collectgarbage('count')) end
_VERSION = 'Lua 5.1'
table.getn = function(t) return #t end
table.maxn = function(t) local n = 0 for k in pairs(t) do if type(k) == 'number' and k > n then n = k end end return n end
table.foreach = function(t, f) for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
string.gfind = string.gmatch
-- What Lua 5.3 added, absent from Redis's Lua 5.1.
math.maxinteger, math.mininteger, math.tointeger, math.type, math.ult = nil
table.move, table.pack, table.unpack = nil
string.pack, string.packsize, string.unpack = nil
coroutine.isyieldable = nil
rawlen = nil
`;
    const b = toLuaBytes(compat);
    if (lauxlib.luaL_loadbufferx(L, b, b.length, toLuaBytes('=compat'), toLuaBytes('t')) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
      throw new Error('Lua compat setup failed: ' + toStr(L, -1));
    }
    lua.lua_pushcfunction(L, errorHandler);
    // A global in Redis too, where scripts can see it (pairs(_G)).
    lua.lua_pushvalue(L, -1);
    lua.lua_setglobal(L, toLuaBytes('__redis__err__handler'));
    this.handlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.protectGlobals(L);
  }

  /**
   * The globals and the library tables are read-only (Redis's readonly
   * tables), and reading a missing global is an error. The real globals sit
   * behind a proxy that every chunk gets as its environment. The proxy
   * reads through to the real table as a table, which the VM follows
   * without a call, and the real table itself raises on a missing name: a
   * script reads `redis` or `KEYS` at table speed. (The functions engine
   * swaps the proxy's __index while a library body runs.)
   */
  private protectGlobals(L: LuaState): void {
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS); // G
    const G = lua.lua_gettop(L);
    // Library tables: proxies that read through and refuse writes.
    for (const lib of PROTECTED_LIBS) {
      lua.lua_getfield(L, G, toLuaBytes(lib));
      if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
        lua.lua_pop(L, 1);
        continue;
      }
      lua.lua_newtable(L); // proxy
      lua.lua_newtable(L); // its metatable
      lua.lua_pushvalue(L, -3);
      setReadonlyMetatable(L, null);
      lua.lua_setfield(L, G, toLuaBytes(lib));
      lua.lua_pop(L, 1);
    }
    lua.lua_newtable(L); // the globals proxy P
    lua.lua_newtable(L);
    lua.lua_pushvalue(L, G);
    lua.lua_newtable(L);
    lua.lua_pushcfunction(L, missingGlobal);
    lua.lua_setfield(L, -2, toLuaBytes('__index'));
    lua.lua_setmetatable(L, G);
    lua.lua_pushvalue(L, -2);
    this.globalsMetaRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    setReadonlyMetatable(L, null);
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, G, toLuaBytes('_G'));
    // setmetatable() and rawset() refuse the read-only tables, as Redis's
    // readonly flag does.
    for (const name of ['setmetatable', 'rawset']) {
      lua.lua_getfield(L, G, toLuaBytes(name));
      lua.lua_pushcclosure(L, readonlyGuard, 1);
      lua.lua_setfield(L, G, toLuaBytes(name));
    }
    // rawget(), next() and pairs() see through a read-only proxy to the
    // table behind it, as they see Redis's readonly tables themselves.
    for (const name of ['rawget', 'next', 'pairs']) {
      lua.lua_getfield(L, G, toLuaBytes(name));
      lua.lua_pushcclosure(L, readThrough, 1);
      lua.lua_setfield(L, G, toLuaBytes(name));
    }
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    // Keep the real table reachable for KEYS/ARGV.
    lua.lua_pushvalue(L, -1);
    this.realGlobalsRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, K_REAL_GLOBALS);
    pushStr(L, 'KEYS');
    this.keysNameRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    pushStr(L, 'ARGV');
    this.argvNameRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** luaRegisterLogFunction() and luaRegisterVersion(): into the table at the top of the stack. */
  protected registerLogAndVersion(L: LuaState): void {
    lua.lua_pushcfunction(L, (L: LuaState) => this.logCommand(L));
    lua.lua_setfield(L, -2, toLuaBytes('log'));
    for (const [name, v] of [
      ['LOG_DEBUG', 0],
      ['LOG_VERBOSE', 1],
      ['LOG_NOTICE', 2],
      ['LOG_WARNING', 3],
      ['REDIS_VERSION_NUM', 0x07000f],
    ] as const) {
      lua.lua_pushinteger(L, v);
      lua.lua_setfield(L, -2, toLuaBytes(name));
    }
    pushStr(L, '7.0.15');
    lua.lua_setfield(L, -2, toLuaBytes('REDIS_VERSION'));
  }

  protected registerRedisApi(L: LuaState, evalApi: boolean): void {
    lua.lua_newtable(L);
    const fn = (name: string, f: (L: LuaState) => number): void => {
      lua.lua_pushcfunction(L, f);
      lua.lua_setfield(L, -2, toLuaBytes(name));
    };
    const num = (name: string, v: number): void => {
      lua.lua_pushinteger(L, v);
      lua.lua_setfield(L, -2, toLuaBytes(name));
    };
    fn('call', (L) => this.redisCommand(L, true));
    fn('pcall', (L) => this.redisCommand(L, false));
    this.registerLogAndVersion(L);
    fn('setresp', (L) => {
      const run = this.requireRun(L, 'redis.setresp can only be called inside a script invocation');
      if (lua.lua_gettop(L) !== 1) throwErrorTable(L, 'redis.setresp() requires one argument.');
      const resp = Math.trunc(lua.lua_tonumber(L, 1));
      if (resp !== 2 && resp !== 3) throwErrorTable(L, 'RESP version must be 2 or 3.');
      void run;
      this.client.resp = resp as 2 | 3;
      return 0;
    });
    fn('sha1hex', (L) => {
      if (lua.lua_gettop(L) !== 1) throwErrorTable(L, 'wrong number of arguments');
      pushStr(L, sha1hex(toStr(L, 1) ?? ''));
      return 1;
    });
    fn('error_reply', (L) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(L, 'wrong number or type of arguments');
        return 1;
      }
      const e = toStr(L, -1)!;
      pushErrorTable(L, e.startsWith('-') ? e : '-' + e);
      return 1;
    });
    fn('status_reply', (L) => {
      if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
        pushErrorTable(L, 'wrong number or type of arguments');
        return 1;
      }
      lua.lua_newtable(L);
      lua.lua_pushvalue(L, 1);
      lua.lua_setfield(L, -2, toLuaBytes('ok'));
      return 1;
    });
    fn('set_repl', (L) => {
      const run = this.requireRun(L, 'redis.set_repl can only be called inside a script invocation');
      if (lua.lua_gettop(L) !== 1) throwErrorTable(L, 'redis.set_repl() requires two arguments.');
      const flags = Math.trunc(lua.lua_tonumber(L, -1));
      if ((flags & ~PROPAGATE_ALL) !== 0) throwErrorTable(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      run.replTarget = flags;
      return 0;
    });
    num('REPL_NONE', 0);
    num('REPL_AOF', 1);
    num('REPL_SLAVE', 2);
    num('REPL_REPLICA', 2);
    num('REPL_ALL', 3);
    if (evalApi) {
      fn('replicate_commands', (L) => {
        lua.lua_pushboolean(L, 1);
        return 1;
      });
      // redis.breakpoint(): stop at the next line when a debugging session runs.
      fn('breakpoint', (L) => {
        if (ldb.active) ldb.luabp = true;
        lua.lua_pushboolean(L, ldb.active ? 1 : 0);
        return 1;
      });
      // redis.debug(...): a line in the debugger's console.
      fn('debug', (L) => {
        if (ldb.active) ldbDebugValues(L);
        return 0;
      });
    }
    fn('acl_check_cmd', (L) => this.aclCheckCmd(L));
    lua.lua_setglobal(L, toLuaBytes('redis'));

    // math.random / math.randomseed: Redis's own generator.
    lua.lua_getglobal(L, toLuaBytes('math'));
    lua.lua_pushcfunction(L, (L: LuaState) => {
      this.requireRun(L, 'math.random can only be called inside a script invocation', true);
      const r = (this.rand.next() % RAND48_MAX) / RAND48_MAX;
      switch (lua.lua_gettop(L)) {
        case 0:
          lua.lua_pushnumber(L, r);
          break;
        case 1: {
          const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
          lauxlib.luaL_argcheck(L, 1 <= u, 1, toLuaBytes('interval is empty'));
          pushNum(L, Math.floor(r * u) + 1);
          break;
        }
        case 2: {
          const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
          const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
          lauxlib.luaL_argcheck(L, l <= u, 2, toLuaBytes('interval is empty'));
          pushNum(L, Math.floor(r * (u - l + 1)) + l);
          break;
        }
        default:
          raise(L, 'wrong number of arguments');
      }
      return 1;
    });
    lua.lua_setfield(L, -2, toLuaBytes('random'));
    lua.lua_pushcfunction(L, (L: LuaState) => {
      this.requireRun(L, 'math.randomseed can only be called inside a script invocation', true);
      this.rand.seed(Math.trunc(lauxlib.luaL_checknumber(L, 1)));
      return 0;
    });
    lua.lua_setfield(L, -2, toLuaBytes('randomseed'));
    // Lua 5.1's math.atan2 and math.frexp (5.3 folded the first into
    // math.atan and dropped the second).
    lua.lua_pushcfunction(L, (L: LuaState) => {
      lua.lua_pushnumber(L, Math.atan2(lauxlib.luaL_checknumber(L, 1), lauxlib.luaL_checknumber(L, 2)));
      return 1;
    });
    lua.lua_setfield(L, -2, toLuaBytes('atan2'));
    lua.lua_pushcfunction(L, (L: LuaState) => {
      const [m, e] = frexp(lauxlib.luaL_checknumber(L, 1));
      lua.lua_pushnumber(L, m);
      pushNum(L, e);
      return 2;
    });
    lua.lua_setfield(L, -2, toLuaBytes('frexp'));
    lua.lua_pop(L, 1);
    // table.setn: obsolete in 5.1 already, an error naming the caller's line.
    lua.lua_getglobal(L, toLuaBytes('table'));
    lua.lua_pushcfunction(L, (L: LuaState) => {
      lauxlib.luaL_checktype(L, 1, lua.LUA_TTABLE);
      return raise(L, "'setn' is obsolete");
    });
    lua.lua_setfield(L, -2, toLuaBytes('setn'));
    lua.lua_pop(L, 1);
  }

  protected requireRun(L: LuaState, msg: string, plain = false): RunCtx {
    if (this.run === null) {
      if (plain) raise(L, msg);
      throwErrorTable(L, msg);
    }
    return this.run;
  }

  /** redis.log(level, ...). */
  protected logCommand(L: LuaState): number {
    const argc = lua.lua_gettop(L);
    if (argc < 2) throwErrorTable(L, 'redis.log() requires two arguments or more.');
    if (!lua.lua_isnumber(L, 1)) throwErrorTable(L, 'First argument must be a number (log level).');
    const level = Math.trunc(lua.lua_tonumber(L, 1));
    if (level < LL_DEBUG || level > LL_WARNING) throwErrorTable(L, 'Invalid debug level.');
    const parts: string[] = [];
    for (let j = 2; j <= argc; j++) {
      const s = toStr(L, j);
      if (s !== null) parts.push(s);
    }
    const msg = parts.join(' ');
    const log = this.server.logger;
    if (level === 0) log.trace(msg);
    else if (level === 1) log.debug(msg);
    else if (level === 2) log.info(msg);
    else log.warn(msg);
    return 0;
  }

  /** redis.acl_check_cmd(cmd, args...). */
  protected aclCheckCmd(L: LuaState): number {
    const run = this.requireRun(L, 'redis.acl_check_cmd can only be called inside a script invocation');
    const argv = argsToArgv(L);
    if (argv === null) return lua.lua_error(L);
    const cmd = this.server.commands.lookup(argv);
    if (cmd === undefined) throwErrorTable(L, 'Invalid command passed to redis.acl_check_cmd()');
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      throwErrorTable(L, 'Wrong number of args calling Redis command from script');
    }
    const u = run.caller.user;
    lua.lua_pushboolean(L, u.unrestricted || this.server.acl.dryRun(u, cmd, argv).result === 0 ? 1 : 0);
    return 1;
  }

  /** luaRedisGenericCommand(): redis.call (raise) / redis.pcall. */
  protected redisCommand(L: LuaState, raiseError: boolean): number {
    const run = this.requireRun(L, 'redis.call/pcall can only be called inside a script invocation');
    const argv = argsToArgv(L);
    if (argv === null) return raiseError ? lua.lua_error(L) : 1;
    if (ldbIsEnabled()) ldbLogCommand(argv);
    const err = this.scriptCall(run, argv);
    if (err !== null) {
      pushErrorTable(L, err);
      lua.lua_pushboolean(L, 1);
      lua.lua_setfield(L, -2, toLuaBytes('ignore_error_stats_update'));
      if (raiseError) return lua.lua_error(L);
      return 1;
    }
    const reply = this.client.takeOutputString();
    if (raiseError && reply.charCodeAt(0) !== 45) raiseError = false;
    lua.lua_checkstack(L, 16);
    respToLua(L, reply, 0);
    if (ldbIsEnabled()) ldbLogRedisReply(reply);
    if (raiseError) return lua.lua_error(L);
    return 1;
  }

  /** scriptCall(): the checks of script.c, then call(). An error text, or null. */
  protected scriptCall(run: RunCtx, argv: string[]): string | null {
    const server = this.server;
    const c = this.client;
    c.user = run.caller.user;
    c.argv = argv;
    const cmd = server.commands.lookup(argv);
    let err: string | null = null;
    if (cmd === undefined) err = 'Unknown Redis command called from script';
    else if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) err = 'Wrong number of args calling Redis command from script';
    else if (cmd.flags & CMD_NOSCRIPT && !server.scriptDisableDenyScript) err = 'This Redis command is not allowed from script';
    // scriptVerifyAllowStale(): a script allowed on a stale replica still may not run commands that are not.
    else if (server.replicationChecks !== null && server.replicationChecks.afterPubsub(c, cmd, cmd.flags) !== null) {
      err = 'Can not execute the command on a stale replica';
    }
    if (err === null && cmd !== undefined && !c.user.unrestricted) {
      const { result, pos } = server.acl.dryRun(c.user, cmd, argv);
      if (result !== 0) {
        server.acl.addLogEntry(run.caller, result, ACL_LOG_CTX_LUA, pos, null, null, cmd, argv);
        err = 'The user executing the script ' + aclErrorMessage(result);
      }
    }
    if (err === null && cmd !== undefined) err = this.verifyWrite(run, cmd);
    if (err === null && cmd !== undefined && (run.flags & (RUN_ALLOW_OOM | RUN_WRITE_DIRTY)) === 0) {
      if (server.memory.maxmemory !== 0 && run.oomAtStart && cmd.flags & CMD_DENYOOM && !mustObey(run.caller)) err = OOM_ERROR;
    }
    if (err !== null) {
      server.stats.recordError(err.startsWith('-') ? err : '-ERR ' + err);
      if (cmd !== undefined) cmd.stats.rejectedCalls++;
      server.syncErrorCount();
      return err;
    }
    if (cmd!.flags & CMD_WRITE) run.flags |= RUN_WRITE_DIRTY;
    c.propagateTarget = run.replTarget;
    try {
      server.call(c, cmd!, argv);
    } finally {
      c.propagateTarget = PROPAGATE_ALL;
    }
    return null;
  }

  /** scriptVerifyWriteCommandAllow(). */
  protected verifyWrite(run: RunCtx, cmd: Command): string | null {
    const flags = cmd.flags;
    if (run.flags & RUN_READ_ONLY && flags & (CMD_WRITE | CMD_MAY_REPLICATE)) return 'Write commands are not allowed from read-only scripts.';
    if ((flags & CMD_WRITE) === 0 || run.flags & RUN_WRITE_DIRTY) return null;
    const server = this.server;
    if (server.isReplica() && server.config.bool('replica-read-only') && !mustObey(run.caller)) {
      return "-READONLY You can't write against a read only replica.";
    }
    for (const h of server.hooks.diskError) {
      const e = h();
      if (e !== null) return e;
    }
    // NOREPLICAS (min-replicas-to-write): only an EVAL without flags gets here.
    const repl = server.replicationChecks;
    if (repl !== null) {
      const e = repl.beforePubsub(run.caller, cmd, true);
      if (e !== null) return e;
    }
    return null;
  }

  /**
   * scriptPrepareForRun() checks; an error reply text or null.
   */
  prepareError(caller: Client, flags: number, ro: boolean): string | null {
    const server = this.server;
    const obey = mustObey(caller);
    if (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) {
      // A script without a shebang is refused whole on a stale replica
      // (EVAL itself has the stale flag): MASTERDOWN.
      const repl = server.replicationChecks;
      if (repl !== null && caller.cmd !== null) return repl.afterPubsub(caller, caller.cmd, 0);
      return null;
    }
    if ((flags & SCRIPT_FLAG_NO_WRITES) === 0) {
      if (server.isReplica() && server.config.bool('replica-read-only') && !obey) return '-READONLY Can not run script with write flag on readonly replica';
      if (!obey) {
        for (const h of server.hooks.diskError) {
          const e = h();
          if (e !== null) {
            if (e.startsWith('-MISCONF') && e.includes('RDB')) {
              return '-MISCONF Redis is configured to save RDB snapshots, but it\'s currently unable to persist to disk. Writable scripts are blocked. Use \'no-writes\' flag for read only scripts.';
            }
            return e;
          }
        }
      }
      if (ro) return 'Can not execute a script with write flag using *_ro command.';
    }
    if (server.memory.maxmemory !== 0 && (flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) === 0 && this.oomNow()) {
      return "-OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
    }
    return null;
  }

  protected oomNow(): boolean {
    return this.server.memory.maxmemory !== 0 && this.server.memory.performEvictions() === EVICT_FAIL;
  }

  /**
   * scriptPrepareForRun() and luaCallFunction(): runs the Lua function held
   * at registry `ref` and replies to `caller`. EVAL mode sets KEYS and ARGV
   * as globals; a function gets the two tables as its arguments.
   */
  protected execute(caller: Client, funcname: string, scriptFlags: number, ref: number, keys: string[], args: string[], ro: boolean, evalMode: boolean): void {
    const L = this.L;
    const server = this.server;
    let flags = evalMode ? RUN_EVAL_MODE : 0;
    const compat = (scriptFlags & SCRIPT_FLAG_EVAL_COMPAT_MODE) !== 0;
    if (ro || (!compat && scriptFlags & SCRIPT_FLAG_NO_WRITES)) flags |= RUN_READ_ONLY;
    if (!compat && scriptFlags & SCRIPT_FLAG_ALLOW_OOM) flags |= RUN_ALLOW_OOM;
    const run: RunCtx = { caller, funcname, flags, startTime: performance.now(), oomAtStart: false, replTarget: PROPAGATE_ALL };
    run.oomAtStart = server.memory.maxmemory !== 0 && this.oomNow();
    const sc = this.client;
    sc.selectDb(caller.db.id);
    sc.resp = 2;
    sc.takeOutput();
    if (caller.flags & CLIENT_MULTI) sc.flags |= CLIENT_MULTI;
    sc.ext.scriptCaller = caller;
    sc.ext.scriptKeys = keys;
    this.run = run;
    currentRuns.set(server, run);
    const threshold = server.config.num('busy-reply-threshold');
    // A debugging session replaces the busy-script hook: other clients wait.
    const debugging = evalMode && ldb.active;
    if (debugging) lua.lua_sethook(L, this.ldbHook, lua.LUA_MASKLINE | lua.LUA_MASKCOUNT, 100000);
    else if (threshold > 0) lua.lua_sethook(L, this.countHook, lua.LUA_MASKCOUNT, 100000);
    try {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.handlerRef);
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, ref);
      let status: number;
      if (evalMode) {
        // KEYS and ARGV are globals in EVAL mode.
        // Through registry references: the Lua strings "KEYS" and "ARGV"
        // are made (and hashed) once, not on every run.
        lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.realGlobalsRef);
        lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.keysNameRef);
        pushArray(L, keys);
        lua.lua_rawset(L, -3);
        lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.argvNameRef);
        pushArray(L, args);
        lua.lua_rawset(L, -3);
        lua.lua_pop(L, 1);
        status = lua.lua_pcall(L, 0, 1, -2);
      } else {
        pushArray(L, keys);
        pushArray(L, args);
        status = lua.lua_pcall(L, 2, 1, -4);
      }
      if (status !== lua.LUA_OK) {
        replyLuaError(L, caller, run.funcname);
      } else {
        luaToReply(L, caller, sc.resp);
      }
      lua.lua_settop(L, 0);
    } finally {
      if (threshold > 0 || debugging) lua.lua_sethook(L, null, 0, 0);
      lua.lua_settop(L, 0);
      // exitScriptTimedoutMode()
      if (run.flags & RUN_TIMEDOUT) server.busyReply = null;
      this.run = null;
      currentRuns.delete(server);
      sc.flags &= ~CLIENT_MULTI;
      sc.ext.scriptCaller = undefined;
      sc.ext.scriptKeys = undefined;
      sc.takeOutput();
    }
  }

  /**
   * luaMaskCountHook() and scriptInterrupt(): past busy-reply-threshold,
   * serve the other clients every 100,000 instructions; stop the script
   * once SCRIPT KILL (or a shutdown) asked for it.
   */
  protected countHook = (L: LuaState): void => {
    const run = this.run;
    if (run === null) return;
    const server = this.server;
    if ((run.flags & RUN_KILLED) === 0) {
      if ((run.flags & RUN_TIMEDOUT) === 0) {
        const elapsed = performance.now() - run.startTime;
        if (elapsed < server.config.num('busy-reply-threshold')) return;
        const evalMode = (run.flags & RUN_EVAL_MODE) !== 0;
        server.logger.warn(
          `Slow script detected: still in execution after ${Math.floor(elapsed)} milliseconds. You can try killing the script using the ${evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.funcname}.`,
        );
        run.flags |= RUN_TIMEDOUT;
        server.busyReply = evalMode ? BUSY_EVAL_ERR : BUSY_FUNCTION_ERR;
      }
      server.processEventsWhileBlocked(run.caller);
      // SHUTDOWN NOSAVE closed the server: the script ends here.
      if (server.isClosed()) run.flags |= RUN_KILLED;
      if ((run.flags & RUN_KILLED) === 0) return;
      server.logger.warn('Lua script killed by user with SCRIPT KILL.');
    }
    // Raised on every line from now on: a pcall cannot keep the script alive.
    lua.lua_sethook(L, this.countHook, lua.LUA_MASKLINE, 0);
    pushErrorTable(L, 'Script killed by user with SCRIPT KILL...');
    lua.lua_error(L);
  };

  /** luaLdbLineHook(), for EVAL under SCRIPT DEBUG. */
  protected ldbHook = makeLdbHook({
    startTime: () => this.run?.startTime ?? performance.now(),
    restartClock: () => {
      if (this.run !== null) this.run.startTime = performance.now();
    },
    busyThreshold: () => this.server.config.num('busy-reply-threshold'),
    raise: (L, text) => throwErrorTable(L, text),
    compileMessage: lua51Message,
  });

  /**
   * Registry references to the globals proxy's metatable, the real globals
   * table and the strings "KEYS" and "ARGV".
   */
  protected globalsMetaRef = 0;
  protected realGlobalsRef = 0;
  private keysNameRef = 0;
  private argvNameRef = 0;

  /** Bytes of Lua code compiled into the state (part of memory()). */
  protected codeBytes = 0;

  /**
   * used_memory_lua / used_memory_vm_functions (luaMemory()). fengari keeps
   * no heap count (its lua_gc does nothing): a fresh state counts as the
   * 31744 bytes Redis's does, plus the code compiled into it.
   */
  memory(): number {
    return LUA_STATE_BYTES + this.codeBytes;
  }
}

/** The registry field holding the real globals table (the debugger reads KEYS and ARGV there). */
const K_REAL_GLOBALS = toLuaBytes('nodis_real_globals');

/** LUAI_MAXCSTACK of Lua 5.1: the slots a C function may use. */
const LUAI_MAXCSTACK = 8000;

/** luaMemory() of a freshly opened state in Redis 7.0. */
const LUA_STATE_BYTES = 31744;


/** The EVAL engine (eval.c): the script cache and its Lua state. */
export class ScriptingEngine extends LuaEngine {
  readonly scripts = new Map<string, CachedScript>();
  /**
   * The SHA of each cached body: EVAL hashes its body every time (SHA-1 in
   * Redis), and a lookup of the same bytes costs far less than Node's hash.
   */
  private readonly shaByBody = new Map<string, string>();

  /** sha1hex() of a script body, cached ones looked up. */
  shaOf(body: string): string {
    return this.shaByBody.get(body) ?? sha1hex(body);
  }
  /** Bytes of the cached bodies and their SHAs (used_memory_scripts_eval). */
  scriptsMem = 0;

  constructor(server: NodisServer) {
    super(server);
    this.init();
  }

  /** scriptingInit(). */
  private init(): void {
    this.openState(true);
  }

  /** luaCreateFunction(): compile and cache; the SHA, or an error text for the caller. */
  createFunction(body: string): { sha: string } | { error: string } {
    const sha = this.shaOf(body);
    if (this.scripts.has(sha)) return { sha };
    const sb = extractShebangFlags(body);
    if (typeof sb === 'string') return { error: sb };
    const L = this.L;
    const code = toLuaBytes(body.slice(sb.shebangLen));
    if (lauxlib.luaL_loadbufferx(L, code, code.length, toLuaBytes('@user_script'), toLuaBytes('t')) !== lua.LUA_OK) {
      const msg = lua51Message(toStr(L, -1) ?? '');
      lua.lua_pop(L, 1);
      return { error: `Error compiling script (new function): ${msg}` };
    }
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.scripts.set(sha, { body, flags: sb.flags, ref });
    this.shaByBody.set(body, sha);
    this.codeBytes += body.length;
    this.scriptsMem += 40 + body.length + 16;
    return { sha };
  }

  /** scriptingReset(): SCRIPT FLUSH drops the state and every script. */
  reset(): void {
    this.scripts.clear();
    this.shaByBody.clear();
    this.scriptsMem = 0;
    this.codeBytes = 0;
    this.init();
  }

  /** luaCallFunction() for EVAL: runs the cached script and replies to `caller`. */
  callScript(caller: Client, sha: string, keys: string[], args: string[], ro: boolean): void {
    const script = this.scripts.get(sha)!;
    this.execute(caller, sha, script.flags, script.ref, keys, args, ro, true);
  }
}

/**
 * scriptKill(): SCRIPT KILL (isEval) or FUNCTION KILL. Null once the
 * running script is flagged, else the error text.
 */
export function scriptKill(server: NodisServer, isEval: boolean): string | null {
  const run = currentRuns.get(server);
  if (run === undefined) return '-NOTBUSY No scripts in execution right now.';
  if (mustObey(run.caller)) return '-UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed.';
  if (run.flags & RUN_WRITE_DIRTY) {
    return '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.';
  }
  const evalRun = (run.flags & RUN_EVAL_MODE) !== 0;
  if (isEval && !evalRun) return BUSY_FUNCTION_ERR;
  if (!isEval && evalRun) return BUSY_EVAL_ERR;
  run.flags |= RUN_KILLED;
  return null;
}

/** True while an EVAL script (not a function) runs (scriptIsEval()). */
export function runIsEval(run: RunCtx): boolean {
  return (run.flags & RUN_EVAL_MODE) !== 0;
}

/** Lua 5.3 says "near <eof>" where 5.1 quotes it. */
export function lua51Message(msg: string): string {
  return msg.replace(/near <eof>$/, "near '<eof>'");
}

/**
 * Run-time errors as Lua 5.1 words them: 5.3's "attempt to call a nil
 * value (field 'x')" is 5.1's "attempt to call field 'x' (a nil value)".
 */
export function lua51RuntimeMessage(msg: string): string {
  return msg.replace(/attempt to (.+?) an? (\w+) value \((global|local|field|upvalue|method) '([^']*)'\)/, "attempt to $1 $3 '$4' (a $2 value)");
}

/**
 * luaRedisPcall(): pcall that hands back the message of Redis's error
 * tables, as scripts written for older versions expect a string.
 */
function redisPcall(L: LuaState): number {
  const argc = lua.lua_gettop(L);
  lauxlib.luaL_checkany(L, 1);
  lua.lua_pushboolean(L, 1);
  lua.lua_insert(L, 1);
  if (lua.lua_pcall(L, argc - 1, lua.LUA_MULTRET, 0) !== lua.LUA_OK) {
    lua.lua_remove(L, 1);
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      lua.lua_getfield(L, -1, toLuaBytes('err'));
      if (lua.lua_isstring(L, -1)) lua.lua_replace(L, -2);
      else lua.lua_pop(L, 1);
    }
    lua.lua_pushboolean(L, 0);
    lua.lua_insert(L, 1);
  }
  return lua.lua_gettop(L);
}

export function mustObey(c: Client): boolean {
  return (c.flags & CLIENT_MASTER) !== 0 || c.ext.isAof === true || c.ext.isAofClient === true;
}

function aclErrorMessage(r: number): string {
  switch (r) {
    case 1:
      return "can't run this command or subcommand";
    case 2:
      return "can't access at least one of the keys mentioned in the command arguments";
    case 4:
      return "can't publish to the channel mentioned in the command";
    default:
      return 'lacking the permissions for the command';
  }
}

function pushArray(L: LuaState, items: string[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    pushStr(L, items[i]);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** luaPushErrorBuff(): {err='CODE message'}. */
export function pushErrorTable(L: LuaState, text: string): void {
  // A debugging session that steps shows the errors of the Redis API.
  if (ldbIsEnabled()) ldbLog(`<error> ${text}`);
  let msg: string;
  let code: string;
  if (text.startsWith('-')) {
    const sp = text.indexOf(' ');
    if (sp === -1) {
      msg = text.slice(1);
      code = 'ERR';
    } else {
      msg = text.slice(sp + 1);
      code = text.slice(1, sp);
    }
  } else {
    msg = text;
    code = 'ERR';
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_newtable(L);
  pushStr(L, `${code} ${msg}`);
  lua.lua_setfield(L, -2, toLuaBytes('err'));
}

export function throwErrorTable(L: LuaState, text: string): never {
  pushErrorTable(L, text);
  lua.lua_error(L);
  throw new Error('unreachable');
}

/** luaArgsToRedisArgv(): null (an error table pushed) on a bad argument. */
function argsToArgv(L: LuaState): string[] | null {
  const argc = lua.lua_gettop(L);
  if (argc === 0) {
    pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
    return null;
  }
  const argv: string[] = [];
  let bad = false;
  for (let j = 1; j <= argc; j++) {
    const t = lua.lua_type(L, j);
    if (t === lua.LUA_TNUMBER) {
      argv.push(lua.lua_isinteger(L, j) ? String(lua.lua_tointeger(L, j)) : formatDouble(lua.lua_tonumber(L, j)));
    } else if (t === lua.LUA_TSTRING) {
      argv.push(fromLuaBytes(lua.lua_tolstring(L, j)));
    } else {
      bad = true;
      break;
    }
  }
  lua.lua_settop(L, 0);
  if (bad) {
    pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
    return null;
  }
  return argv;
}

/** __index of the globals proxy (and other strict tables, upvalue 1): a missing field is an error. */
export function globalsIndex(L: LuaState): number {
  lua.lua_pushvalue(L, 2);
  lua.lua_rawget(L, lua.lua_upvalueindex(1));
  if (lua.lua_type(L, -1) === lua.LUA_TNIL) nonexistentGlobal(L, 2);
  return 1;
}

/** __index of the real globals table (the proxy reads through it): a missing name is an error. */
function missingGlobal(L: LuaState): number {
  return nonexistentGlobal(L, 2);
}

/** luaProtectedTableError(): the error for reading the missing field named at `keyIdx`. */
export function nonexistentGlobal(L: LuaState, keyIdx: number): never {
  const t = lua.lua_type(L, keyIdx);
  const name = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? toStr(L, keyIdx) : '?';
  return raise(L, `Script attempted to access nonexistent global variable '${name}'`);
}

export function readonlyError(L: LuaState): number {
  raise(L, 'Attempt to modify a readonly table');
}

/**
 * Makes the proxy below the metatable below the top value read-only:
 * [proxy, metatable, v] becomes [proxy]. Reads go to `index` as a closure
 * over v (a strict __index), or to v itself when `index` is null; writes
 * raise; the metatable is sealed.
 */
export function setReadonlyMetatable(L: LuaState, index: ((L: LuaState) => number) | null): void {
  if (index !== null) lua.lua_pushcclosure(L, index, 1);
  lua.lua_setfield(L, -2, toLuaBytes('__index'));
  lua.lua_pushcfunction(L, readonlyError);
  lua.lua_setfield(L, -2, toLuaBytes('__newindex'));
  sealMetatable(L);
  lua.lua_setmetatable(L, -2);
}

/**
 * Seals the metatable at the top of the stack of a read-only proxy:
 * getmetatable() returns a read-only view of it, and readonlyGuard()
 * recognizes the proxy.
 */
export function sealMetatable(L: LuaState): void {
  lua.lua_pushboolean(L, 1);
  lua.lua_setfield(L, -2, toLuaBytes(READONLY_MARK));
  lua.lua_newtable(L); // the view
  lua.lua_newtable(L); // its metatable
  lua.lua_pushvalue(L, -3);
  lua.lua_setfield(L, -2, toLuaBytes('__index'));
  lua.lua_pushcfunction(L, readonlyError);
  lua.lua_setfield(L, -2, toLuaBytes('__newindex'));
  lua.lua_pushboolean(L, 1);
  lua.lua_setfield(L, -2, toLuaBytes(READONLY_MARK));
  lua.lua_pushvalue(L, -2);
  lua.lua_setfield(L, -2, toLuaBytes('__metatable'));
  lua.lua_setmetatable(L, -2);
  lua.lua_setfield(L, -2, toLuaBytes('__metatable'));
}

/** The metatable field marking a read-only proxy. */
const READONLY_MARK = '__nodis_readonly';

/** setmetatable()/rawset() (upvalue 1) refusing a read-only table. */
function readonlyGuard(L: LuaState): number {
  if (pushSealedMetatable(L, 1)) {
    lua.lua_pop(L, 1);
    // Raised by the VM in Redis's Lua, so without a position.
    pushStr(L, 'Attempt to modify a readonly table');
    lua.lua_error(L);
  }
  return callUpvalue(L);
}

/** Push the metatable of the value at `idx` if it is a read-only proxy (true), else push nothing. */
function pushSealedMetatable(L: LuaState, idx: number): boolean {
  if (lua.lua_type(L, idx) !== lua.LUA_TTABLE || !lua.lua_getmetatable(L, idx)) return false;
  pushStr(L, READONLY_MARK);
  const sealed = lua.lua_rawget(L, -2) !== lua.LUA_TNIL;
  lua.lua_pop(L, sealed ? 1 : 2);
  return sealed;
}

/** Call the function in upvalue 1 with this call's arguments; its results are returned. */
function callUpvalue(L: LuaState): number {
  const n = lua.lua_gettop(L);
  lua.lua_pushvalue(L, lua.lua_upvalueindex(1));
  lua.lua_insert(L, 1);
  lua.lua_call(L, n, lua.LUA_MULTRET);
  return lua.lua_gettop(L);
}

/** C's frexp(): [m, e] with x = m * 2^e and 0.5 <= |m| < 1 (x itself and 0 for zero, infinities, NaN). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  let shift = 0;
  if (((view.getUint32(0) >>> 20) & 0x7ff) === 0) {
    // Subnormal: scaled into the normal range first.
    view.setFloat64(0, x * 2 ** 64);
    shift = 64;
  }
  const hi = view.getUint32(0);
  const e = ((hi >>> 20) & 0x7ff) - 1022 - shift;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), e];
}

/**
 * rawget(), next() or pairs() (upvalue 1) of a read-only proxy applied to
 * the table it reads through: its __index when that is a table, else the
 * upvalue of its __index closure (the globals of a strict __index).
 */
function readThrough(L: LuaState): number {
  if (pushSealedMetatable(L, 1)) {
    const mt = lua.lua_gettop(L);
    pushStr(L, '__index');
    const t = lua.lua_rawget(L, mt);
    let backed: boolean;
    if (t === lua.LUA_TFUNCTION) {
      backed = lua.lua_getupvalue(L, -1, 1) !== null && lua.lua_type(L, -1) === lua.LUA_TTABLE;
      lua.lua_remove(L, -2);
    } else {
      backed = t === lua.LUA_TTABLE;
    }
    if (backed) lua.lua_replace(L, 1);
    else lua.lua_pop(L, 1);
    lua.lua_pop(L, 1); // the metatable
  }
  return callUpvalue(L);
}

/**
 * The pcall message handler (__redis__err__handler): errors become tables
 * {err=..., source=..., line=...} naming the Lua code that raised them.
 */
function errorHandler(L: LuaState): number {
  const ar = new lua.lua_Debug();
  let have = lua.lua_getstack(L, 1, ar) !== 0;
  if (have) {
    lua.lua_getinfo(L, toLuaBytes('nSl'), ar);
    if (fromLuaBytes(ar.what) === 'J' || fromLuaBytes(ar.what) === 'C') {
      have = lua.lua_getstack(L, 2, ar) !== 0;
      if (have) lua.lua_getinfo(L, toLuaBytes('nSl'), ar);
    }
  }
  if (lua.lua_type(L, 1) !== lua.LUA_TTABLE) {
    lauxlib.luaL_tolstring(L, 1);
    const s = lua51RuntimeMessage(toStr(L, -1) ?? '');
    lua.lua_settop(L, 0);
    lua.lua_newtable(L);
    pushStr(L, 'ERR ' + s);
    lua.lua_setfield(L, -2, toLuaBytes('err'));
  } else {
    lua.lua_settop(L, 1);
  }
  if (have) {
    lua.lua_pushstring(L, ar.source);
    lua.lua_setfield(L, -2, toLuaBytes('source'));
    lua.lua_pushinteger(L, ar.currentline);
    lua.lua_setfield(L, -2, toLuaBytes('line'));
  }
  return 1;
}

function fieldStr(L: LuaState, idx: number, name: string): string | null {
  lua.lua_getfield(L, idx, toLuaBytes(name));
  const s = lua.lua_isstring(L, -1) ? toStr(L, -1) : null;
  lua.lua_pop(L, 1);
  return s;
}

/** The error at the top of the stack as the reply to the EVAL caller. */
function replyLuaError(L: LuaState, c: Client, funcname: string): void {
  if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
    const msg = lua.lua_isstring(L, -1) ? toStr(L, -1)! : 'execution failure';
    c.addReplyError(`Error running script ${funcname}, ${msg.slice(0, 100)}\n`);
    return;
  }
  const t = lua.lua_gettop(L);
  const err = fieldStr(L, t, 'err');
  const source = fieldStr(L, t, 'source');
  const line = fieldStr(L, t, 'line');
  lua.lua_getfield(L, t, toLuaBytes('ignore_error_stats_update'));
  const ignore = lua.lua_type(L, -1) === lua.LUA_TBOOLEAN && lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  let msg = '-' + (err ?? '');
  if (line !== null && source !== null) msg += ` script: ${funcname}, on ${source}:${line}.`;
  addError(c, msg, ignore);
}

/** An error reply, optionally not counted again in the error stats. */
function addError(c: Client, msg: string, noStats: boolean): void {
  if (!noStats) {
    c.addReplyError(msg);
    return;
  }
  // Counted already (where it was raised), but the script's command failed.
  if (c.cmd !== null && c.cmd !== undefined) c.cmd.stats.failedCalls++;
  c.addReplyProto(msg.replace(/[\r\n]/g, ' ') + '\r\n');
}

/** Truncation of a Lua number to a long long, as the C cast does on x86. */
function toLongLong(L: LuaState, idx: number): number | bigint {
  if (lua.lua_isinteger(L, idx)) return lua.lua_tointeger(L, idx) as number;
  const d = lua.lua_tonumber(L, idx) as number;
  if (!Number.isFinite(d) || Math.abs(d) >= 9223372036854775808) return -9223372036854775808n;
  const t = Math.trunc(d);
  return Number.isSafeInteger(t) ? t : BigInt(t);
}

/** A table being converted by luaToReply(): an array, or the map/set table of one. */
interface ReplyFrame {
  kind: 0 | 1 | 2; // array, map, set
  /** Stack index of the value the frame replies (settop below it when done). */
  base: number;
  /** Stack index of the table iterated. */
  t: number;
  /** Array: next element and count. */
  j: number;
  n: number;
  /** Map: the key of the pair was sent, its value is next. */
  valueNext: boolean;
}

/**
 * luaReplyToRedisReply(): the value at the top of the stack, popped.
 * Nested tables are walked with a frame list rather than by recursion, so
 * a reply nested to Lua 5.1's stack limit fits in the JS stack.
 */
function luaToReply(L: LuaState, c: Client, scriptResp: number): void {
  const frames: ReplyFrame[] = [];
  for (;;) {
    const f = replyValue(L, c, scriptResp);
    if (f !== null) frames.push(f);
    // Push the next value to reply, closing the frames that are done.
    for (;;) {
      if (frames.length === 0) return;
      const top = frames[frames.length - 1];
      if (top.kind === 0) {
        if (top.j <= top.n) {
          lua.lua_rawgeti(L, top.t, top.j++);
          break;
        }
      } else if (top.kind === 1 && top.valueNext) {
        // The key was sent; the value is at the top.
        top.valueNext = false;
        break;
      } else if (lua.lua_next(L, top.t) !== 0) {
        if (top.kind === 1) {
          lua.lua_pushvalue(L, -2);
          top.valueNext = true;
        } else {
          lua.lua_pop(L, 1);
          lua.lua_pushvalue(L, -1);
        }
        break;
      }
      lua.lua_settop(L, top.base - 1);
      frames.pop();
    }
  }
}

/** One value of luaToReply(): a scalar is sent and popped; a table's header is sent and its frame returned. */
function replyValue(L: LuaState, c: Client, scriptResp: number): ReplyFrame | null {
  // Lua 5.1's lua_checkstack() fails past LUAI_MAXCSTACK (8000) slots: a
  // reply nested that deep (a table holding itself) ends in an error.
  if (lua.lua_gettop(L) + 4 > LUAI_MAXCSTACK || !lua.lua_checkstack(L, 4)) {
    c.addReplyError('reached lua stack limit');
    lua.lua_pop(L, 1);
    return null;
  }
  const idx = lua.lua_gettop(L);
  switch (lua.lua_type(L, idx)) {
    case lua.LUA_TSTRING:
      // The Lua string's bytes are copied into the reply as they are.
      c.addReplyBulk(lua.lua_tolstring(L, idx) as Uint8Array);
      break;
    case lua.LUA_TBOOLEAN:
      if (scriptResp === 2) {
        if (lua.lua_toboolean(L, idx)) c.addReplyLongLong(1);
        else c.addReplyNull();
      } else {
        c.addReplyBool(lua.lua_toboolean(L, idx));
      }
      break;
    case lua.LUA_TNUMBER:
      c.addReplyLongLong(toLongLong(L, idx));
      break;
    case lua.LUA_TTABLE: {
      if (rawField(L, idx, 'err') === lua.LUA_TSTRING) {
        lua.lua_pop(L, 1);
        const err = fieldStr(L, idx, 'err') ?? '';
        lua.lua_getfield(L, idx, toLuaBytes('ignore_error_stats_update'));
        const ignore = lua.lua_type(L, -1) === lua.LUA_TBOOLEAN && lua.lua_toboolean(L, -1);
        lua.lua_pop(L, 1);
        addError(c, '-' + err, ignore);
        break;
      }
      lua.lua_pop(L, 1);
      if (rawField(L, idx, 'ok') === lua.LUA_TSTRING) {
        c.addReplyStatus(toStr(L, -1)!.replace(/[\r\n]/g, ' '));
        break;
      }
      lua.lua_pop(L, 1);
      if (rawField(L, idx, 'double') === lua.LUA_TNUMBER) {
        c.addReplyDouble(lua.lua_tonumber(L, -1));
        break;
      }
      lua.lua_pop(L, 1);
      if (rawField(L, idx, 'big_number') === lua.LUA_TSTRING) {
        c.addReplyBigNum(toStr(L, -1)!.replace(/[\r\n]/g, ' '));
        break;
      }
      lua.lua_pop(L, 1);
      if (rawField(L, idx, 'verbatim_string') === lua.LUA_TTABLE) {
        const v = lua.lua_gettop(L);
        if (rawField(L, v, 'format') === lua.LUA_TSTRING && rawField(L, v, 'string') === lua.LUA_TSTRING) {
          c.addReplyVerbatim(toStr(L, -1)!, toStr(L, -2)!);
          break;
        }
        lua.lua_settop(L, v);
      }
      lua.lua_pop(L, 1);
      for (const [name, kind] of [
        ['map', 1],
        ['set', 2],
      ] as const) {
        if (rawField(L, idx, name) === lua.LUA_TTABLE) {
          const m = lua.lua_gettop(L);
          let n = 0;
          lua.lua_pushnil(L);
          while (lua.lua_next(L, m) !== 0) {
            n++;
            lua.lua_pop(L, 1);
          }
          if (kind === 1) c.addReplyMapLen(n);
          else c.addReplySetLen(n);
          lua.lua_pushnil(L);
          return { kind, base: idx, t: m, j: 0, n: 0, valueNext: false };
        }
        lua.lua_pop(L, 1);
      }
      let n = 0;
      while (lua.lua_rawgeti(L, idx, n + 1) !== lua.LUA_TNIL) {
        n++;
        lua.lua_pop(L, 1);
      }
      lua.lua_pop(L, 1);
      c.addReplyArrayLen(n);
      return { kind: 0, base: idx, t: idx, j: 1, n, valueNext: false };
    }
    default:
      c.addReplyNull();
  }
  lua.lua_settop(L, idx - 1);
  return null;
}

function rawField(L: LuaState, idx: number, name: string): number {
  pushStr(L, name);
  return lua.lua_rawget(L, idx);
}

function lineEnd(s: string, pos: number): number {
  return s.indexOf('\r\n', pos);
}

function parseDouble(s: string): number {
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan' || s === '-nan') return NaN;
  return Number(s);
}

/**
 * redisProtocolToLuaType(): one reply of `s` at `pos` pushed on the Lua
 * stack (nothing pushed when `push` is false); returns the next position.
 */
function respToLua(L: LuaState, s: string, pos: number, push = true): number {
  if (s.charCodeAt(pos) === 36 && s.charCodeAt(pos + 1) !== 45) {
    // A bulk string (most elements of a reply): its length read in place
    // and its bytes pushed from the reply's text, with no slices.
    let len = 0;
    let p = pos + 1;
    for (let ch = s.charCodeAt(p); ch !== 13; ch = s.charCodeAt(++p)) len = len * 10 + (ch - 48);
    const start = p + 2;
    if (push) pushStr(L, s, start, start + len);
    return start + len + 2;
  }
  const type = s[pos];
  const e = lineEnd(s, pos);
  const line = s.slice(pos + 1, e);
  let next = e + 2;
  switch (type) {
    case ':':
      if (push) pushNum(L, Number(line));
      break;
    case '$':
      // Only the null bulk ($-1) comes here; the others took the path above.
      if (push) lua.lua_pushboolean(L, 0);
      break;
    case '+':
    case '-':
      if (push) {
        lua.lua_newtable(L);
        pushStr(L, line);
        lua.lua_setfield(L, -2, toLuaBytes(type === '+' ? 'ok' : 'err'));
        if (type === '-') {
          if (ldbIsEnabled()) ldbLog(`<error> -${line}`);
          // Counted when the command replied: not again if the script returns it.
          lua.lua_pushboolean(L, 1);
          lua.lua_setfield(L, -2, toLuaBytes('ignore_error_stats_update'));
        }
      }
      break;
    case '*':
    case '>': {
      const n = Number(line);
      if (n === -1) {
        if (push) lua.lua_pushboolean(L, 0);
        break;
      }
      if (push) {
        lua.lua_checkstack(L, 3);
        lua.lua_createtable(L, n, 0);
      }
      // A fresh table has no metamethods: rawseti() sets as settable() would.
      for (let j = 1; j <= n; j++) {
        next = respToLua(L, s, next, push);
        if (push) lua.lua_rawseti(L, -2, j);
      }
      break;
    }
    case '%':
    case '~': {
      const n = Number(line);
      if (push) {
        lua.lua_checkstack(L, 4);
        lua.lua_newtable(L);
        lua.lua_newtable(L);
      }
      for (let j = 0; j < n; j++) {
        next = respToLua(L, s, next, push);
        if (type === '%') next = respToLua(L, s, next, push);
        else if (push) lua.lua_pushboolean(L, 1);
        if (push) lua.lua_settable(L, -3);
      }
      if (push) lua.lua_setfield(L, -2, toLuaBytes(type === '%' ? 'map' : 'set'));
      break;
    }
    case '_':
      if (push) lua.lua_pushnil(L);
      break;
    case '#':
      if (push) lua.lua_pushboolean(L, line === 't' ? 1 : 0);
      break;
    case ',':
      if (push) {
        lua.lua_newtable(L);
        lua.lua_pushnumber(L, parseDouble(line));
        lua.lua_setfield(L, -2, toLuaBytes('double'));
      }
      break;
    case '(':
      if (push) {
        lua.lua_newtable(L);
        pushStr(L, line);
        lua.lua_setfield(L, -2, toLuaBytes('big_number'));
      }
      break;
    case '=': {
      const len = Number(line);
      const body = s.slice(next, next + len);
      next += len + 2;
      if (push) {
        lua.lua_newtable(L);
        lua.lua_newtable(L);
        pushStr(L, body.slice(4));
        lua.lua_setfield(L, -2, toLuaBytes('string'));
        pushStr(L, body.slice(0, 3));
        lua.lua_setfield(L, -2, toLuaBytes('format'));
        lua.lua_setfield(L, -2, toLuaBytes('verbatim_string'));
      }
      break;
    }
    case '|': {
      const n = Number(line);
      for (let j = 0; j < 2 * n; j++) next = respToLua(L, s, next, false);
      next = respToLua(L, s, next, push);
      break;
    }
    default:
      if (push) lua.lua_pushnil(L);
  }
  return next;
}

/** Library tables scripts can read but not modify. */
const PROTECTED_LIBS = ['string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'struct', 'cmsgpack', 'bit'];

/** What the functions engine reports to INFO memory. */
export interface FunctionsMemoryInfo {
  /** used_memory_vm_functions: the functions Lua state. */
  vm(): number;
  /** used_memory_functions: libraries, functions and their tables. */
  overhead(): number;
  functions(): number;
  libraries(): number;
}

const functionsInfo = new WeakMap<NodisServer, FunctionsMemoryInfo>();
const scriptsInfoInstalled = new WeakSet<NodisServer>();

export function registerFunctionsInfo(server: NodisServer, info: FunctionsMemoryInfo): void {
  functionsInfo.set(server, info);
}

/** INFO memory's script fields, for both engines (installed by the first one created). */
function installScriptsInfo(server: NodisServer): void {
  if (scriptsInfoInstalled.has(server)) return;
  scriptsInfoInstalled.add(server);
  addInfoHook(server, 'memory', (fields) => {
    const ev = engines.peek(server);
    const vm = ev !== undefined ? ev.memory() : 0;
    const scriptsMem = ev !== undefined ? ev.scriptsMem : 0;
    const fi = functionsInfo.get(server);
    const fvm = fi !== undefined ? fi.vm() : 0;
    const fmem = fi !== undefined ? fi.overhead() : 0;
    setInfoField(fields, 'used_memory_lua', vm);
    setInfoField(fields, 'used_memory_vm_eval', vm);
    setInfoField(fields, 'used_memory_lua_human', bytesToHuman(vm));
    setInfoField(fields, 'used_memory_scripts_eval', scriptsMem);
    setInfoField(fields, 'number_of_cached_scripts', ev !== undefined ? ev.scripts.size : 0);
    setInfoField(fields, 'number_of_functions', fi !== undefined ? fi.functions() : 0);
    setInfoField(fields, 'number_of_libraries', fi !== undefined ? fi.libraries() : 0);
    setInfoField(fields, 'used_memory_vm_functions', fvm);
    setInfoField(fields, 'used_memory_vm_total', vm + fvm);
    setInfoField(fields, 'used_memory_vm_total_human', bytesToHuman(vm + fvm));
    setInfoField(fields, 'used_memory_functions', fmem);
    setInfoField(fields, 'used_memory_scripts', scriptsMem + fmem);
    setInfoField(fields, 'used_memory_scripts_human', bytesToHuman(scriptsMem + fmem));
  });
}

const engines = perServer((server) => new ScriptingEngine(server));

/** The server's scripting engine (created on first use). */
export function scriptingEngine(server: NodisServer): ScriptingEngine {
  return engines.get(server);
}

/** The engine if one was created. */
export function peekScriptingEngine(server: NodisServer): ScriptingEngine | undefined {
  return engines.peek(server);
}
