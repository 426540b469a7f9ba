/** String commands (t_string.c). */
import type { Client } from '../server/client.js';
import { CLIENT_MASTER } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asString, asStringOrInt, exactExpireMs, getLongLong, getLongLongBig } from './args.js';
import { alreadyExpired, dbAdd, lookupRead, lookupWrite, setKey } from './db-ops.js';
import { NOTIFY_GENERIC, NOTIFY_STRING } from '../server/notify.js';
import type { RBytes, RString } from '../store/types.js';
import { isString, strBuffer, strLen, strValue } from '../store/types.js';
import { embstrValue, mutableString } from '../store/encoding.js';
import { string2ll, string2llBig } from '../util/numbers.js';
import { incrByFloatString } from '../util/longdouble.js';
import { putLatin1 } from '../util/bytes.js';

const OBJ_SET_NX = 1 << 0;
const OBJ_SET_XX = 1 << 1;
const OBJ_EX = 1 << 2;
const OBJ_PX = 1 << 3;
const OBJ_KEEPTTL = 1 << 4;
const OBJ_SET_GET = 1 << 5;
const OBJ_EXAT = 1 << 6;
const OBJ_PXAT = 1 << 7;
const OBJ_PERSIST = 1 << 8;

const UNIT_SECONDS = 0;
const UNIT_MILLISECONDS = 1;

export const COMMAND_GET = 0;
export const COMMAND_SET = 1;

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MAX_SAFE_BIG = BigInt(MAX_SAFE);

/**
 * An option token as C's strcasecmp() sees it: up to the first NUL byte,
 * lower-cased.
 */
export function copt(s: string): string {
  const z = s.indexOf('\0');
  return (z === -1 ? s : s.slice(0, z)).toLowerCase();
}

/** mustObeyClient(): the primary link and the AOF loader skip size limits. */
export function mustObeyClient(c: Client): boolean {
  return (c.flags & CLIENT_MASTER) !== 0 || c.ext.isAof === true;
}

/** checkStringLength(): a string may not grow beyond proto-max-bulk-len. */
export function checkStringLength(c: Client, size: number, append: number): void {
  if (mustObeyClient(c)) return;
  if (size + append > c.server.protoMaxBulkLen) throw new RedisError(Errors.stringTooLong);
}

export interface ExtendedStringArgs {
  flags: number;
  unit: number;
  expire: string | null;
}

/** parseExtendedStringArgumentsOrReply(): SET and GETEX options. */
export function parseExtendedStringArgs(argv: string[], commandType: number): ExtendedStringArgs {
  let flags = 0;
  let unit = UNIT_SECONDS;
  let expire: string | null = null;
  const isSet = commandType === COMMAND_SET;
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = copt(argv[j]);
    const hasNext = j < argv.length - 1;
    const anyExpire = OBJ_EX | OBJ_EXAT | OBJ_PX | OBJ_PXAT;
    if (opt === 'nx' && !(flags & OBJ_SET_XX) && isSet) {
      flags |= OBJ_SET_NX;
    } else if (opt === 'xx' && !(flags & OBJ_SET_NX) && isSet) {
      flags |= OBJ_SET_XX;
    } else if (opt === 'get' && isSet) {
      flags |= OBJ_SET_GET;
    } else if (opt === 'keepttl' && !(flags & OBJ_PERSIST) && !(flags & anyExpire) && isSet) {
      flags |= OBJ_KEEPTTL;
    } else if (opt === 'persist' && !isSet && !(flags & anyExpire) && !(flags & OBJ_KEEPTTL)) {
      flags |= OBJ_PERSIST;
    } else if (opt === 'ex' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EXAT | OBJ_PX | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_EX;
      expire = argv[++j];
    } else if (opt === 'px' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_PX;
      unit = UNIT_MILLISECONDS;
      expire = argv[++j];
    } else if (opt === 'exat' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_PX | OBJ_PXAT)) && hasNext) {
      flags |= OBJ_EXAT;
      expire = argv[++j];
    } else if (opt === 'pxat' && !(flags & (OBJ_KEEPTTL | OBJ_PERSIST | OBJ_EX | OBJ_EXAT | OBJ_PX)) && hasNext) {
      flags |= OBJ_PXAT;
      unit = UNIT_MILLISECONDS;
      expire = argv[++j];
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  return { flags, unit, expire };
}

