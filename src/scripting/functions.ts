/**
 * Redis Functions (functions.c, function_lua.c): libraries of Lua functions
 * loaded with FUNCTION LOAD and called with FCALL / FCALL_RO.
 *
 * One Lua state serves every library, apart from the EVAL state. Its
 * globals proxy reads the ordinary sandbox while a function runs; while a
 * library body runs (FUNCTION LOAD), the only global is `redis`, holding
 * register_function, log, the LOG_* levels and the version fields, and
 * anything else is a "nonexistent global variable" error. A library body
 * runs under a 500 ms timeout (none for the primary and the AOF).
 *
 * Libraries are kept in load order; Redis lists them in hash-table order.
 */
import type { Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { perServer } from '../server/per-server.js';
import { splitArgs } from '../server/config-file.js';
import { provideFunctionLibraries, registerFunctionLibraries, type FunctionLibraries } from './function-libraries.js';
import {
  LuaEngine,
  globalsIndex,
  nonexistentGlobal,
  SCRIPT_FLAGS_DEF,
  registerFunctionsInfo,
  setReadonlyMetatable,
  throwErrorTable,
  lua51Message,
  lua51RuntimeMessage,
  mustObey,
} from './engine.js';
import { lua, lauxlib, pushStr, toStr, fromLuaBytes, toLuaBytes, type LuaState } from './lua.js';

/** The timeout of a library body run by FUNCTION LOAD (LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;
const ENGINE_NAME = 'LUA';
const NAME_ERR = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export interface FunctionInfo {
  name: string;
  desc: string | null;
  flags: number;
  /** The callback in the Lua registry. */
  ref: number;
  lib: Library;
}

export interface Library {
  name: string;
  engine: string;
  /** The whole FUNCTION LOAD payload, shebang included. */
  code: string;
  /** Function name (case-sensitive) -> function, in registration order. */
  functions: Map<string, FunctionInfo>;
}

interface LoadCtx {
  lib: Library;
  start: number;
  timeout: number;
}

/** functionsVerifyName(): [a-zA-Z0-9_]+. */
function validName(name: string): boolean {
  return /^[a-zA-Z0-9_]+$/.test(name);
}

/** functionExtractLibMetaData(): engine, library name and the code after the shebang line. */
function extractMetadata(payload: string): { engine: string; name: string; code: string } | string {
  if (!payload.startsWith('#!')) return 'Missing library metadata';
  // The C code reads a NUL-terminated string.
  const nul = payload.indexOf('\0');
  const end = payload.indexOf('\n');
  if (end === -1 || (nul !== -1 && nul < end)) return 'Invalid library metadata';
  const parts = splitArgs(payload.slice(0, end));
  if (parts === null || parts.length === 0) return 'Invalid library metadata';
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
      name = part.slice(5);
      continue;
    }
    return `Invalid metadata value given: ${part}`;
  }
  if (name === null) return 'Library name was not given';
  return { engine, name, code: payload.slice(end) };
}

/** The Lua engine of functions and the libraries it holds (functionsLibCtx). */
export class FunctionsEngine extends LuaEngine {
  /** Library name -> library. */
  readonly libraries = new Map<string, Library>();
  /** Lower-cased function name -> function: FCALL names are case-insensitive. */
  readonly functions = new Map<string, FunctionInfo>();
  /** Bytes of the libraries' code and names (functions_lib_ctx->cache_memory). */
  cacheMemory = 0;
  private loading: LoadCtx | null = null;
  /** What persistence and replication use (function-libraries.ts). */
  readonly persisted: FunctionLibraries = {
    codes: () => [...this.libraries.values()].map((l) => l.code),
    clear: () => this.clear(),
    load: (code, replace) => {
      const r = this.create(code, replace, 0);
      return 'error' in r ? r.error : null;
    },
  };
  /** The `redis` table a library body sees, in the registry. */
  private libraryApiRef = 0;

  constructor(server: NodisServer) {
    super(server);
    this.openState(false);
    this.libraryApiRef = this.createLibraryApi(this.L);
    registerFunctionLibraries(server, this.persisted);
    registerFunctionsInfo(server, {
      vm: () => this.memory(),
      overhead: () => this.overhead(),
      functions: () => this.functions.size,
      libraries: () => this.libraries.size,
    });
  }

