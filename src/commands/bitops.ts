/**
 * Bitmap commands (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD and BITFIELD_RO. Bit 0 is the most significant bit of the first
 * byte. Writes operate in place on the key's Buffer (see store/encoding.ts).
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asString, getLongLongBig } from './args.js';
import { dbDelete, lookupRead, lookupWrite, setKey } from './db-ops.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify.js';
import { byteAt, type RBytes } from '../store/types.js';
import { mutableString } from '../store/encoding.js';
import { string2ll, string2llBig } from '../util/numbers.js';
import { copt, mustObeyClient } from './string.js';
import { BITS_IN_BYTE, popcount } from '../util/popcount.js';

/**
 * redisBitpos(): position of the first bit equal to `bit` in bytes
 * [start, start+count). Not found: -1 for 1, count*8 for 0 (the string is
 * taken as zero padded on the right).
 */
function bitpos(p: Uint8Array, start: number, count: number, bit: number): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  let i = start;
  // Skip whole 32-bit words of the skip value once aligned.
  while (i < end && p[i] === skip && ((p.byteOffset + i) & 3) !== 0) i++;
  if (i < end && p[i] === skip && end - i >= 64) {
    const words = (end - i) >>> 2;
    const w = new Uint32Array(p.buffer, p.byteOffset + i, words);
    const skipWord = bit ? 0 : 0xffffffff;
    let k = 0;
    while (k < words && w[k] === skipWord) k++;
    i += k * 4;
  }
  while (i < end && p[i] === skip) i++;
  if (i === end) return bit ? -1 : count * 8;
  const byte = p[i];
  let pos = (i - start) * 8;
  for (let mask = 0x80; mask > 0; mask >>= 1, pos++) {
    if (((byte & mask) !== 0 ? 1 : 0) === bit) return pos;
  }
  return pos; // unreachable: the byte differs from `skip`
}

/** Bytes of a string value for reading. */
function bytesOf(v: RBytes): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

const SCRATCH_MAX = 64 * 1024;
let scratch = Buffer.allocUnsafe(1024);

/**
 * Bytes of a string value for one read that ends before the next call:
 * values held as strings are copied into a reused buffer (up to 64 KiB) so
 * that BITPOS and BITFIELD_RO allocate nothing per call.
 */
function transientBytesOf(v: RBytes): Uint8Array {
  if (typeof v !== 'string') return v;
  const n = v.length;
  if (n > SCRATCH_MAX) return Buffer.from(v, 'latin1');
  if (n > scratch.length) scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(n, scratch.length * 2)));
  scratch.latin1Write(v, 0, n);
  return scratch.subarray(0, n);
}

const BIT_OFFSET_ERR = Errors.bitOffset;

/**
 * getBitOffsetFromArgument(): a bit offset within proto-max-bulk-len bytes;
 * with `bits` > 0 a "#n" offset means n*bits.
 */
function getBitOffset(c: Client, s: string, bits: number): number {
  const usehash = bits > 0 && s.charCodeAt(0) === 35; /* # */
  if (!usehash && s.length <= 15) {
    // Exact in a double: the usual case, without BigInt.
    const n = string2ll(s);
    if (n === null || n < 0 || (!mustObeyClient(c) && Math.floor(n / 8) >= c.server.protoMaxBulkLen)) {
      throw new RedisError(BIT_OFFSET_ERR);
    }
    return n;
  }
  let v = string2llBig(usehash ? s.slice(1) : s);
  if (v === null) throw new RedisError(BIT_OFFSET_ERR);
  // Multiplication wraps in 64 bits as it does in C.
  if (usehash) v = BigInt.asIntN(64, v * BigInt(bits));
  if (v < 0n || (!mustObeyClient(c) && v >> 3n >= BigInt(c.server.protoMaxBulkLen))) {
    throw new RedisError(BIT_OFFSET_ERR);
  }
  return Number(v);
}

/**
 * lookupStringForBitCommand(): the key's value as a writable Buffer with
 * room for bit `maxbit`; created or zero padded as needed. `grew` tells if
 * the key was created or its length changed.
 */
