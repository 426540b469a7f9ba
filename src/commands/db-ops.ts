/**
 * Keyspace writes as command handlers need them (db.c's setKey, dbAdd,
 * dbDelete, setExpire): each change signals watchers/trackers and bumps
 * the dirty counter where Redis does.
 */
import type { Client } from '../server/client.js';
import type { Db } from '../store/db.js';
import type { RValue } from '../store/types.js';
import { LOOKUP_NOTOUCH } from '../store/db.js';
import { CLIENT_NO_TOUCH } from '../server/client.js';
import { CMD_READONLY } from './table.js';

/**
 * checkAlreadyExpired(): an absolute expire time already past deletes the
 * key instead, on a primary that is not loading.
 */
export function alreadyExpired(c: Client, when: number | bigint): boolean {
  const server = c.server;
  return when <= server.now() && !server.isLoading() && !server.isReplica();
}

/** setKey(): store and signal; the TTL is dropped unless keepTtl. */
export function setKey(c: Client, db: Db, key: string, val: RValue, keepTtl = false): void {
  if (db.setKey(key, val, keepTtl)) c.server.keyAdded(db, key);
  c.server.signalModifiedKey(c, db, key);
}

/** dbAdd() followed by signalModifiedKey(). */
export function dbAdd(c: Client, db: Db, key: string, val: RValue): void {
  db.add(key, val);
  c.server.keyAdded(db, key);
  c.server.signalModifiedKey(c, db, key);
}

/** dbDelete() + signalModifiedKey(): returns true if the key existed. */
export function dbDelete(c: Client, db: Db, key: string): boolean {
  if (!db.delete(key)) return false;
  c.server.signalModifiedKey(c, db, key);
  return true;
}

/**
 * Lookup flags for the running client: CLIENT NO-TOUCH skips the LRU update
 * for read-only commands (TOUCH always touches).
 */
export function readFlags(c: Client): number {
  if (c.flags & CLIENT_NO_TOUCH && c.cmd !== null && c.cmd.flags & CMD_READONLY && c.cmd.name !== 'touch') {
    return LOOKUP_NOTOUCH;
  }
  return 0;
}

/** lookupKeyRead() for the running client. */
export function lookupRead(c: Client, key: string): RValue | undefined {
  return c.db.lookupRead(key, readFlags(c));
}

/** lookupKeyWrite() for the running client. */
export function lookupWrite(c: Client, key: string): RValue | undefined {
  return c.db.lookupWrite(key);
}
