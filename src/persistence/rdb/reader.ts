/**
 * RDB reader: loads every format redis-server 7.0 loads (RDB versions 1 to
 * 10, rdb.c rdbLoadRio()/rdbLoadObject()), building Nodis values with the
 * encodings Redis would give them after loading.
 *
 * loadRdb() walks a whole file (or an RDB preamble at the start of a
 * buffer) and hands every key to a sink; rdbDecodeValue() decodes one value
 * (what RESTORE does with a DUMP payload). Any truncation or corruption is
 * reported as an RdbLoadError, never as another exception.
 */
import type { EncodingConfig, RValue } from '../../store/types.js';
import { RList } from '../../store/list.js';
import { RSet, intsetLimit } from '../../store/set.js';
import { RHash } from '../../store/hash.js';
import { ZSet } from '../../store/zset.js';
import { Config } from '../../server/config.js';
import fs from 'node:fs';
import { Crc64 } from './crc64.js';
import { lzfDecompressInto } from './lzf.js';
import { parseListpack, parseZiplist, parseIntset, parseZipmap } from './decode.js';
import { loadStream } from './stream-load.js';
import { debugDelay } from '../../util/sleep.js';
import { LoadAbandoned, runLoadSteps, type LoadSteps } from '../load-steps.js';
import {
  RDB_VERSION,
  RDB_ENC_INT8,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_LZF,
  RDB_TYPE_STRING,
  RDB_TYPE_LIST,
  RDB_TYPE_SET,
  RDB_TYPE_ZSET,
  RDB_TYPE_HASH,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_MODULE,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_ZSET_ZIPLIST,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_SELECTDB,
  RDB_OPCODE_EOF,
  RDB_MODULE_OPCODE_UINT,
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  rdbIsObjectType,
} from './constants.js';

/** A corrupt, truncated or unsupported RDB file or payload. */
export class RdbLoadError extends Error {
  /** Offset in the input where the problem was found. */
  offset: number;
  /** True for truncation (short read) rather than corruption. */
  readonly truncated: boolean;

  /** True when the file is intact but its CRC64 trailer does not match. */
  checksumMismatch = false;

  constructor(message: string, offset = 0, truncated = false) {
    super(message);
    this.name = 'RdbLoadError';
    this.offset = offset;
    this.truncated = truncated;
  }
}

/** Receives what loadRdb() reads. */
export interface RdbSink {
  /** An AUX field (redis-ver, ctime, repl-id...). */
  aux?(key: string, value: string): void;
  /** SELECTDB. */
  selectDb(id: number): void;
  /** RESIZEDB hint. */
  resizeDb?(dbSize: number, expiresSize: number): void;
  /**
   * A key. expireMs: absolute unix ms or -1; idleSec / freq when the file
   * carried IDLE / FREQ for it. Expired keys are passed too: the sink
   * decides (Redis drops them when loading as a primary, not from an AOF
   * preamble).
   */
  key(dbid: number, key: string, value: RValue, expireMs: number, idleSec?: number, freq?: number): void;
  /**
   * A function library's code (FUNCTION2 record). Without this handler, a
   * file holding functions does not load.
   */
  function?(code: string): void;
  /** A key whose value is empty, skipped as Redis skips it (rdbLoadObject()'s warning). */
  emptyKey?(dbid: number, key: string): void;
}

export interface RdbLoadOptions {
  /** Encoding thresholds (hash-max-listpack-entries...); defaults when omitted. */
  config?: EncodingConfig;
  /** Deep integrity validation (sanitize-dump-payload yes). */
  deep?: boolean;
  /** Verify the CRC64 trailer when it is not zero (rdbchecksum yes). Default true. */
  checksum?: boolean;
  /** Number of databases (SELECTDB beyond it is an error). Default 16. */
  dbnum?: number;
  /** Counts the blobs deep-checked (INFO dump_payload_sanitizations). */
  stats?: SanitizeStats;
  /** Follows the walk for an RDB check report (rdb/check.ts). */
  trace?: RdbTrace;
  /** loadRdbSteps() yields each time this many more bytes were read (loading-process-events-interval-bytes). */
  yieldEvery?: number;
  /** key-load-delay: microseconds to sleep after each key (debugDelay()); read again at each step. */
  keyLoadDelay?: () => number;
}

/** What the loop was doing when it stopped (redis-check-rdb's rdb_check_doing_string). */
export type RdbDoing =
  | 'start'
  | 'read-type'
  | 'read-expire'
  | 'read-key'
  | 'read-object-value'
  | 'check-sum'
  | 'read-len'
  | 'read-aux'
  | 'read-module-aux'
  | 'read-functions';

/**
 * redis-check-rdb's rdbstate: where loadRdb() is, updated as it walks, and
 * the informational lines of the report (AUX fields, SELECTDB, checksum).
 */
