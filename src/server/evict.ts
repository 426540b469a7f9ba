/**
 * maxmemory: memory accounting totals and key eviction (evict.c).
 *
 * `used_memory` is the server's own fixed state plus, for each database,
 * its keys and values (Db.mem, kept incrementally by store/memcost.ts) and
 * its tables (Dict.structBytes()), plus client buffers (refreshed by the
 * cron and by INFO). Computing it is O(databases), so it is checked before
 * every command when `maxmemory` is set, as Redis checks zmalloc's counter.
 *
 * Eviction follows performEvictions(): keys are picked through Redis's
 * 16-entry eviction pool fed by sampling `maxmemory-samples` keys of each
 * database (approximate LRU/LFU/TTL), or at random; each eviction fires the
 * `evicted` event, touches WATCHed keys and propagates a DEL; the loop is
 * bounded in time by `maxmemory-eviction-tenacity` and continues from the
 * event loop (evictionTimeProc) when the budget ran out.
 */
import os from 'node:os';
import v8 from 'node:v8';
import type { NodisServer } from './server.js';
import type { Client } from './client.js';
import { CLIENT_MULTI, CLIENT_SLAVE } from './client.js';
import { getClientMemoryUsage } from './client-eviction.js';
import { CMD_DENYOOM, type Command } from '../commands/table.js';
import { NOTIFY_EVICTED } from './notify.js';
import type { Db } from '../store/db.js';
import { EvictionPool, LAZYFREE_THRESHOLD, evictionTimeLimitUs, freeEffort } from '../store/eviction.js';
import { HEAP_NUMBER_BYTES } from '../store/memcost.js';
import { LRU_CLOCK_MAX, estimateIdleMs, lfuDecrAndReturn, lfuInitial, lfuTouch } from '../store/lru.js';

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;

/** The share of V8's heap limit that maxmemory may use (see warnAboutHeapLimit()). */
const HEAP_USABLE = 0.8;

/** HASHTABLE_MAX_LOAD_FACTOR: past it a table grows even over maxmemory. */
const HASHTABLE_MAX_LOAD_FACTOR = 1.618;

/** shared.oomerr */
export const OOM_ERROR = "-OOM command not allowed when used memory > 'maxmemory'.";

/**
 * The server's own state in an empty instance (command table, config,
 * databases' bookkeeping), measured as the heap growth of creating a
 * server; V8's code and runtime baseline are not counted, as Redis does
 * not count its binary.
 */
export const SERVER_BASE_BYTES = 400 * 1024;

// The config's enum values of maxmemory-policy (volatile-lru is 1).
const POLICY_VOLATILE_LFU = 2;
const POLICY_VOLATILE_RANDOM = 3;
const POLICY_VOLATILE_TTL = 4;
const POLICY_ALLKEYS_LRU = 5;
const POLICY_ALLKEYS_LFU = 6;
const POLICY_ALLKEYS_RANDOM = 7;
const POLICY_NOEVICTION = 8;

/** Memory accounting, maxmemory and eviction of one server. */
export class MemoryManager {
  /** `maxmemory` in bytes (0 = no limit). */
  maxmemory = 0;
  private policy = POLICY_NOEVICTION;
  /** An LFU policy is selected: access words hold LFU data. */
  lfu = false;
  private samples = 5;
  private tenacity = 10;
  private lfuLogFactor = 10;
  private lfuDecayTime = 1;
  private lazyEviction = false;
  readonly pool = new EvictionPool();
  /** Random policies visit the dbs in turn (performEvictions()'s next_db). */
  private nextDb = 0;
  /** evictionTimeProc() is scheduled. */
  private procRunning = false;
  private procTimer: NodeJS.Immediate | null = null;
  /** Start of the current over-the-limit period (ms), or 0. */
  private exceededSince = 0;
  /** Total time spent over the limit (stat_total_eviction_exceeded_time, ms). */
  totalExceededMs = 0;
  /**
   * Client buffers (query + output), as of the last refresh: normal (and
   * pub/sub, primary) clients, then replicas without the replication
   * buffer they share (counted once, in `replBuffer`).
   */
  clientsNormal = 0;
  replicaClients = 0;
  /** The replication buffer (repl_buffer_mem and repl-backlog-size), while a backlog exists. */
  replBuffer: { readonly mem: number; readonly size: number } | null = null;
  /** Replicas connected (listLength(server.slaves)), set by replication. */
  replicaCount: () => number = () => 0;
  /**
   * Client memory is followed per read and write (clientUpdated()) while
   * maxmemory or client eviction (maxmemory-clients) is set.
   */
  trackClients = false;
  private clientEvictionOn = false;
  /** Client eviction's update (client-eviction.ts), given each client's fresh figure. */
  clientHook: ((c: Client, bytes: number, periodic: boolean) => void) | null = null;
  /** used_memory when the server was created, and the highest seen. */
  readonly startup: number;
  peak: number;
  /** Random source of the LFU counter increments (tests replace it). */
  rand: () => number = Math.random;
  /** Extra memory not counted for eviction (AOF and replica buffers), set by those subsystems. */
  notCountedForEvict: (() => number)[] = [];

