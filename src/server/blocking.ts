/**
 * Blocking operations on keys (blocked.c, timeout.c): BLPOP and friends,
 * BZPOPMIN/BZPOPMAX/BZMPOP, and whatever else registers a serve function.
 *
 * - blockForKeys() parks a client on one or more keys of its db, FIFO per
 *   key, with an optional absolute timeout (ms; 0 = forever). Its pipelined
 *   commands wait (the dispatcher does not read while CLIENT_BLOCKED is set).
 * - Any write that creates a key of a type clients can block on calls
 *   signalKeyAsReady() (the Db does this when a key is added). The key is
 *   queued once; handleClientsBlockedOnKeys() runs after the whole command,
 *   MULTI/EXEC or script and serves clients in the order they blocked,
 *   through the serve function registered for the blocking type.
 * - A served, timed out or CLIENT UNBLOCKed client is unblocked: its state
 *   is dropped, and its remaining input is processed on the next turn of
 *   the event loop (processUnblockedClients() of beforeSleep()).
 * - Timeouts fire from a timer per blocked client, with Redis's rule that
 *   a client times out once the time is past its deadline.
 */
import type { Client } from './client.js';
import { CLIENT_BLOCKED, CLIENT_MULTI } from './client.js';
import type { NodisServer } from './server.js';
import type { Db } from '../store/db.js';
import { LOOKUP_NONOTIFY, LOOKUP_NOSTATS } from '../store/db.js';
import { isObject, type RObjectBase, type RValue } from '../store/types.js';
import type { Command } from '../commands/table.js';
import { RedisError } from '../commands/types.js';
import { string2ld, type LongDouble } from '../util/longdouble.js';

export const BLOCKED_NONE = 0;
export const BLOCKED_LIST = 1;
export const BLOCKED_WAIT = 2;
export const BLOCKED_MODULE = 3;
export const BLOCKED_STREAM = 4;
export const BLOCKED_ZSET = 5;
/** SHUTDOWN waiting for lagging replicas (prepareForShutdown()). */
export const BLOCKED_SHUTDOWN = 6;
const BLOCKED_NUM = 7;

/** What a serve function did with a receiver. */
export const SERVE_SKIP = 0;
export const SERVE_DONE = 1;
/** Served, and the key was deleted: stop serving this key. */
export const SERVE_DONE_DELETED = 2;

/** getBlockedTypeByType(). */
export function blockedTypeOf(type: string): number {
  switch (type) {
    case 'list':
      return BLOCKED_LIST;
    case 'zset':
      return BLOCKED_ZSET;
    case 'stream':
      return BLOCKED_STREAM;
    default:
      return BLOCKED_NONE;
  }
}

export interface BlockOptions {
  /** Absolute deadline in ms (server clock); 0 blocks forever. */
  timeout: number;
  /** Destination key (BLMOVE, BRPOPLPUSH). */
  target?: string | null;
  /** Where to pop / push (LIST_HEAD, LIST_TAIL, ZSET_MIN...). */
  wherefrom?: number;
  whereto?: number;
  /** COUNT of BLMPOP/BZMPOP; -1 when the command takes no count. */
  count?: number;
  /** Anything else a blocking type needs (stream ids...). */
  data?: unknown;
}

/** The bpop state of a blocked client. */
export interface BlockInfo {
  btype: number;
  /** Distinct keys, in the order given. */
  keys: string[];
  dbid: number;
  timeout: number;
  target: string | null;
  wherefrom: number;
  whereto: number;
  count: number;
  data: unknown;
  /** The command that blocked and its argv (stats, slowlog, serving). */
  cmd: Command | null;
  argv: string[];
  timer: NodeJS.Timeout | null;
}

/**
 * Serve `receiver` from the ready `key` holding `value` (of the type the
 * function was registered for). Returns SERVE_SKIP to keep it blocked.
 */
export type ServeFn = (receiver: Client, value: RObjectBase, key: string, db: Db, info: BlockInfo) => number;

