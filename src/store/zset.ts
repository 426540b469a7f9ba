/**
 * The sorted set value (t_zset.c), in Redis's two encodings:
 *
 * - "listpack": small sets, packed into one latin1 string sorted by
 *   (score, member): each entry is the member with a length header (one
 *   char below 254, else char 254 and four chars) followed by the score's
 *   eight IEEE 754 bytes. Operations are linear scans like Redis's listpack
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
import { limitsReader, type EncodingConfig, type RObjectBase } from './types.js';
import { Dict } from './dict.js';
import { LONG_LEN, copyString, flat, headerLen, holdsAt, lenAt, lengthHeader } from './packed.js';
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
  ZSKIPLIST_ENTRY_BYTES,
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
  readonly maxEntries: number;
  readonly maxValue: number;
}

export const zsetLimits = limitsReader(
  (cfg): ZsetLimits => ({ maxEntries: cfg.num('zset-max-listpack-entries'), maxValue: cfg.num('zset-max-listpack-value') }),
);

/** The score as a listpack keeps it (double2ll(): integers lose a -0 sign). */
function lpScore(score: number): number {
  return score === 0 ? 0 : score;
}

export type ZEmit = (ele: string, score: number) => void;

/** Scratch for moving a score in and out of its eight bytes. */
const F64 = new Float64Array(1);
const F64B = new Uint8Array(F64.buffer);

/** Offsets of the entry found by the last successful lpFind(): its start, its score, its end. */
let foundStart = 0;
let foundScore = 0;

/** The packed entry of a member and its score. */
function packEntry(ele: string, score: number): string {
  const n = ele.length;
  F64[0] = score;
  return lengthHeader(n) + ele + String.fromCharCode(F64B[0], F64B[1], F64B[2], F64B[3], F64B[4], F64B[5], F64B[6], F64B[7]);
}

/** The score stored at `p`. */
function scoreAt(s: string, p: number): number {
  for (let k = 0; k < 8; k++) F64B[k] = s.charCodeAt(p + k);
  return F64[0];
}

/** Index access to a packed listpack: the offset of every entry. */
class LpView {
  readonly off: Int32Array;
  constructor(
    readonly s: string,
    readonly n: number,
  ) {
    const off = new Int32Array(n + 1);
    let p = 0;
    for (let i = 0; i < n; i++) {
      off[i] = p;
      const len = lenAt(s, p);
      p += headerLen(len) + len + 8;
    }
    off[n] = p;
    this.off = off;
  }

  ele(i: number): string {
    const p = this.off[i];
    const len = lenAt(this.s, p);
    const start = p + headerLen(len);
    return this.s.slice(start, start + len);
  }

  score(i: number): number {
    return scoreAt(this.s, this.off[i + 1] - 8);
  }
}

/** The resulting score of the last add() (zsetAdd()'s *newscore). */
let lastNewScore = 0;

export class ZSet implements RObjectBase, MemTracked {
  /** On the prototype: no per-object field. */
  get type(): 'zset' {
    return 'zset';
  }
  /** Listpack form: the packed entries in (score, member) order; null as a skiplist. */
  private lp: string | null;
  /** Entries in the listpack. */
  private lpN = 0;
  /** Skiplist form. */
  zsl: SkipList | null;
  dict: Dict<ZNode> | null;
  memBytes: number;
  memOwner: MemAccount | null = null;

  /** Estimated bytes of an empty sorted set in either form (memcost.ts). */
  static baseBytes(listpack: boolean): number {
    return objectBytes(6) + (listpack ? 0 : EMPTY_SKIPLIST_BYTES + EMPTY_DICT_BYTES);
  }

  /** Estimated bytes of a packed listpack of `chars` chars. */
  static listpackBytes(chars: number): number {
    return chars === 0 ? 0 : stringBytes(chars);
  }

  private constructor(listpack: boolean) {
    this.memBytes = ZSet.baseBytes(listpack);
    if (listpack) {
      this.lp = '';
      this.zsl = null;
      this.dict = null;
    } else {
      this.lp = null;
      this.zsl = new SkipList();
      this.dict = new Dict<ZNode>();
    }
  }

  /** The resulting score of the last add() (zsetAdd()'s *newscore), read right after it. */
  get newScore(): number {
    return lastNewScore;
  }

  /** Chars of the packed listpack (memory estimates); 0 as a skiplist. */
  get listpackChars(): number {
    return this.lp !== null ? this.lp.length : 0;
  }

  private lpView(): LpView {
    return new LpView(this.lp!, this.lpN);
  }

