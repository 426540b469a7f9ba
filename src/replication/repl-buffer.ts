/**
 * The replication buffer (Redis 7's shared replication buffer, replication.c
 * feedReplicationBuffer() and friends): the stream is kept once, in a list
 * of blocks, and both the backlog and every replica refer to it.
 *
 * - The backlog refers to the first block and holds `histlen` bytes up to
 *   the end of the stream: the offsets a PSYNC can continue from are
 *   `offset` .. `offset + histlen`.
 * - A replica refers to the block holding the next byte it is to be sent
 *   (a `StreamCursor`), so what it has still to receive costs no copy, and
 *   two replicas behind by the same bytes share them.
 * - A block counts the references to it as the first block of someone's
 *   range; blocks are freed from the front only when the backlog is the
 *   last one referring to them and it holds more than `repl-backlog-size`
 *   without them. A lagging replica thus keeps the backlog longer than its
 *   size, and a replica that lost its link can continue from there.
 *
 * Block sizes and the memory figures follow Redis's: blocks of at least
 * 16 KB and at most a sixteenth of the backlog size (larger writes span
 * several), each counted as its allocation plus a list node.
 */
import { jemallocSize } from '../server/querybuf.js';
import { putLatin1 } from '../util/bytes.js';

/** CONFIG_REPL_BACKLOG_MIN_SIZE. */
export const REPL_BACKLOG_MIN_SIZE = 16 * 1024;
/** PROTO_REPLY_CHUNK_BYTES: the smallest block. */
const MIN_BLOCK_BYTES = 16 * 1024;
/** REPL_BACKLOG_TRIM_BLOCKS_PER_CALL. */
export const TRIM_BLOCKS_PER_CALL = 64;
/** sizeof(replBufBlock): refcount, id, repl_offset, size, used. */
const BLOCK_HEADER_BYTES = 40;
/** sizeof(listNode). */
const LIST_NODE_BYTES = 24;
/** What a block costs beyond its bytes, in getClientOutputBufferMemoryUsage(). */
const BLOCK_OVERHEAD = BLOCK_HEADER_BYTES + LIST_NODE_BYTES;

/** replBufBlock. */
export class ReplBlock {
  /** Bytes filled. */
  used = 0;
  /** Holders (the backlog, replicas) whose range starts in this block. */
  refcount = 0;
  next: ReplBlock | null = null;
  constructor(
    readonly buf: Buffer,
    /** Increasing number: blocks between two positions. */
    readonly id: number,
    /** Replication offset of its first byte. */
    public offset: number,
    /** Bytes counted for it in repl_buffer_mem. */
    readonly mem: number,
  ) {}
}

/** A replica's position: the next byte to send is `block.buf[pos]` (no block: nothing fed to it yet). */
export interface StreamCursor {
  block: ReplBlock | null;
  pos: number;
}

export function newCursor(): StreamCursor {
  return { block: null, pos: 0 };
}

/** Where the bytes of one append() start, and whether it added a block. */
export interface AppendResult {
  block: ReplBlock;
  pos: number;
  added: boolean;
}

export class ReplBuffer {
  /** The backlog's block: the first one. */
  private head: ReplBlock | null = null;
  private tail: ReplBlock | null = null;
  private nextId = 0;
  /** Replication offset of the last byte fed (master_repl_offset). */
  private end: number;
  /** repl_buffer_mem: every block's allocation. */
  mem = 0;
  /** Bytes the backlog holds (repl_backlog_histlen). */
  histlen = 0;
  /** repl-backlog-size. */
  size: number;

  /** `firstOffset`: the offset the next byte of the stream will have. */
  constructor(size: number, firstOffset: number) {
    this.size = Math.max(REPL_BACKLOG_MIN_SIZE, size);
    this.end = firstOffset - 1;
  }

  /**
   * freeMemoryGetNotCountedMemory()'s share: the blocks beyond the
   * backlog's size (and the headers its blocks would take), which replicas
   * hold: evicting keys would not free them.
   */
  notCountedForEvict(): number {
    const counted = this.size + (Math.floor(this.size / MIN_BLOCK_BYTES) + 1) * BLOCK_OVERHEAD;
    return this.mem > counted ? this.mem - counted : 0;
  }

  /** Replication offset of the oldest byte held (repl_backlog_first_byte_offset). */
  get offset(): number {
    return this.end - this.histlen + 1;
  }

  /** Blocks in the list. */
  get blockCount(): number {
    return this.head === null ? 0 : this.tail!.id - this.head.id + 1;
  }

  /**
   * Add bytes of the stream (strings are latin1, one char per byte). The
   * tail block is filled first, then new blocks are added. The caller
   * attaches the replicas that take the stream from here on to the
   * returned position, then calls trim() if a block was added.
   */
  append(data: string | Buffer): AppendResult {
    let n = data.length;
    let tail = this.tail;
    let start: ReplBlock | null = null;
    let startPos = 0;
    let added = false;
    let from = 0;
    if (tail !== null && tail.used < tail.buf.length) {
      start = tail;
      startPos = tail.used;
      const copy = Math.min(n, tail.buf.length - tail.used);
      put(data, from, copy, tail.buf, tail.used);
      tail.used += copy;
      from += copy;
      n -= copy;
    }
    while (n > 0) {
      // Blocks of at least 16 KB, to append more to them, and at most a
      // sixteenth of the backlog, so a block holding a few bytes still
      // needed does not keep a large allocation.
      const limit = Math.max(Math.floor(this.size / 16), MIN_BLOCK_BYTES);
      const want = Math.min(Math.max(n, MIN_BLOCK_BYTES), limit);
      const usable = jemallocSize(want + BLOCK_HEADER_BYTES);
      const block = new ReplBlock(Buffer.allocUnsafeSlow(usable - BLOCK_HEADER_BYTES), this.nextId++, this.end + 1 + from, usable + LIST_NODE_BYTES);
      const copy = Math.min(n, block.buf.length);
      put(data, from, copy, block.buf, 0);
      block.used = copy;
      from += copy;
      n -= copy;
      this.mem += block.mem;
      if (tail === null) {
        this.head = block;
        // The backlog's reference.
        block.refcount++;
      } else {
        tail.next = block;
      }
      tail = this.tail = block;
      if (start === null) start = block;
      added = true;
    }
    this.end += data.length;
    this.histlen += data.length;
    return { block: start!, pos: startPos, added };
  }

