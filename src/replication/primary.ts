/**
 * The primary side of replication (replication.c's MASTER part): SYNC and
 * PSYNC, partial resynchronization from the backlog, and full
 * synchronization from a point-in-time RDB.
 *
 * A full sync needs the dataset as of the offset sent with +FULLRESYNC,
 * while the server keeps serving. Redis forks; Nodis takes a copy-on-write
 * KeyspaceSnapshot (persistence/snapshot.ts) at that offset, and every
 * write after it reaches the replica through the stream, which is held in
 * the replica's output buffer (subject to the replica output buffer limit)
 * until the RDB is through:
 * - disk-based (`repl-diskless-sync no`, or a replica without `capa eof`):
 *   a BGSAVE writes `dbfilename`, then the file goes to the replicas as a
 *   `$<len>` bulk, as Redis does;
 * - diskless: the snapshot is streamed straight to the replicas' sockets
 *   between `$EOF:<mark>` and the mark, in time-bounded slices that wait
 *   for slow sockets to drain. The command stream starts at the replica's
 *   first REPLCONF ACK.
 */
import fs from 'node:fs';
import type { Client } from '../server/client.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_MONITOR, CLIENT_SLAVE } from '../server/client.js';
import { strerror } from '../server/config-defs.js';
import { RedisError, Errors } from '../commands/types.js';
import { eqi } from '../commands/args.js';
import { clientInfoString } from '../commands/client.js';
import { string2ll } from '../util/numbers.js';
import { rdbOf, registerChildProbe } from '../persistence/rdb-save.js';
import { KeyspaceSnapshot } from '../persistence/snapshot.js';
import { RdbWriter, defaultAux } from '../persistence/rdb/writer.js';
import { functionLibraryCodes } from '../scripting/function-libraries.js';
import { setInfoField, type InfoField } from '../server/info.js';
import {
  type Replication,
  type ReplicaInfo,
  replicaInfo,
  unixtime,
  randomHex,
  NO_FAILOVER,
  REPL_STATE_CONNECTED,
  SLAVE_CAPA_EOF,
  SLAVE_CAPA_PSYNC2,
  SLAVE_STATE_WAIT_BGSAVE_START,
  SLAVE_STATE_WAIT_BGSAVE_END,
  SLAVE_STATE_SEND_BULK,
  SLAVE_STATE_ONLINE,
} from './replication.js';

/** SLAVE_REQ_RDB_EXCLUDE_DATA (REPLCONF rdb-filter-only): an RDB without keys. */
export const SLAVE_REQ_RDB_EXCLUDE_DATA = 1 << 0;
/** SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS. */
export const SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS = 1 << 1;

/** Time budget of one slice of a diskless transfer, in ms. */
const SLICE_MS = 2;
/** A diskless transfer waits for a replica socket holding more than this. */
const SOCKET_HIGH_WATER = 4 * 1024 * 1024;

/** The running diskless transfer: Redis's RDB child with socket target. */
interface DisklessJob {
  targets: Client[];
  mark: string;
  snap: KeyspaceSnapshot;
  writer: RdbWriter;
  timer: NodeJS.Immediate | NodeJS.Timeout | null;
  /** Waiting for a slow replica's socket to drain. */
  waiting: boolean;
  done: boolean;
  /** Unix time it started. */
  started: number;
  /** performance.now() when it started (rdb-key-save-delay pacing). */
  t0: number;
}

export class PrimarySync {
  job: DisklessJob | null = null;

  constructor(readonly repl: Replication) {}

  private get server() {
    return this.repl.server;
  }

  private get log() {
    return this.repl.server.logger;
  }

  install(): void {
    const server = this.server;
    const rdb = rdbOf(server);
    // One snapshot at a time: a diskless transfer counts as a BGSAVE child.
    registerChildProbe(server, () => this.job !== null);
    rdb.rdbChildProbes.push(() => this.job !== null);
    rdb.replAux = () => this.replAux();
    rdb.bgsaveDoneHooks.push((ok) => this.bgsaveDone(ok));
  }

