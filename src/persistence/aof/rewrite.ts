/**
 * The commands form of an AOF rewrite (rewriteAppendOnlyFileRio() of
 * aof.c), used for the BASE file when `aof-use-rdb-preamble no`: per db a
 * SELECT, then per key the commands that rebuild it (SET, RPUSH, SADD,
 * ZADD, HMSET with at most 64 items each; XADD, XSETID, XGROUP and XCLAIM
 * for streams) and a PEXPIREAT for its TTL.
 */
import fs from 'node:fs';
import type { RValue, RObjectBase } from '../../store/types.js';
import { isString, strValue } from '../../store/types.js';
import type { RList } from '../../store/list.js';
import type { RSet } from '../../store/set.js';
import type { ZSet } from '../../store/zset.js';
import type { RHash } from '../../store/hash.js';
import { sortedConsumers, idToString, type RStream } from '../../store/stream.js';
import { formatDouble } from '../../util/numbers.js';
import { encodeSelect, encodeTimestamp } from './resp.js';

/** AOF_REWRITE_ITEMS_PER_CMD. */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

/** Output that collects latin1 text and hands it on in large writes. */
export interface ByteSink {
  write(chunk: string | Buffer): void;
}

/** A sink writing to a file descriptor, buffering up to `limit` bytes. */
export class FdSink implements ByteSink {
  private pending = '';
  /** Bytes written to the file so far. */
  written = 0;

  constructor(
    private readonly fd: number,
    private readonly limit = 1 << 16,
  ) {}

  write(chunk: string | Buffer): void {
    if (typeof chunk === 'string') {
      this.pending += chunk;
      if (this.pending.length >= this.limit) this.flush();
      return;
    }
    this.flush();
    writeAll(this.fd, chunk);
    this.written += chunk.length;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const b = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    writeAll(this.fd, b);
    this.written += b.length;
  }
}

/** aofWrite(): write everything, retrying short writes. */
export function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += fs.writeSync(fd, b, off, b.length - off);
}

function bulk(s: string): string {
  return '$' + s.length + '\r\n' + s + '\r\n';
}

/** Emit the commands rebuilding one key (and its TTL). */
export function rewriteKey(out: ByteSink, key: string, value: RValue, expireMs: number | bigint): void {
  if (isString(value)) {
    out.write('*3\r\n$3\r\nSET\r\n' + bulk(key) + bulk(strValue(value)));
  } else {
    const o = value as RObjectBase;
    switch (o.type) {
      case 'list':
        rewriteItems(out, 'RPUSH', key, (o as RList).length, 1, (emit) => {
          for (const v of o as RList) emit(v);
        });
        break;
      case 'set':
        rewriteItems(out, 'SADD', key, (o as RSet).size, 1, (emit) => (o as RSet).forEach(emit));
        break;
      case 'zset':
        rewriteItems(out, 'ZADD', key, (o as ZSet).size, 2, (emit) =>
          (o as ZSet).forEach((ele, score) => emit(formatDouble(score), ele)),
        );
        break;
      case 'hash':
        rewriteItems(out, 'HMSET', key, (o as RHash).size, 2, (emit) => (o as RHash).forEach((f, v) => emit(f, v)));
        break;
      case 'stream':
        rewriteStream(out, key, o as RStream);
        break;
      default:
        throw new Error(`Unknown object type ${o.type}`);
    }
  }
  if (expireMs !== -1 && expireMs !== -1n) {
    out.write('*3\r\n$9\r\nPEXPIREAT\r\n' + bulk(key) + bulk(String(expireMs)));
  }
}

function command(args: string[]): string {
  let s = '*' + args.length + '\r\n';
  for (let i = 0; i < args.length; i++) s += bulk(args[i]);
  return s;
}

/**
 * rewriteStreamObject(): an XADD per entry (XADD MAXLEN 0 of a dummy entry
 * for an empty stream), XSETID with the stream's counters, then per group
 * an XGROUP CREATE with ENTRIESREAD, an XCLAIM ... JUSTID FORCE per pending
 * entry of each consumer, and XGROUP CREATECONSUMER for consumers without
 * pending entries.
 */
function rewriteStream(out: ByteSink, key: string, s: RStream): void {
  const MAX_ID = (1n << 128n) - 1n;
  if (s.length) {
    for (const e of s.range(0n, MAX_ID)) out.write(command(['XADD', key, idToString(e.id), ...e.fv]));
  } else {
    out.write(command(['XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y']));
  }
  out.write(
    command(['XSETID', key, idToString(s.lastId), 'ENTRIESADDED', String(s.entriesAdded), 'MAXDELETEDID', idToString(s.maxDeletedId)]),
  );
  for (const [name, cg] of s.sortedGroups()) {
    out.write(command(['XGROUP', 'CREATE', key, name, idToString(cg.lastId), 'ENTRIESREAD', String(cg.entriesRead)]));
    for (const c of sortedConsumers(cg)) {
      if (c.pel.size === 0) {
        out.write(command(['XGROUP', 'CREATECONSUMER', key, name, c.name]));
        continue;
      }
      for (const [id, nack] of c.pel.entries()) {
        out.write(
          command([
            'XCLAIM', key, name, c.name, '0', idToString(id),
            'TIME', String(nack.deliveryTime), 'RETRYCOUNT', String(nack.deliveryCount), 'JUSTID', 'FORCE',
          ]),
        );
      }
    }
  }
}

/**
 * Variadic commands of at most AOF_REWRITE_ITEMS_PER_CMD items, each item
 * being `width` arguments.
 */
function rewriteItems(
  out: ByteSink,
  name: string,
  key: string,
  total: number,
  width: number,
  each: (emit: (...args: string[]) => void) => void,
): void {
  let items = total;
  let count = 0;
  let buf = '';
  const head = bulk(name) + bulk(key);
  each((...args: string[]) => {
    if (count === 0) {
      const n = items > AOF_REWRITE_ITEMS_PER_CMD ? AOF_REWRITE_ITEMS_PER_CMD : items;
      buf += '*' + (2 + n * width) + '\r\n' + head;
    }
    for (let i = 0; i < args.length; i++) buf += bulk(args[i]);
    if (++count === AOF_REWRITE_ITEMS_PER_CMD) {
      count = 0;
      out.write(buf);
      buf = '';
    }
    items--;
  });
  if (buf.length > 0) out.write(buf);
}

/** One key of the dataset as a rewrite sees it. */
export interface KeyEntry {
  dbid: number;
  key: string;
  value: RValue;
  /** Absolute expire time in ms, -1 for none. */
  expire: number | bigint;
}

/**
 * Writes the commands form of a dataset, fed db by db in ascending order:
 * a SELECT before the first key of each non-empty db.
 */
export class CommandsBaseWriter {
  private db = -1;

  constructor(
    private readonly out: ByteSink,
    timestampSec: number | null,
  ) {
    if (timestampSec !== null) out.write(encodeTimestamp(timestampSec));
  }

  key(e: KeyEntry): void {
    if (e.dbid !== this.db) {
      this.out.write(encodeSelect(e.dbid));
      this.db = e.dbid;
    }
    rewriteKey(this.out, e.key, e.value, e.expire);
  }
}
