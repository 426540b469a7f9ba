/**
 * maxmemory and eviction: which keys each policy evicts, OOM refusals
 * (MULTI included), what an eviction does besides deleting (event, WATCH,
 * propagation, stats), the per-command time bound, OBJECT FREQ/IDLETIME,
 * and the memory introspection commands (INFO memory, MEMORY STATS/DOCTOR).
 *
 * Limits are set relative to the server's own used_memory, as Redis's test
 * suite does, so the tests do not depend on the cost constants.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import { observe } from '../helpers/observe.js';
import { ManualClock } from '../../src/store/clock.js';
import type { ServerHandle } from '../../src/index.js';
import { EVICT_RUNNING } from '../../src/server/evict.js';

let srv: ServerHandle;
let clock: ManualClock;
let c: RawClient;
let r: Redis;

beforeAll(async () => {
  clock = new ManualClock();
  srv = await startNodis({ clock, config: { 'enable-debug-command': 'yes' } });
  c = await RawClient.connect(srv.port);
  r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await r.connect();
});
afterAll(async () => {
  c.close();
  r.disconnect();
  await srv.close();
});
afterEach(async () => {
  await r.config('SET', 'maxmemory', '0');
  await r.config('SET', 'maxmemory-policy', 'noeviction');
  await r.config('SET', 'maxmemory-samples', '5');
  await r.config('SET', 'maxmemory-eviction-tenacity', '10');
  await r.config('SET', 'lazyfree-lazy-eviction', 'no');
  await r.flushall();
});

async function info(section: string): Promise<Map<string, string>> {
  const text = await r.info(section);
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

const usedMemory = async (): Promise<number> => Number((await info('memory')).get('used_memory'));
const evictedKeys = async (): Promise<number> => Number((await info('stats')).get('evicted_keys'));

/** Poll until `cond` holds (the eviction time proc works from the event loop). */
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const VALUE = 'v\xff\x00'.repeat(40);

/** Less than one test key (VALUE alone is 120 bytes). */
const CLIENT_SLACK = 96;

/** Lower the limit so that about `keys` keys of this test's size must go, and wait for it. */
async function squeeze(keys: number): Promise<number> {
  const used = await usedMemory();
  const perKey = 250;
  const limit = used - keys * perKey;
  await r.config('SET', 'maxmemory', String(limit));
  // INFO's own query and reply buffers are charged to used_memory after the
  // eviction that ran before it: a few bytes over the limit is that, not a key.
  await until(async () => (await usedMemory()) <= limit + CLIENT_SLACK, 'eviction down to the limit');
  return limit;
}

