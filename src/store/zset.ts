/**
 * The sorted set value (t_zset.c), in Redis's two encodings:
 *
 * - "listpack": small sets, kept as two parallel arrays sorted by
 *   (score, member). Operations are linear scans like Redis's listpack
 *   ones (cheap at <= zset-max-listpack-entries). Scores are stored as the
 *   listpack stores them: a score that is an integer of at most 2^62 in
 *   magnitude is kept as an integer, which turns -0 into 0.
 * - "skiplist": a SkipList (ranks in O(log n)) plus a Dict from member to
 *   node (O(1) score lookups, the SCAN cursor and random sampling).
 *
 * A set is created as listpack unless the first member is too long (or the
 * entry limit is 0) and converts to skiplist once it would exceed
 * zset-max-listpack-entries entries or gets a member longer than
 * zset-max-listpack-value bytes; it never converts back except where Redis
 * does (store results: convertToListpackIfNeeded()).
 */
import type { EncodingConfig, RObjectBase } from './types.js';
import { Dict } from './dict.js';
import {
  SkipList,
  ZNode,
  lexGteMin,
  lexLteMax,
  lexRangeEmpty,
  scoreRangeEmpty,
  valueGteMin,
  valueLteMax,
  type LexRange,
  type ScoreRange,
} from './skiplist.js';
import {
  EMPTY_DICT_BYTES,
  EMPTY_SKIPLIST_BYTES,
  HEAP_NUMBER_BYTES,
  ZSKIPLIST_ENTRY_BYTES,
  arrayBytes,
  memAdjust,
  objectBytes,
  stringBytes,
  type MemAccount,
  type MemTracked,
} from './memcost.js';

export const ZADD_IN_INCR = 1 << 0;
export const ZADD_IN_NX = 1 << 1;
export const ZADD_IN_XX = 1 << 2;
export const ZADD_IN_GT = 1 << 3;
export const ZADD_IN_LT = 1 << 4;

export const ZADD_OUT_NOP = 1 << 0;
export const ZADD_OUT_NAN = 1 << 1;
export const ZADD_OUT_ADDED = 1 << 2;
export const ZADD_OUT_UPDATED = 1 << 3;

/** Encoding thresholds (server.zset_max_listpack_entries / _value). */
export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

export function zsetLimits(cfg: EncodingConfig): ZsetLimits {
  return { maxEntries: cfg.num('zset-max-listpack-entries'), maxValue: cfg.num('zset-max-listpack-value') };
}

/** The score as a listpack keeps it (double2ll(): integers lose a -0 sign). */
function lpScore(score: number): number {
  return score === 0 ? 0 : score;
}

export type ZEmit = (ele: string, score: number) => void;

export class ZSet implements RObjectBase, MemTracked {
  /** On the prototype: no per-object field. */
  get type(): 'zset' {
    return 'zset';
  }
  /** Listpack form: members and scores in (score, member) order. */
  private lpEle: string[] | null;
  private lpSc: number[] | null;
  /** Skiplist form. */
  zsl: SkipList | null;
  dict: Dict<ZNode> | null;
  /** The resulting score of the last add() (zsetAdd()'s *newscore). */
  newScore = 0;
  memBytes: number;
  memOwner: MemAccount | null = null;

  /** Estimated bytes of an empty sorted set in either form (memcost.ts). */
  static baseBytes(listpack: boolean): number {
    return objectBytes(7) + HEAP_NUMBER_BYTES + (listpack ? 2 * arrayBytes(0) : EMPTY_SKIPLIST_BYTES + EMPTY_DICT_BYTES);
  }

  private constructor(listpack: boolean) {
    this.memBytes = ZSet.baseBytes(listpack);
    if (listpack) {
      this.lpEle = [];
      this.lpSc = [];
      this.zsl = null;
      this.dict = null;
    } else {
      this.lpEle = null;
      this.lpSc = null;
      this.zsl = new SkipList();
      this.dict = new Dict<ZNode>();
    }
  }

