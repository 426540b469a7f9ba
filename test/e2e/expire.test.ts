import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import { createAofClient, freeAofClient } from '../../src/persistence/aof/loader.js';
import { ManualClock, type ServerHandle } from '../../src/index.js';

const K = 'k\xff\x00\xc3';

let clock: ManualClock;
let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

beforeAll(async () => {
  clock = new ManualClock(1_700_000_000_000);
  srv = await startNodis({ clock, config: { 'notify-keyspace-events': 'KEA' } });
  observe(srv.server, { event: (e) => events.push(e), propagate: (a) => propagated.push(a) });
  // Active expiry runs only inside activeCron(): the timer-driven cycle would
  // race with the manual clock.
  srv.server.activeExpireEnabled = false;
  srv.server.hooks.keyModified.push((_db, key) => modified.push(key));
  r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
  await r.connect();
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  r.disconnect();
  c.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  srv.server.config.set('lazyfree-lazy-expire', 'no');
  srv.server.loading = false;
  events = [];
  propagated = [];
  modified = [];
});

/** One serverCron() run with active expiry enabled. */
function activeCron(): void {
  srv.server.activeExpireEnabled = true;
  try {
    srv.server.cron();
  } finally {
    srv.server.activeExpireEnabled = false;
  }
}

/** SET `key` and forget the side effects of doing so. */
async function fresh(key = K, ...opts: string[]): Promise<void> {
  await c.call('SET', key, 'v', ...opts);
  events = [];
  propagated = [];
  modified = [];
}

