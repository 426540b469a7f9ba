/**
 * Generic keyspace commands: DEL UNLINK EXISTS TYPE KEYS SCAN RANDOMKEY
 * RENAME RENAMENX COPY MOVE SWAPDB FLUSHDB FLUSHALL DBSIZE, the expire family
 * (EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
 * TOUCH) and OBJECT (db.c, expire.c, object.c).
 *
 * The SCAN helpers (parseScanCursor, parseScanArgs, scanDict, scanFilter,
 * replyScan) are shared with HSCAN/SSCAN/ZSCAN.
 */
import { CLIENT_CLOSE_ASAP, type Client } from '../server/client.js';
import type { NodisServer } from '../server/server.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { exactExpireMs, getInt, getLongLong, getLongLongBig, eqi } from './args.js';
import { alreadyExpired, dbAdd, lookupRead } from './db-ops.js';
import { LOOKUP_NONOTIFY, LOOKUP_NOTOUCH, type Db } from '../store/db.js';
import type { Dict } from '../store/dict.js';
import { typeOf, isString, type RValue, type RBytes, type RObjectBase } from '../store/types.js';
import { stringEncoding, dupString } from '../store/encoding.js';
import { stringMatch } from '../util/glob.js';
import { NOTIFY_GENERIC } from '../server/notify.js';
import { freeEffort, LAZYFREE_THRESHOLD } from '../store/eviction.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const ULONG_MAX = 18446744073709551615n;

// ---- SCAN helpers -------------------------------------------------------------

/**
 * parseScanCursorOrReply(): the cursor as strtoul() reads it (optional sign,
 * decimal digits, wrapping negation; the empty string is 0; text after a NUL
 * byte is ignored). Throws "invalid cursor" like Redis.
 */
export function parseScanCursor(s: string): bigint {
  const nul = s.indexOf('\0');
  const t = nul === -1 ? s : s.slice(0, nul);
  if (t.length === 0) return 0n;
  const c0 = t.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) throw new RedisError('invalid cursor');
  let p = 0;
  let neg = false;
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    p = 1;
  }
  if (p === t.length) throw new RedisError('invalid cursor');
  for (let i = p; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) throw new RedisError('invalid cursor');
  }
  const v = BigInt(t.slice(p));
  if (v > ULONG_MAX) throw new RedisError('invalid cursor');
  return neg && v !== 0n ? ULONG_MAX + 1n - v : v;
}

export interface ScanArgs {
  /** COUNT (default 10). */
  count: number;
  /** MATCH pattern; null when absent or exactly "*". */
  pattern: string | null;
  /** TYPE filter (keyspace SCAN only), or null. */
  typeName: string | null;
}

/**
 * Step 1 of scanGenericCommand(): the options from argv[first] on. TYPE is
 * accepted only for the keyspace SCAN (`keyspace`).
 */
