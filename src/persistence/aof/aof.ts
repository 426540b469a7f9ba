/**
 * The append-only file (aof.c of Redis 7.0): the effects of writes as
 * propagated by the dispatcher go to an in-memory buffer, written to the
 * current INCR file of the multi-part AOF before replies reach clients, and
 * fsynced per `appendfsync`:
 *
 * - always: the buffer is written and fsynced once per event-loop turn,
 *   before that turn's replies are sent, so every acknowledged write is on
 *   disk and one fsync covers all the clients served in the turn;
 * - everysec: written before the replies, fsynced in the background at most
 *   once a second (a slow fsync postpones the next write up to 2 seconds,
 *   as Redis does);
 * - no: written before the replies, fsynced by the OS.
 *
 * A rewrite (BGREWRITEAOF, `auto-aof-rewrite-*`, `CONFIG SET appendonly
 * yes`) opens a new INCR file at once, then writes the dataset as it was at
 * that moment into a new BASE file while the server keeps serving (the
 * key-level copy-on-write KeyspaceSnapshot, instead of a fork), and finally
 * swaps the manifest: the old BASE and INCR files become HISTORY and are
 * deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { NodisServer } from '../../server/server.js';
import { fsPath } from '../../server/config-defs.js';
import { setInfoField, type InfoField } from '../../server/info.js';
import { KeyspaceSnapshot, type SnapshotWriter } from '../snapshot.js';
import { RdbWriter, defaultAux } from '../rdb/writer.js';
import { functionLibraryCodes } from '../../scripting/function-libraries.js';
import type { RValue } from '../../store/types.js';
import type { Config } from '../../server/config.js';
import {
  AofManifest,
  ManifestError,
  parseManifest,
  MANIFEST_NAME_SUFFIX,
  TEMP_FILE_NAME_PREFIX,
  INCR_FILE_SUFFIX,
} from './manifest.js';
import { encodeCommand, encodeSelect, encodeTimestamp } from './resp.js';
import { sleepSync } from '../../util/sleep.js';
import { relaySteps, runLoadStepsAsync, type LoadSteps } from '../load-steps.js';
import { rewriteKey, writeAll, FdSink, type ByteSink } from './rewrite.js';
import {
  AOF_EMPTY,
  AOF_FAILED,
  AOF_NOT_EXIST,
  AOF_OK,
  AOF_OPEN_ERR,
  AOF_TRUNCATED,
  aofFileSize,
  fsName,
  loadAppendOnlyFilesSteps,
  strerror,
  type RdbPreambleLoader,
} from './loader.js';

export const AOF_OFF = 0;
export const AOF_ON = 1;
export const AOF_WAIT_REWRITE = 2;

const FSYNC_ALWAYS = 1;
const FSYNC_EVERYSEC = 2;

const AOF_REWRITE_LIMITE_THRESHOLD = 3;
const AOF_REWRITE_LIMITE_MAX_MINUTES = 60;
const AOF_WRITE_LOG_ERROR_RATE = 30;
/** Time budget of one rewrite slice, in ms (as a BGSAVE slice). */
const REWRITE_SLICE_MS = 1;

/** A start-up failure Redis answers with exit(1). */
export class AofFatalError extends Error {}

/** The rewrite in progress: Redis's AOF child process. */
interface RewriteJob {
  snapshot: KeyspaceSnapshot | null;
  fd: number;
  /** temp-rewriteaof-<id>.aof, renamed to temp-rewriteaof-bg-<id>.aof once complete. */
  tmpPath: string;
  bgPath: string;
  finished: boolean;
  timer: NodeJS.Immediate | NodeJS.Timeout | null;
  /** `timer` is a setTimeout() handle (rdb-key-save-delay pacing), else a setImmediate() one. */
  timerIsTimeout: boolean;
  error: string | null;
}

/** Redis's process id stands in for a child pid in temp file names. */
let rewriteIds = 0;

function unixtime(): number {
  return Math.floor(Date.now() / 1000);
}

export class Aof {
  private aofState = AOF_OFF;
  /** Called when `state` changes (the wiring attaches the propagation hook while the AOF is on). */
  stateChanged: (state: number) => void = () => {};
  /** server.aof_state: AOF_OFF, AOF_ON or AOF_WAIT_REWRITE. */
  get state(): number {
    return this.aofState;
  }
  set state(v: number) {
    if (v === this.aofState) return;
    this.aofState = v;
    this.stateChanged(v);
  }
  fd = -1;
  selectedDb = -1;
  /** aof_buf: commands not written yet (latin1). */
  buf = '';
  manifest = new AofManifest();
  /** Size of the INCR file being written, and the offset fsynced so far. */
  lastIncrSize = 0;
  lastIncrFsyncOffset = 0;
  /** aof_current_size / aof_rewrite_base_size. */
  currentSize = 0;
  rewriteBaseSize = 0;
  lastFsync = unixtime();
  /** Background fsyncs queued or running (bio BIO_AOF_FSYNC jobs). */
  bioFsyncPending = 0;
  /** fsync-and-close jobs of replaced INCR files (BIO_CLOSE_FILE: not waited for). */
  private bioClosePending = 0;
  private bioChain: Promise<void> = Promise.resolve();
  bioFsyncOk = true;
  bioFsyncErrno = '';
  flushPostponedStart = 0;
  delayedFsync = 0;
  lastWriteOk = true;
  lastWriteError = '';
  private lastWriteErrorLog = 0;
  rewriteScheduled = false;
  rewriteTimeStart = -1;
  rewriteTimeLast = -1;
  lastBgrewriteOk = true;
  statRewrites = 0;
  consecutiveFailures = 0;
  private nextDelayMinutes = 0;
  private nextRewriteTime = 0;
  curTimestamp = 0;
  /** DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write. */
  flushSleepUs = 0;
  child: RewriteJob | null = null;
  /** A write+fsync of the buffer is scheduled for the end of this turn. */
  private flushScheduled = false;
  /** Replies are held until the buffer is on disk (appendfsync always). */
  private holding = false;
  /** Loader of RDB images found in AOF files. */
  loadRdb: RdbPreambleLoader | null = null;
  /** Asked whether a snapshot other than the rewrite (BGSAVE) is running. */
  otherChildActive: () => boolean = () => false;
  /** `in_exec`: a transaction is running. */
  private inExec = (): boolean => this.server.propagateBuffer !== null;