describe('setting expires', () => {
  it('EXPIRE and PEXPIRE are relative, propagated as PEXPIREAT with the flags kept', async () => {
    const now = clock.now();
    await fresh();
    const dirty = srv.server.dirty;
    expect(await c.callStr('EXPIRE', K, '100')).toBe(':1\r\n');
    expect(srv.server.dirty - dirty).toBe(1);
    expect(propagated).toEqual([['PEXPIREAT', K, String(now + 100_000)]]);
    expect(events).toEqual([`expire ${K}`]);
    expect(modified).toEqual([K]);
    expect(await c.callStr('TTL', K)).toBe(':100\r\n');
    expect(await c.callStr('PTTL', K)).toBe(':100000\r\n');
    expect(await c.callStr('PEXPIRE', K, '5000', 'lt')).toBe(':1\r\n');
    expect(propagated.at(-1)).toEqual(['PEXPIREAT', K, String(now + 5000), 'lt']);
    expect(await c.callStr('PEXPIRETIME', K)).toBe(`:${now + 5000}\r\n`);
    expect(await c.callStr('EXPIRETIME', K)).toBe(`:${Math.floor((now + 5000 + 500) / 1000)}\r\n`);
  });

  it('EXPIREAT is scaled, PEXPIREAT is propagated unchanged', async () => {
    await fresh();
    expect(await c.callStr('expireat', K, '2000000000', 'GT')).toBe(':0\r\n');
    expect(propagated).toEqual([]);
    expect(await c.callStr('expireat', K, '2000000000')).toBe(':1\r\n');
    expect(propagated).toEqual([['PEXPIREAT', K, '2000000000000']]);
    expect(await c.callStr('pexpireat', K, '2000000000123', 'XX')).toBe(':1\r\n');
    expect(propagated.at(-1)).toEqual(['pexpireat', K, '2000000000123', 'XX']);
    expect(await c.callStr('PEXPIRETIME', K)).toBe(':2000000000123\r\n');
  });

  it('TTL rounds to the nearest second and never goes below zero', async () => {
    await fresh();
    await c.call('PEXPIRE', K, '2500');
    expect(await c.callStr('TTL', K)).toBe(':3\r\n');
    clock.advance(1);
    expect(await c.callStr('TTL', K)).toBe(':2\r\n');
    expect(await c.callStr('PTTL', K)).toBe(':2499\r\n');
    clock.advance(2499);
    expect(await c.callStr('PTTL', K)).toBe(':0\r\n');
    expect(await c.callStr('TTL', K)).toBe(':0\r\n');
    clock.advance(1);
    expect(await c.callStr('PTTL', K)).toBe(':-2\r\n');
  });

  it('a time in the past deletes the key and is propagated as DEL (or UNLINK with lazyfree-lazy-expire)', async () => {
    await fresh(K, 'EX', '100');
    const dirty = srv.server.dirty;
    expect(await c.callStr('EXPIRE', K, '-1')).toBe(':1\r\n');
    expect(srv.server.dirty - dirty).toBe(1);
    expect(propagated).toEqual([['DEL', K]]);
    expect(events).toEqual([`del ${K}`]);
    expect(modified).toEqual([K]);
    expect(await c.callStr('EXISTS', K)).toBe(':0\r\n');
    srv.server.config.set('lazyfree-lazy-expire', 'yes');
    await fresh();
    expect(await c.callStr('PEXPIREAT', K, String(clock.now()))).toBe(':1\r\n');
    expect(propagated).toEqual([['UNLINK', K]]);
  });

  it('while loading, a past time is stored instead of deleting the key', async () => {
    await fresh();
    // What an AOF being loaded replays: clients get LOADING meanwhile.
    const server = srv.server;
    const aof = createAofClient(server);
    const owner = server.startLoading(0);
    try {
      const expire = server.commands.lookup(['EXPIRE'])!;
      aof.cmd = aof.lastCmd = expire;
      expire.handler!(aof, ['EXPIRE', K, '-10']);
      expect(await c.callStr('TTL', K)).toBe('-LOADING Redis is loading the dataset in memory\r\n');
      expect(server.dbs[0].dict.has(K)).toBe(true);
      expect(server.dbs[0].getExpire(K)).toBeLessThan(clock.now());
    } finally {
      server.stopLoading(owner);
      freeAofClient(server, aof);
    }
    expect(await c.callStr('EXISTS', K)).toBe(':0\r\n');
  });

  it('failed conditions and missing keys change nothing', async () => {
    await fresh();
    const dirty = srv.server.dirty;
    expect(await c.callStr('EXPIRE', K, '10', 'XX')).toBe(':0\r\n');
    expect(await c.callStr('EXPIRE', K, '10', 'GT')).toBe(':0\r\n');
    expect(await c.callStr('EXPIRE', 'nope', '10')).toBe(':0\r\n');
    expect(await c.callStr('PERSIST', K)).toBe(':0\r\n');
    expect(await c.callStr('PERSIST', 'nope')).toBe(':0\r\n');
    expect(srv.server.dirty).toBe(dirty);
    expect(propagated).toEqual([]);
    expect(events).toEqual([]);
  });

  it('errors name the command', async () => {
    await fresh();
    expect(await c.callStr('PEXPIRE', K, '9223372036854775807')).toBe("-ERR invalid expire time in 'pexpire' command\r\n");
    expect(await c.callStr('EXPIREAT', K, '9223372036854776')).toBe("-ERR invalid expire time in 'expireat' command\r\n");
    expect(await c.callStr('EXPIRE', K, '10', 'XX', 'NX')).toBe('-ERR NX and XX, GT or LT options at the same time are not compatible\r\n');
    expect(await c.callStr('EXPIRE', K, '10', 'LT', 'GT')).toBe('-ERR GT and LT options at the same time are not compatible\r\n');
    expect(await c.callStr('EXPIRE', K, '10', 'ZZ')).toBe('-ERR Unsupported option ZZ\r\n');
    expect(await c.callStr('EXPIRE', K, 'ten')).toBe('-ERR value is not an integer or out of range\r\n');
  });
});

describe('removing and reading expires', () => {
  it('PERSIST removes the TTL, fires persist and is propagated as is', async () => {
    await fresh(K, 'EX', '100');
    const dirty = srv.server.dirty;
    expect(await r.persist(Buffer.from(K, 'latin1'))).toBe(1);
    expect(srv.server.dirty - dirty).toBe(1);
    expect(events).toEqual([`persist ${K}`]);
    expect(propagated).toEqual([['persist', K]]);
    expect(await c.callStr('TTL', K)).toBe(':-1\r\n');
    expect(await c.callStr('EXPIRETIME', K)).toBe(':-1\r\n');
    expect(await c.callStr('PEXPIRETIME', 'nope')).toBe(':-2\r\n');
  });

  it('TOUCH counts live keys only', async () => {
    await fresh('a');
    await c.call('SET', 'b', 'v', 'PX', '10');
    clock.advance(11);
    expect(await c.callStr('TOUCH', 'a', 'b', 'c', 'a')).toBe(':2\r\n');
  });
});