  /** Replication offset of `c`'s next byte. */
  static position(c: StreamCursor): number {
    return c.block === null ? -1 : c.block.offset + c.pos;
  }

  /** Make `c` refer to a position (it referred to nothing). */
  attach(c: StreamCursor, block: ReplBlock, pos: number): void {
    block.refcount++;
    c.block = block;
    c.pos = pos;
  }

  /** copyReplicaOutputBuffer(): `dst` starts where `src` is. */
  copy(dst: StreamCursor, src: StreamCursor): void {
    if (src.block !== null) this.attach(dst, src.block, src.pos);
  }

  /** freeReplicaReferencedReplBuffer(): `c` lets go of its range. */
  release(c: StreamCursor): void {
    const b = c.block;
    c.block = null;
    c.pos = 0;
    if (b !== null) {
      b.refcount--;
      this.trim(TRIM_BLOCKS_PER_CALL);
    }
  }

  /** `c` sent its block whole: it moves to the next one, if any. True when it moved. */
  step(c: StreamCursor): boolean {
    const b = c.block!;
    const next = b.next;
    if (next === null || c.pos < b.used) return false;
    b.refcount--;
    next.refcount++;
    c.block = next;
    c.pos = 0;
    return true;
  }

  /** Bytes from `c` to the end of the stream. */
  pending(c: StreamCursor): number {
    if (c.block === null) return 0;
    const t = this.tail!;
    return t.offset + t.used - (c.block.offset + c.pos);
  }

  /**
   * getClientOutputBufferMemoryUsage() of a replica: its blocks, from the
   * one it is in to the tail (whole, as allocated), with their headers.
   */
  memoryFrom(c: StreamCursor): number {
    if (c.block === null) return 0;
    const t = this.tail!;
    return t.offset + t.buf.length - c.block.offset + (t.id - c.block.id + 1) * BLOCK_OVERHEAD;
  }

  /** Blocks from `c`'s to the tail (CLIENT LIST oll). */
  blocksFrom(c: StreamCursor): number {
    return c.block === null ? 0 : this.tail!.id - c.block.id + 1;
  }

  /** True when a PSYNC at `from` can be served (the byte before it is the last one the replica has). */
  covers(from: number): boolean {
    return from >= this.offset && from <= this.offset + this.histlen;
  }

  /**
   * addReplyReplicationBacklog(): attach `c` at offset `from` (covered).
   * Returns the bytes it will be sent; with an empty backlog it is not
   * attached (the next append() attaches it).
   */
  attachAt(c: StreamCursor, from: number): number {
    if (this.histlen === 0) return 0;
    let b = this.head!;
    while (b.offset + b.used < from) b = b.next!;
    this.attach(c, b, from - b.offset);
    return this.end + 1 - from;
  }

  /** The bytes from replication offset `from` (covered) to the end (a copy). */
  readFrom(from: number): Buffer {
    const out = Buffer.allocUnsafe(this.end + 1 - from);
    let at = 0;
    for (let b = this.head; b !== null; b = b.next) {
      const s = Math.max(0, from - b.offset);
      if (s >= b.used) continue;
      at += b.buf.copy(out, at, s, b.used);
    }
    return out;
  }

  /**
   * incrementalTrimReplicationBacklog(): free up to `maxBlocks` blocks from
   * the front while the backlog holds more than its size without them and
   * nobody else refers to them. Never fewer than one block.
   */
  trim(maxBlocks: number): void {
    let n = 0;
    while (this.histlen > this.size && n < maxBlocks) {
      const first = this.head!;
      const next = first.next;
      if (next === null || first.refcount !== 1) break;
      if (this.histlen - first.buf.length <= this.size) break;
      first.refcount--;
      this.histlen -= first.buf.length;
      this.mem -= first.mem;
      first.next = null;
      this.head = next;
      next.refcount++;
      n++;
    }
  }

  /** resizeReplicationBacklog(): a new size, reached by trimming. */
  resize(size: number): void {
    this.size = Math.max(REPL_BACKLOG_MIN_SIZE, size);
    this.trim(TRIM_BLOCKS_PER_CALL);
  }

  /**
   * rebaseReplicationBuffer(): the offsets start over at `end` + 1 - histlen
   * (the RDB loaded at startup gave the history's offset).
   */
  rebase(end: number): void {
    const delta = end - this.end;
    this.end = end;
    for (let b = this.head; b !== null; b = b.next) b.offset += delta;
  }
}

function put(data: string | Buffer, from: number, n: number, buf: Buffer, at: number): void {
  if (typeof data === 'string') {
    putLatin1(buf, at, from === 0 && n === data.length ? data : data.slice(from, from + n));
  } else {
    data.copy(buf, at, from, from + n);
  }
}
