/**
 * Per-connection state, like Redis's `client` struct: selected db, protocol
 * version, name, flags, the request parser and the reply buffer.
 */
import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/parser.js';
import { ReplyWriter, OUTPUT_CHECK_BYTES, releaseReplyChunk, releaseReplyChunks, type Bulk } from '../protocol/reply.js';
import type { Db } from '../store/db.js';
import type { Command } from '../commands/table.js';
import type { NodisServer } from './server.js';
import { closeClientOnOutputBufferLimitReached } from './obuf.js';
import { streamWrap, type DirectHandle, type WriteReq } from './node-stream.js';
import type { AclUser } from './acl.js';
import { PROPAGATE_ALL } from './propagation.js';
import { PROTO_REPLY_CHUNK_BYTES, type ReplyBufferState } from './replybuf.js';
import type { QueryBufferState } from './querybuf.js';

export const CLIENT_MULTI = 1 << 0;
export const CLIENT_PUBSUB = 1 << 1;
export const CLIENT_BLOCKED = 1 << 2;
export const CLIENT_CLOSE_AFTER_REPLY = 1 << 3;
export const CLIENT_CLOSE_ASAP = 1 << 4;
export const CLIENT_MONITOR = 1 << 5;
export const CLIENT_NO_EVICT = 1 << 6;
export const CLIENT_NO_TOUCH = 1 << 7;
export const CLIENT_REPLY_OFF = 1 << 8;
export const CLIENT_REPLY_SKIP_NEXT = 1 << 9;
export const CLIENT_REPLY_SKIP = 1 << 10;
export const CLIENT_PROTOCOL_ERROR = 1 << 11;
export const CLIENT_MASTER = 1 << 12;
export const CLIENT_SLAVE = 1 << 13;
export const CLIENT_TRACKING = 1 << 14;
export const CLIENT_DIRTY_CAS = 1 << 15;
export const CLIENT_DIRTY_EXEC = 1 << 16;
export const CLIENT_READONLY = 1 << 17;
export const CLIENT_PAUSED = 1 << 18;
/** SCRIPT DEBUG YES|SYNC: the next EVAL runs under the Lua debugger. */
export const CLIENT_LUA_DEBUG = 1 << 19;
/** SCRIPT DEBUG SYNC: ... in a session that blocks the server. */
export const CLIENT_LUA_DEBUG_SYNC = 1 << 20;

export class Client extends ReplyWriter implements ReplyBufferState {
  readonly id: number;
  readonly parser = new RequestParser();
  flags = 0;
  db: Db;
  name = '';
  libName = '';
  libVer = '';
  /** The ACL user of the connection (the default user until AUTH). */
  user: AclUser;
  authenticated = true;
  /** Creation time (ms) and time of the last command. */
  readonly ctime: number;
  lastInteraction: number;
  /** Current argv and command being executed. */
  argv: string[] = [];
  /** Where this client's writes propagate: PROPAGATE_ALL, or what a script's redis.set_repl() chose. */
  propagateTarget = PROPAGATE_ALL;
  cmd: Command | null = null;
  lastCmd: Command | null = null;
  /** A replica's part of the shared replication buffer (replication/repl-buffer.ts), else null. */
  streamOut: StreamOutput | null = null;
  /** Total bytes read / written (INFO, CLIENT LIST tot-net-in/out). */
  netIn = 0;
  netOut = 0;
  commandsProcessed = 0;
  /** Redis's reply buffer figures for this client (replybuf.ts): rbs, rbp and the peak's last reset (ms). */
  bufUsable = PROTO_REPLY_CHUNK_BYTES;
  bufPeak = PROTO_REPLY_CHUNK_BYTES;
  bufPeakResetAt = 0;
  /** The query buffer's size as Redis would have it allocated (querybuf.ts). */
  readonly qb: QueryBufferState = { alloc: 0, peak: 0 };
  /** Unix time (s) the output buffer soft limit was first seen reached, or 0. */
  obufSoftLimitReachedTime = 0;
  readonly addr: string;
  readonly laddr: string;
  /**
   * Arbitrary per-feature state (transactions, pub/sub, blocking...). The
   * entries every command reads start out declared, so all clients share
   * one object shape and those reads stay monomorphic.
   */
  ext: Record<string, unknown> = {
    propagateArgv: undefined,
    propagateMany: undefined,
    forcePropagation: undefined,
    originalArgv: undefined,
    isAof: undefined,
    unpausable: undefined,
    memAccounted: undefined,
  };
  /**
   * Output is not written (a replica receiving its RDB: the replication
   * stream waits behind it, within the replica's output buffer limit).
   */
  outputHeld = false;
  /**
   * Bytes of a reply written by writeDirect() that the kernel has not
   * taken yet (the socket's stream does not count them): part of the
   * output buffer (obuf.ts).
   */
  directPending = 0;
  /** Replies may go straight to the socket's handle (writeDirect()): undefined until the first write decides. */
  directHandle: DirectHandle | null | undefined = undefined;

