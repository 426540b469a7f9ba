/**
 * Replication state shared by both roles (replication.c's globals): the
 * replication IDs and offset, the backlog, the attached replicas, the
 * link to our own primary, and what joins them to the server: the
 * propagation hook that turns writes into the replication stream, the
 * once-a-second replicationCron(), the checks processCommand() makes
 * (NOREPLICAS, READONLY, MASTERDOWN), WAIT, and INFO replication.
 *
 * The primary side (PSYNC/SYNC, full syncs from a keyspace snapshot) is in
 * primary.ts, the replica side (handshake, transfer, the primary's client)
 * in replica.ts.
 */
import type { NodisServer } from '../server/server.js';
import { PAUSE_DURING_FAILOVER } from '../server/pause.js';
import { closeClientOnOutputBufferLimitReached } from '../server/obuf.js';
import { PROPAGATE_REPL } from '../server/propagation.js';
import { perServer } from '../server/per-server.js';
import type { Db } from '../store/db.js';
import { CLIENT_CLOSE_ASAP, CLIENT_MASTER, CLIENT_SLAVE, type Client, type StreamOutput } from '../server/client.js';
import { CMD_STALE, type Command } from '../commands/table.js';
import { addInfoHook, setInfoField, type InfoField } from '../server/info.js';
import { BLOCKED_WAIT, registerTimeoutReply } from '../server/blocking.js';
import { ReplBuffer, TRIM_BLOCKS_PER_CALL, newCursor, type StreamCursor } from './repl-buffer.js';
import { rdbOf } from '../persistence/rdb-save.js';
import { PrimarySync } from './primary.js';
import { ReplicaSide } from './replica.js';

/**
 * Stream bytes handed to a replica's socket that the kernel has not taken:
 * past this, the rest stays in the replication buffer until the socket
 * drains (where it counts against the replica's output buffer limit).
 */
const STREAM_HIGH_WATER = 256 * 1024;

/** Replica states as seen by the primary (SLAVE_STATE_*). */
export const SLAVE_STATE_WAIT_BGSAVE_START = 6;
export const SLAVE_STATE_WAIT_BGSAVE_END = 7;
export const SLAVE_STATE_SEND_BULK = 8;
export const SLAVE_STATE_ONLINE = 9;
export const SLAVE_STATE_RDB_TRANSMITTED = 10;

/** Replica capabilities (REPLCONF capa). */
export const SLAVE_CAPA_EOF = 1 << 0;
export const SLAVE_CAPA_PSYNC2 = 1 << 1;

/** The link with our primary (REPL_STATE_*). */
export const REPL_STATE_NONE = 0;
export const REPL_STATE_CONNECT = 1;
export const REPL_STATE_CONNECTING = 2;
export const REPL_STATE_RECEIVE_PING_REPLY = 3;
export const REPL_STATE_SEND_HANDSHAKE = 4;
export const REPL_STATE_RECEIVE_AUTH_REPLY = 5;
export const REPL_STATE_RECEIVE_PORT_REPLY = 6;
export const REPL_STATE_RECEIVE_IP_REPLY = 7;
export const REPL_STATE_RECEIVE_CAPA_REPLY = 8;
export const REPL_STATE_SEND_PSYNC = 9;
export const REPL_STATE_RECEIVE_PSYNC_REPLY = 10;
export const REPL_STATE_TRANSFER = 11;
export const REPL_STATE_CONNECTED = 12;

/** FAILOVER states. */
export const NO_FAILOVER = 0;
export const FAILOVER_WAIT_FOR_SYNC = 1;
export const FAILOVER_IN_PROGRESS = 2;

export const NOREPLICAS_ERR = '-NOREPLICAS Not enough good replicas to write.';
export const READONLY_ERR = "-READONLY You can't write against a read only replica.";
export const MASTERDOWN_ERR = "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/** What the primary knows about one replica connection (the slave_* fields of client). */
export interface ReplicaInfo {
  state: number;
  capa: number;
  /** REPLCONF listening-port. */
  listeningPort: number;
  /** REPLCONF ip-address (replica-announce-ip), or null. */
  announcedIp: string | null;
  /** Offset acknowledged with REPLCONF ACK, and when (unix seconds). */
  ackOff: number;
  ackTime: number;
  /** Diskless sync done: the stream starts with the replica's first ACK. */
  startOnAck: boolean;
  /** The offset sent with +FULLRESYNC. */
  psyncInitialOffset: number;
  /** Came with SYNC, not PSYNC: no +FULLRESYNC, no ACKs expected. */
  prePsync: boolean;
  /** REPLCONF rdb-only 1: the RDB only, no command stream. */
  rdbOnly: boolean;
  /** SLAVE_REQ_* filters of the RDB (REPLCONF rdb-filter-only). */
  req: number;
  /** Waiting for (or attached to) a BGSAVE to disk, rather than a socket transfer. */
  diskTarget: boolean;
  /** Unix time of the last progress writing a diskless RDB to it (0 = none yet). */
  lastPartialWrite: number;
  /** Stops a running transfer of the RDB file (disk-based sync). */
  stopTransfer: (() => void) | null;
  /** Its position in the replication buffer: the next byte to send. */
  cursor: StreamCursor;
  /** Listed for the turn's flush since the stream grew. */
  sendQueued: boolean;
  /** Waiting for its socket to drain before it is sent more. */
  drainArmed: boolean;
}

