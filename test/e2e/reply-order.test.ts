/**
 * Replies written straight to the socket's handle and replies queued in the
 * socket's stream (once the kernel stops taking bytes from a client that
 * does not read) reach the client complete and in order, and the bytes
 * still held count in the client's output memory meanwhile.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { encodeCommand } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { getClientOutputBufferMemoryUsage } from '../../src/server/obuf.js';

async function until(cond: () => boolean, what: string, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A connection that collects what it receives. */
async function receiver(port: number): Promise<{ sock: net.Socket; chunks: Buffer[]; total: number }> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const rx = { sock, chunks: [] as Buffer[], total: 0 };
  sock.on('data', (d: Buffer) => {
    rx.chunks.push(d);
    rx.total += d.length;
  });
  return rx;
}

/** `len` bytes (as a latin1 string) cycling through every byte value: byte i is (i * step + offset) mod 256. */
function pattern(len: number, step: number, offset: number): string {
  let v = '';
  for (let i = 0; i < len; i++) v += String.fromCharCode((i * step + offset) & 255);
  return v;
}

/**
 * With `rx` paused, send each batch of GETs of `key(k)` in a write of its
 * own, a turn apart; then resume and check that every reply (`reply(k)`)
 * arrives whole and in order.
 */
async function getWhilePaused(
  rx: { sock: net.Socket; chunks: Buffer[]; total: number },
  batches: number[][],
  key: (k: number) => string,
  reply: (k: number) => string,
): Promise<void> {
  rx.chunks.length = 0;
  rx.total = 0;
  rx.sock.pause();
  for (const batch of batches) {
    rx.sock.write(Buffer.concat(batch.map((k) => encodeCommand(['GET', key(k)]))));
    await new Promise((r) => setImmediate(r));
  }
  const order = batches.flat();
  const expected = order.reduce((a, k) => a + reply(k).length, 0);
  rx.sock.resume();
  await until(() => rx.total >= expected, 'all replies');
  const got = Buffer.concat(rx.chunks).toString('latin1');
  expect(got.length).toBe(expected);
  let p = 0;
  for (const k of order) {
    const e = reply(k);
    if (got.slice(p, p + e.length) !== e) throw new Error(`reply for ${key(k)} at ${p} differs`);
    p += e.length;
  }
}

describe('reply order with a client that reads late', () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startNodis();
  });
  afterAll(async () => {
    await srv.close();
  });

  it('delivers every reply in order once the client reads', async () => {
    const value = '\xff\x00\xc3'.repeat(400);
    const rx = await receiver(srv.port);
    const sock = rx.sock;
    sock.write(encodeCommand(['SET', 'k', Buffer.from(value, 'latin1')]));
    await until(() => rx.total === 5, '+OK');
    sock.pause();
    const batches = 1500;
    const perBatch = 8;
    let n = 0;
    for (let b = 0; b < batches; b++) {
      const cmds: Buffer[] = [];
      for (let i = 0; i < perBatch; i++, n++) {
        cmds.push(encodeCommand(['GET', 'k']), encodeCommand(['ECHO', String(n)]));
      }
      sock.write(Buffer.concat(cmds));
      // Separate reads on the server: many small replies, each written on its own.
      await new Promise((r) => setImmediate(r));
    }
    const bulk = `$${value.length}\r\n${value}\r\n`;
    let expected = 5;
    for (let i = 0; i < n; i++) expected += bulk.length + `$${String(i).length}\r\n${i}\r\n`.length;
    // Every command ran; what the client has not read is held for it, and counted.
    const client = () => [...srv.server.clients.values()].find((c) => c.lastCmd?.name === 'echo');
    await until(() => srv.server.stats.numCommands >= n * 2 + 1 && client() !== undefined, 'all commands');
    expect(getClientOutputBufferMemoryUsage(client()!)).toBeGreaterThan(0);
    sock.resume();
    await until(() => rx.total >= expected, 'all replies');
    const got = Buffer.concat(rx.chunks).toString('latin1');
    expect(got.length).toBe(expected);
    let p = 5;
    for (let i = 0; i < n; i++) {
      expect(got.slice(p, p + bulk.length)).toBe(bulk);
      p += bulk.length;
      const e = `$${String(i).length}\r\n${i}\r\n`;
      expect(got.slice(p, p + e.length)).toBe(e);
      p += e.length;
    }
    sock.destroy();
  });
  it('keeps replies of several chunks intact while the stream holds them (their chunks are reused only once written)', async () => {
    // Distinct values of 10,000 bytes: copied into 16 KB chunks, three to a batch, so each batch fills
    // and seals chunks that the paused client's stream keeps until it reads.
    const values = Array.from({ length: 20 }, (_, k) => pattern(10000, 7, k * 31));
    const rx = await receiver(srv.port);
    const sock = rx.sock;
    sock.write(Buffer.concat(values.map((v, k) => encodeCommand(['SET', `big${k}`, Buffer.from(v, 'latin1')]))));
    await until(() => rx.total === 5 * values.length, '+OK');
    const batches = Array.from({ length: 400 }, (_, b) => [0, 1, 2].map((i) => (b * 3 + i * 7) % values.length));
    await getWhilePaused(rx, batches, (k) => `big${k}`, (k) => `$10000\r\n${values[k]}\r\n`);
    sock.destroy();
  });
  it('keeps values past one chunk intact: copied across chunks, written in one gathered write or queued', async () => {
    // Distinct values of 20-60 KB, some held as Buffers (SETRANGE changes them in place).
    const values = Array.from({ length: 12 }, (_, k) => pattern(20000 + k * 3700, 13, k * 71));
    const rx = await receiver(srv.port);
    const sock = rx.sock;
    const setup = values.flatMap((v, k) =>
      k % 2 === 0
        ? [encodeCommand(['SET', `v${k}`, Buffer.from(v, 'latin1')])]
        : [encodeCommand(['SET', `v${k}`, Buffer.from('\xfe' + v.slice(1), 'latin1')]), encodeCommand(['SETRANGE', `v${k}`, '0', Buffer.from(v[0], 'latin1')])],
    );
    sock.write(Buffer.concat(setup));
    const setupReplies = values.reduce((a, v, k) => a + (k % 2 === 0 ? 5 : 5 + `:${v.length}\r\n`.length), 0);
    await until(() => rx.total === setupReplies, 'setup replies');
    rx.chunks.length = 0;
    rx.total = 0;
    // A reply queued before a SETRANGE of the same pipeline keeps the old bytes.
    const k1 = 1;
    const changed = 'Q' + values[k1].slice(1);
    sock.write(Buffer.concat([encodeCommand(['GET', `v${k1}`]), encodeCommand(['SETRANGE', `v${k1}`, '0', 'Q']), encodeCommand(['GET', `v${k1}`])]));
    const first = `$${values[k1].length}\r\n${values[k1]}\r\n:${values[k1].length}\r\n$${changed.length}\r\n${changed}\r\n`;
    await until(() => rx.total >= first.length, 'SETRANGE pipeline');
    expect(Buffer.concat(rx.chunks).toString('latin1')).toBe(first);
    values[k1] = changed;
    const batches = Array.from({ length: 150 }, (_, b) => Array.from({ length: 1 + (b % 3) }, (_, i) => (b * 5 + i * 7) % values.length));
    await getWhilePaused(rx, batches, (k) => `v${k}`, (k) => `$${values[k].length}\r\n${values[k]}\r\n`);
    sock.destroy();
  });
});
