/**
 * The list value type (t_list.c semantics).
 *
 * Elements are latin1 strings held in a growable ring buffer (a power of
 * two slots, indexed with a mask): push and pop at either end are O(1)
 * amortized, access by index (LINDEX, LSET, LRANGE starting points) is
 * O(1), and inserting or deleting in the middle moves the shorter side,
 * as a quicklist does within its nodes. The buffer shrinks when it is
 * mostly empty, so a list that was large once does not keep its memory.
 *
 * Redis 7.0 always reports the "quicklist" encoding for lists (listpack
 * lists arrived in 7.2), whatever list-max-listpack-size says.
 */
import type { EncodingConfig, RObjectBase } from './types.js';
import { arrayBytes, memAdjust, objectBytes, stringBytes, type MemAccount, type MemTracked } from './memcost.js';

const MIN_CAPACITY = 8;

export const LIST_HEAD = 0;
export const LIST_TAIL = 1;

export class RList implements RObjectBase, MemTracked {
  /** On the prototype: no per-object field. */
  get type(): 'list' {
    return 'list';
  }
  private buf: (string | undefined)[];
  private mask: number;
  /** Slot of the first element. */
  private head = 0;
  private len = 0;
  memBytes: number;
  memOwner: MemAccount | null = null;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<string | undefined>(cap);
    this.mask = cap - 1;
    this.memBytes = RList.baseBytes(cap);
  }

  /** Estimated bytes of an empty list with `slots` slots (memcost.ts). */
  static baseBytes(slots: number): number {
    return objectBytes(6) + arrayBytes(slots);
  }

  /** A list holding `items` in order. */
  static from(items: readonly string[]): RList {
    const l = new RList(items.length);
    let bytes = 0;
    for (let i = 0; i < items.length; i++) {
      l.buf[i] = items[i];
      bytes += stringBytes(items[i].length);
    }
    l.len = items.length;
    l.memBytes += bytes;
    return l;
  }

  get length(): number {
    return this.len;
  }

  encoding(_cfg?: EncodingConfig): string {
    return 'quicklist';
  }

  dup(): RList {
    return RList.from(this.toArray());
  }

  private get capacity(): number {
    return this.mask + 1;
  }

  /** Slots of the ring buffer (for memory estimates). */
  get capacitySlots(): number {
    return this.mask + 1;
  }

  /** Copy the elements into a new buffer of `cap` slots, head at slot 0. */
  private resize(cap: number): void {
    const nb = new Array<string | undefined>(cap);
    const { buf, mask, head, len } = this;
    for (let i = 0; i < len; i++) nb[i] = buf[(head + i) & mask];
    memAdjust(this, 8 * (cap - (mask + 1)));
    this.buf = nb;
    this.mask = cap - 1;
    this.head = 0;
  }

  private growIfFull(): void {
    if (this.len === this.capacity) this.resize(this.capacity * 2);
  }

  private shrinkIfSparse(): void {
    const cap = this.capacity;
    if (cap > MIN_CAPACITY && this.len < cap >>> 2) this.resize(cap >>> 1);
  }

  /** Element at index `i` (0 <= i < length). */
  get(i: number): string {
    return this.buf[(this.head + i) & this.mask] as string;
  }

  /** Replace the element at index `i` (0 <= i < length). */
  set(i: number, v: string): void {
    const slot = (this.head + i) & this.mask;
    memAdjust(this, stringBytes(v.length) - stringBytes((this.buf[slot] as string).length));
    this.buf[slot] = v;
  }

  /**
   * Resolve a Redis index (negative counts from the tail) to 0..length-1,
   * or -1 when it is out of range.
   */
  resolveIndex(index: number): number {
    const i = index < 0 ? this.len + index : index;
    return i >= 0 && i < this.len ? i : -1;
  }

  pushHead(v: string): void {
    this.growIfFull();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
    memAdjust(this, stringBytes(v.length));
  }

  pushTail(v: string): void {
    this.growIfFull();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
    memAdjust(this, stringBytes(v.length));
  }

  push(v: string, where: number): void {
    if (where === LIST_HEAD) this.pushHead(v);
    else this.pushTail(v);
  }

  popHead(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head] as string;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    memAdjust(this, -stringBytes(v.length));
    this.shrinkIfSparse();
    return v;
  }

  popTail(): string | undefined {
    if (this.len === 0) return undefined;
    const slot = (this.head + this.len - 1) & this.mask;
    const v = this.buf[slot] as string;
    this.buf[slot] = undefined;
    this.len--;
    memAdjust(this, -stringBytes(v.length));
    this.shrinkIfSparse();
    return v;
  }

  pop(where: number): string | undefined {
    return where === LIST_HEAD ? this.popHead() : this.popTail();
  }

  /** Elements start..end inclusive (0 <= start <= end < length), in order. */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    const { buf, mask, head } = this;
    for (let i = start; i <= end; i++) out[i - start] = buf[(head + i) & mask] as string;
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.slice(0, this.len - 1);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.len; i++) yield this.get(i);
  }

  /** Remove `n` elements from the head (n <= length). */
  removeHead(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) {
      this.clear();
      return;
    }
    const { buf, mask } = this;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const slot = (this.head + i) & mask;
      bytes += stringBytes((buf[slot] as string).length);
      buf[slot] = undefined;
    }
    this.head = (this.head + n) & mask;
    this.len -= n;
    memAdjust(this, -bytes);
    this.shrinkIfSparse();
  }

  /** Remove `n` elements from the tail (n <= length). */
  removeTail(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) {
      this.clear();
      return;
    }
    const { buf, mask, head } = this;
    let bytes = 0;
    for (let i = this.len - n; i < this.len; i++) {
      const slot = (head + i) & mask;
      bytes += stringBytes((buf[slot] as string).length);
      buf[slot] = undefined;
    }
    this.len -= n;
    memAdjust(this, -bytes);
    this.shrinkIfSparse();
  }

  clear(): void {
    this.buf = new Array<string | undefined>(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
    memAdjust(this, RList.baseBytes(MIN_CAPACITY) - this.memBytes);
  }

  /** Insert `v` so that it becomes the element at index `i` (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    if (i <= 0) {
      this.pushHead(v);
      return;
    }
    if (i >= this.len) {
      this.pushTail(v);
      return;
    }
    this.growIfFull();
    const { buf, mask } = this;
    if (i < this.len - i) {
      // Move the first i elements one slot towards the head.
      const h = (this.head - 1) & mask;
      for (let k = 0; k < i; k++) buf[(h + k) & mask] = buf[(h + k + 1) & mask];
      this.head = h;
    } else {
      // Move the elements from i on one slot towards the tail.
      for (let k = this.len; k > i; k--) buf[(this.head + k) & mask] = buf[(this.head + k - 1) & mask];
    }
    buf[(this.head + i) & mask] = v;
    this.len++;
    memAdjust(this, stringBytes(v.length));
  }

  /** Remove the element at index `i` (0 <= i < length). */
  removeAt(i: number): void {
    const { buf, mask } = this;
    memAdjust(this, -stringBytes((buf[(this.head + i) & mask] as string).length));
    if (i < this.len - 1 - i) {
      for (let k = i; k > 0; k--) buf[(this.head + k) & mask] = buf[(this.head + k - 1) & mask];
      buf[this.head] = undefined;
      this.head = (this.head + 1) & mask;
    } else {
      for (let k = i; k < this.len - 1; k++) buf[(this.head + k) & mask] = buf[(this.head + k + 1) & mask];
      buf[(this.head + this.len - 1) & mask] = undefined;
    }
    this.len--;
    this.shrinkIfSparse();
  }

  /**
   * Remove elements equal to `v`: at most `limit` of them (0 = all),
   * scanning from the head, or from the tail when `fromTail`. As Redis's
   * LREM, the scan stops once `limit` are found; the survivors on the
   * shorter side of the removed ones then close the gaps, so removing near
   * either end costs little however long the list. Returns how many were
   * removed.
   */
  removeMatches(v: string, limit: number, fromTail: boolean): number {
    const { buf, mask, head, len } = this;
    // Positions to remove, ascending.
    const at: number[] = [];
    if (!fromTail) {
      for (let i = 0; i < len && (limit === 0 || at.length < limit); i++) if (buf[(head + i) & mask] === v) at.push(i);
    } else {
      for (let i = len - 1; i >= 0 && (limit === 0 || at.length < limit); i--) if (buf[(head + i) & mask] === v) at.push(i);
      at.reverse();
    }
    const removed = at.length;
    if (removed === 0) return 0;
    const first = at[0];
    const last = at[removed - 1];
    if (last + 1 <= len - first) {
      // Survivors up to `last` move towards the tail; the head moves past the gaps.
      let w = last;
      for (let r = last, j = removed - 1; r >= 0; r--) {
        if (j >= 0 && at[j] === r) {
          j--;
          continue;
        }
        buf[(head + w) & mask] = buf[(head + r) & mask];
        w--;
      }
      for (let k = 0; k < removed; k++) buf[(head + k) & mask] = undefined;
      this.head = (head + removed) & mask;
    } else {
      // Survivors from `first` on move towards the head.
      let w = first;
      for (let r = first, j = 0; r < len; r++) {
        if (j < removed && at[j] === r) {
          j++;
          continue;
        }
        buf[(head + w) & mask] = buf[(head + r) & mask];
        w++;
      }
      for (let k = w; k < len; k++) buf[(head + k) & mask] = undefined;
    }
    this.len -= removed;
    memAdjust(this, -removed * stringBytes(v.length));
    this.shrinkIfSparse();
    return removed;
  }

  /** Index of the first element equal to `v` from the head, or -1. */
  indexOf(v: string): number {
    const { buf, mask, head, len } = this;
    for (let i = 0; i < len; i++) if (buf[(head + i) & mask] === v) return i;
    return -1;
  }
}

export function isList(v: unknown): v is RList {
  return v instanceof RList;
}