export function parseScanArgs(argv: string[], first: number, keyspace: boolean): ScanArgs {
  const out: ScanArgs = { count: 10, pattern: null, typeName: null };
  let i = first;
  while (i < argv.length) {
    const left = argv.length - i;
    const opt = argv[i];
    if (eqi(opt, 'count') && left >= 2) {
      const n = getLongLong(argv[i + 1]);
      if (n < 1) throw new RedisError(Errors.syntax);
      out.count = n;
      i += 2;
    } else if (eqi(opt, 'match') && left >= 2) {
      const pat = argv[i + 1];
      out.pattern = pat === '*' ? null : pat;
      i += 2;
    } else if (eqi(opt, 'type') && keyspace && left >= 2) {
      out.typeName = argv[i + 1];
      i += 2;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  return out;
}

/**
 * Step 2 of scanGenericCommand() for a hash table: call dict.scan() from
 * `cursor` until `count` items were collected into `out` (by `visit`), the
 * iteration completed, or 10*count bucket steps were made (so a sparse table
 * cannot stall the server). Returns the cursor to hand back to the client.
 *
 * Tables never reach 2^32 buckets, so only the low 32 bits of a 64-bit
 * client cursor address buckets; the higher bits are dropped exactly as
 * dictScan() drops them.
 */
export function scanDict<V>(
  dict: Dict<V>,
  cursor: bigint | number,
  count: number,
  out: RBytes[],
  visit: (key: string, val: V, out: RBytes[]) => void,
): number {
  let cur = typeof cursor === 'bigint' ? Number(cursor & 0xffffffffn) : cursor >>> 0;
  let maxIterations = count * 10;
  const fn = (k: string, v: V): void => visit(k, v, out);
  do {
    cur = dict.scan(cur, fn);
  } while (cur !== 0 && maxIterations-- > 0 && out.length < count);
  return cur;
}

/**
 * Step 3's MATCH filter for collections: keep the items (or, with stride 2,
 * the field/value pairs) whose first element matches `pattern`.
 */
export function scanFilter(items: RBytes[], pattern: string | null, stride: 1 | 2 = 1): RBytes[] {
  if (pattern === null) return items;
  const out: RBytes[] = [];
  for (let i = 0; i < items.length; i += stride) {
    const it = items[i];
    const s = typeof it === 'string' ? it : it.latin1Slice(0, it.length);
    if (!stringMatch(pattern, s)) continue;
    out.push(it);
    if (stride === 2) out.push(items[i + 1]);
  }
  return out;
}

/** Step 4: [cursor, [items...]]. */
export function replyScan(c: Client, cursor: number | bigint, items: readonly RBytes[]): void {
  c.addReplyArrayLen(2);
  c.addReplyBulk(String(cursor));
  c.addReplyArrayLen(items.length);
  for (let i = 0; i < items.length; i++) c.addReplyBulk(items[i]);
}

/** getObjectTypeName(). */
export function typeName(v: RValue | undefined): string {
  return v === undefined ? 'none' : typeOf(v);
}

/** strcasecmp() of two C strings (stops at NUL). */
function cStrEqualNoCase(a: string, b: string): boolean {
  const na = a.indexOf('\0');
  const nb = b.indexOf('\0');
  const x = na === -1 ? a : a.slice(0, na);
  const y = nb === -1 ? b : b.slice(0, nb);
  return x.length === y.length && x.toLowerCase() === y.toLowerCase();
}

function scanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[1]);
  const args = parseScanArgs(argv, 2, true);
  const db = c.db;
  const keys: string[] = [];
  const next = scanDict(db.dict, cursor, args.count, keys, (k, _v, out) => {
    out.push(k);
  });
  const kept: string[] = [];
  for (const key of keys) {
    if (args.pattern !== null && !stringMatch(args.pattern, key)) continue;
    if (args.typeName !== null) {
      const v = db.lookupRead(key, LOOKUP_NOTOUCH);
      if (!cStrEqualNoCase(args.typeName, typeName(v))) continue;
    }
    if (db.expireIfNeeded(key, false)) continue;
    kept.push(key);
  }
  replyScan(c, next, kept);
}

// ---- DEL EXISTS TYPE KEYS RANDOMKEY DBSIZE -------------------------------------

/** DEL (lazy with lazyfree-lazy-user-del) and UNLINK (always lazy). */
function delGeneric(c: Client, argv: string[], lazy: boolean): void {
  const db = c.db;
  const server = c.server;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j];
    db.expireIfNeeded(key, false);
    if (lazy) countLazyFree(server, db.peek(key));
    if (db.delete(key)) {
      server.signalModifiedKey(c, db, key);
      server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
      server.dirty++;
      n++;
    }
  }
  c.addReplyLongLong(n);
}

function existsCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) {
    if (db.lookupRead(argv[j], LOOKUP_NOTOUCH) !== undefined) n++;
  }
  c.addReplyLongLong(n);
}

function typeCommand(c: Client, argv: string[]): void {
  c.addReplyStatus(typeName(c.db.lookupRead(argv[1], LOOKUP_NOTOUCH)));
}

function keysCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const pattern = argv[1];
  const all = pattern === '*';
  const out: string[] = [];
  db.dict.forEach((key) => {
    if ((all || stringMatch(pattern, key)) && !db.keyIsExpired(key)) out.push(key);
  });
  c.addReplyArrayLen(out.length);
  for (let i = 0; i < out.length; i++) {
    c.addReplyBulk(out[i]);
    // Closed for its output buffer limits: nothing more reaches it.
    if (c.flags & CLIENT_CLOSE_ASAP) break;
  }
}