/** getExpireMillisecondsOrReply() with exact 64-bit arithmetic. */
function expireMillisecondsBig(c: Client, expire: string, flags: number, unit: number): bigint {
  let ms = getLongLongBig(expire);
  const bad = (): RedisError => new RedisError(`invalid expire time in '${c.cmd!.fullname}' command`);
  if (ms <= 0n || (unit === UNIT_SECONDS && ms > LLONG_MAX / 1000n)) throw bad();
  if (unit === UNIT_SECONDS) ms *= 1000n;
  if (flags & (OBJ_PX | OBJ_EX)) ms += BigInt(c.server.now());
  // A sum beyond LLONG_MAX wraps negative in Redis: the same error.
  if (ms <= 0n || ms > LLONG_MAX) throw bad();
  return ms;
}

/**
 * getExpireMillisecondsOrReply(): the absolute expire time in ms, as a
 * number when it is exactly one (an argument of up to 15 digits whose
 * scaled sum is a safe integer), else as the exact bigint.
 */
function expireMilliseconds(c: Client, expire: string, flags: number, unit: number): number | bigint {
  const exact = exactExpireMs(expire, unit === UNIT_SECONDS, flags & (OBJ_PX | OBJ_EX) ? c.server.now() : 0, 1);
  return exact !== null ? exact : expireMillisecondsBig(c, expire, flags, unit);
}

/** getExpireMillisecondsOrReply(): the absolute expire time in ms. */
export function getExpireMilliseconds(c: Client, expire: string, flags: number, unit: number): number {
  return Number(expireMilliseconds(c, expire, flags, unit));
}

/** addReplyBulk() of a string value (copied if it could change before the flush). */
function replyValue(c: Client, v: RString): void {
  if (typeof v === 'number') c.addReplyBulkLongLong(v);
  else c.addReplyBulk(v);
}

/** getGenericCommand(): reply with the value or null; WRONGTYPE throws. */
function getGeneric(c: Client, key: string): RString | undefined {
  const v = asStringOrInt(lookupRead(c, key));
  if (v === undefined) c.addReplyNull();
  else replyValue(c, v);
  return v;
}

function setGeneric(
  c: Client,
  flags: number,
  key: string,
  val: string,
  expire: string | null,
  unit: number,
  okReply: (() => void) | null,
  abortReply: (() => void) | null,
): void {
  let ms: number | bigint = 0;
  if (expire !== null) ms = expireMilliseconds(c, expire, flags, unit);
  if (flags & OBJ_SET_GET) getGeneric(c, key);
  const db = c.db;
  const found = lookupWrite(c, key) !== undefined;
  if ((flags & OBJ_SET_NX && found) || (flags & OBJ_SET_XX && !found)) {
    if (!(flags & OBJ_SET_GET)) {
      if (abortReply) abortReply();
      else c.addReplyNull();
    }
    return;
  }
  setKey(c, db, key, val, (flags & OBJ_KEEPTTL) !== 0);
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', key, db.id);
  if (expire !== null) {
    db.setExpire(key, Number(ms));
    c.ext.propagateArgv = ['SET', key, val, 'PXAT', String(ms)];
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'expire', key, db.id);
  } else if (flags & OBJ_SET_GET) {
    c.ext.propagateArgv = c.argv.filter((a, j) => j < 3 || copt(a) !== 'get');
  }
  if (!(flags & OBJ_SET_GET)) {
    if (okReply) okReply();
    else c.addReplyOK();
  }
}

function setCommand(c: Client, argv: string[]): void {
  // Fast path: plain SET key value.
  if (argv.length === 3) {
    const db = c.db;
    setKey(c, db, argv[1], argv[2]);
    c.server.dirty++;
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', argv[1], db.id);
    c.addReplyOK();
    return;
  }
  const { flags, unit, expire } = parseExtendedStringArgs(argv, COMMAND_SET);
  setGeneric(c, flags, argv[1], argv[2], expire, unit, null, null);
}

