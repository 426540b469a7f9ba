/**
 * The hash value type (t_hash.c semantics).
 *
 * Two representations, as in Redis:
 * - "listpack": the field/value pairs packed in insertion order into one
 *   latin1 string, each string preceded by its length (one char below 254,
 *   else char 254 and four chars big-endian), and searched linearly as
 *   Redis searches its listpack. A small hash costs its object and one
 *   string, not an array and a string per field and value.
 * - "hashtable": a Dict<string> from field to value.
 *
 * A hash starts as a listpack and is converted, once and for good, when it
 * gets more than hash-max-listpack-entries fields or a field or value
 * longer than hash-max-listpack-value bytes (hashTypeTryConversion() and
 * hashTypeSet()). The caller passes the current limits.
 */
import { Dict } from './dict.js';
import { LONG_LEN, copyString, flat, headerLen, holdsAt, lenAt, lengthHeader } from './packed.js';
import { limitsReader, type EncodingConfig, type RObjectBase } from './types.js';
import { DICT_ENTRY_BYTES, EMPTY_DICT_BYTES, memAdjust, objectBytes, stringBytes, type MemAccount, type MemTracked } from './memcost.js';

/** LISTPACK_MAX_SAFETY_SIZE: listpacks never grow beyond 1 GiB. */
const LISTPACK_MAX_SAFETY_SIZE = 1 << 30;

export interface HashLimits {
  /** hash-max-listpack-entries */
  readonly entries: number;
  /** hash-max-listpack-value */
  readonly value: number;
}

/** The limits from a config (hash-max-listpack-entries/value). */
export const hashLimits = limitsReader(
  (cfg): HashLimits => ({ entries: cfg.num('hash-max-listpack-entries'), value: cfg.num('hash-max-listpack-value') }),
);

/** Approximate size in bytes of a Redis listpack entry holding `len` bytes. */
function lpEntryBytes(len: number): number {
  return len + (len < 64 ? 2 : len < 4096 ? 4 : 10);
}

export class RHash implements RObjectBase, MemTracked {
  /** On the prototype: no per-object field. */
  get type(): 'hash' {
    return 'hash';
  }
  /** Listpack form: the packed pairs; null once converted. */
  private lp: string | null = '';
  /** Pairs in the listpack. */
  private lpPairs = 0;
  /** Hashtable form. */
  private ht: Dict<string> | null = null;
  memBytes = RHash.baseBytes(true);
  memOwner: MemAccount | null = null;

  /** Estimated bytes of an empty hash in either form (memcost.ts). */
  static baseBytes(listpack: boolean): number {
    return objectBytes(5) + (listpack ? 0 : EMPTY_DICT_BYTES);
  }

  /** Estimated bytes of a packed listpack of `chars` chars. */
  static listpackBytes(chars: number): number {
    return chars === 0 ? 0 : stringBytes(chars);
  }

  get size(): number {
    return this.lp !== null ? this.lpPairs : this.ht!.size;
  }

  isListpack(): boolean {
    return this.lp !== null;
  }

  /** Chars of the packed listpack (memory estimates); 0 once converted. */
  get listpackChars(): number {
    return this.lp !== null ? this.lp.length : 0;
  }

  /** The hashtable (null while listpack encoded), for SCAN. */
  get dict(): Dict<string> | null {
    return this.ht;
  }

  encoding(_cfg?: EncodingConfig): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  /**
   * Offset of the entry of `field` in the listpack, or -1. A field of the
   * same length is compared only when its last char matches too (fields
   * often share a prefix: one char read rules most of them out).
   */
  private lpFind(field: string): number {
    const s = this.lp!;
    const flen = field.length;
    const last = flen > 0 ? field.charCodeAt(flen - 1) : -1;
    let p = 0;
    for (let i = this.lpPairs; i > 0; i--) {
      let fl = s.charCodeAt(p);
      let fs = p + 1;
      if (fl === LONG_LEN) {
        fl = lenAt(s, p);
        fs = p + 5;
      }
      if (fl === flen && (flen === 0 || s.charCodeAt(fs + flen - 1) === last) && holdsAt(s, fs, field)) return p;
      p = fs + fl;
      const vl = s.charCodeAt(p);
      p += vl === LONG_LEN ? 5 + lenAt(s, p) : 1 + vl;
    }
    return -1;
  }