  constructor(
    readonly server: NodisServer,
    readonly socket: Socket | null,
    id: number,
  ) {
    super();
    this.id = id;
    this.db = server.dbs[0];
    this.ctime = Date.now();
    this.lastInteraction = this.ctime;
    this.parser.maxBulkLen = server.protoMaxBulkLen;
    this.user = server.acl.defaultUser;
    this.parser.authRequired = () => !this.authenticated && server.acl.defaultAuthRequired();
    if (socket) {
      this.addr = formatAddr(socket.remoteAddress, socket.remotePort);
      this.laddr = formatAddr(socket.localAddress, socket.localPort);
    } else {
      this.addr = '';
      this.laddr = '';
    }
  }

  protected onOutput(): void {
    this.server.markPendingWrite(this);
  }

  protected afterErrorReply(text: string): void {
    this.server.stats.recordError(text);
    // An error to the primary, a replica or the AOF loader is never seen by a user: log it.
    if (this.flags & (CLIENT_MASTER | CLIENT_SLAVE) || this.ext.isAofClient === true) this.server.unexpectedErrorReply(this, text);
  }

  /** The pending output grew: enforce the output buffer limits. */
  protected override onOutputGrowth(): void {
    if (closeClientOnOutputBufferLimitReached(this, true)) return;
    super.onOutputGrowth();
  }

  /**
   * Re-evaluate CLIENT REPLY OFF/SKIP after the flags changed. A client
   * being closed gets nothing more (prepareClientToWrite()).
   */
  refreshReplyMode(): void {
    this.repliesOff = (this.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP | CLIENT_CLOSE_ASAP)) !== 0;
  }

  /** Queue a push message (formatted), past CLIENT REPLY OFF/SKIP (CLIENT_PUSHING). */
  addReplyPush(proto: string): void {
    const saved = this.flags & (CLIENT_REPLY_OFF | CLIENT_REPLY_SKIP);
    if (saved === 0) {
      this.addReplyProto(proto);
      return;
    }
    this.flags &= ~saved;
    this.refreshReplyMode();
    this.addReplyProto(proto);
    this.flags |= saved;
    this.refreshReplyMode();
  }

  selectDb(id: number): boolean {
    const db = this.server.dbs[id];
    if (!db) return false;
    this.db = db;
    return true;
  }

  /** Send everything queued to the socket in one write, then (a replica) the stream it has yet to be sent. */
  flush(): void {
    if (this.outputHeld) return;
    if (this.hasPendingOutput()) this.flushReplies();
    if (this.streamOut !== null) this.streamOut.send(false);
  }

  private flushReplies(): void {
    // Output that grew past a check step is checked whole before it is written.
    if (this.pendingOutputBytes() > OUTPUT_CHECK_BYTES && closeClientOnOutputBufferLimitReached(this, true)) return;
    const sock = this.socket;
    if (sock === null || sock.destroyed) {
      this.discardOutput();
      return;
    }
    const out = this.takeOutputChunk();
    const parts = out.parts;
    const chunk = out.chunk;
    const end = out.end;
    const sealed = out.sealed;
    out.parts = null;
    out.chunk = null;
    out.sealed = null;
    const before = this.netOut;
    if (parts === null) {
      if (chunk !== null) {
        this.netOut += end;
        if (!(this.directPending === 0 && writeDirect(this, sock, chunk, end))) sock.write(chunk.subarray(0, end));
      }
    } else {
      let bytes = end;
      for (let i = 0; i < parts.length; i++) bytes += parts[i].length;
      this.netOut += bytes;
      if (!(this.directPending === 0 && writevDirect(this, sock, parts, chunk, end, sealed))) {
        // The chunks go back to the pool once the stream wrote them (its last
        // write's callback: the writes of one cork complete together).
        const release = (): void => releaseReplyChunks(sealed, chunk);
        const withChunk = chunk !== null && end > 0;
        sock.cork();
        for (let i = 0; i < parts.length; i++) {
          const part = parts[i];
          const cb = i === parts.length - 1 && !withChunk ? release : undefined;
          if (typeof part === 'string') sock.write(part, 'latin1', cb);
          else sock.write(part, cb);
        }
        if (withChunk) sock.write(chunk.subarray(0, end), release);
        sock.uncork();
      }
    }
    const n = this.netOut - before;
    // What this write would have put in Redis's reply buffer: its peak.
    if (n > this.bufPeak) this.bufPeak = n < this.bufUsable ? n : this.bufUsable;
    const stats = this.server.stats;
    stats.netOutputBytes += n;
    stats.totalWritesProcessed++;
  }
}

