import { describe, expect, it } from 'vitest';
import { ReplyWriter } from '../../src/protocol/reply.js';

class TestWriter extends ReplyWriter {
  outputs = 0;
  errors: string[] = [];
  constructor(resp: 2 | 3 = 2) {
    super();
    this.resp = resp;
  }
  protected onOutput(): void {
    this.outputs++;
  }
  protected afterErrorReply(text: string): void {
    this.errors.push(text);
  }
  /** Everything queued so far, as one latin1 string. */
  text(): string {
    const out = this.takeOutput();
    if (typeof out === 'string') return out;
    return out.map((p) => (typeof p === 'string' ? p : p.latin1Slice(0, p.length))).join('');
  }
  setOff(off: boolean): void {
    this.repliesOff = off;
  }
}

/** Run `f` on a writer of each protocol version; return [resp2, resp3] output. */
function both(f: (w: TestWriter) => void): [string, string] {
  const w2 = new TestWriter(2);
  const w3 = new TestWriter(3);
  f(w2);
  f(w3);
  return [w2.text(), w3.text()];
}

describe('ReplyWriter: scalar replies', () => {
  it('status, OK, error', () => {
    expect(both((w) => w.addReplyStatus('PONG'))).toEqual(['+PONG\r\n', '+PONG\r\n']);
    expect(both((w) => w.addReplyOK())).toEqual(['+OK\r\n', '+OK\r\n']);
    expect(both((w) => w.addReplyError('syntax error'))).toEqual(['-ERR syntax error\r\n', '-ERR syntax error\r\n']);
    expect(both((w) => w.addReplyError('-WRONGTYPE Operation against a key holding the wrong kind of value'))).toEqual([
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
      '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
    ]);
  });

  it('errors never break the protocol with CR/LF and are reported once', () => {
    const w = new TestWriter();
    w.addReplyError("Protocol error: expected '$', got '\r'");
    w.addReplyError('a\r\nb');
    expect(w.text()).toBe("-ERR Protocol error: expected '$', got ' '\r\n-ERR a  b\r\n");
    expect(w.errors).toEqual(["Protocol error: expected '$', got ' '", 'a  b']);
  });

  it('bulk strings are binary safe (strings and Buffers, small and large)', () => {
    const bin = '\xff\x00\xc3\r\n';
    expect(both((w) => w.addReplyBulk(bin))).toEqual([`$5\r\n${bin}\r\n`, `$5\r\n${bin}\r\n`]);
    expect(both((w) => w.addReplyBulk(''))).toEqual(['$0\r\n\r\n', '$0\r\n\r\n']);
    expect(both((w) => w.addReplyBulk(Buffer.from([0xff, 0, 0x80])))).toEqual(['$3\r\n\xff\x00\x80\r\n', '$3\r\n\xff\x00\x80\r\n']);
    const big = Buffer.alloc(10000, 0xfe);
    const w = new TestWriter();
    w.addReplyStatus('x');
    w.addReplyBulk(big);
    w.addReplyLongLong(1);
    expect(w.text()).toBe('+x\r\n$10000\r\n' + big.latin1Slice(0, big.length) + '\r\n:1\r\n');
  });

  it('a bulk from a range of a string equals the bulk of the slice', () => {
    let s = '';
    for (let i = 0; i < 40000; i++) s += String.fromCharCode((i * 7919) & 0xff);
    for (const [a, e] of [[0, 0], [5, 6], [100, 132], [100, 133], [7, 20007], [3, 39999], [0, 40000]]) {
      const [x] = both((w) => w.addReplyBulkRange(s, a, e));
      const [y] = both((w) => w.addReplyBulk(s.slice(a, e)));
      expect(x === y).toBe(true);
    }
  });

  it('bulk or null', () => {
    expect(both((w) => w.addReplyBulkOrNull('a'))).toEqual(['$1\r\na\r\n', '$1\r\na\r\n']);
    expect(both((w) => w.addReplyBulkOrNull(null))).toEqual(['$-1\r\n', '_\r\n']);
    expect(both((w) => w.addReplyBulkOrNull(undefined))).toEqual(['$-1\r\n', '_\r\n']);
  });

  it('integers, including int64 extremes as bigint', () => {
    expect(both((w) => w.addReplyLongLong(0))).toEqual([':0\r\n', ':0\r\n']);
    expect(both((w) => w.addReplyLongLong(-42))).toEqual([':-42\r\n', ':-42\r\n']);
    expect(both((w) => w.addReplyLongLong(9223372036854775807n))).toEqual([':9223372036854775807\r\n', ':9223372036854775807\r\n']);
    expect(both((w) => w.addReplyLongLong(-9223372036854775808n))).toEqual([':-9223372036854775808\r\n', ':-9223372036854775808\r\n']);
  });

  it('integers written digit by digit match their decimal text at every digit count and sign', () => {
    const values = [0, -0, 1, 9, 10, 99, 100, 101, 999, 1000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, -(2 ** 31), -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER];
    for (let p = 1; p <= 1e15; p *= 10) values.push(p - 1, p, p + 1, -(p - 1), -p, 7 * p + 3);
    const w = new TestWriter();
    for (const n of values) {
      w.addReplyLongLong(n);
      w.addReplyArrayLen(Math.abs(n));
      w.addReplyBulk('x'.repeat(Math.abs(n) % 50));
    }
    const expected = values.map((n) => `:${n}\r\n*${Math.abs(n)}\r\n$${Math.abs(n) % 50}\r\n${'x'.repeat(Math.abs(n) % 50)}\r\n`).join('');
    expect(w.text()).toBe(expected);
  });

  it('null and null array', () => {
    expect(both((w) => w.addReplyNull())).toEqual(['$-1\r\n', '_\r\n']);
    expect(both((w) => w.addReplyNullArray())).toEqual(['*-1\r\n', '_\r\n']);
  });

  it('booleans', () => {
    expect(both((w) => w.addReplyBool(true))).toEqual([':1\r\n', '#t\r\n']);
    expect(both((w) => w.addReplyBool(false))).toEqual([':0\r\n', '#f\r\n']);
  });

  it('doubles as %.17g: bulk in RESP2, "," in RESP3', () => {
    const cases: [number, string][] = [
      [1.5, '1.5'],
      [0.1, '0.10000000000000001'],
      [-0.1, '-0.10000000000000001'],
      [3, '3'],
      [0, '0'],
      [-0, '-0'],
      [1e20, '1e+20'],
      [123456789012345680000, '1.2345678901234568e+20'],
      [1e-7, '9.9999999999999995e-08'],
      [Infinity, 'inf'],
      [-Infinity, '-inf'],
    ];
    for (const [d, s] of cases) {
      expect(both((w) => w.addReplyDouble(d)), String(d)).toEqual([`$${s.length}\r\n${s}\r\n`, `,${s}\r\n`]);
    }
  });

  it('human long doubles and big numbers', () => {
    expect(both((w) => w.addReplyHumanLongDouble('10.5'))).toEqual(['$4\r\n10.5\r\n', ',10.5\r\n']);
    expect(both((w) => w.addReplyBigNum('1234567890123456789012'))).toEqual(['$22\r\n1234567890123456789012\r\n', '(1234567890123456789012\r\n']);
  });

  it('verbatim strings', () => {
    expect(both((w) => w.addReplyVerbatim('hello\r\n', 'txt'))).toEqual(['$7\r\nhello\r\n\r\n', '=11\r\ntxt:hello\r\n\r\n']);
    expect(both((w) => w.addReplyVerbatim('', 'mkd'))).toEqual(['$0\r\n\r\n', '=4\r\nmkd:\r\n']);
  });
});