/**
 * Serve functions per blocking type. Command families register theirs when
 * loaded (lists, sorted sets, streams), like the btype switch of blocked.c.
 */
const serveFns = new Map<number, ServeFn>();

/** Register how clients blocked with `btype` are served. */
export function registerServeFn(btype: number, fn: ServeFn): void {
  serveFns.set(btype, fn);
}

/**
 * unblockDeletedStreamReadgroupClients(): what clients blocked with a type
 * get once their key is gone or holds another type. The function replies
 * and returns true to unblock the receiver, false to keep it blocked.
 */
const keyGoneFns = new Map<number, (receiver: Client, info: BlockInfo) => boolean>();

/** Register the reply to clients of `btype` whose key was deleted or replaced by another type. */
export function registerKeyGoneFn(btype: number, fn: (receiver: Client, info: BlockInfo) => boolean): void {
  keyGoneFns.set(btype, fn);
}

/** Replies for a blocking type that times out with something else than a null array (WAIT). */
const timeoutReplies = new Map<number, (c: Client, data: unknown) => void>();

/** replyToBlockedClientTimedOut() for `btype`. */
export function registerTimeoutReply(btype: number, fn: (c: Client, data: unknown) => void): void {
  timeoutReplies.set(btype, fn);
}

/** Largest delay setTimeout() accepts. */
export const MAX_TIMER_MS = 0x7fffffff;

export class Blocking {
  /** server.blocked_clients (INFO clients blocked_clients). */
  blockedClients = 0;
  readonly blockedByType = new Array<number>(BLOCKED_NUM).fill(0);
  /** Clients waiting on a timer (INFO clients_in_timeout_table). */
  clientsInTimeoutTable = 0;
  /** db id -> key -> clients blocked on it, in blocking order. */
  private readonly blockingKeys: Map<string, Set<Client>>[] = [];
  /** server.ready_keys and the per-db dedup sets (db->ready_keys). */
  private readyList: { db: Db; key: string }[] = [];
  private readonly readySets: Set<string>[] = [];
  private unblocked: Client[] = [];
  private reprocessScheduled = false;
  private readyScheduled = false;
  /** Timeouts that fell due during a load: handled once it ends. */
  private dueWhileLoading: { c: Client; info: BlockInfo }[] = [];
  private handling = false;

  constructor(private readonly server: NodisServer) {
    for (let i = 0; i < server.dbs.length; i++) {
      this.blockingKeys.push(new Map());
      this.readySets.push(new Set());
    }
    server.hooks.clientFreed.push((c) => this.clientFreed(c));
    // Signalled before the keys go: every key clients wait on is checked
    // once the command is over.
    server.hooks.dbFlushed.push((dbid) => {
      if (this.blockedByType[BLOCKED_STREAM] === 0) return;
      for (const db of dbid === -1 ? server.dbs : [server.dbs[dbid]]) {
        for (const key of this.blockingKeys[db.id].keys()) this.queueReady(db, key);
      }
    });
  }

  /**
   * scanDatabaseForDeletedStreams(): keys of `db` that clients blocked on a
   * stream wait for and that no longer hold a stream are made ready, so
   * those clients (XREADGROUP) are unblocked with an error.
   */
  private scanForGoneStreams(db: Db): void {
    if (this.blockedByType[BLOCKED_STREAM] === 0) return;
    for (const key of this.blockingKeys[db.id].keys()) {
      const v = db.peek(key);
      if (v !== undefined && isObject(v) && v.type === 'stream') continue;
      this.queueReady(db, key);
    }
  }

  /** CLIENT_DENY_BLOCKING: inside MULTI/EXEC or a script the command may not block. */
  static denyBlocking(c: Client): boolean {
    return (c.flags & CLIENT_MULTI) !== 0 || c.ext.isLua === true || c.ext.denyBlocking === true;
  }

  /** The bpop state of a blocked client, or undefined. */
  static info(c: Client): BlockInfo | undefined {
    return c.ext.blocked as BlockInfo | undefined;
  }

