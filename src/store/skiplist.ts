/**
 * The skiplist behind large sorted sets, with the semantics of Redis's
 * zskiplist (t_zset.c): nodes ordered by (score, member bytes), every level
 * link carries a span so ranks are O(log n), a backward pointer on level 0
 * for reverse walks, levels drawn with p = 1/4 up to 32.
 *
 * Members are latin1 strings (one char per byte), so JS string comparison
 * is memcmp() order with the shorter string first on a common prefix, as
 * sdscmp() orders them.
 *
 * Memory: most nodes (3 in 4) have a single level, so level 0's link and
 * span live in the node itself and only taller nodes carry an array for the
 * levels above ([next1, span1, next2, span2, ...]).
 */

export const ZSKIPLIST_MAXLEVEL = 32;
const ZSKIPLIST_P = 0.25;

export class ZNode {
  /** Levels above 0 as [next, span] pairs; null for single-level nodes. */
  up: (ZNode | null | number)[] | null;
  backward: ZNode | null = null;
  n0: ZNode | null = null;
  s0 = 0;

  constructor(
    public ele: string,
    public score: number,
    level: number,
  ) {
    if (level > 1) {
      const up = new Array<ZNode | null | number>((level - 1) * 2);
      for (let i = 0; i < up.length; i += 2) {
        up[i] = null;
        up[i + 1] = 0;
      }
      this.up = up;
    } else {
      this.up = null;
    }
  }

  get level(): number {
    return this.up === null ? 1 : this.up.length / 2 + 1;
  }

  /** The next node on level 0 (in ascending order). */
  get next(): ZNode | null {
    return this.n0;
  }
}

function fwd(x: ZNode, i: number): ZNode | null {
  return i === 0 ? x.n0 : (x.up![2 * i - 2] as ZNode | null);
}

function span(x: ZNode, i: number): number {
  return i === 0 ? x.s0 : (x.up![2 * i - 1] as number);
}

function setFwd(x: ZNode, i: number, v: ZNode | null): void {
  if (i === 0) x.n0 = v;
  else x.up![2 * i - 2] = v;
}

function setSpan(x: ZNode, i: number, v: number): void {
  if (i === 0) x.s0 = v;
  else x.up![2 * i - 1] = v;
}

/** A score interval: min/max with exclusive flags (zrangespec). */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** "-" and "+" of a lex range: below and above every string. */
export const LEX_MIN = 0;
export const LEX_MAX = 1;
export type LexBound = string | typeof LEX_MIN | typeof LEX_MAX;

/** A lex interval (zlexrangespec). */
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

/** sdscmplex(): string order with "-" / "+" as the extremes. */
export function lexCmp(a: LexBound, b: LexBound): number {
  if (a === b) return 0;
  if (a === LEX_MIN || b === LEX_MAX) return -1;
  if (a === LEX_MAX || b === LEX_MIN) return 1;
  return (a as string) < (b as string) ? -1 : 1;
}

export function valueGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}

export function valueLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

export function lexGteMin(v: string, r: LexRange): boolean {
  const c = lexCmp(v, r.min);
  return r.minex ? c > 0 : c >= 0;
}

export function lexLteMax(v: string, r: LexRange): boolean {
  const c = lexCmp(v, r.max);
  return r.maxex ? c < 0 : c <= 0;
}

/** True when no value can be in the score range. */
export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/** True when no string can be in the lex range. */
export function lexRangeEmpty(r: LexRange): boolean {
  const c = lexCmp(r.min, r.max);
  return c > 0 || (c === 0 && (r.minex || r.maxex));
}

function randomLevel(): number {
  let level = 1;
  while (Math.random() < ZSKIPLIST_P && level < ZSKIPLIST_MAXLEVEL) level++;
  return level;
}

/** True if node (score, ele) sorts before (score2, ele2). */
function before(x: ZNode, score: number, ele: string): boolean {
  return x.score < score || (x.score === score && x.ele < ele);
}

// Scratch arrays for the update/rank paths (no allocation per operation).
const UPDATE: ZNode[] = new Array<ZNode>(ZSKIPLIST_MAXLEVEL);
const RANK: number[] = new Array<number>(ZSKIPLIST_MAXLEVEL).fill(0);

export class SkipList {
  readonly header = new ZNode('', 0, ZSKIPLIST_MAXLEVEL);
  tail: ZNode | null = null;
  length = 0;
  level = 1;

  /** The lowest node (rank 1) or null. */
  first(): ZNode | null {
    return this.header.n0;
  }

