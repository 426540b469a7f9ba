import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient, parseReply, type Reply } from '../helpers/resp.js';
import { ManualClock, type ServerHandle } from '../../src/index.js';
import type { EncodingConfig, RObjectBase } from '../../src/store/types.js';

const BIN = '\xff\x00\xc3';
const BIN2 = 'k\x00\xfe\x80';

/** A minimal non-string value planted in the keyspace (lists are not needed to test COPY/TYPE/OBJECT). */
class FakeList implements RObjectBase {
  readonly type = 'list' as const;
  constructor(public items: string[]) {}
  dup(): FakeList {
    return new FakeList([...this.items]);
  }
  encoding(cfg: EncodingConfig): string {
    return this.items.length > cfg.num('maxmemory-samples') ? 'quicklist' : 'listpack';
  }
}

let clock: ManualClock;
let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];
let flushed: number[] = [];

const db = (id = 0) => srv.server.dbs[id];

beforeAll(async () => {
  clock = new ManualClock();
  srv = await startNodis({ clock, config: { 'notify-keyspace-events': 'KEAm' } });
  srv.server.publish = (channel: string, message: string) => {
    if (channel.startsWith('__keyevent@')) {
      const dbid = channel.slice('__keyevent@'.length, channel.indexOf('__:'));
      events.push(`${dbid} ${channel.slice(channel.indexOf(':') + 1)} ${message}`);
    }
    return 0;
  };
  // No active expiry: the timer-driven cycle would race with the manual clock.
  srv.server.activeExpireEnabled = false;
  srv.server.hooks.propagate.push((dbid, argv) => propagated.push([String(dbid), ...argv]));
  srv.server.hooks.keyModified.push((d, key) => modified.push(`${d?.id ?? '-'}:${key}`));
  srv.server.hooks.dbFlushed.push((id) => flushed.push(id));
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
  await c.call('SELECT', '0');
  srv.server.config.set('maxmemory-policy', 'noeviction');
  events = [];
  propagated = [];
  modified = [];
  flushed = [];
});

/** Switch the raw client's connection to RESP3 (HELLO may not be registered). */
function useResp(n: 2 | 3): void {
  for (const cl of srv.server.clients.values()) cl.resp = n;
}

async function scanAll(extra: string[] = [], between?: () => Promise<void> | void): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [rep] = parseReply(await c.call('SCAN', cursor, ...extra));
    const [cur, keys] = (rep as { v: Reply[] }).v as [{ v: Buffer }, { v: { v: Buffer }[] }];
    cursor = cur.v.latin1Slice();
    for (const k of keys.v) out.push(k.v.latin1Slice());
    if (between) await between();
  } while (cursor !== '0');
  return out;
}

