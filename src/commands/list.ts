/** List commands (t_list.c), blocking ones included. */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getLongLong, getLongLongBig, getPositiveLong, getRangeLong } from './args.js';
import { lookupRead, lookupWrite } from './db-ops.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../server/notify.js';
import { isObject, type RValue } from '../store/types.js';
import type { Db } from '../store/db.js';
import { RList, LIST_HEAD, LIST_TAIL } from '../store/list.js';
import {
  Blocking,
  BLOCKED_LIST,
  SERVE_DONE,
  SERVE_DONE_DELETED,
  getBlockTimeout,
  registerServeFn,
  type BlockInfo,
} from '../server/blocking.js';

/** Any int64 is within LONG_MAX (string2ll already rejected larger values). */
const LONG_MAX = Number.POSITIVE_INFINITY;

function asList(v: RValue | undefined): RList | undefined {
  return asType<RList>(v, 'list');
}

/** strcasecmp() of an option against a lower-case name (stops at NUL like a C string). */
function copt(s: string): string {
  const z = s.indexOf('\0');
  return (z === -1 ? s : s.slice(0, z)).toLowerCase();
}

/**
 * createQuicklistObject() + dbAdd(): the Db signals blocked clients, then
 * the 'new' event. The caller signals the modification.
 */
function createList(c: Client, db: Db, key: string): RList {
  const l = new RList();
  db.add(key, l);
  c.server.keyAdded(db, key);
  return l;
}

/** dbDelete() of an emptied list + the "del" event. */
function deleteEmpty(c: Client, db: Db, key: string): void {
  db.delete(key);
  c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
}

// ---- push -------------------------------------------------------------------

/** pushGenericCommand(): LPUSH/RPUSH, and LPUSHX/RPUSHX when `xx`. */
function pushGeneric(c: Client, argv: string[], where: number, xx: boolean): void {
  const key = argv[1];
  let l = asList(lookupWrite(c, key));
  if (l === undefined) {
    if (xx) {
      c.addReplyLongLong(0);
      return;
    }
    l = createList(c, c.db, key);
  }
  for (let j = 2; j < argv.length; j++) {
    l.push(argv[j], where);
    c.server.dirty++;
  }
  c.addReplyLongLong(l.length);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpush' : 'rpush', key, c.db.id);
}

// ---- LINSERT LLEN LINDEX LSET --------------------------------------------------

function linsertCommand(c: Client, argv: string[]): void {
  const opt = copt(argv[2]);
  let after: boolean;
  if (opt === 'after') after = true;
  else if (opt === 'before') after = false;
  else throw new RedisError(Errors.syntax);
  const key = argv[1];
  const l = asList(lookupWrite(c, key));
  if (l === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const at = l.indexOf(argv[3]);
  if (at === -1) {
    c.addReplyLongLong(-1);
    return;
  }
  l.insertAt(after ? at + 1 : at, argv[4]);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, 'linsert', key, c.db.id);
  c.server.dirty++;
  c.addReplyLongLong(l.length);
}

function llenCommand(c: Client, argv: string[]): void {
  const l = asList(lookupRead(c, argv[1]));
  c.addReplyLongLong(l === undefined ? 0 : l.length);
}

function lindexCommand(c: Client, argv: string[]): void {
  const l = asList(lookupRead(c, argv[1]));
  if (l === undefined) {
    c.addReplyNull();
    return;
  }
  const i = l.resolveIndex(getLongLong(argv[2]));
  if (i === -1) c.addReplyNull();
  else c.addReplyBulk(l.get(i));
}

function lsetCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const l = asList(lookupWrite(c, key));
  if (l === undefined) throw new RedisError(Errors.noSuchKey);
  const i = l.resolveIndex(getLongLong(argv[2]));
  if (i === -1) throw new RedisError(Errors.outOfRange);
  l.set(i, argv[3]);
  c.addReplyOK();
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, 'lset', key, c.db.id);
  c.server.dirty++;
}

