/**
 * Sorted set commands (t_zset.c), the non-blocking ones. genericZpop() is
 * exported for the blocking variants (BZPOPMIN/BZPOPMAX/BZMPOP).
 */
import { CLIENT_CLOSE_ASAP, type Client } from '../server/client.js';
import { cmd } from './table.js';
import { RedisError, Errors, type CommandSpec } from './types.js';
import { asType, getDouble, getLongLong, getPositiveLong } from './args.js';
import { dbAdd, dbDelete, lookupRead, lookupWrite, setKey } from './db-ops.js';
import { copt } from './string.js';
import { parseScanArgs, parseScanCursor, replyScan, scanDict, scanFilter } from './keys.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify.js';
import { typeOf, type RBytes } from '../store/types.js';
import {
  ZSet,
  zsetLimits,
  ZADD_IN_GT,
  ZADD_IN_INCR,
  ZADD_IN_LT,
  ZADD_IN_NX,
  ZADD_IN_XX,
  ZADD_OUT_ADDED,
  ZADD_OUT_NAN,
  ZADD_OUT_NOP,
  ZADD_OUT_UPDATED,
  type ZsetLimits,
} from '../store/zset.js';
import { LEX_MAX, LEX_MIN, type LexBound, type LexRange, type ScoreRange } from '../store/skiplist.js';
import { d2string, formatDouble, string2d, string2ll, string2llBig } from '../util/numbers.js';

export const ZSET_MIN = 0;
export const ZSET_MAX = 1;

const LONG_MAX = 9223372036854775807;

/** The set type as a ZUNION/ZINTER/ZDIFF input (every member scores 1). */
interface SetInput {
  readonly type: 'set';
  readonly size: number;
  has(member: string): boolean;
  forEach(fn: (member: string) => void): void;
}

function limits(c: Client): ZsetLimits {
  return zsetLimits(c.server.config);
}

function zsetRead(c: Client, key: string): ZSet | undefined {
  return asType<ZSet>(lookupRead(c, key), 'zset');
}

function zsetWrite(c: Client, key: string): ZSet | undefined {
  return asType<ZSet>(lookupWrite(c, key), 'zset');
}

// ---- range arguments ----------------------------------------------------------

const HEX_PREFIX = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const DEC_PREFIX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const INF_PREFIX = /^[+-]?(?:infinity|inf)/i;
const NAN_PREFIX = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?/i;

/**
 * strtod() over a C string: the value and the index where parsing stopped
 * (0 when nothing was parsed). Leading white space is skipped as strtod()
 * does; NaN comes back as NaN.
 */
export function strtodPrefix(s: string): [number, number] {
  let p = 0;
  while (p < s.length) {
    const ch = s.charCodeAt(p);
    if (ch === 32 || (ch >= 9 && ch <= 13)) p++;
    else break;
  }
  const t = p === 0 ? s : s.slice(p);
  let m = HEX_PREFIX.exec(t);
  if (m !== null) {
    const v = string2d(m[0]);
    if (v !== null) return [v, p + m[0].length];
    // Out of the double range: strtod() gives +-HUGE_VAL or a signed zero.
    const neg = m[0].charCodeAt(0) === 45;
    const exp = /[pP]([+-]?\d+)$/.exec(m[0]);
    const big = exp !== null && Number(exp[1]) > 0;
    return [big ? (neg ? -Infinity : Infinity) : neg ? -0 : 0, p + m[0].length];
  }
  m = DEC_PREFIX.exec(t);
  if (m !== null) return [Number(m[0]), p + m[0].length];
  m = INF_PREFIX.exec(t);
  if (m !== null) return [m[0].charCodeAt(0) === 45 ? -Infinity : Infinity, p + m[0].length];
  m = NAN_PREFIX.exec(t);
  if (m !== null) return [NaN, p + m[0].length];
  return [0, 0];
}

/** One bound of a score range: strtod() up to the end (or a NUL byte), not NaN. */
function parseScoreBound(s: string): [number, boolean] | null {
  const ex = s.charCodeAt(0) === 40; // '('
  const body = ex ? s.slice(1) : s;
  // A plain integer of up to 15 digits is what strtod() makes of it, exactly.
  const n = body.length <= 15 ? string2ll(body) : null;
  if (n !== null) return [n, ex];
  const [v, end] = strtodPrefix(body);
  if ((end !== body.length && body.charCodeAt(end) !== 0) || Number.isNaN(v)) return null;
  return [v, ex];
}