  constructor(readonly server: NodisServer) {}

  // ---- configuration ---------------------------------------------------------

  private get cfg(): Config {
    return this.server.config;
  }

  get fsyncPolicy(): number {
    return this.cfg.enumValue('appendfsync');
  }

  get aofFilename(): string {
    return this.cfg.str('appendfilename');
  }

  /** `dir`/`appenddirname` as a filesystem path. */
  dirPath(): string {
    return path.join(fsPath(this.cfg.str('dir')), fsName(this.cfg.str('appenddirname')));
  }

  /** A file of `dir` (temp files of rewrites, the old single-file AOF). */
  private inDir(name: string): string {
    return path.join(fsPath(this.cfg.str('dir')), fsName(name));
  }

  private filePath(name: string): string {
    return path.join(this.dirPath(), fsName(name));
  }

  private notice(msg: string): void {
    this.server.logger.info(msg);
  }

  private warning(msg: string): void {
    this.server.logger.warn(msg);
  }

  // ---- feeding ---------------------------------------------------------------

  /** feedAppendOnlyFile(). */
  feed(dbid: number, argv: readonly string[]): void {
    let out = '';
    if (this.cfg.bool('aof-timestamp-enabled')) {
      const ts = this.timestampIfNeeded(false);
      if (ts !== null) out += ts;
    }
    if (dbid !== this.selectedDb) {
      out += encodeSelect(dbid);
      this.selectedDb = dbid;
    }
    out += encodeCommand(argv);
    if (this.state === AOF_ON || (this.state === AOF_WAIT_REWRITE && this.child !== null)) {
      this.buf += out;
      this.scheduleFlush();
    }
  }

  /** genAofTimestampAnnotationIfNeeded(). */
  private timestampIfNeeded(force: boolean): string | null {
    const now = unixtime();
    if (force || this.curTimestamp < now) {
      this.curTimestamp = now;
      return encodeTimestamp(now);
    }
    return null;
  }

