/**
 * The replica side of replication (replication.c's SLAVE part): the link
 * to the primary (connect, PING, AUTH, REPLCONF, PSYNC), the RDB transfer
 * (`$<len>` or `$EOF:<mark>`, to a temp file that becomes `dbfilename`, or
 * to memory with repl-diskless-load), loading it into a fresh keyspace,
 * and then the primary's client: the command stream it sends is executed
 * like any client's commands (replies suppressed), its offset advances as
 * commands complete, and the applied bytes are proxied verbatim to our own
 * replicas and backlog (chained replication keeps the primary's replid).
 *
 * After a disconnection the primary's state is cached (replid, offset,
 * selected db) so the next connection can PSYNC and continue (+CONTINUE).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { Client } from '../server/client.js';
import { CLIENT_BLOCKED, CLIENT_CLOSE_AFTER_REPLY, CLIENT_CLOSE_ASAP, CLIENT_MASTER, CLIENT_MULTI, CLIENT_REPLY_OFF } from '../server/client.js';
import { strerror, type ReplicaOf } from '../server/config-defs.js';
import { AclUser } from '../server/acl.js';
import { Db, type KeyspaceContext } from '../store/db.js';
import type { RValue } from '../store/types.js';
import { emptyData } from '../commands/keys.js';
import { ChunkSource, NEED_MORE_STEP, fdSource, loadRdbSteps, RdbLoadError, type RdbFileSource, type RdbSink } from '../persistence/rdb/reader.js';
import { LoadAbandoned, runLoadStepsAsync } from '../persistence/load-steps.js';
import { clearFunctions, functionLibraryCodes, loadFunctionFromRdb } from '../scripting/function-libraries.js';
import { loadAuxField, loadingPace, logLoadDone, rdbOf, warnEmptyKey } from '../persistence/rdb-save.js';
import { aofOf } from '../persistence/aof/index.js';
import { AOF_OFF } from '../persistence/aof/aof.js';
import { setKeyUsage, usagePolicy } from '../persistence/rdb/usage.js';
import {
  type Replication,
  unixtime,
  encodeCommand,
  FAILOVER_IN_PROGRESS,
  REPL_STATE_NONE,
  REPL_STATE_CONNECT,
  REPL_STATE_CONNECTING,
  REPL_STATE_RECEIVE_PING_REPLY,
  REPL_STATE_RECEIVE_AUTH_REPLY,
  REPL_STATE_RECEIVE_PORT_REPLY,
  REPL_STATE_RECEIVE_IP_REPLY,
  REPL_STATE_RECEIVE_CAPA_REPLY,
  REPL_STATE_RECEIVE_PSYNC_REPLY,
  REPL_STATE_TRANSFER,
  REPL_STATE_CONNECTED,
} from './replication.js';

const CONFIG_RUN_ID_SIZE = 40;
/** repl-diskless-load values (0 is disabled). */
const REPL_DISKLESS_LOAD_WHEN_DB_EMPTY = 1;
const REPL_DISKLESS_LOAD_SWAPDB = 2;

/** What a PSYNC continues from: the state of the last primary (server.cached_master). */
interface CachedPrimary {
  replid: string;
  reploff: number;
  dbid: number;
}

/** The bulk transfer of the RDB (repl_transfer_*). */
interface Transfer {
  /** Announced size, -1 before the `$` line, 0 with an EOF mark. */
  size: number;
  read: number;
  usemark: boolean;
  mark: string;
  /** Last CONFIG_RUN_ID_SIZE bytes received (EOF mark detection; not yet given to a diskless parse). */
  last: Buffer;
  /** Loading from memory (diskless load) or from the temp file. */
  diskless: boolean;
  /** repl-diskless-load swapdb when the transfer began: the load goes to a side keyspace. */
  swapdb: boolean;
  fd: number;
  tmpfile: string | null;
  /** A diskless load started loading when the payload began (stopped when it ends or fails). */
  loading: boolean;
  /** The payload is in and being parsed: the link is paused. */
  parsing: boolean;
  /**
   * A diskless load, parsed as the payload comes: its chunks, what the load
   * left to do when it finished before the transfer did, and the bytes
   * that followed the payload.
   */
  stream: {
    src: ChunkSource;
    /** The parse finished first: the transfer's end completes the sync. */
    parsed: boolean;
    rest: Buffer;
    target: Db[];
    libs: string[] | null;
    /** Where the parsed RDB ended. */
    end: number;
  } | null;
  /** The link closed during the parse (handled once the dataset is in). */
  linkLost: boolean;
}

export class ReplicaSide {
  /** repl_state. */
  state = REPL_STATE_NONE;
  masterPort = 0;
  /** The primary's client (server.master) while connected. */
  master: Client | null = null;
  cached: CachedPrimary | null = null;
  /** Offset applied (reploff) and read (read_reploff) on the primary's stream. */
  reploff = 0;
  readReploff = 0;
  /** The replid the primary's client follows. */
  private masterClientReplid = '';
  /** From +FULLRESYNC: the primary's replid and offset (master_replid, master_initial_offset). */
  private masterReplid = '';
  private masterInitialOffset = -1;
  /** Unix time the link went down (0 = never since the last success). */
  downSince = 0;
  /** The connection being set up (repl_transfer_s), then the primary's socket. */
  private sock: net.Socket | null = null;
  /** Incremented per connection: events of an abandoned socket are ignored. */
  private gen = 0;
  private inbuf: Buffer = Buffer.alloc(0);
  /** Unix time of the last newline sent to the primary during a load. */
  private newlineSent = 0;
  /** Unix time of the last I/O during the handshake or transfer. */
  lastio = 0;
  private transfer: Transfer | null = null;
  private lastError = '';
  /** The primary connection ended with a protocol error: do not cache it. */
  private protocolError = false;
  /** Stream bytes received from the primary and not yet applied. */
  private raw: Buffer[] = [];
  private rawLen = 0;
  /** The primary's client acts as a user with every permission. */
  private superuser: AclUser | null = null;
  /** repl-stream-db of the RDB being loaded. */
  private loadedStreamDb = -1;
  private prePsync = false;

