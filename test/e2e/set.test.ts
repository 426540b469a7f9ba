import { describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { observedServer } from '../helpers/observe.js';
import { RawClient, parseReply, type Reply } from '../helpers/resp.js';

const BIN = '\xff\x00\xc3';
const BIN2 = 'm\x00\xfe\x80';
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';

const t = observedServer({ 'notify-keyspace-events': 'KEA' }, async (t) => {
  await t.c.call('HELLO', '2');
  t.srv.server.config.set('set-max-intset-entries', '512');
});

const b = (s: string) => Buffer.from(s, 'latin1');
const str = async (...args: string[]) => (await t.c.call(...args)).latin1Slice();

function strings(rep: Reply): string[] {
  return (rep as { v: { v: Buffer }[] }).v.map((x) => x.v.latin1Slice());
}

async function members(...args: string[]): Promise<string[]> {
  return strings(parseReply(await t.c.call(...args))[0]);
}

describe('set commands through ioredis', () => {
  it('SADD/SREM/SMEMBERS/SISMEMBER with binary members', async () => {
    expect(await t.r.sadd(b('s' + BIN), b(BIN), b(BIN2), b(BIN))).toBe(2);
    expect(await t.r.sismember(b('s' + BIN), b(BIN))).toBe(1);
    expect(await t.r.sismember(b('s' + BIN), b(BIN + '\x00'))).toBe(0);
    expect(await t.r.smismember(b('s' + BIN), b(BIN), 'x', b(BIN2))).toEqual([1, 0, 1]);
    expect((await t.r.smembersBuffer(b('s' + BIN))).map((x) => x.latin1Slice()).sort()).toEqual([BIN, BIN2].sort());
    expect(await t.r.scard(b('s' + BIN))).toBe(2);
    expect(await t.r.srem(b('s' + BIN), b(BIN), b(BIN), 'x')).toBe(1);
    expect(await t.r.srem(b('s' + BIN), b(BIN2))).toBe(1);
    expect(await t.r.exists(b('s' + BIN))).toBe(0);
  });

  it('set algebra', async () => {
    await t.r.sadd('a', '1', '2', '3', 'x');
    await t.r.sadd('b', '2', '3', '4', 'x');
    expect((await t.r.sinter('a', 'b')).sort()).toEqual(['2', '3', 'x']);
    expect((await t.r.sunion('a', 'b')).sort()).toEqual(['1', '2', '3', '4', 'x']);
    expect(await t.r.sdiff('a', 'b')).toEqual(['1']);
    expect(await t.r.sintercard(2, 'a', 'b')).toBe(3);
    expect(await t.r.sintercard(2, 'a', 'b', 'LIMIT', 2)).toBe(2);
    expect(await t.r.sinterstore('d', 'a', 'b')).toBe(3);
    expect(await t.r.sunionstore('d', 'a', 'b')).toBe(5);
    expect(await t.r.sdiffstore('d', 'b', 'a')).toBe(1);
    expect(await t.r.smembers('d')).toEqual(['4']);
    expect(await t.r.smove('a', 'd', '1')).toBe(1);
    expect(await t.r.smembers('d')).toEqual(['1', '4']);
  });
});

describe('set errors (raw replies)', () => {
  it('arity', async () => {
    for (const [cmd, n] of [
      ['SADD', 2],
      ['SREM', 2],
      ['SMOVE', 3],
      ['SISMEMBER', 2],
      ['SMISMEMBER', 2],
      ['SCARD', 1],
      ['SPOP', 1],
      ['SRANDMEMBER', 1],
      ['SINTER', 1],
      ['SINTERCARD', 2],
      ['SINTERSTORE', 2],
      ['SUNION', 1],
      ['SUNIONSTORE', 2],
      ['SDIFF', 1],
      ['SDIFFSTORE', 2],
      ['SMEMBERS', 1],
      ['SSCAN', 2],
    ] as const) {
      const args = [cmd, ...Array.from({ length: n - 1 }, () => 'k')];
      expect(await str(...args)).toBe(`-ERR wrong number of arguments for '${cmd.toLowerCase()}' command\r\n`);
    }
    expect(await str('SMEMBERS', 'a', 'b')).toBe("-ERR wrong number of arguments for 'smembers' command\r\n");
    expect(await str('SCARD', 'a', 'b')).toBe("-ERR wrong number of arguments for 'scard' command\r\n");
  });

  it('WRONGTYPE for every command, also with binary key names', async () => {
    await t.c.call('SET', BIN, 'x');
    await t.c.call('SADD', 'ok', 'a');
    const cmds: string[][] = [
      ['SADD', BIN, 'a'],
      ['SREM', BIN, 'a'],
      ['SCARD', BIN],
      ['SISMEMBER', BIN, 'a'],
      ['SMISMEMBER', BIN, 'a'],
      ['SMEMBERS', BIN],
      ['SPOP', BIN],
      ['SPOP', BIN, '2'],
      ['SRANDMEMBER', BIN],
      ['SRANDMEMBER', BIN, '-2'],
      ['SINTER', 'nokey', BIN],
      ['SINTERCARD', '2', 'ok', BIN],
      ['SINTERSTORE', 'dst', 'ok', BIN],
      ['SUNION', 'ok', BIN],
      ['SUNIONSTORE', 'dst', BIN],
      ['SDIFF', 'nokey', BIN],
      ['SDIFFSTORE', 'dst', 'ok', BIN],
      ['SMOVE', BIN, 'ok', 'a'],
      ['SMOVE', 'ok', BIN, 'a'],
      ['SSCAN', BIN, '0'],
    ];
    for (const cmd of cmds) expect(await str(...cmd), cmd.join(' ')).toBe(WRONGTYPE);
    // A missing source makes SMOVE answer 0 before looking at the destination.
    expect(await str('SMOVE', 'nokey', BIN, 'a')).toBe(':0\r\n');
    expect(await str('EXISTS', 'dst')).toBe(':0\r\n');
    expect(await str('SMEMBERS', 'ok')).toBe('*1\r\n$1\r\na\r\n');
  });

  it('numeric argument errors', async () => {
    await t.c.call('SADD', 's', 'a', 'b');
    expect(await str('SPOP', 's', '-1')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(await str('SPOP', 's', 'x')).toBe('-ERR value is out of range, must be positive\r\n');
    expect(await str('SPOP', 's', '1', '2')).toBe('-ERR syntax error\r\n');
    expect(await str('SRANDMEMBER', 's', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await str('SRANDMEMBER', 's', '-9223372036854775808')).toBe(
      '-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n',
    );
    expect(await str('SRANDMEMBER', 's', '1', '2')).toBe('-ERR syntax error\r\n');
    expect(await str('SINTERCARD', '0', 's')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await str('SINTERCARD', 'x', 's')).toBe('-ERR numkeys should be greater than 0\r\n');
    expect(await str('SINTERCARD', '2', 's')).toBe("-ERR Number of keys can't be greater than number of args\r\n");
    expect(await str('SINTERCARD', '1', 's', 'LIMIT', '-1')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(await str('SINTERCARD', '1', 's', 'LIMIT', 'x')).toBe("-ERR LIMIT can't be negative\r\n");
    expect(await str('SINTERCARD', '1', 's', 'LIMIT')).toBe('-ERR syntax error\r\n');
    expect(await str('SINTERCARD', '1', 's', 'x')).toBe('-ERR syntax error\r\n');
    expect(await str('SSCAN', 's', 'x')).toBe('-ERR invalid cursor\r\n');
    expect(await str('SSCAN', 's', '0', 'COUNT', '0')).toBe('-ERR syntax error\r\n');
    expect(await str('SSCAN', 's', '0', 'TYPE', 'set')).toBe('-ERR syntax error\r\n');
    expect(await str('SSCAN', 'nokey', '0', 'COUNT', '0')).toBe('*2\r\n$1\r\n0\r\n*0\r\n');
  });
});

describe('set replies', () => {
  it('intsets reply in ascending order', async () => {
    await t.c.call('SADD', 'i', '10', '-3', '9223372036854775807', '0', '-9223372036854775808');
    expect(await members('SMEMBERS', 'i')).toEqual(['-9223372036854775808', '-3', '0', '10', '9223372036854775807']);
    expect(await members('SRANDMEMBER', 'i', '50')).toEqual(['-9223372036854775808', '-3', '0', '10', '9223372036854775807']);
    const [scan] = parseReply(await t.c.call('SSCAN', 'i', '0', 'MATCH', '-*'));
    const [cur, items] = (scan as { v: Reply[] }).v;
    expect((cur as { v: Buffer }).v.latin1Slice()).toBe('0');
    expect(strings(items)).toEqual(['-9223372036854775808', '-3']);
    await t.c.call('SADD', 'j', '0', '10', '20');
    expect(await members('SINTER', 'i', 'j')).toEqual(['0', '10']);
    expect(await members('SUNION', 'j', 'i')).toEqual(['-9223372036854775808', '-3', '0', '10', '20', '9223372036854775807']);
    expect(await members('SDIFF', 'i', 'j')).toEqual(['-9223372036854775808', '-3', '9223372036854775807']);
  });

  it('set-typed replies in RESP3, plain arrays where Redis uses them', async () => {
    await t.c.call('SADD', 'i', '2', '1');
    await t.c.call('HELLO', '3');
    expect(await str('SMEMBERS', 'i')).toBe('~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    expect(await str('SMEMBERS', 'nokey')).toBe('~0\r\n');
    expect(await str('SINTER', 'i', 'nokey')).toBe('~0\r\n');
    expect(await str('SUNION', 'i')).toBe('~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    expect(await str('SDIFF', 'i', 'nokey')).toBe('~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    expect(await str('SPOP', 'nokey')).toBe('_\r\n');
    expect(await str('SPOP', 'nokey', '3')).toBe('~0\r\n');
    expect(await str('SPOP', 'i', '0')).toBe('~0\r\n');
    expect(await str('SRANDMEMBER', 'nokey')).toBe('_\r\n');
    expect(await str('SRANDMEMBER', 'nokey', '3')).toBe('*0\r\n');
    expect(await str('SRANDMEMBER', 'i', '5')).toBe('*2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    expect(await str('SMISMEMBER', 'i', '1', '3')).toBe('*2\r\n:1\r\n:0\r\n');
    expect(await str('SPOP', 'i', '5')).toBe('~2\r\n$1\r\n1\r\n$1\r\n2\r\n');
    await t.c.call('HELLO', '2');
    expect(await str('SMEMBERS', 'nokey')).toBe('*0\r\n');
    expect(await str('SPOP', 'nokey')).toBe('$-1\r\n');
  });

  it('SRANDMEMBER: negative counts repeat members; positive counts are distinct', async () => {
    await t.c.call('SADD', 's', 'a', 'b', 'c', BIN);
    const neg = await members('SRANDMEMBER', 's', '-400');
    expect(neg.length).toBe(400);
    expect(new Set(neg)).toEqual(new Set(['a', 'b', 'c', BIN]));
    for (const n of [1, 2, 3]) {
      const got = await members('SRANDMEMBER', 's', String(n));
      expect(got.length).toBe(n);
      expect(new Set(got).size).toBe(n);
    }
    expect(await str('SCARD', 's')).toBe(':4\r\n');
  });

  it('SSCAN walks a hashtable with a cursor while it changes', async () => {
    const args: string[] = [];
    for (let i = 0; i < 1000; i++) args.push(`m${i}${BIN}`);
    await t.c.call('SADD', 's', ...args);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [rep] = parseReply(await t.c.call('SSCAN', 's', cursor, 'COUNT', '15'));
      const [cur, items] = (rep as { v: Reply[] }).v;
      cursor = (cur as { v: Buffer }).v.latin1Slice();
      for (const m of strings(items)) seen.add(m);
      calls++;
      await t.c.call('SADD', 's', `extra${calls}`);
      await t.c.call('SREM', 's', `extra${calls - 1}`);
    } while (cursor !== '0');
    expect(calls).toBeGreaterThan(10);
    for (let i = 0; i < 1000; i++) expect(seen.has(`m${i}${BIN}`)).toBe(true);
  });
});

describe('set side effects', () => {
  it('SADD/SREM/SMOVE t.events, dirty counter and signals', async () => {
    let dirty = t.srv.server.dirty;
    await t.c.call('SADD', 's', 'a', 'b', 'a');
    expect(t.srv.server.dirty - dirty).toBe(2);
    dirty = t.srv.server.dirty;
    await t.c.call('SADD', 's', 'a');
    await t.c.call('SREM', 's', 'nope');
    await t.c.call('SMOVE', 's', 'd', 'nope');
    expect(t.srv.server.dirty).toBe(dirty);
    expect(t.events).toEqual(['sadd s']);
    t.events = [];
    await t.c.call('SADD', 'd', 'b');
    await t.c.call('SMOVE', 's', 'd', 'a');
    await t.c.call('SMOVE', 's', 'd', 'b');
    expect(t.events).toEqual(['sadd d', 'srem s', 'sadd d', 'srem s', 'del s']);
    expect(t.srv.server.dirty - dirty).toBe(1 + 2 + 1);
    t.events = [];
    await t.c.call('SREM', 'd', 'a', 'b', 'c');
    expect(t.events).toEqual(['srem d', 'del d']);
    expect(t.modified).toContain('s');
    expect(t.modified).toContain('d');
  });

  it('SPOP propagates as SREM (or DEL for the whole set); SRANDMEMBER is not propagated', async () => {
    await t.c.call('SADD', 's', 'a', 'b', 'c', 'd', 'e', 'f');
    t.propagated = [];
    t.events = [];
    const [one] = parseReply(await t.c.call('SPOP', 's'));
    const popped = (one as { v: Buffer }).v.latin1Slice();
    expect(t.propagated).toEqual([['SREM', 's', popped]]);
    expect(t.events).toEqual(['spop s']);
    t.propagated = [];
    await t.c.call('SRANDMEMBER', 's', '3');
    expect(t.propagated).toEqual([]);
    // A few members: one SREM per member, wrapped in MULTI/EXEC (Redis 7.0).
    let dirty = t.srv.server.dirty;
    const two = await members('SPOP', 's', '2');
    expect(t.srv.server.dirty - dirty).toBe(2);
    expect(t.propagated[0]).toEqual(['MULTI']);
    expect(t.propagated[t.propagated.length - 1]).toEqual(['EXEC']);
    const removed = t.propagated.slice(1, -1).flatMap((argv) => {
      expect(argv.slice(0, 2)).toEqual(['SREM', 's']);
      expect(argv.length).toBe(3);
      return argv.slice(2);
    });
    expect(removed.sort()).toEqual([...two].sort());
    // Most of what is left: the rebuild strategy, same propagation.
    t.propagated = [];
    const three = await members('SPOP', 's', '2');
    expect(three.length).toBe(2);
    expect(t.propagated.slice(1, -1).flatMap((argv) => argv.slice(2)).sort()).toEqual([...three].sort());
    expect(await str('SCARD', 's')).toBe(':1\r\n');
    // Everything: DEL.
    t.propagated = [];
    t.events = [];
    dirty = t.srv.server.dirty;
    expect((await members('SPOP', 's', '10')).length).toBe(1);
    expect(t.propagated).toEqual([['DEL', 's']]);
    expect(t.events).toEqual(['spop s', 'del s']);
    expect(t.srv.server.dirty - dirty).toBe(1);
    expect(await str('EXISTS', 's')).toBe(':0\r\n');
    // SPOP with count 0 changes nothing.
    await t.c.call('SADD', 's', 'x');
    t.propagated = [];
    t.events = [];
    expect(await str('SPOP', 's', '0')).toBe('*0\r\n');
    expect(t.propagated).toEqual([]);
    expect(t.events).toEqual([]);
  });

  it('*STORE: t.events, TTL dropped on overwrite, empty results delete the destination', async () => {
    await t.c.call('SADD', 'a', '1', '2');
    await t.c.call('SADD', 'b', '2', '3');
    await t.c.call('SET', 'dst', 'x', 'EX', '100');
    t.events = [];
    expect(await str('SINTERSTORE', 'dst', 'a', 'b')).toBe(':1\r\n');
    expect(await str('TTL', 'dst')).toBe(':-1\r\n');
    expect(await str('TYPE', 'dst')).toBe('+set\r\n');
    expect(await str('SUNIONSTORE', 'dst', 'a', 'b')).toBe(':3\r\n');
    expect(await str('SDIFFSTORE', 'dst', 'a', 'b')).toBe(':1\r\n');
    let dirty = t.srv.server.dirty;
    expect(await str('SDIFFSTORE', 'dst', 'a', 'a')).toBe(':0\r\n');
    expect(t.srv.server.dirty - dirty).toBe(1);
    dirty = t.srv.server.dirty;
    expect(await str('SINTERSTORE', 'dst', 'a', 'nokey')).toBe(':0\r\n');
    expect(t.srv.server.dirty).toBe(dirty);
    expect(t.events).toEqual(['sinterstore dst', 'sunionstore dst', 'sdiffstore dst', 'del dst']);
    expect(await str('EXISTS', 'dst')).toBe(':0\r\n');
  });

  it('encodings: intset while small and integer, hashtable otherwise, for good', async () => {
    await t.c.call('SADD', 'i', '1', '2');
    expect(await str('OBJECT', 'ENCODING', 'i')).toBe('$6\r\nintset\r\n');
    await t.c.call('SADD', 'i', 'x');
    await t.c.call('SREM', 'i', 'x');
    expect(await str('OBJECT', 'ENCODING', 'i')).toBe('$9\r\nhashtable\r\n');
    await t.c.call('CONFIG', 'SET', 'set-max-intset-entries', '2');
    await t.c.call('SADD', 'j', '1', '2');
    expect(await str('OBJECT', 'ENCODING', 'j')).toBe('$6\r\nintset\r\n');
    await t.c.call('SADD', 'j', '3');
    expect(await str('OBJECT', 'ENCODING', 'j')).toBe('$9\r\nhashtable\r\n');
    await t.c.call('SADD', 'k', BIN);
    expect(await str('OBJECT', 'ENCODING', 'k')).toBe('$9\r\nhashtable\r\n');
  });
});