describe('expiry of keys', () => {
  it('a read of an expired key deletes it, fires expired and propagates DEL', async () => {
    await fresh(K, 'PX', '100');
    clock.advance(100);
    expect(await c.callStr('GET', K)).toBe('$1\r\nv\r\n');
    clock.advance(1);
    const expiredBefore = srv.server.stats.expiredKeys;
    expect(await c.callStr('GET', K)).toBe('$-1\r\n');
    expect(srv.server.stats.expiredKeys - expiredBefore).toBe(1);
    expect(events).toEqual([`expired ${K}`]);
    expect(propagated).toEqual([['DEL', K]]);
    expect(await c.callStr('DBSIZE')).toBe(':0\r\n');
  });

  it('the cron removes expired keys that are never accessed', async () => {
    for (let i = 0; i < 300; i++) await c.call('SET', `vol:${i}\xff`, 'v', 'PX', String(1000 + i));
    for (let i = 0; i < 100; i++) await c.call('SET', `keep:${i}`, 'v');
    await c.call('SET', 'later', 'v', 'EX', '3600');
    await c.call('PEXPIREAT', 'far', '9223372036854775807');
    await c.call('SET', 'far', 'v');
    await c.call('PEXPIREAT', 'far', '9223372036854775807');
    events = [];
    propagated = [];
    activeCron();
    expect(await c.callStr('DBSIZE')).toBe(':402\r\n');
    clock.advance(1300);
    for (let i = 0; i < 100 && srv.server.dbs[0].size > 102; i++) activeCron();
    expect(await c.callStr('DBSIZE')).toBe(':102\r\n');
    expect(events.filter((e) => e.startsWith('expired '))).toHaveLength(300);
    expect(propagated.filter((p) => p[0] === 'DEL')).toHaveLength(300);
    expect(await c.callStr('TTL', 'later')).toBe(':3599\r\n');
    expect(await c.callStr('PEXPIRETIME', 'far')).toBe(':9223372036854775807\r\n');
  });

  it('while clients are paused, expired keys read as missing but are neither deleted nor counted', async () => {
    await c.call('SET', 'p1\xff', 'v', 'PX', '10');
    await c.call('SET', 'p2', 'v', 'PX', '10');
    const expiredBefore = srv.server.stats.expiredKeys;
    expect(await c.callStr('CLIENT', 'PAUSE', '100000', 'WRITE')).toBe('+OK\r\n');
    try {
      clock.advance(100);
      for (let i = 0; i < 5; i++) activeCron();
      expect(await c.callStr('GET', 'p1\xff')).toBe('$-1\r\n');
      expect(srv.server.dbs[0].size).toBe(2);
      expect(srv.server.stats.expiredKeys).toBe(expiredBefore);
      expect(events.filter((e) => e.startsWith('expired '))).toEqual([]);
    } finally {
      await c.call('CLIENT', 'UNPAUSE');
    }
    activeCron();
    expect(srv.server.dbs[0].size).toBe(0);
    expect(srv.server.stats.expiredKeys).toBe(expiredBefore + 2);
    expect(propagated.filter((p) => p[0] === 'DEL')).toHaveLength(2);
  });

  it('the expire cycle\'s time is counted in INFO and, past the threshold, recorded as an expire-cycle latency event', async () => {
    // 50,000 stale keys: far more than a millisecond of work.
    const args: string[] = [];
    for (let i = 0; i < 50000; i++) args.push(`cap:${i}`, 'v');
    await c.call('MSET', ...args);
    for (let i = 0; i < 50000; i++) srv.server.dbs[0].setExpire(`cap:${i}`, clock.now() + 10);
    clock.advance(100);
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    try {
      activeCron();
      expect(await c.callStr('LATENCY', 'LATEST')).toContain('expire-cycle');
      const info = (await c.call('INFO', 'stats')).latin1Slice();
      expect(Number(/expire_cycle_cpu_milliseconds:(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(1);
    } finally {
      await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
      await c.call('LATENCY', 'RESET');
    }
  });

  it('SCAN, KEYS and RANDOMKEY never return expired keys', async () => {
    for (let i = 0; i < 30; i++) await c.call('SET', `x${i}`, 'v', 'PX', '5');
    await c.call('SET', 'alive', 'v');
    clock.advance(6);
    expect(await c.callStr('KEYS', '*')).toBe('*1\r\n$5\r\nalive\r\n');
    expect(await c.callStr('RANDOMKEY')).toBe('$5\r\nalive\r\n');
    expect(await c.callStr('SCAN', '0', 'COUNT', '1000')).toBe('*2\r\n$1\r\n0\r\n*1\r\n$5\r\nalive\r\n');
  });
});
