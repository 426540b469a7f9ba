/**
 * The size of a client's query buffer as Redis 7.0 would have it allocated,
 * for CLIENT LIST's `qbuf-free`, `tot-mem` and the client memory that
 * used_memory and client eviction count. Nodis parses each read where it
 * landed (a shared read buffer, or one buffer made for a bulk that spans
 * reads), so the figure is bookkeeping that follows Redis's rules:
 *
 * - readQueryFromClient(): a read makes room for 16 KB (PROTO_IOBUF_LEN),
 *   exactly while the buffer is smaller than that, greedily (doubling)
 *   after; the buffer's peak is recorded.
 * - processMultibulkBuffer(): an argument of 32 KB or more
 *   (PROTO_MBULK_BIG_ARG) gets a buffer sized for it, which becomes the
 *   argument once complete; a fresh buffer of the same size replaces it.
 * - clientsCronResizeQueryBuffer(): with more than 4 KB free, a client idle
 *   for over 2 s gives back all the free space, and a buffer over 32 KB at
 *   more than twice the recent peak shrinks to that peak; the peak then
 *   restarts from what is buffered.
 *
 * Sizes are sds allocations: the request rounded up to jemalloc's size
 * class, less the sds header and terminator.
 */
import type { Client } from './client.js';
import { PROTO_MBULK_BIG_ARG } from '../protocol/parser.js';
import { sdsGreedyLength } from '../store/encoding.js';

/** PROTO_IOBUF_LEN: what one read makes room for. */
const IOBUF_LEN = 16 * 1024;
/** PROTO_RESIZE_THRESHOLD: buffers above this may shrink to their peak. */
const RESIZE_THRESHOLD = 32 * 1024;

/** jemalloc's size class for `n` bytes: 16-byte steps to 128, then four classes per doubling. */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const spacing = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / spacing) * spacing;
}

/** The header of an sds for `len` bytes (sdsReqType(), type 5 aside: a buffer that grows is type 8 at least). */
function sdsHeader(len: number): number {
  return len < 256 ? 3 : len < 65536 ? 5 : len < 2 ** 32 ? 9 : 17;
}

/** sdsalloc() of an sds made to hold `len` bytes (sdsnewlen(), sdsMakeRoomFor()): its usable size. */
export function sdsAllocFor(len: number): number {
  const hdr = sdsHeader(len);
  return jemallocSize(hdr + len + 1) - hdr - 1;
}

/** sdsZmallocSize(): the allocation behind an sds of `alloc` usable bytes. */
export function sdsZmallocSize(alloc: number): number {
  return jemallocSize(sdsHeader(alloc) + alloc + 1);
}

/** Per-client state: the emulated allocation and the peak since the cron last looked. */
export interface QueryBufferState {
  alloc: number;
  peak: number;
}

/** Before a read of `n` bytes is parsed (`c`'s buffered bytes are those left from earlier reads). */
export function queryBufferRead(c: Client, n: number): void {
  const qb = c.qb;
  const len = c.parser.bufferedBytes;
  let alloc = qb.alloc;
  const awaited = c.parser.awaitedBulkBytes;
  if (awaited >= PROTO_MBULK_BIG_ARG + 2) {
    // Room for the whole argument was made when its length was read.
    if (alloc < awaited) alloc = sdsAllocFor(awaited);
  } else if (alloc < IOBUF_LEN) {
    if (alloc - len < IOBUF_LEN) alloc = sdsAllocFor(len + IOBUF_LEN);
  } else if (alloc - len < IOBUF_LEN) {
    alloc = sdsAllocFor(sdsGreedyLength(len + IOBUF_LEN));
  }
  // Nodis reads up to 64 KB at once: Redis would have read it in several
  // reads of what is free, growing greedily.
  while (alloc < len + n) {
    alloc = sdsAllocFor(sdsGreedyLength(alloc + IOBUF_LEN));
  }
  qb.alloc = alloc;
  if (qb.peak < len + n) qb.peak = len + n;
}

/** After a read was parsed: a big argument taken leaves a buffer of its size; one being awaited has its room. */
export function queryBufferParsed(c: Client): void {
  const qb = c.qb;
  const p = c.parser;
  const big = p.takeBigArgLength();
  if (big > 0) qb.alloc = sdsAllocFor(big + 2);
  const awaited = p.awaitedBulkBytes;
  if (awaited >= PROTO_MBULK_BIG_ARG + 2 && qb.alloc < awaited) qb.alloc = sdsAllocFor(awaited);
  const len = p.bufferedBytes;
  if (qb.alloc < len) qb.alloc = len;
}

/** clientsCronResizeQueryBuffer(); `now` in ms. */
export function resizeQueryBuffer(c: Client, now: number): void {
  // (Also brings the size up to what is buffered.)
  queryBufferParsed(c);
  const qb = c.qb;
  const p = c.parser;
  const len = p.bufferedBytes;
  const awaited = p.awaitedBulkBytes;
  const bulklen = awaited > 0 ? awaited - 2 : -1;
  const idle = Math.floor(now / 1000) - Math.floor(c.lastInteraction / 1000);
  // An idle client gives back its spare input buffer for real too.
  if (idle > 2) p.trimIdle();
  if (qb.alloc - len > 4096) {
    if (idle > 2) {
      qb.alloc = len;
    } else if (qb.alloc > RESIZE_THRESHOLD && qb.alloc / 2 > qb.peak) {
      let resize = len;
      if (resize < qb.peak) resize = qb.peak;
      if (bulklen !== -1 && resize < bulklen) resize = bulklen;
      qb.alloc = resize;
    }
  }
  qb.peak = bulklen > len ? bulklen : len;
}
