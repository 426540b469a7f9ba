/**
 * The server: listening sockets, clients, databases, the dispatcher
 * (processCommand()/call() of server.c) and the periodic cron (active
 * expiry, incremental rehashing, client timeouts, instantaneous metrics).
 */
import fs from 'node:fs';
import net from 'node:net';
// The module's binding: the global `performance` is an accessor, called on each use.
import { performance } from 'node:perf_hooks';
import type { PausePurpose } from './pause.js';
import { Client, CLIENT_BLOCKED, CLIENT_CLOSE_AFTER_REPLY, CLIENT_CLOSE_ASAP, CLIENT_MULTI, CLIENT_PUBSUB, CLIENT_REPLY_SKIP, CLIENT_REPLY_SKIP_NEXT, CLIENT_PROTOCOL_ERROR, CLIENT_MONITOR, CLIENT_PAUSED, CLIENT_SLAVE, CLIENT_TRACKING } from './client.js';
import { Config } from './config.js';
import { fsPath, repr } from './config-defs.js';
import { Stats } from './stats.js';
import { bugReport, crashExit, panicHead } from './crash.js';
import { PROPAGATE_ALL, type PropagatedOp } from './propagation.js';
import { createLogger, silentLogger, pinoLevel, type Logger } from './logger.js';
import { Db, type KeyspaceContext } from '../store/db.js';
import type { RValue } from '../store/types.js';
import { systemClock, type Clock } from '../store/clock.js';
import { Command, CommandTable, CMD_FAST, CMD_NO_AUTH, CMD_NO_MULTI, CMD_SKIP_SLOWLOG, CMD_WRITE, CMD_ADMIN, CMD_SKIP_MONITOR, CMD_PROTECTED, CMD_READONLY, CMD_MAY_REPLICATE, CMD_ALLOW_BUSY, CMD_LOADING, CMD_NO_ASYNC_LOADING } from '../commands/table.js';
import { RedisError, type CommandSpec } from '../commands/types.js';
import { allCommands } from '../commands/index.js';
import { registerListenerApply } from '../commands/config.js';
import { clientInfoString } from '../commands/client.js';
import { ReplyBufferResizing } from './replybuf.js';
import { queryBufferParsed, queryBufferRead, resizeQueryBuffer } from './querybuf.js';
import { Slowlog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { installServerInfo } from './info.js';
import { MemoryManager, OOM_ERROR } from './evict.js';
import { Blocking, MAX_TIMER_MS } from './blocking.js';
import { NOTIFY_GENERIC, NOTIFY_EXPIRED, NOTIFY_KEY_MISS, NOTIFY_NEW } from './notify.js';
import { installTransactions } from './multi.js';
import { TlsManager } from './tls.js';
import { CLIENT_MASTER } from './client.js';
import { rdbOf } from '../persistence/rdb-save.js';
import { aofOf } from '../persistence/aof/index.js';
import { installOutputBufferLimits, checkOutputAfterWrite } from './obuf.js';
import { installClientEviction } from './client-eviction.js';
import { Acl, USER_NOPASS } from './acl.js';
import type { Tracking } from './tracking.js';
import { readIntoBuffer } from './node-stream.js';
import { replOf } from '../replication/replication.js';

export const REDIS_VERSION = '7.0.15';

/** Replies of at least this many bytes are written at the end of their client's read (see onData()). */
const EARLY_FLUSH_BYTES = 4096;
/** A client's arguments between commands. */
const NO_ARGV: string[] = [];
export const NODIS_VERSION = '0.1.0';

export interface ServerOptions {
  /** Directives as in redis.conf / command-line flags (`{ port: '0' }`). */
  config?: Record<string, string | string[]>;
  /** Path of the config file (for CONFIG REWRITE and INFO config_file). */
  configFile?: string | null;
  /** A configuration already loaded (config file, command line); `config` entries are applied on top. */
  configInstance?: Config;
  clock?: Clock;
  logger?: Logger;
  /** Extra commands (embedding); registered after the built-in table. */
  commands?: CommandSpec[];
}

/** Hooks that later subsystems (pub/sub, transactions, persistence...) attach to. */
export interface ServerHooks {
  /** A client is being freed. */
  clientFreed: ((c: Client) => void)[];
  /** A key was modified (signalModifiedKey: WATCH, tracking). */
  keyModified: ((db: Db | null, key: string, c: Client | null) => void)[];
  /** A db was flushed (dbid, or -1 for all). */
  dbFlushed: ((dbid: number) => void)[];
  /** SWAPDB swapped the contents of two dbs (called after the swap). */
  dbsSwapped: ((a: Db, b: Db) => void)[];
  /** A write's effect to propagate to AOF/replicas. */
  propagate: ((dbid: number, argv: string[]) => void)[];
  /** Called once per cron tick. */
  cron: (() => void)[];
  /** Called instead of `cron` while a dataset loads (whileBlockedCron()). */
  loadingCron: (() => void)[];
  /** RESET: drop the client's transaction, subscriptions, tracking. */
  clientReset: ((c: Client) => void)[];
  /**
   * Synchronous save of the dataset before exiting (SHUTDOWN, SIGTERM) when
   * save points are configured or SHUTDOWN SAVE is used; false on failure.
   */
  saveOnShutdown: (() => boolean)[];
  /**
   * Steps of a shutdown before the final save (the AOF: stop a rewrite,
   * flush and fsync); one returning false stops the shutdown (`force` asks
   * to go on anyway).
   */
  prepareShutdown: ((force: boolean) => boolean)[];
  /** The server is shutting down (after any save, before sockets close). */
  shutdown: (() => void)[];
  /** close() started (also for an embedded server): release files, stop background work. */
  closing: (() => void)[];
  /**
   * writeCommandsDeniedByDiskError(): each returns the error that refuses
   * write commands (MISCONF...), or null.
   */
  diskError: (() => string | null)[];
  /** FLUSHALL emptied every db (flushAllDataAndResetRDB(): the RDB side acts). */
  flushedAll: (() => void)[];
  /** The server became a replica (REPLICAOF host port) or a primary (REPLICAOF NO ONE). */
  roleChanged: (() => void)[];
  /** A replica sent empty lines (refresh its last ACK time). */
  replicaNewline: ((c: Client) => void)[];
}

/** What processCommand() asks the replication module (replication/replication.ts). */
export interface ReplicationChecks {
  /** NOREPLICAS / READONLY for a command, or null. */
  beforePubsub(c: Client, cmd: Command, isWrite: boolean): string | null;
  /** MASTERDOWN for a command, or null. */
  afterPubsub(c: Client, cmd: Command, flags: number): string | null;
  /** A command of the primary's stream completed. */
  primaryCommandProcessed(c: Client): void;
  /** isReadyToShutdown(): every replica acknowledged the whole stream (true with none). */
  replicasInSync(): boolean;
  /** finishShutdown()'s report on the replicas (lagging ones, how many are in sync). */
  logReplicasOnShutdown(): void;
  /** sendGetackToReplicas(). */
  requestAck(): void;
  /** The last 256 bytes of the replication backlog (showLatestBacklog()), or null. */
  latestBacklog(): string | null;
  /** A key got a TTL while this server is a replica. */
  expireSet(db: Db, key: string): void;
}

export class NodisServer implements KeyspaceContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly dbs: Db[] = [];
  readonly stats = new Stats();
  /** Reply buffer sizes as Redis resizes them (CLIENT LIST rbs/rbp, DEBUG REPLYBUFFER). */
  readonly replyBuffers = new ReplyBufferResizing();
  readonly commands: CommandTable;
  readonly clients = new Map<number, Client>();
  readonly slowlog: Slowlog;
  readonly latency = new LatencyMonitor();
  /** Clients blocked on keys (BLPOP...): blocked.c. */
  readonly blocking: Blocking;
  /** tls-port listeners and the TLS contexts (tls.c). */
  readonly tls: TlsManager;
  /** Memory accounting, maxmemory and eviction (evict.ts). */
  readonly memory: MemoryManager;
  /** Users and permissions (acl.c). */
  readonly acl: Acl;
  readonly hooks: ServerHooks = {
    clientFreed: [],
    keyModified: [],
    dbFlushed: [],
    dbsSwapped: [],
    propagate: [],
    cron: [],
    loadingCron: [],
    clientReset: [],
    saveOnShutdown: [],
    prepareShutdown: [],
    shutdown: [],
    closing: [],
    diskError: [],
    flushedAll: [],
    roleChanged: [],
    replicaNewline: [],
  };
  readonly monitors = new Set<Client>();
  /** Called once a SHUTDOWN completed (the standalone server exits the process). */
  exitProcess: ((code: number) => void) | null = null;
  /** The logger was created here from loglevel/logfile (CONFIG SET loglevel adjusts it). */
  private ownLogger = false;
  logger: Logger;
  readonly startTime = Date.now();
  readonly runId: string;
  /** Changes since the last save (server.dirty). */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);
  /** A dataset is being loaded (server.loading): commands not flagged `loading` get LOADING. */
  loading = false;
  /**
   * The load goes to a side keyspace while the current one stays served
   * (server.async_loading: a swapdb replica resyncing the same history):
   * only commands flagged `no_async_loading` get LOADING.
   */
  asyncLoading = false;
  /** startLoading()'s figures for INFO persistence (loading_* fields). */
  readonly loadingInfo = { startTime: 0, totalBytes: 0, rdbUsedMem: 0, loadedBytes: 0 };
  /** Client whose command is running (server.current_client). */
  currentClient: Client | null = null;
  /**
   * Client whose command is being processed, from its checks (ACL, OOM)
   * to its end: Redis sets server.current_client there already, so the
   * client's figures (qbuf, argv-mem) include the command when a refusal
   * logs them.
   */
  processingClient: Client | null = null;
  /** DEBUG SET-DISABLE-DENY-SCRIPTS: scripts may call commands flagged noscript. */
  scriptDisableDenyScript = false;
  /** End time of the previous command of the batch being processed, or -1. */
  private lastTick = -1;
  /** Time fixed for the running command (-1 until first read). */
  private cmdTime = -1;
  private cachedLruClock = Math.floor(Date.now() / 1000) & 0xffffff;
  /**
   * Date.now() - performance.now(), refreshed by the cron: a client's last
   * interaction is dated from the monotonic clock read that times its
   * commands, without a second (wall) clock read per read.
   */
  private wallClockBase = Date.now() - performance.now();
  /** Cached config values read on the hot path. */
  protoMaxBulkLen = 512 * 1024 * 1024;
  private queryBufLimit = 1024 * 1024 * 1024;
  private notifyFlags = 0;
  private slowlogThreshold = 10000;
  private latencyThreshold = 0;
  /** `latency-tracking`: per-command latency histograms. */
  private latencyTracking = true;
  private requirePass = '';
  /** min-replicas-to-write and min-replicas-max-lag are both set: writes may be refused (NOREPLICAS). */
  private minReplicasCheck = false;
  activeExpireEnabled = true;
  private nextClientId = 1;
  private pendingWrites: Client[] = [];
  private netServers: net.Server[] = [];
  /** The `unixsocket` listener and its file. */
  private unixServer: net.Server | null = null;
  private unixPath: string | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  /** The hz the cron timer runs at. */
  private cronHz = 0;
  private cronLoops = 0;
  /** Clients paused until this time (CLIENT PAUSE), and the mode. */
  pauseEnd = 0;
  pauseType: 'all' | 'write' | null = null;
  /** ops/sec sampling (INFO instantaneous_ops_per_sec). */
  private opsSamples: number[] = [];
  private lastSampleCommands = 0;
  private lastSampleTime = Date.now();
  private closed = false;
  /** Ports actually bound (after listen()). */
  ports: number[] = [];
  /** Publish hook for keyspace notifications (set by the pub/sub module). */
  publish: (channel: string, message: string) => number = () => 0;

  constructor(opts: ServerOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.config = opts.configInstance ?? new Config();
    if (opts.configFile !== undefined || !opts.configInstance) this.config.configFile = opts.configFile ?? null;
    for (const [k, v] of Object.entries(opts.config ?? {})) this.config.set(k, v, true);
    this.ownLogger = opts.logger === undefined;
    this.logger =
      opts.logger ?? createLogger({ loglevel: this.config.str('loglevel'), logfile: this.config.str('logfile') });
    this.runId = randomHex(40);
    const n = this.config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Db(i, this));
    this.commands = new CommandTable([...allCommands, ...(opts.commands ?? [])]);
    for (const [from, to] of this.config.renameCommands) this.commands.rename(from, to);
    registerListenerApply(this);
    installTransactions(this);
    installOutputBufferLimits(this);
    this.acl = new Acl(this);
    this.slowlog = new Slowlog();
    this.applyConfig();
    this.config.onChange(() => this.applyConfig());
    installServerInfo(this);
    this.memory = new MemoryManager(this);
    installClientEviction(this);
    // Persistence and replication are made now: their hooks are part of the server.
    rdbOf(this);
    aofOf(this);
    replOf(this);
    this.blocking = new Blocking(this);
    this.tls = new TlsManager(this);
    this.acl.loadUsersAtStartup();
  }

  /** Refresh cached values after any CONFIG SET. */
  private applyConfig(): void {
    const cfg = this.config;
    this.protoMaxBulkLen = cfg.num('proto-max-bulk-len');
    this.queryBufLimit = cfg.num('client-query-buffer-limit');
    this.notifyFlags = cfg.raw('notify-keyspace-events') as number;
    if (this.cronTimer !== null && this.cronHz !== cfg.num('hz')) {
      clearInterval(this.cronTimer);
      this.cronTimer = null;
      this.startCron();
    }
    if (this.ownLogger) this.logger.level = pinoLevel(cfg.str('loglevel'));
    this.slowlogThreshold = cfg.num('slowlog-log-slower-than');
    this.slowlog.maxLen = cfg.num('slowlog-max-len');
    this.latencyThreshold = cfg.num('latency-monitor-threshold');
    this.latencyTracking = cfg.def('latency-tracking') ? cfg.bool('latency-tracking') : true;
    this.requirePass = cfg.str('requirepass');
    this.minReplicasCheck =
      cfg.def('min-replicas-to-write') !== undefined && cfg.num('min-replicas-to-write') > 0 && cfg.num('min-replicas-max-lag') > 0;
    for (const c of this.clients.values()) c.parser.maxBulkLen = this.protoMaxBulkLen;
  }

  // ---- KeyspaceContext ------------------------------------------------------

  /**
   * Current time in ms. Inside a command it is fixed at the command's start
   * (server.mstime with fixed_time_expire in Redis), so a command that opens
   * the same key twice sees one consistent expiry decision.
   */
  now(): number {
    if (this.cmdTime < 0) {
      const t = this.clock.now();
      if (this.currentClient === null) return t;
      this.cmdTime = t;
    }
    return this.cmdTime;
  }

  /**
   * 24-bit LRU clock in seconds. With the system clock it is the value the
   * cron refreshes (server.lruclock), saving a clock read per key access.
   */
  lruClock(): number {
    if (this.clock === systemClock) return this.cachedLruClock;
    return Math.floor(this.clock.now() / 1000) & 0xffffff;
  }

  /** A key was accessed: its new LRU clock or LFU word. */
  touchMeta(meta: number): number {
    return this.memory.lfu ? this.memory.touch(meta) : this.lruClock();
  }

  /** The LRU/LFU word of a new key. */
  initialMeta(): number {
    return this.memory.lfu ? this.memory.initial() : this.lruClock();
  }

  /** A key's value was replaced: a new LRU clock, the same LFU data. */
  overwriteMeta(meta: number): number {
    return this.memory.lfu ? meta : this.lruClock();
  }

  /** dictExpandAllowed(): no keyspace table growth that crosses maxmemory. */
  dictExpandAllowed(moreBytes: number, usedRatio: number): boolean {
    return this.memory.expandAllowed(moreBytes, usedRatio);
  }

  /** The primary this server replicates from (server.masterhost), set by the replication module. */
  masterHost: string | null = null;

  isReplica(): boolean {
    return this.masterHost !== null;
  }

  /** The running command comes from our primary. */
  applyingFromPrimary(): boolean {
    const c = this.currentClient;
    return c !== null && (c.flags & CLIENT_MASTER) !== 0;
  }

  /** replica-read-only, kept current by the replication module. */
  replicaReadOnly = true;

  isReadOnlyReplica(): boolean {
    return this.masterHost !== null && this.replicaReadOnly;
  }

  /** setExpire(): a writable replica remembers the keys its clients set to expire. */
  expireSet(db: Db, key: string): void {
    if (this.masterHost !== null && this.replicationChecks !== null) this.replicationChecks.expireSet(db, key);
  }

  isLoading(): boolean {
    return this.loading;
  }

  /**
   * startLoading(): a load of `totalBytes` (-1 when unknown, as for a
   * diskless transfer ended by an EOF mark) begins; `async` when it goes
   * aside while the current dataset stays served. Returns false when one
   * is already under way (an AOF's RDB preamble): that outer load owns the
   * state.
   */
  startLoading(totalBytes: number, async = false): boolean {
    if (this.loading) return false;
    this.loading = true;
    this.asyncLoading = async;
    const li = this.loadingInfo;
    li.startTime = Math.floor(Date.now() / 1000);
    li.totalBytes = totalBytes;
    li.rdbUsedMem = 0;
    li.loadedBytes = 0;
    return true;
  }

  /** stopLoading() of the load startLoading() returned true for. */
  stopLoading(owner: boolean): void {
    if (!owner) return;
    this.loading = false;
    this.asyncLoading = false;
    this.blocking.loadingEnded();
  }

  writesPaused(): boolean {
    return this.pauseType !== null && this.clock.now() < this.pauseEnd;
  }

  onExpired(db: Db, key: string): void {
    this.stats.expiredKeys++;
    this.notifyKeyspaceEvent(NOTIFY_EXPIRED, 'expired', key, db.id);
    this.signalModifiedKey(null, db, key);
    // propagateDeletion(): UNLINK when the expired value is freed lazily.
    this.propagate(db.id, [this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  onKeyHit(): void {
    this.stats.keyspaceHits++;
  }

  /** dbAdd(): a key was created; clients blocked on it may be served. */
  signalKeyAsReady(db: Db, key: string, val: RValue): void {
    this.blocking.signalKeyAsReady(db, key, val);
  }

  /** SWAPDB: keys clients block on may now exist. */
  dbsSwapped(a: Db, b: Db): void {
    this.blocking.dbsSwapped(a, b);
    const hooks = this.hooks.dbsSwapped;
    for (let i = 0; i < hooks.length; i++) hooks[i](a, b);
  }

  onKeyMiss(db: Db, key: string, countStats = true, notify = true): void {
    if (countStats) this.stats.keyspaceMisses++;
    if (notify && this.notifyFlags & NOTIFY_KEY_MISS) this.notifyKeyspaceEvent(NOTIFY_KEY_MISS, 'keymiss', key, db.id);
  }

  // ---- keyspace signals -------------------------------------------------------

  /** signalModifiedKey(): WATCH and client-side caching. */
  signalModifiedKey(c: Client | null, db: Db | null, key: string): void {
    const hooks = this.hooks.keyModified;
    for (let i = 0; i < hooks.length; i++) hooks[i](db, key, c);
  }

  /** The tail of dbAdd(): a key was created, fire the 'new' keyspace event. */
  keyAdded(db: Db, key: string): void {
    if (this.notifyFlags & NOTIFY_NEW) this.notifyKeyspaceEvent(NOTIFY_NEW, 'new', key, db.id);
  }

  /** notifyKeyspaceEvent() of notify.c. */
  notifyKeyspaceEvent(type: number, event: string, key: string, dbid: number): void {
    const flags = this.notifyFlags;
    if ((flags & type) === 0) return;
    if (flags & 1 /* K */) this.publish(`__keyspace@${dbid}__:${key}`, event);
    if (flags & 2 /* E */) this.publish(`__keyevent@${dbid}__:${event}`, key);
  }

  /**
   * afterErrorReply() for the primary's link, a replica or the AOF loader:
   * the error goes nowhere, so it is logged as CRITICAL (with the latest
   * backlog bytes on a replica), counted in unexpected_error_replies, and
   * with propagation-error-behavior panic (or panic-on-replicas, for a
   * read-only replica) the server panics rather than diverge.
   */
  unexpectedErrorReply(c: Client, text: string): void {
    const aof = c.ext.isAofClient === true;
    const fromPrimary = (c.flags & CLIENT_MASTER) !== 0;
    const [from, to] = aof ? ['server', 'AOF-loading-client'] : fromPrimary ? ['replica', 'master'] : ['master', 'replica'];
    const cmdname = this.currentClient === c && c.cmd !== null ? c.cmd.fullname : '<unknown>';
    this.logger.warn(`== CRITICAL == This ${from} is sending an error to its ${to}: '${text.slice(0, 4096)}' after processing the command '${cmdname}'`);
    if (fromPrimary) {
      const latest = this.replicationChecks?.latestBacklog();
      if (latest) this.logger.warn(`Latest backlog is: '${repr(latest)}'`);
    }
    this.stats.unexpectedErrorReplies++;
    const behavior = this.config.str('propagation-error-behavior');
    const panicInReplica = fromPrimary && this.replicaReadOnly && (behavior === 'panic' || behavior === 'panic-on-replicas');
    if (panicInReplica || (aof && behavior === 'panic')) {
      const msg = `This ${from} panicked sending an error to its ${to} after processing the command '${cmdname}'`;
      bugReport(this, panicHead(msg, 'server/server.ts'), new Error(msg).stack);
      crashExit(this);
    }
  }

  /**
   * A background job takes its snapshot of the keyspace (`begin`), where
   * Redis forks: counted in INFO total_forks / latest_fork_usec, and the
   * 'fork' latency event.
   */
  forkSnapshot(begin: () => void): void {
    const start = performance.now();
    begin();
    const usec = Math.round((performance.now() - start) * 1000);
    this.stats.totalForks++;
    this.stats.latestForkUsec = usec;
    this.latencyAddSampleIfNeeded('fork', Math.floor(usec / 1000));
  }

  /** latencyAddSampleIfNeeded(): record `ms` for `event` when it reaches latency-monitor-threshold. */
  latencyAddSampleIfNeeded(event: string, ms: number): void {
    if (this.latencyThreshold > 0 && ms >= this.latencyThreshold) this.latency.addSample(event, ms);
  }

  /**
   * Send a write's effect to the AOF and replicas; `target` narrows it to
   * one of them (a script's redis.set_repl()).
   */
  propagate(dbid: number, argv: string[], target = PROPAGATE_ALL): void {
    if (this.propagateBuffer !== null) {
      this.propagateBuffer.push([dbid, argv, target]);
      return;
    }
    if (this.alsoPropagate !== null) {
      this.alsoPropagate.push([dbid, argv, target]);
      return;
    }
    const hooks = this.hooks.propagate;
    if (target === PROPAGATE_ALL) {
      for (let i = 0; i < hooks.length; i++) hooks[i](dbid, argv);
    } else {
      for (let i = 0; i < hooks.length; i++) if ((this.propagationKinds.get(hooks[i]) ?? PROPAGATE_ALL) & target) hooks[i](dbid, argv);
    }
  }

  /** What each propagation target is (PROPAGATE_AOF, PROPAGATE_REPL); others take everything. */
  private readonly propagationKinds = new Map<(dbid: number, argv: string[]) => void, number>();

  /**
   * Attach or detach a propagation target (the AOF while it is on, the
   * replication stream while a backlog exists). hooks.propagate holds the
   * active targets only, so with none call() collects and sends nothing.
   */
  setPropagationTarget(fn: (dbid: number, argv: string[]) => void, active: boolean, kind = PROPAGATE_ALL): void {
    this.propagationKinds.set(fn, kind);
    const hooks = this.hooks.propagate;
    const i = hooks.indexOf(fn);
    if (active && i === -1) hooks.push(fn);
    else if (!active && i !== -1) hooks.splice(i, 1);
  }

  /** The cached `requirepass` value ('' = no password). */
  get requirepassValue(): string {
    return this.requirePass;
  }

  // ---- networking ----------------------------------------------------------

  /** Bind every address of the `bind` directive on `port`. */
  async listen(): Promise<number> {
    let boundPort = 0;
    try {
      const unix = this.config.str('unixsocket');
      if (unix === '' && (this.config.raw('bind') as string[]).length === 0) {
        throw new Error('Configured to not listen anywhere, exiting.');
      }
      this.tls.configureAtStart();
      // With a unix socket or a tls-port, port 0 means no TCP listener (as in Redis).
      if ((unix === '' && this.config.num('tls-port') === 0) || this.config.num('port') !== 0) boundPort = await this.bindListeners();
      await this.tls.listen();
      if (unix !== '') await this.listenUnix(unix);
    } catch (e) {
      await this.close();
      throw e;
    }
    this.startCron();
    return boundPort;
  }

  /**
   * listenToPort(): bind every address of `bind` on `port` (0 picks a free
   * port). On failure the sockets bound by this call are closed and the
   * error is thrown; the server itself stays up.
   */
  async bindListeners(port = this.config.num('port')): Promise<number> {
    // `bind ""` listens on no TCP address (only the unix socket, if any).
    const addrs = this.config.raw('bind') as string[];
    let boundPort = port;
    const before = this.netServers.length;
    for (const raw of addrs) {
      const optional = raw.startsWith('-');
      const a = optional ? raw.slice(1) : raw;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      try {
        const srv = await this.listenOne(host, boundPort);
        const addr = srv.address();
        if (addr && typeof addr === 'object') boundPort = addr.port;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT' || err.code === 'EADDRINUSE' && host === '::')) continue;
        for (const s of this.netServers.splice(before)) s.close();
        throw new Error(`Could not create server TCP listening socket ${host}:${boundPort}: ${err.message}`);
      }
    }
    if (port !== 0 || boundPort !== 0) this.ports = [boundPort];
    return boundPort;
  }

  /** Listen on the `unixsocket` path (a stale socket file is removed first). */
  private listenUnix(p: string): Promise<void> {
    const file = fsPath(p);
    try {
      fs.unlinkSync(file);
    } catch {
      /* not there */
    }
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock));
      srv.maxConnections = Infinity;
      srv.once('error', (e) => reject(new Error(`Failed opening Unix socket: ${e.message}`)));
      srv.listen({ path: file, backlog: this.config.num('tcp-backlog') }, () => {
        srv.removeAllListeners('error');
        srv.on('error', (e) => this.logger.warn({ err: e }, 'listening socket error'));
        const perm = this.config.num('unixsocketperm');
        try {
          if (perm !== 0) fs.chmodSync(file, perm);
        } catch (e) {
          this.logger.warn(`Failed to set the permissions of the unix socket: ${(e as Error).message}`);
        }
        this.unixServer = srv;
        this.unixPath = file;
        resolve();
      });
    });
  }

  /** closeSocketListeners(): stop accepting connections (clients stay connected). */
  closeListeners(): void {
    const servers = this.netServers;
    this.netServers = [];
    this.ports = [];
    for (const s of servers) s.close();
  }

  private listenOne(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true, pauseOnConnect: false }, (sock) => this.accept(sock));
      srv.maxConnections = Infinity;
      const onErr = (e: Error): void => reject(e);
      srv.once('error', onErr);
      srv.listen({ host, port, ipv6Only: host.includes(':'), backlog: this.config.num('tcp-backlog') }, () => {
        srv.off('error', onErr);
        srv.on('error', (e) => this.logger.warn({ err: e }, 'listening socket error'));
        this.netServers.push(srv);
        resolve(srv);
      });
    });
  }

  /**
   * acceptCommonHandler(): admission, then the client. `tlsWrap` adds the
   * TLS layer to an admitted tls-port connection; one refused by maxclients
   * is dropped without a reply, as no handshake took place. The client,
   * or null when the connection was refused.
   */
  accept(sock: net.Socket, tlsWrap?: (raw: net.Socket) => net.Socket): Client | null {
    if (this.closed) {
      sock.destroy();
      return null;
    }
    if (this.clients.size >= this.config.num('maxclients')) {
      // Written, then closed (as Redis's connWrite() + connClose()).
      if (tlsWrap) sock.destroy();
      else sock.end('-ERR max number of clients reached\r\n', () => sock.destroy());
      this.stats.rejectedConn++;
      return null;
    }
    const keepalive = this.config.num('tcp-keepalive');
    if (keepalive > 0) sock.setKeepAlive(true, keepalive * 1000);
    if (tlsWrap) sock = tlsWrap(sock);
    if (this.config.bool('protected-mode') && this.acl.defaultUser.flags & USER_NOPASS && !isLoopback(sock.remoteAddress)) {
      sock.end(PROTECTED_MODE_ERR);
      this.stats.rejectedConn++;
      return null;
    }
    const c = this.createClient(sock);
    // The handle reads into SHARED_READ's buffer (readIntoBuffer()).
    const onRead = (n: number): void => this.onReusedBufferData(c, SHARED_READ, n);
    if (tlsWrap !== undefined || !readIntoBuffer(sock, SHARED_READ.buf, onRead)) sock.on('data', (chunk: Buffer) => this.onData(c, chunk));
    sock.on('error', () => {
      /* reset by peer etc.: 'close' follows */
    });
    sock.on('close', () => this.freeClient(c));
    sock.on('drain', () => {
      if (this.memory.trackClients) this.memory.clientUpdated(c);
      if (sock.isPaused() && !(c.flags & CLIENT_CLOSE_ASAP)) sock.resume();
    });
    return c;
  }

  /** A client object; socketless clients serve embedding and AOF loading. */
  createClient(sock: net.Socket | null): Client {
    const c = new Client(this, sock, this.nextClientId++);
    this.acl.setDefaultAuth(c);
    this.clients.set(c.id, c);
    this.stats.numConnections++;
    return c;
  }

  /** onData() of the first `n` bytes of a buffer reads reuse: the parser copies what it keeps. */
  private onReusedBufferData(c: Client, rb: ReusedReadBuffer, n: number): void {
    const chunk = rb.head(n);
    try {
      this.onData(c, chunk, rb.view);
    } finally {
      c.parser.releaseChunk(chunk);
    }
  }

  private onData(c: Client, chunk: Buffer, view?: DataView): void {
    c.netIn += chunk.length;
    this.stats.netInputBytes += chunk.length;
    this.stats.totalReadsProcessed++;
    // The clock read that times the commands also dates the interaction.
    const tick = performance.now();
    c.lastInteraction = this.wallClockBase + tick;
    if (c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) return;
    queryBufferRead(c, chunk.length);
    c.parser.feed(chunk, view);
    // Client buffers count in used_memory as they change while a limit
    // (maxmemory, maxmemory-clients) is set; otherwise the cron and INFO
    // refresh them.
    const limited = this.memory.trackClients;
    if (limited) this.memory.clientUpdated(c);
    // Replies are written once every socket ready in this turn of the event
    // loop was read (markPendingWrite() schedules that), as Redis writes in
    // beforeSleep(): the writes go out back to back.
    this.processInputBuffer(c, tick);
    queryBufferParsed(c);
    if (c.parser.bufferedBytes > this.queryBufLimit) {
      this.logger.warn(`Closing client that reached max query buffer length: id=${c.id} addr=${c.addr}`);
      this.stats.clientQbufLimitDisconnections++;
      this.closeClientAsap(c);
    }
    // Large replies go out now: held until the end of the turn, the replies
    // of many clients would all be alive at once (more garbage collection
    // work than the wakeups saved).
    if (c.pendingOutputBytes() >= EARLY_FLUSH_BYTES) this.flushClientNow(c);
    if (limited) this.memory.clientUpdated(c);
  }

  /** processInputBuffer(): run every complete command buffered for `c` (`tick`: performance.now() just read). */
  processInputBuffer(c: Client, tick = performance.now()): void {
    this.lastTick = tick;
    try {
      this.processInputBufferLoop(c);
    } finally {
      this.lastTick = -1;
    }
  }

  private processInputBufferLoop(c: Client): void {
    while ((c.flags & (CLIENT_BLOCKED | CLIENT_PAUSED | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) === 0) {
      const argv = c.parser.next();
      if (argv === null) {
        if (c.parser.emptyLines !== 0) {
          c.parser.emptyLines = 0;
          // processInlineBuffer(): a replica's newline refreshes its ACK time.
          if (c.flags & CLIENT_SLAVE) for (const h of this.hooks.replicaNewline) h(c);
        }
        if (c.parser.error !== null) {
          c.addReplyError(c.parser.error);
          c.flags |= CLIENT_CLOSE_AFTER_REPLY | CLIENT_PROTOCOL_ERROR;
          this.logger.debug(`Protocol error (${c.parser.error}) from client: id=${c.id} addr=${c.addr}`);
          c.parser.clear();
        }
        break;
      }
      if (c.flags & CLIENT_SLAVE && (c.flags & CLIENT_MONITOR) === 0) this.processReplicaCommand(c, argv);
      else this.processCommand(c, argv);
    }
  }

  /**
   * A command sent on a replica's link: the replica gets the replication
   * stream there, never replies. One whose command generates a reply (a
   * rogue replica) is disconnected without it, as _addReplyToBufferOrList()
   * and addReplyDeferredLen() do.
   */
  private processReplicaCommand(c: Client, argv: string[]): void {
    const out = c.pendingOutputBytes();
    this.processCommand(c, argv);
    if (c.pendingOutputBytes() - out <= 0 || c.flags & CLIENT_CLOSE_ASAP) return;
    const name = c.lastCmd !== null ? c.lastCmd.fullname : '<unknown>';
    this.logger.warn(`Replica generated a reply to command '${name}', disconnecting it: ${clientInfoString(c)}`);
    this.closeClientAsap(c);
  }

  /**
   * Queue `c` for the flush that follows this turn of the event loop's
   * reads (a setImmediate(), so every socket found readable in the turn is
   * read first and the replies are written back to back: a write to a peer
   * that is already awake costs the kernel far less than waking it).
   */
  markPendingWrite(c: Client): void {
    this.pendingWrites.push(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /**
   * Run before pending replies are written; one returning true holds them
   * (the AOF with appendfsync always) and calls flushPendingWrites() later.
   */
  readonly beforeReplies: (() => boolean)[] = [];

  private flushScheduled = false;
  private flushSoon = (): void => {
    this.flushScheduled = false;
    this.flushPendingWrites();
  };

  /**
   * Write `c`'s replies before the end of the turn, unless a barrier holds
   * replies (the AOF with appendfsync always). The turn's flush still visits
   * it for the checks that follow a write.
   */
  private flushClientNow(c: Client): void {
    const barriers = this.beforeReplies;
    for (let i = 0; i < barriers.length; i++) if (barriers[i]()) return;
    c.flush();
  }

  /** handleClientsWithPendingWrites(): one socket write per client. */
  flushPendingWrites(): void {
    const list = this.pendingWrites;
    if (list.length === 0) return;
    // beforeSleep(): the AOF is written (or held for its fsync) before replies.
    const barriers = this.beforeReplies;
    for (let i = 0; i < barriers.length; i++) if (barriers[i]()) return;
    this.pendingWrites = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      c.flush();
      if (this.memory.trackClients) this.memory.clientUpdated(c);
      const sock = c.socket;
      if (sock === null) continue;
      if (c.flags & CLIENT_CLOSE_AFTER_REPLY) {
        // Close the socket once the reply is out, as freeClient() does: a
        // peer that keeps writing after our FIN must not be read forever.
        if (!sock.writableEnded) sock.end(() => sock.destroy());
        // Freed now, as writeToClient() frees it once its reply is written:
        // a tracking redirection to it breaks before the next command runs.
        this.freeClient(c);
      } else if (sock.writableLength > 0 || c.directPending > 0) {
        // The client is not reading as fast as it is answered: output
        // buffer limits, then no more reading past a backstop.
        checkOutputAfterWrite(c);
      }
    }
    const after = this.afterWrites;
    for (let i = 0; i < after.length; i++) after[i]();
  }

  /** Run once a turn's replies are written (the rest of beforeSleep()). */
  readonly afterWrites: (() => void)[] = [];

  /**
   * The BUSY error while a script runs past busy-reply-threshold
   * (isInsideYieldingLongCommand()), otherwise null.
   */
  busyReply: string | null = null;

  /**
   * processEventsWhileBlocked(): serve other clients from inside a long
   * script. The event loop cannot be re-entered from synchronous code, so
   * the sockets are read directly (non-blocking reads on their descriptors;
   * libuv polls level-triggered and finds nothing left) and the replies,
   * with those pending from before the script, are written at once (unless
   * the AOF's fsync barrier holds them). The client running the script is left alone
   * (protectClient()), as are a primary's link, blocked clients and TLS
   * connections, whose bytes only the TLS layer can read: those are served
   * when the script ends. New connections wait for the event loop.
   */
  processEventsWhileBlocked(protectedClient: Client | null): void {
    const errorsBefore = this.stats.totalErrorReplies;
    const tick = this.lastTick;
    // Replies of this turn's earlier commands first: their clients wait for them.
    this.flushPendingWrites();
    const clients = [...this.clients.values()];
    for (let i = 0; i < clients.length; i++) {
      const c = clients[i];
      if (c === protectedClient || c.flags & (CLIENT_MASTER | CLIENT_BLOCKED | CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) continue;
      const fd = plainSocketFd(c.socket);
      if (fd < 0) continue;
      let n: number;
      try {
        n = fs.readSync(fd, BUSY_READ.buf, 0, BUSY_READ.buf.length, null);
      } catch {
        continue; // EAGAIN: nothing to read; other errors surface in the event loop
      }
      if (n === 0) continue; // EOF: the event loop sees it too
      this.onReusedBufferData(c, BUSY_READ, n);
    }
    this.flushPendingWrites();
    this.lastTick = tick;
    // Replies refused here are not errors of the command that runs the script.
    this.prevErrCount += this.stats.totalErrorReplies - errorsBefore;
  }

  /** Close a client as soon as possible, without sending pending output. */
  closeClientAsap(c: Client): void {
    c.flags |= CLIENT_CLOSE_ASAP;
    c.refreshReplyMode();
    c.discardOutput();
    if (c.socket) c.socket.destroy();
    else this.freeClient(c);
  }

  /** freeClient(): drop every trace of the client. */
  freeClient(c: Client): void {
    if (!this.clients.has(c.id)) return;
    this.clients.delete(c.id);
    this.monitors.delete(c);
    const hooks = this.hooks.clientFreed;
    for (let i = 0; i < hooks.length; i++) hooks[i](c);
  }

  // ---- dispatch ------------------------------------------------------------

  /** processCommand() of server.c: checks in Redis's order, then call(). */
  processCommand(c: Client, argv: string[]): void {
    c.argv = argv;
    const prev = this.processingClient;
    this.processingClient = c;
    try {
      this.processCommandChecked(c, argv);
    } finally {
      this.processingClient = prev;
    }
    // A command held by CLIENT PAUSE is finished when it runs.
    // A blocked command is finished when it is unblocked.
    if ((c.flags & (CLIENT_PAUSED | CLIENT_BLOCKED)) === 0) this.commandProcessed(c);
  }

  /**
   * After each command: a CLIENT REPLY SKIP silences exactly the next one
   * (resetClient() in networking.c).
   */
  commandProcessed(c: Client): void {
    // freeClientArgv(): the arguments are not kept past their command.
    // Held until the next one, large values would survive a young
    // collection and be promoted, costing a full one later.
    c.argv = NO_ARGV;
    if (this.tracking !== null) this.tracking.commandProcessed(c);
    // The primary's stream advances past each command it applied.
    if (c.flags & CLIENT_MASTER && this.replicationChecks !== null) this.replicationChecks.primaryCommandProcessed(c);
    const f = c.flags;
    if ((f & (CLIENT_REPLY_SKIP | CLIENT_REPLY_SKIP_NEXT)) === 0) return;
    c.flags &= ~CLIENT_REPLY_SKIP;
    if (f & CLIENT_REPLY_SKIP_NEXT) c.flags = (c.flags | CLIENT_REPLY_SKIP) & ~CLIENT_REPLY_SKIP_NEXT;
    c.refreshReplyMode();
  }

  private processCommandChecked(c: Client, argv: string[]): void {
    // An HTTP request sent to the server (cross protocol scripting): closed
    // without a reply, as securityWarningCommand() does.
    // Only names starting with "ho" or "po" (any case) can be one of them.
    const name = argv[0];
    const c0 = name.charCodeAt(0) | 0x20;
    if ((c0 === 0x68 || c0 === 0x70) && (name.charCodeAt(1) | 0x20) === 0x6f) {
      const first = cTrunc(name, 6).toLowerCase();
      if (first === 'host:' || first === 'post') {
        this.securityWarning(c);
        return;
      }
    }
    const cmd = this.commands.lookup(argv);
    c.lastCmd = cmd ?? null;
    if (cmd === undefined) {
      this.rejectCommand(c, null, unknownCommandError(this.commands, argv));
      return;
    }
    if ((cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity) {
      this.rejectCommand(c, cmd, `wrong number of arguments for '${cmd.fullname}' command`);
      return;
    }
    if (cmd.flags & CMD_PROTECTED && !this.allowProtectedAction(c, cmd)) {
      const family = (cmd.parent ?? cmd).name;
      this.rejectCommand(
        c,
        cmd,
        `${family.toUpperCase()} command not allowed. If the enable-${family}-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`,
      );
      return;
    }
    if (!c.authenticated && (cmd.flags & CMD_NO_AUTH) === 0 && this.acl.defaultAuthRequired()) {
      this.rejectCommand(c, cmd, '-NOAUTH Authentication required.');
      return;
    }
    if (c.flags & CLIENT_MULTI && cmd.flags & CMD_NO_MULTI) {
      this.rejectCommand(c, cmd, 'Command not allowed inside a transaction');
      return;
    }
    if (!c.user.unrestricted) {
      const denied = this.acl.denied(c, cmd, argv);
      if (denied !== null) {
        this.rejectCommand(c, cmd, denied);
        return;
      }
    }
    // getCommandFlags(): EVAL and FCALL take write/denyoom/stale from the script.
    const flags = cmd.getFlags === undefined ? cmd.flags : cmd.getFlags(cmd.flags, argv, this);
    // maxmemory: evict, or refuse commands that may grow memory (OOM).
    if (this.memory.maxmemory !== 0 && this.memory.rejectOnOom(c, cmd, this.queuedCommandFlags !== null ? this.queuedCommandFlags(c) : 0, flags)) {
      this.rejectCommand(c, cmd, OOM_ERROR);
      return;
    }
    // Writes (and PING) are refused while persisting fails, except from the primary or the AOF.
    if (
      (flags & CMD_WRITE || cmd.name === 'ping' || (cmd.name === 'exec' && this.execIsWrite(c))) &&
      (c.flags & CLIENT_MASTER) === 0 &&
      c.ext.isAof !== true
    ) {
      const hooks = this.hooks.diskError;
      for (let i = 0; i < hooks.length; i++) {
        const err = hooks[i]();
        if (err !== null) {
          this.rejectCommand(c, cmd, err);
          return;
        }
      }
    }
    // NOREPLICAS (min-replicas-to-write) and READONLY (read-only replica).
    // Only a replica, or a primary with min-replicas-to-write, has anything to check.
    const repl = this.masterHost !== null || this.minReplicasCheck ? this.replicationChecks : null;
    if (repl !== null) {
      const err = repl.beforePubsub(c, cmd, (flags & CMD_WRITE) !== 0 || (cmd.name === 'exec' && this.execIsWrite(c)));
      if (err !== null) {
        this.rejectCommand(c, cmd, err);
        return;
      }
    }
    if (c.flags & CLIENT_PUBSUB && c.resp === 2 && !PUBSUB_ALLOWED.has(cmd.fullname)) {
      this.rejectCommand(
        c,
        cmd,
        `Can't execute '${cmd.fullname}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
      return;
    }
    // MASTERDOWN: a replica without its primary and replica-serve-stale-data no.
    if (repl !== null) {
      const err = repl.afterPubsub(c, cmd, flags);
      if (err !== null) {
        this.rejectCommand(c, cmd, err);
        return;
      }
    }
    // A dataset being loaded: only commands flagged `loading` (and an EXEC of nothing else);
    // while it loads aside, all but those flagged `no_async_loading`.
    if (this.loading && this.loadingDenies(c, cmd, flags)) {
      this.rejectCommand(c, cmd, LOADING_ERR);
      return;
    }
    // A script past busy-reply-threshold: only the commands that can end it
    // (SCRIPT KILL, SHUTDOWN NOSAVE) or leave transactions consistent run.
    if (this.busyReply !== null && (cmd.flags & CMD_ALLOW_BUSY) === 0) {
      this.rejectCommand(c, cmd, this.busyReply);
      return;
    }
    const mayReplicate = (flags & (CMD_WRITE | CMD_MAY_REPLICATE)) !== 0 || (cmd.name === 'exec' && this.execMayReplicate(c));
    if (c.flags & (CLIENT_SLAVE | CLIENT_MONITOR) && (mayReplicate || cmd.flags & CMD_READONLY)) {
      this.rejectCommand(c, cmd, "Replica can't interact with the keyspace");
      return;
    }
    if (this.pauseType !== null && (c.flags & CLIENT_SLAVE) === 0 && !c.ext.unpausable) {
      if (this.clock.now() >= this.pauseEnd) this.updatePause();
      if (this.pauseType === 'all' || (this.pauseType === 'write' && mayReplicate)) {
        this.postpone(c, argv);
        return;
      }
    }
    if (this.tracking !== null) this.tracking.beforeCommand(c);
    if (c.flags & CLIENT_MULTI && !MULTI_IMMEDIATE.has(cmd.name) && this.queueMulti) {
      this.queueMulti(c, cmd, argv, flags);
      return;
    }
    this.call(c, cmd, argv);
    // Serve clients blocked on keys this command (MULTI/EXEC, script) made ready;
    // not from inside a busy script, whose writes are not over yet.
    if (this.blocking.hasReadyKeys() && this.busyReply === null) this.blocking.handleClientsBlockedOnKeys();
    c.lastCmd = cmd;
    c.commandsProcessed++;
  }

  /** Client side caching (tracking.ts), installed by the first CLIENT TRACKING ON. */
  tracking: Tracking | null = null;
  /** Set by the replication module: its processCommand() checks and the primary's offset tracking. */
  replicationChecks: ReplicationChecks | null = null;
  /** server.shutdown_mstime: when a shutdown waiting for replicas stops waiting (0: none is; commands/shutdown.ts). */
  shutdownMstime = 0;
  /** Time (s) of the last "Possible SECURITY ATTACK" log line: one a minute at most. */
  private securityWarningLogged = 0;

  /** securityWarningCommand(). */
  private securityWarning(c: Client): void {
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(now - this.securityWarningLogged) > 60) {
      this.logger.warn(
        'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.',
      );
      this.securityWarningLogged = now;
    }
    this.closeClientAsap(c);
  }

  /** Set by the transactions module: queue a command inside MULTI. */
  queueMulti: ((c: Client, cmd: Command, argv: string[], flags: number) => void) | null = null;
  /** Set by the transactions module: an error makes the next EXEC abort. */
  flagTransaction: ((c: Client) => void) | null = null;
  /** Set by the transactions module: OR of the flags of the commands `c` queued. */
  queuedCommandFlags: ((c: Client) => number) | null = null;
  /** Set by the transactions module: OR of the inverted flags of the commands `c` queued. */
  queuedCommandInvFlags: ((c: Client) => number) | null = null;

  /** is_denyloading_command / is_deny_async_loading_command of processCommand(). */
  private loadingDenies(c: Client, cmd: Command, flags: number): boolean {
    const exec = cmd.name === 'exec';
    if (this.asyncLoading) {
      return (flags & CMD_NO_ASYNC_LOADING) !== 0 || (exec && this.queuedCommandFlags !== null && (this.queuedCommandFlags(c) & CMD_NO_ASYNC_LOADING) !== 0);
    }
    return (flags & CMD_LOADING) === 0 || (exec && this.queuedCommandInvFlags !== null && (this.queuedCommandInvFlags(c) & CMD_LOADING) !== 0);
  }

  private execIsWrite(c: Client): boolean {
    return this.queuedCommandFlags !== null && (this.queuedCommandFlags(c) & CMD_WRITE) !== 0;
  }

  private execMayReplicate(c: Client): boolean {
    return this.queuedCommandFlags !== null && (this.queuedCommandFlags(c) & (CMD_WRITE | CMD_MAY_REPLICATE)) !== 0;
  }

  /** allowProtectedAction(): `enable-<name>-command` (DEBUG, MODULE's subcommands) is yes, or local and the client is local. */
  private allowProtectedAction(c: Client, cmd: Command): boolean {
    const option = `enable-${(cmd.parent ?? cmd).name}-command`;
    const mode = this.config.def(option) ? this.config.str(option) : 'no';
    if (mode === 'yes') return true;
    if (mode !== 'local') return false;
    const sock = c.socket;
    return sock === null || sock.remoteAddress === undefined || isLoopback(sock.remoteAddress);
  }

  /** rejectCommand(): error reply before execution. */
  rejectCommand(c: Client, cmd: Command | null, err: string): void {
    if (cmd !== null) cmd.stats.rejectedCalls++;
    if (c.flags & CLIENT_MULTI && this.flagTransaction) this.flagTransaction(c);
    if (cmd !== null && cmd.name === 'exec' && this.execCommandAbort) this.execCommandAbort(c, err);
    else c.addReplyError(err);
  }

  /** Set by the transactions module: a rejected EXEC discards the transaction (EXECABORT). */
  execCommandAbort: ((c: Client, err: string) => void) | null = null;
  /**
   * While EXEC runs: propagated writes collected for one MULTI/EXEC block
   * (server.also_propagate); null otherwise.
   */
  propagateBuffer: PropagatedOp[] | null = null;
  /** Error replies counted when the last call() started or ended (prev_err_count). */
  private prevErrCount = 0;

  /**
   * incrCommandStatsOnError()'s resync: errors counted so far (a command a
   * script ran and that was refused) are not failures of the running command.
   */
  syncErrorCount(): void {
    this.prevErrCount = this.stats.totalErrorReplies;
  }

  /**
   * call(): run the handler, time it, update stats, slowlog, latency and
   * monitors. Errors thrown as RedisError become error replies; anything
   * else is a bug that is logged and answered with ERR.
   */
  call(c: Client, cmd: Command, argv: string[]): void {
    const prevClient = this.currentClient;
    this.currentClient = c;
    c.cmd = cmd;
    this.prevErrCount = this.stats.totalErrorReplies;
    const dirtyBefore = this.dirty;
    // Within a batch the previous command's end time is this one's start:
    // one clock read per command instead of two.
    const start = this.lastTick >= 0 ? this.lastTick : performance.now();
    // Nested calls (EXEC) keep the time of the outermost command.
    if (prevClient === null) this.cmdTime = -1;
    // The outermost call collects every effect (server.also_propagate).
    const top = prevClient === null && this.alsoPropagate === null && this.propagateBuffer === null && this.hooks.propagate.length > 0;
    if (top) this.alsoPropagate = this.propagateScratch;
    try {
      cmd.handler!(c, argv);
    } catch (e) {
      if (e instanceof RedisError) {
        c.addReplyError(e.message);
      } else {
        this.logger.error({ err: e, command: cmd.fullname }, 'internal error while executing a command');
        c.addReplyError(`internal error while executing '${cmd.fullname}'`);
      }
    }
    if (cmd.flags & CMD_READONLY && this.tracking !== null && !cmd.scriptRo) {
      // A script that runs any read command makes the client that ran it
      // track the script's declared keys (not the keys of the inner command).
      const caller = c.ext.scriptCaller as Client | undefined;
      if (caller === undefined) {
        if (c.flags & CLIENT_TRACKING) this.tracking.rememberKeys(c, cmd, argv);
      } else if (caller.flags & CLIENT_TRACKING) {
        this.tracking.rememberKeyList(caller, c.ext.scriptKeys as string[]);
      }
    }
    const end = performance.now();
    if (this.lastTick >= 0) this.lastTick = end;
    const usec = Math.round((end - start) * 1000);
    const stats = cmd.stats;
    stats.calls++;
    stats.usec += usec;
    // Errors of nested calls (EXEC's commands) count for those commands only.
    if (this.stats.totalErrorReplies !== this.prevErrCount) stats.failedCalls++;
    this.prevErrCount = this.stats.totalErrorReplies;
    this.stats.numCommands++;
    // A blocked command's latency and slowlog entry are recorded when it is unblocked.
    const blocked = (c.flags & CLIENT_BLOCKED) !== 0;
    if (this.latencyTracking && !blocked) this.latency.recordCommand(cmd, usec);
    // Arguments redacted by the command (AUTH passwords) for slowlog/MONITOR.
    let shownArgv = argv;
    if (c.ext.originalArgv !== undefined) {
      shownArgv = c.ext.originalArgv as string[];
      c.ext.originalArgv = undefined;
    }
    if ((cmd.flags & CMD_SKIP_SLOWLOG) === 0 && !blocked && this.slowlogThreshold >= 0 && usec >= this.slowlogThreshold) {
      this.slowlog.push(c, shownArgv, usec, this.clock.now());
    }
    this.latencyAddSampleIfNeeded(cmd.flags & CMD_FAST ? 'fast-command' : 'command', Math.floor(usec / 1000));
    if (this.monitors.size > 0 && (cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN)) === 0) this.feedMonitors(c, shownArgv);
    // c.ext.forcePropagation: forceCommandPropagation() (FLUSHALL on empty dbs).
    // forceCommandPropagation() applies to any command (PUBLISH is not a write).
    // c.propagateTarget: where a script's redis.set_repl() sends its commands.
    const target = c.propagateTarget;
    if (((this.dirty !== dirtyBefore && cmd.flags & CMD_WRITE) || c.ext.forcePropagation === true) && this.hooks.propagate.length > 0 && target !== 0) {
      const many = c.ext.propagateMany as string[][] | undefined;
      if (many !== undefined) {
        // Several effects of one command go out as one transaction (SPOP count).
        // Inside EXEC they join the transaction's own block.
        const wrap = many.length > 1 && this.propagateBuffer === null && this.alsoPropagate === null;
        if (wrap) this.propagate(c.db.id, ['MULTI']);
        for (const a of many) this.propagate(c.db.id, a, target);
        if (wrap) this.propagate(c.db.id, ['EXEC']);
      } else {
        this.propagate(c.db.id, (c.ext.propagateArgv as string[] | undefined) ?? argv, target);
      }
    }
    if (c.ext.propagateMany !== undefined) c.ext.propagateMany = undefined;
    if (c.ext.propagateArgv !== undefined) c.ext.propagateArgv = undefined;
    if (c.ext.forcePropagation !== undefined) c.ext.forcePropagation = undefined;
    if (top) this.propagatePending(cmd);
    // afterCommand(): invalidations for the client's own keys follow its reply.
    if (prevClient === null && this.tracking !== null) this.tracking.handlePending();
    this.currentClient = prevClient;
    if (prevClient === null) this.cmdTime = -1;
  }

  /**
   * Effects collected while the outermost command ran (server.also_propagate);
   * null outside call().
   */
  alsoPropagate: PropagatedOp[] | null = null;
  /** The empty array alsoPropagate starts from (replaced once used: reads allocate nothing). */
  private propagateScratch: PropagatedOp[] = [];

  /**
   * propagatePendingCommands(): several effects of one command (a key that
   * expired on access, then the write) go out as one MULTI/EXEC, except for
   * commands that may expire arbitrary keys (SCAN, RANDOMKEY).
   */
  private propagatePending(cmd: Command): void {
    const ops = this.alsoPropagate!;
    this.alsoPropagate = null;
    if (ops.length === 0) return;
    this.propagateScratch = [];
    const wrap = ops.length > 1 && cmd.name !== 'scan' && cmd.name !== 'randomkey';
    if (wrap) this.propagate(ops[0][0], ['MULTI']);
    for (let i = 0; i < ops.length; i++) this.propagate(ops[i][0], ops[i][1], ops[i][2]);
    if (wrap) this.propagate(ops[ops.length - 1][0], ['EXEC']);
  }

  /**
   * updateStatsOnUnblock(): a blocked command completed (served, or
   * unblocked by CLIENT UNBLOCK) after `usec` more microseconds.
   */
  commandUnblocked(c: Client, cmd: Command, argv: string[], usec: number, hadErrors: boolean): void {
    cmd.stats.usec += usec;
    if (hadErrors) cmd.stats.failedCalls++;
    if (this.latencyTracking) this.latency.recordCommand(cmd, usec);
    if ((cmd.flags & CMD_SKIP_SLOWLOG) === 0 && this.slowlogThreshold >= 0 && usec >= this.slowlogThreshold) {
      this.slowlog.push(c, argv, usec, this.clock.now());
    }
    this.latencyAddSampleIfNeeded('command-unblocking', Math.floor(usec / 1000));
  }

  /** replicationFeedMonitors(). */
  feedMonitors(c: Client, argv: string[]): void {
    if (this.loading) return;
    const t = this.clock === systemClock ? performance.timeOrigin + performance.now() : this.clock.now();
    const sec = Math.floor(t / 1000);
    const usec = Math.min(999999, Math.floor((t - sec * 1000) * 1000));
    let origin: string;
    if (c.socket === null) origin = c.ext.isLua ? 'lua' : 'unix:';
    else origin = c.addr;
    let line = `+${sec}.${String(usec).padStart(6, '0')} [${c.db.id} ${origin}]`;
    for (const a of argv) line += ' ' + repr(a);
    line += '\r\n';
    for (const m of this.monitors) m.addReplyProto(line);
  }

  // ---- cron ----------------------------------------------------------------

  private startCron(): void {
    if (this.cronTimer) return;
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronHz = hz;
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
  }

  /** DEBUG PAUSE-CRON: the cron does nothing while set. */
  cronPaused = false;

  /** serverCron(). */
  cron(): void {
    if (this.cronPaused) return;
    this.cronLoops++;
    const wall = Date.now();
    this.cachedLruClock = Math.floor(wall / 1000) & 0xffffff;
    this.wallClockBase = wall - performance.now();
    // While a dataset loads serverCron() does not run: only whileBlockedCron().
    if (this.loading) {
      for (const fn of this.hooks.loadingCron) fn();
      this.flushPendingWrites();
      return;
    }
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    // While clients are paused the dataset stays as it is: no active expiry
    // either (checkClientPauseTimeoutAndReturnIfPaused() in activeExpireCycle()).
    if (this.activeExpireEnabled && !this.isReplica() && !this.writesPaused()) this.activeExpireCycle(hz);
    // tryResizeHashTables(): shrink tables emptied by deletions.
    for (const db of this.dbs) {
      db.dict.resizeIfNeeded();
      db.expires.resizeIfNeeded();
    }
    if (this.config.bool('activerehashing')) {
      for (const db of this.dbs) {
        db.dict.rehashMilliseconds(1);
        db.expires.rehashMilliseconds(1);
      }
    }
    this.clientsCron();
    this.sampleOps();
    if (this.pauseType !== null && this.clock.now() >= this.pauseEnd) this.updatePause();
    for (const fn of this.hooks.cron) fn();
    this.flushPendingWrites();
  }

  /**
   * activeExpireCycle() (slow cycle): sample keys with a TTL in each db,
   * repeating while more than the acceptable share was stale, within a time
   * budget of ~25% of the cron period so the event loop is never held long.
   */
  activeExpireCycle(hz: number): void {
    const effort = this.config.num('active-expire-effort') - 1;
    const keysPerLoop = 20 + 5 * effort;
    const acceptableStale = 10 - effort;
    const budgetMs = ((25 + 2 * effort) * 10) / hz;
    const start = performance.now();
    let totalSampled = 0;
    let totalExpired = 0;
    for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      for (;;) {
        const [sampled, expired] = db.activeExpireStep(keysPerLoop);
        totalSampled += sampled;
        totalExpired += expired;
        if (sampled === 0 || (expired * 100) / sampled <= acceptableStale) break;
        if (performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReachedCount++;
          this.expireCycleDone(start);
          return;
        }
      }
    }
    const stale = totalSampled > 0 ? totalExpired / totalSampled : 0;
    this.stats.expiredStalePerc = stale * 0.05 + this.stats.expiredStalePerc * 0.95;
    this.expireCycleDone(start);
  }

  /** The end of activeExpireCycle(): its time in INFO and, past the threshold, as an expire-cycle latency event. */
  private expireCycleDone(start: number): void {
    const usec = Math.round((performance.now() - start) * 1000);
    this.stats.expireCycleTimeUsed += usec;
    this.latencyAddSampleIfNeeded('expire-cycle', Math.floor(usec / 1000));
  }

  /** Where the cron's walk over the clients is (clientsCron() rotates server.clients). */
  private cronClients: Iterator<Client> | null = null;

  /**
   * clientsCron(): numclients/hz clients per call (at least 5), so each is
   * visited about once a second, and every call when there are few.
   */
  private clientsCronVisit(): void {
    const numclients = this.clients.size;
    let iterations = Math.floor(numclients / (this.cronHz || 10));
    if (iterations < 5) iterations = Math.min(numclients, 5);
    const now = Date.now();
    while (iterations-- > 0) {
      let next = this.cronClients?.next();
      if (next === undefined || next.done === true) {
        this.cronClients = this.clients.values();
        next = this.cronClients.next();
        if (next.done === true) return;
      }
      const c = next.value;
      const qbAlloc = c.qb.alloc;
      resizeQueryBuffer(c, now);
      const resized = this.replyBuffers.resize(c, now, c.pendingOutputBytes());
      if ((resized || c.qb.alloc !== qbAlloc) && this.memory.trackClients) this.memory.clientUpdated(c);
    }
  }

  private clientsCron(): void {
    this.clientsCronVisit();
    const timeout = this.config.num('timeout');
    if (timeout <= 0) return;
    const now = Date.now();
    for (const c of this.clients.values()) {
      // Monitors (replica-like), held and blocked clients never time out.
      if (c.flags & (CLIENT_BLOCKED | CLIENT_PAUSED | CLIENT_MONITOR | CLIENT_PUBSUB) || c.ext.isReplica || c.ext.isPrimary) continue;
      if (c.socket !== null && now - c.lastInteraction > timeout * 1000) {
        this.logger.debug(`Closing idle client id=${c.id}`);
        this.closeClientAsap(c);
      }
    }
  }

  private sampleOps(): void {
    const now = Date.now();
    const dt = now - this.lastSampleTime;
    if (dt < 100) return;
    const ops = ((this.stats.numCommands - this.lastSampleCommands) * 1000) / dt;
    this.opsSamples.push(ops);
    if (this.opsSamples.length > 16) this.opsSamples.shift();
    this.lastSampleCommands = this.stats.numCommands;
    this.lastSampleTime = now;
  }

  get instantaneousOps(): number {
    if (this.opsSamples.length === 0) return 0;
    return Math.round(this.opsSamples.reduce((a, b) => a + b, 0) / this.opsSamples.length);
  }

  /** Clients whose command is held by CLIENT PAUSE, in arrival order. */
  private postponed: Client[] = [];
  private pauseTimer: NodeJS.Timeout | null = null;
  /** server.client_pause_per_purpose[]: the pause each purpose holds. */
  private readonly pauses: ({ type: 'all' | 'write'; end: number } | null)[] = [null, null, null];

  /**
   * pauseClients(): hold all commands, or those that may write, until `end`
   * (ms) for `purpose`. A purpose's consecutive pauses keep the most
   * restrictive type and the latest end; the pause in force is the most
   * restrictive type among the purposes, until the latest end of that type
   * (updateClientPauseTypeAndEndTime()).
   */
  pauseClients(purpose: PausePurpose, type: 'all' | 'write', end: number): void {
    const p = this.pauses[purpose];
    if (p === null) this.pauses[purpose] = { type, end };
    else {
      if (type === 'all') p.type = 'all';
      if (end > p.end) p.end = end;
    }
    this.updatePause();
  }

  /** unpauseClients(): end `purpose`'s pause (the others stay in force). */
  unpauseClients(purpose: PausePurpose): void {
    if (this.pauses[purpose] === null) return;
    this.pauses[purpose] = null;
    this.updatePause();
  }

  /**
   * updateClientPauseTypeAndEndTime(): drop the pauses whose end has come
   * and recompute the one in force. When it became less restrictive, the
   * postponed clients run again (and are held again if still paused).
   */
  private updatePause(): void {
    const old = this.pauseType;
    const now = this.clock.now();
    let type: 'all' | 'write' | null = null;
    for (let i = 0; i < this.pauses.length; i++) {
      const p = this.pauses[i];
      if (p === null) continue;
      if (now >= p.end) this.pauses[i] = null;
      else if (type !== 'all') type = p.type;
    }
    let end = 0;
    for (const p of this.pauses) if (p !== null && p.type === type && p.end > end) end = p.end;
    this.pauseType = type;
    this.pauseEnd = end;
    if (this.pauseTimer) {
      clearTimeout(this.pauseTimer);
      this.pauseTimer = null;
    }
    if (type !== null) {
      // The earliest end among the purposes can lift a pause of the same or a stricter type.
      let next = end;
      for (const p of this.pauses) if (p !== null && p.end < next) next = p.end;
      this.pauseTimer = setTimeout(() => {
        this.pauseTimer = null;
        this.updatePause();
      }, Math.min(Math.max(1, next - now), MAX_TIMER_MS));
      this.pauseTimer.unref();
    }
    const rank = (t: 'all' | 'write' | null): number => (t === 'all' ? 2 : t === 'write' ? 1 : 0);
    if (rank(type) < rank(old) && this.postponed.length > 0) setImmediate(() => this.resumePostponed());
  }

  /** blockClient(BLOCKED_POSTPONE): keep argv until the pause ends. */
  private postpone(c: Client, argv: string[]): void {
    c.flags |= CLIENT_PAUSED;
    c.ext.postponedArgv = argv;
    this.postponed.push(c);
  }

  /** unblockPostponedClients() + processUnblockedClients(), in arrival order. */
  private resumePostponed(): void {
    const list = this.postponed;
    this.postponed = [];
    for (const c of list) {
      if (!this.clients.has(c.id) || (c.flags & CLIENT_PAUSED) === 0) continue;
      c.flags &= ~CLIENT_PAUSED;
      const argv = c.ext.postponedArgv as string[];
      c.ext.postponedArgv = undefined;
      this.processCommand(c, argv);
      if ((c.flags & CLIENT_PAUSED) === 0) this.processInputBuffer(c);
    }
    this.flushPendingWrites();
  }



  // ---- lifecycle -----------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.hooks.closing) fn();
    this.memory.stop();
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    this.tls.closeListeners();
    const servers = this.netServers;
    this.netServers = [];
    if (this.unixServer !== null) {
      servers.push(this.unixServer);
      this.unixServer = null;
      try {
        fs.unlinkSync(this.unixPath!);
      } catch {
        /* already removed */
      }
    }
    for (const c of [...this.clients.values()]) {
      if (c.socket) c.socket.destroy();
      this.freeClient(c);
    }
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  isClosed(): boolean {
    return this.closed;
  }

  /** resetServerStats() + command and error statistics (CONFIG RESETSTAT). */
  resetServerStats(): void {
    this.stats.reset();
    this.replyBuffers.resetStats();
    this.opsSamples = [];
    this.lastSampleCommands = 0;
    this.lastSampleTime = Date.now();
    for (const cmd of this.commands.walk()) {
      cmd.stats.calls = 0;
      cmd.stats.usec = 0;
      cmd.stats.rejectedCalls = 0;
      cmd.stats.failedCalls = 0;
    }
    this.latency.histograms.clear();
    this.memory.resetStats();
  }


}

/** Commands run immediately even inside MULTI. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** Commands allowed in RESP2 subscribed mode. */
const PUBSUB_ALLOWED = new Set([
  'ping',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
]);

/** commandCheckExistence()'s error text. */
export function unknownCommandError(table: CommandTable, argv: string[]): string {
  if (argv.length >= 2 && table.isContainer(argv[0])) {
    return `unknown subcommand '${cTrunc(argv[1], 128)}'. Try ${argv[0].toUpperCase()} HELP.`;
  }
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cTrunc(argv[i], 128 - args.length)}' `;
  }
  return `unknown command '${cTrunc(argv[0], 128)}', with args beginning with: ${args}`;
}

/** printf("%.*s"): at most n chars, stopping at a NUL byte. */
function cTrunc(s: string, n: number): string {
  const nul = s.indexOf('\0');
  const t = nul === -1 ? s : s.slice(0, nul);
  return t.length > n ? t.slice(0, n) : t;
}

/**
 * A buffer reads reuse, with what parsing it needs made once: a DataView
 * of it (the parser compares four bytes at a time) and, for reads of up to
 * VIEWS_MAX bytes, a Buffer view of its first n bytes per length n (a
 * subarray() per read costs more than the rest of reading a small command).
 */
class ReusedReadBuffer {
  static readonly VIEWS_MAX = 2048;
  readonly view: DataView;
  private readonly views: (Buffer | null)[] = new Array<Buffer | null>(ReusedReadBuffer.VIEWS_MAX + 1).fill(null);
  constructor(readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }
  /** The first `n` bytes. */
  head(n: number): Buffer {
    if (n > ReusedReadBuffer.VIEWS_MAX) return this.buf.subarray(0, n);
    let v = this.views[n];
    if (v === null) v = this.views[n] = this.buf.subarray(0, n);
    return v;
  }
}

/** The buffer plain TCP and unix-socket connections read into, one read at a time (64 KB, as Node's reads). */
const SHARED_READ = new ReusedReadBuffer(Buffer.allocUnsafe(64 * 1024));
/** Reads made while a script is busy (processEventsWhileBlocked()). */
const BUSY_READ = new ReusedReadBuffer(Buffer.allocUnsafe(16 * 1024));

/** The descriptor of a plain (non-TLS) connected socket, or -1. */
export function plainSocketFd(sock: net.Socket | null): number {
  if (sock === null || sock.destroyed || (sock as { encrypted?: boolean }).encrypted === true) return -1;
  const fd = (sock as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}
function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return true;
  if (addr === '::1') return true;
  const v4 = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return v4.startsWith('127.');
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** shared.loadingerr. */
export const LOADING_ERR = '-LOADING Redis is loading the dataset in memory';

const PROTECTED_MODE_ERR =
  '-DENIED Redis is running in protected mode because protected ' +
  'mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. ' +
  'If you want to connect from external computers to Redis you ' +
  'may adopt one of the following solutions: ' +
  "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface " +
  'by connecting to Redis from the same host the server is ' +
  'running, however MAKE SURE Redis is not publicly accessible ' +
  'from internet if you do so. Use CONFIG REWRITE to make this ' +
  'change permanent. ' +
  '2) Alternatively you can just disable the protected mode by ' +
  'editing the Redis configuration file, and setting the protected ' +
  "mode option to 'no', and then restarting the server. " +
  "3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. " +
  '4) Setup a an authentication password for the default user. ' +
  'NOTE: You only need to do one of the above things in order for ' +
  'the server to start accepting connections from the outside.\r\n';

export { NOTIFY_GENERIC };
export { silentLogger };
