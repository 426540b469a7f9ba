import { describe, expect, it } from 'vitest';
import { observedServer } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import type { RObjectBase, RValue } from '../../src/store/types.js';
import { stringEncoding } from '../../src/store/encoding.js';

const BIN = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x0d, 0x0a]);
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

const t = observedServer({ 'notify-keyspace-events': 'KEA' });

/** A non-string value planted directly in the keyspace. */
const fakeList: RObjectBase = {
  type: 'list',
  dup() {
    return this;
  },
  encoding() {
    return 'listpack';
  },
};

function db0() {
  return t.srv.server.dbs[0];
}

function encodingOf(key: string): string {
  const v = db0().peek(key) as RValue;
  return stringEncoding(v as string | Buffer);
}

describe('GET/SET basics stay intact', () => {
  it('binary keys and values', async () => {
    expect(await t.r.set(BIN, BIN)).toBe('OK');
    expect(await t.r.getBuffer(BIN)).toEqual(BIN);
    expect(encodingOf(BIN.latin1Slice())).toBe('embstr');
    expect(await t.c.callStr('SET', 'n', '123')).toBe('+OK\r\n');
    expect(encodingOf('n')).toBe('int');
    expect(await t.c.callStr('SET', 'k', 'v', 'EX', '100', 'GET')).toBe('$-1\r\n');
    expect(t.propagated.at(-1)?.slice(0, 4)).toEqual(['SET', 'k', 'v', 'PXAT']);
    expect(await t.c.callStr('SET', 'k', 'v', 'ex', '10', 'px', '10')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('SET', 'k', 'v', 'EX', '0')).toBe("-ERR invalid expire time in 'set' command\r\n");
    expect(await t.c.callStr('SET', 'k', 'v', 'EX', '9223372036854776')).toBe("-ERR invalid expire time in 'set' command\r\n");
  });

  it('SET GET propagates without the GET token', async () => {
    await t.c.call('SET', 'k', 'a');
    t.propagated.length = 0;
    expect(await t.c.callStr('SET', 'k', 'b', 'GET', 'XX')).toBe('$1\r\na\r\n');
    expect(t.propagated).toEqual([['SET', 'k', 'b', 'XX']]);
  });

  it('GET of a wrong type', async () => {
    db0().add('lst', fakeList);
    expect(await t.c.callStr('GET', 'lst')).toBe(WRONGTYPE);
    expect(await t.c.callStr('SET', 'lst', 'x', 'GET')).toBe(WRONGTYPE);
  });
});