  /** Offset of the value of the entry at `p`. */
  private lpValueAt(p: number): number {
    const fl = lenAt(this.lp!, p);
    return p + headerLen(fl) + fl;
  }

  /** The packed string at `p`. */
  private lpString(p: number): string {
    const s = this.lp!;
    const n = lenAt(s, p);
    const start = p + headerLen(n);
    return s.slice(start, start + n);
  }

  /** Offset just past the packed string at `p`. */
  private lpSkip(p: number): number {
    const n = lenAt(this.lp!, p);
    return p + headerLen(n) + n;
  }

  /** Replace chars [a, b) of the listpack by `insert`. */
  private lpSplice(a: number, b: number, insert: string): void {
    const s = this.lp!;
    const next = flat(s.slice(0, a) + insert + s.slice(b));
    memAdjust(this, RHash.listpackBytes(next.length) - RHash.listpackBytes(s.length));
    this.lp = next;
  }

  get(field: string): string | undefined {
    if (this.lp !== null) {
      const p = this.lpFind(field);
      return p === -1 ? undefined : this.lpString(this.lpValueAt(p));
    }
    return this.ht!.get(field);
  }

  has(field: string): boolean {
    return this.lp !== null ? this.lpFind(field) !== -1 : this.ht!.has(field);
  }

  /**
   * hashTypeTryConversion(): convert before a write of the strings
   * argv[start..end] if one is longer than limits.value, or if the
   * listpack could exceed its maximum safe size.
   */
  tryConversion(argv: readonly string[], start: number, end: number, limits: HashLimits): void {
    if (this.lp === null) return;
    let sum = 0;
    for (let i = start; i <= end; i++) {
      const len = argv[i].length;
      if (len > limits.value) {
        this.convert();
        return;
      }
      sum += len;
    }
    // Entries are at most limits.value bytes (unless the limit was lowered
    // later): only near the 1 GiB bound is the exact size worth computing.
    if (7 + lpEntryBytes(limits.value) * this.lpPairs * 2 + sum <= LISTPACK_MAX_SAFETY_SIZE) return;
    if (this.lpBytes() + sum > LISTPACK_MAX_SAFETY_SIZE) this.convert();
  }

  /** Estimated size of Redis's listpack (only large with raised limits). */
  private lpBytes(): number {
    let total = 7;
    const s = this.lp!;
    for (let i = 0, p = 0; i < this.lpPairs * 2; i++) {
      const n = lenAt(s, p);
      total += lpEntryBytes(n);
      p += headerLen(n) + n;
    }
    return total;
  }

  /**
   * hashTypeSet(): add or overwrite. Returns true when the field existed
   * (an update), false when it was inserted.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    if (this.lp !== null && (field.length > limits.value || value.length > limits.value)) this.convert();
    if (this.lp !== null) {
      const p = this.lpFind(field);
      if (p !== -1) {
        const vp = this.lpValueAt(p);
        const s = this.lp;
        // The same value again leaves the listpack as it is (no new string).
        if (lenAt(s, vp) === value.length && holdsAt(s, vp + headerLen(value.length), value)) return true;
        this.lpSplice(vp, this.lpSkip(vp), lengthHeader(value.length) + value);
        return true;
      }
      const s = this.lp;
      this.lpSplice(s.length, s.length, lengthHeader(field.length) + field + lengthHeader(value.length) + value);
      this.lpPairs++;
      if (this.lpPairs > limits.entries) this.convert();
      return false;
    }
    const d = this.ht!;
    const s = d.find(field);
    if (s !== -1) {
      memAdjust(this, stringBytes(value.length) - stringBytes(d.valueAt(s).length));
      d.setValueAt(s, value);
      return true;
    }
    d.insertNew(field, value);
    memAdjust(this, DICT_ENTRY_BYTES + stringBytes(field.length) + stringBytes(value.length));
    return false;
  }

  /** hashTypeDelete(): true if the field existed. */
  delete(field: string): boolean {
    if (this.lp !== null) {
      const p = this.lpFind(field);
      if (p === -1) return false;
      this.lpSplice(p, this.lpSkip(this.lpValueAt(p)), '');
      this.lpPairs--;
      return true;
    }
    const old = this.ht!.delete(field);
    if (old === undefined) return false;
    memAdjust(this, -(DICT_ENTRY_BYTES + stringBytes(field.length) + stringBytes(old.length)));
    return true;
  }