async function existing(keys: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const k of keys) if ((await r.exists(k)) === 1) out.push(k);
  return out;
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('policies', () => {
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    it(`${policy} evicts only keys with a TTL`, async () => {
      await r.config('SET', 'maxmemory-policy', policy);
      const p = range('p\xff:', 100);
      const v = range('v\xff:', 100);
      for (let i = 0; i < 100; i++) {
        await r.set(p[i], VALUE);
        await r.set(v[i], VALUE, 'EX', 10000 + i);
      }
      await squeeze(30);
      expect(await evictedKeys()).toBeGreaterThan(0);
      expect(await existing(p)).toHaveLength(100);
      expect((await existing(v)).length).toBeLessThan(100);
    });
  }

  it('volatile-* refuse writes once no key with a TTL is left', async () => {
    await r.config('SET', 'maxmemory-policy', 'volatile-lru');
    for (let i = 0; i < 50; i++) await r.set(`p${i}`, VALUE);
    await r.set('v', VALUE, 'EX', 100);
    await r.config('SET', 'maxmemory', String((await usedMemory()) - 5000));
    expect(await c.callStr('SET', 'x', 'y')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await r.exists('v')).toBe(0);
    expect(await r.dbsize()).toBe(50);
  });

  it('allkeys-random evicts keys with and without a TTL', async () => {
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    const p = range('p:', 100);
    const v = range('v:', 100);
    for (let i = 0; i < 100; i++) {
      await r.set(p[i], VALUE);
      await r.set(v[i], VALUE, 'EX', 10000);
    }
    await squeeze(60);
    // 60+ random picks among 200 keys: both kinds go.
    expect((await existing(p)).length).toBeLessThan(100);
    expect((await existing(v)).length).toBeLessThan(100);
  });

  it('allkeys-lru evicts the least recently used keys, TTL or not', async () => {
    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await r.config('SET', 'maxmemory-samples', '10');
    const old = range('old:', 100);
    const recent = range('new:', 100);
    for (const k of old) await r.set(k, VALUE);
    clock.advance(100_000);
    for (const k of recent) await r.set(k, VALUE, 'EX', 5000);
    await squeeze(30);
    const goneOld = 100 - (await existing(old)).length;
    const goneNew = 100 - (await existing(recent)).length;
    expect(goneOld).toBeGreaterThanOrEqual(30);
    expect(goneNew).toBeLessThanOrEqual(Math.floor(goneOld / 20));
  });

  it('reads refresh the LRU clock', async () => {
    await r.config('SET', 'maxmemory-policy', 'volatile-lru');
    await r.config('SET', 'maxmemory-samples', '10');
    const keys = range('k:', 100);
    for (const k of keys) await r.set(k, VALUE, 'EX', 10000);
    clock.advance(100_000);
    // Half are read now; TYPE/EXISTS/OBJECT/TOUCH-less lookups do not count.
    for (let i = 0; i < 50; i++) await r.get(keys[i]);
    for (let i = 50; i < 100; i++) {
      await r.type(keys[i]);
      await r.exists(keys[i]);
      await r.object('ENCODING', keys[i]);
    }
    expect(await r.object('IDLETIME', keys[0])).toBe(0);
    expect(await r.object('IDLETIME', keys[99])).toBe(100);
    await squeeze(25);
    const goneRead = 50 - (await existing(keys.slice(0, 50))).length;
    const goneIdle = 50 - (await existing(keys.slice(50))).length;
    expect(goneIdle).toBeGreaterThanOrEqual(25);
    expect(goneRead).toBeLessThanOrEqual(1);
  });

  it('allkeys-lfu evicts the least frequently used keys', async () => {
    await r.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await r.config('SET', 'maxmemory-samples', '10');
    const cold = range('cold:', 100);
    const hot = range('hot:', 100);
    for (let i = 0; i < 100; i++) {
      await r.set(cold[i], VALUE);
      await r.set(hot[i], VALUE);
    }
    for (let j = 0; j < 5; j++) for (const k of hot) await r.get(k);
    // A new key starts at LFU_INIT_VAL (5); the first access always counts.
    expect(await r.object('FREQ', cold[0])).toBe(5);
    expect(await r.object('FREQ', hot[0])).toBeGreaterThanOrEqual(6);
    await squeeze(30);
    const goneCold = 100 - (await existing(cold)).length;
    const goneHot = 100 - (await existing(hot)).length;
    expect(goneCold).toBeGreaterThanOrEqual(30);
    expect(goneHot).toBeLessThanOrEqual(Math.floor(goneCold / 20));
  });

  it('volatile-ttl evicts the keys that expire soonest', async () => {
    await r.config('SET', 'maxmemory-policy', 'volatile-ttl');
    await r.config('SET', 'maxmemory-samples', '20');
    const keys = range('t:', 100);
    for (let i = 0; i < 100; i++) await r.set(keys[i], VALUE, 'EX', 1000 + i * 10);
    await squeeze(20);
    const left = new Set(await existing(keys));
    const gone = keys.map((k, i) => (left.has(k) ? -1 : i)).filter((i) => i >= 0);
    expect(gone.length).toBeGreaterThanOrEqual(20);
    // The pool holds the best of many samples: the victims are among the soonest to expire.
    expect(Math.max(...gone)).toBeLessThan(gone.length * 2);
  });
});

