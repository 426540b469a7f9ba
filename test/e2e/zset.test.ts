/**
 * Sorted set commands end to end: replies (RESP2 and RESP3), every error
 * path, binary members, encodings, keyspace events, dirty counting,
 * propagation and key extraction.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { observedServer } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const SYNTAX = '-ERR syntax error\r\n';
const NOT_INT = '-ERR value is not an integer or out of range\r\n';
const NOT_FLOAT = '-ERR value is not a valid float\r\n';
const RANGE_FLOAT = '-ERR min or max is not a float\r\n';
const RANGE_LEX = '-ERR min or max not valid string range item\r\n';
/** Non-UTF-8 member bytes. */
const M1 = '\xff\x00\xc3';
const M2 = '\xc3\x28\r\n';

const t = observedServer({ 'notify-keyspace-events': 'KEA' }, async (t) => {
  await t.c.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await t.c.call('CONFIG', 'SET', 'zset-max-listpack-value', '64');
});

/** RESP2 bulk. */
function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

function arr(...items: string[]): string {
  return `*${items.length}\r\n${items.join('')}`;
}

async function call(...args: (string | number)[]): Promise<string> {
  return t.c.callStr(...args);
}

describe('ZADD / ZINCRBY', () => {
  it('adds, updates, counts and formats scores', async () => {
    expect(await call('ZADD', 'z', '1', M1, '2.5', M2, '-0', 'c')).toBe(':3\r\n');
    expect(await call('ZADD', 'z', '3', M1)).toBe(':0\r\n');
    expect(await call('ZADD', 'z', 'CH', '4', M1, '9', 'new')).toBe(':2\r\n');
    expect(await call('ZRANGE', 'z', '0', '-1', 'WITHSCORES')).toBe(
      arr(bulk('c'), bulk('0'), bulk(M2), bulk('2.5'), bulk(M1), bulk('4'), bulk('new'), bulk('9')),
    );
    expect(await t.r.zscore('z', 'new')).toBe('9');
    expect(await call('ZADD', 'f', '0.1', 'a', '1e20', 'b', '3.0000000000000001e+20', 'c', '+inf', 'd', '-inf', 'e')).toBe(':5\r\n');
    expect(await call('ZMSCORE', 'f', 'a', 'b', 'c', 'd', 'e')).toBe(
      arr(bulk('0.10000000000000001'), bulk('1e+20'), bulk('3e+20'), bulk('inf'), bulk('-inf')),
    );
  });

  it('NX XX GT LT CH INCR', async () => {
    await call('ZADD', 'z', '5', 'a');
    expect(await call('ZADD', 'z', 'NX', '1', 'a', '1', 'b')).toBe(':1\r\n');
    expect(await call('ZSCORE', 'z', 'a')).toBe(bulk('5'));
    expect(await call('ZADD', 'z', 'XX', '1', 'a', '1', 'c')).toBe(':0\r\n');
    expect(await call('ZSCORE', 'z', 'a')).toBe(bulk('1'));
    expect(await call('ZSCORE', 'z', 'c')).toBe('$-1\r\n');
    expect(await call('ZADD', 'z', 'GT', 'CH', '0', 'a', '7', 'b', '3', 'd')).toBe(':2\r\n');
    expect(await call('ZADD', 'z', 'LT', 'CH', '9', 'a', '0', 'b')).toBe(':1\r\n');
    expect(await call('ZADD', 'z', 'xx', 'gt', 'incr', '-1', 'a')).toBe('$-1\r\n');
    expect(await call('ZADD', 'z', 'XX', 'GT', 'INCR', '2', 'a')).toBe(bulk('3'));
    expect(await call('ZADD', 'z', 'NX', 'INCR', '2', 'a')).toBe('$-1\r\n');
    expect(await call('ZADD', 'missing', 'XX', '1', 'a')).toBe(':0\r\n');
    expect(await call('ZADD', 'missing', 'XX', 'INCR', '1', 'a')).toBe('$-1\r\n');
    expect(await call('EXISTS', 'missing')).toBe(':0\r\n');
    expect(await call('ZINCRBY', 'z', '-0.5', 'a')).toBe(bulk('2.5'));
    expect(await call('ZINCRBY', 'z', '1.5', M1)).toBe(bulk('1.5'));
  });

  it('errors, in Redis order', async () => {
    expect(await call('ZADD', 'z', 'NX', 'XX')).toBe(SYNTAX);
    expect(await call('ZADD', 'z', '1', 'a', '2')).toBe(SYNTAX);
    expect(await call('ZADD', 'z', 'NX', 'XX', '1', 'a')).toBe('-ERR XX and NX options at the same time are not compatible\r\n');
    expect(await call('ZADD', 'z', 'GT', 'LT', '1', 'a')).toBe(
      '-ERR GT, LT, and/or NX options at the same time are not compatible\r\n',
    );
    expect(await call('ZADD', 'z', 'NX', 'GT', '1', 'a')).toBe(
      '-ERR GT, LT, and/or NX options at the same time are not compatible\r\n',
    );
    expect(await call('ZADD', 'z', 'INCR', '1', 'a', '2', 'b')).toBe('-ERR INCR option supports a single increment-element pair\r\n');
    expect(await call('ZADD', 'z', 'x', 'a')).toBe(NOT_FLOAT);
    expect(await call('ZADD', 'z', 'nan', 'a')).toBe(NOT_FLOAT);
    expect(await call('ZADD', 'z', ' 1', 'a')).toBe(NOT_FLOAT);
    expect(await call('ZADD', 'z', '1e400', 'a')).toBe(NOT_FLOAT);
    expect(await call('ZADD', 'z', '1', 'a', 'x', 'b')).toBe(NOT_FLOAT);
    expect(await call('EXISTS', 'z')).toBe(':0\r\n');
    expect(await call('ZINCRBY', 'z', 'abc', 'a')).toBe(NOT_FLOAT);
    // An option word where the increment goes shifts the pairs.
    expect(await call('ZINCRBY', 'z', 'nx', 'a')).toBe(SYNTAX);
    await call('SET', 's', M1);
    expect(await call('ZADD', 's', '1', 'a')).toBe(WRONGTYPE);
    expect(await call('ZADD', 's', 'x', 'a')).toBe(NOT_FLOAT);
    expect(await call('ZINCRBY', 's', '1', 'a')).toBe(WRONGTYPE);
    expect(await call('ZADD', 'z', '1')).toBe("-ERR wrong number of arguments for 'zadd' command\r\n");
  });

  it('NaN results', async () => {
    await call('ZADD', 'z', '+inf', 'a');
    expect(await call('ZADD', 'z', 'INCR', '-inf', 'a')).toBe('-ERR resulting score is not a number (NaN)\r\n');
    expect(await call('ZINCRBY', 'z', '-inf', 'a')).toBe('-ERR resulting score is not a number (NaN)\r\n');
    expect(await call('ZSCORE', 'z', 'a')).toBe(bulk('inf'));
  });

  it('-0: kept by the skiplist, stored as 0 by the listpack', async () => {
    expect(await call('ZADD', 'lp', '-0', 'a')).toBe(':1\r\n');
    expect(await call('ZSCORE', 'lp', 'a')).toBe(bulk('0'));
    expect(await call('ZINCRBY', 'lp', '-0', 'b')).toBe(bulk('-0'));
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    expect(await call('ZADD', 'sl', '-0', 'a')).toBe(':1\r\n');
    expect(await call('OBJECT', 'ENCODING', 'sl')).toBe(bulk('skiplist'));
    expect(await call('ZSCORE', 'sl', 'a')).toBe(bulk('-0'));
  });
});

