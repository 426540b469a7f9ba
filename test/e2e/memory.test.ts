import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

let srv: ServerHandle;
let c: RawClient;
beforeAll(async () => {
  srv = await startNodis();
  c = await RawClient.connect(srv.port);
});
afterAll(async () => {
  c.close();
  await srv.close();
});

const int = async (...args: string[]): Promise<number> => {
  const r = await c.callStr(...args);
  expect(r).toMatch(/^:\d+\r\n$/);
  return Number(r.slice(1, -2));
};

describe('MEMORY USAGE', () => {
  it('grows with the value and the key, for every type', async () => {
    await c.call('SET', 'k\xff', 'v');
    const small = await int('MEMORY', 'USAGE', 'k\xff');
    await c.call('SET', 'k\xff', 'v'.repeat(1000));
    const big = await int('MEMORY', 'USAGE', 'k\xff');
    expect(big - small).toBeGreaterThanOrEqual(990);
    await c.call('SET', 'longer-key\xff'.repeat(10), 'v');
    expect(await int('MEMORY', 'USAGE', 'longer-key\xff'.repeat(10))).toBeGreaterThan(small + 90);
    await c.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await c.call('SADD', 's', '1', '2', '3');
    await c.call('SADD', 'sx', 'a\xff', 'b');
    await c.call('ZADD', 'z', '1', 'a', '2', 'b');
    await c.call('RPUSH', 'l', 'a', 'b', 'c');
    for (const k of ['h', 's', 'sx', 'z', 'l']) expect(await int('MEMORY', 'USAGE', k)).toBeGreaterThan(0);
  });

  it('samples large collections unless SAMPLES 0', async () => {
    const args = ['RPUSH', 'big'];
    for (let i = 0; i < 200; i++) args.push(i < 5 ? 'x' : 'y'.repeat(100));
    await c.call(...args);
    const sampled = await int('MEMORY', 'USAGE', 'big');
    const all = await int('MEMORY', 'USAGE', 'big', 'SAMPLES', '0');
    expect(all).toBeGreaterThan(sampled * 3);
  });

  it('answers null for a missing key and Redis errors for bad options', async () => {
    expect(await c.callStr('MEMORY', 'USAGE', 'missing')).toBe('$-1\r\n');
    expect(await c.callStr('MEMORY', 'USAGE', 'k\xff', 'SAMPLES', '-1')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('MEMORY', 'USAGE', 'k\xff', 'SAMPLES', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('MEMORY', 'USAGE', 'k\xff', 'FOO')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('MEMORY', 'USAGE')).toBe("-ERR wrong number of arguments for 'memory|usage' command\r\n");
    expect(await c.callStr('MEMORY', 'NOPE')).toBe("-ERR unknown subcommand 'NOPE'. Try MEMORY HELP.\r\n");
  });
});