  /** Replace chars [a, b) of the listpack by `insert`, which holds `delta` more entries. */
  private lpSplice(a: number, b: number, insert: string, delta: number): void {
    const s = this.lp!;
    const next = flat(s.slice(0, a) + insert + s.slice(b));
    memAdjust(this, ZSet.listpackBytes(next.length) - ZSet.listpackBytes(s.length));
    this.lp = next;
    this.lpN += delta;
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
    return this.lp !== null;
  }

  get size(): number {
    return this.lp !== null ? this.lpN : this.zsl!.length;
  }

  encoding(_cfg?: EncodingConfig): string {
    return this.lp !== null ? 'listpack' : 'skiplist';
  }

  /** zsetDup(): a deep copy with the same encoding. */
  dup(): ZSet {
    if (this.lp !== null) {
      const z = ZSet.listpack();
      z.lp = this.lp;
      z.lpN = this.lpN;
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
    if (this.lp === null) return;
    const zsl = new SkipList();
    const dict = new Dict<ZNode>();
    let bytes = ZSet.baseBytes(false);
    this.forEach((e, score) => {
      // Own copies: slices would keep the whole listpack string alive.
      const ele = copyString(e);
      dict.insertNew(ele, zsl.insert(score, ele));
      bytes += ZSKIPLIST_ENTRY_BYTES + stringBytes(ele.length);
    });
    this.zsl = zsl;
    this.dict = dict;
    this.lp = null;
    this.lpN = 0;
    memAdjust(this, bytes - this.memBytes);
  }

  /** zsetConvert() to listpack. */
  private convertToListpack(): void {
    if (this.lp !== null) return;
    const parts: string[] = [];
    for (let n = this.zsl!.first(); n !== null; n = n.n0) parts.push(packEntry(n.ele, lpScore(n.score)));
    const lp = parts.join('');
    this.lpN = parts.length;
    this.lp = lp;
    this.zsl = null;
    this.dict = null;
    memAdjust(this, ZSet.baseBytes(true) + ZSet.listpackBytes(lp.length) - this.memBytes);
  }

  /**
   * zsetConvertToListpackIfNeeded(): for freshly built store results, given
   * the longest member's length.
   */
  convertToListpackIfNeeded(maxEleLen: number, lim: ZsetLimits): void {
    if (this.lp !== null) return;
    if (this.zsl!.length <= lim.maxEntries && maxEleLen <= lim.maxValue) this.convertToListpack();
  }

  // ---- point operations -------------------------------------------------------

  /**
   * Index of `ele` in the listpack, or -1; when found, `foundStart` and
   * `foundScore` are the offsets of its entry and of its score. A member of
   * the same length is compared only when its last char matches too.
   */
  private lpFind(ele: string): number {
    const s = this.lp!;
    const len = ele.length;
    const last = len > 0 ? ele.charCodeAt(len - 1) : -1;
    for (let i = 0, p = 0, n = this.lpN; i < n; i++) {
      let m = s.charCodeAt(p);
      let start = p + 1;
      if (m === LONG_LEN) {
        m = lenAt(s, p);
        start = p + 5;
      }
      if (m === len && (len === 0 || s.charCodeAt(start + len - 1) === last) && holdsAt(s, start, ele)) {
        foundStart = p;
        foundScore = start + len;
        return i;
      }
      p = start + m + 8;
    }
    return -1;
  }

  /** zzlInsert(): at the (score, member) position; `ele` must be absent. */
  private lpInsert(ele: string, score: number): void {
    if (this.lpN <= 16) {
      // A short listpack: a scan, without building the index of every entry.
      const s = this.lp!;
      let p = 0;
      for (let i = this.lpN; i > 0; i--) {
        const n = lenAt(s, p);
        const start = p + headerLen(n);
        const sc = scoreAt(s, start + n);
        if (sc > score || (sc === score && s.slice(start, start + n) > ele)) break;
        p = start + n + 8;
      }
      this.lpSplice(p, p, packEntry(ele, lpScore(score)), 1);
      return;
    }
    const v = this.lpView();
    let lo = 0;
    let hi = v.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = v.score(mid);
      if (s < score || (s === score && v.ele(mid) < ele)) lo = mid + 1;
      else hi = mid;
    }
    const at = v.off[lo];
    this.lpSplice(at, at, packEntry(ele, lpScore(score)), 1);
  }

  private lpDeleteAt(i: number, n = 1): void {
    const v = this.lpView();
    this.lpSplice(v.off[i], v.off[i + n], '', -n);
  }

