/** Hash commands (t_hash.c). */
import type { Client } from '../server/client.js';
import { CLIENT_CLOSE_ASAP } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getLongLong, getLongLongBig } from './args.js';
import { dbAdd, dbDelete, lookupRead, lookupWrite } from './db-ops.js';
import { parseScanArgs, parseScanCursor, replyScan, scanDict, scanFilter } from './keys.js';
import { NOTIFY_GENERIC, NOTIFY_HASH } from '../server/notify.js';
import { RHash, hashLimits, type HashLimits } from '../store/hash.js';
import type { RBytes } from '../store/types.js';
import { string2ll, string2llBig } from '../util/numbers.js';
import { string2ld, ldAdd, ldFromBigInt, ldResultString, exactDecimalSum, MAX_LONG_DOUBLE_CHARS } from '../util/longdouble.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
/** -LONG_MAX..LONG_MAX: the count range of HRANDFIELD and SRANDMEMBER. */
const LONG_MAX = LLONG_MAX;

/** strcasecmp() of a C string argument (up to its first NUL) with a lower-case token. */
export function tokenIs(arg: string, lower: string): boolean {
  const z = arg.indexOf('\0');
  const s = z === -1 ? arg : arg.slice(0, z);
  return s.length === lower.length && s.toLowerCase() === lower;
}

/**
 * getRangeLongFromObjectOrReply(c, o, -LONG_MAX, LONG_MAX, ...) for the
 * RANDFIELD/RANDMEMBER counts: a bigint in range or the error Redis gives.
 */