  /** createZsetListpackObject(). */
  static listpack(): ZSet {
    return new ZSet(true);
  }

  /** createZsetObject(). */
  static skiplist(): ZSet {
    return new ZSet(false);
  }

  /**
   * The object ZADD creates for a new key whose first member is `firstEle`
   * (zaddGenericCommand()).
   */
  static forFirstMember(firstEle: string, lim: ZsetLimits): ZSet {
    return lim.maxEntries === 0 || lim.maxValue < firstEle.length ? ZSet.skiplist() : ZSet.listpack();
  }

  get isListpack(): boolean {
    return this.lpEle !== null;
  }

  get size(): number {
    return this.lpEle !== null ? this.lpEle.length : this.zsl!.length;
  }

  encoding(_cfg?: EncodingConfig): string {
    return this.lpEle !== null ? 'listpack' : 'skiplist';
  }

  /** zsetDup(): a deep copy with the same encoding. */
  dup(): ZSet {
    if (this.lpEle !== null) {
      const z = ZSet.listpack();
      z.lpEle = this.lpEle.slice();
      z.lpSc = this.lpSc!.slice();
      z.memBytes = this.memBytes;
      return z;
    }
    const z = ZSet.skiplist();
    // From the highest to the lowest: each insert stops at the header.
    for (let n = this.zsl!.tail; n !== null; n = n.backward) {
      z.dict!.insertNew(n.ele, z.zsl!.insert(n.score, n.ele));
    }
    z.memBytes = this.memBytes;
    return z;
  }

  // ---- conversion -------------------------------------------------------------

  /** zsetConvert() to skiplist. */
  convertToSkiplist(): void {
    const ele = this.lpEle;
    if (ele === null) return;
    const sc = this.lpSc!;
    const zsl = new SkipList();
    const dict = new Dict<ZNode>();
    let bytes = ZSet.baseBytes(false);
    for (let i = 0; i < ele.length; i++) {
      dict.insertNew(ele[i], zsl.insert(sc[i], ele[i]));
      bytes += ZSKIPLIST_ENTRY_BYTES + stringBytes(ele[i].length);
    }
    this.zsl = zsl;
    this.dict = dict;
    this.lpEle = null;
    this.lpSc = null;
    memAdjust(this, bytes - this.memBytes);
  }

  /** zsetConvert() to listpack. */
  private convertToListpack(): void {
    if (this.lpEle !== null) return;
    const ele: string[] = [];
    const sc: number[] = [];
    let bytes = ZSet.baseBytes(true);
    for (let n = this.zsl!.first(); n !== null; n = n.n0) {
      ele.push(n.ele);
      sc.push(lpScore(n.score));
      bytes += 16 + stringBytes(n.ele.length);
    }
    this.lpEle = ele;
    this.lpSc = sc;
    this.zsl = null;
    this.dict = null;
    memAdjust(this, bytes - this.memBytes);
  }

  /**
   * zsetConvertToListpackIfNeeded(): for freshly built store results, given
   * the longest member's length.
   */
  convertToListpackIfNeeded(maxEleLen: number, lim: ZsetLimits): void {
    if (this.lpEle !== null) return;
    if (this.zsl!.length <= lim.maxEntries && maxEleLen <= lim.maxValue) this.convertToListpack();
  }

  // ---- point operations -------------------------------------------------------

  private lpFind(ele: string): number {
    return this.lpEle!.indexOf(ele);
  }

  /** zzlInsert(): at the (score, member) position; `ele` must be absent. */
  private lpInsert(ele: string, score: number): void {
    const es = this.lpEle!;
    const ss = this.lpSc!;
    let lo = 0;
    let hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = ss[mid];
      if (s < score || (s === score && es[mid] < ele)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === es.length) {
      es.push(ele);
      ss.push(lpScore(score));
    } else {
      es.splice(lo, 0, ele);
      ss.splice(lo, 0, lpScore(score));
    }
    memAdjust(this, 16 + stringBytes(ele.length));
  }