describe('over the limit', () => {
  it('noeviction refuses denyoom commands with Redis\'s error and runs the others', async () => {
    await r.config('RESETSTAT');
    expect(await c.callStr('SET', 'a', VALUE)).toBe('+OK\r\n');
    await r.config('SET', 'maxmemory', '1');
    expect(await c.callStr('SET', 'b', 'x')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await c.callStr('APPEND', 'a', 'x')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await c.callStr('GET', 'a')).toBe(`$${VALUE.length}\r\n${VALUE}\r\n`);
    expect(await c.callStr('DEL', 'a')).toBe(':1\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    const stats = await info('stats');
    expect(stats.get('evicted_keys')).toBe('0');
    const cmdstats = await info('commandstats');
    expect(cmdstats.get('cmdstat_set')).toMatch(/rejected_calls=1,/);
  });

  it('an eviction policy with nothing to evict refuses too', async () => {
    await r.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await r.config('SET', 'maxmemory', '1');
    expect(await c.callStr('SET', 'b', 'x')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await r.dbsize()).toBe(0);
  });

  it('inside MULTI every command but EXEC/DISCARD is refused, and EXEC aborts', async () => {
    await r.set('a', '1');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    await r.config('SET', 'maxmemory', '1');
    expect(await c.callStr('INCR', 'a')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await c.callStr('GET', 'a')).toBe("-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    expect(await c.callStr('EXEC')).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    // Queued before the limit: EXEC of a denyoom command is refused itself.
    await r.config('SET', 'maxmemory', '0');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('INCR', 'a')).toBe('+QUEUED\r\n');
    await r.config('SET', 'maxmemory', '1');
    expect(await c.callStr('EXEC')).toBe(
      "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n",
    );
    expect(await r.get('a')).toBe('1');
    // A read-only transaction still runs.
    await r.config('SET', 'maxmemory', '0');
    expect(await c.callStr('MULTI')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'a')).toBe('+QUEUED\r\n');
    await r.config('SET', 'maxmemory', '1');
    expect(await c.callStr('EXEC')).toBe('*1\r\n$1\r\n1\r\n');
  });

  it('an eviction fires `evicted`, touches WATCHed keys, propagates a DEL and counts', async () => {
    const events: string[] = [];
    const propagated: string[][] = [];
    observe(srv.server, { event: (e) => events.push(e), propagate: (a) => propagated.push(a) });
    await r.config('RESETSTAT');
    await r.config('SET', 'notify-keyspace-events', 'Ee');
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    expect(await c.callStr('SET', 'w\xff', 'x')).toBe('+OK\r\n');
    const watcher = await RawClient.connect(srv.port);
    expect(await watcher.callStr('WATCH', 'w\xff')).toBe('+OK\r\n');
    await r.config('SET', 'maxmemory', '1');
    await until(async () => (await r.dbsize()) === 0, 'all keys evicted');
    expect(events).toContain('evicted w\xff');
    expect(propagated).toContainEqual(['DEL', 'w\xff']);
    expect(await evictedKeys()).toBe(1);
    await r.config('SET', 'maxmemory', '0');
    expect(await watcher.callStr('MULTI')).toBe('+OK\r\n');
    expect(await watcher.callStr('PING')).toBe('+QUEUED\r\n');
    expect(await watcher.callStr('EXEC')).toBe('*-1\r\n');
    watcher.close();
    // lazyfree-lazy-eviction propagates UNLINK.
    await r.config('SET', 'lazyfree-lazy-eviction', 'yes');
    await r.set('u', 'x');
    await r.config('SET', 'maxmemory', '1');
    await until(async () => (await r.dbsize()) === 0, 'all keys evicted');
    expect(propagated).toContainEqual(['UNLINK', 'u']);
    await r.config('SET', 'notify-keyspace-events', '');
    srv.server.publish = () => 0;
  });

  it('evicts within the tenacity time budget and goes on from the event loop', async () => {
    const server = srv.server;
    // Client memory held still: the cron resizing a reply buffer after the
    // eviction ended would move used_memory past the limit again.
    server.replyBuffers.enabled = false;
    onTestFinished(() => {
      server.replyBuffers.enabled = true;
    });
    const pipe = r.pipeline();
    for (let i = 0; i < 3000; i++) pipe.set(`k${i}`, VALUE);
    await pipe.exec();
    const before = server.stats.evictedKeys;
    // Tenacity 0: a time budget of 0, checked every 16 evictions.
    expect(server.config.setMany([['maxmemory-policy', 'allkeys-random'], ['maxmemory-eviction-tenacity', '0']])).toBeNull();
    expect(server.config.setMany([['maxmemory', String(server.memory.usedMemory() - 500_000)]])).toBeNull();
    expect(server.memory.performEvictions()).toBe(EVICT_RUNNING);
    expect(server.stats.evictedKeys - before).toBe(16);
    expect(server.memory.evictionRunning).toBe(true);
    // The time proc finishes the job with no command coming in.
    await until(async () => !server.memory.evictionRunning, 'the eviction time proc to end');
    expect(server.memory.usedMemory()).toBeLessThanOrEqual(server.memory.maxmemory);
    expect(server.stats.evictedKeys - before).toBeGreaterThan(1000);
    expect(Number((await info('stats')).get('total_eviction_exceeded_time'))).toBeGreaterThanOrEqual(0);
  });
});