// ---- ranges ----------------------------------------------------------------------

/**
 * addListRangeReply(): elements start..end (inclusive, negative from the
 * tail), reversed (from end to start) when `reverse`.
 */
function addListRangeReply(c: Client, l: RList, start: number, end: number, reverse: boolean): void {
  const llen = l.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.addReplyArrayLen(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  c.addReplyArrayLen(end - start + 1);
  if (reverse) {
    for (let i = end; i >= start; i--) c.addReplyBulk(l.get(i));
  } else {
    for (let i = start; i <= end; i++) c.addReplyBulk(l.get(i));
  }
}

/**
 * listElementsRemoved(): the pop event, deletion of an emptied list,
 * signalModifiedKey and dirty. Returns true if the key was deleted.
 */
function listElementsRemoved(c: Client, db: Db, key: string, where: number, l: RList, count: number): boolean {
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpop' : 'rpop', key, db.id);
  let deleted = false;
  if (l.length === 0) {
    deleted = true;
    deleteEmpty(c, db, key);
  }
  c.server.signalModifiedKey(c, db, key);
  c.server.dirty += count;
  return deleted;
}

/** Pop up to `count` elements from `where`, replying with them as an array. */
function popRangeReply(c: Client, l: RList, where: number, count: number): number {
  const rangelen = count > l.length ? l.length : count;
  if (where === LIST_HEAD) {
    addListRangeReply(c, l, 0, rangelen - 1, false);
    l.removeHead(rangelen);
  } else {
    addListRangeReply(c, l, -rangelen, -1, true);
    l.removeTail(rangelen);
  }
  return rangelen;
}

/**
 * listPopRangeAndReplyWithKey(): [key, [elements...]] for LMPOP/BLMPOP.
 * Returns true if the key was deleted.
 */
function listPopRangeAndReplyWithKey(c: Client, db: Db, l: RList, key: string, where: number, count: number): boolean {
  c.addReplyArrayLen(2);
  c.addReplyBulk(key);
  const n = popRangeReply(c, l, where, count);
  return listElementsRemoved(c, db, key, where, l, n);
}

/** popGenericCommand(): LPOP/RPOP with an optional count. */
function popGeneric(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) throw new RedisError(`wrong number of arguments for '${c.cmd!.fullname}' command`);
  const hascount = argv.length === 3;
  const count = hascount ? getPositiveLong(argv[2]) : 0;
  const key = argv[1];
  const l = asList(lookupWrite(c, key));
  if (l === undefined) {
    if (hascount) c.addReplyNullArray();
    else c.addReplyNull();
    return;
  }
  if (hascount && count === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  if (!hascount) {
    c.addReplyBulk(l.pop(where) as string);
    listElementsRemoved(c, c.db, key, where, l, 1);
  } else {
    const n = popRangeReply(c, l, where, count);
    listElementsRemoved(c, c.db, key, where, l, n);
  }
}

/** mpopGenericCommand(): LMPOP, replicated as [LR]POP key count. */
function mpopGeneric(c: Client, keys: string[], where: number, count: number): void {
  for (const key of keys) {
    const l = asList(lookupWrite(c, key));
    if (l === undefined || l.length === 0) continue;
    const llen = l.length;
    listPopRangeAndReplyWithKey(c, c.db, l, key, where, count);
    c.ext.propagateArgv = [where === LIST_HEAD ? 'LPOP' : 'RPOP', key, String(count > llen ? llen : count)];
    return;
  }
  c.addReplyNullArray();
}

function lrangeCommand(c: Client, argv: string[]): void {
  const start = getLongLong(argv[2]);
  const end = getLongLong(argv[3]);
  const l = asList(lookupRead(c, argv[1]));
  if (l === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  addListRangeReply(c, l, start, end, false);
}

function ltrimCommand(c: Client, argv: string[]): void {
  let start = getLongLong(argv[2]);
  let end = getLongLong(argv[3]);
  const key = argv[1];
  const l = asList(lookupWrite(c, key));
  if (l === undefined) {
    c.addReplyOK();
    return;
  }
  const llen = l.length;
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= llen) {
    ltrim = llen;
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  l.removeHead(ltrim);
  l.removeTail(rtrim);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, 'ltrim', key, c.db.id);
  if (l.length === 0) deleteEmpty(c, c.db, key);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.dirty += ltrim + rtrim;
  c.addReplyOK();
}

const LONG_MIN_BIG = -(1n << 63n);

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lposCommand(c: Client, argv: string[]): void {
  const ele = argv[2];
  let fromTail = false;
  let rank = 1;
  /** RANK LONG_MIN: -rank overflows in C and stays negative, so every match qualifies. */
  let rankMin = false;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = copt(argv[j]);
    const moreargs = argv.length - 1 - j;
    if (opt === 'rank' && moreargs) {
      j++;
      const r = getLongLongBig(argv[j]);
      if (r === 0n) {
        throw new RedisError(
          "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
      }
      rankMin = r === LONG_MIN_BIG;
      rank = Number(r);
    } else if (opt === 'count' && moreargs) {
      j++;
      count = getPositiveLong(argv[j], "COUNT can't be negative");
    } else if (opt === 'maxlen' && moreargs) {
      j++;
      maxlen = getPositiveLong(argv[j], "MAXLEN can't be negative");
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (rank < 0) {
    rank = -rank;
    fromTail = true;
  }
  const l = asList(lookupRead(c, argv[1]));
  if (l === undefined) {
    if (count !== -1) c.addReplyArrayLen(0);
    else c.addReplyNull();
    return;
  }
  const llen = l.length;
  const out: number[] = [];
  let matches = 0;
  let matchindex = -1;
  for (let index = 0; index < llen && (maxlen === 0 || index < maxlen); index++) {
    const pos = fromTail ? llen - index - 1 : index;
    if (l.get(pos) === ele) {
      matches++;
      if (rankMin || matches >= rank) {
        if (count !== -1) {
          out.push(pos);
          // matches-rank+1 overflows for RANK LONG_MIN: the limit is never reached.
          if (count && !rankMin && matches - rank + 1 >= count) break;
        } else {
          matchindex = pos;
          break;
        }
      }
    }
  }
  if (count !== -1) {
    c.addReplyArrayLen(out.length);
    for (const p of out) c.addReplyLongLong(p);
  } else if (matchindex !== -1) {
    c.addReplyLongLong(matchindex);
  } else {
    c.addReplyNull();
  }
}

function lremCommand(c: Client, argv: string[]): void {
  let toremove = getLongLong(argv[2]);
  const key = argv[1];
  const l = asList(lookupWrite(c, key));
  if (l === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  let fromTail = false;
  if (toremove < 0) {
    toremove = -toremove;
    fromTail = true;
  }
  const removed = l.removeMatches(argv[3], toremove, fromTail);
  c.server.dirty += removed;
  if (removed) {
    c.server.signalModifiedKey(c, c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_LIST, 'lrem', key, c.db.id);
  }
  if (l.length === 0) deleteEmpty(c, c.db, key);
  c.addReplyLongLong(removed);
}

// ---- LMOVE / RPOPLPUSH -------------------------------------------------------------

/** lmoveHandlePush(): push `value` to the destination (created if needed) and reply with it. */
function lmoveHandlePush(c: Client, db: Db, dstkey: string, dst: RList | undefined, value: string, where: number): void {
  if (dst === undefined) dst = createList(c, db, dstkey);
  c.server.signalModifiedKey(c, db, dstkey);
  dst.push(value, where);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, where === LIST_HEAD ? 'lpush' : 'rpush', dstkey, db.id);
  c.addReplyBulk(value);
}

/** getListPositionFromObjectOrReply(). */
function listPosition(s: string): number {
  const o = copt(s);
  if (o === 'right') return LIST_TAIL;
  if (o === 'left') return LIST_HEAD;
  throw new RedisError(Errors.syntax);
}

function positionName(where: number): string {
  return where === LIST_HEAD ? 'left' : 'right';
}

/** lmoveGenericCommand(): the source exists. BLMOVE/BRPOPLPUSH replicate as LMOVE/RPOPLPUSH. */
function lmoveGeneric(c: Client, argv: string[], wherefrom: number, whereto: number): void {
  const srckey = argv[1];
  const dstkey = argv[2];
  const src = asList(lookupWrite(c, srckey));
  if (src === undefined) {
    c.addReplyNull();
    return;
  }
  if (src.length === 0) {
    c.addReplyNull();
    return;
  }
  const dst = asList(lookupWrite(c, dstkey));
  const value = src.pop(wherefrom) as string;
  lmoveHandlePush(c, c.db, dstkey, dst, value, whereto);
  c.server.notifyKeyspaceEvent(NOTIFY_LIST, wherefrom === LIST_HEAD ? 'lpop' : 'rpop', srckey, c.db.id);
  if (src.length === 0) deleteEmpty(c, c.db, srckey);
  c.server.signalModifiedKey(c, c.db, srckey);
  c.server.dirty++;
  const name = c.cmd?.name;
  if (name === 'blmove') c.ext.propagateArgv = ['LMOVE', argv[1], argv[2], argv[3], argv[4]];
  else if (name === 'brpoplpush') c.ext.propagateArgv = ['RPOPLPUSH', argv[1], argv[2]];
}

function lmoveCommand(c: Client, argv: string[]): void {
  const wherefrom = listPosition(argv[3]);
  const whereto = listPosition(argv[4]);
  lmoveGeneric(c, argv, wherefrom, whereto);
}

// ---- LMPOP / BLMPOP ----------------------------------------------------------------

/** lmpopGenericCommand(): LMPOP numkeys key... LEFT|RIGHT [COUNT n], BLMPOP with a timeout first. */
function lmpopGeneric(c: Client, argv: string[], numkeysIdx: number, isBlock: boolean): void {
  const numkeys = getRangeLong(argv[numkeysIdx], 1, LONG_MAX, 'numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new RedisError(Errors.syntax);
  const where = listPosition(argv[whereIdx]);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (count === -1 && copt(argv[j]) === 'count' && moreargs) {
      j++;
      count = getRangeLong(argv[j], 1, LONG_MAX, 'count should be greater than 0');
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys);
  if (isBlock) blockingPopGeneric(c, keys, where, argv[1], count);
  else mpopGeneric(c, keys, where, count);
}

/** genericGetKeys() as LMPOP/BLMPOP use it: atoi(numkeys) keys after it. */
function mpopGetKeys(numkeysIdx: number): (argv: string[]) => number[] {
  return (argv) => {
    const num = numkeysIdx < argv.length ? atoi(argv[numkeysIdx]) : 0;
    const first = numkeysIdx + 1;
    if (num < 1 || num > argv.length - first) return [];
    const out: number[] = [];
    for (let i = 0; i < num; i++) out.push(first + i);
    return out;
  };
}

/** atoi(): optional spaces and sign, then digits; 0 when none. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(s);
  if (m === null || m[2] === '') return 0;
  let v = BigInt(m[2]);
  if (m[1] === '-') v = -v;
  // strtol() clamps to the long range, then the int conversion keeps the low 32 bits.
  if (v > (1n << 63n) - 1n) v = (1n << 63n) - 1n;
  if (v < -(1n << 63n)) v = -(1n << 63n);
  return Number(BigInt.asIntN(32, v));
}

// ---- blocking ------------------------------------------------------------------------

/**
 * blockingPopGenericCommand(): BLPOP/BRPOP (count -1) and BLMPOP (count >
 * 0). Pops at once from the first non-empty list, else blocks.
 */
function blockingPopGeneric(c: Client, keys: string[], where: number, timeoutArg: string, count: number): void {
  const timeout = getBlockTimeout(timeoutArg, c.server.clock.now());
  for (const key of keys) {
    const l = asList(lookupWrite(c, key));
    if (l === undefined || l.length === 0) continue;
    const llen = l.length;
    if (count !== -1) {
      listPopRangeAndReplyWithKey(c, c.db, l, key, where, count);
      c.ext.propagateArgv = [where === LIST_HEAD ? 'LPOP' : 'RPOP', key, String(count > llen ? llen : count)];
      return;
    }
    const value = l.pop(where) as string;
    c.addReplyArrayLen(2);
    c.addReplyBulk(key);
    c.addReplyBulk(value);
    listElementsRemoved(c, c.db, key, where, l, 1);
    c.ext.propagateArgv = [where === LIST_HEAD ? 'LPOP' : 'RPOP', key];
    return;
  }
  if (Blocking.denyBlocking(c)) {
    c.addReplyNullArray();
    return;
  }
  c.server.blocking.blockForKeys(c, BLOCKED_LIST, keys, { timeout, wherefrom: where, count });
}

function blpopCommand(c: Client, argv: string[]): void {
  blockingPopGeneric(c, argv.slice(1, -1), LIST_HEAD, argv[argv.length - 1], -1);
}

function brpopCommand(c: Client, argv: string[]): void {
  blockingPopGeneric(c, argv.slice(1, -1), LIST_TAIL, argv[argv.length - 1], -1);
}

/** blmoveGenericCommand(). */
function blmoveGeneric(c: Client, argv: string[], wherefrom: number, whereto: number, timeout: number): void {
  const src = asList(lookupWrite(c, argv[1]));
  if (src === undefined) {
    if (Blocking.denyBlocking(c)) {
      c.addReplyNull();
    } else {
      c.server.blocking.blockForKeys(c, BLOCKED_LIST, [argv[1]], { timeout, target: argv[2], wherefrom, whereto });
    }
    return;
  }
  lmoveGeneric(c, argv, wherefrom, whereto);
}

function blmoveCommand(c: Client, argv: string[]): void {
  const wherefrom = listPosition(argv[3]);
  const whereto = listPosition(argv[4]);
  const timeout = getBlockTimeout(argv[5], c.server.clock.now());
  blmoveGeneric(c, argv, wherefrom, whereto, timeout);
}

function brpoplpushCommand(c: Client, argv: string[]): void {
  const timeout = getBlockTimeout(argv[3], c.server.clock.now());
  blmoveGeneric(c, argv, LIST_TAIL, LIST_HEAD, timeout);
}

/**
 * serveClientBlockedOnList(): pop for a client blocked on the ready `key`,
 * reply, and propagate the non-blocking equivalent.
 */
function serveClientBlockedOnList(receiver: Client, value: unknown, key: string, db: Db, info: BlockInfo): number {
  const l = value as RList;
  const server = receiver.server;
  const dstkey = info.target;
  const wherefrom = info.wherefrom;
  if (dstkey === null) {
    const popName = wherefrom === LIST_HEAD ? 'LPOP' : 'RPOP';
    if (info.cmd?.name === 'blmpop') {
      const llen = l.length;
      server.propagate(db.id, [popName, key, String(info.count > llen ? llen : info.count)]);
      return listPopRangeAndReplyWithKey(receiver, db, l, key, wherefrom, info.count) ? SERVE_DONE_DELETED : SERVE_DONE;
    }
    server.propagate(db.id, [popName, key]);
    const v = l.pop(wherefrom) as string;
    receiver.addReplyArrayLen(2);
    receiver.addReplyBulk(key);
    receiver.addReplyBulk(v);
    server.notifyKeyspaceEvent(NOTIFY_LIST, wherefrom === LIST_HEAD ? 'lpop' : 'rpop', key, db.id);
  } else {
    // BLMOVE / BRPOPLPUSH: a destination of another type fails the client.
    const dv = db.lookupWrite(dstkey);
    if (dv !== undefined && (!isObject(dv) || dv.type !== 'list')) {
      receiver.addReplyError(Errors.wrongType);
    } else {
      const v = l.pop(wherefrom) as string;
      lmoveHandlePush(receiver, db, dstkey, dv as RList | undefined, v, info.whereto);
      if (info.cmd?.name === 'brpoplpush') {
        server.propagate(db.id, ['RPOPLPUSH', key, dstkey]);
      } else {
        server.propagate(db.id, ['LMOVE', key, dstkey, positionName(wherefrom), positionName(info.whereto)]);
      }
      server.notifyKeyspaceEvent(NOTIFY_LIST, wherefrom === LIST_TAIL ? 'rpop' : 'lpop', key, db.id);
    }
  }
  if (l.length === 0) {
    deleteEmpty(receiver, db, key);
    return SERVE_DONE_DELETED;
  }
  return SERVE_DONE;
}

registerServeFn(BLOCKED_LIST, serveClientBlockedOnList);

// ---- table ---------------------------------------------------------------------------

export const listCommands: CommandSpec[] = [
  cmd('lpush', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => pushGeneric(c, argv, LIST_HEAD, false) }),
  cmd('rpush', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => pushGeneric(c, argv, LIST_TAIL, false) }),
  cmd('lpushx', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => pushGeneric(c, argv, LIST_HEAD, true) }),
  cmd('rpushx', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => pushGeneric(c, argv, LIST_TAIL, true) }),
  cmd('linsert', 5, ['write', 'denyoom'], [1, 1, 1], { acl: ['list'], handler: linsertCommand }),
  cmd('rpop', -2, ['write', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => popGeneric(c, argv, LIST_TAIL) }),
  cmd('lpop', -2, ['write', 'fast'], [1, 1, 1], { acl: ['list'], handler: (c, argv) => popGeneric(c, argv, LIST_HEAD) }),
  cmd('lmpop', -4, ['write'], [0, 0, 0], { acl: ['list'], handler: (c, argv) => lmpopGeneric(c, argv, 1, false), getKeys: mpopGetKeys(1) }),
  cmd('brpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], { acl: ['list'], handler: brpopCommand }),
  cmd('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], { acl: ['list'], handler: brpoplpushCommand }),
  cmd('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], { acl: ['list'], handler: blmoveCommand }),
  cmd('blpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], { acl: ['list'], handler: blpopCommand }),
  cmd('blmpop', -5, ['write', 'blocking'], [0, 0, 0], { acl: ['list'], handler: (c, argv) => lmpopGeneric(c, argv, 2, true), getKeys: mpopGetKeys(2) }),
  cmd('llen', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['list'], handler: llenCommand }),
  cmd('lindex', 3, ['readonly'], [1, 1, 1], { acl: ['list'], handler: lindexCommand }),
  cmd('lset', 4, ['write', 'denyoom'], [1, 1, 1], { acl: ['list'], handler: lsetCommand }),
  cmd('lrange', 4, ['readonly'], [1, 1, 1], { acl: ['list'], handler: lrangeCommand }),
  cmd('ltrim', 4, ['write'], [1, 1, 1], { acl: ['list'], handler: ltrimCommand }),
  cmd('lpos', -3, ['readonly'], [1, 1, 1], { acl: ['list'], handler: lposCommand }),
  cmd('lrem', 4, ['write'], [1, 1, 1], { acl: ['list'], handler: lremCommand }),
  cmd('rpoplpush', 3, ['write', 'denyoom'], [1, 2, 1], { acl: ['list'], handler: (c, argv) => lmoveGeneric(c, argv, LIST_TAIL, LIST_HEAD) }),
  cmd('lmove', 5, ['write', 'denyoom'], [1, 2, 1], { acl: ['list'], handler: lmoveCommand }),
];
