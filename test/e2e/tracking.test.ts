/**
 * Client side caching end to end: ioredis clients using RESP2 redirection to
 * a `__redis__:invalidate` subscriber (ioredis speaks RESP2 only), raw RESP3
 * connections receiving invalidation pushes, binary key names, BCAST,
 * tracking-table-max-keys, expiry, flushes, broken redirection, INFO and
 * CLIENT LIST figures, cleanup on disconnect and RESET.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { CLIENT_TRACKING } from '../../src/server/client.js';
import { ManualClock } from '../../src/store/clock.js';

const BIN = 'k\xff\x00\xc3';
const BIN2 = 'k\xc3\x28\r\n';

function bulk(s: string): string {
  return `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
}

/** The RESP3 push invalidating `keys`. */
function inv3(...keys: string[]): string {
  return `>2\r\n${bulk('invalidate')}*${keys.length}\r\n${keys.map(bulk).join('')}`;
}

/** The RESP2 Pub/Sub message a redirect subscriber receives for `keys`. */
function inv2(...keys: string[]): string {
  return `*3\r\n${bulk('message')}${bulk('__redis__:invalidate')}*${keys.length}\r\n${keys.map(bulk).join('')}`;
}

let srv: ServerHandle;
const clock = new ManualClock();
let a: RawClient;
let b: RawClient;
let w: RawClient;

async function waitFor(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function clientId(r: RawClient): Promise<number> {
  return Number((await r.callStr('CLIENT', 'ID')).slice(1, -2));
}

async function infoField(field: string): Promise<string> {
  const s = await w.callStr('INFO', 'everything');
  return new RegExp(`\r\n${field}:([^\r]*)\r\n`).exec(s)![1];
}

async function clientInfo(r: RawClient, field: string): Promise<string> {
  const s = await r.callStr('CLIENT', 'INFO');
  return new RegExp(` ${field}=(\\S*)`).exec(s)![1];
}

/** The next reply is the PING reply: nothing else was queued. */
async function nothingPending(r: RawClient): Promise<void> {
  expect(await r.callStr('PING')).toMatch(/^(\+PONG|\*2\r\n\$4\r\npong)/);
  expect(r.pending().length).toBe(0);
}

beforeAll(async () => {
  srv = await startNodis({ clock });
});

afterAll(async () => {
  await srv.close();
});

beforeEach(async () => {
  for (const c of [a, b, w]) c?.close();
  a = await RawClient.connect(srv.port);
  b = await RawClient.connect(srv.port);
  w = await RawClient.connect(srv.port);
  await w.call('FLUSHALL');
  await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
  srv.server.activeExpireEnabled = true;
});

describe('ioredis with RESP2 redirection', () => {
  it('a subscriber gets the invalidations of binary keys read by another connection', async () => {
    const sub = new Redis(srv.port, { lazyConnect: true });
    const cache = new Redis(srv.port, { lazyConnect: true });
    const writer = new Redis(srv.port, { lazyConnect: true });
    await Promise.all([sub.connect(), cache.connect(), writer.connect()]);
    try {
      const got: string[][] = [];
      sub.on('messageBuffer', (ch: Buffer, msg: unknown) => {
        expect(ch.latin1Slice()).toBe('__redis__:invalidate');
        got.push(msg === null ? [] : (msg as Buffer[]).map((k) => k.latin1Slice()));
      });
      const subId = (await sub.client('ID')) as number;
      await sub.subscribe('__redis__:invalidate');
      expect(await cache.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(subId))).toBe('OK');
      expect(await cache.call('CLIENT', 'GETREDIR')).toBe(subId);
      const kb = Buffer.from(BIN, 'latin1');
      await writer.set(kb, Buffer.from('v\xff', 'latin1'));
      expect((await cache.getBuffer(kb))!.latin1Slice()).toBe('v\xff');
      expect(await cache.hget(Buffer.from(BIN2, 'latin1') as unknown as string, 'f')).toBe(null);
      // Not read by the tracking client: no invalidation.
      await writer.set('other', '1');
      await writer.set(kb, 'x');
      await waitFor(() => got.length === 1, 'first invalidation');
      expect(got[0]).toEqual([BIN]);
      await writer.hset(Buffer.from(BIN2, 'latin1') as unknown as string, 'f', '1');
      await waitFor(() => got.length === 2, 'second invalidation');
      expect(got[1]).toEqual([BIN2]);
      // The key was dropped from the table: a second change is silent until read again.
      await writer.set(kb, 'y');
      await cache.get(kb as unknown as string);
      await writer.del(kb as unknown as string);
      await waitFor(() => got.length === 3, 'third invalidation');
      expect(got[2]).toEqual([BIN]);
      expect(got.length).toBe(3);
      // A flush: the message carries a null instead of keys.
      await writer.flushall();
      await waitFor(() => got.length === 4, 'flush invalidation');
      expect(got[3]).toEqual([]);
    } finally {
      sub.disconnect();
      cache.disconnect();
      writer.disconnect();
    }
  });

  it('BCAST with a binary prefix: one message per prefix and turn', async () => {
    const sub = new Redis(srv.port, { lazyConnect: true });
    const cache = new Redis(srv.port, { lazyConnect: true });
    await Promise.all([sub.connect(), cache.connect()]);
    try {
      const got: string[][] = [];
      sub.on('messageBuffer', (_ch: Buffer, msg: Buffer[]) => got.push(msg.map((k) => k.latin1Slice())));
      const subId = (await sub.client('ID')) as number;
      await sub.subscribe('__redis__:invalidate');
      const pfx = Buffer.from('p\xff:', 'latin1');
      await cache.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', String(subId), 'PREFIX', pfx as unknown as string, 'PREFIX', 'q');
      const m = cache.multi();
      m.set(Buffer.from('p\xff:2', 'latin1') as unknown as string, '1');
      m.set(Buffer.from('p\xff:1', 'latin1') as unknown as string, '1');
      m.set('q1', '1');
      m.set('r1', '1');
      await m.exec();
      await waitFor(() => got.length === 2, 'two broadcasts');
      // Prefixes in byte order; keys sorted within each.
      expect(got).toEqual([['p\xff:1', 'p\xff:2'], ['q1']]);
      expect(await infoField('tracking_total_prefixes')).toBe('2');
    } finally {
      sub.disconnect();
      cache.disconnect();
    }
  });
});

