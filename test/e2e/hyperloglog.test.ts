import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';

const BIN = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80, 0x01]);

let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEAn' } });
  observe(srv.server, { event: (e) => events.push(e), propagate: (a) => propagated.push(a), modified: (k) => modified.push(k) });
  r = new Redis(srv.port, '127.0.0.1', { lazyConnect: true, enableReadyCheck: false });
  await r.connect();
  c = await RawClient.connect(srv.port);
});

afterAll(async () => {
  r.disconnect();
  c.close();
  await srv.close();
});

beforeEach(async () => {
  await c.call('FLUSHALL');
  events = [];
  propagated = [];
  modified = [];
});

describe('PFADD', () => {
  it('creates, notifies, signals and propagates only on change', async () => {
    expect(await r.pfadd('h', 'a', 'b')).toBe(1);
    expect(await r.pfadd('h', 'a', 'b')).toBe(0);
    expect(await r.pfadd(BIN, BIN)).toBe(1);
    expect(events).toEqual(['new h', 'pfadd h', `new ${BIN.latin1Slice()}`, `pfadd ${BIN.latin1Slice()}`]);
    expect(modified).toEqual(['h', BIN.latin1Slice()]);
    expect(propagated.map((a) => a[0].toLowerCase())).toEqual(['pfadd', 'pfadd']);
    expect((await r.getBuffer('h'))!.subarray(0, 5).latin1Slice()).toBe('HYLL\x01');
  });

  it('rejects non-HLL values with Redis errors', async () => {
    await r.set('s', 'hello');
    await r.rpush('l', 'x');
    await expect(r.pfadd('s', 'a')).rejects.toThrow('WRONGTYPE Key is not a valid HyperLogLog string value.');
    await expect(r.pfadd('l', 'a')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await r.pfadd('h', 'a');
    await r.append('h', 'xx');
    await expect(r.pfcount('h')).rejects.toThrow('INVALIDOBJ Corrupted HLL object detected');
  });
});

describe('PFCOUNT', () => {
  it('writes the cached cardinality back, signalled and propagated', async () => {
    await r.pfadd('h', 'a', 'b', 'c');
    events = [];
    propagated = [];
    modified = [];
    expect((await r.getrangeBuffer('h', 15, 15))[0]).toBe(0x80);
    expect(await r.pfcount('h')).toBe(3);
    expect((await r.getrangeBuffer('h', 8, 15)).equals(Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    expect(modified).toEqual(['h']);
    expect(propagated).toEqual([['pfcount', 'h']]);
    // The cached value needs no write.
    expect(await r.pfcount('h')).toBe(3);
    expect(modified).toEqual(['h']);
    expect(propagated.length).toBe(1);
    expect(events).toEqual([]);
  });

  it('a cache update breaks a WATCH', async () => {
    await r.pfadd('h', 'a');
    const w = new Redis(srv.port, '127.0.0.1');
    await w.watch('h');
    expect(await r.pfcount('h')).toBe(1);
    const res = await w.multi().get('x').exec();
    expect(res).toBeNull();
    w.disconnect();
  });

  it('several keys: the union, nothing written', async () => {
    await r.pfadd('a', 'x', 'y');
    await r.pfadd('b', 'y', 'z');
    propagated = [];
    expect(await r.pfcount('a', 'b', 'missing')).toBe(3);
    expect(propagated).toEqual([]);
    expect((await r.getrangeBuffer('a', 15, 15))[0]).toBe(0x80);
  });
});

describe('PFMERGE', () => {
  it('merges into a new or existing key and fires pfadd', async () => {
    await r.pfadd('a', 'x', 'y');
    await r.pfadd('b', 'y', 'z');
    events = [];
    expect(await r.pfmerge('d', 'a', 'b')).toBe('OK');
    expect(await r.pfcount('d')).toBe(3);
    expect(events).toEqual(['new d', 'pfadd d']);
    expect(await r.pfmerge('a', 'b')).toBe('OK');
    expect(await r.pfcount('a')).toBe(3);
  });
});

describe('PFDEBUG and PFSELFTEST', () => {
  it('ENCODING, TODENSE, GETREG, DECODE', async () => {
    await r.pfadd('h', 'a');
    expect(await r.call('PFDEBUG', 'ENCODING', 'h')).toBe('sparse');
    expect(await r.call('PFDEBUG', 'DECODE', 'h')).toMatch(/^Z:\d+ v:\d,1 Z:\d+$/);
    propagated = [];
    expect(await r.call('PFDEBUG', 'TODENSE', 'h')).toBe(1);
    expect(propagated.length).toBe(1);
    expect(await r.call('PFDEBUG', 'TODENSE', 'h')).toBe(0);
    expect(await r.strlen('h')).toBe(16 + 12288);
    const regs = (await r.call('PFDEBUG', 'GETREG', 'h')) as number[];
    expect(regs.length).toBe(16384);
    expect(regs.filter((x) => x !== 0).length).toBe(1);
    await expect(r.call('PFDEBUG', 'DECODE', 'h')).rejects.toThrow('HLL encoding is not sparse');
    await expect(r.call('PFDEBUG', 'FOO', 'h')).rejects.toThrow("Unknown PFDEBUG subcommand 'FOO'");
    await expect(r.call('PFDEBUG', 'GETREG', 'nokey')).rejects.toThrow('The specified key does not exist');
  });

  it('RESP3 replies', async () => {
    const c3 = await RawClient.connect(srv.port);
    await c3.call('HELLO', '3');
    await c3.call('PFADD', 'h', 'a');
    expect((await c3.call('PFCOUNT', 'h')).latin1Slice()).toBe(':1\r\n');
    expect((await c3.call('PFDEBUG', 'ENCODING', 'h')).latin1Slice()).toBe('+sparse\r\n');
    expect((await c3.call('PFMERGE', 'd', 'h')).latin1Slice()).toBe('+OK\r\n');
    c3.close();
  });

  it('PFSELFTEST passes', async () => {
    expect(await r.call('PFSELFTEST')).toBe('OK');
  }, 120000);
});