describe('ReplyWriter: aggregates', () => {
  it('array, map, set, push, attribute headers', () => {
    expect(both((w) => w.addReplyArrayLen(3))).toEqual(['*3\r\n', '*3\r\n']);
    expect(both((w) => w.addReplyArrayLen(0))).toEqual(['*0\r\n', '*0\r\n']);
    expect(both((w) => w.addReplyMapLen(2))).toEqual(['*4\r\n', '%2\r\n']);
    expect(both((w) => w.addReplyMapLen(0))).toEqual(['*0\r\n', '%0\r\n']);
    expect(both((w) => w.addReplySetLen(2))).toEqual(['*2\r\n', '~2\r\n']);
    expect(both((w) => w.addReplyPushLen(3))).toEqual(['*3\r\n', '>3\r\n']);
    const w = new TestWriter(3);
    w.addReplyAttributeLen(1);
    expect(w.text()).toBe('|1\r\n');
  });

  it('a map of doubles (ZSCORE-like) in both protocols', () => {
    const [r2, r3] = both((w) => {
      w.addReplyMapLen(1);
      w.addReplyBulk('m');
      w.addReplyDouble(2.5);
    });
    expect(r2).toBe('*2\r\n$1\r\nm\r\n$3\r\n2.5\r\n');
    expect(r3).toBe('%1\r\n$1\r\nm\r\n,2.5\r\n');
  });

  it('bulk arrays with null entries', () => {
    expect(both((w) => w.addReplyBulkArray(['a', null, Buffer.from('bc')]))).toEqual([
      '*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n',
      '*3\r\n$1\r\na\r\n_\r\n$2\r\nbc\r\n',
    ]);
  });

  it('help replies as addReplyHelp()', () => {
    const w = new TestWriter();
    w.addReplyHelp('object', ['ENCODING <key>', '    Return the kind of internal representation.']);
    expect(w.text()).toBe(
      '*5\r\n' +
        '+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n' +
        '+ENCODING <key>\r\n' +
        '+    Return the kind of internal representation.\r\n' +
        '+HELP\r\n' +
        '+    Prints this help.\r\n',
    );
  });
});

