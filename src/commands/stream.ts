/** Stream commands (t_stream.c). */
import type { Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, eqi, getLongLong } from './args.js';
import { dbAdd, lookupRead, lookupWrite } from './db-ops.js';
import { mustObeyClient } from './string.js';
import { NOTIFY_STREAM } from '../server/notify.js';
import type { RValue } from '../store/types.js';
import type { Db } from '../store/db.js';
import {
  RStream,
  sortedConsumers,
  ID_MASK,
  MAX_ID,
  idMs,
  idSeq,
  idToString,
  makeId,
  SCG_INVALID_ENTRIES_READ,
  type StreamCG,
  type StreamConsumer,
  type StreamID,
  type StreamNACK,
} from '../store/stream.js';
import { Blocking, BLOCKED_STREAM, SERVE_DONE, SERVE_SKIP, registerServeFn, registerKeyGoneFn, type BlockInfo } from '../server/blocking.js';
import { string2llBig } from '../util/numbers.js';

const U64_MAX = ID_MASK;
const LLONG_MAX = (1n << 63n) - 1n;

function asStream(v: RValue | undefined): RStream | undefined {
  return asType<RStream>(v, 'stream');
}

/** A C string: the bytes before the first NUL. */
function cstr(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

// ---- IDs -------------------------------------------------------------------------

const INVALID_ID = 'Invalid stream ID specified as stream command argument';

/** string2ull(): string2ll, else strtoull() (spaces, sign, wrap-around of negatives). */
function string2ull(s: string): bigint | null {
  const ll = string2llBig(s);
  if (ll !== null) return ll < 0n ? null : ll;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return null;
  const v = BigInt(m[2]);
  if (v > U64_MAX) return null;
  return m[1] === '-' ? (U64_MAX + 1n - v) & U64_MAX : v;
}

interface ParsedId {
  id: StreamID;
  seqGiven: boolean;
}

/**
 * streamGenericParseIDOrReply(). `seqAllowed` enables the `ms-*` form
 * (XADD); seqGiven is false for it.
 */
function parseIdGeneric(arg: string, missingSeq: bigint, strict: boolean, seqAllowed: boolean): ParsedId {
  if (arg.length > 127) throw new RedisError(INVALID_ID);
  const buf = cstr(arg);
  if (strict && (buf === '-' || buf === '+')) throw new RedisError(INVALID_ID);
  if (buf === '-') return { id: 0n, seqGiven: true };
  if (buf === '+') return { id: MAX_ID, seqGiven: true };
  const dot = buf.indexOf('-');
  const msPart = dot === -1 ? buf : buf.slice(0, dot);
  const ms = string2ull(msPart);
  if (ms === null) throw new RedisError(INVALID_ID);
  let seq: bigint;
  let seqGiven = true;
  if (dot !== -1) {
    const rest = buf.slice(dot + 1);
    if (seqAllowed && rest === '*') {
      seq = 0n;
      seqGiven = false;
    } else {
      const v = string2ull(rest);
      if (v === null) throw new RedisError(INVALID_ID);
      seq = v;
    }
  } else {
    seq = missingSeq;
  }
  return { id: makeId(ms, seq), seqGiven };
}

function parseId(arg: string, missingSeq: bigint): StreamID {
  return parseIdGeneric(arg, missingSeq, false, false).id;
}

function parseStrictId(arg: string, missingSeq: bigint): StreamID {
  return parseIdGeneric(arg, missingSeq, true, false).id;
}

/** streamParseIntervalIDOrReply(). */
function parseIntervalId(arg: string, missingSeq: bigint): { id: StreamID; exclude: boolean } {
  if (arg.length > 1 && arg[0] === '(') return { id: parseStrictId(arg.slice(1), missingSeq), exclude: true };
  return { id: parseId(arg, missingSeq), exclude: false };
}

/** streamIncrID(): null when it wraps. */
function incrId(id: StreamID): StreamID | null {
  return id === MAX_ID ? null : id + 1n;
}

function decrId(id: StreamID): StreamID | null {
  return id === 0n ? null : id - 1n;
}

/** streamNextID(). */
function nextId(last: StreamID, now: number): StreamID {
  const ms = BigInt(now);
  if (ms > idMs(last)) return makeId(ms, 0n);
  return last === MAX_ID ? 0n : last + 1n;
}

function nodeLimits(c: Client): { maxBytes: number; maxEntries: number } {
  const cfg = c.server.config;
  return { maxBytes: cfg.num('stream-node-max-bytes'), maxEntries: cfg.num('stream-node-max-entries') };
}

// ---- replies ---------------------------------------------------------------------

function replyEntry(c: Client, id: StreamID, fv: string[]): void {
  c.addReplyArrayLen(2);
  c.addReplyBulk(idToString(id));
  c.addReplyArrayLen(fv.length);
  for (let i = 0; i < fv.length; i++) c.addReplyBulk(fv[i]);
}

interface PropInfo {
  key: string;
  group: string;
}

/** Effects of XREADGROUP to propagate (XCLAIM / XGROUP SETID / CREATECONSUMER). */
function addPropagation(c: Client, argv: string[]): void {
  const many = (c.ext.propagateMany as string[][] | undefined) ?? [];
  many.push(argv);
  c.ext.propagateMany = many;
}

function propagateTo(c: Client, db: Db, argv: string[], served: boolean): void {
  if (served) c.server.propagate(db.id, argv);
  else addPropagation(c, argv);
}

/** streamPropagateXCLAIM(). */
function xclaimArgv(key: string, group: StreamCG, groupname: string, id: StreamID, nack: StreamNACK): string[] {
  return [
    'XCLAIM', key, groupname, nack.consumer.name, '0', idToString(id), 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idToString(group.lastId),
  ];
}

/** streamPropagateGroupID(). */
function setidArgv(key: string, group: StreamCG, groupname: string): string[] {
  return ['XGROUP', 'SETID', key, groupname, idToString(group.lastId), 'ENTRIESREAD', String(group.entriesRead)];
}

const RWR_NOACK = 1;
const RWR_HISTORY = 4;

/** streamEstimateDistanceFromFirstEverEntry(). */
function estimateDistance(s: RStream, id: StreamID): number {
  if (!s.entriesAdded) return 0;
  if (!s.length && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return SCG_INVALID_ENTRIES_READ;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - s.length;
    if (id === s.firstId) return s.entriesAdded - s.length + 1;
  }
  return SCG_INVALID_ENTRIES_READ;
}

/** streamRangeHasTombstones() with end = +inf. */
function hasTombstonesFrom(s: RStream, start: StreamID): boolean {
  if (!s.length || s.maxDeletedId === 0n) return false;
  if (s.firstId > s.maxDeletedId) return false;
  return start <= s.maxDeletedId;
}

interface ReplyRangeOpts {
  group?: StreamCG;
  consumer?: StreamConsumer;
  flags?: number;
  spi?: PropInfo;
  /** Propagate directly (serving a blocked client) instead of through the command. */
  served?: boolean;
  db?: Db;
}

/** streamReplyWithRange() for the normal (non-raw) case. */
function replyWithRange(c: Client, s: RStream, start: StreamID, end: StreamID, count: number, rev: boolean, o: ReplyRangeOpts = {}): number {
  const group = o.group;
  const flags = o.flags ?? 0;
  const noack = (flags & RWR_NOACK) !== 0;
  if (group !== undefined && flags & RWR_HISTORY) return replyFromConsumerPel(c, s, start, end, count, o.consumer!);
  const h = c.addReplyDeferredLen();
  let n = 0;
  let propagateLastId = false;
  const now = c.server.now();
  const db = o.db ?? c.db;
  for (const e of s.range(rev ? start : start, end, rev)) {
    const id = e.id;
    if (group !== undefined && id > group.lastId) {
      if (group.entriesRead !== SCG_INVALID_ENTRIES_READ && !hasTombstonesFrom(s, id)) group.entriesRead++;
      else if (s.entriesAdded) group.entriesRead = estimateDistance(s, id);
      group.lastId = id;
      if (noack) propagateLastId = true;
    }
    replyEntry(c, id, e.fv);
    if (group !== undefined && !noack) {
      const consumer = o.consumer!;
      let nack = group.pel.get(id);
      if (nack === undefined) {
        nack = { deliveryTime: now, deliveryCount: 1, consumer };
        group.pel.set(id, nack);
        consumer.pel.set(id, nack);
      } else {
        nack.consumer.pel.delete(id);
        nack.consumer = consumer;
        nack.deliveryTime = now;
        nack.deliveryCount = 1;
        consumer.pel.set(id, nack);
      }
      if (o.spi !== undefined) propagateTo(c, db, xclaimArgv(o.spi.key, group, o.spi.group, id, nack), o.served === true);
    }
    n++;
    if (count && count === n) break;
  }
  if (o.spi !== undefined && propagateLastId) propagateTo(c, db, setidArgv(o.spi.key, group!, o.spi.group), o.served === true);
  c.setDeferredArrayLen(h, n);
  return n;
}

/** streamReplyWithRangeFromConsumerPEL(). */
function replyFromConsumerPel(c: Client, s: RStream, start: StreamID, end: StreamID, count: number, consumer: StreamConsumer): number {
  const h = c.addReplyDeferredLen();
  let n = 0;
  const now = c.server.now();
  for (const id of consumer.pel.range(start, end, count)) {
    const e = s.get(id);
    if (e === undefined) {
      c.addReplyArrayLen(2);
      c.addReplyBulk(idToString(id));
      c.addReplyNullArray();
    } else {
      replyEntry(c, id, e.fv);
      const nack = consumer.pel.get(id)!;
      nack.deliveryTime = now;
      nack.deliveryCount++;
    }
    n++;
  }
  c.setDeferredArrayLen(h, n);
  return n;
}

// ---- XADD / XTRIM argument parsing ------------------------------------------------

const TRIM_NONE = 0;
const TRIM_MAXLEN = 1;
const TRIM_MINID = 2;

interface AddTrimArgs {
  id: StreamID;
  idGiven: boolean;
  seqGiven: boolean;
  noMkstream: boolean;
  strategy: number;
  argIdx: number;
  approx: boolean;
  limit: number;
  maxlen: number;
  minid: StreamID;
}

/** streamParseAddOrTrimArgsOrReply(): returns the index of the ID (XADD) or of the end. */
function parseAddOrTrimArgs(c: Client, argv: string[], xadd: boolean): [AddTrimArgs, number] {
  const a: AddTrimArgs = {
    id: 0n, idGiven: false, seqGiven: false, noMkstream: false, strategy: TRIM_NONE, argIdx: 0, approx: false, limit: 0, maxlen: 0, minid: 0n,
  };
  let limitGiven = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = cstr(argv[i]).toLowerCase();
    if (xadd && opt === '*') {
      break;
    } else if ((opt === 'maxlen' || opt === 'minid') && moreargs) {
      if (a.strategy !== TRIM_NONE) throw new RedisError('syntax error, MAXLEN and MINID options at the same time are not compatible');
      a.approx = false;
      const next = cstr(argv[i + 1]);
      if (moreargs >= 2 && next === '~') {
        a.approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      if (opt === 'maxlen') {
        a.maxlen = getLongLong(argv[i + 1]);
        if (a.maxlen < 0) throw new RedisError('The MAXLEN argument must be >= 0.');
        a.strategy = TRIM_MAXLEN;
      } else {
        a.minid = parseStrictId(argv[i + 1], 0n);
        a.strategy = TRIM_MINID;
      }
      i++;
      a.argIdx = i;
    } else if (opt === 'limit' && moreargs) {
      a.limit = getLongLong(argv[i + 1]);
      if (a.limit < 0) throw new RedisError('The LIMIT argument must be >= 0.');
      limitGiven = true;
      i++;
    } else if (xadd && opt === 'nomkstream') {
      a.noMkstream = true;
    } else if (xadd) {
      const p = parseIdGeneric(argv[i], 0n, true, true);
      a.id = p.id;
      a.seqGiven = p.seqGiven;
      a.idGiven = true;
      break;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (a.limit && a.strategy === TRIM_NONE) throw new RedisError('syntax error, LIMIT cannot be used without specifying a trimming strategy');
  if (!xadd && a.strategy === TRIM_NONE) throw new RedisError('syntax error, XTRIM must be called with a trimming strategy');
  if (mustObeyClient(c)) {
    a.limit = 0;
  } else if (limitGiven) {
    if (!a.approx) throw new RedisError('syntax error, LIMIT cannot be used without the special ~ option');
  } else if (a.approx) {
    let l = 100 * c.server.config.num('stream-node-max-entries');
    if (l <= 0) l = 10000;
    if (l > 1000000) l = 1000000;
    a.limit = l;
  } else {
    a.limit = 0;
  }
  return [a, i];
}

function doTrim(s: RStream, a: AddTrimArgs): number {
  return s.trim(a.strategy === TRIM_MAXLEN ? a.maxlen : null, a.strategy === TRIM_MINID ? a.minid : null, a.approx, a.limit);
}

/** streamRewriteApproxSpecifier() + streamRewriteTrimArgument(). */
function rewriteTrim(argv: string[], s: RStream, a: AddTrimArgs): void {
  argv[a.argIdx - 1] = '=';
  if (a.strategy === TRIM_MAXLEN) {
    argv[a.argIdx] = String(s.length);
  } else {
    const first = s.nodes.length > 0 ? s.nodes[0].entries[0].id : MAX_ID;
    argv[a.argIdx] = idToString(first);
  }
}

function getRewritten(c: Client, argv: string[]): string[] {
  let pa = c.ext.propagateArgv as string[] | undefined;
  if (pa === undefined) {
    pa = argv.slice();
    c.ext.propagateArgv = pa;
  }
  return pa;
}

// ---- XADD ------------------------------------------------------------------------

function xaddCommand(c: Client, argv: string[]): void {
  const [a, idpos] = parseAddOrTrimArgs(c, argv, true);
  const fieldPos = idpos + 1;
  if (argv.length - fieldPos < 2 || (argv.length - fieldPos) % 2 === 1) {
    throw new RedisError(`wrong number of arguments for '${c.cmd!.fullname}' command`);
  }
  if (a.idGiven && a.seqGiven && a.id === 0n) throw new RedisError('The ID specified in XADD must be greater than 0-0');
  const key = argv[1];
  const v = lookupWrite(c, key);
  let s = asStream(v);
  if (s === undefined) {
    if (a.noMkstream) {
      c.addReplyNull();
      return;
    }
    s = new RStream();
    dbAdd(c, c.db, key, s);
  }
  if (s.lastId === MAX_ID) throw new RedisError('The stream has exhausted the last possible ID, unable to add more items');
  let id: StreamID;
  if (a.idGiven) {
    if (a.seqGiven) {
      id = a.id;
    } else if (idMs(s.lastId) === idMs(a.id)) {
      if (idSeq(s.lastId) === U64_MAX) throw new RedisError('The ID specified in XADD is equal or smaller than the target stream top item');
      id = s.lastId + 1n;
    } else {
      id = a.id;
    }
  } else {
    id = nextId(s.lastId, c.server.clock.now());
  }
  if (id <= s.lastId) throw new RedisError('The ID specified in XADD is equal or smaller than the target stream top item');
  let tot = 0;
  for (let i = fieldPos; i < argv.length; i++) tot += argv[i].length;
  if (tot > 1 << 30) throw new RedisError('Elements are too large to be stored');
  s.append(id, argv.slice(fieldPos), nodeLimits(c));
  const idStr = idToString(id);
  c.addReplyBulk(idStr);
  c.server.signalModifiedKey(c, c.db, key);
  c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xadd', key, c.db.id);
  c.server.dirty++;
  if (a.strategy !== TRIM_NONE) {
    if (doTrim(s, a)) c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xtrim', key, c.db.id);
    if (a.approx) rewriteTrim(getRewritten(c, argv), s, a);
  }
  if (!a.idGiven || !a.seqGiven) getRewritten(c, argv)[idpos] = idStr;
  c.server.signalKeyAsReady(c.db, key, s);
}

// ---- XRANGE / XREVRANGE / XLEN -------------------------------------------------

function xrangeGeneric(c: Client, argv: string[], rev: boolean): void {
  const startArg = rev ? argv[3] : argv[2];
  const endArg = rev ? argv[2] : argv[3];
  const st = parseIntervalId(startArg, 0n);
  let start = st.id;
  if (st.exclude) {
    const n = incrId(start);
    if (n === null) throw new RedisError('invalid start ID for the interval');
    start = n;
  }
  const en = parseIntervalId(endArg, U64_MAX);
  let end = en.id;
  if (en.exclude) {
    const n = decrId(end);
    if (n === null) throw new RedisError('invalid end ID for the interval');
    end = n;
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    if (eqi(cstr(argv[j]), 'count') && additional >= 1) {
      count = getLongLong(argv[j + 1]);
      if (count < 0) count = 0;
      j++;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  const v = lookupRead(c, argv[1]);
  if (v === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  const s = asStream(v)!;
  if (count === 0) {
    c.addReplyNullArray();
    return;
  }
  replyWithRange(c, s, start, end, count === -1 ? 0 : count, rev);
}

function xlenCommand(c: Client, argv: string[]): void {
  const v = lookupRead(c, argv[1]);
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  c.addReplyLongLong(asStream(v)!.length);
}

// ---- XDEL / XTRIM / XSETID ----------------------------------------------------------

function xdelCommand(c: Client, argv: string[]): void {
  const v = lookupWrite(c, argv[1]);
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const s = asStream(v)!;
  const ids: StreamID[] = [];
  for (let j = 2; j < argv.length; j++) ids.push(parseStrictId(argv[j], 0n));
  let deleted = 0;
  for (const id of ids) {
    if (s.delete(id)) {
      if (id > s.maxDeletedId) s.maxDeletedId = id;
      deleted++;
    }
  }
  if (deleted) {
    c.server.signalModifiedKey(c, c.db, argv[1]);
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xdel', argv[1], c.db.id);
    c.server.dirty += deleted;
  }
  c.addReplyLongLong(deleted);
}

function xtrimCommand(c: Client, argv: string[]): void {
  const [a] = parseAddOrTrimArgs(c, argv, false);
  const v = lookupWrite(c, argv[1]);
  if (v === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const s = asStream(v)!;
  const deleted = doTrim(s, a);
  if (deleted) {
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xtrim', argv[1], c.db.id);
    if (a.approx) rewriteTrim(getRewritten(c, argv), s, a);
    c.server.signalModifiedKey(c, c.db, argv[1]);
    c.server.dirty += deleted;
  }
  c.addReplyLongLong(deleted);
}

function xsetidCommand(c: Client, argv: string[]): void {
  const id = parseStrictId(argv[2], 0n);
  let entriesAdded = -1;
  let maxXdel: StreamID = 0n;
  for (let i = 3; i < argv.length; ) {
    const moreargs = argv.length - 1 - i;
    const opt = cstr(argv[i]).toLowerCase();
    if (opt === 'entriesadded' && moreargs) {
      entriesAdded = getLongLong(argv[i + 1]);
      if (entriesAdded < 0) throw new RedisError('entries_added must be positive');
      i += 2;
    } else if (opt === 'maxdeletedid' && moreargs) {
      maxXdel = parseStrictId(argv[i + 1], 0n);
      if (id < maxXdel) throw new RedisError('The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
      i += 2;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  const v = lookupWrite(c, argv[1]);
  if (v === undefined) throw new RedisError(Errors.noSuchKey);
  const s = asStream(v)!;
  if (s.length > 0) {
    if (id < s.edgeId(false)) throw new RedisError('The ID specified in XSETID is smaller than the target stream top item');
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw new RedisError('The entries_added specified in XSETID is smaller than the target stream length');
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxXdel !== 0n) s.maxDeletedId = maxXdel;
  c.addReplyStatus('OK');
  c.server.dirty++;
  c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xsetid', argv[1], c.db.id);
}

// ---- XREAD / XREADGROUP -----------------------------------------------------------

/** XREAD_BLOCKED_DEFAULT_COUNT. */
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

interface XReadBlockData {
  ids: StreamID[];
  keys: string[];
  count: number;
  group: string | null;
  consumer: string | null;
  noack: boolean;
}

/** getTimeoutFromObjectOrReply() with UNIT_MILLISECONDS: absolute deadline, 0 = forever. */
function getMsTimeout(s: string, now: number): number {
  const v = string2llBig(cstr(s) === s ? s : '');
  let tval: bigint;
  if (v === null) {
    const d = /^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
    if (!Number.isFinite(d)) throw new RedisError('timeout is not an integer or out of range');
    tval = BigInt(Math.trunc(d));
    if (Math.trunc(d) !== d) throw new RedisError('timeout is not an integer or out of range');
  } else {
    tval = v;
  }
  if (tval < 0n) throw new RedisError('timeout is negative');
  if (tval === 0n) return 0;
  const deadline = tval + BigInt(now);
  return deadline > LLONG_MAX ? Number.MAX_VALUE : Number(deadline);
}

function xreadCommand(c: Client, argv: string[]): void {
  const xreadgroup = argv[0].length === 10;
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let groupname: string | null = null;
  let consumername: string | null = null;
  let noack = false;
  const name = argv[0];
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = cstr(argv[i]).toLowerCase();
    if (o === 'block' && moreargs) {
      if (c.ext.isLua === true) throw new RedisError(`${name} command is not allowed with BLOCK option from scripts`);
      i++;
      timeout = getMsTimeout(argv[i], c.server.clock.now());
    } else if (o === 'count' && moreargs) {
      i++;
      count = getLongLong(argv[i]);
      if (count < 0) count = 0;
    } else if (o === 'streams' && moreargs) {
      streamsArg = i + 1;
      streamsCount = argv.length - streamsArg;
      if (streamsCount % 2 !== 0) {
        throw new RedisError("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
      }
      streamsCount /= 2;
      break;
    } else if (o === 'group' && moreargs >= 2) {
      if (!xreadgroup) throw new RedisError('The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
      groupname = argv[i + 1];
      consumername = argv[i + 2];
      i += 2;
    } else if (o === 'noack') {
      if (!xreadgroup) throw new RedisError('The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
      noack = true;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (streamsArg === 0) throw new RedisError(Errors.syntax);
  if (xreadgroup && groupname === null) throw new RedisError('Missing GROUP option for XREADGROUP');

  const ids: StreamID[] = [];
  const groups: StreamCG[] = [];
  const keys: string[] = [];
  for (let i = streamsArg + streamsCount; i < argv.length; i++) {
    const idIdx = i - streamsArg - streamsCount;
    const key = argv[i - streamsCount];
    keys.push(key);
    const o = lookupRead(c, key);
    const s = asStream(o);
    if (groupname !== null) {
      const g = s?.group(groupname);
      if (g === undefined) {
        throw new RedisError(`-NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(groupname)}' in XREADGROUP with GROUP option`);
      }
      groups[idIdx] = g;
    }
    const idArg = cstr(argv[i]);
    if (idArg === '$') {
      if (xreadgroup) {
        throw new RedisError(
          'The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
      }
      ids[idIdx] = s !== undefined ? s.lastId : 0n;
      continue;
    } else if (idArg === '>') {
      if (!xreadgroup) throw new RedisError('The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
      ids[idIdx] = MAX_ID;
      continue;
    }
    ids[idIdx] = parseStrictId(argv[i], 0n);
  }

  let arraylen = 0;
  let h = -1;
  for (let i = 0; i < streamsCount; i++) {
    const key = argv[streamsArg + i];
    const s = asStream(lookupRead(c, key));
    if (s === undefined) continue;
    let gt = ids[i];
    let sync = false;
    let history = false;
    if (groupname !== null) {
      if (gt !== MAX_ID) {
        sync = true;
        history = true;
      } else if (s.length) {
        if (s.edgeId(false) > groups[i].lastId) {
          sync = true;
          gt = groups[i].lastId;
        }
      }
    } else if (s.length) {
      if (s.edgeId(false) > gt) sync = true;
    }
    if (!sync) continue;
    arraylen++;
    if (arraylen === 1) h = c.addReplyDeferredLen();
    const start = gt === MAX_ID ? 0n : gt + 1n;
    if (c.resp === 2) c.addReplyArrayLen(2);
    c.addReplyBulk(key);
    let consumer: StreamConsumer | undefined;
    const spi: PropInfo | undefined = groupname !== null ? { key, group: groupname } : undefined;
    if (groupname !== null) {
      consumer = lookupConsumer(c, groups[i], consumername!, true);
      if (consumer === undefined) {
        consumer = createConsumer(c, c.db, s, groups[i], consumername!, key, true, true);
        if (noack) addPropagation(c, ['XGROUP', 'CREATECONSUMER', key, groupname, consumername!]);
      }
    }
    let flags = 0;
    if (noack) flags |= RWR_NOACK;
    if (history) flags |= RWR_HISTORY;
    replyWithRange(c, s, start, MAX_ID, count, false, { group: groupname !== null ? groups[i] : undefined, consumer, flags, spi });
    if (groupname !== null) c.server.dirty++;
  }
  if (arraylen) {
    if (c.resp === 2) c.setDeferredArrayLen(h, arraylen);
    else c.setDeferredMapLen(h, arraylen);
    ensureNoDirectPropagation(c);
    return;
  }
  if (timeout !== -1) {
    if (Blocking.denyBlocking(c)) {
      c.addReplyNullArray();
      ensureNoDirectPropagation(c);
      return;
    }
    const data: XReadBlockData = {
      ids,
      keys,
      count: count ? count : XREAD_BLOCKED_DEFAULT_COUNT,
      group: groupname,
      consumer: consumername,
      noack,
    };
    c.server.blocking.blockForKeys(c, BLOCKED_STREAM, keys, { timeout, data });
    ensureNoDirectPropagation(c);
    return;
  }
  c.addReplyNullArray();
  ensureNoDirectPropagation(c);
}

/** preventCommandPropagation(): only the collected effects go out. */
function ensureNoDirectPropagation(c: Client): void {
  if (c.ext.propagateMany === undefined) c.ext.propagateMany = [];
}

/** serveClientBlockedOnKey() for streams. */
function serveClientBlockedOnStream(receiver: Client, value: unknown, key: string, db: Db, info: BlockInfo): number {
  const s = value as RStream;
  const data = info.data as XReadBlockData;
  const idx = data.keys.indexOf(key);
  if (idx === -1) return SERVE_SKIP;
  const gt = data.ids[idx];
  let group: StreamCG | undefined;
  let consumer: StreamConsumer | undefined;
  let noack = false;
  if (data.group !== null) {
    group = s.group(data.group);
    if (group === undefined) {
      receiver.addReplyError(`-NOGROUP the consumer group this client was blocked on no longer exists`);
      return SERVE_DONE;
    }
  }
  if (group !== undefined) {
    noack = data.noack;
    const last = group.lastId;
    if (!(s.length && s.edgeId(false) > last)) return SERVE_SKIP;
    consumer = lookupConsumer(receiver, group, data.consumer!, true);
    if (consumer === undefined) {
      consumer = createConsumer(receiver, db, s, group, data.consumer!, key, true, true);
      if (noack) receiver.server.propagate(db.id, ['XGROUP', 'CREATECONSUMER', key, data.group!, data.consumer!]);
    }
  } else {
    if (!(s.length && s.edgeId(false) > gt)) return SERVE_SKIP;
  }
  const start = group !== undefined ? group.lastId + 1n : gt + 1n;
  if (receiver.resp === 2) {
    receiver.addReplyArrayLen(1);
    receiver.addReplyArrayLen(2);
  } else {
    receiver.addReplyMapLen(1);
  }
  receiver.addReplyBulk(key);
  const spi: PropInfo | undefined = data.group !== null ? { key, group: data.group } : undefined;
  const prevDb = receiver.db;
  replyWithRange(receiver, s, start, MAX_ID, data.count, false, {
    group,
    consumer,
    flags: noack ? RWR_NOACK : 0,
    spi,
    served: true,
    db,
  });
  void prevDb;
  if (group !== undefined) receiver.server.dirty++;
  return SERVE_DONE;
}

registerServeFn(BLOCKED_STREAM, serveClientBlockedOnStream);

// XREADGROUP depends on the group too: once its key is deleted (or holds
// another type) the client is unblocked with an error rather than left
// waiting for a stream that would have no such group.
registerKeyGoneFn(BLOCKED_STREAM, (receiver, info) => {
  if ((info.data as XReadBlockData).group === null) return false;
  receiver.addReplyError('-UNBLOCKED the stream key no longer exists');
  return true;
});

/** xreadGetKeys(). */
function xreadGetKeys(argv: string[]): number[] {
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = cstr(argv[i]).toLowerCase();
    if (arg === 'block' || arg === 'count') i++;
    else if (arg === 'group') i += 2;
    else if (arg === 'noack') continue;
    else if (arg === 'streams') {
      streamsPos = i;
      break;
    } else break;
  }
  const num = argv.length - streamsPos - 1;
  if (streamsPos === -1 || num === 0 || num % 2 !== 0) return [];
  const out: number[] = [];
  for (let i = streamsPos + 1; i < streamsPos + 1 + num / 2; i++) out.push(i);
  return out;
}

// ---- consumers ---------------------------------------------------------------------

/** streamLookupConsumer(). */
function lookupConsumer(c: Client, cg: StreamCG, name: string, refresh: boolean): StreamConsumer | undefined {
  const sc = cg.consumers.get(name);
  if (sc !== undefined && refresh) sc.seenTime = c.server.now();
  return sc;
}

/** streamCreateConsumer(): undefined if it exists. */
function createConsumer(
  c: Client,
  db: Db,
  s: RStream,
  cg: StreamCG,
  name: string,
  key: string,
  notify: boolean,
  dirty: boolean,
): StreamConsumer | undefined {
  if (cg.consumers.has(name)) return undefined;
  const sc = s.addConsumer(cg, name, c.server.now());
  if (dirty) c.server.dirty++;
  if (notify) c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-createconsumer', key, db.id);
  return sc;
}

// ---- XGROUP ------------------------------------------------------------------------

function subcommandSyntaxError(argv: string[]): RedisError {
  return new RedisError(
    `unknown subcommand or wrong number of arguments for '${cstr(argv[1]).slice(0, 128)}'. Try ${cstr(argv[0]).toUpperCase()} HELP.`,
  );
}

function noGroupKeyError(key: string, group: string): RedisError {
  return new RedisError(`-NOGROUP No such key '${cstr(key)}' or consumer group '${cstr(group)}'`);
}

/** xgroupCommand(): the shared option parsing and lookups, then the subcommand. */
function xgroupCommand(c: Client, argv: string[]): void {
  const opt = cstr(argv[1]).toLowerCase();
  let s: RStream | undefined;
  let cg: StreamCG | undefined;
  let mkstream = false;
  let entriesRead = SCG_INVALID_ENTRIES_READ;
  let grpname = '';
  if (argv.length >= 4) {
    let i = 5;
    const create = opt === 'create';
    const setid = opt === 'setid';
    while (i < argv.length) {
      const a = cstr(argv[i]).toLowerCase();
      if (create && a === 'mkstream') {
        mkstream = true;
        i++;
      } else if ((create || setid) && a === 'entriesread' && i + 1 < argv.length) {
        entriesRead = getLongLong(argv[i + 1]);
        if (entriesRead < 0 && entriesRead !== SCG_INVALID_ENTRIES_READ) throw new RedisError('value for ENTRIESREAD must be positive or -1');
        i += 2;
      } else {
        throw subcommandSyntaxError(argv);
      }
    }
    s = asStream(lookupWrite(c, argv[2]));
    grpname = argv[3];
  }
  if (argv.length >= 4 && !mkstream) {
    if (s === undefined) {
      throw new RedisError(
        'The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
    }
    cg = s.group(grpname);
    if (cg === undefined && (opt === 'setid' || opt === 'createconsumer' || opt === 'delconsumer')) {
      throw new RedisError(`-NOGROUP No such consumer group '${cstr(grpname)}' for key name '${cstr(argv[2])}'`);
    }
  }
  const key = argv[2];
  if (argv.length === 2 && opt === 'help') {
    c.addReplyHelp('xgroup', [
      'CREATE <key> <groupname> <id|$> [option]',
      '    Create a new consumer group. Options are:',
      '    * MKSTREAM',
      '      Create the empty stream if it does not exist.',
      '    * ENTRIESREAD entries_read',
      "      Set the group's entries_read counter (internal use).",
      'CREATECONSUMER <key> <groupname> <consumer>',
      '    Create a new consumer in the specified group.',
      'DELCONSUMER <key> <groupname> <consumer>',
      '    Remove the specified consumer.',
      'DESTROY <key> <groupname>',
      '    Remove the specified group.',
      'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
      '    Set the current group ID and entries_read counter.',
    ]);
  } else if (opt === 'create' && argv.length >= 5 && argv.length <= 8) {
    let id: StreamID;
    if (cstr(argv[4]) === '$') id = s !== undefined ? s.lastId : 0n;
    else id = parseStrictId(argv[4], 0n);
    if (s === undefined) {
      s = new RStream();
      dbAdd(c, c.db, key, s);
    }
    if (s.createGroup(grpname, id, entriesRead) !== undefined) {
      c.addReplyStatus('OK');
      c.server.dirty++;
      c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-create', key, c.db.id);
    } else {
      c.addReplyError('-BUSYGROUP Consumer Group name already exists');
    }
  } else if (opt === 'setid' && (argv.length === 5 || argv.length === 7)) {
    let id: StreamID;
    if (cstr(argv[4]) === '$') id = s!.lastId;
    else id = parseId(argv[4], 0n);
    cg!.lastId = id;
    cg!.entriesRead = entriesRead;
    c.addReplyStatus('OK');
    c.server.dirty++;
    c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-setid', key, c.db.id);
  } else if (opt === 'destroy' && argv.length === 4) {
    if (cg !== undefined) {
      s!.destroyGroup(grpname);
      c.addReplyLongLong(1);
      c.server.dirty++;
      c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-destroy', key, c.db.id);
      c.server.signalKeyAsReady(c.db, key, s!);
    } else {
      c.addReplyLongLong(0);
    }
  } else if (opt === 'createconsumer' && argv.length === 5) {
    const created = createConsumer(c, c.db, s!, cg!, argv[4], key, true, true);
    c.addReplyLongLong(created !== undefined ? 1 : 0);
  } else if (opt === 'delconsumer' && argv.length === 5) {
    let pending = 0;
    const consumer = lookupConsumer(c, cg!, argv[4], false);
    if (consumer !== undefined) {
      pending = consumer.pel.size;
      s!.removeConsumer(cg!, consumer);
      c.server.dirty++;
      c.server.notifyKeyspaceEvent(NOTIFY_STREAM, 'xgroup-delconsumer', key, c.db.id);
    }
    c.addReplyLongLong(pending);
  } else {
    throw subcommandSyntaxError(argv);
  }
}

// ---- XACK / XPENDING ------------------------------------------------------------------

function xackCommand(c: Client, argv: string[]): void {
  const s = asStream(lookupRead(c, argv[1]));
  const group = s?.group(argv[2]);
  if (s === undefined || group === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const ids: StreamID[] = [];
  for (let j = 3; j < argv.length; j++) ids.push(parseStrictId(argv[j], 0n));
  let acknowledged = 0;
  for (const id of ids) {
    const nack = group.pel.get(id);
    if (nack !== undefined) {
      group.pel.delete(id);
      nack.consumer.pel.delete(id);
      acknowledged++;
      c.server.dirty++;
    }
  }
  c.addReplyLongLong(acknowledged);
}

function xpendingCommand(c: Client, argv: string[]): void {
  const justinfo = argv.length === 3;
  const key = argv[1];
  const groupname = argv[2];
  let consumername: string | null = null;
  let start: StreamID = 0n;
  let end: StreamID = MAX_ID;
  let count = 0;
  let minidle = 0;
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) throw new RedisError(Errors.syntax);
  if (argv.length >= 6) {
    let startidx = 3;
    if (eqi(cstr(argv[3]), 'idle')) {
      minidle = getLongLong(argv[4]);
      if (argv.length < 8) throw new RedisError(Errors.syntax);
      startidx += 2;
    }
    count = getLongLong(argv[startidx + 2]);
    if (count < 0) count = 0;
    const st = parseIntervalId(argv[startidx], 0n);
    start = st.id;
    if (st.exclude) {
      const n = incrId(start);
      if (n === null) throw new RedisError('invalid start ID for the interval');
      start = n;
    }
    const en = parseIntervalId(argv[startidx + 1], U64_MAX);
    end = en.id;
    if (en.exclude) {
      const n = decrId(end);
      if (n === null) throw new RedisError('invalid end ID for the interval');
      end = n;
    }
    if (startidx + 3 < argv.length) consumername = argv[startidx + 3];
  }
  const s = asStream(lookupRead(c, key));
  const group = s?.group(groupname);
  if (group === undefined) throw noGroupKeyError(key, groupname);
  if (justinfo) {
    c.addReplyArrayLen(4);
    c.addReplyLongLong(group.pel.size);
    if (group.pel.size === 0) {
      c.addReplyNull();
      c.addReplyNull();
      c.addReplyNullArray();
    } else {
      c.addReplyBulk(idToString(group.pel.first()!));
      c.addReplyBulk(idToString(group.pel.last()!));
      const list = sortedConsumers(group).filter((x) => x.pel.size > 0);
      c.addReplyArrayLen(list.length);
      for (const sc of list) {
        c.addReplyArrayLen(2);
        c.addReplyBulk(sc.name);
        c.addReplyBulk(String(sc.pel.size));
      }
    }
    return;
  }
  let pel = group.pel;
  if (consumername !== null) {
    const consumer = lookupConsumer(c, group, consumername, false);
    if (consumer === undefined) {
      c.addReplyArrayLen(0);
      return;
    }
    pel = consumer.pel;
  }
  const now = c.server.now();
  const out: [StreamID, StreamNACK][] = [];
  if (count > 0) {
    for (const [id, nack] of pel.entries(start, end)) {
      if (minidle && now - nack.deliveryTime < minidle) continue;
      out.push([id, nack]);
      if (out.length >= count) break;
    }
  }
  c.addReplyArrayLen(out.length);
  for (const [id, nack] of out) {
    c.addReplyArrayLen(4);
    c.addReplyBulk(idToString(id));
    c.addReplyBulk(nack.consumer.name);
    const elapsed = now - nack.deliveryTime;
    c.addReplyLongLong(elapsed < 0 ? 0 : elapsed);
    c.addReplyLongLong(nack.deliveryCount);
  }
}

// ---- XCLAIM / XAUTOCLAIM ---------------------------------------------------------------

/** One raw entry (streamReplyWithRange() with RAWENTRIES for one ID). */
function replyRawEntry(c: Client, s: RStream, id: StreamID): void {
  const e = s.get(id)!;
  replyEntry(c, id, e.fv);
}

function xclaimCommand(c: Client, argv: string[]): void {
  const s = asStream(lookupRead(c, argv[1]));
  const group = s?.group(argv[2]);
  if (s === undefined || group === undefined) throw noGroupKeyError(argv[1], argv[2]);
  let minidle = getLongLong(argv[4], 'Invalid min-idle-time argument for XCLAIM');
  if (minidle < 0) minidle = 0;
  let retrycount = -1;
  let deliverytime = -1;
  let force = false;
  let justid = false;
  const ids: StreamID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    let id: StreamID;
    try {
      id = parseStrictId(argv[j], 0n);
    } catch {
      break;
    }
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = c.server.now();
  let lastId: StreamID = 0n;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = cstr(argv[j]).toLowerCase();
    if (opt === 'force') force = true;
    else if (opt === 'justid') justid = true;
    else if (opt === 'idle' && moreargs) {
      j++;
      deliverytime = now - getLongLong(argv[j], 'Invalid IDLE option argument for XCLAIM');
    } else if (opt === 'time' && moreargs) {
      j++;
      deliverytime = getLongLong(argv[j], 'Invalid TIME option argument for XCLAIM');
    } else if (opt === 'retrycount' && moreargs) {
      j++;
      retrycount = getLongLong(argv[j], 'Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (opt === 'lastid' && moreargs) {
      j++;
      lastId = parseStrictId(argv[j], 0n);
    } else {
      throw new RedisError(`Unrecognized XCLAIM option '${cstr(argv[j])}'`);
    }
  }
  const effects: string[][] = [];
  let propagateLastId = false;
  if (lastId > group.lastId) {
    group.lastId = lastId;
    propagateLastId = true;
  }
  if (deliverytime !== -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  let consumer: StreamConsumer | undefined;
  const name = argv[3];
  const h = c.addReplyDeferredLen();
  let n = 0;
  for (let k = 5; k <= lastIdArg; k++) {
    const id = ids[k - 5];
    let nack = group.pel.get(id);
    if (s.get(id) === undefined) {
      if (nack !== undefined) {
        effects.push(xclaimArgv(argv[1], group, argv[2], id, nack));
        effects[effects.length - 1][5] = argv[k];
        propagateLastId = false;
        c.server.dirty++;
        group.pel.delete(id);
        nack.consumer.pel.delete(id);
      }
      continue;
    }
    let fresh = false;
    if (force && nack === undefined) {
      nack = { deliveryTime: now, deliveryCount: 1, consumer: undefined as unknown as StreamConsumer };
      fresh = true;
      group.pel.set(id, nack);
    }
    if (nack === undefined) continue;
    if (!fresh && minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer === undefined) {
      consumer = lookupConsumer(c, group, name, true) ?? createConsumer(c, c.db, s, group, name, argv[1], true, true)!;
    }
    if (nack.consumer !== consumer && !fresh) nack.consumer.pel.delete(id);
    nack.deliveryTime = deliverytime;
    if (retrycount >= 0) nack.deliveryCount = retrycount;
    else if (!justid) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    if (justid) c.addReplyBulk(idToString(id));
    else replyRawEntry(c, s, id);
    n++;
    const a = xclaimArgv(argv[1], group, argv[2], id, nack);
    a[5] = argv[k];
    effects.push(a);
    propagateLastId = false;
    c.server.dirty++;
  }
  if (propagateLastId) {
    effects.push(setidArgv(argv[1], group, argv[2]));
    c.server.dirty++;
  }
  c.setDeferredArrayLen(h, n);
  c.ext.propagateMany = effects;
}

function xautoclaimCommand(c: Client, argv: string[]): void {
  let minidle = getLongLong(argv[4], 'Invalid min-idle-time argument for XAUTOCLAIM');
  if (minidle < 0) minidle = 0;
  const st = parseIntervalId(argv[5], 0n);
  let start = st.id;
  if (st.exclude) {
    const n = incrId(start);
    if (n === null) throw new RedisError('invalid start ID for the interval');
    start = n;
  }
  let count = 100;
  let justid = false;
  const maxCount = Math.floor(Number(LLONG_MAX / 16n));
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = cstr(argv[j]).toLowerCase();
    if (opt === 'count' && moreargs) {
      const v = string2llBig(argv[j + 1]);
      if (v === null || v < 1n || v > BigInt(maxCount)) throw new RedisError('COUNT must be > 0');
      count = Number(v);
      j++;
    } else if (opt === 'justid') {
      justid = true;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  const s = asStream(lookupRead(c, argv[1]));
  const group = s?.group(argv[2]);
  if (s === undefined || group === undefined) throw noGroupKeyError(argv[1], argv[2]);
  let attempts = count * 10;
  const keys = group.pel.range(start, MAX_ID, Math.min(attempts + 1, group.pel.size + 1));
  let ki = 0;
  const now = c.server.now();
  const name = argv[3];
  let consumer: StreamConsumer | undefined;
  const claimed: StreamID[] = [];
  const deleted: StreamID[] = [];
  const effects: string[][] = [];
  while (attempts-- > 0 && count > 0 && ki < keys.length) {
    const id = keys[ki++];
    const nack = group.pel.get(id)!;
    if (s.get(id) === undefined) {
      effects.push(xclaimArgv(argv[1], group, argv[2], id, nack));
      c.server.dirty++;
      group.pel.delete(id);
      nack.consumer.pel.delete(id);
      deleted.push(id);
      count--;
      continue;
    }
    if (minidle && now - nack.deliveryTime < minidle) continue;
    if (consumer === undefined) {
      consumer = lookupConsumer(c, group, name, true) ?? createConsumer(c, c.db, s, group, name, argv[1], true, true)!;
    }
    if (nack.consumer !== consumer) nack.consumer.pel.delete(id);
    nack.deliveryTime = now;
    if (!justid) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.set(id, nack);
      nack.consumer = consumer;
    }
    claimed.push(id);
    count--;
    effects.push(xclaimArgv(argv[1], group, argv[2], id, nack));
    c.server.dirty++;
  }
  const endId = ki < keys.length ? keys[ki] : 0n;
  c.addReplyArrayLen(3);
  c.addReplyBulk(idToString(endId));
  c.addReplyArrayLen(claimed.length);
  for (const id of claimed) {
    if (justid) c.addReplyBulk(idToString(id));
    else replyRawEntry(c, s, id);
  }
  c.addReplyArrayLen(deleted.length);
  for (const id of deleted) c.addReplyBulk(idToString(id));
  c.ext.propagateMany = effects;
}

// ---- XINFO ----------------------------------------------------------------------------

/** streamReplyWithCGLag(). */
function replyCgLag(c: Client, s: RStream, cg: StreamCG): void {
  if (!s.entriesAdded) {
    c.addReplyLongLong(0);
  } else if (cg.entriesRead !== SCG_INVALID_ENTRIES_READ && !hasTombstonesFrom(s, cg.lastId)) {
    c.addReplyLongLong(s.entriesAdded - cg.entriesRead);
  } else {
    const er = estimateDistance(s, cg.lastId);
    if (er !== SCG_INVALID_ENTRIES_READ) c.addReplyLongLong(s.entriesAdded - er);
    else c.addReplyNull();
  }
}

function replyEntriesRead(c: Client, cg: StreamCG): void {
  if (cg.entriesRead !== SCG_INVALID_ENTRIES_READ) c.addReplyLongLong(cg.entriesRead);
  else c.addReplyNull();
}

function xinfoStream(c: Client, argv: string[], s: RStream): void {
  let full = true;
  let count = 10;
  const optc = argv.length - 3;
  if (optc === 0) {
    full = false;
  } else {
    if (optc !== 1 && optc !== 3) throw subcommandSyntaxError(argv);
    if (!eqi(cstr(argv[3]), 'full')) throw subcommandSyntaxError(argv);
    if (optc === 3) {
      if (!eqi(cstr(argv[4]), 'count')) throw subcommandSyntaxError(argv);
      count = getLongLong(argv[5]);
      if (count < 0) count = 10;
    }
  }
  c.addReplyMapLen(full ? 9 : 10);
  c.addReplyBulk('length');
  c.addReplyLongLong(s.length);
  c.addReplyBulk('radix-tree-keys');
  c.addReplyLongLong(s.nodes.length);
  c.addReplyBulk('radix-tree-nodes');
  c.addReplyLongLong(s.raxNodeCount());
  c.addReplyBulk('last-generated-id');
  c.addReplyBulk(idToString(s.lastId));
  c.addReplyBulk('max-deleted-entry-id');
  c.addReplyBulk(idToString(s.maxDeletedId));
  c.addReplyBulk('entries-added');
  c.addReplyLongLong(s.entriesAdded);
  c.addReplyBulk('recorded-first-entry-id');
  c.addReplyBulk(idToString(s.firstId));
  if (!full) {
    c.addReplyBulk('groups');
    c.addReplyLongLong(s.cgroups !== null ? s.cgroups.size : 0);
    c.addReplyBulk('first-entry');
    const first = s.range(0n, MAX_ID).next();
    if (first.done) c.addReplyNull();
    else replyEntry(c, first.value.id, first.value.fv);
    c.addReplyBulk('last-entry');
    const last = s.range(0n, MAX_ID, true).next();
    if (last.done) c.addReplyNull();
    else replyEntry(c, last.value.id, last.value.fv);
    return;
  }
  c.addReplyBulk('entries');
  replyWithRange(c, s, 0n, MAX_ID, count, false);
  c.addReplyBulk('groups');
  const groups = s.sortedGroups();
  c.addReplyArrayLen(groups.length);
  for (const [name, cg] of groups) {
    c.addReplyMapLen(7);
    c.addReplyBulk('name');
    c.addReplyBulk(name);
    c.addReplyBulk('last-delivered-id');
    c.addReplyBulk(idToString(cg.lastId));
    c.addReplyBulk('entries-read');
    replyEntriesRead(c, cg);
    c.addReplyBulk('lag');
    replyCgLag(c, s, cg);
    c.addReplyBulk('pel-count');
    c.addReplyLongLong(cg.pel.size);
    c.addReplyBulk('pending');
    const pel = cg.pel.range(0n, MAX_ID, count);
    c.addReplyArrayLen(pel.length);
    for (const id of pel) {
      const nack = cg.pel.get(id)!;
      c.addReplyArrayLen(4);
      c.addReplyBulk(idToString(id));
      c.addReplyBulk(nack.consumer.name);
      c.addReplyLongLong(nack.deliveryTime);
      c.addReplyLongLong(nack.deliveryCount);
    }
    c.addReplyBulk('consumers');
    const consumers = sortedConsumers(cg);
    c.addReplyArrayLen(consumers.length);
    for (const sc of consumers) {
      c.addReplyMapLen(4);
      c.addReplyBulk('name');
      c.addReplyBulk(sc.name);
      c.addReplyBulk('seen-time');
      c.addReplyLongLong(sc.seenTime);
      c.addReplyBulk('pel-count');
      c.addReplyLongLong(sc.pel.size);
      c.addReplyBulk('pending');
      const cp = sc.pel.range(0n, MAX_ID, count);
      c.addReplyArrayLen(cp.length);
      for (const id of cp) {
        const nack = sc.pel.get(id)!;
        c.addReplyArrayLen(3);
        c.addReplyBulk(idToString(id));
        c.addReplyLongLong(nack.deliveryTime);
        c.addReplyLongLong(nack.deliveryCount);
      }
    }
  }
}

function xinfoLookup(c: Client, argv: string[]): RStream {
  const v = lookupRead(c, argv[2]);
  if (v === undefined) throw new RedisError(Errors.noSuchKey);
  return asStream(v)!;
}

function xinfoConsumers(c: Client, argv: string[]): void {
  const s = xinfoLookup(c, argv);
  const cg = s.group(argv[3]);
  if (cg === undefined) throw new RedisError(`-NOGROUP No such consumer group '${cstr(argv[3])}' for key name '${cstr(argv[2])}'`);
  const list = sortedConsumers(cg);
  const now = c.server.now();
  c.addReplyArrayLen(list.length);
  for (const sc of list) {
    const idle = Math.max(0, now - sc.seenTime);
    c.addReplyMapLen(3);
    c.addReplyBulk('name');
    c.addReplyBulk(sc.name);
    c.addReplyBulk('pending');
    c.addReplyLongLong(sc.pel.size);
    c.addReplyBulk('idle');
    c.addReplyLongLong(idle);
  }
}

function xinfoGroups(c: Client, argv: string[]): void {
  const s = xinfoLookup(c, argv);
  const groups = s.sortedGroups();
  c.addReplyArrayLen(groups.length);
  for (const [name, cg] of groups) {
    c.addReplyMapLen(6);
    c.addReplyBulk('name');
    c.addReplyBulk(name);
    c.addReplyBulk('consumers');
    c.addReplyLongLong(cg.consumers.size);
    c.addReplyBulk('pending');
    c.addReplyLongLong(cg.pel.size);
    c.addReplyBulk('last-delivered-id');
    c.addReplyBulk(idToString(cg.lastId));
    c.addReplyBulk('entries-read');
    replyEntriesRead(c, cg);
    c.addReplyBulk('lag');
    replyCgLag(c, s, cg);
  }
}

// ---- table -------------------------------------------------------------------------

export const streamCommands: CommandSpec[] = [
  cmd('xadd', -5, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xaddCommand }),
  cmd('xlen', 2, ['readonly', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xlenCommand }),
  cmd('xrange', -4, ['readonly'], [1, 1, 1], { acl: ['stream'], handler: (c, argv) => xrangeGeneric(c, argv, false) }),
  cmd('xrevrange', -4, ['readonly'], [1, 1, 1], { acl: ['stream'], handler: (c, argv) => xrangeGeneric(c, argv, true) }),
  cmd('xdel', -3, ['write', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xdelCommand }),
  cmd('xtrim', -4, ['write'], [1, 1, 1], { acl: ['stream'], handler: xtrimCommand }),
  cmd('xsetid', -3, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xsetidCommand }),
  cmd('xread', -4, ['readonly', 'blocking'], [0, 0, 0], { acl: ['stream'], handler: xreadCommand, getKeys: xreadGetKeys }),
  cmd('xreadgroup', -7, ['write', 'blocking'], [0, 0, 0], { acl: ['stream'], handler: xreadCommand, getKeys: xreadGetKeys }),
  cmd('xack', -4, ['write', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xackCommand }),
  cmd('xpending', -3, ['readonly'], [1, 1, 1], { acl: ['stream'], handler: xpendingCommand }),
  cmd('xclaim', -6, ['write', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xclaimCommand }),
  cmd('xautoclaim', -6, ['write', 'fast'], [1, 1, 1], { acl: ['stream'], handler: xautoclaimCommand }),
  cmd('xgroup', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('create', -5, ['write', 'denyoom'], [2, 2, 1], { acl: ['stream'], handler: xgroupCommand }),
      cmd('setid', -5, ['write'], [2, 2, 1], { acl: ['stream'], handler: xgroupCommand }),
      cmd('destroy', 4, ['write'], [2, 2, 1], { acl: ['stream'], handler: xgroupCommand }),
      cmd('createconsumer', 5, ['write', 'denyoom'], [2, 2, 1], { acl: ['stream'], handler: xgroupCommand }),
      cmd('delconsumer', 5, ['write'], [2, 2, 1], { acl: ['stream'], handler: xgroupCommand }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], { acl: ['stream'], handler: xgroupCommand }),
    ],
  }),
  cmd('xinfo', -2, [], [0, 0, 0], {
    subcommands: [
      cmd('stream', -3, ['readonly'], [2, 2, 1], { acl: ['stream'], handler: (c, argv) => xinfoStream(c, argv, xinfoLookup(c, argv)) }),
      cmd('groups', 3, ['readonly'], [2, 2, 1], { acl: ['stream'], handler: xinfoGroups }),
      cmd('consumers', 4, ['readonly'], [2, 2, 1], { acl: ['stream'], handler: xinfoConsumers }),
      cmd('help', 2, ['loading', 'stale'], [0, 0, 0], {
        acl: ['stream'],
        handler: (c) =>
          c.addReplyHelp('xinfo', [
            'CONSUMERS <key> <groupname>',
            '    Show consumers of <groupname>.',
            'GROUPS <key>',
            '    Show the stream consumer groups.',
            'STREAM <key> [FULL [COUNT <count>]',
            '    Show information about the stream.',
          ]),
      }),
    ],
  }),
];