describe('GETEX', () => {
  it('returns the value and changes the TTL as asked', async () => {
    await t.r.set('k', BIN);
    t.propagated.length = 0;
    t.events.length = 0;
    expect(await t.r.getexBuffer('k')).toEqual(BIN);
    expect(t.propagated).toEqual([]);
    expect(await t.r.getexBuffer('k', 'EX', 100)).toEqual(BIN);
    const ttl = db0().getExpire('k') - Date.now();
    expect(ttl).toBeGreaterThan(98_000);
    expect(ttl).toBeLessThanOrEqual(100_000);
    expect(t.propagated[0][0]).toBe('PEXPIREAT');
    expect(t.propagated[0][2]).toBe(String(db0().getExpire('k')));
    expect(t.events).toEqual(['expire k']);
    expect(await t.r.getexBuffer('k', 'PERSIST')).toEqual(BIN);
    expect(db0().getExpire('k')).toBe(-1);
    expect(t.propagated[1]).toEqual(['PERSIST', 'k']);
    expect(t.events).toEqual(['expire k', 'persist k']);
    // PERSIST on a key without TTL changes nothing.
    const dirty = t.srv.server.dirty;
    await t.r.getex('k', 'PERSIST');
    expect(t.srv.server.dirty).toBe(dirty);
    expect(t.propagated.length).toBe(2);
  });

  it('EXAT/PXAT in the past deletes the key and propagates DEL', async () => {
    await t.r.set('k', 'v');
    t.events.length = 0;
    t.propagated.length = 0;
    expect(await t.c.callStr('GETEX', 'k', 'PXAT', '1')).toBe('$1\r\nv\r\n');
    expect(await t.r.exists('k')).toBe(0);
    expect(t.events).toEqual(['del k']);
    expect(t.propagated).toEqual([['DEL', 'k']]);
    await t.r.set('k', 'v');
    const at = Math.floor(Date.now() / 1000) + 1000;
    expect(await t.c.callStr('GETEX', 'k', 'EXAT', String(at))).toBe('$1\r\nv\r\n');
    expect(db0().getExpire('k')).toBe(at * 1000);
  });

  it('rejects bad options before and bad times after the lookup', async () => {
    expect(await t.c.callStr('GETEX', 'nokey', 'FOO')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('GETEX', 'nokey', 'EX', '0')).toBe('$-1\r\n');
    await t.r.set('k', 'v');
    expect(await t.c.callStr('GETEX', 'k', 'EX', '0')).toBe("-ERR invalid expire time in 'getex' command\r\n");
    expect(await t.c.callStr('GETEX', 'k', 'EX', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('GETEX', 'k', 'EX', '1', 'PERSIST')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('GETEX', 'k', 'KEEPTTL')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('GETEX', 'k', 'EX')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('GETEX')).toBe("-ERR wrong number of arguments for 'getex' command\r\n");
    db0().add('lst', fakeList);
    expect(await t.c.callStr('GETEX', 'lst', 'EX', '0')).toBe(WRONGTYPE);
  });
});

describe('GETDEL and GETSET', () => {
  it('GETDEL deletes and propagates DEL', async () => {
    await t.r.set(BIN, 'x');
    t.events.length = 0;
    t.propagated.length = 0;
    expect(await t.r.getdel(BIN)).toBe('x');
    expect(await t.r.exists(BIN)).toBe(0);
    expect(t.events).toEqual([`del ${BIN.latin1Slice()}`]);
    expect(t.propagated).toEqual([['DEL', BIN.latin1Slice()]]);
    expect(await t.c.callStr('GETDEL', 'nokey')).toBe('$-1\r\n');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('GETDEL', 'lst')).toBe(WRONGTYPE);
    expect(db0().peek('lst')).toBe(fakeList);
  });

  it('GETDEL propagates UNLINK with lazyfree-lazy-user-del', async () => {
    t.srv.server.config.set('lazyfree-lazy-user-del', 'yes');
    try {
      await t.r.set('k', 'x');
      t.propagated.length = 0;
      await t.r.getdel('k');
      expect(t.propagated).toEqual([['UNLINK', 'k']]);
    } finally {
      t.srv.server.config.set('lazyfree-lazy-user-del', 'no');
    }
  });

  it('GETSET sets, drops the TTL and propagates as SET', async () => {
    expect(await t.c.callStr('GETSET', 'k', '1')).toBe('$-1\r\n');
    expect(encodingOf('k')).toBe('int');
    db0().setExpire('k', Date.now() + 100000);
    expect(await t.r.getset('k', 'two')).toBe('1');
    expect(db0().getExpire('k')).toBe(-1);
    expect(t.propagated.at(-1)).toEqual(['SET', 'k', 'two']);
    expect(t.events).toEqual(['set k', 'set k']);
    db0().add('lst', fakeList);
    expect(await t.c.callStr('GETSET', 'lst', 'x')).toBe(WRONGTYPE);
  });
});