describe('ReplyWriter: deferred lengths', () => {
  it('array length filled in after the elements', () => {
    const [r2, r3] = both((w) => {
      w.addReplyStatus('before');
      const h = w.addReplyDeferredLen();
      w.addReplyBulk('a');
      w.addReplyLongLong(1);
      w.setDeferredArrayLen(h, 2);
      w.addReplyStatus('after');
    });
    const expected = '+before\r\n*2\r\n$1\r\na\r\n:1\r\n+after\r\n';
    expect(r2).toBe(expected);
    expect(r3).toBe(expected);
  });

  it('map and set lengths follow the protocol version', () => {
    const [m2, m3] = both((w) => {
      const h = w.addReplyDeferredLen();
      w.addReplyBulk('k');
      w.addReplyBulk('v');
      w.setDeferredMapLen(h, 1);
    });
    expect(m2).toBe('*2\r\n$1\r\nk\r\n$1\r\nv\r\n');
    expect(m3).toBe('%1\r\n$1\r\nk\r\n$1\r\nv\r\n');
    const [s2, s3] = both((w) => {
      const h = w.addReplyDeferredLen();
      w.setDeferredSetLen(h, 0);
    });
    expect(s2).toBe('*0\r\n');
    expect(s3).toBe('~0\r\n');
  });

  it('nested deferred lengths', () => {
    const w = new TestWriter();
    const outer = w.addReplyDeferredLen();
    const inner = w.addReplyDeferredLen();
    w.addReplyBulk('x');
    w.setDeferredArrayLen(inner, 1);
    w.addReplyBulk(Buffer.alloc(5000, 0x41));
    w.setDeferredArrayLen(outer, 2);
    expect(w.text()).toBe('*2\r\n*1\r\n$1\r\nx\r\n$5000\r\n' + 'A'.repeat(5000) + '\r\n');
  });
});

