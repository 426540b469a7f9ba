import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, type RawClient, type Reply } from '../helpers/resp.js';

warnIfNoRedis('diff/hash');

const BIN = '\xff\x00\xc3';
const BIN2 = 'f\x00\xfe\x80';

function flat(r: Reply): string[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`not an array: ${JSON.stringify(r)}`);
  const out: string[] = [];
  for (const x of r.v) {
    if (x.t === 'bulk' && x.v !== null) out.push(x.v.latin1Slice());
    else if (x.t === 'array') out.push(...flat(x));
    else throw new Error(`unexpected element ${JSON.stringify(x)}`);
  }
  return out;
}

/** A whole HSCAN walk: field -> value, and how many calls it took. */
async function hscanAll(c: RawClient, key: string, extra: string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [r] = parseReply(await c.call('HSCAN', key, cursor, ...extra));
    if (r.t !== 'array' || r.v === null) throw new Error(`bad HSCAN reply ${JSON.stringify(r)}`);
    const [cur, items] = r.v as [Reply, Reply];
    cursor = (cur as { v: Buffer }).v.latin1Slice();
    const f = flat(items);
    for (let i = 0; i < f.length; i += 2) out.set(f[i], f[i + 1]);
    if (++calls > 100000) throw new Error('HSCAN does not terminate');
  } while (cursor !== '0');
  return out;
}

