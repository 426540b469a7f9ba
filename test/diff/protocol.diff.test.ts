/**
 * The same raw byte streams (valid and malformed) go to Nodis and to a real
 * redis-server; everything received until the close (or until a sentinel
 * reply for streams that keep the connection open) must be identical.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DiffPair } from '../helpers/diff.js';
import { encodeCommand } from '../helpers/resp.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/protocol');

const SENTINEL = encodeCommand(['ECHO', '__end__']);
const SENTINEL_REPLY = '$7\r\n__end__\r\n';

type Mode = 'valid' | 'error' | 'hang';
type Split = 'whole' | 'bytes' | 'chunks';

interface Result {
  data: string;
  closed: boolean;
}

const mb = (...args: string[]) => encodeCommand(args).latin1Slice();

/**
 * Send `stream` (in the given split), then:
 * - valid: a sentinel command, reading until its reply;
 * - error: nothing more, reading until the server closes;
 * - hang: nothing more, reading until 400ms of silence.
 */
function exchange(port: number, stream: Buffer, mode: Mode, split: Split): Promise<Result> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let data = '';
    let closed = false;
    let idle: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(idle);
      clearTimeout(overall);
      sock.destroy();
      resolve({ data, closed });
    };
    const overall = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no end of exchange (port ${port}, ${mode}, ${split}, sent ${JSON.stringify(stream.subarray(0, 80).latin1Slice())}); received ${JSON.stringify(data.slice(0, 200))}`));
    }, 10000);
    const armIdle = () => {
      if (mode !== 'hang') return;
      clearTimeout(idle);
      idle = setTimeout(finish, 400);
    };
    sock.on('data', (d) => {
      data += d.latin1Slice(0, d.length);
      if (mode === 'valid' && data.endsWith(SENTINEL_REPLY)) finish();
      else armIdle();
    });
    sock.on('error', () => {
      /* a reset after the server closed: 'close' follows */
    });
    sock.on('close', () => {
      closed = true;
      finish();
    });
    sock.on('connect', async () => {
      const tail = mode === 'valid' ? SENTINEL : Buffer.alloc(0);
      const all = Buffer.concat([stream, tail]);
      if (split === 'whole') {
        sock.write(all);
      } else {
        const size = split === 'bytes' ? 1 : Math.max(5, Math.ceil(all.length / 200));
        for (let off = 0; off < all.length && !closed; off += size) {
          sock.write(all.subarray(off, off + size));
          await new Promise((r) => setTimeout(r, 0));
        }
      }
      armIdle();
    });
  });
}

async function compare(d: DiffPair, input: string | Buffer, mode: Mode, splits: Split[] = ['whole', 'chunks', 'bytes']): Promise<void> {
  const stream = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  for (const split of splits) {
    if (split === 'bytes' && stream.length > 300) continue;
    const [n, r] = await Promise.all([exchange(d.nodis.port, stream, mode, split), exchange(d.redis.port, stream, mode, split)]);
    const what = `${JSON.stringify(stream.subarray(0, 120).latin1Slice())} (${split})`;
    expect(n.data, what).toBe(r.data);
    expect(n.closed, `closed after ${what}`).toBe(r.closed);
  }
}

describe.skipIf(!HAVE_REDIS)('differential: raw protocol streams', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  const valid: string[] = [
    mb('PING'),
    mb('SET', 'pk', 'v') + mb('GET', 'pk') + 'GET pk\r\n' + 'PING\n',
    '\r\n\n   \r\n*0\r\n*-1\r\nPING\r\n',
    '*-9223372036854775808\r\n' + mb('PING'),
    '*1\r\n$4\r\nPINGxx' + mb('ECHO', 'a'),
    mb('SET', '\xff\x00\xc3', 'a\r\nb\x00\xff') + mb('GET', '\xff\x00\xc3'),
    'SET "q \\x41\\xff" \'it\\\'s\'\r\nGET "q A\\xff"\r\n',
    'ECHO "\\n\\r\\t\\b\\a\\z\\"" \r\n',
    'ECHO "a\\x4" "a\\xzz"\r\n',
    'ECHO a"b c"\r\n',
    '  ECHO    a   \r\n',
    'ECHO\ta\x0bb\r\n',
    'ECHO a\rb\r\n',
    'ECHO "a"\x0bx\r\n',
    '\xffPING\r\n',
    'ECHO \xff\x80\r\n',
    'nosuchcommand a b\r\n',
    mb('nosuchcommand', '\xff'),
    mb('GET'),
    'GET\r\n',
    mb('ECHO', 'x'.repeat(70000)),
    'ECHO ' + 'y'.repeat(60000) + '\r\n',
  ];
  it('valid streams', async () => {
    for (const s of valid) await compare(d, s, 'valid');
  });

  const errors: string[] = [
    '*abc\r\n',
    '*-\r\n',
    '*\r\n',
    '*01\r\n',
    '*+1\r\n',
    '*1 \r\n',
    '*3000000000\r\n',
    '*2147483648\r\n',
    '*-9223372036854775809\r\n',
    '*9223372036854775808\r\n',
    '*1\r\n$-1\r\n',
    '*1\r\n$abc\r\n',
    '*1\r\n$\r\n',
    '*1\r\n$01\r\n',
    '*1\r\n$536870913\r\n',
    '*1\r\n$18446744073709551616\r\n',
    '*1\r\nx\r\n',
    '*1\r\n\r\n',
    '*2\r\n$3\r\nGET\r\n:1\r\n',
    'ECHO "a"b\r\n',
    'ECHO "abc\r\n',
    "ECHO 'abc\r\n",
    "ECHO 'a'b\r\n",
    mb('PING') + 'PING\r\n*x\r\n',
    '*1\r\n$x\r\n' + mb('PING'),
    'SET k ' + 'x'.repeat(66000),
    '*' + '1'.repeat(66000),
    '*1\r\n$' + '1'.repeat(66000),
    'PING\x00\nPING\r\n' + 'z'.repeat(66000),
  ];
  it('malformed streams: same error, then close', async () => {
    for (const s of errors) await compare(d, s, 'error');
  });

  const hanging: string[] = [
    'PING\x00\nPING\r\n', // strchr() stops at the NUL: the line never ends
    '*1\r\n$4\r\nPI\x00G\r\n*1\x00\r\n',
    mb('PING') + '*2\r\n$4\r\nECHO\r\n$100\r\nabc',
    '*1\r\n$4\r\nPING\r',
  ];
  it('incomplete streams: same replies, connection kept open', async () => {
    for (const s of hanging) await compare(d, s, 'hang', ['whole', 'chunks']);
  });
});

describe.skipIf(!HAVE_REDIS)('differential: protocol limits from the configuration', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start(
      ['--client-query-buffer-limit', '1mb', '--proto-max-bulk-len', '2mb'],
      { 'client-query-buffer-limit': '1mb', 'proto-max-bulk-len': '2mb' },
    );
  });
  afterAll(async () => {
    await d?.close();
  });

  it('proto-max-bulk-len', async () => {
    await compare(d, '*1\r\n$2097153\r\n', 'error');
    await compare(d, '*2\r\n$4\r\nECHO\r\n$2097152\r\nabc', 'hang', ['whole']);
  });

  it('client-query-buffer-limit closes the connection without a reply', async () => {
    const stream = Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$2000000\r\n'), Buffer.alloc(1100 * 1024, 0x61)]);
    await compare(d, stream, 'error', ['whole']);
  });
});

describe.skipIf(!HAVE_REDIS)('differential: unauthenticated protocol limits', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start([], { requirepass: 'pw' });
    // The start-up helper pings redis-server, so its password is set afterwards.
    expect(await d.r.callStr('CONFIG', 'SET', 'requirepass', 'pw')).toBe('+OK\r\n');
  });
  afterAll(async () => {
    await d?.close();
  });

  it('large multibulk counts and bulk lengths before AUTH', async () => {
    await compare(d, mb(...Array.from({ length: 11 }, (_, i) => `a${i}`)), 'error');
    await compare(d, mb('AUTH', 'x'.repeat(16385)), 'error');
    await compare(d, '*11\r\n', 'error');
    await compare(d, '*1\r\n$16385\r\n', 'error');
    await compare(d, mb(...Array.from({ length: 10 }, (_, i) => `a${i}`)), 'hang', ['whole']);
  });
});

/** Send `stream` in pieces cut at `cuts` (each piece its own write, a turn apart), then the sentinel; collect the replies. */
function exchangeCut(port: number, stream: Buffer, cuts: number[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    const got: Buffer[] = [];
    let tail = '';
    const overall = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no sentinel reply from port ${port}`));
    }, 20000);
    sock.on('data', (d: Buffer) => {
      got.push(d);
      tail = (tail + d.latin1Slice(0, d.length)).slice(-SENTINEL_REPLY.length);
      if (tail === SENTINEL_REPLY) {
        clearTimeout(overall);
        sock.destroy();
        resolve(Buffer.concat(got).latin1Slice());
      }
    });
    sock.on('error', reject);
    sock.on('connect', async () => {
      const all = Buffer.concat([stream, SENTINEL]);
      let prev = 0;
      for (const c of [...cuts.filter((x) => x > 0 && x < all.length).sort((a, b) => a - b), all.length]) {
        if (c <= prev) continue;
        sock.write(all.subarray(prev, c));
        prev = c;
        await new Promise((r) => setTimeout(r, 1));
      }
    });
  });
}

