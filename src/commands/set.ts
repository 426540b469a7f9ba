/** Set commands (t_set.c). */
import type { Client } from '../server/client.js';
import { CLIENT_CLOSE_ASAP } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getLongLong } from './args.js';
import { dbAdd, dbDelete, lookupRead, lookupWrite, setKey } from './db-ops.js';
import { parseScanArgs, parseScanCursor, replyScan, scanDict, scanFilter } from './keys.js';
import { parseRandomCount, tokenIs } from './hash.js';
import { NOTIFY_GENERIC, NOTIFY_SET } from '../server/notify.js';
import { RSet, intsetLimit } from '../store/set.js';
import type { RBytes, RValue } from '../store/types.js';
import { string2ll } from '../util/numbers.js';

/** SPOP_MOVE_STRATEGY_MUL: rebuild the set when popping most of it. */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER_SUB_STRATEGY_MUL: copy and thin out when asking for most of it. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;

const SET_OP_UNION = 0;
const SET_OP_DIFF = 1;

/** checkType() for sets. */
function asSet(v: RValue | undefined): RSet | undefined {
  return asType<RSet>(v, 'set');
}

function maxIntset(c: Client): number {
  return intsetLimit(c.server.config);
}

function saddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  let set = asSet(lookupWrite(c, key));
  if (set === undefined) {
    set = RSet.create(argv[2]);
    dbAdd(c, c.db, key, set);
  }
  const max = maxIntset(c);
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (set.add(argv[j], max)) added++;
  if (added > 0) {
    c.server.signalModifiedKey(c, c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_SET, 'sadd', key, c.db.id);
  }
  c.server.dirty += added;
  c.addReplyLongLong(added);
}

function sremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const set = asSet(lookupWrite(c, key));
  if (set === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (set.remove(argv[j])) {
      deleted++;
      if (set.size === 0) {
        dbDelete(c, c.db, key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.server.signalModifiedKey(c, c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_SET, 'srem', key, c.db.id);
    if (keyRemoved) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, c.db.id);
    c.server.dirty += deleted;
  }
  c.addReplyLongLong(deleted);
}

function smoveCommand(c: Client, argv: string[]): void {
  const srcKey = argv[1];
  const dstKey = argv[2];
  const ele = argv[3];
  const srcVal = lookupWrite(c, srcKey);
  const dstVal = lookupWrite(c, dstKey);
  if (srcVal === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const src = asSet(srcVal)!;
  let dst = asSet(dstVal);
  if (src === dst) {
    c.addReplyLongLong(src.has(ele) ? 1 : 0);
    return;
  }
  if (!src.remove(ele)) {
    c.addReplyLongLong(0);
    return;
  }
  const db = c.db;
  c.server.notifyKeyspaceEvent(NOTIFY_SET, 'srem', srcKey, db.id);
  if (src.size === 0) {
    dbDelete(c, db, srcKey);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', srcKey, db.id);
  }
  if (dst === undefined) {
    dst = RSet.create(ele);
    dbAdd(c, db, dstKey, dst);
  }
  c.server.signalModifiedKey(c, db, srcKey);
  c.server.dirty++;
  if (dst.add(ele, maxIntset(c))) {
    c.server.dirty++;
    c.server.signalModifiedKey(c, db, dstKey);
    c.server.notifyKeyspaceEvent(NOTIFY_SET, 'sadd', dstKey, db.id);
  }
  c.addReplyLongLong(1);
}

function sismemberCommand(c: Client, argv: string[]): void {
  const set = asSet(lookupRead(c, argv[1]));
  c.addReplyLongLong(set !== undefined && set.has(argv[2]) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: string[]): void {
  const set = asSet(lookupRead(c, argv[1]));
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.addReplyLongLong(set !== undefined && set.has(argv[j]) ? 1 : 0);
}

function scardCommand(c: Client, argv: string[]): void {
  const set = asSet(lookupRead(c, argv[1]));
  c.addReplyLongLong(set === undefined ? 0 : set.size);
}

/** SPOP key count. */
function spopWithCount(c: Client, argv: string[]): void {
  const l = getLongLong(argv[2], 'value is out of range, must be positive');
  if (l < 0) throw new RedisError('value is out of range, must be positive');
  const count = l;
  const key = argv[1];
  const set = asSet(lookupWrite(c, key));
  if (set === undefined) {
    c.addReplySetLen(0);
    return;
  }
  if (count === 0) {
    c.addReplySetLen(0);
    return;
  }
  const db = c.db;
  const size = set.size;
  c.server.notifyKeyspaceEvent(NOTIFY_SET, 'spop', key, db.id);
  c.server.dirty += count >= size ? size : count;

  // The whole set: reply as SUNION of it, then delete it.
  if (count >= size) {
    sunionDiffGeneric(c, [key], null, SET_OP_UNION);
    dbDelete(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.ext.propagateArgv = ['DEL', key];
    c.server.signalModifiedKey(c, db, key);
    return;
  }

  // Replicated as one SREM per popped member.
  const popped: string[] = [];
  c.addReplySetLen(count);
  let remaining = size - count;
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // Few to pop: extract random members one by one.
    for (let i = 0; i < count; i++) {
      const m = set.popRandom();
      c.addReplyBulk(m);
      popped.push(m);
    }
  } else {
    // Most of the set goes: move the members that stay into a new set and
    // return what is left in the old one.
    let kept: RSet | null = null;
    const max = maxIntset(c);
    while (remaining-- > 0) {
      const m = set.popRandom();
      if (kept === null) kept = RSet.create(m);
      kept.add(m, max);
    }
    set.forEach((m) => {
      c.addReplyBulk(m);
      popped.push(m);
    });
    set.adopt(kept!);
  }
  const many: string[][] = new Array(popped.length);
  for (let i = 0; i < popped.length; i++) many[i] = ['SREM', key, popped[i]];
  c.ext.propagateMany = many;
  c.server.signalModifiedKey(c, db, key);
}

function spopCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    throw new RedisError(Errors.syntax);
  }
  const key = argv[1];
  const set = asSet(lookupWrite(c, key));
  if (set === undefined) {
    c.addReplyNull();
    return;
  }
  const db = c.db;
  const ele = set.popRandom();
  c.server.notifyKeyspaceEvent(NOTIFY_SET, 'spop', key, db.id);
  c.ext.propagateArgv = ['SREM', key, ele];
  c.addReplyBulk(ele);
  if (set.size === 0) {
    dbDelete(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  c.server.signalModifiedKey(c, db, key);
  c.server.dirty++;
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = parseRandomCount(argv[2]);
  const uniq = l >= 0n;
  const count = Number(uniq ? l : -l);
  const set = asSet(lookupRead(c, argv[1]));
  if (set === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  const size = set.size;
  if (count === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  // Repetitions allowed (negative count), or a single pick.
  if (!uniq || count === 1) {
    c.addReplyArrayLen(count);
    for (let i = 0; i < count; i++) {
      c.addReplyBulk(set.randomMember());
      if (c.flags & CLIENT_CLOSE_ASAP) break;
    }
    return;
  }
  // The whole set.
  if (count >= size) {
    c.addReplyArrayLen(size);
    set.forEach((m) => c.addReplyBulk(m));
    return;
  }
  let out: string[];
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // Most of the set: copy it and drop random members.
    out = set.members();
    let n = size;
    while (n > count) {
      const i = Math.floor(Math.random() * n);
      out[i] = out[--n];
    }
    out.length = count;
  } else {
    const picked = new Set<string>();
    while (picked.size < count) picked.add(set.randomMember());
    out = Array.from(picked);
  }
  c.addReplyArrayLen(count);
  for (let i = 0; i < out.length; i++) c.addReplyBulk(out[i]);
}

function srandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    throw new RedisError(Errors.syntax);
  }
  const set = asSet(lookupRead(c, argv[1]));
  if (set === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyBulk(set.randomMember());
}

/** Delete a *STORE destination for an empty result (as Redis: dirty, del event). */
function deleteEmptyDestination(c: Client, dstKey: string): void {
  if (dbDelete(c, c.db, dstKey)) {
    c.server.dirty++;
    c.server.signalModifiedKey(c, c.db, dstKey);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', dstKey, c.db.id);
  }
}

/**
 * sinterGenericCommand(): SINTER, SMEMBERS, SINTERSTORE (dstKey) and
 * SINTERCARD (cardinalityOnly, stopping at `limit` when non-zero).
 */
function sinterGeneric(
  c: Client,
  keys: readonly string[],
  dstKey: string | null,
  cardinalityOnly: boolean,
  limit: number,
): void {
  const sets: RSet[] = [];
  let empty = false;
  for (let j = 0; j < keys.length; j++) {
    const s = asSet(lookupRead(c, keys[j]));
    if (s === undefined) empty = true;
    else sets.push(s);
  }
  if (empty) {
    if (dstKey !== null) {
      deleteEmptyDestination(c, dstKey);
      c.addReplyLongLong(0);
    } else if (cardinalityOnly) {
      c.addReplyLongLong(0);
    } else {
      c.addReplySetLen(0);
    }
    return;
  }
  // Smallest first (a stable sort, like glibc's merge-sorting qsort).
  sets.sort((a, b) => a.size - b.size);
  const first = sets[0];
  const dst = dstKey !== null ? RSet.createIntset() : null;
  const max = maxIntset(c);
  const found: string[] = [];
  let cardinality = 0;
  const n = sets.length;
  // The first set is visited in place (a STORE destination is a new set),
  // and SINTERCARD stops at its LIMIT without walking the rest.
  first.someMember((m) => {
    for (let j = 1; j < n; j++) {
      const s = sets[j];
      if (s !== first && !s.has(m)) return false;
    }
    if (cardinalityOnly) {
      cardinality++;
      return limit !== 0 && cardinality >= limit;
    }
    if (dst === null) found.push(m);
    else dst.add(m, max);
    return false;
  });
  if (cardinalityOnly) {
    c.addReplyLongLong(cardinality);
  } else if (dst !== null) {
    if (dst.size > 0) {
      setKey(c, c.db, dstKey!, dst);
      c.addReplyLongLong(dst.size);
      c.server.notifyKeyspaceEvent(NOTIFY_SET, 'sinterstore', dstKey!, c.db.id);
      c.server.dirty++;
    } else {
      c.addReplyLongLong(0);
      deleteEmptyDestination(c, dstKey!);
    }
  } else {
    c.addReplySetLen(found.length);
    for (let i = 0; i < found.length; i++) c.addReplyBulk(found[i]);
  }
}

/** sunionDiffGenericCommand(): SUNION, SDIFF and their STORE variants. */
function sunionDiffGeneric(c: Client, keys: readonly string[], dstKey: string | null, op: number): void {
  const n = keys.length;
  const sets: (RSet | null)[] = new Array(n);
  let sameSet = false;
  for (let j = 0; j < n; j++) {
    const s = asSet(lookupRead(c, keys[j]));
    sets[j] = s === undefined ? null : s;
    if (j > 0 && s !== undefined && sets[0] === s) sameSet = true;
  }
  // DIFF: algorithm 1 tests each member of the first set against the
  // others; algorithm 2 adds the first set and removes the others. The
  // choice shows in the encoding of the result, so it is made as Redis does.
  let diffAlgo = 1;
  if (op === SET_OP_DIFF && sets[0] !== null && !sameSet) {
    let one = 0;
    let two = 0;
    for (let j = 0; j < n; j++) {
      const s = sets[j];
      if (s === null) continue;
      one += sets[0].size;
      two += s.size;
    }
    one = Math.floor(one / 2);
    diffAlgo = one <= two ? 1 : 2;
    if (diffAlgo === 1 && n > 1) {
      const rest = sets.slice(1);
      rest.sort((a, b) => (b === null ? 0 : b.size) - (a === null ? 0 : a.size));
      for (let j = 1; j < n; j++) sets[j] = rest[j - 1];
    }
  }
  const dst = RSet.createIntset();
  const max = maxIntset(c);
  if (op === SET_OP_UNION) {
    for (let j = 0; j < n; j++) {
      const s = sets[j];
      if (s === null) continue;
      s.forEach((m) => {
        dst.add(m, max);
      });
    }
  } else if (sameSet) {
    // The first set is subtracted from itself: empty.
  } else if (sets[0] !== null && diffAlgo === 1) {
    const first = sets[0];
    first.forEach((m) => {
      for (let j = 1; j < n; j++) {
        const s = sets[j];
        if (s === null) continue;
        if (s === first || s.has(m)) return;
      }
      dst.add(m, max);
    });
  } else if (sets[0] !== null) {
    for (let j = 0; j < n; j++) {
      const s = sets[j];
      if (s === null) continue;
      if (j === 0) {
        s.forEach((m) => {
          dst.add(m, max);
        });
      } else {
        s.forEach((m) => {
          dst.remove(m);
        });
      }
      if (dst.size === 0) break;
    }
  }
  if (dstKey === null) {
    c.addReplySetLen(dst.size);
    dst.forEach((m) => c.addReplyBulk(m));
    return;
  }
  if (dst.size > 0) {
    setKey(c, c.db, dstKey, dst);
    c.addReplyLongLong(dst.size);
    c.server.notifyKeyspaceEvent(NOTIFY_SET, op === SET_OP_UNION ? 'sunionstore' : 'sdiffstore', dstKey, c.db.id);
    c.server.dirty++;
  } else {
    c.addReplyLongLong(0);
    deleteEmptyDestination(c, dstKey);
  }
}

function sintercardCommand(c: Client, argv: string[]): void {
  const numkeys = getLongLong(argv[1], 'numkeys should be greater than 0');
  if (numkeys < 1) throw new RedisError('numkeys should be greater than 0');
  if (numkeys > argv.length - 2) throw new RedisError("Number of keys can't be greater than number of args");
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    if (tokenIs(argv[j], 'limit') && moreArgs > 0) {
      j++;
      limit = getLongLong(argv[j], "LIMIT can't be negative");
      if (limit < 0) throw new RedisError("LIMIT can't be negative");
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, true, limit);
}

/** sintercardGetKeys(): the numkeys keys after argv[1]. */
function sintercardGetKeys(argv: string[]): number[] {
  const numkeys = argv.length > 1 ? string2ll(argv[1]) : null;
  if (numkeys === null || numkeys < 1 || numkeys > argv.length - 2) return [];
  const out: number[] = [];
  for (let i = 0; i < numkeys; i++) out.push(2 + i);
  return out;
}

function sscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  const set = asSet(lookupRead(c, argv[1]));
  if (set === undefined) {
    replyScan(c, 0, []);
    return;
  }
  const args = parseScanArgs(argv, 3, false);
  const d = set.dict;
  let items: RBytes[];
  let next: number;
  if (d === null) {
    items = set.members();
    next = 0;
  } else {
    items = [];
    next = scanDict(d, cursor, args.count, items, (k, _v, out) => {
      out.push(k);
    });
  }
  replyScan(c, next, scanFilter(items, args.pattern));
}

export const setCommands: CommandSpec[] = [
  cmd('sadd', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['set'], handler: saddCommand }),
  cmd('srem', -3, ['write', 'fast'], [1, 1, 1], { acl: ['set'], handler: sremCommand }),
  cmd('smove', 4, ['write', 'fast'], [1, 2, 1], { acl: ['set'], handler: smoveCommand }),
  cmd('sismember', 3, ['readonly', 'fast'], [1, 1, 1], { acl: ['set'], handler: sismemberCommand }),
  cmd('smismember', -3, ['readonly', 'fast'], [1, 1, 1], { acl: ['set'], handler: smismemberCommand }),
  cmd('scard', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['set'], handler: scardCommand }),
  cmd('spop', -2, ['write', 'fast'], [1, 1, 1], { acl: ['set'], handler: spopCommand }),
  cmd('srandmember', -2, ['readonly'], [1, 1, 1], { acl: ['set'], handler: srandmemberCommand }),
  cmd('sinter', -2, ['readonly'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sinterGeneric(c, argv.slice(1), null, false, 0),
  }),
  cmd('sintercard', -3, ['readonly', 'movablekeys'], [0, 0, 0], {
    acl: ['set'],
    handler: sintercardCommand,
    getKeys: sintercardGetKeys,
  }),
  cmd('sinterstore', -3, ['write', 'denyoom'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sinterGeneric(c, argv.slice(2), argv[1], false, 0),
  }),
  cmd('sunion', -2, ['readonly'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, SET_OP_UNION),
  }),
  cmd('sunionstore', -3, ['write', 'denyoom'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], SET_OP_UNION),
  }),
  cmd('sdiff', -2, ['readonly'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sunionDiffGeneric(c, argv.slice(1), null, SET_OP_DIFF),
  }),
  cmd('sdiffstore', -3, ['write', 'denyoom'], [1, -1, 1], {
    acl: ['set'],
    handler: (c, argv) => sunionDiffGeneric(c, argv.slice(2), argv[1], SET_OP_DIFF),
  }),
  cmd('smembers', 2, ['readonly'], [1, 1, 1], {
    acl: ['set'],
    handler: (c, argv) => sinterGeneric(c, argv.slice(1), null, false, 0),
  }),
  cmd('sscan', -3, ['readonly'], [1, 1, 1], { acl: ['set'], handler: sscanCommand }),
];