/** What a replica gets of the shared replication buffer. */
export interface StreamOutput {
  /** Hand the stream bytes it has not been sent to the socket (all of them with `force`, else up to a high-water mark). */
  send(force: boolean): void;
  /** Its blocks of the buffer, from its position to the end, with their headers (getClientOutputBufferMemoryUsage()). */
  memory(): number;
  /** How many blocks that is (CLIENT LIST oll). */
  blocks(): number;
}

/** The handle of a plain (non-TLS) TCP or unix socket, or null. */
function directHandleOf(sock: Socket): DirectHandle | null {
  if (streamWrap === null || (sock as { encrypted?: boolean }).encrypted === true) return null;
  const h = (sock as unknown as { _handle?: Partial<DirectHandle> | null })._handle;
  return h != null && typeof h.writeBuffer === 'function' && typeof h.writev === 'function' && typeof h.writeQueueSize === 'number'
    ? (h as DirectHandle)
    : null;
}

/** The write request not bound to a pending write: the next writeDirect() uses it. */
let spareWriteReq: WriteReq | null = null;

/**
 * Hand the first `n` bytes of `chunk` to the socket's handle when its
 * stream holds nothing (nothing queued, in flight, corked or ending): the
 * handle writes what the kernel takes at once and queues the rest in
 * order, without the stream machinery Node runs per socket.write() (a
 * request object with an async id, the completion callback, a tick). A
 * chunk written whole goes back to the reply chunk pool; one the handle
 * still refers to stays with the write request until it completes, and
 * its bytes are counted in `c.directPending` meanwhile; replies take the
 * stream path then, which queues behind them. False when the stream path
 * must be used (and nothing was written).
 */
function writeDirect(c: Client, sock: Socket, chunk: Buffer, n: number): boolean {
  const h = idleDirectHandle(c, sock);
  if (h === null) return false;
  // A write the kernel took whole (or an error) leaves the request object
  // untouched: it serves the next write too.
  const req = spareWriteReq ?? new streamWrap!.WriteWrap();
  spareWriteReq = req;
  const data = chunk.subarray(0, n);
  // An error (the peer went away) leaves the reply to the stream path, which reports it.
  if (h.writeBuffer(req, data) !== 0) return false;
  if (streamWrap!.streamBaseState[streamWrap!.kLastWriteWasAsync] !== 0) {
    // The handle writes from the chunk's memory: the request keeps it alive.
    pendDirectWrite(c, sock, h, req, data, null);
  } else {
    releaseReplyChunk(chunk);
  }
  return true;
}

/**
 * writeDirect() of output in several parts (replies past one chunk), when
 * every part is a Buffer: one gathered write. The chunks go back to the
 * pool once written.
 */
function writevDirect(c: Client, sock: Socket, parts: Bulk[], chunk: Buffer | null, end: number, sealed: Buffer[] | null): boolean {
  for (let i = 0; i < parts.length; i++) if (typeof parts[i] === 'string') return false;
  const h = idleDirectHandle(c, sock);
  if (h === null) return false;
  const list = chunk !== null && end > 0 ? [...(parts as Buffer[]), chunk.subarray(0, end)] : (parts as Buffer[]);
  const req = spareWriteReq ?? new streamWrap!.WriteWrap();
  spareWriteReq = req;
  if (h.writev(req, list, true) !== 0) return false;
  if (streamWrap!.streamBaseState[streamWrap!.kLastWriteWasAsync] !== 0) {
    pendDirectWrite(c, sock, h, req, list, () => releaseReplyChunks(sealed, chunk));
  } else {
    releaseReplyChunks(sealed, chunk);
  }
  return true;
}

/** The socket's handle when its stream holds nothing (nothing queued, in flight, corked or ending), else null. */
function idleDirectHandle(c: Client, sock: Socket): DirectHandle | null {
  let h = c.directHandle;
  if (h === undefined) h = c.directHandle = directHandleOf(sock);
  if (h === null) return null;
  const ws = (sock as unknown as { _writableState: { length: number; corked: number; ending: boolean } })._writableState;
  if (ws.length !== 0 || ws.corked !== 0 || ws.ending) return null;
  return h;
}

/**
 * A direct write the kernel did not take whole: the request keeps `data`
 * alive until it completes, and its bytes count in `c.directPending`
 * meanwhile; `done` runs on completion.
 */
function pendDirectWrite(c: Client, sock: Socket, h: DirectHandle, req: WriteReq, data: Uint8Array | Uint8Array[], done: (() => void) | null): void {
  spareWriteReq = null;
  c.directPending = h.writeQueueSize;
  req.buffer = data;
  req.oncomplete = (status: number): void => {
    c.directPending = 0;
    if (done !== null) done();
    if (status < 0) sock.destroy();
  };
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '';
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  return `${h}:${port ?? 0}`;
}
