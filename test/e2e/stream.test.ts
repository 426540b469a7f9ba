/**
 * Streams end to end: binary fields and values through ioredis and raw
 * RESP2/RESP3, keyspace events, propagation as Redis rewrites it (generated
 * IDs, approximate trimming, XREADGROUP/XCLAIM effects), blocking XREAD and
 * XREADGROUP, and snapshots of stream keys.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient, encodeCommand } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

const BIN = '\xff\x00\xc3\x28\r\n';
const BINB = Buffer.from(BIN, 'latin1');

let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await cond()) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('condition never held');
}

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEA' } });
  observe(srv.server, { event: (e) => events.push(e) });
  srv.server.hooks.propagate.push((_db, argv) => propagated.push([argv[0].toUpperCase(), ...argv.slice(1)]));
  r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
  await r.connect();
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  c.close();
  r.disconnect();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  events = [];
  propagated = [];
});

describe('streams', () => {
  it('XADD with binary fields, XRANGE through ioredis', async () => {
    const key = Buffer.from('k' + BIN, 'latin1');
    const id = await r.xaddBuffer(key, '5-1', BINB, BINB);
    expect(id!.toString()).toBe('5-1');
    const rows = await r.xrangeBuffer(key, '-', '+');
    expect(rows).toHaveLength(1);
    expect(rows[0][0].toString()).toBe('5-1');
    expect(rows[0][1]).toEqual([BINB, BINB]);
    expect(await r.type(key)).toBe('stream');
    expect(await r.object('ENCODING', key)).toBe('stream');
    await r.set('str', 'x');
    await expect(r.xadd('str', '*', 'a', 'b')).rejects.toThrow(/WRONGTYPE/);
  });

  it('auto IDs are propagated as generated, approximate trims with their effective figure', async () => {
    const id = (await r.xadd('s', '*', 'f', 'v')) as string;
    expect(id).toMatch(/^\d+-0$/);
    const id2 = (await r.xadd('s', `${id.split('-')[0]}-*`, 'f', 'v')) as string;
    expect(id2).toBe(`${id.split('-')[0]}-1`);
    expect(propagated).toEqual([
      ['XADD', 's', id, 'f', 'v'],
      ['XADD', 's', id2, 'f', 'v'],
    ]);
    propagated = [];
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '5');
    await c.call('DEL', 't');
    for (let i = 1; i <= 12; i++) await c.call('XADD', 't', `${i}-0`, 'f', 'v');
    propagated = [];
    await c.call('XADD', 't', 'MAXLEN', '~', '3', '13-0', 'f', 'v');
    // Whole nodes of 5 go while at least 3 entries remain: 11-0..13-0 are left.
    expect(propagated).toEqual([['XADD', 't', 'MAXLEN', '=', '3', '13-0', 'f', 'v']]);
    propagated = [];
    // The last node holds 11-0..13-0: nothing goes, nothing is propagated.
    expect(await c.callStr('XTRIM', 't', 'MINID', '~', '12')).toBe(':0\r\n');
    expect(await c.callStr('XTRIM', 't', 'MINID', '12')).toBe(':1\r\n');
    expect(propagated).toEqual([['XTRIM', 't', 'MINID', '12']]);
    await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
  });

  it('keyspace events', async () => {
    await c.call('XADD', 's', 'MAXLEN', '1', '1-0', 'a', 'b');
    await c.call('XADD', 's', 'MAXLEN', '1', '2-0', 'a', 'b');
    await c.call('XDEL', 's', '2-0');
    await c.call('XSETID', 's', '5-0');
    await c.call('XGROUP', 'CREATE', 's', 'g', '0');
    await c.call('XGROUP', 'CREATECONSUMER', 's', 'g', 'c');
    await c.call('XGROUP', 'SETID', 's', 'g', '0');
    await c.call('XGROUP', 'DELCONSUMER', 's', 'g', 'c');
    await c.call('XGROUP', 'DESTROY', 's', 'g');
    expect(events).toEqual([
      'xadd s',
      'xadd s',
      'xtrim s',
      'xdel s',
      'xsetid s',
      'xgroup-create s',
      'xgroup-createconsumer s',
      'xgroup-setid s',
      'xgroup-delconsumer s',
      'xgroup-destroy s',
    ]);
  });

  it('XREADGROUP propagates XCLAIM and XGROUP SETID effects', async () => {
    await c.call('XADD', 's', '1-0', 'a', 'b');
    await c.call('XADD', 's', '2-0', 'a', 'b');
    await c.call('XGROUP', 'CREATE', 's', 'g', '0');
    propagated = [];
    await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
    expect(propagated.map((a) => a.filter((_, i) => i !== 7))).toEqual([
      ['MULTI'],
      ['XCLAIM', 's', 'g', 'alice', '0', '1-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0'],
      ['XCLAIM', 's', 'g', 'alice', '0', '2-0', 'TIME', 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '2-0'],
      ['EXEC'],
    ]);
    propagated = [];
    await c.call('XADD', 's', '3-0', 'a', 'b');
    propagated = [];
    await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'STREAMS', 's', '>');
    expect(propagated).toEqual([
      ['MULTI'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'bob'],
      ['XGROUP', 'SETID', 's', 'g', '3-0', 'ENTRIESREAD', '3'],
      ['EXEC'],
    ]);
    propagated = [];
    await c.call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    expect(propagated).toEqual([]);
  });

  it('XREAD BLOCK is served by XADD, in RESP2 and RESP3', async () => {
    await c.call('XADD', 's', '1-0', 'a', 'b');
    const b = await RawClient.connect(srv.port);
    try {
      b.write(encodeCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']));
      await until(() => srv.server.blocking.blockedClients === 1);
      await c.call('XADD', 's', '2-0', 'f' + BIN, 'v');
      const reply = (await b.readReply()).latin1Slice();
      expect(reply).toBe(`*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$7\r\nf${BIN}\r\n$1\r\nv\r\n`);
      await b.call('HELLO', '3');
      // Redis 7.0 has no '+' ID for XREAD (7.4 added it).
      expect(await b.callStr('XREAD', 'STREAMS', 's', '+')).toBe('-ERR Invalid stream ID specified as stream command argument\r\n');
      b.write(encodeCommand(['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$']));
      await until(() => srv.server.blocking.blockedClients === 1);
      await c.call('XADD', 's', '3-0', 'x', 'y');
      expect((await b.readReply()).latin1Slice()).toBe('%1\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
      expect(await b.callStr('XREAD', 'BLOCK', '10', 'STREAMS', 's', '$')).toBe('_\r\n');
      await b.call('MULTI');
      await b.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      expect(await b.callStr('EXEC')).toBe('*1\r\n_\r\n');
    } finally {
      b.close();
    }
  });

  it('XREADGROUP BLOCK is served, propagated, and told when its group goes away', async () => {
    await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    const b = await RawClient.connect(srv.port);
    try {
      b.write(encodeCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>']));
      await until(() => srv.server.blocking.blockedClients === 1);
      propagated = [];
      await c.call('XADD', 's', '7-0', 'a', 'b');
      expect((await b.readReply()).latin1Slice()).toBe('*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n7-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n');
      expect(propagated[0]).toEqual(['XADD', 's', '7-0', 'a', 'b']);
      expect(propagated[1].slice(0, 6)).toEqual(['XCLAIM', 's', 'g', 'c1', '0', '7-0']);
      expect(await c.callStr('XPENDING', 's', 'g')).toBe('*4\r\n:1\r\n$3\r\n7-0\r\n$3\r\n7-0\r\n*1\r\n*2\r\n$2\r\nc1\r\n$1\r\n1\r\n');
      b.write(encodeCommand(['XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', '0', 'STREAMS', 's', '>']));
      await until(() => srv.server.blocking.blockedClients === 1);
      await c.call('XGROUP', 'DESTROY', 's', 'g');
      expect((await b.readReply()).latin1Slice()).toBe('-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
    } finally {
      b.close();
    }
  });

  it('DEBUG DIGEST-VALUE, COPY and MEMORY USAGE do not fail on a stream', async () => {
    await c.call('XADD', 's', '1-0', 'a', 'b');
    expect(await c.callStr('COPY', 's', 's2')).toBe(':1\r\n');
    expect(await c.callStr('XRANGE', 's2', '-', '+')).toBe('*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    expect(await c.callStr('XLEN', 's2')).toBe(':1\r\n');
  });
});