  /**
   * A range deletion: the dict shrinks once at its end, as
   * zremrangeGenericCommand() resizes it, not along the way.
   */
  private shrinkAfter(del: () => number): number {
    const d = this.dict!;
    d.shrinkOnDelete = false;
    try {
      return del();
    } finally {
      d.shrinkOnDelete = true;
      d.resizeIfNeeded();
    }
  }

  /** A member left the skiplist form. */
  private slDeleted(ele: string): void {
    this.dict!.delete(ele);
    memAdjust(this, -(ZSKIPLIST_ENTRY_BYTES + stringBytes(ele.length)));
  }

  /** zsetScore(): the member's score, or undefined. */
  score(ele: string): number | undefined {
    if (this.lp !== null) {
      const i = this.lpFind(ele);
      return i === -1 ? undefined : scoreAt(this.lp, foundScore);
    }
    const n = this.dict!.get(ele);
    return n === undefined ? undefined : n.score;
  }

  has(ele: string): boolean {
    return this.lp !== null ? this.lpFind(ele) !== -1 : this.dict!.has(ele);
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

    if (this.lp !== null) {
      const i = this.lpFind(ele);
      if (i !== -1) {
        if (nx) return ZADD_OUT_NOP;
        const cur = scoreAt(this.lp, foundScore);
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) return ZADD_OUT_NAN;
        }
        if ((lt && score >= cur) || (gt && score <= cur)) return ZADD_OUT_NOP;
        lastNewScore = score;
        if (score !== cur) {
          this.lpSplice(foundStart, foundScore + 8, '', -1);
          this.lpInsert(ele, score);
          return ZADD_OUT_UPDATED;
        }
        return 0;
      }
      if (xx) return ZADD_OUT_NOP;
      if (this.lpN + 1 > lim.maxEntries || ele.length > lim.maxValue) {
        this.convertToSkiplist();
      } else {
        this.lpInsert(ele, score);
        lastNewScore = score;
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
      lastNewScore = score;
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
    lastNewScore = score;
    return ZADD_OUT_ADDED;
  }