export function parseRandomCount(s: string): bigint {
  const v = getLongLongBig(s);
  if (v < -LONG_MAX) {
    throw new RedisError(`value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
  }
  return v;
}

function limitsOf(c: Client): HashLimits {
  return hashLimits(c.server.config);
}

/** checkType() for hashes. */
function asHash(v: ReturnType<typeof lookupRead>): RHash | undefined {
  return asType<RHash>(v, 'hash');
}

/** hashTypeLookupWriteOrCreate(). */
function lookupWriteOrCreate(c: Client, key: string): RHash {
  let h = asHash(lookupWrite(c, key));
  if (h === undefined) {
    h = new RHash();
    dbAdd(c, c.db, key, h);
  }
  return h;
}

function hsetnxCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = lookupWriteOrCreate(c, key);
  if (h.has(argv[2])) {
    c.addReplyLongLong(0);
    return;
  }
  const limits = limitsOf(c);
  h.tryConversion(argv, 2, 3, limits);
  h.set(argv[2], argv[3], limits);
  c.addReplyLongLong(1);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hset', key, c.db.id);
  c.server.dirty++;
}

/** HSET and HMSET (argv[0] tells the reply apart, as in Redis). */
function hsetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 === 1) {
    throw new RedisError(`wrong number of arguments for '${c.cmd!.fullname}' command`);
  }
  const key = argv[1];
  const h = lookupWriteOrCreate(c, key);
  const limits = limitsOf(c);
  h.tryConversion(argv, 2, argv.length - 1, limits);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (!h.set(argv[i], argv[i + 1], limits)) created++;
  }
  const second = argv[0].charCodeAt(1);
  if (second === 115 || second === 83) c.addReplyLongLong(created);
  else c.addReplyOK();
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hset', key, c.db.id);
  c.server.dirty += (argv.length - 2) / 2;
}

function hincrbyCommand(c: Client, argv: string[]): void {
  const incrArg = argv[3];
  const incr = incrArg.length <= 15 ? getLongLong(incrArg) : getLongLongBig(incrArg);
  const key = argv[1];
  const field = argv[2];
  const h = lookupWriteOrCreate(c, key);
  const cur = h.get(field);
  if (incrArg.length <= 15 && (cur === undefined || cur.length <= 15)) {
    // Both operands have at most 15 digits: exact in doubles, and so is the sum.
    const base = cur === undefined ? 0 : string2ll(cur);
    if (base === null) throw new RedisError('hash value is not an integer');
    const sum = base + (incr as number);
    h.set(field, String(sum), limitsOf(c));
    return finishHincrby(c, key, sum);
  }
  let value = 0n;
  if (cur !== undefined) {
    const v = string2llBig(cur);
    if (v === null) throw new RedisError('hash value is not an integer');
    value = v;
  }
  const inc = BigInt(incr);
  if ((inc < 0n && value < 0n && inc < LLONG_MIN - value) || (inc > 0n && value > 0n && inc > LLONG_MAX - value)) {
    throw new RedisError(Errors.overflow);
  }
  value += inc;
  h.set(field, value.toString(), limitsOf(c));
  finishHincrby(c, key, value);
}

function finishHincrby(c: Client, key: string, value: number | bigint): void {
  c.addReplyLongLong(value);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hincrby', key, c.db.id);
  c.server.dirty++;
}

function hincrbyfloatCommand(c: Client, argv: string[]): void {
  const incr = string2ld(argv[3]);
  if (incr === null) throw new RedisError(Errors.notFloat);
  if (incr.kind !== 0) throw new RedisError('value is NaN or Infinity');
  const key = argv[1];
  const field = argv[2];
  const h = lookupWriteOrCreate(c, key);
  const cur = h.get(field);
  const fast = exactDecimalSum(cur ?? '0', argv[3]);
  if (fast !== null) return storeFloatField(c, h, key, field, fast);
  let value = ldFromBigInt(0n);
  if (cur !== undefined) {
    // A listpack keeps canonical integers as integers: converted exactly.
    const asInt = cur.length <= 20 ? string2llBig(cur) : null;
    const v = asInt !== null ? ldFromBigInt(asInt) : cur.length >= MAX_LONG_DOUBLE_CHARS ? null : string2ld(cur);
    if (v === null) throw new RedisError('hash value is not a float');
    value = v;
  }
  const sum = ldAdd(value, incr);
  if (sum.kind !== 0) throw new RedisError('increment would produce NaN or Infinity');
  storeFloatField(c, h, key, field, ldResultString(sum));
}

/** HINCRBYFLOAT's new value `s` stored, replied and propagated. */
function storeFloatField(c: Client, h: RHash, key: string, field: string, s: string): void {
  h.set(field, s, limitsOf(c));
  c.addReplyBulk(s);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hincrbyfloat', key, c.db.id);
  c.server.dirty++;
  // Replicated as HSET with the final value, so float formatting cannot
  // make replicas or an AOF reload diverge.
  c.ext.propagateArgv = ['HSET', key, field, s];
}

function hgetCommand(c: Client, argv: string[]): void {
  const h = asHash(lookupRead(c, argv[1]));
  if (h === undefined) {
    c.addReplyNull();
    return;
  }
  const v = h.get(argv[2]);
  if (v === undefined) c.addReplyNull();
  else c.addReplyBulk(v);
}

function hmgetCommand(c: Client, argv: string[]): void {
  const h = asHash(lookupRead(c, argv[1]));
  c.addReplyArrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h === undefined ? undefined : h.get(argv[i]);
    if (v === undefined) c.addReplyNull();
    else c.addReplyBulk(v);
  }
}

function hdelCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const h = asHash(lookupWrite(c, key));
  if (h === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (h.delete(argv[j])) {
      deleted++;
      if (h.size === 0) {
        dbDelete(c, c.db, key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.server.signalModifiedKey(c, c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_HASH, 'hdel', key, c.db.id);
    if (keyRemoved) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.server.dirty += deleted;
  }
  c.addReplyLongLong(deleted);
}

function hlenCommand(c: Client, argv: string[]): void {
  const h = asHash(lookupRead(c, argv[1]));
  c.addReplyLongLong(h === undefined ? 0 : h.size);
}

function hstrlenCommand(c: Client, argv: string[]): void {
  const h = asHash(lookupRead(c, argv[1]));
  const v = h === undefined ? undefined : h.get(argv[2]);
  c.addReplyLongLong(v === undefined ? 0 : v.length);
}

function hexistsCommand(c: Client, argv: string[]): void {
  const h = asHash(lookupRead(c, argv[1]));
  c.addReplyLongLong(h !== undefined && h.has(argv[2]) ? 1 : 0);
}

const HASH_KEY = 1;
const HASH_VALUE = 2;

/** genericHgetallCommand(). */
function hgetallGeneric(c: Client, argv: string[], what: number): void {
  const both = what === (HASH_KEY | HASH_VALUE);
  const h = asHash(lookupRead(c, argv[1]));
  if (h === undefined) {
    if (both) c.addReplyMapLen(0);
    else c.addReplyArrayLen(0);
    return;
  }
  if (both) c.addReplyMapLen(h.size);
  else c.addReplyArrayLen(h.size);
  const packed = h.forEachSpan((s, fs, fe, vs, ve) => {
    if (what & HASH_KEY) c.addReplyBulkRange(s, fs, fe);
    if (what & HASH_VALUE) c.addReplyBulkRange(s, vs, ve);
  });
  if (packed) return;
  h.forEach((f, v) => {
    if (what & HASH_KEY) c.addReplyBulk(f);
    if (what & HASH_VALUE) c.addReplyBulk(v);
  });
}

function hscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  const h = asHash(lookupRead(c, argv[1]));
  if (h === undefined) {
    replyScan(c, 0, []);
    return;
  }
  const args = parseScanArgs(argv, 3, false);
  const d = h.dict;
  let items: RBytes[];
  let next: number;
  if (d === null) {
    items = h.pairs();
    next = 0;
  } else {
    items = [];
    next = scanDict(d, cursor, args.count * 2, items, (k, v, out) => {
      out.push(k, v);
    });
  }
  replyScan(c, next, scanFilter(items, args.pattern, 2));
}

/** One HRANDFIELD pair (or field) in the reply shape of the protocol. */
function replyRandomPair(c: Client, field: string, value: string, withValues: boolean): void {
  if (withValues && c.resp > 2) c.addReplyArrayLen(2);
  c.addReplyBulk(field);
  if (withValues) c.addReplyBulk(value);
}

function hrandfieldWithCount(c: Client, argv: string[], l: bigint, withValues: boolean): void {
  const h = asHash(lookupRead(c, argv[1]));
  if (h === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  const size = h.size;
  const uniq = l >= 0n;
  const count = Number(uniq ? l : -l);
  if (count === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  // Repetitions allowed (negative count), or a single pick.
  if (!uniq || count === 1) {
    c.addReplyArrayLen(withValues && c.resp === 2 ? count * 2 : count);
    for (let i = 0; i < count; i++) {
      const [f, v] = h.randomPair();
      replyRandomPair(c, f, v, withValues);
      if (c.flags & CLIENT_CLOSE_ASAP) break;
    }
    return;
  }
  const replySize = count < size ? count : size;
  c.addReplyArrayLen(withValues && c.resp === 2 ? replySize * 2 : replySize);
  if (count >= size) {
    h.forEach((f, v) => replyRandomPair(c, f, v, withValues));
    return;
  }
  const pairs = h.randomPairsUnique(count);
  for (let i = 0; i < pairs.length; i += 2) replyRandomPair(c, pairs[i], pairs[i + 1], withValues);
}

function hrandfieldCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const l = parseRandomCount(argv[2]);
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && !tokenIs(argv[3], 'withvalues'))) {
      throw new RedisError(Errors.syntax);
    } else if (argv.length === 4) {
      withValues = true;
      if (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n) throw new RedisError('value is out of range');
    }
    hrandfieldWithCount(c, argv, l, withValues);
    return;
  }
  const h = asHash(lookupRead(c, argv[1]));
  if (h === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyBulk(h.randomPair()[0]);
}

export const hashCommands: CommandSpec[] = [
  cmd('hset', -4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hsetCommand }),
  cmd('hsetnx', 4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hsetnxCommand }),
  cmd('hget', 3, ['readonly', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hgetCommand }),
  cmd('hmset', -4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hsetCommand }),
  cmd('hmget', -3, ['readonly', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hmgetCommand }),
  cmd('hincrby', 4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hincrbyCommand }),
  cmd('hincrbyfloat', 4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hincrbyfloatCommand }),
  cmd('hdel', -3, ['write', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hdelCommand }),
  cmd('hlen', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hlenCommand }),
  cmd('hstrlen', 3, ['readonly', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hstrlenCommand }),
  cmd('hkeys', 2, ['readonly'], [1, 1, 1], { acl: ['hash'], handler: (c, argv) => hgetallGeneric(c, argv, HASH_KEY) }),
  cmd('hvals', 2, ['readonly'], [1, 1, 1], { acl: ['hash'], handler: (c, argv) => hgetallGeneric(c, argv, HASH_VALUE) }),
  cmd('hgetall', 2, ['readonly'], [1, 1, 1], {
    acl: ['hash'],
    handler: (c, argv) => hgetallGeneric(c, argv, HASH_KEY | HASH_VALUE),
  }),
  cmd('hexists', 3, ['readonly', 'fast'], [1, 1, 1], { acl: ['hash'], handler: hexistsCommand }),
  cmd('hrandfield', -2, ['readonly'], [1, 1, 1], { acl: ['hash'], handler: hrandfieldCommand }),
  cmd('hscan', -3, ['readonly'], [1, 1, 1], { acl: ['hash'], handler: hscanCommand }),
];
