/**
 * SORT and SORT_RO end to end: replies through ioredis and raw RESP2/RESP3,
 * binary members and patterns, STORE side effects (keyspace events, dirty
 * counting, propagation, modified keys, waking blocked clients, WATCH), the
 * sorted-set conversion SORT performs, and errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { RList } from '../../src/store/list.js';

const BIN = '\xff\x00\xc3';
const BINB = Buffer.from(BIN, 'latin1');

let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEA' } });
  observe(srv.server, { event: (e) => events.push(e) });
  srv.server.hooks.propagate.push((_db, argv) => propagated.push([argv[0].toUpperCase(), ...argv.slice(1)]));
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
  events = [];
  propagated = [];
  modified = [];
});

describe('sorting', () => {
  it('sorts lists, sets and sorted sets numerically, ties by element bytes', async () => {
    await r.rpush('l', '10', '2', '-1', '2.0', '02', '1e1', ' 3');
    expect(await r.sort('l')).toEqual(['-1', '02', '2', '2.0', ' 3', '10', '1e1']);
    expect(await r.sort('l', 'DESC')).toEqual(['1e1', '10', ' 3', '2.0', '2', '02', '-1']);
    await r.sadd('s', '5', '-3', '40');
    expect(await r.sort('s')).toEqual(['-3', '5', '40']);
    await r.zadd('z', 1, '30', 2, '20', 3, '10');
    expect(await r.sort('z')).toEqual(['10', '20', '30']);
    expect(await r.call('SORT_RO', 'z', 'DESC')).toEqual(['30', '20', '10']);
    expect(await r.sort('nokey')).toEqual([]);
  });

  it('ALPHA compares bytes, stopping at a NUL byte unless storing', async () => {
    await r.rpush('l', ...['b', BIN, 'a\x00z', 'a\x00b', 'A', '\x80'].map((m) => Buffer.from(m, 'latin1')));
    const sorted = (await r.sortBuffer('l', 'ALPHA')).map((b: Buffer) => b.latin1Slice());
    // 'a\0z' and 'a\0b' compare equal as C strings: they keep list order.
    expect(sorted).toEqual(['A', 'a\x00z', 'a\x00b', 'b', '\x80', BIN]);
    expect(await r.sort('l', 'ALPHA', 'STORE', 'dst')).toBe(6);
    const stored = (await r.lrangeBuffer('dst', 0, -1)).map((b: Buffer) => b.latin1Slice());
    expect(stored).toEqual(['A', 'a\x00b', 'a\x00z', 'b', '\x80', BIN]);
  });

  it('BY patterns read strings and hash fields; GET returns values, # the element', async () => {
    await r.rpush('l', 'x', 'y', BINB);
    await r.mset('w_x', '3', 'w_y', '1', Buffer.concat([Buffer.from('w_'), BINB]), '2');
    await r.hset('h_x', 'f', 'c');
    await r.hset('h_y', 'f', 'a');
    await r.hset(Buffer.concat([Buffer.from('h_'), BINB]), 'f', 'b');
    const byW = await r.sortBuffer('l', 'BY', 'w_*');
    expect(byW.map((b: Buffer) => b.latin1Slice())).toEqual(['y', BIN, 'x']);
    expect(await r.sort('l', 'BY', 'h_*->f', 'ALPHA', 'DESC', 'GET', 'w_*', 'GET', '#', 'GET', 'h_*->f')).toEqual([
      '3', 'x', 'c', '2', expect.anything(), 'b', '1', 'y', 'a',
    ]);
    expect(await r.sort('l', 'BY', 'w_*', 'GET', 'nope_*', 'GET', 'h_*->nofield')).toEqual([null, null, null, null, null, null]);
  });

  it('constant BY keeps the native order of lists and sorted sets, LIMIT applies to it', async () => {
    await r.rpush('l', 'c', 'a', 'b');
    expect(await r.sort('l', 'BY', 'nosort')).toEqual(['c', 'a', 'b']);
    expect(await r.sort('l', 'BY', 'nosort', 'DESC', 'LIMIT', 1, 5)).toEqual(['a', 'c']);
    await r.zadd('z', 1, 'c', 2, 'a', 3, 'b');
    expect(await r.sort('z', 'BY', 'nosort', 'DESC', 'LIMIT', 0, 2)).toEqual(['b', 'a']);
    // Stored sets are sorted even with a constant BY.
    await r.sadd('s', 'q', 'b', 'x');
    expect(await r.sort('s', 'BY', 'nosort', 'STORE', 'dst')).toBe(3);
    expect(await r.lrange('dst', 0, -1)).toEqual(['b', 'q', 'x']);
  });

  it('converts a listpack sorted set to a skiplist', async () => {
    await r.zadd('z', 1, 'a');
    expect(await r.object('ENCODING', 'z')).toBe('listpack');
    await r.call('SORT_RO', 'z', 'ALPHA');
    expect(await r.object('ENCODING', 'z')).toBe('skiplist');
  });

  it('LIMIT clamps offset and count', async () => {
    await r.rpush('l', '1', '2', '3', '4');
    expect(await r.sort('l', 'LIMIT', -5, 2)).toEqual(['1', '2']);
    expect(await r.sort('l', 'LIMIT', 2, -1)).toEqual(['3', '4']);
    expect(await r.sort('l', 'LIMIT', 3, 100)).toEqual(['4']);
    expect(await r.sort('l', 'LIMIT', 4, 1)).toEqual([]);
    expect(await r.sort('l', 'LIMIT', 0, 0)).toEqual([]);
  });
});

describe('STORE', () => {
  it('writes a list, fires sortstore, counts each element as a change and propagates', async () => {
    await r.rpush('l', '3', '1', '2');
    events = [];
    propagated = [];
    modified = [];
    const before = srv.server.dirty;
    expect(await r.sort('l', 'STORE', BINB)).toBe(3);
    expect(srv.server.dirty - before).toBe(3);
    expect(events).toEqual([`sortstore ${BIN}`]);
    expect(modified).toEqual([BIN]);
    expect(propagated).toEqual([['SORT', 'l', 'STORE', BIN]]);
    expect(srv.server.dbs[0].peek(BIN)).toBeInstanceOf(RList);
    expect(await r.lrange(BINB, 0, -1)).toEqual(['1', '2', '3']);
  });

  it('SORT without STORE and SORT_RO change nothing and are not propagated', async () => {
    await r.rpush('l', '2', '1');
    propagated = [];
    const before = srv.server.dirty;
    expect(await r.sort('l')).toEqual(['1', '2']);
    expect(await r.call('SORT_RO', 'l')).toEqual(['1', '2']);
    expect(await r.sort('nokey', 'STORE', 'dst')).toBe(0);
    expect(srv.server.dirty).toBe(before);
    expect(propagated).toEqual([]);
  });

  it('replaces any value and drops its TTL', async () => {
    await r.rpush('l', 'b', 'a');
    await r.set('dst', 'str', 'EX', 100);
    expect(await r.sort('l', 'ALPHA', 'STORE', 'dst')).toBe(2);
    expect(await r.type('dst')).toBe('list');
    expect(await r.ttl('dst')).toBe(-1);
  });

  it('an empty result deletes the destination (del event, one change) and replies 0', async () => {
    await r.set('dst', 'x');
    events = [];
    modified = [];
    const before = srv.server.dirty;
    expect(await r.sort('nokey', 'STORE', 'dst')).toBe(0);
    expect(await r.exists('dst')).toBe(0);
    expect(events).toEqual(['del dst']);
    expect(modified).toEqual(['dst']);
    expect(srv.server.dirty - before).toBe(1);
    events = [];
    expect(await r.sort('nokey', 'STORE', 'dst')).toBe(0);
    expect(events).toEqual([]);
    expect(srv.server.dirty - before).toBe(1);
  });

  it('GET values are stored, missing ones as empty strings', async () => {
    await r.rpush('l', '2', '1');
    await r.set('v_1', 'one');
    expect(await r.sort('l', 'GET', 'v_*', 'GET', '#', 'STORE', 'dst')).toBe(4);
    expect(await r.lrange('dst', 0, -1)).toEqual(['one', '1', '', '2']);
  });

  it('wakes a client blocked on the destination', async () => {
    const b = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
    await b.connect();
    try {
      const popped = b.blpop('dst', 5);
      while ((await r.client('LIST')).split('\n').filter((l: string) => l.includes('cmd=blpop')).length === 0) {
        await new Promise((res) => setTimeout(res, 5));
      }
      await r.rpush('l', '9', '8');
      expect(await r.sort('l', 'STORE', 'dst')).toBe(2);
      expect(await popped).toEqual(['dst', '8']);
      expect(await r.lrange('dst', 0, -1)).toEqual(['9']);
    } finally {
      b.disconnect();
    }
  });

  it('invalidates WATCH on the destination', async () => {
    await r.rpush('l', '1');
    const w = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
    await w.connect();
    try {
      await w.watch('dst');
      await r.sort('l', 'STORE', 'dst');
      const res = await w.multi().get('x').exec();
      expect(res).toBeNull();
    } finally {
      w.disconnect();
    }
  });
});

describe('errors and protocol', () => {
  it('reports syntax, integer, conversion and type errors as Redis does', async () => {
    await r.set('str', 'x');
    await r.rpush('l', '1', 'a');
    expect(await c.callStr('SORT', 'str')).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
    expect(await c.callStr('SORT', 'str', 'bad')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('SORT', 'l', 'LIMIT', 'x', '1')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('SORT', 'l')).toBe("-ERR One or more scores can't be converted into double\r\n");
    expect(await c.callStr('SORT', 'l', 'STORE', 'dst')).toBe("-ERR One or more scores can't be converted into double\r\n");
    expect(await r.exists('dst')).toBe(0);
    expect(await c.callStr('SORT_RO', 'l', 'ALPHA', 'STORE', 'dst')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('SORT')).toBe("-ERR wrong number of arguments for 'sort' command\r\n");
  });

  it('missing GET values are RESP2 null bulks and RESP3 nulls', async () => {
    await r.rpush('l', '1');
    expect(await c.callStr('SORT', 'l', 'GET', 'x_*', 'GET', '#')).toBe('*2\r\n$-1\r\n$1\r\n1\r\n');
    const c3 = await RawClient.connect(srv.port);
    try {
      await c3.call('HELLO', '3');
      expect(await c3.callStr('SORT', 'l', 'GET', 'x_*', 'GET', '#')).toBe('*2\r\n_\r\n$1\r\n1\r\n');
      expect(await c3.callStr('SORT', 'l', 'STORE', 'd')).toBe(':1\r\n');
    } finally {
      c3.close();
    }
  });

  it('COMMAND GETKEYS finds the last STORE destination', async () => {
    expect(await r.call('COMMAND', 'GETKEYS', 'SORT', 'k', 'STORE', 'a', 'GET', 'store', 'STORE', 'b')).toEqual(['k', 'b']);
    expect(await r.call('COMMAND', 'GETKEYS', 'SORT_RO', 'k', 'BY', 'x')).toEqual(['k']);
  });
});
