/**
 * Redis Functions against redis-server 7.0.15: FUNCTION LOAD (metadata,
 * register_function in both forms, the load-time sandbox), FCALL/FCALL_RO
 * (keys and args, flags, errors), LIST, DELETE, FLUSH, DUMP/RESTORE, STATS,
 * HELP, in RESP2 and RESP3, compared byte for byte.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import net from 'node:net';
import { encodeCommand, type Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/functions');

const BIN = '\xff\x00\xc3\x28';

/** A library with one function `fname` whose body is `body`. */
function lib(name: string, fname: string, body: string, flags = ''): string {
  if (flags === '') return `#!lua name=${name}\nredis.register_function('${fname}', function(KEYS, ARGV) ${body} end)`;
  return `#!lua name=${name}\nredis.register_function{function_name='${fname}', callback=function(KEYS, ARGV) ${body} end, flags={${flags}}}`;
}

/** FUNCTION LOAD payloads: each is loaded (REPLACE) into an empty server and listed. */
const LOADS: string[] = [
  lib('l1', 'f1', 'return 1'),
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, description="some desc"}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags={"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"}}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags={"NO-WRITES"}}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags={}}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags="bad"}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags={"unknown"}}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, flags={function() end}}',
  '#!lua name=l1\nredis.register_function{function_name=function() end, callback=function() return 1 end}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback="x"}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, description=function() end}',
  '#!lua name=l1\nredis.register_function{function_name="f1", callback=function() return 1 end, other=1}',
  '#!lua name=l1\nredis.register_function{callback=function() return 1 end}',
  '#!lua name=l1\nredis.register_function{function_name="f1"}',
  '#!lua name=l1\nredis.register_function{[1]="f1"}',
  '#!lua name=l1\nredis.register_function("f1")',
  '#!lua name=l1\nredis.register_function()',
  '#!lua name=l1\nredis.register_function("a", function() end, 3)',
  '#!lua name=l1\nredis.register_function(1, function() return 1 end)',
  '#!lua name=l1\nredis.register_function({}, function() return 1 end)',
  '#!lua name=l1\nredis.register_function("f1", "x")',
  '#!lua name=l1\nredis.register_function("a-b", function() return 1 end)',
  '#!lua name=l1\nredis.register_function("", function() return 1 end)',
  '#!lua name=l1\nredis.register_function("f1", function() return 1 end)\nredis.register_function("f1", function() return 2 end)',
  '#!lua name=l1\nreturn 1',
  '#!lua name=l1\nreturn math.random()',
  '#!lua name=l1\nreturn redis.call("ping")',
  '#!lua name=l1\nreturn redis.setresp(3)',
  '#!lua name=l1\nredis.math.random()',
  '#!lua name=l1\nredis.foo = 1',
  '#!lua name=l1\na = 1',
  '#!lua name=l1\nlocal t = getmetatable(_G)',
  '#!lua name=l1\nlocal x = math.abs(1)\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=l1\nlocal t = {} for k in pairs(_G) do t[#t + 1] = k end',
  '#!lua name=l1\nerror("boom")',
  '#!lua name=l1\nlocal x = 1 +',
  '#!lua name=l1\nlocal v = redis.REDIS_VERSION .. redis.REDIS_VERSION_NUM\nredis.register_function("f1", function() return v end)',
  '#!lua name=l1\nredis.log(redis.LOG_WARNING, "loading")\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=l1\nredis.register_function("f1", function() return 1 end)\nerror("after")',
  '#!LUA name=l1\nredis.register_function("f1", function() return 1 end)',
  '#!lua NAME=l1\nredis.register_function("f1", function() return 1 end)',
  '#!lua name="l1"\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=l1 name=l2\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=l1 foo=bar\nredis.register_function("f1", function() return 1 end)',
  '#!lua\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=a-b\nredis.register_function("f1", function() return 1 end)',
  '#!python name=l1\nredis.register_function("f1", function() return 1 end)',
  '#! name=l1\nredis.register_function("f1", function() return 1 end)',
  '#!lua name=l1',
  '#!lua name="l1\nx',
  'redis.register_function("f1", function() return 1 end)',
  '',
  `#!lua name=l1\nredis.register_function("f1", function() return "${BIN}" end)`,
];

