/**
 * Lua scripting end to end: ioredis eval/evalsha/defineCommand, binary
 * data through KEYS/ARGV and replies, effects propagated as MULTI/EXEC,
 * keyspace notifications, WATCH and tracking (busy scripts: script-busy.test.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

const BIN = '\xff\x00\xc3\x28';

let srv: ServerHandle;
let io: Redis;
let c: RawClient;
let propagated: string[][] = [];

beforeAll(async () => {
  srv = await startNodis();
  srv.server.hooks.propagate.push((db, argv) => propagated.push([String(db), ...argv]));
  io = new Redis({ port: srv.port, lazyConnect: true });
  await io.connect();
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  io.disconnect();
  c.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  await c.call('SCRIPT', 'FLUSH');
  propagated = [];
});

describe('EVAL through ioredis', () => {
  it('eval and evalsha with keys and args', async () => {
    expect(await io.eval('return {KEYS[1], ARGV[1], ARGV[2]}', 1, 'k', 'a', 'b')).toEqual(['k', 'a', 'b']);
    const sha = (await io.script('LOAD', 'return redis.call("incrby", KEYS[1], ARGV[1])')) as string;
    expect(await io.evalsha(sha, 1, 'n', 5)).toBe(5);
    expect(await io.evalsha(sha, 1, 'n', 7)).toBe(12);
    await expect(io.evalsha('0000000000000000000000000000000000000000', 0)).rejects.toThrow('NOSCRIPT No matching script. Please use EVAL.');
  });

  it('defineCommand falls back from EVALSHA to EVAL', async () => {
    io.defineCommand('setget', { numberOfKeys: 1, lua: 'redis.call("set", KEYS[1], ARGV[1]) return redis.call("get", KEYS[1])' });
    const r = await (io as unknown as { setget(k: string, v: string): Promise<string> }).setget('dk', 'dv');
    expect(r).toBe('dv');
    expect(await io.get('dk')).toBe('dv');
  });

  it('binary data survives KEYS, ARGV, redis.call and the reply', async () => {
    const r = await c.call('EVAL', 'redis.call("set", KEYS[1], ARGV[1]) return {redis.call("get", KEYS[1]), #ARGV[1]}', '1', BIN, BIN + BIN);
    expect(r.latin1Slice()).toBe(`*2\r\n$8\r\n${BIN}${BIN}\r\n:8\r\n`);
    expect((await c.call('GET', BIN)).latin1Slice()).toBe(`$8\r\n${BIN}${BIN}\r\n`);
    expect((await c.call('EVAL', 'return redis.sha1hex(ARGV[1])', '0', BIN)).latin1Slice()).toBe(
      '$40\r\n' + (await import('node:crypto')).createHash('sha1').update(Buffer.from(BIN, 'latin1')).digest('hex') + '\r\n',
    );
  });

  it('RESP3: doubles, maps and booleans', async () => {
    const r3 = await RawClient.connect(srv.port);
    await r3.call('HELLO', '3');
    expect((await r3.call('EVAL', 'redis.setresp(3) return {double=1.5}', '0')).latin1Slice()).toBe(',1.5\r\n');
    expect((await r3.call('EVAL', 'redis.setresp(3) return true', '0')).latin1Slice()).toBe('#t\r\n');
    expect((await r3.call('EVAL', 'return false', '0')).latin1Slice()).toBe('_\r\n');
    expect((await r3.call('EVAL', 'return {map={a=1}}', '0')).latin1Slice()).toBe('%1\r\n$1\r\na\r\n:1\r\n');
    r3.close();
  });
});

describe('effects', () => {
  it('writes propagate as MULTI/EXEC, a single write alone, reads nothing', async () => {
    await c.call('EVAL', 'redis.call("set","a","1") redis.call("incr","a") return 1', '0');
    expect(propagated).toEqual([
      ['0', 'MULTI'],
      ['0', 'set', 'a', '1'],
      ['0', 'incr', 'a'],
      ['0', 'EXEC'],
    ]);
    propagated = [];
    await c.call('EVAL', 'return redis.call("set","b","2")', '0');
    expect(propagated).toEqual([['0', 'set', 'b', '2']]);
    propagated = [];
    await c.call('EVAL', 'return redis.call("get","b")', '0');
    expect(propagated).toEqual([]);
  });

  it('SELECT inside a script affects the script only', async () => {
    await c.call('EVAL', 'redis.call("select", 2) redis.call("set","x","y") return 1', '0');
    expect((await c.call('GET', 'x')).latin1Slice()).toBe('$-1\r\n');
    expect(propagated.some((p) => p[0] === '2' && p[1] === 'set')).toBe(true);
    await c.call('SELECT', '2');
    expect((await c.call('GET', 'x')).latin1Slice()).toBe('$1\r\ny\r\n');
    await c.call('SELECT', '0');
  });

  it('keyspace notifications fire for script writes', async () => {
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    const sub = await RawClient.connect(srv.port);
    await sub.call('SUBSCRIBE', '__keyevent@0__:set');
    await c.call('EVAL', 'return redis.call("set", KEYS[1], "v")', '1', 'nk');
    const msg = (await sub.readReply()).latin1Slice();
    expect(msg).toContain('nk');
    sub.close();
    await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  });

  it('a script write makes WATCH fail', async () => {
    const w = await RawClient.connect(srv.port);
    await w.call('WATCH', 'wk');
    await c.call('EVAL', 'return redis.call("set", KEYS[1], "v")', '1', 'wk');
    await w.call('MULTI');
    await w.call('GET', 'wk');
    expect((await w.call('EXEC')).latin1Slice()).toBe('*-1\r\n');
    w.close();
  });

  it('keys read by a script are tracked for its caller', async () => {
    const t = await RawClient.connect(srv.port);
    await t.call('HELLO', '3');
    await t.call('CLIENT', 'TRACKING', 'on');
    await t.call('SET', 'tk', '1');
    await t.call('EVAL', 'return redis.call("get", KEYS[1])', '1', 'tk');
    await c.call('SET', 'tk', '2');
    const push = (await t.readReply()).latin1Slice();
    expect(push).toContain('invalidate');
    expect(push).toContain('tk');
    t.close();
  });
});

describe('limits', () => {
  it('scripts cannot block, nor call noscript commands', async () => {
    expect((await c.call('EVAL', 'return redis.pcall("blpop","l",0)', '0')).latin1Slice()).toBe('-ERR This Redis command is not allowed from script\r\n');
    expect((await c.call('EVAL', 'return redis.pcall("multi")', '0')).latin1Slice()).toBe('-ERR This Redis command is not allowed from script\r\n');
  });

  it('ACL rules apply to commands a script calls', async () => {
    await c.call('ACL', 'SETUSER', 'lim', 'on', 'nopass', '+eval', '+get', '~*');
    const u = await RawClient.connect(srv.port);
    await u.call('AUTH', 'lim', 'x');
    expect((await u.call('EVAL', 'return redis.pcall("set","a","b")', '0')).latin1Slice()).toBe(
      "-ERR The user executing the script can't run this command or subcommand\r\n",
    );
    u.close();
    await c.call('ACL', 'DELUSER', 'lim');
  });
});
