/**
 * client-output-buffer-limit: clients that stop reading are disconnected
 * once their pending output (Nodis's reply buffer plus the socket's
 * writableLength) passes their class's hard limit, or stays over the soft
 * limit for longer than its seconds; the server stops queueing output for
 * them, so its memory does not grow with the stalled client.
 */
import net from 'node:net';
import Redis from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNodis } from '../helpers/servers.js';
import { capturingLogger } from '../helpers/logs.js';
import { RawClient, encodeCommand, replyLength } from '../helpers/resp.js';
import type { ServerHandle } from '../../src/index.js';
import { CLIENT_CLOSE_ASAP, type Client } from '../../src/server/client.js';
import { ManualClock } from '../../src/store/clock.js';
import { getClientOutputBufferMemoryUsage } from '../../src/server/obuf.js';

/** Poll until `cond()` holds (no timing assertion: the cap only stops a hang). */
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A raw connection that sends `setup` commands, waits for their replies,
 * then stops reading (its socket is paused): the kernel buffers fill up and
 * the server's side of the socket starts buffering.
 */
class StalledClient {
  received = 0;
  closed = false;
  private buf = Buffer.alloc(0);

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      this.received += d.length;
      this.buf = Buffer.concat([this.buf, d]);
    });
    sock.on('close', () => {
      this.closed = true;
    });
    sock.on('error', () => {
      this.closed = true;
    });
  }

  static async open(port: number, ...setup: (string | Buffer)[][]): Promise<StalledClient> {
    const sock = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    const sc = new StalledClient(sock);
    for (const args of setup) {
      sock.write(encodeCommand(args));
      await until(() => replyLength(sc.buf) !== -1, `reply to ${args[0]}`);
      sc.buf = sc.buf.subarray(replyLength(sc.buf));
    }
    sock.pause();
    sc.received = 0;
    return sc;
  }

  /** Start reading again and wait for the server's close. */
  async drainUntilClosed(): Promise<void> {
    this.sock.resume();
    await until(() => this.closed, 'the server to close the stalled connection');
  }

  destroy(): void {
    this.sock.destroy();
  }
}

function serverClient(srv: ServerHandle, name: string): Client | undefined {
  for (const c of srv.server.clients.values()) if (c.name === name) return c;
  return undefined;
}

/** The CLIENT LIST line of the client called `name`, or undefined. */
async function clientListLine(r: Redis, name: string): Promise<string | undefined> {
  const list = (await r.client('LIST')) as string;
  return list.split('\n').find((l) => l.includes(` name=${name} `));
}

function field(line: string, name: string): number {
  const m = new RegExp(` ${name}=(\\d+)`).exec(line);
  if (m === null) throw new Error(`no ${name} in ${line}`);
  return Number(m[1]);
}

// Non-UTF-8 payload bytes: they must reach the limit accounting as bytes.
const CHUNK = '\xff\x00\xc3'.repeat(21846).slice(0, 65536);