export interface RdbTrace {
  doing: RdbDoing;
  /** The key being read, if any. */
  key: string | null;
  /** Its RDB type, or -1. */
  keyType: number;
  keys: number;
  expires: number;
  alreadyExpired: number;
  /** Unix ms the already-expired count compares with. */
  now: number;
  info(offset: number, msg: string): void;
}

/** The trace of an ordinary load: writes to it go nowhere. */
function nullTrace(): RdbTrace {
  return { doing: 'start', key: null, keyType: -1, keys: 0, expires: 0, alreadyExpired: 0, now: 0, info() {} };
}

/** Where deep checks are counted. */
export interface SanitizeStats {
  sanitizations: number;
}

export interface RdbLoadResult {
  /** RDB version of the file. */
  version: number;
  /** Offset just past the RDB (after the checksum): where an AOF tail would start. */
  end: number;
  /** Keys handed to the sink. */
  keys: number;
  /** Empty keys skipped (as Redis skips them). */
  emptyKeysSkipped: number;
}

let defaultConfig: Config | null = null;
function defaults(): EncodingConfig {
  if (defaultConfig === null) defaultConfig = new Config();
  return defaultConfig;
}

/** Longest JS string this runtime builds; longer strings stay Buffers. */
const MAX_JS_STRING = (1 << 29) - 24;

/** The most an LZF stream can expand: 3 input bytes make at most 264. */
const LZF_MAX_RATIO = 88;

/** Decompression buffers (the reader is synchronous: one at a time). */
let lzfScratch: Buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Where a file's bytes come from: read(buf, off, len, position) returns
 * how many were read (0 at the end), as fs.readSync() does.
 */
export interface RdbFileSource {
  size: number;
  read(buf: Buffer, off: number, len: number, position: number): number;
  /** Bytes to read at a time (FILE_WINDOW by default). */
  window?: number;
  /**
   * For input still arriving (a diskless transfer): false until `size`
   * (the bytes received so far) is final. A read past them then throws
   * NEED_MORE, which loadRdbSteps() turns into a NEED_MORE_STEP yield.
   */
  ended?: boolean;
  /** Set by the reader when it waits: the size worth reading the record again at. */
  retryAt?: number;
  /** The most of one record kept to read it again (STREAM_RECORD_MAX by default). */
  holdMax?: number;
}

/** Thrown by an RdbInput over input still arriving that lacks the bytes a read needs. */
export const NEED_MORE = new Error('more input needed');

/**
 * What loadRdbSteps() yields over input still arriving when a record is
 * not whole yet: call next() again once more bytes have come (the record
 * is read again from its start).
 */
export const NEED_MORE_STEP = -1;

/** An open file as an RdbFileSource. */
export function fdSource(fd: number): RdbFileSource {
  return {
    size: fs.fstatSync(fd).size,
    read: (buf, off, len, position) => fs.readSync(fd, buf, off, len, position),
  };
}

/**
 * Chunks of an RDB (a diskless transfer as received) as an RdbFileSource,
 * without joining them: reads go forward, and each chunk is let go once
 * read past. While `ended` is false more may be push()ed; finish() fixes
 * the size (the transfer's end less its EOF mark).
 */
export class ChunkSource implements RdbFileSource {
  ended?: boolean;
  window?: number;
  retryAt = 0;
  private waiter: ((go: boolean) => void) | null = null;
  private abandoned = false;
  private idx = 0;
  /** Offset of chunks[idx]. */
  private at = 0;

