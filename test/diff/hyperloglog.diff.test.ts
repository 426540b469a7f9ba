import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';
import type { Arg } from '../helpers/resp.js';

warnIfNoRedis('diff/hyperloglog');

/** Deterministic pseudo-random numbers for reproducible cases. */
function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s % n;
  };
}

/** `n` binary elements of 0..40 bytes (every MurmurHash tail length). */
function elements(rnd: (n: number) => number, n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = `${tag}${i}`;
    const extra = rnd(40);
    for (let k = 0; k < extra; k++) s += String.fromCharCode(rnd(256));
    out.push(s);
  }
  return out;
}

describe.skipIf(!HAVE_REDIS)('differential: HyperLogLog', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  const same = (...args: Arg[]): Promise<string> => d.same(args);

  it('command table entries match', async () => {
    for (const name of ['pfadd', 'pfcount', 'pfmerge', 'pfdebug', 'pfselftest']) {
      await same('COMMAND', 'INFO', name);
    }
  });

  it('PFADD creates a sparse HLL with the same bytes', async () => {
    await same('FLUSHALL');
    await same('PFADD', 'h');
    await same('GET', 'h');
    await same('PFCOUNT', 'h');
    await same('GET', 'h');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('PFADD', 'h', '');
    await same('PFADD', 'h', '\xff\x00\xc3', '\x80');
    await same('GET', 'h');
    await same('PFDEBUG', 'DECODE', 'h');
    await same('PFCOUNT', 'h');
    // The cached cardinality was written back to the header.
    await same('GET', 'h');
    await same('GETRANGE', 'h', 15, 15);
    await same('PFADD', 'h', 'a');
    await same('GETRANGE', 'h', 15, 15);
    await same('PFADD', 'h', 'zz1', 'zz2');
    await same('GETRANGE', 'h', 15, 15);
    await same('PFCOUNT', 'h');
    await same('STRLEN', 'h');
    await same('PFDEBUG', 'ENCODING', 'h');
    await same('PFCOUNT', 'missing');
    await same('PFADD', 'bin\xff\x00', 'x');
    await same('GET', 'bin\xff\x00');
  });

  it('elements of every length hash the same', async () => {
    await same('FLUSHALL');
    const rnd = prng(7);
    for (const e of elements(rnd, 300, '')) {
      await same('PFADD', 'h', e);
    }
    await same('GET', 'h');
    await same('PFDEBUG', 'DECODE', 'h');
    await same('PFCOUNT', 'h');
    await same('PFDEBUG', 'GETREG', 'h');
    await same('GET', 'h');
  });

  it('grows from sparse to dense with identical bytes at every step', async () => {
    await same('FLUSHALL');
    const rnd = prng(42);
    for (let step = 0; step < 40; step++) {
      const batch = elements(rnd, 10 + rnd(150), `s${step}-`);
      await same('PFADD', 'h', ...batch);
      await same('GET', 'h');
      await same('PFDEBUG', 'ENCODING', 'h');
      await same('PFCOUNT', 'h');
      await same('GET', 'h');
    }
    const enc = await same('PFDEBUG', 'ENCODING', 'h');
    expect(enc).toBe('+dense\r\n');
    await same('PFDEBUG', 'DECODE', 'h');
    await same('PFADD', 'h', 'more', 'elements');
    await same('GET', 'h');
  });

  it('large cardinalities match the estimator', async () => {
    await same('FLUSHALL');
    for (let base = 0; base < 60000; base += 5000) {
      const batch: string[] = [];
      for (let i = base; i < base + 5000; i++) batch.push(`e${i}`);
      await same('PFADD', 'h', ...batch);
      await same('PFCOUNT', 'h');
    }
    await same('GET', 'h');
  });

  it('hll-sparse-max-bytes controls the promotion', async () => {
    for (const max of ['0', '30', '100', '500', '3000']) {
      await same('FLUSHALL');
      await same('CONFIG', 'SET', 'hll-sparse-max-bytes', max);
      const rnd = prng(Number(max) + 1);
      for (let i = 0; i < 30; i++) {
        await same('PFADD', 'h', ...elements(rnd, 1 + rnd(8), `m${i}-`));
        await same('GET', 'h');
        await same('PFDEBUG', 'ENCODING', 'h');
      }
    }
    await same('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
  });

  it('PFDEBUG TODENSE and GETREG convert, ENCODING and DECODE report', async () => {
    await same('FLUSHALL');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('PFDEBUG', 'TODENSE', 'h');
    await same('PFDEBUG', 'TODENSE', 'h');
    await same('PFDEBUG', 'ENCODING', 'h');
    await same('PFDEBUG', 'DECODE', 'h');
    await same('GET', 'h');
    await same('PFADD', 'h', 'd');
    await same('GET', 'h');
    await same('PFADD', 'g', 'a', 'b');
    await same('PFDEBUG', 'GETREG', 'g');
    await same('PFDEBUG', 'ENCODING', 'g');
    await same('PFDEBUG', 'getreg', 'missing');
    await same('PFDEBUG', 'nosuch', 'g');
    await same('PFDEBUG', 'nosuch', 'missing');
    await same('SET', 's', 'value');
    await same('PFDEBUG', 'ENCODING', 's');
    await same('RPUSH', 'l', 'x');
    await same('PFDEBUG', 'ENCODING', 'l');
  });

  it('PFMERGE and multi-key PFCOUNT', async () => {
    await same('FLUSHALL');
    const rnd = prng(3);
    await same('PFADD', 'a{t}', ...elements(rnd, 20, 'a'));
    await same('PFADD', 'b{t}', ...elements(rnd, 30, 'b'));
    await same('PFADD', 'c{t}', ...elements(rnd, 3000, 'c'));
    await same('PFDEBUG', 'ENCODING', 'c{t}');
    await same('PFCOUNT', 'a{t}', 'b{t}');
    await same('PFCOUNT', 'a{t}', 'b{t}', 'c{t}', 'missing{t}');
    await same('PFCOUNT', 'missing{t}', 'missing2{t}');
    await same('PFMERGE', 'm1{t}', 'a{t}', 'b{t}');
    await same('GET', 'm1{t}');
    await same('PFCOUNT', 'm1{t}');
    await same('PFMERGE', 'm2{t}', 'a{t}', 'c{t}');
    await same('GET', 'm2{t}');
    await same('PFMERGE', 'm3{t}');
    await same('GET', 'm3{t}');
    await same('PFMERGE', 'm4{t}', 'missing{t}');
    await same('GET', 'm4{t}');
    // The destination takes part in the union.
    await same('PFMERGE', 'a{t}', 'b{t}');
    await same('GET', 'a{t}');
    await same('PFMERGE', 'b{t}', 'c{t}');
    await same('GET', 'b{t}');
    await same('PFMERGE', 'm1{t}', 'm1{t}');
    await same('GET', 'm1{t}');
    // A sparse destination that overflows hll-sparse-max-bytes while merging.
    await same('PFADD', 'x{t}', ...elements(rnd, 400, 'x'));
    await same('PFADD', 'y{t}', ...elements(rnd, 400, 'y'));
    await same('PFMERGE', 'x{t}', 'y{t}');
    await same('PFDEBUG', 'ENCODING', 'x{t}');
    await same('GET', 'x{t}');
  });

  it('type errors', async () => {
    await same('FLUSHALL');
    await same('SET', 'str{t}', 'bar');
    await same('RPUSH', 'list{t}', 'a');
    await same('SET', 'int{t}', '12345678901234567');
    await same('PFADD', 'h{t}', 'a');
    for (const k of ['str{t}', 'list{t}', 'int{t}']) {
      await same('PFADD', k, '1');
      await same('PFCOUNT', k);
      await same('PFCOUNT', 'h{t}', k);
      await same('PFMERGE', 'h{t}', k);
      await same('PFMERGE', k, 'h{t}');
    }
    await same('GET', 'h{t}');
  });

  it('corrupted headers and lengths', async () => {
    await same('FLUSHALL');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('SETRANGE', 'h', 0, '0123');
    await same('PFCOUNT', 'h');
    await same('DEL', 'h');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('SETRANGE', 'h', 4, 'x');
    await same('PFCOUNT', 'h');
    await same('DEL', 'h');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('SETRANGE', 'h', 4, '\x00');
    await same('PFCOUNT', 'h');
    await same('PFADD', 'h', 'q');
    await same('DEL', 'h');
    await same('PFADD', 'h', 'a', 'b', 'c');
    await same('APPEND', 'h', 'hello');
    await same('PFCOUNT', 'h');
    await same('PFADD', 'h', 'zzz', 'yyy', 'a');
    await same('GET', 'h');
    await same('PFCOUNT', 'h', 'h');
    await same('PFMERGE', 'dst', 'h');
    await same('EXISTS', 'dst');
    await same('PFDEBUG', 'TODENSE', 'h');
    await same('PFDEBUG', 'GETREG', 'h');
    await same('PFDEBUG', 'DECODE', 'h');
    // A hand-made header: "HYLL" + sparse, truncated opcodes.
    await same('SET', 'm', 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f');
    await same('PFCOUNT', 'm');
    await same('PFADD', 'm', 'a');
    await same('PFDEBUG', 'DECODE', 'm');
    await same('SET', 'm', 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00');
    await same('PFCOUNT', 'm');
    await same('PFADD', 'm', 'a');
    await same('PFDEBUG', 'DECODE', 'm');
    // A valid cached cardinality is returned as is, even a huge one.
    await same('PFADD', 'c', 'a');
    await same('SETRANGE', 'c', 8, '\xff\xff\xff\xff\xff\xff\xff\x7f');
    await same('PFCOUNT', 'c');
    await same('SETRANGE', 'c', 8, '\x01\x02\x03\x04\x05\x06\x07\x00');
    await same('PFCOUNT', 'c');
  });

  it('random corruption is detected the same way', async () => {
    await same('FLUSHALL');
    const rnd = prng(99);
    for (let j = 0; j < 150; j++) {
      await same('DEL', 'h', 'd');
      const items = elements(rnd, rnd(j % 3 === 0 ? 3000 : 200), `f${j}-`);
      if (items.length > 0) await same('PFADD', 'h', ...items);
      else await same('PFADD', 'h');
      const len = Number((await same('STRLEN', 'h')).slice(1));
      for (let i = 0; i < 5; i++) {
        await same('SETRANGE', 'h', rnd(len), String.fromCharCode(rnd(256)));
        if (rnd(2) === 0) break;
      }
      await same('PFCOUNT', 'h');
      await same('GET', 'h');
      await same('PFADD', 'h', `new${j}`, `other${j}`, 'a', 'b', 'c');
      await same('GET', 'h');
      await same('PFMERGE', 'd', 'h');
      await same('GET', 'd');
      await same('PFCOUNT', 'h', 'd');
      await same('PFDEBUG', 'DECODE', 'h');
    }
  });

  it('SETRANGE-written register values in a dense HLL', async () => {
    await same('FLUSHALL');
    await same('PFADD', 'h', 'a');
    await same('PFDEBUG', 'TODENSE', 'h');
    // Registers above 50 and up to 63, including the last register.
    await same('SETRANGE', 'h', 16, '\xff\xff\xff\xfe\xfd\xfc');
    await same('SETRANGE', 'h', 12300, '\xff\xff\xff\xff');
    await same('PFCOUNT', 'h');
    await same('PFCOUNT', 'h', 'nosuch');
    await same('PFMERGE', 'd', 'h');
    await same('GET', 'd');
    await same('PFDEBUG', 'GETREG', 'h');
  });

  it('PFCOUNT may replicate: refused in read-only scripts, held by CLIENT PAUSE WRITE', async () => {
    await same('PFADD', 'ro\xff', 'a', 'b');
    await same('EVAL_RO', "return redis.call('pfcount', KEYS[1])", '1', 'ro\xff');
    await same('EVAL', "#!lua flags=no-writes\nreturn redis.call('pfcount', KEYS[1])", '1', 'ro\xff');
    await same('EVAL', "return redis.call('pfcount', KEYS[1])", '1', 'ro\xff');
    const [n, r] = await d.connectBoth();
    try {
      await same('CLIENT', 'PAUSE', '100000', 'WRITE');
      n.write('*2\r\n$7\r\nPFCOUNT\r\n$3\r\nro\xff\r\n');
      r.write('*2\r\n$7\r\nPFCOUNT\r\n$3\r\nro\xff\r\n');
      // Held, and counted as blocked, on both.
      const blocked = async (c: typeof n): Promise<string> => {
        for (let i = 0; i < 100; i++) {
          const m = /blocked_clients:(\d+)/.exec((await c.call('INFO', 'clients')).latin1Slice());
          if (m?.[1] === '1') return m[1];
          await new Promise((res) => setTimeout(res, 10));
        }
        return 'not 1';
      };
      expect(await blocked(d.n)).toBe(await blocked(d.r));
      expect(n.pending().length).toBe(0);
      expect(r.pending().length).toBe(0);
      await same('CLIENT', 'UNPAUSE');
      const [x, y] = await Promise.all([n.readReply(), r.readReply()]);
      expect(x.latin1Slice()).toBe(y.latin1Slice());
    } finally {
      await d.both('CLIENT', 'UNPAUSE');
      n.close();
      r.close();
    }
  });
});
