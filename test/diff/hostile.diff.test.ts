/**
 * Hostile input, compared with redis-server: the same byte stream goes to
 * both (written whole, then the write side is closed) and everything each
 * server sends until it closes the connection must be identical, as must
 * the fact that it closed. Deterministic cases first (huge announced
 * lengths, nesting attempts, unbalanced quotes, binary garbage), then
 * seeded random streams mixing valid commands and malformed RESP.
 *
 *   HOSTILE_SEED=7 HOSTILE_RUNS=500 npx vitest run test/diff/hostile.diff.test.ts
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiffPair } from '../helpers/diff.js';
import { encodeCommand } from '../helpers/resp.js';
import { Gen, hostileStream } from '../helpers/hostile.js';
import { HAVE_REDIS, warnIfNoRedis } from '../helpers/servers.js';

warnIfNoRedis('diff/hostile');

const SEED = process.env.HOSTILE_SEED !== undefined ? Number(process.env.HOSTILE_SEED) : 20260611;
const RUNS = process.env.HOSTILE_RUNS !== undefined ? Number(process.env.HOSTILE_RUNS) : 200;

interface Result {
  data: string;
  closed: boolean;
}

/** Send `stream`, half-close, and collect the replies until the server closes (cap 10s). */
function exchange(port: number, stream: Buffer): Promise<Result> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the server did not close (port ${port}); received ${JSON.stringify(data.slice(0, 200))}`));
    }, 10000);
    sock.on('data', (d) => (data += d.latin1Slice(0, d.length)));
    sock.on('error', () => {
      /* a reset after the server closed: 'close' follows */
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve({ data, closed: true });
    });
    sock.on('connect', () => sock.end(stream));
  });
}

const mb = (...args: string[]): string => encodeCommand(args).latin1Slice();

describe.skipIf(!HAVE_REDIS)('differential: hostile streams', () => {
  let d: DiffPair;
  beforeAll(async () => {
    d = await DiffPair.start();
  });
  afterAll(async () => {
    await d?.close();
  });

  async function compare(input: string | Buffer, what = ''): Promise<Result> {
    const stream = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    const [n, r] = await Promise.all([exchange(d.nodis.port, stream), exchange(d.redis.port, stream)]);
    const label = `${what} ${JSON.stringify(stream.subarray(0, 160).latin1Slice())}`;
    expect(n.data, label).toBe(r.data);
    expect(n.closed, label).toBe(r.closed);
    return r;
  }

  it('huge announced lengths', async () => {
    // A count of INT_MAX is accepted and waits for its arguments.
    await compare('*2147483647\r\n');
    await compare('*2147483647\r\n' + '$1\r\na\r\n'.repeat(500));
    await compare('*2147483647\r\n$4\r\nPING\r\n' + mb('PING'));
    await compare('*2147483648\r\n' + mb('PING'));
    await compare('*1\r\n$999999999999\r\n');
    await compare(mb('PING') + '*1\r\n$999999999999\r\n' + mb('PING'));
    await compare('*1\r\n$9223372036854775807\r\n');
    await compare('*1\r\n$9223372036854775808\r\n');
    await compare('*1\r\n$536870912\r\nabc');
    await compare('*2\r\n$4\r\nECHO\r\n$100000\r\n' + 'x'.repeat(5000));
    await compare('*-2147483649\r\n' + mb('PING'));
  });

  it('nesting attempts', async () => {
    await compare('*1\r\n*1\r\n$4\r\nPING\r\n');
    await compare('*1\r\n'.repeat(3000));
    await compare('*3\r\n*1\r\n$3\r\nGET\r\n');
    await compare(mb('PING') + '*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n');
    await compare('*1\r\n%1\r\n$1\r\na\r\n$1\r\nb\r\n');
  });

  it('inline commands: unbalanced and glued quotes, escapes, control bytes', async () => {
    await compare('SET "a b\r\n');
    await compare("SET 'a b\r\n" + mb('PING'));
    await compare('ECHO "a"b\r\nPING\r\n');
    await compare('ECHO "\\x41\\x4" \'\\\'\' "\\q"\r\n');
    await compare('ECHO "a\\"\r\n');
    await compare('PING\r\n"\r\n');
    await compare("ECHO ''\"\"\r\n");
    await compare('   \t ECHO\t\t a\x0b\x0cb \r\n');
    await compare('\x01\x02 \x03\r\n');
    await compare('"\r\n');
    await compare('""\r\n');
    await compare('\r\r\r\n');
    await compare('\n\n\nPING\n');
  });

  it('binary garbage', async () => {
    const g = new Gen(SEED ^ 0x5a5a);
    for (let i = 0; i < 40; i++) await compare(g.bytes(1 + g.int(600)), `garbage #${i}`);
    await compare(Buffer.from([0, 0, 0, 13, 10, 255, 254, 13, 10]));
    await compare(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])); // a TLS ClientHello start
    await compare('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await compare('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
    // Cross protocol scripting: "Host:" or "POST" as a command closes without any reply.
    await compare(mb('PING') + mb('host:', 'x') + mb('PING'));
    await compare(mb('PING') + 'post\r\n');
    await compare(mb('PING') + mb('HOST:'));
    await compare(mb('posts') + mb('host'));
  });

  it(`random hostile streams (seed ${SEED}, ${RUNS} runs)`, async () => {
    let protocolErrors = 0;
    for (let i = 0; i < RUNS; i++) {
      const seed = (SEED + i * 7919) >>> 0;
      const { data, kinds } = hostileStream(new Gen(seed), 12);
      const r = await compare(data, `seed ${seed} [${kinds.join(',')}]`);
      if (r.data.includes('-ERR Protocol error')) protocolErrors++;
    }
    // The streams exercise both the served and the refused paths.
    expect(protocolErrors).toBeGreaterThan(RUNS / 10);
    expect(protocolErrors).toBeLessThan(RUNS);
  });
});