  /**
   * __index of the globals proxy while a library loads: only `redis` (the
   * load-time API) exists. Otherwise the proxy reads through the real
   * globals as a table; setGlobalsIndex() swaps the two.
   */
  private loadTimeIndex = (L: LuaState): number => {
    if (lua.lua_type(L, 2) === lua.LUA_TSTRING && toStr(L, 2) === 'redis') {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.libraryApiRef);
      return 1;
    }
    return nonexistentGlobal(L, 2);
  };

  /** The globals proxy reads through the load-time index (true) or the real globals (false). */
  private setGlobalsIndex(loading: boolean): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.globalsMetaRef);
    pushStr(L, '__index');
    if (loading) {
      // (The real globals as upvalue, where readThrough() looks for them.)
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.realGlobalsRef);
      lua.lua_pushcclosure(L, this.loadTimeIndex, 1);
    } else {
      lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.realGlobalsRef);
    }
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 1);
  }

  /** The load-time `redis` table: a read-only proxy that raises on a missing field. */
  private createLibraryApi(L: LuaState): number {
    lua.lua_newtable(L); // the proxy
    lua.lua_newtable(L); // its metatable
    lua.lua_newtable(L); // the fields
    lua.lua_pushcfunction(L, (L: LuaState) => this.registerFunction(L));
    lua.lua_setfield(L, -2, toLuaBytes('register_function'));
    this.registerLogAndVersion(L);
    setReadonlyMetatable(L, globalsIndex);
    return lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** luaRegisterFunction(): redis.register_function(name, callback) or ({function_name=..., ...}). */
  private registerFunction(L: LuaState): number {
    const ctx = this.loading;
    if (ctx === null) throwErrorTable(L, 'redis.register_function can only be called on FUNCTION LOAD command');
    const argc = lua.lua_gettop(L);
    if (argc < 1 || argc > 2) throwErrorTable(L, 'wrong number of arguments to redis.register_function');
    let name: string | null = null;
    let desc: string | null = null;
    let ref = lua.LUA_NOREF as number;
    let flags = 0;
    const fail = (msg: string): never => {
      if (ref !== lua.LUA_NOREF) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
      return throwErrorTable(L, msg);
    };
    if (argc === 1) {
      if (!lua.lua_istable(L, 1)) {
        fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1) !== 0) {
        if (!lua.lua_isstring(L, -2)) fail('named argument key given to redis.register_function is not a string');
        const key = luaString(L, -2).toLowerCase();
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) fail('function_name argument given to redis.register_function must be a string');
          name = luaString(L, -1);
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) fail('description argument given to redis.register_function must be a string');
          desc = luaString(L, -1);
        } else if (key === 'callback') {
          if (!lua.lua_isfunction(L, -1)) fail('callback argument given to redis.register_function must be a function');
          if (ref !== lua.LUA_NOREF) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
          ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
          continue;
        } else if (key === 'flags') {
          if (!lua.lua_istable(L, -1)) fail('flags argument to redis.register_function must be a table representing function flags');
          const f = readFlags(L);
          if (f === null) fail('unknown flag given');
          flags = f!;
        } else {
          fail('unknown argument given to redis.register_function');
        }
        lua.lua_pop(L, 1);
      }
      if (name === null) fail('redis.register_function must get a function name argument');
      if (ref === lua.LUA_NOREF) fail('redis.register_function must get a callback argument');
    } else {
      if (!lua.lua_isstring(L, 1)) fail('first argument to redis.register_function must be a string');
      name = luaString(L, 1);
      if (!lua.lua_isfunction(L, 2)) fail('second argument to redis.register_function must be a function');
      ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    }
    // functionLibCreateFunction()
    if (!validName(name!)) fail(NAME_ERR);
    if (ctx!.lib.functions.has(name!)) fail('Function already exists in the library');
    ctx!.lib.functions.set(name!, { name: name!, desc, flags, ref, lib: ctx!.lib });
    return 0;
  }

  /** luaEngineLoadHook(): a library body that runs too long is stopped. */
  private loadHook = (L: LuaState): void => {
    const ctx = this.loading;
    if (ctx === null || ctx.timeout === 0) return;
    if (performance.now() - ctx.start <= ctx.timeout) return;
    lua.lua_sethook(L, this.loadHook, lua.LUA_MASKLINE, 0);
    throwErrorTable(L, 'FUNCTION LOAD timeout');
  };

  /** luaEngineCreate(): compile the library body and run it to register its functions. */
  private runLibraryBody(lib: Library, code: string, timeout: number): string | null {
    const L = this.L;
    const b = toLuaBytes(code);
    if (lauxlib.luaL_loadbufferx(L, b, b.length, toLuaBytes('@user_function'), toLuaBytes('t')) !== lua.LUA_OK) {
      const msg = lua51Message(toStr(L, -1) ?? '');
      lua.lua_settop(L, 0);
      return `Error compiling function: ${msg}`;
    }
    this.loading = { lib, start: performance.now(), timeout };
    this.setGlobalsIndex(true);
    lua.lua_sethook(L, this.loadHook, lua.LUA_MASKCOUNT, 100000);
    try {
      if (lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
        return `Error registering functions: ${errorMessage(L)}`;
      }
      return null;
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      this.loading = null;
      lua.lua_settop(L, 0);
      this.setGlobalsIndex(false);
    }
  }

  /**
   * functionsCreateWithLibraryCtx(): load a library (replacing the one of
   * the same name when `replace`). The library name, or an error text.
   */
  create(payload: string, replace: boolean, timeout: number): { name: string } | { error: string } {
    const md = extractMetadata(payload);
    if (typeof md === 'string') return { error: md };
    if (!validName(md.name)) return { error: NAME_ERR };
    if (md.engine.toUpperCase() !== ENGINE_NAME) return { error: `Engine '${md.engine}' not found` };
    const old = this.libraries.get(md.name);
    if (old !== undefined && !replace) return { error: `Library '${md.name}' already exists` };
    if (old !== undefined) this.unlink(old);
    const lib: Library = { name: md.name, engine: ENGINE_NAME, code: payload, functions: new Map() };
    let err = this.runLibraryBody(lib, md.code, timeout);
    if (err === null && lib.functions.size === 0) err = 'No functions registered';
    if (err === null) {
      for (const f of lib.functions.values()) {
        if (this.functions.has(f.name.toLowerCase())) {
          err = `Function ${f.name} already exists`;
          break;
        }
      }
    }
    if (err !== null) {
      this.freeLibrary(lib);
      if (old !== undefined) this.link(old);
      return { error: err };
    }
    this.link(lib);
    this.codeBytes += md.code.length;
    if (old !== undefined) this.freeLibrary(old);
    return { name: md.name };
  }

  private link(lib: Library): void {
    for (const f of lib.functions.values()) {
      const key = f.name.toLowerCase();
      if (!this.functions.has(key)) this.functions.set(key, f);
    }
    this.libraries.set(lib.name, lib);
    this.cacheMemory += libraryMemory(lib);
  }

  private unlink(lib: Library): void {
    for (const f of lib.functions.values()) {
      const key = f.name.toLowerCase();
      if (this.functions.get(key) === f) this.functions.delete(key);
    }
    this.libraries.delete(lib.name);
    this.cacheMemory -= libraryMemory(lib);
  }

  private freeLibrary(lib: Library): void {
    for (const f of lib.functions.values()) lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, f.ref);
  }

  /** FUNCTION DELETE. False when there is no such library. */
  delete(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    this.unlink(lib);
    this.freeLibrary(lib);
    return true;
  }

  /** functionsLibCtxClear(): every library goes. */
  clear(): void {
    for (const lib of [...this.libraries.values()]) {
      this.unlink(lib);
      this.freeLibrary(lib);
    }
    this.cacheMemory = 0;
  }

  /**
   * FUNCTION RESTORE: load `payloads` as a set (each a library's code).
   * policy FLUSH drops every library first, APPEND refuses a name already
   * used, REPLACE swaps such libraries. Nothing changes on error.
   */
  restore(payloads: string[], policy: 'flush' | 'append' | 'replace'): string | null {
    // Load into a scratch set: the current libraries are set aside meanwhile.
    const saved = [...this.libraries.values()];
    for (const lib of saved) this.unlink(lib);
    const loaded: Library[] = [];
    const rollback = (err: string): string => {
      for (const lib of loaded) {
        this.unlink(lib);
        this.freeLibrary(lib);
      }
      for (const lib of saved) this.link(lib);
      return err;
    };
    for (const p of payloads) {
      const r = this.create(p, false, 0);
      if ('error' in r) return rollback(r.error);
      loaded.push(this.libraries.get(r.name)!);
    }
    if (policy === 'flush') {
      for (const lib of saved) this.freeLibrary(lib);
      return null;
    }
    // libraryJoin()
    const replaced = new Set<Library>();
    for (const lib of loaded) {
      const old = saved.find((s) => s.name === lib.name);
      if (old === undefined) continue;
      if (policy === 'append') return rollback(`Library ${lib.name} already exists`);
      replaced.add(old);
    }
    const kept = saved.filter((s) => !replaced.has(s));
    const names = new Set<string>();
    for (const lib of kept) for (const f of lib.functions.values()) names.add(f.name.toLowerCase());
    for (const lib of loaded) {
      for (const f of lib.functions.values()) {
        if (names.has(f.name.toLowerCase())) return rollback(`Function ${f.name} already exists`);
      }
    }
    // The restored libraries go after the kept ones.
    for (const lib of loaded) this.unlink(lib);
    for (const lib of kept) this.link(lib);
    for (const lib of loaded) this.link(lib);
    for (const lib of replaced) this.freeLibrary(lib);
    return null;
  }

  /** FCALL / FCALL_RO once the arguments are checked. */
  call(caller: Client, f: FunctionInfo, keys: string[], args: string[], ro: boolean): void {
    this.execute(caller, f.name, f.flags, f.ref, keys, args, ro, false);
  }

  /** functionsMemoryOverhead(). */
  overhead(): number {
    return this.cacheMemory + this.functions.size * 24 + 200;
  }
}

