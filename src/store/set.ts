/**
 * The set value type (t_set.c semantics, Redis 7.0: no listpack sets).
 *
 * Encodings as OBJECT ENCODING reports them:
 * - "intset": every member is an int64 in canonical decimal form and there
 *   are at most set-max-intset-entries (capped at 2^30) of them. Kept as a
 *   sorted BigInt64Array, so iteration is ascending like Redis's intset.
 * - "hashtable": anything else. Conversion from intset is one-way, as in
 *   Redis. Internally a hashtable set with few members is a plain array
 *   searched linearly (no per-set hash table overhead); it becomes a
 *   Dict<null> once it grows past SMALL_MAX members, also for good.
 */
import { Dict } from './dict.js';
import type { EncodingConfig, RObjectBase } from './types.js';
import { string2llBig } from '../util/numbers.js';
import {
  DICT_ENTRY_BYTES,
  EMPTY_DICT_BYTES,
  TYPED_ARRAY_BYTES,
  arrayBytes,
  memAdjust,
  objectBytes,
  stringBytes,
  type MemAccount,
  type MemTracked,
} from './memcost.js';

/** Members a hashtable-encoded set keeps in its array form. */
export const SMALL_MAX = 16;
/** intset internals limit the intset to 2^30 entries. */
const INTSET_HARD_MAX = 1 << 30;

/** The set-max-intset-entries limit as setTypeAdd() applies it. */
export function intsetLimit(cfg: EncodingConfig): number {
  const n = cfg.num('set-max-intset-entries');
  return n >= INTSET_HARD_MAX ? INTSET_HARD_MAX : n;
}

/** isSdsRepresentableAsLongLong(): the int64 value of a canonical integer. */
export function asInt64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20) return null;
  const c = s.charCodeAt(0);
  if (c !== 45 && (c < 48 || c > 57)) return null;
  return string2llBig(s);
}

/** _intsetValueEncoding(): the bytes an intset needs to hold v. */
export function intsetWidthOf(v: bigint): number {
  return v < -2147483648n || v > 2147483647n ? 8 : v < -32768n || v > 32767n ? 4 : 2;
}

export class RSet implements RObjectBase, MemTracked {
  /** On the prototype: no per-object field. */
  get type(): 'set' {
    return 'set';
  }
  /** intset form: sorted values in ints[0..n). */
  private ints: BigInt64Array | null = null;
  private n = 0;
  /** hashtable form while small: members in no particular order. */
  private arr: string[] | null = null;
  /** hashtable form once large. */
  private ht: Dict<null> | null = null;
  /**
   * Bytes per member of the intset encoding (2, 4 or 8). As in Redis it
   * grows with the members added and never shrinks; DUMP and RDB files
   * show it.
   */
  intsetWidth = 2;
  memBytes = 0;
  memOwner: MemAccount | null = null;

  /** Estimated bytes of an empty set in each form, without the intset's slots (memcost.ts). */
  static baseBytes(form: 'intset' | 'array' | 'dict'): number {
    return objectBytes(6) + (form === 'intset' ? TYPED_ARRAY_BYTES : form === 'array' ? arrayBytes(0) : EMPTY_DICT_BYTES);
  }

  /** setTypeCreate(): an intset if `first` is an integer, else a hashtable. */
  static create(first: string): RSet {
    return asInt64(first) !== null ? RSet.createIntset() : RSet.createHashtable();
  }

  /** createIntsetObject(). */
  static createIntset(): RSet {
    const s = new RSet();
    s.ints = new BigInt64Array(4);
    s.memBytes = RSet.baseBytes('intset') + 32;
    return s;
  }

  /** createSetObject(). */
  static createHashtable(): RSet {
    const s = new RSet();
    s.arr = [];
    s.memBytes = RSet.baseBytes('array');
    return s;
  }

  get size(): number {
    if (this.ints !== null) return this.n;
    if (this.arr !== null) return this.arr.length;
    return this.ht!.size;
  }

  isIntset(): boolean {
    return this.ints !== null;
  }