  constructor(private readonly server: NodisServer) {
    this.readConfig();
    server.config.onChange((name) => {
      if (POLICY_CONFIGS.has(name)) this.readConfig();
    });
    if (server.config.def('maxmemory')) server.config.registerApply('maxmemory', () => this.updateMaxmemory());
    server.hooks.cron.push(() => this.cron());
    server.hooks.clientFreed.push((c) => this.clientFreed(c));
    this.startup = this.usedMemory();
    this.peak = this.startup;
  }

  private readConfig(): void {
    const cfg = this.server.config;
    const before = this.maxmemory;
    this.maxmemory = Number(cfg.big('maxmemory'));
    // Client buffers are followed per read and write only while a limit is set.
    if (before === 0 && this.maxmemory !== 0) this.refreshClients();
    this.trackClients = this.maxmemory !== 0 || this.clientEvictionOn;
    setHeapGrowth(this, this.maxmemory !== 0);
    this.policy = cfg.enumValue('maxmemory-policy');
    this.lfu = this.policy === POLICY_VOLATILE_LFU || this.policy === POLICY_ALLKEYS_LFU;
    this.samples = cfg.num('maxmemory-samples');
    this.tenacity = cfg.num('maxmemory-eviction-tenacity');
    this.lfuLogFactor = cfg.num('lfu-log-factor');
    this.lfuDecayTime = cfg.num('lfu-decay-time');
    this.lazyEviction = cfg.bool('lazyfree-lazy-eviction');
  }

  /**
   * Warn when V8's heap limit stops the dataset before maxmemory does (or,
   * without maxmemory, before the machine's memory does): past that limit
   * Node aborts, where redis-server would go on. The heap holds more than
   * used_memory counts (Node's own baseline, garbage between collections),
   * so maxmemory must stay below 80% of it. bin/nodis-server, npm start
   * and the Docker image raise the limit to 1 TiB.
   */
  warnAboutHeapLimit(startup: boolean): void {
    const limit = v8.getHeapStatistics().heap_size_limit;
    const raise = 'start node with a larger --max-old-space-size (bin/nodis-server, npm start and the Docker image pass 1048576)';
    if (this.maxmemory > limit * HEAP_USABLE) {
      this.server.logger.warn(
        `WARNING: maxmemory (${this.maxmemory} bytes) is above what the JavaScript heap can hold (its limit is ${limit} bytes): the process aborts before reaching it. Lower maxmemory, or ${raise}.`,
      );
    } else if (startup && this.maxmemory === 0 && limit < os.totalmem()) {
      this.server.logger.warn(
        `WARNING: no maxmemory is set and the JavaScript heap is limited to ${limit} bytes, less than this machine's ${os.totalmem()} bytes of memory: the process aborts if the dataset outgrows the heap. Set maxmemory, or ${raise}.`,
      );
    }
  }