describe('ReplyWriter: deferred lengths written into the chunk', () => {
  // A model: the output as a list of pieces, deferred headers as slots
  // filled in whatever order the test picks.
  function run(seed: number): void {
    let x = seed;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    const w = new TestWriter();
    const model: (string | { h: number })[] = [];
    const open: { h: number; slot: { h: number } }[] = [];
    const filled = new Map<object, string>();
    const steps = 5 + rnd(60);
    for (let s = 0; s < steps; s++) {
      const op = rnd(10);
      if (op < 3) {
        const h = w.addReplyDeferredLen();
        const slot = { h };
        model.push(slot);
        open.push({ h, slot });
      } else if (op < 5 && open.length > 0) {
        // Set any open header, not only the last one made.
        const [d] = open.splice(rnd(10) < 7 ? open.length - 1 : rnd(open.length), 1);
        const n = rnd(100000);
        w.setDeferredArrayLen(d.h, n);
        filled.set(d.slot, `*${n}\r\n`);
      } else if (op < 8) {
        const v = 'v'.repeat(rnd(10) < 8 ? rnd(40) : rnd(40000));
        w.addReplyBulk(v);
        model.push(`$${v.length}\r\n${v}\r\n`);
      } else if (op < 9) {
        // Large enough to become a part of its own past SPAN_MAX is too slow
        // here; a Buffer of a few chunks spans them.
        const b = Buffer.alloc(rnd(3) * 16 * 1024 + rnd(100), 0x62);
        w.addReplyBulk(b);
        model.push(`$${b.length}\r\n${'b'.repeat(b.length)}\r\n`);
      } else {
        w.addReplyLongLong(s);
        model.push(`:${s}\r\n`);
      }
    }
    for (const d of open.reverse()) {
      w.setDeferredArrayLen(d.h, 7);
      filled.set(d.slot, '*7\r\n');
    }
    const want = model.map((m) => (typeof m === 'string' ? m : filled.get(m)!)).join('');
    const pending = w.pendingOutputBytes();
    const got = w.text();
    expect(got.length).toBe(want.length);
    expect(got === want).toBe(true);
    expect(pending).toBe(want.length);
  }

  it('puts every header where it was reserved, set in any order, across chunks', () => {
    for (let seed = 1; seed <= 400; seed++) run(seed);
  });

  it('sets a header after a body that reaches the end of the 16 KiB chunk', () => {
    // 16 bulks of 1000 bytes (1009 bytes each) and one of k bytes, the last
    // of which fits the chunk or starts the next one.
    for (const k of [227, 228, 229, 230]) {
      const w = new TestWriter();
      const h = w.addReplyDeferredLen();
      let want = '';
      for (let i = 0; i < 16; i++) {
        w.addReplyBulk('x'.repeat(1000));
        want += '$1000\r\n' + 'x'.repeat(1000) + '\r\n';
      }
      w.addReplyBulk('y'.repeat(k));
      want += `$${k}\r\n${'y'.repeat(k)}\r\n`;
      w.setDeferredArrayLen(h, 17);
      w.addReplyOK();
      expect(w.text()).toBe('*17\r\n' + want + '+OK\r\n');
    }
  });

  it('inserts a header into a chunk a long value filled to its last bytes', () => {
    // A value past COPY_MAX is copied up to the very end of the chunk.
    for (let n = 16360; n <= 16380; n++) {
      const w = new TestWriter();
      const h = w.addReplyDeferredLen();
      w.addReplyBulk('z'.repeat(n));
      w.setDeferredArrayLen(h, 1);
      w.addReplyOK();
      expect(w.text()).toBe(`*1\r\n$${n}\r\n${'z'.repeat(n)}\r\n+OK\r\n`);
    }
  });

  it('ignores a header set after the output was taken', () => {
    const w = new TestWriter();
    const h = w.addReplyDeferredLen();
    w.addReplyBulk('a');
    expect(w.text()).toBe('$1\r\na\r\n');
    w.setDeferredArrayLen(h, 1);
    w.addReplyOK();
    expect(w.text()).toBe('+OK\r\n');
  });

  it('signals onOutput once for a batch that starts with a deferred length', () => {
    const w = new TestWriter();
    const h = w.addReplyDeferredLen();
    w.addReplyBulk('a');
    w.setDeferredArrayLen(h, 1);
    w.addReplyOK();
    expect(w.outputs).toBe(1);
    expect(w.text()).toBe('*1\r\n$1\r\na\r\n+OK\r\n');
  });
});

describe('ReplyWriter: output bookkeeping', () => {
  it('signals onOutput once per batch and is empty after takeOutput()', () => {
    const w = new TestWriter();
    expect(w.hasPendingOutput()).toBe(false);
    w.addReplyOK();
    w.addReplyOK();
    expect(w.outputs).toBe(1);
    expect(w.hasPendingOutput()).toBe(true);
    expect(w.text()).toBe('+OK\r\n+OK\r\n');
    expect(w.hasPendingOutput()).toBe(false);
    expect(w.text()).toBe('');
    w.addReplyDeferredLen();
    expect(w.outputs).toBe(2);
  });

  it('replies off suppresses everything, deferred lengths included', () => {
    const w = new TestWriter();
    w.setOff(true);
    w.addReplyOK();
    w.addReplyBulk(Buffer.alloc(5000));
    const h = w.addReplyDeferredLen();
    w.setDeferredArrayLen(h, 3);
    expect(w.hasPendingOutput()).toBe(false);
    expect(w.text()).toBe('');
    w.setOff(false);
    w.addReplyOK();
    expect(w.text()).toBe('+OK\r\n');
  });
});