/** The replication state of a client (created by REPLCONF or SYNC). */
export function replicaInfo(c: Client): ReplicaInfo {
  let r = c.ext.repl as ReplicaInfo | undefined;
  if (r === undefined) {
    r = {
      state: 0,
      capa: 0,
      listeningPort: 0,
      announcedIp: null,
      ackOff: 0,
      ackTime: 0,
      startOnAck: false,
      psyncInitialOffset: 0,
      prePsync: false,
      rdbOnly: false,
      req: 0,
      diskTarget: false,
      lastPartialWrite: 0,
      stopTransfer: null,
      cursor: newCursor(),
      sendQueued: false,
      drainArmed: false,
    };
    c.ext.repl = r;
  }
  return r;
}

/** WAIT's blocking state. */
interface WaitInfo {
  offset: number;
  numreplicas: number;
}

export function unixtime(): number {
  return Math.floor(Date.now() / 1000);
}

/** Seconds since a replica's last ACK (INFO's slaveN lag=), 0 unless it is online. */
function replicaLag(info: ReplicaInfo, nowSec: number): number {
  return info.state === SLAVE_STATE_ONLINE ? nowSec - info.ackTime : 0;
}

export function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** A command in the RESP multibulk form of the replication stream. */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

export class Replication {
  // ---- both roles ------------------------------------------------------------------------
  replid = randomHex(40);
  replid2 = '0'.repeat(40);
  secondReplidOffset = -1;
  /** master_repl_offset: bytes of the stream produced (or proxied) so far. */
  masterReplOffset = 0;
  /** The replication buffer, holding the backlog (created with the first replica). */
  backlog: ReplBuffer | null = null;
  /** Attached replica clients (server.slaves), in attach order. */
  readonly replicas: Client[] = [];
  /** Db of the last SELECT in the stream (-1: the next command selects). */
  slaveseldb = -1;
  /** Unix time since when no replica is attached (backlog TTL). */
  noReplicasSince = unixtime();
  goodReplicas = 0;
  /**
   * Cron loops at 1 Hz (replication_cron_loops). Redis's first run is 1 ms
   * after start-up, before any replica can attach (no PING at offset 0):
   * that run is counted here.
   */
  cronLoops = 1;
  private lastCronSecond = 0;
  /** WAIT: a GETACK is sent to the replicas before the next I/O. */
  private getAckPending = false;
  private readonly waiting = new Set<Client>();
  private waitScheduled = false;
  /**
   * Keys a writable replica's own clients gave a TTL, with the dbs holding
   * them (slaveKeysWithExpire): the replica expires these itself.
   */
  private replicaKeysWithExpire = new Map<string, Set<number>>();

  // ---- failover --------------------------------------------------------------------------
  failoverState = NO_FAILOVER;
  failoverEndTime = 0;
  forceFailover = false;
  targetReplicaHost: string | null = null;
  targetReplicaPort = 0;

  readonly primary: PrimarySync;
  readonly replica: ReplicaSide;

  constructor(readonly server: NodisServer) {
    this.primary = new PrimarySync(this);
    this.replica = new ReplicaSide(this);
  }

  get log() {
    return this.server.logger;
  }

  // ---- IDs -------------------------------------------------------------------------------

  /** changeReplicationId(). */
  changeReplicationId(): void {
    this.replid = randomHex(40);
  }

  /** clearReplicationId2(). */
  clearReplicationId2(): void {
    this.replid2 = '0'.repeat(40);
    this.secondReplidOffset = -1;
  }

  /** shiftReplicationId(): our history continues under a new ID; the old one stays valid up to here. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
    this.log.warn(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplidOffset}. New replication ID is ${this.replid}`,
    );
  }

  createBacklog(): void {
    this.backlog = new ReplBuffer(this.server.config.num('repl-backlog-size'), this.masterReplOffset + 1);
    this.server.memory.replBuffer = this.backlog;
    // Writes reach the stream only while a backlog exists (feedStream() drops them otherwise).
    this.server.setPropagationTarget(this.feedHook, true, PROPAGATE_REPL);
  }

  /** freeReplicationBacklog(): only once no replica is left (they refer to its blocks). */
  freeBacklog(): void {
    // Replicas left are being closed: they drop their places in the old buffer.
    for (const r of this.replicas) (r.ext.repl as ReplicaInfo).cursor.block = null;
    this.backlog = null;
    this.server.memory.replBuffer = null;
    this.server.setPropagationTarget(this.feedHook, false, PROPAGATE_REPL);
  }

  /** The propagation hook: attached while the backlog exists. */
  private readonly feedHook = (dbid: number, argv: string[]): void => this.feedCommand(dbid, argv);

  // ---- the stream ------------------------------------------------------------------------

