/**
 * RDB persistence of the whole keyspace (rdb.c's rdbSave(),
 * rdbSaveBackground(), backgroundSaveDoneHandler(), rdbLoad(); server.c's
 * save points, loadDataFromDisk() and the disk-error write barrier).
 *
 * BGSAVE has no child process: a KeyspaceSnapshot (snapshot.ts) is written
 * in slices between event-loop turns while clients are served, each slice
 * bounded in time, the bytes going to `temp-<pid>.rdb` as they are
 * produced. At the end the file is fsynced, renamed over `dbfilename` and
 * the directory fsynced; any failure removes the temp file. What Redis does
 * to its child (kill it on FLUSHALL or SHUTDOWN, refuse a second one) is
 * done to the running snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodisServer } from '../server/server.js';
import type { Logger } from '../server/logger.js';
import { perServer } from '../server/per-server.js';
import { fsPath, strerror, type SavePoint } from '../server/config-defs.js';
import { addInfoHook, setInfoField, type InfoField } from '../server/info.js';
import { KeyspaceSnapshot, type SnapshotWriter } from './snapshot.js';
import { RdbWriter, defaultAux, type KeyUsageInfo } from './rdb/writer.js';
import { fdSource, loadRdbSteps, RdbLoadError, type RdbFileSource, type RdbSink } from './rdb/reader.js';
import { relaySteps, runLoadSteps, runLoadStepsAsync, type LoadSteps } from './load-steps.js';
import { checkRdb } from './rdb/check.js';
import { functionLibraryCodes, loadFunctionFromRdb } from '../scripting/function-libraries.js';
import { keyUsageInfo, setKeyUsage, usagePolicy } from './rdb/usage.js';
import { skipChecksumValidation } from './rdb/payload.js';
import type { RValue } from '../store/types.js';
import type { Db } from '../store/db.js';

/** CONFIG_BGSAVE_RETRY_DELAY: seconds before a save point retries after a failed BGSAVE. */
const BGSAVE_RETRY_DELAY = 5;
/**
 * BGSAVE slices (ms of event loop time). While clients are active (commands
 * in the last SLICE_ACTIVE_MS), a slice may take SLICE_SHARE of the time the
 * loop spent elsewhere since the previous one, within [SLICE_MIN_MS,
 * SLICE_MAX_MS]: a request waits at most about SLICE_SHARE longer, and the
 * loop's idle moments go to the save in short slices. On an idle server,
 * slices of SLICE_MAX_MS run back to back.
 */
const SLICE_MIN_MS = 0.05;
const SLICE_MAX_MS = 1;
const SLICE_SHARE = 0.5;
const SLICE_ACTIVE_MS = 100;
/** Bytes handed to the file at a time: small writes keep each slice near its budget. */
const BGSAVE_WRITE_BYTES = 64 * 1024;

/** shared.bgsaveerr, without its CRLF. */
export const MISCONF_ERR =
  "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
  'Commands that may modify the data set are disabled, because this instance is configured to report ' +
  'errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). ' +
  'Please check the Redis logs for details about the RDB error.';

/** The running BGSAVE: Redis's RDB child. */
interface BgSave {
  snap: KeyspaceSnapshot;
  writer: RdbWriter & SnapshotWriter;
  fd: number;
  tmp: string;
  target: string;
  /** First write error: [operation, error]. */
  error: [string, unknown] | null;
  killed: boolean;
  timer: NodeJS.Immediate | NodeJS.Timeout | null;
  /** performance.now() at the start (rdb-key-save-delay pacing). */
  t0: number;
  /** performance.now() when the previous slice ended. */
  lastSliceEnd: number;
  /** Commands processed when the previous slice ended. */
  lastCommands: number;
  /** performance.now() when commands were last seen running. */
  lastActive: number;
}

