/**
 * List commands end to end: replies (ioredis and raw RESP2/RESP3), errors,
 * keyspace events, propagation (what AOF/replicas would receive), dirty
 * counting, and OBJECT ENCODING.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { RList } from '../../src/store/list.js';

const BIN = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x0d, 0x0a]);
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEAn' } });
  observe(srv.server, { event: (e) => events.push(e) });
  // Command names as sent (ioredis sends them in lower case) are compared upper-cased.
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

/** Events without the 'new' events of created keys. */
function evs(): string[] {
  return events.filter((e) => !e.startsWith('new '));
}

describe('push and pop', () => {
  it('LPUSH/RPUSH build the list, binary safe, and report the length', async () => {
    expect(await r.lpush(BIN, 'a', 'b')).toBe(2);
    expect(await r.rpush(BIN, BIN)).toBe(3);
    expect(await r.lrangeBuffer(BIN, 0, -1)).toEqual([Buffer.from('b'), Buffer.from('a'), BIN]);
    expect(await r.llen(BIN)).toBe(3);
    expect(await r.object('ENCODING', BIN)).toBe('quicklist');
    expect(await r.type(BIN)).toBe('list');
    expect(srv.server.dbs[0].peek(BIN.latin1Slice())).toBeInstanceOf(RList);
    const k = BIN.latin1Slice();
    expect(events).toEqual([`new ${k}`, `lpush ${k}`, `rpush ${k}`]);
    expect(propagated).toEqual([['LPUSH', k, 'a', 'b'], ['RPUSH', k, BIN.latin1Slice()]]);
  });

  it('every element pushed counts as a change', async () => {
    const before = srv.server.dirty;
    await r.rpush('k', 'a', 'b', 'c');
    expect(srv.server.dirty - before).toBe(3);
    await r.lpop('k', 2);
    expect(srv.server.dirty - before).toBe(5);
  });

  it('LPUSHX/RPUSHX only push to existing lists', async () => {
    expect(await r.lpushx('k', 'a')).toBe(0);
    expect(await r.exists('k')).toBe(0);
    expect(propagated).toEqual([]);
    await r.rpush('k', 'm');
    expect(await r.lpushx('k', 'a', 'b')).toBe(3);
    expect(await r.rpushx('k', 'z')).toBe(4);
    expect(await r.lrange('k', 0, -1)).toEqual(['b', 'a', 'm', 'z']);
  });

  it('LPOP/RPOP with and without count; an emptied list is deleted', async () => {
    await r.rpush('k', 'a', 'b', 'c', 'd');
    events = [];
    expect(await r.lpop('k')).toBe('a');
    expect(await r.rpop('k')).toBe('d');
    expect(await c.callStr('LPOP', 'k', '0')).toBe('*0\r\n');
    expect(await c.callStr('RPOP', 'k', '5')).toBe('*2\r\n$1\r\nc\r\n$1\r\nb\r\n');
    expect(await r.exists('k')).toBe(0);
    expect(evs()).toEqual(['lpop k', 'rpop k', 'rpop k', 'del k']);
    expect(await c.callStr('LPOP', 'k')).toBe('$-1\r\n');
    expect(await c.callStr('LPOP', 'k', '1')).toBe('*-1\r\n');
    expect(await c.callStr('LPOP', 'k', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(await c.callStr('LPOP', 'k', '1', '2')).toBe("-ERR wrong number of arguments for 'lpop' command\r\n");
    expect(await c.callStr('RPOP')).toBe("-ERR wrong number of arguments for 'rpop' command\r\n");
  });

  it('RESP3 null shapes', async () => {
    const c3 = await RawClient.connect(srv.port);
    await c3.call('HELLO', '3');
    expect(await c3.callStr('LPOP', 'nokey')).toBe('_\r\n');
    expect(await c3.callStr('LPOP', 'nokey', '2')).toBe('_\r\n');
    expect(await c3.callStr('LINDEX', 'nokey', '0')).toBe('_\r\n');
    expect(await c3.callStr('LMPOP', '1', 'nokey', 'LEFT')).toBe('_\r\n');
    expect(await c3.callStr('BLPOP', 'nokey', '0.01')).toBe('_\r\n');
    await c3.call('RPUSH', 'k', 'v');
    expect(await c3.callStr('LPOS', 'k', 'x')).toBe('_\r\n');
    expect(await c3.callStr('LMPOP', '1', 'k', 'LEFT')).toBe('*2\r\n$1\r\nk\r\n*1\r\n$1\r\nv\r\n');
    c3.close();
  });

  it('type errors leave the key alone', async () => {
    await r.set('s', 'v');
    for (const args of [['LPUSH', 's', 'a'], ['RPOP', 's'], ['LRANGE', 's', '0', '-1'], ['LMOVE', 's', 'x', 'LEFT', 'LEFT']]) {
      expect(await c.callStr(...args)).toBe(WRONGTYPE);
    }
    await r.rpush('l', 'a');
    expect(await c.callStr('LMOVE', 'l', 's', 'LEFT', 'LEFT')).toBe(WRONGTYPE);
    expect(await r.lrange('l', 0, -1)).toEqual(['a']);
    expect(await r.get('s')).toBe('v');
  });
});

describe('indexes and ranges', () => {
  beforeEach(async () => {
    await r.rpush('k', 'a', 'b', 'c', 'd', 'e');
    events = [];
    propagated = [];
    modified = [];
  });

  it('LINDEX and LSET', async () => {
    expect(await r.lindex('k', 0)).toBe('a');
    expect(await r.lindex('k', -1)).toBe('e');
    expect(await r.lindex('k', 5)).toBeNull();
    expect(await c.callStr('LINDEX', 'k', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('LINDEX', 'nokey', 'x')).toBe('$-1\r\n');
    expect(await r.lset('k', -2, BIN)).toBe('OK');
    expect(await r.lindexBuffer('k', 3)).toEqual(BIN);
    expect(await c.callStr('LSET', 'k', '5', 'v')).toBe('-ERR index out of range\r\n');
    expect(await c.callStr('LSET', 'nokey', '0', 'v')).toBe('-ERR no such key\r\n');
    expect(evs()).toEqual(['lset k']);
    expect(modified).toEqual(['k']);
  });

  it('LRANGE clamps like Redis', async () => {
    expect(await r.lrange('k', 1, 3)).toEqual(['b', 'c', 'd']);
    expect(await r.lrange('k', -2, 100)).toEqual(['d', 'e']);
    expect(await r.lrange('k', 3, 1)).toEqual([]);
    expect(await r.lrange('nokey', 0, -1)).toEqual([]);
    expect(await c.callStr('LRANGE', 'k', '0', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
  });

  it('LTRIM trims, deletes when empty, counts removed elements as changes', async () => {
    const before = srv.server.dirty;
    expect(await r.ltrim('k', 1, -2)).toBe('OK');
    expect(srv.server.dirty - before).toBe(2);
    expect(await r.lrange('k', 0, -1)).toEqual(['b', 'c', 'd']);
    expect(await r.ltrim('k', 5, 10)).toBe('OK');
    expect(await r.exists('k')).toBe(0);
    expect(await r.ltrim('nokey', 0, 1)).toBe('OK');
    expect(evs()).toEqual(['ltrim k', 'ltrim k', 'del k']);
  });

  it('LINSERT before/after the first match', async () => {
    await r.rpush('k', 'c');
    expect(await r.linsert('k', 'BEFORE', 'c', 'X')).toBe(7);
    expect(await r.linsert('k', 'AFTER', 'c', 'Y')).toBe(8);
    expect(await r.linsert('k', 'AFTER', 'zz', 'Y')).toBe(-1);
    expect(await r.linsert('nokey', 'AFTER', 'a', 'Y')).toBe(0);
    expect(await c.callStr('LINSERT', 'k', 'AROUND', 'a', 'Y')).toBe('-ERR syntax error\r\n');
    expect(await r.lrange('k', 0, -1)).toEqual(['a', 'b', 'X', 'c', 'Y', 'd', 'e', 'c']);
    expect(evs()).toEqual(['rpush k', 'linsert k', 'linsert k']);
  });

  it('LREM from the head, the tail, or all', async () => {
    await r.rpush('k', 'a', 'b', 'a');
    expect(await r.lrem('k', -2, 'a')).toBe(2);
    expect(await r.lrange('k', 0, -1)).toEqual(['a', 'b', 'c', 'd', 'e', 'b']);
    expect(await r.lrem('k', 1, 'b')).toBe(1);
    expect(await r.lrem('k', 0, 'zz')).toBe(0);
    expect(await r.lrem('k', 0, 'b')).toBe(1);
    expect(await r.lrange('k', 0, -1)).toEqual(['a', 'c', 'd', 'e']);
    expect(evs()).toEqual(['rpush k', 'lrem k', 'lrem k', 'lrem k']);
  });

  it('LPOS with RANK, COUNT and MAXLEN, and its errors', async () => {
    await r.rpush('k', 'a', 'c', 'a');
    // k = a b c d e a c a
    expect(await r.lpos('k', 'a')).toBe(0);
    expect(await r.lpos('k', 'a', 'RANK', 2)).toBe(5);
    expect(await r.lpos('k', 'a', 'RANK', -1)).toBe(7);
    expect(await r.lpos('k', 'a', 'COUNT', 0)).toEqual([0, 5, 7]);
    expect(await r.lpos('k', 'a', 'RANK', -2, 'COUNT', 2)).toEqual([5, 0]);
    expect(await r.lpos('k', 'a', 'COUNT', 0, 'MAXLEN', 6)).toEqual([0, 5]);
    expect(await r.lpos('k', 'zz')).toBeNull();
    expect(await r.lpos('k', 'zz', 'COUNT', 1)).toEqual([]);
    expect(await c.callStr('LPOS', 'k', 'a', 'RANK', '0')).toBe(
      "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
    );
    expect(await c.callStr('LPOS', 'k', 'a', 'COUNT', '-1')).toBe("-ERR COUNT can't be negative\r\n");
    expect(await c.callStr('LPOS', 'k', 'a', 'MAXLEN', 'x')).toBe("-ERR MAXLEN can't be negative\r\n");
    expect(await c.callStr('LPOS', 'k', 'a', 'RANK')).toBe('-ERR syntax error\r\n');
  });
});

describe('large lists', () => {
  it('push, range, insert, remove and trim on tens of thousands of elements', async () => {
    const n = 30000;
    // Buffers: ioredis would send JS strings as UTF-8.
    const items = Array.from({ length: n }, (_, i) => Buffer.from(`item:${i}\xff`, 'latin1'));
    for (let i = 0; i < n; i += 5000) await r.rpush('big', ...items.slice(i, i + 5000));
    expect(await r.llen('big')).toBe(n);
    const all = await r.lrangeBuffer('big', 0, -1);
    expect(all).toEqual(items);
    expect((await c.callStr('RPOP', 'big', String(n - 2))).length).toBeGreaterThan(65536);
    expect(await r.lrangeBuffer('big', 0, -1)).toEqual(items.slice(0, 2));
    await r.lpush('big2', ...Array.from({ length: n }, () => 'x'));
    expect(await r.linsert('big2', 'BEFORE', 'x', 'first')).toBe(n + 1);
    expect(await r.lset('big2', Math.floor(n / 2), 'mid')).toBe('OK');
    expect(await r.lpos('big2', 'mid')).toBe(Math.floor(n / 2));
    expect(await r.lrem('big2', -10, 'x')).toBe(10);
    expect(await r.ltrim('big2', 1, -2)).toBe('OK');
    expect(await r.llen('big2')).toBe(n - 11);
    expect(await r.lindex('big2', Math.floor(n / 2) - 1)).toBe('mid');
  });
});

describe('moving elements', () => {
  it('LMOVE and RPOPLPUSH: reply, events, propagation, same key', async () => {
    await r.rpush('src', 'a', 'b');
    events = [];
    propagated = [];
    expect(await r.lmove('src', 'dst', 'LEFT', 'RIGHT')).toBe('a');
    expect(events).toEqual(['new dst', 'rpush dst', 'lpop src']);
    expect(propagated).toEqual([['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT']]);
    expect(await r.rpoplpush('src', 'dst')).toBe('b');
    expect(await r.exists('src')).toBe(0);
    expect(await r.lrange('dst', 0, -1)).toEqual(['b', 'a']);
    expect(await r.lmove('dst', 'dst', 'LEFT', 'RIGHT')).toBe('b');
    expect(await r.lrange('dst', 0, -1)).toEqual(['a', 'b']);
    expect(await r.rpoplpush('nokey', 'dst')).toBeNull();
    expect(await c.callStr('LMOVE', 'dst', 'x', 'UP', 'LEFT')).toBe('-ERR syntax error\r\n');
    expect(await r.rpush('one', 'x')).toBe(1);
    expect(await r.lmove('one', 'one', 'RIGHT', 'LEFT')).toBe('x');
    expect(await r.lrange('one', 0, -1)).toEqual(['x']);
  });

  it('LMPOP pops from the first non-empty list and propagates as [LR]POP count', async () => {
    await r.rpush('b', '1', '2', '3');
    propagated = [];
    expect(await c.callStr('LMPOP', '3', 'a', 'b', 'c', 'RIGHT', 'COUNT', '2')).toBe('*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n');
    expect(propagated).toEqual([['RPOP', 'b', '2']]);
    expect(await c.callStr('LMPOP', '1', 'b', 'LEFT', 'COUNT', '10')).toBe('*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n');
    expect(propagated[1]).toEqual(['LPOP', 'b', '1']);
    expect(await c.callStr('LMPOP', '2', 'a', 'b', 'LEFT')).toBe('*-1\r\n');
    expect(await c.callStr('LMPOP', '0', 'a', 'LEFT')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await c.callStr('LMPOP', '1', 'a', 'LEFT', 'COUNT', '0')).toBe('-ERR count should be greater than 0\r\n');
    expect(await c.callStr('LMPOP', '2', 'a', 'LEFT')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT')).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
  });
});

describe('blocking commands that need not block', () => {
  it('pop at once and propagate the non-blocking equivalent', async () => {
    await r.rpush('k', 'a', 'b', 'c', 'd', 'e');
    propagated = [];
    expect(await r.blpop('nokey', 'k', 0)).toEqual(['k', 'a']);
    expect(await r.brpop('k', 0)).toEqual(['k', 'e']);
    expect(await r.brpoplpush('k', 'd', 0)).toBe('d');
    expect(await r.blmove('k', 'd', 'left', 'LEFT', 0)).toBe('b');
    expect(await c.callStr('BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '5')).toBe('*2\r\n$1\r\nk\r\n*1\r\n$1\r\nc\r\n');
    expect(propagated).toEqual([
      ['LPOP', 'k'],
      ['RPOP', 'k'],
      ['RPOPLPUSH', 'k', 'd'],
      ['LMOVE', 'k', 'd', 'left', 'LEFT'],
      ['LPOP', 'k', '1'],
    ]);
  });

  it('timeout argument errors', async () => {
    expect(await c.callStr('BLPOP', 'k', 'x')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(await c.callStr('BLPOP', 'k', '-1')).toBe('-ERR timeout is negative\r\n');
    expect(await c.callStr('BLPOP', 'k', 'inf')).toBe('-ERR timeout is negative\r\n');
    expect(await c.callStr('BRPOPLPUSH', 'k', 'd', 'nan')).toBe('-ERR timeout is not a float or out of range\r\n');
    expect(await c.callStr('BLMPOP', 'x', '0', 'k', 'LEFT')).toBe('-ERR numkeys should be greater than 0\r\n');
  });
});