  constructor(readonly repl: Replication) {}

  private get server() {
    return this.repl.server;
  }

  private get log() {
    return this.repl.server.logger;
  }

  install(): void {
    const server = this.server;
    const ro = server.config.raw('replicaof') as ReplicaOf | null;
    if (ro !== null) {
      // The replicaof directive: connect from the first cron.
      server.masterHost = ro.host;
      this.masterPort = ro.port;
      this.state = REPL_STATE_CONNECT;
    }
  }

  // ---- offsets and introspection ------------------------------------------------------------------

  /** slave_read_repl_offset / slave_repl_offset (1 when there is no primary state). */
  offsets(): { read: number; applied: number } {
    if (this.master !== null) return { read: this.readReploff, applied: this.reploff };
    if (this.cached !== null) return { read: this.cached.reploff, applied: this.cached.reploff };
    return { read: 1, applied: 1 };
  }

  /** replicationGetSlaveOffset(). */
  replicaOffset(): number {
    let off = 0;
    if (this.server.masterHost !== null) {
      if (this.master !== null) off = this.reploff;
      else if (this.cached !== null) off = this.cached.reploff;
    }
    return off < 0 ? 0 : off;
  }

  /** The db the primary's stream last selected (rdbPopulateSaveInfo()), or null. */
  streamDb(): number | null {
    if (this.master !== null) return this.master.db.id;
    if (this.cached !== null) return this.cached.dbid;
    return null;
  }

  transferInfo(): { size: number; read: number; lastio: number } {
    const t = this.transfer;
    return { size: t !== null ? Math.max(0, t.size) : 0, read: t !== null ? t.read : 0, lastio: this.lastio };
  }

  /** slaveIsInHandshakeState(). */
  inHandshake(): boolean {
    return this.state >= REPL_STATE_RECEIVE_PING_REPLY && this.state <= REPL_STATE_RECEIVE_PSYNC_REPLY;
  }

  /** ROLE's state of the link. */
  roleState(): string {
    if (this.inHandshake()) return 'handshake';
    switch (this.state) {
      case REPL_STATE_NONE:
        return 'none';
      case REPL_STATE_CONNECT:
        return 'connect';
      case REPL_STATE_CONNECTING:
        return 'connecting';
      case REPL_STATE_TRANSFER:
        return 'sync';
      case REPL_STATE_CONNECTED:
        return 'connected';
      default:
        return 'unknown';
    }
  }

  // ---- REPLICAOF ------------------------------------------------------------------------------------

  /** replicationSetMaster(). */
  setPrimary(host: string, port: number): void {
    const server = this.server;
    const wasMaster = server.masterHost === null;
    server.masterHost = null;
    if (this.master !== null) this.dropPrimaryClient();
    this.disconnectAllBlockedClients();
    server.masterHost = host;
    this.masterPort = port;
    this.setConfig([host, String(port)]);
    this.cancelHandshake(false);
    if (wasMaster) {
      this.discardCachedPrimary();
      this.cacheUsingMyself();
    }
    this.state = REPL_STATE_CONNECT;
    for (const fn of server.hooks.roleChanged) fn();
    this.log.info(`Connecting to MASTER ${host}:${port}`);
    this.connect();
  }

  /** replicationUnsetMaster(): become a primary, keeping our history as replid2. */
  unsetPrimary(): void {
    const server = this.server;
    const repl = this.repl;
    if (server.masterHost === null) return;
    server.masterHost = null;
    this.setConfig(['no', 'one']);
    if (this.master !== null) this.dropPrimaryClient();
    this.discardCachedPrimary();
    this.cancelHandshake(false);
    repl.shiftReplicationId();
    repl.disconnectReplicas();
    this.state = REPL_STATE_NONE;
    repl.slaveseldb = -1;
    repl.noReplicasSince = unixtime();
    this.downSince = 0;
    // The AOF stopped for a sync restarts now that we are a primary.
    if (server.config.bool('appendonly') && aofOf(server).state === AOF_OFF) this.restartAof();
    for (const fn of server.hooks.roleChanged) fn();
  }

