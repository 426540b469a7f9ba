/**
 * RDB writer: Redis 7.0's RDB version 10 byte for byte (rdb.c rdbSave*()).
 *
 * RdbWriter produces a whole file incrementally: the caller writes the
 * header, then per database a SELECTDB/RESIZEDB and its keys, then EOF;
 * take() hands out the bytes produced so far (the CRC64 covers them all),
 * so a snapshot can be streamed to disk in pieces.
 *
 * rdbEncodeValue() is the value part alone (type byte + payload), what
 * DUMP wraps.
 *
 * Encodings follow the value's in-memory encoding as Redis's do: strings
 * as int-encoded or (with compression) LZF strings; lists as quicklist 2
 * with listpack nodes split as quicklistPushTail() would split them; sets
 * as an intset blob or a member list; hashes and sorted sets as a listpack
 * blob or a field/member list (sorted sets from the highest score down,
 * with binary doubles).
 */
import { isString, strBytes, type EncodingConfig, type RValue, type RObjectBase } from '../../store/types.js';
import { RList } from '../../store/list.js';
import { RSet } from '../../store/set.js';
import { RHash } from '../../store/hash.js';
import { ZSet } from '../../store/zset.js';
import { RStream } from '../../store/stream.js';
import { saveStream } from './stream.js';
import { string2ll, formatG } from '../../util/numbers.js';
import { putLatin1 } from '../../util/bytes.js';
import { Crc64 } from './crc64.js';
import { lzfCompress, lzfCompressInto } from './lzf.js';
import { ListpackBuilder } from './listpack.js';
import {
  RDB_VERSION,
  RDB_ENCVAL,
  RDB_ENC_INT8,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_LZF,
  RDB_TYPE_STRING,
  RDB_TYPE_SET,
  RDB_TYPE_HASH,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_OPCODE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_SELECTDB,
  RDB_OPCODE_EOF,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION2,
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
} from './constants.js';

/** A growable byte buffer. */
export class ByteOut {
  buf: Buffer;
  pos = 0;

  constructor(initial = 4096) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.ensure(n);
    if (n <= 48) {
      // Short copies: a loop beats Buffer.copy()'s call overhead.
      const buf = this.buf;
      let p = this.pos;
      for (let i = start; i < end; i++) buf[p++] = src[i];
    } else if (Buffer.isBuffer(src)) src.copy(this.buf, this.pos, start, end);
    else this.buf.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.pos);
    this.pos += n;
  }

  latin1(s: string): void {
    const n = s.length;
    this.ensure(n);
    this.pos = putLatin1(this.buf, this.pos, s);
  }

  /** Bytes written so far, as a view. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

// ---- primitives (rdbSaveLen(), rdbSaveRawString()...) ------------------------------------------

/** rdbSaveLen(). */
export function saveLen(out: ByteOut, len: number | bigint): void {
  if (typeof len === 'number' && len < 1 << 6) {
    out.byte(len);
  } else if (typeof len === 'number' && len < 1 << 14) {
    out.ensure(2);
    out.buf[out.pos++] = (len >>> 8) | (1 << 6);
    out.buf[out.pos++] = len & 0xff;
  } else if (typeof len === 'number' && len <= 0xffffffff) {
    out.ensure(5);
    out.buf[out.pos++] = 0x80;
    out.buf.writeUInt32BE(len, out.pos);
    out.pos += 4;
  } else {
    out.ensure(9);
    out.buf[out.pos++] = 0x81;
    out.buf.writeBigUInt64BE(BigInt.asUintN(64, BigInt(len)), out.pos);
    out.pos += 8;
  }
}