  /**
   * replicationFeedSlaves(): a write's effect, as produced by this server
   * (a replica proxies its primary's stream instead). `dbid` -1 emits no SELECT.
   */
  feedCommand(dbid: number, argv: readonly string[]): void {
    if (this.server.masterHost !== null) return;
    if (this.backlog === null && this.replicas.length === 0) return;
    let s = '';
    if (dbid !== this.slaveseldb && dbid !== -1) {
      const id = String(dbid);
      s = `*2\r\n$6\r\nSELECT\r\n$${id.length}\r\n${id}\r\n`;
      this.slaveseldb = dbid;
    }
    s += encodeCommand(argv);
    this.feedStream(s);
    // The client's last write is this far in the stream (WAIT).
    const cur = this.server.currentClient;
    if (cur !== null) cur.ext.woff = this.masterReplOffset;
  }

  /**
   * feedReplicationBuffer(): bytes of the stream go to the backlog and to
   * every replica that takes the stream (held back by those still loading
   * their RDB).
   */
  feedStream(data: string | Buffer): void {
    const bl = this.backlog;
    if (bl === null || data.length === 0) return;
    const at = bl.append(data);
    this.masterReplOffset += data.length;
    const replicas = this.replicas;
    for (let i = 0; i < replicas.length; i++) {
      const r = replicas[i];
      const info = r.ext.repl as ReplicaInfo;
      // canFeedReplicaReplBuffer().
      if (info.state === SLAVE_STATE_WAIT_BGSAVE_START || info.rdbOnly || r.flags & CLIENT_CLOSE_ASAP) continue;
      // A replica takes the stream from the first byte fed after its sync began.
      if (info.cursor.block === null) bl.attach(info.cursor, at.block, at.pos);
      // The limits are checked as the buffer gains a block.
      if (at.added && closeClientOnOutputBufferLimitReached(r, true)) continue;
      if (!r.outputHeld) this.queueSend(r);
    }
    if (at.added) bl.trim(TRIM_BLOCKS_PER_CALL);
  }

  /**
   * beforeSleep(): after every turn's writes (and from the cron, for idle
   * times), blocks no one needs any more go, ten calls' worth at a time.
   * The backlog also crosses its size as its last block fills, with no
   * block added: this is where it is trimmed then.
   */
  private trimBacklog(): void {
    if (this.backlog !== null) this.backlog.trim(10 * TRIM_BLOCKS_PER_CALL);
  }

  /** List a replica for the turn's flush, which sends it the stream (sendStream()). */
  queueSend(c: Client): void {
    const info = c.ext.repl as ReplicaInfo;
    if (info.sendQueued) return;
    info.sendQueued = true;
    this.server.markPendingWrite(c);
  }

  /**
   * writeToClient() of a replica: the stream from its position on goes to
   * its socket, as views of the buffer's blocks (no copy), until the socket
   * holds STREAM_HIGH_WATER bytes the kernel has not taken; the rest is
   * sent when it drains. Blocks it has passed are released.
   */
  private sendStream(c: Client, force: boolean): void {
    const info = c.ext.repl as ReplicaInfo;
    info.sendQueued = false;
    const bl = this.backlog;
    const cur = info.cursor;
    const sock = c.socket;
    if (bl === null || cur.block === null || c.outputHeld || sock === null || sock.destroyed || c.flags & CLIENT_CLOSE_ASAP) return;
    let sent = 0;
    let moved = false;
    for (;;) {
      const b = cur.block!;
      if (cur.pos < b.used) {
        // (Past the socket's own high-water mark, 16 KB: its 'drain' will come.)
        if (!force && sock.writableLength >= STREAM_HIGH_WATER) {
          if (!info.drainArmed) {
            info.drainArmed = true;
            // Resumed by the turn's flush, behind the AOF's fsync barrier
            // (appendfsync always) as every write to a replica is.
            sock.once('drain', () => {
              info.drainArmed = false;
              this.queueSend(c);
            });
          }
          break;
        }
        sock.write(b.buf.subarray(cur.pos, b.used));
        sent += b.used - cur.pos;
        cur.pos = b.used;
      }
      if (!bl.step(cur)) break;
      moved = true;
    }
    if (sent > 0) {
      this.server.stats.netReplOutputBytes += sent;
      c.netOut += sent;
    }
    if (moved) bl.trim(TRIM_BLOCKS_PER_CALL);
  }

  /** The client's view of its part of the buffer (Client.streamOut). */
  private streamOutput(c: Client): StreamOutput {
    const info = c.ext.repl as ReplicaInfo;
    return {
      send: (force) => this.sendStream(c, force),
      memory: () => (this.backlog === null ? 0 : this.backlog.memoryFrom(info.cursor)),
      blocks: () => (this.backlog === null ? 0 : this.backlog.blocksFrom(info.cursor)),
    };
  }

  // ---- replicas ------------------------------------------------------------------------------

  /** replicationGetSlaveName(): "ip:port", or the client id without a listening port. */
  replicaName(c: Client): string {
    const info = c.ext.repl as ReplicaInfo | undefined;
    const ip = this.replicaIp(c);
    if (info !== undefined && info.listeningPort !== 0) return `${ip}:${info.listeningPort}`;
    return `${ip}:<unknown-replica-port>`;
  }