/** dbRandomKey(): a random key that is not expired, or undefined. */
export function dbRandomKey(server: NodisServer, db: Db): string | undefined {
  let maxTries = 100;
  const allVolatile = db.dict.size === db.expires.size;
  for (;;) {
    const slot = db.dict.randomSlot();
    if (slot === -1) return undefined;
    const key = db.dict.keyAt(slot);
    if (db.expires.has(key)) {
      // When every key has a TTL and expired keys cannot be deleted here (a
      // replica, or writes paused), give up after some tries instead of
      // spinning forever, and return a possibly expired key.
      if (allVolatile && (server.isReplica() || server.writesPaused()) && --maxTries === 0) return key;
      if (db.expireIfNeeded(key, false)) continue;
    }
    return key;
  }
}

function randomkeyCommand(c: Client): void {
  const key = dbRandomKey(c.server, c.db);
  if (key === undefined) c.addReplyNull();
  else c.addReplyBulk(key);
}

function dbsizeCommand(c: Client): void {
  c.addReplyLongLong(c.db.dict.size);
}

// ---- RENAME MOVE COPY SWAPDB -----------------------------------------------------

function renameGeneric(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const server = c.server;
  const src = argv[1];
  const dst = argv[2];
  const o = db.lookupWrite(src);
  if (o === undefined) throw new RedisError(Errors.noSuchKey);
  if (src === dst) {
    if (nx) c.addReplyLongLong(0);
    else c.addReplyOK();
    return;
  }
  const expire = db.getExpireExact(src);
  const meta = db.getMeta(src);
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.addReplyLongLong(0);
      return;
    }
    db.delete(dst);
  }
  dbAdd(c, db, dst, o);
  db.setMeta(dst, meta);
  if (expire !== -1n) db.setExpireExact(dst, expire);
  db.delete(src);
  server.signalModifiedKey(c, db, src);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'rename_from', src, db.id);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'rename_to', dst, db.id);
  server.dirty++;
  if (nx) c.addReplyLongLong(1);
  else c.addReplyOK();
}

/** selectDb()'s range check: the db with that index, or the Redis error. */
function dbByIndex(server: NodisServer, s: string): Db {
  const id = getInt(s);
  const db = id >= 0 ? server.dbs[id] : undefined;
  if (db === undefined) throw new RedisError(Errors.invalidDbIndex);
  return db;
}

function moveCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const src = c.db;
  const dst = dbByIndex(server, argv[2]);
  if (src === dst) throw new RedisError(Errors.sameObject);
  const key = argv[1];
  const o = src.lookupWrite(key);
  if (o === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const expire = src.getExpireExact(key);
  if (dst.lookupWrite(key) !== undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const meta = src.getMeta(key);
  dbAdd(c, dst, key, o);
  dst.setMeta(key, meta);
  if (expire !== -1n) dst.setExpireExact(key, expire);
  src.delete(key);
  server.signalModifiedKey(c, src, key);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'move_from', key, src.id);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'move_to', key, dst.id);
  server.dirty++;
  c.addReplyLongLong(1);
}

/** A deep copy of a value for COPY (dupStringObject(), listTypeDup()...). */
export function dupValue(v: RValue): RValue {
  return isString(v) ? dupString(v) : (v as RObjectBase).dup();
}