function setnxCommand(c: Client, argv: string[]): void {
  setGeneric(
    c,
    OBJ_SET_NX,
    argv[1],
    argv[2],
    null,
    0,
    () => c.addReplyLongLong(1),
    () => c.addReplyLongLong(0),
  );
}

function setexCommand(c: Client, argv: string[]): void {
  setGeneric(c, OBJ_EX, argv[1], argv[3], argv[2], UNIT_SECONDS, null, null);
}

function psetexCommand(c: Client, argv: string[]): void {
  setGeneric(c, OBJ_PX, argv[1], argv[3], argv[2], UNIT_MILLISECONDS, null, null);
}

function getCommand(c: Client, argv: string[]): void {
  getGeneric(c, argv[1]);
}

function getexCommand(c: Client, argv: string[]): void {
  const { flags, unit, expire } = parseExtendedStringArgs(argv, COMMAND_GET);
  const key = argv[1];
  const v = asStringOrInt(lookupRead(c, key));
  if (v === undefined) {
    c.addReplyNull();
    return;
  }
  let ms: number | bigint = 0;
  if (expire !== null) ms = expireMilliseconds(c, expire, flags, unit);
  replyValue(c, v);
  const db = c.db;
  if (flags & (OBJ_PXAT | OBJ_EXAT) && alreadyExpired(c, ms)) {
    db.delete(key);
    c.ext.propagateArgv = [c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key];
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.server.dirty++;
  } else if (expire !== null) {
    db.setExpire(key, Number(ms));
    c.ext.propagateArgv = ['PEXPIREAT', key, String(ms)];
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'expire', key, db.id);
    c.server.dirty++;
  } else if (flags & OBJ_PERSIST) {
    if (db.removeExpire(key)) {
      c.server.signalModifiedKey(c, db, key);
      c.ext.propagateArgv = ['PERSIST', key];
      c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'persist', key, db.id);
      c.server.dirty++;
    }
  }
}

function getdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  if (getGeneric(c, key) === undefined) return;
  const db = c.db;
  if (db.delete(key)) {
    c.ext.propagateArgv = [c.server.config.bool('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key];
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.server.dirty++;
  }
}

function getsetCommand(c: Client, argv: string[]): void {
  getGeneric(c, argv[1]);
  const db = c.db;
  setKey(c, db, argv[1], argv[2]);
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', argv[1], db.id);
  c.server.dirty++;
  c.ext.propagateArgv = ['SET', argv[1], argv[2]];
}

/** getLongFromObjectOrReply() on a 64-bit build: a bigint in int64 range. */
function parseLong(s: string, msg: string = Errors.notInteger): bigint {
  const v = string2llBig(s);
  if (v === null) throw new RedisError(msg);
  return v;
}

function setrangeCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const value = argv[3];
  const offsetBig = parseLong(argv[2]);
  if (offsetBig < 0n) throw new RedisError('offset is out of range');
  // Beyond 2^53 the size check below fails anyway.
  const offset = Number(offsetBig);
  const vlen = value.length;
  const db = c.db;
  const o = lookupWrite(c, key);
  let buf: Buffer;
  if (o === undefined) {
    if (vlen === 0) {
      c.addReplyLongLong(0);
      return;
    }
    checkStringLength(c, offset, vlen);
    buf = mutableString(undefined, offset + vlen);
    dbAdd(c, db, key, buf);
    putLatin1(buf, offset, value);
  } else {
    const cur = asString(o)!;
    if (vlen === 0) {
      c.addReplyLongLong(cur.length);
      return;
    }
    checkStringLength(c, offset, vlen);
    buf = db.writableString(key, cur, offset + vlen);
    putLatin1(buf, offset, value);
    c.server.signalModifiedKey(c, db, key);
  }
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'setrange', key, db.id);
  c.server.dirty++;
  c.addReplyLongLong(buf.length);
}