export class RdbPersistence {
  bg: BgSave | null = null;
  dirtyBeforeBgsave = 0;
  lastBgsaveOk = true;
  /** Unix time of the last BGSAVE attempt (lastbgsave_try). */
  lastBgsaveTry = 0;
  saveTimeStart = -1;
  saveTimeLast = -1;
  /** stat_rdb_saves. */
  saves = 0;
  bgsaveScheduled = false;
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;
  /** Other "children" (AOF rewrite) that exclude a BGSAVE, as hasActiveChildProcess(). */
  readonly childProbes: (() => boolean)[] = [];
  /** RDB "children" other than a BGSAVE (a diskless replication transfer), for rdbChildActive(). */
  readonly rdbChildProbes: (() => boolean)[] = [];
  /** The repl-stream-db / repl-id / repl-offset AUX fields (rdbPopulateSaveInfo()), set by replication. */
  replAux: (() => Array<[string, string | number]> | null) | null = null;
  /** Called when a BGSAVE ends: true on success, false on failure or when killed (updateSlavesWaitingBgsave()). */
  readonly bgsaveDoneHooks: ((ok: boolean) => void)[] = [];
  /** Replication around the start-up load (loadDataFromDisk()'s rdbSaveInfo), set by replication. */
  startupLoad: { begin(): void; end(aux: Map<string, string>): void } | null = null;
  /** Keys dropped as expired while loading (RDBFLAGS_FEED_REPL: their DELs go to the backlog). */
  expiredAtLoad: ((dbid: number, key: string) => void) | null = null;
  /** The AUX fields of the last RDB file loaded (lower-case names). */
  lastLoadAux = new Map<string, string>();
  /** Slice sizing (see SLICE_SHARE). */
  sliceCfg = { min: SLICE_MIN_MS, max: SLICE_MAX_MS, share: SLICE_SHARE };

  constructor(readonly server: NodisServer) {}

  private get log() {
    return this.server.logger;
  }

  /** `dir` as a filesystem path. */
  dirPath(): string {
    return fsPath(this.server.config.str('dir'));
  }

  /** `dir`/`dbfilename`. */
  filePath(): string {
    return path.join(this.dirPath(), fsPath(this.server.config.str('dbfilename')));
  }

  private tempPath(): string {
    return path.join(this.dirPath(), `temp-${process.pid}.rdb`);
  }

  /** hasActiveChildProcess(). */
  hasActiveChild(): boolean {
    if (this.bg !== null) return true;
    for (const p of this.childProbes) if (p()) return true;
    return false;
  }

  private newWriter(): RdbWriter & SnapshotWriter {
    const cfg = this.server.config;
    const w = withDrain(new RdbWriter({ compression: cfg.bool('rdbcompression'), checksum: cfg.bool('rdbchecksum') }));
    const aux = defaultAux(this.server);
    const repl = this.replAux !== null ? this.replAux() : null;
    if (repl !== null) {
      const at = aux.findIndex(([k]) => k === 'aof-base');
      aux.splice(at === -1 ? aux.length : at, 0, ...repl);
    }
    w.writeHeader(aux);
    // rdbSaveFunctions(): the libraries go before the databases.
    for (const code of functionLibraryCodes(this.server)) w.writeFunction(code);
    return w;
  }

  /** rdbSaveKeyValuePair()'s IDLE/FREQ from a key's LRU/LFU word, per the eviction policy. */
  private usageFn(): ((meta: number) => KeyUsageInfo | undefined) | null {
    const server = this.server;
    const policy = usagePolicy(server.config.str('maxmemory-policy'));
    if (policy === 'none') return null;
    const decay = server.config.num('lfu-decay-time');
    return (meta) =>
      keyUsageInfo({ getMeta: () => meta } as unknown as Db, '', policy, server.lruClock(), server.clock.now(), decay);
  }

  /**
   * The whole dataset as an RDB image in memory, synchronously: the copy a
   * forked Lua debugging session works on (ldb-fork.ts).
   */
  imageBuffer(): Buffer {
    const chunks: Buffer[] = [];
    this.writeImage((b) => chunks.push(Buffer.from(b)));
    return Buffer.concat(chunks);
  }

