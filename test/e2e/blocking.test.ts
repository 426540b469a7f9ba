/**
 * Blocking list operations end to end, with several ioredis and raw
 * connections: FIFO serving, timeouts, wake-ups from other clients, what
 * gets propagated for served clients, keyspace events, INFO/CLIENT LIST,
 * disconnects, CLIENT UNBLOCK/KILL, and clients that may not block.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient, encodeCommand } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { cmd } from '../../src/commands/table.js';
import { CLIENT_BLOCKED } from '../../src/server/client.js';
import type { Client } from '../../src/server/client.js';

let srv: ServerHandle;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
const extra: (Redis | RawClient)[] = [];

/**
 * A test-only command that pushes and pops in one call, like a MULTI/EXEC
 * block or a script would: blocked clients are served only after it ends.
 */
const pushPopSpec = cmd('test.pushpop', 2, ['write'], [1, 1, 1], {
  handler: (cl: Client, argv: string[]) => {
    const table = cl.server.commands;
    table.get('rpush')!.handler!(cl, ['rpush', argv[1], 'x']);
    table.get('lpop')!.handler!(cl, ['lpop', argv[1]]);
  },
});

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEA' }, commands: [pushPopSpec] });
  observe(srv.server, { event: (e) => events.push(e) });
  srv.server.hooks.propagate.push((_db, argv) => propagated.push([argv[0].toUpperCase(), ...argv.slice(1)]));
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  c.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  events = [];
  propagated = [];
});

afterEach(async () => {
  for (const x of extra.splice(0)) {
    if (x instanceof RawClient) x.close();
    else x.disconnect();
  }
  await waitFor(() => srv.server.blocking.blockedClients === 0);
});

async function ioredis(): Promise<Redis> {
  const r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0 });
  await r.connect();
  extra.push(r);
  return r;
}

async function raw(): Promise<RawClient> {
  const x = await RawClient.connect(srv.port);
  extra.push(x);
  return x;
}

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}

const blocked = (n: number): Promise<void> => waitFor(() => srv.server.blocking.blockedClients === n);

describe('waking blocked clients', () => {
  it('a push from another client serves the waiter; pushes propagate before the pops', async () => {
    const a = await ioredis();
    const p = a.blpop('k', 0);
    await blocked(1);
    expect(srv.server.blocking.clientsBlockedOn(0, 'k').length).toBe(1);
    expect(await c.callStr('RPUSH', 'k', 'v')).toBe(':1\r\n');
    expect(await p).toEqual(['k', 'v']);
    expect(await c.callStr('EXISTS', 'k')).toBe(':0\r\n');
    expect(propagated).toEqual([
      ['RPUSH', 'k', 'v'],
      ['LPOP', 'k'],
    ]);
    expect(events.filter((e) => !e.startsWith('new '))).toEqual(['rpush k', 'lpop k', 'del k']);
    expect(srv.server.blocking.clientsBlockedOn(0, 'k')).toEqual([]);
  });

  it('three ioredis clients are served first come, first served', async () => {
    const [a, b, d] = [await ioredis(), await ioredis(), await ioredis()];
    const pa = a.brpop('q', 0);
    await blocked(1);
    const pb = b.blpop('q', 0);
    await blocked(2);
    const pd = d.blpop('q', 0);
    await blocked(3);
    await c.call('RPUSH', 'q', '1', '2');
    expect(await pa).toEqual(['q', '2']);
    expect(await pb).toEqual(['q', '1']);
    expect(srv.server.blocking.blockedClients).toBe(1);
    await c.call('LPUSH', 'q', '3');
    expect(await pd).toEqual(['q', '3']);
  });

  it('keys made ready during one command are served after it ends, never in the middle', async () => {
    const a = await raw();
    a.write(encodeCommand(['BLPOP', 'k', '0']));
    await blocked(1);
    c.write(encodeCommand(['TEST.PUSHPOP', 'k']));
    expect((await c.readReply()).latin1Slice()).toBe(':1\r\n');
    expect((await c.readReply()).latin1Slice()).toBe('$1\r\nx\r\n');
    expect(await c.callStr('PING')).toBe('+PONG\r\n');
    expect(srv.server.blocking.blockedClients).toBe(1);
    expect(a.pending().length).toBe(0);
    await c.call('RPUSH', 'k', 'y');
    expect((await a.readReply()).latin1Slice()).toBe('*2\r\n$1\r\nk\r\n$1\r\ny\r\n');
  });

  it('served BLMOVE, BRPOPLPUSH and BLMPOP propagate as LMOVE, RPOPLPUSH and [LR]POP count', async () => {
    const [a, b, d] = [await raw(), await raw(), await raw()];
    a.write(encodeCommand(['BLMOVE', 's1', 'd1', 'RIGHT', 'LEFT', '0']));
    b.write(encodeCommand(['BRPOPLPUSH', 's2', 'd2', '0']));
    d.write(encodeCommand(['BLMPOP', '0', '1', 's3', 'RIGHT', 'COUNT', '5']));
    await blocked(3);
    await c.call('RPUSH', 's1', 'a', 'b');
    await c.call('RPUSH', 's2', 'c');
    await c.call('RPUSH', 's3', 'x', 'y');
    expect((await a.readReply()).latin1Slice()).toBe('$1\r\nb\r\n');
    expect((await b.readReply()).latin1Slice()).toBe('$1\r\nc\r\n');
    expect((await d.readReply()).latin1Slice()).toBe('*2\r\n$2\r\ns3\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n');
    expect(propagated).toEqual([
      ['RPUSH', 's1', 'a', 'b'],
      ['LMOVE', 's1', 'd1', 'right', 'left'],
      ['RPUSH', 's2', 'c'],
      ['RPOPLPUSH', 's2', 'd2'],
      ['RPUSH', 's3', 'x', 'y'],
      ['RPOP', 's3', '2'],
    ]);
    expect(await c.callStr('LRANGE', 'd1', '0', '-1')).toBe('*1\r\n$1\r\nb\r\n');
  });

  it('a served BLMOVE pushes to its destination, which serves the next waiter', async () => {
    const [a, b] = [await ioredis(), await ioredis()];
    const pa = a.blmove('src', 'mid', 'LEFT', 'RIGHT', 0);
    await blocked(1);
    const pb = b.brpop('mid', 0);
    await blocked(2);
    await c.call('LPUSH', 'src', 'v');
    expect(await pa).toBe('v');
    expect(await pb).toEqual(['mid', 'v']);
    expect(events.filter((e) => !e.startsWith('new '))).toEqual(['lpush src', 'rpush mid', 'lpop src', 'del src', 'rpop mid', 'del mid']);
  });

  it('the rest of a pipeline runs after the served reply', async () => {
    const a = await raw();
    a.write(Buffer.concat([encodeCommand(['BRPOP', 'k', '0']), encodeCommand(['LLEN', 'k']), encodeCommand(['ECHO', '\xff'])]));
    await blocked(1);
    await c.call('RPUSH', 'k', '1', '2');
    expect((await a.readReply()).latin1Slice()).toBe('*2\r\n$1\r\nk\r\n$1\r\n2\r\n');
    expect((await a.readReply()).latin1Slice()).toBe(':1\r\n');
    expect((await a.readReply()).latin1Slice()).toBe('$1\r\n\xff\r\n');
  });
});