  constructor(
    private readonly chunks: Buffer[],
    public size: number,
    arriving = false,
  ) {
    if (arriving) this.ended = false;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.retryAt) this.wake(true);
  }

  finish(size: number): void {
    this.size = size;
    this.ended = true;
    this.wake(true);
  }

  /** No more will come: a waiting reader gives up. */
  abandon(): void {
    this.abandoned = true;
    this.wake(false);
  }

  /** Resolves true once a retry may succeed (enough input, or its end), false if abandoned. */
  waitMore(): Promise<boolean> {
    if (this.abandoned) return Promise.resolve(false);
    if (this.ended !== false || this.size >= this.retryAt) return Promise.resolve(true);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  private wake(go: boolean): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(go);
  }

  read(buf: Buffer, off: number, len: number, position: number): number {
    const chunks = this.chunks;
    len = Math.min(len, this.size - position);
    let n = 0;
    while (n < len && this.idx < chunks.length) {
      const c = chunks[this.idx];
      const from = position + n - this.at;
      if (from >= c.length) {
        this.at += c.length;
        chunks[this.idx++] = EMPTY;
        continue;
      }
      const take = Math.min(c.length - from, len - n);
      c.copy(buf, off + n, from, from + take);
      n += take;
    }
    return n;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * The most of one record an RdbInput over input still arriving holds to
 * read it again; past it, the record waits for the end of the input.
 */
const STREAM_RECORD_MAX = 64 << 20;

/** Bytes read from a file at a time (more when one item needs more). */
const FILE_WINDOW = 1 << 20;

/**
 * Sequential reader over a Buffer, or over a file through a window of it
 * (a file may be larger than a Buffer can be, and need not be in memory
 * all at once), throwing RdbLoadError at the end.
 */
export class RdbInput {
  /** The bytes at hand: the whole input, or the window of a file. */
  buf: Buffer;
  pos: number;
  end: number;
  /** Offset in the input of buf[0] (0 unless reading a file). */
  private base = 0;
  private readonly file: RdbFileSource | null;
  /** With a file and a checksum to check: the CRC of the bytes before the window. */
  private crc: Crc64 | null = null;
  /**
   * Over input still arriving: where the record being read starts in buf
   * (kept across refills, to read it again when it turns out incomplete).
   */
  private mark = -1;

  constructor(input: Buffer | RdbFileSource, pos = 0, end?: number, opts: { crc?: boolean } = {}) {
    if (Buffer.isBuffer(input)) {
      this.buf = input;
      this.file = null;
      this.end = end ?? input.length;
    } else {
      this.buf = Buffer.alloc(0);
      this.file = input;
      this.end = 0;
      this.base = pos;
      pos = 0;
      if (opts.crc === true) this.crc = new Crc64();
    }
    this.pos = pos;
  }

  /** Offset in the input of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** The input may still be arriving (see RdbFileSource.ended). */
  get streaming(): boolean {
    return this.file !== null && this.file.ended !== undefined;
  }

  /** A record starts here: rewind() comes back to it. */
  markRecord(): void {
    this.mark = this.pos;
  }

  /**
   * Back to the record's start, to read it again once the input has
   * doubled from there (or ended): a large record is read a bounded number
   * of times.
   */
  rewind(): void {
    this.pos = this.mark;
    const file = this.file;
    if (file !== null && file.ended === false) {
      const from = this.base + this.mark;
      const have = file.size - from;
      // A record too large to hold whole waits for the end of the input,
      // then is read through the usual window.
      file.retryAt = have > (file.holdMax ?? STREAM_RECORD_MAX) ? Infinity : Math.max(file.size + 1, from + 2 * have);
    }
  }

  get remaining(): number {
    return this.file !== null ? this.file.size - this.offset : this.end - this.pos;
  }

  /** CRC-64 of the input's bytes before the next one (a file's needs opts.crc). */
  checksumSoFar(): Crc64 {
    const crc = this.crc !== null ? new Crc64(this.crc.value) : new Crc64();
    return crc.update(this.buf, 0, this.pos);
  }

  eof(): never {
    throw new RdbLoadError('Unexpected EOF reading RDB file', this.offset, true);
  }

  corrupt(reason: string): never {
    throw new RdbLoadError(reason, this.offset);
  }

  need(n: number): void {
    if (n > this.end - this.pos && !this.fill(n)) this.eof();
  }

  /**
   * Make `n` bytes available from pos: a new window holding what is left
   * of this one and what follows (a new Buffer each time, so that views
   * handed out stay valid). False at the end of the input.
   */
  private fill(n: number): boolean {
    const file = this.file;
    if (file === null) return false;
    // While more input may come, the window keeps the bytes from the
    // record's start (it may have to be read again), growing geometrically
    // so that a large record is copied a bounded number of times.
    const keepMark = this.mark >= 0 && file.ended === false;
    const keep = keepMark ? this.mark : this.pos;
    const left = this.end - keep;
    const want = this.pos - keep + n;
    const window = Math.max(file.window ?? FILE_WINDOW, keepMark ? 2 * left : 0);
    const size = Math.max(want, Math.min(window, file.size - (this.base + keep)));
    if (size > left) {
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, keep, this.end);
      let got = left;
      const from = this.base + this.end;
      while (got < size) {
        const r = file.read(next, got, size - got, from + got - left);
        if (r === 0) break;
        got += r;
      }
      this.crc?.update(this.buf, 0, keep);
      this.base += keep;
      this.buf = next;
      this.pos -= keep;
      this.mark = keepMark ? 0 : -1;
      this.end = got;
      if (got - this.pos >= n) return true;
    }
    if (file.ended === false) throw NEED_MORE;
    return false;
  }

  u8(): number {
    if (this.pos >= this.end && !this.fill(1)) this.eof();
    return this.buf[this.pos++];
  }

  i32le(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i64le(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** Set by lenEnc(): the value read was a special-encoding marker. */
  encoded = false;

  /**
   * rdbLoadLenByRef(): the length, `encoded` telling whether it is an
   * encoding type instead. Lengths beyond 2^53 come back as Infinity.
   */
  lenEnc(): number {
    const b = this.u8();
    const type = (b & 0xc0) >> 6;
    this.encoded = type === 3;
    if (type === 3 || type === 0) return b & 0x3f;
    if (type === 1) return ((b & 0x3f) << 8) | this.u8();
    if (b === 0x80) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
    }
    return this.corrupt(`Unknown length encoding ${type} in rdbLoadLen()`);
  }

  /**
   * rdbLoadLen(): a length. An encoded-value marker where a length belongs
   * reads as its 6 bits, as in Redis.
   */
  len(): number {
    return this.lenEnc();
  }

  /** A length as a BigInt (module ids use all 64 bits). */
  lenBig(): bigint {
    if ((this.pos < this.end || this.fill(1)) && this.buf[this.pos] === 0x81) {
      this.pos++;
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v;
    }
    return BigInt(this.len());
  }

  /**
   * A count of items. Nothing is allocated from it: the items are read one
   * by one, each taking at least a byte, so a count larger than the input
   * fails where the input does, as in Redis (the error and its offset are
   * those of the first item that cannot be read).
   */
  count(): number {
    return this.len();
  }

  /** rdbGenericLoadStringObject() as raw bytes (a view for plain strings). */
  stringBytes(): Buffer {
    const len = this.lenEnc();
    const enc = this.encoded;
    if (enc) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return Buffer.from(this.encodedInt(len), 'latin1');
        case RDB_ENC_LZF:
          return this.lzfString();
        default:
          return this.corrupt(`Unknown RDB string encoding type ${len}`);
      }
    }
    return this.bytes(len);
  }

  /** A string as a latin1 JS string. */
  string(): string {
    return this.stringOf(this.lenEnc(), this.encoded);
  }

  /** string() once its length (or encoding) is read. */
  private stringOf(len: number, enc: boolean): string {
    if (enc) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return this.encodedInt(len);
        case RDB_ENC_LZF: {
          const [b, len] = this.lzfData(true);
          if (len > MAX_JS_STRING) this.corrupt('String too long');
          return b.latin1Slice(0, len);
        }
        default:
          return this.corrupt(`Unknown RDB string encoding type ${len}`);
      }
    }
    this.need(len);
    if (len > MAX_JS_STRING) this.corrupt('String too long');
    const s = this.buf.latin1Slice(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** A string value: a JS string, or a Buffer when too long for one. */
  stringValue(): string | Buffer {
    const len = this.lenEnc();
    const enc = this.encoded;
    if (enc || len <= MAX_JS_STRING) return this.stringOf(len, enc);
    return Buffer.from(this.bytes(len));
  }

  /** rdbLoadIntegerObject() as its decimal string. */
  private encodedInt(enctype: number): string {
    if (enctype === RDB_ENC_INT8) {
      const v = this.u8();
      return String(v >= 128 ? v - 256 : v);
    }
    if (enctype === RDB_ENC_INT16) {
      this.need(2);
      const v = this.buf.readInt16LE(this.pos);
      this.pos += 2;
      return String(v);
    }
    return String(this.i32le());
  }

  /** rdbLoadLzfStringObject() into a new Buffer. */
  private lzfString(): Buffer {
    return this.lzfData(false)[0];
  }

  /**
   * Decompress an LZF string: [buffer, length], the buffer being a shared
   * scratch one (bytes valid until the next call) when `scratch` and the
   * string is not large, else a new Buffer of exactly that length.
   */
  private lzfData(scratch: boolean): [Buffer, number] {
    const clen = this.len();
    const len = this.len();
    this.need(clen);
    if (len > clen * LZF_MAX_RATIO + 32 || len > 0x7fffffff) this.corrupt('Invalid LZF compressed string');
    let out: Buffer;
    if (scratch && len <= 1 << 22) {
      if (lzfScratch.length < len) lzfScratch = Buffer.allocUnsafe(Math.max(len, lzfScratch.length * 2));
      out = lzfScratch;
    } else {
      out = Buffer.allocUnsafe(len);
    }
    // lzf_decompress() returns 0 on failure, which Redis compares with the
    // expected length: a string announced as empty loads as empty whatever
    // its compressed bytes.
    if (len !== 0 && !lzfDecompressInto(this.buf, this.pos, this.pos + clen, out, len)) {
      this.pos += clen; // read before decompressing, as rioRead() does
      this.corrupt('Invalid LZF compressed string');
    }
    this.pos += clen;
    return [out, len];
  }

  /** rdbLoadBinaryDoubleValue(). */
  binaryDouble(): number {
    this.need(8);
    const d = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return d;
  }

  /** rdbLoadDoubleValue(): length-prefixed ASCII, 253/254/255 for nan/+inf/-inf. */
  asciiDouble(): number {
    const len = this.u8();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    const s = this.bytes(len).latin1Slice(0, len);
    const d = strtod(s);
    if (d === null) this.corrupt('Invalid double value');
    return d;
  }
}

