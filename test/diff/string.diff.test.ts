import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/string');

const BIN = '\xff\x00\xc3\x28\r\n';

describe.skipIf(!HAVE_REDIS)('differential: string commands', () => {
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
    for (const name of [
      'get', 'set', 'setnx', 'setex', 'psetex', 'getex', 'getdel', 'getset', 'mget', 'mset', 'msetnx', 'append',
      'strlen', 'getrange', 'substr', 'setrange', 'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat', 'lcs',
    ]) {
      await same('COMMAND', 'INFO', name);
    }
  });

  it('SET family encodings and GET', async () => {
    await same('FLUSHALL');
    for (const v of ['123', '-5', '0', '-0', '+1', '01', ' 1', '9223372036854775807', '9223372036854775808',
      '-9223372036854775808', '-9223372036854775809', '12345678901234567890', 'x'.repeat(44), 'x'.repeat(45), BIN, '']) {
      await same('SET', 'k', v);
      await same('GET', 'k');
      await enc('k');
    }
    await same('SET', 'k', 'v', 'GET', 'get');
    await same('SET', 'k', 'v', 'nx\0junk');
    await same('SET', 'k', 'v', 'XX', 'EX', '100');
    await same('SET', 'k', 'v', 'EX', '9223372036854775');
    await same('SET', 'k', 'v', 'EX', '9223372036854776');
    await same('SET', 'k', 'v', 'PX', '9223372036854775807');
    await same('SET', 'k', 'v', 'PXAT', '9223372036854775807');
    await same('SET', 'k', 'v', 'EXAT', '9223372036854775');
    await same('SET', 'k', 'v', 'EX', '1.5');
    await same('SET', 'k', 'v', 'KEEPTTL', 'EX', '1');
    await same('SET', 'k', 'v', 'EX');
  });

  it('GETEX', async () => {
    await same('FLUSHALL');
    await same('GETEX', 'nokey');
    await same('GETEX', 'nokey', 'EX', '10');
    await same('GETEX', 'nokey', 'EX', 'bad');
    await same('GETEX', 'nokey', 'FOO');
    await same('SET', 'k', '12');
    await same('GETEX', 'k');
    await enc('k');
    await same('TTL', 'k');
    await same('GETEX', 'k', 'EX', '100');
    await d.same(['TTL', 'k'], { approx: 1 });
    await same('GETEX', 'k', 'PX', '100000');
    await d.same(['PTTL', 'k'], { approx: 50 });
    await same('GETEX', 'k', 'EXAT', String(Math.floor(Date.now() / 1000) + 1000));
    await d.same(['TTL', 'k'], { approx: 2 });
    await same('GETEX', 'k', 'PXAT', String(Date.now() + 500000));
    await d.same(['TTL', 'k'], { approx: 2 });
    await same('GETEX', 'k', 'PERSIST');
    await same('TTL', 'k');
    await same('GETEX', 'k', 'PERSIST');
    await enc('k');
    // Errors: option combinations, bad times, the order of checks.
    await same('GETEX', 'k', 'EX', '10', 'PX', '10');
    await same('GETEX', 'k', 'PERSIST', 'EX', '10');
    await same('GETEX', 'k', 'EX', '10', 'PERSIST');
    await same('GETEX', 'k', 'KEEPTTL');
    await same('GETEX', 'k', 'NX');
    await same('GETEX', 'k', 'GET');
    await same('GETEX', 'k', 'EX');
    await same('GETEX', 'k', 'EX', '0');
    await same('GETEX', 'k', 'EX', '-1');
    await same('GETEX', 'k', 'PX', '0');
    await same('GETEX', 'k', 'EXAT', '0');
    await same('GETEX', 'k', 'EX', '9223372036854775807');
    await same('GETEX', 'k', 'PX', '9223372036854775807');
    await same('GETEX', 'k', 'EX', 'abc');
    await same('GETEX', 'k', 'ex', '10', 'ex', '10');
    // An absolute time in the past deletes the key.
    await same('GETEX', 'k', 'EXAT', '1');
    await same('EXISTS', 'k');
    await same('SET', 'k', BIN);
    await same('GETEX', 'k', 'PXAT', '1');
    await same('EXISTS', 'k');
    await same('GETEX');
  });

  it('GETDEL and GETSET', async () => {
    await same('FLUSHALL');
    await same('GETDEL', 'k');
    await same('SET', 'k', BIN);
    await same('GETDEL', 'k');
    await same('GETDEL', 'k');
    await same('EXISTS', 'k');
    await same('GETSET', 'k', '1');
    await enc('k');
    await same('EXPIRE', 'k', '100');
    await same('GETSET', 'k', 'x'.repeat(50));
    await same('TTL', 'k');
    await enc('k');
    await same('GETSET', 'k', 'abc');
    await enc('k');
    await same('GETDEL', 'k', 'x');
    await same('GETSET', 'k');
  });

  it('MGET, MSET, MSETNX', async () => {
    await same('FLUSHALL');
    await same('MSET', 'a', '1', 'b', BIN, 'c', 'x'.repeat(100));
    await same('MGET', 'a', 'b', 'c', 'nokey', 'a');
    await enc('a');
    await enc('b');
    await enc('c');
    await same('MSET', 'a');
    await same('MSET', 'a', '1', 'b');
    await same('MSETNX', 'a', '1', 'b');
    await same('MSETNX', 'x', '1', 'a', '2');
    await same('EXISTS', 'x');
    await same('MSETNX', 'x', '1', 'y', '2');
    await same('MGET', 'x', 'y');
    await same('MSETNX', 'z', '1', 'z', '2');
    await same('GET', 'z');
    await same('EXPIRE', 'a', '100');
    await same('MSET', 'a', '5');
    await same('TTL', 'a');
    await same('MGET');
  });

  it('APPEND and STRLEN', async () => {
    await same('FLUSHALL');
    await same('STRLEN', 'k');
    await same('APPEND', 'k', '12');
    await enc('k');
    await same('APPEND', 'k', '3');
    await enc('k');
    await same('GET', 'k');
    await same('APPEND', 'k', '');
    await same('STRLEN', 'k');
    await same('SET', 'e', 'abc');
    await same('APPEND', 'e', '');
    await enc('e');
    await same('APPEND', 'n', '');
    await same('EXISTS', 'n');
    await enc('n');
    await same('APPEND', 'b', BIN);
    await same('APPEND', 'b', BIN);
    await same('GET', 'b');
    await same('STRLEN', 'b');
    await same('SET', 'i', '-123');
    await same('STRLEN', 'i');
    await same('EXPIRE', 'b', '100');
    await same('APPEND', 'b', 'x');
    await same('TTL', 'b');
    // Many appends grow one buffer; every step must read back exactly.
    for (let i = 0; i < 200; i++) {
      await same('APPEND', 'g', String.fromCharCode(i & 0xff).repeat(i % 7) + i);
    }
    await same('GET', 'g');
    await same('STRLEN', 'g');
  });

  it('GETRANGE and SUBSTR', async () => {
    await same('FLUSHALL');
    await same('SET', 'k', 'Hello, World' + BIN);
    await same('SET', 'i', '-1234567');
    await same('SET', 'e', '');
    const ranges: [string, string][] = [
      ['0', '3'], ['-3', '-1'], ['0', '-1'], ['10', '100'], ['-100', '5'], ['5', '3'], ['-1', '-5'], ['-5', '-1'],
      ['100', '200'], ['-100', '-50'], ['0', '0'], ['-1', '0'], ['3', '-100'], ['-9223372036854775808', '9223372036854775807'],
      ['9223372036854775807', '-9223372036854775808'], ['-9007199254740993', '-9007199254740994'],
    ];
    for (const [s, e] of ranges) {
      await same('GETRANGE', 'k', s, e);
      await same('GETRANGE', 'i', s, e);
      await same('GETRANGE', 'e', s, e);
      await same('SUBSTR', 'k', s, e);
      await same('GETRANGE', 'nokey', s, e);
    }
    await same('GETRANGE', 'k', 'a', '1');
    await same('GETRANGE', 'k', '1', '1.5');
    await same('GETRANGE', 'nokey', 'a', '1');
    await same('GETRANGE', 'k', '1');
  });

  it('SETRANGE', async () => {
    await same('FLUSHALL');
    await same('SETRANGE', 'k', '0', '');
    await same('EXISTS', 'k');
    await same('SETRANGE', 'k', '5', BIN);
    await same('GET', 'k');
    await enc('k');
    await same('SETRANGE', 'k', '2', 'ab');
    await same('GET', 'k');
    await same('SETRANGE', 'k', '100', '');
    await same('STRLEN', 'k');
    await same('SET', 's', 'short');
    await same('SETRANGE', 's', '0', '');
    await enc('s');
    await same('SETRANGE', 's', '0', 'S');
    await enc('s');
    await same('GET', 's');
    await same('SET', 'i', '12345');
    await same('SETRANGE', 'i', '2', '9');
    await enc('i');
    await same('GET', 'i');
    await same('INCR', 'i');
    await enc('i');
    await same('EXPIRE', 'i', '100');
    await same('SETRANGE', 'i', '10', 'x');
    await same('TTL', 'i');
    await same('GET', 'i');
    await same('SETRANGE', 'k', '-1', 'x');
    await same('SETRANGE', 'k', 'x', 'x');
    await same('SETRANGE', 'k', '536870912', 'x');
    await same('SETRANGE', 'k', '536870912', '');
    await same('SETRANGE', 'new', '536870912', 'x');
    await same('SETRANGE', 'new', '536870912', '');
    await same('SETRANGE', 'k', '9223372036854775807', 'x');
    await same('SETRANGE', 'k', '9223372036854775808', 'x');
    await same('EXISTS', 'new');
    await same('SETRANGE', 'k', '1');
  });

  it('INCR, DECR, INCRBY, DECRBY', async () => {
    await same('FLUSHALL');
    await same('INCR', 'n');
    await enc('n');
    await same('INCRBY', 'n', '100');
    await same('DECR', 'n');
    await same('DECRBY', 'n', '-50');
    await same('DECRBY', 'n', '1000');
    await same('GET', 'n');
    await enc('n');
    const values = ['0', '-1', '9223372036854775806', '9223372036854775807', '-9223372036854775807', '-9223372036854775808',
      '9007199254740991', '9007199254740992', '-9007199254740992', '123456789012345', '1234567890123456', 'abc', '1.5',
      ' 1', '1 ', '+1', '01', '-0', '', '99999999999999999999', BIN];
    const incrs = ['1', '-1', '0', '9223372036854775807', '-9223372036854775808', '9007199254740993', '-9007199254740993',
      '1000000000000000', 'x', '1.0', '+5', '', '9223372036854775808'];
    for (const v of values) {
      for (const i of incrs) {
        await same('SET', 'v', v);
        await same('INCRBY', 'v', i);
        await same('GET', 'v');
        await same('SET', 'v', v);
        await same('DECRBY', 'v', i);
        await same('GET', 'v');
      }
      await same('SET', 'v', v);
      await same('INCR', 'v');
      await same('SET', 'v', v);
      await same('DECR', 'v');
    }
    await same('DECRBY', 'nokey', '-9223372036854775808');
    await same('EXISTS', 'nokey');
    await same('SET', 't', '10');
    await same('EXPIRE', 't', '100');
    await same('INCR', 't');
    await same('TTL', 't');
    await same('SET', 'big', 'x'.repeat(100));
    await same('INCR', 'big');
    await same('SETRANGE', 'r', '0', '42');
    await enc('r');
    await same('INCR', 'r');
    await enc('r');
    await same('INCRBYFLOAT', 'f', '2');
    await same('INCR', 'f');
    await enc('f');
  });

  it('values made by INCR read the same through every command', async () => {
    // INCR's results are held as integers: each command that reads or
    // changes a string value must see their digits.
    const starts = ['0', '-1', '41', '-10', '2147483646', '2147483647', '-2147483649', '9007199254740990', '-9007199254740990',
      '9007199254740991', '99999999999'];
    const readers: Arg[][] = [
      ['GET', 'n'], ['MGET', 'n', 'nokey', 'n'], ['STRLEN', 'n'], ['GETRANGE', 'n', '1', '-2'], ['SUBSTR', 'n', '0', '0'],
      ['TYPE', 'n'], ['OBJECT', 'ENCODING', 'n'], ['OBJECT', 'REFCOUNT', 'n'], ['EXISTS', 'n'], ['GETBIT', 'n', '3'],
      ['BITCOUNT', 'n'], ['BITPOS', 'n', '1'], ['BITFIELD', 'n', 'GET', 'u8', '0', 'GET', 'i16', '#1'], ['BITFIELD_RO', 'n', 'GET', 'u4', '4'],
      ['LCS', 'n', 'm'], ['LCS', 'n', 'm', 'IDX', 'WITHMATCHLEN'], ['PFCOUNT', 'n'], ['DEBUG', 'DIGEST-VALUE', 'n'], ['DUMP', 'n'],
      ['SCAN', '0', 'MATCH', 'n', 'TYPE', 'string'], ['SORT', 'l', 'BY', 'n', 'GET', 'n'], ['EVAL', "return redis.call('get', KEYS[1])", '1', 'n'],
      ['EVAL', "return redis.call('incr', KEYS[1])", '1', 'n'],
    ];
    const writers: Arg[][] = [
      ['APPEND', 'n', '7'], ['SETRANGE', 'n', '1', 'x'], ['SETBIT', 'n', '5', '1'], ['INCRBYFLOAT', 'n', '0.5'], ['INCRBYFLOAT', 'n', '1'],
      ['GETSET', 'n', 'v'], ['GETDEL', 'n'], ['SET', 'n', 'w', 'GET'], ['GETEX', 'n', 'PX', '100000'], ['COPY', 'n', 'c'],
      ['RENAME', 'n', 'r'], ['PFADD', 'n', 'a'], ['INCRBY', 'n', '9007199254740991'], ['DECRBY', 'n', '9007199254740991'],
      ['BITFIELD', 'n', 'INCRBY', 'u8', '0', '1'], ['LPUSH', 'n', 'x'], ['SETRANGE', 'n', '0', ''],
    ];
    await same('RPUSH', 'l', 'a');
    await same('SET', 'm', '1234567');
    for (const start of starts) {
      for (const step of [['INCR'], ['DECR'], ['INCRBY', '-3'], ['DECRBY', '2']]) {
        await same('SET', 'n', start);
        await same(step[0], 'n', ...step.slice(1));
        for (const r of readers) await d.same(r);
        await same('GET', 'n');
      }
      for (const w of writers) {
        await same('DEL', 'n', 'c', 'r');
        await same('SET', 'n', start);
        await same('INCR', 'n');
        await d.same(w);
        for (const k of ['n', 'c', 'r']) {
          await same('GET', k);
          await enc(k);
        }
      }
    }
    // Past 2^53 the value is kept as digits and INCR still answers exactly.
    await same('SET', 'n', '9007199254740990');
    for (let i = 0; i < 4; i++) {
      await same('INCR', 'n');
      await same('GET', 'n');
    }
    await same('INCRBY', 'n', '-9007199254740993');
    await same('GET', 'n');
    await enc('n');
  });

  it('INCRBYFLOAT', async () => {
    await same('FLUSHALL');
    const incs = ['0.1', '0.2', '-0.3', '1e30', '-1e30', '1', '1e-5', '5.0e3', '3.0', '0x10', '1.5e4932', 'inf', '-inf',
      'nan', ' 1', '1 ', 'abc', '', '1e-4951', '4e-4951', '10.5', '-10.5', '0.000003814697265625', '1.e5', '.5',
      '0x1.fbap+16350', '-0x1.fbap+16350', '0x1p-16445', '0x1p-16446', '0x1.8p-16446', '0xA34bBFa30cp+16301'];
    for (const i of incs) await same('INCRBYFLOAT', 'f', i);
    await same('GET', 'f');
    await enc('f');
    const starts = ['0', '10', '-10', '3.0', '1.1', '9223372036854775807', '1e4932', '1.18973149535723176502e+4932', 'abc',
      ' 1', '0.1', '-0', '12345678901234567890', '17179869184', '0.00001'];
    for (const s of starts) {
      for (const i of ['0', '1', '-1', '0.1', '1e4932', '-1.18973149535723176502e+4932', '0.5', '-0.00001']) {
        await same('SET', 'g', s);
        await same('INCRBYFLOAT', 'g', i);
        await same('GET', 'g');
        await enc('g');
      }
    }
    await same('SET', 'g', '1.5');
    await same('EXPIRE', 'g', '100');
    await same('INCRBYFLOAT', 'g', '1');
    await same('TTL', 'g');
    await enc('g');
    await same('INCRBYFLOAT', 'g', 'x'.repeat(40) + '1');
    await same('SET', 'g', '0.' + '1'.repeat(5200));
    await same('INCRBYFLOAT', 'g', '1');
    await same('INCRBYFLOAT', 'big', '123456789012345678901234567890.123');
    await enc('big');
    await same('INCRBYFLOAT', 'big', '1');
    await same('INCRBYFLOAT', 'small', '1e-20');
    await same('EXISTS', 'small');
    // A long chain of additions accumulates rounding exactly as x87 does.
    for (let i = 0; i < 60; i++) await same('INCRBYFLOAT', 'chain', (i % 2 ? '-' : '') + '0.' + '3'.repeat((i % 19) + 1));
  });

  it('LCS', async () => {
    await same('FLUSHALL');
    await same('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext');
    await same('LCS', 'key1', 'key2');
    await same('LCS', 'key1', 'key2', 'LEN');
    await same('LCS', 'key1', 'key2', 'IDX');
    await same('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4');
    await same('LCS', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN');
    await same('LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN');
    await same('LCS', 'key1', 'key2', 'WITHMATCHLEN');
    await same('LCS', 'key1', 'key2', 'MINMATCHLEN', '-5', 'IDX');
    await same('LCS', 'key1', 'key2', 'LEN', 'IDX');
    await same('LCS', 'key1', 'key2', 'MINMATCHLEN');
    await same('LCS', 'key1', 'key2', 'MINMATCHLEN', 'x');
    await same('LCS', 'key1', 'key2', 'FOO');
    await same('LCS', 'key1', 'nokey');
    await same('LCS', 'nokey', 'nokey2', 'IDX');
    await same('LCS', 'nokey', 'nokey2', 'LEN');
    await same('LCS', 'key1', 'key1', 'IDX', 'WITHMATCHLEN');
    await same('MSET', 'a', 'GTGAC' + BIN + 'ACGTTAGA', 'b', 'TAGC' + BIN + 'GTTGACATA' + BIN);
    await same('LCS', 'a', 'b');
    await same('LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN');
    await same('LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '2');
    await same('SET', 'n1', '1234567');
    await same('SET', 'n2', '-2345');
    await same('LCS', 'n1', 'n2', 'IDX');
    // Random strings over a small alphabet exercise the range tracking.
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 40; t++) {
      const gen = (): string => Array.from({ length: rnd(40) }, () => 'abc\xff'[rnd(4)]).join('');
      await same('MSET', 'r1', gen(), 'r2', gen());
      await same('LCS', 'r1', 'r2');
      await same('LCS', 'r1', 'r2', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', String(rnd(3)));
    }
    await same('LCS', 'key1');
  });

  it('LCS and other replies in RESP3', async (ctx) => {
    const [n, r] = await d.connectBoth();
    try {
      const hello = await n.callStr('HELLO', '3');
      await r.call('HELLO', '3');
      if (hello.startsWith('-')) ctx.skip(); // HELLO not available yet
      const same3 = async (...args: Arg[]): Promise<void> => {
        const [nb, rb] = await Promise.all([n.call(...args), r.call(...args)]);
        expect(nb.latin1Slice(), `reply to ${args.join(' ')}`).toBe(rb.latin1Slice());
      };
      await same3('MSET', 'key1', 'ohmytext', 'key2', 'mynewtext');
      await same3('LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN');
      await same3('LCS', 'key1', 'key2', 'IDX');
      await same3('GETEX', 'nokey');
      await same3('GETDEL', 'nokey');
      await same3('GETSET', 'nokey3', 'v');
      await same3('MGET', 'key1', 'nokey');
      await same3('INCRBYFLOAT', 'fl', '1.5');
      await same3('SET', 'k', 'v', 'NX');
    } finally {
      n.close();
      r.close();
    }
  });

  it('binary keys and values round-trip', async () => {
    await same('FLUSHALL');
    const k = '\x00\xff' + BIN;
    await same('SET', k, BIN + BIN);
    await same('APPEND', k, '\x00');
    await same('SETRANGE', k, '1', '\xfe');
    await same('GETRANGE', k, '0', '-1');
    await same('MGET', k, BIN);
    await same('GETEX', k, 'PERSIST');
    await same('GETDEL', k);
    await same('INCRBYFLOAT', k, '1');
    await same('LCS', k, k);
  });

  it('random mixed sequences keep values and encodings identical', async () => {
    await same('FLUSHALL');
    let seed = 99;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    const keys = ['a', 'b', 'c', BIN];
    const vals = (): string => {
      switch (rnd(6)) {
        case 0: return String(rnd(20000) - 10000);
        case 1: return (rnd(2000) / 7).toFixed(rnd(5));
        case 2: return BIN.repeat(rnd(3));
        case 3: return 'x'.repeat(rnd(60));
        case 4: return String.fromCharCode(rnd(256), rnd(256));
        default: return String(rnd(10));
      }
    };
    for (let i = 0; i < 1500; i++) {
      const k = keys[rnd(keys.length)];
      const k2 = keys[rnd(keys.length)];
      let args: Arg[];
      switch (rnd(20)) {
        case 0: args = ['SET', k, vals()]; break;
        case 1: args = ['APPEND', k, vals()]; break;
        case 2: args = ['SETRANGE', k, String(rnd(50)), vals()]; break;
        case 3: args = ['SETBIT', k, String(rnd(400)), String(rnd(2))]; break;
        case 4: args = ['INCR', k]; break;
        case 5: args = ['INCRBY', k, String(rnd(2000) - 1000)]; break;
        case 6: args = ['INCRBYFLOAT', k, vals()]; break;
        case 7: args = ['GETRANGE', k, String(rnd(60) - 30), String(rnd(60) - 30)]; break;
        case 8: args = ['BITFIELD', k, rnd(2) ? 'SET' : 'INCRBY', (rnd(2) ? 'i' : 'u') + (1 + rnd(32)), String(rnd(200)), String(rnd(100000) - 50000)]; break;
        case 9: args = ['BITOP', ['AND', 'OR', 'XOR', 'NOT'][rnd(4)], k, k2]; break;
        case 10: args = ['GETSET', k, vals()]; break;
        case 11: args = ['GETDEL', k]; break;
        case 12: args = ['GETEX', k, 'EX', String(1 + rnd(1000))]; break;
        case 13: args = ['MSETNX', k, vals(), k2, vals()]; break;
        case 14: args = ['LCS', k, k2, 'IDX', 'WITHMATCHLEN']; break;
        case 15: args = ['BITCOUNT', k, String(rnd(40) - 20), String(rnd(40) - 20), rnd(2) ? 'BIT' : 'BYTE']; break;
        case 16: args = ['BITPOS', k, String(rnd(2)), String(rnd(40) - 20)]; break;
        case 17: args = ['DECRBY', k, String(rnd(100))]; break;
        case 18: args = ['STRLEN', k]; break;
        default: args = ['MSET', k, vals()]; break;
      }
      await same(...args);
      await same('GET', k);
      if (rnd(3) === 0) await same('OBJECT', 'ENCODING', k);
    }
  });

  it('large values stay exact across in-place writes', async () => {
    await same('FLUSHALL');
    const big = Array.from({ length: 70000 }, (_, i) => String.fromCharCode((i * 31) & 0xff)).join('');
    await same('SET', 'big', big);
    await same('APPEND', 'big', big);
    await same('SETRANGE', 'big', '100000', 'marker');
    await same('GETRANGE', 'big', '99990', '100020');
    await same('STRLEN', 'big');
    await same('GET', 'big');
    await enc('big');
    const [n, r] = await d.both('GETRANGE', 'big', '0', '-1');
    expect(n.equals(r)).toBe(true);
  });
});