  /** The address a replica is listed with: its announced IP, else the peer address. */
  replicaIp(c: Client): string {
    const info = c.ext.repl as ReplicaInfo | undefined;
    if (info !== undefined && info.announcedIp !== null) return info.announcedIp;
    const a = c.socket?.remoteAddress ?? '';
    return a.startsWith('::ffff:') ? a.slice(7) : a;
  }

  /** A client becomes a replica (CLIENT_SLAVE; the replica output buffer class applies). */
  addReplica(c: Client): void {
    replicaInfo(c);
    c.flags |= CLIENT_SLAVE;
    c.ext.isReplica = true;
    c.streamOut = this.streamOutput(c);
    this.replicas.push(c);
  }

  /** The replica stops taking the stream: its range of the buffer is released. */
  detachReplica(c: Client): void {
    const info = c.ext.repl as ReplicaInfo;
    c.streamOut = null;
    if (this.backlog !== null) this.backlog.release(info.cursor);
    else info.cursor.block = null;
  }

  /** The replica left (freeClient()). */
  replicaFreed(c: Client): void {
    const i = this.replicas.indexOf(c);
    if (i === -1) return;
    this.replicas.splice(i, 1);
    const info = c.ext.repl as ReplicaInfo;
    this.detachReplica(c);
    if (info.stopTransfer !== null) info.stopTransfer();
    this.primary.replicaGone(c);
    this.log.warn(`Connection with replica ${this.replicaName(c)} lost.`);
    if (this.replicas.length === 0) this.noReplicasSince = unixtime();
    this.refreshGoodReplicasCount();
  }

  /** replicaPutOnline(): false for an rdb-only replica, which is done. */
  replicaPutOnline(c: Client): boolean {
    const info = c.ext.repl as ReplicaInfo;
    if (info.rdbOnly) {
      info.state = SLAVE_STATE_RDB_TRANSMITTED;
      this.log.info(`RDB transfer completed, rdb only replica (${this.replicaName(c)}) should be disconnected asap`);
      return false;
    }
    info.state = SLAVE_STATE_ONLINE;
    info.ackTime = unixtime();
    this.refreshGoodReplicasCount();
    this.log.info(`Synchronization with replica ${this.replicaName(c)} succeeded`);
    return true;
  }

  /** replicaStartCommandStream(): send what accumulated while the RDB was in flight. */
  replicaStartCommandStream(c: Client): void {
    const info = c.ext.repl as ReplicaInfo;
    info.startOnAck = false;
    c.outputHeld = false;
    this.queueSend(c);
  }

  /** disconnectSlaves(). */
  disconnectReplicas(): void {
    for (const c of [...this.replicas]) this.server.closeClientAsap(c);
  }