describe('MGET, MSET, MSETNX', () => {
  it('MSET sets all, MGET reads with nulls for missing and non-strings', async () => {
    expect(await t.r.mset('a', '1', BIN, BIN)).toBe('OK');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('MGET', 'a', BIN.latin1Slice(), 'nokey', 'lst')).toBe(
      `*4\r\n$1\r\n1\r\n$6\r\n${BIN.latin1Slice()}\r\n$-1\r\n$-1\r\n`,
    );
    expect(t.events).toEqual(['set a', `set ${BIN.latin1Slice()}`]);
    expect(await t.c.callStr('MSET', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'mset' command\r\n");
    expect(await t.c.callStr('MSETNX', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'msetnx' command\r\n");
  });

  it('MSETNX sets nothing when any key exists', async () => {
    await t.r.set('a', 'x');
    const dirty = t.srv.server.dirty;
    expect(await t.r.msetnx('b', '1', 'a', '2')).toBe(0);
    expect(await t.r.exists('b')).toBe(0);
    expect(t.srv.server.dirty).toBe(dirty);
    expect(await t.r.msetnx('b', '1', 'c', '2')).toBe(1);
    expect(t.srv.server.dirty).toBe(dirty + 2);
  });
});

describe('APPEND, STRLEN, GETRANGE, SETRANGE', () => {
  it('APPEND creates, then grows in place as raw', async () => {
    expect(await t.r.append('k', '12')).toBe(2);
    expect(encodingOf('k')).toBe('int');
    expect(await t.r.append('k', BIN)).toBe(8);
    expect(encodingOf('k')).toBe('raw');
    expect(Buffer.isBuffer(db0().peek('k'))).toBe(true);
    expect(await t.r.getBuffer('k')).toEqual(Buffer.concat([Buffer.from('12'), BIN]));
    expect(await t.r.strlen('k')).toBe(8);
    expect(t.events).toEqual(['append k', 'append k']);
    expect(t.modified).toEqual(['k', 'k']);
    let expected = Buffer.concat([Buffer.from('12'), BIN]);
    for (let i = 0; i < 100; i++) {
      const piece = Buffer.from([i, 255 - i, 0]);
      expected = Buffer.concat([expected, piece]);
      expect(await t.r.append('k', piece)).toBe(expected.length);
    }
    expect(await t.r.getBuffer('k')).toEqual(expected);
    db0().add('lst', fakeList);
    expect(await t.c.callStr('APPEND', 'lst', 'x')).toBe(WRONGTYPE);
    expect(await t.c.callStr('STRLEN', 'lst')).toBe(WRONGTYPE);
    expect(await t.c.callStr('STRLEN', 'nokey')).toBe(':0\r\n');
  });

  it('APPEND keeps the TTL', async () => {
    await t.r.set('k', 'a', 'EX', 100);
    await t.r.append('k', 'b');
    expect(db0().getExpire('k')).toBeGreaterThan(Date.now());
  });

  it('GETRANGE on strings, ints and buffers', async () => {
    await t.r.set('k', Buffer.concat([Buffer.from('Hello'), BIN]));
    expect(await t.r.getrangeBuffer('k', 0, 4)).toEqual(Buffer.from('Hello'));
    expect(await t.r.getrangeBuffer('k', -6, -1)).toEqual(BIN);
    expect(await t.c.callStr('GETRANGE', 'k', '5', '1')).toBe('$0\r\n\r\n');
    expect(await t.c.callStr('GETRANGE', 'nokey', '0', '-1')).toBe('$0\r\n\r\n');
    expect(await t.c.callStr('GETRANGE', 'k', 'x', '1')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('SUBSTR', 'k', '1', '2')).toBe('$2\r\nel\r\n');
    await t.r.set('i', '-12345');
    expect(await t.r.getrange('i', 1, 3)).toBe('123');
    await t.r.setrange('k', 0, 'J');
    expect(await t.r.getrange('k', 0, 4)).toBe('Jello');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('GETRANGE', 'lst', '0', '1')).toBe(WRONGTYPE);
  });

  it('SETRANGE pads with zeros, notifies and reports length', async () => {
    expect(await t.r.setrange('k', 3, BIN)).toBe(9);
    expect(await t.r.getBuffer('k')).toEqual(Buffer.concat([Buffer.alloc(3), BIN]));
    expect(encodingOf('k')).toBe('raw');
    expect(t.events).toEqual(['setrange k']);
    expect(t.modified).toEqual(['k']);
    expect(await t.r.setrange('k', 100, '')).toBe(9);
    expect(await t.r.setrange('nokey', 5, '')).toBe(0);
    expect(await t.r.exists('nokey')).toBe(0);
    expect(t.events).toEqual(['setrange k']);
    expect(await t.c.callStr('SETRANGE', 'k', '-1', 'x')).toBe('-ERR offset is out of range\r\n');
    expect(await t.c.callStr('SETRANGE', 'k', 'x', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('SETRANGE', 'k', '536870912', 'x')).toBe(
      '-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n',
    );
    await t.r.set('s', 'short');
    await t.r.setrange('s', 0, '');
    expect(encodingOf('s')).toBe('embstr');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('SETRANGE', 'lst', '0', 'x')).toBe(WRONGTYPE);
    expect(await t.c.callStr('SETRANGE', 'lst', '0', '')).toBe(WRONGTYPE);
  });

  it('a queued reply is not changed by a later in-place write', async () => {
    const big = Buffer.alloc(100000, 0x41);
    await t.r.set('big', big);
    await t.r.append('big', 'x');
    expect(Buffer.isBuffer(db0().peek('big'))).toBe(true);
    // GET and SETRANGE arrive in one packet: the GET reply is queued before
    // SETRANGE writes into the same buffer.
    const p = Buffer.concat([
      Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'),
      Buffer.from('*4\r\n$8\r\nSETRANGE\r\n$3\r\nbig\r\n$1\r\n0\r\n$5\r\nZZZZZ\r\n'),
    ]);
    t.c.write(p);
    const reply = await t.c.readReply();
    expect(reply.subarray(0, 20).latin1Slice()).toBe('$100001\r\nAAAAAAAAAAA');
    expect(await t.c.readReply()).toEqual(Buffer.from(':100001\r\n'));
  });
});

describe('INCR family', () => {
  it('counts, keeps the TTL and reports int encoding', async () => {
    expect(await t.r.incr('n')).toBe(1);
    expect(await t.r.incrby('n', 10)).toBe(11);
    expect(await t.r.decr('n')).toBe(10);
    expect(await t.r.decrby('n', 20)).toBe(-10);
    expect(encodingOf('n')).toBe('int');
    expect(t.events).toEqual(['incrby n', 'incrby n', 'incrby n', 'incrby n']);
    db0().setExpire('n', Date.now() + 100000);
    await t.r.incr('n');
    expect(db0().getExpire('n')).toBeGreaterThan(Date.now());
  });

  it('is exact over the full int64 range', async () => {
    await t.r.set('n', '9007199254740991');
    expect(await t.c.callStr('INCR', 'n')).toBe(':9007199254740992\r\n');
    expect(await t.c.callStr('INCR', 'n')).toBe(':9007199254740993\r\n');
    expect(await t.c.callStr('INCRBY', 'n', '9223372036854775807')).toBe('-ERR increment or decrement would overflow\r\n');
    await t.r.set('n', '9223372036854775806');
    expect(await t.c.callStr('INCR', 'n')).toBe(':9223372036854775807\r\n');
    expect(await t.c.callStr('INCR', 'n')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(await t.c.callStr('GET', 'n')).toBe('$19\r\n9223372036854775807\r\n');
    await t.r.set('n', '-9223372036854775807');
    expect(await t.c.callStr('DECR', 'n')).toBe(':-9223372036854775808\r\n');
    expect(await t.c.callStr('DECR', 'n')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(await t.c.callStr('DECRBY', 'n', '-9223372036854775808')).toBe('-ERR decrement would overflow\r\n');
    expect(await t.c.callStr('INCRBY', 'n', '9223372036854775807')).toBe(':-1\r\n');
  });

  it('rejects values and increments that are not int64', async () => {
    for (const v of ['abc', '1.5', ' 1', '01', '+1', '', '99999999999999999999']) {
      await t.r.set('v', v);
      expect(await t.c.callStr('INCR', 'v')).toBe('-ERR value is not an integer or out of range\r\n');
    }
    await t.r.set('v', BIN);
    expect(await t.c.callStr('INCR', 'v')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('INCRBY', 'v', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('INCRBY', 'nokey', '9223372036854775808')).toBe('-ERR value is not an integer or out of range\r\n');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('INCR', 'lst')).toBe(WRONGTYPE);
    expect(await t.c.callStr('DECRBY', 'lst', '1')).toBe(WRONGTYPE);
  });

  it('INCR works on raw buffers', async () => {
    await t.r.setrange('r', 0, '41');
    expect(encodingOf('r')).toBe('raw');
    expect(await t.r.incr('r')).toBe(42);
    expect(encodingOf('r')).toBe('int');
  });
});

describe('INCRBYFLOAT', () => {
  it('adds as long double and propagates SET KEEPTTL', async () => {
    expect(await t.c.callStr('INCRBYFLOAT', 'f', '0.1')).toBe('$3\r\n0.1\r\n');
    expect(await t.c.callStr('INCRBYFLOAT', 'f', '0.2')).toBe('$3\r\n0.3\r\n');
    expect(t.propagated).toEqual([
      ['SET', 'f', '0.1', 'KEEPTTL'],
      ['SET', 'f', '0.3', 'KEEPTTL'],
    ]);
    expect(t.events).toEqual(['incrbyfloat f', 'incrbyfloat f']);
    // 64 bits of significand: the .3 is lost next to 1e30.
    expect(await t.r.incrbyfloat('f', '1e30')).toBe('1000000000000000000024696061952');
    expect(await t.r.incrbyfloat('h', '1e3')).toBe('1000');
    // redis-server prints this sum the same way.
    expect(await t.r.incrbyfloat('h', '0.3')).toBe('1000.29999999999999999');
    expect(await t.r.incrbyfloat('g', '5.0e3')).toBe('5000');
    expect(encodingOf('g')).toBe('embstr');
    expect(await t.r.incr('g')).toBe(5001);
    expect(encodingOf('g')).toBe('int');
  });

  it('reports the Redis errors', async () => {
    expect(await t.c.callStr('INCRBYFLOAT', 'f', 'abc')).toBe('-ERR value is not a valid float\r\n');
    expect(await t.c.callStr('INCRBYFLOAT', 'f', 'nan')).toBe('-ERR value is not a valid float\r\n');
    expect(await t.c.callStr('INCRBYFLOAT', 'f', 'inf')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    await t.r.set('s', 'x');
    expect(await t.c.callStr('INCRBYFLOAT', 's', '1')).toBe('-ERR value is not a valid float\r\n');
    await t.r.set('m', '1.18973149535723176502e+4932');
    expect(await t.c.callStr('INCRBYFLOAT', 'm', '1e4932')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(await t.r.exists('f')).toBe(0);
    db0().add('lst', fakeList);
    expect(await t.c.callStr('INCRBYFLOAT', 'lst', '1')).toBe(WRONGTYPE);
  });

  it('keeps the TTL', async () => {
    await t.r.set('f', '1', 'EX', 100);
    await t.r.incrbyfloat('f', '1.5');
    expect(db0().getExpire('f')).toBeGreaterThan(Date.now());
  });
});

describe('LCS', () => {
  it('string, LEN and IDX forms', async () => {
    await t.r.mset('key1', 'ohmytext', 'key2', 'mynewtext');
    expect(await t.r.call('LCS', 'key1', 'key2')).toBe('mytext');
    expect(await t.r.call('LCS', 'key1', 'key2', 'LEN')).toBe(6);
    expect(await t.r.call('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual([
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ]);
    expect(await t.c.callStr('LCS', 'key1', 'key2', 'IDX')).toBe(
      '*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n',
    );
  });

  it('RESP3 replies with a map', async () => {
    await t.r.mset('key1', 'ohmytext', 'key2', 'mynewtext');
    const c3 = await RawClient.connect(t.srv.port);
    expect((await c3.callStr('HELLO', '3')).startsWith('%7')).toBe(true);
    expect(await c3.callStr('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4')).toBe(
      '%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n',
    );
    expect(await c3.callStr('GETDEL', 'nokey')).toBe('_\r\n');
    expect(await c3.callStr('INCRBYFLOAT', 'f', '2.5')).toBe('$3\r\n2.5\r\n');
    c3.close();
  });

  it('errors', async () => {
    await t.r.set('a', 'x');
    db0().add('lst', fakeList);
    expect(await t.c.callStr('LCS', 'a', 'lst')).toBe('-ERR The specified keys must contain string values\r\n');
    expect(await t.c.callStr('LCS', 'a', 'a', 'LEN', 'IDX')).toBe(
      '-ERR If you want both the length and indexes, please just use IDX.\r\n',
    );
    expect(await t.c.callStr('LCS', 'a', 'a', 'MINMATCHLEN')).toBe('-ERR syntax error\r\n');
    expect(await t.c.callStr('LCS', 'a', 'a', 'MINMATCHLEN', 'z')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await t.c.callStr('LCS', 'a')).toBe("-ERR wrong number of arguments for 'lcs' command\r\n");
    await t.r.set('big', 'x'.repeat(20000));
    expect(await t.c.callStr('LCS', 'big', 'big', 'LEN')).toBe(
      '-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n',
    );
  });
});

describe('dirty counter and signals', () => {
  it('counts each change as Redis does', async () => {
    const d0 = t.srv.server.dirty;
    await t.r.mset('a', '1', 'b', '2', 'c', '3');
    expect(t.srv.server.dirty).toBe(d0 + 3);
    await t.r.incr('a');
    await t.r.append('a', 'x');
    await t.r.setrange('a', 0, 'z');
    await t.r.incrbyfloat('f', '1');
    expect(t.srv.server.dirty).toBe(d0 + 7);
    await t.r.get('a');
    await t.r.strlen('a');
    await t.r.getrange('a', 0, 1);
    await t.r.mget('a', 'b');
    expect(t.srv.server.dirty).toBe(d0 + 7);
    t.modified.length = 0;
    await t.r.append('new', 'x');
    await t.r.setrange('new2', 1, 'x');
    await t.r.incr('new3');
    expect(t.modified).toEqual(['new', 'new2', 'new3']);
  });
});