describe.skipIf(!HAVE_REDIS)('differential: string size limit', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(['--proto-max-bulk-len', '1mb'], { 'proto-max-bulk-len': '1mb' });
  });
  afterAll(async () => {
    await d?.close();
  });

  it('APPEND and SETRANGE refuse to grow beyond proto-max-bulk-len', async () => {
    const half = 'x'.repeat(512 * 1024);
    await d.same('SET', 'k', half);
    await d.same('APPEND', 'k', half);
    await d.same('APPEND', 'k', 'y');
    await d.same('APPEND', 'k', '');
    await d.same('STRLEN', 'k');
    await d.same('SETRANGE', 'k', '1048575', 'z');
    await d.same('SETRANGE', 'k', '1048576', 'z');
    await d.same('SETRANGE', 'k', '1048575', 'zz');
    await d.same('SETRANGE', 'new', '1048576', 'z');
    await d.same('SETRANGE', 'new', '1048576', '');
    await d.same('EXISTS', 'new');
    await d.same('LCS', 'k', 'k', 'LEN');
    await d.same('SET', 'a', 'x'.repeat(600));
    await d.same('SET', 'b', 'y'.repeat(500));
    await d.same('LCS', 'a', 'b', 'LEN');
    await d.same('SET', 'b', 'y'.repeat(300));
    await d.same('LCS', 'a', 'b', 'LEN');
  });
});