/** [library, FCALL args...]: the library is loaded, then FCALL runs. */
const CALLS: [string, ...Arg[]][] = [
  [lib('l', 'f', 'return 1'), 'f', '0'],
  [lib('l', 'f', 'return 1'), 'F', '0'],
  [lib('l', 'f', 'return 1'), 'nosuch', '0'],
  [lib('l', 'f', 'return 1'), 'f', 'x'],
  [lib('l', 'f', 'return 1'), 'f', '-1'],
  [lib('l', 'f', 'return 1'), 'f', '2', 'a'],
  [lib('l', 'f', 'return {KEYS, ARGV}'), 'f', '2', 'k1', `k${BIN}`, 'a1', BIN],
  [lib('l', 'f', 'return #KEYS + #ARGV'), 'f', '0'],
  [lib('l', 'f', 'return redis.call("set", KEYS[1], ARGV[1])'), 'f', '1', `k${BIN}`, BIN],
  [lib('l', 'f', 'redis.call("set", KEYS[1], ARGV[1]) return redis.call("get", KEYS[1])'), 'f', '1', `k${BIN}`, BIN],
  [lib('l', 'f', 'return redis.call("nosuch")'), 'f', '0'],
  [lib('l', 'f', 'return redis.pcall("nosuch")'), 'f', '0'],
  [lib('l', 'f', 'error("boom")'), 'f', '0'],
  [lib('l', 'f', 'error({err="MY table"})'), 'f', '0'],
  [lib('l', 'f', 'return x'), 'f', '0'],
  [lib('l', 'f', 'x = 1'), 'f', '0'],
  [lib('l', 'f', 'return KEYS'), 'f', '0'],
  [lib('l', 'f', 'return redis.register_function'), 'f', '0'],
  [lib('l', 'f', 'return type(redis.call)'), 'f', '0'],
  [lib('l', 'f', 'return string.format("%d", 5)'), 'f', '0'],
  [lib('l', 'f', 'return cjson.encode({1,2})'), 'f', '0'],
  [lib('l', 'f', 'return {double=1.5}'), 'f', '0'],
  [lib('l', 'f', 'return {map={a=1}}'), 'f', '0'],
  [lib('l', 'f', 'redis.setresp(3) return redis.call("hgetall", "h")'), 'f', '0'],
  [lib('l', 'f', 'return redis.call("set", "x", "1")', "'no-writes'"), 'f', '0'],
  [lib('l', 'f', 'return redis.call("get", "x")', "'no-writes'"), 'f', '0'],
  [lib('l', 'f', 'return redis.call("fcall", "f", "0")'), 'f', '0'],
  [lib('l', 'f', 'return redis.call("eval", "return 1", "0")'), 'f', '0'],
  [lib('l', 'f', 'return redis.call("function", "list")'), 'f', '0'],
  [lib('l', 'f', 'return redis.register_function("x", function() end)'), 'f', '0'],
  [lib('l', 'f', 'local t = {} t.x.y = 1'), 'f', '0'],
  [lib('l', 'f', 'setmetatable(_G, {})'), 'f', '0'],
  [lib('l', 'f', 'local g = getmetatable(_G) g.__index = {}'), 'f', '0'],
  [lib('l', 'f', 'redis = function() return 1 end'), 'f', '0'],
  [lib('l', 'f', '_G = {}'), 'f', '0'],
  [lib('l', 'f', 'redis.call = function() return 1 end'), 'f', '0'],
  [lib('l', 'f', 'cjson.encode = function() return 1 end'), 'f', '0'],
  [lib('l', 'f', 'bit.lshift = function() return 1 end'), 'f', '0'],
  [lib('l', 'f', 'rawset(_G, "x", 1)'), 'f', '0'],
  // After loading, a function sees the whole sandbox, but no KEYS or ARGV.
  [lib('l', 'f', 'return {type(redis.call), type(math.abs), rawget(_G, "redis") ~= nil, type(rawget(_G, "KEYS"))}'), 'f', '0'],
  [lib('l', 'f', 'return KEYS'), 'f', '0'],
  [lib('l', 'f', 'local t = {} for k in pairs(redis) do t[#t + 1] = k end table.sort(t) return t'), 'f', '0'],
  [lib('l', 'f', 'local t = setmetatable({}, {__index = function() return 7 end}) return t.x'), 'f', '0'],
  [lib('l', 'f', 'local t = {} rawset(t, "a", 1) return t.a'), 'f', '0'],
  [lib('l', 'f', 'return loadfile'), 'f', '0'],
  [lib('l', 'f', 'return redis.call("ping")'), 'f', '0'],
];