  /** Clients blocked on `key` of db `dbid`, in order (for tests and debugging). */
  clientsBlockedOn(dbid: number, key: string): Client[] {
    const s = this.blockingKeys[dbid]?.get(key);
    return s ? [...s] : [];
  }

  /** blockForKeys() + blockClient(). */
  blockForKeys(c: Client, btype: number, keys: readonly string[], opts: BlockOptions): void {
    const map = this.blockingKeys[c.db.id];
    const distinct: string[] = [];
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k)) continue;
      seen.add(k);
      distinct.push(k);
      let set = map.get(k);
      if (set === undefined) {
        set = new Set();
        map.set(k, set);
      }
      set.add(c);
    }
    const info: BlockInfo = {
      btype,
      keys: distinct,
      dbid: c.db.id,
      timeout: opts.timeout,
      target: opts.target ?? null,
      wherefrom: opts.wherefrom ?? 0,
      whereto: opts.whereto ?? 0,
      count: opts.count ?? -1,
      data: opts.data,
      cmd: c.cmd,
      argv: c.argv,
      timer: null,
    };
    c.ext.blocked = info;
    c.flags |= CLIENT_BLOCKED;
    this.blockedClients++;
    this.blockedByType[btype]++;
    if (info.timeout !== 0) {
      this.clientsInTimeoutTable++;
      this.armTimer(c, info);
    }
  }

  private armTimer(c: Client, info: BlockInfo): void {
    const delay = info.timeout - this.server.clock.now() + 1;
    info.timer = setTimeout(() => this.timerFired(c, info), Math.min(Math.max(delay, 0), MAX_TIMER_MS));
    info.timer.unref();
  }

  /** checkBlockedClientTimeout(): past the deadline, reply and unblock. */
  private timerFired(c: Client, info: BlockInfo): void {
    info.timer = null;
    if (c.ext.blocked !== info) return;
    // Redis handles timeouts in beforeSleep(), which a load's event
    // processing (processEventsWhileBlocked()) cuts short.
    if (this.server.isLoading()) {
      this.dueWhileLoading.push({ c, info });
      return;
    }
    if (this.server.clock.now() <= info.timeout) {
      this.armTimer(c, info);
      return;
    }
    this.replyTimedOut(c);
    this.unblockClient(c);
    this.server.flushPendingWrites();
  }

  /**
   * The load is over: the timeouts that fell due meanwhile are handled, as
   * by the first beforeSleep() after it.
   */
  loadingEnded(): void {
    if (this.dueWhileLoading.length === 0) return;
    setImmediate(() => {
      if (this.server.isLoading()) return;
      const due = this.dueWhileLoading;
      this.dueWhileLoading = [];
      for (const { c, info } of due) if (info.timer === null) this.timerFired(c, info);
    });
  }

  /** replyToBlockedClientTimedOut(). */
  replyTimedOut(c: Client): void {
    const info = c.ext.blocked as BlockInfo | undefined;
    const fn = info !== undefined ? timeoutReplies.get(info.btype) : undefined;
    if (fn !== undefined) fn(c, info!.data);
    else c.addReplyNullArray();
  }

  /** Drop the bpop state (unblockClientWaitingData()). */
  private release(c: Client): BlockInfo | undefined {
    const info = c.ext.blocked as BlockInfo | undefined;
    if (info === undefined) return undefined;
    const map = this.blockingKeys[info.dbid];
    for (const k of info.keys) {
      const set = map.get(k);
      if (set === undefined) continue;
      set.delete(c);
      if (set.size === 0) map.delete(k);
    }
    if (info.timer !== null) {
      clearTimeout(info.timer);
      info.timer = null;
    }
    if (info.timeout !== 0) this.clientsInTimeoutTable--;
    c.ext.blocked = undefined;
    c.flags &= ~CLIENT_BLOCKED;
    this.blockedClients--;
    this.blockedByType[info.btype]--;
    return info;
  }

  /**
   * unblockClient(): the client finished its blocking command (served,
   * timed out, CLIENT UNBLOCK). Its remaining input runs on the next turn.
   */
  unblockClient(c: Client): void {
    if (this.release(c) === undefined) return;
    this.server.commandProcessed(c);
    this.queueClientForReprocessing(c);
  }

  private clientFreed(c: Client): void {
    this.release(c);
  }

  private queueClientForReprocessing(c: Client): void {
    this.unblocked.push(c);
    if (!this.reprocessScheduled) {
      this.reprocessScheduled = true;
      setImmediate(() => this.processUnblockedClients());
    }
  }

  /** processUnblockedClients(): run the input unblocked clients accumulated. */
  processUnblockedClients(): void {
    this.reprocessScheduled = false;
    const list = this.unblocked;
    this.unblocked = [];
    for (const c of list) {
      if (!this.server.clients.has(c.id) || c.flags & CLIENT_BLOCKED) continue;
      this.server.processInputBuffer(c);
    }
    this.server.flushPendingWrites();
  }

  /** signalKeyAsReady(): queue `key` if clients of its type wait on it. */
  signalKeyAsReady(db: Db, key: string, value: RValue): void {
    if (this.blockedClients === 0 || !isObject(value)) return;
    const btype = blockedTypeOf(value.type);
    if (btype === BLOCKED_NONE || (this.blockedByType[btype] === 0 && this.blockedByType[BLOCKED_MODULE] === 0)) return;
    if (!this.blockingKeys[db.id].has(key)) return;
    this.queueReady(db, key);
  }

  private queueReady(db: Db, key: string): void {
    const ready = this.readySets[db.id];
    if (ready.has(key)) return;
    ready.add(key);
    this.readyList.push({ db, key });
    // The dispatcher serves ready keys after each command; keys made ready
    // elsewhere (embedding, loading) are served before the next I/O, as
    // beforeSleep() does.
    if (!this.readyScheduled) {
      this.readyScheduled = true;
      setImmediate(() => {
        this.readyScheduled = false;
        if (this.readyList.length === 0) return;
        this.handleClientsBlockedOnKeys();
        this.server.flushPendingWrites();
      });
    }
  }

  /** SWAPDB: keys now present under the blocked clients' db ids may serve them. */
  dbsSwapped(a: Db, b: Db): void {
    for (const db of [a, b]) {
      for (const key of this.blockingKeys[db.id].keys()) {
        const v = db.peek(key);
        if (v !== undefined) this.signalKeyAsReady(db, key, v);
      }
      this.scanForGoneStreams(db);
    }
  }

  hasReadyKeys(): boolean {
    return this.readyList.length > 0;
  }

  /**
   * handleClientsBlockedOnKeys(): serve the clients blocked on the keys
   * signaled as ready, FIFO per key, until no key is ready (serving BLMOVE
   * pushes to its destination, which may make more keys ready).
   */
  handleClientsBlockedOnKeys(): void {
    if (this.handling) return;
    this.handling = true;
    const server = this.server;
    try {
      while (this.readyList.length > 0) {
        const list = this.readyList;
        this.readyList = [];
        for (const { db, key } of list) {
          this.readySets[db.id].delete(key);
          const o = db.lookup(key, LOOKUP_NONOTIFY | LOOKUP_NOSTATS);
          const isObj = o !== undefined && isObject(o);
          if (!isObj || (o as RObjectBase).type !== 'stream') this.keyGone(db, key, BLOCKED_STREAM);
          if (!isObj) continue;
          const btype = blockedTypeOf((o as RObjectBase).type);
          const serve = serveFns.get(btype);
          if (serve === undefined || this.blockedByType[btype] === 0) continue;
          const clients = this.blockingKeys[db.id].get(key);
          if (clients === undefined) continue;
          // Served clients pop from the value found by this read lookup.
          db.beforeChange(key);
          for (const receiver of clients) {
            const info = receiver.ext.blocked as BlockInfo | undefined;
            if (info === undefined || info.btype !== btype) continue;
            const errorsBefore = server.stats.totalErrorReplies;
            const start = performance.now();
            const r = serve(receiver, o as RObjectBase, key, db, info);
            if (r === SERVE_SKIP) continue;
            const usec = Math.round((performance.now() - start) * 1000);
            if (info.cmd !== null) {
              server.commandUnblocked(receiver, info.cmd, info.argv, usec, server.stats.totalErrorReplies !== errorsBefore);
            }
            this.unblockClient(receiver);
            if (r === SERVE_DONE_DELETED) break;
          }
        }
      }
    } finally {
      this.handling = false;
    }
  }

  /** unblockDeletedStreamReadgroupClients(): `key` no longer holds the type `btype` clients wait for. */
  private keyGone(db: Db, key: string, btype: number): void {
    const fn = keyGoneFns.get(btype);
    if (fn === undefined || this.blockedByType[btype] === 0) return;
    const clients = this.blockingKeys[db.id].get(key);
    if (clients === undefined) return;
    const server = this.server;
    for (const receiver of [...clients]) {
      const info = receiver.ext.blocked as BlockInfo | undefined;
      if (info === undefined || info.btype !== btype) continue;
      const errorsBefore = server.stats.totalErrorReplies;
      if (!fn(receiver, info)) continue;
      if (info.cmd !== null) {
        server.commandUnblocked(receiver, info.cmd, info.argv, 0, server.stats.totalErrorReplies !== errorsBefore);
      }
      this.unblockClient(receiver);
    }
  }

  /**
   * CLIENT UNBLOCK: unblock `c` as if it timed out, or with an -UNBLOCKED
   * error. False when it is not blocked, or blocked in SHUTDOWN: that one
   * has no timeout to fake (Redis 7.0 panics on CLIENT UNBLOCK ... TIMEOUT
   * there; later versions leave it blocked, as Nodis does for both forms).
   */
  unblockByRequest(c: Client, withError: boolean): boolean {
    const info = c.ext.blocked as BlockInfo | undefined;
    if (info === undefined || (c.flags & CLIENT_BLOCKED) === 0 || info.btype === BLOCKED_SHUTDOWN) return false;
    if (withError) c.addReplyError('-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    else this.replyTimedOut(c);
    this.unblockClient(c);
    if (info.cmd !== null) this.server.commandUnblocked(c, info.cmd, info.argv, 0, true);
    return true;
  }
}

