import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/bitops');

const BIN = '\xff\x00\xc3\x28\x80\x01';

/** Deterministic pseudo-random numbers for reproducible fuzz cases. */
function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

describe.skipIf(!HAVE_REDIS)('differential: bitmap commands', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  const same = (...args: Arg[]): Promise<string> => d.same(args);
  const enc = (key: string): Promise<string> => d.same('OBJECT', 'ENCODING', key);

  it('command table entries match', async () => {
    for (const name of ['setbit', 'getbit', 'bitcount', 'bitpos', 'bitop', 'bitfield', 'bitfield_ro']) {
      await same('COMMAND', 'INFO', name);
    }
  });

  it('SETBIT and GETBIT', async () => {
    await same('FLUSHALL');
    await same('SETBIT', 'b', '7', '1');
    await enc('b');
    await same('GET', 'b');
    await same('SETBIT', 'b', '7', '1');
    await same('SETBIT', 'b', '7', '0');
    await same('SETBIT', 'b', '100', '1');
    await same('GET', 'b');
    await same('STRLEN', 'b');
    for (const off of ['0', '1', '7', '8', '100', '101', '1000', '4294967295']) await same('GETBIT', 'b', off);
    await same('SET', 'i', '123');
    await same('GETBIT', 'i', '2');
    await same('GETBIT', 'i', '3');
    await same('GETBIT', 'i', '23');
    await same('GETBIT', 'i', '24');
    await enc('i');
    await same('SETBIT', 'i', '0', '0');
    await enc('i');
    await same('SET', 'e', 'short');
    await same('SETBIT', 'e', '1', '1');
    await enc('e');
    await same('GET', 'e');
    await same('EXPIRE', 'e', '100');
    await same('SETBIT', 'e', '1000', '1');
    await same('TTL', 'e');
    await same('SETBIT', 'e', '-1', '1');
    await same('SETBIT', 'e', 'x', '1');
    await same('SETBIT', 'e', '4294967296', '1');
    await same('SETBIT', 'e', '4294967295', '2');
    await same('SETBIT', 'e', '1', '2');
    await same('SETBIT', 'e', '1', '-1');
    await same('SETBIT', 'e', '1', 'x');
    await same('SETBIT', 'e', '1', '01');
    await same('SETBIT', 'e', '1', '');
    await same('SETBIT', 'e', '#1', '1');
    await same('GETBIT', 'e', '-1');
    await same('GETBIT', 'e', '4294967296');
    await same('GETBIT', 'e', '#3');
    await same('GETBIT', 'nokey', '5');
    await same('GETBIT', 'nokey', 'x');
    await same('SETBIT', 'bin', '0', '1');
    await same('SETRANGE', 'bin', '1', BIN);
    for (let i = 0; i < 60; i++) await same('GETBIT', 'bin', String(i));
  });

  it('BITCOUNT', async () => {
    await same('FLUSHALL');
    await same('BITCOUNT', 'nokey');
    await same('BITCOUNT', 'nokey', '0');
    await same('BITCOUNT', 'nokey', 'a', 'b', 'c');
    await same('SET', 'k', 'foobar' + BIN);
    await same('SET', 'i', '-987654321');
    await same('SET', 'e', '');
    await same('BITCOUNT', 'k');
    await same('BITCOUNT', 'k', '0');
    await same('BITCOUNT', 'k', '0', '1', 'BYTE', 'x');
    await same('BITCOUNT', 'k', 'a', '1');
    await same('BITCOUNT', 'k', '1', 'b');
    await same('BITCOUNT', 'k', '1', '2', 'bits');
    await same('BITCOUNT', 'k', '-1', '-2', 'bits');
    const pts = ['0', '1', '2', '5', '7', '8', '9', '15', '40', '95', '96', '200', '-1', '-2', '-7', '-8', '-9', '-50', '-200',
      '9223372036854775807', '-9223372036854775808'];
    for (const key of ['k', 'i', 'e']) {
      await same('BITCOUNT', key);
      for (const s of pts) {
        for (const e of pts) {
          await same('BITCOUNT', key, s, e);
          await same('BITCOUNT', key, s, e, 'BIT');
          if (s === e) await same('BITCOUNT', key, s, e, 'byte');
        }
      }
    }
  });

  it('BITPOS', async () => {
    await same('FLUSHALL');
    await same('BITPOS', 'nokey', '1');
    await same('BITPOS', 'nokey', '0');
    await same('BITPOS', 'nokey', '0', 'x');
    await same('BITPOS', 'nokey', '2');
    await same('BITPOS', 'nokey', 'x');
    await same('SET', 'k', '\x00\x00\xf0\xff\xff\x0f\x00');
    await same('SET', 'ones', '\xff\xff\xff');
    await same('SET', 'zeros', '\x00\x00\x00');
    await same('SET', 'i', '100');
    await same('SET', 'e', '');
    await same('BITPOS', 'k', '2');
    await same('BITPOS', 'k', '-1');
    await same('BITPOS', 'k', '1', 'x');
    await same('BITPOS', 'k', '1', '0', 'x');
    await same('BITPOS', 'k', '1', '0', 'x', 'BIT');
    await same('BITPOS', 'k', '1', '0', '1', 'FOO');
    await same('BITPOS', 'k', '1', '0', 'x', 'FOO');
    await same('BITPOS', 'k', '1', '0', '1', 'BIT', 'x');
    const pts = ['0', '1', '2', '3', '7', '8', '15', '16', '17', '23', '24', '31', '55', '56', '100', '-1', '-2', '-8', '-9',
      '-17', '-100', '9223372036854775807', '-9223372036854775808'];
    for (const key of ['k', 'ones', 'zeros', 'i', 'e']) {
      for (const bit of ['0', '1']) {
        await same('BITPOS', key, bit);
        for (const s of pts) {
          await same('BITPOS', key, bit, s);
          for (const e of pts) {
            await same('BITPOS', key, bit, s, e);
            await same('BITPOS', key, bit, s, e, 'BIT');
          }
        }
      }
    }
  });

  it('BITPOS over random bitmaps', async () => {
    const rnd = prng(11);
    for (let t = 0; t < 30; t++) {
      const len = 1 + rnd(40);
      const kind = rnd(3);
      let v = '';
      for (let i = 0; i < len; i++) v += String.fromCharCode(kind === 0 ? rnd(256) : kind === 1 ? (rnd(8) ? 0 : 1 << rnd(8)) : rnd(8) ? 0xff : 0xff ^ (1 << rnd(8)));
      await same('SET', 'r', v);
      for (let q = 0; q < 20; q++) {
        const bit = String(rnd(2));
        const s = String(rnd(len * 10) - len * 5);
        const e = String(rnd(len * 10) - len * 5);
        await same('BITPOS', 'r', bit, s, e, 'BIT');
        await same('BITPOS', 'r', bit, String(rnd(len + 2) - 1), String(rnd(len + 2) - 1));
        await same('BITCOUNT', 'r', s, e, 'BIT');
      }
    }
  });

  it('BITOP', async () => {
    await same('FLUSHALL');
    await same('SET', 'a', 'foobar');
    await same('SET', 'b', 'abcdef' + BIN);
    await same('SET', 'c', '\xff');
    await same('SET', 'n', '12');
    const bigA = Array.from({ length: 300 }, (_, i) => String.fromCharCode((i * 37) & 0xff)).join('');
    const bigB = Array.from({ length: 257 }, (_, i) => String.fromCharCode((i * 91 + 5) & 0xff)).join('');
    await same('SET', 'ba', bigA);
    await same('SET', 'bb', bigB);
    for (const op of ['AND', 'OR', 'XOR', 'and', 'Or']) {
      for (const srcs of [['a', 'b'], ['a', 'b', 'c'], ['b', 'nokey'], ['nokey', 'b'], ['nokey'], ['a'], ['n', 'a'], ['ba', 'bb'], ['bb', 'ba', 'a']]) {
        await same('BITOP', op, 'dest', ...srcs);
        await same('GET', 'dest');
      }
    }
    await enc('dest');
    for (const src of ['a', 'b', 'c', 'n', 'ba', 'nokey']) {
      await same('SET', 'dest', 'x');
      await same('BITOP', 'NOT', 'dest', src);
      await same('GET', 'dest');
      await same('EXISTS', 'dest');
    }
    await same('BITOP', 'NOT', 'dest', 'a', 'b');
    await same('BITOP', 'NAND', 'dest', 'a', 'b');
    await same('BITOP', 'AND\0', 'dest', 'a', 'b');
    await same('SET', 'dest', 'old');
    await same('EXPIRE', 'dest', '100');
    await same('BITOP', 'OR', 'dest', 'a');
    await same('TTL', 'dest');
    await same('BITOP', 'XOR', 'a', 'a', 'b');
    await same('GET', 'a');
    await same('BITOP', 'AND', 'dest', 'nokey', 'nokey2');
    await same('EXISTS', 'dest');
    await same('BITOP', 'AND', 'dest');
  });

  it('BITFIELD basics and errors', async () => {
    await same('FLUSHALL');
    await same('BITFIELD', 'bf');
    await same('EXISTS', 'bf');
    await same('BITFIELD', 'bf', 'GET', 'u8', '0');
    await same('EXISTS', 'bf');
    await same('BITFIELD', 'bf', 'SET', 'i8', '0', '-100', 'GET', 'u8', '0', 'INCRBY', 'i5', '100', '1');
    await same('GET', 'bf');
    await enc('bf');
    await same('BITFIELD', 'bf', 'SET', 'u8', '#2', '255', 'GET', 'u4', '#4', 'GET', 'i4', '#5');
    await same('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '#2', '10', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '#2', '1',
      'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '#2', '1');
    await same('BITFIELD', 'bf', 'GET', 'i64', '0', 'GET', 'u63', '1', 'GET', 'i64', '5');
    await same('BITFIELD', 'bf', 'SET', 'i64', '0', '-9223372036854775808', 'GET', 'i64', '0', 'INCRBY', 'i64', '0', '-1');
    await same('BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807');
    await same('BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1');
    for (const t of ['u64', 'i65', 'i0', 'u0', 'I8', 'U8', 'x8', '8', 'i', 'u', '', 'i-1', 'i08', 'i8x', 'i8\0junk', 'u1', 'i1', 'u63', 'i64', 'i+8']) {
      await same('BITFIELD', 'bf', 'GET', t, '0');
    }
    for (const off of ['-1', 'x', '#-1', '#x', '##1', '#', '4294967295', '4294967296', '#536870911', '#536870912', '1.5', '#2305843009213693952', '#1152921504606846976']) {
      await same('BITFIELD', 'bf', 'GET', 'u8', off);
      await same('BITFIELD_RO', 'bf', 'GET', 'u8', off);
    }
    await same('BITFIELD', 'bf', 'GET', 'u8');
    await same('BITFIELD', 'bf', 'SET', 'u8', '0');
    await same('BITFIELD', 'bf', 'INCRBY', 'u8', '0');
    await same('BITFIELD', 'bf', 'SET', 'u8', '0', 'x');
    await same('BITFIELD', 'bf', 'INCRBY', 'u8', '0', '1.5');
    await same('BITFIELD', 'bf', 'OVERFLOW');
    await same('BITFIELD', 'bf', 'OVERFLOW', 'foo');
    await same('BITFIELD', 'bf', 'OVERFLOW', 'sat');
    await same('BITFIELD', 'bf', 'FOO', 'u8', '0');
    await same('BITFIELD', 'bf', 'GET', 'u8', '0', 'SET', 'u8', '0');
    await same('BITFIELD', 'bf', 'get\0x', 'u8', '0');
    await same('BITFIELD_RO', 'bf', 'GET', 'u8', '0', 'GET', 'i16', '3');
    await same('BITFIELD_RO', 'bf', 'SET', 'u8', '0', '1');
    await same('BITFIELD_RO', 'bf', 'INCRBY', 'u8', '0', '1');
    await same('BITFIELD_RO', 'bf', 'OVERFLOW', 'WRAP', 'GET', 'u8', '0');
    await same('BITFIELD_RO', 'bf', 'SET', 'u8', '0');
    await same('BITFIELD_RO', 'nokey', 'GET', 'u8', '0');
    await same('BITFIELD_RO', 'bf');
    await same('BITFIELD', 'n', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '10');
    await same('EXISTS', 'n');
    await same('STRLEN', 'n');
    await same('SET', 'i', '255');
    await same('BITFIELD', 'i', 'GET', 'u8', '0');
    await enc('i');
    await same('BITFIELD', 'i', 'SET', 'u8', '0', '50');
    await enc('i');
    await same('GET', 'i');
    await same('EXPIRE', 'i', '100');
    await same('BITFIELD', 'i', 'SET', 'u8', '100', '1');
    await same('TTL', 'i');
  });

  it('BITFIELD overflow arithmetic over random operations', async () => {
    const rnd = prng(2024);
    await same('FLUSHALL');
    const edge = ['0', '1', '-1', '127', '128', '-128', '-129', '255', '256', '32767', '65535', '2147483647', '-2147483648',
      '4294967295', '9223372036854775807', '-9223372036854775808', '4611686018427387903', '-4611686018427387904',
      '4611686018427387904', '-4611686018427387905'];
    for (let t = 0; t < 400; t++) {
      const args: Arg[] = ['BITFIELD', 'f'];
      const nops = 1 + rnd(4);
      for (let k = 0; k < nops; k++) {
        if (rnd(4) === 0) args.push('OVERFLOW', ['WRAP', 'SAT', 'FAIL'][rnd(3)]);
        const sign = rnd(2) ? 'i' : 'u';
        const bits = 1 + rnd(sign === 'i' ? 64 : 63);
        const type = sign + bits;
        const off = rnd(3) === 0 ? '#' + rnd(6) : String(rnd(80));
        const val = rnd(3) === 0 ? edge[rnd(edge.length)] : String(rnd(2000) - 1000);
        const op = rnd(3);
        if (op === 0) args.push('GET', type, off);
        else if (op === 1) args.push('SET', type, off, val);
        else args.push('INCRBY', type, off, val);
      }
      await same(...args);
      if (t % 20 === 0) await same('GET', 'f');
    }
    await same('GET', 'f');
  });

  it('dirty counts match (rdb_changes_since_last_save deltas)', async () => {
    const dirty = async (): Promise<[number, number]> => {
      const [n, r] = await d.both('INFO', 'persistence');
      const get = (b: Buffer): number => Number(/rdb_changes_since_last_save:(\d+)/.exec(b.latin1Slice())![1]);
      return [get(n), get(r)];
    };
    await same('FLUSHALL');
    const script: Arg[][] = [
      ['SETBIT', 'foo', '0', '0'], ['BITFIELD', 'foo2', 'SET', 'i5', '0', '0'], ['SETBIT', 'foo', '0', '0'],
      ['BITFIELD', 'foo2', 'SET', 'i5', '0', '0'], ['SETBIT', 'foo', '0', '1'], ['SETBIT', 'foo', '0', '1'],
      ['BITFIELD', 'foo2', 'SET', 'i5', '0', '1', 'SET', 'i5', '0', '1', 'SET', 'u3', '10', '7'],
      ['BITFIELD', 'foo3', 'INCRBY', 'i5', '0', '1', 'INCRBY', 'i5', '0', '0'], ['SETBIT', 'foo', '90', '0'],
      ['BITFIELD', 'foo2', 'SET', 'i5', '90', '0'], ['BITFIELD', 'foo4', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
      ['BITOP', 'AND', 'x', 'nokey'], ['BITOP', 'OR', 'x', 'foo'], ['BITOP', 'AND', 'x', 'nokey'],
      ['MSET', 'a', '1', 'b', '2', 'a', '3'], ['MSETNX', 'a', '1', 'z', '2'], ['MSETNX', 'y', '1', 'z', '2'],
      ['APPEND', 'a', ''], ['SETRANGE', 'a', '5', ''], ['SETRANGE', 'a', '0', 'q'], ['INCRBYFLOAT', 'f', '1'],
      ['GETEX', 'a'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a', 'EX', '100'], ['GETEX', 'a', 'PERSIST'],
      ['GETDEL', 'nokey'], ['GETDEL', 'a'], ['GETSET', 'g', '1'], ['INCR', 'g'], ['DECRBY', 'g', '0'],
      ['BITFIELD_RO', 'foo', 'GET', 'u8', '0'], ['LCS', 'foo', 'foo2'],
    ];
    for (const cmd of script) {
      const [n0, r0] = await dirty();
      await same(...cmd);
      const [n1, r1] = await dirty();
      expect(n1 - n0, `dirty delta of ${cmd.join(' ')}`).toBe(r1 - r0);
    }
  });

  it('in-place growth keeps exact bytes', async () => {
    await same('FLUSHALL');
    const rnd = prng(5);
    for (let i = 0; i < 300; i++) {
      const off = String(rnd(i < 150 ? 2000 : 200000));
      await same('SETBIT', 'g', off, String(rnd(2)));
    }
    await same('GET', 'g');
    await same('STRLEN', 'g');
    await same('BITCOUNT', 'g');
    await same('BITPOS', 'g', '1');
    await same('BITPOS', 'g', '0', '5');
    await same('APPEND', 'g', BIN);
    await same('SETRANGE', 'g', '30000', BIN);
    await same('BITFIELD', 'g', 'SET', 'i64', '1000', '-5', 'GET', 'u63', '999');
    await same('GETRANGE', 'g', '0', '-1');
    await same('BITOP', 'NOT', 'h', 'g');
    await same('SETBIT', 'h', '0', '1');
    await same('GET', 'h');
    await same('GET', 'g');
    await same('SETRANGE', 'odd', '4097', BIN);
    for (const op of ['AND', 'OR', 'XOR']) {
      await same('BITOP', op, 'res', 'g', 'h', 'odd');
      await same('GET', 'res');
      await same('BITOP', op, 'res', 'odd', 'g');
      await same('GET', 'res');
      await same('BITOP', op, 'res', 'h', 'nokey', 'g');
      await same('GET', 'res');
    }
    await same('COPY', 'g', 'g2');
    await same('SETBIT', 'g', '3', '1');
    await same('SETBIT', 'g2', '5', '1');
    await same('GET', 'g');
    await same('GET', 'g2');
  });
});
