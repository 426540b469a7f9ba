/**
 * The incremental memory accounting stays exact under every write path:
 * after a random mix of commands over all types (conversions between
 * encodings, moves between keys and dbs, stores, pops, flushes), each
 * database's running total equals the sum over its keys, and each
 * collection's own estimate equals a full recomputation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import type { NodisServer } from '../../src/server/server.js';
import { stringBytes, trackedValueBytes, valueBytes, type MemTracked } from '../../src/store/memory.js';
import { RSet } from '../../src/store/set.js';

let srv: ServerHandle;
let c: RawClient;
beforeAll(async () => {
  srv = await startNodis({
    config: {
      // Small thresholds so that the conversions happen often.
      'hash-max-listpack-entries': '8',
      'set-max-intset-entries': '8',
      'zset-max-listpack-entries': '8',
      'hash-max-listpack-value': '16',
      'zset-max-listpack-value': '16',
    },
  });
  c = await RawClient.connect(srv.port);
});
afterAll(async () => {
  c.close();
  await srv.close();
});

/** Violations of the accounting invariants, as readable lines. */
function audit(server: NodisServer): string[] {
  const problems: string[] = [];
  for (const db of server.dbs) {
    let sum = 0;
    db.dict.forEach((key, v) => {
      sum += stringBytes(key.length) + trackedValueBytes(v);
      if (typeof v === 'object' && !Buffer.isBuffer(v)) {
        const t = v as unknown as MemTracked;
        if (t.memOwner !== db.mem) problems.push(`db${db.id} ${JSON.stringify(key)}: owner is not the db's account`);
        if (!(v instanceof RSet && v.isIntset())) {
          const full = valueBytes(v, 0);
          if (full !== t.memBytes) problems.push(`db${db.id} ${JSON.stringify(key)} (${v.type}): tracked ${t.memBytes}, recomputed ${full}`);
        }
      }
    });
    if (sum !== db.mem.bytes) problems.push(`db${db.id}: account ${db.mem.bytes}, sum over keys ${sum}`);
  }
  return problems;
}

/** mulberry32 */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('memory accounting', () => {
  it('stays exact under a random mix of writes', async () => {
    const rnd = prng(12345);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const keys = ['a', 'b', 'c\xff', 'd\x00'];
    const member = (): string => (rnd() < 0.4 ? String(Math.floor(rnd() * 40)) : `m${Math.floor(rnd() * 30)}${'\xe9'.repeat(Math.floor(rnd() * 20))}`);
    const gens: (() => string[])[] = [
      () => ['SET', pick(keys), member()],
      () => ['APPEND', pick(keys), member()],
      () => ['SETRANGE', pick(keys), String(Math.floor(rnd() * 50)), member()],
      () => ['SETBIT', pick(keys), String(Math.floor(rnd() * 300)), '1'],
      () => ['INCRBYFLOAT', pick(keys), '1.5'],
      () => ['PFADD', pick(keys), member(), member(), member()],
      () => ['PFMERGE', pick(keys), pick(keys), pick(keys)],
      () => ['DEL', pick(keys)],
      () => ['UNLINK', pick(keys)],
      () => ['RPUSH', pick(keys), member(), member()],
      () => ['LPUSH', pick(keys), member()],
      () => ['LPOP', pick(keys), String(1 + Math.floor(rnd() * 3))],
      () => ['RPOP', pick(keys)],
      () => ['LSET', pick(keys), '0', member()],
      () => ['LREM', pick(keys), '0', member()],
      () => ['LTRIM', pick(keys), '1', '-2'],
      () => ['LINSERT', pick(keys), 'BEFORE', member(), member()],
      () => ['LMOVE', pick(keys), pick(keys), 'LEFT', 'RIGHT'],
      () => ['SADD', pick(keys), member(), member(), member()],
      () => ['SREM', pick(keys), member()],
      () => ['SPOP', pick(keys), String(1 + Math.floor(rnd() * 3))],
      () => ['SMOVE', pick(keys), pick(keys), member()],
      () => ['SINTERSTORE', pick(keys), pick(keys), pick(keys)],
      () => ['SUNIONSTORE', pick(keys), pick(keys), pick(keys)],
      () => ['SDIFFSTORE', pick(keys), pick(keys), pick(keys)],
      () => ['HSET', pick(keys), member(), member(), member(), member()],
      () => ['HDEL', pick(keys), member()],
      () => ['HINCRBY', pick(keys), member(), '3'],
      () => ['HINCRBYFLOAT', pick(keys), member(), '0.25'],
      () => ['ZADD', pick(keys), String(Math.floor(rnd() * 100)), member(), String(rnd()), member()],
      () => ['ZINCRBY', pick(keys), '2', member()],
      () => ['ZREM', pick(keys), member()],
      () => ['ZPOPMIN', pick(keys), '2'],
      () => ['ZREMRANGEBYRANK', pick(keys), '0', '1'],
      () => ['ZREMRANGEBYSCORE', pick(keys), '10', '50'],
      () => ['ZREMRANGEBYLEX', pick(keys), '[m1', '[m3'],
      () => ['ZUNIONSTORE', pick(keys), '2', pick(keys), pick(keys)],
      () => ['ZRANGESTORE', pick(keys), pick(keys), '0', '3'],
      () => ['SORT', pick(keys), 'ALPHA', 'STORE', pick(keys)],
      () => ['RENAME', pick(keys), pick(keys)],
      () => ['COPY', pick(keys), pick(keys), 'REPLACE'],
      () => ['MOVE', pick(keys), '1'],
      () => ['SELECT', pick(['0', '1'])],
      () => ['SWAPDB', '0', '1'],
      () => ['EXPIRE', pick(keys), '100'],
      () => ['PERSIST', pick(keys)],
      () => ['GETDEL', pick(keys)],
      () => ['FLUSHDB', pick(['SYNC', 'ASYNC'])],
    ];
    for (let i = 0; i < 3000; i++) {
      const g = rnd() < 0.01 ? gens[gens.length - 1] : pick(gens.slice(0, -1));
      await c.call(...g());
      if (i % 50 === 0) expect(audit(srv.server), `after command ${i}`).toEqual([]);
    }
    expect(audit(srv.server)).toEqual([]);
  });

  it('returns to the empty figure once the keys are gone', async () => {
    await c.call('FLUSHALL');
    const empty = srv.server.memory.usedMemory();
    for (let i = 0; i < 2000; i++) await c.call('HSET', `h${i % 20}`, `f${i}`, 'x'.repeat(i % 50));
    expect(srv.server.memory.usedMemory()).toBeGreaterThan(empty + 100_000);
    for (let i = 0; i < 20; i++) await c.call('DEL', `h${i}`);
    // Keys and values are released; only the keyspace table keeps its size.
    expect(srv.server.dbs.reduce((n, db) => n + db.mem.bytes, 0)).toBe(0);
  });
});