describe('encodings', () => {
  it('listpack until 128 entries or a 65-byte member, then skiplist for good', async () => {
    for (let i = 0; i < 128; i++) await call('ZADD', 'z', i, `m${i}`);
    expect(await call('OBJECT', 'ENCODING', 'z')).toBe(bulk('listpack'));
    await call('ZADD', 'z', 128, 'm128');
    expect(await call('OBJECT', 'ENCODING', 'z')).toBe(bulk('skiplist'));
    await call('ZREMRANGEBYRANK', 'z', '0', '-2');
    expect(await call('ZCARD', 'z')).toBe(':1\r\n');
    expect(await call('OBJECT', 'ENCODING', 'z')).toBe(bulk('skiplist'));
    await call('ZADD', 'long', '1', 'a');
    await call('ZADD', 'long', '1', '\xff'.repeat(64));
    expect(await call('OBJECT', 'ENCODING', 'long')).toBe(bulk('listpack'));
    await call('ZADD', 'long', '1', '\xff'.repeat(65));
    expect(await call('OBJECT', 'ENCODING', 'long')).toBe(bulk('skiplist'));
    await call('ZADD', 'first', '1', 'x'.repeat(65));
    expect(await call('OBJECT', 'ENCODING', 'first')).toBe(bulk('skiplist'));
  });

  it('store results convert back to listpack when small; ZRANGESTORE by rank length', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await call('ZADD', 'big', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
    expect(await call('OBJECT', 'ENCODING', 'big')).toBe(bulk('skiplist'));
    expect(await call('ZUNIONSTORE', 'u', '1', 'big')).toBe(':5\r\n');
    expect(await call('OBJECT', 'ENCODING', 'u')).toBe(bulk('skiplist'));
    expect(await call('ZINTERSTORE', 'u', '1', 'big')).toBe(':5\r\n');
    expect(await call('ZREMRANGEBYRANK', 'big', '0', '0')).toBe(':1\r\n');
    expect(await call('ZDIFFSTORE', 'u', '1', 'big')).toBe(':4\r\n');
    expect(await call('OBJECT', 'ENCODING', 'u')).toBe(bulk('listpack'));
    expect(await call('ZRANGESTORE', 'r', 'big', '0', '2')).toBe(':3\r\n');
    expect(await call('OBJECT', 'ENCODING', 'r')).toBe(bulk('listpack'));
    expect(await call('ZRANGESTORE', 'r', 'big', '-inf', '+inf', 'BYSCORE')).toBe(':4\r\n');
    expect(await call('OBJECT', 'ENCODING', 'r')).toBe(bulk('listpack'));
    await call('ZADD', 'big', '9', 'z');
    expect(await call('ZRANGESTORE', 'r', 'big', '[a', '+', 'BYLEX')).toBe(':5\r\n');
    expect(await call('OBJECT', 'ENCODING', 'r')).toBe(bulk('skiplist'));
  });
});

