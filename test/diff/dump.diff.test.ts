/**
 * DUMP payloads byte-compared with redis-server 7.0 for every type and
 * encoding, and RESTORE of each server's payloads into the other.
 *
 * Hashtable-encoded sets and hashes are saved in dict order, which depends
 * on each server's hash seed, so for them the payloads are compared by
 * content (through a RESTORE into the other server) instead of bytes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, type RawClient, type Arg, type Reply } from '../helpers/resp.js';

warnIfNoRedis('dump.diff');

function bulk(raw: Buffer): Buffer | null {
  const [r] = parseReply(raw);
  if (r.t !== 'bulk') throw new Error(`expected a bulk reply, got ${raw.latin1Slice()}`);
  return r.v;
}

function flat(r: Reply): string[] {
  if (r.t !== 'array' || r.v === null) throw new Error(`expected an array, got ${JSON.stringify(r)}`);
  return r.v.map((e) => (e.t === 'bulk' && e.v !== null ? e.v.latin1Slice() : JSON.stringify(e)));
}

/** A normalized rendering of a key's type, encoding and content. */
async function contentOf(c: RawClient, key: string): Promise<string> {
  const type = (await c.callStr('TYPE', key)).trim();
  const enc = (await c.callStr('OBJECT', 'ENCODING', key)).trim();
  const ttl = (await c.callStr('PTTL', key)).trim();
  let body: string[];
  switch (type) {
    case '+string':
      body = [bulk(await c.call('GET', key))!.toString('hex')];
      break;
    case '+list':
      body = flat(parseReply(await c.call('LRANGE', key, '0', '-1'))[0]);
      break;
    case '+set':
      body = flat(parseReply(await c.call('SMEMBERS', key))[0]).sort();
      break;
    case '+zset':
      body = flat(parseReply(await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES'))[0]);
      break;
    case '+hash': {
      const kv = flat(parseReply(await c.call('HGETALL', key))[0]);
      const pairs: string[] = [];
      for (let i = 0; i < kv.length; i += 2) pairs.push(JSON.stringify([kv[i], kv[i + 1]]));
      body = pairs.sort();
      break;
    }
    default:
      body = [];
  }
  return JSON.stringify({ type, enc, ttlSet: ttl !== ':-1', body });
}

describe.skipIf(!HAVE_REDIS)('DUMP/RESTORE vs redis-server', () => {
  let d: DiffPair;

  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  });
  afterAll(async () => {
    await d?.close();
  });

  async function run(cmds: Arg[][]): Promise<void> {
    for (const c of cmds) await d.same(c);
  }

  /**
   * Build the same key on both servers, then check: DUMP bytes identical
   * (when `exact`), same encoding, and each server's payload RESTOREd into
   * the other gives the same content and encoding.
   */
  async function check(key: string, cmds: Arg[][], exact = true): Promise<void> {
    await d.same('DEL', key, `${key}:copy`);
    await run(cmds);
    await d.same('OBJECT', 'ENCODING', key);
    const [nraw, rraw] = await d.both('DUMP', key);
    const np = bulk(nraw)!;
    const rp = bulk(rraw)!;
    expect(np, `DUMP ${key}`).not.toBeNull();
    if (exact) expect(np.toString('hex'), `DUMP ${key} bytes`).toBe(rp.toString('hex'));
    else expect(np.length, `DUMP ${key} length`).toBe(rp.length);
    // Cross RESTORE.
    expect((await d.n.call('RESTORE', `${key}:copy`, '0', rp)).latin1Slice()).toBe('+OK\r\n');
    expect((await d.r.call('RESTORE', `${key}:copy`, '0', np)).latin1Slice()).toBe('+OK\r\n');
    const [nc, rc] = [await contentOf(d.n, `${key}:copy`), await contentOf(d.r, `${key}:copy`)];
    expect(nc).toBe(rc);
    // The copy holds the original's elements (encoding and TTL may differ).
    const body = (s: string): string => JSON.stringify(JSON.parse(s).body);
    expect(body(nc)).toBe(body(await contentOf(d.r, key)));
  }

  it('strings: integer encodings, raw, LZF, binary', async () => {
    const values = [
      '',
      '0',
      '-1',
      '127',
      '-128',
      '128',
      '32767',
      '-32769',
      '2147483647',
      '-2147483649',
      '12345678901',
      '9223372036854775807',
      '-9223372036854775808',
      '007',
      '-0',
      '+1',
      '1 ',
      'hello',
      'x'.repeat(20),
      'x'.repeat(21),
      'abcdefghijklmnopqrstuvwxyz0123456789',
      'ab'.repeat(500),
      '\xff\x00\xc3'.repeat(100),
      Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 131 + 7) & 255)).join(''),
    ];
    for (const [i, v] of values.entries()) {
      await check(`s${i}`, [['SET', `s${i}`, Buffer.from(v, 'latin1')]]);
    }
    // In-place mutated (raw) strings and INCRBYFLOAT results.
    await check('sa', [
      ['SET', 'sa', '12'],
      ['APPEND', 'sa', '34'],
    ]);
    await check('sb', [['SETRANGE', 'sb', '30', 'zz']]);
    await check('sc', [['INCRBYFLOAT', 'sc', '3']]);
    await check('sd', [['SETBIT', 'sd', '1000', '1']]);
  });

  it('strings with a TTL keep no TTL in the payload', async () => {
    await check('st', [['SET', 'st', 'v', 'EX', '1000']]);
  });

  it('lists: listpack entry encodings in one node', async () => {
    const ints = ['0', '127', '128', '-1', '4095', '-4096', '4096', '32767', '-32768', '32768', '8388607', '-8388608', '8388608'];
    const more = ['2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808'];
    await check('l1', [['RPUSH', 'l1', ...ints, ...more]]);
    await check('l2', [['RPUSH', 'l2', 'a', 'x'.repeat(63), 'y'.repeat(64), '\xff\x00', '01', '-0', '']]);
    await check('l3', [['RPUSH', 'l3', 'z'.repeat(4095), 'w'.repeat(4096)]]);
    await check('l4', [['LPUSH', 'l4', 'c', 'b', 'a', '1', '2']]);
  });

  it('lists: several quicklist nodes', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `element-${i}`);
    await check('l5', [['RPUSH', 'l5', ...many]]);
    const big = Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(700, String.fromCharCode(97 + (i % 26))));
    await check('l6', [['RPUSH', 'l6', ...big]]);
    const nums = Array.from({ length: 5000 }, (_, i) => String(i * 7919));
    await check('l7', [['RPUSH', 'l7', ...nums]]);
  });

  it('lists: count-limited nodes and compressed interior nodes', async () => {
    await run([
      ['CONFIG', 'SET', 'list-max-listpack-size', '5'],
      ['CONFIG', 'SET', 'list-compress-depth', '1'],
    ]);
    try {
      await check('l8', [['RPUSH', 'l8', ...Array.from({ length: 23 }, (_, i) => `v${i}`)]]);
      const rep = Array.from({ length: 50 }, (_, i) => 'repetitive-'.repeat(3) + String(i % 3));
      await check('l9', [['RPUSH', 'l9', ...rep]]);
      await run([['CONFIG', 'SET', 'list-max-listpack-size', '-1']]);
      const words = Array.from({ length: 2000 }, (_, i) => `word${i % 17}-${i % 5}`);
      await check('l10', [['RPUSH', 'l10', ...words]]);
    } finally {
      await run([
        ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
        ['CONFIG', 'SET', 'list-compress-depth', '0'],
      ]);
    }
  });

  it('lists: elements over quicklist-packed-threshold get PLAIN nodes', async () => {
    await d.same('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100');
    try {
      await check('lp1', [['RPUSH', 'lp1', 'small', 'p'.repeat(100), 'x', 'y', 'q'.repeat(150), 'r'.repeat(99)]]);
      await check('lp2', [['RPUSH', 'lp2', 'z'.repeat(200)]]);
      await d.same('CONFIG', 'SET', 'list-compress-depth', '1');
      try {
        await check('lp3', [['RPUSH', 'lp3', 'a', 'b'.repeat(300), 'c'.repeat(120), 'noise\xff'.repeat(30), 'd']]);
      } finally {
        await d.same('CONFIG', 'SET', 'list-compress-depth', '0');
      }
      await d.same('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb');
      await d.same('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc');
      await d.same('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '-1');
    } finally {
      await d.same('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0');
    }
  });

  it('sets: intset widths and hashtable', async () => {
    await check('i16', [['SADD', 'i16', '5', '-3', '100', '32767', '-32768']]);
    await check('i32', [['SADD', 'i32', '5', '-70000', '2147483647']]);
    await check('i64', [['SADD', 'i64', '1', '-9223372036854775808', '9223372036854775807', '4294967296']]);
    // Intsets keep their widest encoding after the wide members go.
    await check('iw', [
      ['SADD', 'iw', '1', '2', '9223372036854775807', '70000'],
      ['SREM', 'iw', '9223372036854775807', '70000'],
    ]);
    await check('iw2', [
      ['SADD', 'iw2', '1', '70000'],
      ['SREM', 'iw2', '70000'],
      ['SADD', 'iw2', '5'],
    ]);
    await check('hs', [['SADD', 'hs', 'a', 'b', '\xff\x00\xc3', '1', '2']], false);
    await check('hsbig', [['SADD', 'hsbig', ...Array.from({ length: 600 }, (_, i) => String(i))]], false);
  });

  it('hashes: listpack and hashtable', async () => {
    await check('h1', [['HSET', 'h1', 'f', 'v', 'n', '123', 'neg', '-5000', 'big', '9223372036854775807', 'bin', '\xff\x00']]);
    await check('h2', [
      ['HSET', 'h2', 'a', '1', 'b', '2', 'c', '3'],
      ['HDEL', 'h2', 'b'],
      ['HSET', 'h2', 'a', 'updated'],
    ]);
    await check('h3', [['HSET', 'h3', 'long', 'v'.repeat(65)]], false);
    const pairs = Array.from({ length: 200 }, (_, i) => [`field${i}`, `value${i}`]).flat();
    await check('h4', [['HSET', 'h4', ...pairs]], false);
    // A listpack long enough for LZF.
    await check('h5', [['HSET', 'h5', 'aaaa', 'x'.repeat(60), 'bbbb', 'x'.repeat(60)]]);
  });

  it('sorted sets: listpack and skiplist', async () => {
    await check('z1', [['ZADD', 'z1', '1', 'a', '2.5', 'b', '-3', 'c', '0', 'd', '1e20', 'e', 'inf', 'f', '-inf', 'g', '4611686018427387904', 'h']]);
    await check('z2', [['ZADD', 'z2', '-0', 'x', '0.1', 'y', '123456789012', 'z', '3.14159265358979', '\xff']]);
    const many = Array.from({ length: 200 }, (_, i) => [String(i % 13 === 0 ? i / 7 : i), `m${i}`]).flat();
    await check('z3', [['ZADD', 'z3', ...many]]);
    await check('z4', [['ZADD', 'z4', '1', 'k'.repeat(65), '2', 'short']]);
    await check('z5', [
      ['ZADD', 'z5', '0.30000000000000004', 'a', '1e-300', 'b', '-1.5e300', 'c', '-1234.5678', 'd', '5e-324', 'e'],
      ['ZADD', 'z5', '4611686018427387905', 'f', '-4611686018427387904', 'g', '9007199254740993', 'h', '1e19', 'i'],
      ['ZINCRBY', 'z5', '0.1', 'a'],
    ]);
  });

  it('rdbcompression no stores long strings verbatim', async () => {
    await run([['CONFIG', 'SET', 'rdbcompression', 'no']]);
    try {
      await check('nc1', [['SET', 'nc1', 'a'.repeat(200)]]);
      await check('nc2', [['HSET', 'nc2', 'aaaa', 'x'.repeat(60)]]);
    } finally {
      await run([['CONFIG', 'SET', 'rdbcompression', 'yes']]);
    }
  });

  it('RESTORE errors and their order match', async () => {
    await d.same('SET', 'ek', 'v');
    const [np] = await d.both('DUMP', 'ek');
    const p = bulk(np)!;
    const cases: Arg[][] = [
      ['RESTORE', 'ek', '0', '...', 'bad-option'],
      ['RESTORE', 'ek', '0', '...', 'IDLETIME'],
      ['RESTORE', 'ek', '0', '...', 'IDLETIME', 'x'],
      ['RESTORE', 'ek', '0', '...', 'IDLETIME', '-1'],
      ['RESTORE', 'ek', '0', '...', 'FREQ', '256'],
      ['RESTORE', 'ek', '0', '...', 'IDLETIME', '1', 'FREQ', '1'],
      ['RESTORE', 'ek', '0', '...', 'REPLACE', 'ABSTTL', 'FREQ', '1', 'IDLETIME', '1'],
      ['RESTORE', 'ek', '0', '...'],
      ['RESTORE', 'ek', 'x', '...'],
      ['RESTORE', 'en', 'x', '...'],
      ['RESTORE', 'en', '-1', '...'],
      ['RESTORE', 'en', '0', '...'],
      ['RESTORE', 'en', '0', ''],
      ['RESTORE', 'en', '0', Buffer.concat([Buffer.from([0x08]), p.subarray(1)])],
      ['RESTORE', 'en', '0', p, 'REPLACE', 'ABSTTL'],
      ['RESTORE', 'ek', '0', p, 'REPLACE', 'IDLETIME', '10'],
      ['RESTORE', 'en', '9223372036854775807', p, 'REPLACE', 'ABSTTL'],
      ['RESTORE', 'en', '1', p, 'REPLACE', 'ABSTTL'],
      ['EXISTS', 'en'],
      ['RESTORE'],
      ['RESTORE', 'a', '0'],
      ['DUMP'],
      ['DUMP', 'a', 'b'],
    ];
    for (const cmd of cases) await d.same(cmd);
    // A payload whose CRC is correct but whose value is garbage.
    await d.same('RESTORE', 'en', '0', Buffer.from('0003616263', 'hex'));
  });

  it('DUMP of a missing key is a null bulk', async () => {
    await d.same('DUMP', 'no-such-key');
  });
});