describe('DEL UNLINK EXISTS TYPE', () => {
  it('delete binary keys, count duplicates once, fire del events and signal each key', async () => {
    await c.call('SET', BIN, 'a');
    await c.call('SET', BIN2, 'b');
    events = [];
    modified = [];
    propagated = [];
    const dirty = srv.server.dirty;
    expect(await c.callStr('DEL', BIN, BIN, 'nope', BIN2)).toBe(':2\r\n');
    expect(srv.server.dirty - dirty).toBe(2);
    expect(events).toEqual([`0 del ${BIN}`, `0 del ${BIN2}`]);
    expect(modified).toEqual([`0:${BIN}`, `0:${BIN2}`]);
    expect(propagated).toEqual([['0', 'DEL', BIN, BIN, 'nope', BIN2]]);
    expect(await c.callStr('UNLINK', BIN)).toBe(':0\r\n');
    expect(propagated).toHaveLength(1);
  });

  it('DEL of an expired key counts nothing and reports it as expired', async () => {
    await c.call('SET', 'e', 'v', 'PX', '100');
    clock.advance(101);
    events = [];
    propagated = [];
    expect(await c.callStr('DEL', 'e')).toBe(':0\r\n');
    expect(events).toEqual(['0 expired e']);
    expect(propagated).toEqual([['0', 'DEL', 'e']]);
  });

  it('EXISTS and TYPE count keyspace hits but do not touch the LRU clock', async () => {
    await c.call('SET', 'k', 'v');
    clock.advance(5000);
    const hits = srv.server.stats.keyspaceHits;
    const misses = srv.server.stats.keyspaceMisses;
    expect(await c.callStr('EXISTS', 'k', 'k', 'x')).toBe(':2\r\n');
    expect(await c.callStr('TYPE', 'k')).toBe('+string\r\n');
    expect(await c.callStr('TYPE', 'x')).toBe('+none\r\n');
    expect(srv.server.stats.keyspaceHits - hits).toBe(3);
    expect(srv.server.stats.keyspaceMisses - misses).toBe(2);
    expect(events.filter((e) => e.includes('keymiss'))).toEqual(['0 keymiss x', '0 keymiss x']);
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(':5\r\n');
  });

  it('TYPE reports other types from the value tag', async () => {
    db().add('l', new FakeList(['a']));
    expect(await c.callStr('TYPE', 'l')).toBe('+list\r\n');
    expect(await c.callStr('SCAN', '0', 'TYPE', 'LIST')).toBe('*2\r\n$1\r\n0\r\n*1\r\n$1\r\nl\r\n');
    expect(await c.callStr('SCAN', '0', 'TYPE', 'string')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
  });
});

describe('KEYS and SCAN', () => {
  it('KEYS matches binary keys and skips expired ones without deleting them', async () => {
    for (const k of [BIN, BIN2, 'plain', '']) await c.call('SET', k, '1');
    await c.call('SET', 'gone', '1', 'PX', '10');
    clock.advance(11);
    expect((await r.keysBuffer('*')).map((b) => b.latin1Slice()).sort()).toEqual(['', BIN, BIN2, 'plain'].sort());
    expect((await r.keysBuffer(Buffer.from('\xff*', 'latin1'))).map((b) => b.latin1Slice())).toEqual([BIN]);
    expect((await r.keysBuffer(Buffer.from('k?\xfe*', 'latin1'))).map((b) => b.latin1Slice())).toEqual([BIN2]);
    expect(await c.callStr('DBSIZE')).toBe(':5\r\n');
  });

  it('SCAN walks binary keys and lazily deletes the expired ones it meets', async () => {
    for (let i = 0; i < 100; i++) await c.call('SET', `${BIN}${i}`, 'v');
    for (let i = 0; i < 20; i++) await c.call('SET', `exp${i}`, 'v', 'PX', '5');
    clock.advance(6);
    events = [];
    const keys = await scanAll(['COUNT', '7']);
    expect(new Set(keys).size).toBe(100);
    expect(keys.every((k) => k.startsWith(BIN))).toBe(true);
    expect(events.filter((e) => e.includes(' expired '))).toHaveLength(20);
    expect(await c.callStr('DBSIZE')).toBe(':100\r\n');
    expect(await scanAll(['MATCH', `${BIN}1?`])).toHaveLength(10);
  });

  it('returns every key present for the whole scan while the table grows between calls', async () => {
    const stable: string[] = [];
    for (let i = 0; i < 200; i++) stable.push(`stable:${i}`);
    await r.mset(...stable.flatMap((k) => [k, '1']));
    let n = 0;
    const keys = await scanAll(['COUNT', '5'], async () => {
      if (n >= 6000) return;
      const args: string[] = [];
      for (let j = 0; j < 300; j++) args.push(`grow:${n++}`, 'x');
      await r.mset(...args);
    });
    const seen = new Set(keys);
    for (const k of stable) expect(seen.has(k), k).toBe(true);
  });

  it('returns every key present for the whole scan while the table shrinks between calls', async () => {
    const stable: string[] = [];
    for (let i = 0; i < 200; i++) stable.push(`stable:${i}`);
    await r.mset(...stable.flatMap((k) => [k, '1']));
    const tmp: string[] = [];
    for (let i = 0; i < 8000; i++) tmp.push(`tmp:${i}`);
    for (let i = 0; i < tmp.length; i += 1000) await r.mset(...tmp.slice(i, i + 1000).flatMap((k) => [k, '1']));
    let next = 0;
    const keys = await scanAll(['COUNT', '20'], async () => {
      if (next >= tmp.length) return;
      await r.del(...tmp.slice(next, next + 400));
      next += 400;
      srv.server.cron();
    });
    expect(next).toBe(tmp.length);
    const seen = new Set(keys);
    for (const k of stable) expect(seen.has(k), k).toBe(true);
    expect(await c.callStr('DBSIZE')).toBe(':200\r\n');
  });

  it('COUNT bounds the work per call on a sparse table', async () => {
    for (let i = 0; i < 2000; i++) await c.call('SET', `s${i}`, '1');
    for (let i = 1; i < 2000; i++) db().dict.delete(`s${i}`);
    // The server's cron would shrink the table (ending the scan in one call)
    // if its timer fired before the SCAN is read: held off for this test.
    const shrink = vi.spyOn(db().dict, 'resizeIfNeeded').mockImplementation(() => {});
    try {
      // One key left in a large table: a COUNT 1 call visits at most 10 buckets.
      const [rep] = parseReply(await c.call('SCAN', '0', 'COUNT', '1'));
      const [cur, keys] = (rep as { v: Reply[] }).v as [{ v: Buffer }, { v: unknown[] }];
      expect(keys.v.length).toBeLessThanOrEqual(1);
      expect(cur.v.latin1Slice()).not.toBe('0');
    } finally {
      shrink.mockRestore();
    }
  });
});

describe('RANDOMKEY', () => {
  it('returns null when empty (RESP2 and RESP3) and skips expired keys', async () => {
    expect(await c.callStr('RANDOMKEY')).toBe('$-1\r\n');
    useResp(3);
    try {
      expect(await c.callStr('RANDOMKEY')).toBe('_\r\n');
    } finally {
      useResp(2);
    }
    for (let i = 0; i < 50; i++) await c.call('SET', `v${i}`, '1', 'PX', '10');
    await c.call('SET', 'live', '1', 'PX', '100000');
    clock.advance(11);
    for (let i = 0; i < 5; i++) expect(await c.callStr('RANDOMKEY')).toBe('$4\r\nlive\r\n');
    await c.call('DEL', 'live');
    expect(await c.callStr('RANDOMKEY')).toBe('$-1\r\n');
    expect(await c.callStr('DBSIZE')).toBe(':0\r\n');
  });
});

describe('RENAME MOVE COPY', () => {
  it('RENAME keeps the TTL, signals both keys and fires rename events', async () => {
    await c.call('SET', BIN, 'v', 'PX', '5000');
    await c.call('SET', BIN2, 'old');
    events = [];
    modified = [];
    const dirty = srv.server.dirty;
    expect(await c.callStr('RENAME', BIN, BIN2)).toBe('+OK\r\n');
    expect(srv.server.dirty - dirty).toBe(1);
    expect(events).toEqual([`0 rename_from ${BIN}`, `0 rename_to ${BIN2}`]);
    expect(modified.sort()).toEqual([`0:${BIN}`, `0:${BIN2}`].sort());
    expect(await c.callStr('PTTL', BIN2)).toBe(':5000\r\n');
    expect(await c.callStr('GET', BIN2)).toBe('$1\r\nv\r\n');
    expect(await c.callStr('RENAME', BIN2, BIN2)).toBe('+OK\r\n');
    expect(await c.callStr('RENAMENX', BIN2, BIN2)).toBe(':0\r\n');
    expect(await c.callStr('RENAME', 'nope', 'x')).toBe('-ERR no such key\r\n');
    expect(await c.callStr('RENAMENX', 'nope', 'nope')).toBe('-ERR no such key\r\n');
    await c.call('SET', 'x', '1');
    expect(await c.callStr('RENAMENX', BIN2, 'x')).toBe(':0\r\n');
    expect(await c.callStr('RENAMENX', BIN2, 'y')).toBe(':1\r\n');
    expect(await c.callStr('PTTL', 'y')).toBe(':5000\r\n');
  });

  it('RENAME drops the TTL of an overwritten destination and keeps no TTL when the source had none', async () => {
    await c.call('SET', 'src', 'v');
    await c.call('SET', 'dst', 'v', 'EX', '100');
    expect(await c.callStr('RENAME', 'src', 'dst')).toBe('+OK\r\n');
    expect(await c.callStr('TTL', 'dst')).toBe(':-1\r\n');
  });

  it('RENAME of an expired source is no such key', async () => {
    await c.call('SET', 'src', 'v', 'PX', '10');
    clock.advance(11);
    expect(await c.callStr('RENAME', 'src', 'dst')).toBe('-ERR no such key\r\n');
  });

  it('MOVE keeps TTL and value identity, and fires move events in both dbs', async () => {
    const list = new FakeList(['a', 'b']);
    db().add('l', list);
    db().setExpire('l', clock.now() + 9000);
    events = [];
    expect(await c.callStr('MOVE', 'l', '3')).toBe(':1\r\n');
    expect(events).toEqual(['0 move_from l', '3 move_to l']);
    expect(db(3).peek('l')).toBe(list);
    expect(db(3).getExpire('l')).toBe(clock.now() + 9000);
    expect(db().peek('l')).toBeUndefined();
    expect(await c.callStr('MOVE', 'l', '3')).toBe(':0\r\n');
    expect(await c.callStr('MOVE', 'l', '0')).toBe('-ERR source and destination objects are the same\r\n');
    expect(await c.callStr('MOVE', 'l', '16')).toBe('-ERR DB index is out of range\r\n');
    expect(await c.callStr('MOVE', 'l', '2147483648')).toBe(
      '-ERR value is out of range, value must between -2147483648 and 2147483647\r\n',
    );
  });

  it('COPY deep-copies other types and keeps the TTL', async () => {
    const list = new FakeList(['a', 'b']);
    db().add('l', list);
    db().setExpire('l', clock.now() + 7000);
    events = [];
    modified = [];
    expect(await c.callStr('COPY', 'l', 'l2')).toBe(':1\r\n');
    expect(events).toEqual(['0 copy_to l2']);
    expect(modified).toEqual(['0:l2']);
    const copy = db().peek('l2') as FakeList;
    expect(copy).not.toBe(list);
    expect(copy.items).toEqual(['a', 'b']);
    list.items.push('c');
    expect(copy.items).toEqual(['a', 'b']);
    expect(await c.callStr('PTTL', 'l2')).toBe(':7000\r\n');
    expect(await c.callStr('OBJECT', 'ENCODING', 'l2')).toBe('$8\r\nlistpack\r\n');
    list.items.push('d', 'e', 'f');
    expect(await c.callStr('OBJECT', 'ENCODING', 'l')).toBe('$9\r\nquicklist\r\n');
    expect(await c.callStr('COPY', 'l', 'l2', 'DB', '4', 'REPLACE')).toBe(':1\r\n');
    expect(events.at(-1)).toBe('4 copy_to l2');
    expect((db(4).peek('l2') as FakeList).items).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('COPY of a string mutated in place does not share its buffer', async () => {
    await c.call('SET', 's', 'abc');
    await c.call('APPEND', 's', 'def');
    expect(await c.callStr('COPY', 's', 't')).toBe(':1\r\n');
    await c.call('SETRANGE', 's', '0', 'X');
    expect(await c.callStr('GET', 't')).toBe('$6\r\nabcdef\r\n');
    expect(await c.callStr('GET', 's')).toBe('$6\r\nXbcdef\r\n');
    expect(await c.callStr('OBJECT', 'ENCODING', 't')).toBe('$3\r\nraw\r\n');
  });

  it('COPY replaces an existing destination only with REPLACE', async () => {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2', 'EX', '100');
    expect(await c.callStr('COPY', 'a', 'b')).toBe(':0\r\n');
    expect(await c.callStr('COPY', 'a', 'b', 'REPLACE')).toBe(':1\r\n');
    expect(await c.callStr('GET', 'b')).toBe('$1\r\n1\r\n');
    expect(await c.callStr('TTL', 'b')).toBe(':-1\r\n');
    expect(await c.callStr('COPY', 'a', 'a')).toBe('-ERR source and destination objects are the same\r\n');
    expect(await c.callStr('COPY', 'a', 'a', 'DB', '1')).toBe(':1\r\n');
    expect(await c.callStr('COPY', 'a', 'x', 'DB')).toBe('-ERR syntax error\r\n');
  });
});

describe('SWAPDB FLUSHDB FLUSHALL', () => {
  it('SWAPDB swaps contents, TTLs included, and touches watchers of both dbs', async () => {
    await c.call('SET', 'a', '0', 'EX', '100');
    await c.call('SELECT', '1');
    await c.call('SET', 'b', '1');
    flushed = [];
    const dirty = srv.server.dirty;
    expect(await c.callStr('SWAPDB', '0', '1')).toBe('+OK\r\n');
    expect(srv.server.dirty - dirty).toBe(1);
    expect(flushed).toEqual([0, 1, 0, 1]);
    expect(await c.callStr('GET', 'a')).toBe('$1\r\n0\r\n');
    expect(await c.callStr('TTL', 'a')).toBe(':100\r\n');
    expect(await c.callStr('EXISTS', 'b')).toBe(':0\r\n');
    flushed = [];
    expect(await c.callStr('SWAPDB', '1', '1')).toBe('+OK\r\n');
    expect(flushed).toEqual([]);
    expect(await c.callStr('SWAPDB', '0', '16')).toBe('-ERR DB index is out of range\r\n');
    expect(await c.callStr('SWAPDB', 'a', '16')).toBe('-ERR invalid first DB index\r\n');
    expect(await c.callStr('SWAPDB', '0', 'b')).toBe('-ERR invalid second DB index\r\n');
  });

  it('FLUSHDB empties only the selected db, calls the hook and adds the removed keys to dirty', async () => {
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '1', 'EX', '10');
    await c.call('SELECT', '2');
    await c.call('SET', 'c', '1');
    flushed = [];
    propagated = [];
    const dirty = srv.server.dirty;
    expect(await c.callStr('FLUSHDB', 'ASYNC')).toBe('+OK\r\n');
    expect(srv.server.dirty - dirty).toBe(1);
    expect(flushed).toEqual([2]);
    expect(propagated).toEqual([['2', 'FLUSHDB', 'ASYNC']]);
    expect(await c.callStr('FLUSHDB')).toBe('+OK\r\n');
    expect(propagated).toHaveLength(2);
    await c.call('SELECT', '0');
    expect(await c.callStr('DBSIZE')).toBe(':2\r\n');
    expect(db().expires.size).toBe(1);
  });

  it('FLUSHALL empties every db, is propagated even when empty and calls the hook with -1', async () => {
    await c.call('SET', 'a', '1');
    await c.call('SELECT', '5');
    await c.call('SET', 'b', '1', 'EX', '10');
    flushed = [];
    propagated = [];
    const dirty = srv.server.dirty;
    expect(await c.callStr('FLUSHALL', 'SYNC')).toBe('+OK\r\n');
    expect(srv.server.dirty - dirty).toBe(2);
    expect(flushed).toEqual([-1]);
    for (let i = 0; i < 16; i++) {
      expect(db(i).size).toBe(0);
      expect(db(i).expires.size).toBe(0);
    }
    expect(await c.callStr('FLUSHALL')).toBe('+OK\r\n');
    expect(propagated).toEqual([
      ['5', 'FLUSHALL', 'SYNC'],
      ['5', 'FLUSHALL'],
    ]);
    expect(await c.callStr('FLUSHALL', 'now')).toBe('-ERR syntax error\r\n');
  });

  it('FLUSHALL ASYNC of a large db returns promptly with the keyspace empty', async () => {
    const d = db();
    for (let i = 0; i < 200000; i++) d.add(`big:${i}`, 'v');
    expect(await c.callStr('FLUSHALL', 'ASYNC')).toBe('+OK\r\n');
    expect(await c.callStr('DBSIZE')).toBe(':0\r\n');
    expect(await c.callStr('SET', 'big:1', 'new')).toBe('+OK\r\n');
    expect(await c.callStr('GET', 'big:1')).toBe('$3\r\nnew\r\n');
  });
});

describe('OBJECT', () => {
  it('answers null for a missing key in RESP2 and RESP3, without a keymiss event', async () => {
    expect(await c.callStr('OBJECT', 'ENCODING', 'nope')).toBe('$-1\r\n');
    useResp(3);
    try {
      for (const sub of ['ENCODING', 'REFCOUNT', 'IDLETIME', 'FREQ']) expect(await c.callStr('OBJECT', sub, 'nope')).toBe('_\r\n');
    } finally {
      useResp(2);
    }
    expect(events.filter((e) => e.includes('keymiss'))).toEqual([]);
  });

  it('IDLETIME follows the LRU clock: reads touch, OBJECT/TYPE/TTL/EXISTS do not, TOUCH does', async () => {
    await c.call('SET', 'k', 'v');
    clock.advance(10_000);
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(':10\r\n');
    await c.call('TYPE', 'k');
    await c.call('TTL', 'k');
    await c.call('EXISTS', 'k');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(':10\r\n');
    await c.call('GET', 'k');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(':0\r\n');
    clock.advance(3_000);
    expect(await c.callStr('TOUCH', 'k', 'nope')).toBe(':1\r\n');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(':0\r\n');
  });

  it('IDLETIME handles the 24-bit clock wrap', async () => {
    await c.call('SET', 'k', 'v');
    const lru = srv.server.lruClock();
    db().setMeta('k', (lru + 5) & 0xffffff);
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(`:${0xffffff - 5}\r\n`);
  });

  it('FREQ reads the LFU counter and decays it per lfu-decay-time minutes', async () => {
    await c.call('SET', 'k', 'v');
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(
      '-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n',
    );
    srv.server.config.set('maxmemory-policy', 'volatile-lfu');
    expect(await c.callStr('OBJECT', 'IDLETIME', 'k')).toBe(
      '-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n',
    );
    const minutes = Math.floor(clock.now() / 60000) & 0xffff;
    db().setMeta('k', (minutes << 8) | 20);
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(':20\r\n');
    clock.advance(3 * 60_000);
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(':17\r\n');
    srv.server.config.set('lfu-decay-time', '2');
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(':19\r\n');
    srv.server.config.set('lfu-decay-time', '0');
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(':20\r\n');
    srv.server.config.set('lfu-decay-time', '1');
    clock.advance(60 * 60_000);
    expect(await c.callStr('OBJECT', 'FREQ', 'k')).toBe(':0\r\n');
  });

  it('REFCOUNT reports shared integers like Redis', async () => {
    for (const [v, rc] of [['0', 2147483647], ['9999', 2147483647], ['10000', 1], ['-1', 1], ['abc', 1], ['01', 1]] as const) {
      await c.call('SET', 'k', v);
      expect(await c.callStr('OBJECT', 'REFCOUNT', 'k'), v).toBe(`:${rc}\r\n`);
    }
    db().add('l', new FakeList([]));
    expect(await c.callStr('OBJECT', 'REFCOUNT', 'l')).toBe(':1\r\n');
  });

  it('HELP and argument errors', async () => {
    const help = await c.callStr('OBJECT', 'help');
    expect(help.startsWith('*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n')).toBe(true);
    expect(help.endsWith('+HELP\r\n+    Prints this help.\r\n')).toBe(true);
    expect(await c.callStr('OBJECT', 'encoding')).toBe("-ERR wrong number of arguments for 'object|encoding' command\r\n");
    expect(await c.callStr('OBJECT', 'nosuch', 'k')).toBe("-ERR unknown subcommand 'nosuch'. Try OBJECT HELP.\r\n");
  });
});

describe('command table', () => {
  it('arity, flags and key positions match Redis 7.0', () => {
    const t = srv.server.commands;
    const expectCmd = (name: string, arity: number, keys: number[], argv: string[]) => {
      const cmd = t.lookup(argv)!;
      expect(cmd, name).toBeDefined();
      expect(cmd.arity, name).toBe(arity);
      expect(cmd.getKeys(argv), name).toEqual(keys);
    };
    expectCmd('del', -2, [1, 2, 3], ['del', 'a', 'b', 'c']);
    expectCmd('copy', -3, [1, 2], ['copy', 'a', 'b', 'DB', '1']);
    expectCmd('rename', 3, [1, 2], ['rename', 'a', 'b']);
    expectCmd('move', 3, [1], ['move', 'a', '1']);
    expectCmd('swapdb', 3, [], ['swapdb', '0', '1']);
    expectCmd('flushall', -1, [], ['flushall', 'async']);
    expectCmd('object|encoding', 3, [2], ['object', 'encoding', 'k']);
    expectCmd('object|help', 2, [], ['object', 'help']);
    expectCmd('expire', -3, [1], ['expire', 'k', '1', 'nx']);
    expectCmd('touch', -2, [1, 2], ['touch', 'a', 'b']);
  });
});