describe('raw RESP3', () => {
  it('pushes for other clients arrive between replies; own changes follow the reply', async () => {
    await a.call('HELLO', '3');
    expect(await a.callStr('CLIENT', 'TRACKING', 'on')).toBe('+OK\r\n');
    await w.call('MSET', BIN, '1', BIN2, '2');
    expect(await a.callStr('MGET', BIN, BIN2, 'missing')).toBe(`*3\r\n${bulk('1')}${bulk('2')}_\r\n`);
    await w.call('SET', 'missing', 'now');
    expect((await a.readReply()).latin1Slice()).toBe(inv3('missing'));
    await w.call('MSET', BIN2, 'x', BIN, 'y');
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN2));
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN));
    // Its own change: the reply first, then the push.
    await a.call('GET', BIN);
    expect(await a.callStr('APPEND', BIN, 'z')).toBe(':2\r\n');
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN));
    await nothingPending(a);
  });

  it('a script that runs a read command tracks its declared keys, not the keys it read', async () => {
    await a.call('HELLO', '3');
    expect(await a.callStr('CLIENT', 'TRACKING', 'on')).toBe('+OK\r\n');
    // Only writes: nothing is tracked.
    await a.call('EVAL', "redis.call('set', 'k3', 'bar')", '2', BIN, BIN2);
    await w.call('MSET', BIN2, '1', BIN, '1');
    await nothingPending(a);
    // A read of another key: the declared keys are tracked, k3 is not.
    await a.call('EVAL', "redis.call('get', 'k3')", '2', BIN, BIN2);
    await w.call('MSET', BIN2, '2', BIN, '2', 'k3', 'x');
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN2));
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN));
    await nothingPending(a);
    // EVAL_RO itself tracks nothing; its read commands do.
    await a.call('EVAL_RO', "redis.call('ping')", '2', BIN, BIN2);
    await w.call('MSET', BIN2, '3', BIN, '3');
    await nothingPending(a);
    await a.call('EVAL_RO', "redis.call('get', KEYS[1])", '1', BIN);
    await w.call('SET', BIN, '4');
    expect((await a.readReply()).latin1Slice()).toBe(inv3(BIN));
    await nothingPending(a);
  });

  it('keys are global across databases; SWAPDB is no flush', async () => {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('SELECT', '1');
    await a.call('GET', 'dbkey');
    await w.call('SELECT', '5');
    await w.call('SET', 'dbkey', '1');
    expect((await a.readReply()).latin1Slice()).toBe(inv3('dbkey'));
    await a.call('GET', 'dbkey');
    await w.call('SWAPDB', '1', '5');
    await nothingPending(a);
  });

  it('invalidations of a transaction come after the EXEC reply, a flush as a null', async () => {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('MSET', 'x', '1', 'y', '2');
    await a.call('GET', 'x');
    await a.call('MULTI');
    await a.call('INCR', 'x');
    await a.call('GET', 'y');
    await a.call('FLUSHDB');
    expect(await a.callStr('EXEC')).toBe(`*3\r\n:2\r\n${bulk('2')}+OK\r\n`);
    expect((await a.readReply()).latin1Slice()).toBe(inv3('x'));
    expect((await a.readReply()).latin1Slice()).toBe(`>2\r\n${bulk('invalidate')}_\r\n`);
    await nothingPending(a);
  });

  it('a lazily expired key is invalidated after the reply that found it expired', async () => {
    srv.server.activeExpireEnabled = false;
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('MSET', 'x', '1', 'y', '2');
    await a.call('PEXPIRE', 'y', '1');
    await a.call('GET', 'y');
    clock.advance(10);
    expect(await a.callStr('MGET', 'x', 'y')).toBe(`*2\r\n${bulk('1')}_\r\n`);
    expect((await a.readReply()).latin1Slice()).toBe(inv3('y'));
    await nothingPending(a);
  });

  it('active expiry invalidates tracked keys and BCAST prefixes', async () => {
    await a.call('HELLO', '3');
    await b.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on');
    await b.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'ex');
    await w.call('SET', 'exp', '1', 'PX', '30');
    expect((await b.readReply()).latin1Slice()).toBe(inv3('exp'));
    await a.call('GET', 'exp');
    clock.advance(100);
    // Expired by the cron, without any command from these clients.
    expect((await a.readReply(10000)).latin1Slice()).toBe(inv3('exp'));
    expect((await b.readReply(10000)).latin1Slice()).toBe(inv3('exp'));
  });

  it('tracking-table-max-keys drops the oldest keys with an invalidation', async () => {
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('MGET', 'k1', 'k2', 'k3', 'k4');
    expect(await infoField('tracking_total_keys')).toBe('4');
    await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
    // Applied before the next command of any client (or by the cron).
    expect(await a.callStr('PING')).toBe(inv3('k1'));
    expect((await a.readReply()).latin1Slice()).toBe(inv3('k2'));
    expect((await a.readReply()).latin1Slice()).toBe('+PONG\r\n');
    expect(await infoField('tracking_total_keys')).toBe('2');
    expect(await infoField('tracking_total_items')).toBe('2');
    // Inside MULTI the limit applies as a command is queued.
    await a.call('MULTI');
    await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
    expect(await a.callStr('PING')).toBe(inv3('k3'));
    expect((await a.readReply()).latin1Slice()).toBe('+QUEUED\r\n');
    expect(await a.callStr('EXEC')).toBe('*1\r\n+PONG\r\n');
  });

  it('broken redirection: tracking-redir-broken pushes, R flag, TRACKINGINFO', async () => {
    const target = await RawClient.connect(srv.port);
    const tid = await clientId(target);
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(tid));
    expect(await clientInfo(a, 'flags')).toBe('t');
    expect(await clientInfo(a, 'redir')).toBe(String(tid));
    await a.call('GET', 'k');
    await w.call('CLIENT', 'KILL', 'ID', String(tid));
    await w.call('SET', 'k', '1');
    expect((await a.readReply()).latin1Slice()).toBe(`>2\r\n${bulk('tracking-redir-broken')}:${tid}\r\n`);
    expect(await clientInfo(a, 'flags')).toBe('tR');
    expect(await a.callStr('CLIENT', 'TRACKINGINFO')).toBe(
      `%3\r\n${bulk('flags')}~2\r\n${bulk('on')}${bulk('broken_redirect')}${bulk('redirect')}:${tid}\r\n${bulk('prefixes')}*0\r\n`,
    );
    target.close();
  });

  it('a redirection target that QUIT is gone once its +OK is read', async () => {
    const target = await RawClient.connect(srv.port);
    const tid = await clientId(target);
    await a.call('HELLO', '3');
    await a.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(tid));
    await a.call('GET', 'k');
    expect(await target.callStr('QUIT')).toBe('+OK\r\n');
    // No wait for the socket's close: the next change finds the target gone.
    await w.call('SET', 'k', '1');
    expect((await a.readReply()).latin1Slice()).toBe(`>2\r\n${bulk('tracking-redir-broken')}:${tid}\r\n`);
    target.close();
  });

  it('a RESP2 client tracking without redirection receives nothing', async () => {
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('GET', 'k');
    await w.call('SET', 'k', '1');
    await a.call('GET', 'k');
    await a.call('SET', 'k', '2');
    await nothingPending(a);
    expect(await infoField('tracking_total_keys')).toBe('0');
  });
});

