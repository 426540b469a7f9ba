/**
 * Transaction state (multi.c): the commands a client queued after MULTI,
 * and the WATCH registry — per db, the clients watching each key — that
 * marks watchers CLIENT_DIRTY_CAS when a key is touched, flushed or
 * swapped away, so their next EXEC fails.
 */
import { CLIENT_DIRTY_CAS, CLIENT_DIRTY_EXEC, CLIENT_MULTI, type Client } from './client.js';
import type { NodisServer } from './server.js';
import type { Db } from '../store/db.js';
import type { Command } from '../commands/table.js';

/** One command queued inside MULTI. */
export interface QueuedCommand {
  cmd: Command;
  argv: string[];
}

/** mstate of a client. */
export interface MultiState {
  commands: QueuedCommand[];
  /** OR of the flags of the queued commands (mstate.cmd_flags). */
  flags: number;
  /** OR of their inverted flags (mstate.cmd_inv_flags): a bit set when some command lacks it. */
  invFlags: number;
  /** Bytes of the queued arguments plus their pointers (argv_len_sums). */
  argvBytes: number;
}

/** watchedKey: a key watched by one client in one db. */
interface WatchedKey {
  key: string;
  dbid: number;
  client: Client;
  /** The key was already logically expired when WATCH was called. */
  expired: boolean;
}

/** Per-server WATCH registry: db id -> key -> watchers, in WATCH order. */
class WatchRegistry {
  readonly dbs: Map<number, Map<string, WatchedKey[]>> = new Map();

  constructor(readonly server: NodisServer) {}

  keysOf(dbid: number): Map<string, WatchedKey[]> | undefined {
    return this.dbs.get(dbid);
  }
}

const registries = new WeakMap<NodisServer, WatchRegistry>();

/** The client's transaction state (created on first use). */
export function multiState(c: Client): MultiState {
  let st = c.ext.multi as MultiState | undefined;
  if (st === undefined) {
    st = { commands: [], flags: 0, invFlags: 0, argvBytes: 0 };
    c.ext.multi = st;
  }
  return st;
}

function watchedList(c: Client): WatchedKey[] {
  let l = c.ext.watchedKeys as WatchedKey[] | undefined;
  if (l === undefined) {
    l = [];
    c.ext.watchedKeys = l;
  }
  return l;
}

export function watchedKeyCount(c: Client): number {
  const l = c.ext.watchedKeys as WatchedKey[] | undefined;
  return l === undefined ? 0 : l.length;
}

/** The WATCH registry of `server`. */
export function registry(server: NodisServer): WatchRegistry {
  let r = registries.get(server);
  if (r === undefined) r = installTransactions(server);
  return r;
}

/** Attach transactions to the dispatcher and the keyspace signals. */
export function installTransactions(server: NodisServer): WatchRegistry {
  const existing = registries.get(server);
  if (existing !== undefined) return existing;
  const reg = new WatchRegistry(server);
  registries.set(server, reg);
  server.execCommandAbort = execCommandAbort;
  server.queueMulti = (c, cmd, argv, flags) => queueMultiCommand(c, cmd, argv, flags);
  server.flagTransaction = (c) => flagTransaction(c);
  server.queuedCommandFlags = (c) => (c.ext.multi as MultiState | undefined)?.flags ?? 0;
  server.queuedCommandInvFlags = (c) => (c.ext.multi as MultiState | undefined)?.invFlags ?? 0;
  server.hooks.keyModified.push((db, key) => {
    if (db !== null) touchWatchedKey(reg, db, key);
  });
  server.hooks.dbFlushed.push((dbid) => {
    if (reg.dbs.size === 0) return;
    // SWAPDB signals its dbs as flushed too: it is handled by dbsSwapped.
    if (server.currentClient?.cmd?.name === 'swapdb') return;
    if (dbid === -1) {
      for (const db of server.dbs) touchAllWatchedKeysInDb(reg, db.id, db, null);
    } else {
      touchAllWatchedKeysInDb(reg, dbid, server.dbs[dbid], null);
    }
  });
  server.hooks.dbsSwapped.push((a, b) => {
    if (reg.dbs.size === 0) return;
    // After the swap `b` holds what `a` had and the other way round.
    touchAllWatchedKeysInDb(reg, a.id, b, a);
    touchAllWatchedKeysInDb(reg, b.id, a, b);
  });
  server.hooks.clientReset.push((c) => {
    if (c.flags & CLIENT_MULTI) discardTransaction(c);
    unwatchAllKeys(c);
  });
  server.hooks.clientFreed.push((c) => {
    unwatchAllKeys(c);
    c.ext.multi = undefined;
  });
  return reg;
}

/**
 * execCommandAbort(): EXEC itself was rejected by the dispatcher; the
 * transaction is discarded and the reason reported as EXECABORT.
 */
export function execCommandAbort(c: Client, err: string): void {
  discardTransaction(c);
  // Coded errors lose their '-'; formatted ones come without a code.
  const reason = err.charCodeAt(0) === 45 ? err.slice(1) : err;
  c.addReplyError('-EXECABORT Transaction discarded because of: ' + reason);
  // MONITOR saw MULTI: show that the transaction is over.
  if (c.server.monitors.size > 0) c.server.feedMonitors(c, c.argv);
}

