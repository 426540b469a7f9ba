/**
 * List commands against redis-server 7.0.15: byte-identical replies for
 * every command, option and error, RESP2 and RESP3, binary values, and a
 * random operation sequence compared step by step.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/list');

const BIN = '\xff\x00\xc3\x28\r\n';

describe.skipIf(!HAVE_REDIS)('differential: list commands', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  const same = (...args: Arg[]): Promise<string> => d.same(args);
  /** HELLO replies carry the connection id, which differs. */
  const hello = async (proto: string): Promise<void> => {
    await d.both('HELLO', proto);
  };

  it('command table entries match', async () => {
    for (const name of [
      'lpush', 'rpush', 'lpushx', 'rpushx', 'lpop', 'rpop', 'llen', 'lindex', 'linsert', 'lset', 'lrem', 'lrange',
      'ltrim', 'lpos', 'lmove', 'rpoplpush', 'lmpop', 'blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop',
    ]) {
      await same('COMMAND', 'INFO', name);
    }
    await same('COMMAND', 'GETKEYS', 'LMPOP', '2', 'a', 'b', 'LEFT');
    await same('COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3');
    await same('COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', '0');
    await same('COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0');
    await same('COMMAND', 'GETKEYS', 'LMPOP', '3', 'a', 'b');
    await same('COMMAND', 'GETKEYS', 'LMPOP', '0', 'a', 'b');
  });

  it('push, length, encoding, wrong type', async () => {
    await same('FLUSHALL');
    await same('LPUSH', 'l', 'a', 'b', BIN, '123', '');
    await same('RPUSH', 'l', 'x', '-5', '9223372036854775808');
    await same('LRANGE', 'l', '0', '-1');
    await same('LLEN', 'l');
    await same('LLEN', 'nokey');
    await same('OBJECT', 'ENCODING', 'l');
    await same('TYPE', 'l');
    await same('LPUSHX', 'nokey', 'a');
    await same('RPUSHX', 'nokey', 'a', 'b');
    await same('EXISTS', 'nokey');
    await same('LPUSHX', 'l', 'h1', 'h2');
    await same('RPUSHX', 'l', 't1');
    await same('LRANGE', 'l', '0', '-1');
    await same('SET', 's', 'v');
    for (const c of [
      ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LLEN', 's'],
      ['LINDEX', 's', '0'], ['LINDEX', 's', 'x'], ['LSET', 's', '0', 'v'], ['LRANGE', 's', '0', '1'], ['LRANGE', 's', 'x', '1'],
      ['LTRIM', 's', '0', '1'], ['LPOS', 's', 'a'], ['LREM', 's', '0', 'a'], ['LPOP', 's'], ['RPOP', 's', '2'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LMOVE', 's', 'l', 'LEFT', 'LEFT'], ['LMOVE', 'l', 's', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 's', 'l'], ['RPOPLPUSH', 'l', 's'], ['LMPOP', '2', 'nokey', 's', 'LEFT'], ['BLPOP', 's', '0'],
      ['BRPOP', 'nokey', 's', '0'], ['BLMOVE', 's', 'l', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 's', 'l', '0'],
      ['BLMPOP', '0', '1', 's', 'RIGHT'],
    ]) {
      await same(...c);
    }
    await same('LRANGE', 'l', '0', '-1');
    await same('LPUSH', 'l');
  });

  it('LINDEX, LSET, LRANGE, LTRIM indexes', async () => {
    await same('FLUSHALL');
    await same('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
    for (const i of ['0', '4', '5', '-1', '-5', '-6', '9223372036854775807', '-9223372036854775808', 'x', '1.0', ' 1']) {
      await same('LINDEX', 'l', i);
    }
    await same('LINDEX', 'nokey', 'notanumber');
    await same('LSET', 'nokey', '0', 'v');
    await same('LSET', 'nokey', 'x', 'v');
    await same('LSET', 'l', 'x', 'v');
    await same('LSET', 'l', '5', 'v');
    await same('LSET', 'l', '-6', 'v');
    await same('LSET', 'l', '-1', BIN);
    await same('LSET', 'l', '0', 'A');
    await same('LRANGE', 'l', '0', '-1');
    for (const [s, e] of [
      ['0', '0'], ['1', '3'], ['-3', '-1'], ['3', '1'], ['5', '10'], ['-100', '100'], ['-100', '-6'], ['4', '4'],
      ['0', '-6'], ['9223372036854775807', '-9223372036854775808'], ['-9223372036854775808', '9223372036854775807'],
    ]) {
      await same('LRANGE', 'l', s, e);
    }
    await same('LRANGE', 'l', 'a', '1');
    await same('LRANGE', 'l', '0', 'b');
    await same('LRANGE', 'nokey', 'a', '1');
    await same('LRANGE', 'nokey', '0', '1');
    await same('LTRIM', 'nokey', '0', '1');
    await same('LTRIM', 'nokey', 'x', '1');
    await same('LTRIM', 'l', '1', '-2');
    await same('LRANGE', 'l', '0', '-1');
    await same('LTRIM', 'l', '-100', '100');
    await same('LRANGE', 'l', '0', '-1');
    await same('LTRIM', 'l', '2', '1');
    await same('EXISTS', 'l');
    await same('RPUSH', 'l', '1', '2', '3');
    await same('LTRIM', 'l', '5', '10');
    await same('EXISTS', 'l');
  });

  it('LPOP/RPOP with and without count, RESP2 and RESP3', async () => {
    for (const proto of ['2', '3']) {
      await hello(proto);
      await same('FLUSHALL');
      await same('LPOP', 'nokey');
      await same('RPOP', 'nokey');
      await same('LPOP', 'nokey', '0');
      await same('LPOP', 'nokey', '3');
      await same('RPOP', 'nokey', '-1');
      await same('LPOP', 'nokey', 'x');
      await same('LPOP', 'k', '1', '2');
      await same('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e');
      await same('LPOP', 'l', '0');
      await same('LPOP', 'l', '-1');
      await same('LPOP', 'l');
      await same('RPOP', 'l');
      await same('LPOP', 'l', '1');
      await same('RPOP', 'l', '1');
      await same('RPUSH', 'l', 'x', 'y', 'z');
      await same('RPOP', 'l', '2');
      await same('LPOP', 'l', '100');
      await same('EXISTS', 'l');
      await same('LPOP', 'l', '0');
      await same('LINDEX', 'nokey', '0');
      await same('LPOS', 'nokey', 'a');
      await same('LPOS', 'nokey', 'a', 'COUNT', '0');
      await same('LMPOP', '1', 'nokey', 'LEFT');
      await same('LMOVE', 'nokey', 'x', 'LEFT', 'LEFT');
      await same('RPOPLPUSH', 'nokey', 'x');
      await same('BLPOP', 'nokey', '0.01');
      await same('BLMOVE', 'nokey', 'x', 'LEFT', 'LEFT', '0.01');
      await same('BLMPOP', '0.01', '1', 'nokey', 'LEFT');
      await same('RPUSH', 'l', 'a', 'b');
      await same('BLPOP', 'nokey', 'l', '0');
      await same('BRPOP', 'l', '0');
      await same('RPUSH', 'l', 'a', 'b', 'c');
      await same('LMPOP', '2', 'nokey', 'l', 'RIGHT', 'COUNT', '2');
      await same('BLMPOP', '0', '2', 'nokey', 'l', 'LEFT', 'COUNT', '5');
    }
    await hello('2');
  });

  it('LINSERT', async () => {
    await same('FLUSHALL');
    await same('LINSERT', 'nokey', 'BEFORE', 'a', 'b');
    await same('LINSERT', 'nokey', 'middle', 'a', 'b');
    await same('RPUSH', 'l', 'a', 'b', 'c', 'b');
    await same('LINSERT', 'l', 'middle', 'a', 'b');
    await same('LINSERT', 'l', 'before\0x', 'a', 'b');
    await same('LINSERT', 'l', 'BEFORE', 'b', 'X');
    await same('LINSERT', 'l', 'after', 'b', 'Y');
    await same('LINSERT', 'l', 'AFTER', 'c', BIN);
    await same('LINSERT', 'l', 'BEFORE', 'a', '0');
    await same('LINSERT', 'l', 'AFTER', 'zzz', '0');
    await same('LINSERT', 'l', 'AFTER', BIN, 'end');
    await same('LRANGE', 'l', '0', '-1');
  });

  it('LREM', async () => {
    await same('FLUSHALL');
    await same('LREM', 'nokey', '0', 'a');
    await same('LREM', 'nokey', 'x', 'a');
    const seed = ['a', 'b', 'a', 'c', 'a', 'b', 'a'];
    for (const n of ['0', '1', '2', '-1', '-2', '10', '-10']) {
      await same('DEL', 'l');
      await same('RPUSH', 'l', ...seed);
      await same('LREM', 'l', n, 'a');
      await same('LRANGE', 'l', '0', '-1');
    }
    await same('LREM', 'l', 'x', 'b');
    await same('LREM', 'l', '0', 'b');
    await same('LREM', 'l', '0', 'c');
    await same('EXISTS', 'l');
  });

  it('LPOS options and errors', async () => {
    await same('FLUSHALL');
    await same('RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'a', BIN, 'a');
    const cases: string[][] = [
      [], ['RANK', '1'], ['RANK', '2'], ['RANK', '-1'], ['RANK', '-3'], ['RANK', '10'], ['RANK', '-10'], ['RANK', '0'],
      ['RANK', 'x'], ['COUNT', '0'], ['COUNT', '2'], ['COUNT', '-1'], ['COUNT', 'x'], ['MAXLEN', '3'], ['MAXLEN', '-1'],
      ['MAXLEN', 'x'], ['RANK', '2', 'COUNT', '2'], ['RANK', '-2', 'COUNT', '0'], ['COUNT', '0', 'MAXLEN', '4'],
      ['RANK', '-1', 'MAXLEN', '2'], ['RANK'], ['COUNT'], ['FOO', '1'], ['rank', '1', 'count', '1', 'maxlen', '0'],
      ['RANK', '-9223372036854775808'], ['RANK', '-9223372036854775808', 'COUNT', '1'],
      ['RANK', '-9223372036854775807', 'COUNT', '0'], ['RANK', '9223372036854775807', 'COUNT', '1'],
      ['RANK', '9223372036854775808'], ['COUNT', '9223372036854775807'], ['RANK', '1', 'RANK', '2'],
    ];
    for (const opts of cases) {
      await same('LPOS', 'l', 'a', ...opts);
    }
    await same('LPOS', 'l', BIN);
    await same('LPOS', 'l', 'zz');
    await same('LPOS', 'l', 'zz', 'COUNT', '1');
    await same('LPOS', 'nokey', 'a', 'RANK', '0');
    await hello('3');
    await same('LPOS', 'l', 'zz');
    await hello('2');
  });

  it('LMOVE and RPOPLPUSH, including the same key', async () => {
    await same('FLUSHALL');
    await same('RPUSH', 'src', 'a', 'b', 'c');
    for (const [f, t] of [['LEFT', 'RIGHT'], ['RIGHT', 'LEFT'], ['left', 'left'], ['RIGHT', 'RIGHT']]) {
      await same('LMOVE', 'src', 'dst', f, t);
      await same('LRANGE', 'dst', '0', '-1');
    }
    await same('LMOVE', 'src', 'dst', 'UP', 'LEFT');
    await same('LMOVE', 'src', 'dst', 'LEFT', 'DOWN');
    await same('LMOVE', 'nokey', 'dst', 'UP', 'LEFT');
    await same('EXISTS', 'src');
    await same('RPUSH', 'one', 'x');
    await same('LMOVE', 'one', 'one', 'LEFT', 'RIGHT');
    await same('LRANGE', 'one', '0', '-1');
    await same('RPUSH', 'r', '1', '2', '3');
    await same('LMOVE', 'r', 'r', 'LEFT', 'RIGHT');
    await same('LMOVE', 'r', 'r', 'RIGHT', 'LEFT');
    await same('RPOPLPUSH', 'r', 'r');
    await same('LRANGE', 'r', '0', '-1');
    await same('RPOPLPUSH', 'r', 'dst');
    await same('RPOPLPUSH', 'nokey', 'dst');
    await same('LRANGE', 'dst', '0', '-1');
    await same('SET', 'str', 'v');
    await same('RPOPLPUSH', 'r', 'str');
    await same('LRANGE', 'r', '0', '-1');
    await same('BLMOVE', 'r', 'r', 'LEFT', 'RIGHT', '0');
    await same('BRPOPLPUSH', 'r', 'dst', '0');
    await same('BLMOVE', 'r', 'dst', 'LEFT', 'RIGHT', '0');
    await same('EXISTS', 'r');
  });

  it('LMPOP and BLMPOP arguments', async () => {
    await same('FLUSHALL');
    await same('RPUSH', 'a', '1', '2', '3');
    await same('RPUSH', 'b', 'x');
    const cases: string[][] = [
      ['0', 'a', 'LEFT'], ['-1', 'a', 'LEFT'], ['x', 'a', 'LEFT'], ['2', 'a', 'LEFT'], ['3', 'a', 'b', 'LEFT'],
      ['1', 'a', 'MIDDLE'], ['1', 'a', 'LEFT', 'COUNT'], ['1', 'a', 'LEFT', 'COUNT', '0'], ['1', 'a', 'LEFT', 'COUNT', '-1'],
      ['1', 'a', 'LEFT', 'COUNT', 'x'], ['1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'], ['1', 'a', 'LEFT', 'FOO'],
      ['9223372036854775807', 'a', 'LEFT'], ['9223372036854775808', 'a', 'LEFT'],
      ['2', 'nokey', 'b', 'left', 'count', '10'], ['1', 'a', 'RIGHT', 'COUNT', '2'], ['1', 'a', 'LEFT'],
    ];
    for (const args of cases) await same('LMPOP', ...args);
    await same('RPUSH', 'a', '1', '2', '3');
    for (const args of cases) await same('BLMPOP', '0.001', ...args);
    await same('BLMPOP', 'x', '1', 'a', 'LEFT');
    await same('BLMPOP', '-1', '1', 'a', 'LEFT');
    await same('BLMPOP', 'x', '0', 'a', 'LEFT');
    await same('BLMPOP', '0', '1', 'a');
  });

  it('blocking commands: argument errors and immediate results', async () => {
    await same('FLUSHALL');
    for (const t of ['x', '-1', '-1.5', 'inf', '-inf', '1e300', 'nan', ' 1', '1 ', '9223372036854776', '0x', '']) {
      await same('BLPOP', 'k', t);
      await same('BRPOP', 'k', t);
      await same('BRPOPLPUSH', 'k', 'd', t);
      await same('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', t);
    }
    await same('BLMOVE', 'k', 'd', 'UP', 'LEFT', 'x');
    await same('BLMOVE', 'k', 'd', 'LEFT', 'UP', 'x');
    await same('BLPOP', 'k');
    await same('RPUSH', 'k', 'a', 'b', 'c');
    await same('BLPOP', 'nokey', 'k', 'k', '0');
    await same('BRPOP', 'k', '1e-400');
    await same('BLMOVE', 'k', 'k', 'RIGHT', 'LEFT', '0');
    await same('BRPOPLPUSH', 'k', 'd', '0.5');
    await same('LRANGE', 'd', '0', '-1');
    await same('EXISTS', 'k');
  });

  it('random operations match step by step', async () => {
    await same('FLUSHALL');
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const vals = ['a', 'b', 'c', '1', '22', BIN, ''];
    const keys = ['l1', 'l2'];
    const v = (): string => vals[rnd(vals.length)];
    const k = (): string => keys[rnd(keys.length)];
    const idx = (): string => String(rnd(14) - 7);
    const side = (): string => (rnd(2) ? 'LEFT' : 'RIGHT');
    for (let i = 0; i < 400; i++) {
      const op = rnd(14);
      switch (op) {
        case 0: await same('LPUSH', k(), v(), v()); break;
        case 1: await same('RPUSH', k(), v()); break;
        case 2: await same('LPOP', k(), ...(rnd(2) ? [String(rnd(4))] : [])); break;
        case 3: await same('RPOP', k(), ...(rnd(2) ? [String(rnd(4))] : [])); break;
        case 4: await same('LINSERT', k(), rnd(2) ? 'BEFORE' : 'AFTER', v(), v()); break;
        case 5: await same('LSET', k(), idx(), v()); break;
        case 6: await same('LREM', k(), idx(), v()); break;
        case 7: await same('LTRIM', k(), idx(), idx()); break;
        case 8: await same('LMOVE', k(), k(), side(), side()); break;
        case 9: await same('LPOS', k(), v(), 'RANK', String(rnd(2) ? 1 + rnd(3) : -1 - rnd(3)), 'COUNT', String(rnd(3))); break;
        case 10: await same('LINDEX', k(), idx()); break;
        case 11: await same('LMPOP', '2', k(), k(), side(), 'COUNT', String(1 + rnd(3))); break;
        case 12: await same('RPUSH', k(), v(), v(), v(), v()); break;
        default: await same('LRANGE', k(), idx(), idx());
      }
      if (i % 20 === 0) for (const key of keys) await same('LRANGE', key, '0', '-1');
    }
  });
});