function getrangeCommand(c: Client, argv: string[]): void {
  let start: number;
  let end: number;
  if (argv[2].length <= 15 && argv[3].length <= 15) {
    // Bounds of up to 15 digits are exact doubles: no BigInt.
    start = getLongLong(argv[2]);
    end = getLongLong(argv[3]);
  } else {
    // Longer int64 bounds as numbers with the same outcome: an empty range
    // (both negative, start past end) is decided exactly; the others clamp
    // to +-2^53, beyond any string's length, which keeps their order.
    const s = getLongLongBig(argv[2]);
    const e = getLongLongBig(argv[3]);
    if (s < 0n && e < 0n && s > e) {
      start = -1;
      end = -2;
    } else {
      start = clampToSafe(s);
      end = clampToSafe(e);
    }
  }
  const v = asString(lookupRead(c, argv[1]));
  const len = v === undefined ? 0 : v.length;
  if (start < 0 && end < 0 && start > end) {
    c.addReplyBulk('');
    return;
  }
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (v === undefined || start > end || len === 0) {
    c.addReplyBulk('');
    return;
  }
  replyRange(c, v, start, end + 1);
}

const SAFE_BIG = 2n ** 53n;

function clampToSafe(v: bigint): number {
  return v > SAFE_BIG ? 2 ** 53 : v < -SAFE_BIG ? -(2 ** 53) : Number(v);
}

/** Bytes [s, e) of a string value as a bulk reply. */
function replyRange(c: Client, v: RBytes, s: number, e: number): void {
  if (typeof v === 'string') c.addReplyBulk(s === 0 && e === v.length ? v : v.slice(s, e));
  else c.addReplyBulk(e - s < 4096 ? v.latin1Slice(s, e) : Buffer.from(v.subarray(s, e)));
}

function mgetCommand(c: Client, argv: string[]): void {
  c.addReplyArrayLen(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]);
    if (v === undefined || !isString(v)) c.addReplyNull();
    else replyValue(c, v);
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    throw new RedisError(`wrong number of arguments for '${c.cmd!.fullname}' command`);
  }
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (lookupWrite(c, argv[j]) !== undefined) {
        c.addReplyLongLong(0);
        return;
      }
    }
  }
  const db = c.db;
  for (let j = 1; j < argv.length; j += 2) {
    setKey(c, db, argv[j], argv[j + 1]);
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'set', argv[j], db.id);
  }
  c.server.dirty += (argv.length - 1) / 2;
  if (nx) c.addReplyLongLong(1);
  else c.addReplyOK();
}

function msetCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, false);
}

function msetnxCommand(c: Client, argv: string[]): void {
  msetGeneric(c, argv, true);
}

/** getLongLongFromObject() of a stored value: null when not an integer. */
function valueAsInt(v: RString): bigint | null {
  if (typeof v === 'number') return BigInt(v);
  if (v.length > 20) return null;
  return string2llBig(strValue(v));
}

function incrDecr(c: Client, key: string, incr: bigint | number): void {
  const o = asStringOrInt(lookupWrite(c, key));
  if (typeof incr === 'number') {
    // Fast path: the value and increment are exact doubles (an integer
    // value, or one of at most 15 digits), and so is their sum.
    const cur = o === undefined ? 0 : typeof o === 'number' ? o : typeof o === 'string' && o.length <= 15 ? string2ll(o) : null;
    if (cur !== null) {
      const sum = cur + incr;
      if (sum <= MAX_SAFE && sum >= -MAX_SAFE) {
        store(c, key, o, sum);
        finishIncr(c, key, sum);
        return;
      }
    }
  }
  const value = o === undefined ? 0n : valueAsInt(o);
  if (value === null) throw new RedisError(Errors.notInteger);
  const inc = BigInt(incr);
  if ((inc < 0n && value < 0n && inc < LLONG_MIN - value) || (inc > 0n && value > 0n && inc > LLONG_MAX - value)) {
    throw new RedisError(Errors.overflow);
  }
  const sum = value + inc;
  store(c, key, o, sum <= MAX_SAFE_BIG && sum >= -MAX_SAFE_BIG ? Number(sum) : sum.toString());
  finishIncr(c, key, sum);
}

/** dbOverwrite() (keeps the TTL) or dbAdd() of a new value. */
function store(c: Client, key: string, old: RString | undefined, val: RString): void {
  if (old === undefined) c.db.add(key, val);
  else c.db.setValue(key, val);
}

function finishIncr(c: Client, key: string, value: number | bigint): void {
  const db = c.db;
  c.server.signalModifiedKey(c, db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'incrby', key, db.id);
  c.server.dirty++;
  c.addReplyLongLong(value);
}

function incrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1);
}

function decrCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1);
}

/** An increment argument: a number when exact, else a bigint. */
function incrementArg(s: string): number | bigint {
  if (s.length <= 15) {
    const v = string2ll(s);
    if (v === null) throw new RedisError(Errors.notInteger);
    return v;
  }
  return getLongLongBig(s);
}

function incrbyCommand(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], incrementArg(argv[2]));
}

function decrbyCommand(c: Client, argv: string[]): void {
  const incr = incrementArg(argv[2]);
  if (incr === LLONG_MIN) throw new RedisError('decrement would overflow');
  incrDecr(c, argv[1], typeof incr === 'number' ? 0 - incr : -incr);
}

function incrbyfloatCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const o = asString(lookupWrite(c, key));
  const cur = o === undefined ? undefined : o.length >= 5120 ? ' ' : strValue(o);
  const result = incrByFloatString(cur, argv[2]);
  store(c, key, o, embstrValue(result));
  c.server.signalModifiedKey(c, db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'incrbyfloat', key, db.id);
  c.server.dirty++;
  c.addReplyBulk(result);
  c.ext.propagateArgv = ['SET', key, result, 'KEEPTTL'];
}

function appendCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const append = argv[2];
  const db = c.db;
  const o = lookupWrite(c, key);
  let totlen: number;
  if (o === undefined) {
    dbAdd(c, db, key, append);
    totlen = append.length;
  } else {
    const cur = asString(o)!;
    checkStringLength(c, cur.length, append.length);
    const len = cur.length;
    const buf = db.writableString(key, cur, len + append.length);
    putLatin1(buf, len, append);
    totlen = buf.length;
    c.server.signalModifiedKey(c, db, key);
  }
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'append', key, db.id);
  c.server.dirty++;
  c.addReplyLongLong(totlen);
}

function strlenCommand(c: Client, argv: string[]): void {
  const v = asStringOrInt(lookupRead(c, argv[1]));
  c.addReplyLongLong(v === undefined ? 0 : strLen(v));
}

/** Bytes of a string value for random access. */
function bytesOf(v: RString | undefined): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  return strBuffer(v);
}