describe('sorted sets', () => {
  it('BZPOPMIN/BZPOPMAX/BZMPOP are served and propagate as ZPOPMIN/ZPOPMAX', async () => {
    const [a, b] = [await ioredis(), await raw()];
    const pa = a.bzpopmin('z', 0);
    await blocked(1);
    b.write(encodeCommand(['BZMPOP', '0', '1', 'z', 'MAX', 'COUNT', '5']));
    await blocked(2);
    await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c');
    expect(await pa).toEqual(['z', 'a', '1']);
    expect((await b.readReply()).latin1Slice()).toBe('*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n');
    expect(propagated).toEqual([
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '2'],
    ]);
    expect(await c.callStr('EXISTS', 'z')).toBe(':0\r\n');
    await c.call('ZADD', 'z', '5', 'x');
    propagated = [];
    expect(await a.bzpopmax('nokey', 'z', 0)).toEqual(['z', 'x', '5']);
    expect(propagated).toEqual([['ZPOPMAX', 'z']]);
    expect(await a.bzpopmin('z', 0.01)).toBeNull();
  });
});

describe('timeouts', () => {
  it('decimal timeouts expire with a null array, then the client is usable', async () => {
    const a = await ioredis();
    expect(await a.blpop('k', 0.05)).toBeNull();
    expect(await a.blmove('k', 'd', 'LEFT', 'LEFT', 0.02)).toBeNull();
    expect(await a.ping()).toBe('PONG');
    const x = await raw();
    expect(await x.callStr('BRPOPLPUSH', 'k', 'd', '0.01')).toBe('*-1\r\n');
    expect(await x.callStr('BLMPOP', '0.01', '1', 'k', 'LEFT')).toBe('*-1\r\n');
    expect(srv.server.blocking.blockedClients).toBe(0);
    expect(srv.server.blocking.clientsInTimeoutTable).toBe(0);
  });

  it('a client served before its timeout does not time out later', async () => {
    const a = await raw();
    a.write(encodeCommand(['BLPOP', 'k', '0.05']));
    await blocked(1);
    expect(srv.server.blocking.clientsInTimeoutTable).toBe(1);
    await c.call('RPUSH', 'k', 'v');
    expect((await a.readReply()).latin1Slice()).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(srv.server.blocking.clientsInTimeoutTable).toBe(0);
    await new Promise((r) => setTimeout(r, 80));
    expect(a.pending().length).toBe(0);
    expect(await a.callStr('PING')).toBe('+PONG\r\n');
  });
});