  /** refreshGoodSlavesCount(). */
  refreshGoodReplicasCount(): void {
    const cfg = this.server.config;
    const min = cfg.num('min-replicas-to-write');
    const maxLag = cfg.num('min-replicas-max-lag');
    if (min === 0 || maxLag === 0) return;
    const now = unixtime();
    let good = 0;
    for (const c of this.replicas) {
      const info = c.ext.repl as ReplicaInfo;
      if (info.state === SLAVE_STATE_ONLINE && now - info.ackTime <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  /** checkGoodReplicasStatus(). */
  goodReplicasStatusOk(): boolean {
    const cfg = this.server.config;
    const min = cfg.num('min-replicas-to-write');
    return this.server.masterHost !== null || cfg.num('min-replicas-max-lag') === 0 || min === 0 || this.goodReplicas >= min;
  }

  /** REPLCONF ACK from a replica. */
  ack(c: Client, offset: number): void {
    const info = c.ext.repl as ReplicaInfo;
    if (offset > info.ackOff) info.ackOff = offset;
    info.ackTime = unixtime();
    if (info.startOnAck && info.state === SLAVE_STATE_ONLINE) this.replicaStartCommandStream(c);
    if (this.waiting.size > 0 || this.failoverState === FAILOVER_WAIT_FOR_SYNC) this.scheduleWaitCheck();
  }

  // ---- WAIT ------------------------------------------------------------------------------------

  /** replicationCountAcksByOffset(). */
  countAcksByOffset(offset: number): number {
    let n = 0;
    for (const c of this.replicas) {
      const info = c.ext.repl as ReplicaInfo;
      if (info.state === SLAVE_STATE_ONLINE && info.ackOff >= offset) n++;
    }
    return n;
  }

  /** Block `c` in WAIT until `numreplicas` acknowledged its last write, or the timeout. */
  blockForReplicas(c: Client, offset: number, numreplicas: number, timeout: number): void {
    const data: WaitInfo = { offset, numreplicas };
    this.server.blocking.blockForKeys(c, BLOCKED_WAIT, [], { timeout, data });
    this.waiting.add(c);
    this.requestAckFromReplicas();
  }

  /** replicationRequestAckFromSlaves(): one GETACK for every WAIT of this event-loop turn. */
  requestAckFromReplicas(): void {
    if (this.getAckPending) return;
    this.getAckPending = true;
    setImmediate(() => {
      this.getAckPending = false;
      if (this.replicas.length === 0 || this.server.masterHost !== null) return;
      this.feedCommand(this.slaveseldb, ['REPLCONF', 'GETACK', '*']);
      this.server.flushPendingWrites();
    });
  }

  private scheduleWaitCheck(): void {
    if (this.waitScheduled) return;
    this.waitScheduled = true;
    setImmediate(() => {
      this.waitScheduled = false;
      this.processClientsWaitingReplicas();
      // Not where the ACK is read: a failover disconnects the replicas.
      this.updateFailoverStatus();
      this.server.flushPendingWrites();
    });
  }

  /** processClientsWaitingReplicas(). */
  processClientsWaitingReplicas(): void {
    for (const c of [...this.waiting]) {
      const w = (c.ext.blocked as { data?: unknown } | undefined)?.data as WaitInfo | undefined;
      if (w === undefined) {
        this.waiting.delete(c);
        continue;
      }
      const n = this.countAcksByOffset(w.offset);
      if (n >= w.numreplicas) {
        this.waiting.delete(c);
        this.server.blocking.unblockClient(c);
        c.addReplyLongLong(n);
      }
    }
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /** isReadyToShutdown(): every replica acknowledged the whole stream (true with none). */
  replicasInSync(): boolean {
    for (const c of this.replicas) if ((c.ext.repl as ReplicaInfo).ackOff !== this.masterReplOffset) return false;
    return true;
  }

  /** finishShutdown()'s report: a warning per lagging replica, then how many are in sync. */
  logReplicasOnShutdown(): void {
    const n = this.replicas.length;
    if (n === 0) return;
    let lagging = 0;
    for (const c of this.replicas) {
      const info = c.ext.repl as ReplicaInfo;
      if (info.ackOff === this.masterReplOffset) continue;
      lagging++;
      this.log.warn(
        `Lagging replica ${this.replicaName(c)} reported offset ${this.masterReplOffset - info.ackOff} behind master, lag=${replicaLag(info, unixtime())}, state=${replstateToString(info.state)}.`,
      );
    }
    this.log.info(`${n - lagging} of ${n} replicas are in sync when shutting down.`);
  }

  /** A WAIT timed out (or CLIENT UNBLOCK): the replicas that acknowledged so far. */
  waitTimedOut(c: Client, data: unknown): void {
    this.waiting.delete(c);
    c.addReplyLongLong(this.countAcksByOffset((data as WaitInfo).offset));
  }

  // ---- processCommand() checks ----------------------------------------------------------------------

  /** NOREPLICAS and READONLY, checked before the pub/sub context check. */
  checkWrites(c: Client, isWrite: boolean): string | null {
    if (!isWrite) return null;
    if (!this.goodReplicasStatusOk()) return NOREPLICAS_ERR;
    if (
      this.server.masterHost !== null &&
      this.server.config.bool('replica-read-only') &&
      (c.flags & CLIENT_MASTER) === 0 &&
      c.ext.isAof !== true
    ) {
      return READONLY_ERR;
    }
    return null;
  }

  /**
   * MASTERDOWN: a stale replica refuses commands without the stale flag,
   * and an EXEC holding one (the replica may have become stale after they
   * were queued).
   */
  checkStale(c: Client, cmd: Command, flags = cmd.flags): string | null {
    if (
      this.server.masterHost === null ||
      this.replica.state === REPL_STATE_CONNECTED ||
      this.server.config.bool('replica-serve-stale-data')
    ) {
      return null;
    }
    if ((flags & CMD_STALE) === 0) return MASTERDOWN_ERR;
    // An EXEC holding a command not flagged stale (mstate.cmd_inv_flags).
    const inv = this.server.queuedCommandInvFlags;
    if (cmd.name === 'exec' && inv !== null && (inv(c) & CMD_STALE) !== 0) return MASTERDOWN_ERR;
    return null;
  }

  // ---- keys with a TTL on a writable replica -----------------------------------------------------------

  /** rememberSlaveKeyWithExpire(): a client of a writable replica set a TTL. */
  rememberReplicaKeyWithExpire(db: Db, key: string): void {
    const c = this.server.currentClient;
    if (this.server.replicaReadOnly || c === null || c.flags & CLIENT_MASTER) return;
    let dbs = this.replicaKeysWithExpire.get(key);
    if (dbs === undefined) {
      dbs = new Set();
      this.replicaKeysWithExpire.set(key, dbs);
    }
    dbs.add(db.id);
  }

  /** expireSlaveKeys(): delete the tracked keys whose time has come, within about 1 ms. */
  private expireReplicaKeys(): void {
    const tracked = this.replicaKeysWithExpire;
    if (tracked.size === 0) return;
    const server = this.server;
    const start = performance.now();
    const now = server.clock.now();
    let budget = tracked.size;
    for (const [key, dbs] of tracked) {
      if (budget-- === 0) break;
      const keep = new Set<number>();
      for (const id of dbs) {
        const db = server.dbs[id];
        const when = db.expires.get(key);
        if (when === undefined) continue;
        if (when < now) db.deleteExpired(key);
        else keep.add(id);
      }
      // Checked entries go to the end, so the next round starts with others.
      tracked.delete(key);
      if (keep.size > 0) tracked.set(key, keep);
      if ((budget & 63) === 0 && performance.now() - start > 1) break;
    }
  }

  // ---- cron ------------------------------------------------------------------------------------------

  /** Called on every server cron tick: replicationCron() once a second, pending full syncs more often. */
  cron(): void {
    const now = unixtime();
    if (now !== this.lastCronSecond) {
      this.lastCronSecond = now;
      this.replicationCron();
    }
    this.primary.startPendingSync();
    this.trimBacklog();
    // beforeSleep() checks a coordinated failover on every turn.
    this.updateFailoverStatus();
    // databasesCron(): a replica expires the keys its own clients set to expire.
    if (this.server.masterHost !== null) this.expireReplicaKeys();
  }

  /** replicationCron(). */
  private replicationCron(): void {
    const server = this.server;
    const cfg = server.config;
    this.updateFailoverStatus();
    this.replica.cron();

    const pingPeriod = Math.max(1, cfg.num('repl-ping-replica-period'));
    if (this.cronLoops % pingPeriod === 0 && this.replicas.length > 0) {
      const failoverPause = this.failoverState !== NO_FAILOVER && server.writesPaused();
      if (!failoverPause) this.feedCommand(this.slaveseldb, ['PING']);
    }
    this.primary.cron();

    const ttl = cfg.num('repl-backlog-ttl');
    if (this.replicas.length === 0 && ttl > 0 && this.backlog !== null && server.masterHost === null) {
      const idle = unixtime() - this.noReplicasSince;
      if (idle > ttl) {
        this.changeReplicationId();
        this.clearReplicationId2();
        this.freeBacklog();
        this.log.info(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.refreshGoodReplicasCount();
    this.cronLoops++;
    server.flushPendingWrites();
  }

  // ---- FAILOVER --------------------------------------------------------------------------------------

  failoverStateString(): string {
    switch (this.failoverState) {
      case NO_FAILOVER:
        return 'no-failover';
      case FAILOVER_IN_PROGRESS:
        return 'failover-in-progress';
      case FAILOVER_WAIT_FOR_SYNC:
        return 'waiting-for-sync';
      default:
        return 'unknown';
    }
  }

  /** findReplica(): the attached replica listed as host:port. */
  findReplica(host: string, port: number): Client | null {
    for (const c of this.replicas) {
      const info = c.ext.repl as ReplicaInfo;
      if (this.replicaIp(c).toLowerCase() === host.toLowerCase() && info.listeningPort === port) return c;
    }
    return null;
  }

  /** clearFailoverState(): also ends the write pause. */
  clearFailoverState(): void {
    this.failoverEndTime = 0;
    this.forceFailover = false;
    this.targetReplicaHost = null;
    this.targetReplicaPort = 0;
    const wasPausing = this.failoverState !== NO_FAILOVER;
    this.failoverState = NO_FAILOVER;
    if (wasPausing) this.server.unpauseClients(PAUSE_DURING_FAILOVER);
  }

  /** abortFailover(). */
  abortFailover(err: string): void {
    if (this.failoverState === NO_FAILOVER) return;
    if (this.targetReplicaHost !== null) {
      this.log.info(`FAILOVER to ${this.targetReplicaHost}:${this.targetReplicaPort} aborted: ${err}`);
    } else {
      this.log.info(`FAILOVER to any replica aborted: ${err}`);
    }
    if (this.failoverState === FAILOVER_IN_PROGRESS) this.replica.unsetPrimary();
    this.clearFailoverState();
  }

  /** updateFailoverStatus(): fail over once the target replica caught up. */
  updateFailoverStatus(): void {
    if (this.failoverState !== FAILOVER_WAIT_FOR_SYNC) return;
    const now = Date.now();
    if (this.failoverEndTime !== 0 && this.failoverEndTime <= now) {
      if (this.forceFailover) {
        this.log.info(`FAILOVER to ${this.targetReplicaHost}:${this.targetReplicaPort} time out exceeded, failing over.`);
        this.failoverState = FAILOVER_IN_PROGRESS;
        this.replica.setPrimary(this.targetReplicaHost!, this.targetReplicaPort);
      } else {
        this.abortFailover('Replica never caught up before timeout');
      }
      return;
    }
    let target: Client | null = null;
    if (this.targetReplicaHost !== null) {
      target = this.findReplica(this.targetReplicaHost, this.targetReplicaPort);
    } else {
      for (const c of this.replicas) {
        const info = c.ext.repl as ReplicaInfo;
        if (info.ackOff === this.masterReplOffset) {
          target = c;
          this.targetReplicaHost = this.replicaIp(c);
          this.targetReplicaPort = info.listeningPort;
          break;
        }
      }
    }
    if (target !== null && (target.ext.repl as ReplicaInfo).ackOff === this.masterReplOffset) {
      this.failoverState = FAILOVER_IN_PROGRESS;
      this.log.info(`Failover target ${this.targetReplicaHost}:${this.targetReplicaPort} is synced, failing over.`);
      this.replica.setPrimary(this.targetReplicaHost!, this.targetReplicaPort);
    }
  }

  // ---- INFO ------------------------------------------------------------------------------------------

  /** The replication section, as genRedisInfoString() writes it. */
  infoReplication(fields: InfoField[]): void {
    const server = this.server;
    const cfg = server.config;
    const out: InfoField[] = [['role', server.masterHost === null ? 'master' : 'slave']];
    const rep = this.replica;
    if (server.masterHost !== null) {
      const now = unixtime();
      const state = rep.state;
      const off = rep.offsets();
      out.push(
        ['master_host', server.masterHost],
        ['master_port', rep.masterPort],
        ['master_link_status', state === REPL_STATE_CONNECTED ? 'up' : 'down'],
        ['master_last_io_seconds_ago', rep.master !== null ? Math.floor((Date.now() - rep.master.lastInteraction) / 1000) : -1],
        ['master_sync_in_progress', state === REPL_STATE_TRANSFER ? 1 : 0],
        ['slave_read_repl_offset', off.read],
        ['slave_repl_offset', off.applied],
      );
      if (state === REPL_STATE_TRANSFER) {
        const t = rep.transferInfo();
        const perc = t.size > 0 ? (t.read / t.size) * 100 : 0;
        out.push(
          ['master_sync_total_bytes', t.size],
          ['master_sync_read_bytes', t.read],
          ['master_sync_left_bytes', t.size - t.read],
          ['master_sync_perc', perc.toFixed(2)],
          ['master_sync_last_io_seconds_ago', now - t.lastio],
        );
      }
      if (state !== REPL_STATE_CONNECTED) {
        out.push(['master_link_down_since_seconds', rep.downSince !== 0 ? now - rep.downSince : -1]);
      }
      out.push(
        ['slave_priority', cfg.num('replica-priority')],
        ['slave_read_only', cfg.bool('replica-read-only') ? 1 : 0],
        ['replica_announced', cfg.bool('replica-announced') ? 1 : 0],
      );
    }
    out.push(['connected_slaves', this.replicas.length]);
    if (cfg.num('min-replicas-to-write') !== 0 && cfg.num('min-replicas-max-lag') !== 0) {
      out.push(['min_slaves_good_slaves', this.goodReplicas]);
    }
    let id = 0;
    const nowSec = unixtime();
    for (const c of this.replicas) {
      const info = c.ext.repl as ReplicaInfo;
      const state = replstateToString(info.state);
      if (state === '') continue;
      const lag = replicaLag(info, nowSec);
      out.push([
        `slave${id}`,
        `ip=${this.replicaIp(c)},port=${info.listeningPort},state=${state},offset=${info.ackOff},lag=${lag}`,
      ]);
      id++;
    }
    const bl = this.backlog;
    out.push(
      ['master_failover_state', this.failoverStateString()],
      ['master_replid', this.replid],
      ['master_replid2', this.replid2],
      ['master_repl_offset', this.masterReplOffset],
      ['second_repl_offset', this.secondReplidOffset],
      ['repl_backlog_active', bl !== null ? 1 : 0],
      ['repl_backlog_size', cfg.num('repl-backlog-size')],
      ['repl_backlog_first_byte_offset', bl !== null ? bl.offset : 0],
      ['repl_backlog_histlen', bl !== null ? bl.histlen : 0],
    );
    fields.splice(0, fields.length, ...out);
  }

  infoStats(fields: InfoField[]): void {
    const stats = this.server.stats;
    setInfoField(fields, 'sync_full', stats.syncFull);
    setInfoField(fields, 'sync_partial_ok', stats.syncPartialOk);
    setInfoField(fields, 'sync_partial_err', stats.syncPartialErr);
    setInfoField(fields, 'total_net_repl_input_bytes', stats.netReplInputBytes);
    setInfoField(fields, 'total_net_repl_output_bytes', stats.netReplOutputBytes);
    setInfoField(fields, 'slave_expires_tracked_keys', this.replicaKeysWithExpire.size);
  }

  // ---- restart ---------------------------------------------------------------------------------------

  /**
   * loadDataFromDisk()'s use of the RDB's repl-* AUX fields: a replica
   * continues from the recorded history (a cached primary), a primary keeps
   * it as replid2 so its replicas can continue.
   */
  restoreFromRdb(aux: Map<string, string>): void {
    const id = aux.get('repl-id');
    const off = aux.get('repl-offset');
    const db = aux.get('repl-stream-db');
    const offset = off !== undefined ? parseInt(off, 10) || 0 : -1;
    const dbid = db !== undefined ? parseInt(db, 10) || 0 : -1;
    const valid = id !== undefined && id.length === 40 && off !== undefined && offset !== -1 && dbid !== -1;
    if (valid) {
      if (this.server.masterHost !== null) {
        this.replid = id;
        this.masterReplOffset = offset;
        this.replica.cacheUsingMyself(dbid);
      } else {
        this.replid2 = id;
        this.secondReplidOffset = offset + 1;
        this.masterReplOffset += offset;
        if (this.backlog !== null) this.backlog.rebase(this.masterReplOffset);
        this.noReplicasSince = unixtime();
      }
    }
    // Without a history to continue, the backlog has no use.
    if (!valid && this.backlog !== null) this.freeBacklog();
  }

  // ---- wiring ------------------------------------------------------------------------------------------

  install(): void {
    const server = this.server;
    if (this.backlog !== null) server.setPropagationTarget(this.feedHook, true, PROPAGATE_REPL);
    server.hooks.cron.push(() => this.cron());
    server.afterWrites.push(() => this.trimBacklog());
    server.memory.replicaCount = () => this.replicas.length;
    server.memory.notCountedForEvict.push(() => (this.backlog === null ? 0 : this.backlog.notCountedForEvict()));
    server.hooks.loadingCron.push(() => this.replica.loadingCron());
    server.hooks.replicaNewline.push((c) => {
      const info = c.ext.repl as ReplicaInfo | undefined;
      if (info !== undefined) info.ackTime = unixtime();
    });
    server.hooks.clientFreed.push((c) => {
      if (c.flags & CLIENT_SLAVE && c.ext.repl !== undefined) this.replicaFreed(c);
      if (c.flags & CLIENT_MASTER) this.replica.primaryClientFreed(c);
      if (this.waiting.has(c)) this.waiting.delete(c);
    });
    const stop = (): void => {
      // flushSlavesOutputBuffers(): the last writes reach the replicas before the sockets close.
      for (const r of this.replicas) {
        if (r.outputHeld) continue;
        r.flush();
        this.sendStream(r, true);
      }
      this.primary.shutdown();
      this.replica.shutdown();
    };
    server.hooks.shutdown.push(stop);
    // An embedded server's close(): no transfer or link outlives it.
    server.hooks.closing.push(stop);
    server.replicationChecks = {
      beforePubsub: (c, _cmd, isWrite) => this.checkWrites(c, isWrite),
      afterPubsub: (c, cmd, flags) => this.checkStale(c, cmd, flags),
      primaryCommandProcessed: (c) => this.replica.primaryCommandProcessed(c),
      expireSet: (db, key) => this.rememberReplicaKeyWithExpire(db, key),
      replicasInSync: () => this.replicasInSync(),
      logReplicasOnShutdown: () => this.logReplicasOnShutdown(),
      requestAck: () => this.requestAckFromReplicas(),
      latestBacklog: () => {
        const b = this.backlog;
        if (b === null || b.histlen === 0) return null;
        return b.readFrom(b.offset + b.histlen - Math.min(256, b.histlen)).latin1Slice();
      },
    };
    server.replicaReadOnly = server.config.bool('replica-read-only');
    // FLUSHALL forgets the tracked keys (flushSlaveKeysWithExpireList()).
    server.hooks.dbFlushed.push((dbid) => {
      if (dbid === -1) this.replicaKeysWithExpire.clear();
    });
    for (const name of ['min-replicas-to-write', 'min-replicas-max-lag']) {
      server.config.registerApply(name, () => {
        this.refreshGoodReplicasCount();
        return null;
      });
    }
    // One registration for all servers of the process: dispatch on the client's.
    registerTimeoutReply(BLOCKED_WAIT, (c, data) => replOf(c.server).waitTimedOut(c, data));
    server.config.onChange((name) => {
      if (name === 'repl-backlog-size' && this.backlog !== null) this.backlog.resize(server.config.num('repl-backlog-size'));
      if (name === 'replica-read-only') server.replicaReadOnly = server.config.bool('replica-read-only');
    });
    addInfoHook(server, 'replication', (fields) => this.infoReplication(fields));
    addInfoHook(server, 'stats', (fields) => this.infoStats(fields));
    // A diskless transfer is an RDB child with socket target for INFO persistence.
    addInfoHook(server, 'persistence', (fields) => this.primary.infoPersistence(fields));
    this.primary.install();
    this.replica.install();
    const rdb = rdbOf(server);
    rdb.startupLoad = {
      begin: () => {
        if (server.masterHost !== null) return;
        // A primary records the DELs of keys found expired (RDBFLAGS_FEED_REPL).
        this.createBacklog();
        rdb.expiredAtLoad = (dbid, key) =>
          this.feedCommand(dbid, [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
      },
      end: (aux) => {
        rdb.expiredAtLoad = null;
        this.restoreFromRdb(aux);
      },
    };
  }
}

/** replstateToString(). */
export function replstateToString(state: number): string {
  switch (state) {
    case SLAVE_STATE_WAIT_BGSAVE_START:
    case SLAVE_STATE_WAIT_BGSAVE_END:
      return 'wait_bgsave';
    case SLAVE_STATE_SEND_BULK:
      return 'send_bulk';
    case SLAVE_STATE_ONLINE:
      return 'online';
    default:
      return '';
  }
}

const instances = perServer(
  (server) => new Replication(server),
  (r) => r.install(),
);

/** The server's replication state (installed with the server). */
export function replOf(server: NodisServer): Replication {
  return instances.get(server);
}