  /** zsetDel(): true if the member was there. */
  remove(ele: string): boolean {
    if (this.lp !== null) {
      if (this.lpFind(ele) === -1) return false;
      this.lpSplice(foundStart, foundScore + 8, '', -1);
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
    if (this.lp !== null) {
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
    if (this.lp !== null) {
      const n = this.lpN;
      if (n === 0) return null;
      const s = this.lp;
      if (!max) {
        const len = lenAt(s, 0);
        const start = headerLen(len);
        return [s.slice(start, start + len), scoreAt(s, start + len)];
      }
      const v = this.lpView();
      return [v.ele(n - 1), v.score(n - 1)];
    }
    const x = max ? this.zsl!.tail : this.zsl!.first();
    return x === null ? null : [x.ele, x.score];
  }

  // ---- iteration ----------------------------------------------------------------

  /** Every member in ascending order. */
  forEach(fn: ZEmit): void {
    if (this.lp !== null) {
      const v = this.lpView();
      for (let i = 0; i < v.n; i++) fn(v.ele(i), v.score(i));
      return;
    }
    for (let n = this.zsl!.first(); n !== null; n = n.n0) fn(n.ele, n.score);
  }

  /** Every member from the highest down (zuiNext()'s order). */
  forEachReverse(fn: ZEmit): void {
    if (this.lp !== null) {
      const v = this.lpView();
      for (let i = v.n - 1; i >= 0; i--) fn(v.ele(i), v.score(i));
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
    if (this.lp !== null) {
      const v = this.lpView();
      if (reverse) {
        for (let i = v.n - 1 - start; n-- > 0; i--) emit(v.ele(i), v.score(i));
      } else {
        for (let i = start; n-- > 0; i++) emit(v.ele(i), v.score(i));
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

  private lpIsInRange(v: LpView, r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    if (v.n === 0) return false;
    return valueGteMin(v.score(v.n - 1), r) && valueLteMax(v.score(0), r);
  }

  private lpFirstInRange(v: LpView, r: ScoreRange): number {
    if (!this.lpIsInRange(v, r)) return -1;
    for (let i = 0; i < v.n; i++) {
      if (valueGteMin(v.score(i), r)) return valueLteMax(v.score(i), r) ? i : -1;
    }
    return -1;
  }

  private lpLastInRange(v: LpView, r: ScoreRange): number {
    if (!this.lpIsInRange(v, r)) return -1;
    for (let i = v.n - 1; i >= 0; i--) {
      if (valueLteMax(v.score(i), r)) return valueGteMin(v.score(i), r) ? i : -1;
    }
    return -1;
  }

  private lpIsInLexRange(v: LpView, r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    if (v.n === 0) return false;
    return lexGteMin(v.ele(v.n - 1), r) && lexLteMax(v.ele(0), r);
  }

  private lpFirstInLexRange(v: LpView, r: LexRange): number {
    if (!this.lpIsInLexRange(v, r)) return -1;
    for (let i = 0; i < v.n; i++) {
      if (lexGteMin(v.ele(i), r)) return lexLteMax(v.ele(i), r) ? i : -1;
    }
    return -1;
  }

  private lpLastInLexRange(v: LpView, r: LexRange): number {
    if (!this.lpIsInLexRange(v, r)) return -1;
    for (let i = v.n - 1; i >= 0; i--) {
      if (lexLteMax(v.ele(i), r)) return lexGteMin(v.ele(i), r) ? i : -1;
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
    if (this.lp !== null) {
      const v = this.lpView();
      let i = reverse ? this.lpLastInRange(v, r) : this.lpFirstInRange(v, r);
      if (i === -1) return 0;
      if (offset < 0) return 0;
      i += reverse ? -offset : offset;
      while (i >= 0 && i < v.n && limit !== 0) {
        limit--;
        const s = v.score(i);
        if (reverse ? !valueGteMin(s, r) : !valueLteMax(s, r)) break;
        count++;
        emit(v.ele(i), s);
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
    if (this.lp !== null) {
      const v = this.lpView();
      let i = reverse ? this.lpLastInLexRange(v, r) : this.lpFirstInLexRange(v, r);
      if (i === -1) return 0;
      if (offset < 0) return 0;
      i += reverse ? -offset : offset;
      while (i >= 0 && i < v.n && limit !== 0) {
        limit--;
        const e = v.ele(i);
        if (reverse ? !lexGteMin(e, r) : !lexLteMax(e, r)) break;
        count++;
        emit(e, v.score(i));
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
    if (this.lp !== null) {
      const v = this.lpView();
      let i = this.lpFirstInRange(v, r);
      if (i === -1) return 0;
      let count = 0;
      for (; i < v.n && valueLteMax(v.score(i), r); i++) count++;
      return count;
    }
    return this.zsl!.countInRange(r);
  }

  /** ZLEXCOUNT. */
  countInLexRange(r: LexRange): number {
    if (this.lp !== null) {
      const v = this.lpView();
      let i = this.lpFirstInLexRange(v, r);
      if (i === -1) return 0;
      let count = 0;
      for (; i < v.n && lexLteMax(v.ele(i), r); i++) count++;
      return count;
    }
    return this.zsl!.countInLexRange(r);
  }

  // ---- range deletion -------------------------------------------------------------

  /** ZREMRANGEBYRANK: 0-based inclusive, already clamped. */
  deleteRangeByRank(start: number, end: number): number {
    if (this.lp !== null) {
      const n = end - start + 1;
      this.lpDeleteAt(start, n);
      return n;
    }
    return this.shrinkAfter(() => this.zsl!.deleteRangeByRank(start + 1, end + 1, (e) => this.slDeleted(e)));
  }

  /** ZREMRANGEBYSCORE. */
  deleteRangeByScore(r: ScoreRange): number {
    if (this.lp !== null) {
      const v = this.lpView();
      const i = this.lpFirstInRange(v, r);
      if (i === -1) return 0;
      let j = i;
      while (j < v.n && valueLteMax(v.score(j), r)) j++;
      this.lpDeleteAt(i, j - i);
      return j - i;
    }
    return this.shrinkAfter(() => this.zsl!.deleteRangeByScore(r, (e) => this.slDeleted(e)));
  }

  /** ZREMRANGEBYLEX. */
  deleteRangeByLex(r: LexRange): number {
    if (this.lp !== null) {
      const v = this.lpView();
      const i = this.lpFirstInLexRange(v, r);
      if (i === -1) return 0;
      let j = i;
      while (j < v.n && lexLteMax(v.ele(j), r)) j++;
      this.lpDeleteAt(i, j - i);
      return j - i;
    }
    return this.shrinkAfter(() => this.zsl!.deleteRangeByLex(r, (e) => this.slDeleted(e)));
  }

  // ---- random sampling ------------------------------------------------------------

  /** zsetTypeRandomElement(): a uniformly random member; the set is non-empty. */
  randomElement(): [string, number] {
    if (this.lp !== null) {
      const v = this.lpView();
      const i = Math.floor(Math.random() * v.n);
      return [v.ele(i), v.score(i)];
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
    if (this.lp !== null) {
      const v = this.lpView();
      for (let i = 0; i < size && need > 0; i++) {
        if (Math.random() * (size - i) < need) {
          emit(v.ele(i), v.score(i));
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