  /**
   * The RDB image of the whole keyspace, synchronously, to `out` (a chunk
   * is only valid during the call).
   */
  private writeImage(out: (chunk: Buffer) => void): void {
    const writer = this.newWriter();
    const snap = new KeyspaceSnapshot({
      writer,
      cfg: this.server.config,
      out,
      flushBytes: 1 << 20,
      usage: this.usageFn(),
    });
    snap.begin(this.server.dbs, false);
    snap.runToEnd();
    writer.writeEof();
    writer.drain!(out);
  }

  // ---- SAVE ---------------------------------------------------------------

  /**
   * rdbSave(): write the whole keyspace now. A running BGSAVE must have
   * been killed first (they share the temp file name). Returns false on
   * failure (logged, temp file removed).
   */
  save(): boolean {
    const tmp = this.tempPath();
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      this.log.warn(
        `Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${this.dirPath()}) for saving: ${strerror(e)}`,
      );
      return false;
    }
    let op = 'rdbSaveRio';
    try {
      this.writeImage((b) => writeAll(fd, b));
      op = 'fsync';
      fs.fsyncSync(fd);
      op = 'fclose';
      fs.closeSync(fd);
      fd = -1;
    } catch (e) {
      this.log.warn(`Write error saving DB on disk(${op}): ${strerror(e)}`);
      if (fd !== -1) closeQuietly(fd);
      unlinkQuietly(tmp);
      return false;
    }
    const target = this.filePath();
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      this.log.warn(
        `Error moving temp DB file ${path.basename(tmp)} on the final destination ${path.basename(target)} (in server root dir ${this.dirPath()}): ${strerror(e)}`,
      );
      unlinkQuietly(tmp);
      return false;
    }
    try {
      fsyncDirSync(target);
    } catch (e) {
      this.log.warn(`Write error saving DB on disk(fsyncFileDir): ${strerror(e)}`);
      return false;
    }
    this.log.info('DB saved on disk');
    this.server.dirty = 0;
    this.server.lastSave = unixtime();
    this.lastBgsaveOk = true;
    return true;
  }

  // ---- BGSAVE -------------------------------------------------------------

  /** rdbSaveBackground(): false when another "child" runs. */
  saveBackground(): boolean {
    if (this.hasActiveChild()) return false;
    const server = this.server;
    this.saves++;
    this.dirtyBeforeBgsave = server.dirty;
    this.lastBgsaveTry = unixtime();
    const tmp = this.tempPath();
    const writer = this.newWriter();
    const job: BgSave = {
      snap: null as unknown as KeyspaceSnapshot,
      writer,
      fd: -1,
      tmp,
      target: this.filePath(),
      error: null,
      killed: false,
      timer: null,
      t0: performance.now(),
      lastSliceEnd: performance.now(),
      lastCommands: server.stats.numCommands,
      lastActive: -Infinity,
    };
    job.snap = new KeyspaceSnapshot({
      writer,
      cfg: server.config,
      usage: this.usageFn(),
      flushBytes: BGSAVE_WRITE_BYTES,
      out: (b) => {
        if (job.error !== null || job.fd === -1) return;
        try {
          writeAll(job.fd, b);
        } catch (e) {
          job.error = ['rdbSaveRio', e];
          // Nothing more to preserve: the save has failed.
          job.snap.abort();
        }
      },
    });
    this.log.info(`Background saving started by pid ${process.pid}`);
    this.saveTimeStart = unixtime();
    this.bg = job;
    try {
      job.fd = fs.openSync(tmp, 'w');
    } catch (e) {
      // The child's failure to open its file: reported when it "exits".
      this.log.warn(
        `Failed opening the temp RDB file ${path.basename(tmp)} (in server root dir ${this.dirPath()}) for saving: ${strerror(e)}`,
      );
      job.timer = setImmediate(() => this.bgDone(job, false));
      return true;
    }
    server.forkSnapshot(() => job.snap.begin(server.dbs));
    this.schedule(job, 0);
    return true;
  }

  private schedule(job: BgSave, delayMs: number): void {
    if (delayMs > 0) job.timer = setTimeout(() => this.slice(job), delayMs);
    else job.timer = setImmediate(() => this.slice(job));
  }

  /** One slice of the BGSAVE walk. */
  private slice(job: BgSave): void {
    job.timer = null;
    if (this.bg !== job || job.killed) return;
    // A closed server's BGSAVE stops, as a child is killed when its server exits.
    if (this.server.isClosed()) {
      this.killBackgroundSave();
      return;
    }
    if (job.error === null) {
      const delay = this.server.config.num('rdb-key-save-delay');
      const now = performance.now();
      const { min, max, share } = this.sliceCfg;
      const stats = this.server.stats;
      if (stats.numCommands !== job.lastCommands) job.lastActive = now;
      const active = now - job.lastActive < SLICE_ACTIVE_MS;
      const deadline = now + (active ? Math.min(max, Math.max(min, (now - job.lastSliceEnd) * share)) : max);
      // rdb-key-save-delay: the child sleeps this many microseconds per key.
      const done = job.snap.stepPaced(job.t0, delay, deadline);
      if (done === null) {
        this.schedule(job, Math.max(1, Math.ceil(delay / 1000)));
        return;
      }
      job.lastSliceEnd = performance.now();
      job.lastCommands = stats.numCommands;
      if (!done && job.error === null) {
        this.schedule(job, delay > 0 ? Math.max(1, Math.ceil(delay / 1000)) : 0);
        return;
      }
    }
    if (job.error !== null) {
      this.failBg(job);
      return;
    }
    try {
      job.writer.writeEof();
      job.writer.drain!((b) => writeAll(job.fd, b));
    } catch (e) {
      job.error = ['rdbSaveRio', e];
      this.failBg(job);
      return;
    }
    void this.completeBg(job);
  }

  /** fsync, close, rename, fsync the directory: off the event loop. */
  private async completeBg(job: BgSave): Promise<void> {
    let op = 'fsync';
    try {
      await fsyncAsync(job.fd);
      if (job.killed) return;
      op = 'fclose';
      const fd = job.fd;
      job.fd = -1;
      fs.closeSync(fd);
    } catch (e) {
      if (job.killed) return;
      job.error = [op, e];
      this.failBg(job);
      return;
    }
    if (job.killed) return;
    try {
      await fs.promises.rename(job.tmp, job.target);
    } catch (e) {
      if (job.killed) return;
      this.log.warn(
        `Error moving temp DB file ${path.basename(job.tmp)} on the final destination ${path.basename(job.target)} (in server root dir ${this.dirPath()}): ${strerror(e)}`,
      );
      unlinkQuietly(job.tmp);
      this.bgDone(job, false);
      return;
    }
    try {
      await fsyncDir(job.target);
    } catch (e) {
      if (job.killed) return;
      this.log.warn(`Write error saving DB on disk(fsyncFileDir): ${strerror(e)}`);
      this.bgDone(job, false);
      return;
    }
    if (job.killed) return;
    this.log.info('DB saved on disk');
    this.bgDone(job, true);
  }

  private failBg(job: BgSave): void {
    const [op, e] = job.error!;
    this.log.warn(`Write error saving DB on disk(${op}): ${strerror(e)}`);
    job.snap.abort();
    if (job.fd !== -1) closeQuietly(job.fd);
    job.fd = -1;
    unlinkQuietly(job.tmp);
    this.bgDone(job, false);
  }

  /** backgroundSaveDoneHandler() for an exit status. */
  private bgDone(job: BgSave, ok: boolean): void {
    if (this.bg !== job) return;
    const server = this.server;
    if (ok) {
      this.log.info('Background saving terminated with success');
      server.dirty = server.dirty - this.dirtyBeforeBgsave;
      server.lastSave = unixtime();
      this.lastBgsaveOk = true;
    } else {
      this.log.warn('Background saving error');
      this.lastBgsaveOk = false;
    }
    this.endChild();
    for (const h of this.bgsaveDoneHooks) h(ok);
  }

  private endChild(): void {
    this.bg = null;
    this.saveTimeLast = unixtime() - this.saveTimeStart;
    this.saveTimeStart = -1;
  }

  /**
   * killRDBChild() and its reaping: stop the BGSAVE, remove its temp file.
   * Like a child killed with SIGUSR1, this is no error.
   */
  killBackgroundSave(): void {
    const job = this.bg;
    if (job === null) return;
    job.killed = true;
    if (job.timer !== null) {
      clearTimeout(job.timer as NodeJS.Timeout);
      clearImmediate(job.timer as NodeJS.Immediate);
      job.timer = null;
    }
    job.snap.abort();
    if (job.fd !== -1) closeQuietly(job.fd);
    job.fd = -1;
    this.log.warn('Background saving terminated by signal 10');
    unlinkQuietly(job.tmp);
    this.endChild();
    for (const h of this.bgsaveDoneHooks) h(false);
  }

  // ---- cron ------------------------------------------------------------------

  /** The serverCron() part about RDB: save points and a scheduled BGSAVE. */
  cron(): void {
    const server = this.server;
    const now = unixtime();
    if (!this.hasActiveChild()) {
      const points = server.config.raw('save') as SavePoint[];
      for (const [seconds, changes] of points) {
        if (
          server.dirty >= changes &&
          now - server.lastSave > seconds &&
          (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk)
        ) {
          this.log.info(`${changes} changes in ${seconds} seconds. Saving...`);
          this.saveBackground();
          break;
        }
      }
    }
    if (
      !this.hasActiveChild() &&
      this.bgsaveScheduled &&
      (now - this.lastBgsaveTry > BGSAVE_RETRY_DELAY || this.lastBgsaveOk)
    ) {
      if (this.saveBackground()) this.bgsaveScheduled = false;
    }
  }

  /** writeCommandsDeniedByDiskError() for RDB: the MISCONF text, or null. */
  diskError(): string | null {
    if (this.lastBgsaveOk) return null;
    const cfg = this.server.config;
    if (!cfg.bool('stop-writes-on-bgsave-error')) return null;
    if ((cfg.raw('save') as SavePoint[]).length === 0) return null;
    return MISCONF_ERR;
  }

  // ---- INFO ------------------------------------------------------------------

  infoPersistence(fields: InfoField[]): void {
    const job = this.bg;
    const now = unixtime();
    setInfoField(fields, 'rdb_bgsave_in_progress', job !== null ? 1 : 0);
    setInfoField(fields, 'rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err');
    setInfoField(fields, 'rdb_last_bgsave_time_sec', this.saveTimeLast);
    setInfoField(fields, 'rdb_current_bgsave_time_sec', job !== null ? now - this.saveTimeStart : -1);
    setInfoField(fields, 'rdb_saves', this.saves);
    setInfoField(fields, 'rdb_last_load_keys_expired', this.lastLoadKeysExpired);
    setInfoField(fields, 'rdb_last_load_keys_loaded', this.lastLoadKeysLoaded);
    if (job !== null) {
      const total = job.snap.keysTotal;
      const done = job.snap.keysProcessed;
      setInfoField(fields, 'current_save_keys_processed', done);
      setInfoField(fields, 'current_save_keys_total', total);
      setInfoField(fields, 'current_fork_perc', (total > 0 ? (done / total) * 100 : 0).toFixed(2));
    }
  }

  // ---- loading ---------------------------------------------------------------

  /**
   * rdbLoad() of `file` into the keyspace (keys already present are an
   * error unless `allowDup`). Returns false when the file does not exist;
   * throws RdbLoadError for a corrupt or truncated file, or the I/O error.
   * In steps (loadRdbSteps()): the caller serves clients between them.
   */
  *loadFileSteps(file: string, opts: { allowDup?: boolean } = {}): LoadSteps<boolean> {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    // Read through a window: the file need not fit in a Buffer, nor in memory twice.
    try {
      // A directory opens, and fails at the first read (rdbLoad()'s fread(): EISDIR).
      if (fs.fstatSync(fd).isDirectory()) {
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR', syscall: 'read' });
      }
      yield* this.loadBufferSteps(fdSource(fd), { allowDup: opts.allowDup ?? false, preamble: false });
    } finally {
      fs.closeSync(fd);
    }
    return true;
  }

  /**
   * rdbLoadRio() of an RDB image (a file, or the preamble of an AOF: then
   * expired keys are kept). Returns the offset just past the RDB.
   */
  loadBuffer(buf: Buffer, opts: { allowDup: boolean; preamble: boolean }): number {
    return runLoadSteps(this.loadBufferSteps(buf, opts));
  }

  /**
   * loadBuffer() in steps: yields the offset reached every
   * loading-process-events-interval-bytes, which INFO's loading_* fields report.
   */
  *loadBufferSteps(buf: Buffer | RdbFileSource, opts: { allowDup: boolean; preamble: boolean }): LoadSteps<number> {
    const server = this.server;
    const log = this.log;
    const owner = server.startLoading(Buffer.isBuffer(buf) ? buf.length : buf.size);
    let loaded = 0;
    let expired = 0;
    const now = server.clock.now();
    const dbs = server.dbs;
    const policy = usagePolicy(server.config.str('maxmemory-policy'));
    const lruClock = server.lruClock();
    const auxSeen = new Map<string, string>();
    // A replica keeps expired keys: its primary's DELs remove them (iAmMaster()).
    const dropExpired = !opts.preamble && !server.isReplica();
    const expiredAtLoad = this.expiredAtLoad;
    const sink: RdbSink = {
      emptyKey: warnEmptyKey(log),
      aux(k, v) {
        auxSeen.set(k.toLowerCase(), v);
        loadAuxField(server, log, k, v);
      },
      selectDb() {},
      function(code) {
        // rdbFunctionLoad(): RDBFLAGS_ALLOW_DUP (DEBUG RELOAD MERGE) replaces a library of the same name.
        const err = loadFunctionFromRdb(server, code, opts.allowDup);
        if (err !== null) {
          log.warn(`Failed loading library, ${err}`);
          throw new RdbLoadError(`Failed loading library, ${err}`);
        }
      },
      key(dbid: number, key: string, value: RValue, expireMs: number, idleSec?: number, freq?: number) {
        if (dropExpired && expireMs !== -1 && expireMs < now) {
          expired++;
          if (expiredAtLoad !== null) expiredAtLoad(dbid, key);
          return;
        }
        const db = dbs[dbid];
        loaded++;
        if (db.dict.has(key)) {
          if (!opts.allowDup) {
            log.warn(`RDB has duplicated key '${key}' in DB ${dbid}`);
            throw new RdbLoadError('Duplicated key found in RDB file');
          }
          db.delete(key);
        }
        db.add(key, value);
        if (expireMs !== -1) db.setExpire(key, expireMs);
        if (idleSec !== undefined || freq !== undefined) setKeyUsage(db, key, policy, freq, idleSec, lruClock, now);
      },
    };
    try {
      const r = yield* relaySteps(loadRdbSteps(buf, sink, {
        config: server.config,
        // rdbchecksum no, or DEBUG SET-SKIP-CHECKSUM-VALIDATION 1: the CRC is not checked.
        checksum: server.config.bool('rdbchecksum') && !skipChecksumValidation(server),
        dbnum: dbs.length,
        ...loadingPace(server),
      }), (pos) => {
        if (owner) server.loadingInfo.loadedBytes = pos;
        return pos;
      });
      this.lastLoadKeysLoaded = loaded;
      this.lastLoadKeysExpired = expired;
      if (!opts.preamble) this.lastLoadAux = auxSeen;
      logLoadDone(log, loaded, expired, r.emptyKeysSkipped);
      return r.end;
    } finally {
      server.stopLoading(owner);
    }
  }
}

