import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import { parseReply, type RawClient, type Reply } from '../helpers/resp.js';

warnIfNoRedis('diff/keys');

const BIN1 = '\xff\x00\xc3';
const BIN2 = 'k\x00\xfe\x80';

/** Walk a whole SCAN on one server; returns every key returned (sorted, with repeats). */
async function scanAll(c: RawClient, extra: string[]): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [r] = parseReply(await c.call('SCAN', cursor, ...extra));
    if (r.t !== 'array' || r.v === null) throw new Error(`bad SCAN reply ${JSON.stringify(r)}`);
    const [cur, keys] = r.v as [Reply, Reply];
    if (cur.t !== 'bulk' || cur.v === null || keys.t !== 'array' || keys.v === null) throw new Error('bad SCAN reply');
    cursor = cur.v.latin1Slice();
    for (const k of keys.v) out.push((k as { v: Buffer }).v.latin1Slice());
    if (++calls > 100000) throw new Error('SCAN does not terminate');
  } while (cursor !== '0');
  return out.sort();
}

describe.skipIf(!HAVE_REDIS)('differential: generic keyspace commands', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(['--enable-debug-command', 'yes'], { 'enable-debug-command': 'yes' });
  });
  afterAll(async () => {
    await d?.close();
  });
  beforeEach(async () => {
    await d.same('FLUSHALL');
    await d.same('SELECT', '0');
  });

  it('DEL, UNLINK, EXISTS, TYPE, DBSIZE on binary keys', async () => {
    await d.same('SET', BIN1, 'v');
    await d.same('SET', BIN2, '12');
    await d.same('SET', 'plain', 'x');
    await d.same('DBSIZE');
    await d.same('EXISTS', BIN1, BIN1, 'nope', BIN2);
    await d.same('TYPE', BIN1);
    await d.same('TYPE', 'nope');
    await d.same('DEL', BIN1, BIN1, 'nope');
    await d.same('EXISTS', BIN1);
    await d.same('UNLINK', BIN2, 'plain', 'nope');
    await d.same('DBSIZE');
    await d.same('DEL');
    await d.same('UNLINK');
    await d.same('EXISTS');
    await d.same('TYPE');
    await d.same('TYPE', 'a', 'b');
    await d.same('DBSIZE', 'x');
  });

  it('KEYS with patterns over binary keys', async () => {
    const keys = ['', 'a', 'ab', 'abc', 'b', 'hello', 'hallo', 'hxllo', 'h[llo', 'a*b', 'a\\b', BIN1, BIN2, '\x00', 'A', 'é', '-', ']'];
    for (const k of keys) await d.same('SET', k, '1');
    const patterns = ['*', '**', '?', 'a*', '*b', 'h?llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\[llo', 'a\\*b', 'a\\\\b', '\xff*', '*\x00*',
      '[', '[^', '[a-', '[a-]', '\\', '[\\]]', '[]', '', '\xc3*', '[\x80-\xff]*', '[a-\xff]', '*[', 'A', '[A-Z]', '???'];
    for (const p of patterns) await d.same(['KEYS', p], { sort: true });
    await d.same('KEYS');
    await d.same('KEYS', 'a', 'b');
  });

  it('KEYS agrees with Redis on random glob patterns', async () => {
    const keys = ['', 'a', 'b', 'ab', 'ba', 'aab', 'a-b', 'a]b', 'a^', '\\', 'a\\', '\xff', '\x00a', 'A', 'B', '[', ']', '-a', 'abab'];
    for (const k of keys) await d.same('SET', k, '1');
    const alphabet = ['a', 'b', '*', '?', '[', ']', '^', '-', '\\', '\xff', '\x00', 'A'];
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 400; i++) {
      let p = '';
      const len = rnd(8);
      for (let j = 0; j < len; j++) p += alphabet[rnd(alphabet.length)];
      await d.same(['KEYS', p], { sort: true });
    }
  });

  it('SCAN argument errors and cursor parsing', async () => {
    await d.same('SCAN', '0');
    await d.same('SCAN', '');
    await d.same('SCAN', '+0');
    await d.same('SCAN', '-0');
    await d.same('SCAN', '0\x00junk');
    for (const bad of [' 0', '0 ', '+', '-', 'abc', '0x10', '1.5', '18446744073709551616', '-18446744073709551616', '\t1', '99999999999999999999999']) {
      await d.same('SCAN', bad);
    }
    await d.same('SCAN', 'abc', 'COUNT', '0');
    await d.same('SCAN', '0', 'COUNT', '0');
    await d.same('SCAN', '0', 'COUNT', '-1');
    await d.same('SCAN', '0', 'COUNT', 'x');
    await d.same('SCAN', '0', 'COUNT');
    await d.same('SCAN', '0', 'MATCH');
    await d.same('SCAN', '0', 'TYPE');
    await d.same('SCAN', '0', 'FOO', 'bar');
    await d.same('SCAN', '0', 'count', '5', 'match', '*', 'type', 'string');
    await d.same('SCAN', '0', 'COUNT', '1', 'COUNT', '0');
    await d.same('SCAN');
  });

  it('SCAN returns the same keys as Redis with MATCH, COUNT and TYPE', async () => {
    for (let i = 0; i < 300; i++) await d.same('SET', `key:${i}\xff`, String(i));
    await d.same('SET', BIN1, 'x');
    for (const extra of [[], ['COUNT', '1'], ['COUNT', '7'], ['COUNT', '1000'], ['MATCH', 'key:1*'], ['MATCH', '*'], ['MATCH', '\xff*'],
      ['TYPE', 'string'], ['TYPE', 'STRING'], ['TYPE', 'list'], ['TYPE', 'none'], ['TYPE', 'string\x00x'], ['MATCH', 'key:2?\xff', 'COUNT', '3', 'TYPE', 'string']]) {
      const [a, b] = await Promise.all([scanAll(d.n, extra), scanAll(d.r, extra)]);
      expect(a, `SCAN ${extra.join(' ')}`).toEqual(b);
    }
  });

  it('SCAN skips logically expired keys', async () => {
    // Keep the active expire cycle of either server from deleting keys first.
    await d.same('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    for (let i = 0; i < 50; i++) await d.same('SET', `e${i}`, 'v', 'PX', '1');
    for (let i = 0; i < 50; i++) await d.same('SET', `p${i}`, 'v');
    await new Promise((r) => setTimeout(r, 20));
    const [a, b] = await Promise.all([scanAll(d.n, ['COUNT', '1000']), scanAll(d.r, ['COUNT', '1000'])]);
    expect(a).toEqual(b);
    expect(a.length).toBe(50);
    await d.same(['KEYS', '*'], { sort: true });
    // TYPE looks each key up first (deleting it if expired), so with TYPE none
    // Redis returns the names of the expired keys it just deleted.
    for (let i = 0; i < 20; i++) await d.same('SET', `n${i}`, 'v', 'PX', '1');
    await new Promise((r) => setTimeout(r, 20));
    const [x, y] = await Promise.all([scanAll(d.n, ['COUNT', '1000', 'TYPE', 'none']), scanAll(d.r, ['COUNT', '1000', 'TYPE', 'none'])]);
    expect(x).toEqual(y);
    expect(x.length).toBe(20);
    await d.same('DBSIZE');
    await d.same('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  });

  it('RANDOMKEY', async () => {
    await d.same('RANDOMKEY');
    await d.same('SET', BIN1, 'v');
    await d.same('RANDOMKEY');
    await d.same('RANDOMKEY', 'x');
  });

  it('RENAME and RENAMENX', async () => {
    await d.same('RENAME', 'nope', 'x');
    await d.same('RENAMENX', 'nope', 'x');
    await d.same('RENAME', 'nope', 'nope');
    await d.same('SET', BIN1, 'v1');
    await d.same('RENAME', BIN1, BIN1);
    await d.same('RENAMENX', BIN1, BIN1);
    await d.same('RENAME', BIN1, BIN2);
    await d.same('GET', BIN2);
    await d.same('EXISTS', BIN1);
    await d.same('SET', 'other', 'v2');
    await d.same('RENAMENX', BIN2, 'other');
    await d.same('RENAME', BIN2, 'other');
    await d.same('GET', 'other');
    await d.same('SET', 'ttl', 'v', 'EX', '100');
    await d.same('RENAME', 'ttl', 'ttl2');
    await d.same(['PTTL', 'ttl2'], { approx: 200 });
    await d.same('SET', 'ttl3', 'v');
    await d.same('RENAME', 'ttl3', 'ttl2');
    await d.same('TTL', 'ttl2');
    await d.same('RENAME', 'a');
    await d.same('RENAMENX', 'a', 'b', 'c');
  });

  it('COPY with DB and REPLACE', async () => {
    await d.same('COPY', 'nope', 'x');
    await d.same('SET', BIN1, 'v1');
    await d.same('COPY', BIN1, BIN1);
    await d.same('COPY', BIN1, BIN1, 'DB', '0');
    await d.same('COPY', BIN1, BIN1, 'DB', '1');
    await d.same('COPY', BIN1, BIN2);
    await d.same('COPY', BIN1, BIN2);
    await d.same('SET', BIN1, 'changed');
    await d.same('COPY', BIN1, BIN2, 'REPLACE');
    await d.same('GET', BIN2);
    await d.same('COPY', BIN1, 'x', 'DB');
    await d.same('COPY', BIN1, 'x', 'DB', 'abc');
    await d.same('COPY', BIN1, 'x', 'DB', '16');
    await d.same('COPY', BIN1, 'x', 'DB', '-1');
    await d.same('COPY', BIN1, 'x', 'DB', '99999999999');
    await d.same('COPY', BIN1, 'x', 'FOO');
    await d.same('COPY', BIN1, 'x', 'replace', 'db', '3', 'REPLACE');
    await d.same('SELECT', '3');
    await d.same('GET', 'x');
    await d.same('SELECT', '0');
    await d.same('SET', 'ttl', '42', 'PX', '100000');
    await d.same('COPY', 'ttl', 'ttlcopy', 'DB', '2');
    await d.same('SELECT', '2');
    await d.same(['PTTL', 'ttlcopy'], { approx: 200 });
    await d.same('OBJECT', 'ENCODING', 'ttlcopy');
    await d.same('SELECT', '0');
    await d.same('COPY', 'a');
  });

  it('MOVE', async () => {
    await d.same('MOVE', 'nope', '1');
    await d.same('MOVE', 'nope', '0');
    await d.same('MOVE', 'nope', 'x');
    await d.same('MOVE', 'nope', '16');
    await d.same('MOVE', 'nope', '-1');
    await d.same('SET', BIN1, 'v');
    await d.same('MOVE', BIN1, '0');
    await d.same('MOVE', BIN1, '1');
    await d.same('EXISTS', BIN1);
    await d.same('SET', BIN1, 'again');
    await d.same('MOVE', BIN1, '1');
    await d.same('SELECT', '1');
    await d.same('GET', BIN1);
    await d.same('SET', 'ttl', 'v', 'EX', '50');
    await d.same('MOVE', 'ttl', '5');
    await d.same('SELECT', '5');
    await d.same(['TTL', 'ttl'], { approx: 1 });
    await d.same('MOVE', 'a');
  });

  it('SWAPDB', async () => {
    await d.same('SET', 'a', 'db0');
    await d.same('SELECT', '1');
    await d.same('SET', 'b', 'db1');
    await d.same('SWAPDB', '0', '1');
    await d.same('GET', 'a');
    await d.same('GET', 'b');
    await d.same('SWAPDB', '1', '1');
    await d.same('SWAPDB', 'x', '1');
    await d.same('SWAPDB', '1', 'x');
    await d.same('SWAPDB', 'x', 'y');
    await d.same('SWAPDB', '0', '16');
    await d.same('SWAPDB', '-1', '0');
    await d.same('SWAPDB', '99999999999', '0');
    await d.same('SWAPDB', '0');
    await d.same('DBSIZE');
  });

  it('FLUSHDB and FLUSHALL options', async () => {
    await d.same('SET', 'a', '1');
    await d.same('SELECT', '2');
    await d.same('SET', 'b', '1');
    await d.same('FLUSHDB', 'FOO');
    await d.same('FLUSHDB', 'ASYNC', 'SYNC');
    await d.same('FLUSHDB', 'async');
    await d.same('DBSIZE');
    await d.same('SELECT', '0');
    await d.same('DBSIZE');
    await d.same('FLUSHDB', 'SYNC');
    await d.same('DBSIZE');
    await d.same('SET', 'c', '1');
    await d.same('FLUSHALL', 'BAR');
    await d.same('FLUSHALL', 'SYNC', 'x');
    await d.same('FLUSHALL', 'ASYNC');
    await d.same('DBSIZE');
    await d.same('FLUSHALL', 'sync');
    await d.same('FLUSHALL');
    await d.same('FLUSHDB');
  });

  it('OBJECT subcommands on strings', async () => {
    await d.same('OBJECT');
    await d.same('OBJECT', 'HELP');
    await d.same('OBJECT', 'help', 'extra');
    await d.same('OBJECT', 'ENCODING');
    await d.same('OBJECT', 'ENCODING', 'a', 'b');
    await d.same('OBJECT', 'FOO', 'x');
    await d.same('OBJECT', 'ENCODING', 'nope');
    await d.same('OBJECT', 'REFCOUNT', 'nope');
    await d.same('OBJECT', 'IDLETIME', 'nope');
    await d.same('OBJECT', 'FREQ', 'nope');
    const values: [string, string][] = [
      ['int0', '0'], ['int5', '5'], ['int9999', '9999'], ['int10000', '10000'], ['neg', '-1'], ['big', '9223372036854775807'],
      ['toobig', '9223372036854775808'], ['lead0', '01'], ['plus', '+1'], ['short', 'abc'], ['e44', 'x'.repeat(44)], ['r45', 'x'.repeat(45)],
      ['bin', BIN1],
    ];
    for (const [k, v] of values) {
      await d.same('SET', k, v);
      await d.same('OBJECT', 'ENCODING', k);
      await d.same('OBJECT', 'REFCOUNT', k);
      // The LRU clock ticks in whole seconds, read at slightly different times.
      // Redis reports the idle time of its shared integer objects 0..9999,
      // which every key holding that number touches: Nodis keeps it per key.
      if (!/^(0|[1-9]\d{0,3})$/.test(v)) await d.same(['OBJECT', 'IDLETIME', k], { approx: 1 });
      await d.same('OBJECT', 'FREQ', k);
    }
    await d.same('APPEND', 'int5', '1');
    await d.same('OBJECT', 'ENCODING', 'int5');
    await d.same('OBJECT', 'REFCOUNT', 'int5');
    await d.same('INCR', 'int0');
    await d.same('OBJECT', 'ENCODING', 'int0');
    await d.same('OBJECT', 'REFCOUNT', 'int0');
  });

  it('OBJECT under an LFU policy, and REFCOUNT with maxmemory', async () => {
    await d.same('SET', 'k', 'v');
    await d.same('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    await d.same('OBJECT', 'IDLETIME', 'k');
    await d.same('OBJECT', 'FREQ', 'nope');
    await d.same('SET', 'k2', '7');
    await d.same('OBJECT', 'REFCOUNT', 'k2');
    await d.same('CONFIG', 'SET', 'maxmemory', '1gb');
    // Integers stored while an LRU/LFU policy limits memory are private.
    await d.same('SET', 'k3', '7');
    await d.same('OBJECT', 'REFCOUNT', 'k3');
    await d.same('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    await d.same('CONFIG', 'SET', 'maxmemory', '0');
  });
});
