/**
 * Plain, comparable pictures of keyspace values: for checking that a
 * snapshot, a reload or another server holds exactly the expected data.
 */
import type { NodisServer } from '../../src/server/server.js';
import { isString, strValue, type RValue, type RObjectBase } from '../../src/store/types.js';
import type { RList } from '../../src/store/list.js';
import type { RSet } from '../../src/store/set.js';
import type { ZSet } from '../../src/store/zset.js';
import type { RHash } from '../../src/store/hash.js';
import { RawClient, parseReply, type Reply } from './resp.js';

export type Canon =
  | { t: 'string'; v: string }
  | { t: 'list'; v: string[] }
  | { t: 'set'; v: string[] }
  | { t: 'zset'; v: [string, number][] }
  | { t: 'hash'; v: [string, string][] };

/** A value as plain data: strings as latin1, unordered collections sorted. */
export function canonValue(v: RValue): Canon {
  if (isString(v)) return { t: 'string', v: strValue(v) };
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

function bulks(r: Reply): string[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`expected an array, got ${JSON.stringify(r)}`);
  return r.v.map((x) => {
    if (x.t !== 'bulk' || x.v === null) throw new Error(`expected a bulk, got ${JSON.stringify(x)}`);
    return x.v.latin1Slice();
  });
}

async function ask(c: RawClient, ...args: string[]): Promise<Reply> {
  const r = parseReply(await c.call(...args.map((a) => Buffer.from(a, 'latin1'))))[0];
  if (r.t === 'error') throw new Error(`${args.join(' ')}: ${r.v}`);
  return r;
}

/**
 * The keyspace of any server (Nodis or redis-server) read with commands:
 * SCAN every db, then TYPE, the content and PEXPIRETIME of each key.
 * Scores go through their decimal replies (exact for doubles).
 */
export async function pictureOverWire(port: number, dbs = 16): Promise<KeyspacePicture> {
  const c = await RawClient.connect(port);
  const out: KeyspacePicture = new Map();
  try {
    for (let id = 0; id < dbs; id++) {
      await ask(c, 'SELECT', String(id));
      const keys = new Set<string>();
      let cursor = '0';
      do {
        const r = await ask(c, 'SCAN', cursor, 'COUNT', '1000');
        if (r.t !== 'array' || r.v === null) throw new Error('bad SCAN reply');
        const cur = r.v[0];
        cursor = cur.t === 'bulk' && cur.v !== null ? cur.v.latin1Slice() : '0';
        for (const k of bulks(r.v[1])) keys.add(k);
      } while (cursor !== '0');
      if (keys.size === 0) continue;
      const m = new Map<string, CanonEntry>();
      for (const key of keys) {
        const t = await ask(c, 'TYPE', key);
        const type = t.t === 'status' ? t.v : '';
        let value: Canon;
        switch (type) {
          case 'string': {
            const r = await ask(c, 'GET', key);
            value = { t: 'string', v: r.t === 'bulk' && r.v !== null ? r.v.latin1Slice() : '' };
            break;
          }
          case 'list':
            value = { t: 'list', v: bulks(await ask(c, 'LRANGE', key, '0', '-1')) };
            break;
          case 'set':
            value = { t: 'set', v: bulks(await ask(c, 'SMEMBERS', key)).sort() };
            break;
          case 'zset': {
            const flat = bulks(await ask(c, 'ZRANGE', key, '0', '-1', 'WITHSCORES'));
            const v: [string, number][] = [];
            for (let i = 0; i < flat.length; i += 2) v.push([flat[i], parseScore(flat[i + 1])]);
            value = { t: 'zset', v };
            break;
          }
          case 'hash': {
            const flat = bulks(await ask(c, 'HGETALL', key));
            const v: [string, string][] = [];
            for (let i = 0; i < flat.length; i += 2) v.push([flat[i], flat[i + 1]]);
            v.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
            value = { t: 'hash', v };
            break;
          }
          default:
            continue; // expired between SCAN and TYPE
        }
        const e = await ask(c, 'PEXPIRETIME', key);
        m.set(key, { value, expire: e.t === 'int' ? Number(e.v) : -1 });
      }
      out.set(id, m);
    }
  } finally {
    c.close();
  }
  return out;
}

function parseScore(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}