  /** The highest node or null. */
  last(): ZNode | null {
    return this.tail;
  }

  /** zslInsert(): the member must not be present. */
  insert(score: number, ele: string): ZNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !before(f, score, ele)) break;
        rank[i] += span(x, i);
        x = f;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        setSpan(this.header, i, this.length);
      }
      this.level = level;
    }
    const n = new ZNode(ele, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i];
      setFwd(n, i, fwd(u, i));
      setFwd(u, i, n);
      setSpan(n, i, span(u, i) - (rank[0] - rank[i]));
      setSpan(u, i, rank[0] - rank[i] + 1);
    }
    for (let i = level; i < this.level; i++) setSpan(update[i], i, span(update[i], i) + 1);
    n.backward = update[0] === this.header ? null : update[0];
    if (n.n0 !== null) n.n0.backward = n;
    else this.tail = n;
    this.length++;
    return n;
  }

  /** zslDeleteNode(): unlink x given its predecessors on every level. */
  private deleteNode(x: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (fwd(u, i) === x) {
        setSpan(u, i, span(u, i) + span(x, i) - 1);
        setFwd(u, i, fwd(x, i));
      } else {
        setSpan(u, i, span(u, i) - 1);
      }
    }
    if (x.n0 !== null) x.n0.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && fwd(this.header, this.level - 1) === null) this.level--;
    this.length--;
  }

  /** Predecessors of (score, ele) on every level into UPDATE; returns level 0's. */
  private findUpdate(score: number, ele: string): ZNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !before(f, score, ele)) break;
        x = f;
      }
      UPDATE[i] = x;
    }
    return x;
  }

  /** zslDelete(): the removed node, or null when (score, ele) is absent. */
  delete(score: number, ele: string): ZNode | null {
    const x = this.findUpdate(score, ele).n0;
    if (x !== null && x.score === score && x.ele === ele) {
      this.deleteNode(x, UPDATE);
      return x;
    }
    return null;
  }

  /**
   * zslUpdateScore(): move the member (present with curscore) to newscore;
   * returns its node (the same one when the order does not change).
   */
  updateScore(curscore: number, ele: string, newscore: number): ZNode {
    const x = this.findUpdate(curscore, ele).n0;
    if (x === null || x.score !== curscore || x.ele !== ele) throw new Error('skiplist: element to update not found');
    if ((x.backward === null || x.backward.score < newscore) && (x.n0 === null || x.n0.score > newscore)) {
      x.score = newscore;
      return x;
    }
    this.deleteNode(x, UPDATE);
    return this.insert(newscore, x.ele);
  }

  /** zslGetRank(): 1-based rank of (score, ele), 0 when absent. */
  getRank(score: number, ele: string): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !(f.score < score || (f.score === score && f.ele <= ele))) break;
        rank += span(x, i);
        x = f;
      }
      if (x !== this.header && x.score === score && x.ele === ele) return rank;
    }
    return 0;
  }

  /** zslGetElementByRank(): the node at a 1-based rank, or null. */
  getElementByRank(rank: number): ZNode | null {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || traversed + span(x, i) > rank) break;
        traversed += span(x, i);
        x = f;
      }
      if (traversed === rank) return x === this.header ? null : x;
    }
    return null;
  }

  // ---- score ranges ---------------------------------------------------------

  /** zslIsInRange(). */
  isInRange(r: ScoreRange): boolean {
    if (scoreRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !valueGteMin(t.score, r)) return false;
    const h = this.header.n0;
    if (h === null || !valueLteMax(h.score, r)) return false;
    return true;
  }

  /** zslFirstInRange(). */
  firstInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || valueGteMin(f.score, r)) break;
        x = f;
      }
    }
    const n = x.n0!;
    return valueLteMax(n.score, r) ? n : null;
  }

  /** zslLastInRange(). */
  lastInRange(r: ScoreRange): ZNode | null {
    if (!this.isInRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !valueLteMax(f.score, r)) break;
        x = f;
      }
    }
    return valueGteMin(x.score, r) ? x : null;
  }

  /**
   * How many elements from the head satisfy `holds`, which must hold for a
   * prefix of the list: one descent adding up spans.
   */
  countPrefix(holds: (n: ZNode) => boolean): number {
    let x = this.header;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !holds(f)) break;
        rank += span(x, i);
        x = f;
      }
    }
    return rank;
  }

  /**
   * ZCOUNT: what zslFirstInRange()/zslLastInRange() and two zslGetRank()
   * calls give, in two descents: elements up to max minus those below min.
   */
  countInRange(r: ScoreRange): number {
    if (!this.isInRange(r)) return 0;
    const n = this.countPrefix((x) => valueLteMax(x.score, r)) - this.countPrefix((x) => !valueGteMin(x.score, r));
    return n > 0 ? n : 0;
  }

  /** ZLEXCOUNT, as countInRange(). */
  countInLexRange(r: LexRange): number {
    if (!this.isInLexRange(r)) return 0;
    const n = this.countPrefix((x) => lexLteMax(x.ele, r)) - this.countPrefix((x) => !lexGteMin(x.ele, r));
    return n > 0 ? n : 0;
  }

  // ---- lex ranges -------------------------------------------------------------

  /** zslIsInLexRange(). */
  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const t = this.tail;
    if (t === null || !lexGteMin(t.ele, r)) return false;
    const h = this.header.n0;
    if (h === null || !lexLteMax(h.ele, r)) return false;
    return true;
  }

  /** zslFirstInLexRange(). */
  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || lexGteMin(f.ele, r)) break;
        x = f;
      }
    }
    const n = x.n0!;
    return lexLteMax(n.ele, r) ? n : null;
  }

  /** zslLastInLexRange(). */
  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || !lexLteMax(f.ele, r)) break;
        x = f;
      }
    }
    return lexGteMin(x.ele, r) ? x : null;
  }

  // ---- range deletion ---------------------------------------------------------

  /** zslDeleteRangeByScore(): `onDelete` sees each removed member. */
  deleteRangeByScore(r: ScoreRange, onDelete: (ele: string) => void): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || valueGteMin(f.score, r)) break;
        x = f;
      }
      UPDATE[i] = x;
    }
    let n = x.n0;
    let removed = 0;
    while (n !== null && valueLteMax(n.score, r)) {
      const next = n.n0;
      this.deleteNode(n, UPDATE);
      onDelete(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  /** zslDeleteRangeByLex(). */
  deleteRangeByLex(r: LexRange, onDelete: (ele: string) => void): number {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || lexGteMin(f.ele, r)) break;
        x = f;
      }
      UPDATE[i] = x;
    }
    let n = x.n0;
    let removed = 0;
    while (n !== null && lexLteMax(n.ele, r)) {
      const next = n.n0;
      this.deleteNode(n, UPDATE);
      onDelete(n.ele);
      removed++;
      n = next;
    }
    return removed;
  }

  /** zslDeleteRangeByRank(): 1-based inclusive ranks. */
  deleteRangeByRank(start: number, end: number, onDelete: (ele: string) => void): number {
    let x = this.header;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd(x, i);
        if (f === null || traversed + span(x, i) >= start) break;
        traversed += span(x, i);
        x = f;
      }
      UPDATE[i] = x;
    }
    traversed++;
    let n = x.n0;
    let removed = 0;
    while (n !== null && traversed <= end) {
      const next = n.n0;
      this.deleteNode(n, UPDATE);
      onDelete(n.ele);
      removed++;
      traversed++;
      n = next;
    }
    return removed;
  }

  /**
   * Structural self-check for tests: order, spans, backward links, tail and
   * length. Throws on the first inconsistency.
   */
  validate(): void {
    let count = 0;
    let prev: ZNode | null = null;
    for (let x = this.header.n0; x !== null; x = x.n0) {
      if (x.backward !== prev) throw new Error(`bad backward link at ${count}`);
      if (prev !== null && !before(prev, x.score, x.ele)) throw new Error(`order broken at ${count}`);
      prev = x;
      count++;
    }
    if (count !== this.length) throw new Error(`length ${this.length} but ${count} nodes`);
    if (this.tail !== prev) throw new Error('bad tail');
    // Spans: on each level, the sum of spans to reach a node equals its rank.
    const rankOf = new Map<ZNode, number>();
    let r = 0;
    for (let x = this.header.n0; x !== null; x = x.n0) rankOf.set(x, ++r);
    for (let i = 0; i < this.level; i++) {
      let x: ZNode = this.header;
      let pos = 0;
      for (;;) {
        const f = fwd(x, i);
        if (f === null) break;
        pos += span(x, i);
        if (rankOf.get(f) !== pos) throw new Error(`bad span on level ${i}`);
        x = f;
      }
    }
    for (let i = this.level; i < ZSKIPLIST_MAXLEVEL; i++) {
      if (fwd(this.header, i) !== null) throw new Error(`link above level ${this.level}`);
    }
  }
}