  /**
   * disconnectAllBlockedClients(): clients blocked while this was a
   * primary (BLPOP...) would act on a dataset that now follows another
   * primary. Commands held by CLIENT PAUSE run later, so they stay.
   */
  private disconnectAllBlockedClients(): void {
    const server = this.server;
    for (const c of server.clients.values()) {
      if ((c.flags & CLIENT_BLOCKED) === 0 || c.ext.blocked === undefined) continue;
      c.addReplyError('-UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
      server.blocking.unblockClient(c);
      c.flags |= CLIENT_CLOSE_AFTER_REPLY;
    }
  }

  private setConfig(args: string[]): void {
    try {
      this.server.config.set('replicaof', args, true);
    } catch {
      /* the value was validated by the command */
    }
  }

  /** Close the primary's connection now (its state is cached as after any disconnection). */
  private dropPrimaryClient(): void {
    const m = this.master!;
    m.socket?.destroy();
    this.server.freeClient(m);
  }

  // ---- connecting ------------------------------------------------------------------------------------

  /** connectWithMaster(). */
  connect(): void {
    const server = this.server;
    if (server.masterHost === null || server.isClosed()) return;
    const host = server.masterHost;
    const port = this.masterPort;
    let sock: net.Socket;
    const gen = ++this.gen;
    // bind-source-addr: the local address of the link (connConnect()'s src_addr).
    const source = server.config.str('bind-source-addr');
    const local = source !== '' ? { localAddress: source } : {};
    try {
      if (server.config.bool('tls-replication')) {
        const opts = server.tls.clientOptions();
        if (opts === null) {
          this.log.warn('Unable to connect to MASTER: TLS is not configured');
          return;
        }
        sock = tls.connect({ ...opts, ...local, host, port });
        sock.once('secureConnect', () => this.onConnected(gen));
      } else {
        sock = net.connect({ ...local, host, port });
        sock.once('connect', () => this.onConnected(gen));
      }
    } catch (e) {
      // An unusable source address fails at once; replicationCron() retries.
      this.log.warn(`Unable to connect to MASTER: ${(e as Error).message}`);
      return;
    }
    sock.setNoDelay(true);
    this.sock = sock;
    this.inbuf = Buffer.alloc(0);
    this.lastError = '';
    sock.on('data', (d: Buffer) => this.onData(gen, d));
    sock.on('error', (e: Error) => {
      if (gen === this.gen) this.lastError = strerror(e);
    });
    // The primary's FIN ends the link at once (Redis's read() returning 0),
    // not a turn later when the socket has closed.
    sock.on('end', () => this.onClose(gen, sock));
    sock.on('close', () => this.onClose(gen, sock));
    this.lastio = unixtime();
    this.state = REPL_STATE_CONNECTING;
    this.log.info('MASTER <-> REPLICA sync started');
  }

  private onConnected(gen: number): void {
    if (gen !== this.gen) return;
    if (this.state === REPL_STATE_NONE) {
      this.closeLink();
      return;
    }
    this.log.info('Non blocking connect for SYNC fired the event.');
    this.state = REPL_STATE_RECEIVE_PING_REPLY;
    this.send(['PING']);
  }

  private send(argv: string[]): void {
    this.sock?.write(encodeCommand(argv), 'latin1');
  }

  private onData(gen: number, d: Buffer): void {
    if (gen !== this.gen) return;
    if (this.master !== null && this.master.socket === this.sock) {
      this.onPrimaryData(d);
      return;
    }
    this.lastio = unixtime();
    this.server.stats.netReplInputBytes += d.length;
    this.inbuf = this.inbuf.length === 0 ? d : Buffer.concat([this.inbuf, d]);
    try {
      this.processLink();
    } catch (e) {
      this.log.warn(`Error in the replication handshake: ${(e as Error).message}`);
      this.linkError();
    }
  }

  private onClose(gen: number, sock: net.Socket): void {
    if (gen !== this.gen) return;
    if (this.master !== null && this.master.socket === sock) {
      this.server.freeClient(this.master);
      return;
    }
    if (this.state === REPL_STATE_TRANSFER && this.transfer?.parsing === true) {
      // The dataset is in; its parse goes on, as Redis's would, unaware.
      this.transfer.linkLost = true;
    } else if (this.state === REPL_STATE_TRANSFER) {
      this.log.warn(`I/O error trying to sync with MASTER: ${this.lastError !== '' ? this.lastError : 'connection lost'}`);
      this.cancelHandshake(true);
    } else if (this.state === REPL_STATE_CONNECTING) {
      this.log.warn(`Error condition on socket for SYNC: ${this.lastError !== '' ? this.lastError : 'Connection closed'}`);
      this.linkError();
    } else if (this.inHandshake()) {
      this.log.warn('Master did not respond to command during SYNC handshake');
      this.linkError();
    }
  }

  /** A line of the handshake (without CRLF), or null until one is complete. */
  private readLine(): string | null {
    const nl = this.inbuf.indexOf(10);
    if (nl === -1) return null;
    let end = nl;
    if (end > 0 && this.inbuf[end - 1] === 13) end--;
    const line = this.inbuf.latin1Slice(0, end);
    this.inbuf = this.inbuf.subarray(nl + 1);
    return line;
  }

  /** syncWithMaster(): the handshake state machine, driven by the replies. */
  private processLink(): void {
    const cfg = this.server.config;
    for (;;) {
      switch (this.state) {
        case REPL_STATE_RECEIVE_PING_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          if (
            r.charAt(0) !== '+' &&
            !r.startsWith('-NOAUTH') &&
            !r.startsWith('-NOPERM') &&
            !r.startsWith('-ERR operation not permitted')
          ) {
            this.log.warn(`Error reply to PING from master: '${r}'`);
            this.linkError();
            return;
          }
          this.log.info('Master replied to PING, replication can continue...');
          this.sendHandshake();
          break;
        }
        case REPL_STATE_RECEIVE_AUTH_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          if (r.charAt(0) === '-') {
            this.log.warn(`Unable to AUTH to MASTER: ${r}`);
            this.linkError();
            return;
          }
          this.state = REPL_STATE_RECEIVE_PORT_REPLY;
          break;
        }
        case REPL_STATE_RECEIVE_PORT_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          if (r.charAt(0) === '-') this.log.info(`(Non critical) Master does not understand REPLCONF listening-port: ${r}`);
          this.state = cfg.str('replica-announce-ip') !== '' ? REPL_STATE_RECEIVE_IP_REPLY : REPL_STATE_RECEIVE_CAPA_REPLY;
          break;
        }
        case REPL_STATE_RECEIVE_IP_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          if (r.charAt(0) === '-') this.log.info(`(Non critical) Master does not understand REPLCONF ip-address: ${r}`);
          this.state = REPL_STATE_RECEIVE_CAPA_REPLY;
          break;
        }
        case REPL_STATE_RECEIVE_CAPA_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          if (r.charAt(0) === '-') this.log.info(`(Non critical) Master does not understand REPLCONF capa: ${r}`);
          this.sendPsync();
          break;
        }
        case REPL_STATE_RECEIVE_PSYNC_REPLY: {
          const r = this.readLine();
          if (r === null) return;
          // Newlines keep the link alive while the primary prepares.
          if (r === '') break;
          if (!this.psyncReply(r)) return;
          break;
        }
        case REPL_STATE_TRANSFER:
          this.readBulkPayload();
          return;
        default:
          return;
      }
    }
  }

  /** AUTH, REPLCONF listening-port / ip-address / capa, pipelined. */
  private sendHandshake(): void {
    const server = this.server;
    const cfg = server.config;
    const auth = cfg.str('masterauth');
    if (auth !== '') {
      const user = cfg.str('masteruser');
      this.send(user !== '' ? ['AUTH', user, auth] : ['AUTH', auth]);
    }
    let port = cfg.num('replica-announce-port');
    if (port === 0) {
      port = cfg.bool('tls-replication') && cfg.num('tls-port') !== 0 ? cfg.num('tls-port') : (server.ports[0] ?? cfg.num('port'));
    }
    this.send(['REPLCONF', 'listening-port', String(port)]);
    const ip = cfg.str('replica-announce-ip');
    if (ip !== '') this.send(['REPLCONF', 'ip-address', ip]);
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    this.state = auth !== '' ? REPL_STATE_RECEIVE_AUTH_REPLY : REPL_STATE_RECEIVE_PORT_REPLY;
  }

  /** slaveTryPartialResynchronization(), writing half. */
  private sendPsync(): void {
    this.masterInitialOffset = -1;
    let replid = '?';
    let offset = '-1';
    if (this.cached !== null) {
      replid = this.cached.replid;
      offset = String(this.cached.reploff + 1);
      this.log.info(`Trying a partial resynchronization (request ${replid}:${offset}).`);
    } else {
      this.log.info('Partial resynchronization not possible (no cached master)');
    }
    if (this.repl.failoverState === FAILOVER_IN_PROGRESS) this.send(['PSYNC', replid, offset, 'FAILOVER']);
    else this.send(['PSYNC', replid, offset]);
    this.state = REPL_STATE_RECEIVE_PSYNC_REPLY;
  }

  /** slaveTryPartialResynchronization(), reading half. False when the link was given up. */
  private psyncReply(reply: string): boolean {
    const repl = this.repl;
    let result: 'full' | 'continue' | 'later' | 'unsupported';
    if (reply.startsWith('+FULLRESYNC')) {
      const parts = reply.split(' ');
      if (parts.length < 3 || parts[1].length !== CONFIG_RUN_ID_SIZE) {
        this.log.warn('Master replied with wrong +FULLRESYNC syntax.');
        this.masterReplid = '';
      } else {
        this.masterReplid = parts[1];
        this.masterInitialOffset = parseInt(parts[2], 10) || 0;
        this.log.info(`Full resync from master: ${this.masterReplid}:${this.masterInitialOffset}`);
      }
      result = 'full';
    } else if (reply.startsWith('+CONTINUE')) {
      this.log.info('Successful partial resynchronization with master.');
      const newid = reply.slice(10).trim();
      const cached = this.cached!;
      if (newid.length === CONFIG_RUN_ID_SIZE && newid !== cached.replid) {
        this.log.warn(`Master replication ID changed to ${newid}`);
        repl.replid2 = cached.replid;
        repl.secondReplidOffset = repl.masterReplOffset + 1;
        repl.replid = newid;
        cached.replid = newid;
        repl.disconnectReplicas();
      }
      result = 'continue';
    } else if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      this.log.info(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
      result = 'later';
    } else {
      if (!reply.startsWith('-ERR')) this.log.warn(`Unexpected reply to PSYNC from master: ${reply}`);
      else this.log.info(`Master does not support PSYNC or is in error state (reply: ${reply})`);
      result = 'unsupported';
    }

    if (repl.failoverState === FAILOVER_IN_PROGRESS) {
      if (result === 'continue' || result === 'full') {
        repl.clearFailoverState();
      } else {
        repl.abortFailover('Failover target rejected psync request');
        return false;
      }
    }
    if (result === 'later') {
      this.linkError();
      return false;
    }
    if (result === 'continue') {
      const rest = this.inbuf;
      this.inbuf = Buffer.alloc(0);
      this.resurrectCachedPrimary();
      if (repl.backlog === null) repl.createBacklog();
      this.log.info('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      if (rest.length > 0) this.onPrimaryData(rest);
      return false;
    }
    if (result === 'unsupported') {
      this.log.info('Retrying with SYNC...');
      this.sock?.write('SYNC\r\n');
    }
    this.prePsync = result === 'unsupported';
    return this.startTransfer();
  }

  // ---- the RDB transfer --------------------------------------------------------------------------------

  /** useDisklessLoad(). */
  private useDisklessLoad(): boolean {
    const mode = this.server.config.enumValue('repl-diskless-load');
    if (mode === REPL_DISKLESS_LOAD_SWAPDB) return true;
    if (mode === REPL_DISKLESS_LOAD_WHEN_DB_EMPTY) {
      for (const db of this.server.dbs) if (db.dict.size > 0) return false;
      return true;
    }
    return false;
  }

  private startTransfer(): boolean {
    const diskless = this.useDisklessLoad();
    const swapdb = diskless && this.server.config.enumValue('repl-diskless-load') === REPL_DISKLESS_LOAD_SWAPDB;
    const t: Transfer = {
      size: -1,
      read: 0,
      usemark: false,
      mark: '',
      last: Buffer.alloc(0),
      diskless,
      swapdb,
      fd: -1,
      tmpfile: null,
      loading: false,
      parsing: false,
      linkLost: false,
      stream: null,
    };
    if (!diskless) {
      const dir = rdbOf(this.server).dirPath();
      for (let tries = 0; tries < 5 && t.fd === -1; tries++) {
        const name = path.join(dir, `temp-${unixtime()}.${process.pid}${tries > 0 ? `.${tries}` : ''}.rdb`);
        try {
          t.fd = fs.openSync(name, 'wx', 0o644);
          t.tmpfile = name;
        } catch (e) {
          if (tries === 4) {
            this.log.warn(`Opening the temp file needed for MASTER <-> REPLICA synchronization: ${strerror(e)}`);
            this.linkError();
            return false;
          }
        }
      }
    }
    this.transfer = t;
    this.state = REPL_STATE_TRANSFER;
    this.lastio = unixtime();
    return true;
  }

  /** readSyncBulkPayload(). */
  private readBulkPayload(): void {
    const t = this.transfer!;
    if (t.size === -1) {
      for (;;) {
        const line = this.readLine();
        if (line === null) return;
        if (line.charAt(0) === '-') {
          this.log.warn(`MASTER aborted replication with an error: ${line.slice(1)}`);
          this.cancelHandshake(true);
          return;
        }
        if (line === '') continue;
        if (line.charAt(0) !== '$') {
          this.log.warn(
            `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`,
          );
          this.cancelHandshake(true);
          return;
        }
        const where = t.diskless ? 'to parser' : 'to disk';
        if (line.startsWith('$EOF:') && line.length - 5 >= CONFIG_RUN_ID_SIZE) {
          t.usemark = true;
          t.mark = line.slice(5, 5 + CONFIG_RUN_ID_SIZE);
          t.size = 0;
          this.log.info(`MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${where}`);
        } else {
          t.size = parseInt(line.slice(1), 10) || 0;
          this.log.info(`MASTER <-> REPLICA sync: receiving ${t.size} bytes from master ${where}`);
        }
        if (t.diskless) {
          this.startDisklessLoading(t);
          this.startStreamingLoad(t);
        }
        break;
      }
    }
    if (this.inbuf.length === 0) return;
    let data = this.inbuf;
    let rest: Buffer = Buffer.alloc(0);
    if (!t.usemark) {
      const left = t.size - t.read;
      if (data.length > left) {
        rest = data.subarray(left);
        data = data.subarray(0, left);
      }
    }
    this.inbuf = Buffer.alloc(0);
    let eof = false;
    // With an EOF mark, the last bytes received may be the mark: the parse
    // gets only what they let go of.
    let released = [data];
    if (t.usemark) {
      released = this.advanceLast(t, data);
      if (t.last.length === CONFIG_RUN_ID_SIZE && t.last.latin1Slice(0, CONFIG_RUN_ID_SIZE) === t.mark) eof = true;
    }
    try {
      if (t.stream !== null) for (const b of released) t.stream.src.push(b);
      else writeAllSync(t.fd, data);
    } catch (e) {
      this.log.warn(`Write error or short write writing to the DB dump file needed for MASTER <-> REPLICA synchronization: ${strerror(e)}`);
      this.cancelHandshake(true);
      return;
    }
    t.read += data.length;
    if (!t.usemark && t.read === t.size) eof = true;
    if (!eof) return;
    this.finishTransfer(rest);
  }

  /**
   * A diskless load reads the RDB from the link as it comes, so the
   * replica is loading from the first byte: LOADING for its clients, or,
   * with repl-diskless-load swapdb when the primary continues our own
   * history (same replid), async loading: the current dataset stays
   * served until the new one replaces it.
   */
  private startDisklessLoading(t: Transfer): void {
    const server = this.server;
    const async = t.swapdb && this.repl.replid === this.masterReplid;
    t.loading = server.startLoading(t.usemark ? -1 : t.size, async);
  }

  private stopDisklessLoading(t: Transfer): void {
    if (!t.loading) return;
    t.loading = false;
    this.server.stopLoading(true);
  }

  /** The RDB is in: load it (or end its load) and start following the primary's stream. */
  private finishTransfer(rest: Buffer): void {
    const server = this.server;
    const t = this.transfer!;
    // The primary's stream waits in the socket until the dataset is in.
    t.parsing = true;
    this.sock?.pause();
    const st = t.stream;
    if (st !== null) {
      // Diskless: the load has run since the first byte. Less the EOF mark.
      st.rest = rest;
      st.src.finish(t.read - (t.usemark ? CONFIG_RUN_ID_SIZE : 0));
      if (st.parsed) this.payloadLoaded(t, rest, true, st.target, st.libs);
      return;
    }
    // The received file is read through a window (it need not fit in a Buffer).
    let readFd = -1;
    try {
      if (t.usemark) fs.ftruncateSync(t.fd, t.read - CONFIG_RUN_ID_SIZE);
      fs.fsyncSync(t.fd);
      fs.closeSync(t.fd);
      t.fd = -1;
      const file = rdbOf(server).filePath();
      fs.renameSync(t.tmpfile!, file);
      t.tmpfile = null;
      readFd = fs.openSync(file, 'r');
    } catch (e) {
      if (readFd !== -1) fs.closeSync(readFd);
      this.log.warn(`Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ${strerror(e)}`);
      this.cancelHandshake(true);
      return;
    }
    const { target, libs } = this.prepareLoad(t);
    // The parse lets the event loop turn: clients connect and are served
    // (LOADING, or the current dataset while loading aside).
    void this.loadPayload(t, fdSource(readFd), target, libs).then((loaded) => {
      fs.closeSync(readFd);
      this.payloadLoaded(t, rest, loaded, target, libs);
    });
  }

  /**
   * A diskless load parses the payload as it comes, as Redis reads it
   * from the link: the chunks are let go once parsed, and a record not
   * whole yet is read again once more has come.
   */
  private startStreamingLoad(t: Transfer): void {
    const src = new ChunkSource([], 0, true);
    const { target, libs } = this.prepareLoad(t);
    const st = { src, parsed: false, rest: Buffer.alloc(0), target, libs, end: -1 };
    t.stream = st;
    void this.loadPayload(t, src, target, libs).then((loaded) => {
      if (this.transfer !== t) return;
      // A corrupt payload fails at once; a whole one waits for the transfer's end.
      if (loaded && !t.parsing) st.parsed = true;
      else this.payloadLoaded(t, st.rest, loaded, target, libs);
    });
  }

  /**
   * Keep in t.last the last CONFIG_RUN_ID_SIZE bytes received (the EOF
   * mark once the transfer is over), adding `data`; returns the bytes that
   * fall out of it, in order, without copying `data`.
   */
  private advanceLast(t: Transfer, data: Buffer): Buffer[] {
    const last = t.last;
    const over = last.length + data.length - CONFIG_RUN_ID_SIZE;
    if (over <= 0) {
      t.last = Buffer.concat([last, data]);
      return [];
    }
    if (over <= last.length) {
      t.last = Buffer.concat([last.subarray(over), data]);
      return [last.subarray(0, over)];
    }
    t.last = data.subarray(over - last.length);
    const head = data.subarray(0, over - last.length);
    return last.length > 0 ? [last, head] : [head];
  }

  /**
   * What precedes the load of a received RDB: no snapshot of the old
   * dataset, and the keyspace it goes to (a side one with swapdb, else the
   * emptied one).
   */
  private prepareLoad(t: Transfer): { target: Db[]; libs: string[] | null } {
    const server = this.server;
    // Nothing may save the old dataset over the new one, nor snapshot it.
    const aof = aofOf(server);
    if (aof.state !== AOF_OFF) aof.stop();
    const rdb = rdbOf(server);
    if (rdb.bg !== null) {
      if (!t.diskless) {
        this.log.info(
          `Replica is about to load the RDB file received from the master, but there is a pending RDB child running. Killing process ${process.pid} and removing its temp file to avoid any race`,
        );
      }
      rdb.killBackgroundSave();
    }
    let target: Db[];
    if (t.swapdb) {
      target = server.dbs.map((db) => new Db(db.id, loadingContext(server)));
    } else {
      this.attachToNewPrimary();
      this.log.info('MASTER <-> REPLICA sync: Flushing old data');
      emptyData(server, -1, server.config.bool('replica-lazy-flush'));
      target = server.dbs;
    }
    this.log.info('MASTER <-> REPLICA sync: Loading DB in memory');
    // The primary's libraries replace ours (functionsLibCtxClear()). With
    // swapdb they are set aside with the dataset and swapped in with it, so
    // the old ones serve meanwhile and stay if the load fails.
    const libs: string[] | null = t.swapdb ? [] : null;
    if (libs === null) clearFunctions(server);
    return { target, libs };
  }

  /** The tail of readSyncBulkPayload(), once the received RDB is parsed (or failed to). */
  private payloadLoaded(t: Transfer, rest: Buffer, loaded: boolean, target: Db[], libs: string[] | null): void {
    // The link was given up meanwhile (SHUTDOWN): nothing more to do.
    if (this.transfer !== t) return;
    const server = this.server;
    const repl = this.repl;
    const swapdb = t.swapdb;
    const lazy = server.config.bool('replica-lazy-flush');
    t.parsing = false;
    // The RDB must end where the EOF mark begins.
    const st = t.stream;
    if (loaded && st !== null && t.usemark && st.end !== t.read - CONFIG_RUN_ID_SIZE) {
      this.log.warn('Replication stream EOF marker is broken');
      this.cancelHandshake(true);
      return;
    }
    if (loaded && libs !== null) loaded = this.swapFunctions(libs);
    if (!loaded) {
      this.log.warn(`Failed trying to load the MASTER synchronization DB from ${t.diskless ? 'socket' : 'disk'}`);
      this.cancelHandshake(true);
      if (!swapdb) this.emptyLoaded();
      else this.log.info('MASTER <-> REPLICA sync: Discarding temporary DB in background');
      return;
    }
    if (swapdb) {
      this.attachToNewPrimary();
      this.log.info('MASTER <-> REPLICA sync: Swapping active DB with loaded DB');
      emptyData(server, -1, lazy);
      for (let i = 0; i < server.dbs.length; i++) server.dbs[i].swapWith(target[i]);
      this.log.info('MASTER <-> REPLICA sync: Discarding old DB in background');
    }
    if (t.diskless) server.dirty++;
    this.stopDisklessLoading(t);
    this.transfer = null;

    this.createPrimaryClient(this.masterInitialOffset, this.masterReplid, this.loadedStreamDb);
    this.state = REPL_STATE_CONNECTED;
    this.downSince = 0;
    repl.replid = this.masterReplid;
    repl.masterReplOffset = this.reploff;
    repl.clearReplicationId2();
    if (repl.backlog === null) repl.createBacklog();
    this.log.info('MASTER <-> REPLICA sync: Finished with success');
    if (t.usemark) this.sendAck();
    if (server.config.bool('appendonly')) this.restartAof();
    if (rest.length > 0) this.onPrimaryData(rest);
    const c = this.master;
    if (c === null || c.socket === null) return;
    // The link closed while the dataset loaded: the primary's client goes
    // (and is cached for a PSYNC), as when the socket reports it now.
    if (t.linkLost) server.freeClient(c);
    else c.socket.resume();
  }

  /**
   * The libraries of a swapdb load replace ours; when one fails to load,
   * ours are put back and the load fails. False then.
   */
  private swapFunctions(libs: string[]): boolean {
    const server = this.server;
    const old = functionLibraryCodes(server);
    clearFunctions(server);
    for (const code of libs) {
      const err = loadFunctionFromRdb(server, code, true);
      if (err === null) continue;
      this.log.warn(`Failed loading library, ${err}`);
      clearFunctions(server);
      for (const c of old) loadFunctionFromRdb(server, c, true);
      return false;
    }
    return true;
  }

  /**
   * rdbLoad() for a replica: expired keys are kept (the primary's DELs
   * remove them). Function libraries go to `libs` when given (swapdb),
   * else are loaded at once.
   */
  private async loadPayload(t: Transfer, buf: Buffer | RdbFileSource, dbs: Db[], libs: string[] | null): Promise<boolean> {
    const server = this.server;
    const log = this.log;
    const policy = usagePolicy(server.config.str('maxmemory-policy'));
    const lruClock = server.lruClock();
    const now = server.clock.now();
    let loaded = 0;
    this.loadedStreamDb = -1;
    const sink: RdbSink = {
      aux: (k, v) => {
        if (k.toLowerCase() === 'repl-stream-db') this.loadedStreamDb = parseInt(v, 10) || 0;
        else loadAuxField(server, log, k, v);
      },
      selectDb() {},
      emptyKey: warnEmptyKey(log),
      function: (code) => {
        if (this.transfer !== t) throw new LoadAbandoned();
        if (libs !== null) {
          libs.push(code);
          return;
        }
        const err = loadFunctionFromRdb(server, code, true);
        if (err !== null) throw new RdbLoadError(`Failed loading library, ${err}`);
      },
      key: (dbid: number, key: string, value: RValue, expireMs: number, idleSec?: number, freq?: number) => {
        // Given up (the link went, SHUTDOWN): not one more key.
        if (this.transfer !== t) throw new LoadAbandoned();
        const db = dbs[dbid];
        if (db.dict.has(key)) db.delete(key);
        db.add(key, value);
        if (expireMs !== -1) db.setExpire(key, expireMs);
        if (idleSec !== undefined || freq !== undefined) setKeyUsage(db, key, policy, freq, idleSec, lruClock, now);
        loaded++;
      },
    };
    const owner = server.startLoading(Buffer.isBuffer(buf) ? buf.length : buf.size);
    try {
      const steps = loadRdbSteps(buf, sink, {
        config: server.config,
        checksum: server.config.bool('rdbchecksum'),
        dbnum: dbs.length,
        ...loadingPace(server),
      });
      // Between steps: the bytes parsed (also when the diskless transfer
      // owns the loading state) and a newline that keeps the link alive;
      // the load stops when the link is given up (SHUTDOWN).
      const r = await runLoadStepsAsync(steps, (pos) => {
        if (this.transfer !== t || server.isClosed()) return false;
        // The payload still coming (diskless): wait for more of it.
        if (pos === NEED_MORE_STEP) return (buf as ChunkSource).waitMore();
        server.loadingInfo.loadedBytes = pos;
        this.sendNewlineToPrimary();
        return true;
      });
      logLoadDone(log, loaded, 0, r.emptyKeysSkipped);
      if (t.stream !== null) t.stream.end = r.end;
      return true;
    } catch (e) {
      if (!(e instanceof LoadAbandoned)) log.warn(`Internal error in RDB reading: ${(e as Error).message}`);
      return false;
    } finally {
      server.stopLoading(owner);
    }
  }

  /**
   * replicationSendNewlineToMaster(): at most once a second while the
   * received RDB loads, so that the primary does not time the link out.
   */
  private sendNewlineToPrimary(): void {
    const now = unixtime();
    if (now === this.newlineSent) return;
    this.newlineSent = now;
    this.sock?.write('\n');
  }

  /** emptyData() of what a failed load put in place: keys and function libraries. */
  private emptyLoaded(): void {
    emptyData(this.server, -1, this.server.config.bool('replica-lazy-flush'));
    clearFunctions(this.server);
  }

  /** replicationAttachToNewMaster(): our replicas and backlog belong to the old history. */
  private attachToNewPrimary(): void {
    this.discardCachedPrimary();
    this.repl.disconnectReplicas();
    this.repl.primary.shutdown();
    this.repl.freeBacklog();
  }

  private restartAof(): void {
    const aof = aofOf(this.server);
    if (aof.state !== AOF_OFF) return;
    if (!aof.start()) this.log.warn('Failed enabling the AOF after successful master synchronization!');
  }

  /** Give up the link being set up; the cron connects again. */
  private linkError(): void {
    this.closeLink();
    this.state = REPL_STATE_CONNECT;
  }

  private closeLink(): void {
    this.gen++;
    const t = this.transfer;
    if (t !== null) {
      this.stopDisklessLoading(t);
      // A diskless load stops where it is; what it put in place goes
      // (swapdb: its side keyspace is dropped with it).
      if (t.stream !== null) {
        t.stream.src.abandon();
        if (!t.swapdb) this.emptyLoaded();
      }
      if (t.fd !== -1) {
        try {
          fs.closeSync(t.fd);
        } catch {
          /* closed */
        }
      }
      if (t.tmpfile !== null) fs.rm(t.tmpfile, { force: true }, () => {});
      this.transfer = null;
    }
    if (this.sock !== null && (this.master === null || this.master.socket !== this.sock)) this.sock.destroy();
    this.sock = null;
    this.inbuf = Buffer.alloc(0);
  }

  /** cancelReplicationHandshake(): true when a connection attempt was abandoned. */
  cancelHandshake(reconnect: boolean): boolean {
    if (this.state === REPL_STATE_TRANSFER || this.state === REPL_STATE_CONNECTING || this.inHandshake()) {
      this.closeLink();
      this.state = REPL_STATE_CONNECT;
    } else {
      return false;
    }
    if (!reconnect) return true;
    this.log.info(`Reconnecting to MASTER ${this.server.masterHost}:${this.masterPort} after failure`);
    this.connect();
    return true;
  }

  // ---- the primary's client -----------------------------------------------------------------------------

  /** replicationCreateMasterClient(). */
  private createPrimaryClient(reploff: number, replid: string, dbid: number): void {
    const server = this.server;
    const sock = this.sock!;
    const c = server.createClient(sock);
    server.stats.numConnections--;
    c.flags |= CLIENT_MASTER | CLIENT_REPLY_OFF;
    c.refreshReplyMode();
    c.ext.isPrimary = true;
    c.user = this.superuserOf();
    c.authenticated = true;
    if (dbid !== -1) c.selectDb(dbid);
    this.master = c;
    this.reploff = reploff;
    this.readReploff = reploff;
    this.masterClientReplid = replid;
    this.prePsync = reploff === -1;
    this.protocolError = false;
    this.raw = [];
    this.rawLen = 0;
  }

  private superuserOf(): AclUser {
    if (this.superuser === null) {
      const u = new AclUser(this.server.acl, '(superuser)');
      for (const rule of ['on', 'nopass', 'allkeys', 'allchannels', 'allcommands']) u.set(rule);
      this.superuser = u;
    }
    return this.superuser;
  }

  /** Bytes of the primary's stream: run the commands they complete. */
  private onPrimaryData(d: Buffer): void {
    const c = this.master;
    if (c === null || c.flags & CLIENT_CLOSE_ASAP) return;
    const server = this.server;
    c.lastInteraction = Date.now();
    c.netIn += d.length;
    this.server.stats.netReplInputBytes += d.length;
    this.readReploff += d.length;
    this.raw.push(d);
    this.rawLen += d.length;
    c.parser.feed(d);
    server.processInputBuffer(c);
    if (c.parser.error !== null && (c.flags & CLIENT_CLOSE_ASAP) === 0) {
      this.protocolError = true;
      this.log.warn(`Protocol error (${c.parser.error}) from client: id=${c.id} addr=${c.addr} (master)`);
      server.closeClientAsap(c);
    }
    server.flushPendingWrites();
  }

  /**
   * commandProcessed() for the primary's client: outside a transaction the
   * offset advances past the command, and the applied bytes go verbatim to
   * our backlog and replicas.
   */
  primaryCommandProcessed(c: Client): void {
    if (c !== this.master || c.flags & CLIENT_MULTI) return;
    const consumed = this.readReploff - c.parser.bufferedBytes;
    const applied = consumed - this.reploff;
    if (applied <= 0) return;
    this.reploff = consumed;
    this.repl.feedStream(this.takeRaw(applied));
  }

  private takeRaw(n: number): Buffer {
    const first = this.raw[0];
    let out: Buffer;
    if (first.length === n) {
      this.raw.shift();
      out = first;
    } else if (first.length > n) {
      out = first.subarray(0, n);
      this.raw[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let need = n;
      while (need > 0) {
        const b = this.raw[0];
        if (b.length <= need) {
          parts.push(b);
          this.raw.shift();
          need -= b.length;
        } else {
          parts.push(b.subarray(0, need));
          this.raw[0] = b.subarray(need);
          need = 0;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.rawLen -= n;
    return out;
  }

  /** replicationSendAck(): REPLCONF ACK <offset>, written past the suppressed replies. */
  sendAck(): void {
    const c = this.master;
    if (c === null || c.socket === null || c.socket.destroyed) return;
    const s = encodeCommand(['REPLCONF', 'ACK', String(this.reploff)]);
    c.socket.write(s, 'latin1');
  }

  /**
   * The primary's client was freed (freeClient(): replicationCacheMaster()
   * and replicationHandleMasterDisconnection()).
   */
  primaryClientFreed(c: Client): void {
    if (c !== this.master) return;
    const server = this.server;
    this.log.warn('Connection with master lost.');
    if (!this.protocolError && (c.flags & CLIENT_BLOCKED) === 0) {
      this.log.info('Caching the disconnected master state.');
      this.cached = { replid: this.masterClientReplid, reploff: this.reploff, dbid: c.db.id };
    }
    this.master = null;
    this.raw = [];
    this.rawLen = 0;
    if (this.sock === c.socket) this.sock = null;
    this.gen++;
    this.state = REPL_STATE_CONNECT;
    this.downSince = unixtime();
    if (server.masterHost !== null && !server.isClosed()) {
      this.log.info(`Reconnecting to MASTER ${server.masterHost}:${this.masterPort}`);
      this.connect();
    }
  }

  /** replicationCacheMasterUsingMyself(): a replica-to-be may continue from our own history. */
  cacheUsingMyself(dbid = 0): void {
    this.log.info(
      'Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.',
    );
    this.masterInitialOffset = this.repl.masterReplOffset;
    this.cached = { replid: this.repl.replid, reploff: this.repl.masterReplOffset, dbid };
  }

  /** replicationDiscardCachedMaster(). */
  discardCachedPrimary(): void {
    if (this.cached === null) return;
    this.log.info('Discarding previously cached master state.');
    this.cached = null;
  }

  /** replicationResurrectCachedMaster(): continue on the new connection. */
  private resurrectCachedPrimary(): void {
    const cached = this.cached!;
    this.cached = null;
    this.createPrimaryClient(cached.reploff, cached.replid, cached.dbid);
    this.state = REPL_STATE_CONNECTED;
    this.downSince = 0;
  }

  // ---- cron ------------------------------------------------------------------------------------------------

  /** The replica part of replicationCron(). */
  cron(): void {
    const server = this.server;
    if (server.masterHost === null) return;
    const now = unixtime();
    const timeout = server.config.num('repl-timeout');
    if ((this.state === REPL_STATE_CONNECTING || this.inHandshake()) && now - this.lastio > timeout) {
      this.log.warn('Timeout connecting to the MASTER...');
      this.cancelHandshake(true);
    }
    this.checkTransferTimeout(now, timeout);
    if (this.state === REPL_STATE_CONNECTED && this.master !== null && now - Math.floor(this.master.lastInteraction / 1000) > timeout) {
      this.log.warn('MASTER timeout: no data nor PING received...');
      this.dropPrimaryClient();
    }
    if (this.state === REPL_STATE_CONNECT) {
      this.log.info(`Connecting to MASTER ${server.masterHost}:${this.masterPort}`);
      this.connect();
    }
    if (this.master !== null && !this.prePsync) this.sendAck();
  }

  /**
   * The only replication duty while a dataset loads: a diskless transfer
   * that stalls still times out (Redis's reads from the link have
   * repl-timeout as their timeout). Nothing connects or handshakes then.
   */
  loadingCron(): void {
    const t = this.transfer;
    if (t !== null && t.loading && !t.parsing) this.checkTransferTimeout(unixtime(), this.server.config.num('repl-timeout'));
  }

  private checkTransferTimeout(now: number, timeout: number): void {
    if (this.state === REPL_STATE_TRANSFER && now - this.lastio > timeout) {
      this.log.warn(
        "Timeout receiving bulk data from MASTER... If the problem persists try to set the 'repl-timeout' parameter in redis.conf to a larger value.",
      );
      this.cancelHandshake(true);
    }
  }

  shutdown(): void {
    this.closeLink();
  }
}

/** The context of a db loaded aside (swapdb): no blocked clients, no events. */
function loadingContext(server: KeyspaceContext): KeyspaceContext {
  return {
    now: () => server.now(),
    lruClock: () => server.lruClock(),
    touchMeta: (m) => server.touchMeta(m),
    initialMeta: () => server.initialMeta(),
    isReplica: () => true,
    applyingFromPrimary: () => true,
    isLoading: () => true,
    writesPaused: () => false,
    onExpired: () => {},
    onKeyHit: () => {},
    onKeyMiss: () => {},
  };
}

function writeAllSync(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}