// ---- per-server instances and wiring -------------------------------------------

const instances = perServer((server) => new RdbPersistence(server), initRdbPersistence);

/** The server's RDB persistence state (installed with the server). */
export function rdbOf(server: NodisServer): RdbPersistence {
  return instances.get(server);
}

/** True while a BGSAVE runs (for the AOF rewrite, which may not overlap it). */
export function rdbChildActive(server: NodisServer): boolean {
  const st = rdbOf(server);
  return st.bg !== null || st.rdbChildProbes.some((p) => p());
}

/** Another background job (AOF rewrite) whose activity prevents a BGSAVE. */
export function registerChildProbe(server: NodisServer, probe: () => boolean): void {
  rdbOf(server).childProbes.push(probe);
}

function initRdbPersistence(st: RdbPersistence, server: NodisServer): void {
  server.hooks.cron.push(() => st.cron());
  server.hooks.diskError.push(() => st.diskError());
  server.hooks.saveOnShutdown.push(() => {
    // prepareForShutdown(): a BGSAVE in progress is killed, then SAVE.
    if (st.bg !== null) {
      server.logger.warn('There is a child saving an .rdb. Killing it!');
      st.killBackgroundSave();
    }
    return st.save();
  });
  server.hooks.shutdown.push(() => {
    if (st.bg !== null) {
      server.logger.warn('There is a child saving an .rdb. Killing it!');
      st.killBackgroundSave();
    }
  });
  server.hooks.flushedAll.push(() => {
    // flushAllDataAndResetRDB(): kill the BGSAVE, then SAVE when save points exist.
    if (st.bg !== null) st.killBackgroundSave();
    if ((server.config.raw('save') as SavePoint[]).length > 0) st.save();
  });
  addInfoHook(server, 'persistence', (fields) => st.infoPersistence(fields));
}

