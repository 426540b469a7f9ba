import { describe, expect, it } from 'vitest';
import { OUTPUT_CHECK_BYTES, ReplyWriter } from '../../src/protocol/reply.js';
import { NodisServer } from '../../src/server/server.js';
import { silentLogger } from '../../src/server/logger.js';
import { CLIENT_CLOSE_ASAP, CLIENT_MONITOR, CLIENT_PUBSUB, CLIENT_SLAVE } from '../../src/server/client.js';
import { checkClientOutputBufferLimits, closeClientOnOutputBufferLimitReached } from '../../src/server/obuf.js';
import { ManualClock } from '../../src/store/clock.js';

/** Records the pending output each time the writer asks for a limit check. */
class GrowthWriter extends ReplyWriter {
  checks: number[] = [];
  protected onOutput(): void {}
  protected afterErrorReply(): void {}
  protected override onOutputGrowth(): void {
    this.checks.push(this.pendingOutputBytes());
    super.onOutputGrowth();
  }
}

describe('ReplyWriter: pending output accounting', () => {
  it('asks for a check each time the pending output grew by OUTPUT_CHECK_BYTES', () => {
    const w = new GrowthWriter();
    const v = 'v\xff\x00'.repeat(100); // 300 bytes, 308 as a bulk reply
    for (let i = 0; i < 53; i++) w.addReplyBulk(v);
    expect(w.pendingOutputBytes()).toBe(53 * 308);
    expect(w.checks.length).toBe(0);
    for (let i = 0; i < 1000; i++) w.addReplyBulk(v);
    const total = 1053 * 308;
    expect(w.pendingOutputBytes()).toBe(total);
    expect(w.checks.length).toBeGreaterThanOrEqual(Math.floor(total / (OUTPUT_CHECK_BYTES + 308)));
    expect(w.checks.length).toBeLessThanOrEqual(Math.floor(total / (OUTPUT_CHECK_BYTES + 1)));
    for (let i = 0; i < w.checks.length; i++) {
      const prev = i === 0 ? 0 : w.checks[i - 1];
      expect(w.checks[i] - prev).toBeGreaterThan(OUTPUT_CHECK_BYTES);
      expect(w.checks[i] - prev).toBeLessThanOrEqual(OUTPUT_CHECK_BYTES + 308);
    }
    const n = w.checks.length;
    w.takeOutput();
    expect(w.pendingOutputBytes()).toBe(0);
    // The steps start again from an empty buffer.
    for (let i = 0; i < 53; i++) w.addReplyBulk(v);
    expect(w.checks.length).toBe(n);
    for (let i = 0; i < 1; i++) w.addReplyBulk(v);
    expect(w.checks.length).toBe(n + 1);
  });

  it('counts large Buffers, text moved behind deferred lengths and the headers', () => {
    const w = new GrowthWriter();
    w.addReplyStatus('x'.repeat(10000));
    const h = w.addReplyDeferredLen();
    expect(w.pendingOutputBytes()).toBe(10003);
    expect(w.checks).toEqual([]);
    // A Buffer bulk: header, the Buffer itself, CRLF; checked once the reply is whole.
    w.addReplyBulk(Buffer.alloc(8000, 0xff));
    expect(w.checks).toEqual([10003 + 7 + 8000 + 2]);
    // The header counts once it is set, as in Redis's reply buffers.
    w.setDeferredArrayLen(h, 1);
    expect(w.pendingOutputBytes()).toBe(10003 + 4 + 7 + 8000 + 2);
    w.addReplyBulk(Buffer.alloc(20000));
    expect(w.checks.length).toBe(2);
    expect(w.checks[1]).toBe(18016 + 8 + 20000 + 2);
  });
});

describe('output buffer limit checks', () => {
  function setup(limits: string) {
    const clock = new ManualClock(1_700_000_000_000);
    const server = new NodisServer({ logger: silentLogger(), clock, config: { 'client-output-buffer-limit': limits } });
    // A socket stand-in: pending bytes in writableLength, destroy() as close.
    const sock = {
      writableLength: 0,
      destroyed: false,
      writableEnded: false,
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      localAddress: '127.0.0.1',
      localPort: 2,
      write: () => true,
      cork: () => {},
      uncork: () => {},
      isPaused: () => false,
      pause: () => {},
      destroy() {
        this.destroyed = true;
      },
    };
    const c = server.createClient(sock as never);
    return { server, clock, sock, c };
  }

  it('uses getClientType(): pubsub when subscribed, monitors as normal, replicas', () => {
    const { sock, c } = setup('normal 1000 0 0 replica 3000000 0 0 pubsub 2000 0 0');
    sock.writableLength = 1500;
    expect(checkClientOutputBufferLimits(c)).toBe(true);
    c.flags |= CLIENT_PUBSUB;
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    c.flags &= ~CLIENT_PUBSUB;
    c.flags |= CLIENT_SLAVE | CLIENT_MONITOR;
    expect(checkClientOutputBufferLimits(c)).toBe(true);
    c.flags &= ~CLIENT_MONITOR;
    sock.writableLength = 2500000;
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    sock.writableLength = 3000000;
    expect(checkClientOutputBufferLimits(c)).toBe(true);
  });

  it('a replica hard limit below repl-backlog-size is raised to it', () => {
    const { server, sock, c } = setup('replica 3000 0 0');
    server.config.set('repl-backlog-size', '1mb');
    c.flags |= CLIENT_SLAVE;
    sock.writableLength = 500000;
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    sock.writableLength = 1024 * 1024;
    expect(checkClientOutputBufferLimits(c)).toBe(true);
  });

  it('soft limit: reached for more than `seconds` whole seconds', () => {
    const { clock, sock, c } = setup('normal 0 1000 2');
    sock.writableLength = 1000;
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    const t = c.obufSoftLimitReachedTime;
    expect(t).toBe(Math.floor(clock.now() / 1000));
    clock.advance(2000);
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    clock.advance(1000);
    expect(checkClientOutputBufferLimits(c)).toBe(true);
    // Under the soft limit: the time is forgotten.
    sock.writableLength = 999;
    expect(checkClientOutputBufferLimits(c)).toBe(false);
    expect(c.obufSoftLimitReachedTime).toBe(0);
  });

  it('closing: flags the client, drops its output, stops queueing; fake clients are never closed', () => {
    const { server, sock, c } = setup('normal 100 0 0');
    c.addReplyBulk('x'.repeat(50));
    expect(closeClientOnOutputBufferLimitReached(c, true)).toBe(false);
    c.addReplyBulk('x'.repeat(50));
    expect(closeClientOnOutputBufferLimitReached(c, true)).toBe(true);
    expect(c.flags & CLIENT_CLOSE_ASAP).not.toBe(0);
    expect(sock.destroyed).toBe(true);
    expect(c.pendingOutputBytes()).toBe(0);
    expect(server.stats.clientOutbufLimitDisconnections).toBe(1);
    c.addReplyBulk('more');
    expect(c.hasPendingOutput()).toBe(false);
    // Already closing: not counted twice.
    expect(closeClientOnOutputBufferLimitReached(c, true)).toBe(false);
    const fake = server.createClient(null);
    fake.addReplyBulk('x'.repeat(1000));
    expect(closeClientOnOutputBufferLimitReached(fake, true)).toBe(false);
    expect(fake.pendingOutputBytes()).toBeGreaterThan(1000);
  });
});