/** The memory a library accounts for (libraryMallocSize() + functionMallocSize()). */
function libraryMemory(lib: Library): number {
  let n = 48 + lib.name.length + 9 + lib.code.length + 9;
  for (const f of lib.functions.values()) n += 48 + f.name.length + 9 + (f.desc !== null ? f.desc.length + 9 : 0) + 8;
  return n;
}

/** A string (or number) at `idx` as a latin1 string, without converting the stack slot. */
function luaString(L: LuaState, idx: number): string {
  lua.lua_pushvalue(L, idx);
  const s = fromLuaBytes(lua.lua_tolstring(L, -1));
  lua.lua_pop(L, 1);
  return s;
}

/** luaRegisterFunctionReadFlags(): the flags table at the top of the stack, or null on a bad flag. */
function readFlags(L: LuaState): number | null {
  let flags = 0;
  for (let j = 1; ; j++) {
    lua.lua_pushnumber(L, j);
    lua.lua_gettable(L, -2);
    const t = lua.lua_type(L, -1);
    if (t === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return flags;
    }
    if (!lua.lua_isstring(L, -1)) {
      lua.lua_pop(L, 1);
      return null;
    }
    const s = luaString(L, -1).toLowerCase();
    lua.lua_pop(L, 1);
    const def = SCRIPT_FLAGS_DEF.find(([n]) => n === s);
    if (def === undefined) return null;
    flags |= def[1];
  }
}

/** luaExtractErrorInformation() of an error raised without a message handler. */
function errorMessage(L: LuaState): string {
  if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
    lua.lua_getfield(L, -1, toLuaBytes('err'));
    const s = lua.lua_isstring(L, -1) ? toStr(L, -1)! : '';
    lua.lua_pop(L, 1);
    return s;
  }
  if (lua.lua_isstring(L, -1)) return 'ERR ' + lua51RuntimeMessage(toStr(L, -1)!);
  return '';
}


const engines = perServer((server) => new FunctionsEngine(server));
provideFunctionLibraries((server) => functionsEngine(server).persisted);

/** The server's functions engine (created on first use). */
export function functionsEngine(server: NodisServer): FunctionsEngine {
  return engines.get(server);
}

/** The FUNCTION LOAD timeout for `c` (none for the primary and the AOF). */
export function loadTimeout(c: Client): number {
  return mustObey(c) ? 0 : LOAD_TIMEOUT_MS;
}