  /** Every field/value pair in encoding order (listpack: insertion order). */
  forEach(fn: (field: string, value: string) => void): void {
    if (this.forEachSpan((s, fs, fe, vs, ve) => fn(s.slice(fs, fe), s.slice(vs, ve)))) return;
    this.ht!.forEach((k, v) => fn(k, v));
  }

  /**
   * forEach() of a listpack hash without making strings: `fn` gets the
   * packed string and the bounds of the field and of the value. False
   * (and no call) when the hash is a table.
   */
  forEachSpan(fn: (s: string, fs: number, fe: number, vs: number, ve: number) => void): boolean {
    const s = this.lp;
    if (s === null) return false;
    const n = this.lpPairs;
    for (let i = 0, p = 0; i < n; i++) {
      const fl = lenAt(s, p);
      const fs = p + headerLen(fl);
      const vp = fs + fl;
      const vl = lenAt(s, vp);
      const vs = vp + headerLen(vl);
      p = vs + vl;
      fn(s, fs, fs + fl, vs, vs + vl);
    }
    return true;
  }

  /** Flat [field, value, ...] in encoding order. */
  pairs(): string[] {
    const out: string[] = [];
    this.forEach((k, v) => {
      out.push(k, v);
    });
    return out;
  }

  /** The pair at index `i` of the listpack, as [field, value]. */
  private lpPairAt(i: number): [string, string] {
    let p = 0;
    for (let j = 0; j < i; j++) p = this.lpSkip(this.lpSkip(p));
    return [this.lpString(p), this.lpString(this.lpSkip(p))];
  }

  /** A uniformly random pair, as [field, value]; the hash must not be empty. */
  randomPair(): [string, string] {
    if (this.lp !== null) return this.lpPairAt(Math.floor(Math.random() * this.lpPairs));
    const d = this.ht!;
    const s = d.randomSlot();
    return [d.keyAt(s), d.valueAt(s)];
  }

  /**
   * `count` distinct random pairs (count < size), flat [f, v, ...]. The
   * listpack form keeps listpack order (lpRandomPairsUnique()).
   */
  randomPairsUnique(count: number): string[] {
    const n = this.size;
    const out: string[] = [];
    if (this.lp !== null) {
      // Selection sampling: each pair is picked with probability
      // (still needed) / (still available).
      let need = count;
      let i = 0;
      this.forEach((f, v) => {
        if (need > 0 && Math.random() * (n - i) < need) {
          out.push(f, v);
          need--;
        }
        i++;
      });
      return out;
    }
    const d = this.ht!;
    if (count * 3 > n) {
      // Few to leave out: drop random pairs from a copy of the whole hash.
      const all = this.pairs();
      let size = n;
      while (size > count) {
        const i = Math.floor(Math.random() * size) * 2;
        size--;
        all[i] = all[size * 2];
        all[i + 1] = all[size * 2 + 1];
      }
      all.length = count * 2;
      return all;
    }
    const seen = new Set<string>();
    while (seen.size < count) {
      const s = d.randomSlot();
      const k = d.keyAt(s);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(k, d.valueAt(s));
    }
    return out;
  }

  /** hashTypeConvert(OBJ_ENCODING_HT). */
  convert(): void {
    if (this.lp === null) return;
    const d = new Dict<string>();
    let bytes = RHash.baseBytes(false);
    this.forEach((f, v) => {
      // Own copies: slices would keep the whole listpack string alive.
      d.insertNew(copyString(f), copyString(v));
      bytes += DICT_ENTRY_BYTES + stringBytes(f.length) + stringBytes(v.length);
    });
    this.ht = d;
    this.lp = null;
    this.lpPairs = 0;
    memAdjust(this, bytes - this.memBytes);
  }

  /** hashTypeDup(): same encoding. */
  dup(): RHash {
    const h = new RHash();
    if (this.lp !== null) {
      h.lp = this.lp;
      h.lpPairs = this.lpPairs;
    } else {
      const d = new Dict<string>();
      this.ht!.forEach((k, v) => {
        d.insertNew(k, v);
      });
      h.lp = null;
      h.ht = d;
    }
    h.memBytes = this.memBytes;
    return h;
  }

  /** A hash holding `pairs` (flat field/value list), encoded per `limits`. */
  static from(pairs: readonly string[], limits: HashLimits): RHash {
    const h = new RHash();
    for (let i = 0; i + 1 < pairs.length; i += 2) h.set(pairs[i], pairs[i + 1], limits);
    return h;
  }
}