describe.skipIf(!HAVE_REDIS)('differential: pipelines of large arguments split at random points', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  /** A value of `len` bytes, all 256 byte values in a pattern that depends on `seed`. */
  const value = (len: number, seed: number): Buffer => {
    const b = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) b[i] = (i * 131 + seed * 17 + (i >> 7)) & 255;
    return b;
  };
  const size = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 16000, max: 70000 }), fc.integer({ min: 100000, max: 1100000 }));
  const key = fc.constantFrom('k\xff', 'k\x00', 'h');
  const command = fc.oneof(
    fc.tuple(fc.constant('SET'), key, size, fc.nat()),
    fc.tuple(fc.constant('APPEND'), key, size, fc.nat()),
    fc.tuple(fc.constant('ECHO'), fc.constant(''), size, fc.nat()),
    fc.tuple(fc.constant('HSET'), fc.constant('hh'), size, fc.nat()),
    fc.tuple(fc.constantFrom('GET', 'STRLEN', 'GETRANGE'), key, fc.constant(0), fc.constant(0)),
  );

  it('give the same replies whatever the reads the stream arrives in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), async (cmds, cutFractions) => {
        const parts = [encodeCommand(['DEL', 'k\xff', 'k\x00', 'h', 'hh'])];
        cmds.forEach(([name, k, len, seed], i) => {
          const v = value(len as number, (seed as number) + i);
          if (name === 'ECHO') parts.push(encodeCommand(['ECHO', v]));
          else if (name === 'HSET') parts.push(encodeCommand(['HSET', 'hh', `f${i % 3}`, v]));
          else if (name === 'GETRANGE') parts.push(encodeCommand(['GETRANGE', k as string, '-20', '-1']));
          else if (name === 'GET' || name === 'STRLEN') parts.push(encodeCommand([name, k as string]));
          else parts.push(encodeCommand([name as string, k as string, v]));
        });
        // (HGET per field: HGETALL's order is the hash table's.)
        for (const f of ['f0', 'f1', 'f2']) parts.push(encodeCommand(['HGET', 'hh', f]));
        const stream = Buffer.concat(parts);
        const cuts = cutFractions.map((f) => Math.floor(f * stream.length));
        const [n, r] = await Promise.all([exchangeCut(d.nodis.port, stream, cuts), exchangeCut(d.redis.port, stream, cuts)]);
        if (n !== r) {
          let i = 0;
          while (i < n.length && n[i] === r[i]) i++;
          throw new Error(`replies differ at byte ${i} of ${r.length}: Nodis ${JSON.stringify(n.slice(i, i + 60))}, redis ${JSON.stringify(r.slice(i, i + 60))}`);
        }
      }),
      { numRuns: 40 },
    );
  });
});