function lookupStringForBit(c: Client, key: string, maxbit: number): { buf: Buffer; grew: boolean } {
  const byte = Math.floor(maxbit / 8);
  const o = asString(lookupWrite(c, key));
  const db = c.db;
  if (o === undefined) {
    // dbAdd() without a signal: the caller signals only if bits changed.
    const buf = mutableString(undefined, byte + 1);
    db.add(key, buf);
    return { buf, grew: true };
  }
  const oldLen = o.length;
  const buf = db.writableString(key, o, byte + 1);
  return { buf, grew: buf.length !== oldLen };
}

function setbitCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const bitoffset = getBitOffset(c, argv[2], 0);
  const on = string2llBig(argv[3]);
  if (on === null || (on !== 0n && on !== 1n)) throw new RedisError('bit is not an integer or out of range');
  const { buf, grew } = lookupStringForBit(c, key, bitoffset);
  const byte = Math.floor(bitoffset / 8);
  const bit = 7 - (bitoffset & 7);
  const byteval = buf[byte];
  const bitval = (byteval >> bit) & 1;
  if (grew || bitval !== Number(on)) {
    buf[byte] = (byteval & ~(1 << bit)) | (Number(on) << bit);
    const db = c.db;
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'setbit', key, db.id);
    c.server.dirty++;
  }
  c.addReplyLongLong(bitval);
}

function getbitCommand(c: Client, argv: string[]): void {
  const bitoffset = getBitOffset(c, argv[2], 0);
  const v = asString(lookupRead(c, argv[1]));
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const byte = Math.floor(bitoffset / 8);
  const bit = 7 - (bitoffset & 7);
  let bitval = 0;
  if (byte < v.length) {
    bitval = (byteAt(v, byte) >> bit) & 1;
  }
  c.addReplyLongLong(bitval);
}

const BITOP_AND = 0;
const BITOP_OR = 1;
const BITOP_XOR = 2;
const BITOP_NOT = 3;

function bitopCommand(c: Client, argv: string[]): void {
  const opname = copt(argv[1]);
  let op: number;
  if (opname === 'and') op = BITOP_AND;
  else if (opname === 'or') op = BITOP_OR;
  else if (opname === 'xor') op = BITOP_XOR;
  else if (opname === 'not') op = BITOP_NOT;
  else throw new RedisError(Errors.syntax);
  if (op === BITOP_NOT && argv.length !== 4) {
    throw new RedisError('BITOP NOT must be called with a single source key.');
  }
  const target = argv[2];
  const numkeys = argv.length - 3;
  const src: (Uint8Array | null)[] = [];
  let maxlen = 0;
  for (let j = 0; j < numkeys; j++) {
    const v = asString(lookupRead(c, argv[j + 3]));
    if (v === undefined) {
      src.push(null);
      continue;
    }
    const b = bytesOf(v);
    src.push(b);
    if (b.length > maxlen) maxlen = b.length;
  }
  const db = c.db;
  if (maxlen > 0) {
    const res = mutableString(undefined, maxlen);
    computeBitop(op, src, res, maxlen);
    setKey(c, db, target, res);
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', target, db.id);
    c.server.dirty++;
  } else if (dbDelete(c, db, target)) {
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', target, db.id);
    c.server.dirty++;
  }
  c.addReplyLongLong(maxlen);
}

/** The BITOP result: sources shorter than the result count as zero padded. */
function computeBitop(op: number, src: (Uint8Array | null)[], res: Buffer, maxlen: number): void {
  const first = src[0];
  if (first !== null) res.set(first, 0);
  // `res` starts its own ArrayBuffer, so it is word aligned.
  const resWords = new Int32Array(res.buffer, res.byteOffset, maxlen >>> 2);
  if (op === BITOP_NOT) {
    for (let i = 0; i < resWords.length; i++) resWords[i] = ~resWords[i];
    for (let i = resWords.length * 4; i < maxlen; i++) res[i] = ~res[i] & 0xff;
    return;
  }
  for (let k = 1; k < src.length; k++) {
    const s = src[k];
    const slen = s === null ? 0 : s.length;
    let i = 0;
    if (s !== null && (s.byteOffset & 3) === 0 && slen >= 64) {
      const n = slen >>> 2;
      const sw = new Int32Array(s.buffer, s.byteOffset, n);
      if (op === BITOP_AND) for (let w = 0; w < n; w++) resWords[w] &= sw[w];
      else if (op === BITOP_OR) for (let w = 0; w < n; w++) resWords[w] |= sw[w];
      else for (let w = 0; w < n; w++) resWords[w] ^= sw[w];
      i = n * 4;
    }
    if (op === BITOP_AND) {
      for (; i < slen; i++) res[i] &= s![i];
      res.fill(0, slen, maxlen);
    } else if (op === BITOP_OR) {
      for (; i < slen; i++) res[i] |= s![i];
    } else {
      for (; i < slen; i++) res[i] ^= s![i];
    }
  }
}