/**
 * strtod() as sscanf("%lg") and zzlStrtod() use it: the longest valid
 * prefix, inf/nan words included; null when there is none.
 */
export function strtod(s: string): number | null {
  const m = /^\s*([+-]?)(inf(inity)?|nan)/i.exec(s);
  if (m !== null) {
    if (m[2].toLowerCase().startsWith('nan')) return NaN;
    return m[1] === '-' ? -Infinity : Infinity;
  }
  const hex = /^\s*([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?/i.exec(s);
  if (hex !== null && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    let v = 0;
    for (const ch of hex[2]) v = v * 16 + parseInt(ch, 16);
    let scale = 1 / 16;
    for (const ch of hex[3] ?? '') {
      v += parseInt(ch, 16) * scale;
      scale /= 16;
    }
    if (hex[4] !== undefined) v *= Math.pow(2, Number(hex[4]));
    return hex[1] === '-' ? -v : v;
  }
  const d = parseFloat(s);
  return Number.isNaN(d) ? null : d;
}

// ---- values ------------------------------------------------------------------------------------

interface ValueCtx {
  cfg: EncodingConfig;
  deep: boolean;
  stats?: SanitizeStats;
}

/** A blob about to be checked: counted when the check is deep (as Redis counts). */
function sanitizing(ctx: ValueCtx): void {
  if (ctx.deep && ctx.stats !== undefined) ctx.stats.sanitizations++;
}

function num(cfg: EncodingConfig, name: string): number {
  return cfg.num(name);
}

const UNLIMITED_HASH = { entries: Infinity, value: Infinity };
const UNLIMITED_ZSET = { maxEntries: Infinity, maxValue: Infinity };

function zsetFromPairs(inp: RdbInput, pairs: string[], what: string, ctx: ValueCtx): ZSet | null {
  const n = pairs.length >>> 1;
  if (n === 0) return null;
  const maxEntries = num(ctx.cfg, 'zset-max-listpack-entries');
  const z = n > maxEntries ? ZSet.skiplist() : ZSet.listpack();
  for (let i = 0; i < pairs.length; i += 2) {
    const ele = pairs[i];
    const score = strtod(pairs[i + 1]);
    if (score === null || Number.isNaN(score)) inp.corrupt(`${what} integrity check failed.`);
    if (z.has(ele)) inp.corrupt(`${what} integrity check failed.`);
    z.add(score, ele, 0, UNLIMITED_ZSET);
  }
  return z;
}

function hashFromPairs(inp: RdbInput, pairs: string[], what: string, ctx: ValueCtx): RHash | null {
  const n = pairs.length >>> 1;
  if (n === 0) return null;
  const h = new RHash();
  if (n > num(ctx.cfg, 'hash-max-listpack-entries')) h.convert();
  for (let i = 0; i < pairs.length; i += 2) {
    if (h.set(pairs[i], pairs[i + 1], UNLIMITED_HASH)) inp.corrupt(`${what} integrity check failed.`);
  }
  return h;
}

/**
 * rdbLoadObject(): decode a value of RDB type `type` from `inp`. Returns
 * null for an empty value (Redis skips such keys when loading a file and
 * refuses them in RESTORE).
 */
function loadObject(type: number, inp: RdbInput, ctx: ValueCtx): RValue | null {
  const cfg = ctx.cfg;
  switch (type) {
    case RDB_TYPE_STRING:
      return inp.stringValue();

    case RDB_TYPE_LIST: {
      const len = inp.count();
      if (len === 0) return null;
      const items: string[] = [];
      for (let i = 0; i < len; i++) items.push(inp.string());
      return RList.from(items);
    }

    case RDB_TYPE_SET: {
      const len = inp.count();
      if (len === 0) return null;
      const maxIntset = intsetLimit(cfg);
      const s = len > maxIntset ? RSet.createHashtable() : RSet.createIntset();
      for (let i = 0; i < len; i++) {
        if (!s.add(inp.string(), maxIntset)) inp.corrupt('Duplicate set members detected');
      }
      return s;
    }

    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2: {
      const len = inp.count();
      if (len === 0) return null;
      const z = ZSet.skiplist();
      let maxEleLen = 0;
      for (let i = 0; i < len; i++) {
        const ele = inp.string();
        const score = type === RDB_TYPE_ZSET_2 ? inp.binaryDouble() : inp.asciiDouble();
        if (Number.isNaN(score)) inp.corrupt('Zset with NAN score detected');
        if (ele.length > maxEleLen) maxEleLen = ele.length;
        if (z.has(ele)) inp.corrupt('Duplicate zset fields detected');
        z.add(score, ele, 0, UNLIMITED_ZSET);
      }
      z.convertToListpackIfNeeded(maxEleLen, {
        maxEntries: num(cfg, 'zset-max-listpack-entries'),
        maxValue: num(cfg, 'zset-max-listpack-value'),
      });
      return z;
    }

    case RDB_TYPE_HASH: {
      const len = inp.count();
      if (len === 0) return null;
      const limits = { entries: num(cfg, 'hash-max-listpack-entries'), value: num(cfg, 'hash-max-listpack-value') };
      const h = new RHash();
      if (len > limits.entries) h.convert();
      for (let i = 0; i < len; i++) {
        const f = inp.string();
        const v = inp.string();
        if (h.set(f, v, limits)) inp.corrupt(h.isListpack() ? 'Hash with dup elements' : 'Duplicate hash fields detected');
      }
      return h;
    }

    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2: {
      const nodes = inp.count();
      if (nodes === 0) return null;
      const items: string[] = [];
      for (let i = 0; i < nodes; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = inp.len();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
            inp.corrupt('Quicklist integrity check failed.');
          }
        }
        const data = inp.stringBytes();
        if (data.length === 0) inp.corrupt('Quicklist integrity check failed.');
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          if (data.length > MAX_JS_STRING) inp.corrupt('String too long');
          items.push(data.latin1Slice(0, data.length));
          continue;
        }
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          sanitizing(ctx);
          const lp = parseListpack(data, ctx.deep);
          if (lp === null) inp.corrupt('Listpack integrity check failed.');
          for (const e of lp) items.push(e);
        } else {
          const zl = parseZiplist(data);
          if (zl === null) inp.corrupt('Ziplist integrity check failed.');
          for (const e of zl) items.push(e);
        }
      }
      if (items.length === 0) return null;
      return RList.from(items);
    }

    case RDB_TYPE_HASH_ZIPMAP: {
      const data = inp.stringBytes();
      const pairs = parseZipmap(data);
      if (pairs === null) inp.corrupt('Zipmap integrity check failed.');
      const n = pairs.length >>> 1;
      const seen = new Set<string>();
      let maxLen = 0;
      for (let i = 0; i < pairs.length; i += 2) {
        if (seen.has(pairs[i])) inp.corrupt(`Hash zipmap with dup elements, or big length (${pairs[i].length})`);
        seen.add(pairs[i]);
        maxLen = Math.max(maxLen, pairs[i].length, pairs[i + 1].length);
      }
      const h = hashFromPairs(inp, pairs, 'Zipmap', ctx);
      if (h !== null && (n > num(cfg, 'hash-max-listpack-entries') || maxLen > num(cfg, 'hash-max-listpack-value'))) h.convert();
      return h;
    }

    case RDB_TYPE_LIST_ZIPLIST: {
      const data = inp.stringBytes();
      const items = parseZiplist(data);
      if (items === null) inp.corrupt('List ziplist integrity check failed.');
      if (items.length === 0) return null;
      return RList.from(items);
    }

    case RDB_TYPE_SET_INTSET: {
      const data = inp.stringBytes();
      sanitizing(ctx);
      const vals = parseIntset(data, ctx.deep);
      if (vals === null) inp.corrupt('Intset integrity check failed.');
      const s = RSet.createIntset();
      const maxIntset = intsetLimit(cfg);
      for (const v of vals) s.add(v, Infinity);
      // The loaded blob keeps its encoding, however wide.
      const width = data.readUInt32LE(0);
      if (width > s.intsetWidth) s.intsetWidth = width;
      if (s.size > maxIntset) s.convert();
      return s;
    }

    case RDB_TYPE_ZSET_ZIPLIST: {
      const data = inp.stringBytes();
      const items = parseZiplist(data);
      if (items === null || (items.length & 1) !== 0) inp.corrupt('Zset ziplist integrity check failed.');
      return zsetFromPairs(inp, items, 'Zset ziplist', ctx);
    }

    case RDB_TYPE_ZSET_LISTPACK: {
      const data = inp.stringBytes();
      sanitizing(ctx);
      const items = parseListpack(data, ctx.deep);
      if (items === null || (items.length & 1) !== 0) inp.corrupt('Zset listpack integrity check failed.');
      return zsetFromPairs(inp, items, 'Zset listpack', ctx);
    }

    case RDB_TYPE_HASH_ZIPLIST: {
      const data = inp.stringBytes();
      const items = parseZiplist(data);
      if (items === null || (items.length & 1) !== 0) inp.corrupt('Hash ziplist integrity check failed.');
      return hashFromPairs(inp, items, 'Hash ziplist', ctx);
    }

    case RDB_TYPE_HASH_LISTPACK: {
      const data = inp.stringBytes();
      sanitizing(ctx);
      const items = parseListpack(data, ctx.deep);
      if (items === null || (items.length & 1) !== 0) inp.corrupt('Hash listpack integrity check failed.');
      return hashFromPairs(inp, items, 'Hash listpack', ctx);
    }

    case RDB_TYPE_MODULE:
    case RDB_TYPE_MODULE_2: {
      const id = inp.lenBig();
      return inp.corrupt(`The RDB file contains module data I can't load: no matching module type '${moduleTypeNameById(id)}'`);
    }

    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
      return loadStream(type, inp, ctx.deep, () => sanitizing(ctx));

    default:
      return inp.corrupt(`Unknown RDB encoding type ${type}`);
  }
}