describe('ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK', () => {
  it('answers and deletes empty sets', async () => {
    await call('ZADD', 'z', '1', M1, '2', M2, '3', 'c');
    expect(await call('ZCARD', 'z')).toBe(':3\r\n');
    expect(await call('ZCARD', 'none')).toBe(':0\r\n');
    expect(await call('ZRANK', 'z', M2)).toBe(':1\r\n');
    expect(await call('ZREVRANK', 'z', M2)).toBe(':1\r\n');
    expect(await call('ZREVRANK', 'z', M1)).toBe(':2\r\n');
    expect(await call('ZRANK', 'z', 'nope')).toBe('$-1\r\n');
    expect(await call('ZRANK', 'none', 'a')).toBe('$-1\r\n');
    expect(await call('ZRANK', 'z', 'a', 'WITHSCORE')).toBe("-ERR wrong number of arguments for 'zrank' command\r\n");
    expect(await call('ZSCORE', 'none', 'a')).toBe('$-1\r\n');
    expect(await call('ZMSCORE', 'z', M1, 'nope', 'c')).toBe(arr(bulk('1'), '$-1\r\n', bulk('3')));
    expect(await call('ZMSCORE', 'none', 'a', 'b')).toBe(arr('$-1\r\n', '$-1\r\n'));
    expect(await call('ZREM', 'z', M1, 'nope', M1)).toBe(':1\r\n');
    expect(await call('ZREM', 'none', 'a')).toBe(':0\r\n');
    expect(await call('ZREM', 'z', M2, 'c', 'after')).toBe(':2\r\n');
    expect(await call('EXISTS', 'z')).toBe(':0\r\n');
  });

  it('WRONGTYPE', async () => {
    await call('SET', 's', 'v');
    for (const cmd of [
      ['ZREM', 's', 'a'],
      ['ZCARD', 's'],
      ['ZSCORE', 's', 'a'],
      ['ZMSCORE', 's', 'a'],
      ['ZRANK', 's', 'a'],
      ['ZREVRANK', 's', 'a'],
      ['ZCOUNT', 's', '0', '1'],
      ['ZLEXCOUNT', 's', '-', '+'],
      ['ZRANGE', 's', '0', '1'],
      ['ZRANGEBYSCORE', 's', '0', '1'],
      ['ZRANGEBYLEX', 's', '-', '+'],
      ['ZREMRANGEBYRANK', 's', '0', '1'],
      ['ZREMRANGEBYSCORE', 's', '0', '1'],
      ['ZREMRANGEBYLEX', 's', '-', '+'],
      ['ZPOPMIN', 's'],
      ['ZPOPMAX', 's', '0'],
      ['ZMPOP', '2', 'none', 's', 'MIN'],
      ['ZRANDMEMBER', 's'],
      ['ZRANDMEMBER', 's', '2'],
      ['ZSCAN', 's', '0'],
      ['ZRANGESTORE', 'd', 's', '0', '1'],
      ['ZUNION', '1', 's'],
      ['ZINTERSTORE', 'd', '1', 's'],
      ['ZINTERCARD', '1', 's'],
    ]) {
      expect(await call(...cmd), cmd.join(' ')).toBe(WRONGTYPE);
    }
  });
});

