/**
 * The hash value type (t_hash.c semantics).
 *
 * Two representations, as in Redis:
 * - "listpack": a flat array [field0, value0, field1, value1, ...] in
 *   insertion order, searched linearly. Small hashes (the common case) cost
 *   one array and their strings.
 * - "hashtable": a Dict<string> from field to value.
 *
 * A hash starts as a listpack and is converted, once and for good, when it
 * gets more than hash-max-listpack-entries fields or a field or value
 * longer than hash-max-listpack-value bytes (hashTypeTryConversion() and
 * hashTypeSet()). The caller passes the current limits.
 */
import { Dict } from './dict.js';
import type { EncodingConfig, RObjectBase } from './types.js';
import { DICT_ENTRY_BYTES, EMPTY_DICT_BYTES, arrayBytes, memAdjust, objectBytes, stringBytes, type MemAccount, type MemTracked } from './memcost.js';

/** LISTPACK_MAX_SAFETY_SIZE: listpacks never grow beyond 1 GiB. */
const LISTPACK_MAX_SAFETY_SIZE = 1 << 30;
/** Listpacks shorter than this many strings grow by exact copies. */
const SMALL_EXACT = 64;

export interface HashLimits {
  /** hash-max-listpack-entries */
  entries: number;
  /** hash-max-listpack-value */
  value: number;
}

/** The limits from a config (hash-max-listpack-entries/value). */
export function hashLimits(cfg: EncodingConfig): HashLimits {
  return { entries: cfg.num('hash-max-listpack-entries'), value: cfg.num('hash-max-listpack-value') };
}

/** Approximate size in bytes of a listpack entry holding `len` bytes. */
function lpEntryBytes(len: number): number {
  return len + (len < 64 ? 2 : len < 4096 ? 4 : 10);
}

export class RHash implements RObjectBase, MemTracked {
  readonly type = 'hash' as const;
  /** Listpack form: field/value pairs in order; null once converted. */
  private lp: string[] | null = [];
  /** Hashtable form. */
  private ht: Dict<string> | null = null;
  memBytes = RHash.baseBytes(true);
  memOwner: MemAccount | null = null;

  /** Estimated bytes of an empty hash in either form (memcost.ts). */
  static baseBytes(listpack: boolean): number {
    return objectBytes(5) + (listpack ? arrayBytes(0) : EMPTY_DICT_BYTES);
  }

  get size(): number {
    return this.lp !== null ? this.lp.length >>> 1 : this.ht!.size;
  }

  isListpack(): boolean {
    return this.lp !== null;
  }

  /** The hashtable (null while listpack encoded), for SCAN. */
  get dict(): Dict<string> | null {
    return this.ht;
  }

  encoding(_cfg?: EncodingConfig): string {
    return this.lp !== null ? 'listpack' : 'hashtable';
  }

  /** Index of `field` in the listpack, or -1. */
  private lpFind(field: string): number {
    const lp = this.lp!;
    for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return i;
    return -1;
  }

  get(field: string): string | undefined {
    const lp = this.lp;
    if (lp !== null) {
      for (let i = 0; i < lp.length; i += 2) if (lp[i] === field) return lp[i + 1];
      return undefined;
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
    if (7 + lpEntryBytes(limits.value) * this.lp.length + sum <= LISTPACK_MAX_SAFETY_SIZE) return;
    if (this.lpBytes() + sum > LISTPACK_MAX_SAFETY_SIZE) this.convert();
  }

  /** Estimated serialized listpack size (only large with raised limits). */
  private lpBytes(): number {
    const lp = this.lp!;
    let total = 7;
    for (let i = 0; i < lp.length; i++) total += lpEntryBytes(lp[i].length);
    return total;
  }

  /**
   * hashTypeSet(): add or overwrite. Returns true when the field existed
   * (an update), false when it was inserted.
   */
  set(field: string, value: string, limits: HashLimits): boolean {
    let lp = this.lp;
    if (lp !== null && (field.length > limits.value || value.length > limits.value)) {
      this.convert();
      lp = null;
    }
    if (lp !== null) {
      for (let i = 0; i < lp.length; i += 2) {
        if (lp[i] === field) {
          memAdjust(this, stringBytes(value.length) - stringBytes(lp[i + 1].length));
          lp[i + 1] = value;
          return true;
        }
      }
      memAdjust(this, 16 + stringBytes(field.length) + stringBytes(value.length));
      if (lp.length < SMALL_EXACT) {
        // A new exactly sized array: small hashes carry no spare capacity.
        this.lp = lp = lp.concat(field, value);
      } else {
        lp.push(field, value);
      }
      if (lp.length >>> 1 > limits.entries) this.convert();
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
    const lp = this.lp;
    if (lp !== null) {
      const i = this.lpFind(field);
      if (i === -1) return false;
      memAdjust(this, -(16 + stringBytes(field.length) + stringBytes(lp[i + 1].length)));
      lp.splice(i, 2);
      return true;
    }
    const old = this.ht!.delete(field);
    if (old === undefined) return false;
    memAdjust(this, -(DICT_ENTRY_BYTES + stringBytes(field.length) + stringBytes(old.length)));
    return true;
  }

  /** Every field/value pair in encoding order (listpack: insertion order). */
  forEach(fn: (field: string, value: string) => void): void {
    const lp = this.lp;
    if (lp !== null) {
      for (let i = 0; i < lp.length; i += 2) fn(lp[i], lp[i + 1]);
      return;
    }
    this.ht!.forEach((k, v) => fn(k, v));
  }

  /** Flat [field, value, ...] in encoding order. */
  pairs(): string[] {
    if (this.lp !== null) return this.lp.slice();
    const out: string[] = [];
    this.ht!.forEach((k, v) => {
      out.push(k, v);
    });
    return out;
  }

  /** A uniformly random pair, as [field, value]; the hash must not be empty. */
  randomPair(): [string, string] {
    const lp = this.lp;
    if (lp !== null) {
      const i = Math.floor(Math.random() * (lp.length >>> 1)) * 2;
      return [lp[i], lp[i + 1]];
    }
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
    const lp = this.lp;
    if (lp !== null) {
      // Selection sampling: each pair is picked with probability
      // (still needed) / (still available).
      let need = count;
      for (let i = 0; i < n && need > 0; i++) {
        if (Math.random() * (n - i) < need) {
          out.push(lp[2 * i], lp[2 * i + 1]);
          need--;
        }
      }
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
    const lp = this.lp;
    if (lp === null) return;
    const d = new Dict<string>();
    let bytes = RHash.baseBytes(false);
    for (let i = 0; i < lp.length; i += 2) {
      d.insertNew(lp[i], lp[i + 1]);
      bytes += DICT_ENTRY_BYTES + stringBytes(lp[i].length) + stringBytes(lp[i + 1].length);
    }
    this.ht = d;
    this.lp = null;
    memAdjust(this, bytes - this.memBytes);
  }

  /** hashTypeDup(): same encoding. */
  dup(): RHash {
    const h = new RHash();
    if (this.lp !== null) {
      h.lp = this.lp.slice();
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
