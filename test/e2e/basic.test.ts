import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

let srv: ServerHandle;
beforeAll(async () => {
  srv = await startNodis();
});
afterAll(async () => {
  await srv.close();
});

describe('basic commands over TCP', () => {
  it('answers PING, SET and GET through ioredis', async () => {
    const r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
    await r.connect();
    expect(await r.ping()).toBe('PONG');
    const key = Buffer.from([0xff, 0x00, 0xc3, 0x28]);
    const val = Buffer.from([0x80, 0x81, 0xfe, 0x0d, 0x0a]);
    expect(await r.set(key, val)).toBe('OK');
    expect(await r.getBuffer(key)).toEqual(val);
    r.disconnect();
  });

  it('pipelines replies in order in one read', async () => {
    const c = await RawClient.connect(srv.port);
    c.write('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\na\r\nPING\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('+PONG\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('$1\r\na\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('+PONG\r\n');
    c.close();
  });

  it('rejects unknown commands and wrong arity with Redis text', async () => {
    const c = await RawClient.connect(srv.port);
    expect(await c.callStr('NOPE', 'a', 'b')).toBe("-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n");
    expect(await c.callStr('GET')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
    c.close();
  });

  it('replies to a protocol error and closes the connection', async () => {
    const c = await RawClient.connect(srv.port);
    c.write('*1\r\n$x\r\n');
    expect((await c.readUntilClose()).latin1Slice()).toBe('-ERR Protocol error: invalid bulk length\r\n');
    const ok = await RawClient.connect(srv.port);
    expect(await ok.callStr('PING')).toBe('+PONG\r\n');
    ok.close();
  });
});