  /**
   * rdbPopulateSaveInfo(): the repl-stream-db / repl-id / repl-offset AUX
   * fields of an RDB, or null when this server is in no replication chain.
   */
  replAux(): Array<[string, string | number]> | null {
    const repl = this.repl;
    let db: number;
    if (this.server.masterHost === null && repl.backlog !== null) {
      db = repl.slaveseldb === -1 ? 0 : repl.slaveseldb;
    } else {
      const d = repl.replica.streamDb();
      if (d === null) return null;
      db = d;
    }
    return [
      ['repl-stream-db', db],
      ['repl-id', repl.replid],
      ['repl-offset', repl.masterReplOffset],
    ];
  }

  // ---- SYNC / PSYNC ------------------------------------------------------------------------

  /** syncCommand(): SYNC, and PSYNC <replid> <offset> [FAILOVER]. */
  syncCommand(c: Client, argv: string[]): void {
    const repl = this.repl;
    const server = this.server;
    // Ignored from a replica or a monitor (Redis flags monitors as replicas too).
    if (c.flags & (CLIENT_SLAVE | CLIENT_MONITOR)) return;
    const isPsync = eqi(argv[0], 'psync');
    if (argv.length > 3 && isPsync && eqi(argv[3], 'failover')) {
      this.log.warn(`Failover request received for replid ${argv[1]}.`);
      if (server.masterHost === null) throw new RedisError("PSYNC FAILOVER can't be sent to a master.");
      if (argv[1].toLowerCase() === repl.replid.toLowerCase()) {
        repl.replica.unsetPrimary();
        this.log.info(`MASTER MODE enabled (failover request from '${clientInfoString(c)}')`);
      } else {
        throw new RedisError('PSYNC FAILOVER replid must match my replid.');
      }
    }
    if (repl.failoverState !== NO_FAILOVER) throw new RedisError("-NOMASTERLINK Can't SYNC while failing over");
    if (server.masterHost !== null && repl.replica.state !== REPL_STATE_CONNECTED) {
      throw new RedisError("-NOMASTERLINK Can't SYNC while not connected with my master");
    }
    if (c.hasPendingOutput()) throw new RedisError('SYNC and PSYNC are invalid with pending output');
    const info = replicaInfo(c);
    if (info.req & SLAVE_REQ_RDB_EXCLUDE_DATA && (info.capa & SLAVE_CAPA_EOF) === 0) {
      throw new RedisError('Filtered replica requires EOF capability');
    }
    this.log.info(`Replica ${repl.replicaName(c)} asks for synchronization`);
    if (isPsync) {
      const offset = string2ll(argv[2]);
      if (offset === null) {
        this.log.warn(`Replica ${repl.replicaName(c)} asks for synchronization but with a wrong offset`);
        throw new RedisError(Errors.notInteger);
      }
      if (this.tryPartialResync(c, argv[1], offset)) {
        this.server.stats.syncPartialOk++;
        return;
      }
      if (argv[1].charAt(0) !== '?') this.server.stats.syncPartialErr++;
    } else {
      info.prePsync = true;
    }

    this.server.stats.syncFull++;
    info.state = SLAVE_STATE_WAIT_BGSAVE_START;
    if (server.config.bool('repl-disable-tcp-nodelay')) c.socket?.setNoDelay(false);
    c.outputHeld = true;
    repl.addReplica(c);
    if (repl.replicas.length === 1 && repl.backlog === null) {
      repl.changeReplicationId();
      repl.clearReplicationId2();
      repl.createBacklog();
      this.log.info(`Replication backlog created, my new replication IDs are '${repl.replid}' and '${repl.replid2}'`);
    }

    const rdb = rdbOf(server);
    if (rdb.bg !== null) {
      // A BGSAVE to disk runs: usable if it was started for replicas like this one.
      let other: Client | null = null;
      for (const r of repl.replicas) {
        const ri = r.ext.repl as ReplicaInfo;
        if (r !== c && ri.state === SLAVE_STATE_WAIT_BGSAVE_END && ri.diskTarget && (!ri.rdbOnly || info.rdbOnly)) {
          other = r;
          break;
        }
      }
      const oi = other !== null ? (other.ext.repl as ReplicaInfo) : null;
      if (other !== null && oi !== null && (info.capa & oi.capa) === oi.capa && info.req === oi.req) {
        // copyReplicaOutputBuffer(): it starts where the other one's stream starts.
        if (!info.rdbOnly && repl.backlog !== null) repl.backlog.copy(info.cursor, oi.cursor);
        info.diskTarget = true;
        this.setupFullResync(c, oi.psyncInitialOffset);
        this.log.info('Waiting for end of BGSAVE for SYNC');
      } else {
        this.log.info("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (this.job !== null) {
      this.log.info('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (
      server.config.bool('repl-diskless-sync') &&
      info.capa & SLAVE_CAPA_EOF &&
      server.config.num('repl-diskless-sync-delay') > 0
    ) {
      this.log.info('Delay next BGSAVE for diskless SYNC');
    } else if (!rdb.hasActiveChild()) {
      this.startBgsaveForReplication(info.capa, info.req);
    } else {
      this.log.info('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    }
  }

  /** masterTryPartialResynchronization(): true when the replica continues from the backlog. */
  private tryPartialResync(c: Client, replid: string, offset: number): boolean {
    const repl = this.repl;
    const name = repl.replicaName(c);
    const id = replid.toLowerCase();
    const same1 = id === repl.replid.toLowerCase();
    const same2 = id === repl.replid2.toLowerCase();
    if (!same1 && (!same2 || offset > repl.secondReplidOffset)) {
      if (replid.charAt(0) !== '?') {
        if (!same1 && !same2) {
          this.log.info(
            `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${repl.replid}' and '${repl.replid2}')`,
          );
        } else {
          this.log.info(
            `Partial resynchronization not accepted: Requested offset for second ID was ${offset}, but I can reply up to ${repl.secondReplidOffset}`,
          );
        }
      } else {
        this.log.info(`Full resync requested by replica ${name}`);
      }
      return false;
    }
    const bl = repl.backlog;
    if (bl === null || !bl.covers(offset)) {
      this.log.info(`Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${offset}).`);
      if (offset > repl.masterReplOffset) {
        this.log.warn(`Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`);
      }
      return false;
    }
    const info = replicaInfo(c);
    repl.addReplica(c);
    info.state = SLAVE_STATE_ONLINE;
    info.ackTime = unixtime();
    info.startOnAck = false;
    const sock = c.socket;
    if (sock !== null) sock.write(info.capa & SLAVE_CAPA_PSYNC2 ? `+CONTINUE ${repl.replid}\r\n` : '+CONTINUE\r\n', 'latin1');
    // The replica is sent the backlog from its offset on, straight from the buffer's blocks.
    const psyncLen = bl.attachAt(info.cursor, offset);
    if (psyncLen > 0) repl.queueSend(c);
    this.log.info(`Partial resynchronization request from ${name} accepted. Sending ${psyncLen} bytes of backlog starting from offset ${offset}.`);
    repl.refreshGoodReplicasCount();
    return true;
  }

  /** replicationSetupSlaveForFullResync(). */
  private setupFullResync(c: Client, offset: number): void {
    const info = c.ext.repl as ReplicaInfo;
    info.psyncInitialOffset = offset;
    info.state = SLAVE_STATE_WAIT_BGSAVE_END;
    // The replica's stream must start with a SELECT.
    this.repl.slaveseldb = -1;
    if (!info.prePsync && c.socket !== null) c.socket.write(`+FULLRESYNC ${this.repl.replid} ${offset}\r\n`, 'latin1');
  }

  /**
   * startBgsaveForReplication(): snapshot for the replicas waiting for
   * one, to their sockets or to disk. False when it could not start (the
   * waiting replicas are then dropped with an error).
   */
  startBgsaveForReplication(mincapa: number, req: number): boolean {
    const repl = this.repl;
    const server = this.server;
    const socketTarget =
      (server.config.bool('repl-diskless-sync') || (req & SLAVE_REQ_RDB_EXCLUDE_DATA) !== 0) && (mincapa & SLAVE_CAPA_EOF) !== 0;
    this.log.info(`Starting BGSAVE for SYNC with target: ${socketTarget ? 'replicas sockets' : 'disk'}`);
    let ok: boolean;
    const aux = this.replAux();
    if (aux === null) {
      this.log.warn(
        "BGSAVE for replication: replication information not available, can't generate the RDB file right now. Try later.",
      );
      ok = false;
    } else if (socketTarget) {
      ok = this.startDiskless(req, aux);
    } else {
      ok = rdbOf(server).saveBackground();
    }
    if (!ok) {
      this.log.warn('BGSAVE for replication failed');
      for (const r of [...repl.replicas]) {
        const info = r.ext.repl as ReplicaInfo;
        if (info.state !== SLAVE_STATE_WAIT_BGSAVE_START) continue;
        info.state = 0;
        r.flags &= ~CLIENT_SLAVE;
        r.ext.isReplica = undefined;
        repl.replicas.splice(repl.replicas.indexOf(r), 1);
        repl.detachReplica(r);
        r.outputHeld = false;
        r.addReplyError("BGSAVE failed, replication can't continue");
        r.flags |= CLIENT_CLOSE_AFTER_REPLY;
      }
      return false;
    }
    if (!socketTarget) {
      for (const r of repl.replicas) {
        const info = r.ext.repl as ReplicaInfo;
        if (info.state !== SLAVE_STATE_WAIT_BGSAVE_START || info.req !== req) continue;
        info.diskTarget = true;
        this.setupFullResync(r, repl.masterReplOffset);
      }
    }
    return true;
  }

  // ---- diskless transfer -------------------------------------------------------------------------

  /** rdbSaveToSlavesSockets(). */
  private startDiskless(req: number, replAux: Array<[string, string | number]>): boolean {
    const repl = this.repl;
    const server = this.server;
    const cfg = server.config;
    const targets: Client[] = [];
    for (const r of repl.replicas) {
      const info = r.ext.repl as ReplicaInfo;
      if (info.state === SLAVE_STATE_WAIT_BGSAVE_START && info.req === req) targets.push(r);
    }
    const mark = randomHex(40);
    const writer = new RdbWriter({ compression: cfg.bool('rdbcompression'), checksum: cfg.bool('rdbchecksum') });
    const aux = defaultAux(server);
    const at = aux.findIndex(([k]) => k === 'aof-base');
    aux.splice(at === -1 ? aux.length : at, 0, ...replAux);
    writer.writeHeader(aux);
    // rdbSaveFunctions(), unless the replica asked for an RDB without them.
    if ((req & SLAVE_REQ_RDB_EXCLUDE_FUNCTIONS) === 0) for (const code of functionLibraryCodes(server)) writer.writeFunction(code);
    const job: DisklessJob = {
      targets,
      mark,
      writer,
      snap: null as unknown as KeyspaceSnapshot,
      timer: null,
      waiting: false,
      done: false,
      started: unixtime(),
      t0: performance.now(),
    };
    job.snap = new KeyspaceSnapshot({ writer, cfg, out: (chunk) => this.writeToTargets(job, chunk) });
    try {
      server.forkSnapshot(() => job.snap.begin(req & SLAVE_REQ_RDB_EXCLUDE_DATA ? [] : server.dbs));
    } catch (e) {
      this.log.warn(`Can't save in background: ${(e as Error).message}`);
      return false;
    }
    for (const r of targets) {
      (r.ext.repl as ReplicaInfo).diskTarget = false;
      this.setupFullResync(r, repl.masterReplOffset);
      r.socket?.write(`$EOF:${mark}\r\n`, 'latin1');
    }
    this.job = job;
    this.log.info(`Background RDB transfer started by pid ${process.pid}`);
    this.schedule(job, 0);
    return true;
  }

  private writeToTargets(job: DisklessJob, chunk: Buffer): void {
    const now = unixtime();
    for (const r of job.targets) {
      const sock = r.socket;
      if (sock === null || sock.destroyed) continue;
      sock.write(chunk);
      this.server.stats.netReplOutputBytes += chunk.length;
      (r.ext.repl as ReplicaInfo).lastPartialWrite = now;
    }
  }

  private schedule(job: DisklessJob, delayMs: number): void {
    if (delayMs > 0) job.timer = setTimeout(() => this.slice(job), delayMs);
    else job.timer = setImmediate(() => this.slice(job));
  }

  /** One slice of the diskless transfer. */
  private slice(job: DisklessJob): void {
    job.timer = null;
    if (this.job !== job) return;
    job.targets = job.targets.filter((r) => this.server.clients.has(r.id) && r.socket !== null && !r.socket.destroyed);
    if (job.targets.length === 0) {
      this.log.warn('Diskless rdb transfer, last replica dropped, killing fork child.');
      this.abortJob();
      return;
    }
    // A replica that reads slowly holds the transfer back (the RDB pipe waits for it).
    for (const r of job.targets) {
      const sock = r.socket!;
      if (sock.writableLength > SOCKET_HIGH_WATER) {
        job.waiting = true;
        const resume = (): void => {
          sock.off('drain', resume);
          sock.off('close', resume);
          if (!job.waiting) return;
          job.waiting = false;
          if (this.job === job && job.timer === null) this.schedule(job, 0);
        };
        sock.on('drain', resume);
        sock.on('close', resume);
        return;
      }
    }
    const delayUs = this.server.config.num('rdb-key-save-delay');
    let done: boolean | null;
    try {
      done = job.snap.stepPaced(job.t0, delayUs, delayUs > 0 ? Infinity : performance.now() + SLICE_MS);
    } catch (e) {
      this.log.warn(`Write error saving DB on disk(rdbSaveRio): ${(e as Error).message}`);
      this.abortJob();
      return;
    }
    if (!done) {
      this.schedule(job, delayUs > 0 ? Math.max(1, Math.ceil(delayUs / 1000)) : 0);
      return;
    }
    job.writer.writeEof();
    this.writeToTargets(job, job.writer.take());
    this.writeToTargets(job, Buffer.from(job.mark, 'latin1'));
    job.done = true;
    this.job = null;
    this.log.info('Background RDB transfer terminated with success');
    for (const r of job.targets) {
      const info = r.ext.repl as ReplicaInfo;
      if (info.state !== SLAVE_STATE_WAIT_BGSAVE_END) continue;
      this.log.info(
        `Streamed RDB transfer with replica ${this.repl.replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`,
      );
      if (!this.repl.replicaPutOnline(r)) {
        // An rdb-only replica is done once the bytes are out.
        r.socket?.end();
        continue;
      }
      info.startOnAck = true;
    }
    // Replicas that waited for this transfer to end may start theirs.
    this.startPendingSync();
  }

  /** Kill the diskless transfer; its replicas are dropped. */
  private abortJob(): void {
    const job = this.job;
    if (job === null) return;
    this.job = null;
    if (job.timer !== null) {
      clearTimeout(job.timer as NodeJS.Timeout);
      clearImmediate(job.timer as NodeJS.Immediate);
      job.timer = null;
    }
    job.waiting = false;
    job.snap.abort();
    for (const r of job.targets) {
      if ((r.ext.repl as ReplicaInfo).state === SLAVE_STATE_WAIT_BGSAVE_END) this.server.closeClientAsap(r);
    }
  }

  /** A replica client was freed. */
  replicaGone(c: Client): void {
    const job = this.job;
    if (job !== null) {
      const i = job.targets.indexOf(c);
      if (i !== -1) job.targets.splice(i, 1);
    }
  }

  // ---- disk-based transfer -----------------------------------------------------------------------

  /** updateSlavesWaitingBgsave() for a BGSAVE to disk that ended (or was killed). */
  private bgsaveDone(ok: boolean): void {
    const repl = this.repl;
    for (const r of [...repl.replicas]) {
      const info = r.ext.repl as ReplicaInfo;
      if (info.state !== SLAVE_STATE_WAIT_BGSAVE_END || !info.diskTarget) continue;
      if (!ok) {
        this.server.closeClientAsap(r);
        this.log.warn('SYNC failed. BGSAVE child returned an error');
        continue;
      }
      let fd: number;
      let size: number;
      try {
        fd = fs.openSync(rdbOf(this.server).filePath(), 'r');
        size = fs.fstatSync(fd).size;
      } catch (e) {
        this.server.closeClientAsap(r);
        this.log.warn(`SYNC failed. Can't open/stat DB after BGSAVE: ${strerror(e)}`);
        continue;
      }
      info.state = SLAVE_STATE_SEND_BULK;
      this.sendBulk(r, fd, size);
    }
    // setImmediate: the BGSAVE state is cleared after the hooks ran.
    setImmediate(() => this.startPendingSync());
  }

  /** sendBulkToSlave(): "$<len>\r\n" and the file, at the pace the replica reads. */
  private sendBulk(r: Client, fd: number, size: number): void {
    const sock = r.socket!;
    const info = r.ext.repl as ReplicaInfo;
    sock.write(`$${size}\r\n`, 'latin1');
    const stream = fs.createReadStream('', { fd, highWaterMark: 64 * 1024, autoClose: true });
    let sent = 0;
    stream.on('data', (chunk) => {
      sent += chunk.length;
      this.server.stats.netReplOutputBytes += chunk.length;
      if (!sock.write(chunk)) {
        stream.pause();
        sock.once('drain', () => stream.resume());
      }
    });
    stream.on('error', (e) => {
      info.stopTransfer = null;
      this.log.warn(`Read error sending DB to replica: ${strerror(e)}`);
      this.server.closeClientAsap(r);
    });
    stream.on('end', () => {
      info.stopTransfer = null;
      if (!this.server.clients.has(r.id)) return;
      if (sent !== size) {
        this.log.warn('Read error sending DB to replica: premature EOF');
        this.server.closeClientAsap(r);
        return;
      }
      if (!this.repl.replicaPutOnline(r)) {
        sock.end();
        return;
      }
      this.repl.replicaStartCommandStream(r);
      this.server.flushPendingWrites();
    });
    info.stopTransfer = () => stream.destroy();
  }

  // ---- cron ----------------------------------------------------------------------------------------

  /** The replicas part of replicationCron(): keepalives and timeouts. */
  cron(): void {
    const repl = this.repl;
    const server = this.server;
    const now = unixtime();
    const timeout = server.config.num('repl-timeout');
    for (const r of [...repl.replicas]) {
      const info = r.ext.repl as ReplicaInfo;
      const presync =
        info.state === SLAVE_STATE_WAIT_BGSAVE_START || (info.state === SLAVE_STATE_WAIT_BGSAVE_END && info.diskTarget);
      if (presync) r.socket?.write('\n');
      if (info.state === SLAVE_STATE_ONLINE) {
        if (info.prePsync) continue;
        if (now - info.ackTime > timeout) {
          this.log.warn(`Disconnecting timedout replica (streaming sync): ${repl.replicaName(r)}`);
          server.closeClientAsap(r);
          continue;
        }
      }
      if (info.state === SLAVE_STATE_WAIT_BGSAVE_END && !info.diskTarget && this.job !== null) {
        if (info.lastPartialWrite !== 0 && now - info.lastPartialWrite > timeout) {
          this.log.warn(`Disconnecting timedout replica (full sync): ${repl.replicaName(r)}`);
          server.closeClientAsap(r);
        }
      }
    }
  }

  /**
   * shouldStartChildReplication() + replicationStartPendingFork(): start
   * the snapshot for waiting replicas once no other background save runs
   * (and, for diskless, after repl-diskless-sync-delay seconds of idle).
   */
  startPendingSync(): void {
    const repl = this.repl;
    if (repl.replicas.length === 0) return;
    const rdb = rdbOf(this.server);
    if (rdb.hasActiveChild()) return;
    const now = unixtime();
    let waiting = 0;
    let maxIdle = 0;
    let mincapa = 0;
    let req = -1;
    for (const r of repl.replicas) {
      const info = r.ext.repl as ReplicaInfo;
      if (info.state !== SLAVE_STATE_WAIT_BGSAVE_START) continue;
      if (req === -1) {
        req = info.req;
        mincapa = info.capa;
      } else if (info.req !== req) {
        continue;
      } else {
        mincapa &= info.capa;
      }
      const idle = now - Math.floor(r.lastInteraction / 1000);
      if (idle > maxIdle) maxIdle = idle;
      waiting++;
    }
    if (waiting === 0) return;
    const cfg = this.server.config;
    const maxReplicas = cfg.num('repl-diskless-sync-max-replicas');
    if (
      !cfg.bool('repl-diskless-sync') ||
      (maxReplicas > 0 && waiting >= maxReplicas) ||
      maxIdle >= cfg.num('repl-diskless-sync-delay')
    ) {
      this.startBgsaveForReplication(mincapa, req);
      this.server.flushPendingWrites();
    }
  }

  shutdown(): void {
    this.abortJob();
  }

  /** INFO persistence while a diskless transfer runs (rdb_bgsave_in_progress, current_save_keys_*). */
  infoPersistence(fields: InfoField[]): void {
    const job = this.job;
    if (job === null) return;
    const total = job.snap.keysTotal;
    const done = job.snap.keysProcessed;
    setInfoField(fields, 'rdb_bgsave_in_progress', 1);
    setInfoField(fields, 'rdb_current_bgsave_time_sec', unixtime() - job.started);
    setInfoField(fields, 'current_save_keys_processed', done);
    setInfoField(fields, 'current_save_keys_total', total);
    setInfoField(fields, 'current_fork_perc', (total > 0 ? (done / total) * 100 : 0).toFixed(2));
  }
}
