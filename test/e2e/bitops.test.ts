import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Redis from 'ioredis';
import { startNodis } from '../helpers/servers.js';
import { observe } from '../helpers/observe.js';
import { RawClient } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import type { RObjectBase } from '../../src/store/types.js';
import { stringEncoding } from '../../src/store/encoding.js';

const BIN = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80, 0x01]);
const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n';
const OFFSET_ERR = '-ERR bit offset is not an integer or out of range\r\n';
const TYPE_ERR = '-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n';

let srv: ServerHandle;
let r: Redis;
let c: RawClient;
let events: string[] = [];
let propagated: string[][] = [];
let modified: string[] = [];

const fakeList: RObjectBase = {
  type: 'list',
  dup() {
    return this;
  },
  encoding() {
    return 'listpack';
  },
};

function db0() {
  return srv.server.dbs[0];
}

function encodingOf(key: string): string {
  return stringEncoding(db0().peek(key) as string | Buffer);
}

beforeAll(async () => {
  srv = await startNodis({ config: { 'notify-keyspace-events': 'KEA' } });
  observe(srv.server, { event: (e) => events.push(e), propagate: (a) => propagated.push(a) });
  srv.server.hooks.keyModified.push((_db, key) => modified.push(key));
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

describe('SETBIT and GETBIT', () => {
  it('sets bits MSB first, grows, and reports the old bit', async () => {
    expect(await r.setbit('b', 7, 1)).toBe(0);
    expect(await r.getBuffer('b')).toEqual(Buffer.from([0x01]));
    expect(await r.setbit('b', 7, 1)).toBe(1);
    expect(await r.setbit('b', 8, 1)).toBe(0);
    expect(await r.getBuffer('b')).toEqual(Buffer.from([0x01, 0x80]));
    expect(await r.getbit('b', 8)).toBe(1);
    expect(await r.getbit('b', 9)).toBe(0);
    expect(await r.getbit('b', 1000)).toBe(0);
    expect(await r.getbit('nokey', 3)).toBe(0);
    expect(encodingOf('b')).toBe('raw');
    // The unchanged SETBIT (second call) neither notifies nor dirties.
    expect(events).toEqual(['setbit b', 'setbit b']);
    expect(modified).toEqual(['b', 'b']);
    expect(propagated.length).toBe(2);
  });

  it('works on binary keys and int-encoded values', async () => {
    await r.set(BIN, '1');
    expect(await r.getbit(BIN, 2)).toBe(1);
    expect(await r.getbit(BIN, 7)).toBe(1);
    expect(encodingOf(BIN.latin1Slice())).toBe('int');
    const dirty = srv.server.dirty;
    expect(await r.setbit(BIN, 0, 0)).toBe(0);
    expect(srv.server.dirty).toBe(dirty);
    // Like dbUnshareStringValue(): the value becomes raw even without a change.
    expect(encodingOf(BIN.latin1Slice())).toBe('raw');
    expect(await r.setbit(BIN, 7, 0)).toBe(1);
    expect(await r.get(BIN)).toBe('0');
  });

  it('keeps the TTL', async () => {
    await r.set('k', 'x', 'EX', 100);
    await r.setbit('k', 100, 1);
    expect(db0().getExpire('k')).toBeGreaterThan(Date.now());
  });

  it('errors', async () => {
    expect(await c.callStr('SETBIT', 'k', '-1', '1')).toBe(OFFSET_ERR);
    expect(await c.callStr('SETBIT', 'k', '4294967296', '1')).toBe(OFFSET_ERR);
    expect(await c.callStr('SETBIT', 'k', 'x', '1')).toBe(OFFSET_ERR);
    expect(await c.callStr('SETBIT', 'k', '0', '2')).toBe('-ERR bit is not an integer or out of range\r\n');
    expect(await c.callStr('SETBIT', 'k', '0', 'on')).toBe('-ERR bit is not an integer or out of range\r\n');
    expect(await c.callStr('GETBIT', 'k', '-1')).toBe(OFFSET_ERR);
    expect(await c.callStr('GETBIT', 'k', '#1')).toBe(OFFSET_ERR);
    expect(await c.callStr('SETBIT', 'k', '0')).toBe("-ERR wrong number of arguments for 'setbit' command\r\n");
    db0().add('lst', fakeList);
    expect(await c.callStr('SETBIT', 'lst', '0', '1')).toBe(WRONGTYPE);
    expect(await c.callStr('GETBIT', 'lst', '0')).toBe(WRONGTYPE);
    expect(await r.exists('k')).toBe(0);
  });

  it('grows a bitmap in place and reads back exact bytes', async () => {
    const shadow = Buffer.alloc(40000);
    let seed = 3;
    for (let i = 0; i < 2000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      const off = seed % (shadow.length * 8);
      const on = (seed >> 7) & 1;
      const before = (shadow[off >> 3] >> (7 - (off & 7))) & 1;
      if (on) shadow[off >> 3] |= 1 << (7 - (off & 7));
      else shadow[off >> 3] &= ~(1 << (7 - (off & 7)));
      expect(await r.setbit('g', off, on)).toBe(before);
    }
    const got = await r.getBuffer('g');
    let last = shadow.length;
    while (last > 0 && shadow[last - 1] === 0) last--;
    expect(got.length).toBeGreaterThanOrEqual(last);
    expect(got).toEqual(shadow.subarray(0, got.length));
    expect(await r.bitcount('g')).toBe([...shadow].reduce((a, b) => a + popc(b), 0));
  });
});

function popc(b: number): number {
  let n = 0;
  for (; b; b &= b - 1) n++;
  return n;
}

describe('BITCOUNT and BITPOS', () => {
  it('BITCOUNT with BYTE and BIT ranges', async () => {
    await r.set('k', 'foobar');
    expect(await r.bitcount('k')).toBe(26);
    expect(await r.bitcount('k', 0, 0)).toBe(4);
    expect(await r.bitcount('k', 1, 1)).toBe(6);
    expect(await c.callStr('BITCOUNT', 'k', '1', '1', 'BYTE')).toBe(':6\r\n');
    expect(await c.callStr('BITCOUNT', 'k', '5', '30', 'BIT')).toBe(':17\r\n');
    expect(await c.callStr('BITCOUNT', 'k', '-2', '-1', 'bit')).toBe(':1\r\n');
    expect(await c.callStr('BITCOUNT', 'k', '0')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BITCOUNT', 'k', '0', '1', 'BITS')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BITCOUNT', 'k', 'a', '1')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('BITCOUNT', 'nokey', '0')).toBe(':0\r\n');
    await r.set(BIN, BIN);
    expect(await r.bitcount(BIN)).toBe(BIN.reduce((a, b) => a + popc(b), 0));
    db0().add('lst', fakeList);
    expect(await c.callStr('BITCOUNT', 'lst')).toBe(WRONGTYPE);
  });

  it('BITCOUNT counts long bitmaps from every alignment', async () => {
    // Long enough for the word loop's periodic fold (30 words) to run many
    // times; dense 0xff bytes make each fold carry its largest sums.
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const fill of ['random', 'ones', 'sparse'] as const) {
      const v = Buffer.alloc(4099);
      for (let i = 0; i < v.length; i++) v[i] = fill === 'ones' ? 0xff : fill === 'sparse' ? (rnd(16) ? 0 : 1 << rnd(8)) : rnd(256);
      await r.set('big', v);
      const expectCount = (s: number, e: number): number => v.subarray(s, e + 1).reduce((a, b) => a + popc(b), 0);
      expect(await r.bitcount('big')).toBe(expectCount(0, v.length - 1));
      for (let t = 0; t < 40; t++) {
        const s = t < 8 ? t : rnd(v.length);
        const e = t < 8 ? v.length - 1 - rnd(8) : s + rnd(v.length - s);
        expect(await r.bitcount('big', s, e)).toBe(expectCount(s, e));
      }
    }
  });

  it('BITPOS finds set and clear bits', async () => {
    await r.set('k', Buffer.from([0xff, 0xf0, 0x00]));
    expect(await r.bitpos('k', 0)).toBe(12);
    expect(await r.bitpos('k', 1, 2)).toBe(-1);
    expect(await c.callStr('BITPOS', 'k', '1', '2', '-1', 'BYTE')).toBe(':-1\r\n');
    expect(await c.callStr('BITPOS', 'k', '0', '7', '15', 'BIT')).toBe(':12\r\n');
    await r.set('ones', Buffer.from([0xff, 0xff]));
    expect(await r.bitpos('ones', 0)).toBe(16);
    expect(await c.callStr('BITPOS', 'ones', '0', '0', '-1')).toBe(':-1\r\n');
    expect(await r.bitpos('nokey', 1)).toBe(-1);
    expect(await r.bitpos('nokey', 0)).toBe(0);
    expect(await c.callStr('BITPOS', 'k', '2')).toBe('-ERR The bit argument must be 1 or 0.\r\n');
    expect(await c.callStr('BITPOS', 'k', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('BITPOS', 'k', '1', '0', '1', 'FOO')).toBe('-ERR syntax error\r\n');
    db0().add('lst', fakeList);
    expect(await c.callStr('BITPOS', 'lst', '1')).toBe(WRONGTYPE);
  });
});

describe('BITOP', () => {
  it('AND, OR, XOR, NOT with zero padding', async () => {
    await r.set('a', Buffer.from([0xf0, 0x0f, 0xff]));
    await r.set('b', Buffer.from([0xff, 0xff]));
    expect(await r.bitop('AND', 'd', 'a', 'b')).toBe(3);
    expect(await r.getBuffer('d')).toEqual(Buffer.from([0xf0, 0x0f, 0x00]));
    expect(await r.bitop('OR', 'd', 'a', 'b', 'nokey')).toBe(3);
    expect(await r.getBuffer('d')).toEqual(Buffer.from([0xff, 0xff, 0xff]));
    expect(await r.bitop('XOR', 'd', 'a', 'b')).toBe(3);
    expect(await r.getBuffer('d')).toEqual(Buffer.from([0x0f, 0xf0, 0xff]));
    expect(await r.bitop('NOT', BIN, 'a')).toBe(3);
    expect(await r.getBuffer(BIN)).toEqual(Buffer.from([0x0f, 0xf0, 0x00]));
    expect(encodingOf('d')).toBe('raw');
    expect(events.filter((e) => e.startsWith('set'))).toEqual(['set a', 'set b', 'set d', 'set d', 'set d', `set ${BIN.latin1Slice()}`]);
  });

  it('an empty result deletes the destination', async () => {
    await r.set('d', 'x', 'EX', 100);
    events = [];
    expect(await r.bitop('AND', 'd', 'nokey1', 'nokey2')).toBe(0);
    expect(await r.exists('d')).toBe(0);
    expect(events).toEqual(['del d']);
    const dirty = srv.server.dirty;
    expect(await r.bitop('AND', 'd', 'nokey1')).toBe(0);
    expect(srv.server.dirty).toBe(dirty);
  });

  it('the destination loses its TTL', async () => {
    await r.set('a', 'x');
    await r.set('d', 'y', 'EX', 100);
    await r.bitop('OR', 'd', 'a');
    expect(db0().getExpire('d')).toBe(-1);
  });

  it('errors', async () => {
    expect(await c.callStr('BITOP', 'NAND', 'd', 'a')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BITOP', 'NOT', 'd', 'a', 'b')).toBe('-ERR BITOP NOT must be called with a single source key.\r\n');
    expect(await c.callStr('BITOP', 'AND', 'd')).toBe("-ERR wrong number of arguments for 'bitop' command\r\n");
    db0().add('lst', fakeList);
    expect(await c.callStr('BITOP', 'AND', 'd', 'nokey', 'lst')).toBe(WRONGTYPE);
    expect(await r.exists('d')).toBe(0);
  });
});

describe('BITFIELD', () => {
  it('GET, SET, INCRBY with overflow modes', async () => {
    expect(await r.call('BITFIELD', 'bf', 'SET', 'i8', '0', '100', 'GET', 'i8', '0')).toEqual([0, 100]);
    expect(await r.call('BITFIELD', 'bf', 'INCRBY', 'i8', '0', '100')).toEqual([-56]);
    expect(await r.call('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-100')).toEqual([-128]);
    expect(await r.call('BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '-1', 'GET', 'u8', '0')).toEqual([null, 128]);
    expect(await r.call('BITFIELD', 'bf', 'SET', 'u4', '#1', '15', 'GET', 'u4', '#1', 'GET', 'u8', '0')).toEqual([0, 15, 143]);
    expect(await c.callStr('BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '4')).toBe('*1\r\n$-1\r\n');
    expect(encodingOf('bf')).toBe('raw');
    expect(events.every((e) => e === 'setbit bf')).toBe(true);
  });

  it('64-bit fields are exact', async () => {
    expect(await c.callStr('BITFIELD', 'w', 'SET', 'i64', '3', '-9223372036854775808', 'GET', 'i64', '3', 'GET', 'u63', '4')).toBe(
      '*3\r\n:0\r\n:-9223372036854775808\r\n:0\r\n',
    );
    expect(await c.callStr('BITFIELD', 'w', 'INCRBY', 'i64', '3', '-1')).toBe('*1\r\n:9223372036854775807\r\n');
    expect(await c.callStr('BITFIELD', 'w', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '3', '1', 'INCRBY', 'u63', '0', '-1')).toBe(
      '*2\r\n:9223372036854775807\r\n:576460752303423486\r\n',
    );
    expect(await c.callStr('BITFIELD', 'w', 'GET', 'u63', '3')).toBe('*1\r\n:4611686018427387895\r\n');
  });

  it('counts changes and signals once', async () => {
    const dirty = srv.server.dirty;
    await r.call('BITFIELD', 'bf', 'SET', 'u8', '0', '1', 'SET', 'u8', '8', '2', 'GET', 'u8', '0');
    expect(srv.server.dirty).toBe(dirty + 2);
    expect(modified).toEqual(['bf']);
    expect(events).toEqual(['setbit bf']);
    // Writing the same values is no change.
    await r.call('BITFIELD', 'bf', 'SET', 'u8', '0', '1');
    expect(srv.server.dirty).toBe(dirty + 2);
    // FAIL on a new key creates it zero-filled without signalling.
    modified = [];
    expect(await r.call('BITFIELD', 'n', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '30', '9')).toEqual([null]);
    expect(await r.getBuffer('n')).toEqual(Buffer.alloc(4));
    expect(modified).toEqual([]);
  });

  it('errors', async () => {
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'u64', '0')).toBe(TYPE_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'i65', '0')).toBe(TYPE_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'I8', '0')).toBe(TYPE_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'u8', '-1')).toBe(OFFSET_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'u8', '#-1')).toBe(OFFSET_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'GET', 'u8', '4294967296')).toBe(OFFSET_ERR);
    expect(await c.callStr('BITFIELD', 'k', 'SET', 'u8', '0', 'x')).toBe('-ERR value is not an integer or out of range\r\n');
    expect(await c.callStr('BITFIELD', 'k', 'OVERFLOW', 'MAYBE')).toBe('-ERR Invalid OVERFLOW type specified\r\n');
    expect(await c.callStr('BITFIELD', 'k', 'SET', 'u8', '0')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BITFIELD', 'k', 'FOO')).toBe('-ERR syntax error\r\n');
    expect(await c.callStr('BITFIELD_RO', 'k', 'SET', 'u8', '0', '1')).toBe('-ERR BITFIELD_RO only supports the GET subcommand\r\n');
    expect(await c.callStr('BITFIELD_RO', 'k', 'GET', 'u8', '0')).toBe('*1\r\n:0\r\n');
    expect(await c.callStr('BITFIELD', 'k')).toBe('*0\r\n');
    expect(await r.exists('k')).toBe(0);
    db0().add('lst', fakeList);
    expect(await c.callStr('BITFIELD', 'lst', 'GET', 'u8', '0')).toBe(WRONGTYPE);
    expect(await c.callStr('BITFIELD', 'lst', 'SET', 'u8', '0', '1')).toBe(WRONGTYPE);
    expect(await c.callStr('BITFIELD_RO', 'lst', 'GET', 'u8', '0')).toBe(WRONGTYPE);
  });

  it('RESP3 FAIL results are nulls', async () => {
    const c3 = await RawClient.connect(srv.port);
    expect((await c3.callStr('HELLO', '3')).startsWith('%7')).toBe(true);
    expect(await c3.callStr('BITFIELD', 'x', 'OVERFLOW', 'FAIL', 'SET', 'u1', '0', '2', 'GET', 'u1', '0')).toBe('*2\r\n_\r\n:0\r\n');
    c3.close();
  });
});

describe('in-place values and copies', () => {
  it('COPY gives an independent bitmap', async () => {
    await r.setbit('g', 100, 1);
    await r.copy('g', 'h');
    await r.setbit('g', 0, 1);
    await r.setbit('h', 1, 1);
    expect(await r.getbit('h', 0)).toBe(0);
    expect(await r.getbit('g', 1)).toBe(0);
  });

  it('a pipelined GET keeps its bytes when SETBIT follows', async () => {
    await r.setbit('big', 8 * 70000, 1);
    const p = r.pipeline();
    p.getBuffer('big');
    p.setbit('big', 0, 1);
    p.getBuffer('big');
    const res = (await p.exec())!;
    expect((res[0][1] as Buffer)[0]).toBe(0);
    expect((res[2][1] as Buffer)[0]).toBe(0x80);
  });
});