function copyCommand(c: Client, argv: string[]): void {
  const server = c.server;
  const src = c.db;
  let dst = c.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    if (eqi(argv[j], 'replace')) {
      replace = true;
    } else if (eqi(argv[j], 'db') && additional >= 1) {
      dst = dbByIndex(server, argv[j + 1]);
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  const key = argv[1];
  const newkey = argv[2];
  if (src === dst && key === newkey) throw new RedisError(Errors.sameObject);
  const o = lookupRead(c, key);
  if (o === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const expire = src.getExpireExact(key);
  let del = false;
  if (dst.lookupWrite(newkey) !== undefined) {
    if (!replace) {
      c.addReplyLongLong(0);
      return;
    }
    del = true;
  }
  const copy = dupValue(o);
  if (del) dst.delete(newkey);
  dbAdd(c, dst, newkey, copy);
  if (expire !== -1n) dst.setExpireExact(newkey, expire);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'copy_to', newkey, dst.id);
  server.dirty++;
  c.addReplyLongLong(1);
}

/**
 * dbSwapDatabases(). The dbFlushed hooks (touchAllWatchedKeysInDb()) run for
 * both dbs before and after the swap, so every watched key that exists on
 * either side of the swap is touched, as Redis does.
 */
export function swapDatabases(server: NodisServer, id1: number, id2: number): boolean {
  const n = server.dbs.length;
  if (id1 < 0 || id1 >= n || id2 < 0 || id2 >= n) return false;
  if (id1 === id2) return true;
  const hooks = server.hooks.dbFlushed;
  for (const fn of hooks) {
    fn(id1);
    fn(id2);
  }
  server.dbs[id1].swapWith(server.dbs[id2]);
  for (const fn of hooks) {
    fn(id1);
    fn(id2);
  }
  return true;
}

function swapdbCommand(c: Client, argv: string[]): void {
  const id1 = getInt(argv[1], 'invalid first DB index');
  const id2 = getInt(argv[2], 'invalid second DB index');
  if (!swapDatabases(c.server, id1, id2)) throw new RedisError(Errors.invalidDbIndex);
  c.server.dirty++;
  c.addReplyOK();
}

// ---- FLUSHDB FLUSHALL ---------------------------------------------------------------

/**
 * emptyData(): signal the flush (dbFlushed hooks, while the keys are still
 * there), then drop the db(s). Returns the number of keys removed. Dropping
 * only detaches the tables, so ASYNC costs no more than SYNC: the garbage
 * collector frees the old ones later.
 */
export function emptyData(server: NodisServer, dbid: number, async = false): number {
  for (const fn of server.hooks.dbFlushed) fn(dbid);
  let removed = 0;
  if (dbid === -1) {
    for (const db of server.dbs) removed += db.clear();
  } else {
    removed = server.dbs[dbid].clear();
  }
  // emptyDbAsync(): the dropped tables count as lazily freed objects. In
  // both modes the tables are just dropped (the GC reclaims them), so no
  // flush walks the keys.
  if (async) server.stats.lazyfreedObjects += removed;
  return removed;
}

/**
 * getFlushCommandFlags(): only a lone SYNC or ASYNC is accepted; without
 * one, lazyfree-lazy-user-flush decides. Returns true for ASYNC.
 */
function checkFlushArgs(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return c.server.config.bool('lazyfree-lazy-user-flush');
  if (argv.length === 2 && eqi(argv[1], 'sync')) return false;
  if (argv.length === 2 && eqi(argv[1], 'async')) return true;
  throw new RedisError(Errors.syntax);
}

/** dbAsyncDelete()'s bookkeeping: a value too costly to free synchronously counts as lazily freed. */
function countLazyFree(server: NodisServer, v: RValue | undefined): void {
  if (v !== undefined && typeof v === 'object' && freeEffort(v) > LAZYFREE_THRESHOLD) server.stats.lazyfreedObjects++;
}

function flushdbCommand(c: Client, argv: string[]): void {
  const async = checkFlushArgs(c, argv);
  c.server.dirty += emptyData(c.server, c.db.id, async);
  c.ext.forcePropagation = true;
  c.addReplyOK();
}

function flushallCommand(c: Client, argv: string[]): void {
  const async = checkFlushArgs(c, argv);
  c.server.dirty += emptyData(c.server, -1, async);
  for (const fn of c.server.hooks.flushedAll) fn();
  c.ext.forcePropagation = true;
  c.addReplyOK();
}

// ---- EXPIRE family --------------------------------------------------------------------

const EXPIRE_NX = 1 << 0;
const EXPIRE_XX = 1 << 1;
const EXPIRE_GT = 1 << 2;
const EXPIRE_LT = 1 << 3;

/** parseExtendedExpireArgumentsOrReply(). */
function parseExpireFlags(argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j];
    if (eqi(opt, 'nx')) flags |= EXPIRE_NX;
    else if (eqi(opt, 'xx')) flags |= EXPIRE_XX;
    else if (eqi(opt, 'gt')) flags |= EXPIRE_GT;
    else if (eqi(opt, 'lt')) flags |= EXPIRE_LT;
    else throw new RedisError(`Unsupported option ${cString(opt)}`);
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    throw new RedisError('NX and XX, GT or LT options at the same time are not compatible');
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    throw new RedisError('GT and LT options at the same time are not compatible');
  }
  return flags;
}