describe('bookkeeping', () => {
  it('INFO blocked_clients and CLIENT LIST flags count blocked clients', async () => {
    const [a, b] = [await raw(), await raw()];
    a.write(encodeCommand(['BLPOP', 'k1', '0']));
    b.write(encodeCommand(['BLMPOP', '0', '2', 'k1', 'k2', 'LEFT']));
    await blocked(2);
    expect(await c.callStr('INFO', 'clients')).toContain('blocked_clients:2\r\n');
    const list = (await c.callStr('CLIENT', 'LIST')).split('\n').filter((l) => / flags=b /.test(l));
    expect(list.length).toBe(2);
    expect(list.every((l) => / cmd=blpop | cmd=blmpop /.test(l))).toBe(true);
    await c.call('RPUSH', 'k2', 'v');
    await b.readReply();
    expect(await c.callStr('INFO', 'clients')).toContain('blocked_clients:1\r\n');
  });

  it('a disconnected waiter leaves no trace', async () => {
    const a = await ioredis();
    void a.blpop('k', 'k2', 0).catch(() => {});
    await blocked(1);
    a.disconnect();
    await blocked(0);
    expect(srv.server.blocking.clientsBlockedOn(0, 'k')).toEqual([]);
    expect(srv.server.blocking.clientsBlockedOn(0, 'k2')).toEqual([]);
    await c.call('RPUSH', 'k', 'v');
    expect(await c.callStr('LLEN', 'k')).toBe(':1\r\n');
    expect(propagated).toEqual([['RPUSH', 'k', 'v']]);
  });

  it('CLIENT KILL of a blocked client', async () => {
    const a = await raw();
    const id = (await a.callStr('CLIENT', 'ID')).slice(1, -2);
    a.write(encodeCommand(['BLPOP', 'k', '0']));
    await blocked(1);
    expect(await c.callStr('CLIENT', 'KILL', 'ID', id)).toBe(':1\r\n');
    await blocked(0);
  });

  it('CLIENT UNBLOCK: TIMEOUT, ERROR, and not blocked', async () => {
    await c.call('CONFIG', 'RESETSTAT');
    const a = await raw();
    const id = (await a.callStr('CLIENT', 'ID')).slice(1, -2);
    a.write(encodeCommand(['BLPOP', 'k', '0']));
    await blocked(1);
    expect(await c.callStr('CLIENT', 'UNBLOCK', id)).toBe(':1\r\n');
    expect((await a.readReply()).latin1Slice()).toBe('*-1\r\n');
    a.write(encodeCommand(['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '10']));
    await blocked(1);
    expect(await c.callStr('CLIENT', 'UNBLOCK', id, 'ERROR')).toBe(':1\r\n');
    expect((await a.readReply()).latin1Slice()).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    expect(srv.server.blocking.clientsInTimeoutTable).toBe(0);
    expect(await c.callStr('CLIENT', 'UNBLOCK', id, 'TIMEOUT')).toBe(':0\r\n');
    expect(await c.callStr('CLIENT', 'UNBLOCK', id, 'SOON')).toBe('-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n');
    expect(await c.callStr('CLIENT', 'UNBLOCK', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await a.callStr('PING')).toBe('+PONG\r\n');
    const stats = await c.callStr('INFO', 'commandstats');
    expect(stats).toMatch(/cmdstat_blmove:calls=1,.*failed_calls=1/);
    expect(stats).toMatch(/cmdstat_blpop:calls=1,.*failed_calls=1/);
  });

  it('clients that may not block (MULTI/EXEC, scripts) get the timeout reply at once', async () => {
    const a = await raw();
    const id = Number((await a.callStr('CLIENT', 'ID')).slice(1, -2));
    const sc = srv.server.clients.get(id)!;
    sc.ext.denyBlocking = true;
    expect(await a.callStr('BLPOP', 'k', '0')).toBe('*-1\r\n');
    expect(await a.callStr('BLMPOP', '0', '1', 'k', 'LEFT')).toBe('*-1\r\n');
    expect(await a.callStr('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0')).toBe('$-1\r\n');
    expect(await a.callStr('BRPOPLPUSH', 'k', 'd', '0')).toBe('$-1\r\n');
    expect(sc.flags & CLIENT_BLOCKED).toBe(0);
    await c.call('RPUSH', 'k', 'v');
    expect(await a.callStr('BLPOP', 'k', '0')).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
  });
});