function bitcountCommand(c: Client, argv: string[]): void {
  const v = asString(lookupRead(c, argv[1]));
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const strlen = v.length;
  let start: bigint;
  let end: bigint;
  let isbit = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    let totlen = BigInt(strlen);
    start = getLongLongBig(argv[2]);
    end = getLongLongBig(argv[3]);
    if (start < 0n && end < 0n && start > end) {
      c.addReplyLongLong(0);
      return;
    }
    if (argv.length === 5) {
      const unit = copt(argv[4]);
      if (unit === 'bit') isbit = true;
      else if (unit !== 'byte') throw new RedisError(Errors.syntax);
    }
    if (isbit) totlen <<= 3n;
    if (start < 0n) start += totlen;
    if (end < 0n) end += totlen;
    if (start < 0n) start = 0n;
    if (end < 0n) end = 0n;
    if (end >= totlen) end = totlen - 1n;
    if (isbit && start <= end) {
      const s7 = Number(start & 7n);
      const e7 = Number(end & 7n);
      firstMask = ~((1 << (8 - s7)) - 1) & 0xff;
      lastMask = (1 << (7 - e7)) - 1;
      start >>= 3n;
      end >>= 3n;
    }
  } else if (argv.length === 2) {
    start = 0n;
    end = BigInt(strlen - 1);
  } else {
    throw new RedisError(Errors.syntax);
  }
  if (start > end) {
    c.addReplyLongLong(0);
    return;
  }
  const s = Number(start);
  const e = Number(end);
  let count = popcount(v, s, e - s + 1);
  if (firstMask !== 0) count -= BITS_IN_BYTE[byteAt(v, s) & firstMask];
  if (lastMask !== 0) count -= BITS_IN_BYTE[byteAt(v, e) & lastMask];
  c.addReplyLongLong(count);
}