describe.skipIf(!HAVE_REDIS)('differential: hashes', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('CONFIG', 'SET', 'hash-max-listpack-entries', '512');
    await d.same('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  });

  /** HSET the same big hash on both servers (n fields) in one command. */
  async function bigHash(key: string, n: number, prefix = 'f'): Promise<void> {
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(`${prefix}${i}${BIN}`, `v${i}`);
    await d.same('HSET', key, ...args);
  }

  it('HSET, HMSET, HSETNX, HGET, HMGET with binary fields and values', async () => {
    await d.same('HSET', 'h', BIN, BIN2, 'a', '1', BIN2, '');
    await d.same('HSET', 'h', 'a', '2', 'b', '3');
    await d.same('HGET', 'h', BIN);
    await d.same('HGET', 'h', BIN2);
    await d.same('HGET', 'h', 'a');
    await d.same('HGET', 'h', 'nope');
    await d.same('HGET', 'nokey', 'a');
    await d.same('HMGET', 'h', 'a', 'nope', BIN, 'a');
    await d.same('HMGET', 'nokey', 'a', 'b');
    await d.same('HMSET', 'h', 'c', '4', 'a', '5');
    await d.same('HSETNX', 'h', 'a', 'x');
    await d.same('HSETNX', 'h', 'new\x00', 'x');
    await d.same('HSETNX', 'h2', BIN, BIN);
    await d.same('HGETALL', 'h');
    await d.same('HGETALL', 'h2');
    await d.same('HSET', 'h', 'a');
    await d.same('HSET', 'h', 'a', '1', 'b');
    await d.same('HMSET', 'h', 'a', '1', 'b');
    await d.same('HSET', 'h');
    await d.same('HSET', 'h', 'a');
    await d.same('HSETNX', 'h', 'a');
    await d.same('HGET', 'h');
    await d.same('HMGET', 'h');
    await d.same('HSET', 'h', '', '');
    await d.same('HGET', 'h', '');
    await d.same('HSTRLEN', 'h', '');
  });

  it('HDEL, HLEN, HSTRLEN, HEXISTS; the key goes away with its last field', async () => {
    await d.same('HSET', 'h', 'a', '1', 'b', '22', BIN, '-123', 'n', '12345678901234567890');
    await d.same('HLEN', 'h');
    await d.same('HSTRLEN', 'h', 'b');
    await d.same('HSTRLEN', 'h', BIN);
    await d.same('HSTRLEN', 'h', 'n');
    await d.same('HSTRLEN', 'h', 'nope');
    await d.same('HSTRLEN', 'nokey', 'a');
    await d.same('HEXISTS', 'h', BIN);
    await d.same('HEXISTS', 'h', 'x');
    await d.same('HEXISTS', 'nokey', 'x');
    await d.same('HDEL', 'h', 'a', 'a', 'nope');
    await d.same('HDEL', 'nokey', 'a');
    await d.same('HLEN', 'h');
    await d.same('HLEN', 'nokey');
    await d.same('HGETALL', 'h');
    await d.same('HDEL', 'h', 'b', BIN, 'n', 'more');
    await d.same('EXISTS', 'h');
    await d.same('HLEN', 'h');
    await d.same('HDEL', 'h');
  });

  it('HGETALL, HKEYS, HVALS keep listpack order; empty replies for missing keys', async () => {
    await d.same('HSET', 'h', 'z', '1', 'y', '2', BIN, '3', 'a', '4');
    await d.same('HDEL', 'h', 'y');
    await d.same('HSET', 'h', 'y', '5', 'z', '6');
    await d.same('HGETALL', 'h');
    await d.same('HKEYS', 'h');
    await d.same('HVALS', 'h');
    await d.same('HGETALL', 'nokey');
    await d.same('HKEYS', 'nokey');
    await d.same('HVALS', 'nokey');
    await bigHash('big', 600);
    await d.same(['HGETALL', 'big'], { sort: true });
    await d.same(['HKEYS', 'big'], { sort: true });
    await d.same(['HVALS', 'big'], { sort: true });
    await d.same('HLEN', 'big');
  });

  it('HINCRBY', async () => {
    await d.same('HINCRBY', 'h', 'a', '5');
    await d.same('HINCRBY', 'h', 'a', '-12');
    await d.same('HINCRBY', 'h', BIN, '9223372036854775807');
    await d.same('HINCRBY', 'h', BIN, '1');
    await d.same('HINCRBY', 'h', 'm', '-9223372036854775808');
    await d.same('HINCRBY', 'h', 'm', '-1');
    await d.same('HINCRBY', 'h', 'm', '0');
    await d.same('HINCRBY', 'h', 'm', '9223372036854775807');
    await d.same('HINCRBY', 'h', 'a', '9223372036854775808');
    await d.same('HINCRBY', 'h', 'a', 'x');
    await d.same('HINCRBY', 'h', 'a', '1.0');
    await d.same('HINCRBY', 'h', 'a', ' 1');
    await d.same('HINCRBY', 'h', 'a', '');
    for (const v of ['007', ' 1', '1 ', 'abc', '1.5', '', '-0', '+1', '99999999999999999999']) {
      await d.same('HSET', 'h', 'bad', v);
      await d.same('HINCRBY', 'h', 'bad', '1');
    }
    await d.same('HGETALL', 'h');
    await d.same('SET', 'str', 'x');
    await d.same('HINCRBY', 'str', 'a', '1');
    await d.same('HINCRBY', 'nokey2', 'a', 'x');
    await d.same('EXISTS', 'nokey2');
  });

  it('HINCRBYFLOAT with long double arithmetic and formatting', async () => {
    const incrs = ['1.5', '0.1', '0.2', '-3', '1e3', '1E-3', '3.0e2', '-0', '0x10', '.5', '5.', '1e308', '1e308', '-1e308', '123456789012345678901234567890'];
    for (const i of incrs) await d.same('HINCRBYFLOAT', 'h', 'a', i);
    for (const bad of ['inf', '-inf', 'Infinity', 'nan', 'x', '', ' 1', '1 ', '1e5000', '--1', '1,5']) {
      await d.same('HINCRBYFLOAT', 'h', 'a', bad);
    }
    for (const v of ['1', '-7', '9223372036854775807', '1.5e2', ' 1', 'abc', '', '0x1p3', 'inf', '1e4932']) {
      await d.same('HSET', 'h', 'b', v);
      await d.same('HINCRBYFLOAT', 'h', 'b', '1');
      await d.same('HGET', 'h', 'b');
    }
    await d.same('HINCRBYFLOAT', 'h', BIN, '10.50');
    await d.same('HINCRBYFLOAT', 'h', BIN, '-10.5');
    await d.same('HGET', 'h', BIN);
    await d.same('HSET', 'h', 'big', '1.18973149535723176502e+4932');
    await d.same('HINCRBYFLOAT', 'h', 'big', '1.18973149535723176502e+4932');
    await d.same('SET', 'str', 'x');
    await d.same('HINCRBYFLOAT', 'str', 'a', '1');
    await d.same('HINCRBYFLOAT', 'str', 'a', 'x');
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same(['HGETALL', 'h'], { sort: true });
  });

  it('OBJECT ENCODING follows hash-max-listpack-entries and hash-max-listpack-value', async () => {
    await bigHash('h', 512);
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same('HSET', 'h', `f0${BIN}`, 'update');
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same('HSET', 'h', 'one-more', 'x');
    await d.same('OBJECT', 'ENCODING', 'h');
    await d.same('HDEL', 'h', 'one-more', `f1${BIN}`, `f2${BIN}`);
    await d.same('OBJECT', 'ENCODING', 'h');
    const v64 = 'v'.repeat(64);
    const v65 = 'v'.repeat(65);
    await d.same('HSET', 'a', 'f', v64, v64, 'x');
    await d.same('OBJECT', 'ENCODING', 'a');
    await d.same('HSET', 'b', 'f', v65);
    await d.same('OBJECT', 'ENCODING', 'b');
    await d.same('HSET', 'c', v65, 'x');
    await d.same('OBJECT', 'ENCODING', 'c');
    await d.same('HSET', 'd', 'f', '1');
    await d.same('HSETNX', 'd', 'f', v65);
    await d.same('OBJECT', 'ENCODING', 'd');
    await d.same('HSETNX', 'd', 'g', v65);
    await d.same('OBJECT', 'ENCODING', 'd');
    await d.same('HSET', 'e', 'f', '1');
    await d.same('HINCRBY', 'e', v65, '1');
    await d.same('OBJECT', 'ENCODING', 'e');
    await d.same('HSET', 'g', 'f', '1');
    await d.same('HINCRBYFLOAT', 'g', v65, '1.5');
    await d.same('OBJECT', 'ENCODING', 'g');
    // HSET converts before writing when any argument is too long.
    await d.same('HSET', 'i', 'f', '1', 'f', v65, 'f', '2');
    await d.same('OBJECT', 'ENCODING', 'i');
    await d.same('HGETALL', 'i');
    // Limits through the old ziplist names, at runtime.
    await d.same('CONFIG', 'SET', 'hash-max-ziplist-entries', '2');
    await d.same('CONFIG', 'SET', 'hash-max-ziplist-value', '3');
    await d.same('HSET', 'j', 'a', '1', 'b', '2');
    await d.same('OBJECT', 'ENCODING', 'j');
    await d.same('HSET', 'j', 'c', '3');
    await d.same('OBJECT', 'ENCODING', 'j');
    await d.same('HSET', 'k', 'abc', '123');
    await d.same('OBJECT', 'ENCODING', 'k');
    await d.same('HSET', 'k', 'abcd', '1');
    await d.same('OBJECT', 'ENCODING', 'k');
    await d.same('CONFIG', 'SET', 'hash-max-listpack-entries', '0');
    await d.same('HSET', 'l', 'a', '1');
    await d.same('OBJECT', 'ENCODING', 'l');
    // COPY keeps the encoding.
    await d.same('COPY', 'h', 'h-copy');
    await d.same('OBJECT', 'ENCODING', 'h-copy');
    await d.same('COPY', 'a', 'a-copy');
    await d.same('OBJECT', 'ENCODING', 'a-copy');
    await d.same('HGETALL', 'a-copy');
  });

  it('WRONGTYPE on every hash command', async () => {
    await d.same('SET', 's', 'x');
    await d.same('SADD', 'set', 'x');
    for (const k of ['s', 'set']) {
      await d.same('HSET', k, 'a', '1');
      await d.same('HMSET', k, 'a', '1');
      await d.same('HSETNX', k, 'a', '1');
      await d.same('HGET', k, 'a');
      await d.same('HMGET', k, 'a');
      await d.same('HDEL', k, 'a');
      await d.same('HLEN', k);
      await d.same('HSTRLEN', k, 'a');
      await d.same('HEXISTS', k, 'a');
      await d.same('HKEYS', k);
      await d.same('HVALS', k);
      await d.same('HGETALL', k);
      await d.same('HINCRBY', k, 'a', '1');
      await d.same('HINCRBYFLOAT', k, 'a', '1');
      await d.same('HRANDFIELD', k);
      await d.same('HRANDFIELD', k, '0');
      await d.same('HRANDFIELD', k, '-5', 'WITHVALUES');
      await d.same('HSCAN', k, '0');
      await d.same('HSCAN', k, 'x');
    }
    await d.same('HINCRBY', 's', 'a', 'x');
    await d.same('HSET', 's', 'a');
  });

  it('HRANDFIELD: errors, empty cases and whole-hash replies', async () => {
    await d.same('HSET', 'h', 'a', '1', BIN, '2', 'c', '3');
    await d.same('HRANDFIELD', 'nokey');
    await d.same('HRANDFIELD', 'nokey', '5');
    await d.same('HRANDFIELD', 'nokey', '-5', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '0');
    await d.same('HRANDFIELD', 'h', '0', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '3');
    await d.same('HRANDFIELD', 'h', '100', 'withvalues');
    await d.same('HRANDFIELD', 'h', '9223372036854775807');
    await d.same('HRANDFIELD', 'h', '-9223372036854775808');
    await d.same('HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '4611686018427387903', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '9223372036854775808');
    await d.same('HRANDFIELD', 'h', 'x');
    await d.same('HRANDFIELD', 'h', 'x', 'y', 'z');
    await d.same('HRANDFIELD', 'h', '1', 'WITHVALUE');
    await d.same('HRANDFIELD', 'h', '1', 'WITHVALUES', 'x');
    await d.same('HRANDFIELD', 'h', '5', 'WITHVALUES\x00junk');
    await d.same('HRANDFIELD', 'h', '1.5');
    await d.same('HRANDFIELD');
    await bigHash('big', 600);
    await d.same(['HRANDFIELD', 'big', '600'], { sort: true });
    await d.same(['HRANDFIELD', 'big', '1000', 'WITHVALUES'], { sort: true });
  });

  it('HRANDFIELD with counts returns fields of the hash in the right shapes', async () => {
    for (const [key, n] of [
      ['small', 20],
      ['big', 700],
    ] as const) {
      await bigHash(key, n);
      const fields = new Set(Array.from({ length: n }, (_, i) => `f${i}${BIN}`));
      for (const count of [1, 2, 5, 6, Math.floor(n / 3) + 1, n - 1]) {
        for (const wv of [false, true]) {
          const args = ['HRANDFIELD', key, String(count), ...(wv ? ['WITHVALUES'] : [])];
          const [nb, rb] = await d.both(...args);
          const items = [flat(parseReply(nb)[0]), flat(parseReply(rb)[0])];
          for (const got of items) {
            expect(got.length).toBe(wv ? count * 2 : count);
            const fs = wv ? got.filter((_, i) => i % 2 === 0) : got;
            expect(new Set(fs).size).toBe(count);
            for (let i = 0; i < fs.length; i++) {
              expect(fields.has(fs[i])).toBe(true);
              if (wv) expect(got[2 * i + 1]).toBe(`v${fs[i].slice(1, fs[i].length - BIN.length)}`);
            }
          }
          expect(nb[0]).toBe(rb[0]);
        }
        const [nb, rb] = await d.both('HRANDFIELD', key, String(-count * 3), 'WITHVALUES');
        for (const b of [nb, rb]) {
          const got = flat(parseReply(b)[0]);
          expect(got.length).toBe(count * 6);
          for (let i = 0; i < got.length; i += 2) expect(fields.has(got[i])).toBe(true);
        }
      }
      const [one] = parseReply(await d.n.call('HRANDFIELD', key));
      expect(one.t === 'bulk' && one.v !== null && fields.has(one.v.latin1Slice())).toBe(true);
    }
  });

  it('HSCAN: listpack in one call, errors, MATCH, COUNT', async () => {
    await d.same('HSET', 'h', 'alpha', '1', BIN, '2', 'beta', '3', 'al\x00x', '4');
    await d.same('HSCAN', 'h', '0');
    await d.same('HSCAN', 'h', '123');
    await d.same('HSCAN', 'h', '0', 'COUNT', '1');
    await d.same('HSCAN', 'h', '0', 'MATCH', 'al*');
    await d.same('HSCAN', 'h', '0', 'match', '*', 'count', '100');
    await d.same('HSCAN', 'h', '0', 'MATCH', '\xff*');
    await d.same('HSCAN', 'h', '0', 'COUNT', '0');
    await d.same('HSCAN', 'h', '0', 'COUNT', '-1');
    await d.same('HSCAN', 'h', '0', 'COUNT', 'x');
    await d.same('HSCAN', 'h', '0', 'COUNT');
    await d.same('HSCAN', 'h', '0', 'TYPE', 'string');
    await d.same('HSCAN', 'h', '0', 'NOVALUES');
    await d.same('HSCAN', 'h', 'x');
    await d.same('HSCAN', 'h', '-1');
    await d.same('HSCAN', 'h', '18446744073709551616');
    await d.same('HSCAN', 'nokey', '0');
    await d.same('HSCAN', 'nokey', '0', 'COUNT', '0');
    await d.same('HSCAN', 'nokey', 'x');
    await d.same('HSCAN', 'h');
  });

  it('HSCAN over a hashtable returns every field exactly as the hash holds it', async () => {
    await bigHash('big', 1500);
    const all = await hscanAll(d.n, 'big');
    const ref = await hscanAll(d.r, 'big');
    expect(all.size).toBe(1500);
    expect([...all.entries()].sort()).toEqual([...ref.entries()].sort());
    const some = await hscanAll(d.n, 'big', ['MATCH', 'f1*', 'COUNT', '7']);
    const someRef = await hscanAll(d.r, 'big', ['MATCH', 'f1*', 'COUNT', '7']);
    expect([...some.keys()].sort()).toEqual([...someRef.keys()].sort());
  });

  it('RESP3 replies', async () => {
    await d.both('HELLO', '3');
    await d.same('HSET', 'h', 'a', '1', BIN, '2');
    await d.same('HGETALL', 'h');
    await d.same('HGETALL', 'nokey');
    await d.same('HKEYS', 'nokey');
    await d.same('HGET', 'h', 'nope');
    await d.same('HGET', 'nokey', 'a');
    await d.same('HMGET', 'h', 'a', 'nope');
    await d.same('HRANDFIELD', 'nokey');
    await d.same('HRANDFIELD', 'nokey', '3', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '5', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '0', 'WITHVALUES');
    await d.same('HRANDFIELD', 'h', '2');
    await d.same('HINCRBYFLOAT', 'h', 'f', '1.25');
    await d.same('HSCAN', 'h', '0');
    await d.same('HSET', 'one', 'x', 'y');
    await d.same('HRANDFIELD', 'one', '1', 'WITHVALUES');
    await d.same('HRANDFIELD', 'one', '-3', 'WITHVALUES');
    await d.same('HRANDFIELD', 'one', '-2');
    await bigHash('big', 600);
    const [nb, rb] = await d.both('HRANDFIELD', 'big', '-4', 'WITHVALUES');
    for (const b of [nb, rb]) {
      const [r] = parseReply(b);
      expect(r.t === 'array' && r.v !== null && r.v.length === 4).toBe(true);
      for (const p of (r as { v: Reply[] }).v) expect(p.t === 'array' && p.v !== null && p.v.length === 2).toBe(true);
    }
    await d.both('HELLO', '2');
  });
});