describe('ZRANGE family', () => {
  beforeEach(async () => {
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', M1, '5', 'e');
    await call('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', M1, '0', M2);
  });

  it('by rank, score and lex, forward and reverse, with LIMIT', async () => {
    expect(await call('ZRANGE', 'z', '1', '2')).toBe(arr(bulk('b'), bulk('c')));
    expect(await call('ZRANGE', 'z', '-2', '100', 'WITHSCORES')).toBe(arr(bulk(M1), bulk('4'), bulk('e'), bulk('5')));
    expect(await call('ZRANGE', 'z', '3', '1')).toBe('*0\r\n');
    expect(await call('ZRANGE', 'z', '0', '0', 'REV')).toBe(arr(bulk('e')));
    expect(await call('ZREVRANGE', 'z', '0', '1', 'WITHSCORES')).toBe(arr(bulk('e'), bulk('5'), bulk(M1), bulk('4')));
    expect(await call('ZRANGE', 'z', '(1', '3', 'BYSCORE')).toBe(arr(bulk('b'), bulk('c')));
    expect(await call('ZRANGE', 'z', '3', '(1', 'BYSCORE', 'REV')).toBe(arr(bulk('c'), bulk('b')));
    expect(await call('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '2')).toBe(arr(bulk('b'), bulk('c')));
    expect(await call('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '-1')).toBe(
      arr(bulk('b'), bulk('c'), bulk(M1), bulk('e')),
    );
    expect(await call('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2')).toBe('*0\r\n');
    expect(await call('ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '5', '2')).toBe('*0\r\n');
    expect(await call('ZRANGEBYSCORE', 'z', '2', '4', 'WITHSCORES', 'LIMIT', '0', '1')).toBe(arr(bulk('b'), bulk('2')));
    expect(await call('ZREVRANGEBYSCORE', 'z', '+inf', '4')).toBe(arr(bulk('e'), bulk(M1)));
    expect(await call('ZRANGEBYSCORE', 'z', '(4', '(5')).toBe('*0\r\n');
    expect(await call('ZRANGE', 'lex', '[b', `[${M1}`, 'BYLEX')).toBe(arr(bulk('b'), bulk('c'), bulk(M2), bulk(M1)));
    expect(await call('ZRANGE', 'lex', '+', '(c', 'BYLEX', 'REV', 'LIMIT', '1', '1')).toBe(arr(bulk(M2)));
    expect(await call('ZRANGEBYLEX', 'lex', '-', '(b')).toBe(arr(bulk('a')));
    expect(await call('ZREVRANGEBYLEX', 'lex', '[b', '-')).toBe(arr(bulk('b'), bulk('a')));
    expect(await call('ZRANGE', 'none', '0', '-1')).toBe('*0\r\n');
    expect(await call('ZRANGEBYLEX', 'none', 'x', 'y')).toBe(RANGE_LEX);
  });

  it('strtod() range bounds', async () => {
    expect(await call('ZRANGEBYSCORE', 'z', ' 2', '0x3')).toBe(arr(bulk('b'), bulk('c')));
    expect(await call('ZRANGEBYSCORE', 'z', '', '1')).toBe(arr(bulk('a')));
    expect(await call('ZRANGEBYSCORE', 'z', '(', '1e400')).toBe(arr(bulk('a'), bulk('b'), bulk('c'), bulk(M1), bulk('e')));
    expect(await call('ZRANGEBYSCORE', 'z', '4\x00junk', 'inf')).toBe(arr(bulk(M1), bulk('e')));
    expect(await call('ZRANGEBYSCORE', 'z', 'nan', '1')).toBe(RANGE_FLOAT);
    expect(await call('ZRANGEBYSCORE', 'z', '1', '2 ')).toBe(RANGE_FLOAT);
    expect(await call('ZRANGEBYSCORE', 'z', '[1', '2')).toBe(RANGE_FLOAT);
    expect(await call('ZRANGEBYLEX', 'lex', '+\x00x', '-')).toBe('*0\r\n');
    expect(await call('ZRANGEBYLEX', 'lex', 'a', '+')).toBe(RANGE_LEX);
    expect(await call('ZRANGEBYLEX', 'lex', '', '+')).toBe(RANGE_LEX);
    expect(await call('ZRANGEBYLEX', 'lex', '--', '+')).toBe(RANGE_LEX);
  });

  it('option errors', async () => {
    expect(await call('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1')).toBe(
      '-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n',
    );
    expect(await call('ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES')).toBe(
      '-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n',
    );
    expect(await call('ZRANGE', 'z', '0', '1', 'REV', 'REV')).toBe(SYNTAX);
    expect(await call('ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX')).toBe(SYNTAX);
    expect(await call('ZRANGE', 'z', '0', '1', 'LIMIT', '0')).toBe(SYNTAX);
    expect(await call('ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1', 'junk')).toBe(NOT_INT);
    expect(await call('ZRANGE', 'z', 'a', '1')).toBe(NOT_INT);
    expect(await call('ZREVRANGE', 'z', '0', '1', 'REV')).toBe(SYNTAX);
    expect(await call('ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE')).toBe(SYNTAX);
    expect(await call('ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES')).toBe(
      '-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n',
    );
    expect(await call('ZRANGESTORE', 'd', 'z', '0', '1', 'WITHSCORES')).toBe(SYNTAX);
    expect(await call('ZRANGEBYSCORE', 'z', 'x', '1')).toBe(RANGE_FLOAT);
  });

  it('ZRANGESTORE stores, deletes the destination on an empty result', async () => {
    expect(await call('ZRANGESTORE', 'd', 'z', '1', '2')).toBe(':2\r\n');
    expect(await call('ZRANGE', 'd', '0', '-1', 'WITHSCORES')).toBe(arr(bulk('b'), bulk('2'), bulk('c'), bulk('3')));
    expect(await call('ZRANGESTORE', 'd', 'z', '5', '+inf', 'BYSCORE', 'REV')).toBe(':0\r\n');
    expect(await call('ZRANGESTORE', 'd', 'z', '+inf', '5', 'BYSCORE', 'REV')).toBe(':1\r\n');
    expect(await call('ZRANGE', 'd', '0', '-1')).toBe(arr(bulk('e')));
    expect(await call('ZRANGESTORE', 'd', 'none', '0', '-1')).toBe(':0\r\n');
    expect(await call('EXISTS', 'd')).toBe(':0\r\n');
    await call('SET', 'str', 'v');
    expect(await call('ZRANGESTORE', 'str', 'z', '0', '0')).toBe(':1\r\n');
    expect(await call('TYPE', 'str')).toBe('+zset\r\n');
    expect(await call('ZRANGESTORE', 'z', 'z', '0', '1')).toBe(':2\r\n');
    expect(await call('ZRANGE', 'z', '0', '-1')).toBe(arr(bulk('a'), bulk('b')));
  });

  it('ZCOUNT ZLEXCOUNT', async () => {
    expect(await call('ZCOUNT', 'z', '2', '(4')).toBe(':2\r\n');
    expect(await call('ZCOUNT', 'z', '-inf', '+inf')).toBe(':5\r\n');
    expect(await call('ZCOUNT', 'z', '3', '2')).toBe(':0\r\n');
    expect(await call('ZCOUNT', 'none', '0', '1')).toBe(':0\r\n');
    expect(await call('ZCOUNT', 'none', 'x', '1')).toBe(RANGE_FLOAT);
    expect(await call('ZLEXCOUNT', 'lex', '(a', '+')).toBe(':4\r\n');
    expect(await call('ZLEXCOUNT', 'lex', '-', '-')).toBe(':0\r\n');
    expect(await call('ZLEXCOUNT', 'lex', '[c', '[c')).toBe(':1\r\n');
    expect(await call('ZLEXCOUNT', 'lex', '(c', '[c')).toBe(':0\r\n');
    expect(await call('ZLEXCOUNT', 'none', 'x', '+')).toBe(RANGE_LEX);
  });

  it('RESP3: WITHSCORES pairs are arrays of [member, double]', async () => {
    const c3 = await RawClient.connect(t.srv.port);
    await c3.call('HELLO', '3');
    expect((await c3.call('ZRANGE', 'z', '0', '1', 'WITHSCORES')).latin1Slice()).toBe(
      '*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n',
    );
    expect((await c3.call('ZRANGEBYSCORE', 'z', '5', '5', 'WITHSCORES')).latin1Slice()).toBe('*1\r\n*2\r\n$1\r\ne\r\n,5\r\n');
    expect((await c3.call('ZSCORE', 'z', 'a')).latin1Slice()).toBe(',1\r\n');
    expect((await c3.call('ZSCORE', 'z', 'none')).latin1Slice()).toBe('_\r\n');
    expect((await c3.call('ZRANK', 'z', 'none')).latin1Slice()).toBe('_\r\n');
    expect((await c3.call('ZMSCORE', 'z', 'a', 'x')).latin1Slice()).toBe('*2\r\n,1\r\n_\r\n');
    expect((await c3.call('ZINCRBY', 'z', '0.5', 'a')).latin1Slice()).toBe(',1.5\r\n');
    expect((await c3.call('ZUNION', '1', 'z', 'WITHSCORES')).latin1Slice().startsWith('*5\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n')).toBe(true);
    c3.close();
  });
});

describe('ZREMRANGEBY*', () => {
  beforeEach(async () => {
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  });

  it('rank, score and lex ranges', async () => {
    expect(await call('ZREMRANGEBYRANK', 'z', '5', '10')).toBe(':0\r\n');
    expect(await call('ZREMRANGEBYRANK', 'z', '-1', '-1')).toBe(':1\r\n');
    expect(await call('ZREMRANGEBYSCORE', 'z', '(1', '2')).toBe(':1\r\n');
    expect(await call('ZREMRANGEBYLEX', 'z', '[a', '[a')).toBe(':1\r\n');
    expect(await call('ZRANGE', 'z', '0', '-1')).toBe(arr(bulk('c')));
    expect(await call('ZREMRANGEBYRANK', 'z', '0', '-1')).toBe(':1\r\n');
    expect(await call('EXISTS', 'z')).toBe(':0\r\n');
    expect(t.events.slice(-2)).toEqual(['zremrangebyrank z', 'del z']);
  });

  it('errors', async () => {
    expect(await call('ZREMRANGEBYRANK', 'z', 'a', '1')).toBe(NOT_INT);
    expect(await call('ZREMRANGEBYSCORE', 'z', 'a', '1')).toBe(RANGE_FLOAT);
    expect(await call('ZREMRANGEBYLEX', 'z', 'a', '+')).toBe(RANGE_LEX);
    expect(await call('ZREMRANGEBYLEX', 'none', '-', '+')).toBe(':0\r\n');
  });
});

describe('ZPOPMIN ZPOPMAX ZMPOP', () => {
  it('pops with and without count, deletes empty sets', async () => {
    await call('ZADD', 'z', '1', M1, '2', 'b', '3', 'c');
    expect(await call('ZPOPMIN', 'z')).toBe(arr(bulk(M1), bulk('1')));
    expect(await call('ZPOPMAX', 'z', '5')).toBe(arr(bulk('c'), bulk('3'), bulk('b'), bulk('2')));
    expect(await call('EXISTS', 'z')).toBe(':0\r\n');
    expect(await call('ZPOPMIN', 'z')).toBe('*0\r\n');
    expect(await call('ZPOPMIN', 'z', '0')).toBe('*0\r\n');
    await call('ZADD', 'z', '1', 'a');
    expect(await call('ZPOPMIN', 'z', '0')).toBe('*0\r\n');
    expect(await call('ZPOPMIN', 'z', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(await call('ZPOPMIN', 'z', 'x')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(await call('ZPOPMIN', 'z', '1', '2')).toBe(SYNTAX);
  });

  it('ZMPOP: nested reply, errors, propagation as ZPOPMIN/ZPOPMAX', async () => {
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(await call('ZMPOP', '2', 'none', 'z', 'MAX', 'COUNT', '10')).toBe(
      arr(bulk('z'), arr(arr(bulk('c'), bulk('3')), arr(bulk('b'), bulk('2')), arr(bulk('a'), bulk('1')))),
    );
    expect(t.propagated.at(-1)).toEqual(['ZPOPMAX', 'z', '3']);
    expect(await call('ZMPOP', '1', 'z', 'MIN')).toBe('*-1\r\n');
    await call('ZADD', 'z', '1', 'a', '2', 'b');
    expect(await call('ZMPOP', '1', 'z', 'min')).toBe(arr(bulk('z'), arr(arr(bulk('a'), bulk('1')))));
    expect(t.propagated.at(-1)).toEqual(['ZPOPMIN', 'z', '1']);
    expect(await call('ZMPOP', '0', 'z', 'MIN')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await call('ZMPOP', 'x', 'z', 'MIN')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await call('ZMPOP', '2', 'z', 'MIN')).toBe(SYNTAX);
    expect(await call('ZMPOP', '1', 'z', 'MIDDLE')).toBe(SYNTAX);
    expect(await call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '0')).toBe('-ERR count should be greater than 0\r\n');
    expect(await call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '1', 'COUNT', '1')).toBe(SYNTAX);
    expect(await call('ZMPOP', '1', 'z', 'MIN', 'COUNT')).toBe(SYNTAX);
  });

  it('RESP3 shapes', async () => {
    const c3 = await RawClient.connect(t.srv.port);
    await c3.call('HELLO', '3');
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
    expect((await c3.call('ZPOPMIN', 'z')).latin1Slice()).toBe('*2\r\n$1\r\na\r\n,1\r\n');
    expect((await c3.call('ZPOPMIN', 'z', '1')).latin1Slice()).toBe('*1\r\n*2\r\n$1\r\nb\r\n,2\r\n');
    expect((await c3.call('ZMPOP', '1', 'z', 'MAX')).latin1Slice()).toBe('*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nd\r\n,4\r\n');
    expect((await c3.call('ZMPOP', '1', 'none', 'MAX')).latin1Slice()).toBe('_\r\n');
    c3.close();
  });
});

describe('ZUNION ZINTER ZDIFF ZINTERCARD and the STORE forms', () => {
  beforeEach(async () => {
    await call('ZADD', 'a', '1', 'x', '2', M1, '3', 'z');
    await call('ZADD', 'b', '10', M1, '20', 'z', '30', 'w');
    await call('SADD', 's', 'x', 'w', 'q');
  });

  it('union, intersection and difference with weights and aggregates', async () => {
    expect(await call('ZUNION', '2', 'a', 'b', 'WITHSCORES')).toBe(
      arr(bulk('x'), bulk('1'), bulk(M1), bulk('12'), bulk('z'), bulk('23'), bulk('w'), bulk('30')),
    );
    expect(await call('ZINTER', '2', 'a', 'b', 'WEIGHTS', '2', '0.5', 'AGGREGATE', 'MAX', 'WITHSCORES')).toBe(
      arr(bulk(M1), bulk('5'), bulk('z'), bulk('10')),
    );
    expect(await call('ZINTER', '2', 'a', 'b', 'AGGREGATE', 'MIN')).toBe(arr(bulk(M1), bulk('z')));
    expect(await call('ZUNION', '2', 'a', 's', 'WITHSCORES')).toBe(
      arr(bulk('q'), bulk('1'), bulk('w'), bulk('1'), bulk('x'), bulk('2'), bulk(M1), bulk('2'), bulk('z'), bulk('3')),
    );
    expect(await call('ZINTER', '2', 's', 'b', 'WITHSCORES')).toBe(arr(bulk('w'), bulk('31')));
    expect(await call('ZDIFF', '2', 'a', 'b', 'WITHSCORES')).toBe(arr(bulk('x'), bulk('1')));
    expect(await call('ZDIFF', '2', 'a', 'a')).toBe('*0\r\n');
    expect(await call('ZDIFF', '2', 's', 'a')).toBe(arr(bulk('q'), bulk('w')));
    expect(await call('ZINTERCARD', '3', 'a', 'b', 'none')).toBe(':0\r\n');
    expect(await call('ZINTERCARD', '2', 'a', 'b')).toBe(':2\r\n');
    expect(await call('ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1')).toBe(':1\r\n');
    expect(await call('ZINTERCARD', '2', 'a', 'b', 'LIMIT', '0')).toBe(':2\r\n');
    // inf * 0 and inf + -inf give 0.
    await call('ZADD', 'i1', 'inf', 'm');
    await call('ZADD', 'i2', '-inf', 'm');
    expect(await call('ZUNION', '2', 'i1', 'i2', 'WITHSCORES')).toBe(arr(bulk('m'), bulk('0')));
    expect(await call('ZUNION', '1', 'i1', 'WEIGHTS', '0', 'WITHSCORES')).toBe(arr(bulk('m'), bulk('0')));
  });

  it('errors', async () => {
    expect(await call('ZUNION', '0', 'a')).toBe("-ERR at least 1 input key is needed for 'zunion' command\r\n");
    expect(await call('ZUNIONSTORE', 'd', '0', 'a')).toBe("-ERR at least 1 input key is needed for 'zunionstore' command\r\n");
    expect(await call('ZINTERCARD', '-1', 'a')).toBe("-ERR at least 1 input key is needed for 'zintercard' command\r\n");
    expect(await call('ZUNION', 'x', 'a')).toBe(NOT_INT);
    expect(await call('ZUNION', '3', 'a', 'b')).toBe(SYNTAX);
    expect(await call('ZUNION', '2', 'a', 'b', 'WEIGHTS', '1')).toBe(SYNTAX);
    expect(await call('ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x')).toBe('-ERR weight value is not a float\r\n');
    expect(await call('ZUNION', '2', 'a', 'b', 'AGGREGATE', 'AVG')).toBe(SYNTAX);
    expect(await call('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WITHSCORES')).toBe(SYNTAX);
    expect(await call('ZDIFF', '1', 'a', 'WEIGHTS', '1')).toBe(SYNTAX);
    expect(await call('ZINTERCARD', '1', 'a', 'WITHSCORES')).toBe(SYNTAX);
    expect(await call('ZINTERCARD', '1', 'a', 'LIMIT', '-1')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(await call('ZINTERCARD', '1', 'a', 'LIMIT', 'x')).toBe("-ERR LIMIT can't be negative\r\n");
    await call('SET', 'str', 'v');
    // The type check comes before the options.
    expect(await call('ZUNION', '2', 'a', 'str', 'JUNK')).toBe(WRONGTYPE);
  });

  it('STORE forms: reply, overwrite, delete on empty', async () => {
    await call('SET', 'd', 'v');
    await call('EXPIRE', 'd', '100');
    expect(await call('ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '-1')).toBe(':4\r\n');
    expect(await call('TTL', 'd')).toBe(':-1\r\n');
    expect(await call('ZRANGE', 'd', '0', '-1', 'WITHSCORES')).toBe(
      arr(bulk('w'), bulk('-30'), bulk('z'), bulk('-17'), bulk(M1), bulk('-8'), bulk('x'), bulk('1')),
    );
    expect(await call('ZINTERSTORE', 'd', '2', 'a', 'none')).toBe(':0\r\n');
    expect(await call('EXISTS', 'd')).toBe(':0\r\n');
    expect(t.events).toContain('del d');
    expect(await call('ZDIFFSTORE', 'd', '2', 'a', 'b')).toBe(':1\r\n');
    expect(t.events.at(-1)).toBe('zdiffstore d');
  });
});

describe('ZRANDMEMBER', () => {
  it('counts, uniqueness and errors', async () => {
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(['a', 'b', 'c'].map(bulk)).toContain(await call('ZRANDMEMBER', 'z'));
    expect(await call('ZRANDMEMBER', 'z', '10', 'WITHSCORES')).toBe(
      arr(bulk('c'), bulk('3'), bulk('b'), bulk('2'), bulk('a'), bulk('1')),
    );
    expect(await call('ZRANDMEMBER', 'z', '0')).toBe('*0\r\n');
    expect(await call('ZRANDMEMBER', 'none')).toBe('$-1\r\n');
    expect(await call('ZRANDMEMBER', 'none', '3')).toBe('*0\r\n');
    const two = (await t.r.zrandmember('z', 2)) as string[];
    expect(new Set(two).size).toBe(2);
    const many = (await t.r.zrandmember('z', -20)) as string[];
    expect(many.length).toBe(20);
    expect(many.every((m) => ['a', 'b', 'c'].includes(m))).toBe(true);
    expect(await call('ZRANDMEMBER', 'z', 'x')).toBe(NOT_INT);
    expect(await call('ZRANDMEMBER', 'z', '1', 'x')).toBe(SYNTAX);
    expect(await call('ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x')).toBe(SYNTAX);
    expect(await call('ZRANDMEMBER', 'z', '-9223372036854775808')).toBe(
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    expect(await call('ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES')).toBe('-ERR value is out of range\r\n');
  });

  it('distinct samples from a large set (both sampling strategies)', async () => {
    const args: (string | number)[] = ['ZADD', 'big'];
    for (let i = 0; i < 300; i++) args.push(i, `m${i}`);
    await call(...args);
    for (const n of [5, 150]) {
      const got = (await t.r.zrandmember('big', n)) as string[];
      expect(got.length).toBe(n);
      expect(new Set(got).size).toBe(n);
    }
    const ws = (await t.r.call('ZRANDMEMBER', 'big', '3', 'WITHSCORES')) as string[];
    for (let i = 0; i < ws.length; i += 2) expect(ws[i]).toBe(`m${ws[i + 1]}`);
  });
});

describe('ZSCAN', () => {
  it('listpack: everything at once with the stored score text', async () => {
    await call('ZADD', 'z', '1e18', M1, '1.5', 'b', '-0', 'c');
    expect(await call('ZSCAN', 'z', '0')).toBe(
      arr(bulk('0'), arr(bulk('c'), bulk('0'), bulk('b'), bulk('1.5'), bulk(M1), bulk('1000000000000000000'))),
    );
    expect(await call('ZSCAN', 'z', '0', 'MATCH', 'b*')).toBe(arr(bulk('0'), arr(bulk('b'), bulk('1.5'))));
    expect(await call('ZSCAN', 'none', '0', 'JUNK')).toBe(arr(bulk('0'), '*0\r\n'));
    expect(await call('ZSCAN', 'z', '0', 'JUNK')).toBe(SYNTAX);
    expect(await call('ZSCAN', 'z', 'x')).toBe('-ERR invalid cursor\r\n');
    expect(await call('ZSCAN', 'z', '0', 'COUNT', '0')).toBe(SYNTAX);
  });

  it('skiplist: cursor iteration returns every member exactly once', async () => {
    const args: (string | number)[] = ['ZADD', 'z'];
    for (let i = 0; i < 500; i++) args.push(i + 0.5, `m${i}`);
    await call(...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, items] = (await t.r.zscan('z', cursor, 'COUNT', 20)) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i], items[i + 1]);
      cursor = next;
      rounds++;
    } while (cursor !== '0');
    expect(rounds).toBeGreaterThan(5);
    expect(seen.size).toBe(500);
    expect(seen.get('m7')).toBe('7.5');
  });
});

describe('side effects', () => {
  it('keyspace events', async () => {
    await call('ZADD', 'z', '1', 'a');
    await call('ZADD', 'z', '1', 'a');
    await call('ZINCRBY', 'z', '1', 'a');
    await call('ZREM', 'z', 'nope');
    await call('ZREM', 'z', 'a');
    await call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    await call('ZPOPMIN', 'z');
    await call('ZPOPMAX', 'z', '2');
    await call('ZADD', 'z', '1', 'a');
    await call('ZRANGESTORE', 'd', 'z', '0', '-1');
    await call('ZUNIONSTORE', 'u', '1', 'z');
    await call('ZINTERSTORE', 'u', '1', 'z');
    await call('ZREMRANGEBYSCORE', 'z', '-inf', '+inf');
    expect(t.events).toEqual([
      'zadd z',
      'zincr z',
      'zrem z',
      'del z',
      'zadd z',
      'zpopmin z',
      'zpopmax z',
      'del z',
      'zadd z',
      'zrangestore d',
      'zunionstore u',
      'zinterstore u',
      'zremrangebyscore z',
      'del z',
    ]);
  });

  it('dirty counts changed members; no-ops do not propagate', async () => {
    const s = t.srv.server;
    let d = s.dirty;
    await call('ZADD', 'z', '1', 'a', '2', 'b');
    expect(s.dirty - d).toBe(2);
    d = s.dirty;
    await call('ZADD', 'z', '1', 'a', '3', 'b', '4', 'c');
    expect(s.dirty - d).toBe(2);
    d = s.dirty;
    const before = t.propagated.length;
    await call('ZADD', 'z', 'NX', '5', 'a');
    await call('ZREM', 'z', 'nope');
    await call('ZPOPMIN', 'none');
    await call('ZRANDMEMBER', 'z');
    expect(s.dirty).toBe(d);
    expect(t.propagated.length).toBe(before);
    await call('ZPOPMIN', 'z', '2');
    expect(s.dirty - d).toBe(2);
    expect(t.propagated.at(-1)).toEqual(['ZPOPMIN', 'z', '2']);
  });

  it('signals modified keys (WATCH, tracking) only on changes', async () => {
    await call('ZADD', 'z', '1', 'a', '2', 'b');
    await call('ZADD', 'src', '1', 'a');
    t.modified.length = 0;
    await call('ZADD', 'z', '1', 'a');
    await call('ZREM', 'z', 'nope');
    await call('ZREMRANGEBYSCORE', 'z', '10', '20');
    await call('ZRANGESTORE', 'none2', 'none', '0', '-1');
    expect(t.modified).toEqual([]);
    await call('ZINCRBY', 'z', '1', 'a');
    await call('ZPOPMAX', 'z');
    await call('ZUNIONSTORE', 'u', '1', 'src');
    await call('ZINTERSTORE', 'u', '1', 'none');
    expect([...new Set(t.modified)]).toEqual(['z', 'u']);
  });

  it('key extraction for numkeys commands (COMMAND GETKEYS)', async () => {
    expect(await call('COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2')).toBe(
      arr(bulk('d'), bulk('a'), bulk('b')),
    );
    expect(await call('COMMAND', 'GETKEYS', 'ZINTER', '2', 'a', 'b')).toBe(arr(bulk('a'), bulk('b')));
    expect(await call('COMMAND', 'GETKEYS', 'ZMPOP', '1', 'a', 'MIN')).toBe(arr(bulk('a')));
    const table = t.srv.server.commands;
    expect(table.get('zunionstore')!.getKeys(['zunionstore', 'd', '2', 'a', 'b'])).toEqual([1, 3, 4]);
    // Not a clean integer: Redis falls back to atoi() and lists the destination last.
    expect(table.get('zunionstore')!.getKeys(['zunionstore', 'd', '2x', 'a', 'b'])).toEqual([3, 4, 1]);
    expect(table.get('zunion')!.getKeys(['zunion', ' 1', 'a'])).toEqual([2]);
    expect(table.get('zunion')!.getKeys(['zunion', '3', 'a'])).toEqual([]);
    expect(table.get('zunion')!.getKeys(['zunion', '0', 'a'])).toEqual([]);
    expect(table.get('zintercard')!.getKeys(['zintercard', '-2', 'a', 'b'])).toEqual([]);
    expect(table.get('zdiff')!.getKeys(['zdiff', '4294967297', 'a'])).toEqual([2]);
  });
});
