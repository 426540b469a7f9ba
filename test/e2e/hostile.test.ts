/**
 * Hostile clients against one server, bounded by counts (not by time):
 * seeded random and malformed RESP over many concurrent connections,
 * written in random pieces; huge announced lengths; over-long arguments;
 * slowloris-style partial requests over hundreds of connections, alone,
 * with the idle timeout and with maxclients. Each connection must get
 * well-formed replies, a protocol error being the last thing it receives
 * before the close; the bytes the server buffers for its clients stay
 * bounded; and a well-behaved ioredis client keeps getting correct answers
 * throughout. Byte-exact comparisons with redis-server for the
 * deterministic cases are in test/diff/hostile.diff.test.ts.
 *
 *   HOSTILE_SEED=7 HOSTILE_CONNS=2000 npx vitest run test/e2e/hostile.test.ts
 */
import net from 'node:net';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerHandle } from '../../src/index.js';
import type { Client } from '../../src/server/client.js';
import { encodeCommand, replyLength } from '../helpers/resp.js';
import { Gen, hostileStream, PROTOCOL_ERRORS } from '../helpers/hostile.js';
import { startNodis } from '../helpers/servers.js';

const SEED = process.env.HOSTILE_SEED !== undefined ? Number(process.env.HOSTILE_SEED) : 424242;
const CONNS = process.env.HOSTILE_CONNS !== undefined ? Number(process.env.HOSTILE_CONNS) : 400;
const QUERY_LIMIT = 1024 * 1024;
/** The largest chunk a socket read hands over (libuv's 64KB read buffer). */
const READ_CHUNK = 64 * 1024;

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, capMs = 20000): Promise<void> {
  const end = Date.now() + capMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Watch what the server buffers for its clients: after each read is
 * processed, the query buffer of every client still being served.
 */
function watchBuffers(s: ServerHandle): { maxClient: number; maxTotal: number; reset(): void } {
  const stats = {
    maxClient: 0,
    maxTotal: 0,
    reset() {
      stats.maxClient = 0;
      stats.maxTotal = 0;
    },
  };
  const srv = s.server as unknown as { onData: (c: Client, chunk: Buffer) => void; clients: Map<number, Client> };
  const orig = srv.onData.bind(srv);
  srv.onData = (c: Client, chunk: Buffer): void => {
    orig(c, chunk);
    let total = 0;
    for (const x of srv.clients.values()) {
      // Clients being closed (their socket ended or destroyed) are no longer read.
      if (x.socket === null || x.socket.destroyed || x.socket.writableEnded) continue;
      const b = x.parser.bufferedBytes;
      total += b;
      if (b > stats.maxClient) stats.maxClient = b;
    }
    if (total > stats.maxTotal) stats.maxTotal = total;
  };
  return stats;
}

/** A well-behaved client checking every answer while the hostile ones run. */
function goodClient(port: number): { stop(): Promise<{ ops: number; failures: string[] }> } {
  const io = new Redis({ port, host: '127.0.0.1' });
  let running = true;
  let ops = 0;
  const failures: string[] = [];
  const loop = (async () => {
    let i = 0;
    while (running) {
      i++;
      const key = Buffer.from(`good:\xff\x00:${i % 50}`, 'latin1');
      const val = Buffer.from(`v\r\n\x00\xc3${i}`, 'latin1');
      try {
        const [set, got, n] = await Promise.all([io.set(key, val), io.getBuffer(key), io.incr('good:counter')]);
        if (set !== 'OK' || !got?.equals(val) || n !== i) failures.push(`op ${i}: ${set} ${got?.latin1Slice()} ${n}`);
        ops++;
      } catch (e) {
        failures.push(`op ${i}: ${(e as Error).message}`);
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      io.disconnect();
      return { ops, failures };
    },
  };
}

interface Outcome {
  data: Buffer;
  closed: boolean;
}

/** Write `stream` in random pieces, half-close, and read until the server closes (cap 20s). */
function hostileExchange(port: number, stream: Buffer, g: Gen): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the server never closed a hostile connection; sent ${JSON.stringify(stream.subarray(0, 120).latin1Slice())}`));
    }, 20000);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', () => {
      /* reset after the server closed: 'close' follows */
    });
    sock.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ data: Buffer.concat(chunks), closed });
    });
    sock.on('connect', async () => {
      let off = 0;
      while (off < stream.length && !closed) {
        const n = 1 + g.int(g.chance(0.3) ? 8 : 2000);
        sock.write(stream.subarray(off, off + n));
        off += n;
        if (g.chance(0.5)) await new Promise((r) => setImmediate(r));
      }
      if (!closed) sock.end();
    });
  });
}

/** Check a hostile connection's output: whole replies; a protocol error only as the last one. */
function checkOutcome(o: Outcome, label: string): { protocolError: boolean; replies: number } {
  let p = 0;
  let replies = 0;
  let protocolError = false;
  while (p < o.data.length) {
    const n = replyLength(o.data, p);
    expect(n, `${label}: a truncated reply at byte ${p}`).not.toBe(-1);
    const reply = o.data.latin1Slice(p, p + n - 2);
    expect(protocolError, `${label}: a reply after the protocol error: ${JSON.stringify(reply)}`).toBe(false);
    if (PROTOCOL_ERRORS.some((re) => re.test(reply))) protocolError = true;
    replies++;
    p += n;
  }
  expect(o.closed, label).toBe(true);
  return { protocolError, replies };
}

describe('hostile clients', () => {
  let s: ServerHandle;
  let buffers: ReturnType<typeof watchBuffers>;
  beforeAll(async () => {
    s = await startNodis({ config: { 'client-query-buffer-limit': String(QUERY_LIMIT) } });
    buffers = watchBuffers(s);
  });
  afterAll(async () => {
    await s?.close();
  });

  const baseline = (): number => s.server.clients.size;

  it(`random and malformed RESP over ${CONNS} connections (seed ${SEED}), 25 at a time`, async () => {
    buffers.reset();
    const before = baseline();
    const good = goodClient(s.port);
    let protocolErrors = 0;
    let answered = 0;
    for (let base = 0; base < CONNS; base += 25) {
      const batch: Promise<void>[] = [];
      for (let i = base; i < Math.min(CONNS, base + 25); i++) {
        const seed = (SEED + i * 104729) >>> 0;
        const g = new Gen(seed);
        const { data, kinds } = hostileStream(g, 16);
        batch.push(
          hostileExchange(s.port, data, g).then((o) => {
            const r = checkOutcome(o, `seed ${seed} [${kinds.join(',')}]`);
            if (r.protocolError) protocolErrors++;
            if (r.replies > 0) answered++;
          }),
        );
      }
      await Promise.all(batch);
    }
    const { ops, failures } = await good.stop();
    expect(failures).toEqual([]);
    expect(ops).toBeGreaterThan(0);
    // The streams did exercise both paths.
    expect(protocolErrors).toBeGreaterThan(CONNS / 10);
    expect(answered).toBeGreaterThan(CONNS / 2);
    await waitFor(() => s.server.clients.size === before, 'every hostile client to be freed');
    expect(buffers.maxClient).toBeLessThanOrEqual(QUERY_LIMIT + READ_CHUNK);
  });

  it('huge announced lengths are neither refused early nor allocated', async () => {
    buffers.reset();
    const before = process.memoryUsage().arrayBuffers;
    const socks: net.Socket[] = [];
    const heads = ['*1\r\n$536870912\r\n', '*2147483647\r\n', '*2\r\n$4\r\nECHO\r\n$536870912\r\nab', '*2147483647\r\n$536870912\r\n'];
    for (let i = 0; i < 40; i++) {
      const sock = net.connect(s.port, '127.0.0.1');
      sock.on('error', () => {});
      sock.write(heads[i % heads.length]);
      socks.push(sock);
    }
    await waitFor(() => s.server.clients.size >= 40, 'the connections');
    const io = new Redis(s.port);
    try {
      // Every announced request is still pending: the connections stay open.
      await waitFor(async () => (await io.ping()) === 'PONG' && buffers.maxTotal > 0, 'the requests to be read');
      expect(socks.every((x) => !x.destroyed)).toBe(true);
      // Forty announced 512MB arguments did not cost 20GB, nor anything near one of them.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
      expect(buffers.maxClient).toBeLessThan(1024);
      // Past proto-max-bulk-len, the announcement itself is refused.
      const c = net.connect(s.port, '127.0.0.1');
      const got = await new Promise<string>((resolve) => {
        let d = '';
        c.on('data', (x) => (d += x.latin1Slice()));
        c.on('close', () => resolve(d));
        c.write('*1\r\n$536870913\r\n');
      });
      expect(got).toBe('-ERR Protocol error: invalid bulk length\r\n');
    } finally {
      io.disconnect();
      for (const x of socks) x.destroy();
    }
  });

  it('an argument growing past client-query-buffer-limit closes the connection without a reply', async () => {
    buffers.reset();
    const sock = net.connect(s.port, '127.0.0.1');
    let received = '';
    let closed = false;
    sock.on('data', (d) => (received += d.latin1Slice()));
    sock.on('error', () => {});
    sock.on('close', () => (closed = true));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('*2\r\n$4\r\nECHO\r\n$5000000\r\n');
    const piece = Buffer.alloc(32 * 1024, 0x61);
    for (let sent = 0; sent < 3 * QUERY_LIMIT && !closed; sent += piece.length) {
      sock.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => closed, 'the close');
    expect(received).toBe('');
    expect(buffers.maxClient).toBeLessThanOrEqual(QUERY_LIMIT + READ_CHUNK);
    expect(s.server.stats.clientQbufLimitDisconnections).toBeGreaterThan(0);
  });

  it('slowloris: 200 connections sending a request one byte at a time, in turn', async () => {
    buffers.reset();
    const before = baseline();
    const req = encodeCommand(['ECHO', 'slow\xff']);
    const socks: { sock: net.Socket; data: string }[] = [];
    for (let i = 0; i < 200; i++) {
      const sock = net.connect(s.port, '127.0.0.1');
      const entry = { sock, data: '' };
      sock.on('data', (d) => (entry.data += d.latin1Slice()));
      sock.on('error', () => {});
      socks.push(entry);
    }
    await waitFor(() => s.server.clients.size >= before + 200, 'the connections');
    const io = new Redis(s.port);
    try {
      for (let b = 0; b < req.length; b++) {
        for (const x of socks) x.sock.write(req.subarray(b, b + 1));
        // Between two bytes of every slow request, a normal client is served.
        expect(await io.echo(`round ${b}`)).toBe(`round ${b}`);
        if (b < req.length - 1) expect(socks.every((x) => x.data === '')).toBe(true);
      }
      await waitFor(() => socks.every((x) => x.data === '$5\r\nslow\xff\r\n'), 'every slow request to be answered');
      // Never more than the partial requests themselves were buffered.
      expect(buffers.maxTotal).toBeLessThanOrEqual(200 * req.length);
    } finally {
      io.disconnect();
      for (const x of socks) x.sock.destroy();
    }
    await waitFor(() => s.server.clients.size === before, 'the slow clients to be freed');
  });
});

describe('slowloris against the limits', () => {
  it('timeout closes 200 stalled partial requests; maxclients refuses the excess with its error', async () => {
    const s = await startNodis({ config: { maxclients: '120', timeout: '1' } });
    const io = new Redis(s.port);
    const socks: { sock: net.Socket; data: string; closed: boolean }[] = [];
    try {
      expect(await io.ping()).toBe('PONG');
      for (let i = 0; i < 200; i++) {
        const sock = net.connect(s.port, '127.0.0.1');
        const entry = { sock, data: '', closed: false };
        sock.on('data', (d) => (entry.data += d.latin1Slice()));
        sock.on('error', () => {});
        sock.on('close', () => (entry.closed = true));
        sock.write('*1\r\n$4\r\nPI');
        socks.push(entry);
      }
      // The ioredis client stays active (it pings while waiting), so it is not idle.
      await waitFor(async () => (await io.ping()) === 'PONG' && socks.every((x) => x.closed), 'every stalled connection to be closed');
      const refused = socks.filter((x) => x.data === '-ERR max number of clients reached\r\n');
      const timedOut = socks.filter((x) => x.data === '');
      expect(refused.length + timedOut.length).toBe(200);
      expect(timedOut.length).toBe(119);
      expect(s.server.stats.rejectedConn).toBe(81);
      expect(await io.ping()).toBe('PONG');
      expect(s.server.clients.size).toBe(1);
    } finally {
      io.disconnect();
      for (const x of socks) x.sock.destroy();
      await s.close();
    }
  });
});