describe('state', () => {
  it('INFO and CLIENT LIST figures; disconnection and RESET end tracking', async () => {
    await a.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(await clientId(b)));
    await b.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'b');
    await a.call('MGET', 'x', 'y');
    await w.call('CLIENT', 'TRACKING', 'on');
    await w.call('GET', 'x');
    expect(await infoField('tracking_clients')).toBe('3');
    expect(await infoField('tracking_total_keys')).toBe('2');
    expect(await infoField('tracking_total_items')).toBe('3');
    expect(await infoField('tracking_total_prefixes')).toBe('2');
    expect(await clientInfo(b, 'flags')).toBe('tB');
    expect(await clientInfo(b, 'redir')).toBe('0');
    const bid = await clientId(b);
    expect(srv.server.clients.get(bid)!.flags & CLIENT_TRACKING).not.toBe(0);
    b.close();
    await waitFor(() => !srv.server.clients.has(bid), 'b to be freed');
    expect(await infoField('tracking_clients')).toBe('2');
    expect(await infoField('tracking_total_prefixes')).toBe('0');
    expect(await a.callStr('RESET')).toBe('+RESET\r\n');
    expect(await clientInfo(a, 'flags')).toBe('N');
    expect(await clientInfo(a, 'redir')).toBe('-1');
    expect(await a.callStr('CLIENT', 'GETREDIR')).toBe(':-1\r\n');
    await w.call('CLIENT', 'TRACKING', 'off');
    expect(await infoField('tracking_clients')).toBe('0');
    // Ids stay in the table until the keys change (lazy cleanup, as Redis).
    expect(await infoField('tracking_total_items')).toBe('3');
    await w.call('MSET', 'x', '1', 'y', '1');
    expect(await infoField('tracking_total_items')).toBe('0');
  });
});
