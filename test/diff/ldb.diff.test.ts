/**
 * The Lua debugger (SCRIPT DEBUG) against redis-server: whole debugging
 * sessions, byte for byte, in SYNC mode (the server waits, changes stay)
 * and YES mode (a forked session, changes rolled back). Nodis runs as its
 * own process here: a SYNC session holds the server's thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, type Arg } from '../helpers/resp.js';
import { HAVE_REDIS, spawnNodisServer, startRedis, warnIfNoRedis, type NodisProcess, type RedisHandle } from '../helpers/servers.js';

warnIfNoRedis('diff/ldb');

/** A non-UTF-8 key and value: the session must carry bytes untouched. */
const KEY = 'k\xff\x00\xe9';
const VAL = '\xfe\x80v';

const SCRIPT = [
  'local a = 1',
  "local t = {1, 2, 'x'}",
  "redis.call('set', KEYS[1], ARGV[1])",
  "redis.debug('hi', t, {a = 1}, ARGV[1])",
  'local function f(x)',
  '  return x + 1',
  'end',
  'redis.breakpoint()',
  'return f(a)',
  '',
].join('\n');

/** A session: everything the client reads from SCRIPT DEBUG to the close. */
async function session(c: RawClient, mode: string, script: string, keys: Arg[], args: Arg[], cmds: Arg[][], setup: Arg[][] = []): Promise<string> {
  let out = '';
  for (const s of setup) out += (await c.call(...s)).latin1Slice();
  out += (await c.call('SCRIPT', 'DEBUG', mode)).latin1Slice();
  out += (await c.call('EVAL', script, keys.length, ...keys, ...args)).latin1Slice();
  for (const cmd of cmds) out += (await c.call(...cmd)).latin1Slice();
  out += (await c.readUntilClose()).latin1Slice();
  return out;
}

