/**
 * Eviction against redis-server 7.0.15.
 *
 * 1. Cache hit ratio under allkeys-lru on a skewed workload: a cache-aside
 *    client (GET; on a miss, SET) draws keys from a Zipf distribution over
 *    20,000 keys, the same sequence for both servers. Each server gets a
 *    maxmemory that holds about a quarter of the keys. The two servers
 *    charge different byte costs per key (Nodis estimates V8's layouts,
 *    Redis counts jemalloc allocations), so the limit is not one number:
 *    each server is first filled with that many keys and its own used_memory
 *    at that point becomes its limit, so both hold about the same number of
 *    keys. Nodis's hit ratio must be within 5 points of redis-server's.
 * 2. OOM replies byte for byte (noeviction, MULTI/EXEC, EXECABORT).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, startNodis, startRedis, warnIfNoRedis, type RedisHandle } from '../helpers/servers.js';
import type { ServerHandle } from '../../src/index.js';

warnIfNoRedis('diff/maxmemory');

const KEYS = 20_000;
const HELD = 5_000;
const REQUESTS = 150_000;
const BATCH = 250;
const VALUE = Buffer.alloc(100, 0xab);

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

/** Key indexes drawn from Zipf(s) over n keys (inverse CDF, binary search). */
function zipfSequence(n: number, s: number, count: number, rand: () => number): Int32Array {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / Math.pow(i + 1, s);
    cdf[i] = sum;
  }
  // Shuffle which key gets which rank, so that hot keys are spread over the key space.
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const u = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[k] = perm[lo];
  }
  return out;
}

const keyName = (i: number): string => `key:${i}`;

async function usedMemory(r: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);
}

/** Set the limit so that the server holds about HELD keys of this workload. */
async function calibrate(r: Redis): Promise<number> {
  await r.flushall();
  const p = r.pipeline();
  for (let i = 0; i < HELD; i++) p.set(`fill:${i}`, VALUE);
  await p.exec();
  const limit = await usedMemory(r);
  await r.flushall();
  await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
  await r.config('SET', 'maxmemory', String(limit));
  return limit;
}

/** The cache-aside workload; returns the hit ratio. */
async function run(r: Redis, seq: Int32Array): Promise<number> {
  let hits = 0;
  for (let off = 0; off < seq.length; off += BATCH) {
    const batch = seq.subarray(off, Math.min(seq.length, off + BATCH));
    const gets = r.pipeline();
    for (const k of batch) gets.getBuffer(keyName(k));
    const res = await gets.exec();
    const sets = r.pipeline();
    let misses = 0;
    const seen = new Set<number>();
    res!.forEach(([err, v], j) => {
      if (err) throw err;
      if (v !== null) hits++;
      else if (!seen.has(batch[j])) {
        seen.add(batch[j]);
        sets.set(keyName(batch[j]), VALUE);
        misses++;
      }
    });
    if (misses > 0) await sets.exec();
  }
  return hits / seq.length;
}

describe.skipIf(!HAVE_REDIS)('allkeys-lru on a Zipf workload', () => {
  let nodis: ServerHandle;
  let redis: RedisHandle;
  let rn: Redis;
  let rr: Redis;
  beforeAll(async () => {
    nodis = await startNodis();
    redis = await startRedis();
    rn = new Redis({ port: nodis.port, lazyConnect: true });
    rr = new Redis({ port: redis.port, lazyConnect: true });
    await rn.connect();
    await rr.connect();
  });
  afterAll(async () => {
    rn.disconnect();
    rr.disconnect();
    await nodis.close();
    await redis.close();
  });

  it('Nodis\'s hit ratio is within 5 points of redis-server\'s', async () => {
    const seq = zipfSequence(KEYS, 0.9, REQUESTS, prng(7));
    await calibrate(rn);
    await calibrate(rr);
    const [hn, hr] = await Promise.all([run(rn, seq), run(rr, seq)]);
    const [kn, kr] = [await rn.dbsize(), await rr.dbsize()];
    const [en, er] = [
      Number(/evicted_keys:(\d+)/.exec(await rn.info('stats'))![1]),
      Number(/evicted_keys:(\d+)/.exec(await rr.info('stats'))![1]),
    ];
    console.log(
      `[zipf allkeys-lru] hit ratio Nodis ${(hn * 100).toFixed(1)}% (${kn} keys held, ${en} evicted), ` +
        `redis-server ${(hr * 100).toFixed(1)}% (${kr} keys held, ${er} evicted)`,
    );
    // Both evicted, and held comparable numbers of keys.
    expect(en).toBeGreaterThan(10_000);
    expect(er).toBeGreaterThan(10_000);
    expect(kn / kr).toBeGreaterThan(0.8);
    expect(kn / kr).toBeLessThan(1.25);
    expect(Math.abs(hn - hr)).toBeLessThanOrEqual(0.05);
  }, 300_000);
});

describe.skipIf(!HAVE_REDIS)('OOM replies', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d.close();
  });

  it('noeviction and an empty allkeys policy refuse writes with the same bytes', async () => {
    await d.same('SET', 'k\xff', 'v\x00');
    await d.same('CONFIG', 'SET', 'maxmemory', '1');
    await d.same('SET', 'x', 'y');
    await d.same('HSET', 'h', 'f', 'v');
    await d.same('GET', 'k\xff');
    await d.same('EXISTS', 'k\xff');
    await d.same('OBJECT', 'FREQ', 'k\xff');
    await d.same('DEL', 'k\xff');
    await d.same('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    await d.same('SET', 'x', 'y');
    await d.same('OBJECT', 'IDLETIME', 'nokey');
    await d.same('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await d.same('OBJECT', 'IDLETIME', 'nokey');
    await d.same('CONFIG', 'SET', 'maxmemory', '0');
    await d.same('SET', 'f', 'v');
    await d.same('OBJECT', 'FREQ', 'f');
    await d.same('OBJECT', 'IDLETIME', 'f');
    await d.same('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await d.same('OBJECT', 'FREQ', 'f');
    await d.same('FLUSHALL');
  });

  it('MULTI: refused queuing, EXECABORT, and EXEC of queued writes', async () => {
    const [nodisOther, redisOther] = await d.connectBoth();
    const both = async (...args: string[]): Promise<void> => {
      await nodisOther.call(...args);
      await redisOther.call(...args);
    };
    try {
      await d.same('SET', 'a', '1');
      await d.same('MULTI');
      await both('CONFIG', 'SET', 'maxmemory', '1');
      await d.same('INCR', 'a');
      await d.same('GET', 'a');
      await d.same('EXEC');
      await both('CONFIG', 'SET', 'maxmemory', '0');
      await d.same('MULTI');
      await d.same('INCR', 'a');
      await both('CONFIG', 'SET', 'maxmemory', '1');
      await d.same('EXEC');
      await both('CONFIG', 'SET', 'maxmemory', '0');
      await d.same('MULTI');
      await d.same('GET', 'a');
      await both('CONFIG', 'SET', 'maxmemory', '1');
      await d.same('EXEC');
      await d.same('MULTI');
      await d.same('DISCARD');
      await d.same('WATCH', 'a');
      await d.same('UNWATCH');
    } finally {
      await both('CONFIG', 'SET', 'maxmemory', '0');
      nodisOther.close();
      redisOther.close();
    }
  });
});