// ---- timeouts ----------------------------------------------------------------

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * `(long long) ceill(x * 1000.0)` for a long double x as x86-64 computes it:
 * the product rounded to a 64-bit significand (ties to even), its ceiling,
 * and an out-of-range or infinite result converted to LLONG_MIN.
 */
function ldSecondsToMs(x: LongDouble): bigint {
  if (x.kind !== 0) return LLONG_MIN;
  let n = x.m * 1000n;
  let e = x.e;
  const bl = bitLength(n);
  if (bl > 64) {
    const shift = bl - 64;
    const q = n >> BigInt(shift);
    const rem = n - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    n = rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
    e += shift;
  }
  let v: bigint;
  if (e >= 0) {
    if (bitLength(n) + e > 64) return LLONG_MIN;
    v = n << BigInt(e);
    if (x.neg) v = -v;
  } else {
    const d = 1n << BigInt(-e);
    const q = n / d;
    const inexact = n % d !== 0n;
    // ceil(): towards +inf, so a negative value truncates.
    v = x.neg ? -q : inexact ? q + 1n : q;
  }
  return v > LLONG_MAX || v < LLONG_MIN ? LLONG_MIN : v;
}

/**
 * getTimeoutFromObjectOrReply(): the absolute deadline in ms for a timeout
 * given in seconds (decimals allowed), or 0 for "block forever". A deadline
 * beyond the int64 range never fires, as in Redis.
 */
export function getBlockTimeout(s: string, now: number): number {
  const ld = string2ld(s);
  if (ld === null) throw new RedisError('timeout is not a float or out of range');
  const tval = ldSecondsToMs(ld);
  if (tval < 0n) throw new RedisError('timeout is negative');
  if (tval === 0n) return 0;
  const deadline = tval + BigInt(now);
  return deadline > LLONG_MAX ? Number.MAX_VALUE : Number(deadline);
}