describe.skipIf(!HAVE_REDIS)('differential: Lua debugger (SCRIPT DEBUG)', () => {
  let redis: RedisHandle;
  let nodis: NodisProcess;
  let n: RawClient;
  let r: RawClient;
  beforeAll(async () => {
    [redis, nodis] = await Promise.all([startRedis(), spawnNodisServer(['--save', ''])]);
    [n, r] = await Promise.all([RawClient.connect(nodis.port), RawClient.connect(redis.port)]);
  });
  afterAll(async () => {
    n?.close();
    r?.close();
    nodis?.kill();
    await redis?.close();
  });

  /** `talk` on a new connection to each server: what the two read must match (after `norm`). */
  async function sameOnBoth(label: string, talk: (c: RawClient) => Promise<string>, norm = (t: string): string => t): Promise<string> {
    const [ns, rs] = await Promise.all(
      [nodis.port, redis.port].map(async (port) => {
        const c = await RawClient.connect(port);
        try {
          return await talk(c);
        } finally {
          c.close();
        }
      }),
    );
    expect(norm(ns), label).toBe(norm(rs));
    return rs;
  }

  // Addresses of functions and client ids are the servers' own.
  const normSession = (t: string): string =>
    t.replace(/(function|thread|userdata)@0x[0-9a-f]+/g, '$1@ADDR').replace(/\r\nid\r\n:\d+\r\n/g, '\r\nid\r\n:ID\r\n');

  async function same(mode: string, script: string, keys: Arg[], args: Arg[], cmds: Arg[][], setup: Arg[][] = []): Promise<string> {
    return sameOnBoth(mode, (c) => session(c, mode, script, keys, args, cmds, setup), normSession);
  }

  async function sameReply(...args: Arg[]): Promise<string> {
    const [nb, rb] = await Promise.all([n.callStr(...args), r.callStr(...args)]);
    expect(nb, args.join(' ')).toBe(rb);
    return rb;
  }

  const TOUR: Arg[][] = [
    ['s'],
    ['p'],
    ['step'],
    ['n'],
    ['print', 't'],
    ['p', 'KEYS'],
    ['p', 'ARGV'],
    ['p', 'nosuch'],
    ['b', '6'],
    ['b'],
    ['b', 'x', '-3', '99', '0', '6'],
    ['l'],
    ['l', '2', '1'],
    ['list', '0'],
    ['w'],
    ['t'],
    ['e', '1 + 1'],
    ['eval', 'x', '='],
    ['e', '{1, {2, {3}}, "z"}'],
    ['r', 'get', KEY],
    ['redis', 'incr', 'counter'],
    ['r', 'hset', 'h', 'f', 'v'],
    ['r', 'hgetall', 'h'],
    ['r', 'lpush', KEY, 'x'],
    ['r', 'nosuchcommand'],
    ['r', 'set'],
    ['r'],
    ['m', '10'],
    ['r', 'get', KEY],
    ['maxlen'],
    ['m', '0'],
    ['xyz'],
    ['hello\0world'],
    ['h'],
    ['c'],
    ['t'],
    ['p'],
    ['c'],
    ['c'],
  ];

  it('SYNC: a whole session (steps, prints, breakpoints, list, trace, eval, redis, maxlen, help) and its changes are kept', async () => {
    await sameReply('DEL', KEY, 'counter', 'h');
    const t = await same('sync', SCRIPT, [KEY], [VAL], TOUR);
    expect(t).toContain('<redis> set ' + KEY + ' ' + VAL);
    expect(t).toContain('* Stopped at 6, stop reason = break point');
    expect(t).toContain('* Stopped at 9, stop reason = redis.breakpoint() called');
    expect(t).toMatch(/\+<endsession>\r\n:2\r\n$/);
    expect(await sameReply('GET', KEY)).toBe(`$${VAL.length}\r\n${VAL}\r\n`);
    await sameReply('HGETALL', 'h');
    await sameReply('GET', 'counter');
  });

  it('YES: the same session in a forked copy; nothing it wrote remains', async () => {
    await sameReply('DEL', KEY, 'counter', 'h');
    await sameReply('SET', 'before', 'x');
    const t = await same('yes', SCRIPT, [KEY], [VAL], TOUR);
    expect(t).toContain('<redis> set ' + KEY + ' ' + VAL);
    // The copy holds what the dataset held when the EVAL came.
    expect(await same('yes', "return redis.call('get', 'before')", [], [], [['c']])).toMatch(/<endsession>\r\n\$1\r\nx\r\n$/);
    for (const k of [KEY, 'counter', 'h']) expect(await sameReply('EXISTS', k)).toBe(':0\r\n');
  });

  it('YES: the session sees the db, protocol and data of the client', async () => {
    await sameReply('SELECT', '3');
    await sameReply('SET', 'in3', 'three');
    await sameReply('SELECT', '0');
    const script = "local v = redis.call('get', 'in3')\nredis.setresp(3)\nlocal m = redis.call('hgetall', 'hm')\nreturn {v, redis.call('ping')}";
    await sameReply('HSET', 'hm', 'a', '1');
    for (const mode of ['yes', 'sync']) {
      await same(mode, script, [], [], [['s'], ['s'], ['s'], ['p'], ['c']], [['SELECT', '3'], ['HSET', 'hm', 'b', '2']]);
      await same(mode, script, [], [], [['c']], [['HELLO', '3'], ['SELECT', '3']]);
    }
  });

  it('abort, errors of the script, a protocol error, the 1024-byte argument limit', async () => {
    await same('sync', "local x = 1\nreturn x", [], [], [['a']]);
    await same('yes', "local x = 1\nreturn x", [], [], [['abort']]);
    await same('sync', "local x = 1\nreturn redis.call('lpush', 'str', 'x')", [], [], [['s'], ['s']], [['SET', 'str', 'v']]);
    await same('sync', "local x = 1\nerror('boom')", [], [], [['c']]);
    await same('sync', "return redis.pcall('nosuch')", [], [], [['s']]);
    // Not a multibulk: the debugger ends the script with "protocol error".
    for (const bad of ['PING\r\n', '*1\r\n+x\r\n', '*0\r\n', `*1\r\n$2000\r\n${'x'.repeat(2000)}\r\n`]) {
      await sameOnBoth(JSON.stringify(bad), async (c) => {
        let out = (await c.call('SCRIPT', 'DEBUG', 'sync')).latin1Slice();
        out += (await c.call('EVAL', 'return 1', '0')).latin1Slice();
        c.write(bad);
        out += (await c.readUntilClose()).latin1Slice();
        return out;
      });
    }
  });

  it('SCRIPT DEBUG and EVAL in one write: the session comes first, then the queued replies', async () => {
    for (const mode of ['sync', 'yes']) {
      const rs = await sameOnBoth(mode, async (c) => {
        c.write(Buffer.concat([encodeCommand(['SCRIPT', 'DEBUG', mode]), encodeCommand(['EVAL', "local x = 1\nreturn 'done'", '0'])]));
        let out = (await c.readReply()).latin1Slice();
        out += (await c.call('s')).latin1Slice();
        out += (await c.call('s')).latin1Slice();
        out += (await c.readUntilClose()).latin1Slice();
        return out;
      });
      expect(rs).toMatch(/^\*2\r\n\+\* Stopped at 1/);
    }
  });

  it('redis with 100 arguments (the stack check), the maxlen hint, list bounds', async () => {
    const many: Arg[] = ['redis', ...Array(100).fill('test')];
    await same('sync', "return 'hello'", [], [], [many, ['c']]);
    const long = "local s = string.rep('ab', 300)\nreturn s";
    await same('sync', long, [], [], [['s'], ['p'], ['p', 's'], ['m', '61'], ['p', 's'], ['m', '-5'], ['p', 's'], ['c']]);
    await same('sync', 'return 1', [], [], [['l', '100'], ['l', '-3', '2'], ['l', '1', 'x'], ['b', '1'], ['b', '2'], ['c']]);
  });

  it('SCRIPT DEBUG errors; EVALSHA under debugging; SCRIPT DEBUG NO', async () => {
    await sameReply('SCRIPT', 'DEBUG', 'maybe');
    await sameReply('SCRIPT', 'DEBUG');
    // Pipelined behind another reply: refused.
    const pipelined = Buffer.concat([encodeCommand(['PING']), encodeCommand(['SCRIPT', 'DEBUG', 'yes'])]);
    const [np, rp] = await Promise.all(
      [n, r].map(async (c) => {
        c.write(pipelined);
        return (await c.readReply()).latin1Slice() + (await c.readReply()).latin1Slice();
      }),
    );
    expect(np).toBe(rp);
    expect(np).toContain('SCRIPT DEBUG must be called outside a pipeline');
    await sameReply('SCRIPT', 'DEBUG', 'yes');
    await sameReply('EVALSHA', 'abc', '0');
    await sameReply('EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0');
    await sameReply('SCRIPT', 'DEBUG', 'no');
    await sameReply('EVAL', 'return 1', '0');
    await sameReply('MULTI');
    await sameReply('SCRIPT', 'DEBUG', 'sync');
    await sameReply('EXEC');
  });

  it('SYNC: a client gone mid-session leaves the script to finish alone; the server goes on', async () => {
    const script = "redis.call('set', 'gone', '1')\nredis.call('incr', 'gone')\nreturn 1";
    for (const port of [nodis.port, redis.port]) {
      const c = await RawClient.connect(port);
      await c.call('DEL', 'gone');
      await c.call('SCRIPT', 'DEBUG', 'sync');
      await c.call('EVAL', script, '0');
      c.close();
    }
    await new Promise((res) => setTimeout(res, 200));
    expect(await sameReply('GET', 'gone')).toBe('$1\r\n2\r\n');
  });

  it('an infinite loop stops with "timeout reached" past busy-reply-threshold', async () => {
    await sameReply('CONFIG', 'SET', 'busy-reply-threshold', '200');
    try {
      const t = await same('sync', 'local i = 0\nwhile true do\n  i = i + 1\nend', [], [], [['c'], ['a']]);
      expect(t).toContain('stop reason = timeout reached, infinite loop?');
    } finally {
      await sameReply('CONFIG', 'SET', 'busy-reply-threshold', '5000');
    }
  });
});