  /** The hash table while the set is a large hashtable, for SCAN; else null. */
  get dict(): Dict<null> | null {
    return this.ht;
  }

  encoding(_cfg?: EncodingConfig): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  /**
   * The hash table of a hashtable-encoded set (DEBUG HTSTATS-KEY): a small
   * one's array becomes it, as it would past SMALL_MAX members. Null for
   * an intset.
   */
  hashTable(): Dict<null> | null {
    if (this.arr !== null) this.toDict();
    return this.ht;
  }

  /** Binary search: index of v, or -(insertion point) - 1. */
  private intFind(v: bigint): number {
    const a = this.ints!;
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const x = a[mid];
      if (x < v) lo = mid + 1;
      else if (x > v) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  has(member: string): boolean {
    if (this.ints !== null) {
      const v = asInt64(member);
      return v !== null && this.intFind(v) >= 0;
    }
    if (this.arr !== null) return this.arr.indexOf(member) !== -1;
    return this.ht!.has(member);
  }

  /**
   * setTypeAdd(): true if added. `maxIntset` is intsetLimit(config): an
   * intset growing beyond it, or getting a non-integer, becomes a hashtable.
   */
  add(member: string, maxIntset: number): boolean {
    if (this.ints !== null) {
      const v = asInt64(member);
      if (v === null) {
        this.convert();
        this.addNew(member);
        return true;
      }
      let i = this.intFind(v);
      if (i >= 0) return false;
      i = -i - 1;
      const w = intsetWidthOf(v);
      if (w > this.intsetWidth) this.intsetWidth = w;
      let a = this.ints;
      if (this.n === a.length) {
        const b = new BigInt64Array(a.length * 2);
        b.set(a);
        memAdjust(this, 8 * a.length);
        a = this.ints = b;
      }
      a.copyWithin(i + 1, i, this.n);
      a[i] = v;
      this.n++;
      if (this.n > maxIntset) this.convert();
      return true;
    }
    if (this.arr !== null) {
      if (this.arr.indexOf(member) !== -1) return false;
      this.addNew(member);
      return true;
    }
    const d = this.ht!;
    if (d.has(member)) return false;
    d.insertNew(member, null);
    memAdjust(this, DICT_ENTRY_BYTES + stringBytes(member.length));
    return true;
  }

  /** Add a member known to be absent to a hashtable-encoded set. */
  private addNew(member: string): void {
    const arr = this.arr;
    if (arr !== null) {
      // Exactly sized copies: small sets carry no spare capacity.
      this.arr = arr.concat(member);
      memAdjust(this, 8 + stringBytes(member.length));
      if (arr.length + 1 > SMALL_MAX) this.toDict();
      return;
    }
    this.ht!.insertNew(member, null);
    memAdjust(this, DICT_ENTRY_BYTES + stringBytes(member.length));
  }

  /** setTypeRemove(): true if removed. */
  remove(member: string): boolean {
    if (this.ints !== null) {
      const v = asInt64(member);
      if (v === null) return false;
      const i = this.intFind(v);
      if (i < 0) return false;
      this.ints.copyWithin(i, i + 1, this.n);
      this.n--;
      this.shrinkInts();
      return true;
    }
    const arr = this.arr;
    if (arr !== null) {
      const i = arr.indexOf(member);
      if (i === -1) return false;
      const last = arr.pop()!;
      if (i < arr.length) arr[i] = last;
      memAdjust(this, -(8 + stringBytes(member.length)));
      return true;
    }
    if (this.ht!.delete(member) === undefined) return false;
    memAdjust(this, -(DICT_ENTRY_BYTES + stringBytes(member.length)));
    return true;
  }

  private shrinkInts(): void {
    const a = this.ints!;
    if (a.length > 16 && this.n * 4 < a.length) {
      const b = a.slice(0, Math.max(4, this.n * 2));
      memAdjust(this, 8 * (b.length - a.length));
      this.ints = b;
    }
  }

  /** Every member in encoding order (intset: ascending). */
  forEach(fn: (member: string) => void): void {
    const a = this.ints;
    if (a !== null) {
      for (let i = 0; i < this.n; i++) fn(String(a[i]));
      return;
    }
    const arr = this.arr;
    if (arr !== null) {
      for (let i = 0; i < arr.length; i++) fn(arr[i]);
      return;
    }
    this.ht!.forEach((k) => fn(k));
  }

  /** Visit members in forEach()'s order until `fn` returns true. */
  someMember(fn: (member: string) => boolean): void {
    const a = this.ints;
    if (a !== null) {
      for (let i = 0; i < this.n; i++) if (fn(String(a[i]))) return;
      return;
    }
    const arr = this.arr;
    if (arr !== null) {
      for (let i = 0; i < arr.length; i++) if (fn(arr[i])) return;
      return;
    }
    const d = this.ht!;
    for (let slot = 0; slot < d.slotTop; slot++) {
      const k = d.slotKey(slot);
      if (k !== undefined && fn(k)) return;
    }
  }

  members(): string[] {
    const a = this.ints;
    if (a !== null) {
      const out = new Array<string>(this.n);
      for (let i = 0; i < this.n; i++) out[i] = String(a[i]);
      return out;
    }
    if (this.arr !== null) return this.arr.slice();
    const out: string[] = [];
    this.ht!.forEach((k) => {
      out.push(k);
    });
    return out;
  }

  /** A uniformly random member; the set must not be empty. */
  randomMember(): string {
    if (this.ints !== null) return String(this.ints[Math.floor(Math.random() * this.n)]);
    const arr = this.arr;
    if (arr !== null) return arr[Math.floor(Math.random() * arr.length)];
    return this.ht!.randomKey()!;
  }

  /** Remove and return a uniformly random member; the set must not be empty. */
  popRandom(): string {
    const m = this.randomMember();
    this.remove(m);
    return m;
  }

  /** Take over the contents of `other` (dbOverwrite() with a rebuilt set). */
  adopt(other: RSet): void {
    this.ints = other.ints;
    this.n = other.n;
    this.intsetWidth = other.intsetWidth;
    this.arr = other.arr;
    this.ht = other.ht;
    memAdjust(this, other.memBytes - this.memBytes);
  }

  /** setTypeConvert(OBJ_ENCODING_HT). */
  convert(): void {
    const a = this.ints;
    if (a === null) return;
    const arr: string[] = new Array<string>(this.n);
    for (let i = 0; i < this.n; i++) arr[i] = String(a[i]);
    this.ints = null;
    this.n = 0;
    this.arr = arr;
    let bytes = RSet.baseBytes('array');
    for (let i = 0; i < arr.length; i++) bytes += 8 + stringBytes(arr[i].length);
    memAdjust(this, bytes - this.memBytes);
    if (arr.length > SMALL_MAX) this.toDict();
  }

  private toDict(): void {
    const arr = this.arr!;
    const d = new Dict<null>();
    let bytes = RSet.baseBytes('dict');
    for (let i = 0; i < arr.length; i++) {
      d.insertNew(arr[i], null);
      bytes += DICT_ENTRY_BYTES + stringBytes(arr[i].length);
    }
    this.arr = null;
    this.ht = d;
    memAdjust(this, bytes - this.memBytes);
  }

  /** setTypeDup(): same encoding. */
  dup(): RSet {
    const s = new RSet();
    if (this.ints !== null) {
      s.ints = this.ints.slice(0, Math.max(4, this.n));
      s.n = this.n;
      s.intsetWidth = this.intsetWidth;
      s.memBytes = RSet.baseBytes('intset') + 8 * s.ints.length;
    } else if (this.arr !== null) {
      s.arr = this.arr.slice();
      s.memBytes = this.memBytes;
    } else {
      const d = new Dict<null>();
      this.ht!.forEach((k) => {
        d.insertNew(k, null);
      });
      s.ht = d;
      s.memBytes = this.memBytes;
    }
    return s;
  }
}
