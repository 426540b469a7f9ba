/**
 * HyperLogLog commands (hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFSELFTEST
 * and PFDEBUG. The HLL is an ordinary string value (store/hll.ts holds the
 * representation), so GET/SET/SETRANGE see and change the same bytes
 * redis-server would hold.
 */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { lookupRead, lookupWrite } from './db-ops.js';
import { NOTIFY_STRING } from '../server/notify.js';
import { byteAt, isString, type RBytes, type RValue } from '../store/types.js';
import {
  Hll,
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_INVALID_ERR,
  HLL_REGISTERS,
  HLL_REGISTER_MAX,
  HLL_SPARSE,
  HLL_WRONGTYPE_ERR,
  cachedCard,
  decodeSparse,
  denseGet,
  denseSetRaw,
  hllBytes,
  hllCount,
  hllCountRaw,
  hllMerge,
  hllPatLen,
  hllPatLenBytes,
  invalidateCache,
  isHll,
  patIndex,
  setCachedCard,
  sparseKeeps,
  tailByte,
} from '../store/hll.js';

/** isHLLObjectOrReply(): the value as a valid HLL string, or throw. */
function hllValue(v: RValue): RBytes {
  if (!isString(v)) throw new RedisError(Errors.wrongType);
  if (typeof v === 'number' || !isHll(v)) throw new RedisError(HLL_WRONGTYPE_ERR);
  return v;
}

function sparseMaxBytes(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

/**
 * Store the HLL `h` at `key`: a new key (dbAdd, "new" event) or the new
 * Buffer replacing `old` (dense HLLs are changed in place when possible).
 */
function storeHll(c: Client, key: string, h: Hll, old: RBytes | undefined): void {
  const out = h.value();
  if (old === undefined) {
    c.db.add(key, out);
    c.server.keyAdded(c.db, key);
  } else if (out !== old) {
    c.db.setValue(key, out);
  }
}

/** True when `v` is a sparse HLL that adding argv[2..] would leave unchanged. */
function sparseUnchangedBy(v: RBytes, argv: string[]): boolean {
  if (byteAt(v, 4) !== HLL_SPARSE) return false;
  for (let j = 2; j < argv.length; j++) {
    const count = hllPatLen(argv[j]);
    if (!sparseKeeps(v, patIndex, count)) return false;
  }
  return true;
}

/** PFADD key [element ...]: 1 if a register changed (or the key was created). */
function pfaddCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const v = lookupWrite(c, key);
  let old: RBytes | undefined;
  let h: Hll;
  let updated = 0;
  if (v === undefined) {
    h = Hll.create();
    updated++;
  } else {
    old = hllValue(v);
    // Elements already counted change nothing: no working copy is made.
    if (sparseUnchangedBy(old, argv)) {
      c.addReplyLongLong(0);
      return;
    }
    h = Hll.from(old);
  }
  h.maxBytes = sparseMaxBytes(c);
  let corrupted = false;
  for (let j = 2; j < argv.length; j++) {
    const r = h.add(argv[j]);
    if (r === 1) updated++;
    else if (r === -1) {
      corrupted = true;
      break;
    }
  }
  // Registers changed before a corrupted opcode was met stay changed.
  if (updated > 0) {
    if (!corrupted) invalidateCache(h.b);
    storeHll(c, key, h, old);
  }
  if (corrupted) throw new RedisError(HLL_INVALID_ERR);
  if (updated > 0) {
    const db = c.db;
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'pfadd', key, db.id);
    c.server.dirty += updated;
  }
  c.addReplyLongLong(updated > 0 ? 1 : 0);
}

const mergeRegs = new Uint8Array(HLL_REGISTERS);

/**
 * Merge the HLLs at argv[from..] into `mergeRegs` (missing keys count as
 * empty); returns true if one of them is dense.
 */
function mergeKeys(c: Client, argv: string[], from: number): boolean {
  mergeRegs.fill(0);
  let dense = false;
  for (let j = from; j < argv.length; j++) {
    const v = lookupRead(c, argv[j]);
    if (v === undefined) continue;
    const s = hllValue(v);
    const b = hllBytes(s);
    if (b[4] === HLL_DENSE) dense = true;
    if (!hllMerge(mergeRegs, b, b.length, tailByte(s))) throw new RedisError(HLL_INVALID_ERR);
  }
  return dense;
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality, or a fresh
 * estimate written back to the header (a change of the value, so it is
 * signalled and propagated although PFCOUNT is a read command). Several
 * keys: the estimate of their union, nothing is written.
 */
function pfcountCommand(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    mergeKeys(c, argv, 1);
    c.addReplyLongLong(hllCountRaw(mergeRegs));
    return;
  }
  const key = argv[1];
  const v = lookupRead(c, key);
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const s = hllValue(v);
  const b = hllBytes(s);
  const cached = cachedCard(b);
  if (cached !== -1) {
    c.addReplyLongLong(cached);
    return;
  }
  const invalid = { v: false };
  const card = hllCount(b, b.length, invalid, tailByte(s));
  if (invalid.v) throw new RedisError(HLL_INVALID_ERR);
  const db = c.db;
  db.beforeChange(key);
  const buf = db.writableString(key, s, s.length);
  setCachedCard(buf, card);
  c.server.signalModifiedKey(c, db, key);
  c.server.dirty++;
  c.ext.forcePropagation = true;
  c.addReplyLongLong(card);
}