function bitposCommand(c: Client, argv: string[]): void {
  const bitArg = string2llBig(argv[2]);
  if (bitArg === null) throw new RedisError(Errors.notInteger);
  if (bitArg !== 0n && bitArg !== 1n) throw new RedisError('The bit argument must be 1 or 0.');
  const bit = Number(bitArg);
  const v = asString(lookupRead(c, argv[1]));
  if (v === undefined) {
    c.addReplyLongLong(bit ? -1 : 0);
    return;
  }
  const strlen = v.length;
  let start: bigint;
  let end: bigint;
  let isbit = false;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  const argc = argv.length;
  if (argc === 4 || argc === 5 || argc === 6) {
    let totlen = BigInt(strlen);
    start = getLongLongBig(argv[3]);
    if (argc === 6) {
      const unit = copt(argv[5]);
      if (unit === 'bit') isbit = true;
      else if (unit !== 'byte') throw new RedisError(Errors.syntax);
    }
    if (argc >= 5) {
      end = getLongLongBig(argv[4]);
      endGiven = true;
    } else {
      end = isbit ? (totlen << 3n) + 7n : totlen - 1n;
    }
    if (isbit) totlen <<= 3n;
    if (start < 0n) start += totlen;
    if (end < 0n) end += totlen;
    if (start < 0n) start = 0n;
    if (end < 0n) end = 0n;
    if (end >= totlen) end = totlen - 1n;
    if (isbit && start <= end) {
      firstMask = ~((1 << (8 - Number(start & 7n))) - 1) & 0xff;
      lastMask = (1 << (7 - Number(end & 7n))) - 1;
      start >>= 3n;
      end >>= 3n;
    }
  } else if (argc === 3) {
    start = 0n;
    end = BigInt(strlen - 1);
  } else {
    throw new RedisError(Errors.syntax);
  }
  if (start > end) {
    c.addReplyLongLong(-1);
    return;
  }
  const p = transientBytesOf(v);
  let s = Number(start);
  const e = Number(end);
  let bytes = e - s + 1;
  let pos: number;
  const tmp = new Uint8Array(1);
  found: {
    if (firstMask) {
      let t = bit ? p[s] & ~firstMask : p[s] | firstMask;
      if (lastMask && bytes === 1) t = bit ? t & ~lastMask : t | lastMask;
      tmp[0] = t;
      pos = bitpos(tmp, 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break found;
      s++;
      bytes--;
    }
    const curbytes = bytes - (lastMask ? 1 : 0);
    if (curbytes > 0) {
      pos = bitpos(p, s, curbytes, bit);
      if (bytes === curbytes || (pos !== -1 && pos !== curbytes * 8)) break found;
      s += curbytes;
      bytes -= curbytes;
    }
    tmp[0] = bit ? p[e] & ~lastMask : p[e] | lastMask;
    pos = bitpos(tmp, 0, 1, bit);
  }
  if (endGiven && bit === 0 && pos! === bytes * 8) {
    c.addReplyLongLong(-1);
    return;
  }
  if (pos! !== -1) pos! += s * 8;
  c.addReplyLongLong(pos!);
}

const BFOVERFLOW_WRAP = 0;
const BFOVERFLOW_SAT = 1;
const BFOVERFLOW_FAIL = 2;

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

interface BitfieldOp {
  offset: number;
  i64: bigint;
  opcode: number;
  owtype: number;
  bits: number;
  sign: boolean;
}

const TYPE_ERR = 'Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/** getBitfieldTypeFromArgument(): "i1".."i64" or "u1".."u63". */
function parseBitfieldType(s: string): { sign: boolean; bits: number } {
  const c0 = s.charCodeAt(0);
  let sign: boolean;
  if (c0 === 105 /* i */) sign = true;
  else if (c0 === 117 /* u */) sign = false;
  else throw new RedisError(TYPE_ERR);
  // The width is read as a C string: it ends at the first NUL byte.
  const rest = s.slice(1);
  const z = rest.indexOf('\0');
  const v = string2llBig(z === -1 ? rest : rest.slice(0, z));
  if (v === null || v < 1n || (sign && v > 64n) || (!sign && v > 63n)) throw new RedisError(TYPE_ERR);
  return { sign, bits: Number(v) };
}

/** getUnsignedBitfield(): `bits` bits at bit `offset` (zero beyond the end). */
function getUnsigned(p: Uint8Array, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(i < p.length ? p[i] : 0);
  const spanBits = (last - first + 1) * 8;
  const shift = spanBits - (offset - first * 8) - bits;
  return (acc >> BigInt(shift)) & ((1n << BigInt(bits)) - 1n);
}

function getSigned(p: Uint8Array, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(p, offset, bits));
}

/** setUnsignedBitfield(): store the low `bits` bits of `value`. */
function setBits(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const last = Math.floor((offset + bits - 1) / 8);
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(p[i]);
  const spanBits = (last - first + 1) * 8;
  const shift = BigInt(spanBits - (offset - first * 8) - bits);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  acc = (acc & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = last; i >= first; i--) {
    p[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
}

/**
 * checkUnsignedBitfieldOverflow(): 0, 1 (overflow) or -1 (underflow), and
 * the value to store for WRAP/SAT. `value` is a uint64, `incr` an int64.
 */
function checkUnsignedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? (1n << 64n) - 1n : (1n << BigInt(bits)) - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, -value);
  const wrap = (): bigint => BigInt.asUintN(bits, value + incr);
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, owtype === BFOVERFLOW_WRAP ? wrap() : max];
  } else if (incr < 0n && incr < minincr) {
    return [-1, owtype === BFOVERFLOW_WRAP ? wrap() : 0n];
  }
  return [0, 0n];
}

/** checkSignedBitfieldOverflow() with C's 64-bit wrapping arithmetic. */
function checkSignedOverflow(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? (1n << 63n) - 1n : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = BigInt.asIntN(64, max - value);
  const minincr = BigInt.asIntN(64, min - value);
  const wrap = (): bigint => BigInt.asIntN(bits, value + incr);
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, owtype === BFOVERFLOW_WRAP ? wrap() : max];
  } else if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, owtype === BFOVERFLOW_WRAP ? wrap() : min];
  }
  return [0, 0n];
}