function lcsCommand(c: Client, argv: string[]): void {
  const oa = lookupRead(c, argv[1]);
  const ob = lookupRead(c, argv[2]);
  if ((oa !== undefined && !isString(oa)) || (ob !== undefined && !isString(ob))) {
    throw new RedisError('The specified keys must contain string values');
  }
  let getlen = false;
  let getidx = false;
  let withmatchlen = false;
  let minmatchlen = 0n;
  for (let j = 3; j < argv.length; j++) {
    const opt = copt(argv[j]);
    const moreargs = argv.length - 1 - j;
    if (opt === 'idx') getidx = true;
    else if (opt === 'len') getlen = true;
    else if (opt === 'withmatchlen') withmatchlen = true;
    else if (opt === 'minmatchlen' && moreargs > 0) {
      minmatchlen = getLongLongBig(argv[j + 1]);
      if (minmatchlen < 0n) minmatchlen = 0n;
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (getlen && getidx) throw new RedisError('If you want both the length and indexes, please just use IDX.');
  const a = bytesOf(oa as RString | undefined);
  const b = bytesOf(ob as RString | undefined);
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xffffffff - 1 || blen >= 0xffffffff - 1) throw new RedisError('String too long for LCS');
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.protoMaxBulkLen) {
    throw new RedisError('Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  }
  let lcs: Uint32Array;
  try {
    lcs = new Uint32Array(cells);
  } catch {
    throw new RedisError('Insufficient memory, failed allocating transient memory for LCS');
  }
  const W = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * W;
    const prev = row - W;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) {
        lcs[row + j] = lcs[prev + j - 1] + 1;
      } else {
        const l1 = lcs[prev + j];
        const l2 = lcs[row + j - 1];
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  const total = lcs[alen * W + blen];
  const computelcs = getidx || !getlen;
  let idx = total;
  const result = computelcs ? Buffer.allocUnsafe(total) : null;
  const matches: number[][] = [];
  let arangeStart = alen;
  let arangeEnd = 0;
  let brangeStart = 0;
  let brangeEnd = 0;
  let i = alen;
  let j = blen;
  const minLen = minmatchlen > BigInt(0xffffffff) ? Infinity : Number(minmatchlen);
  while (computelcs && i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result![idx - 1] = a[i - 1];
      if (arangeStart === alen) {
        arangeStart = i - 1;
        arangeEnd = i - 1;
        brangeStart = j - 1;
        brangeEnd = j - 1;
      } else if (arangeStart === i && brangeStart === j) {
        arangeStart--;
        brangeStart--;
      } else {
        emit = true;
      }
      if (arangeStart === 0 || brangeStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      const l1 = lcs[(i - 1) * W + j];
      const l2 = lcs[i * W + j - 1];
      if (l1 > l2) i--;
      else j--;
      if (arangeStart !== alen) emit = true;
    }
    // The match length is computed in uint32 arithmetic, as Redis does.
    const matchLen = (arangeEnd - arangeStart + 1) >>> 0;
    if (emit) {
      if (minLen === 0 || matchLen >= minLen) {
        if (getidx) matches.push([arangeStart, arangeEnd, brangeStart, brangeEnd, matchLen]);
      }
      arangeStart = alen;
    }
  }
  if (getidx) {
    c.addReplyMapLen(2);
    c.addReplyBulk('matches');
    c.addReplyArrayLen(matches.length);
    for (const m of matches) {
      c.addReplyArrayLen(withmatchlen ? 3 : 2);
      c.addReplyArrayLen(2);
      c.addReplyLongLong(m[0]);
      c.addReplyLongLong(m[1]);
      c.addReplyArrayLen(2);
      c.addReplyLongLong(m[2]);
      c.addReplyLongLong(m[3]);
      if (withmatchlen) c.addReplyLongLong(m[4]);
    }
    c.addReplyBulk('len');
    c.addReplyLongLong(total);
  } else if (getlen) {
    c.addReplyLongLong(total);
  } else {
    c.addReplyBulk(result!.length < 4096 ? result!.latin1Slice(0, result!.length) : result!);
  }
}

export const stringCommands: CommandSpec[] = [
  cmd('get', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['string'], handler: getCommand }),
  cmd('set', -3, ['write', 'denyoom'], [1, 1, 1], { acl: ['string'], handler: setCommand }),
  cmd('setnx', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: setnxCommand }),
  cmd('setex', 4, ['write', 'denyoom'], [1, 1, 1], { acl: ['string'], handler: setexCommand }),
  cmd('psetex', 4, ['write', 'denyoom'], [1, 1, 1], { acl: ['string'], handler: psetexCommand }),
  cmd('getex', -2, ['write', 'fast'], [1, 1, 1], { acl: ['string'], handler: getexCommand }),
  cmd('getdel', 2, ['write', 'fast'], [1, 1, 1], { acl: ['string'], handler: getdelCommand }),
  cmd('getset', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: getsetCommand }),
  cmd('mget', -2, ['readonly', 'fast'], [1, -1, 1], { acl: ['string'], handler: mgetCommand }),
  cmd('mset', -3, ['write', 'denyoom'], [1, -1, 2], { acl: ['string'], handler: msetCommand }),
  cmd('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], { acl: ['string'], handler: msetnxCommand }),
  cmd('append', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: appendCommand }),
  cmd('strlen', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['string'], handler: strlenCommand }),
  cmd('getrange', 4, ['readonly'], [1, 1, 1], { acl: ['string'], handler: getrangeCommand }),
  cmd('substr', 4, ['readonly'], [1, 1, 1], { acl: ['string'], handler: getrangeCommand }),
  cmd('setrange', 4, ['write', 'denyoom'], [1, 1, 1], { acl: ['string'], handler: setrangeCommand }),
  cmd('incr', 2, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: incrCommand }),
  cmd('decr', 2, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: decrCommand }),
  cmd('incrby', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: incrbyCommand }),
  cmd('decrby', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: decrbyCommand }),
  cmd('incrbyfloat', 3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['string'], handler: incrbyfloatCommand }),
  cmd('lcs', -3, ['readonly'], [1, 2, 1], { acl: ['string'], handler: lcsCommand }),
];