describe('client output buffer limits', () => {
  let srv: ServerHandle;
  let r: Redis;
  const logLines: string[] = [];
  const stalled: StalledClient[] = [];

  beforeAll(async () => {
    srv = await startNodis({ logger: capturingLogger(logLines) });
    r = new Redis({ port: srv.port, lazyConnect: true });
    await r.connect();
  });
  afterEach(async () => {
    for (const s of stalled.splice(0)) s.destroy();
    await r.config('SET', 'client-output-buffer-limit', 'normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60');
  });
  afterAll(async () => {
    r.disconnect();
    await srv?.close();
  });

  it('has the Redis defaults and CONFIG SET changes the enforced limits', async () => {
    expect(await r.config('GET', 'client-output-buffer-limit')).toEqual([
      'client-output-buffer-limit',
      'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    ]);
  });

  it('disconnects a stalled subscriber past the pubsub hard limit while others are served', async () => {
    const hard = 256 * 1024;
    await r.config('SET', 'client-output-buffer-limit', `pubsub ${hard} 0 0`);
    const sub = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', 'stalledsub'], ['SUBSCRIBE', 'ch\xff']);
    stalled.push(sub);
    const subClient = serverClient(srv, 'stalledsub')!;
    expect(subClient).toBeDefined();
    const pub = await RawClient.connect(srv.port);
    const other = new Redis({ port: srv.port });
    const before = srv.server.stats.clientOutbufLimitDisconnections;
    logLines.length = 0;
    let published = 0;
    let maxSeen = 0;
    // Publish until the subscriber is dropped; 2GB would be far more than any
    // kernel socket buffers can absorb.
    for (let i = 0; i < 32768; i++) {
      const n = (await pub.callStr('PUBLISH', 'ch\xff', CHUNK)).trim();
      if (n === ':0') break;
      expect(n).toBe(':1');
      published++;
      const used = getClientOutputBufferMemoryUsage(subClient);
      if (used > maxSeen) maxSeen = used;
      // Bounded: never more than the limit plus the message that crossed it.
      expect(used).toBeLessThan(hard + CHUNK.length + 100);
      if (i % 16 === 0) expect(await other.get('nosuchkey')).toBeNull();
    }
    expect(published).toBeLessThan(32768);
    expect(maxSeen).toBeGreaterThan(0);
    // Marked, its socket and buffers dropped: nothing more is queued for it.
    expect(subClient.flags & CLIENT_CLOSE_ASAP).not.toBe(0);
    expect(subClient.socket!.destroyed).toBe(true);
    expect(subClient.pendingOutputBytes()).toBe(0);
    expect(srv.server.stats.clientOutbufLimitDisconnections).toBe(before + 1);
    expect(await clientListLine(r, 'stalledsub')).toBeUndefined();
    const msg = logLines.find((l) => l.includes('name=stalledsub'));
    expect(msg).toMatch(/^Client id=\d+ addr=127\.0\.0\.1:\d+ .* name=stalledsub .* flags=P .* sub=1 .*omem=\d+ .* cmd=subscribe .* scheduled to be closed ASAP for overcoming of output buffer limits\.$/);
    // The subscriber gets what the kernel held, then the close.
    await sub.drainUntilClosed();
    expect(sub.received).toBeLessThan(published * CHUNK.length);
    // Everyone else is still served.
    expect(await pub.callStr('PING')).toBe('+PONG\r\n');
    const key = Buffer.from('k\xff', 'latin1');
    await other.set(key, Buffer.from('v\x00\xc3', 'latin1'));
    expect((await other.getBuffer(key))!.latin1Slice()).toBe('v\x00\xc3');
    pub.close();
    other.disconnect();
  });

  it('reports obl/oll/omem/tot-mem and client_recent_max_output_buffer from the pending output', async () => {
    const sub = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', 'figures'], ['SUBSCRIBE', 'figs']);
    stalled.push(sub);
    const c = serverClient(srv, 'figures')!;
    const pub = await RawClient.connect(srv.port);
    // Default pubsub limits (32mb hard): publish until the socket holds output.
    await until(async () => {
      await pub.call('PUBLISH', 'figs', CHUNK);
      return (c.socket?.writableLength ?? 0) > 200000;
    }, 'output to pile up in the socket');
    const line = (await clientListLine(r, 'figures'))!;
    expect(line).toMatch(/ rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r?w? /);
    expect(field(line, 'obl')).toBe(0);
    expect(field(line, 'oll')).toBeGreaterThanOrEqual(1);
    expect(field(line, 'omem')).toBeGreaterThan(100000);
    expect(field(line, 'tot-mem')).toBeGreaterThan(field(line, 'omem'));
    expect(line).toContain('events=rw');
    // CLIENT INFO from the client itself shows its own (empty) output.
    const own = (await r.client('INFO')) as string;
    expect(own).toMatch(/ obl=0 oll=0 omem=0 /);
    // The cron records the peak of the last seconds.
    await until(async () => {
      const info = (await r.info('clients')) as string;
      const m = /client_recent_max_output_buffer:(\d+)/.exec(info);
      return m !== null && Number(m[1]) >= 200000;
    }, 'client_recent_max_output_buffer to show the stalled client');
    pub.close();
  });

  it('disconnects a normal client doing big GETs without reading, before sending it anything', async () => {
    const limit = 1024 * 1024;
    const value = CHUNK.repeat(2); // 128KB
    await r.set(Buffer.from('big\xff', 'latin1'), Buffer.from(value, 'latin1'));
    await r.config('SET', 'client-output-buffer-limit', `normal ${limit} 0 0`);
    const getter = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', 'biggets']);
    stalled.push(getter);
    const c = serverClient(srv, 'biggets')!;
    // One write of 200 GETs: 25MB of replies if they were all answered.
    const one = encodeCommand(['GET', 'big\xff']);
    getter.sock.write(Buffer.concat(Array.from({ length: 200 }, () => one)));
    await until(() => !srv.server.clients.has(c.id), 'the getter to be closed');
    // Stopped mid-pipeline, with at most the limit plus a check step held.
    expect(c.commandsProcessed).toBeLessThan(200);
    expect(c.commandsProcessed * value.length).toBeLessThan(limit + 2 * value.length + 16384);
    expect(c.pendingOutputBytes()).toBe(0);
    await getter.drainUntilClosed();
    expect(getter.received).toBe(0);
    expect(await r.ping()).toBe('PONG');
  });

  it('drops a single reply over the limit (LRANGE) and runs a transaction to its end', async () => {
    await r.config('SET', 'client-output-buffer-limit', 'normal 100000 0 0');
    const item = Buffer.from('x\xff'.repeat(500), 'latin1');
    for (let i = 0; i < 150; i++) await r.lpush('obuf:list', item);
    const lr = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', 'mybiglist']);
    stalled.push(lr);
    const c = serverClient(srv, 'mybiglist')!;
    lr.sock.write(encodeCommand(['LRANGE', 'obuf:list', '0', '-1']));
    await until(() => !srv.server.clients.has(c.id), 'the LRANGE client to be closed');
    await lr.drainUntilClosed();
    expect(lr.received).toBe(0);

    const tx = await RawClient.connect(srv.port);
    expect(await tx.callStr('SET', 'obuf:k1', 'v1')).toBe('+OK\r\n');
    tx.write(
      Buffer.concat([
        encodeCommand(['MULTI']),
        encodeCommand(['SET', 'obuf:k2', 'v2']),
        encodeCommand(['LRANGE', 'obuf:list', '0', '-1']),
        encodeCommand(['SET', 'obuf:k3', 'v3']),
        encodeCommand(['DEL', 'obuf:k1']),
        encodeCommand(['EXEC']),
      ]),
    );
    const got = await tx.readUntilClose(20000);
    expect(got.length).toBeLessThan(100000);
    expect(await r.get('obuf:k1')).toBeNull();
    expect(await r.get('obuf:k2')).toBe('v2');
    expect(await r.get('obuf:k3')).toBe('v3');
  });

  it('stops KEYS and HRANDFIELD mid-run when the limit is reached', async () => {
    await r.config('SET', 'client-output-buffer-limit', 'normal 100000 0 0');
    const pipe = r.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`obuf-long-key-name-prefix-${'-'.repeat(80)}${i}`, 'v');
    await pipe.exec();
    const k = await RawClient.connect(srv.port);
    k.write(encodeCommand(['KEYS', '*']));
    expect((await k.readUntilClose(20000)).length).toBe(0);

    await r.config('SET', 'client-output-buffer-limit', 'normal 1000000 0 0');
    await r.hset('obuf:h', 'a', 'b');
    const h = await RawClient.connect(srv.port);
    h.write(encodeCommand(['HRANDFIELD', 'obuf:h', '-999999999']));
    expect((await h.readUntilClose(20000)).length).toBe(0);
    expect(await r.ping()).toBe('PONG');
  });

  it('limits MONITOR clients as normal clients', async () => {
    await r.config('SET', 'client-output-buffer-limit', 'normal 262144 0 0 pubsub 0 0 0');
    const mon = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', 'stalledmon'], ['MONITOR']);
    stalled.push(mon);
    const c = serverClient(srv, 'stalledmon')!;
    const w = await RawClient.connect(srv.port);
    for (let i = 0; i < 32768 && srv.server.clients.has(c.id); i++) {
      expect(await w.callStr('SET', 'obuf:mon', CHUNK)).toBe('+OK\r\n');
    }
    expect(srv.server.clients.has(c.id)).toBe(false);
    w.close();
  });
});

describe('client output buffer soft limit', () => {
  let srv: ServerHandle;
  const clock = new ManualClock(Date.now());
  const logLines: string[] = [];

  beforeAll(async () => {
    srv = await startNodis({ clock, logger: capturingLogger(logLines) });
  });
  afterAll(async () => {
    await srv?.close();
  });

  /** A stalled subscriber whose pending output is over `soft`. */
  async function overSoftLimit(name: string, soft: number): Promise<[StalledClient, Client, RawClient]> {
    const sub = await StalledClient.open(srv.port, ['CLIENT', 'SETNAME', name], ['SUBSCRIBE', name]);
    const c = serverClient(srv, name)!;
    const pub = await RawClient.connect(srv.port);
    await until(async () => {
      await pub.call('PUBLISH', name, CHUNK);
      return getClientOutputBufferMemoryUsage(c) >= soft;
    }, 'output over the soft limit');
    return [sub, c, pub];
  }

  it('closes a client over the soft limit for longer than its seconds, without more traffic', async () => {
    const soft = 128 * 1024;
    const r = await RawClient.connect(srv.port);
    expect(await r.callStr('CONFIG', 'SET', 'client-output-buffer-limit', `pubsub 0 ${soft} 5`)).toBe('+OK\r\n');
    const [sub, c, pub] = await overSoftLimit('softsub', soft);
    // The first check over the soft limit only records the time.
    const reached = c.obufSoftLimitReachedTime;
    expect(reached).toBe(Math.floor(clock.now() / 1000));
    expect(srv.server.clients.has(c.id)).toBe(true);
    // Still over it after exactly `seconds`: not yet (Redis closes past them).
    clock.advance(5000);
    srv.server.cron();
    expect(srv.server.clients.has(c.id)).toBe(true);
    expect(await pub.callStr('PUBLISH', 'softsub', 'x')).toBe(':1\r\n');
    expect(c.obufSoftLimitReachedTime).toBe(reached);
    clock.advance(1000);
    srv.server.cron();
    expect(srv.server.clients.has(c.id)).toBe(false);
    expect(logLines.some((l) => /^Client id=\d+ .* name=softsub .* closed for overcoming of output buffer limits\.$/.test(l))).toBe(true);
    expect(await pub.callStr('PUBLISH', 'softsub', 'x')).toBe(':0\r\n');
    await sub.drainUntilClosed();
    pub.close();
    r.close();
  });

  it('forgets the soft limit time once the output went back under it', async () => {
    const soft = 128 * 1024;
    const r = await RawClient.connect(srv.port);
    expect(await r.callStr('CONFIG', 'SET', 'client-output-buffer-limit', `pubsub 0 ${soft} 5`)).toBe('+OK\r\n');
    const [sub, c, pub] = await overSoftLimit('softreset', soft);
    expect(c.obufSoftLimitReachedTime).not.toBe(0);
    // The client reads everything; the next check, with output under the
    // limit (a 64KB reply being queued), resets the time.
    sub.sock.resume();
    await until(() => getClientOutputBufferMemoryUsage(c) === 0, 'the subscriber to catch up');
    expect(await pub.callStr('PUBLISH', 'softreset', CHUNK)).toBe(':1\r\n');
    expect(c.obufSoftLimitReachedTime).toBe(0);
    clock.advance(60000);
    srv.server.cron();
    expect(srv.server.clients.has(c.id)).toBe(true);
    sub.destroy();
    pub.close();
    r.close();
  });

  it('never closes a pubsub client when its class has no limits', async () => {
    const r = await RawClient.connect(srv.port);
    expect(await r.callStr('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 0 0')).toBe('+OK\r\n');
    const [sub, c, pub] = await overSoftLimit('nolimit', 128 * 1024);
    clock.advance(3600 * 1000);
    srv.server.cron();
    expect(srv.server.clients.has(c.id)).toBe(true);
    expect(c.obufSoftLimitReachedTime).toBe(0);
    sub.destroy();
    pub.close();
    r.close();
  });
});