function bitfieldGeneric(c: Client, argv: string[], readonlyCmd: boolean): void {
  const ops: BitfieldOp[] = [];
  let owtype = BFOVERFLOW_WRAP;
  let readonly = true;
  let highestWrite = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = copt(argv[j]);
    let opcode: number;
    if (sub === 'get' && remargs >= 2) opcode = OP_GET;
    else if (sub === 'set' && remargs >= 3) opcode = OP_SET;
    else if (sub === 'incrby' && remargs >= 3) opcode = OP_INCRBY;
    else if (sub === 'overflow' && remargs >= 1) {
      const t = copt(argv[++j]);
      if (t === 'wrap') owtype = BFOVERFLOW_WRAP;
      else if (t === 'sat') owtype = BFOVERFLOW_SAT;
      else if (t === 'fail') owtype = BFOVERFLOW_FAIL;
      else throw new RedisError('Invalid OVERFLOW type specified');
      continue;
    } else {
      throw new RedisError(Errors.syntax);
    }
    const { sign, bits } = parseBitfieldType(argv[j + 1]);
    const offset = getBitOffset(c, argv[j + 2], bits);
    let i64 = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highestWrite < offset + bits - 1) highestWrite = offset + bits - 1;
      i64 = getLongLongBig(argv[j + 3]);
    }
    ops.push({ offset, i64, opcode, owtype, bits, sign });
    j += opcode === OP_GET ? 2 : 3;
  }

  const key = argv[1];
  let p: Uint8Array | null;
  let grew = false;
  if (readonly) {
    const v = asString(lookupRead(c, key));
    p = v === undefined ? null : transientBytesOf(v);
  } else {
    if (readonlyCmd) throw new RedisError('BITFIELD_RO only supports the GET subcommand');
    const r = lookupStringForBit(c, key, highestWrite);
    p = r.buf;
    grew = r.grew;
  }

  c.addReplyArrayLen(ops.length);
  let changes = 0;
  const empty = new Uint8Array(0);
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      const src = p ?? empty;
      c.addReplyLongLong(op.sign ? getSigned(src, op.offset, op.bits) : getUnsigned(src, op.offset, op.bits));
      continue;
    }
    const buf = p!;
    let oldval: bigint;
    let newval: bigint;
    let retval: bigint;
    let overflow: number;
    let limit: bigint;
    if (op.sign) {
      oldval = getSigned(buf, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        [overflow, limit] = checkSignedOverflow(oldval, op.i64, op.bits, op.owtype);
        newval = overflow ? limit : oldval + op.i64;
        retval = newval;
      } else {
        newval = op.i64;
        [overflow, limit] = checkSignedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      oldval = getUnsigned(buf, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        newval = BigInt.asUintN(64, oldval + op.i64);
        [overflow, limit] = checkUnsignedOverflow(oldval, op.i64, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = BigInt.asUintN(64, op.i64);
        [overflow, limit] = checkUnsignedOverflow(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    }
    if (overflow && op.owtype === BFOVERFLOW_FAIL) {
      c.addReplyNull();
      continue;
    }
    // addReplyLongLong() takes a long long: uint64 results print as int64.
    c.addReplyLongLong(BigInt.asIntN(64, retval));
    setBits(buf, op.offset, op.bits, newval);
    if (grew || oldval !== newval) changes++;
  }
  if (changes) {
    const db = c.db;
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'setbit', key, db.id);
    c.server.dirty += changes;
  }
}

function bitfieldCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldroCommand(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

export const bitopsCommands: CommandSpec[] = [
  cmd('setbit', 4, ['write', 'denyoom'], [1, 1, 1], { acl: ['bitmap'], handler: setbitCommand }),
  cmd('getbit', 3, ['readonly', 'fast'], [1, 1, 1], { acl: ['bitmap'], handler: getbitCommand }),
  cmd('bitcount', -2, ['readonly'], [1, 1, 1], { acl: ['bitmap'], handler: bitcountCommand }),
  cmd('bitpos', -3, ['readonly'], [1, 1, 1], { acl: ['bitmap'], handler: bitposCommand }),
  cmd('bitop', -4, ['write', 'denyoom'], [2, -1, 1], { acl: ['bitmap'], handler: bitopCommand }),
  cmd('bitfield', -2, ['write', 'denyoom'], [1, 1, 1], { acl: ['bitmap'], handler: bitfieldCommand }),
  cmd('bitfield_ro', -2, ['readonly', 'fast'], [1, 1, 1], { acl: ['bitmap'], handler: bitfieldroCommand }),
];