/**
 * The AUX fields every RDB load handles alike (rdbLoadRioWithLoadingCtx()):
 * their log lines, and used-mem for INFO's loading_rdb_used_mem.
 */
export function loadAuxField(server: NodisServer, log: Logger, k: string, v: string): void {
  const key = k.toLowerCase();
  if (k.startsWith('%')) log.info(`RDB '${k}': ${v}`);
  else if (key === 'redis-ver') log.info(`Loading RDB produced by version ${v}`);
  else if (key === 'ctime') log.info(`RDB age ${Math.max(0, unixtime() - (parseInt(v, 10) || 0))} seconds`);
  else if (key === 'used-mem') {
    log.info(`RDB memory usage when created ${((Number(v) || 0) / (1024 * 1024)).toFixed(2)} Mb`);
    server.loadingInfo.rdbUsedMem = Number(v) || 0;
  } else if (key === 'aof-preamble' && Number(v)) log.info('RDB has an AOF tail');
  else if (key === 'aof-base' && Number(v)) log.info('RDB is base AOF');
}

/**
 * How an RDB load paces itself: a step every
 * loading-process-events-interval-bytes, key-load-delay after each key
 * (read again at each step).
 */
export function loadingPace(server: NodisServer): { yieldEvery: number; keyLoadDelay: () => number } {
  return {
    yieldEvery: server.config.num('loading-process-events-interval-bytes'),
    keyLoadDelay: () => server.config.num('key-load-delay'),
  };
}