/** zslParseRange(). */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = parseScoreBound(min);
  if (a === null) return null;
  const b = parseScoreBound(max);
  if (b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

/** zslParseLexRangeItem(). */
function parseLexItem(s: string): [LexBound, boolean] | null {
  const c0 = s.charCodeAt(0);
  switch (c0) {
    case 43: // '+'
      return s.length === 1 || s.charCodeAt(1) === 0 ? [LEX_MAX, true] : null;
    case 45: // '-'
      return s.length === 1 || s.charCodeAt(1) === 0 ? [LEX_MIN, true] : null;
    case 40: // '('
      return [s.slice(1), true];
    case 91: // '['
      return [s.slice(1), false];
    default:
      return null;
  }
}

/** zslParseLexRange(). */
export function parseLexRange(min: string, max: string): LexRange | null {
  const a = parseLexItem(min);
  if (a === null) return null;
  const b = parseLexItem(max);
  if (b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

const ERR_NOT_FLOAT_RANGE = 'min or max is not a float';
const ERR_NOT_LEX_RANGE = 'min or max not valid string range item';

// ---- ZADD ZINCRBY ZREM --------------------------------------------------------------

function zaddGeneric(c: Client, argv: string[], inFlags: number): void {
  const key = argv[1];
  let flags = inFlags;
  let ch = false;
  let scoreidx = 2;
  while (scoreidx < argv.length) {
    // Options start with a letter; a score almost never does (inf, nan).
    const c0 = argv[scoreidx].charCodeAt(0) | 0x20;
    if (c0 < 97 || c0 > 122) break;
    const opt = copt(argv[scoreidx]);
    if (opt === 'nx') flags |= ZADD_IN_NX;
    else if (opt === 'xx') flags |= ZADD_IN_XX;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') flags |= ZADD_IN_INCR;
    else if (opt === 'gt') flags |= ZADD_IN_GT;
    else if (opt === 'lt') flags |= ZADD_IN_LT;
    else break;
    scoreidx++;
  }
  const incr = (flags & ZADD_IN_INCR) !== 0;
  const nx = (flags & ZADD_IN_NX) !== 0;
  const xx = (flags & ZADD_IN_XX) !== 0;
  const gt = (flags & ZADD_IN_GT) !== 0;
  const lt = (flags & ZADD_IN_LT) !== 0;

  let elements = argv.length - scoreidx;
  if (elements % 2 !== 0 || elements === 0) throw new RedisError(Errors.syntax);
  elements /= 2;
  if (nx && xx) throw new RedisError('XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    throw new RedisError('GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 1) throw new RedisError('INCR option supports a single increment-element pair');

  const scores = new Array<number>(elements);
  for (let j = 0; j < elements; j++) scores[j] = getDouble(argv[scoreidx + j * 2]);

  const db = c.db;
  let zobj = zsetWrite(c, key);
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (zobj !== undefined || !xx) {
    const lim = limits(c);
    if (zobj === undefined) {
      zobj = ZSet.forFirstMember(argv[scoreidx + 1], lim);
      dbAdd(c, db, key, zobj);
    }
    for (let j = 0; j < elements; j++) {
      const ret = zobj.add(scores[j], argv[scoreidx + 1 + j * 2], flags, lim);
      if (ret & ZADD_OUT_NAN) {
        c.addReplyError('resulting score is not a number (NaN)');
        zaddNotify(c, key, incr, added, updated);
        return;
      }
      if (ret & ZADD_OUT_ADDED) added++;
      if (ret & ZADD_OUT_UPDATED) updated++;
      if (!(ret & ZADD_OUT_NOP)) {
        processed++;
        score = zobj.newScore;
      }
    }
    c.server.dirty += added + updated;
  }
  if (incr) {
    if (processed) c.addReplyDouble(score);
    else c.addReplyNull();
  } else {
    c.addReplyLongLong(ch ? added + updated : added);
  }
  zaddNotify(c, key, incr, added, updated);
}

function zaddNotify(c: Client, key: string, incr: boolean, added: number, updated: number): void {
  if (added || updated) {
    c.server.signalModifiedKey(c, c.db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, incr ? 'zincr' : 'zadd', key, c.db.id);
  }
}

function zremCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const zobj = zsetWrite(c, key);
  if (zobj === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  const db = c.db;
  let deleted = 0;
  let keyremoved = false;
  for (let j = 2; j < argv.length; j++) {
    if (zobj.remove(argv[j])) deleted++;
    if (zobj.size === 0) {
      dbDelete(c, db, key);
      keyremoved = true;
      break;
    }
  }
  if (deleted) {
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, 'zrem', key, db.id);
    if (keyremoved) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
    c.server.signalModifiedKey(c, db, key);
    c.server.dirty += deleted;
  }
  c.addReplyLongLong(deleted);
}

// ---- ZREMRANGEBY* ------------------------------------------------------------------

const RANGE_AUTO = 0;
const RANGE_RANK = 1;
const RANGE_SCORE = 2;
const RANGE_LEX = 3;

function zremrangeGeneric(c: Client, argv: string[], rangetype: number): void {
  const key = argv[1];
  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lexrange: LexRange | null = null;
  let event: string;
  if (rangetype === RANGE_RANK) {
    event = 'zremrangebyrank';
    start = getLongLong(argv[2]);
    end = getLongLong(argv[3]);
  } else if (rangetype === RANGE_SCORE) {
    event = 'zremrangebyscore';
    range = parseScoreRange(argv[2], argv[3]);
    if (range === null) throw new RedisError(ERR_NOT_FLOAT_RANGE);
  } else {
    event = 'zremrangebylex';
    lexrange = parseLexRange(argv[2], argv[3]);
    if (lexrange === null) throw new RedisError(ERR_NOT_LEX_RANGE);
  }
  const zobj = zsetWrite(c, key);
  if (zobj === undefined) {
    c.addReplyLongLong(0);
    return;
  }
  if (rangetype === RANGE_RANK) {
    const llen = zobj.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      c.addReplyLongLong(0);
      return;
    }
    if (end >= llen) end = llen - 1;
  }
  let deleted: number;
  if (rangetype === RANGE_RANK) deleted = zobj.deleteRangeByRank(start, end);
  else if (rangetype === RANGE_SCORE) deleted = zobj.deleteRangeByScore(range!);
  else deleted = zobj.deleteRangeByLex(lexrange!);
  const db = c.db;
  let keyremoved = false;
  if (zobj.size === 0) {
    dbDelete(c, db, key);
    keyremoved = true;
  }
  if (deleted) {
    c.server.signalModifiedKey(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_ZSET, event, key, db.id);
    if (keyremoved) c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  c.server.dirty += deleted;
  c.addReplyLongLong(deleted);
}

// ---- ZUNION ZINTER ZDIFF and their STORE forms, ZINTERCARD -------------------------------

const SET_OP_UNION = 0;
const SET_OP_DIFF = 1;
const SET_OP_INTER = 2;

const AGGR_SUM = 1;
const AGGR_MIN = 2;
const AGGR_MAX = 3;

interface OpSource {
  obj: ZSet | SetInput | null;
  weight: number;
}

function srcLength(s: OpSource): number {
  return s.obj === null ? 0 : s.obj.size;
}

/** zuiNext() over a source: sorted sets from the highest member down, sets score 1. */
function srcForEach(s: OpSource, fn: (ele: string, score: number) => void): void {
  const o = s.obj;
  if (o === null) return;
  if (o instanceof ZSet) o.forEachReverse(fn);
  else o.forEach((m) => fn(m, 1));
}

/** zuiFind(): the member's score in a source, or undefined. */
function srcFind(s: OpSource, ele: string): number | undefined {
  const o = s.obj;
  if (o === null) return undefined;
  if (o instanceof ZSet) return o.score(ele);
  return o.has(ele) ? 1 : undefined;
}

/** zunionInterAggregate(). */
function aggregate(target: number, val: number, aggr: number): number {
  if (aggr === AGGR_SUM) {
    const r = target + val;
    // inf + -inf is NaN: Redis keeps 0 by convention.
    return Number.isNaN(r) ? 0 : r;
  }
  if (aggr === AGGR_MIN) return val < target ? val : target;
  return val > target ? val : target;
}

/** (score, member) order of the sorted set. */
function cmpEntries(ae: string, as: number, be: string, bs: number): number {
  if (as < bs) return -1;
  if (as > bs) return 1;
  return ae < be ? -1 : ae > be ? 1 : 0;
}

/** Result members with scores, sorted as a sorted set orders them. */
class ResultSet {
  ele: string[] = [];
  score: number[] = [];
  maxEleLen = 0;

  push(ele: string, score: number): void {
    this.ele.push(ele);
    this.score.push(score);
    if (ele.length > this.maxEleLen) this.maxEleLen = ele.length;
  }

  get length(): number {
    return this.ele.length;
  }

  sort(): void {
    const n = this.ele.length;
    const idx = new Array<number>(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    const es = this.ele;
    const ss = this.score;
    idx.sort((a, b) => cmpEntries(es[a], ss[a], es[b], ss[b]));
    this.ele = idx.map((i) => es[i]);
    this.score = idx.map((i) => ss[i]);
  }

  /** The sorted result as a stored sorted set (zsetConvertToListpackIfNeeded()). */
  toZSet(lim: ZsetLimits): ZSet {
    const z = ZSet.skiplist();
    for (let i = this.ele.length - 1; i >= 0; i--) z.add(this.score[i], this.ele[i], 0, lim);
    z.convertToListpackIfNeeded(this.maxEleLen, lim);
    return z;
  }
}

function zunionInterDiffGeneric(
  c: Client,
  argv: string[],
  dstkey: string | null,
  numkeysIndex: number,
  op: number,
  cardinalityOnly: boolean,
): void {
  const setnum = getLongLong(argv[numkeysIndex]);
  if (setnum < 1) throw new RedisError(`at least 1 input key is needed for '${c.cmd!.fullname}' command`);
  if (setnum > argv.length - (numkeysIndex + 1)) throw new RedisError(Errors.syntax);

  const src: OpSource[] = new Array(setnum);
  let j = numkeysIndex + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const obj = lookupRead(c, argv[j]);
    if (obj !== undefined) {
      const t = typeOf(obj);
      if (t !== 'zset' && t !== 'set') throw new RedisError(Errors.wrongType);
      src[i] = { obj: obj as unknown as ZSet | SetInput, weight: 1 };
    } else {
      src[i] = { obj: null, weight: 1 };
    }
  }

  let aggr = AGGR_SUM;
  let withscores = false;
  let limit = 0;
  let remaining = argv.length - j;
  while (remaining > 0) {
    const opt = copt(argv[j]);
    if (op !== SET_OP_DIFF && !cardinalityOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      remaining--;
      for (let i = 0; i < setnum; i++, j++, remaining--) {
        src[i].weight = getDouble(argv[j], 'weight value is not a float');
      }
    } else if (op !== SET_OP_DIFF && !cardinalityOnly && remaining >= 2 && opt === 'aggregate') {
      j++;
      remaining--;
      const a = copt(argv[j]);
      if (a === 'sum') aggr = AGGR_SUM;
      else if (a === 'min') aggr = AGGR_MIN;
      else if (a === 'max') aggr = AGGR_MAX;
      else throw new RedisError(Errors.syntax);
      j++;
      remaining--;
    } else if (remaining >= 1 && dstkey === null && !cardinalityOnly && opt === 'withscores') {
      j++;
      remaining--;
      withscores = true;
    } else if (cardinalityOnly && remaining >= 2 && opt === 'limit') {
      j++;
      remaining--;
      const v = string2ll(argv[j]);
      if (v === null || v < 0) throw new RedisError("LIMIT can't be negative");
      limit = v;
      j++;
      remaining--;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }

  // Smallest input first (a stable sort, as glibc's qsort() is here).
  if (op !== SET_OP_DIFF) src.sort((a, b) => srcLength(a) - srcLength(b));

  const res = new ResultSet();
  let cardinality = 0;
  if (op === SET_OP_INTER) {
    if (srcLength(src[0]) > 0) {
      const first = src[0];
      try {
        srcForEach(first, (ele, s0) => {
          let score = first.weight * s0;
          if (Number.isNaN(score)) score = 0;
          let k = 1;
          for (; k < setnum; k++) {
            const other = src[k];
            let value: number | undefined;
            if (other.obj === first.obj) value = s0 * other.weight;
            else {
              value = srcFind(other, ele);
              if (value === undefined) break;
              value *= other.weight;
            }
            score = aggregate(score, value, aggr);
          }
          if (k !== setnum) return;
          if (cardinalityOnly) {
            cardinality++;
            if (limit && cardinality >= limit) throw STOP;
          } else {
            res.push(ele, score);
          }
        });
      } catch (e) {
        if (e !== STOP) throw e;
      }
    }
  } else if (op === SET_OP_UNION) {
    const acc = new Map<string, number>();
    for (let i = 0; i < setnum; i++) {
      const s = src[i];
      if (srcLength(s) === 0) continue;
      srcForEach(s, (ele, sc) => {
        let score = s.weight * sc;
        if (Number.isNaN(score)) score = 0;
        const prev = acc.get(ele);
        acc.set(ele, prev === undefined ? score : aggregate(prev, score, aggr));
      });
    }
    for (const [ele, score] of acc) res.push(ele, score);
  } else {
    // Members of the first input found in no other (both of Redis's
    // algorithms give this result).
    const first = src[0];
    if (srcLength(first) > 0) {
      srcForEach(first, (ele, score) => {
        for (let k = 1; k < setnum; k++) {
          if (src[k].obj === first.obj || srcFind(src[k], ele) !== undefined) return;
        }
        res.push(ele, score);
      });
    }
  }

  const db = c.db;
  if (dstkey !== null) {
    if (res.length > 0) {
      res.sort();
      const lim = limits(c);
      const dst = res.toZSet(lim);
      setKey(c, db, dstkey, dst);
      c.addReplyLongLong(dst.size);
      const event = op === SET_OP_UNION ? 'zunionstore' : op === SET_OP_INTER ? 'zinterstore' : 'zdiffstore';
      c.server.notifyKeyspaceEvent(NOTIFY_ZSET, event, dstkey, db.id);
      c.server.dirty++;
    } else {
      c.addReplyLongLong(0);
      if (dbDelete(c, db, dstkey)) {
        c.server.signalModifiedKey(c, db, dstkey);
        c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', dstkey, db.id);
        c.server.dirty++;
      }
    }
  } else if (cardinalityOnly) {
    c.addReplyLongLong(cardinality);
  } else {
    res.sort();
    const n = res.length;
    c.addReplyArrayLen(withscores && c.resp === 2 ? n * 2 : n);
    for (let i = 0; i < n; i++) {
      if (withscores && c.resp > 2) c.addReplyArrayLen(2);
      c.addReplyBulk(res.ele[i]);
      if (withscores) c.addReplyDouble(res.score[i]);
    }
  }
}

const STOP = new Error('stop');

// ---- ZRANGE family ------------------------------------------------------------------

const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/** Where range results go: the client's reply or a destination key. */
interface RangeSink {
  begin(length: number): void;
  emit(ele: string, score: number): void;
  finalize(count: number): void;
}

class ClientSink implements RangeSink {
  private ele: string[] = [];
  private score: number[] = [];
  withscores = false;

  constructor(private c: Client) {}

  begin(): void {}

  emit(ele: string, score: number): void {
    this.ele.push(ele);
    if (this.withscores) this.score.push(score);
  }

  finalize(): void {
    const c = this.c;
    const n = this.ele.length;
    const ws = this.withscores;
    c.addReplyArrayLen(ws && c.resp === 2 ? n * 2 : n);
    for (let i = 0; i < n; i++) {
      if (ws && c.resp > 2) c.addReplyArrayLen(2);
      c.addReplyBulk(this.ele[i]);
      if (ws) c.addReplyDouble(this.score[i]);
    }
  }
}

class StoreSink implements RangeSink {
  private dst: ZSet | null = null;
  private lim: ZsetLimits;

  constructor(
    private c: Client,
    private dstkey: string,
  ) {
    this.lim = limits(c);
  }

  begin(length: number): void {
    this.dst = length > this.lim.maxEntries ? ZSet.skiplist() : ZSet.listpack();
  }

  emit(ele: string, score: number): void {
    this.dst!.add(score, ele, 0, this.lim);
  }

  finalize(count: number): void {
    const c = this.c;
    const db = c.db;
    if (count) {
      setKey(c, db, this.dstkey, this.dst!);
      c.addReplyLongLong(count);
      c.server.notifyKeyspaceEvent(NOTIFY_ZSET, 'zrangestore', this.dstkey, db.id);
      c.server.dirty++;
    } else {
      c.addReplyLongLong(0);
      if (dbDelete(c, db, this.dstkey)) {
        c.server.signalModifiedKey(c, db, this.dstkey);
        c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', this.dstkey, db.id);
        c.server.dirty++;
      }
    }
  }
}

/**
 * zrangeGenericCommand(): ZRANGE, ZRANGESTORE and the Z[REV]RANGE[BYSCORE|
 * BYLEX] forms. argv[argcStart] is the source key.
 */
function zrangeGeneric(
  c: Client,
  argv: string[],
  argcStart: number,
  dstkey: string | null,
  rangetypeIn: number,
  directionIn: number,
): void {
  let rangetype = rangetypeIn;
  let direction = directionIn;
  const store = dstkey !== null;
  const key = argv[argcStart];
  let minidx = argcStart + 1;
  let maxidx = argcStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;

  for (let j = argcStart + 3; j < argv.length; j++) {
    const leftargs = argv.length - j - 1;
    const opt = copt(argv[j]);
    if (!store && opt === 'withscores') {
      withscores = true;
    } else if (opt === 'limit' && leftargs >= 2) {
      offset = getLongLong(argv[j + 1]);
      limit = getLongLong(argv[j + 2]);
      j += 2;
    } else if (direction === DIR_AUTO && opt === 'rev') {
      direction = DIR_REVERSE;
    } else if (rangetype === RANGE_AUTO && opt === 'bylex') {
      rangetype = RANGE_LEX;
    } else if (rangetype === RANGE_AUTO && opt === 'byscore') {
      rangetype = RANGE_SCORE;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (direction === DIR_AUTO) direction = DIR_FORWARD;
  if (rangetype === RANGE_AUTO) rangetype = RANGE_RANK;

  if (limit !== -1 && rangetype === RANGE_RANK) {
    throw new RedisError('syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
  }
  if (withscores && rangetype === RANGE_LEX) {
    throw new RedisError('syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const reverse = direction === DIR_REVERSE;
  if (reverse && (rangetype === RANGE_SCORE || rangetype === RANGE_LEX)) {
    const t = maxidx;
    maxidx = minidx;
    minidx = t;
  }

  let start = 0;
  let end = 0;
  let range: ScoreRange | null = null;
  let lexrange: LexRange | null = null;
  if (rangetype === RANGE_RANK) {
    start = getLongLong(argv[minidx]);
    end = getLongLong(argv[maxidx]);
  } else if (rangetype === RANGE_SCORE) {
    range = parseScoreRange(argv[minidx], argv[maxidx]);
    if (range === null) throw new RedisError(ERR_NOT_FLOAT_RANGE);
  } else {
    lexrange = parseLexRange(argv[minidx], argv[maxidx]);
    if (lexrange === null) throw new RedisError(ERR_NOT_LEX_RANGE);
  }

  let sink: RangeSink;
  if (store) {
    sink = new StoreSink(c, dstkey);
  } else {
    const cs = new ClientSink(c);
    cs.withscores = withscores;
    sink = cs;
  }

  const v = lookupRead(c, key);
  if (v === undefined) {
    if (store) {
      sink.begin(-1);
      sink.finalize(0);
    } else {
      c.addReplyArrayLen(0);
    }
    return;
  }
  const zobj = asType<ZSet>(v, 'zset')!;
  const emit = (e: string, s: number): void => sink.emit(e, s);

  if (rangetype === RANGE_RANK) {
    const llen = zobj.size;
    if (start < 0) start = llen + start;
    if (end < 0) end = llen + end;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      sink.begin(0);
      sink.finalize(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    const rangelen = end - start + 1;
    sink.begin(rangelen);
    zobj.rangeByRank(start, end, reverse, emit);
    sink.finalize(rangelen);
  } else if (rangetype === RANGE_SCORE) {
    sink.begin(-1);
    const n = zobj.rangeByScore(range!, offset, limit, reverse, emit);
    sink.finalize(n);
  } else {
    sink.begin(-1);
    const n = zobj.rangeByLex(lexrange!, offset, limit, reverse, emit);
    sink.finalize(n);
  }
}

// ---- simple readers ---------------------------------------------------------------

function zcardCommand(c: Client, argv: string[]): void {
  const z = zsetRead(c, argv[1]);
  c.addReplyLongLong(z === undefined ? 0 : z.size);
}

function zcountCommand(c: Client, argv: string[]): void {
  const range = parseScoreRange(argv[2], argv[3]);
  if (range === null) throw new RedisError(ERR_NOT_FLOAT_RANGE);
  const z = zsetRead(c, argv[1]);
  c.addReplyLongLong(z === undefined ? 0 : z.countInRange(range));
}

function zlexcountCommand(c: Client, argv: string[]): void {
  const range = parseLexRange(argv[2], argv[3]);
  if (range === null) throw new RedisError(ERR_NOT_LEX_RANGE);
  const z = zsetRead(c, argv[1]);
  c.addReplyLongLong(z === undefined ? 0 : z.countInLexRange(range));
}

function zscoreCommand(c: Client, argv: string[]): void {
  const z = zsetRead(c, argv[1]);
  const s = z === undefined ? undefined : z.score(argv[2]);
  if (s === undefined) c.addReplyNull();
  else c.addReplyDouble(s);
}

function zmscoreCommand(c: Client, argv: string[]): void {
  const z = zsetRead(c, argv[1]);
  c.addReplyArrayLen(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === undefined ? undefined : z.score(argv[j]);
    if (s === undefined) c.addReplyNull();
    else c.addReplyDouble(s);
  }
}

function zrankGeneric(c: Client, argv: string[], reverse: boolean): void {
  const z = zsetRead(c, argv[1]);
  if (z === undefined) {
    c.addReplyNull();
    return;
  }
  const r = z.rank(argv[2], reverse);
  if (r >= 0) c.addReplyLongLong(r);
  else c.addReplyNull();
}

function zscanCommand(c: Client, argv: string[]): void {
  const cursor = parseScanCursor(argv[2]);
  const z = zsetRead(c, argv[1]);
  if (z === undefined) {
    replyScan(c, 0, []);
    return;
  }
  const args = parseScanArgs(argv, 3, false);
  let items: RBytes[] = [];
  let next = 0;
  if (z.isListpack) {
    // The listpack's entries as stored: integral scores print as integers.
    z.forEach((e, s) => {
      items.push(e, d2string(s));
    });
  } else {
    next = scanDict(z.dict!, cursor, args.count * 2, items, (e, node, out) => {
      out.push(e, formatDouble(node.score));
    });
  }
  items = scanFilter(items, args.pattern, 2);
  replyScan(c, next, items);
}

// ---- pops ---------------------------------------------------------------------------

/** What genericZpop() popped from: the key and its length before the pop. */
export interface ZpopResult {
  key: string;
  llen: number;
}

/**
 * genericZpopCommand(): pop up to `count` (-1: a plain single pop) members
 * from the first non-empty sorted set among `keys` (missing keys skipped,
 * WRONGTYPE on the first non-zset). Replies in the shape selected by
 * emitKey/nested; with nothing to pop replies a null array when
 * nilWhenEmpty, else an empty array. Returns what was popped, or null.
 */
export function genericZpop(
  c: Client,
  keys: readonly string[],
  where: number,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
): ZpopResult | null {
  let key = '';
  let zobj: ZSet | undefined;
  for (let i = 0; i < keys.length; i++) {
    key = keys[i];
    zobj = zsetWrite(c, key);
    if (zobj !== undefined) break;
  }
  if (zobj === undefined) {
    if (nilWhenEmpty) c.addReplyNullArray();
    else c.addReplyArrayLen(0);
    return null;
  }
  if (count === 0) {
    c.addReplyArrayLen(0);
    return null;
  }
  if (count === -1) count = 1;
  const llen = zobj.size;
  let rangelen = count > llen ? llen : count;
  if (!nested && !emitKey) {
    c.addReplyArrayLen(rangelen * 2);
  } else if (nested && !emitKey) {
    c.addReplyArrayLen(rangelen);
  } else if (!nested && emitKey) {
    c.addReplyArrayLen(rangelen * 2 + 1);
    c.addReplyBulk(key);
  } else {
    c.addReplyArrayLen(2);
    c.addReplyBulk(key);
    c.addReplyArrayLen(rangelen);
  }
  const db = c.db;
  let first = true;
  do {
    const [ele, score] = zobj.peek(where === ZSET_MAX)!;
    zobj.remove(ele);
    c.server.dirty++;
    if (first) {
      first = false;
      c.server.notifyKeyspaceEvent(NOTIFY_ZSET, where === ZSET_MAX ? 'zpopmax' : 'zpopmin', key, db.id);
      c.server.signalModifiedKey(c, db, key);
    }
    if (nested) c.addReplyArrayLen(2);
    c.addReplyBulk(ele);
    c.addReplyDouble(score);
  } while (--rangelen > 0);
  if (zobj.size === 0) {
    dbDelete(c, db, key);
    c.server.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }
  return { key, llen };
}

function zpopMinMax(c: Client, argv: string[], where: number): void {
  if (argv.length > 3) throw new RedisError(Errors.syntax);
  const count = argv.length === 3 ? getPositiveLong(argv[2]) : -1;
  const nested = c.resp > 2 && count !== -1;
  genericZpop(c, [argv[1]], where, false, count, nested, false);
}

/**
 * ZMPOP/BZMPOP argument parsing (zmpopGenericCommand()): the keys, MIN or
 * MAX and the count, from argv[numkeysIdx] on.
 */
export function parseZmpopArgs(argv: string[], numkeysIdx: number): { keys: string[]; where: number; count: number } {
  const numkeys = string2ll(argv[numkeysIdx]);
  if (numkeys === null || numkeys < 1 || numkeys > LONG_MAX) throw new RedisError('numkeys should be greater than 0');
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) throw new RedisError(Errors.syntax);
  const w = copt(argv[whereIdx]);
  let where: number;
  if (w === 'min') where = ZSET_MIN;
  else if (w === 'max') where = ZSET_MAX;
  else throw new RedisError(Errors.syntax);
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    if (count === -1 && copt(argv[j]) === 'count' && moreargs > 0) {
      j++;
      const n = string2ll(argv[j]);
      if (n === null || n < 1) throw new RedisError('count should be greater than 0');
      count = n;
    } else {
      throw new RedisError(Errors.syntax);
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys), where, count };
}

function zmpopCommand(c: Client, argv: string[]): void {
  const { keys, where, count } = parseZmpopArgs(argv, 1);
  const r = genericZpop(c, keys, where, true, count, true, true);
  if (r !== null) {
    // Replicated as ZPOPMIN/ZPOPMAX with the count actually popped.
    c.ext.propagateArgv = [where === ZSET_MAX ? 'ZPOPMAX' : 'ZPOPMIN', r.key, String(count > r.llen ? r.llen : count)];
  }
}

// ---- ZRANDMEMBER ----------------------------------------------------------------------

/** ZRANDMEMBER_SUB_STRATEGY_MUL. */
const SUB_STRATEGY_MUL = 3;

function zrandmemberWithCount(c: Client, key: string, l: number, withscores: boolean): void {
  const z = zsetRead(c, key);
  if (z === undefined) {
    c.addReplyArrayLen(0);
    return;
  }
  const size = z.size;
  let count: number;
  let uniq = true;
  if (l >= 0) {
    count = l;
  } else {
    count = -l;
    uniq = false;
  }
  if (count === 0) {
    c.addReplyArrayLen(0);
    return;
  }
  const nested = withscores && c.resp > 2;
  const one = (ele: string, score: number): void => {
    if (nested) c.addReplyArrayLen(2);
    c.addReplyBulk(ele);
    if (withscores) c.addReplyDouble(score);
  };

  // Case 1: repetitions allowed (or a single member): independent samples.
  if (!uniq || count === 1) {
    c.addReplyArrayLen(withscores && c.resp === 2 ? count * 2 : count);
    while (count-- > 0) {
      const [e, s] = z.randomElement();
      one(e, s);
      // Output buffer limits may close the client: stop producing then.
      if (c.flags & CLIENT_CLOSE_ASAP) break;
    }
    return;
  }

  const replySize = count < size ? count : size;
  c.addReplyArrayLen(withscores && c.resp === 2 ? replySize * 2 : replySize);

  // Case 2: the whole set, in iteration order (highest first).
  if (count >= size) {
    z.forEachReverse(one);
    return;
  }

  // Case 3: close to the whole set: drop random members from a copy.
  if (count * SUB_STRATEGY_MUL > size) {
    const es: string[] = [];
    const ss: number[] = [];
    z.forEachReverse((e, s) => {
      es.push(e);
      ss.push(s);
    });
    // A random `count`-subset in random order (partial Fisher-Yates).
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const te = es[i];
      es[i] = es[j];
      es[j] = te;
      const ts = ss[i];
      ss[i] = ss[j];
      ss[j] = ts;
      one(es[i], ss[i]);
    }
    return;
  }

  // Case 4: a big set: sample until enough distinct members were seen.
  if (z.isListpack) {
    z.randomDistinct(count, one);
    return;
  }
  const seen = new Set<string>();
  while (seen.size < count) {
    const [e, s] = z.randomElement();
    if (seen.has(e)) continue;
    seen.add(e);
    one(e, s);
  }
}

function zrandmemberCommand(c: Client, argv: string[]): void {
  if (argv.length >= 3) {
    const v = string2llBig(argv[2]);
    if (v === null) throw new RedisError(Errors.notInteger);
    if (v < -9223372036854775807n) {
      throw new RedisError('value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    }
    if (argv.length > 4 || (argv.length === 4 && copt(argv[3]) !== 'withscores')) throw new RedisError(Errors.syntax);
    let withscores = false;
    if (argv.length === 4) {
      withscores = true;
      if (v < -4611686018427387903n || v > 4611686018427387903n) throw new RedisError('value is out of range');
    }
    zrandmemberWithCount(c, argv[1], Number(v), withscores);
    return;
  }
  const z = zsetRead(c, argv[1]);
  if (z === undefined) {
    c.addReplyNull();
    return;
  }
  c.addReplyBulk(z.randomElement()[0]);
}

// ---- key extraction for numkeys commands ---------------------------------------------

/** C atoi(): (int)strtol() of the leading decimal number. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  let v = BigInt(m[1]);
  if (v > 9223372036854775807n) v = 9223372036854775807n;
  if (v < -9223372036854775808n) v = -9223372036854775808n;
  return Number(BigInt.asIntN(32, v));
}

/**
 * getKeysFromCommandWithSpecs() for "[dest] numkeys key [key ...]"
 * commands: the key specs' answer (dest first) when numkeys is a valid
 * count that fits, else genericGetKeys()'s atoi() reading (dest last).
 */
function numkeysGetKeys(argv: string[], numkeysIdx: number, storeIdx: number): number[] {
  const argc = argv.length;
  const first = numkeysIdx + 1;
  if (numkeysIdx < argc) {
    const n = string2llBig(argv[numkeysIdx]);
    if (n !== null && n >= 0n) {
      const last = first + Number(BigInt.asIntN(32, n)) - 1;
      if (!(last >= argc || last < first || first >= argc)) {
        const out: number[] = storeIdx > 0 ? [storeIdx] : [];
        for (let i = first; i <= last; i++) out.push(i);
        return out;
      }
    }
  }
  const num = numkeysIdx < argc ? atoi(argv[numkeysIdx]) : 0;
  if (num < 1 || num > argc - first) return [];
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(first + i);
  if (storeIdx > 0) out.push(storeIdx);
  return out;
}

// ---- table ------------------------------------------------------------------------------

const SS = ['sortedset'];

export const zsetCommands: CommandSpec[] = [
  cmd('zadd', -4, ['write', 'denyoom', 'fast'], [1, 1, 1], { acl: SS, handler: (c, argv) => zaddGeneric(c, argv, 0) }),
  cmd('zincrby', 4, ['write', 'denyoom', 'fast'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zaddGeneric(c, argv, ZADD_IN_INCR),
  }),
  cmd('zrem', -3, ['write', 'fast'], [1, 1, 1], { acl: SS, handler: zremCommand }),
  cmd('zremrangebyscore', 4, ['write'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zremrangeGeneric(c, argv, RANGE_SCORE),
  }),
  cmd('zremrangebyrank', 4, ['write'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zremrangeGeneric(c, argv, RANGE_RANK),
  }),
  cmd('zremrangebylex', 4, ['write'], [1, 1, 1], { acl: SS, handler: (c, argv) => zremrangeGeneric(c, argv, RANGE_LEX) }),
  cmd('zunionstore', -4, ['write', 'denyoom'], [1, 1, 1], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 2, 1),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, argv[1], 2, SET_OP_UNION, false),
  }),
  cmd('zinterstore', -4, ['write', 'denyoom'], [1, 1, 1], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 2, 1),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, argv[1], 2, SET_OP_INTER, false),
  }),
  cmd('zdiffstore', -4, ['write', 'denyoom'], [1, 1, 1], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 2, 1),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, argv[1], 2, SET_OP_DIFF, false),
  }),
  cmd('zunion', -3, ['readonly'], [0, 0, 0], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 1, 0),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, null, 1, SET_OP_UNION, false),
  }),
  cmd('zinter', -3, ['readonly'], [0, 0, 0], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 1, 0),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, null, 1, SET_OP_INTER, false),
  }),
  cmd('zintercard', -3, ['readonly'], [0, 0, 0], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 1, 0),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, null, 1, SET_OP_INTER, true),
  }),
  cmd('zdiff', -3, ['readonly'], [0, 0, 0], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 1, 0),
    handler: (c, argv) => zunionInterDiffGeneric(c, argv, null, 1, SET_OP_DIFF, false),
  }),
  cmd('zrange', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_AUTO, DIR_AUTO),
  }),
  cmd('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 2, argv[1], RANGE_AUTO, DIR_AUTO),
  }),
  cmd('zrangebyscore', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_SCORE, DIR_FORWARD),
  }),
  cmd('zrevrangebyscore', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_SCORE, DIR_REVERSE),
  }),
  cmd('zrangebylex', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_LEX, DIR_FORWARD),
  }),
  cmd('zrevrangebylex', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_LEX, DIR_REVERSE),
  }),
  cmd('zcount', 4, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: zcountCommand }),
  cmd('zlexcount', 4, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: zlexcountCommand }),
  cmd('zrevrange', -4, ['readonly'], [1, 1, 1], {
    acl: SS,
    handler: (c, argv) => zrangeGeneric(c, argv, 1, null, RANGE_RANK, DIR_REVERSE),
  }),
  cmd('zcard', 2, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: zcardCommand }),
  cmd('zscore', 3, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: zscoreCommand }),
  cmd('zmscore', -3, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: zmscoreCommand }),
  cmd('zrank', 3, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: (c, argv) => zrankGeneric(c, argv, false) }),
  cmd('zrevrank', 3, ['readonly', 'fast'], [1, 1, 1], { acl: SS, handler: (c, argv) => zrankGeneric(c, argv, true) }),
  cmd('zscan', -3, ['readonly'], [1, 1, 1], { acl: SS, handler: zscanCommand }),
  cmd('zpopmin', -2, ['write', 'fast'], [1, 1, 1], { acl: SS, handler: (c, argv) => zpopMinMax(c, argv, ZSET_MIN) }),
  cmd('zpopmax', -2, ['write', 'fast'], [1, 1, 1], { acl: SS, handler: (c, argv) => zpopMinMax(c, argv, ZSET_MAX) }),
  cmd('zrandmember', -2, ['readonly'], [1, 1, 1], { acl: SS, handler: zrandmemberCommand }),
  cmd('zmpop', -4, ['write'], [0, 0, 0], {
    acl: SS,
    getKeys: (argv) => numkeysGetKeys(argv, 1, 0),
    handler: zmpopCommand,
  }),
];