/** "%s" of a C string: up to the first NUL. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

function invalidExpire(c: Client): RedisError {
  return new RedisError(`invalid expire time in '${c.cmd!.fullname}' command`);
}

/**
 * The absolute expire time in ms of EXPIRE-family argument `arg`, as a
 * number when it is exactly one (the usual case), else as a bigint with
 * Redis's 64-bit overflow checks.
 */
function expireTime(c: Client, arg: string, relative: boolean, seconds: boolean): number | bigint {
  const exact = exactExpireMs(arg, seconds, relative ? c.server.now() : 0, -Infinity);
  if (exact !== null) return exact;
  let when = getLongLongBig(arg);
  if (seconds) {
    // LLONG_MAX / 1000 and LLONG_MIN / 1000, truncated toward zero as in C.
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) throw invalidExpire(c);
    when *= 1000n;
  }
  const basetime = relative ? BigInt(c.server.now()) : 0n;
  if (when > LLONG_MAX - basetime) throw invalidExpire(c);
  return when + basetime;
}

/**
 * expireGenericCommand(): `relative` adds the current time, `seconds`
 * scales argv[2]. 64-bit overflow is detected exactly as Redis does.
 */
function expireGeneric(c: Client, argv: string[], relative: boolean, seconds: boolean): void {
  const server = c.server;
  const db = c.db;
  const key = argv[1];
  const flags = argv.length > 3 ? parseExpireFlags(argv) : 0;
  const when = expireTime(c, argv[2], relative, seconds);

  if (db.lookupWrite(key) === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpireExact(key);
    if (flags & EXPIRE_NX && current !== -1n) {
      c.addReplyLongLong(0);
      return;
    }
    if (flags & EXPIRE_XX && current === -1n) {
      c.addReplyLongLong(0);
      return;
    }
    // A key without TTL counts as an infinite TTL for GT and LT.
    if (flags & EXPIRE_GT && (when <= current || current === -1n)) {
      c.addReplyLongLong(0);
      return;
    }
    if (flags & EXPIRE_LT && current !== -1n && when >= current) {
      c.addReplyLongLong(0);
      return;
    }
  }

  if (alreadyExpired(c, when)) {
    db.delete(key);
    server.dirty++;
    c.ext.propagateArgv = [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    server.signalModifiedKey(c, db, key);
    server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.addReplyLongLong(1);
    return;
  }
  if (typeof when === 'number') db.setExpire(key, when);
  else db.setExpireExact(key, when);
  c.addReplyLongLong(1);
  // Propagate as PEXPIREAT <absolute ms>, keeping the flags.
  if (relative || seconds || c.cmd!.name !== 'pexpireat') {
    const out = argv.slice();
    if (c.cmd!.name !== 'pexpireat') out[0] = 'PEXPIREAT';
    if (relative || seconds) out[2] = String(when);
    c.ext.propagateArgv = out;
  }
  server.signalModifiedKey(c, db, key);
  server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'expire', key, db.id);
  server.dirty++;
}

/** ttlGenericCommand(): TTL, PTTL, EXPIRETIME, PEXPIRETIME. */
function ttlGeneric(c: Client, argv: string[], ms: boolean, abs: boolean): void {
  const db = c.db;
  const key = argv[1];
  if (db.lookupRead(key, LOOKUP_NOTOUCH) === undefined) {
    c.addReplyLongLong(-2);
    return;
  }
  const when = db.getExpire(key);
  if (when === -1) {
    c.addReplyLongLong(-1);
    return;
  }
  if (Math.abs(when) < 2 ** 52) {
    // Exact in doubles, and so are the differences and roundings below.
    let t = abs ? when : when - c.server.now();
    if (t < 0) t = 0;
    c.addReplyLongLong(ms ? t : Math.floor((t + 500) / 1000));
    return;
  }
  const expire = db.getExpireExact(key);
  let ttl = abs ? expire : expire - BigInt(c.server.now());
  if (ttl < 0n) ttl = 0n;
  c.addReplyLongLong(ms ? ttl : (ttl + 500n) / 1000n);
}

function persistCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  if (db.lookupWrite(key) !== undefined && db.removeExpire(key)) {
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'persist', key, db.id);
    c.addReplyLongLong(1);
    c.server.dirty++;
  } else {
    c.addReplyLongLong(0);
  }
}

function touchCommand(c: Client, argv: string[]): void {
  const db = c.db;
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (db.lookupRead(argv[j]) !== undefined) n++;
  c.addReplyLongLong(n);
}

// ---- OBJECT ------------------------------------------------------------------------------

const OBJ_SHARED_REFCOUNT = 2147483647;
const OBJ_SHARED_INTEGERS = 10000;
const LRU_CLOCK_MAX = (1 << 24) - 1;

function lfuPolicy(server: NodisServer): boolean {
  return server.config.str('maxmemory-policy').endsWith('-lfu');
}

/** MAXMEMORY_FLAG_NO_SHARED_INTEGERS with maxmemory set: private integers. */
function sharedIntegers(server: NodisServer): boolean {
  if (server.config.num('maxmemory') === 0) return true;
  const p = server.config.str('maxmemory-policy');
  return !(p.endsWith('-lru') || p.endsWith('-lfu'));
}

/** objectCommandLookupOrReply(): null reply when missing. */
function objectLookup(c: Client, key: string): RValue | undefined {
  const v = c.db.lookupRead(key, LOOKUP_NOTOUCH | LOOKUP_NONOTIFY);
  if (v === undefined) c.addReplyNull();
  return v;
}

function objectEncoding(c: Client, v: RValue): string {
  return isString(v) ? stringEncoding(v) : (v as RObjectBase).encoding(c.server.config);
}

/** estimateObjectIdleTime() in seconds, from the 24-bit LRU clock word. */
export function idleSeconds(lruClock: number, lru: number): number {
  return lruClock >= lru ? lruClock - lru : lruClock + (LRU_CLOCK_MAX - lru);
}

/** LFUDecrAndReturn() over the LFU word (16-bit minutes << 8 | counter). */
export function lfuDecrAndReturn(meta: number, nowMs: number, decayTime: number): number {
  const ldt = (meta >>> 8) & 0xffff;
  let counter = meta & 255;
  const now = Math.floor(nowMs / 60000) & 65535;
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = decayTime > 0 ? Math.floor(elapsed / decayTime) : 0;
  if (periods > 0) counter = periods > counter ? 0 : counter - periods;
  return counter;
}

const OBJECT_HELP = [
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
];

function objectHelpCommand(c: Client, argv: string[]): void {
  c.addReplyHelp(argv[0], OBJECT_HELP);
}

function objectEncodingCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v !== undefined) c.addReplyBulk(objectEncoding(c, v));
}

function objectRefcountCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  let refcount = 1;
  if (typeof v !== 'object' && sharedIntegers(c.server) && stringEncoding(v) === 'int') {
    const n = Number(v);
    if (n >= 0 && n < OBJ_SHARED_INTEGERS) refcount = OBJ_SHARED_REFCOUNT;
  }
  c.addReplyLongLong(refcount);
}

function objectIdletimeCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (lfuPolicy(c.server)) {
    throw new RedisError(
      'An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  c.addReplyLongLong(idleSeconds(c.server.lruClock(), c.db.getMeta(argv[2]) & LRU_CLOCK_MAX));
}

function objectFreqCommand(c: Client, argv: string[]): void {
  const v = objectLookup(c, argv[2]);
  if (v === undefined) return;
  if (!lfuPolicy(c.server)) {
    throw new RedisError(
      'An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  }
  const meta = c.db.getMeta(argv[2]);
  c.addReplyLongLong(lfuDecrAndReturn(meta, c.server.now(), c.server.config.num('lfu-decay-time')));
}

// ---- table -------------------------------------------------------------------------------

export const keyspaceCommands: CommandSpec[] = [
  cmd('del', -2, ['write'], [1, -1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => delGeneric(c, argv, c.server.config.bool('lazyfree-lazy-user-del')),
  }),
  cmd('unlink', -2, ['write', 'fast'], [1, -1, 1], { acl: ['keyspace'], handler: (c, argv) => delGeneric(c, argv, true) }),
  cmd('exists', -2, ['readonly', 'fast'], [1, -1, 1], { acl: ['keyspace'], handler: existsCommand }),
  cmd('type', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['keyspace'], handler: typeCommand }),
  cmd('keys', 2, ['readonly'], [0, 0, 0], { acl: ['keyspace', 'dangerous'], handler: keysCommand }),
  cmd('scan', -2, ['readonly'], [0, 0, 0], { acl: ['keyspace'], handler: scanCommand }),
  cmd('randomkey', 1, ['readonly'], [0, 0, 0], { acl: ['keyspace'], handler: randomkeyCommand }),
  cmd('rename', 3, ['write'], [1, 2, 1], { acl: ['keyspace'], handler: (c, argv) => renameGeneric(c, argv, false) }),
  cmd('renamenx', 3, ['write', 'fast'], [1, 2, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => renameGeneric(c, argv, true),
  }),
  cmd('copy', -3, ['write', 'denyoom'], [1, 2, 1], { acl: ['keyspace'], handler: copyCommand }),
  cmd('move', 3, ['write', 'fast'], [1, 1, 1], { acl: ['keyspace'], handler: moveCommand }),
  cmd('swapdb', 3, ['write', 'fast'], [0, 0, 0], { acl: ['keyspace', 'dangerous'], handler: swapdbCommand }),
  cmd('flushdb', -1, ['write'], [0, 0, 0], { acl: ['keyspace', 'dangerous'], handler: flushdbCommand }),
  cmd('flushall', -1, ['write'], [0, 0, 0], { acl: ['keyspace', 'dangerous'], handler: flushallCommand }),
  cmd('dbsize', 1, ['readonly', 'fast'], [0, 0, 0], { acl: ['keyspace'], handler: dbsizeCommand }),
  cmd('expire', -3, ['write', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => expireGeneric(c, argv, true, true),
  }),
  cmd('pexpire', -3, ['write', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => expireGeneric(c, argv, true, false),
  }),
  cmd('expireat', -3, ['write', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => expireGeneric(c, argv, false, true),
  }),
  cmd('pexpireat', -3, ['write', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => expireGeneric(c, argv, false, false),
  }),
  cmd('ttl', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['keyspace'], handler: (c, argv) => ttlGeneric(c, argv, false, false) }),
  cmd('pttl', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['keyspace'], handler: (c, argv) => ttlGeneric(c, argv, true, false) }),
  cmd('expiretime', 2, ['readonly', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => ttlGeneric(c, argv, false, true),
  }),
  cmd('pexpiretime', 2, ['readonly', 'fast'], [1, 1, 1], {
    acl: ['keyspace'],
    handler: (c, argv) => ttlGeneric(c, argv, true, true),
  }),
  cmd('persist', 2, ['write', 'fast'], [1, 1, 1], { acl: ['keyspace'], handler: persistCommand }),
  cmd('touch', -2, ['readonly', 'fast'], [1, -1, 1], { acl: ['keyspace'], handler: touchCommand }),
  cmd('object', -2, [], [0, 0, 0], {
    // Redis lists subcommands in its dict's order, which its random hash
    // seed changes from one process to the next; these are alphabetical.
    subcommands: [
      cmd('encoding', 3, ['readonly'], [2, 2, 1], { acl: ['keyspace'], handler: objectEncodingCommand }),
      cmd('freq', 3, ['readonly'], [2, 2, 1], { acl: ['keyspace'], handler: objectFreqCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { acl: ['keyspace'], handler: objectHelpCommand }),
      cmd('idletime', 3, ['readonly'], [2, 2, 1], { acl: ['keyspace'], handler: objectIdletimeCommand }),
      cmd('refcount', 3, ['readonly'], [2, 2, 1], { acl: ['keyspace'], handler: objectRefcountCommand }),
    ],
  }),
];