/** rdbLoadObject()'s warning for each key skipped because its value is empty. */
export function warnEmptyKey(log: Logger): (dbid: number, key: string) => void {
  return (_dbid, key) => log.warn(`rdbLoadObject skipping empty key: ${key}`);
}

/** rdbLoadRioWithLoadingCtx()'s last line: a warning when empty keys were skipped. */
export function logLoadDone(log: Logger, loaded: number, expired: number, emptyKeysSkipped: number): void {
  if (emptyKeysSkipped > 0) {
    log.warn(`Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}, empty keys skipped: ${emptyKeysSkipped}.`);
  } else {
    log.info(`Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}.`);
  }
}

/**
 * loadDataFromDisk() for RDB: load `dir`/`dbfilename` if it exists (not
 * when `appendonly yes`: the AOF decides the dataset then). Resolves to
 * false when the server must exit (the reason is logged, as Redis does).
 * The event loop turns between steps of the load, as Redis processes
 * events from rdbLoadProgressCallback(): clients can connect, and get
 * LOADING for all but the commands flagged `loading`.
 */
export async function loadDataFromDisk(server: NodisServer, appendonly: boolean): Promise<boolean> {
  if (appendonly) return true;
  const st = rdbOf(server);
  const start = performance.now();
  st.startupLoad?.begin();
  try {
    let aux = new Map<string, string>();
    if (await runLoadStepsAsync(st.loadFileSteps(st.filePath()))) {
      server.logger.info(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
      aux = st.lastLoadAux;
    }
    st.startupLoad?.end(aux);
  } catch (e) {
    if (e instanceof RdbLoadError) {
      server.logger.warn(`Internal error in RDB reading offset ${e.offset}, function at rdb.c:0 -> ${e.message}`);
      // rdbReportError(): a file that fails to load gets the redis-check-rdb report.
      try {
        const report = checkRdb(fs.readFileSync(st.filePath()), server.config.str('dbfilename'), server.clock.now());
        for (const line of report.lines) server.logger.warn(line);
      } catch {
        /* the file went away meanwhile: the error above says enough */
      }
      server.logger.warn('Terminating server after rdb file reading failure.');
    } else {
      server.logger.warn(`Fatal error loading the DB: ${strerror(e)}. Exiting.`);
    }
    return false;
  }
  return true;
}

// ---- file helpers ----------------------------------------------------------------

/** RdbWriter's internals that withDrain() relies on. */
interface WriterInternals {
  out: { buf: Buffer; pos: number };
  crc: { update(buf: Buffer, start: number, end: number): void };
  checksum: boolean;
  summed: number;
  taken: number;
}

/**
 * Give an RdbWriter a drain(): take() hands out its buffer and allocates a
 * new one, so a save of N bytes leaves N bytes of garbage buffers behind
 * until the collector runs (+10% RSS on a 1M-key BGSAVE). drain() passes a
 * view and keeps writing into the same buffer. Until RdbWriter has its own
 * drain(), this one works on its internals, and falls back to take() if they
 * are not what it expects.
 */
function withDrain(w: RdbWriter): RdbWriter & SnapshotWriter {
  const sw = w as RdbWriter & SnapshotWriter;
  if (typeof sw.drain === 'function') return sw;
  const x = w as unknown as WriterInternals;
  const usable = (): boolean =>
    x.out !== undefined &&
    Buffer.isBuffer(x.out.buf) &&
    typeof x.out.pos === 'number' &&
    typeof x.summed === 'number' &&
    typeof x.taken === 'number' &&
    typeof x.checksum === 'boolean' &&
    typeof x.crc?.update === 'function';
  sw.drain = (fn) => {
    if (!usable()) {
      fn(w.take());
      return;
    }
    const out = x.out;
    const n = out.pos;
    if (x.checksum && x.summed < n) x.crc.update(out.buf, x.summed, n);
    const view = out.buf.subarray(0, n);
    out.pos = 0;
    x.summed = 0;
    x.taken += n;
    fn(view);
  };
  return sw;
}

function unixtime(): number {
  return Math.floor(Date.now() / 1000);
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
}

function unlinkQuietly(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* not there */
  }
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** Errors of fsyncFileDir() that mean "not supported here", ignored as Redis does. */
function dirSyncUnsupported(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EBADF' || code === 'EINVAL';
}

/** fsyncFileDir(): make the rename durable. */
function fsyncDirSync(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path.dirname(file), 'r');
  } catch (e) {
    if (dirSyncUnsupported(e)) return;
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

async function fsyncDir(file: string): Promise<void> {
  let h: fs.promises.FileHandle;
  try {
    h = await fs.promises.open(path.dirname(file), 'r');
  } catch (e) {
    if (dirSyncUnsupported(e)) return;
    throw e;
  }
  try {
    await h.sync();
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw e;
  } finally {
    await h.close();
  }
}
