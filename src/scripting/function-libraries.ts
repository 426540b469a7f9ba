/**
 * What persistence and replication need of the function libraries (their
 * code to save, dropping them, loading one from a file), without importing
 * the Lua engine: the engine imports the client and server modules, which
 * import persistence. src/scripting/functions.ts provides the engine.
 */
import type { NodisServer } from '../server/server.js';

export interface FunctionLibraries {
  /** The code of every library, in order. */
  codes(): string[];
  /** Drop every library. */
  clear(): void;
  /** Create a library from its code (replacing one of the same name when `replace`); the error text, or null. */
  load(code: string, replace: boolean): string | null;
}

let provider: ((server: NodisServer) => FunctionLibraries) | null = null;
const created = new WeakMap<NodisServer, FunctionLibraries>();

/** Set by the functions engine: creates (or returns) a server's libraries. */
export function provideFunctionLibraries(create: (server: NodisServer) => FunctionLibraries): void {
  provider = create;
}

/** Called by the engine of `server` when it is created. */
export function registerFunctionLibraries(server: NodisServer, libs: FunctionLibraries): void {
  created.set(server, libs);
}

/** The code of every library, in order (what RDB files, DUMP and AOF rewrites carry). */
export function functionLibraryCodes(server: NodisServer): string[] {
  return created.get(server)?.codes() ?? [];
}

/** Drop every library (emptyData() with functions: DEBUG RELOAD, full sync). */
export function clearFunctions(server: NodisServer): void {
  created.get(server)?.clear();
}

/**
 * rdbFunctionLoad(): a library read from an RDB file or a replication
 * payload. `replace` (RDBFLAGS_ALLOW_DUP) lets it replace a library of the
 * same name. The error text, or null.
 */
export function loadFunctionFromRdb(server: NodisServer, code: string, replace: boolean): string | null {
  if (provider === null) return "Engine 'LUA' not found";
  return provider(server).load(code, replace);
}