describe('OBJECT FREQ and IDLETIME follow the policy', () => {
  it('answer with Redis\'s errors under the other kind of policy', async () => {
    await r.set('k', 'v');
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(
      '-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n',
    );
    await r.config('SET', 'maxmemory-policy', 'volatile-lfu');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(
      '-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n',
    );
    await r.set('f', 'v');
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':5\r\n');
    await r.get('f');
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':6\r\n');
    // The counter decays by one per lfu-decay-time minutes.
    clock.advance(3 * 60_000);
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':3\r\n');
    // OBJECT, TYPE and EXISTS do not count as accesses; TOUCH does.
    await r.type('f');
    await r.exists('f');
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':3\r\n');
    await r.touch('f');
    expect(await c.callStr('OBJECT', 'FREQ', 'f')).toBe(':4\r\n');
  });
});

describe('overwriting a value', () => {
  it('gives the key a new LRU clock but keeps its LFU data, as dbSetValue()', async () => {
    await r.set('k', 'v');
    clock.advance(50_000);
    expect(await r.object('IDLETIME', 'k')).toBe(50);
    await r.set('k', 'v2');
    expect(await r.object('IDLETIME', 'k')).toBe(0);
    clock.advance(20_000);
    await r.mset('k', 'v3');
    expect(await r.object('IDLETIME', 'k')).toBe(0);
    clock.advance(20_000);
    // TTL does not touch the key.
    await r.ttl('k');
    expect(await r.object('IDLETIME', 'k')).toBe(20);
    await r.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    await r.set('f', 'v');
    for (let i = 0; i < 10; i++) await r.get('f');
    const freq = await r.object('FREQ', 'f');
    expect(freq).toBeGreaterThan(5);
    await r.set('f', 'v2');
    // SET's own write lookup may count one more access.
    expect(await r.object('FREQ', 'f')).toBeGreaterThanOrEqual(freq as number);
    expect(await r.object('FREQ', 'f')).toBeLessThanOrEqual((freq as number) + 1);
  });
});