/** rdbEncodeInteger(): the special encoding of `v`, or false when it does not fit 32 bits. */
function saveEncodedInt(out: ByteOut, v: number): boolean {
  if (v >= -128 && v <= 127) {
    out.ensure(2);
    out.buf[out.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
    out.buf[out.pos++] = v & 0xff;
    return true;
  }
  if (v >= -32768 && v <= 32767) {
    out.ensure(3);
    out.buf[out.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
    out.buf.writeInt16LE(v, out.pos);
    out.pos += 2;
    return true;
  }
  if (v >= -2147483648 && v <= 2147483647) {
    out.ensure(5);
    out.buf[out.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
    out.buf.writeInt32LE(v, out.pos);
    out.pos += 4;
    return true;
  }
  return false;
}

/** rdbSaveLzfBlob() of data[0, dataLen). */
export function saveLzfBlob(out: ByteOut, data: Uint8Array, originalLen: number, dataLen = data.length): void {
  out.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
  saveLen(out, dataLen);
  saveLen(out, originalLen);
  out.bytes(data, 0, dataLen);
}

/** Reused for compressing JS strings. */
let scratch = Buffer.allocUnsafe(64 * 1024);
/** Reused LZF output. */
let lzfOut = Buffer.allocUnsafe(64 * 1024);

/** The bytes of `s` in a buffer whose first s.length bytes hold them (maybe longer). */
function asBytes(s: string | Uint8Array): Uint8Array {
  if (typeof s !== 'string') return s;
  const n = s.length;
  if (n > scratch.length) {
    if (n > 16 * 1024 * 1024) return Buffer.from(s, 'latin1');
    let cap = scratch.length;
    while (cap < n) cap *= 2;
    scratch = Buffer.allocUnsafe(cap);
  }
  putLatin1(scratch, 0, s);
  return scratch;
}

/**
 * rdbSaveRawString(): integer encoding for short canonical integers, LZF
 * (when `compress`) for strings over 20 bytes that shrink by at least 4
 * bytes, else length + bytes.
 */
export function saveRawString(out: ByteOut, s: string | Uint8Array, compress: boolean): void {
  const len = s.length;
  if (len <= 11 && len > 0) {
    const str = typeof s === 'string' ? s : Buffer.from(s.buffer, s.byteOffset, len).latin1Slice(0, len);
    const v = string2ll(str);
    if (v !== null && saveEncodedInt(out, v)) return;
  }
  if (compress && len > 20) {
    const bytes = asBytes(s);
    // Large strings get a one-off output buffer: the shared one stays small.
    let dst = lzfOut;
    if (dst.length < len + 4) {
      dst = Buffer.allocUnsafe(len + 4);
      if (len <= 16 * 1024 * 1024) lzfOut = dst;
    }
    const clen = lzfCompressInto(bytes, len, len - 4, dst);
    if (clen !== 0) {
      saveLzfBlob(out, dst, len, clen);
      return;
    }
    saveLen(out, len);
    out.bytes(bytes, 0, len);
    return;
  }
  saveLen(out, len);
  if (typeof s === 'string') out.latin1(s);
  else out.bytes(s);
}

/** rdbSaveBinaryDoubleValue(). */
function saveBinaryDouble(out: ByteOut, d: number): void {
  out.ensure(8);
  out.buf.writeDoubleLE(d, out.pos);
  out.pos += 8;
}

/** rdbSaveMillisecondTime(). */
function saveMillisecondTime(out: ByteOut, t: number | bigint): void {
  out.ensure(8);
  out.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(t)), out.pos);
  out.pos += 8;
}

// ---- value encodings ---------------------------------------------------------------------------

/** Options of value encoding. */
export interface EncodeOptions {
  /** rdbcompression. */
  compression: boolean;
}

/** Config lookups used here, when available (Config has bool()). */
function cfgCompression(cfg: EncodingConfig): boolean {
  const c = cfg as EncodingConfig & { bool?: (name: string) => boolean };
  return typeof c.bool === 'function' ? c.bool('rdbcompression') : true;
}

/** The quicklist fill factor as quicklistSetFill() clamps it. */
function listFill(cfg: EncodingConfig): number {
  const f = cfg.num('list-max-listpack-size');
  return f > 32767 ? 32767 : f < -5 ? -5 : f;
}

function listCompressDepth(cfg: EncodingConfig): number {
  const d = cfg.num('list-compress-depth');
  return d > 65535 ? 65535 : d < 0 ? 0 : d;
}

/** optimization_level[] of quicklist.c. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
/** packed_threshold: elements this large get a PLAIN node of their own. */
let packedThreshold = 1 << 30;

/**
 * quicklistisSetPackedThreshold() (DEBUG QUICKLIST-PACKED-THRESHOLD): false
 * when `sz` is beyond 4 GB - 1 MB; 0 restores the 1 GB default.
 */
export function setQuicklistPackedThreshold(sz: bigint): boolean {
  if (sz > (1n << 32n) - (1n << 20n)) return false;
  packedThreshold = sz === 0n ? 1 << 30 : Number(sz);
  return true;
}
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** _quicklistNodeAllowInsert() for a packed node of `nodeSz` bytes and `count` entries. */
function nodeAllowInsert(nodeSz: number, count: number, fill: number, sz: number): boolean {
  if (sz >= packedThreshold) return false;
  const newSz = nodeSz + sz + SIZE_ESTIMATE_OVERHEAD;
  if (fill < 0) {
    const off = -fill - 1;
    if (off < OPTIMIZATION_LEVEL.length && newSz <= OPTIMIZATION_LEVEL[off]) return true;
  }
  if (newSz > SIZE_SAFETY_LIMIT) return false;
  return count < fill;
}

type QNode = { plain: string } | { lp: ListpackBuilder };

/** The quicklist nodes quicklistPushTail() of every element would build. */
function quicklistNodes(list: RList, fill: number): QNode[] {
  const nodes: QNode[] = [];
  let cur: ListpackBuilder | null = null;
  const n = list.length;
  for (let i = 0; i < n; i++) {
    const e = list.get(i);
    if (e.length >= packedThreshold) {
      nodes.push({ plain: e });
      cur = null;
      continue;
    }
    if (cur === null || !nodeAllowInsert(cur.bytes, cur.count, fill, e.length)) {
      cur = new ListpackBuilder();
      nodes.push({ lp: cur });
    }
    cur.add(e);
  }
  return nodes;
}

function saveList(out: ByteOut, list: RList, cfg: EncodingConfig, compress: boolean): void {
  const nodes = quicklistNodes(list, listFill(cfg));
  const depth = listCompressDepth(cfg);
  const count = nodes.length;
  saveLen(out, count);
  for (let i = 0; i < count; i++) {
    const node = nodes[i];
    const plain = 'plain' in node;
    saveLen(out, plain ? QUICKLIST_NODE_CONTAINER_PLAIN : QUICKLIST_NODE_CONTAINER_PACKED);
    const data = plain ? Buffer.from(node.plain, 'latin1') : node.lp.encode();
    // Interior nodes beyond list-compress-depth are held LZF-compressed
    // (__quicklistCompressNode()) and saved as such.
    if (depth > 0 && i >= depth && i < count - depth && data.length >= MIN_COMPRESS_BYTES) {
      const c = lzfCompress(data, data.length);
      if (c !== null && c.length + MIN_COMPRESS_IMPROVE < data.length) {
        saveLzfBlob(out, c, data.length);
        continue;
      }
    }
    saveRawString(out, data, compress);
  }
}

/**
 * The intset blob of an intset-encoded set: encoding, length, sorted values
 * (LE). The encoding is the narrowest holding every value, at least minWidth.
 */
export function encodeIntset(values: readonly bigint[], minWidth = 2): Buffer {
  let enc = minWidth === 8 || minWidth === 4 ? minWidth : 2;
  for (const v of values) {
    if (v < -2147483648n || v > 2147483647n) {
      enc = 8;
      break;
    }
    if ((v < -32768n || v > 32767n) && enc < 4) enc = 4;
  }
  const buf = Buffer.allocUnsafe(8 + enc * values.length);
  buf.writeUInt32LE(enc, 0);
  buf.writeUInt32LE(values.length, 4);
  let pos = 8;
  for (const v of values) {
    if (enc === 2) buf.writeInt16LE(Number(v), pos);
    else if (enc === 4) buf.writeInt32LE(Number(v), pos);
    else buf.writeBigInt64LE(v, pos);
    pos += enc;
  }
  return buf;
}

function saveSet(out: ByteOut, set: RSet, compress: boolean): void {
  if (set.isIntset()) {
    const vals: bigint[] = [];
    set.forEach((m) => {
      vals.push(BigInt(m));
    });
    saveRawString(out, encodeIntset(vals, set.intsetWidth), compress);
    return;
  }
  saveLen(out, set.size);
  set.forEach((m) => saveRawString(out, m, compress));
}

function saveHash(out: ByteOut, h: RHash, compress: boolean): void {
  if (h.isListpack()) {
    const lp = new ListpackBuilder();
    h.forEach((f, v) => {
      lp.add(f);
      lp.add(v);
    });
    saveRawString(out, lp.encode(), compress);
    return;
  }
  saveLen(out, h.size);
  h.forEach((f, v) => {
    saveRawString(out, f, compress);
    saveRawString(out, v, compress);
  });
}

/** double2ll(): the score as an int64 when it is integral and within +-2^62. */
function double2ll(d: number): number | bigint | null {
  if (!(d >= -4611686018427387904 && d <= 4611686018427387904)) return null;
  if (!Number.isInteger(d)) return null;
  if (Number.isSafeInteger(d)) return d === 0 ? 0 : d;
  return BigInt(d);
}

/** The listpack entry zzlInsertAt() stores for a score. */
function addScore(lp: ListpackBuilder, score: number): void {
  const ll = double2ll(score);
  if (ll !== null) {
    lp.addInt(ll);
    return;
  }
  // d2string(): never integral here, so never integer-encoded.
  lp.add(score === Infinity ? 'inf' : score === -Infinity ? '-inf' : formatG(score, 17));
}

function saveZset(out: ByteOut, z: ZSet, compress: boolean): void {
  if (z.isListpack) {
    const lp = new ListpackBuilder();
    z.forEach((ele, score) => {
      lp.add(ele);
      addScore(lp, score);
    });
    saveRawString(out, lp.encode(), compress);
    return;
  }
  saveLen(out, z.size);
  z.forEachReverse((ele, score) => {
    saveRawString(out, ele, compress);
    saveBinaryDouble(out, score);
  });
}

/** rdbSaveObjectType(). */
export function rdbObjectType(value: RValue): number {
  if (isString(value)) return RDB_TYPE_STRING;
  if (value instanceof RList) return RDB_TYPE_LIST_QUICKLIST_2;
  if (value instanceof RSet) return value.isIntset() ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
  if (value instanceof RHash) return value.isListpack() ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
  if (value instanceof ZSet) return value.isListpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
  if (value instanceof RStream) return 19; // RDB_TYPE_STREAM_LISTPACKS_2
  throw new Error(`RDB: cannot serialize values of type ${(value as RObjectBase).type}`);
}

/** rdbSaveObject(): the payload of a value (without the type byte). */
export function saveObject(out: ByteOut, value: RValue, cfg: EncodingConfig, compress: boolean): void {
  if (isString(value)) {
    // An integer value as its digits: rdbSaveLongLongAsStringObject().
    saveRawString(out, strBytes(value), compress);
  } else if (value instanceof RList) {
    saveList(out, value, cfg, compress);
  } else if (value instanceof RSet) {
    saveSet(out, value, compress);
  } else if (value instanceof RHash) {
    saveHash(out, value, compress);
  } else if (value instanceof ZSet) {
    saveZset(out, value, compress);
  } else if (value instanceof RStream) {
    saveStream(out, value, compress);
  } else {
    throw new Error(`RDB: cannot serialize values of type ${(value as RObjectBase).type}`);
  }
}

/**
 * The serialized value as DUMP wraps it: RDB type byte + payload.
 * Compression follows `rdbcompression` of `cfg` unless `opts` says.
 */
export function rdbEncodeValue(value: RValue, cfg: EncodingConfig, opts?: Partial<EncodeOptions>): Buffer {
  const out = new ByteOut(256);
  const compress = opts?.compression ?? cfgCompression(cfg);
  out.byte(rdbObjectType(value));
  saveObject(out, value, cfg, compress);
  return Buffer.from(out.view());
}

// ---- whole files -------------------------------------------------------------------------------

export interface RdbWriterOptions {
  /** rdbcompression: LZF for strings over 20 bytes. */
  compression: boolean;
  /** rdbchecksum: a CRC64 trailer (else 8 zero bytes). */
  checksum: boolean;
}

/** Per-key LRU/LFU information (IDLE / FREQ opcodes), when the eviction policy keeps it. */
export interface KeyUsageInfo {
  /** Idle time in seconds (maxmemory-policy *-lru). */
  idleSec?: number;
  /** LFU counter 0..255 (maxmemory-policy *-lfu). */
  freq?: number;
}

export class RdbWriter {
  private out = new ByteOut(64 * 1024);
  private crc = new Crc64();
  private readonly compression: boolean;
  private readonly checksum: boolean;
  /** Bytes handed out by take() so far. */
  private taken = 0;

  constructor(opts: RdbWriterOptions) {
    this.compression = opts.compression;
    this.checksum = opts.checksum;
  }

  /** Bytes produced and not yet taken. */
  get pending(): number {
    return this.out.pos;
  }

  /** Bytes produced in total (taken + pending). */
  get written(): number {
    return this.taken + this.out.pos;
  }

  /** "REDIS0010" and the AUX fields (rdbSaveInfoAuxFields()). */
  writeHeader(aux: Array<[string, string | number]>): void {
    this.out.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
    for (const [k, v] of aux) this.writeAux(k, v);
  }

  /** One AUX field (rdbSaveAuxField()). */
  writeAux(key: string, value: string | number): void {
    this.out.byte(RDB_OPCODE_AUX);
    saveRawString(this.out, key, this.compression);
    saveRawString(this.out, typeof value === 'number' ? String(Math.trunc(value)) : value, this.compression);
  }

  /** A FUNCTION2 record: one library's code (rdbSaveFunctions()). */
  writeFunction(code: string): void {
    this.out.byte(RDB_OPCODE_FUNCTION2);
    saveRawString(this.out, code, this.compression);
  }

  /** SELECTDB + RESIZEDB, written before the keys of a non-empty database. */
  writeSelectDb(id: number, dbSize: number, expiresSize: number): void {
    this.out.byte(RDB_OPCODE_SELECTDB);
    saveLen(this.out, id);
    this.out.byte(RDB_OPCODE_RESIZEDB);
    saveLen(this.out, dbSize);
    saveLen(this.out, expiresSize);
  }

  /**
   * rdbSaveKeyValuePair(): [EXPIRETIME_MS t] [IDLE s] [FREQ f] type key value.
   * `expireMs` is the absolute unix time in ms, -1 for none.
   */
  writeKeyValue(key: string, value: RValue, expireMs: number | bigint, cfg: EncodingConfig, usage?: KeyUsageInfo): void {
    const out = this.out;
    if (expireMs !== -1 && expireMs !== -1n) {
      out.byte(RDB_OPCODE_EXPIRETIME_MS);
      saveMillisecondTime(out, expireMs);
    }
    if (usage !== undefined) {
      if (usage.idleSec !== undefined) {
        out.byte(RDB_OPCODE_IDLE);
        saveLen(out, Math.max(0, Math.floor(usage.idleSec)));
      }
      if (usage.freq !== undefined) {
        out.byte(RDB_OPCODE_FREQ);
        out.byte(usage.freq & 0xff);
      }
    }
    out.byte(rdbObjectType(value));
    saveRawString(out, key, this.compression);
    saveObject(out, value, cfg, this.compression);
  }

  /** EOF opcode + CRC64 little-endian (0 when checksum is off). */
  writeEof(): void {
    this.out.byte(RDB_OPCODE_EOF);
    if (this.checksum) this.crc.update(this.out.buf, this.summed, this.out.pos);
    this.out.ensure(8);
    if (this.checksum) this.crc.writeLE(this.out.buf, this.out.pos);
    else this.out.buf.fill(0, this.out.pos, this.out.pos + 8);
    this.out.pos += 8;
    // The trailer is not part of the checksum: mark everything as summed.
    this.summed = this.out.pos;
  }

  /** Bytes of the current buffer already fed to the CRC (only the trailer). */
  private summed = 0;

  /** The bytes produced since the last take(). */
  take(): Buffer {
    const out = this.out;
    const n = out.pos;
    if (this.checksum && this.summed < n) this.crc.update(out.buf, this.summed, n);
    const chunk = out.buf.subarray(0, n);
    // Hand the buffer over and start a new one of the same capacity.
    this.out = new ByteOut(Math.min(Math.max(out.buf.length, 4096), 1 << 20));
    this.summed = 0;
    this.taken += n;
    return chunk;
  }

  /** The CRC64 of the bytes taken so far (without pending ones). */
  get crcValue(): bigint {
    return this.crc.value;
  }
}

/** The default AUX fields of rdbSaveInfoAuxFields(). */
export function defaultAux(
  _server?: unknown,
  opts: { aofBase?: boolean; usedMem?: number; ctime?: number } = {},
): Array<[string, string | number]> {
  const mem = process.memoryUsage();
  return [
    ['redis-ver', '7.0.15'],
    ['redis-bits', 64],
    ['ctime', opts.ctime ?? Math.floor(Date.now() / 1000)],
    ['used-mem', opts.usedMem ?? mem.heapUsed + mem.external],
    ['aof-base', opts.aofBase ? 1 : 0],
  ];
}