/** queueMultiCommand() plus the +QUEUED reply. */
export function queueMultiCommand(c: Client, cmd: Command, argv: string[], flags = cmd.flags): void {
  // An aborted transaction keeps nothing: EXEC will fail anyway.
  if ((c.flags & (CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC)) === 0) {
    const st = multiState(c);
    st.commands.push({ cmd, argv });
    // getCommandFlags(): a script's shebang flags count, as at EXEC.
    st.flags |= flags;
    st.invFlags |= ~flags;
    let bytes = 8 * argv.length;
    for (let i = 0; i < argv.length; i++) bytes += argv[i].length;
    st.argvBytes += bytes;
  }
  c.addReplyStatus('QUEUED');
}

/** flagTransaction(): the next EXEC answers EXECABORT. */
export function flagTransaction(c: Client): void {
  if (c.flags & CLIENT_MULTI) c.flags |= CLIENT_DIRTY_EXEC;
}

/** discardTransaction(): leave MULTI, drop the queue and every WATCH. */
export function discardTransaction(c: Client): void {
  c.ext.multi = undefined;
  c.flags &= ~(CLIENT_MULTI | CLIENT_DIRTY_CAS | CLIENT_DIRTY_EXEC);
  unwatchAllKeys(c);
}

/** watchForKey(). */
export function watchForKey(c: Client, key: string): void {
  const list = watchedList(c);
  const dbid = c.db.id;
  for (const wk of list) if (wk.dbid === dbid && wk.key === key) return;
  const reg = registry(c.server);
  let keys = reg.dbs.get(dbid);
  if (keys === undefined) {
    keys = new Map();
    reg.dbs.set(dbid, keys);
  }
  let clients = keys.get(key);
  if (clients === undefined) {
    clients = [];
    keys.set(key, clients);
  }
  const wk: WatchedKey = { key, dbid, client: c, expired: c.db.keyIsExpired(key) };
  list.push(wk);
  clients.push(wk);
}

/** unwatchAllKeys(): the caller clears CLIENT_DIRTY_CAS if needed. */
export function unwatchAllKeys(c: Client): void {
  const list = c.ext.watchedKeys as WatchedKey[] | undefined;
  if (list === undefined || list.length === 0) return;
  const reg = registries.get(c.server);
  c.ext.watchedKeys = undefined;
  if (reg === undefined) return;
  for (const wk of list) {
    const keys = reg.dbs.get(wk.dbid);
    const clients = keys?.get(wk.key);
    if (keys === undefined || clients === undefined) continue;
    const i = clients.indexOf(wk);
    if (i !== -1) clients.splice(i, 1);
    if (clients.length === 0) {
      keys.delete(wk.key);
      if (keys.size === 0) reg.dbs.delete(wk.dbid);
    }
  }
}

/** isWatchedKeyExpired(): keys already expired at WATCH time are ignored. */
export function isWatchedKeyExpired(c: Client): boolean {
  const list = c.ext.watchedKeys as WatchedKey[] | undefined;
  if (list === undefined) return false;
  const dbs = c.server.dbs;
  for (const wk of list) {
    if (wk.expired) continue;
    if (dbs[wk.dbid].keyIsExpired(wk.key)) return true;
  }
  return false;
}

/** touchWatchedKey(): mark every client watching `key` in `db` dirty. */
function touchWatchedKey(reg: WatchRegistry, db: Db, key: string): void {
  if (reg.dbs.size === 0) return;
  const keys = reg.dbs.get(db.id);
  if (keys === undefined) return;
  const clients = keys.get(key);
  if (clients === undefined) return;
  // unwatchAllKeys() below edits the list: walk a copy.
  for (const wk of clients.slice()) {
    if (wk.expired) {
      // Watched while already expired: its deletion is no logical change.
      if (db.peek(key) === undefined) {
        wk.expired = false;
        continue;
      }
      // As Redis 7.0, an expired watcher that still exists ends the walk.
      break;
    }
    wk.client.flags |= CLIENT_DIRTY_CAS;
    // A dirty client no longer needs its watches.
    unwatchAllKeys(wk.client);
  }
}

/**
 * touchAllWatchedKeysInDb(): FLUSHDB/FLUSHALL (replacedWith null) and
 * SWAPDB mark the watchers (of db `dbid`) of keys that exist in the
 * emptied contents, or in the contents replacing them for a swap.
 */
export function touchAllWatchedKeysInDb(reg: WatchRegistry, dbid: number, emptied: Db, replacedWith: Db | null): void {
  const keys = reg.dbs.get(dbid);
  if (keys === undefined) return;
  for (const [key, clients] of keys) {
    const existsInEmptied = emptied.peek(key) !== undefined;
    const existsInReplaced = replacedWith !== null && replacedWith.peek(key) !== undefined;
    if (!existsInEmptied && !existsInReplaced) continue;
    for (const wk of clients) {
      if (wk.expired) {
        if (!existsInReplaced) {
          wk.expired = false;
          continue;
        } else if (replacedWith!.keyIsExpired(key)) {
          continue;
        }
      } else if (!existsInEmptied && replacedWith!.keyIsExpired(key)) {
        wk.expired = true;
        continue;
      }
      wk.client.flags |= CLIENT_DIRTY_CAS;
    }
  }
}

/** multiStateMemOverhead() for CLIENT LIST multi-mem. */
export function multiStateMemOverhead(c: Client): number {
  const st = c.ext.multi as MultiState | undefined;
  let mem = 0;
  if (st !== undefined && st.commands.length > 0) {
    mem += st.argvBytes;
    // Queue slots are allocated 2, 4, 8...; each multiCmd is 24 bytes.
    let alloc = 2;
    while (alloc < st.commands.length) alloc *= 2;
    mem += alloc * 24;
  }
  mem += watchedKeyCount(c) * (24 + 32);
  return mem;
}