  /** updateMaxmemory(): a lower limit starts evicting from the event loop. */
  private updateMaxmemory(): string | null {
    this.readConfig();
    this.warnAboutHeapLimit(false);
    if (this.maxmemory !== 0) {
      const used = this.usedMemory() - this.notCounted();
      if (this.maxmemory < used) {
        this.server.logger.warn(
          `WARNING: the new maxmemory value set via CONFIG SET (${this.maxmemory}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
        );
      }
      this.startEvictionTimeProc();
    }
    return null;
  }

  // ---- accounting --------------------------------------------------------------------

  /** Bytes of one database's tables (overhead.hashtable.main / .expires). */
  static dbOverhead(db: Db): [main: number, expires: number] {
    return [db.dict.structBytes(), db.expires.structBytes() + db.expires.size * HEAP_NUMBER_BYTES];
  }

  /** Keys and values of every database. */
  datasetBytes(): number {
    let n = 0;
    for (const db of this.server.dbs) n += db.mem.bytes;
    return n;
  }

  /** Tables of every database. */
  tablesBytes(): number {
    let n = 0;
    for (const db of this.server.dbs) n += db.dict.structBytes() + db.expires.structBytes() + db.expires.size * HEAP_NUMBER_BYTES;
    return n;
  }

  /** zmalloc_used_memory(). */
  usedMemory(): number {
    let n = SERVER_BASE_BYTES + this.clientsNormal + this.replicaClients;
    if (this.replBuffer !== null) n += this.replBuffer.mem;
    for (const db of this.server.dbs) {
      n += db.mem.bytes + db.dict.structBytes() + db.expires.structBytes() + db.expires.size * HEAP_NUMBER_BYTES;
    }
    return n;
  }

  /** Client eviction was turned on or off: follow client memory while it is on. */
  setClientTracking(on: boolean): void {
    const was = this.trackClients;
    this.clientEvictionOn = on;
    this.trackClients = this.maxmemory !== 0 || on;
    if (!was && this.trackClients) this.refreshClients();
  }

  /**
   * A client's memory (getClientMemoryUsage(), client-eviction.ts): its
   * objects, the query buffer with the arguments parsed so far, queued
   * MULTI commands, subscriptions, and its pending output (Nodis's reply
   * buffer and what the socket holds).
   */
  static clientBytes(c: Client): number {
    const so = c.streamOut;
    return so === null ? getClientMemoryUsage(c) : getClientMemoryUsage(c) - so.memory();
  }

  /**
   * Bring a client's share of used_memory up to date (after reading and
   * after writing), as Redis's counter follows every buffer allocation.
   */
  clientUpdated(c: Client): void {
    if (!this.server.clients.has(c.id)) return;
    const bytes = MemoryManager.clientBytes(c);
    const prev = (c.ext.memAccounted as number | undefined) ?? 0;
    if (bytes === prev) return;
    c.ext.memAccounted = bytes;
    if (c.flags & CLIENT_SLAVE) this.replicaClients += bytes - prev;
    else this.clientsNormal += bytes - prev;
    if (this.clientHook !== null) this.clientHook(c, bytes, false);
  }

  private clientFreed(c: Client): void {
    const prev = (c.ext.memAccounted as number | undefined) ?? 0;
    c.ext.memAccounted = 0;
    if (c.flags & CLIENT_SLAVE) this.replicaClients -= prev;
    else this.clientsNormal -= prev;
  }

  /** Recompute client memory from scratch (the cron and INFO call it). */
  refreshClients(): void {
    let normal = 0;
    let slaves = 0;
    for (const c of this.server.clients.values()) {
      const bytes = MemoryManager.clientBytes(c);
      c.ext.memAccounted = bytes;
      if (c.flags & CLIENT_SLAVE) slaves += bytes;
      else normal += bytes;
    }
    this.clientsNormal = normal;
    this.replicaClients = slaves;
    // Client eviction may free clients: clientFreed() then takes them off the totals.
    const hook = this.clientHook;
    if (hook !== null) for (const c of this.server.clients.values()) hook(c, c.ext.memAccounted as number, true);
  }

  /** Record the peak (INFO used_memory_peak); returns it. */
  updatePeak(used = this.usedMemory()): number {
    if (used > this.peak) this.peak = used;
    return this.peak;
  }

  private cron(): void {
    this.refreshClients();
    this.updatePeak();
  }

  /** freeMemoryGetNotCountedMemory(). */
  notCounted(): number {
    let n = 0;
    for (const f of this.notCountedForEvict) n += f();
    return n;
  }

  /** getMaxmemoryState(): bytes to free to get under the limit (0 = within it). */
  toFree(): number {
    if (this.maxmemory === 0) return 0;
    const reported = this.usedMemory();
    if (reported <= this.maxmemory) return 0;
    const overhead = this.notCounted();
    const used = reported > overhead ? reported - overhead : 0;
    return used <= this.maxmemory ? 0 : used - this.maxmemory;
  }

  /** overMaxmemoryAfterAlloc(): would `more` bytes take used_memory over the limit? */
  overAfterAlloc(more: number): boolean {
    if (this.maxmemory === 0) return false;
    let used = this.usedMemory();
    if (used + more <= this.maxmemory) return false;
    const overhead = this.notCounted();
    used = used > overhead ? used - overhead : 0;
    return used + more > this.maxmemory;
  }

  /**
   * dictExpandAllowed(): below HASHTABLE_MAX_LOAD_FACTOR a keyspace table
   * only grows if that does not cross maxmemory (growing would evict keys
   * just to make room for an emptier table).
   */
  expandAllowed(moreBytes: number, usedRatio: number): boolean {
    if (usedRatio <= HASHTABLE_MAX_LOAD_FACTOR) return !this.overAfterAlloc(moreBytes);
    return true;
  }

  // ---- access words --------------------------------------------------------------------

  /** The word of a key after an access (LRU clock or updateLFU()). */
  touch(meta: number): number {
    if (!this.lfu) return this.server.lruClock();
    return lfuTouch(meta, this.server.now(), this.lfuDecayTime, this.lfuLogFactor, this.rand);
  }

  /** The word of a new key. */
  initial(): number {
    return this.lfu ? lfuInitial(this.server.now()) : this.server.lruClock();
  }

  /** OBJECT FREQ's counter. */
  frequency(meta: number): number {
    return lfuDecrAndReturn(meta, this.server.now(), this.lfuDecayTime);
  }

  // ---- processCommand() ------------------------------------------------------------------

  /**
   * The maxmemory part of processCommand(): evict if needed, and say
   * whether the command is to be refused with OOM_ERROR.
   */
  rejectOnOom(c: Client, cmd: Command, queuedFlags: number, cmdFlags = cmd.flags): boolean {
    const outOfMemory = this.performEvictions() === EVICT_FAIL;
    if (!outOfMemory) return false;
    let reject = (cmdFlags & CMD_DENYOOM) !== 0 || (cmd.name === 'exec' && (queuedFlags & CMD_DENYOOM) !== 0);
    // Queuing inside MULTI takes memory too: refuse all but what ends it.
    if (c.flags & CLIENT_MULTI && cmd.name !== 'exec' && cmd.name !== 'discard' && cmd.name !== 'quit' && cmd.name !== 'reset') {
      reject = true;
    }
    return reject;
  }

  // ---- eviction ----------------------------------------------------------------------------

  /** isSafeToPerformEvictions(). */
  private isSafe(): boolean {
    const s = this.server;
    if (s.loading) return false;
    if (s.isReplica() && s.config.bool('replica-ignore-maxmemory')) return false;
    if (s.writesPaused()) return false;
    return true;
  }

  /** performEvictions(). */
  performEvictions(): number {
    if (!this.isSafe()) return EVICT_OK;
    let result = EVICT_FAIL;
    const toFree = this.toFree();
    if (toFree === 0) {
      result = EVICT_OK;
    } else if (this.policy !== POLICY_NOEVICTION) {
      result = this.evict(toFree);
    }
    this.updateMetrics(result);
    return result;
  }

  private evict(toFree: number): number {
    const server = this.server;
    const limitUs = evictionTimeLimitUs(this.tenacity);
    const start = performance.now();
    let freed = 0;
    let keysFreed = 0;
    while (freed < toFree) {
      const pick = this.selectKey();
      if (pick === null) return EVICT_FAIL;
      const [key, dbid] = pick;
      const db = server.dbs[dbid];
      const before = dbBytes(db);
      const v = db.peek(key);
      db.delete(key);
      if (this.lazyEviction && v !== undefined && freeEffort(v) > LAZYFREE_THRESHOLD) server.stats.lazyfreedObjects++;
      freed += before - dbBytes(db);
      server.stats.evictedKeys++;
      server.signalModifiedKey(null, db, key);
      server.notifyKeyspaceEvent(NOTIFY_EVICTED, 'evicted', key, db.id);
      server.propagate(db.id, [this.lazyEviction ? 'UNLINK' : 'DEL', key]);
      keysFreed++;
      if (keysFreed % 16 === 0) {
        if (this.lazyEviction && this.toFree() === 0) break;
        if ((performance.now() - start) * 1000 > limitUs) {
          // Out of time: go on from the event loop.
          this.startEvictionTimeProc();
          break;
        }
      }
    }
    return this.procRunning ? EVICT_RUNNING : EVICT_OK;
  }

  /** The best key to evict under the policy, as [key, dbid], or null when none. */
  private selectKey(): [string, number] | null {
    const dbs = this.server.dbs;
    const allkeys = this.policy >= POLICY_ALLKEYS_LRU;
    if (this.policy === POLICY_ALLKEYS_RANDOM || this.policy === POLICY_VOLATILE_RANDOM) {
      for (let i = 0; i < dbs.length; i++) {
        const j = ++this.nextDb % dbs.length;
        const d = allkeys ? dbs[j].dict : dbs[j].expires;
        const slot = d.randomSlot();
        if (slot !== -1) return [d.keyAt(slot), j];
      }
      return null;
    }
    for (;;) {
      let total = 0;
      for (let i = 0; i < dbs.length; i++) {
        const db = dbs[i];
        const size = allkeys ? db.dict.size : db.expires.size;
        if (size === 0) continue;
        this.populate(db, allkeys);
        total += size;
      }
      if (total === 0) return null;
      const best = this.pool.takeBest((key, dbid) => (allkeys ? dbs[dbid].dict.has(key) : dbs[dbid].expires.has(key)));
      if (best !== null) return best;
    }
  }

  /** evictionPoolPopulate(): sample keys of `db` into the pool. */
  private populate(db: Db, allkeys: boolean): void {
    const sampleDict = allkeys ? db.dict : db.expires;
    const main = db.dict;
    const policy = this.policy;
    const lruClock = this.server.lruClock();
    const now = this.server.now();
    const n = Math.min(this.samples, sampleDict.size);
    for (let j = 0; j < n; j++) {
      const slot = sampleDict.randomSlot();
      const key = sampleDict.keyAt(slot);
      let idle: number;
      if (policy === POLICY_VOLATILE_TTL) {
        // The sooner the expire the better.
        idle = -(db.expires.valueAt(slot) as number);
      } else {
        const ms = allkeys ? slot : main.find(key);
        if (ms === -1) continue;
        const meta = main.meta[ms];
        idle = this.lfu ? 255 - lfuDecrAndReturn(meta, now, this.lfuDecayTime) : estimateIdleMs(lruClock, meta & LRU_CLOCK_MAX);
      }
      this.pool.insert(idle, key, db.id);
    }
  }

  /** startEvictionTimeProc(): keep evicting from the event loop. */
  startEvictionTimeProc(): void {
    if (this.procRunning) return;
    this.procRunning = true;
    this.procTimer = setImmediate(this.timeProc);
  }

  /** evictionTimeProc(). */
  private timeProc = (): void => {
    this.procTimer = null;
    if (this.server.isClosed()) {
      this.procRunning = false;
      return;
    }
    if (this.performEvictions() === EVICT_RUNNING) {
      this.procTimer = setImmediate(this.timeProc);
      return;
    }
    this.procRunning = false;
  };

  /** The eviction time proc is scheduled (isEvictionProcRunning). */
  get evictionRunning(): boolean {
    return this.procRunning;
  }

  /** Stop the time proc (server shutdown). */
  stop(): void {
    setHeapGrowth(this, false);
    if (this.procTimer !== null) clearImmediate(this.procTimer);
    this.procTimer = null;
    this.procRunning = false;
  }

  private updateMetrics(result: number): void {
    if (result === EVICT_RUNNING || result === EVICT_FAIL) {
      if (this.exceededSince === 0) this.exceededSince = performance.now();
    } else if (this.exceededSince !== 0) {
      this.totalExceededMs += performance.now() - this.exceededSince;
      this.exceededSince = 0;
    }
  }

  /** INFO's current_eviction_exceeded_time (ms). */
  currentExceededMs(): number {
    return this.exceededSince === 0 ? 0 : performance.now() - this.exceededSince;
  }

  /** CONFIG RESETSTAT. */
  resetStats(): void {
    this.totalExceededMs = 0;
    if (this.exceededSince !== 0) this.exceededSince = performance.now();
  }
}

const POLICY_CONFIGS = new Set([
  'maxmemory',
  'maxmemory-policy',
  'maxmemory-samples',
  'maxmemory-eviction-tenacity',
  'lfu-log-factor',
  'lfu-decay-time',
  'lazyfree-lazy-eviction',
]);

/**
 * V8 lets the old generation grow to several times the live data before a
 * full collection when the collector judges it cheap, so evicted values
 * could pile up as garbage far beyond maxmemory, and it keeps pages that
 * evictions left sparse. With a limit set, the heap may grow by 20% over the
 * live data between collections and every full collection compacts (the
 * defaults come back when no server has a limit).
 */
const limitedServers = new Set<MemoryManager>();
function setHeapGrowth(m: MemoryManager, limited: boolean): void {
  const before = limitedServers.size > 0;
  if (limited) limitedServers.add(m);
  else limitedServers.delete(m);
  const after = limitedServers.size > 0;
  if (before === after) return;
  v8.setFlagsFromString(after ? '--heap-growing-percent=20' : '--heap-growing-percent=0');
  v8.setFlagsFromString(after ? '--compact-on-every-full-gc' : '--no-compact-on-every-full-gc');
}

/** A database's share of used_memory: keys, values and tables. */
function dbBytes(db: Db): number {
  return db.mem.bytes + db.dict.structBytes() + db.expires.structBytes() + db.expires.size * HEAP_NUMBER_BYTES;
}