/** PFMERGE destkey [sourcekey ...]: dest = union of dest and the sources. */
function pfmergeCommand(c: Client, argv: string[]): void {
  const useDense = mergeKeys(c, argv, 1);
  const key = argv[1];
  const v = lookupWrite(c, key);
  let old: RBytes | undefined;
  let h: Hll;
  if (v === undefined) {
    h = Hll.create();
  } else {
    // Checked by the merge above.
    old = v as RBytes;
    h = Hll.from(old);
  }
  h.maxBytes = sparseMaxBytes(c);
  if (useDense && !h.toDense()) {
    if (old === undefined) storeHll(c, key, h, old);
    throw new RedisError(HLL_INVALID_ERR);
  }
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (mergeRegs[j] !== 0) h.set(j, mergeRegs[j]);
  }
  invalidateCache(h.b);
  storeHll(c, key, h, old);
  const db = c.db;
  c.server.signalModifiedKey(c, db, key);
  // A merge is a mass add: it fires the "pfadd" event.
  c.server.notifyKeyspaceEvent(NOTIFY_STRING, 'pfadd', key, db.id);
  c.server.dirty++;
  c.addReplyStatus('OK');
}

const HLL_TEST_CYCLES = 1000;

/** PFSELFTEST: the register accessors and the estimator's error bounds. */
function pfselftestCommand(c: Client): void {
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  // Test 1: registers keep their values and do not disturb their neighbours.
  for (let j = 0; j < HLL_TEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) & HLL_REGISTER_MAX;
      bytecounters[i] = r;
      denseSetRaw(dense, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, HLL_HDR_SIZE, i);
      if (val !== bytecounters[i]) {
        throw new RedisError(`TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`);
      }
    }
  }
  // Test 2: the estimate stays within a few standard errors, and the
  // dense and sparse encodings agree.
  dense.fill(0);
  dense[4] = HLL_DENSE;
  const o = Hll.create();
  const maxBytes = sparseMaxBytes(c);
  o.maxBytes = maxBytes;
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = (Math.random() * 0x100000000) >>> 0;
  const seedHi = (Math.random() * 0x100000000) >>> 0;
  const ele = Buffer.alloc(8);
  ele.writeUInt32LE(seedHi, 4);
  for (let j = 1; j <= 10000000; j++) {
    ele.writeUInt32LE((j ^ seedLo) >>> 0, 0);
    const count = hllPatLenBytes(ele, 0, 8);
    const index = patIndex;
    if (count > denseGet(dense, HLL_HDR_SIZE, index)) denseSetRaw(dense, HLL_HDR_SIZE, index, count);
    o.set(index, count);
    if (j === checkpoint) {
      if (j < maxBytes / 2 && o.encoding !== HLL_SPARSE) {
        throw new RedisError('TESTFAILED sparse encoding not used');
      }
      const card = hllCount(dense, HLL_DENSE_SIZE);
      if (card !== o.count()) throw new RedisError('TESTFAILED dense/sparse disagree');
      let maxerr = Math.ceil(relerr * 6 * checkpoint);
      // Collisions make a larger error at 10 statistically likely.
      if (j === 10) maxerr = 1;
      const abserr = Math.abs(checkpoint - card);
      if (abserr > maxerr) {
        throw new RedisError(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
      }
      checkpoint *= 10;
    }
  }
  c.addReplyStatus('OK');
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. */
function pfdebugCommand(c: Client, argv: string[]): void {
  const sub = argv[1];
  const key = argv[2];
  const v = lookupWrite(c, key);
  if (v === undefined) throw new RedisError('The specified key does not exist');
  const s = hllValue(v);
  const lower = sub.toLowerCase();
  /** hllSparseToDense() of the key's value, stored; the dense bytes. */
  const toDense = (): Uint8Array => {
    const h = Hll.from(s);
    if (!h.toDense()) throw new RedisError(HLL_INVALID_ERR);
    storeHll(c, key, h, s);
    // The encoding change is propagated.
    c.server.dirty++;
    return h.b;
  };
  if (lower === 'getreg') {
    let b = hllBytes(s);
    if (b[4] === HLL_SPARSE) b = toDense();
    c.addReplyArrayLen(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) c.addReplyLongLong(denseGet(b, HLL_HDR_SIZE, j));
  } else if (lower === 'decode') {
    const b = hllBytes(s);
    if (b[4] !== HLL_SPARSE) throw new RedisError('HLL encoding is not sparse');
    c.addReplyBulk(decodeSparse(b, b.length, tailByte(s)));
  } else if (lower === 'encoding') {
    const enc = byteAt(s, 4);
    c.addReplyStatus(enc === HLL_DENSE ? 'dense' : 'sparse');
  } else if (lower === 'todense') {
    const enc = byteAt(s, 4);
    let conv = 0;
    if (enc === HLL_SPARSE) {
      toDense();
      conv = 1;
    }
    c.addReplyLongLong(conv);
  } else {
    throw new RedisError(`Unknown PFDEBUG subcommand '${sub}'`);
  }
}

export const hyperloglogCommands: CommandSpec[] = [
  cmd('pfselftest', 1, ['admin'], [0, 0, 0], { acl: ['hyperloglog'], handler: pfselftestCommand }),
  cmd('pfadd', -2, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['hyperloglog'], handler: pfaddCommand }),
  // may_replicate (hidden by COMMAND INFO): a count may store the cached cardinality.
  cmd('pfcount', -2, ['readonly', 'may_replicate'], [1, -1, 1], { acl: ['hyperloglog'], handler: pfcountCommand }),
  cmd('pfmerge', -2, ['write', 'denyoom'], [1, -1, 1], { acl: ['hyperloglog'], handler: pfmergeCommand }),
  cmd('pfdebug', 3, ['write', 'denyoom', 'admin'], [2, 2, 1], { acl: ['hyperloglog'], handler: pfdebugCommand }),
];