const MODULE_CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** moduleTypeNameByID(): the 9-char name in the top 54 bits of a module type id. */
export function moduleTypeNameById(id: bigint): string {
  let v = id >> 10n;
  let name = '';
  for (let i = 0; i < 9; i++) {
    name = MODULE_CHARSET[Number(v & 63n)] + name;
    v >>= 6n;
  }
  return name;
}

/**
 * rdbLoadObject() for one value of type `type` at buf[pos]: the value (null
 * when empty) and the offset after it.
 */
export function rdbDecodeValue(
  type: number,
  buf: Buffer,
  pos: number,
  opts: { config?: EncodingConfig; deep?: boolean; end?: number; stats?: SanitizeStats } = {},
): { value: RValue | null; pos: number } {
  const inp = new RdbInput(buf, pos, opts.end ?? buf.length);
  try {
    if (!rdbIsObjectType(type)) inp.corrupt(`Unknown RDB encoding type ${type}`);
    const value = loadObject(type, inp, { cfg: opts.config ?? defaults(), deep: opts.deep ?? false, stats: opts.stats });
    return { value, pos: inp.pos };
  } catch (e) {
    throw asLoadError(e, inp.pos);
  }
}

function asLoadError(e: unknown, pos: number): RdbLoadError {
  if (e instanceof RdbLoadError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new RdbLoadError(`Failed loading RDB: ${msg}`, pos);
}

/**
 * rdbLoadRio(): read an RDB from `input` (a Buffer or a file source),
 * handing its contents to `sink`. Returns the version and where the RDB
 * ends (an AOF with an RDB preamble continues there).
 */
export function loadRdb(input: Buffer | RdbFileSource, sink: RdbSink, opts: RdbLoadOptions = {}): RdbLoadResult {
  return runLoadSteps(loadRdbSteps(input, sink, opts));
}

/**
 * loadRdb() in steps: the generator yields the offset reached each time
 * another `opts.yieldEvery` bytes have been read (between two records), so
 * a caller can serve events while a large file loads, as Redis does from
 * rdbLoadProgressCallback(). Its return value is loadRdb()'s.
 */
export function* loadRdbSteps(input: Buffer | RdbFileSource, sink: RdbSink, opts: RdbLoadOptions = {}): LoadSteps<RdbLoadResult> {
  const inp = new RdbInput(input, 0, undefined, { crc: opts.checksum !== false });
  try {
    return yield* loadRdbInner(inp, sink, opts);
  } catch (e) {
    // The caller gave the load up (from its sink): not a load error.
    if (e instanceof LoadAbandoned) throw e;
    throw asLoadError(e, inp.offset);
  }
}

function* loadRdbInner(inp: RdbInput, sink: RdbSink, opts: RdbLoadOptions): LoadSteps<RdbLoadResult> {
  const ctx: ValueCtx = { cfg: opts.config ?? defaults(), deep: opts.deep ?? false, stats: opts.stats };
  const dbnum = opts.dbnum ?? 16;
  const trace = opts.trace ?? nullTrace();
  const yieldEvery = opts.yieldEvery ?? Infinity;
  let nextYield = yieldEvery;
  const keyLoadDelay = opts.keyLoadDelay;
  let keyDelay = keyLoadDelay !== undefined ? keyLoadDelay() : 0;
  const streaming = inp.streaming;
  const header = yield* whole(inp, () => inp.bytes(9));
  if (header.latin1Slice(0, 5) !== 'REDIS') {
    throw new RdbLoadError('Wrong signature trying to load DB from file', 0);
  }
  const verStr = header.latin1Slice(5, 9);
  const version = atoi(verStr);
  if (version < 1 || version > RDB_VERSION) {
    throw new RdbLoadError(`Can't handle RDB format version ${version}`, 5);
  }

  let dbid = 0;
  let keys = 0;
  let emptyKeysSkipped = 0;
  let expireMs = -1;
  let idle: number | undefined;
  let freq: number | undefined;

  for (;;) {
    if (inp.offset >= nextYield) {
      nextYield = inp.offset + yieldEvery;
      yield inp.offset;
      if (keyLoadDelay !== undefined) keyDelay = keyLoadDelay();
    }
    // Over input still arriving, a record that is not whole yet is read
    // again from its start once more has come.
    if (streaming) inp.markRecord();
    try {
      trace.doing = 'read-type';
      const type = inp.u8();
      if (type === RDB_OPCODE_EXPIRETIME) {
        trace.doing = 'read-expire';
        expireMs = inp.i32le() * 1000;
        continue;
      }
      if (type === RDB_OPCODE_EXPIRETIME_MS) {
        trace.doing = 'read-expire';
        expireMs = Number(inp.i64le());
        continue;
      }
      if (type === RDB_OPCODE_FREQ) {
        freq = inp.u8();
        continue;
      }
      if (type === RDB_OPCODE_IDLE) {
        idle = inp.len();
        continue;
      }
      if (type === RDB_OPCODE_EOF) break;
      if (type === RDB_OPCODE_SELECTDB) {
        trace.doing = 'read-len';
        const id = inp.len();
        trace.info(inp.offset, `Selecting DB ID ${id}`);
        if (id >= dbnum) {
          throw new RdbLoadError(
            `FATAL: Data file was created with a Redis server configured to handle more than ${dbnum} databases. Exiting\n`,
            inp.offset,
          );
        }
        dbid = id;
        sink.selectDb(dbid);
        continue;
      }
      if (type === RDB_OPCODE_RESIZEDB) {
        trace.doing = 'read-len';
        const dbSize = inp.len();
        const expiresSize = inp.len();
        // Only a hint: never more keys than the rest of the input can hold.
        sink.resizeDb?.(Math.min(dbSize, inp.remaining), Math.min(expiresSize, inp.remaining));
        continue;
      }
      if (type === RDB_OPCODE_AUX) {
        trace.doing = 'read-aux';
        const k = inp.string();
        const v = inp.string();
        trace.info(inp.offset, `AUX FIELD ${cString(k)} = '${cString(v)}'`);
        sink.aux?.(k, v);
        continue;
      }
      if (type === RDB_OPCODE_MODULE_AUX) {
        trace.doing = 'read-module-aux';
        const id = inp.lenBig();
        const whenOpcode = inp.len();
        inp.len(); // when
        if (whenOpcode !== RDB_MODULE_OPCODE_UINT) inp.corrupt('bad when_opcode');
        throw new RdbLoadError(
          `The RDB file contains AUX module data I can't load: no matching module '${moduleTypeNameById(id)}'`,
          inp.offset,
        );
      }
      if (type === RDB_OPCODE_FUNCTION || type === RDB_OPCODE_FUNCTION2) {
        trace.doing = 'read-functions';
        let code: string;
        if (type === RDB_OPCODE_FUNCTION) {
          // 7.0 rc1/rc2 format: name, engine, [description], blob.
          const name = inp.string();
          const engine = inp.string();
          if (inp.len() !== 0) inp.string();
          const blob = inp.string();
          code = `#!${engine} name=${name}\n${blob}`;
        } else {
          code = inp.string();
        }
        if (sink.function === undefined) {
          const m = /^#!(\S*)/.exec(code);
          throw new RdbLoadError(`Failed loading library, Engine '${m !== null ? m[1] : ''}' not found`, inp.offset);
        }
        sink.function(code);
        continue;
      }

      // A key: type, key, value.
      if (!rdbIsObjectType(type)) inp.corrupt(`Unknown RDB encoding type ${type}`);
      trace.keyType = type;
      trace.doing = 'read-key';
      const key = inp.string();
      trace.key = key;
      trace.keys++;
      trace.doing = 'read-object-value';
      const value = loadObject(type, inp, ctx);
      if (expireMs !== -1) {
        trace.expires++;
        if (expireMs < trace.now) trace.alreadyExpired++;
      }
      trace.key = null;
      trace.keyType = -1;
      if (value === null) {
        emptyKeysSkipped++;
        sink.emptyKey?.(dbid, key);
      } else {
        sink.key(dbid, key, value, expireMs, idle, freq);
        keys++;
      }
      if (keyDelay !== 0) debugDelay(keyDelay);
      expireMs = -1;
      idle = undefined;
      freq = undefined;
    } catch (e) {
      if (e !== NEED_MORE) throw e;
      inp.rewind();
      yield NEED_MORE_STEP;
    }
  }

  // The CRC64 trailer (RDB 5+): zero means saved without a checksum.
  if (version >= 5) {
    trace.doing = 'check-sum';
    const crcEnd = inp.offset;
    yield* whole(inp, () => inp.need(8));
    if (opts.checksum !== false) {
      const stored = inp.buf.readBigUInt64LE(inp.pos);
      if (stored === 0n) {
        trace.info(crcEnd + 8, 'RDB file was saved with checksum disabled: no check performed.');
      } else {
        // Of the bytes before the trailer (need() may have moved the window, not pos).
        const expected = inp.checksumSoFar();
        if (!expected.equalsLE(inp.buf, inp.pos)) {
          const err = new RdbLoadError(
            `Wrong RDB checksum expected: (${expected.value.toString(16)}) but got (${stored.toString(16)}). Aborting now.`,
            crcEnd + 8,
          );
          err.checksumMismatch = true;
          throw err;
        }
        trace.info(crcEnd + 8, 'Checksum OK');
      }
    }
    inp.pos += 8;
  }
  return { version, end: inp.offset, keys, emptyKeysSkipped };
}

/**
 * read() of input that may still be arriving: until it has what it needs
 * (NEED_MORE_STEP yields meanwhile).
 */
function* whole<T>(inp: RdbInput, read: () => T): LoadSteps<T> {
  if (!inp.streaming) return read();
  for (;;) {
    inp.markRecord();
    try {
      return read();
    } catch (e) {
      if (e !== NEED_MORE) throw e;
      inp.rewind();
      yield NEED_MORE_STEP;
    }
  }
}

/** A string as printf's %s shows it: up to its first NUL. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** atoi(): leading digits, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m === null ? 0 : parseInt(m[1], 10);
}
