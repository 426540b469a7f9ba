import { describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { observedServer } from '../helpers/observe.js';
import { RawClient, parseReply, type Reply } from '../helpers/resp.js';
import { RHash } from '../../src/store/hash.js';

const BIN = '\xff\x00\xc3';
const BIN2 = 'f\x00\xfe\x80';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

const t = observedServer({ 'notify-keyspace-events': 'KEA' }, async (t) => {
  await t.c.call('HELLO', '2');
  t.srv.server.config.set('hash-max-listpack-entries', '512');
  t.srv.server.config.set('hash-max-listpack-value', '64');
});

const b = (s: string) => Buffer.from(s, 'latin1');
const str = async (...args: string[]) => (await t.c.call(...args)).latin1Slice();

function value(key: string): RHash {
  return t.srv.server.dbs[0].peek(key) as RHash;
}

describe('hash commands through ioredis', () => {
  it('HSET/HGET/HGETALL/HDEL with binary fields and values', async () => {
    expect(await t.r.hset(b('k' + BIN), b(BIN), b(BIN2), 'a', '1')).toBe(2);
    expect(await t.r.hgetBuffer(b('k' + BIN), b(BIN))).toEqual(b(BIN2));
    expect(await t.r.hmgetBuffer(b('k' + BIN), b(BIN), 'nope', 'a')).toEqual([b(BIN2), null, b('1')]);
    expect(await t.r.hlen(b('k' + BIN))).toBe(2);
    expect(await t.r.hstrlen(b('k' + BIN), b(BIN))).toBe(4);
    expect(await t.r.hexists(b('k' + BIN), b(BIN))).toBe(1);
    expect(await t.r.hexists(b('k' + BIN), b(BIN + 'x'))).toBe(0);
    expect(await t.r.callBuffer('HGETALL', b('k' + BIN))).toEqual([b(BIN), b(BIN2), b('a'), b('1')]);
    expect(await t.r.hkeysBuffer(b('k' + BIN))).toEqual([b(BIN), b('a')]);
    expect(await t.r.hvalsBuffer(b('k' + BIN))).toEqual([b(BIN2), b('1')]);
    expect(await t.r.hdel(b('k' + BIN), b(BIN), 'a', 'a')).toBe(2);
    expect(await t.r.exists(b('k' + BIN))).toBe(0);
  });

  it('HMSET answers OK, HSETNX only sets new fields', async () => {
    expect(await t.r.hmset('h', 'a', '1', 'b', '2')).toBe('OK');
    expect(await t.r.hsetnx('h', 'a', 'x')).toBe(0);
    expect(await t.r.hsetnx('h', 'c', 'x')).toBe(1);
    expect(await t.r.hgetall('h')).toEqual({ a: '1', b: '2', c: 'x' });
  });

  it('HINCRBY and HINCRBYFLOAT', async () => {
    expect(await t.r.hincrby('h', 'n', 5)).toBe(5);
    expect(await t.r.hincrby('h', 'n', -7)).toBe(-2);
    expect(await t.r.hincrbyfloat('h', 'f', '0.1')).toBe('0.1');
    expect(await t.r.hincrbyfloat('h', 'f', '0.2')).toBe('0.3');
    expect(await t.r.hincrbyfloat('h', 'n', '1.5')).toBe('-0.5');
    expect(await t.r.hincrbyfloat('h', 'g', '5.0e3')).toBe('5000');
    await expect(t.r.hincrby('h', 'f', 1)).rejects.toThrow('ERR hash value is not an integer');
  });
});

describe('hash errors (raw replies)', () => {
  it('arity and odd field/value lists', async () => {
    expect(await str('HSET', 'h', 'a')).toBe("-ERR wrong number of arguments for 'hset' command\r\n");
    expect(await str('HSET', 'h', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'hset' command\r\n");
    expect(await str('HMSET', 'h', 'a', '1', 'b')).toBe("-ERR wrong number of arguments for 'hmset' command\r\n");
    expect(await str('HGET', 'h')).toBe("-ERR wrong number of arguments for 'hget' command\r\n");
    expect(await str('HSETNX', 'h', 'a')).toBe("-ERR wrong number of arguments for 'hsetnx' command\r\n");
    expect(await str('HDEL', 'h')).toBe("-ERR wrong number of arguments for 'hdel' command\r\n");
    expect(await str('HRANDFIELD')).toBe("-ERR wrong number of arguments for 'hrandfield' command\r\n");
    expect(await str('HSCAN', 'h')).toBe("-ERR wrong number of arguments for 'hscan' command\r\n");
    expect(await str('EXISTS', 'h')).toBe(':0\r\n');
  });

  it('WRONGTYPE for every command, also with binary key names', async () => {
    await t.c.call('SET', BIN, 'x');
    const cmds: string[][] = [
      ['HSET', BIN, 'a', '1'],
      ['HMSET', BIN, 'a', '1'],
      ['HSETNX', BIN, 'a', '1'],
      ['HGET', BIN, 'a'],
      ['HMGET', BIN, 'a'],
      ['HDEL', BIN, 'a'],
      ['HLEN', BIN],
      ['HSTRLEN', BIN, 'a'],
      ['HEXISTS', BIN, 'a'],
      ['HKEYS', BIN],
      ['HVALS', BIN],
      ['HGETALL', BIN],
      ['HINCRBY', BIN, 'a', '1'],
      ['HINCRBYFLOAT', BIN, 'a', '1'],
      ['HRANDFIELD', BIN],
      ['HRANDFIELD', BIN, '2', 'WITHVALUES'],
      ['HSCAN', BIN, '0'],
    ];
    for (const cmd of cmds) expect(await str(...cmd), cmd.join(' ')).toBe(WRONGTYPE);
    expect(await str('GET', BIN)).toBe('$1\r\nx\r\n');
  });

  it('numeric argument errors', async () => {
    await t.c.call('HSET', 'h', 'a', '1', 's', 'x', 'big', '9223372036854775807');
    expect(await str('HINCRBY', 'h', 'a', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await str('HINCRBY', 'h', 'a', '9223372036854775808')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await str('HINCRBY', 'h', 's', '1')).toBe('-ERR hash value is not an integer\r\n');
    expect(await str('HINCRBY', 'h', 'big', '1')).toBe('-ERR increment or decrement would overflow\r\n');
    expect(await str('HINCRBYFLOAT', 'h', 'a', 'x')).toBe('-ERR value is not a valid float\r\n');
    expect(await str('HINCRBYFLOAT', 'h', 'a', 'inf')).toBe('-ERR value is NaN or Infinity\r\n');
    expect(await str('HINCRBYFLOAT', 'h', 's', '1')).toBe('-ERR hash value is not a float\r\n');
    await t.c.call('HSET', 'h', 'huge', '1e4932');
    expect(await str('HINCRBYFLOAT', 'h', 'huge', '1e4932')).toBe('-ERR increment would produce NaN or Infinity\r\n');
    expect(await str('HRANDFIELD', 'h', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await str('HRANDFIELD', 'h', '-9223372036854775808')).toBe(
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    expect(await str('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES')).toBe('-ERR value is out of range\r\n');
    expect(await str('HRANDFIELD', 'h', '1', 'WITHSCORES')).toBe('-ERR syntax error\r\n');
    expect(await str('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x')).toBe('-ERR syntax error\r\n');
    expect(await str('HSCAN', 'h', 'x')).toBe('-ERR invalid cursor\r\n');
    expect(await str('HSCAN', 'h', '0', 'COUNT', '0')).toBe('-ERR syntax error\r\n');
    expect(await str('HSCAN', 'h', '0', 'NOVALUES')).toBe('-ERR syntax error\r\n');
    // Options are only looked at once the key exists.
    expect(await str('HSCAN', 'nokey', '0', 'COUNT', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
    // Failed increments leave no key behind.
    expect(await str('HINCRBY', 'new', 'a', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await str('EXISTS', 'new')).toBe(':0\r\n');
  });
});

describe('hash replies', () => {
  it('null and empty replies for missing keys in RESP2 and RESP3', async () => {
    expect(await str('HGET', 'nokey', 'a')).toBe('$-1\r\n');
    expect(await str('HGETALL', 'nokey')).toBe('*0\r\n');
    expect(await str('HKEYS', 'nokey')).toBe('*0\r\n');
    expect(await str('HMGET', 'nokey', 'a', 'b')).toBe('*2\r\n$-1\r\n$-1\r\n');
    expect(await str('HRANDFIELD', 'nokey')).toBe('$-1\r\n');
    expect(await str('HRANDFIELD', 'nokey', '3')).toBe('*0\r\n');
    expect(await str('HLEN', 'nokey')).toBe(':0\r\n');
    await t.c.call('HELLO', '3');
    expect(await str('HGET', 'nokey', 'a')).toBe('_\r\n');
    expect(await str('HGETALL', 'nokey')).toBe('%0\r\n');
    expect(await str('HKEYS', 'nokey')).toBe('*0\r\n');
    expect(await str('HMGET', 'nokey', 'a')).toBe('*1\r\n_\r\n');
    expect(await str('HRANDFIELD', 'nokey')).toBe('_\r\n');
    expect(await str('HRANDFIELD', 'nokey', '3', 'WITHVALUES')).toBe('*0\r\n');
  });

  it('HGETALL is a map in RESP3; HRANDFIELD WITHVALUES pairs are nested', async () => {
    await t.c.call('HSET', 'h', 'a', '1', BIN, '2');
    expect(await str('HGETALL', 'h')).toBe(`*4\r\n$1\r\na\r\n$1\r\n1\r\n$3\r\n${BIN}\r\n$1\r\n2\r\n`);
    expect(await str('HRANDFIELD', 'h', '5', 'WITHVALUES')).toBe(`*4\r\n$1\r\na\r\n$1\r\n1\r\n$3\r\n${BIN}\r\n$1\r\n2\r\n`);
    await t.c.call('HELLO', '3');
    expect(await str('HGETALL', 'h')).toBe(`%2\r\n$1\r\na\r\n$1\r\n1\r\n$3\r\n${BIN}\r\n$1\r\n2\r\n`);
    expect(await str('HRANDFIELD', 'h', '5', 'WITHVALUES')).toBe(`*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n${BIN}\r\n$1\r\n2\r\n`);
    expect(await str('HRANDFIELD', 'h', '2')).toBe(`*2\r\n$1\r\na\r\n$3\r\n${BIN}\r\n`);
    const [neg] = parseReply(await t.c.call('HRANDFIELD', 'h', '-5', 'WITHVALUES'));
    expect(neg.t === 'array' && neg.v!.length).toBe(5);
    for (const p of (neg as { v: Reply[] }).v) expect(p.t === 'array' && p.v!.length === 2).toBe(true);
    expect(await str('HINCRBYFLOAT', 'h', 'f', '2.5')).toBe('$3\r\n2.5\r\n');
  });

  it('HRANDFIELD with negative counts repeats fields; positive counts never do', async () => {
    await t.c.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    const [neg] = parseReply(await t.c.call('HRANDFIELD', 'h', '-300'));
    const picks = (neg as { v: { v: Buffer }[] }).v.map((x) => x.v.latin1Slice());
    expect(picks.length).toBe(300);
    expect(new Set(picks)).toEqual(new Set(['a', 'b', 'c']));
    const [pos] = parseReply(await t.c.call('HRANDFIELD', 'h', '2'));
    const two = (pos as { v: { v: Buffer }[] }).v.map((x) => x.v.latin1Slice());
    expect(new Set(two).size).toBe(2);
  });

  it('HSCAN walks a hashtable with a cursor and returns fields with their values', async () => {
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(`f${i}${BIN}`, `v${i}`);
    await t.c.call('HSET', 'h', ...args);
    expect(value('h').encoding()).toBe('hashtable');
    const seen = new Map<string, string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [rep] = parseReply(await t.c.call('HSCAN', 'h', cursor, 'COUNT', '20'));
      const [cur, items] = (rep as { v: Reply[] }).v as [{ v: Buffer }, { v: { v: Buffer }[] }];
      cursor = cur.v.latin1Slice();
      for (let i = 0; i < items.v.length; i += 2) seen.set(items.v[i].v.latin1Slice(), items.v[i + 1].v.latin1Slice());
      calls++;
      // Add and remove other fields while scanning.
      await t.c.call('HSET', 'h', `extra${calls}`, 'x');
      await t.c.call('HDEL', 'h', `extra${calls - 1}`);
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(10);
    for (let i = 0; i < 1000; i++) expect(seen.get(`f${i}${BIN}`)).toBe(`v${i}`);
  });
});

describe('hash side effects', () => {
  it('keyspace t.events, dirty counter and t.modified-key signals', async () => {
    let dirty = t.srv.server.dirty;
    await t.c.call('HSET', 'h', 'a', '1', 'b', '2');
    expect(t.srv.server.dirty - dirty).toBe(2);
    dirty = t.srv.server.dirty;
    await t.c.call('HSETNX', 'h', 'a', 'x');
    await t.c.call('HDEL', 'h', 'nope');
    expect(t.srv.server.dirty).toBe(dirty);
    await t.c.call('HSETNX', 'h', 'c', 'x');
    await t.c.call('HINCRBY', 'h', 'n', '1');
    await t.c.call('HINCRBYFLOAT', 'h', 'f', '1.5');
    await t.c.call('HDEL', 'h', 'a', 'b', 'c');
    await t.c.call('HDEL', 'h', 'n', 'f');
    expect(t.events).toEqual([
      'hset h',
      'hset h',
      'hincrby h',
      'hincrbyfloat h',
      'hdel h',
      'hdel h',
      'del h',
    ]);
    expect(t.srv.server.dirty - dirty).toBe(1 + 1 + 1 + 3 + 2);
    expect(t.modified.filter((k) => k === 'h').length).toBeGreaterThanOrEqual(6);
    expect(await str('EXISTS', 'h')).toBe(':0\r\n');
  });

  it('HINCRBYFLOAT propagates as HSET with the result; others as sent', async () => {
    await t.c.call('HSET', 'h', 'a', '1');
    await t.c.call('HINCRBYFLOAT', 'h', 'a', '0.5e1');
    await t.c.call('HINCRBY', 'h', 'a', '2');
    await t.c.call('HGET', 'h', 'a');
    await t.c.call('HSETNX', 'h', 'a', '1');
    expect(t.propagated).toEqual([
      ['HSET', 'h', 'a', '1'],
      ['HSET', 'h', 'a', '6'],
      ['HINCRBY', 'h', 'a', '2'],
    ]);
  });

  it('encodings: listpack while small, hashtable past either limit, for good', async () => {
    await t.c.call('HSET', 'h', 'a', '1');
    expect(await str('OBJECT', 'ENCODING', 'h')).toBe('$8\r\nlistpack\r\n');
    await t.c.call('HSET', 'h', 'long', 'x'.repeat(65));
    expect(await str('OBJECT', 'ENCODING', 'h')).toBe('$9\r\nhashtable\r\n');
    await t.c.call('HDEL', 'h', 'long');
    expect(await str('OBJECT', 'ENCODING', 'h')).toBe('$9\r\nhashtable\r\n');
    await t.c.call('CONFIG', 'SET', 'hash-max-ziplist-entries', '3');
    await t.c.call('HSET', 'g', 'a', '1', 'b', '2', 'c', '3');
    expect(await str('OBJECT', 'ENCODING', 'g')).toBe('$8\r\nlistpack\r\n');
    await t.c.call('HSET', 'g', 'd', '4');
    expect(await str('OBJECT', 'ENCODING', 'g')).toBe('$9\r\nhashtable\r\n');
    expect(await str('HGET', 'g', 'c')).toBe('$1\r\n3\r\n');
  });
});