describe.skipIf(!HAVE_REDIS)('functions against redis-server', () => {
  let d: DiffPair;

  /** The raw replies of both servers to `args`. */
  async function pair(...args: Arg[]): Promise<[string, string]> {
    const [x, y] = await d.both(...args);
    return [x.latin1Slice(), y.latin1Slice()];
  }

  const same = (...args: Arg[]): Promise<string> => d.same(args);

  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d.close();
  });
  /** HELLO on both connections (its reply holds the client id). */
  async function hello(proto: number): Promise<void> {
    await pair('HELLO', String(proto));
  }

  beforeEach(async () => {
    await hello(2);
    await same('FLUSHALL');
    await same('FUNCTION', 'FLUSH');
  });

  for (const proto of [2, 3]) {
    it(`FUNCTION LOAD payloads and FUNCTION LIST, RESP${proto}`, async () => {
      await hello(proto);
      const bad: string[] = [];
      for (const code of LOADS) {
        await same('FUNCTION', 'FLUSH');
        for (const args of [
          ['FUNCTION', 'LOAD', code],
          ['FUNCTION', 'LIST', 'WITHCODE'],
          ['FCALL', 'f1', '0'],
        ]) {
          const [x, y] = await pair(...args);
          if (x !== y) bad.push(`${JSON.stringify(args)}\n  nodis: ${JSON.stringify(x)}\n  redis: ${JSON.stringify(y)}`);
        }
      }
      expect(bad.join('\n')).toBe('');
    });

    it(`FCALL conversions and errors, RESP${proto}`, async () => {
      await hello(proto);
      const bad: string[] = [];
      for (const [code, ...args] of CALLS) {
        await same('FUNCTION', 'LOAD', 'REPLACE', code);
        for (const cmd of ['FCALL', 'FCALL_RO']) {
          const [x, y] = await pair(cmd, ...args);
          if (x !== y) bad.push(`${cmd} ${JSON.stringify(args)} of ${JSON.stringify(code)}\n  nodis: ${JSON.stringify(x)}\n  redis: ${JSON.stringify(y)}`);
        }
      }
      expect(bad.join('\n')).toBe('');
    });
  }

  it('allow-stale on a stale replica: the function runs, its commands without the stale flag fail', async () => {
    await same(
      'FUNCTION',
      'LOAD',
      [
        '#!lua name=stale',
        "redis.register_function{function_name='f1', callback=function() return 'hello' end, flags={'no-writes'}}",
        "redis.register_function{function_name='f2', callback=function() return 'hello' end, flags={'allow-stale', 'no-writes'}}",
        "redis.register_function{function_name='f3', callback=function() return redis.call('get', 'x') end, flags={'allow-stale', 'no-writes'}}",
        "redis.register_function{function_name='f4', callback=function() return redis.pcall('type', 'x') end, flags={'allow-stale', 'no-writes'}}",
        "redis.register_function{function_name='f5', callback=function() return redis.call('ping') end, flags={'allow-stale', 'no-writes'}}",
      ].join('\n'),
    );
    await same('CONFIG', 'SET', 'replica-serve-stale-data', 'no');
    // Port 1: the link never comes up, so the replica stays stale.
    await same('REPLICAOF', '127.0.0.1', '1');
    try {
      for (const f of ['f1', 'f2', 'f3', 'f4', 'f5']) await same('FCALL', f, '0');
      await same('EVAL', "#!lua flags=allow-stale,no-writes\nreturn redis.call('get', 'x')", '0');
    } finally {
      await same('REPLICAOF', 'NO', 'ONE');
      await same('CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
    }
  });

  it('LOAD REPLACE, name collisions, DELETE, FLUSH, argument errors', async () => {
    await same('FUNCTION', 'LOAD', lib('l1', 'f1', 'return 1'));
    await same('FUNCTION', 'LOAD', lib('l1', 'f1', 'return 2'));
    await same('FUNCTION', 'LOAD', lib('l2', 'f1', 'return 2'));
    await same('FUNCTION', 'LOAD', lib('l2', 'F1', 'return 2'));
    await same('FUNCTION', 'LOAD', 'REPLACE', lib('l1', 'f1', 'return 3'));
    await same('FCALL', 'f1', '0');
    // A failed REPLACE keeps the old library.
    await same('FUNCTION', 'LOAD', 'REPLACE', lib('l1', 'f1', 'return +'));
    await same('FCALL', 'f1', '0');
    await same('FUNCTION', 'LOAD', 'replace', 'replace', lib('l1', 'g', 'return 4'));
    await same('FCALL', 'g', '0');
    await same('FCALL', 'f1', '0');
    await same('FUNCTION', 'LOAD', 'foo', lib('l3', 'f3', 'return 1'));
    await same('FUNCTION', 'LOAD', 'REPLACE');
    await same('FUNCTION', 'LOAD');
    await same('FUNCTION', 'DELETE', 'nosuch');
    await same('FUNCTION', 'DELETE', 'L1');
    await same('FUNCTION', 'DELETE', 'l1');
    await same('FCALL', 'g', '0');
    await same('FUNCTION', 'DELETE');
    await same('FUNCTION', 'DELETE', 'a', 'b');
    await same('FUNCTION', 'FLUSH', 'bogus');
    await same('FUNCTION', 'FLUSH', 'sync', 'extra');
    await same('FUNCTION', 'FLUSH', 'ASYNC');
    await same('FUNCTION', 'FLUSH', 'sync');
    await same('FUNCTION', 'LIST');
    await same('FUNCTION', 'NOSUCH');
    await same('FUNCTION', 'HELP');
    await same('FUNCTION', 'KILL');
    await same('FUNCTION', 'STATS');
    await same('FUNCTION');
    await same('FCALL', 'f');
    await same('FCALL_RO', 'f');
  });

  it('FUNCTION LIST filters and arguments', async () => {
    await same('FUNCTION', 'LOAD', lib('alpha', 'fa', 'return 1'));
    await same('FUNCTION', 'LOAD', `#!lua name=beta\nredis.register_function{function_name='fb', callback=function() return 1 end, description='d${BIN}', flags={'no-writes'}}`);
    for (const args of [
      ['LIBRARYNAME', 'alpha'],
      ['LIBRARYNAME', 'ALPHA'],
      ['LIBRARYNAME', 'b*'],
      ['LIBRARYNAME', 'b*', 'WITHCODE'],
      ['withcode', 'libraryname', 'beta'],
      ['LIBRARYNAME', 'nomatch'],
      ['LIBRARYNAME'],
      ['WITHCODE', 'WITHCODE'],
      ['LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
      ['bogus'],
    ]) {
      await same('FUNCTION', 'LIST', ...args);
    }
    await hello(3);
    await same('FUNCTION', 'LIST', 'LIBRARYNAME', 'beta', 'WITHCODE');
    await same('FUNCTION', 'STATS');
  });

  it('DUMP and RESTORE with every policy; payloads cross between the servers', async () => {
    await same('FUNCTION', 'LOAD', lib('l1', 'f1', `return "${BIN}"`));
    const [dn, dr] = await pair('FUNCTION', 'DUMP');
    expect(dn).toBe(dr);
    const payload = Buffer.from(dr.slice(dr.indexOf('\r\n') + 2, dr.length - 2), 'latin1');
    await same('FUNCTION', 'RESTORE', payload);
    await same('FUNCTION', 'RESTORE', payload, 'APPEND');
    await same('FUNCTION', 'RESTORE', payload, 'REPLACE');
    await same('FUNCTION', 'RESTORE', payload, 'FLUSH');
    await same('FUNCTION', 'RESTORE', payload, 'bogus');
    await same('FUNCTION', 'RESTORE', payload, 'FLUSH', 'x');
    await same('FUNCTION', 'RESTORE', 'garbage');
    await same('FUNCTION', 'RESTORE', Buffer.concat([payload.subarray(0, 4), Buffer.from('x'), payload.subarray(5)]));
    await same('FUNCTION', 'DELETE', 'l1');
    await same('FUNCTION', 'LOAD', lib('other', 'f1', 'return 2'));
    await same('FUNCTION', 'RESTORE', payload);
    await same('FUNCTION', 'RESTORE', payload, 'REPLACE');
    await same('FUNCTION', 'RESTORE', payload, 'FLUSH');
    await same('FCALL', 'f1', '0');
    await same('FUNCTION', 'LIST');
    await same('FUNCTION', 'FLUSH');
    await same('FUNCTION', 'DUMP');
    // An empty payload restores nothing.
    const [, empty] = await pair('FUNCTION', 'DUMP');
    await same('FUNCTION', 'RESTORE', Buffer.from(empty.slice(empty.indexOf('\r\n') + 2, empty.length - 2), 'latin1'));
    // A payload of a key DUMP is not a function.
    await same('SET', 'k', 'v');
    const [, kd] = await pair('DUMP', 'k');
    await same('FUNCTION', 'RESTORE', Buffer.from(kd.slice(kd.indexOf('\r\n') + 2, kd.length - 2), 'latin1'));
    // A long library compresses (rdbcompression) the same way.
    await same('FUNCTION', 'LOAD', lib('big', 'fbig', `return "${'abc'.repeat(200)}"`));
    await same('FUNCTION', 'DUMP');
  });

  it('FCALL_RO and function flags; STATS counts', async () => {
    await same('FUNCTION', 'LOAD', lib('w', 'fw', 'return redis.call("set", "x", "1")'));
    await same('FUNCTION', 'LOAD', lib('ro', 'fro', 'return redis.call("get", "x")', "'no-writes'"));
    await same('FCALL_RO', 'fw', '0');
    await same('FCALL', 'fw', '0');
    await same('FCALL_RO', 'fro', '0');
    await same('FUNCTION', 'STATS');
    await same('CONFIG', 'SET', 'maxmemory', '1');
    await same('FCALL', 'fw', '1', 'k');
    await same('FCALL', 'fro', '1', 'k');
    await same('FUNCTION', 'LOAD', lib('x', 'fx', 'return 1'));
    await same('CONFIG', 'SET', 'maxmemory', '0');
    await same('FUNCTION', 'DELETE', 'w');
    await same('FUNCTION', 'STATS');
  });

  it('a reply nested past the Lua stack limit ends in an error, with the same depth', async () => {
    await same('FUNCTION', 'LOAD', lib('l', 'f', 'local a = {}; local b = {a}; a[1] = b; return a'));
    /** The raw reply, read up to the error line that ends it (too deep for the RESP parser). */
    const raw = (port: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1', () => sock.write(encodeCommand(['FCALL', 'f', '0'])));
        let got = '';
        sock.on('data', (d) => {
          got += d.toString('latin1');
          if (got.endsWith("-ERR reached lua stack limit\r\n") || got.includes("internal error")) {
            sock.destroy();
            resolve(got);
          }
        });
        sock.on('error', reject);
      });
    const [x, y] = await Promise.all([raw(d.nodis.port), raw(d.redis.port)]);
    expect(y.startsWith('*1\r\n*1\r\n')).toBe(true);
    expect(x.length).toBe(y.length);
    expect(x === y).toBe(true);
    await same('PING');
  });

  it('error and command stats of functions whose commands fail or are refused', async () => {
    /** errorstats, total_error_replies and the call counts of fcall/select/set (their times left out). */
    const stats = async (): Promise<[string, string]> => {
      const [a, b] = await Promise.all([d.n.callStr('INFO', 'all'), d.r.callStr('INFO', 'all')]);
      const pick = (t: string): string =>
        t
          .split('\r\n')
          .filter((l) => /^(errorstat_|total_error_replies|cmdstat_(fcall|select|set):)/.test(l))
          .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
          .sort()
          .join('\n');
      return [pick(a), pick(b)];
    };
    await same('FUNCTION', 'LOAD', [
      '#!lua name=e',
      "redis.register_function('callsel', function() return redis.call('select', 99) end)",
      "redis.register_function('pcallsel', function() local t = redis.pcall('select', 99) return t['err'] end)",
      "redis.register_function('retsel', function() return redis.pcall('select', 99) end)",
      "redis.register_function('setit', function() return redis.call('set', 'x', 'y') end)",
      "redis.register_function('psetit', function() local t = redis.pcall('set', 'x', 'y') return t['err'] end)",
      "redis.register_function('boom', function() error('boom') end)",
    ].join('\n'));
    for (const [fn, maxmemory] of [
      ['callsel', '0'],
      ['pcallsel', '0'],
      ['retsel', '0'],
      ['boom', '0'],
      ['setit', '1'],
      ['psetit', '1'],
    ]) {
      await same('CONFIG', 'SET', 'maxmemory', maxmemory);
      await same('CONFIG', 'RESETSTAT');
      await same('FCALL', fn, '0');
      const [x, y] = await stats();
      expect(x, fn).toBe(y);
    }
    await same('CONFIG', 'SET', 'maxmemory', '0');
  });

  it('functions survive FLUSHALL; COMMAND GETKEYS/INFO', async () => {
    await same('FUNCTION', 'LOAD', lib('l', 'f', 'return 1'));
    await same('FLUSHALL');
    await same('FLUSHDB');
    await same('FCALL', 'f', '0');
    await same('COMMAND', 'GETKEYS', 'FCALL', 'f', '2', 'a', 'b', 'c');
    await same('COMMAND', 'GETKEYS', 'FCALL_RO', 'f', '1', 'a');
    await same('COMMAND', 'GETKEYS', 'FCALL', 'f', '0');
    await same('COMMAND', 'INFO', 'fcall', 'fcall_ro', 'function|load', 'function|list');
  });
});
