import { describe, expect, it, vi } from 'vitest';
import { PROTO_INLINE_MAX_SIZE, RequestParser, splitInlineArgs } from '../../src/protocol/parser.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** RESP multibulk encoding of `args` (latin1). */
function mb(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

interface Outcome {
  cmds: string[][];
  error: string | null;
}

/** Feed `pieces` one at a time, draining complete commands after each. */
function run(pieces: (string | Buffer)[], setup?: (p: RequestParser) => void): Outcome {
  const p = new RequestParser();
  setup?.(p);
  const cmds: string[][] = [];
  for (const piece of pieces) {
    p.feed(typeof piece === 'string' ? b(piece) : piece);
    for (let argv = p.next(); argv !== null; argv = p.next()) cmds.push(argv);
    if (p.error !== null) break;
  }
  return { cmds, error: p.error };
}

/** Every way of cutting `input` in two and in three pieces gives the same result. */
function expectSplitInvariant(input: string, expected: Outcome): void {
  expect(run([input])).toEqual(expected);
  const n = input.length;
  for (let i = 0; i <= n; i++) {
    expect(run([input.slice(0, i), input.slice(i)]), `split at ${i} of ${JSON.stringify(input)}`).toEqual(expected);
  }
  // Byte by byte.
  expect(run([...input])).toEqual(expected);
  // Three pieces (bounded so the test stays fast).
  const step = Math.max(1, Math.floor(n / 12));
  for (let i = 0; i <= n; i += step) {
    for (let j = i; j <= n; j += step) {
      expect(run([input.slice(0, i), input.slice(i, j), input.slice(j)])).toEqual(expected);
    }
  }
}

describe('RequestParser: valid input split at every byte offset', () => {
  const cases: [string, string[][]][] = [
    [mb('PING'), [['PING']]],
    [mb('SET', 'key', 'value'), [['SET', 'key', 'value']]],
    [mb('SET', '', ''), [['SET', '', '']]],
    ['PING\r\n', [['PING']]],
    ['PING\n', [['PING']]],
    ['SET a "b c"\r\n', [['SET', 'a', 'b c']]],
    // pipelined mixes of multibulk and inline, with empty commands in between
    [mb('ECHO', 'x') + 'PING\r\n' + mb('GET', 'k') + '\r\n\n*0\r\n*-1\r\n' + 'ECHO \'q\'\n', [['ECHO', 'x'], ['PING'], ['GET', 'k'], ['ECHO', 'q']]],
    // binary arguments: CR, LF, NUL, 0xff, CRLF inside a bulk
    [mb('SET', '\xff\x00\xc3', 'a\r\nb\rc\nd\x00\xfe\xff'), [['SET', '\xff\x00\xc3', 'a\r\nb\rc\nd\x00\xfe\xff']]],
    [mb('A') + mb('B', 'C') + mb('D', 'E', 'F'), [['A'], ['B', 'C'], ['D', 'E', 'F']]],
    ['\xffPING \x80\xfe\r\n', [['\xffPING', '\x80\xfe']]],
  ];
  for (const [input, cmds] of cases) {
    it(JSON.stringify(input).slice(0, 60), () => {
      expectSplitInvariant(input, { cmds, error: null });
    });
  }

  it('does not check the two bytes after a bulk (as Redis)', () => {
    expectSplitInvariant('*1\r\n$4\r\nPINGxx' + mb('ECHO', 'a'), { cmds: [['PING'], ['ECHO', 'a']], error: null });
  });

  it('accepts the int64 minimum as a (skipped) multibulk count', () => {
    expectSplitInvariant('*-9223372036854775808\r\n' + mb('PING'), { cmds: [['PING']], error: null });
  });

  it('leaves an incomplete command pending without output', () => {
    for (const partial of ['*', '*2', '*2\r', '*2\r\n$3\r\nGET\r\n', '*2\r\n$3\r\nGET\r\n$1\r\nk', '*2\r\n$3\r\nGET\r\n$1\r\nk\r', 'PING', 'PING\r']) {
      const p = new RequestParser();
      p.feed(b(partial));
      expect(p.next(), partial).toBeNull();
      expect(p.error, partial).toBeNull();
      expect(p.inProgress, partial).toBe(true);
    }
  });

  it('is idle after complete commands', () => {
    const p = new RequestParser();
    p.feed(b(mb('PING') + 'PING\r\n'));
    expect(p.next()).toEqual(['PING']);
    expect(p.next()).toEqual(['PING']);
    expect(p.next()).toBeNull();
    expect(p.inProgress).toBe(false);
    expect(p.bufferedBytes).toBe(0);
  });

  it('clear() drops a partial command', () => {
    const p = new RequestParser();
    p.feed(b('*2\r\n$3\r\nGET\r\n$100\r\nabc'));
    expect(p.next()).toBeNull();
    p.clear();
    expect(p.inProgress).toBe(false);
    p.feed(b(mb('PING')));
    expect(p.next()).toEqual(['PING']);
  });

  it('returns arguments as latin1 strings, one char per byte', () => {
    const p = new RequestParser();
    const bytes = Buffer.from([0xe2, 0x82, 0xac, 0x00, 0xff]); // UTF-8 euro sign, NUL, 0xff
    p.feed(Buffer.concat([b('*1\r\n$5\r\n'), bytes, b('\r\n')]));
    const argv = p.next()!;
    expect(argv[0].length).toBe(5);
    expect(Buffer.from(argv[0], 'latin1')).toEqual(bytes);
  });
});

describe('RequestParser: large bulks', () => {
  it('assembles a 1MB bulk fed in 1KB chunks, followed by another command', () => {
    const size = 1024 * 1024;
    const value = Buffer.alloc(size);
    for (let i = 0; i < size; i++) value[i] = (i * 7 + (i >> 10)) & 0xff;
    const stream = Buffer.concat([b(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`), value, b('\r\n' + mb('PING'))]);
    const p = new RequestParser();
    const got: string[][] = [];
    let buffered = 0;
    for (let off = 0; off < stream.length; off += 1024) {
      p.feed(stream.subarray(off, off + 1024));
      for (let argv = p.next(); argv !== null; argv = p.next()) got.push(argv);
      if (got.length === 0) {
        buffered = Math.max(buffered, p.bufferedBytes);
        // Query-buffer accounting grows with the data, not with the announced length.
        expect(p.bufferedBytes).toBeLessThanOrEqual(off + 1024);
      }
    }
    expect(p.error).toBeNull();
    expect(got.length).toBe(2);
    expect(got[0][0]).toBe('SET');
    expect(Buffer.from(got[0][2], 'latin1').equals(value)).toBe(true);
    expect(got[1]).toEqual(['PING']);
    expect(buffered).toBeGreaterThan(size - 2048);
  });

  it('copies a slowly arriving bulk a bounded number of times (no quadratic re-concatenation)', () => {
    const size = 1024 * 1024;
    const stream = Buffer.concat([b(`*2\r\n$4\r\nECHO\r\n$${size}\r\n`), Buffer.alloc(size, 0x61), b('\r\n')]);
    const spy = vi.spyOn(Buffer, 'concat');
    try {
      const p = new RequestParser();
      let got: string[] | null = null;
      for (let off = 0; off < stream.length; off += 1024) {
        p.feed(stream.subarray(off, off + 1024));
        got = p.next() ?? got;
      }
      expect(got?.[1].length).toBe(size);
      const copied = spy.mock.results.reduce((n, r) => n + (r.value as Buffer).length, 0);
      expect(copied).toBeLessThan(3 * size);
    } finally {
      spy.mockRestore();
    }
  });

  // Bulks of 32 KB and more that span reads are kept as one string per
  // read (small reads staged together) and joined at the end.
  const bigValue = (size: number): string => {
    let s = '';
    for (let i = 0; i < size; i++) s += String.fromCharCode((i * 131 + (i >> 8)) & 0xff);
    return s;
  };

  it('a big bulk cut anywhere near its edges, its pieces or its CRLF gives the same command', () => {
    const value = bigValue(40000);
    const input = mb('SET', '\xff\x00k', value) + mb('GET', '\xfe');
    const expected = { cmds: [['SET', '\xff\x00k', value], ['GET', '\xfe']], error: null };
    const head = input.indexOf(value);
    const end = head + value.length;
    const cuts = new Set<number>();
    for (let i = 0; i <= head + 8; i++) cuts.add(i);
    for (let i = end - 8; i <= input.length; i++) cuts.add(i);
    // Around the size below which reads are staged (4096) and the stage's size (16384).
    for (const at of [4096, 16384, 32768]) for (let d = -2; d <= 2; d++) cuts.add(head + at + d);
    for (const i of cuts) {
      expect(run([input.slice(0, i), input.slice(i)]), `split at ${i}`).toEqual(expected);
    }
    // Three reads: a small one staged between two that become pieces, and the reverse.
    for (const [i, j] of [
      [head + 5000, head + 5001],
      [head + 10, head + 20000],
      [head + 16383, head + 16385],
      [end - 1, end + 1],
      [end + 1, end + 2],
    ]) {
      expect(run([input.slice(0, i), input.slice(i, j), input.slice(j)]), `split at ${i}, ${j}`).toEqual(expected);
    }
  });

  it('a big bulk in reads of random sizes, small and large mixed, gives the same command', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const value = bigValue(32768 + rnd(100000));
      const input = mb('ECHO', value) + mb('PING');
      const pieces: string[] = [];
      for (let off = 0; off < input.length; ) {
        const len = rnd(3) === 0 ? 1 + rnd(20) : rnd(2) === 0 ? 1 + rnd(5000) : 1 + rnd(70000);
        pieces.push(input.slice(off, off + len));
        off += len;
      }
      expect(run(pieces)).toEqual({ cmds: [['ECHO', value], ['PING']], error: null });
    }
  });

  it('a big bulk sent a byte at a time is not held as a string per byte', () => {
    const value = bigValue(50000);
    const input = b(mb('ECHO', value));
    const p = new RequestParser();
    const held = p as unknown as { pieces: string[] | null };
    let got: string[] | null = null;
    let most = 0;
    for (let i = 0; i < input.length; i++) {
      p.feed(input.subarray(i, i + 1));
      got = p.next() ?? got;
      most = Math.max(most, held.pieces?.length ?? 0);
    }
    expect(got).toEqual(['ECHO', value]);
    // Staged in 16 KB runs: four pieces at most for 50,000 bytes.
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('a bulk longer than a string can be is refused once it has arrived, not when announced', () => {
    // (maxArgLength is V8's longest string, 536870888 bytes; lowered here.)
    const limit = (p: RequestParser) => {
      p.maxArgLength = 40000;
    };
    for (const size of [40000, 40001]) {
      const value = bigValue(size);
      const input = mb('SET', 'k', value) + mb('PING');
      const expected = size === 40000 ? { cmds: [['SET', 'k', value], ['PING']], error: null } : { cmds: [], error: 'Protocol error: invalid bulk length' };
      // Whole, in two reads, and announced alone.
      expect(run([input], limit)).toEqual(expected);
      expect(run([input.slice(0, 30000), input.slice(30000)], limit)).toEqual(expected);
      expect(run([input.slice(0, input.indexOf(value))], limit)).toEqual({ cmds: [], error: null });
    }
  });

  it('does not allocate the announced length up front', () => {
    const p = new RequestParser();
    p.feed(b('*1\r\n$536870912\r\nabc'));
    expect(p.next()).toBeNull();
    expect(p.error).toBeNull();
    expect(p.bufferedBytes).toBe(3);
  });
});

describe('RequestParser: inline quoting (sdssplitargs)', () => {
  const ok: [string, string[]][] = [
    ['a b c', ['a', 'b', 'c']],
    ['  a   b  ', ['a', 'b']],
    ['a\tb\x0bc\x0cd', ['a', 'b\x0bc\x0cd']], // only space, \n, \r, \t and NUL end an unquoted arg
    ['"\\x41\\x4a\\x4A"', ['AJJ']],
    ['"\\xff\\x00z"', ['\xff\x00z']],
    ['"\\x4"', ['x4']], // incomplete hex escape: the backslash escapes the 'x'
    ['"\\xzz"', ['xzz']],
    ['"\\n\\r\\t\\b\\a"', ['\n\r\t\b\x07']],
    ['"\\z\\"\\\\"', ['z"\\']],
    ['"a b" \'c d\'', ['a b', 'c d']],
    ["'it\\'s'", ["it's"]],
    ["'a\\nb'", ['a\\nb']], // no escapes but \' inside single quotes
    ['"" \'\'', ['', '']],
    ['a"b c"', ['ab c']], // a quote opens anywhere in an argument
    ["a'b c' d", ['ab c', 'd']],
    ['"a"\tb', ['a', 'b']],
    ['"a"\x0bb', ['a', 'b']], // isspace() after the closing quote is enough
    ['\xff\x80 "\xfe"', ['\xff\x80', '\xfe']],
    ['', []],
    ['   ', []],
    ['a\x00b', ['a']], // NUL ends the C string
  ];
  const bad = ['a\'b\'"c"', '"abc', "'abc", '"a"b', "'a'b", '"a\\"', "'a\\'", '"\\', 'x "a\x00"'];

  it('splits like sdssplitargs', () => {
    for (const [line, args] of ok) expect(splitInlineArgs(b(line)), JSON.stringify(line)).toEqual(args);
  });

  it('reports unbalanced quotes as null', () => {
    for (const line of bad) expect(splitInlineArgs(b(line)), JSON.stringify(line)).toBeNull();
  });

  it('inline commands parse through the request parser, CRLF or LF', () => {
    expectSplitInvariant('SET "k\\xff" \'v w\'\r\nGET k\n', {
      cmds: [
        ['SET', 'k\xff', 'v w'],
        ['GET', 'k'],
      ],
      error: null,
    });
  });

  it('a lone CR does not end the line but separates arguments', () => {
    expect(run(['ECHO a\rb\r\n'])).toEqual({ cmds: [['ECHO', 'a', 'b']], error: null });
  });

  it('skips empty lines', () => {
    expectSplitInvariant('\r\n\n  \r\nPING\r\n\n', { cmds: [['PING']], error: null });
  });

  it('counts the lines that are empty (a replica\'s newlines), not blank ones', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('\n\r\n  \r\nPING\r\n\n*0\r\n', 'latin1'));
    expect(p.next()).toEqual(['PING']);
    expect(p.emptyLines).toBe(2);
    expect(p.next()).toBeNull();
    expect(p.emptyLines).toBe(3);
  });

  it('a NUL before the newline hides it (strchr), so nothing is parsed', () => {
    const r = run(['PING\x00\nPING\r\n']);
    expect(r).toEqual({ cmds: [], error: null });
  });
});

describe('RequestParser: protocol errors', () => {
  const E = (t: string) => `Protocol error: ${t}`;
  const cases: [string, string, string[][]?][] = [
    ['*abc\r\n', E('invalid multibulk length')],
    ['*-\r\n', E('invalid multibulk length')],
    ['*\r\n', E('invalid multibulk length')],
    ['*01\r\n', E('invalid multibulk length')],
    ['*+1\r\n', E('invalid multibulk length')],
    ['*1 \r\n', E('invalid multibulk length')],
    ['*3000000000\r\n', E('invalid multibulk length')],
    ['*2147483648\r\n', E('invalid multibulk length')],
    ['*-9223372036854775809\r\n', E('invalid multibulk length')],
    ['*9223372036854775808\r\n', E('invalid multibulk length')],
    ['*1\r\n$-1\r\n', E('invalid bulk length')],
    ['*1\r\n$abc\r\n', E('invalid bulk length')],
    ['*1\r\n$\r\n', E('invalid bulk length')],
    ['*1\r\n$01\r\n', E('invalid bulk length')],
    ['*1\r\n$536870913\r\n', E('invalid bulk length')],
    ['*1\r\n$18446744073709551616\r\n', E('invalid bulk length')],
    ['*1\r\n$-9223372036854775809\r\n', E('invalid bulk length')],
    ['*1\r\nx\r\n', E("expected '$', got 'x'")],
    ['*1\r\n\r\n', E("expected '$', got '\r'")],
    ['*2\r\n$3\r\nGET\r\n:1\r\n', E("expected '$', got ':'")],
    ['ECHO "a"b\r\n', E('unbalanced quotes in request')],
    ['ECHO "abc\r\n', E('unbalanced quotes in request')],
    ["ECHO 'abc\r\n", E('unbalanced quotes in request')],
    // commands before the error are still returned
    [mb('PING') + 'PING\r\n*x\r\n', E('invalid multibulk length'), [['PING'], ['PING']]],
  ];
  for (const [input, error, cmds] of cases) {
    it(`${JSON.stringify(input)} -> ${error}`, () => {
      expectSplitInvariant(input, { cmds: cmds ?? [], error });
    });
  }

  it('stops at the error and returns nothing more', () => {
    const p = new RequestParser();
    p.feed(b('*x\r\n' + mb('PING')));
    expect(p.next()).toBeNull();
    expect(p.error).toBe('Protocol error: invalid multibulk length');
    p.feed(b(mb('PING')));
    expect(p.next()).toBeNull();
  });

  it('respects maxBulkLen (proto-max-bulk-len)', () => {
    const set = (p: RequestParser) => {
      p.maxBulkLen = 1024 * 1024;
    };
    expect(run(['*1\r\n$1048577\r\n'], set).error).toBe(E('invalid bulk length'));
    expect(run(['*1\r\n$1048576\r\n'], set).error).toBeNull();
  });

  it('too big mbulk count string: more than 64KB without CR after *', () => {
    const big = '*' + '1'.repeat(PROTO_INLINE_MAX_SIZE);
    expect(run([big]).error).toBe(E('too big mbulk count string'));
    expect(run([big.slice(0, -1)]).error).toBeNull();
    // in pieces
    const pieces: string[] = [];
    for (let i = 0; i < big.length; i += 4096) pieces.push(big.slice(i, i + 4096));
    expect(run(pieces).error).toBe(E('too big mbulk count string'));
  });

  it('too big bulk count string: more than 64KB without CR after $', () => {
    const big = '*1\r\n$' + '1'.repeat(PROTO_INLINE_MAX_SIZE);
    expect(run([big]).error).toBe(E('too big bulk count string'));
    expect(run([big.slice(0, -1)]).error).toBeNull();
  });

  it('too big inline request: more than 64KB without newline', () => {
    const big = 'SET k ' + 'x'.repeat(PROTO_INLINE_MAX_SIZE);
    expect(run([big]).error).toBe(E('too big inline request'));
    expect(run(['SET k ' + 'x'.repeat(PROTO_INLINE_MAX_SIZE - 7)]).error).toBeNull();
    // a NUL hides later newlines, so the line keeps growing until the limit
    expect(run(['PING\x00\n', 'x'.repeat(PROTO_INLINE_MAX_SIZE)]).error).toBe(E('too big inline request'));
  });

  it('unauthenticated limits apply only while authentication is required', () => {
    const auth = (p: RequestParser) => {
      p.authRequired = () => true;
    };
    const args11 = Array.from({ length: 11 }, (_, i) => String(i));
    expect(run([mb(...args11)], auth).error).toBe(E('unauthenticated multibulk length'));
    expect(run([mb(...args11.slice(1))], auth)).toEqual({ cmds: [args11.slice(1)], error: null });
    expect(run([mb('AUTH', 'x'.repeat(16385))], auth).error).toBe(E('unauthenticated bulk length'));
    expect(run([mb('AUTH', 'x'.repeat(16384))], auth).cmds).toEqual([['AUTH', 'x'.repeat(16384)]]);
    expect(run([mb(...args11)]).cmds).toEqual([args11]);
    expect(run([mb('AUTH', 'x'.repeat(16385))]).error).toBeNull();
  });
});

describe('RequestParser: randomized streams', () => {
  it('any chunking of a random pipeline yields the same commands', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 40; round++) {
      const cmds: string[][] = [];
      let stream = '';
      for (let i = 0; i < 20; i++) {
        const argc = 1 + rnd(4);
        const argv: string[] = [];
        for (let j = 0; j < argc; j++) {
          let a = '';
          const len = rnd(3) === 0 ? rnd(300) : rnd(8);
          for (let k = 0; k < len; k++) a += String.fromCharCode(rnd(256));
          argv.push(a);
        }
        const inlineable = argv.every((a) => /^[a-z0-9]+$/.test(a));
        if (inlineable && rnd(2) === 0) stream += argv.join(' ') + (rnd(2) ? '\r\n' : '\n');
        else stream += mb(...argv);
        if (rnd(5) === 0) stream += rnd(2) ? '*0\r\n' : '\r\n';
        cmds.push(argv);
      }
      const pieces: string[] = [];
      for (let off = 0; off < stream.length; ) {
        const len = 1 + rnd(200);
        pieces.push(stream.slice(off, off + len));
        off += len;
      }
      expect(run(pieces)).toEqual({ cmds, error: null });
    }
  });
});

describe('RequestParser: arguments remembered from the previous command', () => {
  /** `base` with its byte at `i` replaced by `c`. */
  const withByte = (base: string, i: number, c: string): string => base.slice(0, i) + c + base.slice(i + 1);

  it('an argument of the same length that differs in any one byte is read anew', () => {
    const key = 'key:\xff\x00\x80abcdefghijklmnopqrstu'; // 25 bytes: six 4-byte words and a tail byte
    const cmds: string[][] = [];
    for (let i = 0; i < key.length; i++) {
      cmds.push(['GET', key]);
      cmds.push(['GET', withByte(key, i, key[i] === 'z' ? 'y' : 'z')]);
      cmds.push(['GET', key]);
    }
    // Whole commands in one read (the one-pass path) and byte by byte (the general path).
    expect(run([cmds.map((a) => mb(...a)).join('')])).toEqual({ cmds, error: null });
    expect(run([...cmds.map((a) => mb(...a)).join('')])).toEqual({ cmds, error: null });
  });

  it('a position that changes every time (unique keys) then repeats is read right throughout', () => {
    const cmds: string[][] = [];
    for (let i = 0; i < 40; i++) cmds.push(['SET', `key:${String(i).padStart(9, '0')}`, `v\xfe${i % 3}`]);
    for (let i = 0; i < 20; i++) cmds.push(['SET', 'key:000000007', `v\xfe${i % 2}`]);
    for (let i = 0; i < 20; i++) cmds.push(['SET', `key:${String(i * 7).padStart(9, '0')}`, 'v\xfe1']);
    const stream = cmds.map((a) => mb(...a)).join('');
    expect(run([stream])).toEqual({ cmds, error: null });
    // Fed one command per read, as a pipelining client's reads often end.
    expect(run(cmds.map((a) => mb(...a)))).toEqual({ cmds, error: null });
  });

  it('long commands (up to 24 positions remembered, then interned) differ from the last in any argument', () => {
    const pairs = (tag: string): string[] => Array.from({ length: 14 }, (_, j) => [`k\xff${j}:${tag}`, `v\x80${j}`]).flat();
    const base = ['MSET', ...pairs('aaaa')];
    const cmds: string[][] = [['GET', 'k'], base];
    // Each position in turn differs in its last byte, then the command repeats.
    for (let i = 1; i < base.length; i++) {
      cmds.push(base.map((a, j) => (j === i ? withByte(a, a.length - 1, '\x01') : a)));
      cmds.push(base);
    }
    // Fewer arguments after more: the positions past the end are not read.
    cmds.push(['HSET', 'h', 'f', 'v'], base.slice(0, 7), base);
    expect(run([cmds.map((a) => mb(...a)).join('')])).toEqual({ cmds, error: null });
    expect(run(cmds.map((a) => mb(...a)))).toEqual({ cmds, error: null });
  });

  it('arguments whose bytes read as zero, minus zero or NaN in eight-byte groups are told apart', () => {
    // Segments are compared as doubles: 0 and -0 are equal doubles of
    // different bytes, and a NaN is equal to nothing.
    const cmds: string[][] = [];
    for (let len = 0; len <= 40; len++) {
      const zeros = '\x00'.repeat(len);
      const nans = '\xff'.repeat(len);
      cmds.push(['SET', 'k', zeros], ['SET', 'k', zeros], ['SET', 'k', nans], ['SET', 'k', nans]);
      for (let i = 0; i < len; i++) {
        const signed = withByte(zeros, i, '\x80');
        cmds.push(['SET', 'k', zeros], ['SET', 'k', signed], ['SET', 'k', signed], ['SET', 'k', zeros]);
      }
    }
    expect(run([cmds.map((a) => mb(...a)).join('')])).toEqual({ cmds, error: null });
    expect(run(cmds.map((a) => mb(...a)))).toEqual({ cmds, error: null });
  });

  it.each([false, true])('reads that reuse one buffer do not confuse the bytes remembered (view given: %s)', (withView) => {
    const p = new RequestParser();
    const shared = Buffer.alloc(64);
    const view = new DataView(shared.buffer, shared.byteOffset, shared.length);
    const got: string[][] = [];
    const keys = ['abcd1234', 'abcd1234', 'abcd1235', 'abcd1235', 'xbcd1235', 'xbcd1235x', 'xbcd1235y'];
    for (const key of keys) {
      const n = shared.write(mb('GET', key), 'latin1');
      const chunk = shared.subarray(0, n);
      p.feed(chunk, withView ? view : undefined);
      for (let argv = p.next(); argv !== null; argv = p.next()) got.push(argv);
      p.releaseChunk(chunk);
      shared.fill(0x41);
    }
    expect(got.map((a) => a[1])).toEqual(keys);
  });
});