  /** Write the buffer at the end of this event-loop turn (beforeSleep()). */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.endOfTurn);
  }

  private endOfTurn = (): void => {
    this.flushScheduled = false;
    if (this.state !== AOF_OFF) this.flush(false);
    if (this.holding) {
      this.holding = false;
      this.server.flushPendingWrites();
    }
  };

  /**
   * Called before replies go to sockets: with appendfsync always they wait
   * for the end of the turn, when one write+fsync covers every client of
   * the turn; otherwise the buffer is written now.
   */
  beforeReplies(): boolean {
    if (this.state === AOF_OFF || this.buf.length === 0) return false;
    if (this.fsyncPolicy === FSYNC_ALWAYS && this.lastWriteOk && this.fd !== -1) {
      this.holding = true;
      this.scheduleFlush();
      return true;
    }
    this.flush(false);
    return false;
  }

  // ---- writing ---------------------------------------------------------------

  /** flushAppendOnlyFile(). */
  flush(force: boolean): void {
    const policy = this.fsyncPolicy;
    let syncInProgress = false;
    if (this.buf.length === 0) {
      if (
        policy === FSYNC_EVERYSEC &&
        this.lastIncrFsyncOffset !== this.lastIncrSize &&
        unixtime() > this.lastFsync &&
        !(syncInProgress = this.bioFsyncPending > 0)
      ) {
        this.tryFsync(policy, syncInProgress);
      } else if (policy === FSYNC_ALWAYS && this.lastIncrFsyncOffset !== this.lastIncrSize) {
        this.tryFsync(policy, syncInProgress);
      }
      return;
    }
    if (this.fd === -1) return;
    if (policy === FSYNC_EVERYSEC) syncInProgress = this.bioFsyncPending > 0;
    if (policy === FSYNC_EVERYSEC && !force && syncInProgress) {
      const now = unixtime();
      if (this.flushPostponedStart === 0) {
        this.flushPostponedStart = now;
        return;
      } else if (now - this.flushPostponedStart < 2) {
        return;
      }
      this.delayedFsync++;
      this.notice(
        'Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.',
      );
    }
    if (this.flushSleepUs > 0) sleepSync(this.flushSleepUs / 1000);
    const data = Buffer.from(this.buf, 'latin1');
    const t0 = performance.now();
    let nwritten = 0;
    let error: NodeJS.ErrnoException | null = null;
    while (nwritten < data.length) {
      try {
        nwritten += fs.writeSync(this.fd, data, nwritten, data.length - nwritten);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'EINTR' || err.code === 'EAGAIN') continue;
        error = err;
        break;
      }
    }
    const ms = Math.floor(performance.now() - t0);
    this.server.latencyAddSampleIfNeeded(syncInProgress ? 'aof-write-pending-fsync' : this.child !== null || this.otherChildActive() ? 'aof-write-active-child' : 'aof-write-alone', ms);
    this.server.latencyAddSampleIfNeeded('aof-write', ms);
    this.flushPostponedStart = 0;

    if (nwritten !== data.length) {
      const now = unixtime();
      const canLog = now - this.lastWriteErrorLog > AOF_WRITE_LOG_ERROR_RATE;
      if (canLog) this.lastWriteErrorLog = now;
      if (nwritten === 0 && error !== null) {
        if (canLog) this.warning(`Error writing to the AOF file: ${strerror(error)}`);
        this.lastWriteError = strerror(error);
      } else {
        if (canLog) {
          this.warning(
            `Short write while writing to the AOF file: (nwritten=${nwritten}, expected=${data.length})`,
          );
        }
        try {
          fs.ftruncateSync(this.fd, this.lastIncrSize);
          nwritten = 0;
        } catch (e) {
          if (canLog) {
            this.warning(
              'Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ' +
                `ftruncate: ${strerror(e as NodeJS.ErrnoException)}`,
            );
          }
        }
        this.lastWriteError = 'No space left on device';
      }
      if (policy === FSYNC_ALWAYS) {
        this.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
        this.fatalExit();
        return;
      }
      this.lastWriteOk = false;
      if (nwritten > 0) {
        this.currentSize += nwritten;
        this.lastIncrSize += nwritten;
        this.buf = this.buf.slice(nwritten);
      }
      return;
    }
    if (!this.lastWriteOk) {
      this.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteOk = true;
    }
    this.currentSize += nwritten;
    this.lastIncrSize += nwritten;
    this.buf = '';
    this.tryFsync(policy, syncInProgress);
  }

  /** The `try_fsync:` part of flushAppendOnlyFile(). */
  private tryFsync(policy: number, syncInProgress: boolean): void {
    if (this.cfg.bool('no-appendfsync-on-rewrite') && (this.child !== null || this.otherChildActive())) return;
    if (this.fd === -1) return;
    if (policy === FSYNC_ALWAYS) {
      const t0 = performance.now();
      try {
        fs.fdatasyncSync(this.fd);
      } catch (e) {
        this.warning(
          `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e as NodeJS.ErrnoException)}. Exiting...`,
        );
        this.fatalExit();
        return;
      }
      this.server.latencyAddSampleIfNeeded('aof-fsync-always', Math.floor(performance.now() - t0));
      this.lastIncrFsyncOffset = this.lastIncrSize;
      this.lastFsync = unixtime();
    } else if (policy === FSYNC_EVERYSEC && unixtime() > this.lastFsync) {
      if (!syncInProgress) {
        this.backgroundFsync(this.fd, false);
        this.lastIncrFsyncOffset = this.lastIncrSize;
      }
      this.lastFsync = unixtime();
    }
  }

  /** aof_background_fsync() / aof_background_fsync_and_close(): one job queue, like bio. */
  private backgroundFsync(fd: number, close: boolean): void {
    if (close) this.bioClosePending++;
    else this.bioFsyncPending++;
    this.bioChain = this.bioChain.then(
      () =>
        new Promise<void>((resolve) => {
          fs.fdatasync(fd, (err) => {
            if (err) {
              if (!close) {
                this.bioFsyncOk = false;
                this.bioFsyncErrno = strerror(err);
                this.warning(`Fail to fsync the AOF file: ${strerror(err)}`);
              }
            } else if (!close) {
              this.bioFsyncOk = true;
            }
            const done = (): void => {
              if (close) this.bioClosePending--;
              else this.bioFsyncPending--;
              resolve();
            };
            if (close) fs.close(fd, () => done());
            else done();
          });
        }),
    );
  }

  /** exit(1) of the standalone server; an embedded server stops logging to the AOF. */
  private fatalExit(): void {
    if (this.server.exitProcess !== null) {
      this.server.exitProcess(1);
      return;
    }
    this.lastWriteOk = false;
  }

  /** fsync the INCR file now (shutdown, stopping the AOF). */
  fsyncNow(): void {
    if (this.fd === -1) return;
    try {
      fs.fdatasyncSync(this.fd);
      this.lastFsync = unixtime();
    } catch (e) {
      this.warning(`Fail to fsync the AOF file: ${strerror(e as NodeJS.ErrnoException)}`);
    }
  }

  // ---- manifest on disk --------------------------------------------------------

  private manifestName(): string {
    return this.aofFilename + MANIFEST_NAME_SUFFIX;
  }

  /** writeAofManifestFile(): temp file, fsync, rename, fsync the directory. */
  private writeManifest(text: string): boolean {
    const name = this.manifestName();
    const tmpName = TEMP_FILE_NAME_PREFIX + name;
    const tmp = this.filePath(tmpName);
    let fd = -1;
    try {
      try {
        fd = fs.openSync(tmp, 'w', 0o644);
      } catch (e) {
        this.warning(`Can't open the AOF manifest file ${tmpName}: ${strerror(e as NodeJS.ErrnoException)}`);
        return false;
      }
      try {
        writeAll(fd, Buffer.from(text, 'latin1'));
      } catch (e) {
        this.warning(`Error trying to write the temporary AOF manifest file ${tmpName}: ${strerror(e as NodeJS.ErrnoException)}`);
        return false;
      }
      try {
        fs.fsyncSync(fd);
      } catch (e) {
        this.warning(`Fail to fsync the temp AOF file ${tmpName}: ${strerror(e as NodeJS.ErrnoException)}.`);
        return false;
      }
      try {
        fs.renameSync(tmp, this.filePath(name));
      } catch (e) {
        this.warning(
          `Error trying to rename the temporary AOF manifest file ${tmpName} into ${name}: ${strerror(e as NodeJS.ErrnoException)}`,
        );
        return false;
      }
      if (!fsyncDir(this.dirPath())) {
        this.warning(`Fail to fsync AOF directory ${this.filePath(name)}.`);
        return false;
      }
      return true;
    } finally {
      if (fd !== -1) fs.closeSync(fd);
    }
  }

  /** persistAofManifest(). */
  persistManifest(am: AofManifest): boolean {
    if (!am.dirty) return true;
    const ok = this.writeManifest(am.format());
    if (ok) am.dirty = false;
    return ok;
  }

  /** aofLoadManifestFromDisk(): a missing directory or manifest means an empty one. */
  loadManifestFromDisk(): void {
    this.manifest = new AofManifest();
    const dir = this.dirPath();
    if (!isDir(dir)) {
      this.server.logger.trace(`The AOF directory ${this.cfg.str('appenddirname')} doesn't exist`);
      return;
    }
    const file = this.filePath(this.manifestName());
    if (!fs.existsSync(file)) {
      this.server.logger.trace(`The AOF manifest file ${this.manifestName()} doesn't exist`);
      return;
    }
    let text: string;
    try {
      text = fs.readFileSync(file).toString('latin1');
    } catch (e) {
      const msg = `Fatal error: can't open the AOF manifest file ${file} for reading: ${strerror(e as NodeJS.ErrnoException)}`;
      this.warning(msg);
      throw new AofFatalError(msg);
    }
    try {
      this.manifest = parseManifest(text);
    } catch (e) {
      if (e instanceof ManifestError) {
        for (const l of e.logLines()) this.warning(l);
        throw new AofFatalError(e.message);
      }
      throw e;
    }
  }

  /** aofUpgradePrepare(): move an old single-file AOF into the directory as its BASE. */
  private upgradePrepare(): void {
    const am = this.manifest;
    const dir = this.dirPath();
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      const msg = `Can't open or create append-only dir ${this.cfg.str('appenddirname')}: ${strerror(e as NodeJS.ErrnoException)}`;
      this.warning(msg);
      throw new AofFatalError(msg);
    }
    am.base = { name: this.aofFilename, seq: 1, type: 'b' };
    am.currBaseSeq = 1;
    am.dirty = true;
    if (!this.persistManifest(am)) throw new AofFatalError('Failed to persist the AOF manifest');
    try {
      fs.renameSync(this.inDir(this.aofFilename), this.filePath(this.aofFilename));
    } catch (e) {
      const msg = `Error trying to move the old AOF file ${this.aofFilename} into dir ${this.cfg.str('appenddirname')}: ${strerror(e as NodeJS.ErrnoException)}`;
      this.warning(msg);
      throw new AofFatalError(msg);
    }
    this.notice(
      `Successfully migrated an old-style AOF file (${this.aofFilename}) into the AOF directory (${this.cfg.str('appenddirname')}).`,
    );
  }

  /** aofDelHistoryFiles(). */
  delHistoryFiles(): boolean {
    const am = this.manifest;
    if (this.cfg.bool('aof-disable-auto-gc') || am.history.length === 0) return true;
    for (const ai of am.history) {
      this.notice(`Removing the history file ${ai.name} in the background`);
      bgUnlink(this.filePath(ai.name));
    }
    am.history = [];
    am.dirty = true;
    return this.persistManifest(am);
  }

  private tempIncrName(): string {
    return TEMP_FILE_NAME_PREFIX + this.aofFilename + INCR_FILE_SUFFIX;
  }

  /** aofDelTempIncrAofFile(). */
  private delTempIncrFile(): void {
    const name = this.tempIncrName();
    this.notice(`Removing the temp incr aof file ${name} in the background`);
    bgUnlink(this.filePath(name));
  }

  // ---- start-up ----------------------------------------------------------------

  /**
   * The AOF part of loadDataFromDisk(): load every file of the manifest
   * (after moving an old single-file AOF into the directory). Throws
   * AofFatalError where Redis exits.
   */
  async loadAtStartup(): Promise<void> {
    const start = process.hrtime.bigint();
    const status = await runLoadStepsAsync(this.loadFilesSteps());
    if (status === AOF_FAILED || status === AOF_OPEN_ERR) throw new AofFatalError('AOF loading failed');
    if (status !== AOF_NOT_EXIST) {
      const secs = Number(process.hrtime.bigint() - start) / 1e9;
      this.notice(`DB loaded from append only file: ${secs.toFixed(3)} seconds`);
    }
  }

  /**
   * loadAppendOnlyFiles() with the current manifest, after moving an old
   * single-file AOF into the directory when there is one; in steps, so
   * the caller serves clients between them. Returns the AOF_* status.
   */
  *loadFilesSteps(): LoadSteps<number> {
    const am = this.manifest;
    const oldFile = this.inDir(this.aofFilename);
    if (fs.existsSync(oldFile)) {
      const dirExists = isDir(this.dirPath());
      if (
        !dirExists ||
        am.isEmpty() ||
        (am.base !== null && am.incr.length === 0 && am.base.name === this.aofFilename && !fs.existsSync(this.filePath(this.aofFilename)))
      ) {
        this.upgradePrepare();
      }
    }
    const server = this.server;
    const owner = server.startLoading(0);
    const state = this.state;
    // Nothing read back is appended to the file it comes from.
    this.state = AOF_OFF;
    let res;
    try {
      const steps = loadAppendOnlyFilesSteps(server, am, {
        dirPath: this.dirPath(),
        aofFilename: this.aofFilename,
        loadTruncated: this.cfg.bool('aof-load-truncated'),
        loadRdb: this.loadRdb,
        keyLoadDelay: () => this.cfg.num('key-load-delay'),
        totalSize: (bytes) => {
          if (owner) server.loadingInfo.totalBytes = bytes;
        },
      });
      res = yield* relaySteps(steps, (pos) => {
        if (owner) server.loadingInfo.loadedBytes = pos;
        return pos;
      });
    } finally {
      this.state = state;
      server.stopLoading(owner);
    }
    if (res.status === AOF_OK || res.status === AOF_TRUNCATED) {
      this.currentSize = res.totalSize;
      this.rewriteBaseSize = res.baseSize;
    }
    return res.status;
  }

  /** aofOpenIfNeededOnServerStart(). */
  openAtStartup(): void {
    if (this.state !== AOF_ON) return;
    const dir = this.dirPath();
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      const msg = `Can't open or create append-only dir ${this.cfg.str('appenddirname')}: ${strerror(e as NodeJS.ErrnoException)}`;
      this.warning(msg);
      throw new AofFatalError(msg);
    }
    const am = this.manifest;
    const incrLen = am.incr.length;
    if (am.base === null && incrLen === 0) {
      const baseName = am.newBaseName(this.aofFilename, this.cfg.bool('aof-use-rdb-preamble'));
      if (!this.rewriteToFile(this.filePath(baseName))) throw new AofFatalError('Failed to create the AOF base file');
      this.notice(`Creating AOF base file ${baseName} on server start`);
    }
    const name = am.lastIncrName(this.aofFilename);
    try {
      this.fd = fs.openSync(this.filePath(name), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
    } catch (e) {
      const msg = `Can't open the append-only file ${name}: ${strerror(e as NodeJS.ErrnoException)}`;
      this.warning(msg);
      throw new AofFatalError(msg);
    }
    if (!this.persistManifest(am)) throw new AofFatalError('Failed to persist the AOF manifest');
    this.lastIncrSize = aofFileSize(this.server, dir, name).size;
    this.lastIncrFsyncOffset = this.lastIncrSize;
    if (incrLen > 0) this.notice(`Opening AOF incr file ${name} on server start`);
    else this.notice(`Creating AOF incr file ${name} on server start`);
  }

  // ---- rewriting -----------------------------------------------------------------

  /** Writer of the BASE format: RDB with the aof-base AUX field, or commands. */
  private baseWriter(rdbPreamble: boolean): SnapshotWriter & { header(): void; end(): void } {
    if (rdbPreamble) {
      const w = new RdbWriter({ compression: this.cfg.bool('rdbcompression'), checksum: this.cfg.bool('rdbchecksum') });
      return Object.assign(w, {
        header: () => {
          w.writeHeader(defaultAux(this.server, { aofBase: true }));
          for (const code of functionLibraryCodes(this.server)) w.writeFunction(code);
        },
        end: () => w.writeEof(),
      });
    }
    return new CommandsWriter(this.cfg.bool('aof-timestamp-enabled') ? () => this.timestampIfNeeded(true) : null, functionLibraryCodes(this.server));
  }

  /**
   * rewriteAppendOnlyFile(): the whole dataset into `target`, now (the BASE
   * file created at start-up with an empty dataset, or a foreground rewrite).
   */
  rewriteToFile(target: string): boolean {
    const tmpName = `temp-rewriteaof-${process.pid}.aof`;
    const tmp = this.inDir(tmpName);
    let fd = -1;
    try {
      fd = fs.openSync(tmp, 'w', 0o644);
    } catch (e) {
      this.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e as NodeJS.ErrnoException)}`);
      return false;
    }
    try {
      const w = this.baseWriter(this.cfg.bool('aof-use-rdb-preamble'));
      const sink = new FdSink(fd);
      w.header();
      const snap = new KeyspaceSnapshot({ writer: w, cfg: this.cfg, out: (b) => sink.write(b) });
      snap.begin(this.server.dbs);
      snap.runToEnd();
      w.end();
      sink.write(w.take());
      sink.flush();
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, target);
      return true;
    } catch (e) {
      this.warning(`Write error writing append only file on disk: ${(e as Error).message}`);
      if (fd !== -1) fs.closeSync(fd);
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* not created */
      }
      return false;
    }
  }

  /** aofRewriteLimited(): back off after repeated failures. */
  rewriteLimited(): boolean {
    if (this.consecutiveFailures < AOF_REWRITE_LIMITE_THRESHOLD) {
      this.nextDelayMinutes = 0;
      this.nextRewriteTime = 0;
      return false;
    }
    const now = unixtime();
    if (this.nextRewriteTime !== 0) {
      if (now < this.nextRewriteTime) return true;
      this.nextRewriteTime = 0;
      return false;
    }
    this.nextDelayMinutes = this.nextDelayMinutes === 0 ? 1 : this.nextDelayMinutes * 2;
    if (this.nextDelayMinutes > AOF_REWRITE_LIMITE_MAX_MINUTES) this.nextDelayMinutes = AOF_REWRITE_LIMITE_MAX_MINUTES;
    this.nextRewriteTime = now + this.nextDelayMinutes * 60;
    this.warning(
      `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.nextDelayMinutes} minutes`,
    );
    return true;
  }

  hasActiveChild(): boolean {
    return this.child !== null || this.otherChildActive();
  }

  /**
   * openNewIncrAofForAppend(): the writes from now on go to a new INCR file
   * (a temp one while the first BASE is being written).
   */
  private openNewIncr(): boolean {
    if (this.state === AOF_OFF) return true;
    let tempAm: AofManifest | null = null;
    let newName: string;
    if (this.state === AOF_WAIT_REWRITE) {
      newName = this.tempIncrName();
    } else {
      tempAm = this.manifest.dup();
      newName = tempAm.newIncrName(this.aofFilename);
    }
    let newfd: number;
    try {
      newfd = fs.openSync(this.filePath(newName), fs.constants.O_WRONLY | fs.constants.O_TRUNC | fs.constants.O_CREAT, 0o644);
    } catch (e) {
      this.warning(`Can't open the append-only file ${newName}: ${strerror(e as NodeJS.ErrnoException)}`);
      return false;
    }
    if (tempAm !== null && !this.persistManifest(tempAm)) {
      fs.closeSync(newfd);
      return false;
    }
    this.notice(`Creating AOF incr file ${newName} on background rewrite`);
    if (this.fd !== -1) {
      this.backgroundFsync(this.fd, true);
      this.lastFsync = unixtime();
    }
    this.fd = newfd;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    if (tempAm !== null) this.manifest = tempAm;
    return true;
  }

  /** rewriteAppendOnlyFileBackground(). */
  rewriteBackground(): boolean {
    if (this.hasActiveChild()) return false;
    try {
      fs.mkdirSync(this.dirPath(), { recursive: true, mode: 0o755 });
    } catch (e) {
      this.warning(`Can't open or create append-only dir ${this.cfg.str('appenddirname')}: ${strerror(e as NodeJS.ErrnoException)}`);
      this.lastBgrewriteOk = false;
      return false;
    }
    this.selectedDb = -1;
    this.flush(true);
    if (!this.openNewIncr()) {
      this.lastBgrewriteOk = false;
      return false;
    }
    this.statRewrites++;
    const id = process.pid * 1000 + (rewriteIds++ % 1000);
    const tmpPath = this.inDir(`temp-rewriteaof-${id}.aof`);
    const bgPath = this.inDir(`temp-rewriteaof-bg-${id}.aof`);
    let fd: number;
    try {
      fd = fs.openSync(tmpPath, 'w', 0o644);
    } catch (e) {
      this.lastBgrewriteOk = false;
      this.warning(`Can't rewrite append only file in background: ${strerror(e as NodeJS.ErrnoException)}`);
      return false;
    }
    const job: RewriteJob = { snapshot: null, fd, tmpPath, bgPath, finished: false, timer: null, timerIsTimeout: false, error: null };
    const w = this.baseWriter(this.cfg.bool('aof-use-rdb-preamble'));
    const sink = new FdSink(fd);
    const snap = new KeyspaceSnapshot({
      writer: w,
      cfg: this.cfg,
      out: (b) => {
        try {
          sink.write(b);
        } catch (e) {
          job.error ??= strerror(e as NodeJS.ErrnoException);
        }
      },
    });
    try {
      w.header();
      this.server.forkSnapshot(() => snap.begin(this.server.dbs));
    } catch (e) {
      fs.closeSync(fd);
      bgUnlink(tmpPath);
      this.lastBgrewriteOk = false;
      this.warning(`Can't rewrite append only file in background: ${(e as Error).message}`);
      return false;
    }
    job.snapshot = snap;
    this.child = job;
    this.notice(`Background append only file rewriting started by pid ${id}`);
    this.rewriteScheduled = false;
    this.rewriteTimeStart = unixtime();
    const t0 = performance.now();
    const tick = (): void => {
      job.timer = null;
      if (this.child !== job) return;
      // rdb-key-save-delay: the child sleeps this many microseconds per key.
      const delay = this.cfg.num('rdb-key-save-delay');
      let done = false;
      try {
        done = job.error !== null || snap.stepPaced(t0, delay, performance.now() + REWRITE_SLICE_MS) === true;
      } catch (e) {
        job.error = (e as Error).message;
        done = true;
      }
      if (!done) {
        job.timerIsTimeout = delay > 0;
        job.timer = delay > 0 ? setTimeout(tick, Math.max(1, Math.ceil(delay / 1000))) : setImmediate(tick);
        return;
      }
      this.finishChild(job, w, sink);
    };
    job.timer = setImmediate(tick);
    return true;
  }

  /** The end of the rewrite "child": complete the temp file and hand it to the done handler. */
  private finishChild(job: RewriteJob, w: SnapshotWriter & { end(): void }, sink: FdSink): void {
    let ok = job.error === null;
    if (ok) {
      try {
        w.end();
        sink.write(w.take());
        sink.flush();
        fs.fsyncSync(job.fd);
      } catch (e) {
        job.error = strerror(e as NodeJS.ErrnoException);
        ok = false;
      }
    }
    try {
      fs.closeSync(job.fd);
    } catch {
      /* already closed */
    }
    if (ok) {
      try {
        fs.renameSync(job.tmpPath, job.bgPath);
      } catch (e) {
        this.warning(`Error moving temp append only file on the final destination: ${strerror(e as NodeJS.ErrnoException)}`);
        ok = false;
      }
    }
    if (ok) {
      this.notice(`Successfully created the temporary AOF base file ${path.basename(job.bgPath)}`);
    } else {
      if (job.error !== null) this.warning(`Write error writing append only file on disk: ${job.error}`);
      bgUnlink(job.tmpPath);
    }
    job.finished = true;
    this.doneHandler(job, ok);
  }

  /** backgroundRewriteDoneHandler(). */
  private doneHandler(job: RewriteJob, ok: boolean): void {
    if (ok) {
      this.notice('Background AOF rewrite terminated with success');
      this.applyRewrite(job);
    } else {
      this.lastBgrewriteOk = false;
      this.consecutiveFailures++;
      this.warning('Background AOF rewrite terminated with error');
    }
    this.cleanupAfterChild(job);
  }

  private applyRewrite(job: RewriteJob): void {
    const tempAm = this.manifest.dup();
    const newBaseName = tempAm.newBaseName(this.aofFilename, this.cfg.bool('aof-use-rdb-preamble'));
    const newBasePath = this.filePath(newBaseName);
    const failed = (): void => {
      this.lastBgrewriteOk = false;
      this.consecutiveFailures++;
    };
    try {
      fs.renameSync(job.bgPath, newBasePath);
    } catch (e) {
      this.warning(
        `Error trying to rename the temporary AOF base file ${path.basename(job.bgPath)} into ${newBaseName}: ${strerror(e as NodeJS.ErrnoException)}`,
      );
      failed();
      return;
    }
    this.notice(`Successfully renamed the temporary AOF base file ${path.basename(job.bgPath)} into ${newBaseName}`);
    let newIncrPath: string | null = null;
    if (this.state === AOF_WAIT_REWRITE) {
      const tempIncr = this.tempIncrName();
      const newIncrName = tempAm.newIncrName(this.aofFilename);
      newIncrPath = this.filePath(newIncrName);
      try {
        fs.renameSync(this.filePath(tempIncr), newIncrPath);
      } catch (e) {
        this.warning(
          `Error trying to rename the temporary AOF incr file ${this.filePath(tempIncr)} into ${newIncrPath}: ${strerror(e as NodeJS.ErrnoException)}`,
        );
        bgUnlink(newBasePath);
        failed();
        return;
      }
      this.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${newIncrName}`);
    }
    tempAm.markRewrittenIncrAsHistory(this.fd !== -1);
    if (!this.persistManifest(tempAm)) {
      bgUnlink(newBasePath);
      if (newIncrPath !== null) bgUnlink(newIncrPath);
      failed();
      return;
    }
    this.manifest = tempAm;
    if (this.state !== AOF_OFF) {
      this.currentSize = aofFileSize(this.server, this.dirPath(), newBaseName).size + this.lastIncrSize;
      this.rewriteBaseSize = this.currentSize;
    }
    this.delHistoryFiles();
    this.lastBgrewriteOk = true;
    this.consecutiveFailures = 0;
    this.notice('Background AOF rewrite finished successfully');
    if (this.state === AOF_WAIT_REWRITE) this.state = AOF_ON;
  }

  /** The `cleanup:` part of the done handler (also after a kill). */
  private cleanupAfterChild(job: RewriteJob): void {
    if (this.child === job) this.child = null;
    bgUnlink(job.bgPath);
    bgUnlink(job.tmpPath);
    if (this.state === AOF_WAIT_REWRITE) {
      this.buf = '';
      this.delTempIncrFile();
    }
    this.rewriteTimeLast = unixtime() - this.rewriteTimeStart;
    this.rewriteTimeStart = -1;
    if (this.state === AOF_WAIT_REWRITE) this.rewriteScheduled = true;
  }

  /** killAppendOnlyChild(). */
  killChild(): void {
    const job = this.child;
    if (job === null) return;
    this.notice(`Killing running AOF rewrite child: ${path.basename(job.tmpPath).replace(/\D/g, '')}`);
    // Each kind of handle to its own clear function: clearImmediate() on a
    // Timeout would corrupt the immediate queue.
    if (job.timer !== null) {
      if (job.timerIsTimeout) clearTimeout(job.timer as NodeJS.Timeout);
      else clearImmediate(job.timer as NodeJS.Immediate);
      job.timer = null;
    }
    job.snapshot?.abort();
    if (!job.finished) {
      try {
        fs.closeSync(job.fd);
      } catch {
        /* closed */
      }
    }
    this.child = null;
    bgUnlink(job.tmpPath);
    bgUnlink(job.bgPath);
    this.rewriteTimeStart = -1;
  }

  /** The BGREWRITEAOF command's decision. */
  bgrewriteaof(): { ok: true; status: string } | { ok: false; error: string } {
    if (this.child !== null) return { ok: false, error: 'Background append only file rewriting already in progress' };
    if (this.otherChildActive() || this.inExec()) {
      this.rewriteScheduled = true;
      this.consecutiveFailures = 0;
      return { ok: true, status: 'Background append only file rewriting scheduled' };
    }
    if (this.rewriteBackground()) return { ok: true, status: 'Background append only file rewriting started' };
    return {
      ok: false,
      error: "Can't execute an AOF background rewriting. Please check the server logs for more information.",
    };
  }

  // ---- on / off at runtime ---------------------------------------------------------

  /** stopAppendOnly(). */
  stop(): void {
    this.flush(true);
    this.fsyncNow();
    if (this.fd !== -1) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* closed */
      }
    }
    this.fd = -1;
    this.selectedDb = -1;
    this.state = AOF_OFF;
    this.rewriteScheduled = false;
    this.lastIncrSize = 0;
    this.lastIncrFsyncOffset = 0;
    this.killChild();
    this.buf = '';
  }

  /** startAppendOnly(). */
  start(): boolean {
    this.state = AOF_WAIT_REWRITE;
    if (this.otherChildActive()) {
      this.rewriteScheduled = true;
      this.warning(
        'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
      );
    } else if (this.inExec()) {
      this.rewriteScheduled = true;
      this.warning('AOF was enabled during a transaction. An AOF background was scheduled to start when possible.');
    } else {
      if (this.child !== null) {
        this.warning(
          'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
        );
        this.killChild();
      }
      if (!this.rewriteBackground()) {
        this.state = AOF_OFF;
        this.warning(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
        );
        return false;
      }
    }
    this.lastFsync = unixtime();
    if (!this.bioFsyncOk) {
      this.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.bioFsyncOk = true;
    }
    if (!this.lastWriteOk) {
      this.warning('AOF reopen, just ignore the last error.');
      this.lastWriteOk = true;
    }
    return true;
  }

  // ---- cron ------------------------------------------------------------------

  /** The AOF parts of serverCron(). */
  cron(): void {
    if (this.child === null && !this.otherChildActive() && this.rewriteScheduled && !this.rewriteLimited()) {
      this.rewriteBackground();
    }
    if (this.state === AOF_ON && !this.hasActiveChild()) {
      const perc = this.cfg.num('auto-aof-rewrite-percentage');
      if (perc > 0 && this.currentSize > this.cfg.num('auto-aof-rewrite-min-size')) {
        const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
        const growth = Math.floor((this.currentSize * 100) / base) - 100;
        if (growth >= perc && !this.rewriteLimited()) {
          this.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
          this.rewriteBackground();
        }
      }
    }
    if (this.state !== AOF_OFF) {
      // Postponed writes, fsync of everysec when idle, retry after errors.
      if (this.flushPostponedStart !== 0 || !this.lastWriteOk || this.buf.length === 0) this.flush(false);
    }
  }

  /**
   * The AOF part of finishShutdown(), before the final save: a rewrite is
   * stopped (refusing to exit while the first BASE is being written, unless
   * forced), then the buffer is written and fsynced.
   */
  prepareShutdown(force: boolean): boolean {
    if (this.child !== null) {
      if (this.state === AOF_WAIT_REWRITE) {
        if (force) {
          this.warning('Writing initial AOF. Exit anyway.');
        } else {
          this.warning("Writing initial AOF, can't exit.");
          return false;
        }
      }
      this.warning('There is a child rewriting the AOF. Killing it!');
      this.killChild();
    }
    if (this.state !== AOF_OFF) {
      this.notice('Calling fsync() on the AOF file.');
      this.flush(true);
      if (this.fd !== -1) {
        try {
          fs.fdatasyncSync(this.fd);
        } catch (e) {
          this.warning(`Fail to fsync the AOF file: ${strerror(e as NodeJS.ErrnoException)}.`);
        }
      }
    }
    return true;
  }

  /**
   * The server is closing (an embedded server, or after SHUTDOWN): write
   * and fsync what is buffered, stop a rewrite, release the file.
   */
  close(): void {
    if (this.child !== null) this.killChild();
    if (this.state !== AOF_OFF) {
      this.flush(true);
      this.fsyncNow();
    }
    if (this.fd !== -1) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* closed */
      }
      this.fd = -1;
    }
    this.state = AOF_OFF;
  }

  /** writeCommandsDeniedByDiskError() for the AOF: the MISCONF text, or null. */
  diskError(): string | null {
    if (this.state === AOF_OFF) return null;
    if (!this.lastWriteOk) return `-MISCONF Errors writing to the AOF file: ${this.lastWriteError}`;
    if (!this.bioFsyncOk) return `-MISCONF Errors writing to the AOF file: ${this.bioFsyncErrno}`;
    return null;
  }

  // ---- INFO ------------------------------------------------------------------

  infoPersistence(fields: InfoField[]): void {
    setInfoField(fields, 'aof_enabled', this.state !== AOF_OFF ? 1 : 0);
    setInfoField(fields, 'aof_rewrite_in_progress', this.child !== null ? 1 : 0);
    setInfoField(fields, 'aof_rewrite_scheduled', this.rewriteScheduled ? 1 : 0);
    setInfoField(fields, 'aof_last_rewrite_time_sec', this.rewriteTimeLast);
    setInfoField(fields, 'aof_current_rewrite_time_sec', this.child !== null ? unixtime() - this.rewriteTimeStart : -1);
    setInfoField(fields, 'aof_last_bgrewrite_status', this.lastBgrewriteOk ? 'ok' : 'err');
    setInfoField(fields, 'aof_rewrites', this.statRewrites);
    setInfoField(fields, 'aof_rewrites_consecutive_failures', this.consecutiveFailures);
    setInfoField(fields, 'aof_last_write_status', this.lastWriteOk && this.bioFsyncOk ? 'ok' : 'err');
    if (this.cfg.bool('appendonly')) {
      let at = fields.findIndex((f) => f[0] === 'module_fork_last_cow_size');
      at = at === -1 ? fields.length : at + 1;
      fields.splice(
        at,
        0,
        ['aof_current_size', this.currentSize],
        ['aof_base_size', this.rewriteBaseSize],
        ['aof_pending_rewrite', this.rewriteScheduled ? 1 : 0],
        ['aof_buffer_length', this.buf.length],
        ['aof_pending_bio_fsync', this.bioFsyncPending],
        ['aof_delayed_fsync', this.delayedFsync],
      );
    }
  }

  infoMemory(fields: InfoField[]): void {
    setInfoField(fields, 'mem_aof_buffer', this.buf.length);
  }
}

/** The commands form of a BASE file, as a SnapshotWriter. */
class CommandsWriter implements SnapshotWriter, ByteSink {
  private out = '';
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly timestamp: (() => string | null) | null,
    /** The libraries, as FUNCTION LOAD commands before the keys (rewriteFunctions()). */
    private readonly functions: string[] = [],
  ) {}

  write(chunk: string | Buffer): void {
    if (typeof chunk === 'string') {
      this.out += chunk;
    } else {
      this.spill();
      this.parts.push(chunk);
    }
    this.size += chunk.length;
  }

  private spill(): void {
    if (this.out.length > 0) {
      this.parts.push(Buffer.from(this.out, 'latin1'));
      this.out = '';
    }
  }

  header(): void {
    const ts = this.timestamp?.() ?? null;
    if (ts !== null) this.write(ts);
    for (const code of this.functions) this.write(encodeCommand(['FUNCTION', 'LOAD', code]));
  }

  end(): void {
    /* nothing follows the last command */
  }

  writeSelectDb(id: number): void {
    this.write(encodeSelect(id));
  }

  writeKeyValue(key: string, value: RValue, expireMs: number): void {
    rewriteKey(this, key, value, expireMs);
  }

  get pending(): number {
    return this.size;
  }

  take(): Buffer {
    this.spill();
    const parts = this.parts;
    this.parts = [];
    this.size = 0;
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** fsyncFileDir(): make a rename durable. */
function fsyncDir(dir: string): boolean {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    return true;
  } catch (e) {
    // Some filesystems refuse fsync on directories; Redis ignores EBADF/EINVAL too.
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'EINVAL' || code === 'EBADF' || code === 'EISDIR';
  } finally {
    if (fd !== -1) fs.closeSync(fd);
  }
}

/** bg_unlink(): the name goes at once (only freeing the blocks is deferred in Redis). */
function bgUnlink(p: string): void {
  try {
    fs.unlinkSync(p);
  } catch {
    /* not there */
  }
}

export { AOF_EMPTY, AOF_NOT_EXIST, AOF_OK };