  private lpDeleteAt(i: number, n = 1): void {
    const es = this.lpEle!;
    let bytes = 16 * n;
    for (let j = i; j < i + n; j++) bytes += stringBytes(es[j].length);
    memAdjust(this, -bytes);
    es.splice(i, n);
    this.lpSc!.splice(i, n);
  }

  /** A member left the skiplist form. */
  private slDeleted(ele: string): void {
    this.dict!.delete(ele);
    memAdjust(this, -(ZSKIPLIST_ENTRY_BYTES + stringBytes(ele.length)));
  }

  /** zsetScore(): the member's score, or undefined. */
  score(ele: string): number | undefined {
    if (this.lpEle !== null) {
      const i = this.lpFind(ele);
      return i === -1 ? undefined : this.lpSc![i];
    }
    const n = this.dict!.get(ele);
    return n === undefined ? undefined : n.score;
  }

  has(ele: string): boolean {
    return this.lpEle !== null ? this.lpFind(ele) !== -1 : this.dict!.has(ele);
  }

  /**
   * zsetAdd(): add or update a member under the ZADD_IN_* flags. Returns
   * the ZADD_OUT_* flags; the resulting score is left in `newScore` (when
   * neither NOP nor NAN is returned).
   */
  add(score: number, ele: string, inFlags: number, lim: ZsetLimits): number {
    const incr = (inFlags & ZADD_IN_INCR) !== 0;
    const nx = (inFlags & ZADD_IN_NX) !== 0;
    const xx = (inFlags & ZADD_IN_XX) !== 0;
    const gt = (inFlags & ZADD_IN_GT) !== 0;
    const lt = (inFlags & ZADD_IN_LT) !== 0;
    if (Number.isNaN(score)) return ZADD_OUT_NAN;

    if (this.lpEle !== null) {
      const i = this.lpFind(ele);
      if (i !== -1) {
        if (nx) return ZADD_OUT_NOP;
        const cur = this.lpSc![i];
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) return ZADD_OUT_NAN;
        }
        if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
        this.newScore = score;
        if (score !== cur) {
          this.lpDeleteAt(i);
          this.lpInsert(ele, score);
          return ZADD_OUT_UPDATED;
        }
        return 0;
      }
      if (xx) return ZADD_OUT_NOP;
      if (this.lpEle.length + 1 > lim.maxEntries || ele.length > lim.maxValue) {
        this.convertToSkiplist();
      } else {
        this.lpInsert(ele, score);
        this.newScore = score;
        return ZADD_OUT_ADDED;
      }
    }

    const dict = this.dict!;
    const slot = dict.find(ele);
    if (slot !== -1) {
      if (nx) return ZADD_OUT_NOP;
      const node = dict.valueAt(slot);
      const cur = node.score;
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) return ZADD_OUT_NAN;
      }
      if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
      this.newScore = score;
      if (score !== cur) {
        const nn = this.zsl!.updateScore(cur, ele, score);
        if (nn !== node) dict.setValueAt(slot, nn);
        return ZADD_OUT_UPDATED;
      }
      return 0;
    }
    if (xx) return ZADD_OUT_NOP;
    dict.insertNew(ele, this.zsl!.insert(score, ele));
    memAdjust(this, ZSKIPLIST_ENTRY_BYTES + stringBytes(ele.length));
    this.newScore = score;
    return ZADD_OUT_ADDED;
  }

  /** zsetDel(): true if the member was there. */
  remove(ele: string): boolean {
    if (this.lpEle !== null) {
      const i = this.lpFind(ele);
      if (i === -1) return false;
      this.lpDeleteAt(i);
      return true;
    }
    const n = this.dict!.delete(ele);
    if (n === undefined) return false;
    this.zsl!.delete(n.score, ele);
    memAdjust(this, -(ZSKIPLIST_ENTRY_BYTES + stringBytes(ele.length)));
    return true;
  }

  /** zsetRank(): 0-based rank (from the top when reverse), or -1. */
  rank(ele: string, reverse: boolean): number {
    const len = this.size;
    let r: number; // 1-based
    if (this.lpEle !== null) {
      const i = this.lpFind(ele);
      if (i === -1) return -1;
      r = i + 1;
    } else {
      const n = this.dict!.get(ele);
      if (n === undefined) return -1;
      r = this.zsl!.getRank(n.score, ele);
    }
    return reverse ? len - r : r - 1;
  }

  /** The lowest (or highest) member and its score, or null when empty. */
  peek(max: boolean): [string, number] | null {
    if (this.lpEle !== null) {
      const n = this.lpEle.length;
      if (n === 0) return null;
      const i = max ? n - 1 : 0;
      return [this.lpEle[i], this.lpSc![i]];
    }
    const x = max ? this.zsl!.tail : this.zsl!.first();
    return x === null ? null : [x.ele, x.score];
  }

  // ---- iteration ----------------------------------------------------------------

  /** Every member in ascending order. */
  forEach(fn: ZEmit): void {
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      for (let i = 0; i < es.length; i++) fn(es[i], ss[i]);
      return;
    }
    for (let n = this.zsl!.first(); n !== null; n = n.n0) fn(n.ele, n.score);
  }

  /** Every member from the highest down (zuiNext()'s order). */
  forEachReverse(fn: ZEmit): void {
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      for (let i = es.length - 1; i >= 0; i--) fn(es[i], ss[i]);
      return;
    }
    for (let n = this.zsl!.tail; n !== null; n = n.backward) fn(n.ele, n.score);
  }

  /**
   * Members at 0-based ranks start..end (already clamped: 0 <= start <=
   * end < size), from the top when reverse.
   */
  rangeByRank(start: number, end: number, reverse: boolean, emit: ZEmit): void {
    let n = end - start + 1;
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      if (reverse) {
        for (let i = es.length - 1 - start; n-- > 0; i--) emit(es[i], ss[i]);
      } else {
        for (let i = start; n-- > 0; i++) emit(es[i], ss[i]);
      }
      return;
    }
    const zsl = this.zsl!;
    let x: ZNode | null;
    if (reverse) x = start > 0 ? zsl.getElementByRank(zsl.length - start) : zsl.tail;
    else x = start > 0 ? zsl.getElementByRank(start + 1) : zsl.first();
    while (n-- > 0 && x !== null) {
      emit(x.ele, x.score);
      x = reverse ? x.backward : x.n0;
    }
  }

  // listpack range search (zzlFirstInRange() and friends: linear scans).

  private lpIsInRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const ss = this.lpSc!;
    if (ss.length === 0) return false;
    return valueGteMin(ss[ss.length - 1], r) && valueLteMax(ss[0], r);
  }

  private lpFirstInRange(r: ScoreRange): number {
    if (!this.lpIsInRange(r)) return -1;
    const ss = this.lpSc!;
    for (let i = 0; i < ss.length; i++) {
      if (valueGteMin(ss[i], r)) return valueLteMax(ss[i], r) ? i : -1;
    }
    return -1;
  }

  private lpLastInRange(r: ScoreRange): number {
    if (!this.lpIsInRange(r)) return -1;
    const ss = this.lpSc!;
    for (let i = ss.length - 1; i >= 0; i--) {
      if (valueLteMax(ss[i], r)) return valueGteMin(ss[i], r) ? i : -1;
    }
    return -1;
  }

  private lpIsInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const es = this.lpEle!;
    if (es.length === 0) return false;
    return lexGteMin(es[es.length - 1], r) && lexLteMax(es[0], r);
  }

  private lpFirstInLexRange(r: LexRange): number {
    if (!this.lpIsInLexRange(r)) return -1;
    const es = this.lpEle!;
    for (let i = 0; i < es.length; i++) {
      if (lexGteMin(es[i], r)) return lexLteMax(es[i], r) ? i : -1;
    }
    return -1;
  }

  private lpLastInLexRange(r: LexRange): number {
    if (!this.lpIsInLexRange(r)) return -1;
    const es = this.lpEle!;
    for (let i = es.length - 1; i >= 0; i--) {
      if (lexLteMax(es[i], r)) return lexGteMin(es[i], r) ? i : -1;
    }
    return -1;
  }

  /** Skiplist node `offset` steps from x (towards the head when reverse). */
  private skip(x: ZNode | null, offset: number, reverse: boolean): ZNode | null {
    if (x === null || offset === 0) return x;
    if (offset < 0) return null; // Redis walks off the end: nothing remains.
    if (offset < 16) {
      while (x !== null && offset-- > 0) x = reverse ? x.backward : x.n0;
      return x;
    }
    const zsl = this.zsl!;
    const target = zsl.getRank(x.score, x.ele) + (reverse ? -offset : offset);
    return target < 1 || target > zsl.length ? null : zsl.getElementByRank(target);
  }

  /**
   * genericZrangebyscoreCommand(): up to `limit` members (negative: no
   * limit) in the range after skipping `offset`. Returns the count.
   */
  rangeByScore(r: ScoreRange, offset: number, limit: number, reverse: boolean, emit: ZEmit): number {
    let count = 0;
    if (offset > 0 && offset >= this.size) return 0;
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      let i = reverse ? this.lpLastInRange(r) : this.lpFirstInRange(r);
      if (i === -1) return 0;
      if (offset < 0) return 0;
      i += reverse ? -offset : offset;
      while (i >= 0 && i < es.length && limit !== 0) {
        limit--;
        const s = ss[i];
        if (reverse ? !valueGteMin(s, r) : !valueLteMax(s, r)) break;
        count++;
        emit(es[i], s);
        i += reverse ? -1 : 1;
      }
      return count;
    }
    const zsl = this.zsl!;
    let x = this.skip(reverse ? zsl.lastInRange(r) : zsl.firstInRange(r), offset, reverse);
    while (x !== null && limit !== 0) {
      limit--;
      if (reverse ? !valueGteMin(x.score, r) : !valueLteMax(x.score, r)) break;
      count++;
      emit(x.ele, x.score);
      x = reverse ? x.backward : x.n0;
    }
    return count;
  }

  /** genericZrangebylexCommand(). */
  rangeByLex(r: LexRange, offset: number, limit: number, reverse: boolean, emit: ZEmit): number {
    let count = 0;
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      let i = reverse ? this.lpLastInLexRange(r) : this.lpFirstInLexRange(r);
      if (i === -1) return 0;
      if (offset < 0) return 0;
      i += reverse ? -offset : offset;
      while (i >= 0 && i < es.length && limit !== 0) {
        limit--;
        const e = es[i];
        if (reverse ? !lexGteMin(e, r) : !lexLteMax(e, r)) break;
        count++;
        emit(e, ss[i]);
        i += reverse ? -1 : 1;
      }
      return count;
    }
    const zsl = this.zsl!;
    let x = this.skip(reverse ? zsl.lastInLexRange(r) : zsl.firstInLexRange(r), offset, reverse);
    while (x !== null && limit !== 0) {
      limit--;
      if (reverse ? !lexGteMin(x.ele, r) : !lexLteMax(x.ele, r)) break;
      count++;
      emit(x.ele, x.score);
      x = reverse ? x.backward : x.n0;
    }
    return count;
  }

  /** ZCOUNT. */
  countInRange(r: ScoreRange): number {
    if (this.lpEle !== null) {
      const ss = this.lpSc!;
      let i = this.lpFirstInRange(r);
      if (i === -1) return 0;
      let count = 0;
      for (; i < ss.length && valueLteMax(ss[i], r); i++) count++;
      return count;
    }
    const zsl = this.zsl!;
    const first = zsl.firstInRange(r);
    if (first === null) return 0;
    let count = zsl.length - (zsl.getRank(first.score, first.ele) - 1);
    const last = zsl.lastInRange(r);
    if (last !== null) count -= zsl.length - zsl.getRank(last.score, last.ele);
    return count;
  }

  /** ZLEXCOUNT. */
  countInLexRange(r: LexRange): number {
    if (this.lpEle !== null) {
      const es = this.lpEle;
      let i = this.lpFirstInLexRange(r);
      if (i === -1) return 0;
      let count = 0;
      for (; i < es.length && lexLteMax(es[i], r); i++) count++;
      return count;
    }
    const zsl = this.zsl!;
    const first = zsl.firstInLexRange(r);
    if (first === null) return 0;
    let count = zsl.length - (zsl.getRank(first.score, first.ele) - 1);
    const last = zsl.lastInLexRange(r);
    if (last !== null) count -= zsl.length - zsl.getRank(last.score, last.ele);
    return count;
  }

  // ---- range deletion -------------------------------------------------------------

  /** ZREMRANGEBYRANK: 0-based inclusive, already clamped. */
  deleteRangeByRank(start: number, end: number): number {
    if (this.lpEle !== null) {
      const n = end - start + 1;
      this.lpDeleteAt(start, n);
      return n;
    }
    return this.zsl!.deleteRangeByRank(start + 1, end + 1, (e) => this.slDeleted(e));
  }

  /** ZREMRANGEBYSCORE. */
  deleteRangeByScore(r: ScoreRange): number {
    if (this.lpEle !== null) {
      const ss = this.lpSc!;
      const i = this.lpFirstInRange(r);
      if (i === -1) return 0;
      let j = i;
      while (j < ss.length && valueLteMax(ss[j], r)) j++;
      this.lpDeleteAt(i, j - i);
      return j - i;
    }
    return this.zsl!.deleteRangeByScore(r, (e) => this.slDeleted(e));
  }

  /** ZREMRANGEBYLEX. */
  deleteRangeByLex(r: LexRange): number {
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const i = this.lpFirstInLexRange(r);
      if (i === -1) return 0;
      let j = i;
      while (j < es.length && lexLteMax(es[j], r)) j++;
      this.lpDeleteAt(i, j - i);
      return j - i;
    }
    return this.zsl!.deleteRangeByLex(r, (e) => this.slDeleted(e));
  }

  // ---- random sampling ------------------------------------------------------------

  /** zsetTypeRandomElement(): a uniformly random member; the set is non-empty. */
  randomElement(): [string, number] {
    if (this.lpEle !== null) {
      const i = Math.floor(Math.random() * this.lpEle.length);
      return [this.lpEle[i], this.lpSc![i]];
    }
    const dict = this.dict!;
    const n = dict.valueAt(dict.randomSlot());
    return [n.ele, n.score];
  }

  /**
   * lpRandomPairsUnique(): `count` (< size) distinct members in listpack
   * order, each subset equally likely (selection sampling).
   */
  randomDistinct(count: number, emit: ZEmit): void {
    const size = this.size;
    let need = count;
    if (this.lpEle !== null) {
      const es = this.lpEle;
      const ss = this.lpSc!;
      for (let i = 0; i < size && need > 0; i++) {
        if (Math.random() * (size - i) < need) {
          emit(es[i], ss[i]);
          need--;
        }
      }
      return;
    }
    for (let x = this.zsl!.first(), i = 0; x !== null && need > 0; x = x.n0, i++) {
      if (Math.random() * (size - i) < need) {
        emit(x.ele, x.score);
        need--;
      }
    }
  }
}
