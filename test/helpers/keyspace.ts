/**
 * Plain, comparable pictures of keyspace values: for checking that a
 * snapshot, a reload or another server holds exactly the expected data.
 */
import type { NodisServer } from '../../src/server/server.js';
import type { RValue, RObjectBase } from '../../src/store/types.js';
import type { RList } from '../../src/store/list.js';
import type { RSet } from '../../src/store/set.js';
import type { ZSet } from '../../src/store/zset.js';
import type { RHash } from '../../src/store/hash.js';

export type Canon =
  | { t: 'string'; v: string }
  | { t: 'list'; v: string[] }
  | { t: 'set'; v: string[] }
  | { t: 'zset'; v: [string, number][] }
  | { t: 'hash'; v: [string, string][] };

/** A value as plain data: strings as latin1, unordered collections sorted. */
export function canonValue(v: RValue): Canon {
  if (typeof v === 'string') return { t: 'string', v };
  if (Buffer.isBuffer(v)) return { t: 'string', v: v.latin1Slice(0, v.length) };
  const o = v as RObjectBase;
  switch (o.type) {
    case 'list':
      return { t: 'list', v: (o as unknown as RList).toArray() };
    case 'set':
      return { t: 'set', v: (o as unknown as RSet).members().sort() };
    case 'zset': {
      const out: [string, number][] = [];
      (o as unknown as ZSet).forEach((e, s) => out.push([e, s]));
      return { t: 'zset', v: out };
    }
    case 'hash': {
      const out: [string, string][] = [];
      (o as unknown as RHash).forEach((f, val) => out.push([f, val]));
      out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return { t: 'hash', v: out };
    }
    default:
      throw new Error(`no canonical form for ${o.type}`);
  }
}

export interface CanonEntry {
  value: Canon;
  /** Absolute expire time in ms, -1 for none. */
  expire: number;
}

/** Every db as key -> entry (expired but not yet deleted keys included); empty dbs omitted. */
export type KeyspacePicture = Map<number, Map<string, CanonEntry>>;

export function pictureOf(server: NodisServer): KeyspacePicture {
  const out: KeyspacePicture = new Map();
  for (const db of server.dbs) {
    if (db.dict.size === 0) continue;
    const m = new Map<string, CanonEntry>();
    db.dict.forEach((key, val) => {
      const e = db.expires.get(key);
      m.set(key, { value: canonValue(val), expire: e === undefined ? -1 : e });
    });
    out.set(db.id, m);
  }
  return out;
}

/** A picture as a sorted array, for toEqual() with readable diffs. */
export function sortedPicture(p: KeyspacePicture): [number, [string, CanonEntry][]][] {
  return [...p.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, m]) => [id, [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))]);
}