describe('memory introspection', () => {
  const REDIS_MEMORY_FIELDS = [
    'used_memory', 'used_memory_human', 'used_memory_rss', 'used_memory_rss_human', 'used_memory_peak',
    'used_memory_peak_human', 'used_memory_peak_perc', 'used_memory_overhead', 'used_memory_startup',
    'used_memory_dataset', 'used_memory_dataset_perc', 'allocator_allocated', 'allocator_active',
    'allocator_resident', 'total_system_memory', 'total_system_memory_human', 'used_memory_lua',
    'used_memory_vm_eval', 'used_memory_lua_human', 'used_memory_scripts_eval', 'number_of_cached_scripts',
    'number_of_functions', 'number_of_libraries', 'used_memory_vm_functions', 'used_memory_vm_total',
    'used_memory_vm_total_human', 'used_memory_functions', 'used_memory_scripts', 'used_memory_scripts_human',
    'maxmemory', 'maxmemory_human', 'maxmemory_policy', 'allocator_frag_ratio', 'allocator_frag_bytes',
    'allocator_rss_ratio', 'allocator_rss_bytes', 'rss_overhead_ratio', 'rss_overhead_bytes',
    'mem_fragmentation_ratio', 'mem_fragmentation_bytes', 'mem_not_counted_for_evict', 'mem_replication_backlog',
    'mem_total_replication_buffers', 'mem_clients_slaves', 'mem_clients_normal', 'mem_cluster_links',
    'mem_aof_buffer', 'mem_allocator', 'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects',
  ];

  it('INFO memory has Redis 7.0\'s fields in order, tracking the dataset', async () => {
    const m = await info('memory');
    expect([...m.keys()]).toEqual(REDIS_MEMORY_FIELDS);
    const used0 = Number(m.get('used_memory'));
    expect(Number(m.get('used_memory_startup'))).toBeLessThanOrEqual(used0);
    const pipe = r.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`key\xff:${i}`, 'x'.repeat(1000));
    await pipe.exec();
    const m1 = await info('memory');
    const used1 = Number(m1.get('used_memory'));
    // 1000 values of 1000 bytes: at least 1 MB more, and not wildly more.
    expect(used1 - used0).toBeGreaterThan(1_000_000);
    expect(used1 - used0).toBeLessThan(1_300_000);
    expect(Number(m1.get('used_memory_dataset'))).toBeGreaterThan(1_000_000);
    expect(Number(m1.get('used_memory_peak'))).toBeGreaterThanOrEqual(used1);
    await r.config('SET', 'maxmemory', '64mb');
    await r.config('SET', 'maxmemory-policy', 'allkeys-lfu');
    const m2 = await info('memory');
    expect(m2.get('maxmemory')).toBe('67108864');
    expect(m2.get('maxmemory_human')).toBe('64.00M');
    expect(m2.get('maxmemory_policy')).toBe('allkeys-lfu');
    await r.flushall();
    expect(await usedMemory()).toBeLessThan(used0 + 100_000);
  });

  it('streams count in used_memory and MEMORY USAGE, entries and groups alike, and can be evicted', async () => {
    // used_memory less the clients' share: the pipelines below grow this
    // connection's query buffer, which stays until it has been idle 2 s.
    const keyspace = async (): Promise<number> => {
      const m = await info('memory');
      return Number(m.get('used_memory')) - Number(m.get('mem_clients_normal'));
    };
    const used0 = await keyspace();
    const pipe = r.pipeline();
    for (let i = 0; i < 2000; i++) pipe.xadd(`st\xff`, '*', `field\x00${i % 3}`, 'v\xff'.repeat(100));
    await pipe.exec();
    const used1 = await keyspace();
    // 2000 entries of over 300 bytes of field and value: more than 600 KB.
    expect(used1 - used0).toBeGreaterThan(600_000);
    expect(used1 - used0).toBeLessThan(1_500_000);
    const usage = Number(await r.call('MEMORY', 'USAGE', `st\xff`));
    expect(usage).toBeGreaterThan(600_000);
    expect(Math.abs(usage - (used1 - used0))).toBeLessThan(usage / 20);
    // A group whose consumer holds every entry pending.
    await r.xgroup('CREATE', `st\xff`, 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', `st\xff`, '>');
    const used2 = await keyspace();
    expect(used2 - used1).toBeGreaterThan(2000 * 80);
    await r.xgroup('DELCONSUMER', `st\xff`, 'g', 'alice');
    const used3 = await keyspace();
    expect(used2 - used3).toBeGreaterThan(2000 * 80);
    await r.xgroup('DESTROY', `st\xff`, 'g');
    // Back to the stream alone (the groups' map stays, as Redis's cgroups rax).
    expect(Math.abs((await keyspace()) - used1)).toBeLessThan(1_000);
    // Trimming releases whole nodes.
    await r.xtrim(`st\xff`, 'MAXLEN', '0');
    expect((await keyspace()) - used0).toBeLessThan(2_000);
    await r.del(`st\xff`);
    expect(Math.abs((await keyspace()) - used0)).toBeLessThan(1_000);

    // Under a limit, streams are evicted like any key.
    for (let k = 0; k < 20; k++) {
      const p = r.pipeline();
      for (let i = 0; i < 100; i++) p.xadd(`evict\xff${k}`, '*', 'f', 'v'.repeat(200));
      await p.exec();
    }
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    const limit = await squeeze(0);
    await r.config('SET', 'maxmemory', String(limit - 200_000));
    await until(async () => (await usedMemory()) <= limit - 200_000 + CLIENT_SLACK, 'streams evicted');
    expect(await evictedKeys()).toBeGreaterThan(0);
  });

  it('a stream loaded from an RDB (DEBUG RELOAD) costs what it cost, groups included', async () => {
    const pipe = r.pipeline();
    for (let i = 0; i < 500; i++) pipe.xadd(`st\xff`, '*', `field\x00${i % 3}`, 'v\xff'.repeat(50));
    await pipe.exec();
    await r.xgroup('CREATE', `st\xff`, 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', '100', 'STREAMS', `st\xff`, '>');
    const usage = Number(await r.call('MEMORY', 'USAGE', `st\xff`));
    expect(usage).toBeGreaterThan(500 * 150);
    expect(await r.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(Math.abs(Number(await r.call('MEMORY', 'USAGE', `st\xff`)) - usage)).toBeLessThan(usage / 20);
  });

  it('MEMORY STATS has Redis\'s keys, one map per non-empty db', async () => {
    await r.set('a', '1');
    await r.select(3);
    await r.set('b', '2', 'EX', 100);
    await r.select(0);
    const reply = (await r.call('MEMORY', 'STATS')) as (string | number | (string | number)[])[];
    const keys = reply.filter((_, i) => i % 2 === 0);
    expect(keys).toEqual([
      'peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves',
      'clients.normal', 'cluster.links', 'aof.buffer', 'lua.caches', 'functions.caches', 'db.0', 'db.3',
      'overhead.total', 'keys.count', 'keys.bytes-per-key', 'dataset.bytes', 'dataset.percentage',
      'peak.percentage', 'allocator.allocated', 'allocator.active', 'allocator.resident',
      'allocator-fragmentation.ratio', 'allocator-fragmentation.bytes', 'allocator-rss.ratio',
      'allocator-rss.bytes', 'rss-overhead.ratio', 'rss-overhead.bytes', 'fragmentation', 'fragmentation.bytes',
    ]);
    const db3 = reply[keys.indexOf('db.3') * 2 + 1] as (string | number)[];
    expect(db3.filter((_, i) => i % 2 === 0)).toEqual([
      'overhead.hashtable.main', 'overhead.hashtable.expires', 'overhead.hashtable.slot-to-keys',
    ]);
    expect(reply[keys.indexOf('keys.count') * 2 + 1]).toBe(2);
    // RESP3: a map, doubles as doubles.
    expect(await c.callStr('HELLO', '3')).toMatch(/^%/);
    const raw = await c.callStr('MEMORY', 'STATS');
    expect(raw).toMatch(/^%29\r\n/);
    expect(raw).toMatch(/\$18\r\ndataset.percentage\r\n,[0-9.e+-]+\r\n/);
    expect(await c.callStr('HELLO', '2')).toMatch(/^\*/);
  });

  it('MEMORY DOCTOR, MALLOC-STATS, PURGE and HELP answer as Redis without jemalloc', async () => {
    expect(await c.callStr('MEMORY', 'DOCTOR')).toMatch(/^\$\d+\r\nHi Sam, this instance is empty or is using very little memory/);
    expect(await c.callStr('MEMORY', 'MALLOC-STATS')).toBe('$45\r\nStats not supported for the current allocator\r\n');
    expect(await c.callStr('MEMORY', 'PURGE')).toBe('+OK\r\n');
    const help = await c.callStr('MEMORY', 'HELP');
    expect(help).toMatch(/^\*14\r\n\+MEMORY <subcommand> \[<arg> \[value\] \[opt\] \.\.\.\]\. Subcommands are:\r\n\+DOCTOR\r\n/);
    expect(await c.callStr('MEMORY', 'DOCTOR', 'x')).toBe("-ERR wrong number of arguments for 'memory|doctor' command\r\n");
  });
});

describe('lazy freeing', () => {
  it('UNLINK and FLUSHALL ASYNC count lazily freed objects and release the accounting at once', async () => {
    await r.config('RESETSTAT');
    const members = Array.from({ length: 10000 }, (_, i) => `m${i}\xff`);
    await r.sadd('big', ...members);
    await r.sadd('small', 'a', 'b');
    const peak = await usedMemory();
    expect(await r.unlink('big', 'small')).toBe(2);
    // Only values costing more than LAZYFREE_THRESHOLD allocations count.
    expect((await info('memory')).get('lazyfreed_objects')).toBe('1');
    expect((await info('memory')).get('lazyfree_pending_objects')).toBe('0');
    expect(await usedMemory()).toBeLessThan(peak - 500_000);
    // DEL is synchronous unless lazyfree-lazy-user-del.
    await r.sadd('big', ...members);
    await r.del('big');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('1');
    await r.config('SET', 'lazyfree-lazy-user-del', 'yes');
    await r.sadd('big', ...members);
    await r.del('big');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('2');
    await r.config('SET', 'lazyfree-lazy-user-del', 'no');
    // FLUSHALL ASYNC frees the keys lazily; FLUSHALL SYNC does not count.
    for (let i = 0; i < 10; i++) await r.set(`k${i}`, 'v');
    await r.flushall('ASYNC');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('12');
    for (let i = 0; i < 10; i++) await r.set(`k${i}`, 'v');
    await r.config('SET', 'lazyfree-lazy-user-flush', 'yes');
    await r.flushdb();
    expect((await info('memory')).get('lazyfreed_objects')).toBe('22');
    await r.set('k', 'v');
    await r.flushdb('SYNC');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('22');
    await r.config('SET', 'lazyfree-lazy-user-flush', 'no');
    await r.config('RESETSTAT');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('0');
  });

  it('a stream costs a free per node, and its groups with their PELs', async () => {
    await r.config('RESETSTAT');
    await r.config('SET', 'stream-node-max-entries', '5');
    // 100 entries: 20 nodes, under the threshold; 400 entries pass it, and so does a group with 60 pending entries.
    for (let i = 0; i < 100; i++) await r.xadd('st\xff', '*', 'f', String(i));
    await r.unlink('st\xff');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('0');
    for (let i = 0; i < 400; i++) await r.xadd('st\xff', '*', 'f', String(i));
    await r.unlink('st\xff');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('1');
    for (let i = 0; i < 100; i++) await r.xadd('st\xff', '*', 'f', String(i));
    await r.xgroup('CREATE', 'st\xff', 'g', '0');
    await r.xreadgroup('GROUP', 'g', 'alice', 'COUNT', '60', 'STREAMS', 'st\xff', '>');
    await r.unlink('st\xff');
    expect((await info('memory')).get('lazyfreed_objects')).toBe('2');
    await r.config('SET', 'stream-node-max-entries', '100');
  });
});
