import { describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { observedServer } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';

const BIN = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80, 0x01]);

const t = observedServer({ 'notify-keyspace-events': 'KEAn' });

describe('PFADD', () => {
  it('creates, notifies, signals and propagates only on change', async () => {
    expect(await t.r.pfadd('h', 'a', 'b')).toBe(1);
    expect(await t.r.pfadd('h', 'a', 'b')).toBe(0);
    expect(await t.r.pfadd(BIN, BIN)).toBe(1);
    expect(t.events).toEqual(['new h', 'pfadd h', `new ${BIN.latin1Slice()}`, `pfadd ${BIN.latin1Slice()}`]);
    expect(t.modified).toEqual(['h', BIN.latin1Slice()]);
    expect(t.propagated.map((a) => a[0].toLowerCase())).toEqual(['pfadd', 'pfadd']);
    expect((await t.r.getBuffer('h'))!.subarray(0, 5).latin1Slice()).toBe('HYLL\x01');
  });

  it('rejects non-HLL values with Redis errors', async () => {
    await t.r.set('s', 'hello');
    await t.r.rpush('l', 'x');
    await expect(t.r.pfadd('s', 'a')).rejects.toThrow('WRONGTYPE Key is not a valid HyperLogLog string value.');
    await expect(t.r.pfadd('l', 'a')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await t.r.pfadd('h', 'a');
    await t.r.append('h', 'xx');
    await expect(t.r.pfcount('h')).rejects.toThrow('INVALIDOBJ Corrupted HLL object detected');
  });
});

describe('PFCOUNT', () => {
  it('writes the cached cardinality back, signalled and propagated', async () => {
    await t.r.pfadd('h', 'a', 'b', 'c');
    t.events = [];
    t.propagated = [];
    t.modified = [];
    expect((await t.r.getrangeBuffer('h', 15, 15))[0]).toBe(0x80);
    expect(await t.r.pfcount('h')).toBe(3);
    expect((await t.r.getrangeBuffer('h', 8, 15)).equals(Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    expect(t.modified).toEqual(['h']);
    expect(t.propagated).toEqual([['pfcount', 'h']]);
    // The cached value needs no write.
    expect(await t.r.pfcount('h')).toBe(3);
    expect(t.modified).toEqual(['h']);
    expect(t.propagated.length).toBe(1);
    expect(t.events).toEqual([]);
  });

  it('a cache update breaks a WATCH', async () => {
    await t.r.pfadd('h', 'a');
    const w = new Redis(t.srv.port, '127.0.0.1');
    await w.watch('h');
    expect(await t.r.pfcount('h')).toBe(1);
    const res = await w.multi().get('x').exec();
    expect(res).toBeNull();
    w.disconnect();
  });

  it('several keys: the union, nothing written', async () => {
    await t.r.pfadd('a', 'x', 'y');
    await t.r.pfadd('b', 'y', 'z');
    t.propagated = [];
    expect(await t.r.pfcount('a', 'b', 'missing')).toBe(3);
    expect(t.propagated).toEqual([]);
    expect((await t.r.getrangeBuffer('a', 15, 15))[0]).toBe(0x80);
  });
});

describe('PFMERGE', () => {
  it('merges into a new or existing key and fires pfadd', async () => {
    await t.r.pfadd('a', 'x', 'y');
    await t.r.pfadd('b', 'y', 'z');
    t.events = [];
    expect(await t.r.pfmerge('d', 'a', 'b')).toBe('OK');
    expect(await t.r.pfcount('d')).toBe(3);
    expect(t.events).toEqual(['new d', 'pfadd d']);
    expect(await t.r.pfmerge('a', 'b')).toBe('OK');
    expect(await t.r.pfcount('a')).toBe(3);
  });
});

describe('PFDEBUG and PFSELFTEST', () => {
  it('ENCODING, TODENSE, GETREG, DECODE', async () => {
    await t.r.pfadd('h', 'a');
    expect(await t.r.call('PFDEBUG', 'ENCODING', 'h')).toBe('sparse');
    expect(await t.r.call('PFDEBUG', 'DECODE', 'h')).toMatch(/^Z:\d+ v:\d,1 Z:\d+$/);
    t.propagated = [];
    expect(await t.r.call('PFDEBUG', 'TODENSE', 'h')).toBe(1);
    expect(t.propagated.length).toBe(1);
    expect(await t.r.call('PFDEBUG', 'TODENSE', 'h')).toBe(0);
    expect(await t.r.strlen('h')).toBe(16 + 12288);
    const regs = (await t.r.call('PFDEBUG', 'GETREG', 'h')) as number[];
    expect(regs.length).toBe(16384);
    expect(regs.filter((x) => x !== 0).length).toBe(1);
    await expect(t.r.call('PFDEBUG', 'DECODE', 'h')).rejects.toThrow('HLL encoding is not sparse');
    await expect(t.r.call('PFDEBUG', 'FOO', 'h')).rejects.toThrow("Unknown PFDEBUG subcommand 'FOO'");
    await expect(t.r.call('PFDEBUG', 'GETREG', 'nokey')).rejects.toThrow('The specified key does not exist');
  });

  it('RESP3 replies', async () => {
    const c3 = await RawClient.connect(t.srv.port);
    await c3.call('HELLO', '3');
    await c3.call('PFADD', 'h', 'a');
    expect((await c3.call('PFCOUNT', 'h')).latin1Slice()).toBe(':1\r\n');
    expect((await c3.call('PFDEBUG', 'ENCODING', 'h')).latin1Slice()).toBe('+sparse\r\n');
    expect((await c3.call('PFMERGE', 'd', 'h')).latin1Slice()).toBe('+OK\r\n');
    c3.close();
  });

  it('PFSELFTEST passes', async () => {
    expect(await t.r.call('PFSELFTEST')).toBe('OK');
  }, 120000);
});
