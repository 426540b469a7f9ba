/**
 * Sorted sets against redis-server 7.0.15: byte-identical replies for every
 * command, error path, score format, encoding and RESP3 shape, plus a
 * seeded random sequence of operations across both encodings.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, type RawClient, type Reply } from '../helpers/resp.js';

warnIfNoRedis('diff/zset');

const BIN = '\xff\x00\xc3';
const BIN2 = 'm\x00\xfe\x80';

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole ZSCAN walk: member/score pairs, sorted. */
async function zscanAll(c: RawClient, key: string, extra: string[] = []): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [r] = parseReply(await c.call('ZSCAN', key, cursor, ...extra));
    if (r.t !== 'array' || r.v === null) throw new Error(`bad ZSCAN reply ${JSON.stringify(r)}`);
    const [cur, items] = r.v as [Reply, Reply];
    cursor = (cur as { v: Buffer }).v.latin1Slice();
    const v = (items as { v: Reply[] }).v.map((x) => (x as { v: Buffer }).v.latin1Slice());
    for (let i = 0; i < v.length; i += 2) out.push(`${v[i]}=${v[i + 1]}`);
    if (++calls > 100000) throw new Error('ZSCAN does not terminate');
  } while (cursor !== '0');
  return out.sort();
}

describe.skipIf(!HAVE_REDIS)('differential: sorted sets', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await d.same('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  });

  it('ZADD options, replies and errors', async () => {
    await d.same('ZADD', 'z', '1', 'a', '2', BIN, '3', BIN2);
    await d.same('ZADD', 'z', '1', 'a');
    await d.same('ZADD', 'z', 'CH', '5', 'a', '6', 'n');
    for (const opts of [
      ['NX'],
      ['XX'],
      ['GT'],
      ['LT'],
      ['CH'],
      ['INCR'],
      ['XX', 'GT'],
      ['XX', 'LT', 'CH'],
      ['GT', 'CH'],
      ['INCR', 'GT'],
      ['INCR', 'LT'],
      ['INCR', 'NX'],
      ['INCR', 'XX'],
      ['nx', 'ch'],
      ['NX', 'XX'],
      ['GT', 'LT'],
      ['NX', 'GT'],
      ['NX', 'LT'],
      ['GT', 'LT', 'NX', 'XX'],
    ]) {
      for (const [score, member] of [
        ['4', 'a'],
        ['10', 'a'],
        ['0', BIN],
        ['2', 'fresh' + opts.join('')],
      ]) {
        await d.same('ZADD', 'z', ...opts, score, member);
        await d.same('ZADD', 'missing' + opts.join(''), ...opts, score, member);
      }
      await d.same('ZADD', 'z', ...opts, '1', 'a', '2', 'b');
      await d.same('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    }
    for (const bad of [
      ['ZADD', 'z', '1', 'a', '2'],
      ['ZADD', 'z', 'NX', 'XX', 'CH'],
      ['ZADD', 'z', 'x', 'a'],
      ['ZADD', 'z', '1', 'a', 'nan', 'b'],
      ['ZADD', 'z', '', 'a'],
      ['ZADD', 'z', ' 1', 'a'],
      ['ZADD', 'z', '1 ', 'a'],
      ['ZADD', 'z', '1e400', 'a'],
      ['ZADD', 'z', '1e-400', 'a'],
      ['ZADD', 'z', '0x1p3', 'hex'],
      ['ZADD', 'z', '(1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a', '1', 'b'],
      ['ZADD', 'z', 'INCR', 'XX', 'NX', '1', 'a', '1', 'b'],
      ['ZADD', 'z', '1'],
      ['ZADD', 'z'],
      ['ZADD', 'z', 'nx\x00junk', '1', 'nul'],
      ['ZINCRBY', 'z', 'x', 'a'],
      ['ZINCRBY', 'z', 'nx', 'a'],
      ['ZINCRBY', 'z', 'incr', 'a'],
      ['ZINCRBY', 'z', '1'],
      ['ZINCRBY', 'z', '1', 'a', 'b'],
    ]) {
      await d.same(bad);
    }
    await d.same('ZRANGE', 'z', '0', '-1', 'WITHSCORES');
    await d.same('SET', 'str', BIN);
    await d.same('ZADD', 'str', '1', 'a');
    await d.same('ZADD', 'str', 'x', 'a');
    await d.same('ZADD', 'str', 'NX', 'XX', '1', 'a');
    await d.same('ZINCRBY', 'str', '1', 'a');
    // NaN from an increment.
    await d.same('ZADD', 'inf', '+inf', 'a');
    await d.same('ZADD', 'inf', 'INCR', '-inf', 'a');
    await d.same('ZINCRBY', 'inf', '-inf', 'a');
    await d.same('ZINCRBY', 'inf', '+inf', 'a');
    await d.same('ZSCORE', 'inf', 'a');
  });

  it('score formatting (%.17g), -0 and infinities in both encodings', async () => {
    const scores = [
      '1.5',
      '0.1',
      '1e20',
      '3.0000000000000001e+20',
      '-0',
      '0',
      '+0',
      'inf',
      '-inf',
      '+inf',
      'Infinity',
      '-INF',
      '1e18',
      '4611686018427387904',
      '4611686018427387905',
      '-4611686018427387904',
      '9007199254740993',
      '123456789012345678',
      '0.30000000000000004',
      '1e-300',
      '5e-324',
      '1.7976931348623157e308',
      '-2.5e-10',
      '100',
      '1.0',
      '.5',
      '5.',
      '0x10',
      '0x1.8p1',
      '1E5',
      '12345678901234567890',
    ];
    for (const entries of ['128', '0']) {
      await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', entries);
      await d.same('DEL', 'f');
      for (let i = 0; i < scores.length; i++) await d.same('ZADD', 'f', scores[i], `m${i}`);
      await d.same('OBJECT', 'ENCODING', 'f');
      await d.same('ZRANGE', 'f', '0', '-1', 'WITHSCORES');
      for (let i = 0; i < scores.length; i++) {
        await d.same('ZSCORE', 'f', `m${i}`);
        await d.same('ZINCRBY', 'f', '-0', `m${i}`);
        await d.same('ZINCRBY', 'f', '0.1', `m${i}`);
      }
      await d.same('ZRANGE', 'f', '0', '-1', 'WITHSCORES');
      await d.same('ZADD', 'neg', '-0', 'a');
      await d.same('ZSCORE', 'neg', 'a');
      await d.same('ZADD', 'neg', 'INCR', '-0', 'b');
      await d.same('ZUNION', '1', 'neg', 'WEIGHTS', '-1', 'WITHSCORES');
      await d.same('ZUNIONSTORE', 'neg2', '1', 'neg', 'WEIGHTS', '-1');
      await d.same('ZRANGE', 'neg2', '0', '-1', 'WITHSCORES');
      await d.same('OBJECT', 'ENCODING', 'neg2');
    }
    // The listpack returns its stored score text to ZSCAN.
    await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await d.same('DEL', 'f');
    for (let i = 0; i < scores.length; i++) await d.same('ZADD', 'f', scores[i], `m${i}`);
    await d.same('ZSCAN', 'f', '0');
  });

  it('ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK', async () => {
    await d.same('ZADD', 'z', '1', 'a', '1', 'b', '2', BIN, '0', BIN2, '-1', '');
    for (const m of ['a', 'b', BIN, BIN2, '', 'nope']) {
      await d.same('ZRANK', 'z', m);
      await d.same('ZREVRANK', 'z', m);
      await d.same('ZSCORE', 'z', m);
    }
    await d.same('ZRANK', 'z', 'a', 'WITHSCORE');
    await d.same('ZMSCORE', 'z', 'a', 'nope', BIN, '');
    await d.same('ZMSCORE', 'none', 'a');
    await d.same('ZMSCORE', 'z');
    await d.same('ZCARD', 'z');
    await d.same('ZCARD', 'none');
    await d.same('ZREM', 'z', 'a', 'a', 'nope');
    await d.same('ZREM', 'none', 'a');
    await d.same('ZREM', 'z');
    await d.same('ZREM', 'z', 'b', BIN, BIN2, '', 'more');
    await d.same('EXISTS', 'z');
    await d.same('SET', 'str', 'v');
    for (const c of [
      ['ZREM', 'str', 'a'],
      ['ZCARD', 'str'],
      ['ZSCORE', 'str', 'a'],
      ['ZMSCORE', 'str', 'a'],
      ['ZRANK', 'str', 'a'],
      ['ZREVRANK', 'str', 'a'],
    ]) {
      await d.same(c);
    }
  });

  it('ZRANGE by rank, score and lex, every option combination', async () => {
    await d.same('ZADD', 'z', '1', 'a', '2', 'b', '2', 'bb', '3', BIN, '4', 'd', '5', 'e', '+inf', 'top', '-inf', 'bottom');
    await d.same('ZADD', 'lex', '0', 'a', '0', 'ab', '0', 'b', '0', BIN, '0', BIN2, '0', '', '0', 'c\x00');
    const ranks = ['0', '1', '-1', '-3', '2', '100', '-100', '7', '8'];
    for (const s of ranks) {
      for (const e of ranks) {
        await d.same('ZRANGE', 'z', s, e);
        await d.same('ZRANGE', 'z', s, e, 'REV', 'WITHSCORES');
        await d.same('ZREVRANGE', 'z', s, e, 'WITHSCORES');
      }
    }
    const bounds = ['-inf', '+inf', '1', '(1', '2', '(2', '5', '(5', '0', 'inf', '(inf', '(-inf', '2.5', '(3'];
    const limits = [[], ['LIMIT', '0', '2'], ['LIMIT', '1', '-1'], ['LIMIT', '-1', '5'], ['LIMIT', '3', '0'], ['LIMIT', '100', '1']];
    for (const min of bounds) {
      for (const max of bounds) {
        await d.same('ZCOUNT', 'z', min, max);
        await d.same('ZRANGEBYSCORE', 'z', min, max, 'WITHSCORES');
        await d.same('ZREVRANGEBYSCORE', 'z', max, min);
      }
    }
    for (const lim of limits) {
      for (const [min, max] of [
        ['-inf', '+inf'],
        ['(1', '5'],
        ['2', '2'],
      ]) {
        await d.same('ZRANGE', 'z', min, max, 'BYSCORE', ...lim);
        await d.same('ZRANGE', 'z', max, min, 'BYSCORE', 'REV', 'WITHSCORES', ...lim);
        await d.same('ZRANGEBYSCORE', 'z', min, max, ...lim, 'WITHSCORES');
        await d.same('ZREVRANGEBYSCORE', 'z', max, min, ...lim);
      }
    }
    const lexBounds = ['-', '+', '[a', '(a', '[b', '(b', '[', '(', `[${BIN}`, `(${BIN2}`, '[c', '[c\x00', '(ab'];
    for (const min of lexBounds) {
      for (const max of lexBounds) {
        await d.same('ZLEXCOUNT', 'lex', min, max);
        await d.same('ZRANGEBYLEX', 'lex', min, max);
        await d.same('ZREVRANGEBYLEX', 'lex', max, min, 'LIMIT', '1', '2');
      }
    }
    for (const lim of limits) {
      await d.same('ZRANGE', 'lex', '-', '+', 'BYLEX', ...lim);
      await d.same('ZRANGE', 'lex', '+', '-', 'BYLEX', 'REV', ...lim);
    }
    // Lex ranges over a listpack with different scores: Redis's linear walk.
    for (const min of ['-', '[b', '(a']) {
      for (const max of ['+', '[d', '(e']) {
        await d.same('ZRANGEBYLEX', 'z', min, max);
        await d.same('ZREVRANGEBYLEX', 'z', max, min);
        await d.same('ZLEXCOUNT', 'z', min, max);
      }
    }
    await d.same('ZRANGE', 'none', '0', '-1');
    await d.same('ZRANGE', 'none', '-', '+', 'BYLEX');
  });

  it('ZRANGE argument errors', async () => {
    await d.same('ZADD', 'z', '1', 'a', '2', 'b');
    await d.same('SET', 'str', 'v');
    for (const c of [
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', 'x', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', 'x', 'BYSCORE'],
      ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYSCORE'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'WITHSCORES', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'junk'],
      ['ZRANGE', 'z', 'a', '1'],
      ['ZRANGE', 'z', '0', '1.5'],
      ['ZRANGE', 'z', '(0', '1'],
      ['ZRANGE', 'z', 'x', '1', 'BYSCORE'],
      ['ZRANGE', 'z', '1', 'nan', 'BYSCORE'],
      ['ZRANGE', 'z', 'a', '+', 'BYLEX'],
      ['ZRANGE', 'z', '-', '++', 'BYLEX'],
      ['ZRANGE', 'str', '0', '1'],
      ['ZRANGE', 'str', 'x', '1'],
      ['ZRANGE', 'str', '0', '1', 'junk'],
      ['ZRANGE', 'z', '0'],
      ['ZREVRANGE', 'z', '0', '1', 'REV'],
      ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZREVRANGE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'LIMIT', '1'],
      ['ZRANGEBYSCORE', 'z', ' 0', ' 1'],
      ['ZRANGEBYSCORE', 'z', '', '('],
      ['ZRANGEBYSCORE', 'z', '0\x00x', '5'],
      ['ZRANGEBYSCORE', 'z', '0x', '5'],
      ['ZRANGEBYSCORE', 'z', '1e', '5'],
      ['ZRANGEBYSCORE', 'z', '-nan', '5'],
      ['ZRANGEBYSCORE', 'z', 'infinity', '-infinity'],
      ['ZRANGEBYSCORE', 'z', '-infinity', 'infinit'],
      ['ZRANGEBYSCORE', 'z', '0x1p-2', '0X1.8P1'],
      ['ZRANGEBYSCORE', 'z', '((1', '2'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'BYLEX'],
      ['ZRANGEBYLEX', 'z', '+\x00', '-\x00x'],
      ['ZRANGEBYLEX', 'z', '', '+'],
      ['ZREVRANGEBYLEX', 'z', '-', '+', 'LIMIT', '0', '-5'],
      ['ZRANGESTORE', 'd', 'z', '0', '1', 'WITHSCORES'],
      ['ZRANGESTORE', 'd', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGESTORE', 'd', 'str', '0', '1'],
      ['ZRANGESTORE', 'd', 'z', 'x', '1'],
      ['ZRANGESTORE', 'd', 'z', '0'],
    ]) {
      await d.same(c);
    }
  });

  it('ZRANGESTORE destinations and encodings', async () => {
    await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await d.same('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '6', 'x'.repeat(70));
    await d.same('ZADD', 'small', '1', 'a', '2', 'b');
    await d.same('SET', 'str', 'v');
    await d.same('EXPIRE', 'str', '1000');
    for (const c of [
      ['d1', 'z', '0', '2'],
      ['d2', 'z', '0', '3'],
      ['d3', 'z', '0', '4'],
      ['d4', 'z', '0', '-1'],
      ['d5', 'z', '-inf', '4', 'BYSCORE'],
      ['d6', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '4'],
      ['d7', 'z', '-inf', '+inf', 'BYSCORE'],
      ['d8', 'z', '+inf', '5', 'BYSCORE', 'REV'],
      ['d9', 'z', '[a', '[c', 'BYLEX'],
      ['d10', 'small', '0', '-1', 'REV'],
      ['str', 'small', '0', '0'],
      ['small', 'small', '1', '1'],
      ['d11', 'none', '0', '-1'],
      ['d1', 'z', '10', '20'],
    ]) {
      await d.same('ZRANGESTORE', ...c);
      await d.same('EXISTS', c[0]);
      await d.same('OBJECT', 'ENCODING', c[0]);
      await d.same('ZRANGE', c[0], '0', '-1', 'WITHSCORES');
      await d.same('TTL', c[0]);
    }
  });

  it('ZREMRANGEBYRANK / BYSCORE / BYLEX', async () => {
    const fill = async (): Promise<void> => {
      await d.same('DEL', 'z', 'lex');
      await d.same('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e');
      await d.same('ZADD', 'lex', '0', 'a', '0', 'b', '0', 'c', '0', BIN, '0', BIN2);
    };
    for (const [s, e] of [
      ['0', '0'],
      ['-1', '-1'],
      ['1', '3'],
      ['3', '1'],
      ['-100', '100'],
      ['5', '10'],
      ['-2', '-4'],
      ['x', '1'],
      ['0', '1.5'],
    ]) {
      await fill();
      await d.same('ZREMRANGEBYRANK', 'z', s, e);
      await d.same('ZRANGE', 'z', '0', '-1');
    }
    for (const [s, e] of [
      ['-inf', '+inf'],
      ['(1', '3'],
      ['2', '(3'],
      ['3', '2'],
      ['x', '1'],
      ['(5', '5'],
    ]) {
      await fill();
      await d.same('ZREMRANGEBYSCORE', 'z', s, e);
      await d.same('ZRANGE', 'z', '0', '-1');
    }
    for (const [s, e] of [
      ['-', '+'],
      ['[b', '(c'],
      ['(a', `[${BIN}`],
      ['+', '-'],
      ['a', '+'],
      ['[c', '[c'],
    ]) {
      await fill();
      await d.same('ZREMRANGEBYLEX', 'lex', s, e);
      await d.same('ZRANGE', 'lex', '0', '-1');
    }
    await d.same('ZREMRANGEBYRANK', 'none', '0', '-1');
    await d.same('ZREMRANGEBYSCORE', 'none', 'x', '1');
    await d.same('ZREMRANGEBYLEX', 'none', '-', '+');
    await d.same('SET', 'str', 'v');
    await d.same('ZREMRANGEBYRANK', 'str', '0', '-1');
    await d.same('ZREMRANGEBYRANK', 'str', 'x', '-1');
  });

  it('ZPOPMIN ZPOPMAX ZMPOP', async () => {
    await d.same('ZADD', 'z', '1', 'a', '2', BIN, '3', 'c', '4', 'd', '5', 'e');
    for (const c of [
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMAX', 'z', '-1'],
      ['ZPOPMAX', 'z', 'x'],
      ['ZPOPMAX', 'z', '1', '2'],
      ['ZPOPMIN', 'none'],
      ['ZPOPMIN', 'none', '0'],
      ['ZPOPMIN', 'none', '-1'],
      ['ZPOPMAX', 'z', '100'],
      ['EXISTS', 'z'],
    ]) {
      await d.same(c);
    }
    await d.same('ZADD', 'z1', '1', 'a', '2', 'b');
    await d.same('ZADD', 'z2', '3', 'c');
    await d.same('SET', 'str', 'v');
    for (const c of [
      ['ZMPOP', '2', 'none', 'z1', 'MIN'],
      ['ZMPOP', '2', 'z1', 'z2', 'max', 'COUNT', '5'],
      ['ZMPOP', '1', 'z1', 'MIN'],
      ['ZMPOP', '3', 'none', 'str', 'z2', 'MIN'],
      ['ZMPOP', '2', 'none', 'z2', 'MIN', 'count', '2'],
      ['ZMPOP', '1', 'none', 'MIN'],
      ['ZMPOP', '0', 'z1', 'MIN'],
      ['ZMPOP', '-1', 'z1', 'MIN'],
      ['ZMPOP', 'x', 'z1', 'MIN'],
      ['ZMPOP', '5', 'z1', 'MIN'],
      ['ZMPOP', '1', 'z1', 'MID'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '-1'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'z1', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'z1', 'MIN', 'junk'],
      ['ZMPOP', '1', 'z1'],
    ]) {
      await d.same(c);
    }
  });

  it('ZUNION ZINTER ZDIFF ZINTERCARD and STORE forms, with sets as inputs', async () => {
    await d.same('ZADD', 'a', '1', 'x', '2', BIN, '3', 'z', '-0', 'n');
    await d.same('ZADD', 'b', '10', BIN, '20', 'z', '30', 'w', '1.5', 'n');
    await d.same('ZADD', 'c', 'inf', 'x', '-inf', 'z', '7', 'q');
    await d.same('SADD', 'si', '1', '2', '3');
    await d.same('SADD', 's', 'x', 'w', 'q', BIN);
    await d.same('ZADD', 'ints', '5', '1', '6', '2');
    await d.same('SET', 'str', 'v');
    const keysets = [
      ['a'],
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b', 'c'],
      ['a', 's'],
      ['s', 'a', 'c'],
      ['si', 'ints'],
      ['a', 'none'],
      ['none', 'none2'],
      ['a', 'a'],
      ['s', 's'],
    ];
    const optsFor = (n: number): string[][] => [
      [],
      ['WITHSCORES'],
      ['WEIGHTS', ...['2', '0.5', '-1', '3'].slice(0, n), 'WITHSCORES'],
      ['AGGREGATE', 'MIN', 'WITHSCORES'],
      ['AGGREGATE', 'max', 'WITHSCORES'],
      ['AGGREGATE', 'SUM', 'WEIGHTS', ...['0', 'inf', '-inf', '1'].slice(0, n), 'WITHSCORES'],
    ];
    for (const keys of keysets) {
      const n = String(keys.length);
      for (const o of optsFor(keys.length)) {
        await d.same('ZUNION', n, ...keys, ...o);
        await d.same('ZINTER', n, ...keys, ...o);
      }
      await d.same('ZDIFF', n, ...keys);
      await d.same('ZDIFF', n, ...keys, 'WITHSCORES');
      await d.same('ZINTERCARD', n, ...keys);
      await d.same('ZINTERCARD', n, ...keys, 'LIMIT', '1');
      for (const cmd of ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']) {
        await d.same(cmd, 'dst', n, ...keys);
        await d.same('ZRANGE', 'dst', '0', '-1', 'WITHSCORES');
        await d.same('OBJECT', 'ENCODING', 'dst');
        await d.same(cmd, 'dst', n, ...keys, ...(cmd === 'ZDIFFSTORE' ? [] : ['AGGREGATE', 'MAX']));
      }
    }
    // The destination may be an input, and any type is overwritten.
    await d.same('ZUNIONSTORE', 'a', '2', 'a', 'b');
    await d.same('ZRANGE', 'a', '0', '-1', 'WITHSCORES');
    await d.same('ZINTERSTORE', 'str', '2', 'a', 'b');
    await d.same('TYPE', 'str');
    await d.same('SET', 'str', 'v');
    for (const c of [
      ['ZUNION', '0', 'a'],
      ['ZUNION', '-1', 'a'],
      ['ZUNION', 'x', 'a'],
      ['ZUNION', '3', 'a', 'b'],
      ['ZUNION', '1', 'str'],
      ['ZUNION', '2', 'a', 'str', 'junk'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'x'],
      ['ZUNION', '2', 'a', 'b', 'WEIGHTS', '1', 'nan'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE'],
      ['ZUNION', '2', 'a', 'b', 'AGGREGATE', 'avg'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES', 'WITHSCORES'],
      ['ZUNION', '2', 'a', 'b', 'junk'],
      ['ZINTER', '0', 'a'],
      ['ZDIFF', '1', 'a', 'WEIGHTS', '1'],
      ['ZDIFF', '1', 'a', 'AGGREGATE', 'MIN'],
      ['ZDIFF', '0', 'a'],
      ['ZINTERCARD', '0', 'a'],
      ['ZINTERCARD', '1', 'a', 'LIMIT'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', '-1'],
      ['ZINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['ZINTERCARD', '1', 'a', 'WITHSCORES'],
      ['ZINTERCARD', '1', 'a', 'WEIGHTS', '1'],
      ['ZINTERCARD', '1', 'str'],
      ['ZUNIONSTORE', 'dst', '0', 'a'],
      ['ZUNIONSTORE', 'dst', '1', 'a', 'WITHSCORES'],
      ['ZUNIONSTORE', 'dst', '2', 'a'],
      ['ZINTERSTORE', 'dst', '1', 'str'],
      ['ZDIFFSTORE', 'dst', '1', 'a', 'WEIGHTS', '1'],
    ]) {
      await d.same(c);
    }
  });

  it('aggregation order follows the inputs sorted by size (stable)', async () => {
    await d.same('ZADD', 'k1', '1e16', 'a');
    await d.same('ZADD', 'k2', '1', 'a');
    await d.same('ZADD', 'k3', '1', 'a');
    await d.same('ZADD', 'k4', '1', 'a', '2', 'b');
    await d.same('SADD', 'k5', 'a');
    for (const keys of [
      ['k1', 'k2', 'k3'],
      ['k2', 'k3', 'k1'],
      ['k2', 'k1', 'k3'],
      ['k4', 'k2', 'k1'],
      ['k5', 'k2', 'k1', 'k3'],
      ['k2', 'k5', 'k3', 'k1', 'k5'],
    ]) {
      await d.same('ZUNION', String(keys.length), ...keys, 'WITHSCORES');
      await d.same('ZINTER', String(keys.length), ...keys, 'WITHSCORES');
    }
  });

  it('ZRANDMEMBER (deterministic cases) and ZSCAN', async () => {
    await d.same('ZADD', 'z', '1', 'a', '2', BIN, '3', 'c');
    for (const c of [
      ['ZRANDMEMBER', 'z', '3'],
      ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '0', 'WITHSCORES'],
      ['ZRANDMEMBER', 'none'],
      ['ZRANDMEMBER', 'none', '1'],
      ['ZRANDMEMBER', 'none', '-5', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1.5'],
      ['ZRANDMEMBER', 'z', '1', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'none', '4611686018427387904', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '9223372036854775808'],
    ]) {
      await d.same(c);
    }
    await d.same(['ZRANDMEMBER', 'z', '-5', 'WITHSCORES'], { typeOnly: true });
    await d.same(['ZRANDMEMBER', 'z', '2'], { typeOnly: true });
    await d.same(['ZRANDMEMBER', 'z'], { typeOnly: true });
    await d.same('SET', 'str', 'v');
    await d.same('ZRANDMEMBER', 'str');
    await d.same('ZRANDMEMBER', 'str', '1');
    await d.same('ZRANDMEMBER', 'str', 'x');
    for (const c of [
      ['ZSCAN', 'z', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', '1'],
      ['ZSCAN', 'z', '0', 'MATCH', '*a*'],
      ['ZSCAN', 'z', '0', 'MATCH', '\xff*'],
      ['ZSCAN', 'z', '0', 'COUNT', '0'],
      ['ZSCAN', 'z', '0', 'COUNT', 'x'],
      ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'z', '0', 'junk'],
      ['ZSCAN', 'z', 'x'],
      ['ZSCAN', 'z', '-1'],
      ['ZSCAN', 'z', '18446744073709551616'],
      ['ZSCAN', 'none', '0', 'junk'],
      ['ZSCAN', 'none', 'x'],
      ['ZSCAN', 'str', '0'],
      ['ZSCAN', 'str', '0', 'junk'],
    ]) {
      await d.same(c);
    }
    // A skiplist: the cursor order differs (hash functions), the walk's content does not.
    const args = ['ZADD', 'big'];
    for (let i = 0; i < 300; i++) args.push(String(i % 7 === 0 ? -i : i / 4), `m${i}`);
    await d.same(args);
    expect(await zscanAll(d.n, 'big')).toEqual(await zscanAll(d.r, 'big'));
    expect(await zscanAll(d.n, 'big', ['MATCH', 'm1*', 'COUNT', '7'])).toEqual(await zscanAll(d.r, 'big', ['MATCH', 'm1*', 'COUNT', '7']));
    await d.same('ZRANDMEMBER', 'big', '300', 'WITHSCORES');
    await d.same('ZRANDMEMBER', 'big', '1000');
  });

  it('encodings and the listpack limits (config aliases too)', async () => {
    await d.same('CONFIG', 'SET', 'zset-max-ziplist-entries', '3');
    await d.same('CONFIG', 'GET', 'zset-max-listpack-entries');
    await d.same('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    await d.same('OBJECT', 'ENCODING', 'z');
    await d.same('ZADD', 'z', '4', 'd');
    await d.same('OBJECT', 'ENCODING', 'z');
    await d.same('ZPOPMIN', 'z', '3');
    await d.same('OBJECT', 'ENCODING', 'z');
    await d.same('CONFIG', 'SET', 'zset-max-ziplist-value', '5');
    await d.same('ZADD', 'v', '1', 'abcde');
    await d.same('OBJECT', 'ENCODING', 'v');
    await d.same('ZADD', 'v', '1', 'abcdef');
    await d.same('OBJECT', 'ENCODING', 'v');
    await d.same('ZADD', 'v2', '1', 'abcdef');
    await d.same('OBJECT', 'ENCODING', 'v2');
    await d.same('ZADD', 'v3', 'XX', '1', 'abcdef');
    await d.same('OBJECT', 'ENCODING', 'v3');
    await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await d.same('ZADD', 'e', '1', 'a');
    await d.same('OBJECT', 'ENCODING', 'e');
    await d.same('ZUNIONSTORE', 'u', '1', 'e');
    await d.same('OBJECT', 'ENCODING', 'u');
    await d.same('ZRANGESTORE', 'r', 'e', '0', '-1');
    await d.same('OBJECT', 'ENCODING', 'r');
    await d.same('COPY', 'z', 'zc');
    await d.same('OBJECT', 'ENCODING', 'zc');
    await d.same('ZRANGE', 'zc', '0', '-1', 'WITHSCORES');
  });

  it('RESP3 reply shapes', async () => {
    await d.both('HELLO', '3');
    try {
      await d.same('ZADD', 'z', '1', 'a', '2.5', BIN, '-0', 'c', 'inf', 'd');
      for (const c of [
        ['ZSCORE', 'z', 'a'],
        ['ZSCORE', 'z', 'nope'],
        ['ZSCORE', 'none', 'a'],
        ['ZMSCORE', 'z', 'a', 'nope', 'd'],
        ['ZINCRBY', 'z', '1', 'a'],
        ['ZADD', 'z', 'INCR', '1', 'a'],
        ['ZADD', 'z', 'NX', 'INCR', '1', 'a'],
        ['ZRANK', 'z', 'nope'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
        ['ZRANGE', 'z', '0', '-1'],
        ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'WITHSCORES', 'LIMIT', '1', '2'],
        ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES'],
        ['ZUNION', '1', 'z', 'WITHSCORES'],
        ['ZINTER', '1', 'z', 'WITHSCORES'],
        ['ZDIFF', '1', 'z', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
        ['ZRANDMEMBER', 'none'],
        ['ZRANDMEMBER', 'none', '2'],
        ['ZSCAN', 'z', '0'],
        ['ZSCAN', 'none', '0'],
        ['ZPOPMIN', 'z'],
        ['ZPOPMIN', 'z', '1'],
        ['ZPOPMAX', 'z', '0'],
        ['ZPOPMIN', 'none'],
        ['ZPOPMIN', 'none', '2'],
        ['ZMPOP', '1', 'z', 'MAX', 'COUNT', '2'],
        ['ZMPOP', '1', 'none', 'MAX'],
        ['ZRANGE', 'none', '0', '-1'],
      ]) {
        await d.same(c);
      }
    } finally {
      await d.both('HELLO', '2');
    }
  });

  it('COMMAND GETKEYS and COMMAND INFO for the family', async () => {
    for (const c of [
      ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['ZINTERSTORE', 'd', '1', 'a'],
      ['ZDIFFSTORE', 'd', '2', 'a', 'b'],
      ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
      ['ZINTER', '1', 'a'],
      ['ZDIFF', '3', 'a', 'b', 'c'],
      ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
      ['ZMPOP', '2', 'a', 'b', 'MIN', 'COUNT', '1'],
      ['ZRANGESTORE', 'd', 's', '0', '1'],
      ['ZADD', 'k', '1', 'm'],
      ['ZUNION', '0', 'a'],
      ['ZUNION', '3', 'a'],
      ['ZUNIONSTORE', 'd', 'x', 'a'],
      ['ZMPOP', '0', 'a', 'MIN'],
    ]) {
      await d.same('COMMAND', 'GETKEYS', ...c);
    }
    const names = 'zadd zincrby zrem zcard zcount zlexcount zscore zmscore zrank zrevrank zrange zrangestore zrevrange zrangebyscore zrevrangebyscore zrangebylex zrevrangebylex zremrangebyrank zremrangebyscore zremrangebylex zpopmin zpopmax zmpop zrandmember zunion zinter zdiff zunionstore zinterstore zdiffstore zintercard zscan';
    for (const n of names.split(' ')) await d.same('COMMAND', 'INFO', n);
  });

  it('a seeded random sequence across both encodings', async () => {
    await d.same('CONFIG', 'SET', 'zset-max-listpack-entries', '16');
    await d.same('CONFIG', 'SET', 'zset-max-listpack-value', '8');
    const r = rng(20240611);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    const scoreKeys = ['k1', 'k2', 'k3'];
    const lexKeys = ['l1', 'l2'];
    const member = (): string => {
      const base = pick(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', BIN, BIN2, '1', '22', '-3', 'x'.repeat(9)]);
      return base + (r() < 0.5 ? String(Math.floor(r() * 12)) : '');
    };
    const score = (): string => pick(['0', '1', '-1', '2.5', '1e3', '-0', 'inf', '-inf', String(Math.floor(r() * 40) - 20), '0.1']);
    const sbound = (): string => pick(['-inf', '+inf', '0', '(0', '1', '(2.5', '10', '-5', '(-inf', '1e3']);
    const lbound = (): string => pick(['-', '+', '[a', '(b', '[c5', `[${BIN}`, '(d', '[', '[h3']);
    const rank = (): string => String(Math.floor(r() * 30) - 15);
    for (let step = 0; step < 1500; step++) {
      const k = pick(scoreKeys);
      const l = pick(lexKeys);
      const op = Math.floor(r() * 22);
      let cmd: string[];
      switch (op) {
        case 0:
        case 1: {
          cmd = ['ZADD', k, ...(r() < 0.3 ? [pick(['NX', 'XX', 'GT', 'LT', 'CH'])] : [])];
          const n = 1 + Math.floor(r() * 6);
          for (let i = 0; i < n; i++) cmd.push(score(), member());
          break;
        }
        case 2: {
          cmd = ['ZADD', l];
          const n = 1 + Math.floor(r() * 6);
          for (let i = 0; i < n; i++) cmd.push('0', member());
          break;
        }
        case 3:
          cmd = ['ZINCRBY', k, score(), member()];
          break;
        case 4:
          cmd = ['ZREM', pick([k, l]), member(), member()];
          break;
        case 5:
          cmd = ['ZRANGE', k, rank(), rank(), ...(r() < 0.5 ? ['REV'] : []), ...(r() < 0.5 ? ['WITHSCORES'] : [])];
          break;
        case 6: {
          const rev = r() < 0.5;
          const [a, b] = [sbound(), sbound()];
          cmd = ['ZRANGE', k, a, b, 'BYSCORE', ...(rev ? ['REV'] : []), 'WITHSCORES'];
          if (r() < 0.5) cmd.push('LIMIT', String(Math.floor(r() * 6) - 1), String(Math.floor(r() * 6) - 1));
          break;
        }
        case 7:
          cmd = ['ZRANGE', l, lbound(), lbound(), 'BYLEX', ...(r() < 0.5 ? ['REV'] : []), 'LIMIT', String(Math.floor(r() * 4)), String(Math.floor(r() * 6) - 1)];
          break;
        case 8:
          cmd = [pick(['ZCOUNT', 'ZREMRANGEBYSCORE']), k, sbound(), sbound()];
          break;
        case 9:
          cmd = [pick(['ZLEXCOUNT', 'ZREMRANGEBYLEX', 'ZRANGEBYLEX', 'ZREVRANGEBYLEX']), l, lbound(), lbound()];
          break;
        case 10:
          cmd = ['ZREMRANGEBYRANK', pick([k, l]), rank(), rank()];
          break;
        case 11:
          cmd = [pick(['ZRANK', 'ZREVRANK', 'ZSCORE']), pick([k, l]), member()];
          break;
        case 12:
          cmd = ['ZMSCORE', k, member(), member(), member()];
          break;
        case 13:
          cmd = [pick(['ZPOPMIN', 'ZPOPMAX']), pick([k, l]), ...(r() < 0.6 ? [String(Math.floor(r() * 4))] : [])];
          break;
        case 14:
          cmd = ['ZMPOP', '3', 'none', k, l, pick(['MIN', 'MAX']), 'COUNT', String(1 + Math.floor(r() * 3))];
          break;
        case 15: {
          const keys = [pick(scoreKeys), pick(scoreKeys), ...(r() < 0.5 ? [pick(scoreKeys)] : [])];
          cmd = [pick(['ZUNION', 'ZINTER']), String(keys.length), ...keys];
          if (r() < 0.5) cmd.push('WEIGHTS', ...keys.map(() => pick(['1', '2', '-1', '0.5', '0'])));
          if (r() < 0.5) cmd.push('AGGREGATE', pick(['SUM', 'MIN', 'MAX']));
          cmd.push('WITHSCORES');
          break;
        }
        case 16: {
          const keys = [k, pick(scoreKeys)];
          cmd = ['ZDIFF', '2', ...keys, 'WITHSCORES'];
          break;
        }
        case 17: {
          const keys = [pick(scoreKeys), pick(scoreKeys)];
          const dst = pick(scoreKeys);
          cmd = [pick(['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), dst, '2', ...keys];
          break;
        }
        case 18:
          cmd = ['ZRANGESTORE', pick(scoreKeys), k, rank(), rank()];
          break;
        case 19:
          cmd = ['ZRANGESTORE', pick(lexKeys), l, lbound(), lbound(), 'BYLEX'];
          break;
        case 20:
          cmd = ['ZINTERCARD', '2', k, pick(scoreKeys), 'LIMIT', String(Math.floor(r() * 3))];
          break;
        default:
          cmd = ['ZRANDMEMBER', pick([k, l]), '1000', 'WITHSCORES'];
          break;
      }
      await d.same(cmd);
      if (step % 50 === 0) {
        for (const key of [...scoreKeys, ...lexKeys]) {
          await d.same('OBJECT', 'ENCODING', key);
          await d.same('ZRANGE', key, '0', '-1', 'WITHSCORES');
        }
      }
    }
  });
});
